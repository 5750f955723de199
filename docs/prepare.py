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
        dst.write_text(text, encoding="utf-8")
        nav.append((title(nb) if nb.name != "index.ipynb" else "Front page", dst.relative_to(OUT).as_posix()))
    for run in ("default", "smoke"):
        src = ROOT / "figures" / run
        if src.is_dir():
            shutil.copytree(src, OUT / "figures" / run, ignore=shutil.ignore_patterns("*.parquet", "_*"))
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
