"""Reliability: bad input, diverging fits, threads, chunked prediction, determinism.

A user's pipeline must never get a silent wrong answer or a half-broken model:
every fault here either raises a clear error naming the problem, leaving a
fitted estimator exactly as it was, or keeps only finite parameters.
"""

import pickle
import tracemalloc
import warnings
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
from sklearn import config_context
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.neural_network import MLPClassifier, MLPRegressor
from sklearn.utils._param_validation import InvalidParameterError

from skperceptron import ScratchMLPClassifier, ScratchMLPRegressor
from skperceptron._losses import LOSS_FOR_OUTPUT
from skperceptron._network import Network, Workspace
from skperceptron._prediction import MAX_CHUNK_BYTES as _MAX_CHUNK_BYTES
from skperceptron._training import NON_FINITE_MESSAGE as _NON_FINITE_MESSAGE

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

RNG = np.random.RandomState(0)
X = RNG.randn(60, 3)
Y_CLF = (X[:, 0] + X[:, 1] > 0).astype(int)
Y_REG = X @ np.array([1.0, -2.0, 0.5])

# Overflow in a diverging fit is what these tests provoke; before the
# parameters overflow, so may the early-stopping validation score.
numpy_overflow = pytest.mark.filterwarnings(
    "ignore::RuntimeWarning", "ignore:The early-stopping validation score"
)

SKLEARN_TWIN = {ScratchMLPClassifier: MLPClassifier, ScratchMLPRegressor: MLPRegressor}


def _fit_quietly(estimator, X, y):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return estimator.fit(X, y)


DIVERGED = "^" + _NON_FINITE_MESSAGE.replace(".", r"\.") + "$"


def forward_pass(X, coefs, intercepts, activation, out_activation):
    """One unchunked forward pass through the core, as prediction runs it."""
    network = Network.from_parameters(
        coefs, intercepts, activation, LOSS_FOR_OUTPUT[out_activation], X.dtype
    )
    return network.forward(X, Workspace(network, X.shape[0], backward=False))


def _with(X, row, column, value):
    X = X.copy()
    X[row, column] = value
    return X


def _model_state(est):
    """Everything a fitted estimator's behaviour depends on, copied."""
    return {
        "coefs": [c.copy() for c in est.coefs_ + est.intercepts_],
        "keys": sorted(est.__dict__),
        "n_iter": est.n_iter_,
        "t": getattr(est, "t_", None),
        "loss_curve": list(getattr(est, "loss_curve_", [])),
        "predict": est.predict(X),
    }


def _assert_same_state(before, after):
    assert after["keys"] == before["keys"]
    assert after["n_iter"] == before["n_iter"]
    assert after["t"] == before["t"]
    assert after["loss_curve"] == before["loss_curve"]
    for a, b in zip(before["coefs"], after["coefs"], strict=True):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(before["predict"], after["predict"])


def _all_finite(est):
    return all(np.isfinite(a).all() for a in est.coefs_ + est.intercepts_)


# ------------------------------------------------------------------ bad input
NAN_MESSAGE = "Input X contains NaN"
INF_MESSAGE = r"Input X contains infinity or a value too large for dtype\('float64'\)"

BAD_FIT_INPUT = {
    "nan-X": (ScratchMLPClassifier, _with(X, 0, 0, np.nan), Y_CLF, NAN_MESSAGE),
    "inf-X": (ScratchMLPRegressor, _with(X, 3, 1, np.inf), Y_REG, INF_MESSAGE),
    "-inf-X": (ScratchMLPClassifier, _with(X, 3, 1, -np.inf), Y_CLF, INF_MESSAGE),
    "nan-y": (
        ScratchMLPRegressor,
        X,
        np.where(np.arange(60) == 5, np.nan, Y_REG),
        "Input y contains NaN",
    ),
    "inf-y": (
        ScratchMLPRegressor,
        X,
        np.where(np.arange(60) == 5, np.inf, Y_REG),
        "Input y contains infinity or a value too large",
    ),
    "string-X": (
        ScratchMLPClassifier,
        [["a", "b"], ["c", "d"]],
        [0, 1],
        "could not convert string to float: 'a'",
    ),
    "object-X": (
        ScratchMLPRegressor,
        np.array([[1.0, "x"], [2.0, "y"]], dtype=object),
        [0.0, 1.0],
        "could not convert string to float: 'x'",
    ),
    "complex-X": (ScratchMLPRegressor, X + 1j, Y_REG, "Complex data not supported"),
    "empty-X": (
        ScratchMLPClassifier,
        np.empty((0, 3)),
        np.empty(0, dtype=int),
        r"Found array with 0 sample\(s\) \(shape=\(0, 3\)\) while a minimum of 1 is "
        "required by ScratchMLPClassifier",
    ),
    "no-features": (
        ScratchMLPRegressor,
        np.empty((5, 0)),
        np.zeros(5),
        r"Found array with 0 feature\(s\) \(shape=\(5, 0\)\) while a minimum of 1 is "
        "required by ScratchMLPRegressor",
    ),
    "3d-X": (
        ScratchMLPClassifier,
        np.zeros((4, 2, 2)),
        [0, 1, 0, 1],
        "Found array with dim 3, while dim <= 2 is required by ScratchMLPClassifier",
    ),
    "1d-X": (
        ScratchMLPRegressor,
        np.zeros(4),
        np.zeros(4),
        "Expected 2D array, got 1D array instead",
    ),
    "inconsistent-lengths": (
        ScratchMLPClassifier,
        X,
        Y_CLF[:10],
        r"Found input variables with inconsistent numbers of samples: \[60, 10\]",
    ),
    "continuous-y-classifier": (
        ScratchMLPClassifier,
        X,
        Y_REG,
        "Unknown label type: continuous. Maybe you are trying to fit a classifier",
    ),
}


