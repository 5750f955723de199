"""Outputs are for readers: no stored output of a chapter or of a tracked executed notebook holds a progress bar, a
warning, a path of the machine that ran it, a script fetched from a CDN, or NaN / None where content belongs."""
import json, re
from pathlib import Path
import pytest
from conftest import ROOT

DEFECTS = {  # what a reader must not see → a pattern that finds it in an output's text
    "a progress bar": r"\d+%\|[#█▏▎▍▌▋▊▉ ]*\||it/s\]|s/it\]",
    "a warning": r"\b\w*Warning: |^\s*warnings\.warn\(",
    "a machine path": r"(?<![\w.<])/(?:tmp|root|home|work|usr|opt)/[\w.-]+|site-packages/",
    "a script from a CDN": r"cdn\.jsdelivr|unpkg\.com|cdnjs\.",
    "NaN or None in a table": r"(?m)(?:^|\s)(?:NaN|None)(?:\s*$|\s{2,})|\|\s*(?:nan|NaN|None)\s*\|",
    "an escape sequence": r"\\n\s*\||\\u00|\x1b\[",
}


def output_texts(nb: dict):
    "(notebook cell number, text) of every stored output a reader sees (stream, plain text, markdown, HTML)."
    for i, c in enumerate(nb.get("cells", [])):   # each notebook cell
        for o in c.get("outputs", []):
            data = o.get("data", {})
            for text in [o.get("text"), data.get("text/plain"), data.get("text/markdown"), data.get("text/html")]:
                if text: yield i, "".join(text) if isinstance(text, list) else text


def defects(path: Path) -> list[str]:
    "One line per defect found in a notebook's stored outputs: file, cell, what, and the text around it."
    found = []
    for i, text in output_texts(json.loads(path.read_text(encoding="utf-8"))):
        for what, pat in DEFECTS.items():
            if m := re.search(pat, text):
                found.append(f"{path.relative_to(ROOT)} notebook cell {i}: {what}: {text[max(0, m.start() - 30):m.end() + 30]!r}")
    return found


NOTEBOOKS = sorted(ROOT.glob("nbs/*.ipynb")) + sorted(ROOT.glob("figures/*/notebooks/*.ipynb"))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: str(p.relative_to(ROOT)))
def test_stored_outputs_read_clean(path):
    assert not defects(path), "\n".join(defects(path)[:10])


@pytest.mark.parametrize("planted", ["Loading weights: 100%|##########| 20/20 [00:00<00:00, 96.1it/s]",
                                     "/usr/lib/python3/dist-packages/tqdm/auto.py:21: TqdmWarning: IProgress not found",
                                     "<script src=\"https://cdn.jsdelivr.net/npm/vega@6\"></script>",
                                     "   ability  score\n0  biology    NaN"])
def test_the_check_finds_a_planted_defect(planted, tmp_path):
    nb = dict(cells=[dict(cell_type="code", outputs=[dict(output_type="stream", name="stdout", text=[planted])])])
    p = ROOT / "nbs" / f".planted-{tmp_path.name}.ipynb"
    try:
        p.write_text(json.dumps(nb))
        assert defects(p)
    finally:
        p.unlink()
