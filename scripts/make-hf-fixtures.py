#!/usr/bin/env python3
"""Makes the Hugging Face fixtures of Tests/ModelsTests/HFImportFixtureTests.swift (and ServingTests'
HFFolderImportTests) with transformers and tokenizers themselves (needs torch + transformers; run by hand in a venv
outside the repository, e.g. the peers' one):

    ../peer-venv/bin/python scripts/make-hf-fixtures.py Tests/ModelsTests/Fixtures

Three tiny models, each built by transformers' own classes from a seed, its weights redrawn large enough (std 0.2,
norm gains 1 ± 0.2) that every nonlinearity matters, saved with `save_pretrained` (safetensors), each with a
byte-level BPE tokenizer trained by `tokenizers` on TEXT below and saved by PreTrainedTokenizerFast.save_pretrained
(so its ids are not lmlab's: the special tokens come first, merges in the trainer's order), and a chat template:
  hf-gpt2-f32/        GPT2LMHeadModel, activation "gelu" (exact), float32, tied head; GPT-2's ByteLevel
                      pre-tokenizer; "<|endoftext|>" (id 0) as BOS/EOS; the chat template as a string in
                      tokenizer_config.json (transformers' legacy single-template form, save_jinja_files=False)
  hf-llama-bf16/      LlamaForCausalLM, grouped-query attention (4 heads, 2 KV), untied head, RoPE base 100, saved in
                      bfloat16; a Llama 3 tokenizer (its Split regex + ByteLevel, ignore_merges, BOS added by a
                      TemplateProcessing post-processor, header / end-of-turn special tokens); the template in
                      chat_template.jinja (what transformers ≥ 4.50 writes)
  hf-gpt2-tanh-f16/   GPT2LMHeadModel with GPT-2's own "gelu_new" (tanh approximation), saved in float16; a tokenizer
                      of 20 tokens fewer than the embedding (nanoGPT-style padding) with a non-special added token
                      "<|sep|>"; two chat templates, "default" and "tool_use", as the list in tokenizer_config.json
                      (transformers' legacy multi-template form)
Each folder gets reference.json, computed from the folder loaded back by from_pretrained in float32:
  {"text", "ids": AutoTokenizer's ids of the text (special tokens added), "decoded": its decode of them,
   "logits": [[...] per position], "greedy": the 8 tokens generate(do_sample=False) continues the ids with,
   "perplexity": exp of the mean cross-entropy of ids[1:] given the prefix,
   "messages", "chat_prompt": apply_chat_template(messages, add_generation_prompt=True),
   "transformers", "torch", "tokenizers": versions}
Logits are rounded to 7 significant digits (float32 holds about 7.2).
"""
import json
import os
import shutil
import sys

import tokenizers
import torch
import transformers
from tokenizers import Regex, Tokenizer, decoders, models, pre_tokenizers, processors, trainers
from transformers import (AutoTokenizer, GPT2Config, GPT2LMHeadModel, LlamaConfig, LlamaForCausalLM,
                          PreTrainedTokenizerFast)

TEXT = """The cat sat on the mat, and the dog sat on the log. A cat and a dog met on a mat by a log in 1990.
Language models predict the next token from the tokens before it; a tokenizer cuts text into those tokens.
Byte-level BPE starts from the 256 bytes and merges the most frequent adjacent pair, again and again, until the
vocabulary is full. GPT-2 splits words, numbers and punctuation apart first, so merges never cross them.
The quick brown fox jumps over the lazy dog. It's what they'll say: we've seen the models, and they're small."""
PROMPT = "The cat met the dog on a mat in 1990."
MESSAGES = [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi!"},
            {"role": "assistant", "content": "Hello."}, {"role": "user", "content": "Who sat on the mat?"}]
LLAMA3_SPLIT = (r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|"
                r"\s*[\r\n]+|\s+(?!\S)|\s+")

GPT2_TEMPLATE = ("{% for m in messages %}{{ m['role'] }}: {{ m['content'] }}{{ eos_token }}\n{% endfor %}"
                 "{% if add_generation_prompt %}assistant:{% endif %}")
LLAMA_TEMPLATE = ("{{ bos_token }}{% for m in messages %}<|start_header_id|>{{ m['role'] }}<|end_header_id|>\n\n"
                  "{{ m['content'] | trim }}<|eot_id|>{% endfor %}"
                  "{% if add_generation_prompt %}<|start_header_id|>assistant<|end_header_id|>\n\n{% endif %}")
TOOL_TEMPLATE = "{% for m in messages %}[{{ m['role'] }}] {{ m['content'] }}\n{% endfor %}"


def gpt2_tokenizer(vocab_size, added=()):
    """GPT-2's layout: ByteLevel pre-tokenizer with its regex, ByteLevel decoder, <|endoftext|> special."""
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=vocab_size, special_tokens=["<|endoftext|>"], min_frequency=1,
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False)
    tok.train_from_iterator([TEXT], trainer)
    if added:
        tok.add_tokens(list(added))  # not special: an added token of the model's authors
    return PreTrainedTokenizerFast(tokenizer_object=tok, bos_token="<|endoftext|>", eos_token="<|endoftext|>")


