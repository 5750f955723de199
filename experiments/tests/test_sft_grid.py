"""experiments/sft_grid.py: its overrides parse as the SFT settings expect, and its recovery reads known groups."""
import sys
from pathlib import Path
import pandas as pd
import pytest
from doit_nb.core import ABILITIES
from doit_nb.sample import PLANTED_GROUPS

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import sft_grid


def test_parse_setting():
    assert sft_grid.parse_setting("learning_rate=5e-4,min_steps=24") == {"learning_rate": 5e-4, "min_steps": 24}
    assert sft_grid.parse_setting("") == {}
    assert sft_grid.profile_settings("learning_rate=5e-4").learning_rate == 5e-4
    assert sft_grid.profile_settings("").learning_rate == 5e-4  # the default profile's own


@pytest.mark.parametrize("bad, says", [("learning_rate", "NAME=VALUE"), ("learning_rate=fast", "not a number"),
                                       ("lr=5e-4", "unknown SFT setting"), ("epochs=2.5", "epochs")])
def test_bad_setting_fails_before_any_work(bad, says):
    with pytest.raises(SystemExit, match=says):
        sft_grid.profile_settings(bad)


def _items(rate) -> pd.DataFrame:
    "100 test items per ability and run; the share of hits is `rate(ability, size index, volume index)`."
    rows = []
    for si, n_params in enumerate((160_000, 1_200_000, 4_200_000)):
        for vi, volume in enumerate((10, 40, 160, 640)):
            for ab in ABILITIES:
                hits = round(100 * rate(ab, si, vi))
                rows += [dict(run=f"{si}-{vi}", ability=ab, idx=i, hit=int(i < hits), n_params=n_params, volume=volume)
                         for i in range(100)]
    return pd.DataFrame(rows)


def test_recovery_reads_planted_groups():
    def rate(ab, si, vi):
        return {"creative_writing": 0.2 + 0.2 * vi, "chinese": 0.1 + 0.35 * si,
                "biology": 0.1 + 0.1 * si + 0.1 * vi}.get(ab, 0.5)

    rec = sft_grid.recovery(_items(rate)).set_index("ability")
    assert set(rec.index) == set(ABILITIES)
    assert rec.loc["creative_writing", "fitted"] == "data-sensitive"
    assert rec.loc["chinese", "fitted"] == "parameter-sensitive"
    assert rec.loc["biology", "fitted"] == "responsive to both"
    assert rec.loc["ethics", "fitted"] == "resistant to both"
    assert rec["designed"].to_dict() == {a: PLANTED_GROUPS[a] for a in rec.index}
    assert rec["agree"].to_dict() == {a: rec.loc[a, "fitted"] == PLANTED_GROUPS[a] for a in rec.index}


def test_foundation_names_what_is_missing(tmp_path):
    (tmp_path / "tiny-s-abc" / "model").mkdir(parents=True)
    assert sft_grid.foundation(tmp_path, "tiny-s") == tmp_path / "tiny-s-abc" / "model"
    with pytest.raises(SystemExit, match="tiny-m"):
        sft_grid.foundation(tmp_path, "tiny-m")
