"""Regressions of issue 12 (and issue 18, item 2): where a side-by-side probe
found the estimators behaving unlike scikit-learn's MLP, or unlike themselves."""

import copy
import pickle
import warnings

import numpy as np
import pytest
from sklearn.datasets import load_digits, make_multilabel_classification
from sklearn.exceptions import ConvergenceWarning, InconsistentVersionWarning
from sklearn.model_selection import cross_val_score
from sklearn.neural_network import MLPClassifier, MLPRegressor

from skperceptron import ScratchMLPClassifier, ScratchMLPRegressor

X_DIGITS, Y_DIGITS = load_digits(return_X_y=True)
X_DIGITS = X_DIGITS / 16
X, Y = X_DIGITS[:300], Y_DIGITS[:300]
Y_REG = X[:, 10] * 3 + 1


def _assert_same_parameters(ours, theirs, rtol=1e-10):
    for a, b in zip(
        ours.coefs_ + ours.intercepts_, theirs.coefs_ + theirs.intercepts_, strict=True
    ):
        np.testing.assert_allclose(a, b, rtol=rtol, atol=rtol)


def _quiet(call):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return call()


# ------------------------------------------------------ 1. current parameters
@pytest.mark.parametrize("pickled", [False, True], ids=["kept", "pickled"])
def test_warm_start_trains_with_the_activation_set_since(pickled):
    def run(Estimator):
        est = _quiet(
            lambda: Estimator(warm_start=True, max_iter=5, random_state=0).fit(X, Y)
        )
        if pickled and Estimator is ScratchMLPClassifier:
            est = pickle.loads(pickle.dumps(est))
        return _quiet(lambda: est.set_params(activation="logistic").fit(X, Y))

    _assert_same_parameters(run(ScratchMLPClassifier), run(MLPClassifier))


def test_partial_fit_trains_with_the_activation_set_since():
    def run(Estimator):
        est = Estimator(random_state=0).partial_fit(X, Y, classes=np.arange(10))
        return est.set_params(activation="tanh").partial_fit(X, Y)

    _assert_same_parameters(run(ScratchMLPClassifier), run(MLPClassifier))


@pytest.mark.parametrize("incremental", [False, True], ids=["warm_start", "partial"])
def test_a_changed_loss_is_refused_and_leaves_the_model_as_it_was(incremental):
    reg = ScratchMLPRegressor(warm_start=True, max_iter=5, random_state=0)
    _quiet(lambda: reg.partial_fit(X, Y_REG) if incremental else reg.fit(X, Y_REG))
    before = [a.copy() for a in reg.coefs_]
    reg.set_params(loss="poisson")
    with pytest.raises(ValueError, match="loss='poisson' needs the output activation"):
        reg.partial_fit(X, Y_REG) if incremental else reg.fit(X, Y_REG)
    assert reg.out_activation_ == "identity"
    for a, b in zip(reg.coefs_, before, strict=True):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize(
    "change",
    [{"learning_rate_init": 0.01}, {"momentum": 0.5}, {"solver": "adam"}],
    ids=str,
)
def test_partial_fit_after_an_optimizer_change_uses_the_current_settings(change):
    # scikit-learn keeps the first call's optimizer; dropping it shows what a
    # new optimizer with the current settings does.
    def run(Estimator, forget_optimizer):
        est = Estimator(solver="sgd", learning_rate_init=0.1, random_state=0)
        est.partial_fit(X, Y_REG).set_params(**change)
        if forget_optimizer:
            del est._optimizer
        return est.partial_fit(X, Y_REG)

    _assert_same_parameters(
        run(ScratchMLPRegressor, False), run(MLPRegressor, True), rtol=1e-12
    )


@pytest.mark.parametrize(
    "first, then",
    [
        ({"solver": "lbfgs"}, {"solver": "adam"}),
        ({"early_stopping": False}, {"early_stopping": True}),
        ({"early_stopping": True}, {"early_stopping": False}),
    ],
    ids=["lbfgs-then-adam", "early-stopping-on", "early-stopping-off"],
)
def test_warm_start_follows_a_changed_stopping_rule(first, then):
    # scikit-learn fails on these with an AttributeError or a TypeError.
    clf = ScratchMLPClassifier(warm_start=True, max_iter=4, random_state=0, **first)
    _quiet(lambda: clf.fit(X, Y))
    _quiet(lambda: clf.set_params(**then).fit(X, Y))
    # The tracking of the current rule starts with the second fit.
    assert clf.n_iter_ == 4
    if clf.early_stopping:
        assert len(clf.validation_scores_) == 4 and clf.best_loss_ is None
        assert clf.best_validation_score_ == max(clf.validation_scores_)
    else:
        assert clf.validation_scores_ is clf.best_validation_score_ is None
        assert clf.best_loss_ == min(clf.loss_curve_[-4:])


