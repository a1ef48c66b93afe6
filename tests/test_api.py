"""Drop-in behaviour: scikit-learn tooling, fitted attributes, inputs and messages."""

import copy
import pickle
import re
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.calibration import CalibratedClassifierCV
from sklearn.datasets import (
    make_classification,
    make_multilabel_classification,
    make_regression,
)
from sklearn.ensemble import BaggingClassifier, StackingRegressor, VotingClassifier
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import Ridge
from sklearn.model_selection import GridSearchCV, cross_val_score
from sklearn.neural_network import MLPClassifier, MLPRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skperceptron import ScratchMLPClassifier, ScratchMLPRegressor

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

X, Y = make_classification(
    n_samples=200, n_features=8, n_informative=5, n_classes=3, random_state=0
)
X_REG, Y_REG = make_regression(n_samples=200, n_features=6, noise=1.0, random_state=0)
Y_REG = Y_REG / Y_REG.std()
SMALL = dict(
    hidden_layer_sizes=(16,), learning_rate_init=0.01, max_iter=100, random_state=0
)


def test_same_constructor_parameters_and_defaults_as_sklearn():
    for ours, theirs, extra in [
        (ScratchMLPClassifier(), MLPClassifier(), {"class_weight", "dropout"}),
        (ScratchMLPRegressor(), MLPRegressor(), {"dropout"}),
    ]:
        our_params, their_params = ours.get_params(), theirs.get_params()
        assert set(our_params) - set(their_params) == extra
        assert {k: our_params[k] for k in their_params} == their_params


def test_pipeline_grid_search_and_cross_validation():
    pipe = make_pipeline(StandardScaler(), ScratchMLPClassifier(**SMALL))
    grid = GridSearchCV(pipe, {"scratchmlpclassifier__alpha": [1e-4, 1.0]}, cv=3)
    grid.fit(X, Y)
    assert grid.best_score_ > 0.7
    assert set(grid.cv_results_["param_scratchmlpclassifier__alpha"]) == {1e-4, 1.0}
    scores = cross_val_score(ScratchMLPRegressor(solver="lbfgs", **SMALL), X_REG, Y_REG)
    assert scores.mean() > 0.9


def test_calibration_and_ensembles():
    calibrated = CalibratedClassifierCV(ScratchMLPClassifier(**SMALL), cv=3).fit(X, Y)
    np.testing.assert_allclose(calibrated.predict_proba(X).sum(axis=1), 1.0)
    bagging = BaggingClassifier(
        ScratchMLPClassifier(**SMALL), n_estimators=3, random_state=0
    ).fit(X, Y)
    voting = VotingClassifier(
        [("a", ScratchMLPClassifier(**SMALL)), ("b", MLPClassifier(**SMALL))],
        voting="soft",
    ).fit(X, Y)
    stacking = StackingRegressor(
        [("mlp", ScratchMLPRegressor(solver="lbfgs", **SMALL))], final_estimator=Ridge()
    ).fit(X_REG, Y_REG)
    assert bagging.score(X, Y) > 0.8
    assert voting.score(X, Y) > 0.8
    assert stacking.score(X_REG, Y_REG) > 0.9


def test_pickle_round_trip_predicts_the_same():
    clf = ScratchMLPClassifier(**SMALL).fit(X, Y)
    restored = pickle.loads(pickle.dumps(clf))
    np.testing.assert_array_equal(restored.predict_proba(X), clf.predict_proba(X))
    restored.partial_fit(X, Y)
    clf.partial_fit(X, Y)
    np.testing.assert_array_equal(restored.coefs_[0], clf.coefs_[0])


