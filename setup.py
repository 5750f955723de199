"""Packaging for doit-nb: every setting comes from settings.ini (nbdev 2.x)."""
from configparser import ConfigParser
from setuptools import find_packages, setup

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
    package_data={c["lib_name"]: ["profiles/*.yml", "profiles/*.json"]},
    include_package_data=True,
    install_requires=split("requirements"),
    extras_require={"dev": split("dev_requirements"), "gemma": split("gemma_requirements")},
    entry_points={
        "console_scripts": split("console_scripts"),
        "nbdev": [f"{c['lib_name']}={c['lib_name']}._modidx:d"],
    },
    zip_safe=False,
)
