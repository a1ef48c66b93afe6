"""skperceptron: multi-layer perceptrons written from scratch in NumPy.

``ScratchMLPClassifier`` and ``ScratchMLPRegressor`` are drop-in replacements
for scikit-learn's ``MLPClassifier`` and ``MLPRegressor`` whose forward pass,
backpropagation, losses and optimizers are this package's own NumPy code.
"""

import importlib

# The one place the version is written: the build reads it from here
# (pyproject.toml's dynamic version), so the installed metadata agrees.
__version__ = "0.1.0"

__all__ = [
    "ScratchMLPClassifier",
    "ScratchMLPRegressor",
    "datasets",
    "utils",
    "__version__",
]

# The public names are imported on first use (PEP 562), so that
# ``python -m skperceptron --help`` answers at once instead of importing
# scikit-learn first.
_SUBMODULES = {"datasets", "utils"}
_ESTIMATORS = {"ScratchMLPClassifier", "ScratchMLPRegressor"}


def __getattr__(name):
    if name in _SUBMODULES:
        value = importlib.import_module(f"{__name__}.{name}")
    elif name in _ESTIMATORS:
        value = getattr(importlib.import_module(f"{__name__}._mlp"), name)
    else:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(__all__))
