"""Packaging for doit-nb: every setting comes from settings.ini (nbdev 2.x)."""
import shutil
from configparser import ConfigParser
from pathlib import Path
from setuptools import find_packages, setup
from setuptools.command.build_py import build_py

# what an installed package reads beside its code (doit_nb.core.resource): the notebooks a sweep and the figure
# step execute, the profiles and the settings; copied into the wheel's doit_nb/_resources at build time
RESOURCES = ["nbs/31_run.ipynb", "nbs/32_foundation.ipynb", "nbs/50_table1.ipynb", "nbs/51_scaling_figures.ipynb",
             "nbs/52_guidance.ipynb", "nbs/53_chance.ipynb", "profiles", "configs"]


class BuildWithResources(build_py):
    def run(self):
        super().run()
        into = Path(self.build_lib) / "doit_nb" / "_resources"
        for r in RESOURCES:
            src, dst = Path(r), into / r
            dst.parent.mkdir(parents=True, exist_ok=True)
            if src.is_dir(): shutil.copytree(src, dst, dirs_exist_ok=True)
            else: shutil.copy2(src, dst)


cfg = ConfigParser(delimiters=["="])
cfg.read("settings.ini", encoding="utf-8")
c = cfg["DEFAULT"]
split = lambda k: c.get(k, "").split()

setup(
    name=c["repo"],
    version=c["version"],
    description=c["description"],
    author=c["author"],
    author_email=c["author_email"],
    license="Apache-2.0",
    python_requires=">=" + c["min_python"],
    packages=find_packages(include=[c["lib_name"], c["lib_name"] + ".*"]),
    cmdclass={"build_py": BuildWithResources},
    install_requires=split("requirements"),
    extras_require={"train": split("train_requirements"), "analysis": split("analysis_requirements"),
                    "dev": split("dev_requirements"), "gemma": split("gemma_requirements")},
    entry_points={
        "console_scripts": split("console_scripts"),
        "nbdev": [f"{c['lib_name']}={c['lib_name']}._modidx:d"],
    },
    zip_safe=False,
)