@pytest.mark.parametrize("case", BAD_FIT_INPUT)
def test_bad_fit_input_raises_a_clear_error(case):
    Estimator, X_bad, y_bad, message = BAD_FIT_INPUT[case]
    with pytest.raises(ValueError, match=message):
        Estimator(max_iter=2).fit(X_bad, y_bad)


BAD_PREDICT_INPUT = {
    "nan": (_with(X, 0, 0, np.nan), NAN_MESSAGE),
    "inf": (_with(X, 0, 2, np.inf), INF_MESSAGE),
    "too-few-features": (
        X[:, :2],
        "X has 2 features, but ScratchMLPClassifier is expecting 3 features as input",
    ),
    "too-many-features": (
        np.zeros((4, 5)),
        "X has 5 features, but ScratchMLPClassifier is expecting 3 features as input",
    ),
    "empty": (np.empty((0, 3)), r"Found array with 0 sample\(s\)"),
    "3d": (np.zeros((2, 3, 1)), "Found array with dim 3"),
    "strings": ([["a", "b", "c"]], "dtype='numeric' is not compatible with arrays"),
}


@pytest.mark.parametrize("method", ["predict", "predict_proba", "predict_log_proba"])
@pytest.mark.parametrize("case", BAD_PREDICT_INPUT)
def test_bad_predict_input_raises_a_clear_error(case, method):
    clf = ScratchMLPClassifier(hidden_layer_sizes=(5,), max_iter=3, random_state=0)
    clf.fit(X, Y_CLF)
    X_bad, message = BAD_PREDICT_INPUT[case]
    with pytest.raises(ValueError, match=message):
        getattr(clf, method)(X_bad)


def _narrow_classifier(n_features=12):
    """A classifier whose first layer (2 units) is narrower than its input."""
    X_wide = RNG.randn(60, n_features)
    clf = ScratchMLPClassifier(hidden_layer_sizes=(2,), max_iter=3, random_state=0)
    return clf.fit(X_wide, np.arange(60) % 3), X_wide


@pytest.mark.parametrize("method", ["predict", "predict_proba"])
@pytest.mark.parametrize(
    "value, weights, message",
    [
        (np.nan, [0.5, 1.0], NAN_MESSAGE),
        # inf * 0 is NaN, not inf: still not finite.
        (np.inf, [0.0, 1.0], INF_MESSAGE),
        # Both products -inf, which the ReLU turns into a finite 0: checking
        # the output instead of the first product would miss it.
        (-np.inf, [0.5, 1.0], INF_MESSAGE),
    ],
    ids=["nan", "inf-times-zero", "-inf-through-relu"],
)
def test_non_finite_input_is_caught_through_a_narrow_first_layer(
    value, weights, message, method
):
    clf, X_wide = _narrow_classifier()
    clf.coefs_[0][5] = weights
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the error alone, no RuntimeWarning first
        with pytest.raises(ValueError, match=message):
            getattr(clf, method)(_with(X_wide, 7, 5, value))


def test_non_finite_input_in_a_late_chunk_is_caught():
    clf, _ = _narrow_classifier()
    X_big = _with(np.random.RandomState(1).randn(30000, 12), 29999, 11, np.nan)
    with config_context(working_memory=1), pytest.raises(ValueError, match=NAN_MESSAGE):
        clf.predict(X_big)


@pytest.mark.parametrize("cause", ["huge-input", "infinite-weight", "nan-weight"])
def test_predict_is_the_argmax_of_predict_proba_even_when_it_is_not_finite(cause):
    # Non-finite logits give NaN probabilities, whose argmax is the first
    # class: predict, which skips the softmax, must say the same.
    clf, X_wide = _narrow_classifier()
    if cause == "huge-input":
        X_wide = np.clip(X_wide, -1, 1) * 1.7e308
    else:
        clf.coefs_[1][0, 1:] = np.inf if cause == "infinite-weight" else np.nan
        clf.coefs_[1][0, 0] = -np.inf if cause == "infinite-weight" else 1.0
    with np.errstate(all="ignore"):
        proba = clf.predict_proba(X_wide)
        labels = clf.predict(X_wide)
    assert not np.isfinite(proba).all()
    np.testing.assert_array_equal(labels, clf.classes_[proba.argmax(axis=1)])


