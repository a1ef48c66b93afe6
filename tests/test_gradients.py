"""Backpropagation against finite differences and against the objective's definition."""

import numpy as np
import pytest
from scipy.special import xlogy
from sklearn.datasets import make_classification, make_regression
from sklearn.metrics import log_loss

from skperceptron import ScratchMLPClassifier, ScratchMLPRegressor
from skperceptron._activations import HIDDEN_ACTIVATIONS
from skperceptron.utils import check_gradients, loss_and_gradients

ACTIVATIONS = HIDDEN_ACTIVATIONS
RNG = np.random.RandomState(0)
X_CLF, Y_MULTICLASS = make_classification(
    n_samples=40, n_features=5, n_informative=3, n_classes=3, random_state=0
)
Y_BINARY = (Y_MULTICLASS == 1).astype(int)
Y_MULTILABEL = np.c_[Y_BINARY, Y_MULTICLASS == 2, Y_MULTICLASS != 0].astype(int)
X_REG, Y_REG = make_regression(n_samples=40, n_features=5, n_targets=2, random_state=0)
Y_REG /= Y_REG.std()
Y_COUNTS = RNG.poisson(2.0, size=(40, 2)).astype(float)
SAMPLE_WEIGHT = RNG.uniform(0.2, 3.0, size=40)


def _fitted(estimator, X, y):
    with pytest.warns(Warning):  # a few epochs: not converged on purpose
        return estimator.fit(X, y)


TARGETS = {
    "multiclass": (ScratchMLPClassifier, {}, X_CLF, Y_MULTICLASS),
    "binary": (ScratchMLPClassifier, {}, X_CLF, Y_BINARY),
    "multilabel": (ScratchMLPClassifier, {}, X_CLF, Y_MULTILABEL),
    "squared_error": (ScratchMLPRegressor, {}, X_REG, Y_REG),
    "poisson": (ScratchMLPRegressor, {"loss": "poisson"}, X_REG / 10, Y_COUNTS),
}


@pytest.mark.parametrize("activation", ACTIVATIONS)
@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("hidden", [(), (6,), (5, 4)])
def test_backprop_matches_central_differences(activation, target, hidden):
    Estimator, params, X, y = TARGETS[target]
    estimator = Estimator(
        hidden_layer_sizes=hidden,
        activation=activation,
        alpha=0.3,
        max_iter=3,
        random_state=0,
        **params,
    )
    _fitted(estimator, X, y)
    error = check_gradients(estimator, X, y, sample_weight=SAMPLE_WEIGHT)
    assert error < 1e-6


def test_objective_is_the_weighted_log_loss_plus_l2_term():
    clf = _fitted(
        ScratchMLPClassifier((7,), alpha=0.5, max_iter=3, random_state=0),
        X_CLF,
        Y_MULTICLASS,
    )
    loss, coef_grads, intercept_grads = loss_and_gradients(
        clf, X_CLF, Y_MULTICLASS, sample_weight=SAMPLE_WEIGHT
    )
    penalty = 0.5 * 0.5 * sum((coef**2).sum() for coef in clf.coefs_)
    expected = (
        log_loss(Y_MULTICLASS, clf.predict_proba(X_CLF), sample_weight=SAMPLE_WEIGHT)
        + penalty / SAMPLE_WEIGHT.sum()
    )
    assert loss == pytest.approx(expected, rel=1e-12)
    assert [g.shape for g in coef_grads] == [c.shape for c in clf.coefs_]
    assert [g.shape for g in intercept_grads] == [b.shape for b in clf.intercepts_]


def test_objective_of_the_poisson_regressor_is_the_half_deviance():
    reg = _fitted(
        ScratchMLPRegressor(loss="poisson", alpha=0.0, max_iter=3, random_state=0),
        X_REG / 10,
        Y_COUNTS,
    )
    loss, _, _ = loss_and_gradients(reg, X_REG / 10, Y_COUNTS)
    mean = reg.predict(X_REG / 10)
    expected = (xlogy(Y_COUNTS, Y_COUNTS / mean) - Y_COUNTS + mean).sum(axis=1).mean()
    assert loss == pytest.approx(expected, rel=1e-12)


def test_gradients_leave_the_estimator_unchanged():
    clf = _fitted(
        ScratchMLPClassifier((4,), max_iter=2, random_state=0), X_CLF, Y_BINARY
    )
    before = [c.copy() for c in clf.coefs_]
    check_gradients(clf, X_CLF, Y_BINARY)
    for old, new in zip(before, clf.coefs_):
        np.testing.assert_array_equal(old, new)


def test_class_weight_enters_the_objective():
    weights = {0: 1.0, 1: 5.0, 2: 0.5}
    clf = _fitted(
        ScratchMLPClassifier((4,), class_weight=weights, max_iter=2, random_state=0),
        X_CLF,
        Y_MULTICLASS,
    )
    plain = ScratchMLPClassifier((4,), max_iter=2, random_state=0)
    _fitted(plain, X_CLF, Y_MULTICLASS)
    plain.coefs_, plain.intercepts_ = clf.coefs_, clf.intercepts_
    as_weights = np.vectorize(weights.get)(Y_MULTICLASS)
    assert loss_and_gradients(clf, X_CLF, Y_MULTICLASS)[0] == pytest.approx(
        loss_and_gradients(plain, X_CLF, Y_MULTICLASS, sample_weight=as_weights)[0],
        rel=1e-12,
    )
    assert check_gradients(clf, X_CLF, Y_MULTICLASS) < 1e-6


def test_unknown_labels_are_refused():
    clf = _fitted(
        ScratchMLPClassifier((4,), max_iter=2, random_state=0), X_CLF, Y_BINARY
    )
    with pytest.raises(ValueError, match="classes not in"):
        loss_and_gradients(clf, X_CLF, Y_BINARY + 5)


@pytest.mark.parametrize(
    "target, bad_y, message",
    [
        ("poisson", -Y_COUNTS, "negative"),
        ("multilabel", 2 * Y_MULTILABEL, "0/1 indicators"),
        ("multiclass", Y_MULTICLASS + 0.5, "Unknown label type"),
    ],
)
def test_targets_fit_refuses_are_refused(target, bad_y, message):
    # Issue 23: the utilities validate targets through fit's own check, and
    # refuse what fit and partial_fit refuse (a Poisson target below 0 gave
    # a NaN loss, a multilabel target of 0/2 a number).
    cls, params, X, y = TARGETS[target]
    model = _fitted(cls(**params, hidden_layer_sizes=(3,), max_iter=2), X, y)
    for call in (
        lambda: loss_and_gradients(model, X, bad_y),
        lambda: check_gradients(model, X, bad_y),
        lambda: cls(**params, hidden_layer_sizes=(3,), max_iter=2).fit(X, bad_y),
        lambda: model.partial_fit(X, bad_y),
    ):
        with pytest.raises(ValueError, match=message):
            call()
