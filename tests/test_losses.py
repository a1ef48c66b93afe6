"""Each loss against scikit-learn's metrics, with and without sample weights."""

import numpy as np
import pytest
from scipy.special import expit, softmax
from sklearn.metrics import log_loss, mean_poisson_deviance, mean_squared_error

from skperceptron._losses import LOSSES

RNG = np.random.RandomState(0)
N_SAMPLES, N_OUTPUTS = 30, 3
WEIGHTS = {"unweighted": None, "weighted": RNG.uniform(0.1, 3.0, size=N_SAMPLES)}
LABELS = np.arange(N_SAMPLES) % N_OUTPUTS  # every class present
ONE_HOT = np.eye(N_OUTPUTS)[LABELS]
PROBA = softmax(RNG.normal(size=(N_SAMPLES, N_OUTPUTS)), axis=1)
INDICATORS = RNG.randint(2, size=(N_SAMPLES, N_OUTPUTS)).astype(float)
POSITIVE_PROBA = expit(RNG.normal(size=(N_SAMPLES, N_OUTPUTS)))
TARGETS = RNG.normal(size=(N_SAMPLES, N_OUTPUTS))
PREDICTIONS = RNG.normal(size=(N_SAMPLES, N_OUTPUTS))
COUNTS = RNG.poisson(1.5, size=(N_SAMPLES, N_OUTPUTS)).astype(float)  # zeros too
MEANS = np.exp(RNG.normal(size=(N_SAMPLES, N_OUTPUTS)))

pytestmark = pytest.mark.parametrize("weights", WEIGHTS)


def _loss(name, y, out, sample_weight):
    out_before = out.copy()
    loss = LOSSES[name](y, out, sample_weight)
    np.testing.assert_array_equal(out, out_before)  # the output is left as it was
    assert isinstance(loss, float)
    return loss


def test_log_loss(weights):
    sample_weight = WEIGHTS[weights]
    expected = log_loss(LABELS, PROBA, sample_weight=sample_weight)
    ours = _loss("log_loss", ONE_HOT, PROBA, sample_weight)
    assert ours == pytest.approx(expected, rel=1e-13)


def test_squared_error_is_half_the_mean_squared_error_summed_over_outputs(weights):
    sample_weight = WEIGHTS[weights]
    per_output = mean_squared_error(
        TARGETS, PREDICTIONS, sample_weight=sample_weight, multioutput="raw_values"
    )
    ours = _loss("squared_error", TARGETS, PREDICTIONS, sample_weight)
    assert ours == pytest.approx(0.5 * per_output.sum(), rel=1e-13)


def test_poisson_is_half_the_mean_poisson_deviance_summed_over_outputs(weights):
    sample_weight = WEIGHTS[weights]
    per_output = [
        mean_poisson_deviance(COUNTS[:, k], MEANS[:, k], sample_weight=sample_weight)
        for k in range(N_OUTPUTS)
    ]
    ours = _loss("poisson", COUNTS, MEANS, sample_weight)
    assert ours == pytest.approx(0.5 * sum(per_output), rel=1e-13)


def test_binary_log_loss_is_summed_over_outputs(weights):
    sample_weight = WEIGHTS[weights]
    per_output = [
        log_loss(INDICATORS[:, k], POSITIVE_PROBA[:, k], sample_weight=sample_weight)
        for k in range(N_OUTPUTS)
    ]
    ours = _loss("binary_log_loss", INDICATORS, POSITIVE_PROBA, sample_weight)
    assert ours == pytest.approx(sum(per_output), rel=1e-13)


@pytest.mark.parametrize("name", ["log_loss", "binary_log_loss"])
def test_certain_wrong_probabilities_are_clipped_to_a_finite_loss(name, weights):
    # A probability of exactly 0 for the true class is clipped to eps.
    wrong = 1.0 - ONE_HOT
    if name == "log_loss":
        wrong /= wrong.sum(axis=1, keepdims=True)
    loss = _loss(name, ONE_HOT, wrong, WEIGHTS[weights])
    per_output = -np.log(np.finfo(np.float64).eps)
    expected = per_output * (1 if name == "log_loss" else N_OUTPUTS)
    assert loss == pytest.approx(expected, rel=1e-6)
