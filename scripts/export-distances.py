#!/usr/bin/env python3
"""How far exported copies of a checkpoint are from it, measured with lmlab itself (no other package):

    python3 scripts/export-distances.py checkpoints/lessons-tiny.h5 checkpoints/lessons-tiny.q8_0.gguf checkpoints/lessons-tiny-hf

For each of the lessons' prompts the checkpoint writes 24 greedy tokens; then every other model
  - scores that same text (`lmlab score --json`): the largest |difference| of the per-token log-probabilities, and
  - decodes greedily itself: how many tokens agree before the first difference.
"""
import argparse
import json
import subprocess

PROMPTS = [" The game was released in", " The game was released in Japan in",
           "The quick brown fox jumps over the lazy dog, unbelievably."]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("checkpoint")
    ap.add_argument("models", nargs="+")
    ap.add_argument("--lmlab", default=".build/release/lmlab")
    ap.add_argument("-n", type=int, default=24)
    args = ap.parse_args()

    def run(*a):
        return json.loads(subprocess.run([args.lmlab, *a], capture_output=True, text=True, check=True).stdout)

    def greedy(model, prompt):
        return run("generate", "--model", model, "--prompt", prompt, "-n", str(args.n), "--temperature", "0", "--json")["choices"][0]

    reference = {}
    for p in PROMPTS:
        g = greedy(args.checkpoint, p)
        reference[p] = (g["token_ids"], g["text"], run("score", "--model", args.checkpoint, "--text", p + g["text"], "--json"))
    for model in args.models:
        worst, same, total = 0.0, 0, 0
        for p in PROMPTS:
            ids, text, scored = reference[p]
            other = greedy(model, p)["token_ids"]
            k = 0
            while k < min(len(ids), len(other)) and ids[k] == other[k]:
                k += 1
            same, total = same + k, total + len(ids)
            for a, b in zip(scored["tokens"], run("score", "--model", model, "--text", p + text, "--json")["tokens"]):
                if "logprob" in a:
                    worst = max(worst, abs(a["logprob"] - b["logprob"]))
        print(f"{model}: max |Δ log p| {worst:.2e} nats on the checkpoint's continuations; greedy tokens equal {same}/{total}")


if __name__ == "__main__":
    main()
