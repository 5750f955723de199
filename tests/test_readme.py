"The README is rendered from the book's front page, nbs/index.ipynb: the two must not drift apart, and it stays a front page."
import re
from pathlib import Path
from doit_nb.core import project_root
from doit_nb.paper import front_page_text

def test_readme_is_the_front_page_rendered():
    root = project_root()
    assert (root / "README.md").read_text(encoding="utf-8") == front_page_text(root / "nbs" / "index.ipynb"), \
        "README.md differs from nbs/index.ipynb: edit the notebook, then run `make readme`"

def test_readme_is_a_front_page_not_a_log():
    text = (project_root() / "README.md").read_text(encoding="utf-8")
    assert len(text.splitlines()) <= 250
    assert not re.search(r"\bcommit [0-9a-f]{7,40}\b|\([0-9a-f]{7}\)", text), "a commit id in the README"
    assert "α" in text and "Sensitivity α" in text      # α is defined on the page that uses it

def test_no_chapter_prose_names_a_commit():
    import json
    for nb in sorted((project_root() / "nbs").glob("*.ipynb")):
        for c in json.loads(nb.read_text(encoding="utf-8"))["cells"]:
            if c["cell_type"] == "markdown":
                text = "".join(c["source"])
                assert not re.search(r"\bcommit `?[0-9a-f]{7,40}\b", text), f"{nb.name}: {text[:80]}"
