#!/usr/bin/env python3
"""Reference next-token log-probabilities and greedy continuations of SmolLM2-135M-Instruct (Q4_1 GGUF), for
Tests/ModelsTests/RuntimeSmolLM2Tests.swift.

An independent float64 NumPy forward of the llama architecture (RMSNorm, RoPE on adjacent feature pairs as GGUF's
converter lays out q/k, grouped-query attention, SwiGLU, tied output head) over the weights gguf-py dequantizes
(gguf.GGUFReader + gguf.quants.dequantize). It shares no code with lmlab.

The prompt ids are hard-coded: they are what lmlab's GGUF tokenizer gives (tokenizer.encode(text, addSpecial: true,
parseSpecial: special); SmolLM2 adds no BOS). The Swift test checks the tokenizer still produces them.

Usage: pip install gguf numpy
       python3 scripts/make-runtime-reference.py checkpoints/SmolLM2-135M-Instruct.Q4_1.gguf \
           > Tests/ModelsTests/Fixtures/smollm2-runtime-reference.json
"""
import json
import sys

import numpy as np
from gguf import GGUFReader
from gguf.quants import dequantize

PROMPTS = [
    ("The capital of France is", False, [504, 3575, 282, 4649, 314]),
    ("The quick brown fox", False, [504, 2365, 6354, 16438]),
    ("1, 2, 3, 4, 5,", False, [33, 28, 216, 34, 28, 216, 35, 28, 216, 36, 28, 216, 37, 28]),
    ("<|im_start|>user\nWhat is 2+2?<|im_end|>\n<|im_start|>assistant\n", True,
     [1, 4093, 198, 1780, 314, 216, 34, 27, 34, 47, 2, 198, 1, 520, 9531, 198]),
]
TOP_K = 10
GREEDY_TOKENS = 32  # EOS is not a stop here: the test compares 32 argmax steps


