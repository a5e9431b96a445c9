#!/usr/bin/env python3
"""make-gguf-fixtures.py — reference fixtures for GGUFTests, made with the `gguf` Python package (gguf-py, the
reference implementation that ships with llama.cpp).

    python3 -m venv .venv-gguf && .venv-gguf/bin/pip install gguf numpy
    .venv-gguf/bin/python scripts/make-gguf-fixtures.py

Writes into Tests/TensorTests/Fixtures/ (the block formats live in Sources/Tensor/Quantization):
  quants/<TYPE>.bin   raw quantized blocks of one ggml type (a few blocks)
  quants/<TYPE>.f32   gguf.quants.dequantize of those bytes: little-endian float32, block_size floats per block
                      (IQ4_NL and IQ4_XS also checked against a float64 recomputation here: equal, exactly)
and into Tests/GGUFTests/Fixtures/:
  tiny.gguf           a small complete GGUF v3 file: metadata of every value type (nested arrays too) and a few
                      tensors of several types, for the reader and fuzz tests
  smollm2-sums.json   per-tensor checksums of gguf-py's dequantization of the real SmolLM2 file, if present

Quantized blocks come from two sources: random bytes with every f16 scale field overwritten by a sane finite f16
(so the data exercises all bit patterns of the packed quants), and, where gguf-py can quantize the type, real
`gguf.quants.quantize` output of Gaussian data. The seed is fixed, so running again gives the same files.
"""
import os
import numpy as np
import gguf
from gguf import GGMLQuantizationType as T, GGUFValueType as V

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Tests", "GGUFTests", "Fixtures")
QUANTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Tests", "TensorTests", "Fixtures", "quants")
rng = np.random.default_rng(20261121)

# Byte offsets of the f16 scale fields inside one block (ggml-common.h block_* structs).
F16_FIELDS = {
    T.Q4_0: [0], T.Q4_1: [0, 2], T.Q5_0: [0], T.Q5_1: [0, 2], T.Q8_0: [0],
    T.Q2_K: [80, 82], T.Q3_K: [108], T.Q4_K: [0, 2], T.Q5_K: [0, 2], T.Q6_K: [208],
}
IQUANT_F16_FIELDS = {T.IQ4_NL: [0], T.IQ4_XS: [0]}


def sane_f16(n):
    """Finite f16 values of both signs, magnitudes 1e-3…4 (some exactly zero), as raw little-endian bytes."""
    mag = np.exp(rng.uniform(np.log(1e-3), np.log(4.0), n))
    sign = rng.choice([-1.0, 1.0], n)
    v = (mag * sign).astype(np.float16)
    v[rng.random(n) < 0.05] = 0
    return v.view(np.uint8).reshape(n, 2)


def random_blocks(qtype, n_blocks):
    _, type_size = gguf.GGML_QUANT_SIZES[qtype]
    raw = rng.integers(0, 256, size=(n_blocks, type_size), dtype=np.uint8)
    for off in {**F16_FIELDS, **IQUANT_F16_FIELDS}[qtype]:
        raw[:, off:off + 2] = sane_f16(n_blocks)
    return raw


def quantized_blocks(qtype, n_blocks):
    """Real quantizer output, or None if gguf-py cannot quantize this type."""
    block_size, _ = gguf.GGML_QUANT_SIZES[qtype]
    x = rng.standard_normal((n_blocks, block_size)).astype(np.float32)
    try:
        return gguf.quants.quantize(x, qtype).reshape(n_blocks, -1)
    except (NotImplementedError, Exception):
        return None


def plain_values(qtype, n):
    """F32/F16/BF16: random finite bit patterns (subnormals and signed zeros included)."""
    if qtype == T.F32:
        v = rng.standard_normal(n).astype(np.float32) * np.float32(10.0) ** rng.integers(-40, 30, n).astype(np.float32)
        v[:4] = [0.0, -0.0, 1e-45, -3.4e38]
        return v.astype(np.float32).view(np.uint8)
    bits = rng.integers(0, 1 << 16, size=n, dtype=np.uint16)
    if qtype == T.F16:
        bits = bits[(bits & 0x7C00) != 0x7C00]  # drop inf/NaN: exponent all ones
    else:  # BF16
        bits = bits[(bits & 0x7F80) != 0x7F80]
    return bits[: n - 8].view(np.uint8) if len(bits) >= n else bits.view(np.uint8)


