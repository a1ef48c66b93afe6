"""numpydoc's validation over the public API, so docstrings cannot drift.

The public API is the two estimators with the public methods they define,
the dataset functions and the gradient utilities. Every numpydoc check is
enforced except these, which our style (scikit-learn's) leaves out on purpose:

- ES01 (an extended summary) and EX01 (an Examples section): one-line methods
  such as ``predict`` say all there is in the summary; the classes and
  functions carry the examples.
- SA01 (a See Also section): only where it helps, as on the estimators.
- RT02 (the first line of Returns holds only the type): we name what is
  returned (``self : object``, ``error : float``), as scikit-learn does.

Anything else, a parameter missing, misspelt or out of the signature's order
(PR01-PR03), a summary that does not end in a period, a malformed section,
fails the test, naming the object and numpydoc's message. And every example
in the package's docstrings runs and prints what it shows.
"""

import doctest
import importlib
import inspect
import pkgutil
import warnings

import pytest
from sklearn.exceptions import ConvergenceWarning

import skperceptron
from skperceptron import datasets, utils

numpydoc_validate = pytest.importorskip("numpydoc.validate")

IGNORED_CHECKS = {"ES01", "EX01", "SA01", "RT02"}


def _public_api():
    names = []
    for estimator in (
        skperceptron.ScratchMLPClassifier,
        skperceptron.ScratchMLPRegressor,
    ):
        path = f"skperceptron.{estimator.__name__}"
        names.append(path)
        for name, member in inspect.getmembers(estimator, callable):
            # Methods inherited from scikit-learn are scikit-learn's to document.
            if not name.startswith("_") and member.__module__.startswith(
                "skperceptron"
            ):
                names.append(f"{path}.{name}")
    names += [f"skperceptron.datasets.{name}" for name in datasets.__all__]
    names += [f"skperceptron.utils.{name}" for name in utils.__all__]
    return names


PUBLIC_API = _public_api()


def test_the_public_api_is_all_there():
    # A public method that inspect stopped seeing would skip its validation.
    for expected in ("ScratchMLPClassifier.partial_fit", "ScratchMLPRegressor.predict"):
        assert f"skperceptron.{expected}" in PUBLIC_API
    assert len(PUBLIC_API) == 2 + 5 + 3 + len(datasets.__all__) + len(utils.__all__)


@pytest.mark.parametrize("import_path", PUBLIC_API)
def test_docstring_passes_numpydoc_validation(import_path):
    result = numpydoc_validate.validate(import_path)
    errors = [
        f"{code}: {message}"
        for code, message in result["errors"]
        if code not in IGNORED_CHECKS
    ]
    assert not errors, f"{import_path}:\n" + "\n".join(errors)


MODULES = sorted(
    name
    for _, name, _ in pkgutil.walk_packages(skperceptron.__path__, "skperceptron.")
    if name != "skperceptron.__main__"
)


@pytest.mark.parametrize("module_name", MODULES)
def test_docstring_examples_print_what_they_show(module_name):
    module = importlib.import_module(module_name)
    with warnings.catch_warnings():
        # Examples fit a few epochs on purpose.
        warnings.simplefilter("ignore", ConvergenceWarning)
        result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0, f"{result.failed} example(s) of {module_name} failed"


def test_the_examples_are_found():
    found = sum(
        len(test.examples)
        for name in MODULES
        for test in doctest.DocTestFinder().find(importlib.import_module(name))
    )
    # The estimators', the datasets' and the utilities' (53 when written).
    assert found >= 50