@pytest.mark.parametrize("assign", ["new_lists", "one_element", "in_place"])
def test_assigned_coefs_are_used_by_predict_and_partial_fit(assign):
    clf = ScratchMLPClassifier(**SMALL).fit(X, Y)
    reference = copy.deepcopy(clf)
    new_coefs = [0.5 * c for c in clf.coefs_]
    new_intercepts = [b + 0.1 for b in clf.intercepts_]
    if assign == "new_lists":
        clf.coefs_, clf.intercepts_ = new_coefs, new_intercepts
    elif assign == "one_element":
        for layer in range(len(new_coefs)):
            clf.coefs_[layer] = new_coefs[layer]
            clf.intercepts_[layer] = new_intercepts[layer]
    else:
        for old, new in zip(clf.coefs_ + clf.intercepts_, new_coefs + new_intercepts):
            old[...] = new
    hidden = np.maximum(X @ new_coefs[0] + new_intercepts[0], 0)
    logits = hidden @ new_coefs[1] + new_intercepts[1]
    expected = np.exp(logits - logits.max(axis=1, keepdims=True))
    expected /= expected.sum(axis=1, keepdims=True)
    np.testing.assert_allclose(clf.predict_proba(X), expected, rtol=1e-12)

    # partial_fit continues from the assigned weights, with the same optimizer state.
    reference.coefs_, reference.intercepts_ = new_coefs, new_intercepts
    clf.partial_fit(X, Y)
    reference.partial_fit(X, Y)
    for a, b in zip(clf.coefs_, reference.coefs_):
        np.testing.assert_array_equal(a, b)


def test_assigned_coefs_of_the_wrong_shape_are_refused():
    clf = ScratchMLPClassifier(**SMALL).fit(X, Y)
    clf.coefs_ = [clf.coefs_[0][:, :3], clf.coefs_[1]]
    with pytest.raises(ValueError, match="architecture"):
        clf.partial_fit(X, Y)


def test_float32_input_trains_and_predicts_float32():
    clf = ScratchMLPClassifier(**SMALL).fit(X.astype(np.float32), Y)
    assert all(c.dtype == np.float32 for c in clf.coefs_ + clf.intercepts_)
    assert clf.predict_proba(X.astype(np.float32)).dtype == np.float32
    reg = ScratchMLPRegressor(**SMALL).fit(X_REG.astype(np.float32), Y_REG)
    assert reg.predict(X_REG.astype(np.float32)).dtype == np.float32


@pytest.mark.parametrize("solver", ["adam", "lbfgs"])
@pytest.mark.parametrize("fmt", [sp.csr_matrix, sp.csc_matrix, sp.csr_array])
def test_sparse_input_gives_the_dense_results(solver, fmt):
    X_sparse = X.copy()
    X_sparse[np.abs(X_sparse) < 0.7] = 0
    params = dict(SMALL, solver=solver, max_iter=20)
    dense = ScratchMLPClassifier(**params).fit(X_sparse, Y)
    sparse = ScratchMLPClassifier(**params).fit(fmt(X_sparse), Y)
    for a, b in zip(dense.coefs_, sparse.coefs_):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(
        sparse.predict_proba(fmt(X_sparse)), dense.predict_proba(X_sparse), rtol=1e-10
    )


def test_multilabel_and_multioutput_targets():
    X_ml, Y_ml = make_multilabel_classification(n_samples=150, random_state=0)
    clf = ScratchMLPClassifier(**SMALL).fit(X_ml, Y_ml)
    assert clf.out_activation_ == "logistic" and clf.n_outputs_ == Y_ml.shape[1]
    assert clf.predict(X_ml).shape == Y_ml.shape
    assert clf.score(X_ml, Y_ml) > 0.3  # subset accuracy
    reg = ScratchMLPRegressor(solver="lbfgs", **SMALL).fit(X_REG, np.c_[Y_REG, -Y_REG])
    assert reg.predict(X_REG).shape == (len(Y_REG), 2)
    assert reg.score(X_REG, np.c_[Y_REG, -Y_REG]) > 0.9


def test_string_labels_and_pandas_feature_names():
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame(X, columns=[f"f{i}" for i in range(X.shape[1])])
    labels = np.array(["cat", "dog", "emu"])[Y]
    clf = ScratchMLPClassifier(**SMALL).fit(frame, labels)
    assert list(clf.classes_) == ["cat", "dog", "emu"]
    assert list(clf.feature_names_in_) == list(frame.columns)
    assert set(clf.predict(frame)) <= set(labels)
    with pytest.warns(UserWarning, match="feature names"):
        clf.predict(X)


