"""The effects marked not planted (`analysis.NOT_PLANTED`) and the evidence behind each mark agree: the tracked
robustness tables of the development worlds (figures/robustness) show, for every mark, what its reason says, and
every designed effect left planted reaches the α the design needs in every development world on an ability the
models learn. A mark that the evidence no longer supports, or an effect that should be marked, fails here."""
import pandas as pd
import pytest
from doit_nb.analysis import NOT_PLANTED, FLOOR, SMALL, UNSTABLE, GROUPS
from doit_nb.core import project_root
from doit_nb.robustness import DEVELOPMENT_WORLDS
from doit_nb.sample import PLANTED_GROUPS

ROB = project_root() / "figures" / "robustness"


@pytest.fixture(scope="module")
def evidence():
    eff = pd.read_csv(ROB / "effects_by_world.csv")
    learn = pd.read_csv(ROB / "learnability_by_world.csv")
    eff, learn = (d[d["world"].isin(DEVELOPMENT_WORLDS)] for d in (eff, learn))
    assert set(eff["world"]) == set(DEVELOPMENT_WORLDS), "the tracked robustness results lack a development world"
    floor = learn.groupby("ability")["above_chance"].agg(lambda s: not s.astype(bool).all())
    reaches = eff.groupby(["ability", "axis"])["reaches"].agg(lambda s: tuple(s.astype(bool)))
    return floor, reaches


def designed_effects():
    flags = {g: dict(data=d, param=p) for (d, p), g in GROUPS.items()}
    return [(a, ax) for a, g in PLANTED_GROUPS.items() for ax in ("data", "param") if flags[g][ax]]


@pytest.mark.parametrize("pair", sorted(NOT_PLANTED))
def test_each_mark_has_its_evidence(pair, evidence):
    floor, reaches = evidence
    ability, axis = pair
    why = NOT_PLANTED[pair]
    if why == FLOOR:
        assert floor[ability], f"{ability} is above chance in every development world: not a floor"
    elif why == SMALL:
        assert not any(reaches[pair]), f"{pair} reaches the α needed in some development world"
    elif why == UNSTABLE:
        assert any(reaches[pair]) and not all(reaches[pair]), f"{pair}: reaches {reaches[pair]}, not unstable"
    else:
        pytest.fail(f"{pair}: unknown reason {why!r}")


@pytest.mark.parametrize("pair", designed_effects())
def test_each_planted_effect_holds(pair, evidence):
    floor, reaches = evidence
    if pair in NOT_PLANTED:
        pytest.skip("marked not planted")
    assert all(reaches[pair]) and not floor[pair[0]], f"{pair} is planted but does not reach its α in every development world"
