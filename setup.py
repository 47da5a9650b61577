"""What pyproject.toml cannot say: which packages tod is made of, and where their files are.

pyproject.toml holds every other setting. The repository's top-level ``domains/`` and ``pipelines/``
(data, where a newcomer finds them) ship inside the package as ``tod.builtin.domains`` and
``tod.builtin.pipelines``, found by ``tod.builtin`` through importlib.resources. pyproject.toml can
either discover packages or list them, never map folders into discovered ones, hence this file.
"""

from setuptools import find_namespace_packages, setup

#: folder of the repository -> the package it becomes
DATA_FOLDERS = {"domains": "tod.builtin.domains", "pipelines": "tod.builtin.pipelines"}
NOT_PACKAGES = ["__pycache__", "*.__pycache__"]

# A data folder's sub-folders (domains/cityguide/templates, ...) are packages of their own, each
# shipping all its files: every file of a domain is part of it (the cached NLU's key hashes them all).
data_packages = [
    ".".join([package, sub]) if sub else package
    for folder, package in DATA_FOLDERS.items()
    for sub in ["", *find_namespace_packages(folder, exclude=NOT_PACKAGES)]
]

setup(
    packages=[*find_namespace_packages(include=["tod", "tod.*"], exclude=NOT_PACKAGES), *data_packages],
    package_dir={package: folder for folder, package in DATA_FOLDERS.items()},
    package_data={"tod.evaluation.paradise": ["*.yaml"], **{package: ["*"] for package in data_packages}},
)
