"""SFT throughput: the package's TRL path against a minimal hand-written loop, same model, same batches, one run.

    python perf/sft_throughput.py [--model tiny-m] [--size 256] [--repeats 2]

Prints training tokens per second (non-padding tokens) of
  - `trl`:        doit_nb.sft's DoitSFTTrainer (TRL SFTTrainer; per-step extras off, the default),
  - `trl+extras`: the same with TRL's per-step entropy / token-accuracy metrics on,
  - `hand`:       forward / backward / AdamW / LambdaLR over the very batches the trainer's dataloader yields,
their ratio (target: trl / hand >= 0.85), and the padding fraction with and without length grouping.
Checkpoint saving is off in both (the hand loop saves nothing); everything else is the training path as used.
"""
import argparse, copy, os, tempfile, time
from pathlib import Path

os.environ.setdefault("DOIT_PROGRESS", "0")
import torch
from transformers import TrainerCallback
from doit_nb.layout import build_data
from doit_nb.sample import SampleSource
from doit_nb.recipes import make_recipe
from doit_nb.models import foundation_model, load_model, params_label, model_info
from doit_nb.sft import make_trainer, sft_settings


class Clock(TrainerCallback):
    "Wall time from the first step to the end of training."
    def on_train_begin(self, *a, **k): self.t0 = time.perf_counter()
    def on_train_end(self, *a, **k): self.t1 = time.perf_counter()


def tokens(batches): return sum(int(b["attention_mask"].sum()) for b in batches)
def padding(batches): return 1 - tokens(batches) / sum(b["attention_mask"].numel() for b in batches)


def run_trl(base, recipe, out, s):
    clock = Clock()
    tr = make_trainer(base, recipe, out, s, quiet=True, callbacks=[clock])
    tr.args.save_strategy = "no"
    n = tokens(list(tr.get_train_dataloader()))
    tr.train()
    return n / (clock.t1 - clock.t0)


def run_hand(base, recipe, out, s):
    tr = make_trainer(base, recipe, out, s, quiet=True)
    batches = list(tr.get_train_dataloader())          # the same collated batches, in the same order
    model, _ = load_model(base); model.train()
    opt = torch.optim.AdamW(model.parameters(), lr=s.learning_rate, betas=(s.adam_beta1, s.adam_beta2), weight_decay=s.weight_decay)
    n_steps = len(batches) * int(tr.args.num_train_epochs)
    floor = s.min_learning_rate / s.learning_rate
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda i: 1 - (1 - floor) * min(i, n_steps - 1) / max(1, n_steps - 1))
    t0 = time.perf_counter()
    for _ in range(int(tr.args.num_train_epochs)):
        for b in batches:
            loss = model(input_ids=b["input_ids"], attention_mask=b["attention_mask"], labels=b["labels"]).loss
            loss.backward(); opt.step(); sched.step(); opt.zero_grad(set_to_none=True)
    return tokens(batches) * int(tr.args.num_train_epochs) / (time.perf_counter() - t0)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default="tiny-m"); ap.add_argument("--size", type=int, default=256)
    ap.add_argument("--epochs", type=int, default=1); ap.add_argument("--repeats", type=int, default=2)
    a = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="perf-sft-"))
    data = build_data(SampleSource(size=a.size, eval_size=10, synthetic_size=10), work / "data")
    recipe = work / "recipe"; make_recipe(f"curated-{10 * a.size}", data, recipe)
    base = foundation_model(a.model, data, cache=work / "cache")
    s = sft_settings("tiny", epochs=a.epochs)
    print(f"model {a.model} ({params_label(model_info(base)['n_params'])} parameters), recipe curated-{10 * a.size}, "
          f"batch {s.batch_size}, {a.epochs} epoch(s), torch threads {torch.get_num_threads()}")
    for grouped in (True, False):
        tr = make_trainer(base, recipe, work / "p", sft_settings("tiny", group_by_length=grouped), quiet=True)
        print(f"padding fraction, group_by_length={grouped}: {padding(list(tr.get_train_dataloader())):.3f}")
    best = {"hand": 0, "trl": 0, "trl+extras": 0}
    for r in range(a.repeats):   # interleaved, best of each: the machine is noisy
        best["hand"] = max(best["hand"], run_hand(base, recipe, work / f"h{r}", s))
        best["trl"] = max(best["trl"], run_trl(base, recipe, work / f"t{r}", s))
        best["trl+extras"] = max(best["trl+extras"], run_trl(base, recipe, work / f"x{r}", sft_settings("tiny", epochs=a.epochs, track_extras=True)))
    for k, v in best.items(): print(f"{k:11} {v:9.0f} tokens/s")
    print(f"ratio trl / hand = {best['trl'] / best['hand']:.3f}  (target >= 0.85)")
    print(f"ratio trl+extras / hand = {best['trl+extras'] / best['hand']:.3f}")


if __name__ == "__main__":
    main()
