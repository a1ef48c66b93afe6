"""The declared dependency range is the tested one.

pyproject.toml's lower bounds are pinned in .ci/minimum-versions.txt, which CI
installs in a second environment to run the estimator checks, the parity tests
and the extension tests against the oldest supported releases. These tests
keep the two files in step, and check that the running environment (either
of CI's two) lies in the declared range.
"""

from importlib.metadata import version

import pytest
from packaging.requirements import Requirement
from packaging.version import Version
from project_files import ROOT, pyproject


def _declared():
    """The runtime dependencies and those of the ``fast`` extra (numba)."""
    project = pyproject()
    dependencies = project["dependencies"] + project["optional-dependencies"]["fast"]
    return {req.name: req.specifier for req in map(Requirement, dependencies)}


def _pinned():
    lines = (ROOT / ".ci" / "minimum-versions.txt").read_text().splitlines()
    pins = {}
    for line in lines:
        if line.strip() and not line.startswith("#"):
            name, pinned = line.split("==")
            pins[name.strip()] = Version(pinned)
    return pins


def test_every_dependency_has_its_lower_bound_pinned():
    declared, pinned = _declared(), _pinned()
    assert set(pinned) == set(declared)
    for name, specifier in declared.items():
        lower = [Version(spec.version) for spec in specifier if spec.operator == ">="]
        assert lower == [pinned[name]], f"{name}: declared {specifier}"


@pytest.mark.parametrize("name", ["numpy", "scipy", "scikit-learn"])
def test_the_running_environment_is_in_the_declared_range(name):
    specifier = _declared()[name]
    assert specifier.contains(version(name)), f"{name} {version(name)} {specifier}"


def test_an_installed_numba_is_in_the_declared_range():
    pytest.importorskip("numba")
    specifier = _declared()["numba"]
    assert specifier.contains(version("numba")), f"numba {version('numba')}"
