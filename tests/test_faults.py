"""Bad input at every entry point: a one-line error that names the file (and the line or field) and says what to do,
no traceback, and nothing half-written left behind. Each case is (entry point, what is broken, how it is run)."""
import json, os, re, resource, signal, subprocess, sys
from pathlib import Path
import pytest
from conftest import run_cli, ROOT, BIN

GOOD_PROFILE = dict(name="f", data=dict(source="sample", size=8, eval_size=2, synthetic_size=8),
                    sweeps=dict(scaling=dict(recipes=["curated-10"], models=["tiny-s"])))


@pytest.fixture(scope="module")
def world(sample_dir, tmp_path_factory):
    "A recipe and a tiny model folder to break copies of."
    w = tmp_path_factory.mktemp("faults")
    run_cli("data", "recipe", "curated-10", "--data", sample_dir, "--out", w / "recipe", check=0)
    from doit_nb.models import foundation_model
    return dict(w=w, data=sample_dir, recipe=w / "recipe", model=foundation_model("tiny-s", sample_dir, cache=w / "cache"))


def one_line_error(p, *names):
    "The run failed with one line on stderr (make's own line aside), naming each of `names`, and no traceback."
    err = [l for l in p.stderr.strip().splitlines() if l.strip() and not re.match(r"make(\[\d+\])?:", l)
           and not l.startswith(("WARNING", "Failed to load CPU")) and "warn" not in l.lower()]
    assert p.returncode != 0, p.stdout[-500:]
    assert "Traceback" not in p.stderr, p.stderr[-1500:]
    assert len(err) == 1, err
    for n in names:
        assert str(n) in err[0], (n, err[0])
    if os.environ.get("FAULT_TABLE"):   # the note's table: what the user sees for each case
        with open(os.environ["FAULT_TABLE"], "a") as f:
            f.write(f"{os.environ.get('PYTEST_CURRENT_TEST', '').split(' ')[0]}\t{err[0]}\n")
    return err[0]


def left_behind(folder: Path) -> list:
    "Files (temporary ones included) under `folder`."
    return [p for p in folder.rglob("*") if p.is_file()] if folder.exists() else []


# --- profiles -------------------------------------------------------------------------------------------------------

PROFILES = {
    "empty": (b"", "has no 'name'"),
    "binary": (bytes(range(256)) * 4, "not a text file"),
    "truncated": (b"name: f\ndata: {source: sample, size: 8\nsweeps:\n", "not valid YAML"),
    "wrong type": (b"- name\n- data\n", "a YAML mapping"),
    "unknown sweep": (json.dumps(dict(GOOD_PROFILE, sweeps=dict(scalling={}))).encode(), "unknown sweep kind"),
    "unknown resource": (json.dumps(dict(GOOD_PROFILE, resources=dict(gpu=1))).encode(), "resources: unknown ['gpu']"),
    "wrong value": (json.dumps(dict(GOOD_PROFILE, sft=dict(settings="tiny", learning_rate="fast"))).encode(),
                    "learning_rate"),
}

@pytest.mark.parametrize("case", PROFILES)
def test_broken_profile(case, tmp_path):
    body, says = PROFILES[case]
    p = tmp_path / "bad.yml"
    p.write_bytes(body)
    line = one_line_error(run_cli("sweep", "--profile", p, "--plan", env={"DOIT_RUNS": str(tmp_path / "runs")}), p, says)
    assert not left_behind(tmp_path / "runs")


def test_missing_profile_through_make(tmp_path):
    p = subprocess.run(["make", "-s", "paper-figures", f"PROFILE={tmp_path / 'nope.yml'}"], cwd=ROOT, capture_output=True,
                       text=True, env={**os.environ, "DOIT_RUNS": str(tmp_path / "runs")})
    one_line_error(p, tmp_path / "nope.yml", "does not exist")


# --- SFT settings files ---------------------------------------------------------------------------------------------

SETTINGS = {
    "missing": (None, "does not exist"),
    "empty": (b"", "not valid JSON"),
    "binary": (bytes(range(256)), "not a text file"),
    "truncated": (b'{"learning_rate": 1e-4, "epochs"', "not valid JSON"),
    "wrong type": (b'[1, 2]', "a JSON object"),
    "unknown field": (b'{"learnig_rate": 1e-4}', "learnig_rate"),
    "wrong value": (b'{"learning_rate": "fast"}', "learning_rate"),
}

@pytest.mark.parametrize("case", SETTINGS)
def test_broken_sft_settings(case, world, tmp_path):
    body, says = SETTINGS[case]
    f = tmp_path / "settings.json"
    if body is not None:
        f.write_bytes(body)
    out = tmp_path / "run"
    p = run_cli("train", "--model", world["model"], "--recipe", world["recipe"], "--out", out, "--settings", f)
    one_line_error(p, f, says)
    assert not out.exists()


# --- model folders and checkpoints ----------------------------------------------------------------------------------

