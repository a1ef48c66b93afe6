"""The model's lifecycle and our extensions' edge cases (issue 18).

Poisson deviance where ``exp`` underflows, batches of total weight zero,
all-or-nothing partial_fit, the dropout mask stream across calls, class_weight
validation and the shapes the gradient utilities accept.
"""

import pickle
from contextlib import nullcontext

import numpy as np
import pytest
from sklearn import config_context
from sklearn.datasets import load_digits
from sklearn.exceptions import DataConversionWarning
from sklearn.metrics import d2_tweedie_score

from skperceptron import ScratchMLPClassifier, ScratchMLPRegressor
from skperceptron._losses import poisson_deviance
from skperceptron._network import Network
from skperceptron.utils import check_gradients, loss_and_gradients

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

RNG = np.random.RandomState(0)
X = RNG.randn(40, 3)
Y_REG2 = RNG.randn(40, 2)
Y_MULTILABEL = (RNG.rand(40, 3) > 0.5).astype(int)


# ------------------------------------------------------------------ Poisson
def test_poisson_deviance_is_finite_where_the_mean_underflowed():
    y = np.array([[0.0], [2.0]], dtype=np.float32)
    # exp(-200) underflows to 0 in float32: the model is finite, so is the loss.
    out = np.exp(np.array([[-200.0], [-200.0]], dtype=np.float32))
    assert (out == 0).all()
    loss = poisson_deviance(y, out)
    assert np.isfinite(loss)
    # A zero count contributes its mean alone: here 0.
    assert poisson_deviance(y[:1], out[:1]) == 0.0


