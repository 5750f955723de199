"""The field's language: lm-evaluation-harness's and TRL's flags mean here what they mean there, and the chapter's
mapping table is read from the parser."""
import json
import pandas as pd
import pytest
from doit_nb.cli import parser, spellings_table, FIELD_SPELLINGS, model_argument, main
from conftest import run_cli


def test_lm_eval_flags_parse_to_the_same_meaning():
    a = parser().parse_args(["score", "--model", "hf", "--model_args", "pretrained=runs/x/final", "--data", "d",
                             "--output_path", "o.csv", "--tasks", "ethics,biology", "--limit", "0.1",
                             "--batch_size", "4", "--device", "cpu"])
    assert (model_argument(a.model, a.model_args), a.tasks, a.limit, a.batch_size, a.device, a.out) == (
        "runs/x/final", "ethics,biology", 0.1, 4, "cpu", "o.csv")
    b = parser().parse_args(["bench", "cmmlu", "--model_args", "pretrained=m", "--tasks", "agronomy",
                             "--num_fewshot", "5", "--limit", "3", "--output_path", "o.csv", "--protocol", "authors"])
    assert (model_argument(b.model, b.model_args), b.subjects, b.shots, b.limit, b.protocol) == (
        "m", "agronomy", 5, 3, "authors")
    assert parser().parse_args(["ls", "tasks"]).what == "tasks"


def test_trl_flags_parse_to_the_same_meaning():
    t = parser().parse_args(["train", "--model_name_or_path", "m", "--dataset_name", "d.jsonl", "--output_dir", "o",
                             "--num_train_epochs", "2", "--learning_rate", "1e-4"])
    assert (t.model, t.recipe, t.out, t.epochs, t.lr) == ("m", "d.jsonl", "o", 2, 1e-4)


def test_lm_eval_model_type_alone_is_a_clear_error(capsys):
    assert main(["score", "--model", "hf", "--data", "d", "--out", "o.csv"]) == 2
    assert "--model_args pretrained=FOLDER" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        parser().parse_args(["score", "--model", "m", "--data", "d", "--out", "o.csv", "--limit", "2.5"])


def test_mapping_table_is_read_from_the_parser():
    table = spellings_table()
    assert all(f"`{o}`" in table for o in FIELD_SPELLINGS)
    assert "| `--learning_rate` | TRL | `doit-nb train` | `--lr` |" in table
    assert "\\|" in table   # a help's "a | b" cannot break the table's columns


def test_train_on_a_doit_file_of_any_size_and_score_some_tasks(sample_dir, tmp_path):
    recs = [json.loads(l) for l in (sample_dir / "curated" / "1000" / "reasoning_1000.json").read_text().splitlines()[:7]]
    f = tmp_path / "seven.jsonl"
    f.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in recs), encoding="utf-8")
    run_cli("train", "--model_name_or_path", "tiny-s", "--base-data", sample_dir, "--dataset_name", f,
            "--output_dir", tmp_path / "run", "--num_train_epochs", 1, "--settings", "tiny", check=0)
    out = tmp_path / "scores.csv"
    run_cli("score", "--model", "hf", "--model_args", f"pretrained={tmp_path / 'run' / 'final'}", "--data", sample_dir,
            "--split", "valid", "--tasks", "biology,ethics", "--limit", 0.5, "--batch_size", 4, "--device", "cpu",
            "--output_path", out, check=0)
    df = pd.read_csv(out).set_index("ability")
    assert set(df.index) == {"biology", "ethics", "average"}
    assert df.loc["biology", "n_items"] == 4   # half of 8 valid items, rounded up
