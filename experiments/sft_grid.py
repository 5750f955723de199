"""Which SFT settings let the analysis recover the groups the sample plants? (issue 12)

Fine-tunes the three default foundation models on the scaling grid (1, 4, 16 and 64 items per ability) under the
default profile's SFT settings with each given override, scores the final checkpoint on the 100 test items of
every ability, fits data and parameter sensitivity with their bootstrap intervals (`40_analysis`), and prints how
many abilities land in their designed group (`PLANTED_GROUPS`). A fast stand-in for a whole default run: no
checkpoint selection on valid (the run picks epoch 2 or 4 there), no other sweeps, about two minutes per setting
on 2 cores.

Usage: python experiments/sft_grid.py --foundations runs/foundations --set learning_rate=1e-3 --set learning_rate=5e-4
(`--foundations`: the folder of a default run's pretrained models, `tiny-s-…/model` and so on.)"""
import argparse, json, tempfile, time
from pathlib import Path
import pandas as pd
import torch
from doit_nb.core import ABILITIES, atomic_write
from doit_nb.sample import PLANTED_GROUPS
from doit_nb.layout import ensure_data, as_layout
from doit_nb.recipes import make_recipe
from doit_nb.sft import SFTSettings, train
from doit_nb.scoring import ScoreSettings, load_for_scoring, score_items
from doit_nb.analysis import sensitivities, recovery_table
from doit_nb.runs import load_profile, thaw

SIZES = ("tiny-s", "tiny-m", "tiny-l")


def foundation(folder: Path, spec: str) -> Path:
    "The one pretrained `spec` model under `folder`."
    found = sorted(folder.glob(f"{spec}-*/model"))
    if len(found) != 1:
        raise SystemExit(f"{folder}: expected one {spec}-*/model folder, found {len(found)}")
    return found[0]


def _number(text: str, part: str) -> int | float:
    "An override's value: an int, else a float, else a clear error."
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    raise SystemExit(f"--set {part!r}: the value {text!r} is not a number")


def parse_setting(text: str) -> dict:
    "'learning_rate=5e-4,min_steps=24' → overrides of the default profile's SFT settings."
    out = {}
    for part in filter(None, text.split(",")):
        k, eq, v = part.partition("=")
        if not eq:
            raise SystemExit(f"--set {part!r}: expected NAME=VALUE, e.g. learning_rate=5e-4")
        out[k.strip()] = _number(v.strip(), part)
    return out


def profile_settings(text: str) -> SFTSettings:
    """The SFT settings of a default-profile run (seed 0, as its sweeps) with the overrides of `text`; a bad name
    or type fails here, before any work."""
    prof = load_profile("default")
    try:
        return load_profile({**thaw(prof.spec), "sft": {**thaw(prof["sft"]), **parse_setting(text)}}).sft_settings("", 0)
    except ValueError as e:
        raise SystemExit(f"--set {text!r}: {e}") from None


def default_data(folder: Path) -> Path:
    "The default profile's data set, built into `folder`."
    return ensure_data(thaw(load_profile("default")["data"]), folder)


def grid(found: dict, data: Path, work: Path, settings: SFTSettings, ns: list[int]) -> pd.DataFrame:
    "Test items (run, ability, idx, hit, n_params, volume) of every size × volume under `settings`."
    test = as_layout(data).records("test")
    recs = [r for t in ABILITIES for r in test[t]]
    rows = []
    for n in ns:
        recipe = work / f"curated-{10 * n}"
        if not recipe.exists():
            make_recipe(f"curated-{10 * n}", data, recipe)
        for spec in SIZES:
            final = train(found[spec], recipe, work / f"run-{spec}-{n}", settings, quiet=True)
            model, tok = load_for_scoring(final, "cpu")
            items = score_items(model, tok, recs, ScoreSettings(new_tokens={"math": 96}))
            n_params = sum(p.numel() for p in model.parameters())
            rows.append(items.assign(run=f"{spec}-{n}", n_params=n_params, volume=10 * n))
    return pd.concat(rows, ignore_index=True)


def recovery(items: pd.DataFrame) -> pd.DataFrame:
    "The recovery table (`recovery_table`: designed and fitted group, sensitivities) of the grid's test items."
    sel = items.groupby(["run", "ability", "n_params", "volume"], as_index=False).hit.mean()
    sel["score"] = 100 * sel.pop("hit")
    return recovery_table(sensitivities(sel, items[["run", "ability", "idx", "hit"]]), PLANTED_GROUPS)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--foundations", type=Path, required=True, help="holds tiny-s-…/model, tiny-m-…, tiny-l-…")
    ap.add_argument("--set", action="append", default=[], help="SFT overrides, e.g. learning_rate=5e-4 (repeatable)")
    ap.add_argument("--n", default="1,4,16,64", help="items per ability")
    ap.add_argument("--report", type=Path, default=None, help="write the results here as JSON")
    args = ap.parse_args()
    torch.set_num_threads(2)
    found = {spec: foundation(args.foundations, spec) for spec in SIZES}
    settings = {text: profile_settings(text) for text in args.set or [""]}
    ns = [int(x) for x in args.n.split(",")]
    report = []
    with tempfile.TemporaryDirectory() as d:
        data = default_data(Path(d) / "data")
        for text, sft in settings.items():
            t0 = time.time()
            work = Path(d) / (text.replace("=", "_").replace(",", "+") or "profile")
            rec = recovery(grid(found, data, work, sft, ns))
            agree = int(rec["agree"].sum())
            cols = [c for c in rec.columns if c != "agree"]
            print(f"== {text or 'the default profile'}: {agree} of {len(rec)} in their designed group "
                  f"({time.time() - t0:.0f} s)\n{rec[cols].round(2).to_string(index=False)}", flush=True)
            report.append(dict(setting=text, agree=agree, abilities=rec[cols].round(3).to_dict(orient="records")))
    if args.report:
        with atomic_write(args.report) as f:
            f.write(json.dumps(report, ensure_ascii=False, indent=1) + "\n")


if __name__ == "__main__":
    main()
