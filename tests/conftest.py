import os

# scikit-learn's array-API dispatch needs SciPy's array-API mode, which SciPy
# reads when it is first imported: set it before anything imports SciPy.
os.environ.setdefault("SCIPY_ARRAY_API", "1")

import pytest  # noqa: E402


def pytest_addoption(parser):
    parser.addoption(
        "--run-slow",
        action="store_true",
        default=False,
        help="also run the slow end-to-end tests (full MNIST)",
    )


def pytest_collection_modifyitems(config, items):
    if config.getoption("--run-slow"):
        return
    skip_slow = pytest.mark.skip(reason="slow: run with --run-slow")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip_slow)
