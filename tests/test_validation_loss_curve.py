"""The validation loss curve of early stopping (issue 25 item 2).

``validation_loss_curve_`` is the training objective (the loss of
``loss_curve_`` and its L2 term, without dropout) on the early-stopping
validation set after each epoch. Each value is checked against
:func:`skperceptron.utils.loss_and_gradients` at that epoch's parameters, on
that epoch's validation set, which the tests capture from the trainer.
"""

import copy
import pickle

import numpy as np
import pytest
from sklearn import config_context
from sklearn.datasets import load_digits, make_regression

from skperceptron import ScratchMLPClassifier, ScratchMLPRegressor, _training
from skperceptron.utils import loss_and_gradients

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

X_DIGITS, Y_DIGITS = load_digits(return_X_y=True)
X_DIGITS = X_DIGITS[:300] / 16.0
Y_DIGITS = Y_DIGITS[:300]
X_REG, Y_REG = make_regression(n_samples=200, n_features=6, noise=1.0, random_state=0)
Y_REG = Y_REG / Y_REG.std()


def _to_numpy(array):
    return array.numpy() if hasattr(array, "numpy") else np.asarray(array)


@pytest.fixture
def epochs(monkeypatch):
    """Capture each epoch's parameters and the validation set they are scored on."""
    captured = []
    original_init = _training._ValidationObjective.__init__
    original_call = _training._ValidationObjective.__call__

    def init(self, network, validation):
        original_init(self, network, validation)
        self.validation = validation

    def call(self, alpha):
        captured.append(
            (_to_numpy(self.network.params).copy(), self.validation, self.network)
        )
        return original_call(self, alpha)

    monkeypatch.setattr(_training._ValidationObjective, "__init__", init)
    monkeypatch.setattr(_training._ValidationObjective, "__call__", call)
    return captured


def _reference_curve(estimator, epochs):
    """``loss_and_gradients`` at each captured epoch, on its validation set."""
    curve = []
    for params, validation, network in epochs:
        at_epoch = copy.deepcopy(estimator)
        coefs, intercepts = network.split(network.kernels.asarray(params))
        at_epoch.coefs_ = [_to_numpy(coef) for coef in coefs]
        at_epoch.intercepts_ = [_to_numpy(b) for b in intercepts]
        curve.append(
            loss_and_gradients(
                at_epoch,
                _to_numpy(validation.X),
                validation.y,
                validation.sample_weight,
            )[0]
        )
    return curve


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize(
    "Estimator, X, y",
    [
        (ScratchMLPClassifier, X_DIGITS, Y_DIGITS),
        (ScratchMLPRegressor, X_REG, Y_REG),
    ],
)
def test_each_value_is_the_objective_at_that_epoch(
    epochs, Estimator, X, y, weighted, dtype
):
    sample_weight = (
        np.random.RandomState(1).uniform(0.2, 3, len(y)) if weighted else None
    )
    model = Estimator(
        hidden_layer_sizes=(12,),
        early_stopping=True,
        alpha=0.05,
        max_iter=6,
        random_state=0,
    ).fit(X.astype(dtype), y, sample_weight=sample_weight)
    assert len(epochs) == 6
    assert len(model.validation_loss_curve_) == len(model.validation_scores_) == 6
    if weighted:
        assert epochs[0][1].sample_weight is not None
    rtol = 1e-12 if dtype == np.float64 else 2e-6
    np.testing.assert_allclose(
        model.validation_loss_curve_, _reference_curve(model, epochs), rtol=rtol
    )
    assert all(isinstance(value, float) for value in model.validation_loss_curve_)


def test_on_torch_the_curve_is_the_objective_at_each_epoch(epochs):
    torch = pytest.importorskip("torch")
    X = torch.asarray(X_DIGITS)
    with config_context(array_api_dispatch=True):
        model = ScratchMLPClassifier(
            (12,), early_stopping=True, alpha=0.05, max_iter=4, random_state=0
        ).fit(X, Y_DIGITS)
    assert isinstance(epochs[0][1].X, torch.Tensor)
    np.testing.assert_allclose(
        model.validation_loss_curve_, _reference_curve(model, epochs), rtol=1e-12
    )


