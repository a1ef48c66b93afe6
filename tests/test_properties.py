"""Property-based tests: for any valid input the estimators give sane outputs,
and any invalid input raises ValueError or TypeError, nothing else.

Fits are deliberately short (``max_iter`` of a few epochs): the properties
hold for any parameters, trained or not.
"""

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from skperceptron import ScratchMLPClassifier, ScratchMLPRegressor

pytestmark = [
    pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning"),
    # batch_size larger than the sample is clipped with a UserWarning.
    pytest.mark.filterwarnings("ignore:Got `batch_size` less than 1:UserWarning"),
]

PROPERTY_SETTINGS = settings(
    max_examples=30,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)

DTYPES = st.sampled_from([np.float32, np.float64])
HIDDEN_LAYER_SIZES = st.lists(st.integers(1, 8), min_size=0, max_size=2).map(tuple)
SOLVERS = st.sampled_from(["adam", "sgd", "lbfgs"])


@st.composite
def feature_matrices(draw, min_samples=1, max_samples=25):
    """A float32 or float64 (n_samples, n_features) matrix of values in [-5, 5].

    The scale of standardized data: on unscaled data sgd may diverge, which
    raises the error that test_reliability.py checks.
    """
    dtype = draw(DTYPES)
    n_samples = draw(st.integers(min_samples, max_samples))
    n_features = draw(st.integers(1, 5))
    elements = st.floats(-5, 5, width=32)
    return draw(arrays(dtype, (n_samples, n_features), elements=elements))


@st.composite
def label_sets(draw):
    """2 to 5 distinct class labels, all ints or all strings."""
    n_classes = draw(st.integers(2, 5))
    if draw(st.booleans()):
        labels = draw(st.lists(st.integers(-10, 100), min_size=n_classes, **UNIQUE))
        return np.array(labels)
    text = st.text(alphabet="abcxyz", min_size=1, max_size=3)
    return np.array(draw(st.lists(text, min_size=n_classes, **UNIQUE)))


UNIQUE = {"max_size": 5, "unique": True}


@st.composite
def estimator_settings(draw, n_samples):
    """Parameters of a short fit: architecture, solver and batch size."""
    solver = draw(SOLVERS)
    params = {
        "hidden_layer_sizes": draw(HIDDEN_LAYER_SIZES),
        "solver": solver,
        "max_iter": draw(st.integers(1, 3)),
        "random_state": draw(st.integers(0, 2**16)),
        "batch_size": draw(st.one_of(st.just("auto"), st.integers(1, n_samples + 2))),
        "activation": draw(st.sampled_from(["identity", "logistic", "tanh", "relu"])),
    }
    if solver != "lbfgs" and params["hidden_layer_sizes"]:
        params["dropout"] = draw(st.sampled_from([0.0, 0.5]))
    return params


def _targets(draw, labels, n_samples):
    """Labels covering every class at least once, in random order."""
    y = labels[np.arange(n_samples) % len(labels)]
    return y[draw(st.permutations(range(n_samples)))]


@PROPERTY_SETTINGS
@given(data=st.data())
def test_classifier_probabilities_are_finite_and_sum_to_one(data):
    labels = data.draw(label_sets())
    X = data.draw(feature_matrices(min_samples=len(labels)))
    y = _targets(data.draw, labels, X.shape[0])
    params = data.draw(estimator_settings(X.shape[0]))
    clf = ScratchMLPClassifier(**params).fit(X, y)

    X_new = data.draw(
        arrays(
            X.dtype,
            (data.draw(st.integers(1, 30)), X.shape[1]),
            elements=st.floats(-5, 5, width=32),
        )
    )
    proba = clf.predict_proba(X_new)
    assert proba.shape == (X_new.shape[0], len(labels))
    assert proba.dtype == X.dtype
    assert np.isfinite(proba).all()
    assert ((proba >= 0) & (proba <= 1)).all()
    atol = 1e-5 if X.dtype == np.float32 else 1e-12
    np.testing.assert_allclose(proba.sum(axis=1), 1, rtol=0, atol=atol)

    predicted = clf.predict(X_new)
    assert predicted.shape == (X_new.shape[0],)
    assert predicted.dtype == y.dtype
    np.testing.assert_array_equal(np.sort(clf.classes_), np.sort(labels))
    assert set(predicted) <= set(labels)
    # predict takes the most probable class.
    np.testing.assert_array_equal(predicted, clf.classes_[np.argmax(proba, axis=1)])


