"The README is rendered from the book's front page, nbs/index.ipynb: the two must not drift apart."
from pathlib import Path
from doit_nb.core import project_root, readme_text

def test_readme_is_the_front_page_rendered():
    root = project_root()
    assert (root / "README.md").read_text(encoding="utf-8") == readme_text(root / "nbs" / "index.ipynb"), \
        "README.md differs from nbs/index.ipynb: edit the notebook, then run `make readme`"
