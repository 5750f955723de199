"Sweeps: stable cell ids, skipping unchanged cells, failures, kill and resume, the submitit backend."
import json, os, signal, subprocess, sys, textwrap, time
from pathlib import Path
import nbformat, pandas as pd, pytest
from conftest import run_cli, ROOT
from doit_nb.sweeps import load_profile, expand_cells, run_sweep, Cell, collect_results

FAKE = '''
import json, os, time
from pathlib import Path
import pandas as pd
p = json.loads(cell); out = Path(out_dir); out.mkdir(parents=True, exist_ok=True)
if p["recipe"] == os.environ.get("FAKE_FAIL_ON"): raise RuntimeError("this cell is meant to fail")
rows = pd.DataFrame([dict(epoch=e, split="test", ability="average", score=10.0 * e, cell_id=p["recipe"]) for e in (1, 2)])
if p["recipe"] == os.environ.get("FAKE_SLEEP_ON"):
    rows.iloc[:1].to_parquet(out / "results.parquet")          # a partial result, then the kill
    (out / "started").write_text("x"); time.sleep(120)
(Path(out) / "runs.txt").open("a").write("ran\\n")
rows.to_parquet(out / "results.parquet")
'''

def fake_notebook(path: Path) -> Path:
    nb = nbformat.v4.new_notebook()
    params = nbformat.v4.new_code_cell('profile = None\ncell = None\ndata_dir = None\nout_dir = None')
    params.metadata["tags"] = ["parameters"]
    nb.cells = [params, nbformat.v4.new_code_cell(FAKE)]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "python3", "language": "python"}
    nbformat.write(nb, path); return path

def profile(tmp_path, recipes, name="t", models=("tiny-s",)) -> Path:
    p = tmp_path / f"{name}.yml"
    p.write_text(json.dumps(dict(name=name, data=dict(source="sample", size=8, eval_size=2, synthetic_size=8),
                                 sweeps=dict(scaling=dict(recipes=list(recipes), models=list(models), seeds=[0])))))
    return p

def test_cell_ids_are_stable_and_distinct():
    for name in ("smoke", "default", "paper"):
        ids = [c.cell_id for c in expand_cells(load_profile(name))]
        assert len(ids) == len(set(ids)) and ids == [c.cell_id for c in expand_cells(load_profile(name))]
    assert Cell("scaling", "curated-40", "/m/qwen1.5-7b").cell_id == "scaling-curated-40-qwen1.5-7b-seed0"
    assert Cell("scaling", "curated-40", "tiny-s", 1).cell_id != Cell("scaling", "curated-40", "tiny-s", 0).cell_id

def test_unchanged_cells_are_skipped_and_a_changed_one_reruns_alone(tmp_path):
    nb, runs = fake_notebook(tmp_path / "fake.ipynb"), tmp_path / "runs"
    rep = run_sweep(profile(tmp_path, ["curated-10", "curated-20"]), notebook=nb, runs=runs)
    assert sorted(rep.ran) == ["scaling-curated-10-tiny-s-seed0", "scaling-curated-20-tiny-s-seed0"] and not rep.failed
    rep = run_sweep(profile(tmp_path, ["curated-10", "curated-20"]), notebook=nb, runs=runs)
    assert rep.ran == [] and len(rep.skipped) == 2
    rep = run_sweep(profile(tmp_path, ["curated-10", "curated-30"]), notebook=nb, runs=runs)
    assert rep.ran == ["scaling-curated-30-tiny-s-seed0"] and rep.skipped == ["scaling-curated-10-tiny-s-seed0"]
    assert (runs / "t" / "cells" / "scaling-curated-10-tiny-s-seed0" / "runs.txt").read_text().count("ran") == 1
    rep = run_sweep(profile(tmp_path, ["curated-10"]), notebook=nb, runs=runs, force=True)
    assert rep.ran == ["scaling-curated-10-tiny-s-seed0"]
    df = pd.read_parquet(rep.results)
    assert {"notebook", "git_commit"} <= set(df.columns) and df["notebook"].str.endswith("cell.ipynb").all()

