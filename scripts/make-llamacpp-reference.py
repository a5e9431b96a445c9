#!/usr/bin/env python3
"""llama.cpp's greedy continuations and per-step top-10 log-probabilities of SmolLM2-135M-Instruct (Q4_1 GGUF), for
Tests/ModelsTests/RuntimeLlamaCppDistanceTests.swift, which measures lmlab's distance to llama.cpp.

llama.cpp is driven through llama-cpp-python's plain ctypes bindings (llama_cpp/llama_cpp.py, no compiled extension)
over an already built libllama.so: the prompt is decoded as one batch, then one greedy token per llama_decode call,
with the context defaults of llama_context_default_params() except n_threads = n_threads_batch = 2. At every step
the next-token logits are turned into log-probabilities in float64; the file keeps llama.cpp's top-10 (ids, values)
and the top-2 margin (log p1 − log p2 = logit1 − logit2, nats). EOS is not a stop: 32 argmax steps per prompt, as in
smollm2-runtime-reference.json. The prompt strings are those of that file; the prompt ids are llama.cpp's own
tokenization (add_special, parse_special only for the chat prompt).

The context settings llama.cpp resolved (flash attention, KV cache types, n_ctx, n_batch, …) are read from its log
and recorded under "llama_cpp".

Usage (llama.cpp built with CMake in $LLAMA/vendor/llama.cpp/build, bindings from the llama-cpp-python sdist $LLAMA):
       pip install numpy diskcache jinja2 typing_extensions
       PYTHONPATH=$LLAMA LLAMA_CPP_LIB_PATH=$LLAMA/vendor/llama.cpp/build/bin \\
           python3 scripts/make-llamacpp-reference.py checkpoints/SmolLM2-135M-Instruct.Q4_1.gguf \\
           > Tests/ModelsTests/Fixtures/smollm2-llamacpp-reference.json
"""
import ctypes
import json
import os
import re
import sys

import numpy as np

import llama_cpp
from llama_cpp import llama_cpp as L

PROMPTS = [  # (text, parse special tokens)
    ("The capital of France is", False),
    ("The quick brown fox", False),
    ("1, 2, 3, 4, 5,", False),
    ("<|im_start|>user\nWhat is 2+2?<|im_end|>\n<|im_start|>assistant\n", True),
]
TOP_K = 10
GREEDY_TOKENS = 32
THREADS = 2

LOG = []


@L.llama_log_callback
def _collect_log(level, text, user_data):
    LOG.append(text.decode("utf-8", "replace"))


def tokenize(vocab, text, special):
    data = text.encode("utf-8")
    buf = (L.llama_token * (len(data) + 8))()
    n = L.llama_tokenize(vocab, data, len(data), buf, len(buf), True, special)
    if n < 0:
        raise RuntimeError(f"llama_tokenize({text!r}) needs {-n} tokens")
    return [int(buf[i]) for i in range(n)]


def piece(vocab, token):
    buf = ctypes.create_string_buffer(64)
    n = L.llama_token_to_piece(vocab, token, buf, len(buf), 0, True)
    return buf.raw[:max(n, 0)].decode("utf-8", "replace")


def log_softmax(z):
    z = np.asarray(z, dtype=np.float64)
    z = z - z.max()
    return z - np.log(np.exp(z).sum())


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
    L.llama_log_set(_collect_log, ctypes.c_void_p())
    L.llama_backend_init()
    model = L.llama_model_load_from_file(path.encode(), L.llama_model_default_params())
    if not model:
        raise SystemExit(f"llama.cpp could not load {path}")
    vocab = L.llama_model_get_vocab(model)
    n_vocab = L.llama_vocab_n_tokens(vocab)
    defaults = L.llama_context_default_params()
    requested = {"n_ctx": defaults.n_ctx, "n_batch": defaults.n_batch, "n_ubatch": defaults.n_ubatch,
                 "flash_attn_type": L.llama_flash_attn_type_name(defaults.flash_attn_type).decode(),
                 "type_k": defaults.type_k, "type_v": defaults.type_v, "n_threads": THREADS,
                 "n_threads_batch": THREADS}

    out = {"model": os.path.basename(path),
           "generator": "scripts/make-llamacpp-reference.py (llama.cpp via llama-cpp-python ctypes bindings)",
           "llama_cpp": {"llama_cpp_python": llama_cpp.__version__,
                         "system_info": L.llama_print_system_info().decode().strip(),
                         "context_params_requested": requested},
           "prompts": []}

    for text, special in PROMPTS:
        params = L.llama_context_default_params()
        params.n_threads = params.n_threads_batch = THREADS
        LOG.clear()
        ctx = L.llama_init_from_model(model, params)
        if not ctx:
            raise SystemExit("llama_init_from_model failed")
        if "resolved" not in out["llama_cpp"]:
            out["llama_cpp"]["n_ctx"] = L.llama_n_ctx(ctx)
            # llama_context's constructor logs "llama_context: flash_attn = …", "n_ctx = …", the KV cache's
            # "K (f16): … MiB, V (f16): …" — the settings as resolved, not as requested.
            lines = [s.strip() for s in "".join(LOG).splitlines()]
            keep = [s for s in lines if re.search(r"flash_attn|n_ctx|n_batch|n_ubatch|causal_attn|K \(|kv_unified|"
                                                  r"type_k|type_v|Flash Attention|n_seq_max|freq_base", s)]
            out["llama_cpp"]["resolved"] = keep
        ids = tokenize(vocab, text, special)
        tokens = (L.llama_token * len(ids))(*ids)
        steps = []
        for step in range(GREEDY_TOKENS):
            if L.llama_decode(ctx, L.llama_batch_get_one(tokens, len(tokens))) != 0:
                raise SystemExit(f"llama_decode failed at step {step}")
            logits = np.ctypeslib.as_array(L.llama_get_logits_ith(ctx, -1), shape=(n_vocab,)).copy()
            lp = log_softmax(logits)
            top = np.argsort(-lp, kind="stable")[:TOP_K]
            steps.append({"token": int(top[0]), "top_ids": [int(i) for i in top],
                          "top_logprobs": [round(float(lp[i]), 6) for i in top],
                          "margin": round(float(lp[top[0]] - lp[top[1]]), 6)})
            tokens = (L.llama_token * 1)(int(top[0]))
        L.llama_free(ctx)
        greedy = [s["token"] for s in steps]
        out["prompts"].append({"text": text, "special": special, "ids": ids, "greedy": greedy,
                               "greedy_text": "".join(piece(vocab, t) for t in greedy), "steps": steps})
        print(f"{text!r}: ids {ids}\n  greedy {greedy}\n  margins {[s['margin'] for s in steps]}", file=sys.stderr)
    L.llama_model_free(model)
    print(compact(out))


if __name__ == "__main__":
    main()
