"Public benchmarks: the real files in ../shared/data/public load, a tiny model scores a subject, bad rows are named."
import json, os
import pandas as pd
import pytest
from conftest import run_cli
from doit_nb.core import public_data_dir
from doit_nb.benchmarks import (load_benchmark, subjects, BenchmarkError, BenchmarkAsk, run_benchmark, letter_predictions,
                                option_loglik_reference, bench_messages)
from doit_nb.models import foundation_model, load_model
from doit_nb.scoring import prompt_ids

# CI has the public data beside the clone: there a missing folder is a failure, not a skip
pytestmark = pytest.mark.skipif(not public_data_dir().is_dir() and not os.environ.get("CI"),
                                reason="public data sets not present (set DOIT_PUBLIC_DATA)")

@pytest.mark.parametrize("name, n_subjects, subject, n_test, n_dev", [
    ("cmmlu", 67, "agronomy", 169, 5), ("ceval", 52, "teacher_qualification", 44, 5), ("agieval", 10, "logiqa-zh", 651, 3)])
def test_real_files_load(name, n_subjects, subject, n_test, n_dev):
    assert len(subjects(name)) == n_subjects
    items = load_benchmark(name, "test", only=[subject])
    dev = load_benchmark(name, "dev", only=[subject])
    assert len(items) == n_test and len(dev) == n_dev
    assert all(len(i.options) == 4 and i.answer and set(i.answer) <= set("ABCD") for i in items + dev)

def test_agieval_multi_answer_items_are_kept_as_letter_sets():
    items = load_benchmark("agieval", only=["jec-qa-ca"])
    assert len(items) == 1000 and any(len(i.answer) > 1 for i in items) and all(i.answer == "".join(sorted(i.answer)) for i in items)

def test_agieval_row_without_answer_raises_or_is_skipped():
    with pytest.raises(BenchmarkError, match=r"jec-qa-kd.jsonl:212: answer"):
        load_benchmark("agieval", only=["jec-qa-kd"])
    skipped = []
    assert len(load_benchmark("agieval", only=["jec-qa-kd"], strict=False, skipped=skipped)) == 999 and len(skipped) == 1

def _copy_cmmlu(tmp_path, text):
    for sp in ("test", "dev"):
        (tmp_path / "cmmlu" / sp).mkdir(parents=True)
        (tmp_path / "cmmlu" / sp / "agronomy.csv").write_text(text, encoding="utf-8")

@pytest.mark.parametrize("text, where, words", [
    (",Question,A,B,C,D,Answer\n0,问题,甲,乙,丙,丁,E\n", ":2:", "not among the option letters"),
    (",Question,A,B,C,D,Answer\n0,问题,甲,乙,丙,丁,A\n1,问题,甲,乙\n", ":3:", "wrong number of fields"),
    (",Question,A,B,C,D\n0,问题,甲,乙,丙,丁\n", "agronomy.csv:", "missing column"),
    (",Question,A,B,C,D,Answer\n0,,甲,乙,丙,丁,A\n", ":2:", "empty question")])
def test_malformed_rows_name_file_and_row(tmp_path, text, where, words):
    _copy_cmmlu(tmp_path, text)
    with pytest.raises(BenchmarkError, match=words) as e:
        load_benchmark("cmmlu", path=tmp_path)
    assert "agronomy.csv" in str(e.value) and where in str(e.value)

def test_malformed_agieval_json(tmp_path):
    (tmp_path / "agieval" / "v1").mkdir(parents=True)
    (tmp_path / "agieval" / "v1" / "logiqa-zh.jsonl").write_text('{"question": "q", "options": ["(A)x", "(B)y"], "label": "A"}\n{"question": \n')
    with pytest.raises(BenchmarkError, match=r"logiqa-zh.jsonl:2: malformed JSON"):
        load_benchmark("agieval", path=tmp_path)

@pytest.fixture(scope="module")
def tiny(sample_dir, tmp_path_factory):
    return load_model(foundation_model("tiny-s", sample_dir, cache=tmp_path_factory.mktemp("cache")))

def test_letter_logits_match_per_option_loglik(tiny):
    model, tok = tiny
    items = load_benchmark("ceval", only=["physician"])[:15]
    dev = load_benchmark("ceval", "dev", only=["physician"])
    ps = [prompt_ids(tok, bench_messages(i, dev)) for i in items]
    assert letter_predictions(model, tok, ps, [4] * len(ps)) == option_loglik_reference(model, tok, ps, [4] * len(ps))

def test_tiny_model_scores_a_subject_end_to_end(tiny, sample_dir, tmp_path):
    model, tok = tiny
    df = run_benchmark(BenchmarkAsk("cmmlu", shots=5, only=["agronomy"], limit=30), model, tok)
    assert df["subject"].tolist() == ["agronomy", "average"] and df["n_items"].tolist() == [30, 30]
    assert 0 <= df["accuracy"].iloc[0] <= 100
    p = run_cli("bench", "agieval", "--model", "tiny-s", "--base-data", sample_dir, "--subjects", "logiqa-zh,jec-qa-kd",
                "--limit", 10, "--out", tmp_path / "a.csv", env={"DOIT_CACHE": str(tmp_path / "c")}, check=0)
    out = pd.read_csv(tmp_path / "a.csv")
    assert out["subject"].tolist() == ["logiqa-zh", "jec-qa-kd", "average"] and (out["shots"] == 0).all()


def test_skipped_rows_are_a_column_of_the_results(tmp_path):
    "Rows no question could be read from are counted per subject in the results, not hidden in DataFrame.attrs."
    from doit_nb.benchmarks import BenchmarkAsk, run_benchmark
    from doit_nb.models import foundation_model, load_model
    from doit_nb.layout import build_data
    from doit_nb.sample import SampleSource
    root = tmp_path / "public" / "cmmlu"
    (root / "dev").mkdir(parents=True)
    (root / "test").mkdir()
    rows = ",Question,A,B,C,D,Answer\n0,问一？,甲,乙,丙,丁,A\n1,问二？,甲,乙,丙,丁,Z\n2,问三？,甲,乙,丙,丁,B\n"
    (root / "test" / "agronomy.csv").write_text(rows, encoding="utf-8")
    data = build_data(SampleSource(size=8, eval_size=2, synthetic_size=8), tmp_path / "data")
    model, tok = load_model(foundation_model("tiny-s", data, cache=tmp_path / "cache"))
    res = run_benchmark(BenchmarkAsk("cmmlu", path=tmp_path / "public", only=["agronomy"]), model, tok)
    row = res.set_index("subject").loc["agronomy"]
    assert row["n_items"] == 2 and row["n_skipped"] == 1 and not res.attrs
