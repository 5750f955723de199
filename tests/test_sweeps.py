"Sweeps: stable run ids, skipping unchanged runs, failures, kill and resume, the submitit backend."
import json, os, signal, subprocess, sys, textwrap, time
from pathlib import Path
import nbformat, pandas as pd, pytest
from conftest import run_cli, ROOT
from doit_nb.sweeps import Backend, load_profile, run_sweep, Run, collect_results
from doit_nb.runs import thaw

FAKE = '''
import json, os, time
from pathlib import Path
import pandas as pd
p = json.loads(run); out = Path(out_dir); out.mkdir(parents=True, exist_ok=True)
if p["recipe"] == os.environ.get("FAKE_FAIL_ON"): raise RuntimeError("this run is meant to fail")
rows = pd.DataFrame([dict(epoch=e, split="test", ability="average", score=10.0 * e, recipe=p["recipe"]) for e in (1, 2)])
if p["recipe"] == os.environ.get("FAKE_SLEEP_ON"):
    rows.iloc[:1].to_parquet(out / "results.parquet")          # a partial result, then the kill
    (out / "started").write_text("x"); time.sleep(120)
(Path(out) / "executions.txt").open("a").write("ran\\n")
(out / "gpus.txt").write_text(os.environ.get("DOIT_GPUS", "unset"))
if not (out / "train" / "final").exists():                      # stands for training: done once per folder
    (out / "train" / "final").mkdir(parents=True)
    (out / "train" / "trained.txt").open("a").write("trained\\n")
(out / "scores").mkdir(exist_ok=True)
(out / "scores" / "scored.txt").open("a").write("scored\\n")
rows.to_parquet(out / "results.parquet")
'''

def fake_notebook(path: Path) -> Path:
    nb = nbformat.v4.new_notebook()
    params = nbformat.v4.new_code_cell('profile = None\nrun = None\ndata_dir = None\nout_dir = None')
    params.metadata["tags"] = ["parameters"]
    nb.cells = [params, nbformat.v4.new_code_cell(FAKE)]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "python3", "language": "python"}
    nbformat.write(nb, path); return path

def profile(tmp_path, recipes, name="t", models=("tiny-s",), extra=None) -> Path:
    p = tmp_path / f"{name}.yml"
    p.write_text(json.dumps(dict(name=name, data=dict(source="sample", size=8, eval_size=2, synthetic_size=8),
                                 sweeps=dict(scaling=dict(recipes=list(recipes), models=list(models), seeds=[0])), **(extra or {}))))
    return p

def test_run_ids_are_stable_and_distinct():
    for name in ("smoke", "default", "paper"):
        ids = [c.run_id for c in load_profile(name).runs]
        assert len(ids) == len(set(ids)) and ids == [c.run_id for c in load_profile(name).runs]
    assert Run("scaling", "curated-40", "/m/qwen1.5-7b").run_id == "scaling-curated-40-qwen1.5-7b-seed0"
    assert Run("scaling", "curated-40", "tiny-s", 1).run_id != Run("scaling", "curated-40", "tiny-s", 0).run_id

def test_unchanged_runs_are_skipped_and_a_changed_one_reruns_alone(tmp_path):
    nb, runs = fake_notebook(tmp_path / "fake.ipynb"), tmp_path / "runs"
    rep = run_sweep(profile(tmp_path, ["curated-10", "curated-20"]), notebook=nb, runs=runs)
    assert sorted(rep.ran) == ["scaling-curated-10-tiny-s-seed0", "scaling-curated-20-tiny-s-seed0"] and not rep.failed
    rep = run_sweep(profile(tmp_path, ["curated-10", "curated-20"]), notebook=nb, runs=runs)
    assert rep.ran == [] and len(rep.skipped) == 2
    rep = run_sweep(profile(tmp_path, ["curated-10", "curated-30"]), notebook=nb, runs=runs)
    assert rep.ran == ["scaling-curated-30-tiny-s-seed0"] and rep.skipped == ["scaling-curated-10-tiny-s-seed0"]
    assert (runs / "t" / "runs" / "scaling-curated-10-tiny-s-seed0" / "executions.txt").read_text().count("ran") == 1
    rep = run_sweep(profile(tmp_path, ["curated-10"]), notebook=nb, runs=runs, force=True)
    assert rep.ran == ["scaling-curated-10-tiny-s-seed0"]
    df = pd.read_parquet(rep.results)
    assert {"notebook", "git_commit"} <= set(df.columns) and df["notebook"].str.endswith("run.ipynb").all()