@pytest.mark.parametrize("table", ["numpy", "array_api"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_an_underflowed_mean_of_a_positive_count_is_read_as_the_smallest_normal(
    table, dtype
):
    # Issue 23: a positive count whose mean underflowed to 0 contributes
    # y log(y / tiny) - y, tiny the dtype's smallest normal number, in both
    # kernel tables.
    y = np.array([[2.0], [0.0]], dtype=dtype)
    out = np.zeros((2, 1), dtype=dtype)
    tiny = np.finfo(dtype).tiny
    expected = (2 * np.log(2.0) - 2 * np.log(float(tiny)) - 2) / 2
    if table == "array_api":
        strict = pytest.importorskip("array_api_strict")
        from skperceptron._kernels import ArrayAPIKernels

        kernels = ArrayAPIKernels(strict, strict.Device("CPU_DEVICE"))
        # xlogy computes both branches of its where: 0 * log(0) is discarded.
        with np.errstate(divide="ignore", invalid="ignore"):
            loss = float(
                poisson_deviance(
                    strict.asarray(y), strict.asarray(out), kernels=kernels
                )
            )
    else:
        loss = poisson_deviance(y, out)
    assert loss == pytest.approx(expected, rel=1e-6)


def test_poisson_deviance_is_unchanged_on_healthy_means():
    y = RNG.poisson(2.0, size=(30, 2)).astype(float)
    out = np.exp(RNG.randn(30, 2))
    expected = np.mean(np.sum(y * np.log(np.where(y > 0, y, 1) / out) - y + out, 1))
    assert poisson_deviance(y, out) == pytest.approx(expected, rel=1e-12)


def test_float32_poisson_regression_finishes_on_healthy_data():
    # Issue 18: zero counts drive exp(z) to 0 in float32, and the deviance was
    # NaN, which stopped the fit as if the weights had diverged.
    rng = np.random.RandomState(0)
    X32 = rng.randn(400, 3).astype(np.float32)
    y = np.where(X32[:, 0] > 0, rng.poisson(3, 400), 0)
    reg = ScratchMLPRegressor(loss="poisson", learning_rate_init=0.1, random_state=0)
    reg.fit(X32, y)
    assert reg.coefs_[0].dtype == np.float32
    assert np.isfinite(reg.loss_curve_).all()
    assert all(np.isfinite(c).all() for c in reg.coefs_ + reg.intercepts_)
    # scikit-learn's MLPRegressor reaches D2 = 0.75 here (float64 predictions,
    # as the deviance needs positive means).
    assert d2_tweedie_score(y, reg.predict(X32.astype(np.float64)), power=1) > 0.75


# ------------------------------------------------------- gradient utilities
@pytest.mark.filterwarnings("ignore::sklearn.exceptions.DataConversionWarning")
@pytest.mark.parametrize("function", [loss_and_gradients, check_gradients])
def test_utilities_reject_targets_shaped_unlike_the_fitted_ones(function):
    reg = ScratchMLPRegressor(hidden_layer_sizes=(3,), max_iter=3).fit(X, Y_REG2)
    for y in (Y_REG2[:, 0], Y_REG2[:, :1], np.c_[Y_REG2, Y_REG2]):
        with pytest.raises(ValueError, match=r"fitted on targets with 2\.$"):
            function(reg, X, y)
    clf = ScratchMLPClassifier((3,), max_iter=3).fit(X, Y_MULTILABEL)
    for y in (Y_MULTILABEL[:, 0], Y_MULTILABEL[:, :2]):
        with pytest.raises(ValueError, match=r"fitted on targets with 3\.$"):
            function(clf, X, y)
    binary = ScratchMLPClassifier((3,), max_iter=3).fit(X, Y_MULTILABEL[:, 0])
    with pytest.raises(ValueError, match=r"fitted on targets with 1\.$"):
        function(binary, X, Y_MULTILABEL)
    # A column vector is a 1-D target, as score reads it, with the warning
    # fit gives (the same check of targets).
    with pytest.warns(DataConversionWarning, match="column-vector y"):
        loss = loss_and_gradients(binary, X, Y_MULTILABEL[:, :1])[0]
    assert loss == loss_and_gradients(binary, X, Y_MULTILABEL[:, 0])[0]


@pytest.mark.parametrize(
    "eps, error, match",
    [
        (0, ValueError, "eps == 0, must be > 0"),
        (-1e-6, ValueError, "must be > 0"),
        (float("inf"), ValueError, "eps must be a finite step"),
        (float("nan"), ValueError, "eps must be a finite step"),
        (1e-300, ValueError, "eps=1e-300 is too small to change every parameter"),
        ("1e-6", TypeError, "eps must be an instance of float"),
    ],
)
def test_check_gradients_validates_eps(eps, error, match):
    reg = ScratchMLPRegressor(hidden_layer_sizes=(2,), max_iter=2).fit(X, Y_REG2)
    with pytest.raises(error, match=match):
        check_gradients(reg, X, Y_REG2, eps=eps)
    assert check_gradients(reg, X, Y_REG2, eps=1e-6) < 1e-6


def test_check_gradients_refuses_an_eps_lost_next_to_one_parameter():
    # Issue 23: one parameter too large for eps is enough: its central
    # difference would be 0 / (2 eps), whatever its gradient.
    reg = ScratchMLPRegressor(hidden_layer_sizes=(2,), max_iter=2).fit(X, Y_REG2)
    reg.coefs_[1][0, 0] = 1e12
    with pytest.raises(ValueError, match="eps=1e-06 is too small .* magnitude 1e"):
        check_gradients(reg, X, Y_REG2, eps=1e-6)


# ------------------------------------------------------ weightless batches
def _params(estimator):
    return estimator.coefs_ + estimator.intercepts_


def _sorted_binary(n=60):
    rng = np.random.RandomState(1)
    X = rng.randn(n, 4)
    y = np.r_[np.zeros(10, int), rng.randint(0, 2, n - 10)]
    return X, y


def test_a_batch_of_total_weight_zero_takes_no_step():
    # The first batch holds only class 0, weighted 0: it was a ZeroDivisionError.
    X, y = _sorted_binary()
    params = dict(
        hidden_layer_sizes=(5,),
        class_weight={0: 0.0, 1: 1.0},
        batch_size=10,
        shuffle=False,
        max_iter=4,
        random_state=0,
    )
    skipped = ScratchMLPClassifier(**params).fit(X, y)
    # The same fit without that batch: every other batch and step is the same.
    without = ScratchMLPClassifier(**params).fit(X[10:], y[10:])
    for a, b in zip(
        skipped.coefs_ + skipped.intercepts_, without.coefs_ + without.intercepts_
    ):
        np.testing.assert_array_equal(a, b)
    assert skipped.t_ == 4 * 60


@pytest.mark.parametrize("solver", ["adam", "sgd", "lbfgs"])
def test_a_call_of_total_weight_zero_is_an_error_that_changes_nothing(solver):
    X, y = _sorted_binary()
    clf = ScratchMLPClassifier(
        (5,), solver=solver, class_weight={0: 0.0, 1: 1.0}, max_iter=3, random_state=0
    ).fit(X, y)
    before = pickle.dumps(clf)
    calls = [lambda: clf.fit(X[:10], y[:10])]
    if solver != "lbfgs":
        calls.append(lambda: clf.partial_fit(X[:10], y[:10]))
    for call in calls:
        with pytest.raises(ValueError, match="total weight of the samples .* is zero"):
            call()
        assert pickle.dumps(clf) == before


def _twins(**params):
    X, y = _sorted_binary()
    params = dict(hidden_layer_sizes=(5,), batch_size=10, random_state=0, **params)
    a = ScratchMLPClassifier(**params).partial_fit(X, y, classes=[0, 1])
    b = ScratchMLPClassifier(**params).partial_fit(X, y, classes=[0, 1])
    return X, y, a, b


@pytest.mark.parametrize("solver", ["adam", "sgd"])
def test_a_partial_fit_failing_in_a_later_batch_is_all_or_nothing(solver, monkeypatch):
    X, y, failing, twin = _twins(solver=solver, dropout=0.3)
    before = pickle.dumps(failing)
    original = Network.loss_gradient
    calls = []

    def fail_on_the_third_batch(self, *args, **kwargs):
        calls.append(1)
        if len(calls) == 3:
            raise MemoryError("out of memory in batch 3")
        return original(self, *args, **kwargs)

    monkeypatch.setattr(Network, "loss_gradient", fail_on_the_third_batch)
    with pytest.raises(MemoryError):
        failing.partial_fit(X, y)
    monkeypatch.undo()
    # Parameters, optimizer state, t_, n_iter_ and the dropout stream: all as
    # before, so the next call gives what a model that never failed gives.
    assert pickle.dumps(failing) == before
    failing.partial_fit(X, y)
    twin.partial_fit(X, y)
    for a, b in zip(
        failing.coefs_ + failing.intercepts_, twin.coefs_ + twin.intercepts_
    ):
        np.testing.assert_array_equal(a, b)
    assert failing.t_ == twin.t_ == 120


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@pytest.mark.parametrize("namespace", ["numpy", "torch"])
def test_a_diverging_partial_fit_keeps_the_optimizer_state(namespace):
    # It used to drop the optimizer: the next call restarted Adam's moments.
    # On PyTorch the moments, which Adam's step changes in place, stayed as
    # the diverged step left them.
    X, y = _sorted_binary()
    dispatch = nullcontext()
    if namespace == "torch":
        torch = pytest.importorskip("torch")
        X, y = torch.asarray(X), torch.asarray(y)
        dispatch = config_context(array_api_dispatch=True)
    with dispatch:
        failing, twin = (
            ScratchMLPRegressor(hidden_layer_sizes=(5,), random_state=0).partial_fit(
                X, y
            )
            for _ in range(2)
        )
        with pytest.raises(ValueError, match="non-finite"):
            failing.partial_fit(X * 1e200, y)
        failing.partial_fit(X, y)
        twin.partial_fit(X, y)
    assert failing._optimizer.t == twin._optimizer.t == 2
    for a, b in zip(_params(failing), _params(twin), strict=True):
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))


