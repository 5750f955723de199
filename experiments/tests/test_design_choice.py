"""The default's scaling design is the one experiments/design_choice.py chose, and the record of that choice holds."""
import json, sys
from pathlib import Path
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import design_choice as D
from doit_nb.power import profile_design

REPORT = D.ROOT / "experiments" / "reports" / "design-choice"


def test_recorded_choice_is_the_best_honest_design_within_budget():
    table = pd.read_csv(REPORT.with_suffix(".csv"))
    record = json.loads(REPORT.with_suffix(".json").read_text(encoding="utf-8"))
    assert table["chosen"].sum() == 1
    chosen = table[table["chosen"]].iloc[0]
    assert chosen["design"] == record["chosen"] and chosen["cold_s"] <= record["budget_s"]
    allowed = table[table["honest"] & table["within_budget"]]
    assert chosen["worst_alpha"] == allowed["worst_alpha"].min()
    assert (table.loc[table["honest"], ["false_positive_param", "false_positive_data"]].max(axis=1) <= 0.05).all()
    assert not table.loc[table["cold_s"] > record["budget_s"], "within_budget"].any()


def test_default_profile_runs_the_chosen_design():
    record = json.loads(REPORT.with_suffix(".json").read_text(encoding="utf-8"))
    chosen = pd.read_csv(REPORT.with_suffix(".csv")).query("chosen").iloc[0]
    design = profile_design("default")
    assert (len(design.volumes), design.seeds, design.items) == (chosen["volumes"], chosen["seeds"], chosen["items"])
    assert (min(design.volumes), max(design.volumes)) == (min(record["built_volumes"]), max(record["built_volumes"]))
