"""The core network on its own: layout, initialisation, objective and gradient."""

import numpy as np
import pytest
from finite_differences import backprop_and_central_differences

from skperceptron._activations import ACTIVATIONS
from skperceptron._kernels import dropout_hash, dropout_threshold
from skperceptron._losses import LOSSES
from skperceptron._network import Network, Workspace

RNG = np.random.RandomState(0)
X = RNG.normal(size=(9, 4))
SAMPLE_WEIGHT = RNG.uniform(0.2, 3.0, size=9)
TARGETS = {
    "squared_error": RNG.normal(size=(9, 2)),
    "poisson": RNG.poisson(1.5, size=(9, 2)).astype(float),
    "log_loss": np.eye(3)[np.arange(9) % 3],
    "binary_log_loss": RNG.randint(2, size=(9, 2)).astype(float),
}


def _network(loss, activation="tanh", units=(5, 3)):
    network = Network([4, *units, TARGETS[loss].shape[1]], activation, loss, np.float64)
    network.initialize(np.random.RandomState(1))
    return network


def _by_hand(network, X):
    """The forward formula, a_{l+1} = f_l(a_l W_l + b_l), written out."""
    a = X
    for layer, (coef, intercept) in enumerate(zip(network.coefs, network.intercepts)):
        a = a @ coef + intercept
        last = layer == len(network.coefs) - 1
        ACTIVATIONS[network.out_activation if last else network.activation](a)
    return a


def test_flat_layout_is_weights_then_biases():
    network = Network([4, 5, 3], "relu", "log_loss", np.float64)
    network.params[...] = np.arange(network.params.size)
    assert network.n_coef_params == 4 * 5 + 5 * 3
    np.testing.assert_array_equal(network.coefs[0].ravel(), np.arange(20))
    np.testing.assert_array_equal(network.coefs[1].ravel(), np.arange(20, 35))
    np.testing.assert_array_equal(network.intercepts[0], np.arange(35, 40))
    np.testing.assert_array_equal(network.intercepts[1], np.arange(40, 43))


@pytest.mark.parametrize("activation, factor", [("logistic", 2.0), ("relu", 6.0)])
def test_glorot_uniform_bounds(activation, factor):
    network = Network([300, 200, 100], activation, "log_loss", np.float64)
    network.initialize(np.random.RandomState(0))
    for coef, intercept in zip(network.coefs, network.intercepts):
        bound = np.sqrt(factor / sum(coef.shape))
        for drawn in (coef, intercept):
            assert np.abs(drawn).max() <= bound
            assert np.abs(drawn).max() > 0.95 * bound


@pytest.mark.parametrize("loss", TARGETS)
def test_training_and_prediction_forward_follow_the_formula(loss):
    network = _network(loss)
    expected = _by_hand(network, X)
    output = network.forward(X, Workspace(network, len(X)))
    np.testing.assert_allclose(output, expected, rtol=1e-14)
    # Prediction: a copy of the parameters, and a workspace without
    # backpropagation whose two buffers the three layers use in turn.
    predictor = Network.from_parameters(
        network.coefs, network.intercepts, "tanh", loss, np.float64
    )
    workspace = Workspace(predictor, len(X) + 2, backward=False)
    predicted = predictor.forward(X, workspace)
    np.testing.assert_allclose(predicted, expected, rtol=1e-14)


@pytest.mark.parametrize("loss", TARGETS)
def test_identity_output_gives_the_output_pre_activations(loss):
    network = _network(loss)
    hidden = X
    for coef, intercept in zip(network.coefs[:-1], network.intercepts[:-1]):
        hidden = np.tanh(hidden @ coef + intercept)
    expected = hidden @ network.coefs[-1] + network.intercepts[-1]
    workspace = Workspace(network, len(X), backward=False)
    output = network.forward(X, workspace, out_activation="identity")
    np.testing.assert_allclose(output, expected, rtol=1e-14)


@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
@pytest.mark.parametrize("loss", TARGETS)
def test_objective_is_the_weighted_loss_plus_the_scaled_penalty(loss, weighted):
    # J = sum_i s_i loss_i / S + alpha / (2 S) sum_l ||W_l||^2
    network, Y, alpha = _network(loss), TARGETS[loss], 0.7
    sample_weight = SAMPLE_WEIGHT if weighted else None
    total = SAMPLE_WEIGHT.sum() if weighted else len(X)
    penalty = sum((coef**2).sum() for coef in network.coefs)
    expected = LOSSES[loss](Y, _by_hand(network, X), sample_weight)
    expected += alpha / (2 * total) * penalty
    workspace = Workspace(network, len(X))
    objective = network.loss_gradient(X, Y, sample_weight, alpha, workspace)
    assert objective == pytest.approx(expected, rel=1e-13)


@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
@pytest.mark.parametrize("activation", ["identity", "logistic", "tanh", "relu"])
@pytest.mark.parametrize("loss", TARGETS)
def test_gradient_matches_central_differences(loss, activation, weighted):
    network, Y = _network(loss, activation), TARGETS[loss]
    sample_weight = SAMPLE_WEIGHT if weighted else None
    # A workspace larger than the batch: the batch uses its leading rows.
    workspace = Workspace(network, len(X) + 3)

    analytic, numeric = backprop_and_central_differences(
        network,
        workspace,
        lambda: network.loss_gradient(X, Y, sample_weight, 0.3, workspace),
    )
    np.testing.assert_allclose(analytic, numeric, atol=1e-7 * np.abs(numeric).max())


