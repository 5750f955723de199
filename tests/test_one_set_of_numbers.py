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


def test_design_record_newest_count_is_the_tracked_robustness_build():
    "The design record's newest count of the development worlds is what the tracked robustness build counts."
    row = next(l for l in RECORD.splitlines() if l.startswith("| marks at the new design |"))
    said = [tuple(map(int, m)) for m in re.findall(r"(\d+) of (\d+)", row.split("|")[4])]
    rec = pd.read_csv(ROOT / "figures" / "robustness" / "recovery_by_seed.csv")   # agree: empty where nothing is claimed
    counted = rec[rec["agree"].notna()].assign(agree=lambda d: d["agree"].astype(str) == "True")
    tracked = [(int(g["agree"].sum()), len(g)) for _, g in counted.groupby("world")]
    assert said == tracked
