"""The project's own files, read by the tests that keep them in step."""

import sys
from pathlib import Path

import pytest

if sys.version_info >= (3, 11):
    import tomllib
else:  # tomli, in the dev extra for Python 3.10
    tomllib = pytest.importorskip("tomli")

ROOT = Path(__file__).resolve().parents[1]


def pyproject():
    """Return pyproject.toml's ``[project]`` table."""
    with open(ROOT / "pyproject.toml", "rb") as file:
        return tomllib.load(file)["project"]