def test_dropout_is_left_out_and_training_is_unchanged():
    settings = dict(hidden_layer_sizes=(16,), max_iter=5, random_state=0, dropout=0.3)
    early = ScratchMLPClassifier(early_stopping=True, **settings).fit(
        X_DIGITS, Y_DIGITS
    )
    # The same fit with the curve's evaluation skipped: identical training.
    original = _training._ValidationObjective.__call__
    try:
        _training._ValidationObjective.__call__ = lambda self, alpha: 0.0
        without = ScratchMLPClassifier(early_stopping=True, **settings).fit(
            X_DIGITS, Y_DIGITS
        )
    finally:
        _training._ValidationObjective.__call__ = original
    for a, b in zip(
        early.coefs_ + early.intercepts_, without.coefs_ + without.intercepts_
    ):
        np.testing.assert_array_equal(a, b)
    assert early.loss_curve_ == without.loss_curve_
    assert early.validation_scores_ == without.validation_scores_


def test_none_without_early_stopping_and_absent_with_lbfgs():
    model = ScratchMLPRegressor(
        hidden_layer_sizes=(5,), max_iter=3, random_state=0
    ).fit(X_REG, Y_REG)
    assert model.validation_loss_curve_ is None
    lbfgs = ScratchMLPRegressor(
        hidden_layer_sizes=(5,), solver="lbfgs", max_iter=3
    ).fit(X_REG, Y_REG)
    assert not hasattr(lbfgs, "validation_loss_curve_")


def test_warm_start_continues_the_curve_and_a_switch_restarts_it():
    model = ScratchMLPClassifier(
        (8,), early_stopping=True, max_iter=3, warm_start=True, random_state=0
    ).fit(X_DIGITS, Y_DIGITS)
    first = list(model.validation_loss_curve_)
    model.fit(X_DIGITS, Y_DIGITS)
    assert model.validation_loss_curve_[:3] == first
    assert len(model.validation_loss_curve_) == len(model.validation_scores_) == 6
    model.set_params(early_stopping=False).fit(X_DIGITS, Y_DIGITS)
    assert model.validation_loss_curve_ is model.validation_scores_ is None
    model.set_params(early_stopping=True).fit(X_DIGITS, Y_DIGITS)
    assert len(model.validation_loss_curve_) == len(model.validation_scores_) == 3


def test_pickling_keeps_the_curve_and_an_old_pickle_continues_with_nan():
    model = ScratchMLPClassifier(
        (8,), early_stopping=True, max_iter=3, warm_start=True, random_state=0
    ).fit(X_DIGITS, Y_DIGITS)
    restored = pickle.loads(pickle.dumps(model))
    assert restored.validation_loss_curve_ == model.validation_loss_curve_
    # A model pickled before the attribute existed has it once loaded.
    state = model.__getstate__()
    del state["validation_loss_curve_"]
    restored = pickle.loads(pickle.dumps(model))
    restored.__dict__.clear()
    restored.__setstate__(state)
    assert len(restored.validation_loss_curve_) == 3
    assert np.isnan(restored.validation_loss_curve_).all()
    restored.fit(X_DIGITS, Y_DIGITS)
    assert np.isnan(restored.validation_loss_curve_[:3]).all()
    assert np.isfinite(restored.validation_loss_curve_[3:]).all()
    assert len(restored.validation_loss_curve_) == len(restored.validation_scores_)


@pytest.mark.parametrize(
    "params, expected",
    [({"early_stopping": False}, None), ({"solver": "lbfgs"}, "absent")],
)
def test_an_old_pickle_without_early_stopping_loads_as_a_new_one(params, expected):
    model = ScratchMLPClassifier((8,), max_iter=3, random_state=0, **params)
    state = model.fit(X_DIGITS, Y_DIGITS).__getstate__()
    state.pop("validation_loss_curve_", None)
    restored = ScratchMLPClassifier.__new__(ScratchMLPClassifier)
    restored.__setstate__(state)
    if expected == "absent":
        assert not hasattr(restored, "validation_loss_curve_")
    else:
        assert restored.validation_loss_curve_ is None
