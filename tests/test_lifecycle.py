"""The model's lifecycle and our extensions' edge cases (issue 18).

Poisson deviance where ``exp`` underflows, batches of total weight zero,
all-or-nothing partial_fit, the dropout mask stream across calls, class_weight
validation and the shapes the gradient utilities accept.
"""


import numpy as np
import pytest
from sklearn.metrics import d2_tweedie_score

from skperceptron import ScratchMLPClassifier, ScratchMLPRegressor
from skperceptron._losses import poisson_deviance
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
    # A column vector is a 1-D target, as score reads it.
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
