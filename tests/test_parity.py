"""Parity with scikit-learn's MLP: same data, same settings, same results."""

import warnings

import numpy as np
import pytest
from sklearn.datasets import load_digits, make_classification, make_regression
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier, MLPRegressor
from sklearn.preprocessing import StandardScaler

from skperceptron import ScratchMLPClassifier, ScratchMLPRegressor

X_CLF, Y_CLF = make_classification(
    n_samples=300, n_features=10, n_informative=6, n_classes=3, random_state=0
)
X_REG, Y_REG = make_regression(n_samples=300, n_features=8, noise=1.0, random_state=0)
Y_REG = Y_REG / Y_REG.std()
SAMPLE_WEIGHT = np.random.RandomState(0).uniform(0.5, 2.0, size=300)

STOCHASTIC_SETTINGS = {
    "adam": dict(solver="adam"),
    "sgd-nesterov": dict(solver="sgd", learning_rate_init=0.05),
    "sgd-momentum": dict(
        solver="sgd", nesterovs_momentum=False, learning_rate_init=0.05
    ),
    "sgd-invscaling": dict(solver="sgd", learning_rate="invscaling", power_t=0.3),
    "sgd-adaptive": dict(solver="sgd", learning_rate="adaptive", tol=0.5),
    "adam-early-stopping": dict(solver="adam", early_stopping=True, tol=0.1),
    "adam-logistic-batch": dict(solver="adam", activation="logistic", batch_size=64),
}


def _pair(ours, theirs, X, y, **fit_params):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return ours.fit(X, y, **fit_params), theirs.fit(X, y, **fit_params)


def _assert_same_model(ours, theirs, rtol):
    assert ours.n_iter_ == theirs.n_iter_
    for a, b in zip(ours.coefs_ + ours.intercepts_, theirs.coefs_ + theirs.intercepts_):
        np.testing.assert_allclose(a, b, rtol=rtol, atol=rtol)


@pytest.mark.parametrize("settings", STOCHASTIC_SETTINGS)
@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
def test_stochastic_classifier_reproduces_sklearn(settings, weighted):
    params = dict(hidden_layer_sizes=(12, 7), max_iter=15, random_state=0)
    params.update(STOCHASTIC_SETTINGS[settings])
    y = Y_CLF if "early" not in settings else (Y_CLF == 1)  # sklearn stratifies binary
    fit_params = {"sample_weight": SAMPLE_WEIGHT} if weighted else {}
    ours, theirs = _pair(
        ScratchMLPClassifier(**params), MLPClassifier(**params), X_CLF, y, **fit_params
    )
    _assert_same_model(ours, theirs, rtol=1e-9)
    np.testing.assert_allclose(ours.loss_curve_, theirs.loss_curve_, rtol=1e-10)
    if ours.early_stopping:
        np.testing.assert_allclose(ours.validation_scores_, theirs.validation_scores_)


@pytest.mark.parametrize("settings", ["adam", "sgd-nesterov", "sgd-invscaling"])
def test_stochastic_regressor_reproduces_sklearn(settings):
    params = dict(hidden_layer_sizes=(9,), max_iter=15, random_state=0)
    params.update(STOCHASTIC_SETTINGS[settings])
    ours, theirs = _pair(
        ScratchMLPRegressor(**params), MLPRegressor(**params), X_REG, Y_REG
    )
    _assert_same_model(ours, theirs, rtol=1e-9)


@pytest.mark.parametrize(
    "Ours, Theirs, y",
    [
        (ScratchMLPClassifier, MLPClassifier, Y_CLF),
        (ScratchMLPRegressor, MLPRegressor, Y_REG),
    ],
    ids=["classifier", "regressor"],
)
def test_lbfgs_reproduces_sklearn(Ours, Theirs, y):
    X = X_CLF if Ours is ScratchMLPClassifier else X_REG
    params = dict(hidden_layer_sizes=(8,), solver="lbfgs", max_iter=30, random_state=0)
    ours, theirs = _pair(Ours(**params), Theirs(**params), X, y)
    _assert_same_model(ours, theirs, rtol=1e-6)
    assert ours.loss_ == pytest.approx(theirs.loss_, rel=1e-8)


def test_float32_input_reproduces_sklearn_float32():
    params = dict(hidden_layer_sizes=(12,), max_iter=10, random_state=0)
    X = X_CLF.astype(np.float32)
    ours, theirs = _pair(
        ScratchMLPClassifier(**params), MLPClassifier(**params), X, Y_CLF
    )
    assert ours.coefs_[0].dtype == theirs.coefs_[0].dtype == np.float32
    _assert_same_model(ours, theirs, rtol=1e-4)