def test_finite_input_whose_product_overflows_is_not_an_error():
    # Validation accepts any finite X; an overflow in the network is the
    # model's answer (as scikit-learn's MLP gives it), not bad input.
    clf, X_wide = _narrow_classifier()
    # Rows of +huge overflow to NaN probabilities, rows of -huge stay finite.
    X_huge = np.full((4, 12), np.finfo(np.float64).max / 2) * [[1], [-1], [1], [-1]]
    theirs = MLPClassifier(hidden_layer_sizes=(2,), max_iter=3, random_state=0)
    _fit_quietly(theirs, X_wide, np.arange(60) % 3)
    theirs.coefs_, theirs.intercepts_ = clf.coefs_, clf.intercepts_
    with np.errstate(all="ignore"):
        proba, expected_proba = clf.predict_proba(X_huge), theirs.predict_proba(X_huge)
        labels, expected_labels = clf.predict(X_huge), theirs.predict(X_huge)
    assert np.isnan(proba[::2]).all() and np.isfinite(proba[1::2]).all()
    np.testing.assert_allclose(proba, expected_proba, rtol=1e-12)  # NaN where NaN
    np.testing.assert_array_equal(labels, expected_labels)


def test_predict_before_fit_raises_not_fitted():
    with pytest.raises(NotFittedError, match="This ScratchMLPRegressor instance is"):
        ScratchMLPRegressor().predict(X)


@pytest.mark.parametrize("Estimator", [ScratchMLPClassifier, ScratchMLPRegressor])
def test_a_single_sample_fits_without_early_stopping(Estimator):
    y = Y_CLF[:1] if Estimator is ScratchMLPClassifier else Y_REG[:1]
    params = dict(hidden_layer_sizes=(4,), max_iter=3, random_state=0)
    est = Estimator(**params).fit(X[:1], y)
    # One sample is one batch of one: scikit-learn's MLP takes the same steps.
    theirs = _fit_quietly(SKLEARN_TWIN[Estimator](**params), X[:1], y)
    np.testing.assert_allclose(est.loss_curve_, theirs.loss_curve_, rtol=1e-12)
    assert est.loss_curve_[-1] < est.loss_curve_[0]
    for a, b in zip(est.coefs_ + est.intercepts_, theirs.coefs_ + theirs.intercepts_):
        np.testing.assert_allclose(a, b, rtol=1e-12)
    np.testing.assert_allclose(est.predict(X[:2]), theirs.predict(X[:2]), rtol=1e-12)


EARLY_STOPPING_TOO_SMALL = {
    "one-sample-regressor": (
        ScratchMLPRegressor,
        X[:1],
        Y_REG[:1],
        {},
        "The validation set is too small. Increase 'validation_fraction' or the "
        "size of your dataset.",
    ),
    "validation-of-one-regressor": (
        ScratchMLPRegressor,
        X[:5],
        Y_REG[:5],
        {},
        "The validation set is too small",
    ),
    "one-sample-classifier": (
        ScratchMLPClassifier,
        X[:1],
        Y_CLF[:1],
        {},
        "The validation set is too small",
    ),
}


@pytest.mark.parametrize("case", EARLY_STOPPING_TOO_SMALL)
def test_early_stopping_needs_enough_samples_to_split(case):
    Estimator, X_few, y_few, params, message = EARLY_STOPPING_TOO_SMALL[case]
    est = Estimator(early_stopping=True, max_iter=3, **params)
    with pytest.raises(ValueError, match=message):
        est.fit(X_few, y_few)
    assert not hasattr(est, "coefs_")  # no half-fitted model left behind


@pytest.mark.parametrize(
    "y_offset, classes, message",
    [
        (
            5,
            None,
            r"`y` has classes not in `self.classes_`. `self.classes_` has \[0 1\]. "
            r"'y' has \[5 6\].",
        ),
        (
            0,
            [0, 1, 2],
            r"`classes=\[0, 1, 2\]` is not the same as on last call to "
            r"partial_fit, was: array\(\[0, 1\]\)",
        ),
    ],
    ids=["labels outside classes", "changed classes"],
)
def test_partial_fit_rejects_labels_or_classes_unlike_the_first_call(
    y_offset, classes, message
):
    clf = ScratchMLPClassifier(random_state=0).partial_fit(X, Y_CLF, classes=[0, 1])
    with pytest.raises(ValueError, match=message):
        clf.partial_fit(X, Y_CLF + y_offset, classes=classes)


def test_first_partial_fit_needs_classes():
    with pytest.raises(
        ValueError, match="classes must be passed on the first call to partial_fit"
    ):
        ScratchMLPClassifier().partial_fit(X, Y_CLF)


def test_partial_fit_does_not_support_early_stopping():
    reg = ScratchMLPRegressor(early_stopping=True)
    with pytest.raises(
        ValueError, match="partial_fit does not support early_stopping=True"
    ):
        reg.partial_fit(X, Y_REG)


def test_partial_fit_is_unavailable_for_lbfgs():
    reg = ScratchMLPRegressor(solver="lbfgs")
    assert not hasattr(reg, "partial_fit")
    with pytest.raises(AttributeError, match="has no attribute 'partial_fit'") as info:
        reg.partial_fit(X, Y_REG)
    assert str(info.value.__cause__) == (
        "partial_fit is only available for stochastic optimizers. lbfgs is not "
        "stochastic."
    )


