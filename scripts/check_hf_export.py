#!/usr/bin/env python3
"""Reads a Hugging Face folder that `lmlab export --format hf` wrote with the `safetensors` package and NumPy only (no
torch), and checks it against lmlab (Tests/ModelsTests/HFExportTests.swift writes EXPECT.json):

    python3 scripts/check_hf_export.py FOLDER EXPECT.json

EXPECT.json = {"weights": {lmlab parameter name: {"shape": [...], "values": [...]}},
               "prompts": [{"ids": [...], "logits": [[...vocab] per position]}],   lmlab's float32 logits
               "texts":   [{"text": "...", "ids": [...]}]}                            lmlab's token ids

1. The tensor names and shapes are the ones transformers' GPT2LMHeadModel / LlamaForCausalLM expect for config.json
   (listed here from transformers' conventions, not from lmlab's code).
2. The values are lmlab's weights under those conventions: GPT-2's Conv1D holds Wᵀ with q, k, v fused in c_attn;
   Llama's q_proj / k_proj rows are in rotate_half order (HF row j of a head = lmlab row 2j, row j + hs/2 = 2j + 1).
3. A float64 NumPy forward pass written from the transformers models' definitions, over the exported tensors, gives
   lmlab's logits within 1e-4 at every position.
4. If the `tokenizers` package is installed, tokenizer.json encodes each text to lmlab's ids.
Prints one line per problem, then a summary; exits 1 if there is any problem.
"""
import json
import math
import os
import sys

import numpy as np
from safetensors.numpy import load_file

TOLERANCE = 1e-4


def expected_shapes(c):
    """Tensor name -> shape, as transformers names them for this config.json."""
    v = c["vocab_size"]
    out = {}
    if c["model_type"] == "gpt2":
        d, inner, t = c["n_embd"], c["n_inner"] or 4 * c["n_embd"], c["n_positions"]
        out["transformer.wte.weight"] = [v, d]
        out["transformer.wpe.weight"] = [t, d]
        for i in range(c["n_layer"]):
            h = f"transformer.h.{i}."
            out.update({h + "ln_1.weight": [d], h + "ln_1.bias": [d], h + "attn.c_attn.weight": [d, 3 * d],
                        h + "attn.c_attn.bias": [3 * d], h + "attn.c_proj.weight": [d, d], h + "attn.c_proj.bias": [d],
                        h + "ln_2.weight": [d], h + "ln_2.bias": [d], h + "mlp.c_fc.weight": [d, inner],
                        h + "mlp.c_fc.bias": [inner], h + "mlp.c_proj.weight": [inner, d], h + "mlp.c_proj.bias": [d]})
        out["transformer.ln_f.weight"] = [d]
        out["transformer.ln_f.bias"] = [d]
    else:
        d, inner = c["hidden_size"], c["intermediate_size"]
        hs = c.get("head_dim") or d // c["num_attention_heads"]
        q, kv = c["num_attention_heads"] * hs, c["num_key_value_heads"] * hs
        out["model.embed_tokens.weight"] = [v, d]
        for i in range(c["num_hidden_layers"]):
            p = f"model.layers.{i}."
            out.update({p + "input_layernorm.weight": [d], p + "self_attn.q_proj.weight": [q, d],
                        p + "self_attn.k_proj.weight": [kv, d], p + "self_attn.v_proj.weight": [kv, d],
                        p + "self_attn.o_proj.weight": [d, q], p + "post_attention_layernorm.weight": [d],
                        p + "mlp.gate_proj.weight": [inner, d], p + "mlp.up_proj.weight": [inner, d],
                        p + "mlp.down_proj.weight": [d, inner]})
        out["model.norm.weight"] = [d]
    if not c.get("tie_word_embeddings", True):
        out["lm_head.weight"] = [v, out.get("transformer.wte.weight", out.get("model.embed_tokens.weight"))[1]]
    return out


