#!/usr/bin/env python3
"""Reads a GGUF file that `lmlab export` wrote with gguf-py (llama.cpp's own Python reader, PyPI `gguf`) and checks it
against what lmlab meant to write (Tests/ModelsTests/GGUFExportTests.swift writes EXPECT.json):

    python3 scripts/check_gguf_export.py FILE.gguf EXPECT.json [FILE2.gguf EXPECT2.json ...]

EXPECT.json = {"metadata": [[key, type, value], ...]  in file order; type "UINT32", "STRING", "ARRAY:INT32", ...
               "tensors":  [{"name", "shape" (ggml order, innermost first), "type" ("F32", "Q8_0", ...),
                             "values": the float32 weights, row-major}, ...]}

Every key must be there in that order with that type and value, and every tensor with that name, shape and type; an
F32 tensor must hold exactly the values, an F16 one the values rounded by NumPy, and a Q8_0 / Q4_0 one exactly the
bytes that gguf-py's quantizer (bit-exact with ggml's reference quantizer) makes of the values. Prints one line per
problem, then one summary line per file ("FILE: ... OK" or "... N problems"), and exits 1 if there is any.
"""
import json
import sys

import numpy as np
from gguf import GGUFReader, GGMLQuantizationType, GGUFValueType
from gguf.quants import quantize, dequantize


def check(path, expect_path):
    """The problems of one file, printed; returns their count."""
    expect = json.load(open(expect_path))
    reader = GGUFReader(path)
    problems = []

    # gguf-py lists GGUF.version, GGUF.tensor_count, GGUF.kv_count first: the header, not metadata.
    fields = [f for f in reader.fields.values() if not f.name.startswith("GGUF.")]
    names = [f.name for f in fields]
    want_names = [m[0] for m in expect["metadata"]]
    if names != want_names:
        problems.append(f"metadata keys {names} != expected {want_names}")
    for key, type_name, value in expect["metadata"]:
        field = reader.fields.get(key)
        if field is None:
            problems.append(f"missing key {key}")
            continue
        got_type = field.types[0].name
        if got_type == "ARRAY":
            got_type += ":" + field.types[-1].name
        if got_type != type_name:
            problems.append(f"{key}: type {got_type}, expected {type_name}")
            continue
        got = field.contents()
        if field.types[-1] == GGUFValueType.FLOAT32:
            got = float(np.float32(got))
            value = float(np.float32(value))
        if got != value:
            shown = got if not isinstance(got, list) else f"a list of {len(got)} starting {got[:3]}"
            problems.append(f"{key}: {shown}, expected {value if not isinstance(value, list) else value[:3]}")

    tensors = {t.name: t for t in reader.tensors}
    if [t.name for t in reader.tensors] != [t["name"] for t in expect["tensors"]]:
        problems.append(f"tensor order {[t.name for t in reader.tensors]} != expected {[t['name'] for t in expect['tensors']]}")
    max_error = 0.0
    for want in expect["tensors"]:
        t = tensors.get(want["name"])
        if t is None:
            problems.append(f"missing tensor {want['name']}")
            continue
        qtype = GGMLQuantizationType[want["type"]]
        if t.tensor_type != qtype or [int(n) for n in t.shape] != want["shape"]:
            problems.append(f"{t.name}: {t.tensor_type.name} {list(t.shape)}, expected {want['type']} {want['shape']}")
            continue
        values = np.array(want["values"], dtype=np.float32).reshape(list(reversed(want["shape"])))
        if qtype == GGMLQuantizationType.F32:
            ok = np.array_equal(t.data.reshape(values.shape).view(np.uint32), values.view(np.uint32))
        elif qtype == GGMLQuantizationType.F16:
            ok = np.array_equal(t.data.reshape(values.shape).view(np.uint16), values.astype(np.float16).view(np.uint16))
        else:
            expected_bytes = quantize(values, qtype)
            ok = np.array_equal(np.asarray(t.data).reshape(-1), expected_bytes.reshape(-1))
            back = dequantize(np.asarray(t.data), qtype).reshape(values.shape)
            max_error = max(max_error, float(np.abs(back - values).max()))
        if not ok:
            problems.append(f"{t.name}: the data differs from the expected {want['type']} encoding of the weights")

    for p in problems:
        print(p)
    print(f"{path}: {len(fields)} keys, {len(reader.tensors)} tensors checked by gguf-py: "
          f"{'OK' if not problems else f'{len(problems)} problems'} (largest dequantization error {max_error:.3g})")
    return len(problems)


def main():
    pairs = list(zip(sys.argv[1::2], sys.argv[2::2]))
    if not pairs or len(sys.argv) % 2 == 0:
        sys.exit("usage: check_gguf_export.py FILE.gguf EXPECT.json [FILE2.gguf EXPECT2.json ...]")
    failures = sum(check(path, expect) for path, expect in pairs)
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