# --------------------------------------------------- 2. early-stopping split
def test_early_stopping_on_small_multiclass_data_splits_as_sklearn_does():
    X_few, y_few = X_DIGITS[:120], Y_DIGITS[:120]
    params = dict(early_stopping=True, max_iter=30, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        theirs = cross_val_score(MLPClassifier(**params), X_few, y_few, cv=3)
        with pytest.warns(UserWarning, match="cannot stratify the validation set"):
            ours = cross_val_score(
                ScratchMLPClassifier(**params), X_few, y_few, cv=3, error_score="raise"
            )
    np.testing.assert_allclose(ours, theirs)


@pytest.mark.parametrize(
    "y, validation_fraction",
    [
        (np.where(np.arange(60) == 0, 2, np.arange(60) % 2), 0.1),  # a lone class
        (np.tile([0, 1, 2, 3], 5), 0.1),  # 2 validation samples, 4 classes
        (np.arange(60) % 2 + (np.arange(60) == 0) * 2, 0.1),
    ],
    ids=["class-of-one", "fewer-validation-samples-than-classes", "binary-plus-one"],
)
def test_early_stopping_falls_back_to_a_random_split(y, validation_fraction):
    clf = ScratchMLPClassifier(
        early_stopping=True,
        validation_fraction=validation_fraction,
        max_iter=3,
        random_state=0,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        with pytest.warns(UserWarning, match="drawn at random instead"):
            clf.fit(X[: len(y)], y)
    assert len(clf.validation_scores_) == clf.n_iter_ == 3


# ------------------------------------------------------------------ 3. lbfgs
def test_lbfgs_with_an_infinite_starting_objective_says_so():
    reg = ScratchMLPRegressor(solver="lbfgs", random_state=0)
    with (
        warnings.catch_warnings(),
        pytest.raises(ValueError, match="objective is inf at the starting weights"),
    ):
        warnings.simplefilter("ignore", RuntimeWarning)  # the overflow itself
        reg.fit(X[:50], Y_REG[:50] * 1e160)
    assert not hasattr(reg, "coefs_")


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_lbfgs_whose_every_step_overflows_says_so():
    # scikit-learn returns its untrained starting weights with loss_ = nan.
    reg = ScratchMLPRegressor(solver="lbfgs", alpha=1e300, random_state=0)
    with pytest.raises(ValueError, match="overflowed at every step its line search"):
        reg.fit(X[:50], Y_REG[:50])
    assert all(np.isfinite(a).all() for a in reg.coefs_ + reg.intercepts_)


# ------------------------------------------------- 4. probabilities in (0, 1)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_saturated_probabilities_stay_inside_0_1_and_predict_is_unchanged(dtype):
    X_ml, Y_ml = make_multilabel_classification(n_samples=30, random_state=0)
    X_ml = X_ml.astype(dtype) * 10
    clf = ScratchMLPClassifier(solver="lbfgs", random_state=0).fit(X_ml, Y_ml)
    proba = clf.predict_proba(X_ml)
    assert proba.dtype == dtype
    assert (0 < proba).all() and (proba < 1).all()
    raw = clf._forward_pass_fast(X_ml)
    assert ((raw == 0) | (raw == 1)).any()  # the data do saturate
    np.testing.assert_array_equal(clf.predict(X_ml), (raw > 0.5).astype(int))
    binary = ScratchMLPClassifier(solver="lbfgs", random_state=0)
    binary.fit(X_ml, Y_ml[:, 0])
    proba = binary.predict_proba(X_ml)
    assert (0 < proba).all() and (proba < 1).all()
    assert np.isfinite(binary.predict_log_proba(X_ml)).all()


# ---------------------------------------------------------- 5. conventions
@pytest.mark.parametrize("Estimator", [ScratchMLPClassifier, ScratchMLPRegressor])
def test_html_repr_links_to_our_api_page(Estimator):
    url = (
        "https://skperceptron.readthedocs.io/en/stable/generated/"
        f"skperceptron.{Estimator.__name__}.html"
    )
    assert Estimator()._get_doc_link() == url
    assert url in Estimator()._repr_html_()


@pytest.mark.parametrize(
    "serialise", [pickle.dumps, copy.copy, copy.deepcopy], ids=lambda f: f.__name__
)
def test_pickling_or_copying_never_changes_the_model(serialise):
    reg = ScratchMLPRegressor(hidden_layer_sizes=(8,), random_state=0)
    reg.partial_fit(X, Y_REG)
    held, network = reg.coefs_[0], reg._network
    state = dict(reg.__dict__)
    serialise(reg)
    assert reg.__dict__.keys() == state.keys() and reg._network is network
    reg.partial_fit(X, Y_REG)
    assert reg.coefs_[0] is held  # still the model's array, trained in place


def test_a_pickle_records_the_sklearn_version_and_warns_when_it_differs():
    clf = ScratchMLPClassifier(max_iter=2, random_state=0)
    _quiet(lambda: clf.fit(X, Y))
    import sklearn

    state = clf.__getstate__()
    assert state["_sklearn_version"] == sklearn.__version__
    restored = pickle.loads(pickle.dumps(clf))
    assert "_sklearn_version" not in restored.__dict__
    state["_sklearn_version"] = "0.1"
    with pytest.warns(InconsistentVersionWarning, match="from version 0.1"):
        ScratchMLPClassifier().__setstate__(state)


def test_warnings_point_at_the_users_line():
    clf = ScratchMLPClassifier(max_iter=1, random_state=0)
    with pytest.warns(ConvergenceWarning) as record:
        clf.fit(X, Y)
    assert record[0].filename == __file__
    with warnings.catch_warnings():
        warnings.filterwarnings("error", category=ConvergenceWarning, module=__name__)
        with pytest.raises(ConvergenceWarning):
            clf.fit(X, Y)


def _drop_in_page():
    with open("docs/drop_in.rst") as page:
        return page.read()


def _convergence_warnings(call, **filter_args):
    """Count the ConvergenceWarnings ``call`` gives under an ignore filter."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        warnings.filterwarnings("ignore", category=ConvergenceWarning, **filter_args)
        call()
    return sum(issubclass(w.category, ConvergenceWarning) for w in caught)


@pytest.mark.parametrize("Estimator", [ScratchMLPClassifier, MLPClassifier])
def test_the_documented_warning_filters_do_what_drop_in_says(Estimator):
    # Issue 23: the page shows the filter that silences our ConvergenceWarning
    # (attributed to the caller's line, so module="sklearn" misses a direct
    # call) and says where module="sklearn" does match it.
    documented = 'warnings.filterwarnings("ignore", category=ConvergenceWarning)'
    assert documented in _drop_in_page()

    def direct():
        Estimator(max_iter=1, random_state=0).fit(X, Y)

    def under_a_tool():
        cross_val_score(Estimator(max_iter=1, random_state=0), X, Y, cv=2)

    assert _convergence_warnings(direct) == 0
    assert _convergence_warnings(under_a_tool) == 0
    assert _convergence_warnings(under_a_tool, module="sklearn") == 0
    ours = Estimator is ScratchMLPClassifier
    assert _convergence_warnings(direct, module="sklearn") == int(ours)
    assert _convergence_warnings(direct, module=__name__) == int(not ours)


def test_two_output_lbfgs_converges_elsewhere_than_sklearn_as_documented():
    # Issue 23: scikit-learn's L-BFGS is given the output-averaged loss with
    # the summed gradient; ours minimises the summed loss. With one output
    # the fits are equal, with two the coefs_ differ, as drop_in.rst says.
    from sklearn.datasets import make_regression

    assert "coefs_`` differ by up to about 0.2" in _drop_in_page()
    X2, y2 = make_regression(
        n_samples=200, n_features=5, n_targets=2, noise=1.0, random_state=0
    )
    y2 = y2 / y2.std()
    params = dict(hidden_layer_sizes=(10,), solver="lbfgs", random_state=0)
    gaps = []
    for y in (y2[:, 0], y2):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            ours = ScratchMLPRegressor(**params).fit(X2, y)
            theirs = MLPRegressor(**params).fit(X2, y)
        gaps.append(
            max(np.abs(a - b).max() for a, b in zip(ours.coefs_, theirs.coefs_))
        )
        assert ours.score(X2, y) > 0.9999 and theirs.score(X2, y) > 0.9999
    assert gaps[0] < 1e-6
    assert 0.1 < gaps[1] < 0.3


def test_the_mlflow_autolog_note_follows_what_autolog_patches():
    # Issue 23: autolog patches the fit of the classes all_estimators() lists
    # (scikit-learn's) and its meta-estimators; ours are logged in a pipeline.
    from sklearn.utils import all_estimators

    page = _drop_in_page()
    assert "mlflow.sklearn.autolog()" in page
    assert "make_pipeline(ScratchMLPClassifier(random_state=0))" in page
    listed = {cls for _, cls in all_estimators()}
    assert MLPClassifier in listed and ScratchMLPClassifier not in listed


@pytest.mark.parametrize("sizes", [(True,), (5.0,), True], ids=str)
@pytest.mark.parametrize(
    "Ours, Theirs",
    [(ScratchMLPClassifier, MLPClassifier), (ScratchMLPRegressor, MLPRegressor)],
)
def test_non_integer_layer_sizes_raise_sklearns_type_error(sizes, Ours, Theirs):
    y = Y if Ours is ScratchMLPClassifier else Y_REG
    with pytest.raises(TypeError):
        Theirs(hidden_layer_sizes=sizes, max_iter=1).fit(X, y)
    with pytest.raises(TypeError, match="hidden_layer_sizes must hold integers"):
        Ours(hidden_layer_sizes=sizes, max_iter=1).fit(X, y)