def break_model(src: Path, dst: Path, how: str) -> Path:
    import shutil
    if how == "missing":
        return dst
    dst.mkdir()
    if how == "empty":
        return dst
    shutil.copytree(src, dst, dirs_exist_ok=True)
    w = next(dst.glob("*.safetensors"))
    if how == "no weights":
        w.unlink()
    elif how == "truncated weights":   # half-written by a killed run
        w.write_bytes(w.read_bytes()[: w.stat().st_size // 3])
    elif how == "truncated config":
        (dst / "config.json").write_text('{"architectures": ["LlamaFor')
    elif how == "binary config":
        (dst / "config.json").write_bytes(bytes(range(256)))
    return dst

@pytest.mark.parametrize("how", ["missing", "empty", "no weights", "truncated weights", "truncated config", "binary config"])
def test_broken_model_folder(how, world, tmp_path):
    m = break_model(world["model"], tmp_path / "model", how)
    out = tmp_path / "scores.csv"
    p = run_cli("score", "--model", m, "--data", world["data"], "--split", "valid", "--limit", "1", "--out", out)
    one_line_error(p, m)
    assert not out.exists() and not list(tmp_path.glob(".scores.csv*"))


# --- DoIT folders ---------------------------------------------------------------------------------------------------

def break_data(src: Path, dst: Path, how: str) -> Path:
    import shutil
    if how == "missing":
        return dst
    if how == "empty":
        dst.mkdir()
        return dst
    shutil.copytree(src, dst)
    f = next((dst / "curated" / "valid").glob("*.json"))
    if how == "binary file":
        f.write_bytes(bytes(range(256)) * 8)
    elif how == "truncated line":   # a record half-written by a killed run
        f.write_text(f.read_text(encoding="utf-8")[:-40], encoding="utf-8")
    elif how == "wrong field":
        recs = [json.loads(l) for l in f.read_text(encoding="utf-8").splitlines()]
        recs[0]["messages"] = "not a list"
        f.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in recs), encoding="utf-8")
    return dst

@pytest.mark.parametrize("how", ["missing", "empty", "binary file", "truncated line", "wrong field"])
def test_broken_doit_folder(how, world, tmp_path):
    d = break_data(world["data"], tmp_path / "data", how)
    out = tmp_path / "scores.csv"
    p = run_cli("score", "--model", world["model"], "--data", d, "--split", "valid", "--limit", "1", "--out", out)
    one_line_error(p, tmp_path / "data")
    assert not out.exists()


# --- benchmark folders ----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("how", ["missing", "malformed row", "binary"])
def test_broken_benchmark_folder(how, world, tmp_path):
    root = tmp_path / "public"
    f = root / "cmmlu" / "test" / "agronomy.csv"
    if how != "missing":
        f.parent.mkdir(parents=True)
        (root / "cmmlu" / "dev").mkdir()
        f.write_bytes(bytes(range(256)) if how == "binary" else ",Question,A,B,C,D,Answer\n0,问？,甲,乙,丙,丁,Z\n".encode())
    out = tmp_path / "bench.csv"
    p = run_cli("bench", "cmmlu", "--model", world["model"], "--path", root, "--subjects", "agronomy", "--out", out)
    one_line_error(p, root if how == "missing" else f)
    assert not out.exists()


# --- where output goes ----------------------------------------------------------------------------------------------

def test_read_only_output_folder(tmp_path):
    "Run as an unprivileged user (root writes anywhere) into a folder that user cannot write."
    ro = tmp_path / "ro"
    ro.mkdir()
    os.chmod(ro, 0o555)
    os.chmod(tmp_path, 0o755)
    cmd = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", str(BIN / "doit-nb"), "data", "build",
           "--source", "sample", "--size", "8", "--eval-size", "2", "--synthetic-size", "8", "--out", str(ro / "data")]
    if os.geteuid() != 0:
        cmd = cmd[4:]
    p = subprocess.run(cmd, capture_output=True, text=True, cwd="/", env={**os.environ, "HOME": "/tmp", "DOIT_PROGRESS": "0"})
    one_line_error(p, ro, "not writable")
    assert not left_behind(ro)


def test_disk_full_while_writing(tmp_path):
    "A write that fails part-way (a file-size limit stands for a full disk) leaves no layout and no temporary files."
    def limit():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)   # the write fails with EFBIG instead of killing the process
        resource.setrlimit(resource.RLIMIT_FSIZE, (20_000, 20_000))
    out = tmp_path / "data"
    p = subprocess.run([str(BIN / "doit-nb"), "data", "build", "--source", "sample", "--size", "64", "--eval-size", "8",
                        "--synthetic-size", "64", "--out", str(out)], capture_output=True, text=True, preexec_fn=limit,
                       env={**os.environ, "DOIT_PROGRESS": "0"})
    one_line_error(p, "no space", out)
    assert not out.exists() and not left_behind(tmp_path)
