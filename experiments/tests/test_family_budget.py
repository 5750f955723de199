"""experiments/family_budget.py reads the tracked foundation runs it compares against."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import family_budget as F


def test_tracked_foundations_hold_every_size_and_ability():
    t = F.tracked_foundations(0)
    assert set(t["model"]) == {"tiny-s", "tiny-m", "tiny-l"}
    assert t.groupby("model")["ability"].nunique().min() >= 10
    assert t["likelihood"].between(0, 100).all()
    assert F.SMALLER == {"tiny-m": "tiny-s", "tiny-l": "tiny-m"}
