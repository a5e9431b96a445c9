#!/usr/bin/env python3
"""Makes the Hugging Face fixtures of Tests/ModelsTests/HFImportFixtureTests.swift with transformers itself (needs
torch + transformers; run by hand in a venv outside the repository, e.g. the peers' one):

    ../peer-venv/bin/python scripts/make-hf-fixtures.py Tests/ModelsTests/Fixtures

Three tiny models, each built by transformers' own classes from a seed, its weights redrawn large enough (std 0.2,
norm gains 1 ± 0.2) that every nonlinearity matters, saved with `save_pretrained` (safetensors), with the logits
transformers computes for a fixed id sequence:
  hf-gpt2-f32/        GPT2LMHeadModel, activation "gelu" (exact, as lmlab computes), float32, tied head
  hf-llama-bf16/      LlamaForCausalLM, grouped-query attention (4 heads, 2 KV), untied head, RoPE base 100,
                      saved in bfloat16
  hf-gpt2-tanh-f16/   GPT2LMHeadModel with GPT-2's own "gelu_new" (tanh approximation), saved in float16
Each folder gets reference.json: {"ids": [...], "logits": [[...] per position], "transformers": version}, the logits
of the folder loaded back by from_pretrained in float32.
No tokenizer: the tests feed ids.
"""
import json
import os
import sys

import torch
import transformers
from transformers import GPT2Config, GPT2LMHeadModel, LlamaConfig, LlamaForCausalLM

IDS = [5, 17, 3, 90, 42, 42, 7, 64, 11, 0, 33, 95, 20, 8]


def redraw(model, seed):
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in model.named_parameters():
            gain = "ln_" in name or "norm" in name
            if gain and name.endswith("weight"):
                p.copy_(1 + 0.2 * torch.randn(p.shape, generator=g))
            else:
                p.copy_(0.2 * torch.randn(p.shape, generator=g))


def save(model, folder, dtype):
    os.makedirs(folder, exist_ok=True)
    model = model.to(dtype)
    model.save_pretrained(folder, safe_serialization=True)
    os.chmod(os.path.join(folder, "model.safetensors"), 0o644)
    # The reference is what from_pretrained makes of the saved folder, computed in float32 (a model cast back with
    # .float() would keep RoPE's inv_freq buffer rounded to bfloat16).
    loaded = type(model).from_pretrained(folder, dtype=torch.float32).eval()
    with torch.no_grad():
        logits = loaded(torch.tensor([IDS])).logits[0]
    json.dump({"ids": IDS, "logits": logits.tolist(), "transformers": transformers.__version__, "torch": torch.__version__},
              open(os.path.join(folder, "reference.json"), "w"))
    print(f"wrote {folder}: {sum(p.numel() for p in model.parameters())} parameters, {dtype}")


def main():
    out = sys.argv[1]
    torch.manual_seed(0)
    gpt2 = GPT2Config(vocab_size=96, n_positions=16, n_embd=32, n_layer=2, n_head=4, activation_function="gelu",
                      resid_pdrop=0, embd_pdrop=0, attn_pdrop=0, bos_token_id=95, eos_token_id=95)
    m = GPT2LMHeadModel(gpt2).eval()
    redraw(m, 1)
    save(m, os.path.join(out, "hf-gpt2-f32"), torch.float32)

    llama = LlamaConfig(vocab_size=96, hidden_size=32, intermediate_size=64, num_hidden_layers=2, num_attention_heads=4,
                        num_key_value_heads=2, max_position_embeddings=16, rms_norm_eps=1e-5, rope_theta=100.0,
                        tie_word_embeddings=False, bos_token_id=1, eos_token_id=2)
    m = LlamaForCausalLM(llama).eval()
    redraw(m, 2)
    save(m, os.path.join(out, "hf-llama-bf16"), torch.bfloat16)

    tanh = GPT2Config(vocab_size=96, n_positions=16, n_embd=32, n_layer=2, n_head=4, activation_function="gelu_new",
                      resid_pdrop=0, embd_pdrop=0, attn_pdrop=0, bos_token_id=95, eos_token_id=95)
    m = GPT2LMHeadModel(tanh).eval()
    redraw(m, 3)
    save(m, os.path.join(out, "hf-gpt2-tanh-f16"), torch.float16)


if __name__ == "__main__":
    main()
