"The public stand-in for DoIT, built from the real files in ../shared/data/public (CI has them beside the clone)."
import json, os, re
from collections import Counter
import pytest
from conftest import run_cli
from doit_nb.core import ABILITIES, OOD_TYPES, public_data_dir
from doit_nb.records import load_records
from doit_nb.layout import DoitData
from doit_nb.sources import table1
from doit_nb.public import PUBLIC_ORIGINS, BenchmarkIndex, question_of, _norm

pytestmark = pytest.mark.skipif(not public_data_dir().is_dir() and not os.environ.get("CI"),
                                reason="public data sets not present (set DOIT_PUBLIC_DATA)")

@pytest.fixture(scope="module")
def public_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("public") / "data"
    p = run_cli("data", "build", "--source", "public", "--out", out, check=0)
    assert "built public data" in p.stdout
    return out

def test_every_record_validates(public_dir):
    p = run_cli("data", "validate", public_dir)
    assert p.returncode == 0, p.stdout[-2000:]

def test_counts_per_ability(public_dir):
    c = DoitData(public_dir).counts()
    for t in ABILITIES:
        assert c.loc[t, "valid"] >= 20 and c.loc[t, "test"] >= 20 and c.loc[t, "full"] >= 40, (t, c.loc[t].to_dict())
    assert c.loc["understanding", "full"] > 5000 and c.loc["reasoning", "full"] > 2500 and c.loc["code", "full"] > 700
    assert c.loc["history", "full"] > 150 and c.loc["ethics", "test"] == 25          # 100 items: a quarter each to valid, test
    for t in OOD_TYPES: assert c.loc[t, "valid"] + c.loc[t, "test"] >= 40 and c.loc[t, "full"] == 0
    assert c.loc["synthetic", "synthetic"] >= 990

def test_no_question_in_two_splits(public_dir):
    d = DoitData(public_dir)
    for t in ABILITIES:   # real abilities by question; generated ones by question and reply (the sample's rule)
        key = (lambda r: _norm(question_of(r))) if PUBLIC_ORIGINS[t][1] else (lambda r: json.dumps(r["messages"]))
        qs = {sp: [key(r) for r in d.records(sp).get(t, [])] for sp in ("full", "valid", "test")}
        assert not set(qs["full"]) & set(qs["valid"]) and not set(qs["full"]) & set(qs["test"]) and not set(qs["valid"]) & set(qs["test"]), t
        assert all(len(set(v)) == len(v) for v in qs.values()), t                     # and none twice within a split
        groups = {sp: {r["meta"]["group"] for r in d.records(sp).get(t, [])} for sp in ("full", "valid", "test")}
        assert not groups["full"] & (groups["valid"] | groups["test"]), t            # a passage's questions stay together

def test_real_and_generated_are_flagged(public_dir):
    d = DoitData(public_dir)
    t1 = table1(public_dir).set_index("ability")
    for t in ABILITIES:
        real = PUBLIC_ORIGINS[t][1]
        assert {r["meta"]["real"] for r in d.records("test")[t]} == {real}
        assert t1.loc[t, "data"] == ("real" if real else "generated")
    assert {t for t in ABILITIES if not PUBLIC_ORIGINS[t][1]} == {"creative_writing", "role_play", "math"}
    m = d.manifest
    assert m["report"]["reasoning: dropped, overlaps a benchmark question"] > 100 and m["origins"]["understanding"]["real"]

def test_leetcode_distractors(public_dir):
    recs = DoitData(public_dir).records("test")["code"]
    for r in recs:
        gt, fine, coarse = r["choices"]
        assert gt == r["messages"][-1]["content"] and len({gt, fine, coarse}) == 3
        assert fine.splitlines()[:3] == gt.splitlines()[:3]                           # one flip inside the body
        changed = [(a, b) for a, b in zip(gt.splitlines(), fine.splitlines()) if a != b]
        assert len(changed) == 1 and len(gt.splitlines()) == len(fine.splitlines())

def test_no_benchmark_question_in_training(public_dir):
    index = BenchmarkIndex(public_data_dir())
    d = DoitData(public_dir)
    train = [r for v in d.records("full").values() for r in v if r["meta"]["real"]] + d.records("synthetic")["synthetic"]
    assert max(index.overlap(question_of(r)) for r in train) < 0.1

def test_bad_folder_is_a_clear_error(tmp_path):
    p = run_cli("data", "build", "--source", "public", "--path", tmp_path / "nowhere", "--out", tmp_path / "p")
    assert p.returncode != 0 and "not the public data folder" in p.stderr and not (tmp_path / "p").exists()

def test_malformed_source_line_names_file_and_line(tmp_path):
    from doit_nb.public import logiqa2
    d = tmp_path / "logiqa2"
    d.mkdir()
    good = json.dumps(dict(text="t", question="q", options=["a", "b", "c", "d"], answer=0, type={}), ensure_ascii=False)
    for name in ("dev_zh.txt", "test_zh.txt"): (d / name).write_text(good + "\n\n" + '{"text": "cut off' + "\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"dev_zh\.txt:3: malformed JSON"): logiqa2(tmp_path, Counter())
