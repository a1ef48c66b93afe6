"""What a release carries: one version, the licence, install docs that agree."""

import re
from importlib.metadata import (
    PackageNotFoundError,
    metadata,
    packages_distributions,
    requires,
    version,
)
from textwrap import dedent

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from project_files import ROOT, pyproject

import skperceptron

README = (ROOT / "README.md").read_text()
INSTALL_PAGE = (ROOT / "docs" / "index.rst").read_text()


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


# ---------------------------------------------- the test install is complete
def _distributions_of(requirements):
    """Names of the distributions that installing ``requirements`` brings."""
    names = set()
    for requirement in map(Requirement, requirements):
        if requirement.marker and not requirement.marker.evaluate():
            continue
        names.add(canonicalize_name(requirement.name))
        # dask[distributed] brings the distributed package.
        for extra in requirement.extras:
            for inner in map(Requirement, requires(requirement.name) or []):
                if inner.marker and inner.marker.evaluate({"extra": extra}):
                    names.add(canonicalize_name(inner.name))
    return names


def _skipped_imports():
    """The modules a test module skips itself without (importorskip)."""
    pattern = re.compile(r"importorskip\(\s*\"([\w.]+)\"")
    return sorted(
        {
            name.split(".")[0]
            for path in (ROOT / "tests").glob("test_*.py")
            for name in pattern.findall(path.read_text())
        }
        - {"skperceptron"}
    )


@pytest.mark.parametrize("module", _skipped_imports())
def test_every_optional_test_dependency_is_in_the_dev_extra(module):
    # The README's test install (pip install -e ".[dev]") must run every test:
    # each module a test skips without comes from a distribution of dev.
    providers = packages_distributions().get(module)
    assert providers, f"{module} is not installed; the tests need the dev extra"
    dev = _distributions_of(pyproject()["optional-dependencies"]["dev"])
    assert {canonicalize_name(name) for name in providers} & dev, (
        f"tests skip without {module} ({', '.join(providers)}), "
        "which the dev extra does not install"
    )


# ------------------------------------- the README and the docs' install page
def _readme_blocks():
    return re.findall(r"```bash\n(.*?)```", README, re.DOTALL)


def _install_page_blocks():
    page = re.findall(
        r"\.\. code-block:: bash\n\n((?:   .*\n|\n)+)", INSTALL_PAGE + "\n"
    )
    return [dedent(block) for block in page]


def _pip_install_lines(block):
    lines = (line.split("#")[0].strip() for line in block.splitlines())
    return [line for line in lines if line.startswith("pip install")]


def _install_section(text, heading):
    """The text from ``heading`` to the next heading of the same level."""
    start = text.index(heading)
    end = re.compile(r"^## |^\S.*\n-{3,}$", re.MULTILINE)
    following = end.search(text, start + len(heading))
    return text[start : following.start() if following else None]


def test_every_extra_named_in_the_install_docs_exists():
    extras = set(pyproject()["optional-dependencies"])
    pattern = re.compile(r"(?:skperceptron|\.)\[([\w,-]+)\]")
    for text in (README, INSTALL_PAGE):
        for names in pattern.findall(text):
            assert set(names.split(",")) <= extras, names


def test_both_install_sections_list_every_extra():
    readme = _install_section(README, "## Install\n")
    page = _install_section(INSTALL_PAGE, "Install\n-------\n")
    for extra in pyproject()["optional-dependencies"]:
        assert f"`{extra}`" in readme, f"README's install section: {extra}"
        assert f"``{extra}``" in page, f"docs' install page: {extra}"


def test_the_readme_and_the_install_page_give_the_same_pip_commands():
    readme = {line for block in _readme_blocks() for line in _pip_install_lines(block)}
    page = {
        line for block in _install_page_blocks() for line in _pip_install_lines(block)
    }
    assert readme == page


@pytest.mark.parametrize(
    "command", ["python -m pytest", "python -m skperceptron demo", "sphinx-build"]
)
def test_each_command_follows_the_same_install_in_both(command):
    def install_before(blocks):
        blocks = [block for block in blocks if command in block]
        assert len(blocks) == 1, f"one code block runs {command}: {blocks}"
        return _pip_install_lines(blocks[0])

    assert install_before(_readme_blocks()) == install_before(_install_page_blocks())