def test_warm_start_with_a_changed_architecture():
    clf = ScratchMLPClassifier(
        hidden_layer_sizes=(4,), warm_start=True, max_iter=3, random_state=0
    ).fit(X, Y_CLF)
    clf.set_params(hidden_layer_sizes=(7,))
    with pytest.raises(
        ValueError,
        match=r"warm_start and partial_fit need the architecture of the fitted "
        r"network: layer sizes \[3, 4, 1\], but the data and hidden_layer_sizes "
        r"give \[3, 7, 1\]. Set warm_start=False",
    ):
        clf.fit(X, Y_CLF)


def test_warm_start_with_changed_classes():
    clf = ScratchMLPClassifier(warm_start=True, max_iter=3, random_state=0)
    clf.fit(X, Y_CLF)
    with pytest.raises(
        ValueError,
        match=r"warm_start can only be used where `y` has the same classes as in "
        r"the previous call to fit. Previously got \[0 1\], `y` has \[0 2\]",
    ):
        clf.fit(X, Y_CLF * 2)


INVALID_PARAMETERS = {
    "dropout=1.0": (
        ScratchMLPClassifier,
        {"dropout": 1.0},
        InvalidParameterError,
        r"The 'dropout' parameter of ScratchMLPClassifier must be a float in the "
        r"range \[0.0, 1.0\) or an array-like. Got 1.0 instead.",
    ),
    "dropout=-0.1": (
        ScratchMLPRegressor,
        {"dropout": -0.1},
        InvalidParameterError,
        r"The 'dropout' parameter of ScratchMLPRegressor must be a float in the "
        r"range \[0.0, 1.0\)",
    ),
    "dropout-one-rate-for-two-layers": (
        ScratchMLPClassifier,
        {"dropout": [0.1], "hidden_layer_sizes": (3, 3)},
        ValueError,
        r"dropout must be a float in \[0, 1\) or hold one rate in \[0, 1\) per "
        r"hidden layer \(2\), got \[0.1\].",
    ),
    "dropout-rate-of-one-in-list": (
        ScratchMLPRegressor,
        {"dropout": [0.5, 1.0], "hidden_layer_sizes": (3, 3)},
        ValueError,
        r"dropout must be a float in \[0, 1\) or hold one rate in \[0, 1\) per "
        r"hidden layer \(2\), got \[0.5, 1.0\].",
    ),
    "dropout-nested-list": (
        ScratchMLPClassifier,
        {"dropout": [[0.1]], "hidden_layer_sizes": (3,)},
        ValueError,
        r"dropout must be a float in \[0, 1\) or hold one rate in \[0, 1\) per "
        r"hidden layer \(1\), got \[\[0.1\]\].",
    ),
    "dropout-non-numeric-rate": (
        ScratchMLPRegressor,
        {"dropout": ["half"], "hidden_layer_sizes": (3,)},
        ValueError,
        r"dropout must be a float in \[0, 1\) or hold one rate in \[0, 1\) per "
        r"hidden layer \(1\), got \['half'\].",
    ),
    "dropout-with-lbfgs": (
        ScratchMLPClassifier,
        {"dropout": 0.5, "solver": "lbfgs"},
        ValueError,
        "dropout is not supported with solver='lbfgs'",
    ),
    "class_weight=bogus": (
        ScratchMLPClassifier,
        {"class_weight": "bogus"},
        InvalidParameterError,
        r"The 'class_weight' parameter of ScratchMLPClassifier must be an instance "
        r"of 'dict', an instance of 'list', a str among \{'balanced'\} or None. "
        r"Got 'bogus' instead.",
    ),
    "class_weight-missing-class": (
        ScratchMLPClassifier,
        {"class_weight": {0: 1.0, 5: 2.0}},
        ValueError,
        r"The classes, \[1\], are not in class_weight",
    ),
    "hidden_layer_sizes=(0,)": (
        ScratchMLPClassifier,
        {"hidden_layer_sizes": (0,)},
        ValueError,
        r"^hidden_layer_sizes must be > 0, got \[0\].$",
    ),
    "hidden_layer_sizes=(2.5,)": (
        ScratchMLPRegressor,
        {"hidden_layer_sizes": (2.5,)},
        TypeError,
        r"hidden_layer_sizes must hold integers, got \[2.5\].",
    ),
    "hidden_layer_sizes=(3, None)": (
        ScratchMLPRegressor,
        {"hidden_layer_sizes": (3, None)},
        TypeError,
        r"hidden_layer_sizes must hold integers, got \[3, None\].",
    ),
    "hidden_layer_sizes=0": (
        ScratchMLPClassifier,
        {"hidden_layer_sizes": 0},
        InvalidParameterError,
        r"The 'hidden_layer_sizes' parameter of ScratchMLPClassifier must be an "
        r"array-like or an int in the range \[1, inf\). Got 0 instead.",
    ),
    "activation=softmax": (
        ScratchMLPClassifier,
        {"activation": "softmax"},
        InvalidParameterError,
        "The 'activation' parameter of ScratchMLPClassifier must be a str among",
    ),
    "solver=newton": (
        ScratchMLPRegressor,
        {"solver": "newton"},
        InvalidParameterError,
        "The 'solver' parameter of ScratchMLPRegressor must be a str among",
    ),
    "learning_rate_init=0": (
        ScratchMLPRegressor,
        {"learning_rate_init": 0},
        InvalidParameterError,
        r"The 'learning_rate_init' parameter of ScratchMLPRegressor must be a float "
        r"in the range \(0.0, inf\). Got 0 instead.",
    ),
    "validation_fraction=1.0": (
        ScratchMLPClassifier,
        {"validation_fraction": 1.0, "early_stopping": True},
        InvalidParameterError,
        r"The 'validation_fraction' parameter of ScratchMLPClassifier must be a "
        r"float in the range \[0.0, 1.0\). Got 1.0 instead.",
    ),
    "loss=bogus": (
        ScratchMLPRegressor,
        {"loss": "bogus"},
        InvalidParameterError,
        r"The 'loss' parameter of ScratchMLPRegressor must be a str among",
    ),
}


