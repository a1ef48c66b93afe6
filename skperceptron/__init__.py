"""skperceptron: multi-layer perceptrons written from scratch in NumPy.

``ScratchMLPClassifier`` and ``ScratchMLPRegressor`` are drop-in replacements
for scikit-learn's ``MLPClassifier`` and ``MLPRegressor`` whose forward pass,
backpropagation, losses and optimizers are this package's own NumPy code.
"""

from . import datasets, utils
from ._mlp import ScratchMLPClassifier, ScratchMLPRegressor

__version__ = "0.1.0"

__all__ = [
    "ScratchMLPClassifier",
    "ScratchMLPRegressor",
    "datasets",
    "utils",
    "__version__",
]
