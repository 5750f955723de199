"""experiments/foundation_lr.py: the learning-rate list, and its errors before any work."""
import sys
from pathlib import Path
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import foundation_lr


def test_parse_rates():
    assert foundation_lr.parse_rates("1.5e-3,6e-3") == [1.5e-3, 6e-3]


@pytest.mark.parametrize("bad, says", [("fast", "not a number"), ("0", "above 0"), ("-1e-3", "above 0"), (",", "at least one")])
def test_bad_rates(bad, says):
    with pytest.raises(SystemExit, match=says):
        foundation_lr.parse_rates(bad)


def test_grid_needs_foundations(monkeypatch):
    monkeypatch.setattr(sys, "argv", ["foundation_lr.py", "--lr", "6e-3", "--grid"])
    with pytest.raises(SystemExit, match="--grid needs --foundations"):
        foundation_lr.main()


def test_missing_foundation_is_named(tmp_path, monkeypatch):
    (tmp_path / "tiny-m-x" / "model").mkdir(parents=True)
    monkeypatch.setattr(sys, "argv", ["foundation_lr.py", "--lr", "6e-3", "--grid", "--foundations", str(tmp_path)])
    with pytest.raises(SystemExit, match="expected one tiny-l"):
        foundation_lr.main()