@pytest.mark.parametrize("case", INVALID_PARAMETERS)
def test_invalid_parameters_name_the_parameter(case):
    Estimator, params, error, message = INVALID_PARAMETERS[case]
    y = Y_CLF if Estimator is ScratchMLPClassifier else Y_REG
    assert issubclass(error, (ValueError, TypeError))
    with pytest.raises(error, match=message):
        Estimator(max_iter=2, **params).fit(X, y)


def test_poisson_loss_rejects_negative_targets():
    with pytest.raises(
        ValueError,
        match=r"Some value\(s\) of y are negative which is not allowed for Poisson "
        r"regression \(loss='poisson'\).",
    ):
        ScratchMLPRegressor(loss="poisson", max_iter=2).fit(X, Y_REG)


# A fault injected into a call on a fitted estimator: (method, estimator
# parameters set before the call, call arguments, expected message).
FAULTS_ON_A_FITTED_MODEL = {
    "nan-X": ("fit", {}, (_with(X, 0, 0, np.nan), Y_CLF), NAN_MESSAGE),
    "warm-start-nan-X": (
        "fit",
        {"warm_start": True},
        (_with(X, 0, 0, np.nan), Y_CLF),
        NAN_MESSAGE,
    ),
    "warm-start-fewer-features": (
        "fit",
        {"warm_start": True},
        (X[:, :2], Y_CLF),
        "X has 2 features",
    ),
    "warm-start-new-architecture": (
        "fit",
        {"warm_start": True, "hidden_layer_sizes": (9,)},
        (X, Y_CLF),
        "warm_start and partial_fit need the architecture",
    ),
    "warm-start-new-classes": (
        "fit",
        {"warm_start": True},
        (X, Y_CLF + 1),
        "warm_start can only be used where `y` has the same classes",
    ),
    "refit-early-stopping-too-few-samples": (
        "fit",
        {"early_stopping": True},
        (X[:3], Y_CLF[:3]),
        "The validation set is too small",
    ),
    "warm-start-changed-architecture": (
        "fit",
        {"warm_start": True, "hidden_layer_sizes": (3,)},
        (X, Y_CLF),
        "warm_start and partial_fit need the architecture of the fitted network",
    ),
    "refit-dropout-with-lbfgs": (
        "fit",
        {"dropout": 0.3, "solver": "lbfgs"},
        (X, Y_CLF),
        "dropout is not supported with solver='lbfgs'",
    ),
    "refit-bad-hidden-layer-sizes": (
        "fit",
        {"hidden_layer_sizes": (4, 0)},
        (X, Y_CLF),
        "hidden_layer_sizes must be > 0",
    ),
    "refit-wrong-sample-weight": (
        "fit",
        {},
        (X, Y_CLF, np.ones(7)),
        r"sample_weight.shape == \(7,\), expected \(60,\)!",
    ),
    "partial-fit-unknown-label": (
        "partial_fit",
        {},
        (X, Y_CLF + 5),
        "`y` has classes not in `self.classes_`",
    ),
    "partial-fit-changed-classes": (
        "partial_fit",
        {},
        (X, Y_CLF, None, [0, 1, 2]),
        "is not the same as on last call to partial_fit",
    ),
    "partial-fit-fewer-features": (
        "partial_fit",
        {},
        (X[:, 1:], Y_CLF),
        "X has 2 features",
    ),
    "partial-fit-cosine": (
        "partial_fit",
        {"learning_rate": "cosine"},
        (X, Y_CLF),
        "partial_fit does not support learning_rate='cosine'",
    ),
}


