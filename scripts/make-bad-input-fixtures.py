#!/usr/bin/env python3
"""The small model file Tests/BadInputTests corrupts: a whole llama GGUF that ModelHandle opens, small enough to
truncate and byte-flip thousands of times in seconds.

  tiny-llama.gguf   llama, width 32, 1 layer, 2 heads / 1 KV head (head size 16), MLP 64, context 32, vocab 300:
                    GPT-2's 256 byte tokens and 44 merges ("gpt2" tokenizer, bos 256 / eos 257 — two merged tokens
                    standing in as special ids), a chat template; token_embd Q8_0 (tied: no output.weight), attention
                    F16 and Q4_0, MLP Q8_0 and F16, norms F32. Random weights, seed 19. 28 KB, 4.8 KB of it
                    metadata and tensor infos.

Writes with gguf-py's GGUFWriter (gguf 0.19.0, numpy; gguf.quants.quantize packs Q8_0 and Q4_0), so the file is what
llama.cpp's own Python writes. The checkpoints and tokenizer JSON the tests corrupt are written by lmlab itself at
test time (Checkpoint.save, BPETokenizer.save), and tiny.gguf comes from scripts/make-gguf-fixtures.py.

Usage: python3 scripts/make-bad-input-fixtures.py   (writes Tests/BadInputTests/Fixtures/tiny-llama.gguf)
"""
import os

import numpy as np

from byte_level import byte_tokens  # GPT-2's byte alphabet (scripts/byte_level.py)
from gguf import GGUFWriter, GGMLQuantizationType as T
from gguf.quants import quantize

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Tests", "BadInputTests", "Fixtures")
MERGES = [("t", "h"), ("h", "e"), ("i", "n"), ("e", "r"), ("a", "n"), ("o", "u"), ("r", "e"), ("o", "n"),
          ("a", "t"), ("e", "n"), ("Ġ", "t"), ("Ġ", "a"), ("Ġ", "s"), ("Ġ", "w"), ("Ġ", "th"), ("Ġth", "e"),
          ("s", "t"), ("e", "s"), ("o", "r"), ("i", "s"), ("i", "t"), ("a", "r"), ("a", "l"), ("e", "d"),
          ("l", "l"), ("o", "f"), ("t", "o"), ("n", "d"), ("Ġ", "o"), ("Ġ", "b"), ("Ġ", "c"), ("Ġ", "f"),
          ("Ġ", "m"), ("Ġ", "d"), ("Ġ", "p"), ("Ġ", "h"), ("Ġ", "in"), ("Ġ", "an"), ("Ġa", "nd"),
          ("Ġ", "of"), ("Ġ", "to"), ("Ġ", "is"), ("Ġ", "it"), ("e", "l")]



def main():
    rng = np.random.default_rng(19)
    d, heads, kv_heads, hs, hidden, vocab, ctx = 32, 2, 1, 16, 64, 300, 32
    os.makedirs(OUT, exist_ok=True)
    w = GGUFWriter(os.path.join(OUT, "tiny-llama.gguf"), "llama")
    w.add_context_length(ctx)
    w.add_embedding_length(d)
    w.add_block_count(1)
    w.add_feed_forward_length(hidden)
    w.add_head_count(heads)
    w.add_head_count_kv(kv_heads)
    w.add_layer_norm_rms_eps(1e-5)
    w.add_rope_freq_base(10000.0)
    tokens = byte_tokens() + [a + b for a, b in MERGES]
    assert len(tokens) == vocab and len(set(tokens)) == vocab
    w.add_tokenizer_model("gpt2")
    w.add_token_list(tokens)
    w.add_token_merges([f"{a} {b}" for a, b in MERGES])
    w.add_bos_token_id(256)
    w.add_eos_token_id(257)
    w.add_chat_template("{% for m in messages %}{{ m['role'] }}: {{ m['content'] }}\n{% endfor %}")

    def tensor(name, shape, kind, scale, mean=0.0):
        x = (mean + scale * rng.normal(size=shape)).astype(np.float32)
        if kind == T.F32:
            w.add_tensor(name, x)
        elif kind == T.F16:
            w.add_tensor(name, x.astype(np.float16))
        else:
            w.add_tensor(name, quantize(x, kind), raw_dtype=kind)

    tensor("token_embd.weight", (vocab, d), T.Q8_0, 1.0)
    tensor("blk.0.attn_norm.weight", (d,), T.F32, 0.2, mean=1.0)
    tensor("blk.0.attn_q.weight", (heads * hs, d), T.F16, d ** -0.5)
    tensor("blk.0.attn_k.weight", (kv_heads * hs, d), T.Q4_0, d ** -0.5)
    tensor("blk.0.attn_v.weight", (kv_heads * hs, d), T.Q8_0, d ** -0.5)
    tensor("blk.0.attn_output.weight", (d, heads * hs), T.F16, d ** -0.5)
    tensor("blk.0.ffn_norm.weight", (d,), T.F32, 0.2, mean=1.0)
    tensor("blk.0.ffn_gate.weight", (hidden, d), T.Q8_0, d ** -0.5)
    tensor("blk.0.ffn_up.weight", (hidden, d), T.Q4_0, d ** -0.5)
    tensor("blk.0.ffn_down.weight", (d, hidden), T.F16, hidden ** -0.5)
    tensor("output_norm.weight", (d,), T.F32, 0.2, mean=1.0)
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()


if __name__ == "__main__":
    main()
