"""Correctness of the fast path: dtypes, memory, buffers and chunked prediction."""

import threading
import tracemalloc
import warnings

import numpy as np
import pytest
import sklearn
from sklearn.datasets import make_classification, make_regression
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier

from skperceptron import ScratchMLPClassifier, ScratchMLPRegressor

X, Y = make_classification(
    n_samples=400, n_features=20, n_informative=10, n_classes=3, random_state=0
)
X_REG, Y_REG = make_regression(n_samples=300, n_features=10, random_state=0)
Y_REG = Y_REG / Y_REG.std()
SAMPLE_WEIGHT = np.random.RandomState(0).uniform(0.5, 2.0, size=400)

SETTINGS = {
    "adam-relu": dict(solver="adam"),
    "adam-tanh": dict(solver="adam", activation="tanh"),
    "sgd-logistic": dict(solver="sgd", activation="logistic", learning_rate_init=0.1),
    "sgd-nesterov-relu": dict(solver="sgd", learning_rate_init=0.05),
}


def _fit(estimator, X, y, **fit_params):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return estimator.fit(X, y, **fit_params)


def _params(**params):
    return dict(hidden_layer_sizes=(16, 8), max_iter=20, random_state=0) | params


@pytest.mark.parametrize("settings", SETTINGS)
def test_float32_and_float64_fits_agree(settings):
    """The same data and seed give the same model in either precision.

    (Dropout masks are drawn in the network's dtype, so with dropout the two
    precisions see different masks: these settings have none.)
    """
    params = _params(**SETTINGS[settings])
    fit32 = _fit(ScratchMLPClassifier(**params), X.astype(np.float32), Y)
    fit64 = _fit(ScratchMLPClassifier(**params), X, Y)
    assert fit32.coefs_[0].dtype == np.float32
    assert fit64.coefs_[0].dtype == np.float64
    for a, b in zip(fit32.coefs_ + fit32.intercepts_, fit64.coefs_ + fit64.intercepts_):
        np.testing.assert_allclose(a, b, rtol=1e-3, atol=1e-3)
    np.testing.assert_allclose(fit32.loss_curve_, fit64.loss_curve_, rtol=1e-4)
    assert np.mean(fit32.predict(X) == fit64.predict(X)) >= 0.99


def test_float64_fit_matches_sklearn_to_rounding():
    """The fast path keeps scikit-learn's arithmetic: 20 epochs agree to 1e-10."""
    for solver in ("adam", "sgd"):
        params = _params(solver=solver)
        ours = _fit(ScratchMLPClassifier(**params), X, Y, sample_weight=SAMPLE_WEIGHT)
        theirs = _fit(MLPClassifier(**params), X, Y, sample_weight=SAMPLE_WEIGHT)
        for a, b in zip(
            ours.coefs_ + ours.intercepts_, theirs.coefs_ + theirs.intercepts_
        ):
            assert np.abs(a - b).max() < 1e-10


@pytest.mark.parametrize(
    "Estimator, y", [(ScratchMLPClassifier, Y), (ScratchMLPRegressor, None)]
)
def test_float32_input_gives_float32_model_and_outputs(Estimator, y):
    X_train = (X if y is not None else X_REG).astype(np.float32)
    y = Y if y is not None else Y_REG
    model = _fit(Estimator(**_params()), X_train, y)
    assert all(c.dtype == np.float32 for c in model.coefs_ + model.intercepts_)
    if Estimator is ScratchMLPClassifier:
        assert model.predict_proba(X_train).dtype == np.float32
        assert model.predict(X_train).dtype == Y.dtype
    else:
        assert model.predict(X_train).dtype == np.float32


