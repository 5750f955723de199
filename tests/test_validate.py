"`doit-nb data validate`: every kind of problem, one line each, never stopping at the first."
import json
from pathlib import Path
import pytest
from conftest import run_cli
from doit_nb.records import validate, load_records, DoitDataError

Q = {"role": "user", "content": "单项选择题：问题？\nA.甲\nB.乙\nC.丙\nD.丁"}
def rec(t="biology", label="C", **kw):
    return {"messages": [Q, {"role": "assistant", "content": label}], "idx": 1, "type": t, "question_format": 0, **kw}

def open_ended(choices):
    return {"messages": [{"role": "user", "content": "写一首诗"}, {"role": "assistant", "content": "诗"}],
            "idx": 2, "type": "creative_writing", "question_format": 1, "choices": choices}

# (bad line, field the problem names, words in the message)
CASES = [
    ('{"messages": [', "<json>", "malformed JSON"),
    (json.dumps({k: v for k, v in rec().items() if k != "idx"}), "idx", "missing"),
    (json.dumps(rec(idx=None) | {"idx": [1]}), "idx", "must be an int or a string"),
    (json.dumps(rec() | {"type": 3}), "type", "must be a string"),
    (json.dumps(rec(t="astrology")), "type", "unknown type"),
    (json.dumps(rec() | {"question_format": 2}), "question_format", "must be 0 or 1"),
    (json.dumps(rec() | {"messages": []}), "messages", "is empty"),
    (json.dumps(rec() | {"messages": "问题"}), "messages", "must be a list"),
    (json.dumps(rec() | {"messages": [Q, Q]}), "messages[1].role", "alternate"),
    (json.dumps(rec() | {"messages": [{"role": "assistant", "content": "C"}]}), "messages[0].role", "alternate"),
    (json.dumps(rec() | {"messages": [Q, {"role": "assistant", "content": ""}]}), "messages[1].content", "is empty"),
    (json.dumps(rec() | {"messages": [Q, {"role": "bot", "content": "C"}]}), "messages[1].role", "'user' or 'assistant'"),
    (json.dumps(rec() | {"messages": [Q]}), "messages", "must end with the assistant"),
    (json.dumps(open_ended(["诗", "诗", "文"])), "choices", "distinct"),
    (json.dumps(open_ended(["诗", "文"])), "choices", "exactly 3"),
    (json.dumps(open_ended(None) | {"choices": "诗"}), "choices", "list of three strings"),
    (json.dumps({k: v for k, v in open_ended([]).items() if k != "choices"}), "choices", "list of three strings"),
    (json.dumps(rec(t="reasoning", label="F")), "messages[1].content", "not a letter"),
    (json.dumps(rec(t="history", label="也许\n不对")), "messages[1].content", "letter or truth or cloze"),
    (json.dumps(rec(t="ethics", label="AAE")), "messages[1].content", "letters"),
    (json.dumps(rec(t="math", label="答案是 3")), "answer", "missing or empty"),
    (json.dumps(rec(t="code")), "question_format", "open-ended and must be 1"),
    (json.dumps(rec(t="understanding") | {"messages": [{"role": "user", "content": "问题？"}, {"role": "assistant", "content": "A"}]}),
     "messages", "options"),
    (json.dumps(rec(t="ceval_physician_fshot")), "messages", "12 messages"),
    ("[1, 2]", "<record>", "JSON object"),
]

@pytest.fixture
def bad_file(tmp_path):
    p = tmp_path / "curated" / "valid" / "mixed_valid.json"
    p.parent.mkdir(parents=True)
    good = json.dumps(rec(), ensure_ascii=False)
    p.write_text("\n".join([good] + [c[0] for c in CASES] + [good]) + "\n", encoding="utf-8")
    return p

def test_every_problem_reported_with_file_line_field(bad_file):
    problems = validate(bad_file)
    for line, (_, field, words) in enumerate(CASES, start=2):
        hits = [p for p in problems if p.line == line and p.field == field and words in p.message]
        assert hits, f"line {line}: expected {field}: …{words}…; got {[str(p) for p in problems if p.line == line]}"
    assert {p.line for p in problems} == set(range(2, 2 + len(CASES)))  # good lines are clean, no line is skipped

def test_cli_prints_one_line_per_problem_and_fails(bad_file):
    p = run_cli("data", "validate", bad_file.parent.parent.parent, check=1)
    lines = p.stdout.strip().splitlines()
    assert len(lines) == len(validate(bad_file)) >= len(CASES)
    assert all(l.startswith(f"{bad_file}:") for l in lines)
    assert f"{bad_file}:2: <json>: malformed JSON" in p.stdout

def test_loader_raises_the_same_problems(bad_file):
    with pytest.raises(DoitDataError) as e:
        load_records(bad_file)
    assert e.value.problems == validate(bad_file)

def test_string_question_format_is_accepted_and_normalised(tmp_path):
    p = tmp_path / "x.json"
    p.write_text(json.dumps(rec() | {"question_format": "0"}) + "\n")
    assert validate(p) == [] and load_records(p)[0]["question_format"] == 0

def test_choices_required_only_in_eval_splits(tmp_path):
    r = {k: v for k, v in open_ended([]).items() if k != "choices"}
    train = tmp_path / "curated" / "full" / "cw_full.json"
    train.parent.mkdir(parents=True)
    train.write_text(json.dumps(r) + "\n")
    assert validate(train) == []

def test_missing_path_and_empty_folder(tmp_path):
    assert run_cli("data", "validate", tmp_path / "nope").returncode != 0
    assert run_cli("data", "validate", tmp_path, check=1).stdout.count("holds no") == 1

def test_json_array_file_gives_one_clear_problem(tmp_path):
    p = tmp_path / "a.json"
    p.write_text(json.dumps([rec(), rec()], indent=2))
    [problem] = validate(p)
    assert "one JSON record per line" in problem.message
