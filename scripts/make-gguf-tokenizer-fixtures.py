#!/usr/bin/env python3
"""make-gguf-tokenizer-fixtures.py — fixtures for GGUFTests/GGUFTokenizerTests: tokenizers stored as GGUF metadata
by gguf-py's `GGUFWriter`, and the ids an independent implementation gives for them.

Run from the repository root (the WikiText-2 corpus must be in corpora/, see scripts/get-corpus.sh):
    pip install gguf==0.19.0 sentencepiece==0.2.3 numpy regex
    python3 scripts/make-gguf-tokenizer-fixtures.py

Writes into Tests/GGUFTests/Fixtures/:
  spm-tiny.gguf            a vocabulary-only GGUF (no tensors) holding the tiny SentencePiece BPE of
                           Tests/TokenizersTests/Fixtures/spm-tiny.json (600 pieces, byte_fallback; trained here again
                           with the same options, and checked to give the same pieces), written with the keys and token
                           types llama.cpp's convert_hf_to_gguf.py writes for a Llama-2/TinyLlama `tokenizer.model`:
                           model "llama", pre "default", tokens, scores, token_type (1 normal, 2 unknown, 3 control,
                           5 unused, 6 byte), bos/eos/unknown ids, add_bos_token, add_eos_token, add_space_prefix.
  spm-tiny-reference.json  `sentencepiece`'s own ids for ~60 texts (byte-fallback characters, leading and repeated
                           spaces, newlines, accents, CJK, emoji, control-token text), without and with BOS.
  smollm2-reference.json   a byte-for-byte copy of Tests/TokenizersTests/Fixtures/smollm2-reference.json (Hugging Face
                           `tokenizers` ids for SmolLM2's vocabulary, made by scripts/make-tokenizer-fixtures.py):
                           test bundles cannot share resources, so GGUFTests carries its own copy.
  broken/*.gguf            tiny vocabularies with one thing wrong each, for the error tests (see make_broken).
The texts come from scripts/make-tokenizer-fixtures.py (its TEXTS and seeded random strings), so both test targets
exercise the same inputs. Running again gives the same files.
"""
import importlib.util
import json
import os
import shutil
import sys
import tempfile

import gguf
import sentencepiece as spm

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIX = os.path.join(ROOT, "Tests", "GGUFTests", "Fixtures")
TOKENIZER_FIX = os.path.join(ROOT, "Tests", "TokenizersTests", "Fixtures")

# The tokenizer fixtures script, loaded as a module for its texts and corpus reader (its name has dashes).
_spec = importlib.util.spec_from_file_location("tokfix", os.path.join(ROOT, "scripts", "make-tokenizer-fixtures.py"))
tokfix = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(tokfix)

# Texts for the SentencePiece reference, beyond tokfix.TEXTS: what SentencePiece treats specially.
EXTRA_TEXTS = [
    "Hello",
    "  two leading spaces",
    "    four leading spaces and trailing   ",
    "\nstarts with a newline",
    "a\n\n\nthree newlines",
    "Ünïcödé àccents: crème brûlée, jalapeño, Ångström",
    "漢字とカタカナ",
    "👩‍👩‍👧 family emoji (ZWJ sequence)",
    "control text stays text: <s> </s> <unk>",
    "The history of the game",
    "\u0000 NUL and \u007f DEL",
]


def train_spm(model_dir):
    """The tiny model of make-tokenizer-fixtures.py `make_sentencepiece` (same corpus, same options, one thread, so
    training is deterministic)."""
    corpus = tokfix.wikitext_lines(3000)
    if not corpus:
        sys.exit(f"{tokfix.VALID} missing: run scripts/get-corpus.sh first")
    txt = os.path.join(model_dir, "corpus.txt")
    with open(txt, "w", encoding="utf-8") as fh:
        fh.write("\n".join(corpus))
    prefix = os.path.join(model_dir, "tiny")
    spm.SentencePieceTrainer.train(
        input=txt, model_prefix=prefix, model_type="bpe", vocab_size=600, byte_fallback=True,
        normalization_rule_name="identity", remove_extra_whitespaces=False, add_dummy_prefix=True,
        character_coverage=0.9995, split_digits=False, bos_id=1, eos_id=2, unk_id=0, pad_id=-1,
        num_threads=1, minloglevel=2)
    return spm.SentencePieceProcessor(model_file=prefix + ".model")


def token_type(sp, i):
    """SentencePiece's piece type as GGUF's token_type (the order convert_hf_to_gguf.py checks them in)."""
    T = gguf.TokenType
    if sp.is_unknown(i): return T.UNKNOWN
    if sp.is_control(i): return T.CONTROL
    if sp.is_unused(i): return T.UNUSED
    if sp.is_byte(i): return T.BYTE
    return T.NORMAL


