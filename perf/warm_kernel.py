"""A sweep's runs on a fresh kernel each (the baseline) against one warm kernel per worker (`sweeps.WarmKernel`), side
by side in one call on the same folder and foundation models: wall seconds of the sweep's runs, their ratio, and
whether every results row is identical.

    python perf/warm_kernel.py [--profile smoke] [--runs /tmp/warm-runs] [--out perf/reports]

The foundation models are pretrained once (first call) and reused by both passes; each pass reruns every run
(`--force`). Times are wall seconds on a shared machine: read the ratio, not the absolute numbers."""
import argparse, json, os, subprocess, sys, time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]


def sweep(profile: str, runs: Path, warm: bool) -> float:
    "Seconds of one forced sweep of `profile` in `runs`, on warm kernels or fresh ones."
    env = {**os.environ, "DOIT_RUNS": str(runs), "DOIT_WARM_KERNEL": "1" if warm else "0", "DOIT_PROGRESS": "0"}
    t = time.perf_counter()
    subprocess.run([sys.executable, "-m", "doit_nb.cli", "sweep", "--profile", profile, "--force"], env=env,
                   check=True, cwd=ROOT)
    return time.perf_counter() - t


def rows(runs: Path, profile: str) -> pd.DataFrame:
    "Every run's results rows, in a fixed order."
    res = pd.concat(pd.read_parquet(p) for p in sorted((runs / profile / "runs").glob("*/results.parquet")))
    return res.sort_values(["run", "checkpoint", "split", "ability"]).reset_index(drop=True)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--profile", default="smoke")
    ap.add_argument("--runs", default="/tmp/warm-kernel-runs")
    ap.add_argument("--out", default=str(ROOT / "perf" / "reports"))
    a = ap.parse_args(argv)
    runs = Path(a.runs)
    env = {**os.environ, "DOIT_RUNS": str(runs), "DOIT_PROGRESS": "0"}
    subprocess.run([sys.executable, "-m", "doit_nb.cli", "sweep", "--profile", a.profile], env=env, check=True,
                   cwd=ROOT)   # data and foundation models, made once and shared by both passes
    cold = sweep(a.profile, runs, warm=False)
    before = rows(runs, a.profile)
    warm = sweep(a.profile, runs, warm=True)
    after = rows(runs, a.profile)
    same = before.drop(columns=["seconds"], errors="ignore").equals(after.drop(columns=["seconds"], errors="ignore"))
    rep = dict(profile=a.profile, runs=int(before["run"].nunique()), fresh_kernels_s=round(cold, 1),
               warm_kernel_s=round(warm, 1), speedup=round(cold / warm, 2),
               fixed_s_saved_per_run=round((cold - warm) / max(1, before["run"].nunique()), 2),
               identical_rows=bool(same), rows=len(after))
    out = Path(a.out) / f"warm-kernel-{a.profile}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(rep, indent=1) + "\n")
    print(json.dumps(rep, indent=1))
    if not same: sys.exit("results rows differ between fresh and warm kernels")


if __name__ == "__main__":
    main()
