"""The trainer on its own: a network, an optimizer and plain settings, no estimator."""

import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning

from skperceptron._network import Network
from skperceptron._optimizers import Adam
from skperceptron._training import (
    EarlyStopping,
    StochasticSettings,
    StochasticTrainer,
    TrainingRecord,
)

X = np.random.RandomState(0).normal(size=(60, 4))
Y = (X[:, :1] + X[:, 1:2] > 0).astype(float)


def _network_and_optimizer():
    network = Network([4, 5, 1], "relu", "binary_log_loss", np.float64)
    network.initialize(np.random.RandomState(0))
    optimizer = Adam(network.params.shape[0], np.float64, 0.01, 0.9, 0.999, 1e-8)
    return network, optimizer


def _settings(max_iter=8):
    return StochasticSettings(
        alpha=1e-4,
        batch_size=16,
        max_iter=max_iter,
        shuffle=True,
        tol=0.0,
        n_iter_no_change=np.inf,
        cosine=False,
        verbose=False,
        dropout=[0.0],
    )


def _train(trainer, early_stopping=False):
    network, optimizer = _network_and_optimizer()
    record = TrainingRecord.start(early_stopping)
    trainer.fit(network, optimizer, X, Y, None, np.random.RandomState(1), record)
    return network, record


def test_the_epoch_hook_sees_every_epoch_and_can_stop_training():
    seen = []

    def hook(epoch):
        record, params = epoch.record, epoch.network.params
        seen.append((record.n_iter, record.loss, params.copy()))
        return epoch.record.n_iter == 3

    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        network, record = _train(StochasticTrainer(_settings(), on_epoch_end=[hook]))
    assert [n for n, _, _ in seen] == [1, 2, 3]
    assert [loss for _, loss, _ in seen] == record.loss_curve
    assert record.n_iter == 3
    np.testing.assert_array_equal(seen[-1][2], network.params)
    # Three epochs of an 8-epoch run are the 3-epoch run, warning aside.
    with pytest.warns(ConvergenceWarning):
        _, short = _train(StochasticTrainer(_settings(max_iter=3)))
    assert short.loss_curve == record.loss_curve


def test_hooks_change_nothing_when_they_do_not_stop():
    calls = []
    hooks = [calls.append, lambda epoch: None]
    with pytest.warns(ConvergenceWarning):
        network, record = _train(StochasticTrainer(_settings(), on_epoch_end=hooks))
    with pytest.warns(ConvergenceWarning):
        plain_network, plain = _train(StochasticTrainer(_settings()))
    assert len(calls) == 8
    assert record.loss_curve == plain.loss_curve
    np.testing.assert_array_equal(network.params, plain_network.params)


def test_early_stopping_hook_sees_the_validation_set_and_best_params_return():
    early = EarlyStopping(
        0.25,
        score=lambda X_val, y_val, sw: float(-np.abs(X_val).sum()) + len(scores),
        decode=lambda Y_val: Y_val[:, 0],
        stratify=True,
    )
    scores = []

    def hook(epoch):
        scores.append(epoch.record.validation_scores[-1])
        assert epoch.validation.X.shape == (15, 4)
        np.testing.assert_array_equal(epoch.validation.y, epoch.validation.Y[:, 0])
        return epoch.record.n_iter == 2

    network, record = _train(
        StochasticTrainer(_settings(), early_stopping=early, on_epoch_end=[hook]),
        early_stopping=True,
    )
    assert record.validation_scores == scores
    assert record.n_iter == 2
    assert record.best_validation_score == max(scores)