@PROPERTY_SETTINGS
@given(data=st.data())
def test_multilabel_probabilities_are_finite_per_label(data):
    X = data.draw(feature_matrices(min_samples=2))
    n_labels = data.draw(st.integers(2, 4))
    Y = data.draw(arrays(np.int64, (X.shape[0], n_labels), elements=st.integers(0, 1)))
    Y[0], Y[1] = 0, 1  # both values of every label occur
    params = data.draw(estimator_settings(X.shape[0]))
    clf = ScratchMLPClassifier(**params).fit(X, Y)
    proba = clf.predict_proba(X)
    assert proba.shape == Y.shape
    assert proba.dtype == X.dtype
    assert np.isfinite(proba).all() and ((proba >= 0) & (proba <= 1)).all()
    predicted = clf.predict(X)
    assert predicted.shape == Y.shape
    assert set(np.unique(predicted)) <= {0, 1}


@PROPERTY_SETTINGS
@given(data=st.data())
def test_regressor_predictions_have_the_right_shape_and_dtype(data):
    X = data.draw(feature_matrices())
    n_outputs = data.draw(st.integers(1, 3))
    shape = (X.shape[0], n_outputs) if n_outputs > 1 else X.shape[0]
    y = data.draw(arrays(X.dtype, shape, elements=st.floats(-5, 5)))
    params = data.draw(estimator_settings(X.shape[0]))
    reg = ScratchMLPRegressor(**params).fit(X, y)
    predicted = reg.predict(X)
    assert predicted.shape == y.shape
    assert predicted.dtype == X.dtype
    assert all(c.dtype == X.dtype for c in reg.coefs_ + reg.intercepts_)
    assert np.isfinite(predicted).all()


@PROPERTY_SETTINGS
@given(data=st.data())
def test_partial_fit_accepts_any_valid_stream_of_batches(data):
    labels = data.draw(label_sets())
    n_features = data.draw(st.integers(1, 4))
    dtype = data.draw(DTYPES)
    params = data.draw(estimator_settings(10))
    params["solver"] = data.draw(st.sampled_from(["adam", "sgd"]))
    clf = ScratchMLPClassifier(**params)
    reg = ScratchMLPRegressor(**params)
    elements = st.floats(-5, 5, width=32)
    for call in range(data.draw(st.integers(1, 4))):
        n_samples = data.draw(st.integers(1, 10))
        X = data.draw(arrays(dtype, (n_samples, n_features), elements=elements))
        # Any subset of the classes, even a single one, in any batch.
        y = labels[
            data.draw(
                arrays(np.int64, n_samples, elements=st.integers(0, len(labels) - 1))
            )
        ]
        clf.partial_fit(X, y, classes=labels if call == 0 else None)
        reg.partial_fit(X, X[:, 0])
        assert reg.n_iter_ == clf.n_iter_ == 1
    proba = clf.predict_proba(X)
    assert proba.shape == (n_samples, len(labels)) and np.isfinite(proba).all()
    assert np.isfinite(reg.predict(X)).all()
    assert reg.t_ == clf.t_


def _fitted(Estimator, X, y):
    return Estimator(hidden_layer_sizes=(3,), max_iter=2, random_state=0).fit(X, y)


def _inject(X, value, row, column):
    X = X.astype(float)
    X[row % X.shape[0], column % X.shape[1]] = value
    return X


# Invalid inputs, each a function of (valid X, valid y, draw) that makes the
# call that must fail.
def _nonfinite_X(Estimator, X, y, draw):
    value = draw(st.sampled_from([np.nan, np.inf, -np.inf]))
    Estimator(max_iter=2).fit(
        _inject(X, value, draw(st.integers()), draw(st.integers())), y
    )


def _nonfinite_X_at_predict(Estimator, X, y, draw):
    value = draw(st.sampled_from([np.nan, np.inf, -np.inf]))
    _fitted(Estimator, X, y).predict(_inject(X, value, draw(st.integers()), 0))


def _wrong_n_features_at_predict(Estimator, X, y, draw):
    n_features = draw(st.integers(1, 8).filter(lambda n: n != X.shape[1]))
    _fitted(Estimator, X, y).predict(np.zeros((3, n_features)))