def test_a_failed_first_partial_fit_leaves_the_classifier_unfitted():
    clf = ScratchMLPClassifier((3,))
    with pytest.raises(ValueError, match="NaN"):
        clf.partial_fit(np.full((4, 2), np.nan), [0, 1, 0, 1], classes=[0, 1])
    assert not hasattr(clf, "classes_")
    # A later first call may name other classes.
    clf.partial_fit(X[:4, :2], [0, 1, 2, 1], classes=[0, 1, 2])
    np.testing.assert_array_equal(clf.classes_, [0, 1, 2])


# ------------------------------------------------------------- dropout
def test_dropout_masks_continue_across_partial_fit_calls():
    # Issue 18: with an int random_state every call re-drew the first masks,
    # so the units they dropped were never trained.
    X, y = load_digits(return_X_y=True)
    X = X / 16.0
    clf = ScratchMLPClassifier((32,), "tanh", dropout=0.5, alpha=0.0, random_state=0)
    clf.partial_fit(X[:1], y[:1], classes=np.unique(y))
    after_first = clf.coefs_[0].copy()
    for i in range(1, 300):
        clf.partial_fit(X[i : i + 1], y[i : i + 1])
    trained = (clf.coefs_[0] != after_first).any(axis=0)
    assert trained.all(), f"units never trained: {np.flatnonzero(~trained)}"


