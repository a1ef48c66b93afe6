"""Equivalences that prove the maths: linear models, and partial_fit against fit."""

import numpy as np
import pytest
from sklearn.datasets import load_iris, make_classification, make_regression
from sklearn.linear_model import (
    LinearRegression,
    LogisticRegression,
    PoissonRegressor,
    Ridge,
)
from sklearn.preprocessing import StandardScaler

from skperceptron import ScratchMLPClassifier, ScratchMLPRegressor
from skperceptron.utils import loss_and_gradients

LBFGS_TIGHT = dict(hidden_layer_sizes=(), solver="lbfgs", tol=1e-12, max_iter=5000)


def _assert_same_optimum(ours, coef, intercept, X, y):
    """The reference's solution is a stationary point of our objective."""
    ours.coefs_ = [np.reshape(coef, ours.coefs_[0].shape)]
    ours.intercepts_ = [np.reshape(intercept, ours.intercepts_[0].shape)]
    _, coef_grads, intercept_grads = loss_and_gradients(ours, X, y)
    assert np.abs(coef_grads[0]).max() < 1e-6
    assert np.abs(intercept_grads[0]).max() < 1e-6


def test_no_hidden_layer_multiclass_is_multinomial_logistic_regression():
    X, y = load_iris(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    alpha = 0.5
    ours = ScratchMLPClassifier(alpha=alpha, random_state=0, **LBFGS_TIGHT).fit(X, y)
    # sum_i loss_i + alpha/2 ||W||^2 == C sum_i loss_i + 1/2 ||W||^2 with C = 1/alpha
    reference = LogisticRegression(C=1 / alpha, tol=1e-12, max_iter=10000).fit(X, y)
    np.testing.assert_allclose(
        ours.predict_proba(X), reference.predict_proba(X), atol=1e-4
    )
    np.testing.assert_array_equal(ours.predict(X), reference.predict(X))
    _assert_same_optimum(ours, reference.coef_.T, reference.intercept_, X, y)


def test_no_hidden_layer_binary_is_logistic_regression():
    X, y = make_classification(n_samples=200, n_features=6, random_state=0)
    alpha = 2.0
    ours = ScratchMLPClassifier(alpha=alpha, random_state=0, **LBFGS_TIGHT).fit(X, y)
    reference = LogisticRegression(C=1 / alpha, tol=1e-12, max_iter=10000).fit(X, y)
    np.testing.assert_allclose(
        ours.coefs_[0].ravel(), reference.coef_.ravel(), atol=1e-4
    )
    np.testing.assert_allclose(ours.intercepts_[0], reference.intercept_, atol=1e-4)
    _assert_same_optimum(ours, reference.coef_.T, reference.intercept_, X, y)


@pytest.mark.parametrize(
    "alpha, reference",
    [(0.0, LinearRegression()), (10.0, Ridge(alpha=10.0))],
    ids=["linear", "ridge"],
)
def test_no_hidden_layer_squared_error_is_least_squares(alpha, reference):
    X, y = make_regression(n_samples=150, n_features=5, noise=5.0, random_state=0)
    y = y / y.std()
    ours = ScratchMLPRegressor(alpha=alpha, random_state=0, **LBFGS_TIGHT).fit(X, y)
    reference.fit(X, y)
    np.testing.assert_allclose(ours.predict(X), reference.predict(X), atol=1e-5)
    _assert_same_optimum(ours, reference.coef_, reference.intercept_, X, y)


def test_no_hidden_layer_poisson_is_poisson_regression():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(300, 4))
    y = rng.poisson(np.exp(X @ [0.3, -0.2, 0.1, 0.0] + 0.5)).astype(float)
    alpha = 3.0
    ours = ScratchMLPRegressor(
        loss="poisson", alpha=alpha, random_state=0, **LBFGS_TIGHT
    ).fit(X, y)
    # Our L2 term is divided by n: alpha / (2 n) ||w||^2 == alpha_glm / 2 ||w||^2.
    reference = PoissonRegressor(alpha=alpha / len(y), tol=1e-12, max_iter=1000)
    reference.fit(X, y)
    np.testing.assert_allclose(ours.predict(X), reference.predict(X), rtol=1e-4)
    _assert_same_optimum(ours, reference.coef_, reference.intercept_, X, y)


@pytest.mark.parametrize("solver", ["adam", "sgd"])
@pytest.mark.parametrize("Estimator", [ScratchMLPClassifier, ScratchMLPRegressor])
def test_repeated_partial_fit_equals_fit(solver, Estimator):
    X, y = make_classification(n_samples=120, n_features=8, random_state=0)
    params = dict(
        hidden_layer_sizes=(10,),
        solver=solver,
        learning_rate="invscaling" if solver == "sgd" else "constant",
        learning_rate_init=0.01,
        shuffle=False,
        batch_size=32,
        random_state=0,
    )
    extra = {"classes": np.unique(y)} if Estimator is ScratchMLPClassifier else {}
    fitted = Estimator(max_iter=7, tol=0, **params)
    with pytest.warns(Warning, match="Maximum iterations"):
        fitted.fit(X, y)
    streamed = Estimator(**params)
    for _ in range(7):
        streamed.partial_fit(X, y, **extra)
    for a, b in zip(
        fitted.coefs_ + fitted.intercepts_, streamed.coefs_ + streamed.intercepts_
    ):
        np.testing.assert_array_equal(a, b)
    assert streamed.t_ == fitted.t_ == 7 * len(y)