def llama3_tokenizer(vocab_size):
    """Llama 3's layout: Split with its regex, then ByteLevel without one; ignore_merges; BOS added by the
    post-processor."""
    specials = ["<|begin_of_text|>", "<|end_of_text|>", "<|start_header_id|>", "<|end_header_id|>", "<|eot_id|>"]
    tok = Tokenizer(models.BPE(ignore_merges=True))
    tok.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.Split(Regex(LLAMA3_SPLIT), behavior="isolated", invert=False),
        pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False)])
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=vocab_size, special_tokens=specials, min_frequency=1,
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False)
    tok.train_from_iterator([TEXT], trainer)
    bos = tok.token_to_id("<|begin_of_text|>")
    tok.post_processor = processors.TemplateProcessing(
        single="<|begin_of_text|> $A", pair="<|begin_of_text|> $A <|begin_of_text|> $B",
        special_tokens=[("<|begin_of_text|>", bos)])
    return PreTrainedTokenizerFast(tokenizer_object=tok, bos_token="<|begin_of_text|>", eos_token="<|eot_id|>")


def redraw(model, seed):
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in model.named_parameters():
            gain = "ln_" in name or "norm" in name
            if gain and name.endswith("weight"):
                p.copy_(1 + 0.2 * torch.randn(p.shape, generator=g))
            else:
                p.copy_(0.2 * torch.randn(p.shape, generator=g))


def save(model, tokenizer, folder, dtype, chat_template, jinja):
    if os.path.exists(folder):
        shutil.rmtree(folder)
    os.makedirs(folder)
    model = model.to(dtype)
    model.save_pretrained(folder, safe_serialization=True)
    tokenizer.chat_template = chat_template
    tokenizer.save_pretrained(folder, save_jinja_files=jinja)
    for name in os.listdir(folder):
        os.chmod(os.path.join(folder, name), 0o644)
    # The reference is what from_pretrained makes of the saved folder, computed in float32 (a model cast back with
    # .float() would keep RoPE's inv_freq buffer rounded to bfloat16).
    loaded = type(model).from_pretrained(folder, dtype=torch.float32).eval()
    tok = AutoTokenizer.from_pretrained(folder)
    ids = tok(PROMPT)["input_ids"]
    with torch.no_grad():
        out = loaded(torch.tensor([ids]), labels=torch.tensor([ids]))
        # An explicit attention mask: generate would otherwise mask every id equal to the pad id (BOS here).
        greedy = loaded.generate(torch.tensor([ids]), attention_mask=torch.ones(1, len(ids), dtype=torch.long),
                                 max_new_tokens=8, do_sample=False)[0][len(ids):].tolist()
    assert len(greedy) == 8 and tok.eos_token_id not in greedy, "choose another seed: the continuation ends early"
    assert len(ids) + 8 <= model.config.max_position_embeddings if hasattr(model.config, "max_position_embeddings") \
        else len(ids) + 8 <= model.config.n_positions
    reference = {
        "text": PROMPT, "ids": ids, "decoded": tok.decode(ids),
        "logits": [[float("%.7g" % x) for x in row] for row in out.logits[0].tolist()],
        "greedy": greedy, "perplexity": float(torch.exp(out.loss)),
        "messages": MESSAGES, "chat_prompt": tok.apply_chat_template(MESSAGES, tokenize=False, add_generation_prompt=True),
        "transformers": transformers.__version__, "torch": torch.__version__, "tokenizers": tokenizers.__version__,
    }
    json.dump(reference, open(os.path.join(folder, "reference.json"), "w"))
    print(f"wrote {folder}: {sum(p.numel() for p in model.parameters())} parameters, {dtype}, "
          f"tokenizer {len(tok)} tokens, files {sorted(os.listdir(folder))}")


def main():
    out = sys.argv[1]
    torch.manual_seed(0)

    tok = gpt2_tokenizer(320)
    n = len(tok)
    gpt2 = GPT2Config(vocab_size=n, n_positions=32, n_embd=32, n_layer=2, n_head=4, activation_function="gelu",
                      resid_pdrop=0, embd_pdrop=0, attn_pdrop=0, bos_token_id=0, eos_token_id=0)
    m = GPT2LMHeadModel(gpt2).eval()
    redraw(m, 1)
    save(m, tok, os.path.join(out, "hf-gpt2-f32"), torch.float32, GPT2_TEMPLATE, jinja=False)

    tok = llama3_tokenizer(320)
    llama = LlamaConfig(vocab_size=len(tok), hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                        num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=32, rms_norm_eps=1e-5,
                        rope_theta=100.0, tie_word_embeddings=False, bos_token_id=tok.bos_token_id,
                        eos_token_id=tok.eos_token_id)
    m = LlamaForCausalLM(llama).eval()
    redraw(m, 2)
    save(m, tok, os.path.join(out, "hf-llama-bf16"), torch.bfloat16, LLAMA_TEMPLATE, jinja=True)

    tok = gpt2_tokenizer(300, added=["<|sep|>"])
    tanh = GPT2Config(vocab_size=len(tok) + 20, n_positions=32, n_embd=32, n_layer=2, n_head=4,
                      activation_function="gelu_new", resid_pdrop=0, embd_pdrop=0, attn_pdrop=0, bos_token_id=0,
                      eos_token_id=0)
    m = GPT2LMHeadModel(tanh).eval()
    redraw(m, 3)
    save(m, tok, os.path.join(out, "hf-gpt2-tanh-f16"), torch.float16,
         {"default": GPT2_TEMPLATE, "tool_use": TOOL_TEMPLATE}, jinja=False)


if __name__ == "__main__":
    main()
