"`make paper-figures` on the smoke profile: executed notebooks, a Table 1 file and a provenance manifest."
import json, shutil, subprocess, sys
from pathlib import Path
import nbformat
from conftest import run_cli, ROOT, BIN

def test_paper_figures_smoke(tmp_path):
    "A user's profile file with a name of its own (the smoke profile renamed) builds every figure the smoke profile does."
    env = {"DOIT_RUNS": str(tmp_path / "runs"), "DOIT_FIGURES": str(tmp_path / "figures")}
    mine = tmp_path / "elsewhere" / "my-smoke.yml"
    mine.parent.mkdir()
    mine.write_text((ROOT / "profiles" / "smoke.yml").read_text().replace("name: smoke", "name: my-smoke", 1))
    p = run_cli("paper-figures", "--profile", mine, env=env, check=0)
    figs = tmp_path / "figures" / "my-smoke"
    assert (tmp_path / "runs" / "my-smoke" / "profile.yml").read_text() == mine.read_text()   # the copy the run kept
    t1 = (figs / "table1.csv").read_text()
    assert "biology" in t1 and "generated" in t1
    man = json.loads((figs / "manifest.json").read_text())
    executed = Path(man["outputs"]["table1"]["executed"])
    executed = executed if executed.is_absolute() else ROOT / executed
    nb = nbformat.read(executed, as_version=4)
    assert any("injected-parameters" in c.metadata.get("tags", []) for c in nb.cells)  # run by papermill
    assert "not built:" in p.stdout and "table4" in p.stdout  # says what is missing, fakes nothing
    for out, info in man["outputs"].items():                  # every file named exists, every entry names an executed notebook
        assert info["files"] and all((ROOT / f if not Path(f).is_absolute() else Path(f)).exists() for f in info["files"]), out
        ex = Path(info["executed"])
        assert (ex if ex.is_absolute() else ROOT / ex).exists(), out
        assert all((ROOT / c if not Path(c).is_absolute() else Path(c)).exists() for c in info["run_notebooks"]), out
    assert "fig1" in man["outputs"] and man["outputs"]["fig1"]["run_notebooks"]
    index = (figs / "index.html").read_text()
    assert "Fig. 1" in index and "fig1.svg" in index and "51_scaling_figures" in index and "not built for this profile" in index
    assert "mix-K" in man["not_built"]["table4"] and "mix-K" in index   # says why
    import pandas as pd, torch                                # provenance includes the software
    assert man["software"]["torch"] == torch.__version__.split("+")[0] or man["software"]["torch"].startswith(torch.__version__[:4])
    assert isinstance(man["git_dirty"], (bool, type(None))) and isinstance(man["warnings"], list)
    rows = pd.read_parquet(tmp_path / "runs" / "my-smoke" / "results.parquet")
    assert rows["software"].nunique() == 1 and json.loads(rows["software"].iloc[0])["transformers"]
    assert f"torch {man['software']['torch']}" in index
    assert "<pre>" not in index.split("Table 1")[1].split("<h2>")[0]   # Table 1 is an HTML table, not markdown source
    report = (figs / "report.md").read_text()                 # the run's numbers in prose, generated from its files
    assert f"{rows['run'].nunique()} runs, {len(rows)} result rows" in report and "report.md" in index
    assert man["software"]["torch"] in report and "## Foundation models" in report
    assert all(set(f["document_losses"]) >= {"encyclopedia", "exam", "code"} for f in man["foundations"].values())
    assert "`document_losses`" in report                      # what each foundation learnt of each kind of text
    by = pd.read_csv(figs / "sensitivities_by_label_kind.csv")  # History mixes short answers and true/false items
    assert set(by["ability"]) == {"history"} and set(by["label_kind"]) == {"cloze", "truth"}
    assert by["n_items"].sum() <= 6 and "## Which kind of item carries an effect" in report  # smoke scores 6 items
    check_in_a_browser(figs / "index.html")
    st = man["runs"]
    assert st and set(st.values()) <= {"ran", "reused", "rescored", "failed"} and "runs: " in index
    assert "What this profile can and cannot show" in index and "noise" in index
    (figs / "table4.md").write_text("stale")                  # an output left from an earlier run
    again = run_cli("paper-figures", "--profile", mine, env=env, check=0)
    assert "0 ran, 13 skipped" in again.stdout  # nothing changed: nothing reruns
    assert "4 notebook(s) unchanged" in again.stdout   # not even the figure notebooks
    assert not (figs / "table4.md").exists() and "table4" not in json.loads((figs / "manifest.json").read_text())["outputs"]
    (figs / "fig1.svg").unlink()                              # a figure deleted by hand: its notebook runs again
    third = run_cli("paper-figures", "--profile", mine, env=env, check=0)
    assert "3 notebook(s) unchanged" in third.stdout and (figs / "fig1.svg").exists()
    rob = run_cli("robustness", "--profile", mine, "--worlds", "0", env=env, check=0)   # the profile's own world
    assert "world 0: " in rob.stdout and not (tmp_path / "runs" / "my-smoke-world0").exists()   # its runs reused
    by_world = pd.read_csv(tmp_path / "figures" / "robustness-my-smoke" / "recovery_by_seed.csv")
    assert len(by_world) == 10 and set(by_world["world"]) == {0} and "fitted_likelihood" in by_world
    assert (tmp_path / "figures" / "robustness-my-smoke" / "knowledge_by_world.csv").exists()

