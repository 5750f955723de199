"""What would a tiny-s that learns its skill documents do to the planted groups? (issue 12)

The default pretrains every tiny size at one peak learning rate (1.5e-3). tiny-s (0.16M parameters, width 40)
then learns little of the corpus's skill documents (2.4-4.6 nats) and before SFT is above chance on Biology alone,
with 2 of 100 (the default corpus, practice questions included). Smaller models are
usually trained at larger learning rates, so this script pretrains one size at each given peak rate (the floor of
the cosine at a tenth of it, as the default), with the default profile's corpus, and reports per rate:

- the final pretraining loss and the mean token loss on fresh documents of each kind (`document_losses`);
- the pretrained model's test score on every ability before any SFT, against the random-guess score, and whether
  it is above chance (`above_chance`: more than two standard errors of a random guesser above it);
- with `--grid`: the recovery of the planted groups when that model replaces its size among `--foundations` and
  the three are fine-tuned on the scaling grid under the default profile's SFT (`sft_grid.py`'s stand-in for a run).

About a minute per rate to pretrain and score tiny-s, two more with `--grid`, on 2 cores.

Usage: python experiments/foundation_lr.py --foundations runs/foundations --lr 1.5e-3,6e-3 --grid --report F.json"""
import argparse, dataclasses, json, tempfile, time
from pathlib import Path
import pandas as pd
import torch
from doit_nb.core import atomic_write
from doit_nb.pretraining import pretrain_foundation
from doit_nb.scoring import ScoreSettings, score_checkpoint, above_chance
from doit_nb.runs import load_profile
import sft_grid


def parse_rates(text: str) -> list[float]:
    "'1.5e-3,6e-3' → [0.0015, 0.006]; a clear error for anything that is not a positive number."
    rates = []
    for part in filter(None, text.split(",")):
        try:
            rate = float(part)
        except ValueError:
            raise SystemExit(f"--lr {part!r}: not a number") from None
        if not rate > 0:
            raise SystemExit(f"--lr {part!r}: a learning rate must be above 0")
        rates.append(rate)
    if not rates:
        raise SystemExit("--lr: give at least one learning rate, e.g. --lr 1.5e-3,6e-3")
    return rates


def before_sft(model: Path, data: Path) -> pd.DataFrame:
    "Test score, random-guess score and the above-chance flag of a pretrained model on every ability."
    s = score_checkpoint(model, data, "test", ScoreSettings(new_tokens={"math": 96}))
    s = s[s["ability"] != "average"]
    return s[["ability", "score", "expected", "n_items"]].assign(above=above_chance(s)).reset_index(drop=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--lr", required=True, help="peak pretraining learning rates, comma-separated")
    ap.add_argument("--size", default="tiny-s", choices=sft_grid.SIZES, help="the size pretrained anew")
    ap.add_argument("--foundations", type=Path, help="a default run's foundations (needed by --grid)")
    ap.add_argument("--grid", action="store_true", help="also fine-tune the grid and count the groups recovered")
    ap.add_argument("--report", type=Path, default=None, help="write the results here as JSON")
    args = ap.parse_args()
    rates = parse_rates(args.lr)
    if args.grid and not args.foundations:
        raise SystemExit("--grid needs --foundations (the other two sizes come from there)")
    others = {s: sft_grid.foundation(args.foundations, s) for s in sft_grid.SIZES if s != args.size} if args.grid else {}
    torch.set_num_threads(2)
    profile = load_profile("default")
    report = []
    with tempfile.TemporaryDirectory() as d:
        data = sft_grid.default_data(Path(d) / "data")
        for rate in rates:
            t0 = time.time()
            pre = dataclasses.replace(profile.pretraining, learning_rate=rate, min_learning_rate=rate / 10)
            model = pretrain_foundation(args.size, data, Path(d) / f"{args.size}-lr{rate:g}", pre)
            meta = json.loads((model / "doit_model.json").read_text())["pretraining"]
            scores = before_sft(model, data)
            row = dict(learning_rate=rate, final_loss=round(meta["final_loss"], 3), knowledge=meta["knowledge"]["share"],
                       document_losses=meta["document_losses"], before_sft=scores.round(2).to_dict(orient="records"))
            print(f"== {args.size} pretrained at {rate:g} ({time.time() - t0:.0f} s): final loss {row['final_loss']}, "
                  f"above chance on {int(scores['above'].sum())} abilities\n"
                  f"document losses {row['document_losses']}\n{scores.round(1).to_string(index=False)}", flush=True)
            if args.grid:
                rec = sft_grid.recovery(sft_grid.grid({args.size: model, **others}, data, Path(d) / f"grid-{rate:g}",
                                                      sft_grid.profile_settings(""), [1, 4, 16, 64]))
                row["agree"] = int(rec["agree"].sum())
                row["recovery"] = rec.round(3).to_dict(orient="records")
                print(f"   fine-tuned on the grid: {row['agree']} of {len(rec)} abilities in their designed group\n"
                      f"{rec[['ability', 'designed', 'fitted']].to_string(index=False)}", flush=True)
            report.append(row)
    if args.report:
        with atomic_write(args.report) as f:
            f.write(json.dumps(report, ensure_ascii=False, indent=1) + "\n")


if __name__ == "__main__":
    main()