def _lowbias32(x):
    """The dropout draw's hash, in Python integers: a reference independent of NumPy."""
    x ^= x >> 16
    x = (x * 0x7FEB352D) % 2**32
    x ^= x >> 15
    x = (x * 0x846CA68B) % 2**32
    return x ^ (x >> 16)


def test_dropout_hash_is_lowbias32_of_the_keyed_unit_counter():
    keys = np.array([4_000_000_000, 12_345], dtype=np.uint32)
    # The keyed counter wraps past 2**32 inside this range.
    start = 294_967_200
    expected = [
        _lowbias32(_lowbias32((unit + 4_000_000_000) % 2**32) ^ 12_345)
        for unit in range(start, start + 200)
    ]
    np.testing.assert_array_equal(dropout_hash(start, 200, keys), expected)


def test_dropout_threshold_is_the_rate_in_32_bit_units():
    assert dropout_threshold(0.5) == 2**31
    assert dropout_threshold(0.25) == 2**30
    assert dropout_threshold(1 - 2**-40) == 2**32 - 1
    assert dropout_threshold(0.2).dtype == np.uint32


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_dropout_draws_are_bernoulli_and_independent(dtype):
    """Each unit is kept with probability 1 - rate, independently of the others.

    Over 400 batches of two 64-unit layers, the kept fraction of each layer,
    every unit's own fraction, and the correlations between neighbouring
    units, neighbouring samples, successive batches and the two layers are
    what independent draws give (within 5 standard errors).
    """
    rates, n_batches, n_samples, width = [0.3, 0.3], 400, 50, 64
    network = Network([3, width, width, 2], "relu", "log_loss", dtype)
    workspace = Workspace(network, n_samples, dropout=True)
    rng = network.kernels.dropout_rng(0)
    # kept[layer, batch, sample, unit]; read at once, as the workspace reuses
    # its mask buffers for the next batch.
    kept = np.array(
        [
            [mask != 0 for mask in workspace.dropout_masks(rng, rates, n_samples)]
            for _ in range(n_batches)
        ]
    ).swapaxes(0, 1)
    kept = kept.astype(float)
    rate = rates[0]
    n = kept[0].size
    for layer in kept:
        assert abs(layer.mean() - (1 - rate)) < 5 * np.sqrt(rate * (1 - rate) / n)
        per_unit = layer.mean(axis=(0, 1))
        unit_error = 5 * np.sqrt(rate * (1 - rate) / (n / width))
        assert np.all(np.abs(per_unit - (1 - rate)) < unit_error)
    centred = kept - kept.mean()

    def correlation(a, b):
        return float(np.mean(a * b) / np.sqrt(np.mean(a * a) * np.mean(b * b)))

    bound = 5 / np.sqrt(n)
    for layer in centred:
        assert abs(correlation(layer[..., 1:], layer[..., :-1])) < bound
        assert abs(correlation(layer[:, 1:], layer[:, :-1])) < bound
        assert abs(correlation(layer[1:], layer[:-1])) < bound
    assert abs(correlation(centred[0], centred[1])) < bound


def _buffers(workspace):
    """Every array a workspace holds: its buffers and the last batch's outputs."""
    for value in vars(workspace).values():
        for array in value if isinstance(value, list) else [value]:
            if isinstance(array, np.ndarray):
                yield array


@pytest.mark.parametrize("table", ["numpy", "compiled"])
@pytest.mark.parametrize("loss", TARGETS)
def test_a_float32_network_computes_in_float32_buffers_only(table, loss):
    # Issue 23: a float32 buffer allocated in float64 only changes the last
    # bit of the results, which tolerance-based comparisons miss; assert the
    # dtype of every buffer, before and after a weighted batch with dropout.
    from skperceptron._backends import host_kernels
    from skperceptron._kernels import NUMPY_KERNELS

    if table == "compiled":
        pytest.importorskip("numba")
    kernels = NUMPY_KERNELS if table == "numpy" else host_kernels(work=None)
    network = Network([4, 5, 3, TARGETS[loss].shape[1]], "relu", loss, np.float32)
    network = Network.from_parameters(
        network.coefs, network.intercepts, "relu", loss, np.float32, kernels
    )
    X32, Y32 = X.astype(np.float32), TARGETS[loss].astype(np.float32)
    for backward in (True, False):
        workspace = Workspace(network, 9, dropout=backward, backward=backward)
        if backward:
            masks = workspace.dropout_masks(kernels.dropout_rng(0), [0.2, 0.5], 9)
            network.loss_gradient(
                X32, Y32, SAMPLE_WEIGHT.astype(np.float32), 0.1, workspace, masks
            )
        else:
            network.forward(X32, workspace)
        dtypes = {array.dtype for array in _buffers(workspace)}
        assert dtypes == {np.dtype(np.float32)}
