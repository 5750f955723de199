"The package is layered as the pipeline reads: every import, eager or inside a function, points down."
from pathlib import Path
import doit_nb
from doit_nb.sweeps import package_imports, module_closure, SCORE_ROOTS, TRAIN_ROOTS, FOUNDATION_ROOTS

# the pipeline, bottom to top: a module may import only modules listed before it
LAYERS = ["core", "records", "benchmark_files", "layout", "sample", "public", "sources", "recipes", "models",
          "pretraining", "sft", "answers", "scoring", "benchmarks", "runs", "sweeps", "plan", "analysis", "figures", "power",
          "robustness", "paper", "cli"]
PKG = Path(doit_nb.__file__).parent

def modules():
    return sorted(p.stem for p in PKG.glob("*.py") if not p.stem.startswith("_"))

def test_every_module_has_a_layer():
    assert set(modules()) <= set(LAYERS), f"place {sorted(set(modules()) - set(LAYERS))} in LAYERS"

def test_imports_point_down():
    up = [(m, i) for m in modules() for i in sorted(package_imports(m)) if LAYERS.index(i) >= LAYERS.index(m)]
    assert not up, "upward or circular imports: " + ", ".join(f"{m} → {i}" for m, i in up)

def test_the_walker_sees_lazy_imports(tmp_path):
    "A deliberately planted lazy upward import inside a function is found (the check can fail)."
    (tmp_path / "records.py").write_text("def f():\n    from doit_nb.sweeps import run_sweep\n    from .cli import main\n")
    (tmp_path / "sweeps.py").write_text("import doit_nb.records\n")
    (tmp_path / "cli.py").write_text("")
    assert package_imports("records", tmp_path) == {"sweeps", "cli"}
    assert module_closure(["records"], tmp_path) == ["cli", "records", "sweeps"]

def test_cell_code_does_not_reach_the_public_stand_in_or_the_analysis():
    score = set(module_closure(SCORE_ROOTS))
    assert not {"public", "sources", "analysis", "figures", "power", "cli", "sweeps"} & score
    assert not {"answers", "scoring", "benchmarks", "runs"} & set(module_closure(TRAIN_ROOTS))
    assert not {"sft", "scoring", "answers"} & set(module_closure(FOUNDATION_ROOTS))
