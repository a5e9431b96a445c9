#!/usr/bin/env python3
"""A small synthetic llama GGUF with the features SmolLM2 lacks, and its float64 reference, for
Tests/ModelsTests/RuntimeLlamaVariantsTests.swift.

Two files, random weights (fixed seed) scaled like a trained model's (logits of O(1-10)):
  llama-variants.gguf         width 256, 2 layers, 4 heads / 2 KV heads (GQA), head size 64, MLP 512, vocab 300,
                              context 64. Tensor types as in a Q4_K_M file: attn_q/k/output, ffn_gate/up and
                              token_embd Q4_K; attn_v, ffn_down and an untied output.weight Q6_K; norms F32.
                              Llama 3.1 RoPE: freq_base 500000 and rope_freqs.weight (per-frequency divisors).
  llama-variants-linear.gguf  1 layer, token_embd F16, untied output Q6_K, rope.scaling.type = linear, factor 4.
Both carry a minimal byte-level BPE tokenizer ("gpt2": 256 byte tokens and 44 merges), so they load as any file.

gguf-py (0.19) dequantizes the K-quants but cannot quantize them, so this script packs Q4_K and Q6_K blocks itself
(ggml-common.h block_q4_K / block_q6_K layouts) and checks every packed tensor against gguf.quants.dequantize: the
reference is computed from what gguf-py decodes, not from this packer's own idea of the values.

The reference: the float64 NumPy llama forward of scripts/make-runtime-reference.py over the dequantized tensors,
with RoPE angles position * scale * theta^(-2i/hs) / rope_freqs[i] (scale = 1/factor for linear scaling; llama.cpp's
freq_factors divide the frequency, linear scaling multiplies the position by 1/factor). Per sequence: log-probs of
every position and 8 greedy tokens after the sequence.

Usage: /work/peer-venv/bin/python scripts/make-llama-variants-fixture.py   (writes Tests/ModelsTests/Fixtures/)
"""
import importlib.util
import json
import os

import numpy as np

from byte_level import byte_tokens  # GPT-2's byte alphabet (scripts/byte_level.py)
import gguf
from gguf import GGUFReader, GGUFWriter, GGMLQuantizationType as T
from gguf.quants import dequantize

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Tests", "ModelsTests", "Fixtures")
SEQUENCES = [[1, 72, 101, 108, 108, 111, 32, 119, 111, 114, 108, 100], [299, 0, 150, 257, 3, 3, 3, 280],
             [42] + list(range(200, 230))]
GREEDY_TOKENS = 8
QK = 256


# MARK: K-quant packing (one super-block = 256 elements)

def f16(x):
    return np.float16(x).astype(np.float64)


def pack_q6_k(x):
    """(n, 256) floats -> (n, 210) bytes: ql[128] qh[64] scales[16] int8, d f16. Value = d * scale[e//16] * (q - 32)."""
    n = x.shape[0]
    sub = x.reshape(n, 16, 16)
    amax = np.abs(sub).max(axis=2)                                   # (n, 16)
    d = f16(np.maximum(amax.max(axis=1), 1e-12) / 31 / 127)          # (n,)
    sc = np.clip(np.round(amax / 31 / d[:, None]), 1, 127)           # (n, 16)
    step = (d[:, None] * sc)[:, :, None]
    q = (np.clip(np.round(sub / step), -32, 31) + 32).astype(np.uint8).reshape(n, 256)
    out = np.zeros((n, 210), dtype=np.uint8)
    # Element e = 128h + 32s + l: low nibble in ql[64h + 32(s&1) + l] (shift 4(s>>1)), high 2 bits in qh[32h + l] (shift 2s).
    for h in range(2):
        for s in range(4):
            for l in range(32):
                e = 128 * h + 32 * s + l
                out[:, 64 * h + 32 * (s & 1) + l] |= (q[:, e] & 0xF) << (4 * (s >> 1))
                out[:, 128 + 32 * h + l] |= (q[:, e] >> 4) << (2 * s)
    out[:, 192:208] = sc.astype(np.int8).view(np.uint8)
    out[:, 208:210] = d.astype(np.float16)[:, None].view(np.uint8)
    expected = (step * (q.reshape(n, 16, 16).astype(np.float64) - 32)).reshape(n, 256)
    return out, expected


