"""What a release carries: one version, the licence, install docs that agree."""

from importlib.metadata import PackageNotFoundError, metadata, version

import pytest

import skperceptron


def test_the_installed_metadata_has_the_package_version():
    # pyproject.toml reads the version from skperceptron.__version__ at build
    # time; an editable install made before a version change must be redone.
    try:
        installed = version("skperceptron")
    except PackageNotFoundError:
        pytest.fail("skperceptron is not installed: pip install -e .")
    assert installed == skperceptron.__version__, (
        f"installed metadata says {installed}, skperceptron.__version__ says "
        f"{skperceptron.__version__}: reinstall (pip install -e .)"
    )


def test_the_installed_metadata_declares_the_licence():
    assert metadata("skperceptron")["License-Expression"] == "BSD-3-Clause"