@pytest.mark.parametrize("case", FAULTS_ON_A_FITTED_MODEL)
def test_a_failed_call_leaves_a_fitted_model_as_it_was(case):
    method, params, args, message = FAULTS_ON_A_FITTED_MODEL[case]
    clf = ScratchMLPClassifier(hidden_layer_sizes=(4,), max_iter=5, random_state=0)
    if method == "partial_fit":
        clf.partial_fit(X, Y_CLF, classes=[0, 1])
    else:
        clf.fit(X, Y_CLF)
    before = _model_state(clf)
    clf.set_params(**params)
    with pytest.raises(ValueError, match=message):
        getattr(clf, method)(*args)
    _assert_same_state(before, _model_state(clf))
    # Still usable for what the failed call tried, with valid input.
    clf.set_params(
        hidden_layer_sizes=(4,), solver="adam", dropout=0.0, learning_rate="constant"
    )
    if method == "partial_fit":
        clf.partial_fit(X, Y_CLF)
    else:
        clf.set_params(early_stopping=False).fit(X, Y_CLF)
    assert clf.score(X, Y_CLF) > 0.5


def test_a_failed_poisson_fit_leaves_a_fitted_regressor_as_it_was():
    reg = ScratchMLPRegressor(loss="poisson", hidden_layer_sizes=(4,), max_iter=5)
    reg.set_params(random_state=0).fit(X, np.abs(Y_REG))
    before = _model_state(reg)
    with pytest.raises(ValueError, match="Some value\\(s\\) of y are negative"):
        reg.fit(X, Y_REG)
    _assert_same_state(before, _model_state(reg))


# ----------------------------------------------------------------- divergence
DIVERGING_FITS = {
    "sgd-huge-learning-rate": (
        ScratchMLPRegressor,
        {"solver": "sgd", "learning_rate_init": 1e6},
        1e6,
        "regression",
    ),
    "sgd-classifier-float32": (
        ScratchMLPClassifier,
        {"solver": "sgd", "learning_rate_init": 1e6},
        1e6,
        "classification-float32",
    ),
    "sgd-early-stopping": (
        ScratchMLPRegressor,
        {"solver": "sgd", "learning_rate_init": 1e6, "early_stopping": True},
        1e6,
        "regression",
    ),
    "adam-huge-inputs": (ScratchMLPRegressor, {"solver": "adam"}, 1e200, "regression"),
    "adam-dropout-huge-inputs": (
        ScratchMLPRegressor,
        {"solver": "adam", "dropout": 0.2},
        1e200,
        "regression",
    ),
    "lbfgs-huge-inputs": (
        ScratchMLPRegressor,
        {"solver": "lbfgs"},
        1e150,
        "regression",
    ),
    "lbfgs-classifier-huge-inputs": (
        ScratchMLPClassifier,
        {"solver": "lbfgs"},
        1e300,
        "classification",
    ),
}


@numpy_overflow
@pytest.mark.parametrize("case", DIVERGING_FITS)
def test_a_diverging_fit_raises_and_keeps_finite_parameters(case):
    Estimator, params, scale, task = DIVERGING_FITS[case]
    y = Y_CLF if task.startswith("classification") else Y_REG
    X_huge = (X * scale).astype(np.float32 if task.endswith("float32") else float)
    est = Estimator(hidden_layer_sizes=(8,), max_iter=5, random_state=0, **params)
    message = DIVERGED if "lbfgs" not in case else "^lbfgs stopped"
    with pytest.raises(ValueError, match=message):
        est.fit(X_huge, y)
    # The last finite parameters are kept: finite, though possibly so large
    # that predictions overflow.
    assert _all_finite(est)
    assert est.coefs_[0].dtype == X_huge.dtype


# A diverging call on a fitted regressor: (parameters for it, whether it is
# partial_fit, the scale of its X).
DIVERGING_CALLS = {
    "refit-sgd": ({"solver": "sgd", "learning_rate_init": 1e6}, False, 1e6),
    "refit-adam": ({"solver": "adam"}, False, 1e200),
    "refit-lbfgs": ({"solver": "lbfgs"}, False, 1e150),
    "warm-start-sgd": (
        {"solver": "sgd", "warm_start": True, "learning_rate_init": 1e6},
        False,
        1e6,
    ),
    "warm-start-adam": ({"solver": "adam", "warm_start": True}, False, 1e200),
    "partial-fit-sgd": ({"solver": "sgd"}, True, 1e200),
    "partial-fit-adam": ({"solver": "adam"}, True, 1e200),
}


@numpy_overflow
@pytest.mark.parametrize("case", DIVERGING_CALLS)
def test_a_diverging_call_leaves_a_fitted_model_as_it_was(case):
    params, partial, scale = DIVERGING_CALLS[case]
    reg = ScratchMLPRegressor(hidden_layer_sizes=(8,), max_iter=5, random_state=0)
    reg.set_params(solver=params["solver"])
    train = reg.partial_fit if partial else reg.fit
    train(X, Y_REG)
    before = _model_state(reg)
    optimizer = getattr(reg, "_optimizer", None)
    optimizer_state = pickle.dumps(optimizer)
    reg.set_params(**params)
    message = DIVERGED if params["solver"] != "lbfgs" else "^lbfgs stopped"
    with pytest.raises(ValueError, match=message):
        train(X * scale, Y_REG)
    if partial:
        # partial_fit's optimizer took the diverging steps: the state it had
        # before the call is restored, so the next call continues from there.
        assert pickle.dumps(reg._optimizer) == optimizer_state
    else:
        assert getattr(reg, "_optimizer", None) is optimizer
    _assert_same_state(before, _model_state(reg))
    reg.set_params(learning_rate_init=1e-3)
    train(X, Y_REG)
    assert _all_finite(reg) and np.isfinite(reg.loss_)