@pytest.mark.parametrize("Estimator", [ScratchMLPClassifier, ScratchMLPRegressor])
def test_partial_fit_is_absent_with_lbfgs(Estimator):
    estimator = Estimator(solver="lbfgs")
    assert not hasattr(estimator, "partial_fit")
    with pytest.raises(AttributeError, match="has no attribute 'partial_fit'"):
        estimator.partial_fit(X, Y)


def _message(estimator, method, *args, **kwargs):
    with pytest.raises(ValueError) as info:
        getattr(estimator, method)(*args, **kwargs)
    return str(info.value)


@pytest.mark.parametrize(
    "params, method, args, kwargs",
    [
        ({"hidden_layer_sizes": [3, 0]}, "fit", (X, Y), {}),
        ({"alpha": -1.0}, "fit", (X, Y), {}),
        ({"early_stopping": True}, "partial_fit", (X, Y), {"classes": [0, 1, 2]}),
        ({}, "partial_fit", (X, Y), {}),
        ({"validation_fraction": 0.001, "early_stopping": True}, "fit", (X, Y), {}),
    ],
)
def test_error_messages_match_sklearn(params, method, args, kwargs):
    ours = _message(ScratchMLPClassifier(**params), method, *args, **kwargs)
    theirs = _message(MLPClassifier(**params), method, *args, **kwargs)
    assert ours == theirs.replace("MLPClassifier", "ScratchMLPClassifier")


def test_warm_start_with_new_classes_gives_sklearn_message():
    ours = ScratchMLPClassifier(warm_start=True, **SMALL).fit(X, Y)
    theirs = MLPClassifier(warm_start=True, **SMALL).fit(X, Y)
    assert _message(ours, "fit", X, Y + 1) == _message(theirs, "fit", X, Y + 1)


def test_partial_fit_with_unknown_labels_gives_sklearn_message():
    ours = ScratchMLPClassifier(**SMALL).partial_fit(X, Y, classes=[0, 1, 2])
    theirs = MLPClassifier(**SMALL).partial_fit(X, Y, classes=[0, 1, 2])
    assert _message(ours, "partial_fit", X, Y + 1) == _message(
        theirs, "partial_fit", X, Y + 1
    )


# Seconds with two decimals, or milliseconds with three for epochs shorter
# than 0.1 s, so that small data never shows "time = 0.00s".
TIME = r"(\d+\.\d\ds|\d+\.\d{3}ms)"


def test_verbose_prints_sklearns_iteration_lines_with_time(capsys):
    ScratchMLPClassifier(hidden_layer_sizes=(5,), max_iter=3, verbose=True).fit(X, Y)
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 3
    for n, line in enumerate(lines, start=1):
        assert re.fullmatch(rf"Iteration {n}, loss = \d+\.\d{{8}}, time = {TIME}", line)
        assert float(re.search(r"time = ([\d.]+)", line).group(1)) > 0


def test_verbose_adds_the_validation_score_with_early_stopping(capsys):
    ScratchMLPClassifier(
        hidden_layer_sizes=(5,), max_iter=2, verbose=True, early_stopping=True
    ).fit(X, Y)
    line = capsys.readouterr().out.splitlines()[0]
    assert re.fullmatch(
        r"Iteration 1, loss = \d+\.\d{8}, validation score = [01]\.\d{6}, "
        rf"time = {TIME}",
        line,
    )


def test_lbfgs_verbose_reports_iterations(capsys):
    ScratchMLPRegressor(
        hidden_layer_sizes=(5,), solver="lbfgs", max_iter=4, verbose=True
    ).fit(X_REG, Y_REG)
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("Iteration 1, loss = ")
    assert len(lines) == 4


def test_convergence_warning_at_max_iter():
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        with pytest.raises(ConvergenceWarning, match=r"Maximum iterations \(2\)"):
            ScratchMLPClassifier(max_iter=2).fit(X, Y)