def test_a_failing_run_does_not_stop_the_others(tmp_path, monkeypatch):
    monkeypatch.setenv("FAKE_FAIL_ON", "curated-20")
    nb, runs = fake_notebook(tmp_path / "fake.ipynb"), tmp_path / "runs"
    rep = run_sweep(profile(tmp_path, ["curated-10", "curated-20", "curated-30"]), notebook=nb, runs=runs)
    assert sorted(rep.ran) == ["scaling-curated-10-tiny-s-seed0", "scaling-curated-30-tiny-s-seed0"]
    assert list(rep.failed) == ["scaling-curated-20-tiny-s-seed0"] and "meant to fail" in rep.failed["scaling-curated-20-tiny-s-seed0"]
    executed = runs / "t" / "runs" / "scaling-curated-20-tiny-s-seed0" / "run.ipynb"
    assert "meant to fail" in executed.read_text()                       # the executed notebook keeps the error
    assert "FAILED scaling-curated-20" in str(rep)
    assert set(pd.read_parquet(rep.results)["recipe"]) == {"curated-10", "curated-30"}

def test_cli_exit_status_names_the_failure(tmp_path):
    p = tmp_path / "bad.yml"
    p.write_text(json.dumps(dict(name="bad", data=dict(source="sample", size=8, eval_size=2, synthetic_size=8),
                                 score=dict(limit=1, max_new_tokens=dict(math=8)),
                                 sweeps=dict(foundation=dict(models=["tiny-s", "no-such-model"])))))
    r = run_cli("sweep", "--profile", p, env={"DOIT_RUNS": str(tmp_path / "runs"), "DOIT_CACHE": str(tmp_path / "cache")})
    assert r.returncode == 1 and "1 ran" in r.stdout and "FAILED foundation-base-no-such-model-seed0" in r.stdout

def test_a_killed_sweep_resumes_without_duplicate_or_partial_rows(tmp_path):
    nb, runs = fake_notebook(tmp_path / "fake.ipynb"), tmp_path / "runs"
    prof = profile(tmp_path, ["curated-10", "curated-20", "curated-30"])
    code = f"from doit_nb.sweeps import run_sweep; run_sweep({str(prof)!r}, notebook={str(nb)!r}, runs={str(runs)!r})"
    proc = subprocess.Popen([sys.executable, "-c", code], env={**os.environ, "FAKE_SLEEP_ON": "curated-20", "DOIT_PROGRESS": "0"},
                            start_new_session=True)
    started = runs / "t" / "runs" / "scaling-curated-20-tiny-s-seed0" / "started"
    for _ in range(600):
        if started.exists(): break
        time.sleep(0.2)
    assert started.exists()
    os.killpg(proc.pid, signal.SIGKILL); proc.wait()
    folders = runs / "t" / "runs"
    assert (folders / "scaling-curated-10-tiny-s-seed0" / "done.json").exists()
    assert not (folders / "scaling-curated-20-tiny-s-seed0" / "done.json").exists()     # killed mid-run: not done
    partial = pd.read_parquet(collect_results("t", runs))
    assert set(partial["recipe"]) == {"curated-10"}                                   # partial rows never collected
    rep = run_sweep(prof, notebook=nb, runs=runs)
    assert sorted(rep.ran) == ["scaling-curated-20-tiny-s-seed0", "scaling-curated-30-tiny-s-seed0"]
    df = pd.read_parquet(rep.results)
    assert df.groupby("recipe").size().to_dict() == {"curated-10": 2, "curated-20": 2, "curated-30": 2}

