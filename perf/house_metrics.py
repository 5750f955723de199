"""How the house reads to a maintainer: cell and function metrics of a set of nbdev notebooks and of the package they
export (issue "A house a maintainer can change in one place"). Prints the metric table for each folder given (this
project's `nbs/` by default; pass the notebook folders of fastcore or nbdev to compare) and the package's functions
over 50 lines or 7 parameters; `--write` also keeps the report in `perf/reports/house-metrics.md`.

    python perf/house_metrics.py [--write] [NOTEBOOK_FOLDER ...]
"""
import ast, json, re, statistics, sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def code_sources(folder: Path) -> list[list[str]]:
    "The source lines of every code cell of every notebook in `folder` (sorted by name)."
    out = []
    for nb in sorted(folder.glob("*.ipynb")):
        for c in json.loads(nb.read_text(encoding="utf-8"))["cells"]:
            if c["cell_type"] == "code":
                out.append("".join(c["source"]).splitlines())
    return out


def is_export(src: list[str]) -> bool:
    "Whether a code cell's source exports (its `#| export` directive)."
    return any(re.match(r"#\|\s*export", l) for l in src[:3])


def definitions(src: list[str]) -> list[ast.AST]:
    "Top-level functions, classes and assignments of a code cell's source (nothing where it does not parse)."
    try:
        tree = ast.parse("\n".join(l for l in src if not l.lstrip().startswith(("%", "!"))))
    except SyntaxError:
        return []
    return [n for n in tree.body if isinstance(n, (ast.FunctionDef, ast.ClassDef, ast.Assign, ast.AnnAssign))]


def names(defs) -> list[str]:
    out = []
    for n in defs:
        if isinstance(n, (ast.FunctionDef, ast.ClassDef)):
            out.append(n.name)
        else:
            targets = n.targets if isinstance(n, ast.Assign) else [n.target]
            out += [t.id for t in targets if isinstance(t, ast.Name)]
    return [x for x in out if not x.startswith("_")]


def has_docments(fn: ast.FunctionDef, source: list[str]) -> bool:
    "A function whose parameters carry a comment on their own lines (fastcore's docments style)."
    args = fn.args.args + fn.args.kwonlyargs
    return bool(args) and any("#" in source[a.lineno - 1] for a in args if a.lineno - 1 < len(source))


def header_and_body(fn: ast.FunctionDef, source: list[str]) -> tuple[int, int]:
    """Non-blank lines of a function's header (decorators, signature with its docments, docstring) and of the rest of
    its body: the header is what a definition costs before it does anything."""
    body = fn.body[1:] if fn.body and isinstance(fn.body[0], ast.Expr) and isinstance(fn.body[0].value, ast.Constant) else fn.body
    start = min([fn.lineno] + [d.lineno for d in fn.decorator_list]) - 1
    split = body[0].lineno - 1 if body else fn.end_lineno
    count = lambda a, b: len([l for l in source[a:b] if l.strip()])
    return count(start, split), count(split, fn.end_lineno)


def metrics(folder: Path) -> dict:
    sources = code_sources(folder)
    lines = [len([l for l in c if l.strip()]) for c in sources if any(l.strip() for l in c)]
    exports = [c for c in sources if is_export(c)]
    one_def = [c for c in exports if len([d for d in definitions(c) if not isinstance(d, (ast.Assign, ast.AnnAssign))]) <= 1]
    shown = total = 0
    fns = docd = 0
    heads, bodies = [], []
    for i, c in enumerate(sources):
        if not is_export(c):
            continue
        defs = definitions(c)
        later = "\n".join("\n".join(x) for x in sources[i + 1:i + 3])
        for n in names(defs):
            total += 1
            shown += bool(re.search(rf"\b{re.escape(n)}\b", later))
        src = "\n".join(l for l in c if not l.lstrip().startswith(("%", "!"))).splitlines()
        for d in defs:
            if isinstance(d, ast.FunctionDef):
                fns += 1
                docd += has_docments(d, src)
                head, body = header_and_body(d, src)
                heads.append(head)
                bodies.append(body)
    return {"export code cells holding one definition": f"{len(one_def) / max(len(exports), 1):.0%}",
            "lines per code cell, mean / median": f"{statistics.mean(lines):.1f} / {statistics.median(lines):g}",
            "code cells over 20 lines": f"{sum(l > 20 for l in lines) / len(lines):.1%}",
            "exported names used in the next two code cells": f"{shown / max(total, 1):.0%}",
            "exported functions with docments": f"{docd / max(fns, 1):.0%}",
            "exported function lines, mean: signature and docstring / body":
                f"{statistics.mean(heads or [0]):.1f} / {statistics.mean(bodies or [0]):.1f}"}


def long_functions(pkg: Path, max_lines: int = 50, max_params: int = 7) -> list[str]:
    "Functions of the package over `max_lines` lines or `max_params` parameters, longest first."
    out = []
    for py in sorted(pkg.glob("*.py")):
        tree = ast.parse(py.read_text(encoding="utf-8"))
        for n in ast.walk(tree):
            if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)):
                size = n.end_lineno - n.lineno + 1
                own = [a.arg for a in n.args.args + n.args.kwonlyargs if a.arg not in ("self", "cls")]
                params = len(own)
                if size > max_lines or params > max_params:
                    out.append((size, f"{py.stem}.{n.name}: {size} lines, {params} parameters"))
    return [s for _, s in sorted(out, reverse=True)]


def report(folders: list[Path]) -> str:
    "The metric table of each notebook folder and the package's long functions, as markdown."
    table = {str(f): metrics(f) for f in folders}
    keys = list(next(iter(table.values())))
    lines = ["| | " + " | ".join(Path(f).name if Path(f) != ROOT / "nbs" else "doit-nb" for f in table) + " |",
             "|---|" + "---|" * len(table)]
    lines += [f"| {k} | " + " | ".join(t[k] for t in table.values()) + " |" for k in keys]
    long = long_functions(ROOT / "doit_nb")
    lines += ["", "Functions of doit_nb over 50 lines or 7 parameters: " + (", ".join(long) if long else "none") + "."]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if a != "--write"]
    text = report([Path(a) for a in args] or [ROOT / "nbs"])
    print(text, end="")
    if "--write" in sys.argv:
        out = ROOT / "perf" / "reports" / "house-metrics.md"
        out.write_text("# House metrics\n\nWritten by `python perf/house_metrics.py --write`.\n\n" + text, encoding="utf-8")
