#!/usr/bin/env python3
"""Reads an lmlab checkpoint with h5py — an HDF5 reader lmlab did not write — and checks the layout of
docs/checkpoint-format.md, plus the expectations in a JSON file when one is given (Tests/ModelsTests/
CheckpointTests.swift writes it from the model it saved).

usage: scripts/check_checkpoint_h5py.py CHECKPOINT [EXPECTATIONS.json]

Expectations (every key optional):
  {"config": {"width": 32, ...},                 typed attributes of /config/model
   "parameters": {"token_embedding": [300, 32]},  every dataset under /model with its shape
   "values": {"path": "blocks/0/attention/wq", "bits": [...]},   one parameter's float32 bit patterns, exactly
   "optimizer_step": 2, "step": 3, "tokens_seen": 96, "rng": [4 uint64 words],
   "tokenizer_vocab_size": 280, "tokenizer_format": "lmlab-bpe-2", "chat_template": "{% for m in messages %}…"}
Prints one "ok" line and exits 0 when everything holds; otherwise prints each failure and exits 1.
"""
import json
import sys
import zlib
from datetime import datetime

import h5py
import numpy as np

failures = []


def check(condition, message):
    if not condition:
        failures.append(message)
    return condition


def datasets(group, prefix=""):
    """Relative paths and objects of every dataset below group."""
    out = {}
    for name, obj in group.items():
        if isinstance(obj, h5py.Dataset):
            out[prefix + name] = obj
        else:
            out.update(datasets(obj, prefix + name + "/"))
    return out