def pack_q4_k(x):
    """(n, 256) -> (n, 144): d f16, dmin f16, scales[12] (8 six-bit scales and mins), qs[128].
    Value = d * sc[j] * q - dmin * m[j], j = e // 32, q in 0..15."""
    n = x.shape[0]
    sub = x.reshape(n, 8, 32)
    lo = np.minimum(sub.min(axis=2), 0)                               # (n, 8) <= 0
    span = np.maximum(sub.max(axis=2) - lo, 1e-12)
    d = f16(np.maximum((span / 15).max(axis=1), 1e-12) / 63)
    dmin = f16(np.maximum((-lo).max(axis=1), 1e-12) / 63)
    sc = np.clip(np.round(span / 15 / d[:, None]), 1, 63).astype(np.uint8)
    m = np.clip(np.round(-lo / dmin[:, None]), 0, 63).astype(np.uint8)
    step = (d[:, None] * sc)[:, :, None]
    offset = (dmin[:, None] * m)[:, :, None]
    q = np.clip(np.round((sub + offset) / step), 0, 15).astype(np.uint8).reshape(n, 256)
    out = np.zeros((n, 144), dtype=np.uint8)
    out[:, 0:2] = d.astype(np.float16)[:, None].view(np.uint8)
    out[:, 2:4] = dmin.astype(np.float16)[:, None].view(np.uint8)
    s = np.zeros((n, 12), dtype=np.uint8)
    # j < 4: scales[j] = sc, scales[j+4] = m (low 6 bits); j >= 4: low nibbles in scales[j+4], top 2 bits in
    # bits 6-7 of scales[j-4] (sc) and scales[j] (m).
    for j in range(4):
        s[:, j] = sc[:, j] | ((sc[:, j + 4] >> 4) << 6)
        s[:, j + 4] = m[:, j] | ((m[:, j + 4] >> 4) << 6)
        s[:, j + 8] = (sc[:, j + 4] & 0xF) | ((m[:, j + 4] & 0xF) << 4)
    out[:, 4:16] = s
    # Element e = 64c + 32h + l: nibble h of qs[32c + l].
    for c in range(4):
        for h in range(2):
            out[:, 16 + 32 * c: 16 + 32 * c + 32] |= q[:, 64 * c + 32 * h: 64 * c + 32 * h + 32] << (4 * h)
    expected = (step * q.reshape(n, 8, 32).astype(np.float64) - offset).reshape(n, 256)
    return out, expected