def test_dropout_masks_continue_across_warm_start_fits_and_pickles():
    X, y = load_digits(return_X_y=True)
    X, y = X[:100] / 16.0, y[:100]
    params = dict(hidden_layer_sizes=(16,), dropout=0.5, random_state=0, max_iter=1)
    a = ScratchMLPClassifier(warm_start=True, shuffle=False, **params).fit(X, y)
    first = a._dropout_rng.bit_generator.state
    a.fit(X, y)
    assert a._dropout_rng.bit_generator.state != first
    # A pickle holds the stream: the copy goes on exactly as the original.
    b = pickle.loads(pickle.dumps(a))
    a.fit(X, y)
    b.fit(X, y)
    for p, q in zip(a.coefs_, b.coefs_):
        np.testing.assert_array_equal(p, q)
    # A new fit (warm_start=False) starts the stream again from random_state.
    fresh = ScratchMLPClassifier(shuffle=False, **params).fit(X, y)
    a.set_params(warm_start=False).fit(X, y)
    for p, q in zip(a.coefs_, fresh.coefs_):
        np.testing.assert_array_equal(p, q)


# --------------------------------------------------------- class_weight
@pytest.mark.parametrize(
    "class_weight, target, match",
    [
        ({0: np.nan, 1: 1.0}, "binary", "Input class_weight contains NaN"),
        ({0: -1.0, 1: 1.0}, "binary", "Negative values in data passed to class_weight"),
        ({0: np.inf, 1: 1.0}, "binary", "class_weight contains infinity"),
        ({0: "a", 1: 1.0}, "binary", "class_weight must map classes to numbers"),
        ([1.0, 5.0], "binary", "class_weight may be a list .* only for multilabel"),
        ([{0: 1.0, 1: 1.0}], "binary", "class_weight may be a list"),
        (
            [{0: 1.0, 1: -2.0}, {0: 1.0, 1: 1.0}, {0: 1, 1: 1}],
            "multilabel",
            r"Negative values in data passed to class_weight\[0\]",
        ),
        (
            ["balanced", {0: 1.0, 1: np.nan}, "balanced"],
            "multilabel",
            r"class_weight\[1\]",
        ),
        ([1.0, 2.0, 3.0], "multilabel", "list of 3 dicts"),
    ],
)
def test_class_weight_values_are_validated(class_weight, target, match):
    y = Y_MULTILABEL if target == "multilabel" else Y_MULTILABEL[:, 0]
    clf = ScratchMLPClassifier((3,), class_weight=class_weight, max_iter=2)
    with pytest.raises(ValueError, match=match):
        clf.fit(X, y)
    assert not hasattr(clf, "coefs_")


def test_valid_class_weights_still_fit():
    for class_weight, y in [
        ({0: 0.0, 1: 2.0}, Y_MULTILABEL[:, 0]),
        ([{0: 1.0, 1: 2.0}, "balanced", {0: 0.5, 1: 0.5}], Y_MULTILABEL),
    ]:
        clf = ScratchMLPClassifier((3,), class_weight=class_weight, max_iter=2)
        assert np.isfinite(clf.fit(X, y).loss_)


def test_a_pickle_from_before_the_cosine_schedule_keeps_its_optimizer():
    rng = np.random.RandomState(0)
    X, y = rng.normal(size=(60, 4)), rng.randint(0, 3, 60)
    model = ScratchMLPClassifier(hidden_layer_sizes=(5,), random_state=0)
    model.partial_fit(X, y, classes=[0, 1, 2])
    twin = pickle.loads(pickle.dumps(model))
    # The settings tuple as versions without learning_rate="cosine" stored it.
    solver, _, *settings = model._optimizer_settings_used
    model._optimizer_settings_used = (solver, *settings)
    old = pickle.loads(pickle.dumps(model))
    for estimator in (old, twin):
        estimator.partial_fit(X, y)
    for got, expected in zip(old.coefs_, twin.coefs_):
        np.testing.assert_array_equal(got, expected)