@numpy_overflow
def test_early_stopping_with_non_finite_validation_scores_stops_with_a_warning():
    # One sample, huge enough for the forward pass to overflow, lands in the
    # validation set for some seeds: the training loss stays finite, but every
    # validation score is NaN.
    X_huge = _with(X, 0, slice(None), 1e306)
    for seed in range(50):
        reg = ScratchMLPRegressor(
            hidden_layer_sizes=(8,),
            early_stopping=True,
            validation_fraction=0.2,
            n_iter_no_change=3,
            max_iter=50,
            random_state=seed,
        )
        try:
            with warnings.catch_warnings(record=True) as record:
                warnings.simplefilter("always")
                reg.fit(X_huge, Y_REG)
        except ValueError as error:  # the huge sample was in a training batch
            assert str(error) == _NON_FINITE_MESSAGE
            continue
        break
    else:
        pytest.fail("no seed put the huge sample in the validation set")
    assert not np.isfinite(reg.validation_scores_).any()  # -inf or nan
    messages = [str(w.message) for w in record if w.category is UserWarning]
    assert messages == [
        f"The early-stopping validation score is {reg.validation_scores_[0]}: the "
        "network's predictions on the validation set are not finite or too large "
        "to score. The input data may contain large values and need to be "
        "preprocessed."
    ]
    # NaN is no improvement: training stops after n_iter_no_change + 1 epochs
    # instead of running to max_iter, and keeps the initial parameters.
    assert reg.n_iter_ == 4
    assert reg.best_validation_score_ == -np.inf
    assert _all_finite(reg)


# -------------------------------------------------------------------- threads
@pytest.mark.parametrize("working_memory", [None, 1])
def test_concurrent_predictions_equal_serial_ones(working_memory):
    X_many = np.random.RandomState(1).randn(3000, 3)
    clf = ScratchMLPClassifier(hidden_layer_sizes=(64, 32), max_iter=20)
    clf.set_params(random_state=0).fit(X, np.arange(60) % 3)
    reg = ScratchMLPRegressor(hidden_layer_sizes=(64,), max_iter=20, random_state=0)
    reg.fit(X, np.c_[Y_REG, -Y_REG])

    def predict(_):
        config = {} if working_memory is None else {"working_memory": working_memory}
        with config_context(**config):  # config_context is thread-local
            return clf.predict_proba(X_many), clf.predict(X_many), reg.predict(X_many)

    serial = predict(None)
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(predict, range(32)))
    for result in results:
        for got, expected in zip(result, serial, strict=True):
            np.testing.assert_array_equal(got, expected)


# --------------------------------------------------------- chunked prediction
def _wide_regressor(dtype):
    """A regressor with a 1024-unit hidden layer, fitted on a tiny sample."""
    X_small = np.random.RandomState(0).randn(40, 20).astype(dtype)
    reg = ScratchMLPRegressor(hidden_layer_sizes=(1024,), max_iter=1, random_state=0)
    return reg.fit(X_small, X_small[:, 0])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_prediction_in_chunks_bounds_peak_memory(dtype):
    reg = _wide_regressor(dtype)
    X_big = np.random.RandomState(1).randn(300_000, 20).astype(np.float32)
    tracemalloc.start()
    try:
        y_pred = reg.predict(X_big)  # the default working_memory: 1024 MiB
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # Unchunked, the hidden layer alone would take 300000 * 1024 * itemsize
    # bytes (1.2 or 2.4 GiB).
    assert y_pred.shape == (300_000,)
    assert peak < 100 * 2**20, f"peak {peak / 2**20:.0f} MiB"


def test_predictions_do_not_depend_on_working_memory_above_the_chunk_cap():
    # Chunks never exceed _MAX_CHUNK_BYTES, so any working_memory at or above
    # it chunks alike: predictions are bit-identical, and equal to one
    # unchunked forward pass where the data fit in one chunk.
    reg = _wide_regressor(np.float64)
    X_big = np.random.RandomState(2).randn(20_001, 20)
    cap = _MAX_CHUNK_BYTES // 2**20
    with config_context(working_memory=cap):
        expected = reg.predict(X_big)
    for working_memory in (cap + 1, 1024, 10**6):
        with config_context(working_memory=working_memory):
            np.testing.assert_array_equal(reg.predict(X_big), expected)
    X_one_chunk = X_big[:1000]
    unchunked = forward_pass(
        X_one_chunk, reg.coefs_, reg.intercepts_, reg.activation, reg.out_activation_
    )
    np.testing.assert_array_equal(reg.predict(X_one_chunk), unchunked.ravel())