class Llama:
    def __init__(self, path):
        r = GGUFReader(path)
        self.meta = {k: f.contents() for k, f in r.fields.items() if k.startswith("llama.")}
        # gguf-py gives (rows, cols) for matrices; ggml's shape lists cols first.
        self.w = {t.name: np.asarray(dequantize(t.data, t.tensor_type), dtype=np.float64)
                  .reshape(list(reversed([int(n) for n in t.shape]))) for t in r.tensors}
        m = self.meta
        self.layers = int(m["llama.block_count"])
        self.d = int(m["llama.embedding_length"])
        self.heads = int(m["llama.attention.head_count"])
        self.kv_heads = int(m.get("llama.attention.head_count_kv", self.heads))
        self.hs = self.d // self.heads
        self.eps = float(m["llama.attention.layer_norm_rms_epsilon"])
        theta = float(m.get("llama.rope.freq_base", 10000.0))
        self.inv_freq = theta ** (-2.0 * np.arange(self.hs // 2) / self.hs)  # (hs/2)
        # Long-context RoPE as GGUF stores it: per-frequency divisors (Llama 3.1's rope_freqs) and linear scaling.
        if "rope_freqs.weight" in self.w:
            self.inv_freq = self.inv_freq / self.w["rope_freqs.weight"]
        self.position_scale = 1.0
        if m.get("llama.rope.scaling.type") == "linear":
            self.position_scale = 1.0 / float(m["llama.rope.scaling.factor"])
        self.out = self.w.get("output.weight", self.w["token_embd.weight"])   # tied when absent

    def rmsnorm(self, x, w):
        return x / np.sqrt(np.mean(x * x, axis=-1, keepdims=True) + self.eps) * w

    def rope(self, x, positions):
        # x (T, heads, hs): rotate pairs (2i, 2i+1) by position · inv_freq[i]
        angle = (positions * self.position_scale)[:, None] * self.inv_freq[None, :]   # (T, hs/2)
        cos, sin = np.cos(angle)[:, None, :], np.sin(angle)[:, None, :]
        a, b = x[..., 0::2], x[..., 1::2]
        y = np.empty_like(x)
        y[..., 0::2] = a * cos - b * sin
        y[..., 1::2] = a * sin + b * cos
        return y

    def forward(self, ids, cache, all_positions=False):
        """Logits (vocab) of the last of `ids` — or (T, vocab) of every one with `all_positions` — fed at positions
        len(cache) onwards; cache: per layer (K, V) lists."""
        p0 = cache["length"]
        t = len(ids)
        positions = np.arange(p0, p0 + t, dtype=np.float64)
        x = self.w["token_embd.weight"][ids]                               # (T, d)
        group = self.heads // self.kv_heads
        for l in range(self.layers):
            p = f"blk.{l}."
            h = self.rmsnorm(x, self.w[p + "attn_norm.weight"])
            q = (h @ self.w[p + "attn_q.weight"].T).reshape(t, self.heads, self.hs)
            k = (h @ self.w[p + "attn_k.weight"].T).reshape(t, self.kv_heads, self.hs)
            v = (h @ self.w[p + "attn_v.weight"].T).reshape(t, self.kv_heads, self.hs)
            q, k = self.rope(q, positions), self.rope(k, positions)
            K = cache["k"][l] = np.concatenate([cache["k"][l], k]) if p0 else k   # (S, kvh, hs)
            V = cache["v"][l] = np.concatenate([cache["v"][l], v]) if p0 else v
            s = K.shape[0]
            att = np.empty((t, self.heads, self.hs))
            mask = np.arange(s)[None, :] <= (p0 + np.arange(t))[:, None]      # (T, S) causal
            for hd in range(self.heads):
                scores = q[:, hd, :] @ K[:, hd // group, :].T / np.sqrt(self.hs)  # (T, S)
                scores = np.where(mask, scores, -np.inf)
                scores = np.exp(scores - scores.max(axis=1, keepdims=True))
                scores /= scores.sum(axis=1, keepdims=True)
                att[:, hd, :] = scores @ V[:, hd // group, :]
            x = x + att.reshape(t, self.d) @ self.w[p + "attn_output.weight"].T
            h = self.rmsnorm(x, self.w[p + "ffn_norm.weight"])
            g = h @ self.w[p + "ffn_gate.weight"].T
            u = h @ self.w[p + "ffn_up.weight"].T
            x = x + (g / (1 + np.exp(-g)) * u) @ self.w[p + "ffn_down.weight"].T
        cache["length"] = p0 + t
        return self.rmsnorm(x if all_positions else x[-1], self.w["output_norm.weight"]) @ self.out.T


def log_softmax(z):
    z = z - z.max()
    return z - np.log(np.exp(z).sum())


def main():
    model = Llama(sys.argv[1])
    out = {"model": sys.argv[1].split("/")[-1], "generator": "scripts/make-runtime-reference.py (float64 NumPy)",
           "prompts": []}
    for text, special, ids in PROMPTS:
        cache = {"length": 0, "k": [None] * model.layers, "v": [None] * model.layers}
        logits = model.forward(ids, cache)
        lp = log_softmax(logits)
        top = np.argsort(-lp)[:TOP_K]
        greedy, margins = [], []
        for step in range(GREEDY_TOKENS):
            order = np.argsort(-logits)
            greedy.append(int(order[0]))
            margins.append(float(logits[order[0]] - logits[order[1]]))
            if step + 1 < GREEDY_TOKENS:
                logits = model.forward([greedy[-1]], cache)
        out["prompts"].append({"text": text, "special": special, "ids": ids, "top_ids": [int(i) for i in top],
                               "top_logprobs": [round(float(lp[i]), 6) for i in top], "greedy": greedy,
                               "greedy_margins": [round(m, 4) for m in margins]})
        print(f"{text!r}: top {int(top[0])} ({lp[top[0]]:.4f}), greedy {greedy}", file=sys.stderr)
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
