"""Run the README's Python examples and check each against the output the README shows under it.

    python .ci/readme_examples.py README.md [--base-only]

`--base-only`: only the examples that need no training extra (they import nothing beyond doit_nb.answers,
doit_nb.analysis, doit_nb.records and pandas), and torch must stay unimported."""
import ast, re, sys

BASE = {"doit_nb.answers", "doit_nb.analysis", "doit_nb.records", "pandas"}


def examples(text: str) -> list[tuple[str, str | None]]:
    "Each ```python block with the plain ``` block right after it (its shown output), if any."
    found = re.finditer(r"```python\n(.*?)```\n(?:\n```\n(.*?)```)?", text, re.S)
    return [(m.group(1), m.group(2)) for m in found]


def run(code: str):
    "Execute `code`; the value of its last expression (as a notebook would show it)."
    tree = ast.parse(code)
    last = tree.body.pop() if tree.body and isinstance(tree.body[-1], ast.Expr) else None
    ns = {}
    exec(compile(tree, "<README>", "exec"), ns)
    return eval(compile(ast.Expression(last.value), "<README>", "eval"), ns) if last else None


def imports(code: str) -> set[str]:
    return {n.module if isinstance(n, ast.ImportFrom) else a.name for n in ast.walk(ast.parse(code))
            if isinstance(n, (ast.Import, ast.ImportFrom)) for a in (n.names if isinstance(n, ast.Import) else [n])}


def main(path: str, base_only: bool = False) -> None:
    todo = [(c, o) for c, o in examples(open(path, encoding="utf-8").read())
            if not base_only or imports(c) <= BASE | {"tempfile", "pathlib"}]
    if not todo: sys.exit(f"{path}: no Python examples to run")
    for code, shown in todo:
        got = run(code)
        if shown is not None and str(got).strip() != shown.strip():
            sys.exit(f"{path}: an example's output differs from the one shown\n--- shown\n{shown}--- got\n{got}")
    if base_only and "torch" in sys.modules: sys.exit("the base install imported torch")
    print(f"{path}: {len(todo)} Python example(s) ran and gave the output shown")


if __name__ == "__main__":
    main(sys.argv[1], "--base-only" in sys.argv)