def write_vocab_gguf(path, keys):
    """A GGUF v3 file with only metadata. `keys` maps each key to (value, type); an array is
    ((values, element type), ARRAY), so every element type is stated rather than inferred."""
    w = gguf.GGUFWriter(path, arch="llama")
    for key, (value, vtype) in keys.items():
        if vtype == gguf.GGUFValueType.ARRAY:
            w.add_key_value(key, value[0], vtype, sub_type=value[1])
        else:
            w.add_key_value(key, value, vtype)
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()
    print(f"wrote {os.path.relpath(path, ROOT)} ({os.path.getsize(path)} bytes)")


def spm_keys(sp):
    V = gguf.GGUFValueType
    n = sp.get_piece_size()
    return {
        "general.name": ("spm-tiny fixture", V.STRING),
        "tokenizer.ggml.model": ("llama", V.STRING),
        "tokenizer.ggml.pre": ("default", V.STRING),
        "tokenizer.ggml.tokens": (([sp.id_to_piece(i) for i in range(n)], V.STRING), V.ARRAY),
        "tokenizer.ggml.scores": (([sp.get_score(i) for i in range(n)], V.FLOAT32), V.ARRAY),
        "tokenizer.ggml.token_type": (([int(token_type(sp, i)) for i in range(n)], V.INT32), V.ARRAY),
        "tokenizer.ggml.bos_token_id": (sp.bos_id(), V.UINT32),
        "tokenizer.ggml.eos_token_id": (sp.eos_id(), V.UINT32),
        "tokenizer.ggml.unknown_token_id": (sp.unk_id(), V.UINT32),
        "tokenizer.ggml.add_bos_token": (True, V.BOOL),
        "tokenizer.ggml.add_eos_token": (False, V.BOOL),
        "tokenizer.ggml.add_space_prefix": (True, V.BOOL),
    }


def make_spm():
    with tempfile.TemporaryDirectory() as d:
        sp = train_spm(d)
    pieces = [sp.id_to_piece(i) for i in range(sp.get_piece_size())]
    with open(os.path.join(TOKENIZER_FIX, "spm-tiny.json"), encoding="utf-8") as fh:
        if json.load(fh)["pieces"] != pieces:
            sys.exit("the retrained model differs from TokenizersTests/Fixtures/spm-tiny.json; "
                     "rerun scripts/make-tokenizer-fixtures.py sentencepiece first")
    write_vocab_gguf(os.path.join(FIX, "spm-tiny.gguf"), spm_keys(sp))

    texts = ([t for t in tokfix.TEXTS if "<|" not in t] + EXTRA_TEXTS
             + tokfix.random_texts(25, seed=11))
    cases = [{"text": t, "ids": sp.encode(t), "ids_with_bos": sp.encode(t, add_bos=True)} for t in texts]
    dest = os.path.join(FIX, "spm-tiny-reference.json")
    with open(dest, "w", encoding="utf-8") as fh:
        json.dump({
            "source": f"sentencepiece {spm.__version__} encode() of the model in spm-tiny.gguf "
                      "(ids; ids_with_bos: add_bos=True)",
            "cases": cases}, fh, ensure_ascii=False, separators=(",", ":"))
        fh.write("\n")
    print(f"wrote {os.path.relpath(dest, ROOT)} ({os.path.getsize(dest)} bytes, {len(cases)} texts)")
    return sp


def make_broken(sp):
    """One defect each; GGUFTokenizerTests expects the error each one names."""
    V = gguf.GGUFValueType
    os.makedirs(os.path.join(FIX, "broken"), exist_ok=True)
    good = spm_keys(sp)
    variants = {
        "no-tokens.gguf": {k: v for k, v in good.items() if k != "tokenizer.ggml.tokens"},
        "no-scores.gguf": {k: v for k, v in good.items() if k != "tokenizer.ggml.scores"},
        "bos-is-string.gguf": {**good, "tokenizer.ggml.bos_token_id": ("1", V.STRING)},
        "scores-are-strings.gguf": {**good, "tokenizer.ggml.scores": ((["0"] * 3, V.STRING), V.ARRAY)},
        "short-scores.gguf": {**good, "tokenizer.ggml.scores": (([0.0] * 3, V.FLOAT32), V.ARRAY)},
        "unknown-model.gguf": {**good, "tokenizer.ggml.model": ("bert", V.STRING)},
    }
    # Keep the broken files small: a 4-token vocabulary is enough to trip each check.
    for name, keys in variants.items():
        small = dict(keys)
        for k in ("tokenizer.ggml.tokens", "tokenizer.ggml.scores", "tokenizer.ggml.token_type"):
            if k in small and k in good and small[k] is good[k]:
                (values, sub), vtype = small[k]
                small[k] = ((values[:4], sub), vtype)
        write_vocab_gguf(os.path.join(FIX, "broken", name), small)


def copy_smollm2_reference():
    src = os.path.join(TOKENIZER_FIX, "smollm2-reference.json")
    shutil.copyfile(src, os.path.join(FIX, "smollm2-reference.json"))
    print(f"copied {os.path.relpath(src, ROOT)} -> Tests/GGUFTests/Fixtures/smollm2-reference.json")


if __name__ == "__main__":
    make_broken(make_spm())
    copy_smollm2_reference()