def test_digits_accuracy_parity_with_the_defaults():
    X, y = load_digits(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)
    scaler = StandardScaler().fit(X_train)
    X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)
    params = dict(hidden_layer_sizes=(50,), max_iter=60, random_state=1)
    ours, theirs = _pair(
        ScratchMLPClassifier(**params), MLPClassifier(**params), X_train, y_train
    )
    assert ours.score(X_test, y_test) >= 0.95
    assert abs(ours.score(X_test, y_test) - theirs.score(X_test, y_test)) <= 0.01


@pytest.mark.parametrize("settings", ["adam", "sgd-nesterov", "lbfgs"])
@pytest.mark.parametrize(
    "Ours, Theirs, X, y",
    [
        (ScratchMLPClassifier, MLPClassifier, X_CLF, Y_CLF),
        (ScratchMLPRegressor, MLPRegressor, X_REG, Y_REG),
    ],
    ids=["classifier", "regressor"],
)
def test_warm_start_continues_from_the_fitted_weights(settings, Ours, Theirs, X, y):
    """One more epoch with warm_start barely moves a trained model, as in sklearn.

    A warm fit that drew new weights would be a one-epoch model: its loss and
    weights would be as far from the trained ones as a fresh one-epoch fit's.
    """
    params = dict(hidden_layer_sizes=(12,), max_iter=30, random_state=0)
    params.update(STOCHASTIC_SETTINGS.get(settings, dict(solver="lbfgs")))
    ours, theirs = _pair(Ours(**params), Theirs(**params), X, y)
    trained = [p.copy() for p in ours.coefs_ + ours.intercepts_], ours.loss_
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        fresh = Ours(**params | dict(max_iter=1)).fit(X, y)
    for model in (ours, theirs):
        model.set_params(warm_start=True, max_iter=1)
    ours, theirs = _pair(ours, theirs, X, y)
    _assert_same_model(ours, theirs, rtol=1e-8)
    assert ours.loss_ == pytest.approx(theirs.loss_, rel=1e-8)
    if settings != "lbfgs":
        np.testing.assert_allclose(ours.loss_curve_, theirs.loss_curve_, rtol=1e-10)
        assert len(ours.loss_curve_) == params["max_iter"] + 1

    def distance(model):
        pairs = zip(model.coefs_ + model.intercepts_, trained[0])
        return max(np.abs(a - b).max() for a, b in pairs)

    assert abs(ours.loss_ - trained[1]) < 0.2 * abs(fresh.loss_ - trained[1])
    assert distance(ours) < 0.2 * distance(fresh)


@pytest.mark.parametrize("random_state", [0, 3])
def test_early_stopping_with_tol_zero_counts_ties_as_scikit_learn_does(random_state):
    # Issue 23: at tol=0 a validation accuracy equal to the best so far is an
    # improvement for the stopping count (not below best + tol), and ties are
    # frequent on a small validation set: n_iter_ shows the rule.
    X, y = make_classification(n_samples=120, n_features=6, random_state=0)
    params = dict(
        hidden_layer_sizes=(8,),
        early_stopping=True,
        tol=0.0,
        n_iter_no_change=2,
        validation_fraction=0.2,
        random_state=random_state,
    )
    ours, theirs = _pair(ScratchMLPClassifier(**params), MLPClassifier(**params), X, y)
    assert np.sum(np.diff(theirs.validation_scores_) == 0) > 10
    assert ours.validation_scores_ == theirs.validation_scores_
    _assert_same_model(ours, theirs, rtol=1e-9)


@pytest.mark.parametrize(
    "Ours, Theirs, y",
    [
        (ScratchMLPClassifier, MLPClassifier, Y_CLF),
        (ScratchMLPRegressor, MLPRegressor, Y_REG),
    ],
)
def test_float64_model_predicts_float32_input_in_float64(Ours, Theirs, y):
    # Issue 23: X is promoted to the model's precision, as in scikit-learn:
    # the dtype and the values of the predictions are scikit-learn's.
    params = dict(hidden_layer_sizes=(12,), max_iter=20, random_state=0)
    ours, theirs = _pair(Ours(**params), Theirs(**params), X_CLF, y)
    X32 = X_CLF.astype(np.float32)
    methods = (
        ["predict", "predict_proba"] if Ours is ScratchMLPClassifier else ["predict"]
    )
    for method in methods:
        expected = getattr(theirs, method)(X32)
        got = getattr(ours, method)(X32)
        assert got.dtype == expected.dtype
        np.testing.assert_allclose(got, expected, rtol=1e-9, atol=1e-12)
