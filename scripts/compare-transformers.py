#!/usr/bin/env python3
"""Check by hand that Hugging Face transformers runs an lmlab export as lmlab does (needs torch + transformers, which
CI does not install: run it in a venv outside the repository, e.g. the peers' one):

    lmlab export checkpoints/lessons-tiny.h5 --format hf --out /tmp/tiny-hf
    ../peer-venv/bin/python scripts/compare-transformers.py /tmp/tiny-hf --lmlab .build/release/lmlab

For each prompt it compares
  - AutoTokenizer's ids with lmlab's (`lmlab inspect --json` reports the prompt's ids), and
  - AutoModelForCausalLM's float32 logits for the next token with lmlab's raw logits (`inspect --top <vocab>`),
and prints the largest |difference|. Exit status 1 when ids differ or a logit differs by more than --tolerance.
`--model` compares transformers on FOLDER against lmlab on another file (e.g. the .h5 the folder was exported from).
"""
import argparse
import json
import subprocess
import sys

import torch
from transformers import AutoModelForCausalLM, AutoTokenizer

PROMPTS = [" The game was released in", " The game was released in Japan in", "The quick brown fox jumps over the lazy dog, unbelievably.",
           " In 1990 , the album was re @-@ released"]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("folder")
    ap.add_argument("--lmlab", default=".build/release/lmlab")
    ap.add_argument("--model", help="what lmlab runs (default: FOLDER itself)")
    ap.add_argument("--prompt", action="append", help="prompts (default: a few of the lessons')")
    ap.add_argument("--tolerance", type=float, default=1e-4)
    args = ap.parse_args()

    torch.set_num_threads(2)
    model = AutoModelForCausalLM.from_pretrained(args.folder, dtype=torch.float32).eval()
    tokenizer = AutoTokenizer.from_pretrained(args.folder)
    vocab = model.config.vocab_size
    ok = True
    worst = 0.0
    for prompt in args.prompt or PROMPTS:
        out = subprocess.run([args.lmlab, "inspect", "--model", args.model or args.folder, "--prompt", prompt,
                              "--top", str(vocab), "--json"], check=True, capture_output=True, text=True).stdout
        report = json.loads(out)
        ids = tokenizer(prompt)["input_ids"]
        same_ids = ids == report["prompt_tokens"]
        with torch.no_grad():
            logits = model(torch.tensor([report["prompt_tokens"]])).logits[0, -1].double()
        lm = torch.zeros(vocab, dtype=torch.float64)
        for row in report["rows"]:
            lm[row["id"]] = row["logit"]
        diff = (logits - lm).abs().max().item()
        worst = max(worst, diff)
        ok = ok and same_ids and diff <= args.tolerance
        lmlab_ids = report["prompt_tokens"]
        print(f"{prompt!r}: {len(ids)} ids {'equal' if same_ids else f'DIFFER {ids} vs {lmlab_ids}'}, "
              f"max |logit difference| {diff:.2e}, top token {int(logits.argmax())} vs {report['rows'][0]['id']}")
    print(f"{'OK' if ok else 'FAILED'}: transformers {model.config.architectures[0]} vs lmlab, worst |Δ| {worst:.2e} "
          f"(tolerance {args.tolerance:g})")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