def test_parameters_tag_survives_nbdev_clean(tmp_path):
    nbs = tmp_path / "nbs"
    shutil.copytree(ROOT / "nbs", nbs)
    shutil.copy(ROOT / "settings.ini", tmp_path)
    subprocess.run([str(BIN / "nbdev_clean"), "--fname", str(nbs / "50_table1.ipynb")], cwd=tmp_path, check=True)
    nb = nbformat.read(nbs / "50_table1.ipynb", as_version=4)
    assert any("parameters" in c.metadata.get("tags", []) for c in nb.cells)


def chromium():
    return shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")


def check_in_a_browser(index: Path):
    """index.html in headless Chromium: every link and image resolves, every image loads, the tables are HTML tables,
    each figure links its executed notebook, and Chinese is set in a CJK font."""
    import re, pytest
    from html.parser import HTMLParser
    exe = chromium()
    if exe is None:
        pytest.skip("no Chromium here (make install adds Debian's chromium where apt is ours)")
    probe = index.parent / "_probe.html"   # the page plus a script that reports images that did not load
    probe.write_text(index.read_text(encoding="utf-8").replace("<body", "<body onload=\"document.title='broken:'+"
                     "[...document.images].filter(i=>!i.complete||!i.naturalWidth).length\"", 1), encoding="utf-8")
    run = lambda *a: subprocess.run([exe, "--headless", "--no-sandbox", "--disable-gpu", *a], capture_output=True,
                                    text=True, timeout=120)
    dom = run("--virtual-time-budget=10000", "--dump-dom", probe.as_uri()).stdout
    probe.unlink()
    assert "<title>broken:0</title>" in dom, re.search(r"<title>.*?</title>", dom)
    class Links(HTMLParser):
        def __init__(self):
            super().__init__()
            self.targets = []
        def handle_starttag(self, tag, attrs):
            self.targets += [v for k, v in attrs if k in ("href", "src") and v and not v.startswith(("http", "#", "data:"))]
    links = Links()
    links.feed(dom)
    missing = [t for t in links.targets if not (index.parent / t).exists()]
    assert links.targets and not missing, missing
    assert dom.count("<table") >= 3 and any(t.endswith(".ipynb") for t in links.targets)
    assert re.search("[\u4e00-\u9fff]", dom)   # the sample items: Chinese text reached the page intact
    assert_reads_clean(page_text(dom), index.name)
    pdf = index.parent / "_index.pdf"
    run("--no-pdf-header-footer", f"--print-to-pdf={pdf}", index.as_uri())
    fonts = set(re.findall(rb"/BaseFont\s*/[A-Z]{6}\+([A-Za-z-]+)", pdf.read_bytes()))
    pdf.unlink()
    cjk = {f for f in fonts if re.search(rb"WenQuanYi|Noto.*CJK|SourceHan|Droid.*Fallback|AR.?PL", f)}
    assert cjk, f"no CJK font was used to set the page: {fonts}"


def page_text(dom: str) -> str:
    "The text a reader sees on a page: its DOM without tags, scripts and styles."
    from html.parser import HTMLParser
    class Text(HTMLParser):
        def __init__(self):
            super().__init__()
            self.out, self.skip = [], 0
        def handle_starttag(self, tag, attrs):
            self.skip += tag in ("script", "style")
        def handle_endtag(self, tag):
            self.skip -= tag in ("script", "style") and self.skip > 0
        def handle_data(self, data):
            if not self.skip:
                self.out.append(data)
    t = Text()
    t.feed(dom)
    return "\n".join(t.out)


def assert_reads_clean(text: str, where: str):
    "No placeholder where content belongs: NaN, None, or a literal escape sequence (a backslash-n, -t or -u)."
    import re
    bad = [m.group() for m in re.finditer(r"\bNaN\b|\bNone\b(?! of\b)|\\[ntr](?![a-z])|\\u[0-9a-fA-F]{4}", text)]
    assert not bad, f"{where}: {bad[:10]}"


def test_reading_check_catches_placeholders():
    import pytest
    assert_reads_clean("能力 biology 问题：赤叶草生活在哪里？", "ok")
    for bad in ("ability NaN", "answer None", "问题\\n选项"):
        with pytest.raises(AssertionError):
            assert_reads_clean(bad, "page")
