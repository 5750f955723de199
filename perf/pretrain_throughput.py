"""Pretraining throughput: the package's `pretrain` (transformers Trainer) against a hand-written loop, same model,
same token blocks, same optimiser and schedule, one run; and how much of the machine's matmul throughput it reaches.

    python perf/pretrain_throughput.py [--models tiny-m tiny-l] [--steps 40] [--repeats 2]

Prints, per model, training tokens per second of
  - `trainer`: doit_nb.pretraining.pretrain's Trainer (checkpoint saving off, as the hand loop saves nothing),
  - `hand`:    forward / backward / AdamW / the same cosine schedule over the very same blocks,
their ratio (target: trainer / hand >= 0.85), and the fraction of the measured matmul throughput (float32 GEMMs of
the model's own shapes, on the same threads) that training reaches, counting 6 x parameters FLOPs per token.
Runs alternate (trainer, hand, trainer, hand, ...) so that a noisy machine hurts both alike; the best run counts.
"""
import argparse, math, os, tempfile, time
from pathlib import Path

os.environ.setdefault("DOIT_PROGRESS", "0")
import torch
from transformers import Trainer, TrainerCallback
from doit_nb.layout import build_data
from doit_nb.sample import SampleSource
from doit_nb.models import foundation_model, load_model, n_params, params_label
from doit_nb.pretraining import pretraining_corpus, token_blocks, pretrain_settings, pretraining_args, _Blocks


class Clock(TrainerCallback):
    "Wall time of the training loop (data and model already loaded)."
    def on_train_begin(self, *a, **k): self.t0 = time.perf_counter()
    def on_train_end(self, *a, **k): self.t1 = time.perf_counter()


def run_trainer(base, blocks, out, s):
    model, _ = load_model(base)
    args = pretraining_args(s, out)
    args.save_strategy = "no"
    clock = Clock()
    Trainer(model=model, args=args, train_dataset=_Blocks(blocks), callbacks=[clock]).train()
    return blocks.numel() / (clock.t1 - clock.t0)


def run_hand(base, blocks, s):
    model, _ = load_model(base)
    model.train()
    torch.manual_seed(s.seed)
    order = torch.randperm(len(blocks))
    opt = torch.optim.AdamW(model.parameters(), lr=s.learning_rate, betas=(0.9, 0.95), weight_decay=s.weight_decay)
    steps = math.ceil(len(blocks) / s.batch_size)
    floor = s.min_learning_rate / s.learning_rate
    def lr(i):
        if i < s.warmup_steps: return (i + 1) / s.warmup_steps
        t = (i - s.warmup_steps) / max(1, steps - s.warmup_steps)
        return floor + (1 - floor) * 0.5 * (1 + math.cos(math.pi * t))
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lr)
    t0 = time.perf_counter()
    for i in range(steps):
        b = blocks[order[i * s.batch_size:(i + 1) * s.batch_size]]
        loss = model(input_ids=b, labels=b).loss
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)   # as the Trainer does
        opt.step()
        sched.step()
        opt.zero_grad(set_to_none=True)
    return blocks.numel() / (time.perf_counter() - t0)


def matmul_flops(model, tokens: int = 4096, repeats: int = 5) -> float:
    "Best float32 FLOP/s of the model's own GEMM shapes (tokens x hidden @ hidden x out) on this machine."
    shapes = {(m.in_features, m.out_features) for m in model.modules() if isinstance(m, torch.nn.Linear)}
    best = 0.0
    for k, n in shapes:
        a, w = torch.randn(tokens, k), torch.randn(k, n)
        a @ w
        t0 = time.perf_counter()
        for _ in range(repeats): a @ w
        best = max(best, 2 * tokens * k * n * repeats / (time.perf_counter() - t0))
    return best


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--models", nargs="+", default=["tiny-m", "tiny-l"])
    ap.add_argument("--steps", type=int, default=40, help="optimiser steps per run")
    ap.add_argument("--repeats", type=int, default=2)
    a = ap.parse_args()
    work = Path(tempfile.mkdtemp())
    os.environ.setdefault("DOIT_CACHE", str(work / "cache"))
    data = build_data(SampleSource(size=256, eval_size=10), work / "data")
    s = pretrain_settings(passes=4, skill_docs=2000, warmup_steps=5)
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads; {a.steps} steps of {s.batch_size} x {s.block_size} tokens\n")
    print(f"{'model':>16} {'trainer tok/s':>14} {'hand tok/s':>11} {'ratio':>6} {'GEMM GFLOP/s':>13} {'of GEMM':>8}")
    for spec in a.models:
        base = foundation_model(spec, data_dir=data)
        model, tok = load_model(base)
        blocks = token_blocks(tok, pretraining_corpus(0, s.passes, s.skill_docs), s.block_size)[:a.steps * s.batch_size]
        tr, hand = [], []
        for r in range(a.repeats):
            tr.append(run_trainer(base, blocks, work / f"{spec}-{r}", s))
            hand.append(run_hand(base, blocks, s))
        peak = matmul_flops(model)
        reached = 6 * n_params(model) * max(tr)
        print(f"{spec + ' (' + params_label(n_params(model)) + ')':>16} {max(tr):>14.0f} {max(hand):>11.0f} "
              f"{max(tr) / max(hand):>6.2f} {peak / 1e9:>13.1f} {reached / peak:>8.1%}")
    print("\ntarget: trainer / hand >= 0.85")


if __name__ == "__main__":
    main()
