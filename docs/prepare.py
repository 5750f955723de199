"""Gather the book's pages for `mkdocs build` (make docs) into `_docs_src/`: the front page, every chapter notebook in
paper order, the tracked reference runs' figures, the changelog, the citation and the data's licences."""
import re, shutil, sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "_docs_src"


def chapters() -> list[Path]:
    "The chapter notebooks in the book's order (their number), the front page first."
    nbs = sorted(p for p in (ROOT / "nbs").glob("*.ipynb") if p.name != "index.ipynb")
    return [ROOT / "nbs" / "index.ipynb", *nbs]


def title(nb: Path) -> str:
    "A chapter's title: its first heading."
    import json
    for c in json.loads(nb.read_text(encoding="utf-8"))["cells"]:
        if c["cell_type"] == "markdown" and (m := re.search(r"^#\s+(.+)$", "".join(c["source"]), re.M)):
            return m.group(1).strip()
    return nb.stem


DIRECTIVE = re.compile(r"^#\|\s*(\S+)")


def for_readers(text: str) -> str:
    """A notebook as its page shows it: cells made only of nbdev directives (`default_exp`, `hide`) dropped, and the
    directive lines (`#| export`, …) taken out of the code a reader sees."""
    import json
    nb = json.loads(text)
    keep = []
    for c in nb["cells"]:
        lines = "".join(c["source"]).split("\n")
        marks = {m.group(1).rstrip(":") for l in lines if (m := DIRECTIVE.match(l))}
        if c["cell_type"] == "code" and (marks & {"default_exp", "hide"}): continue
        if c["cell_type"] == "code":
            body = "\n".join(l for l in lines if not DIRECTIVE.match(l)).strip("\n")
            c["source"] = body.splitlines(keepends=True)
        keep.append(c)
    nb["cells"] = keep
    return json.dumps(nb, ensure_ascii=False, indent=1)


def main() -> int:
    if OUT.exists():
        shutil.rmtree(OUT)
    (OUT / "chapters").mkdir(parents=True)
    nav = []
    for nb in chapters():
        dst = OUT / ("index.ipynb" if nb.name == "index.ipynb" else f"chapters/{nb.name}")
        text = nb.read_text(encoding="utf-8")
        for a, b in (("CHANGELOG.md)", "CHANGELOG.html)"), ("LICENSES.md)", "LICENSES.html)"), ("CITATION.cff)", "citation.html)"),
                     ("report.md)", "report.html)")):   # links to pages the site renders from markdown
            text = text.replace(a, b)
        dst.write_text(for_readers(text), encoding="utf-8")
        nav.append((title(nb) if nb.name != "index.ipynb" else "Front page", dst.relative_to(OUT).as_posix()))
    for run in ("default", "smoke", "robustness"):
        src = ROOT / "figures" / run
        if src.is_dir():
            shutil.copytree(src, OUT / "figures" / run, ignore=shutil.ignore_patterns("*.parquet", "_*", "worlds"))
    for page in (OUT / "figures").glob("*/index.html"):   # the tracked pages link their markdown, which the site renders
        text = re.sub(r'href="([\w.-]+)\.md"', r'href="\1.html"', page.read_text(encoding="utf-8"))
        page.write_text(text.replace("<nav>", '<nav><a href="../../index.html">← the book</a> · ', 1), encoding="utf-8")
    for md, name in (("CHANGELOG.md", "Changelog"), ("LICENSES.md", "Licences of the data")):
        shutil.copy(ROOT / md, OUT / md)
        nav.append((name, md))
    cff = (ROOT / "CITATION.cff").read_text(encoding="utf-8")
    (OUT / "citation.md").write_text(f"# Citing doit-nb\n\n```yaml\n{cff}```\n", encoding="utf-8")
    nav.append(("Citation", "citation.md"))
    shutil.copy(ROOT / "docs" / "extra.css", OUT / "extra.css")
    lines = [f"  - {json_str(t)}: {p}" for t, p in nav]
    (OUT / "nav.yml").write_text("nav:\n" + "\n".join(lines) + "\n", encoding="utf-8")
    print(f"{len(nav)} pages in {OUT.relative_to(ROOT)}")
    return 0


def json_str(s: str) -> str:
    import json
    return json.dumps(s, ensure_ascii=False)


if __name__ == "__main__":
    sys.exit(main())
