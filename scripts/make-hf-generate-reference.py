#!/usr/bin/env python3
"""Hugging Face transformers `generate()` outputs for SmolLM2-135M-Instruct (Q4_1 GGUF), for the Decoding tests
(Tests/DecodingTests/Fixtures/hf-generate-reference.json).

transformers loads the GGUF by dequantizing every tensor to float32 (gguf-py) into its own LlamaForCausalLM, and its
tokenizer from the GGUF's vocabulary and merges; it shares no code with lmlab. A CPU float32 run
(torch.set_num_threads(2)), so ids are deterministic but near-ties may fall differently from lmlab's float32 runtime.

What the file holds, per prompt (three plain prompts and one chat prompt rendered with the GGUF's chat template through
tokenizer.apply_chat_template(add_generation_prompt=True), which inserts SmolLM2's default system message):
  text, ids (HF's tokenization with add_special_tokens=True — this GGUF adds no BOS), and one entry per setting in
  SETTINGS with the exact generate() keyword arguments, max_new_tokens = 32, EOS (id 2, <|im_end|>) left on as the
  stop token: per returned sequence the new token ids (up to and including EOS when it stopped there; HF pads
  finished rows with pad = EOS, that padding is cut), whether EOS stopped it, and for beam search `sequences_scores`.
"sampling_steps", one per prompt (the first prompt first): the raw next-token logits' top 100 (ids, values) and the
raw logits of the prompt's ids, and under "processed" the scores `scores[0]` of one do_sample step (repetition_penalty
1.3, temperature 0.7, top_k 50, then top_p 0.9 or top_p 1.0) — only the finite entries (ids, values, best first),
every other id is -inf — and which of those ids are prompt ids (the ones the repetition penalty changed).

Semantics these numbers pin (transformers 5.x, read from generation/utils.py and logits_process.py; the beam scores
are checked by `check_beam_scores` below, which recomputes each from a plain forward pass and stops the script when
it disagrees by more than 1e-3):
  - Greedy/sampling processors act on raw logits, in order: repetition penalty (every id present in prompt +
    generated so far: logit < 0 → logit·p, else logit/p), temperature (÷T), top-k (others → -inf), top-p (sort
    ascending, drop the ids whose cumulative softmax mass ≤ 1 − top_p, keep at least one).
  - Beam search applies the processors to log_softmax(logits), not to logits: the repetition penalty multiplies a
    repeated id's (negative) log-probability by p, without renormalising; no_repeat_ngram_size sets -inf on any id
    that would complete an n-gram already present in prompt + generated. A beam's running score is the sum of these
    processed log-probabilities. Each step takes the best 2·num_beams (beam, token) candidates by that sum; a
    candidate that ends in EOS, or reaches max_new_tokens, is finished if it ranks among the first num_beams of them
    (else dropped), scored sum / (new_tokens ** length_penalty), new_tokens counting the EOS and excluding the prompt,
    and kept if it beats the worst of the num_beams finished so far; the best num_beams unfinished candidates run on.
    early_stopping=False (HF's default; "early_stopping_default": null means False): once num_beams hypotheses are
    finished, search stops when the best running beam's sum / (new_tokens_so_far ** length_penalty) is no better
    than the worst finished score. sequences_scores are the finished scores, best first.

Usage: pip install torch transformers gguf accelerate numpy
       python3 scripts/make-hf-generate-reference.py checkpoints/SmolLM2-135M-Instruct.Q4_1.gguf \\
           > Tests/DecodingTests/Fixtures/hf-generate-reference.json
"""
import json
import os
import platform
import sys
from importlib.metadata import version

import torch

PROMPTS = ["The capital of France is", "The quick brown fox", "Once upon a time, there was a little robot who"]
CHAT = [{"role": "user", "content": "What is 2+2?"}]
MAX_NEW = 32
SETTINGS = {
    "greedy": dict(do_sample=False, num_beams=1),
    "beam4_rep1.3": dict(do_sample=False, num_beams=4, repetition_penalty=1.3, length_penalty=1.0,
                         num_return_sequences=4),
    "greedy_rep1.3": dict(do_sample=False, num_beams=1, repetition_penalty=1.3),
    "beam4_norepeat3_lp0.6": dict(do_sample=False, num_beams=4, no_repeat_ngram_size=3, length_penalty=0.6,
                                  num_return_sequences=4),
}
SAMPLING = dict(do_sample=True, temperature=0.7, top_k=50, top_p=0.9, repetition_penalty=1.3)
# The same without top-p: all 50 top-k ids survive, among them prompt ids, so the penalty shows in the scores.
SAMPLING_NO_TOP_P = dict(SAMPLING, top_p=1.0)


def new_tokens(row, prompt_len, eos):
    """The generated ids of one output row, cut after the first EOS (HF pads finished rows with pad = EOS)."""
    ids = row[prompt_len:].tolist()
    if eos in ids:
        return ids[:ids.index(eos) + 1], True
    return ids, False


def check_beam_scores(model, prompt_ids, sequences, scores, kw, eos):
    """Recompute each returned beam's score from one forward pass (module docstring); raise on disagreement."""
    for seq, expected in zip(sequences, scores):
        full = torch.tensor([prompt_ids + seq])
        with torch.inference_mode():
            logp = torch.log_softmax(model(full).logits[0].double(), dim=-1)
        total = 0.0
        for t, tok in enumerate(seq):
            pos = len(prompt_ids) + t
            lp = logp[pos - 1, tok].item()
            if "repetition_penalty" in kw and tok in full[0, :pos].tolist():
                lp *= kw["repetition_penalty"]  # log-probs are negative: multiply
            total += lp
        observed = total / (len(seq) ** kw["length_penalty"])
        if abs(observed - expected) > 1e-3:
            raise SystemExit(f"beam score check failed: {seq}: HF {expected}, recomputed {observed}")


