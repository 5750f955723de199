"""Does a larger pretraining budget put tiny-l above tiny-m before SFT? (issue 43, item 1: an ordered size family)

The default pretrains every size on the same corpus for one epoch, and before SFT tiny-l's mean gold likelihood falls
below tiny-m's on Code in every development world (the robustness report's family table). This script pretrains one
size of one world with the default profile's pretraining settings, `epochs` times over the corpus, scores it on that
world's test split (accuracy and gold likelihood per ability, no SFT), and sets it beside the tracked foundation runs
of the same world (`figures/robustness/worlds/<world>/results.parquet`): the gain of the new model over the next
smaller tracked size, per ability, in points of likelihood.

It measures pretraining alone; whether the planted effects survive a new family needs the default and the robustness
worlds rebuilt.

Usage: python experiments/family_budget.py --size tiny-l --world 0 --epochs 2 [--out experiments/reports/family-budget.jsonl]"""
import argparse, dataclasses, json, tempfile, time
from pathlib import Path
import pandas as pd
from doit_nb.pretraining import pretrain_foundation, pretrain_settings
from doit_nb.robustness import world_profile
from doit_nb.runs import load_profile
from doit_nb.scoring import ScoreSettings, score_checkpoint

ROOT = Path(__file__).resolve().parents[1]
SMALLER = {"tiny-m": "tiny-s", "tiny-l": "tiny-m"}


def tracked_foundations(world: int) -> pd.DataFrame:
    "The tracked foundation runs' test rows of `world`: model, ability, score, likelihood."
    res = pd.read_parquet(ROOT / "figures" / "robustness" / "worlds" / str(world) / "results.parquet")
    res = res[(res["sweep"] == "foundation") & (res["split"] == "test") & (res["ability"] != "average")]
    return res[["model", "ability", "score", "likelihood"]]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--size", default="tiny-l", choices=sorted(SMALLER))
    ap.add_argument("--world", type=int, default=0)
    ap.add_argument("--epochs", type=float, default=2.0)
    ap.add_argument("--out", type=Path, default=ROOT / "experiments" / "reports" / "family-budget.jsonl")
    a = ap.parse_args()
    prof = world_profile("default", a.world) if a.world else load_profile("default")
    data = prof.ensure_data()
    settings = pretrain_settings(**{**dict(prof.get("pretrain") or {}), "seed": a.world, "epochs": a.epochs})
    start = time.time()
    with tempfile.TemporaryDirectory() as d:
        model = pretrain_foundation(a.size, data, Path(d) / "foundation", settings)
        losses = json.loads((model / "doit_model.json").read_text())["pretraining"]["document_losses"]
        new = score_checkpoint(model, data, "test", ScoreSettings(new_tokens={"math": 96}))
    new = new[new["ability"] != "average"].set_index("ability")
    old = tracked_foundations(a.world).pivot_table(index="ability", columns="model", values="likelihood")
    row = dict(size=a.size, world=a.world, epochs=a.epochs, seconds=round(time.time() - start),
               settings=dataclasses.asdict(settings), document_losses=losses,
               likelihood=new["likelihood"].round(2).to_dict(), score=new["score"].round(1).to_dict(),
               gain_over_smaller=(new["likelihood"] - old[SMALLER[a.size]]).dropna().round(2).to_dict(),
               gain_over_tracked_same=(new["likelihood"] - old[a.size]).dropna().round(2).to_dict())
    print(json.dumps(row, ensure_ascii=False), flush=True)
    with open(a.out, "a", encoding="utf-8") as f: f.write(json.dumps(row, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