def test_a_failing_cell_does_not_stop_the_others(tmp_path, monkeypatch):
    monkeypatch.setenv("FAKE_FAIL_ON", "curated-20")
    nb, runs = fake_notebook(tmp_path / "fake.ipynb"), tmp_path / "runs"
    rep = run_sweep(profile(tmp_path, ["curated-10", "curated-20", "curated-30"]), notebook=nb, runs=runs)
    assert sorted(rep.ran) == ["scaling-curated-10-tiny-s-seed0", "scaling-curated-30-tiny-s-seed0"]
    assert list(rep.failed) == ["scaling-curated-20-tiny-s-seed0"] and "meant to fail" in rep.failed["scaling-curated-20-tiny-s-seed0"]
    executed = runs / "t" / "cells" / "scaling-curated-20-tiny-s-seed0" / "cell.ipynb"
    assert "meant to fail" in executed.read_text()                       # the executed notebook keeps the error
    assert "FAILED scaling-curated-20" in str(rep)
    assert set(pd.read_parquet(rep.results)["cell_id"]) == {"curated-10", "curated-30"}

def test_cli_exit_status_names_the_failure(tmp_path):
    p = tmp_path / "bad.yml"
    p.write_text(json.dumps(dict(name="bad", data=dict(source="sample", size=8, eval_size=2, synthetic_size=8),
                                 score=dict(limit=1, max_new_tokens=dict(math=8)),
                                 sweeps=dict(foundation=dict(models=["tiny-s", "no-such-model"])))))
    r = run_cli("sweep", p, env={"DOIT_RUNS": str(tmp_path / "runs"), "DOIT_CACHE": str(tmp_path / "cache")})
    assert r.returncode == 1 and "1 ran" in r.stdout and "FAILED foundation-base-no-such-model-seed0" in r.stdout

def test_a_killed_sweep_resumes_without_duplicate_or_partial_rows(tmp_path):
    nb, runs = fake_notebook(tmp_path / "fake.ipynb"), tmp_path / "runs"
    prof = profile(tmp_path, ["curated-10", "curated-20", "curated-30"])
    code = f"from doit_nb.sweeps import run_sweep; run_sweep({str(prof)!r}, notebook={str(nb)!r}, runs={str(runs)!r})"
    proc = subprocess.Popen([sys.executable, "-c", code], env={**os.environ, "FAKE_SLEEP_ON": "curated-20", "DOIT_PROGRESS": "0"},
                            start_new_session=True)
    started = runs / "t" / "cells" / "scaling-curated-20-tiny-s-seed0" / "started"
    for _ in range(600):
        if started.exists(): break
        time.sleep(0.2)
    assert started.exists()
    os.killpg(proc.pid, signal.SIGKILL); proc.wait()
    cells = runs / "t" / "cells"
    assert (cells / "scaling-curated-10-tiny-s-seed0" / "done.json").exists()
    assert not (cells / "scaling-curated-20-tiny-s-seed0" / "done.json").exists()     # killed mid-cell: not done
    partial = pd.read_parquet(collect_results("t", runs))
    assert set(partial["cell_id"]) == {"curated-10"}                                   # partial rows never collected
    rep = run_sweep(prof, notebook=nb, runs=runs)
    assert sorted(rep.ran) == ["scaling-curated-20-tiny-s-seed0", "scaling-curated-30-tiny-s-seed0"]
    df = pd.read_parquet(rep.results)
    assert df.groupby("cell_id").size().to_dict() == {"curated-10": 2, "curated-20": 2, "curated-30": 2}

