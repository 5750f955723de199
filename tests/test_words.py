"One name per concept: a point of a sweep is a *run*; *cell* is only ever a notebook cell (the glossary, `95_design_record`)."
import json, re
from pathlib import Path
from conftest import ROOT

CELL = re.compile(r"\bcells?\b|\bCells?\b|cell_id|_cell\b|\bcell_")
NOTEBOOK_CELL = re.compile(r"notebook|code cell|markdown|cell_type|nbformat|new_code_cell|\[\"cells\"\]|\.cells\b|"
                           r"test cells|hide|--cells|cells=cells|cells = \[")   # a notebook cell, or the deprecated flag
RETIRED = re.compile(r"tracked run\b|\b31_cell\b|\b29_cells\b|doit_nb\.cells\b|run_cell\b")

def texts():
    "Every line a reader meets: notebooks (sources and stored text outputs), package, tests, perf, README, profiles."
    for p in sorted((ROOT / "nbs").glob("*.ipynb")):
        for i, c in enumerate(json.loads(p.read_text(encoding="utf-8"))["cells"]):
            shown = [o.get("text", "") for o in c.get("outputs", [])]
            shown += [o.get("data", {}).get(k, "") for o in c.get("outputs", []) for k in ("text/plain", "text/markdown")]
            for line in "".join(c["source"]).splitlines() + [l for s in shown for l in "".join(s).splitlines()]:
                yield f"{p.name} cell {i}", line
    for pattern in ("doit_nb/*.py", "tests/*.py", "perf/*.py", "experiments/*.py", "README.md", "Makefile", "profiles/*.yml"):
        for p in sorted(ROOT.glob(pattern)):
            if p.name in ("_modidx.py", Path(__file__).name):
                continue
            for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1):
                yield f"{p.relative_to(ROOT)}:{n}", line

def test_cell_names_only_a_notebook_cell():
    bad = [f"{where}: {line.strip()}" for where, line in texts() if CELL.search(line) and not NOTEBOOK_CELL.search(line)]
    assert not bad, "a sweep point is a *run*, not a cell:\n" + "\n".join(bad[:20])

def test_retired_names_are_gone():
    bad = [f"{where}: {line.strip()}" for where, line in texts() if RETIRED.search(line)]
    assert not bad, "retired names:\n" + "\n".join(bad[:20])