def _bad_shape(Estimator, X, y, draw):
    shape = draw(
        st.sampled_from(
            [(0, X.shape[1]), (X.shape[0],), (X.shape[0], 1, 2), (X.shape[0], 0)]
        )
    )
    Estimator(max_iter=2).fit(np.zeros(shape), y)


def _non_numeric_X(Estimator, X, y, draw):
    word = draw(st.text(alphabet="abc", min_size=1, max_size=3))
    X_text = X.astype(object)
    X_text[0, 0] = word
    Estimator(max_iter=2).fit(X_text, y)


def _inconsistent_y(Estimator, X, y, draw):
    Estimator(max_iter=2).fit(X, y[: draw(st.integers(0, len(y) - 1))])


def _bad_sample_weight(Estimator, X, y, draw):
    weights = draw(
        st.sampled_from(
            [
                np.ones(len(y) + 1),
                np.full(len(y), np.nan),
                np.ones((len(y), 2)),
                "heavy",
            ]
        )
    )
    Estimator(max_iter=2).fit(X, y, sample_weight=weights)


def _bad_parameter(Estimator, X, y, draw):
    params = draw(
        st.sampled_from(
            [
                {"hidden_layer_sizes": (0,)},
                {"hidden_layer_sizes": (2.5,)},
                {"hidden_layer_sizes": (3, None)},
                {"hidden_layer_sizes": "wide"},
                {"hidden_layer_sizes": -1},
                {"dropout": 1.0},
                {"dropout": [0.1, 0.2]},
                {"dropout": "half"},
                {"dropout": 0.5, "solver": "lbfgs"},
                {"alpha": -1.0},
                {"batch_size": 0},
                {"max_iter": 0},
                {"learning_rate_init": 0.0},
                {"activation": "softmax"},
                {"solver": "newton"},
                {"momentum": 2.0},
                {"validation_fraction": 1.0},
                {"beta_1": 1.0},
                {"n_iter_no_change": 0},
                {"early_stopping": "yes"},
                {"max_fun": 0},
            ]
        )
    )
    Estimator(**params).fit(X, y)


def _warm_start_new_architecture(Estimator, X, y, draw):
    est = _fitted(Estimator, X, y)
    est.set_params(
        warm_start=True, hidden_layer_sizes=draw(st.sampled_from([(4,), (3, 3), ()]))
    )
    est.fit(X, y)


def _classifier_fault(Estimator, X, y, draw):
    if Estimator is ScratchMLPClassifier:
        fault = draw(st.sampled_from(["unknown", "changed", "continuous", "weight"]))
        clf = ScratchMLPClassifier(max_iter=2).partial_fit(X, y, classes=np.unique(y))
        if fault == "unknown":
            clf.partial_fit(X, np.full(len(y), 99))
        elif fault == "changed":
            clf.partial_fit(X, y, classes=[0, 1, 2, 3])
        elif fault == "continuous":
            ScratchMLPClassifier(max_iter=2).fit(X, X[:, 0] + 0.5)
        else:
            ScratchMLPClassifier(class_weight={0: 1.0, 7: 2.0}, max_iter=2).fit(X, y)
    else:
        ScratchMLPRegressor(loss="poisson", max_iter=2).fit(X, y - 10)


FAULTS = [
    _nonfinite_X,
    _nonfinite_X_at_predict,
    _wrong_n_features_at_predict,
    _bad_shape,
    _non_numeric_X,
    _inconsistent_y,
    _bad_sample_weight,
    _bad_parameter,
    _warm_start_new_architecture,
    _classifier_fault,
]


@pytest.mark.parametrize("fault", FAULTS, ids=lambda fault: fault.__name__[1:])
@PROPERTY_SETTINGS
@given(data=st.data())
def test_invalid_input_raises_value_or_type_error(fault, data):
    Estimator = data.draw(st.sampled_from([ScratchMLPClassifier, ScratchMLPRegressor]))
    X = data.draw(feature_matrices(min_samples=4))
    y = np.arange(X.shape[0]) % 2  # both classes; also a valid regression target
    with pytest.raises((ValueError, TypeError)):
        fault(Estimator, X, y, data.draw)