def test_submitit_local_backend_runs_a_two_run_sweep_with_per_run_resources(tmp_path):
    pytest.importorskip("submitit")
    nb, runs = fake_notebook(tmp_path / "fake.ipynb"), tmp_path / "runs"
    prof = profile(tmp_path, ["curated-10"], models=("tiny-s", "tiny-m"), extra=dict(
        resources=dict(cpus=1, mem_gb=2, hours=0.5), models={"tiny-m": dict(resources=dict(mem_gb=3, hours=1))}))
    rep = run_sweep(prof, backend="submitit-local", notebook=nb, runs=runs)
    assert sorted(rep.ran) == ["scaling-curated-10-tiny-m-seed0", "scaling-curated-10-tiny-s-seed0"] and not rep.failed
    assert len(pd.read_parquet(rep.results)) == 4
    assert list((runs / "t" / "submitit").glob("*_log.out"))                          # ran as submitit jobs
    folders = runs / "t" / "runs"
    got = {m: json.loads((folders / f"scaling-curated-10-{m}-seed0" / "done.json").read_text())["resources"] for m in ("tiny-s", "tiny-m")}
    assert got == {"tiny-s": dict(gpus=0, cpus=1, mem_gb=2, hours=0.5), "tiny-m": dict(gpus=0, cpus=1, mem_gb=3, hours=1)}
    assert (folders / "scaling-curated-10-tiny-s-seed0" / "gpus.txt").read_text() == "0"   # reached the notebook's kernel


def test_submitit_parameters_of_a_run(tmp_path):
    from doit_nb.sweeps import submitit_parameters
    import submitit
    p = submitit_parameters(dict(gpus=8, cpus=None, mem_gb=900, hours=48), threads=4)
    assert p == dict(timeout_min=2880, mem_gb=900, gpus_per_node=8, cpus_per_task=4)
    ex = submitit.AutoExecutor(folder=str(tmp_path), cluster="local")
    ex.update_parameters(**p)   # submitit's generic names, which its SLURM executor translates too


def test_plan_counts_match_the_runs_and_sees_what_is_done(tmp_path):
    from doit_nb.plan import plan_sweep, plan_text
    for name in ("smoke", "default", "public", "paper"):
        plan = plan_sweep(name, runs=tmp_path / "none")
        assert plan["run"].tolist() == [c.run_id for c in load_profile(name).runs]
    paper = plan_sweep("paper", runs=tmp_path / "none")
    assert paper["gpu_hours"].notna().all() and paper.loc[paper.model.str.endswith("33b"), "gpus"].eq(8).all()
    assert "estimated GPU-hours" in plan_text(paper, load_profile("paper"))
    nb, runs = fake_notebook(tmp_path / "fake.ipynb"), tmp_path / "runs"
    prof = profile(tmp_path, ["curated-10", "curated-20"])
    run_sweep(prof, notebook=nb, runs=runs)
    states = plan_sweep(prof, runs=runs, notebook=nb).set_index("run")["state"].to_dict()
    assert states == {"scaling-curated-10-tiny-s-seed0": "done", "scaling-curated-20-tiny-s-seed0": "done"}
    (runs / "t" / "runs" / "scaling-curated-20-tiny-s-seed0" / "done.json").unlink()
    assert plan_sweep(prof, runs=runs, notebook=nb).set_index("run")["state"].to_dict()["scaling-curated-20-tiny-s-seed0"] == "rescore"
    out = run_cli("sweep", "--profile", prof, "--plan")
    assert out.returncode == 0 and "2 runs" in out.stdout

def test_two_local_workers(tmp_path):
    nb, runs = fake_notebook(tmp_path / "fake.ipynb"), tmp_path / "runs"
    rep = run_sweep(profile(tmp_path, ["curated-10", "curated-20", "curated-30"]), Backend(jobs=2), notebook=nb, runs=runs)
    assert len(rep.ran) == 3 and not rep.failed and len(pd.read_parquet(rep.results)) == 6