def test_submitit_local_backend_runs_a_two_cell_sweep(tmp_path):
    pytest.importorskip("submitit")
    nb, runs = fake_notebook(tmp_path / "fake.ipynb"), tmp_path / "runs"
    rep = run_sweep(profile(tmp_path, ["curated-10", "curated-20"]), backend="submitit-local", notebook=nb, runs=runs)
    assert sorted(rep.ran) == ["scaling-curated-10-tiny-s-seed0", "scaling-curated-20-tiny-s-seed0"] and not rep.failed
    assert len(pd.read_parquet(rep.results)) == 4
    assert list((runs / "t" / "submitit").glob("*_log.out"))                          # ran as submitit jobs

def test_two_local_workers(tmp_path):
    nb, runs = fake_notebook(tmp_path / "fake.ipynb"), tmp_path / "runs"
    rep = run_sweep(profile(tmp_path, ["curated-10", "curated-20", "curated-30"]), jobs=2, notebook=nb, runs=runs)
    assert len(rep.ran) == 3 and not rep.failed and len(pd.read_parquet(rep.results)) == 6

def test_per_model_settings_and_scaling_blocks(tmp_path):
    "A profile can give one model its own SFT and scoring settings and a shorter recipe list (the public profile does)."
    from doit_nb.sweeps import model_settings, cell_key
    p = load_profile("public")
    cells = expand_cells(p)
    gem = [c for c in cells if c.model == "gemma3-270m"]
    assert [c.cell_id for c in gem] == ["foundation-base-gemma3-270m-seed0", "scaling-curated-160-gemma3-270m-seed0"]
    assert all(c.benchmarks for c in cells) and len({c.cell_id for c in cells}) == len(cells)
    assert model_settings(p, "sft", "gemma3-270m")["profile"] == "gemma-lora" and model_settings(p, "sft", "tiny-s")["profile"] == "tiny"
    assert model_settings(p, "score", "gemma3-270m") == p["score"]
    # changing one model's settings changes only that model's cells' keys
    tiny = next(c for c in cells if c.model == "tiny-s"); nb = ROOT / "nbs" / "31_cell.ipynb"
    q = json.loads(json.dumps(p)); q["models"]["gemma3-270m"]["sft"]["epochs"] = 3
    assert cell_key(tiny, p, nb, "h") == cell_key(tiny, q, nb, "h") and cell_key(gem[1], p, nb, "h") != cell_key(gem[1], q, nb, "h")
    bad = tmp_path / "bad.yml"
    bad.write_text("name: b\ndata: {source: sample}\nsweeps: {}\nmodels: {tiny-s: {recipes: [x]}}\n")
    with pytest.raises(ValueError, match="only 'sft' and 'score'"): load_profile(bad)

def test_a_changed_cell_starts_from_an_empty_folder(tmp_path):
    "Cached work (recipe, checkpoints, scores) made for other inputs must not be reused when a cell's key changes."
    nb, runs = fake_notebook(tmp_path / "fake.ipynb"), tmp_path / "runs"
    cell = runs / "t" / "cells" / "scaling-curated-10-tiny-s-seed0"
    run_sweep(profile(tmp_path, ["curated-10"]), notebook=nb, runs=runs)
    (cell / "scores").mkdir(); (cell / "scores" / "stale.parquet").write_text("made by older code")
    p = tmp_path / "t.yml"; prof = json.loads(p.read_text()); prof["sft"] = dict(epochs=3); p.write_text(json.dumps(prof))
    rep = run_sweep(p, notebook=nb, runs=runs)
    assert rep.ran == ["scaling-curated-10-tiny-s-seed0"] and not (cell / "scores" / "stale.parquet").exists()
    assert (cell / "runs.txt").read_text().count("ran") == 1
    (cell / "done.json").unlink(); (cell / "scores").mkdir(); (cell / "scores" / "partial.parquet").write_text("same inputs")
    run_sweep(p, notebook=nb, runs=runs)                     # same key, not done (as after a kill): the work is kept
    assert (cell / "scores" / "partial.parquet").exists() and (cell / "runs.txt").read_text().count("ran") == 2
