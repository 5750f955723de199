"""The package outside its checkout: the wheel ships what an installed package reads (the notebooks a sweep and the
figure step execute, the profiles, the SFT settings), an unpacked wheel finds them from any folder, and the base
install (no torch) grades replies and fits sensitivities, while a training command names the extra it needs."""
import subprocess, sys, zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BLOCK = """import sys, importlib.abc
HEAVY = ('torch', 'transformers', 'trl', 'peft', 'accelerate', 'datasets', 'bitsandbytes', 'papermill', 'submitit', 'vl_convert')
class Block(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path, target=None):
        if name.split('.')[0] in HEAVY: raise ModuleNotFoundError(f"No module named {name!r}", name=name)
sys.meta_path.insert(0, Block())
"""


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(out),
                    str(ROOT)], check=True, capture_output=True)
    return next(out.glob("doit_nb-*.whl"))


def test_wheel_ships_resources(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    for f in ("nbs/31_run.ipynb", "nbs/32_foundation.ipynb", "nbs/51_scaling_figures.ipynb", "profiles/smoke.yml",
              "profiles/default.yml", "configs/sft/tiny-pretrained.json"):
        assert f"doit_nb/_resources/{f}" in names, f


def test_unpacked_wheel_runs_from_any_folder(wheel, tmp_path):
    site, work = tmp_path / "site", tmp_path / "work"
    zipfile.ZipFile(wheel).extractall(site)
    work.mkdir()
    code = ("from doit_nb.core import resource, runs_dir, figures_dir; from doit_nb.runs import load_profile; "
            "import doit_nb; p = load_profile('smoke'); "
            "print(resource('nbs', '31_run.ipynb').is_file(), p.name, runs_dir(), figures_dir(), doit_nb.__file__)")
    out = subprocess.run([sys.executable, "-c", code], cwd=work, env={"PYTHONPATH": str(site), "PATH": "/usr/bin:/bin"},
                         capture_output=True, text=True, check=True).stdout.split()
    assert out[:2] == ["True", "smoke"]
    assert Path(out[2]) == work.resolve() / "runs" and Path(out[3]) == work.resolve() / "figures"
    assert Path(out[4]).is_relative_to(site)   # the unpacked wheel's copy, not the checkout's


def test_base_install_needs_no_torch(tmp_path):
    code = BLOCK + """import pandas as pd
from doit_nb.answers import Item, item_options, grade
from doit_nb.analysis import sensitivities
import doit_nb.figures, doit_nb.cli
item = Item("letters", "ABD", item_options("哪些？\\nA.甲\\nB.乙\\nC.丙\\nD.丁"))
runs = pd.DataFrame({"ability": ["math"] * 4, "n_params": [7e9, 7e9, 13e9, 13e9], "volume": [100, 1000] * 2,
                     "score": [10, 20, 14, 24]})
print(grade(item, "A、B、D"), round(float(sensitivities(runs)["data_alpha"].iloc[0]), 2), "torch" in sys.modules)
"""
    out = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["1", "4.34", "False"]


def test_training_command_names_the_extra(tmp_path):
    code = BLOCK + "from doit_nb.cli import main\nsys.exit(main(sys.argv[1:]))"
    r = subprocess.run([sys.executable, "-c", code, "train", "--model", "tiny-s", "--recipe", "curated-10", "--out",
                        str(tmp_path / "run")], cwd=tmp_path, capture_output=True, text=True)
    assert r.returncode == 2
    assert r.stderr.strip().splitlines() == [
        "doit-nb train: needs 'transformers', part of the training extra: pip install \"doit-nb[train]\""]
    assert not (tmp_path / "run").exists()
