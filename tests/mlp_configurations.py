"""Fitted models of every configuration, shared by the persistence tests."""

import numpy as np
import pytest
from sklearn.base import clone

from skperceptron import ScratchMLPClassifier, ScratchMLPRegressor
from skperceptron._activations import HIDDEN_ACTIVATIONS

N_SAMPLES, N_FEATURES = 80, 5


def features():
    return np.random.RandomState(0).normal(size=(N_SAMPLES, N_FEATURES))


def targets(kind):
    """Return targets of one kind, learnable from ``features()``."""
    X = features()
    score = X[:, 0] + 0.5 * X[:, 1]
    if kind == "binary":
        return (score > 0).astype(int)
    if kind == "multiclass":
        return np.digitize(score, [-0.5, 0.5])
    if kind == "strings":
        return np.array(["cat", "dog", "emu"])[np.digitize(score, [-0.5, 0.5])]
    if kind == "binary strings":
        return np.where(score > 0, "yes", "no")
    if kind == "float labels":
        return np.digitize(score, [-0.5, 0.5]).astype(float)
    if kind == "multilabel":
        return (X[:, :3] > 0).astype(int)
    if kind == "one output":
        return score
    if kind == "outputs":
        return np.column_stack([score, X[:, 2] - X[:, 3], X[:, 4]])
    if kind == "counts":
        return np.random.RandomState(1).poisson(np.exp(0.5 * score))
    raise ValueError(kind)


#: Every configuration: an id, the estimator and the kind of its targets.
CONFIGURATIONS = [
    *[
        (
            f"classifier {activation}",
            ScratchMLPClassifier(
                hidden_layer_sizes=(7, 4), activation=activation, max_iter=40
            ),
            "multiclass",
        )
        for activation in HIDDEN_ACTIVATIONS
    ],
    (
        "classifier no hidden layer",
        ScratchMLPClassifier(hidden_layer_sizes=()),
        "multiclass",
    ),
    ("binary", ScratchMLPClassifier(hidden_layer_sizes=(6,)), "binary"),
    ("binary strings", ScratchMLPClassifier(hidden_layer_sizes=(6,)), "binary strings"),
    ("multiclass strings", ScratchMLPClassifier(hidden_layer_sizes=(6,)), "strings"),
    ("float labels", ScratchMLPClassifier(hidden_layer_sizes=(6,)), "float labels"),
    ("multilabel", ScratchMLPClassifier(hidden_layer_sizes=(6,)), "multilabel"),
    (
        "classifier dropout",
        ScratchMLPClassifier(hidden_layer_sizes=(8, 8), dropout=0.3),
        "multiclass",
    ),
    (
        "class_weight balanced",
        ScratchMLPClassifier(hidden_layer_sizes=(6,), class_weight="balanced"),
        "multiclass",
    ),
    (
        "binary class_weight",
        ScratchMLPClassifier(hidden_layer_sizes=(6,), class_weight={0: 1, 1: 3}),
        "binary",
    ),
    *[
        (
            f"regressor {activation}",
            ScratchMLPRegressor(hidden_layer_sizes=(7, 4), activation=activation),
            "one output",
        )
        for activation in HIDDEN_ACTIVATIONS
    ],
    (
        "regressor no hidden layer",
        ScratchMLPRegressor(hidden_layer_sizes=()),
        "one output",
    ),
    ("regressor outputs", ScratchMLPRegressor(hidden_layer_sizes=(6,)), "outputs"),
    ("poisson", ScratchMLPRegressor(loss="poisson", hidden_layer_sizes=(6,)), "counts"),
    ("sgd", ScratchMLPClassifier(hidden_layer_sizes=(6,), solver="sgd"), "multiclass"),
    ("lbfgs", ScratchMLPRegressor(hidden_layer_sizes=(6,), solver="lbfgs"), "outputs"),
    (
        "early stopping",
        ScratchMLPClassifier(hidden_layer_sizes=(6,), early_stopping=True),
        "binary",
    ),
    (
        "regressor dropout",
        ScratchMLPRegressor(hidden_layer_sizes=(8,), dropout=0.2),
        "outputs",
    ),
]


def fitted(estimator, kind, dtype):
    """Fit a fresh clone of ``estimator`` in ``dtype`` (its parameters' dtype)."""
    return (
        clone(estimator)
        .set_params(random_state=0)
        .fit(features().astype(dtype), targets(kind))
    )


def every_configuration_and_dtype(test):
    """Parametrize ``test`` over ``CONFIGURATIONS`` and both float dtypes.

    The test takes ``estimator``, ``kind`` and ``dtype``, as :func:`fitted` does.
    """
    test = pytest.mark.parametrize(
        "estimator, kind",
        [config[1:] for config in CONFIGURATIONS],
        ids=[config[0] for config in CONFIGURATIONS],
    )(test)
    return pytest.mark.parametrize("dtype", [np.float32, np.float64])(test)