@pytest.mark.parametrize("working_memory", [1, 3])
def test_small_chunks_predict_what_one_pass_does(working_memory):
    # Below the cap, chunks shrink with working_memory. BLAS may round a
    # product's rows differently for a different number of rows (a few ulp),
    # so values agree to rounding and labels exactly.
    X_big = np.random.RandomState(2).randn(4001, 20)
    reg = _wide_regressor(np.float64)
    unchunked = forward_pass(
        X_big, reg.coefs_, reg.intercepts_, reg.activation, reg.out_activation_
    ).ravel()
    clf = ScratchMLPClassifier(hidden_layer_sizes=(256,), max_iter=3)
    clf.set_params(random_state=0).fit(X_big[:100], np.arange(100) % 4)
    expected = clf.predict_proba(X_big), clf.predict(X_big)
    with config_context(working_memory=working_memory):
        np.testing.assert_allclose(reg.predict(X_big), unchunked, rtol=1e-13)
        np.testing.assert_allclose(clf.predict_proba(X_big), expected[0], rtol=1e-13)
        np.testing.assert_array_equal(clf.predict(X_big), expected[1])


# ----------------------------------------------------------------- determinism
SOLVER_SETTINGS = {
    "adam": {"solver": "adam"},
    "sgd": {"solver": "sgd", "learning_rate_init": 0.05},
    "lbfgs": {"solver": "lbfgs"},
    "adam-dropout": {"solver": "adam", "dropout": 0.3},
    "sgd-dropout-early-stopping": {
        "solver": "sgd",
        "dropout": 0.2,
        "early_stopping": True,
    },
}


@pytest.mark.parametrize("settings", SOLVER_SETTINGS)
@pytest.mark.parametrize("Estimator", [ScratchMLPClassifier, ScratchMLPRegressor])
def test_same_random_state_gives_bit_identical_models(Estimator, settings):
    y = np.arange(60) % 3 if Estimator is ScratchMLPClassifier else Y_REG
    params = dict(hidden_layer_sizes=(16, 8), max_iter=10, random_state=7)
    params.update(SOLVER_SETTINGS[settings])
    if settings == "adam-dropout":
        params["dropout"] = [0.3, 0.1]  # one rate per hidden layer
    first = Estimator(**params).fit(X, y)
    second = Estimator(**params).fit(X, y)
    for a, b in zip(
        first.coefs_ + first.intercepts_,
        second.coefs_ + second.intercepts_,
        strict=True,
    ):
        np.testing.assert_array_equal(a, b)
    other = Estimator(**{**params, "random_state": 8}).fit(X, y)
    assert not np.array_equal(other.coefs_[0], first.coefs_[0])


@pytest.mark.parametrize("settings", SOLVER_SETTINGS)
def test_pickle_round_trip_predicts_the_same(settings):
    clf = ScratchMLPClassifier(hidden_layer_sizes=(16,), max_iter=10, random_state=0)
    clf.set_params(**SOLVER_SETTINGS[settings]).fit(X, np.arange(60) % 3)
    restored = pickle.loads(pickle.dumps(clf))
    np.testing.assert_array_equal(restored.predict_proba(X), clf.predict_proba(X))
    np.testing.assert_array_equal(restored.predict(X), clf.predict(X))
    assert restored.get_params() == clf.get_params()


# Optimizer state kept in a pickle, in parameter vectors: adam's two moments,
# sgd's velocity, nothing for lbfgs.
OPTIMIZER_VECTORS = {"adam": 2, "sgd": 1, "lbfgs": 0}


@pytest.mark.parametrize("solver", ["adam", "sgd", "lbfgs"])
def test_a_pickle_holds_the_parameters_not_the_training_buffers(solver):
    X_wide = np.random.RandomState(0).randn(500, 64)
    reg = ScratchMLPRegressor(
        hidden_layer_sizes=(256,), solver=solver, max_iter=2, random_state=0
    ).fit(X_wide, X_wide[:, :2])
    params_bytes = sum(a.nbytes for a in reg.coefs_ + reg.intercepts_)
    expected = params_bytes * (1 + OPTIMIZER_VECTORS[solver])
    size = len(pickle.dumps(reg))
    # The training workspace (activations and gradients of a 200-sample batch,
    # or of all 500 samples for lbfgs) would add over 1.5 params' worth.
    assert expected <= size < 1.1 * expected + 8192


@pytest.mark.parametrize("solver", ["sgd", "adam"])
def test_partial_fit_after_unpickling_equals_partial_fit_without(solver):
    reg = ScratchMLPRegressor(hidden_layer_sizes=(16,), solver=solver, random_state=0)
    for _ in range(3):
        reg.partial_fit(X, Y_REG)
    restored = pickle.loads(pickle.dumps(reg))
    for est in (reg, restored):
        est.partial_fit(X[::2], Y_REG[::2])
        est.partial_fit(X, Y_REG)
    for a, b in zip(
        reg.coefs_ + reg.intercepts_,
        restored.coefs_ + restored.intercepts_,
        strict=True,
    ):
        np.testing.assert_array_equal(a, b)
    assert restored.t_ == reg.t_ == 4 * 60 + 30
