#!/usr/bin/env python3
"""Scale out: train an lmlab model on GPUs with PyTorch and Hugging Face Trainer, on the token files `lmlab prepare`
wrote, and bring the result back into lmlab. Needs torch and transformers (not part of lmlab's setup; any machine with
a GPU and `pip install torch transformers`). docs/scaling-out.md walks through it:

    lmlab prepare --corpus wikitext-2 --vocab-size 4096                    # corpora/cache/wikitext-2-4096/{train,val}.bin
    lmlab train --preset small --style llama --steps 1 --out checkpoints/init.h5
    lmlab export checkpoints/init.h5 --format hf --out checkpoints/init-hf
    torchrun --nproc_per_node 4 scripts/train-hf.py --model checkpoints/init-hf \\
        --data corpora/cache/wikitext-2-4096 --out checkpoints/trained-hf --steps 5000 --batch-size 32 --bf16
    lmlab import checkpoints/trained-hf --out checkpoints/trained.h5     # or: lmlab generate --model checkpoints/trained-hf

The model is the exported folder's (GPT2LMHeadModel or LlamaForCausalLM, lmlab's initial weights; --scratch re-draws
them with transformers' initialisation). Batches are random windows of the model's context length from train.bin —
nanoGPT's get_batch, the same data lmlab trains on — one index per window, so Trainer's distributed sampler gives each
GPU its own; the loss is the causal LM's cross-entropy. AdamW (betas 0.9/0.95, weight decay on matrices), linear
warm-up then cosine decay to --min-lr, gradient clipping at 1.0 — lmlab's defaults. The validation loss is the mean
over --eval-batches fixed windows of val.bin, in nats per token like `lmlab train` prints. At the end the trained
weights (float32 safetensors) and the folder's tokenizer files go to --out, which lmlab imports.
"""
import argparse
import os
import shutil

import numpy as np
import torch
from transformers import AutoConfig, AutoModelForCausalLM, Trainer, TrainingArguments


class Windows(torch.utils.data.Dataset):
    """`count` windows of `length + 1` tokens from a uint16/uint32 token file; window i starts at a position drawn
    from a generator seeded by (seed, i), or at i · length when `fixed` (validation)."""

    def __init__(self, path, length, count, seed, dtype, fixed=False):
        self.tokens = np.memmap(path, dtype=dtype, mode="r")
        self.length, self.count, self.seed, self.fixed = length, count, seed, fixed
        if len(self.tokens) < length + 1:
            raise SystemExit(f"{path}: {len(self.tokens)} tokens, fewer than one window of {length + 1}")

    def __len__(self):
        return self.count

    def __getitem__(self, i):
        last = len(self.tokens) - self.length - 1
        start = (i * self.length) % (last + 1) if self.fixed else int(np.random.default_rng((self.seed, i)).integers(0, last + 1))
        ids = torch.from_numpy(self.tokens[start:start + self.length].astype(np.int64))
        return {"input_ids": ids, "labels": ids.clone()}  # the model shifts labels by one itself


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", required=True, help="a Hugging Face folder (lmlab export --format hf)")
    ap.add_argument("--data", required=True, help="the folder lmlab prepare wrote (train.bin, val.bin, meta.json)")
    ap.add_argument("--out", required=True, help="where the trained folder goes")
    ap.add_argument("--steps", type=int, default=2000)
    ap.add_argument("--batch-size", type=int, default=16, help="windows per GPU per step")
    ap.add_argument("--gradient-accumulation", type=int, default=1)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--min-lr", type=float, default=1e-4)
    ap.add_argument("--warmup-steps", type=int, default=100)
    ap.add_argument("--weight-decay", type=float, default=0.1)
    ap.add_argument("--eval-every", type=int, default=250)
    ap.add_argument("--eval-batches", type=int, default=20)
    ap.add_argument("--seed", type=int, default=1337)
    ap.add_argument("--bf16", action="store_true", help="bfloat16 autocast (GPUs from Ampere on); weights stay float32")
    ap.add_argument("--scratch", action="store_true", help="same architecture, transformers' random initialisation")
    args = ap.parse_args()

    dtype = np.uint16
    meta = os.path.join(args.data, "meta.json")
    if os.path.exists(meta):
        import json
        dtype = np.dtype(json.load(open(meta)).get("dtype", "uint16"))
    config = AutoConfig.from_pretrained(args.model)
    model = (AutoModelForCausalLM.from_config(config) if args.scratch
             else AutoModelForCausalLM.from_pretrained(args.model, dtype=torch.float32))
    length = getattr(config, "n_positions", None) or config.max_position_embeddings
    world = int(os.environ.get("WORLD_SIZE", "1"))
    train = Windows(os.path.join(args.data, "train.bin"), length,
                    args.steps * args.batch_size * args.gradient_accumulation * world, args.seed, dtype)
    val = Windows(os.path.join(args.data, "val.bin"), length, args.eval_batches * args.batch_size, args.seed, dtype, fixed=True)

    training = TrainingArguments(
        output_dir=os.path.join(args.out, "trainer"), max_steps=args.steps, per_device_train_batch_size=args.batch_size,
        per_device_eval_batch_size=args.batch_size, gradient_accumulation_steps=args.gradient_accumulation,
        learning_rate=args.lr, lr_scheduler_type="cosine_with_min_lr", lr_scheduler_kwargs={"min_lr": args.min_lr},
        warmup_steps=args.warmup_steps, weight_decay=args.weight_decay, adam_beta1=0.9, adam_beta2=0.95,
        max_grad_norm=1.0, bf16=args.bf16, eval_strategy="steps", eval_steps=args.eval_every,
        logging_steps=max(1, min(50, args.eval_every)), save_strategy="no", report_to=[], seed=args.seed,
        dataloader_drop_last=True, use_cpu=not torch.cuda.is_available())
    trainer = Trainer(model=model, args=training, train_dataset=train, eval_dataset=val)
    trainer.train()
    print(f"final validation loss {trainer.evaluate()['eval_loss']:.4f} nats/token")
    if trainer.is_world_process_zero():
        trainer.save_model(args.out)  # config.json + model.safetensors (float32)
        for name in ["tokenizer.json", "tokenizer_config.json", "generation_config.json"]:
            if os.path.exists(os.path.join(args.model, name)):
                shutil.copy(os.path.join(args.model, name), os.path.join(args.out, name))
        shutil.rmtree(os.path.join(args.out, "trainer"), ignore_errors=True)
        if os.path.exists(os.path.join(args.out, "training_args.bin")):
            os.remove(os.path.join(args.out, "training_args.bin"))  # Trainer's pickled arguments: not part of the model
        print(f"wrote {args.out}: lmlab import {args.out} --out CHECKPOINT.h5")


if __name__ == "__main__":
    main()