def quantize(w, kind):
    """w (rows, cols) float -> the array GGUFWriter stores, checked against gguf-py's dequantize."""
    w = np.asarray(w, dtype=np.float64)
    if kind == T.F32:
        return w.astype(np.float32)
    if kind == T.F16:
        return w.astype(np.float16)
    rows, cols = w.shape
    packed, expected = (pack_q4_k if kind == T.Q4_K else pack_q6_k)(w.reshape(-1, QK))
    packed = packed.reshape(rows, cols // QK * packed.shape[1])
    decoded = dequantize(packed, kind).reshape(rows, cols)
    assert np.allclose(decoded, expected.reshape(rows, cols), rtol=1e-5, atol=1e-6), f"{kind.name} packing"
    assert np.abs(decoded - w).max() < 0.1 * np.abs(w).max(), f"{kind.name} error too large"
    return packed


# MARK: the synthetic model


def write_model(path, layers, embedding_type, rope_freqs, scaling, seed):
    rng = np.random.default_rng(seed)
    d, heads, kv_heads, hs, hidden, vocab, ctx = 256, 4, 2, 64, 512, 300, 64
    w = GGUFWriter(path, "llama")
    w.add_context_length(ctx)
    w.add_embedding_length(d)
    w.add_block_count(layers)
    w.add_feed_forward_length(hidden)
    w.add_head_count(heads)
    w.add_head_count_kv(kv_heads)
    w.add_layer_norm_rms_eps(1e-5)
    w.add_rope_freq_base(500000.0)
    w.add_rope_dimension_count(hs)
    if scaling:
        w.add_rope_scaling_type(gguf.RopeScalingType.LINEAR)
        w.add_rope_scaling_factor(scaling)
    tokens = byte_tokens()
    merges = []
    for a, b in [("t", "h"), ("h", "e"), ("i", "n"), ("e", "r"), ("a", "n"), ("o", "u"), ("r", "e"), ("o", "n"),
                 ("a", "t"), ("e", "n"), ("Ġ", "t"), ("Ġ", "a"), ("Ġ", "s"), ("Ġ", "w"), ("Ġ", "th"), ("Ġth", "e"),
                 ("s", "t"), ("e", "s"), ("o", "r"), ("i", "s"), ("i", "t"), ("a", "r"), ("a", "l"), ("e", "d"),
                 ("l", "l"), ("o", "f"), ("t", "o"), ("n", "d"), ("Ġ", "o"), ("Ġ", "b"), ("Ġ", "c"), ("Ġ", "f"),
                 ("Ġ", "m"), ("Ġ", "d"), ("Ġ", "p"), ("Ġ", "h"), ("Ġ", "in"), ("Ġ", "an"), ("Ġa", "nd"),
                 ("Ġ", "of"), ("Ġ", "to"), ("Ġ", "is"), ("Ġ", "it"), ("e", "l")]:
        merges.append(f"{a} {b}")
        tokens.append(a + b)
    assert len(tokens) == vocab and len(set(tokens)) == vocab
    w.add_tokenizer_model("gpt2")
    w.add_token_list(tokens)
    w.add_token_merges(merges)

    def matrix(name, rows, cols, kind, gain=1.0):
        # N(0, gain/cols): unit-variance inputs give outputs of variance ~gain, as in a trained network.
        w.add_tensor(name, quantize(rng.normal(0, np.sqrt(gain / cols), (rows, cols)), kind), raw_dtype=kind)

    def norm(name):
        w.add_tensor(name, (1 + 0.2 * rng.normal(size=d)).astype(np.float32))

    w.add_tensor("token_embd.weight", quantize(rng.normal(0, 1, (vocab, d)), embedding_type), raw_dtype=embedding_type)
    if rope_freqs is not None:
        w.add_tensor("rope_freqs.weight", np.asarray(rope_freqs, dtype=np.float32))
    for i in range(layers):
        p = f"blk.{i}."
        norm(p + "attn_norm.weight")
        matrix(p + "attn_q.weight", heads * hs, d, T.Q4_K, gain=4)      # sharper attention than N(0, 1/d)
        matrix(p + "attn_k.weight", kv_heads * hs, d, T.Q4_K, gain=4)
        matrix(p + "attn_v.weight", kv_heads * hs, d, T.Q6_K)
        matrix(p + "attn_output.weight", d, heads * hs, T.Q4_K, gain=0.5)
        norm(p + "ffn_norm.weight")
        matrix(p + "ffn_gate.weight", hidden, d, T.Q4_K)
        matrix(p + "ffn_up.weight", hidden, d, T.Q4_K)
        matrix(p + "ffn_down.weight", d, hidden, T.Q6_K, gain=0.5)
    norm("output_norm.weight")
    matrix("output.weight", vocab, d, T.Q6_K, gain=8)
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()


# MARK: the float64 reference forward: scripts/make-runtime-reference.py's (which reads rope_freqs and linear scaling)

_spec = importlib.util.spec_from_file_location("runtime_reference", os.path.join(os.path.dirname(__file__), "make-runtime-reference.py"))
runtime_reference = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(runtime_reference)
Llama = runtime_reference.Llama


def all_logits(model, ids):
    """Logits (T, vocab) of every position of `ids`, one causal pass from position 0."""
    return model.forward(ids, {"length": 0, "k": {}, "v": {}}, all_positions=True)


def log_softmax(z):
    z = z - z.max(axis=-1, keepdims=True)
    return z - np.log(np.exp(z).sum(axis=-1, keepdims=True))


def reference(path):
    model = Llama(path)
    out = {"model": os.path.basename(path), "generator": "scripts/make-llama-variants-fixture.py (float64 NumPy)",
           "sequences": []}
    for ids in SEQUENCES:
        lp = log_softmax(all_logits(model, ids))
        seq, greedy, margins = list(ids), [], []
        for _ in range(GREEDY_TOKENS):
            logits = all_logits(model, seq)[-1]
            order = np.argsort(-logits)
            greedy.append(int(order[0]))
            margins.append(float(logits[order[0]] - logits[order[1]]))
            seq.append(greedy[-1])
        out["sequences"].append({"ids": ids, "logprobs": [[round(float(v), 6) for v in row] for row in lp],
                                 "greedy": greedy, "greedy_margins": [round(m, 4) for m in margins]})
        spread = all_logits(model, ids)
        print(f"{path}: {ids[:4]}…: logits range [{spread.min():.2f}, {spread.max():.2f}], "
              f"top log-prob last {lp[-1].max():.3f}, greedy {greedy}, min margin {min(margins):.3f}")
    return out


def main():
    # Llama 3.1-style divisors: 1 for high frequencies, up to 8 for the low ones, a smooth ramp between.
    hs = 64
    ramp = np.clip((np.arange(hs // 2) - 2) / 10, 0, 1)   # from i = 2: divisors that move the angles of the first 40 positions
    rope_freqs = 1 + 7 * ramp
    files = [("llama-variants.gguf", dict(layers=2, embedding_type=T.Q4_K, rope_freqs=rope_freqs, scaling=None,
                                          seed=6)),
             ("llama-variants-linear.gguf", dict(layers=1, embedding_type=T.F16, rope_freqs=None, scaling=4.0,
                                                 seed=7))]
    for name, args in files:
        path = os.path.join(HERE, name)
        write_model(path, **args)
        ref = reference(path)
        with open(path.replace(".gguf", "-reference.json"), "w") as f:
            json.dump(ref, f, separators=(",", ":"))
        print(f"{path}: {os.path.getsize(path)} bytes")


if __name__ == "__main__":
    main()