def test_per_model_settings_and_scaling_blocks(tmp_path):
    "A profile can give one model its own SFT and scoring settings and a shorter recipe list (the public profile does)."
    from doit_nb.sweeps import run_keys
    p = load_profile("public")
    runs = p.runs
    gem = [c for c in runs if c.model == "gemma3-270m"]
    assert [c.run_id for c in gem] == ["foundation-base-gemma3-270m-seed0", "scaling-curated-160-gemma3-270m-seed0"]
    assert all(c.benchmarks for c in runs) and len({c.run_id for c in runs}) == len(runs)
    assert p.settings("sft", "gemma3-270m")["settings"] == "gemma-lora" and p.settings("sft", "tiny-s")["settings"] == "tiny"
    assert p.settings("score", "gemma3-270m") == thaw(p["score"])
    # changing one model's settings changes only that model's runs' keys
    tiny = next(c for c in runs if c.model == "tiny-s"); nb = ROOT / "nbs" / "31_run.ipynb"
    q = thaw(p.spec); q["models"]["gemma3-270m"]["sft"]["epochs"] = 3
    q = load_profile(q)
    assert run_keys(tiny, p, nb, "h") == run_keys(tiny, q, nb, "h")
    assert run_keys(gem[1], p, nb, "h") != run_keys(gem[1], q, nb, "h")
    bad = tmp_path / "bad.yml"
    bad.write_text("name: b\ndata: {source: sample}\nsweeps: {}\nmodels: {tiny-s: {recipes: [x]}}\n")
    with pytest.raises(ValueError, match="only 'sft', 'score' and 'resources'"): load_profile(bad)

def test_a_changed_run_starts_from_an_empty_folder(tmp_path):
    "Cached work (recipe, checkpoints, scores) made for other inputs must not be reused when a run's key changes."
    nb, runs = fake_notebook(tmp_path / "fake.ipynb"), tmp_path / "runs"
    run = runs / "t" / "runs" / "scaling-curated-10-tiny-s-seed0"
    run_sweep(profile(tmp_path, ["curated-10"]), notebook=nb, runs=runs)
    (run / "scores").mkdir(exist_ok=True); (run / "scores" / "stale.parquet").write_text("made by older code")
    p = tmp_path / "t.yml"; prof = json.loads(p.read_text()); prof["sft"] = dict(epochs=3); p.write_text(json.dumps(prof))
    rep = run_sweep(p, notebook=nb, runs=runs)
    assert rep.ran == ["scaling-curated-10-tiny-s-seed0"] and not (run / "scores" / "stale.parquet").exists()
    assert (run / "executions.txt").read_text().count("ran") == 1
    (run / "done.json").unlink(); (run / "scores").mkdir(exist_ok=True)
    pd.DataFrame(dict(made="same inputs"), index=[0]).to_parquet(run / "scores" / "partial.parquet")   # whole, as a kill leaves it
    run_sweep(p, notebook=nb, runs=runs)                     # same key, not done (as after a kill): the work is kept
    assert (run / "scores" / "partial.parquet").exists() and (run / "executions.txt").read_text().count("ran") == 2


def test_a_scoring_change_rescored_without_retraining(tmp_path, monkeypatch):
    "An edit to a scoring module (or a scoring setting) keeps every checkpoint and scores the runs again."
    import shutil, doit_nb
    from doit_nb import sweeps
    nb, runs = fake_notebook(tmp_path / "fake.ipynb"), tmp_path / "runs"
    prof = profile(tmp_path, ["curated-10", "curated-20"])
    folders = runs / "t" / "runs"
    run_sweep(prof, notebook=nb, runs=runs)
    pkg = tmp_path / "pkg"                      # the package as it is, then with a parser edited
    shutil.copytree(Path(doit_nb.__file__).parent, pkg)
    real = sweeps.code_hashes
    monkeypatch.setattr(sweeps, "code_hashes", lambda nb_path: real(nb_path, pkg))
    assert run_sweep(prof, notebook=nb, runs=runs).ran == []              # the copy hashes as the package does
    (pkg / "scoring.py").write_text((pkg / "scoring.py").read_text() + "\nSCORING_FIX = 1\n")   # code, not a comment
    rep = run_sweep(prof, notebook=nb, runs=runs)
    assert sorted(rep.rescored) == sorted(rep.ran) == ["scaling-curated-10-tiny-s-seed0", "scaling-curated-20-tiny-s-seed0"]
    for c in rep.ran:
        assert (folders / c / "train" / "trained.txt").read_text() == "trained\n"   # trained once
        assert (folders / c / "scores" / "scored.txt").read_text() == "scored\n"    # old scores dropped, scored again
        assert (folders / c / "executions.txt").read_text().count("ran") == 2
    (pkg / "sft.py").write_text((pkg / "sft.py").read_text() + "\nTRAINER_FIX = 1\n")
    rep = run_sweep(prof, notebook=nb, runs=runs)
    assert rep.rescored == [] and len(rep.ran) == 2                      # a trainer change retrains from scratch
    assert (folders / rep.ran[0] / "executions.txt").read_text().count("ran") == 1
    p = json.loads(prof.read_text())
    p["score"] = dict(limit=5)
    prof.write_text(json.dumps(p))
    assert len(run_sweep(prof, notebook=nb, runs=runs).rescored) == 2      # so does a scoring setting

