"Answer parsing against a careful human grader: the graded table, each class of reply, and no false credit."
import json
import pytest
from conftest import ROOT
from doit_nb.answers import grade, graded_item, grading_agreement, exact_match

GRADED = [json.loads(l) for l in (ROOT / "nbs" / "graded_replies.jsonl").read_text(encoding="utf-8").splitlines()]

def test_the_table_covers_every_label_kind_and_replies_that_must_score_zero():
    assert len(GRADED) >= 150
    assert {r["kind"] for r in GRADED} == {"letter", "letters", "truth", "cloze", "math"}
    zero = {r["cls"] for r in GRADED if r["grade"] == 0}
    assert {"hedge", "two answers", "restated options"} <= zero

def test_agreement_with_the_human_grade():
    "Written replies: every set at least 97% and at most 1% false credit; real model replies (measured once, one false"
    " credit for a reply listing every letter, not fixed against them) at least 95%."
    a = grading_agreement(GRADED)
    written = a.drop(index="models")
    assert (written["agreement"] >= 0.97).all() and (written["false_correct"] <= written["replies"] / 100).all(), a
    assert a.loc["models", "agreement"] >= 0.95 and a.loc["models", "false_correct"] <= 1, a

WRITTEN = [r for r in GRADED if r["set"] != "models"]

@pytest.mark.parametrize("cls", sorted({r["cls"] for r in WRITTEN}))
def test_each_class_of_reply(cls):
    for r in (r for r in WRITTEN if r["cls"] == cls):
        assert grade(graded_item(r), r["reply"]) == r["grade"], r

def test_scoring_a_record_uses_the_same_reading():
    q = "单项选择题：赤叶草主要生活在哪种环境中？\nA.沙漠\nB.近海\nC.高山草甸\nD.湿地"
    rec = {"messages": [{"role": "user", "content": q}, {"role": "assistant", "content": "B"}], "idx": 0,
           "type": "biology", "question_format": 0}
    assert exact_match(rec, "【答案】B\n【解析】A项错误，C项错误，D项错误。") == 1
    assert exact_match(rec, "答案是B或D") == 0                     # two answers, even though one is right
    assert exact_match(rec, "A.沙漠\nB.近海\nC.高山草甸\nD.湿地", first_step_letter="C") == 0   # restated: the fallback decides
