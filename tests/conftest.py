import os, subprocess, sys
from pathlib import Path
import pytest

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def run_cli(*args, env=None, check=None):
    "Run the installed `doit-nb` console script; returns the CompletedProcess."
    e = {**os.environ, "DOIT_PROGRESS": "0", **(env or {})}
    p = subprocess.run([str(BIN / "doit-nb"), *map(str, args)], capture_output=True, text=True, env=e, cwd=ROOT)
    if check is not None:
        assert p.returncode == check, f"exit {p.returncode}\nstdout:\n{p.stdout}\nstderr:\n{p.stderr}"
    return p


@pytest.fixture(scope="session")
def sample_dir(tmp_path_factory):
    "A small sample DoIT layout built once through the CLI."
    out = tmp_path_factory.mktemp("data") / "sample"
    run_cli("data", "build", "--source", "sample", "--out", out, "--size", 40, "--eval-size", 8,
            "--synthetic-size", 300, check=0)
    return out
