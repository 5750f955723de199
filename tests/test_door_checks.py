"""Checks at the door: what a user hands the library is refused with a clear line, or read as the validator reads it."""
import json
import pandas as pd
import pytest
from doit_nb.answers import Item, grade
from doit_nb.analysis import sensitivities
from conftest import run_cli


def test_item_refuses_a_kind_it_does_not_know():
    with pytest.raises(ValueError, match="not a label kind"):
        Item("text", "沙漠")


def test_item_takes_the_gold_spellings_the_validator_takes():
    assert Item("truth", "正确").gold == "T" and Item("truth", "错误").gold == "F"
    assert grade(Item("truth", "正确"), "对") == 1


def test_item_refuses_a_letter_outside_its_options():
    with pytest.raises(ValueError, match="outside the item's options"):
        Item("letter", "E")


def test_multi_select_read_in_either_case():
    item = Item("letters", "ABD")
    assert [grade(item, r) for r in ("abd", "ABD", "A、B、D", "Abd.")] == [1, 1, 1, 1]
    assert grade(item, "bad idea") == 0 and grade(Item("letter", "B"), "b") == 1


def test_validate_reports_a_letter_the_question_does_not_offer(tmp_path):
    folder = tmp_path / "curated" / "test"
    folder.mkdir(parents=True)
    rec = dict(idx=0, type="reasoning", question_format=0,
               messages=[dict(role="user", content="谁最高？\nA.甲\nB.乙\nC.丙\nD.丁"), dict(role="assistant", content="E")])
    (folder / "reasoning.json").write_text(json.dumps(rec, ensure_ascii=False) + "\n", encoding="utf-8")
    p = run_cli("data", "validate", tmp_path, check=1)
    assert "reasoning.json:1: messages[1].content: label 'E' names a letter outside the question's options ABCD" in p.stdout


def test_sensitivities_say_when_no_interval_was_drawn():
    runs = pd.DataFrame({"ability": ["ethics"] * 4, "n_params": [7e9, 7e9, 13e9, 13e9], "volume": [100, 1000] * 2,
                         "score": [10, 20, 14, 24]})
    assert sensitivities(runs)["interval"].iloc[0] == "none (no item table)"
    with pytest.raises(ValueError, match="lacks 'volume' \\(the data volume"):
        sensitivities(runs.drop(columns="volume"))
