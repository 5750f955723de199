"""One set of numbers: what the front page and the design record say about the tracked builds is what their files say."""
import json, re
import pandas as pd
from conftest import ROOT
from doit_nb.models import params_label
from doit_nb.runs import load_profile

README = (ROOT / "README.md").read_text(encoding="utf-8")
RECORD = "".join("".join(c["source"]) for c in json.loads((ROOT / "nbs" / "95_design_record.ipynb").read_text())["cells"])


def test_front_page_profile_table_is_the_tracked_build():
    row = next(l for l in README.splitlines() if l.startswith("| default "))
    runs, compute = [c.strip() for c in row.split("|")[2:4]]
    man = json.loads((ROOT / "figures" / "default" / "manifest.json").read_text())
    sec = man["compute_seconds"]
    assert int(runs) == len(load_profile("default").runs)
    assert compute == f"{(sec['foundations'] + sec['runs']) / 60:.0f} min"


def test_one_size_for_each_tiny_model():
    man = json.loads((ROOT / "figures" / "default" / "manifest.json").read_text())
    labels = {k: params_label(f["n_params"]) for k, f in man["foundations"].items()}
    assert f"({labels['tiny-s']}-{labels['tiny-l']} parameters)" in README
    assert not re.search(r"0\.17M", README + RECORD)


def test_design_record_regroup_row_is_the_tracked_robustness_build():
    row = next(l for l in RECORD.splitlines() if l.startswith("| check | the tracked default (world 0) and the default's"))
    said = {int(w): int(n) for w, n in re.findall(r"world (\d): (\d+)", row.split("|")[4])}
    from doit_nb.analysis import claimed_states
    rec = pd.read_csv(ROOT / "figures" / "robustness" / "recovery_by_seed.csv")
    met = lambda r: all(r[f"{ax}_state"] == c or (c == "insensitive" and r[f"{ax}_state"] == "declining")
                        for ax, c in claimed_states(r["designed"]).items())
    full = rec.assign(full=[met(r) for _, r in rec.iterrows()])   # that row counted every designed state (no mark)
    assert said == full.groupby("world")["full"].sum().astype(int).to_dict()