def test_fit_makes_no_copy_of_float32_X():
    """Peak extra memory of a float32 fit stays well below the size of X."""
    X_big, y_big = make_classification(
        n_samples=20000, n_features=200, n_informative=20, random_state=0
    )
    X_big = X_big.astype(np.float32)  # 16 MB
    model = ScratchMLPClassifier(hidden_layer_sizes=(32,), max_iter=1, random_state=0)
    # A first fit imports and compiles the kernels this one runs (numba's,
    # for a fit this size): measured alone, they would count as the fit's.
    _fit(sklearn.clone(model), X_big, y_big)
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
        _fit(model, X_big, y_big)
        peak = tracemalloc.get_traced_memory()[1] - before
    finally:
        tracemalloc.stop()
    assert peak < X_big.nbytes / 2


def test_estimators_do_not_share_buffers_across_threads():
    """Concurrent fits in two threads give exactly the results of serial fits."""
    jobs = [
        (ScratchMLPClassifier(**_params(dropout=0.1)), X.astype(np.float32), Y),
        (ScratchMLPClassifier(**_params(solver="sgd", random_state=1)), X, Y),
    ]
    serial = [_fit(sklearn.clone(model), X_, y_) for model, X_, y_ in jobs]
    barrier = threading.Barrier(len(jobs))

    def work(model, X_, y_):
        barrier.wait()
        model.fit(X_, y_)

    threads = [threading.Thread(target=work, args=job) for job in jobs]
    # Warning filters are process-wide and catch_warnings is not thread-safe:
    # the main thread alone records the threads' warnings, one
    # ConvergenceWarning per 20-epoch fit.
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert [warning.category for warning in caught] == [ConvergenceWarning] * 2
    for (model, _, _), expected in zip(jobs, serial):
        for a, b in zip(
            model.coefs_ + model.intercepts_, expected.coefs_ + expected.intercepts_
        ):
            np.testing.assert_array_equal(a, b)
        assert model.loss_curve_ == expected.loss_curve_


def test_two_estimators_fitted_in_turn_keep_their_own_models():
    """A second estimator's fit leaves the first one's parameters untouched."""
    first = _fit(ScratchMLPClassifier(**_params()), X, Y)
    snapshot = [c.copy() for c in first.coefs_]
    _fit(ScratchMLPClassifier(**_params(random_state=3)), X, Y)
    for a, b in zip(first.coefs_, snapshot):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
# About a hundred bytes give one-row chunks; 2e-3 MiB (2 KiB) chunks of 7 rows
# in float64 and 14 in float32. 397 samples, a prime, always end on a partial
# chunk.
@pytest.mark.parametrize("working_memory", [1e-4, 2e-3], ids=["rows", "several-rows"])
def test_chunked_prediction_equals_unchunked(dtype, working_memory):
    """Predictions in working_memory-sized chunks equal one-shot predictions.

    The labels are exactly equal. Probabilities agree to the last bits only:
    OpenBLAS may sum a product of a few rows in another order than a large one.
    """
    X_test = X[:397].astype(dtype)
    model = _fit(ScratchMLPClassifier(**_params()), X_test, Y[:397])
    whole, labels = model.predict_proba(X_test), model.predict(X_test)
    with sklearn.config_context(working_memory=working_memory):
        chunked = model.predict_proba(X_test)
        chunked_labels = model.predict(X_test)
    np.testing.assert_array_equal(chunked_labels, labels)
    assert chunked.dtype == whole.dtype == dtype
    np.testing.assert_allclose(chunked, whole, rtol=np.finfo(dtype).eps ** 0.75)


def test_shuffle_off_and_weighted_batches_match_sklearn():
    """The unshuffled and weighted gather paths keep scikit-learn's results."""
    params = _params(shuffle=False, batch_size=64)
    ours = _fit(ScratchMLPClassifier(**params), X, Y, sample_weight=SAMPLE_WEIGHT)
    theirs = _fit(MLPClassifier(**params), X, Y, sample_weight=SAMPLE_WEIGHT)
    for a, b in zip(ours.coefs_ + ours.intercepts_, theirs.coefs_ + theirs.intercepts_):
        assert np.abs(a - b).max() < 1e-10
