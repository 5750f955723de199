"""Which scaling design should the default run? (issue 43, item 4: the design from the power tool and the budget)

The default's cold build may take 40 minutes on a machine whose tiny-s pretraining takes about 90 s. This script
prices every candidate design by the tracked default's own runs (`40a_power`: `build_cost`, `design_seconds`, the
cold overhead of `perf/reports/cold-default.json`), simulates each under the noise that build measured (pooled over
the abilities off floor and ceiling), and marks the one with the smallest α found with 90% power on its weaker axis,
among those whose intervals keep their promise (false positives at α = 0 at most 5%) within the budget.

The choice rests on world 0 (the tracked default) alone; the robustness worlds 1 and 2 and the held-out world measure
the chosen design's power on their own noise (`figures/robustness/report.md`).

Usage: python experiments/design_choice.py [--reps 1000] [--out experiments/reports/design-choice]"""
import argparse, json
from pathlib import Path
import pandas as pd
from doit_nb.power import (build_cost, build_noise, choose_design, cold_budget, cold_overhead, design_candidates,
                           pooled_noise, profile_design)

ROOT = Path(__file__).resolve().parents[1]


def tracked_build(name: str = "default") -> tuple:
    "(folder, results, items, manifest) of a tracked build."
    folder = ROOT / "figures" / name
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    return folder, pd.read_parquet(folder / "results.parquet"), pd.read_parquet(folder / "items.parquet"), manifest


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--reps", type=int, default=1000)
    ap.add_argument("--out", type=Path, default=ROOT / "experiments" / "reports" / "design-choice")
    a = ap.parse_args()
    folder, results, items, manifest = tracked_build()
    jobs = int(manifest["profile_spec"].get("jobs", 1))
    cost = build_cost(folder, cold_overhead(ROOT / "perf" / "reports" / "cold-default.json", jobs))
    tiny_s = manifest["foundations"]["tiny-s"]["seconds"]
    budget = cold_budget(tiny_s)
    noise = pooled_noise(build_noise(results, items, min_epoch=2))
    built = profile_design(manifest["profile_spec"], results)
    table = choose_design(design_candidates(built), noise, cost, budget, reps=a.reps)
    table.round(3).to_csv(a.out.with_suffix(".csv"), index=False)
    chosen = table[table["chosen"]].iloc[0]
    record = dict(built=built.name, built_volumes=built.volumes, built_seeds=built.seeds, built_items=built.items,
                  tiny_s_seconds=tiny_s, budget_s=round(budget), overhead_s=round(cost.overhead_s, 1), reps=a.reps,
                  noise={k: round(float(v), 3) for k, v in noise.items()}, chosen=chosen["design"],
                  chosen_cold_s=int(chosen["cold_s"]), chosen_alpha={"param": round(chosen["smallest_alpha_90_param"], 2),
                                                                   "data": round(chosen["smallest_alpha_90_data"], 2)})
    a.out.with_suffix(".json").write_text(json.dumps(record, indent=1) + "\n", encoding="utf-8")
    print(table[["design", "cold_s", "smallest_alpha_90_param", "smallest_alpha_90_data", "false_positive_param",
                 "false_positive_data", "honest", "within_budget", "chosen"]].round(2).to_string(index=False))
    print(json.dumps(record))


if __name__ == "__main__":
    main()