def main():
    if len(sys.argv) not in (2, 3):
        print(__doc__.strip().splitlines()[3], file=sys.stderr)
        return 2
    path = sys.argv[1]
    expect = json.load(open(sys.argv[2])) if len(sys.argv) == 3 else {}

    # The 512-byte user block: "lmlab-checkpoint integrity", the file's length and the zlib CRC-32 of the rest.
    raw = open(path, "rb").read()
    record = dict(line.split(" ", 1) for line in raw[:512].split(b"\0")[0].decode().splitlines()[1:])
    check(raw[:27] == b"lmlab-checkpoint integrity\n", "no integrity record in the first 512 bytes")
    check(int(record.get("bytes", -1)) == len(raw), f"integrity record says {record.get('bytes')} bytes, file has {len(raw)}")
    check(int(record.get("crc32", "0x0"), 16) == zlib.crc32(raw[512:]), "CRC-32 of bytes 512… differs from the record")

    f = h5py.File(path, "r")

    # / : strings must arrive as Python str (variable-length UTF-8), numbers as integers.
    check(f.attrs.get("format") == "lmlab-checkpoint", f"/@format is {f.attrs.get('format')!r}")
    check(isinstance(f.attrs.get("format"), str), "/@format is not read as str")
    check(int(f.attrs.get("format_version", -1)) == 1, f"/@format_version is {f.attrs.get('format_version')!r}")
    created = f.attrs.get("created")
    check(isinstance(created, str), "/@created is not a str")
    try:
        datetime.strptime(created, "%Y-%m-%dT%H:%M:%SZ")
    except (TypeError, ValueError):
        failures.append(f"/@created {created!r} is not ISO 8601 (YYYY-MM-DDTHH:MM:SSZ)")
    check(isinstance(f.attrs.get("lmlab_version"), str), "/@lmlab_version is not a str")

    # /config/model: typed attributes, and the JSON attribute agrees with them.
    config = f["config/model"].attrs
    as_json = json.loads(config["json"])
    for key, value in as_json.items():
        stored = config.get(key)
        if isinstance(value, bool):
            stored = bool(stored)
        if isinstance(value, float):
            check(stored is not None and np.float32(stored) == np.float32(value), f"/config/model@{key} {stored!r} != json {value!r}")
        else:
            check(stored == value, f"/config/model@{key} {stored!r} != json {value!r}")
    for key, value in expect.get("config", {}).items():
        check(config.get(key) == value, f"/config/model@{key} is {config.get(key)!r}, expected {value!r}")
    if "config/training" in f:
        json.loads(f["config/training"].attrs["json"])

    # /model: one float32 dataset per parameter.
    weights = datasets(f["model"])
    for name, ds in weights.items():
        check(ds.dtype == np.float32, f"/model/{name} has dtype {ds.dtype}, expected float32")
    total = sum(ds.size for ds in weights.values())
    check(int(f["model"].attrs["parameter_count"]) == total, f"/model@parameter_count != {total} stored values")
    if "parameters" in expect:
        expected = {k: tuple(v) for k, v in expect["parameters"].items()}
        found = {k: ds.shape for k, ds in weights.items()}
        check(found == expected, f"/model datasets {sorted(found.items())} != expected {sorted(expected.items())}")
    if "values" in expect:
        name = expect["values"]["path"]
        bits = np.array(expect["values"]["bits"], dtype=np.uint32)
        stored = f["model"][name][...].reshape(-1).view(np.uint32)
        check(np.array_equal(stored, bits), f"/model/{name} values differ from what lmlab saved")

    # /optimizer: m and v mirror /model.
    if "optimizer" in f:
        for name, ds in weights.items():
            for moment in ("m", "v"):
                other = f["optimizer"].get(f"{moment}/{name}")
                check(other is not None and other.shape == ds.shape and other.dtype == np.float32,
                      f"/optimizer/{moment}/{name} missing or not float32 {ds.shape}")
        if "optimizer_step" in expect:
            check(int(f["optimizer"].attrs["step"]) == expect["optimizer_step"], "/optimizer@step differs")

    # /training: the resume state.
    if "training" in f:
        t = f["training"].attrs
        check(t["rng"].dtype == np.uint64 and t["rng"].shape == (4,), f"/training@rng is {t['rng'].dtype} {t['rng'].shape}")
        for key in ("step", "tokens_seen"):
            if key in expect:
                check(int(t[key]) == expect[key], f"/training@{key} is {t[key]}, expected {expect[key]}")
        if "rng" in expect:
            check([int(x) for x in t["rng"]] == expect["rng"], f"/training@rng is {list(t['rng'])}, expected {expect['rng']}")

    # /tokenizer: the JSON is a complete tokenizer (lmlab-bpe-1: merges [left, right] making 256 + k; lmlab-bpe-2:
    # [left, right, result]) and the merges array repeats the (left, right) ids of its merges.
    if "tokenizer" in f:
        tok = json.loads(f["tokenizer/json"].asstr()[()])
        check(tok["format"] in ("lmlab-bpe-1", "lmlab-bpe-2"), f"tokenizer format {tok['format']!r}")
        width = 2 if tok["format"] == "lmlab-bpe-1" else 3
        check(all(len(m) == width for m in tok["merges"]), f"{tok['format']} merges are not {width} ids each")
        check(len(tok["vocab"]) == int(f["tokenizer"].attrs["vocab_size"]), "tokenizer vocab size disagrees")
        merges = f["tokenizer/merges"][...]
        check(merges.dtype == np.int32 and merges.tolist() == [m[:2] for m in tok["merges"]],
              "/tokenizer/merges != the JSON's merges")
        if "tokenizer_vocab_size" in expect:
            check(len(tok["vocab"]) == expect["tokenizer_vocab_size"], "tokenizer vocab size differs from expected")
        if "tokenizer_format" in expect:
            check(tok["format"] == expect["tokenizer_format"], f"tokenizer format {tok['format']!r}")
        template = f["tokenizer/chat_template"].asstr()[()] if "chat_template" in f["tokenizer"] else None
        if "chat_template" in expect:
            check(template == expect["chat_template"], f"/tokenizer/chat_template is {template!r}")

    if failures:
        for message in failures:
            print(f"{path}: {message}")
        return 1
    print(f"ok: {path}: {len(weights)} parameters, {total} values, read by h5py {h5py.__version__}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
