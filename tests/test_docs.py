"""`make docs` builds the book as a website: every chapter a page in paper order with its stored outputs, the front
page, search, the changelog, citation and licences. In headless Chromium every page loads, every image renders, every
internal link resolves, and its prose reads as a reader would read it (no NaN, None or literal escapes)."""
import re, shutil, subprocess, sys
from html.parser import HTMLParser
from pathlib import Path
import pytest
from conftest import ROOT, BIN
from test_paper_figures import chromium, assert_reads_clean


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    out = tmp_path_factory.mktemp("site")
    subprocess.run([sys.executable, str(ROOT / "docs" / "prepare.py")], check=True, cwd=ROOT, capture_output=True)
    p = subprocess.run([str(BIN / "mkdocs"), "build", "-q", "-d", str(out)], cwd=ROOT, capture_output=True, text=True,
                       env={"NO_MKDOCS_2_WARNING": "1", "PATH": str(BIN) + ":/usr/bin:/bin"})
    assert p.returncode == 0, p.stderr[-2000:]
    return out


class Page(HTMLParser):
    "Links, images and the prose (markdown cells and plain pages, not code or outputs) of a rendered page."
    def __init__(self, notebook: bool = True):
        super().__init__()
        self.notebook = notebook
        self.links, self.images, self.prose, self.depth, self.skip = [], [], [], 0, 0
    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "a" and a.get("href"):
            self.links.append(a["href"])
        if tag == "img" and a.get("src"):
            self.images.append(a["src"])
        cls = a.get("class") or ""
        if self.depth:
            self.depth += 1
        elif "jp-RenderedMarkdown" in cls or (not self.notebook and tag == "article"):
            self.depth = 1
        self.skip += tag in ("script", "style", "code", "pre")
    def handle_endtag(self, tag):
        self.depth = max(0, self.depth - 1) if self.depth else 0
        self.skip -= tag in ("script", "style", "code", "pre") and self.skip > 0
    def handle_data(self, data):
        if self.depth and not self.skip:
            self.prose.append(data)


def test_every_chapter_is_a_page_in_paper_order(site):
    chapters = sorted(p.stem for p in (ROOT / "nbs").glob("*.ipynb") if p.name != "index.ipynb")
    assert all((site / "chapters" / f"{c}.html").exists() for c in chapters)
    nav = (ROOT / "_docs_src" / "nav.yml").read_text(encoding="utf-8")
    assert [nav.index(f"chapters/{c}.ipynb") for c in chapters] == sorted(nav.index(f"chapters/{c}.ipynb") for c in chapters)
    assert (site / "search" / "search_index.json").exists() and (site / "citation.html").exists()


def test_pages_load_links_resolve_and_read_clean(site):
    exe = chromium()
    if exe is None:
        pytest.skip("no Chromium here (make install adds Debian's chromium where apt is ours)")
    pages = [site / "index.html", *sorted((site / "chapters").glob("*.html")), site / "CHANGELOG.html", site / "LICENSES.html"]
    for page in pages:
        probe = page.with_name("_probe_" + page.name)
        probe.write_text(page.read_text(encoding="utf-8").replace("<body", "<body onload=\"document.title='broken:'+"
                         "[...document.images].filter(i=>!i.complete||!i.naturalWidth).length\"", 1), encoding="utf-8")
        dom = subprocess.run([exe, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                              "--virtual-time-budget=5000", "--dump-dom", probe.as_uri()], capture_output=True, text=True,
                             timeout=120).stdout
        probe.unlink()
        assert "<title>broken:0</title>" in dom, (page.name, re.search(r"<title>.*?</title>", dom))
        p = Page(notebook="jp-Notebook" in dom)
        p.feed(dom)
        local = [l.split("#")[0] for l in p.links + p.images if not l.startswith(("http", "#", "data:", "mailto:", "javascript:"))]
        missing = [l for l in local if l and not (probe.parent / l).exists()]
        assert not missing, (page.name, missing[:5])
        assert_reads_clean("\n".join(p.prose), page.name)
