"""experiments/isolated_effects.py: its items are distinct and valid, and its slopes read a planted effect back."""
import sys
from pathlib import Path
import numpy as np
from doit_nb.records import check_record

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import isolated_effects as E


def test_items_are_distinct_valid_and_differ_by_split():
    for ability, variant in [("chinese", "truth"), ("code", "sample"), ("reasoning", "short")]:
        train, test = E.items(ability, variant, 1, 40, False), E.items(ability, variant, 1, 40, True)
        assert len({str(r["messages"]) for r in train}) == 40
        assert train != test
        if variant != "short":   # a short-answer variant is declared at run time (main)
            assert not [p for r in test for p in check_record(r, "test")]
    assert not any(i in str(r["messages"]) for r in E.items("chinese", "truth", 0, 60, False) for i in E.S.HELD_OUT_IDIOMS)


def test_slopes_read_a_planted_effect_back():
    log_n, log_p = np.log([4, 16, 64]), np.log([1e5, 1e6, 4e6])
    p = 0.2 + 0.05 * log_n[None, :] + 0.0 * log_p[:, None]   # 5 points per e-fold of data, none of parameters
    h = (np.random.default_rng(0).random((3, 3, 4000)) < p[..., None]).astype(float)
    a = E.alphas(h, log_n, log_p, reps=50)
    assert abs(a["data"][0] - 5) < 0.5 and a["data"][1] < 5 < a["data"][2]
    assert a["param"][1] < 0 < a["param"][2]


def test_taught_facts_are_unknown_to_pretraining_and_the_background_holds_the_others():
    from doit_nb.pretraining import practice_base
    taught, kb, pb = E.taught_base(0), E.S.knowledge_base(0), practice_base(0)
    for part in ("organisms", "events"):
        assert not set(taught[part]) & (set(kb[part]) | set(pb[part]))   # never named by the corpus
    asked = {o for r in E.items("biology", "taught", 0, 200, True) for o in taught["organisms"] if o in r["messages"][0]["content"]}
    assert asked and len(asked) <= len(taught["organisms"])
    bg = E.background("biology", 0, 3)
    assert "biology" not in bg and all(len(v) == 3 for v in bg.values()) and len(bg) == len(E.S.GENERATORS) - 1