def compact(obj, indent=0):
    """JSON with lists of numbers, and small flat objects, on one line (keeps the fixture short and diffable)."""
    pad, inner = " " * indent, " " * (indent + 1)
    flat = json.dumps(obj, ensure_ascii=False)
    nested = lambda v: isinstance(v, dict) or (isinstance(v, list) and any(isinstance(x, (dict, list)) for x in v))
    if isinstance(obj, dict) and len(flat) <= 300 and not any(nested(v) for v in obj.values()):
        return flat
    if isinstance(obj, dict):
        items = [f"{inner}{json.dumps(k)}: {compact(v, indent + 1)}" for k, v in obj.items()]
        return "{\n" + ",\n".join(items) + "\n" + pad + "}"
    if isinstance(obj, list) and any(isinstance(v, (dict, list)) for v in obj):
        return "[\n" + ",\n".join(inner + compact(v, indent + 1) for v in obj) + "\n" + pad + "]"
    return flat


def main():
    path = sys.argv[1]
    torch.set_num_threads(2)
    import transformers
    from transformers import AutoModelForCausalLM, AutoTokenizer
    transformers.logging.set_verbosity_error()
    transformers.utils.logging.disable_progress_bar()
    d, name = os.path.dirname(os.path.abspath(path)), os.path.basename(path)
    tok = AutoTokenizer.from_pretrained(d, gguf_file=name)
    model = AutoModelForCausalLM.from_pretrained(d, gguf_file=name, dtype=torch.float32).eval()
    eos = tok.eos_token_id
    out = {"model": name,
           "generator": "scripts/make-hf-generate-reference.py (Hugging Face transformers generate(), float32)",
           "versions": {"transformers": transformers.__version__, "torch": torch.__version__,
                        "gguf": version("gguf"), "tokenizers": version("tokenizers"),
                        "python": platform.python_version()},
           "eos_id": eos, "pad_id": tok.pad_token_id, "max_new_tokens": MAX_NEW,
           "early_stopping_default": model.generation_config.early_stopping,
           "settings": SETTINGS, "prompts": []}

    chat_text = tok.apply_chat_template(CHAT, tokenize=False, add_generation_prompt=True)
    prompts = [(t, None) for t in PROMPTS] + [(chat_text, CHAT)]
    for text, messages in prompts:
        ids = tok(text).input_ids
        entry = {"text": text}
        if messages:
            entry["messages"] = messages
        entry["ids"] = ids
        x = torch.tensor([ids])
        for label, kw in SETTINGS.items():
            with torch.inference_mode():
                g = model.generate(x, attention_mask=torch.ones_like(x), max_new_tokens=MAX_NEW,
                                   pad_token_id=tok.pad_token_id, output_scores=True, return_dict_in_generate=True,
                                   **kw)
            rows = [new_tokens(r, len(ids), eos) for r in g.sequences]
            rec = {"sequences": [r[0] for r in rows], "stopped_by_eos": [r[1] for r in rows],
                   "texts": [tok.decode(r[0]) for r in rows]}
            if kw["num_beams"] > 1:
                rec["sequences_scores"] = [round(float(s), 6) for s in g.sequences_scores]
                check_beam_scores(model, ids, rec["sequences"], rec["sequences_scores"], kw, eos)
            entry[label] = rec
            print(f"{text!r} {label}: {rec['texts'][0]!r}", file=sys.stderr)
        out["prompts"].append(entry)

    # One sampling step per prompt, both settings: raw logits and HF's processed scores. With top-p 0.9 the first
    # prompt keeps a single id (p(" Paris") > 0.9 at T = 0.7); with top-p 1 all 50 top-k ids survive. The raw top 100
    # hold every id that can reach the processed top 50: the penalty only lowers logits, and only of prompt ids
    # (fewer than 50 here), so an id below raw rank 50 + len(prompt) cannot climb into it.
    out["sampling_steps"] = []
    for entry in out["prompts"]:
        ids = entry["ids"]
        assert len(set(ids)) < 50, "raw top 100 would not cover the processed top 50"
        x = torch.tensor([ids])
        with torch.inference_mode():
            raw = model(x).logits[0, -1]
        top = torch.topk(raw, 100)
        step = {"prompt": entry["text"], "raw_top100_ids": top.indices.tolist(),
                "raw_top100_logits": [round(v, 6) for v in top.values.tolist()],
                "prompt_ids_raw_logits": {str(i): round(raw[i].item(), 6) for i in sorted(set(ids))},
                "processed": []}
        for settings in (SAMPLING, SAMPLING_NO_TOP_P):
            with torch.inference_mode():
                torch.manual_seed(0)
                g = model.generate(x, attention_mask=torch.ones_like(x), max_new_tokens=1,
                                   pad_token_id=tok.pad_token_id, output_scores=True, output_logits=True,
                                   return_dict_in_generate=True, **settings)
            assert torch.allclose(g.logits[0][0], raw, atol=1e-4), "generate()'s raw logits differ from a forward"
            processed = g.scores[0][0]
            finite = torch.nonzero(torch.isfinite(processed)).flatten()
            finite = finite[torch.argsort(processed[finite], descending=True)]
            step["processed"].append({
                "settings": settings, "ids": finite.tolist(),
                "scores": [round(v, 6) for v in processed[finite].tolist()],
                "ids_in_prompt": sorted(set(finite.tolist()) & set(ids)), "other": "-inf"})
        out["sampling_steps"].append(step)
    print(compact(out))


if __name__ == "__main__":
    main()