def rotate_half_rows(w, heads):
    """lmlab's q/k rows (pairs 2j, 2j+1) in HF's rotate_half order (pairs j, j + hs/2)."""
    hs = w.shape[0] // heads
    return w.reshape(heads, hs // 2, 2, -1).transpose(0, 2, 1, 3).reshape(w.shape)


def lmlab_view(c, t):
    """lmlab parameter name -> values, rebuilt from the HF tensors by transformers' conventions."""
    out = {}
    if c["model_type"] == "gpt2":
        d = c["n_embd"]
        out["tokenEmbedding"] = t["transformer.wte.weight"]
        out["positionEmbedding"] = t["transformer.wpe.weight"]
        for i in range(c["n_layer"]):
            h, b = f"transformer.h.{i}.", f"blocks.{i}."
            w, bias = t[h + "attn.c_attn.weight"].T, t[h + "attn.c_attn.bias"]  # Conv1D holds W^T
            for j, n in enumerate("qkv"):
                out[b + f"attention.w{n}"] = w[j * d:(j + 1) * d]
                out[b + f"attention.b{n}"] = bias[j * d:(j + 1) * d]
            out[b + "attention.wo"] = t[h + "attn.c_proj.weight"].T
            out[b + "attention.bo"] = t[h + "attn.c_proj.bias"]
            out[b + "attentionNorm.weight"], out[b + "attentionNorm.bias"] = t[h + "ln_1.weight"], t[h + "ln_1.bias"]
            out[b + "mlpNorm.weight"], out[b + "mlpNorm.bias"] = t[h + "ln_2.weight"], t[h + "ln_2.bias"]
            out[b + "mlp.up"], out[b + "mlp.upBias"] = t[h + "mlp.c_fc.weight"].T, t[h + "mlp.c_fc.bias"]
            out[b + "mlp.down"], out[b + "mlp.downBias"] = t[h + "mlp.c_proj.weight"].T, t[h + "mlp.c_proj.bias"]
        out["finalNorm.weight"], out["finalNorm.bias"] = t["transformer.ln_f.weight"], t["transformer.ln_f.bias"]
    else:
        out["tokenEmbedding"] = t["model.embed_tokens.weight"]
        for i in range(c["num_hidden_layers"]):
            p, b = f"model.layers.{i}.", f"blocks.{i}."
            # invert rotate_half_rows: HF row j <- lmlab row 2j, HF row j + hs/2 <- lmlab row 2j + 1
            for n, heads in (("q", c["num_attention_heads"]), ("k", c["num_key_value_heads"])):
                w = t[p + f"self_attn.{n}_proj.weight"]
                hs = w.shape[0] // heads
                out[b + f"attention.w{n}"] = w.reshape(heads, 2, hs // 2, -1).transpose(0, 2, 1, 3).reshape(w.shape)
            out[b + "attention.wv"] = t[p + "self_attn.v_proj.weight"]
            out[b + "attention.wo"] = t[p + "self_attn.o_proj.weight"]
            out[b + "attentionNorm.weight"] = t[p + "input_layernorm.weight"]
            out[b + "mlpNorm.weight"] = t[p + "post_attention_layernorm.weight"]
            out[b + "mlp.gate"], out[b + "mlp.up"] = t[p + "mlp.gate_proj.weight"], t[p + "mlp.up_proj.weight"]
            out[b + "mlp.down"] = t[p + "mlp.down_proj.weight"]
        out["finalNorm.weight"] = t["model.norm.weight"]
    if "lm_head.weight" in t:
        out["outputHead"] = t["lm_head.weight"]
    return out


def softmax(x):
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def attention(q, k, v, heads, kv_heads):
    """Causal multi-head attention; q (T, heads*hs), k/v (T, kv_heads*hs); kv head h // (heads/kv_heads)."""
    T = q.shape[0]
    hs = q.shape[1] // heads
    q, k, v = q.reshape(T, heads, hs), k.reshape(T, kv_heads, hs), v.reshape(T, kv_heads, hs)
    rep = heads // kv_heads
    k, v = np.repeat(k, rep, axis=1), np.repeat(v, rep, axis=1)
    s = np.einsum("thd,shd->hts", q, k) / math.sqrt(hs)
    s = s + np.triu(np.full((T, T), -np.inf), 1)
    return np.einsum("hts,shd->thd", softmax(s), v).reshape(T, heads * hs)


def forward_gpt2(c, t, ids):
    """GPT2LMHeadModel: Conv1D is x @ W + b; activation_function "gelu" is the exact x * Phi(x)."""
    eps = c["layer_norm_epsilon"]
    erf = np.vectorize(math.erf)

    def ln(x, w, b):
        m = x.mean(-1, keepdims=True)
        var = ((x - m) ** 2).mean(-1, keepdims=True)
        return (x - m) / np.sqrt(var + eps) * w + b

    x = t["transformer.wte.weight"][ids] + t["transformer.wpe.weight"][: len(ids)]
    d = c["n_embd"]
    for i in range(c["n_layer"]):
        h = f"transformer.h.{i}."
        a = ln(x, t[h + "ln_1.weight"], t[h + "ln_1.bias"])
        qkv = a @ t[h + "attn.c_attn.weight"] + t[h + "attn.c_attn.bias"]
        y = attention(qkv[:, :d], qkv[:, d:2 * d], qkv[:, 2 * d:], c["n_head"], c["n_head"])
        x = x + y @ t[h + "attn.c_proj.weight"] + t[h + "attn.c_proj.bias"]
        m = ln(x, t[h + "ln_2.weight"], t[h + "ln_2.bias"]) @ t[h + "mlp.c_fc.weight"] + t[h + "mlp.c_fc.bias"]
        m = 0.5 * m * (1 + erf(m / math.sqrt(2)))
        x = x + m @ t[h + "mlp.c_proj.weight"] + t[h + "mlp.c_proj.bias"]
    x = ln(x, t["transformer.ln_f.weight"], t["transformer.ln_f.bias"])
    return x @ t.get("lm_head.weight", t["transformer.wte.weight"]).T


def forward_llama(c, t, ids):
    """LlamaForCausalLM: RMSNorm, rotate_half RoPE (cos/sin of cat(freqs, freqs)), GQA, SwiGLU."""
    eps, heads, kv_heads = c["rms_norm_eps"], c["num_attention_heads"], c["num_key_value_heads"]
    hs = c.get("head_dim") or c["hidden_size"] // heads
    theta = c.get("rope_theta") or c.get("rope_parameters", {}).get("rope_theta", 10000.0)

    def rms(x, w):
        return x / np.sqrt((x ** 2).mean(-1, keepdims=True) + eps) * w

    inv = 1.0 / theta ** (np.arange(0, hs, 2, dtype=np.float64) / hs)
    freqs = np.outer(np.arange(len(ids), dtype=np.float64), inv)
    cos, sin = np.cos(np.concatenate([freqs, freqs], -1)), np.sin(np.concatenate([freqs, freqs], -1))

    def rope(x, n):
        x = x.reshape(len(ids), n, hs)
        rotated = np.concatenate([-x[..., hs // 2:], x[..., : hs // 2]], -1)
        return (x * cos[:, None] + rotated * sin[:, None]).reshape(len(ids), n * hs)

    x = t["model.embed_tokens.weight"][ids]
    for i in range(c["num_hidden_layers"]):
        p = f"model.layers.{i}."
        a = rms(x, t[p + "input_layernorm.weight"])
        q = rope(a @ t[p + "self_attn.q_proj.weight"].T, heads)
        k = rope(a @ t[p + "self_attn.k_proj.weight"].T, kv_heads)
        v = a @ t[p + "self_attn.v_proj.weight"].T
        x = x + attention(q, k, v, heads, kv_heads) @ t[p + "self_attn.o_proj.weight"].T
        m = rms(x, t[p + "post_attention_layernorm.weight"])
        g = m @ t[p + "mlp.gate_proj.weight"].T
        x = x + ((g / (1 + np.exp(-g))) * (m @ t[p + "mlp.up_proj.weight"].T)) @ t[p + "mlp.down_proj.weight"].T
    x = rms(x, t["model.norm.weight"])
    return x @ t.get("lm_head.weight", t["model.embed_tokens.weight"]).T


def main():
    folder, expect_path = sys.argv[1], sys.argv[2]
    expect = json.load(open(expect_path))
    c = json.load(open(os.path.join(folder, "config.json")))
    problems = []
    raw = load_file(os.path.join(folder, "model.safetensors"))

    want = expected_shapes(c)
    if set(raw) != set(want):
        problems.append(f"tensor names: missing {sorted(set(want) - set(raw))}, unexpected {sorted(set(raw) - set(want))}")
    for name, shape in want.items():
        if name in raw and (list(raw[name].shape) != shape or raw[name].dtype != np.float32):
            problems.append(f"{name}: {raw[name].dtype} {list(raw[name].shape)}, expected float32 {shape}")
    if problems:
        for p in problems:
            print(p)
        sys.exit(1)

    view = lmlab_view(c, raw)
    for name, w in expect["weights"].items():
        values = np.array(w["values"], dtype=np.float32).reshape(w["shape"])
        if name not in view or not np.array_equal(np.ascontiguousarray(view[name]).view(np.uint32), values.view(np.uint32)):
            problems.append(f"{name}: the exported values are not lmlab's weights under transformers' conventions")
    if set(view) != set(expect["weights"]):
        problems.append(f"parameters {sorted(set(view) ^ set(expect['weights']))} on one side only")

    t64 = {k: v.astype(np.float64) for k, v in raw.items()}
    forward = forward_gpt2 if c["model_type"] == "gpt2" else forward_llama
    worst = 0.0
    for prompt in expect["prompts"]:
        logits = forward(c, t64, np.array(prompt["ids"]))
        diff = float(np.abs(logits - np.array(prompt["logits"], dtype=np.float64)).max())
        worst = max(worst, diff)
        if diff > TOLERANCE:
            problems.append(f"prompt {prompt['ids'][:8]}…: max |logit difference| {diff:.3g} > {TOLERANCE}")

    checked_texts = "tokenizers not installed, ids not checked"
    try:
        from tokenizers import Tokenizer
    except ImportError:
        Tokenizer = None
    if Tokenizer is not None:
        tok = Tokenizer.from_file(os.path.join(folder, "tokenizer.json"))
        for item in expect["texts"]:
            ids = tok.encode(item["text"]).ids
            if ids != item["ids"]:
                problems.append(f"tokenizers encodes {item['text']!r} as {ids}, lmlab as {item['ids']}")
            if tok.decode(item["ids"], skip_special_tokens=False) != item["text"]:
                problems.append(f"tokenizers decodes lmlab's ids of {item['text']!r} as {tok.decode(item['ids'])!r}")
        checked_texts = f"{len(expect['texts'])} texts encode to lmlab's ids with tokenizers"

    for p in problems:
        print(p)
    print(f"{folder}: {len(raw)} tensors, {c['model_type']} layout {'OK' if not problems else 'FAILED'}; float64 NumPy "
          f"forward vs lmlab: max |logit difference| {worst:.3g} over {len(expect['prompts'])} prompts; {checked_texts}")
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