def write_quant(name, raw):
    raw = np.ascontiguousarray(raw, dtype=np.uint8).reshape(-1)
    qtype = T[name]
    ref = gguf.quants.dequantize(raw, qtype).astype(np.float32).reshape(-1)
    raw.tofile(os.path.join(QUANTS, f"{name}.bin"))
    ref.astype("<f4").tofile(os.path.join(QUANTS, f"{name}.f32"))
    print(f"quants/{name}: {raw.size} bytes -> {ref.size} floats")


def make_quants():
    os.makedirs(QUANTS, exist_ok=True)
    for qtype in (T.F32, T.F16, T.BF16):
        write_quant(qtype.name, plain_values(qtype, 256 if qtype != T.F32 else 128))
    for qtype in F16_FIELDS:
        block_size, _ = gguf.GGML_QUANT_SIZES[qtype]
        n_random = 6 if block_size == 256 else 12
        parts = [random_blocks(qtype, n_random)]
        real = quantized_blocks(qtype, 2 if block_size == 256 else 4)
        if real is not None:
            parts.append(real)
        write_quant(qtype.name, np.concatenate(parts, axis=0))


def make_iquants():
    """IQ4_NL and IQ4_XS: random blocks with sane f16 scales (gguf-py cannot quantize these types). They draw from
    their own generator, so adding them left every earlier fixture byte for byte as it was. Each value is also
    recomputed in float64 from the block fields and must equal gguf-py's float32 exactly: every product of these
    types (an f16 times integers of at most 6 and 7 bits) is exact in float32, and so is lmlab's."""
    global rng
    saved, rng = rng, np.random.default_rng(20261203)
    grid = np.array(gguf.quants.IQ4_NL.kvalues, dtype=np.float64)
    for qtype, n_blocks in ((T.IQ4_NL, 16), (T.IQ4_XS, 8)):
        raw = random_blocks(qtype, n_blocks)
        ref = gguf.quants.dequantize(raw.reshape(-1), qtype).astype(np.float32).reshape(n_blocks, -1)
        d = raw[:, 0:2].copy().view(np.float16).astype(np.float64)  # (n_blocks, 1)
        if qtype == T.IQ4_NL:
            codes = np.concatenate([raw[:, 2:18] & 15, raw[:, 2:18] >> 4], axis=1)
            exact = d * grid[codes]
        else:
            high = raw[:, 2:4].copy().view(np.uint16)[:, 0].astype(np.int64)
            exact = np.zeros((n_blocks, 256))
            for j in range(8):
                ls = ((raw[:, 4 + j // 2] >> (4 * (j % 2))) & 15).astype(np.int64) | (((high >> (2 * j)) & 3) << 4)
                qs = raw[:, 8 + 16 * j: 24 + 16 * j]
                codes = np.concatenate([qs & 15, qs >> 4], axis=1)
                exact[:, 32 * j: 32 * j + 32] = (d[:, 0] * (ls - 32))[:, None] * grid[codes]
        assert np.array_equal(ref.astype(np.float64), exact), f"{qtype.name}: gguf-py differs from the float64 values"
        write_quant(qtype.name, raw)
    rng = saved


def make_tiny_gguf():
    path = os.path.join(ROOT, "tiny.gguf")
    w = gguf.GGUFWriter(path, arch="llama")
    w.add_name("tiny fixture")
    w.add_block_count(2)                                     # llama.block_count: u32
    w.add_context_length(64)
    w.add_embedding_length(32)
    w.add_key_value("test.u8", 200, V.UINT8)
    w.add_key_value("test.i8", -100, V.INT8)
    w.add_key_value("test.u16", 60000, V.UINT16)
    w.add_key_value("test.i16", -30000, V.INT16)
    w.add_key_value("test.u32", 4000000000, V.UINT32)
    w.add_key_value("test.i32", -2000000000, V.INT32)
    w.add_key_value("test.f32", 0.25, V.FLOAT32)
    w.add_key_value("test.bool", True, V.BOOL)
    w.add_key_value("test.string", "héllo, gguf", V.STRING)
    w.add_key_value("test.u64", 18000000000000000000, V.UINT64)
    w.add_key_value("test.i64", -9000000000000000000, V.INT64)
    w.add_key_value("test.f64", 3.141592653589793, V.FLOAT64)
    w.add_array("test.array_i32", [1, -2, 3])
    w.add_array("test.array_str", ["a", "bc", ""])
    w.add_key_value("test.array_f32", [0.5, -1.5], V.ARRAY, sub_type=V.FLOAT32)
    w.add_array("test.nested", [[1, 2], [3], [4, 5, 6]])  # array of arrays of int32
    w.add_array("test.nested_str", [["x", "y"], ["z"]])
    w.add_array("tokenizer.ggml.tokens", ["<s>", "</s>", "a", "b"])
    w.add_string("tokenizer.ggml.model", "gpt2")

    t = {}
    t["f32.weight"] = (np.arange(4 * 8, dtype=np.float32).reshape(4, 8) / 8 - 2, None)
    t["f16.weight"] = ((np.arange(2 * 16, dtype=np.float32).reshape(2, 16) / 4 - 3).astype(np.float16), None)
    x = rng.standard_normal((3, 64)).astype(np.float32)
    t["q4_0.weight"] = (gguf.quants.quantize(x, T.Q4_0), T.Q4_0)
    t["q8_0.weight"] = (gguf.quants.quantize(x, T.Q8_0), T.Q8_0)
    t["q4_k.weight"] = (random_blocks(T.Q4_K, 2).reshape(2, -1), T.Q4_K)
    for name, (arr, raw_dtype) in t.items():
        w.add_tensor(name, arr, raw_dtype=raw_dtype)
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()
    # Reference dequantizations of the tensors, for the reader test: name → float32 file.
    r = gguf.GGUFReader(path)
    for tensor in r.tensors:
        ref = gguf.quants.dequantize(np.asarray(tensor.data), tensor.tensor_type).astype("<f4").reshape(-1)
        ref.tofile(os.path.join(ROOT, f"tiny.{tensor.name}.f32"))
    print(f"tiny.gguf: {os.path.getsize(path)} bytes, {len(r.tensors)} tensors")




def make_smollm_sums(path):
    """Per-tensor checksums of the real SmolLM2 file (scripts/get-model.sh): element count, Σ and Σ|·| of gguf-py's
    dequantization in float64, and the first 4 values — so the Swift test can check every tensor of a real model
    without committing 98 MB."""
    import json
    r = gguf.GGUFReader(path)
    out = {}
    for t in r.tensors:
        v = gguf.quants.dequantize(np.asarray(t.data), t.tensor_type).astype(np.float32).reshape(-1)
        out[t.name] = {"type": t.tensor_type.name, "count": int(v.size), "sum": float(v.astype(np.float64).sum()),
                       "abs_sum": float(np.abs(v.astype(np.float64)).sum()), "first": [float(f) for f in v[:4]]}
    dest = os.path.join(ROOT, "smollm2-sums.json")
    with open(dest, "w") as f:
        json.dump(out, f, sort_keys=True)
    print(f"smollm2-sums.json: {len(out)} tensors")


if __name__ == "__main__":
    make_quants()
    make_tiny_gguf()
    make_iquants()
    smollm = os.path.join(ROOT, "..", "..", "..", "checkpoints", "SmolLM2-135M-Instruct.Q4_1.gguf")
    if os.path.exists(smollm):
        make_smollm_sums(smollm)
    else:
        print("checkpoints/SmolLM2-135M-Instruct.Q4_1.gguf absent (scripts/get-model.sh): smollm2-sums.json not remade")