def test_two_sweeps_of_one_profile_at_once(tmp_path):
    "The second run says who holds the folder and stops; every run's rows appear once, with one sweep's numbers."
    nb, runs = fake_notebook(tmp_path / "fake.ipynb"), tmp_path / "runs"
    prof = profile(tmp_path, ["curated-10", "curated-20"])
    code = ("import sys\nfrom doit_nb.sweeps import run_sweep, LockHeld\ntry:\n"
            f"    print(run_sweep({str(prof)!r}, notebook={str(nb)!r}, runs={str(runs)!r}))\n"
            "except LockHeld as e:\n    print('HELD', e)\n    sys.exit(3)\n")
    env = {**os.environ, "DOIT_PROGRESS": "0"}
    procs = [subprocess.Popen([sys.executable, "-c", code], env=env, stdout=subprocess.PIPE, text=True) for _ in range(2)]
    outs = [(p.wait(), p.stdout.read()) for p in procs]
    assert sorted(rc for rc, _ in outs) == [0, 3], outs
    held = next(o for rc, o in outs if rc == 3)
    holder = next(p for p, (rc, _) in zip(procs, outs) if rc == 0)
    assert f"pid {holder.pid}" in held and "--wait" in held
    df = pd.read_parquet(runs / "t" / "results.parquet")
    assert sorted(df["recipe"]) == ["curated-10", "curated-10", "curated-20", "curated-20"]   # 2 rows per run, once
    for c in ("scaling-curated-10-tiny-s-seed0", "scaling-curated-20-tiny-s-seed0"):
        assert (runs / "t" / "runs" / c / "executions.txt").read_text() == "ran\n"
    rep = run_sweep(prof, notebook=nb, runs=runs)
    assert rep.ran == [] and len(rep.skipped) == 2                                   # the lock was released

def test_a_killed_holder_does_not_block_the_next_run(tmp_path):
    nb, runs = fake_notebook(tmp_path / "fake.ipynb"), tmp_path / "runs"
    prof = profile(tmp_path, ["curated-10"])
    code = f"from doit_nb.sweeps import run_sweep; run_sweep({str(prof)!r}, notebook={str(nb)!r}, runs={str(runs)!r})"
    proc = subprocess.Popen([sys.executable, "-c", code], env={**os.environ, "FAKE_SLEEP_ON": "curated-10", "DOIT_PROGRESS": "0"},
                            start_new_session=True)
    started = runs / "t" / "runs" / "scaling-curated-10-tiny-s-seed0" / "started"
    for _ in range(600):
        if started.exists():
            break
        time.sleep(0.2)
    assert json.loads((runs / "t" / "sweep.lock").read_text())["pid"] == proc.pid
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    rep = run_sweep(prof, notebook=nb, runs=runs)                                   # takes the dead run's lock over
    assert rep.ran == ["scaling-curated-10-tiny-s-seed0"] and not rep.failed

def test_a_malformed_profile_is_one_line_naming_the_file(tmp_path):
    p = tmp_path / "broken.yml"
    p.write_text("name: b\ndata: {source: sample\nsweeps: {}\n")
    r = run_cli("sweep", "--profile", p)
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert str(p) in r.stderr and "line" in r.stderr and len(r.stderr.strip().splitlines()) == 1
    p.write_bytes(b"\x89PNG\x00\xff\xfe")
    r = run_cli("sweep", "--profile", p)
    assert r.returncode == 2 and str(p) in r.stderr and "Traceback" not in r.stderr
    p.write_text("- just\n- a list\n")
    r = run_cli("sweep", "--profile", p)
    assert r.returncode == 2 and "YAML mapping" in r.stderr
