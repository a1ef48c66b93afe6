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


# Each loss is scikit-learn's metric of one output, summed over the outputs and
# halved for the squared error and the Poisson deviance (the MLP's convention).
PER_OUTPUT_METRICS = {
    "squared_error": (TARGETS, PREDICTIONS, mean_squared_error, 0.5),
    "poisson": (COUNTS, MEANS, mean_poisson_deviance, 0.5),
    "binary_log_loss": (INDICATORS, POSITIVE_PROBA, log_loss, 1.0),
}


@pytest.mark.parametrize("name", PER_OUTPUT_METRICS)
def test_loss_is_the_per_output_metric_summed_over_outputs(name, weights):
    y, out, metric, factor = PER_OUTPUT_METRICS[name]
    sample_weight = WEIGHTS[weights]
    per_output = [
        metric(y[:, k], out[:, k], sample_weight=sample_weight)
        for k in range(N_OUTPUTS)
    ]
    ours = _loss(name, y, out, sample_weight)
    assert ours == pytest.approx(factor * sum(per_output), rel=1e-13)


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
