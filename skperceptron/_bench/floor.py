"""The BLAS floor: our epochs and predictions against the products alone."""

import statistics
import time

import numpy as np

from .._mlp import ScratchMLPClassifier
from .settings import NETWORK, fit_settings
from .timing import format_paired, paired_ratio


def measure_floor(X, y, X_test, epochs, repeats):
    """Time our epochs and predictions against the BLAS floor, alternately.

    The floor of an epoch is what no implementation calling the same BLAS
    can skip: for every batch of a shuffled epoch, the gather of its rows
    and the network's matrix products (forward, one per layer; backward, the
    weight gradient of every layer and the error reaching every layer but
    the first: five products for 784-100-10), each ``np.matmul`` writing
    into a preallocated buffer of the model's dtype. Ours is timed in its
    steady state: a model fitted once, then refitted by warm start for
    ``epochs`` more epochs. The floor of a prediction is the forward chain
    of products alone. Each ratio is ours over the floor, paired.
    """
    model = ScratchMLPClassifier(
        **fit_settings(epochs, warm_start=True, n_iter_no_change=10**9)
    )
    model.fit(X, y)
    coefs = model.coefs_
    floor = FloorBuffers(coefs, NETWORK["batch_size"], len(X_test), X.dtype)
    rng = np.random.default_rng(0)
    fit_times = {"ours": [], "floor": []}
    for _ in range(repeats):
        started = time.perf_counter()
        model.fit(X, y)
        fit_times["ours"].append((time.perf_counter() - started) / model.n_iter_)
        fit_times["floor"].append(
            sum(floor.epoch(X, rng.permutation(len(X))) for _ in range(epochs)) / epochs
        )
    predict_times = {"ours": [], "floor": []}
    for _ in range(max(5, repeats)):
        started = time.perf_counter()
        model.predict(X_test)
        predict_times["ours"].append(time.perf_counter() - started)
        predict_times["floor"].append(floor.predict(X_test))
    return {
        "products_per_batch": 3 * len(coefs) - 1,
        "fit": {
            "floor_s_per_epoch": statistics.median(fit_times["floor"]),
            "ours_s_per_epoch": statistics.median(fit_times["ours"]),
            "floor_all": fit_times["floor"],
            "ours_all": fit_times["ours"],
            "ours_over_floor": paired_ratio(fit_times["ours"], fit_times["floor"]),
        },
        "predict": {
            "floor_s": statistics.median(predict_times["floor"]),
            "ours_s": statistics.median(predict_times["ours"]),
            "floor_all": predict_times["floor"],
            "ours_all": predict_times["ours"],
            "ours_over_floor": paired_ratio(
                predict_times["ours"], predict_times["floor"]
            ),
        },
    }


class FloorBuffers:
    """The matrix products and row gathers of a network, into fixed buffers.

    Parameters
    ----------
    coefs : list of ndarray
        The network's weight matrices (their values are used as they are).
    batch_size, predict_rows : int
        The rows of a training batch and of a prediction.
    dtype : dtype
    """

    def __init__(self, coefs, batch_size, predict_rows, dtype):
        self.coefs = [np.ascontiguousarray(coef, dtype=dtype) for coef in coefs]
        n_inputs = self.coefs[0].shape[0]
        self.rows = np.empty((batch_size, n_inputs), dtype)
        # activations[l]: the output of layer l's product; errors[l]: the
        # error reaching layer l's output (the backward products' operands).
        self.activations = [
            np.empty((batch_size, coef.shape[1]), dtype) for coef in self.coefs
        ]
        self.errors = [
            np.empty((batch_size, coef.shape[0]), dtype) for coef in self.coefs[1:]
        ]
        self.gradients = [np.empty_like(coef) for coef in self.coefs]
        self.predicted = [
            np.empty((predict_rows, coef.shape[1]), dtype) for coef in self.coefs
        ]

    def epoch(self, X, order):
        """Return the seconds of one epoch's gathers and products."""
        batch_size = len(self.rows)
        started = time.perf_counter()
        for start in range(0, len(order), batch_size):
            idx = order[start : start + batch_size]
            size = len(idx)
            # mode="clip" writes straight into ``out`` ("raise" buffers it).
            layer_input = np.take(X, idx, axis=0, out=self.rows[:size], mode="clip")
            inputs = [layer_input]
            for coef, activation in zip(self.coefs, self.activations):
                inputs.append(np.matmul(inputs[-1], coef, out=activation[:size]))
            error = inputs[-1]
            for layer in range(len(self.coefs) - 1, -1, -1):
                np.matmul(inputs[layer].T, error, out=self.gradients[layer])
                if layer > 0:
                    error = np.matmul(
                        error,
                        self.coefs[layer].T,
                        out=self.errors[layer - 1][:size],
                    )
        return time.perf_counter() - started

    def predict(self, X):
        """Return the seconds of the forward chain of products over ``X``."""
        started = time.perf_counter()
        layer_input = X
        for coef, out in zip(self.coefs, self.predicted):
            layer_input = np.matmul(layer_input, coef, out=out[: len(X)])
        return time.perf_counter() - started


def print_floor(dtype, floor):
    """Print the floor's two lines under the fit table's row of ``dtype``."""
    fit, predict = floor["fit"], floor["predict"]
    print(
        f"{'':8} floor, fit: the row gather and {floor['products_per_batch']} "
        f"BLAS products of each batch {fit['floor_s_per_epoch']:.3f} s/epoch; ours "
        f"(warm start, steady state) {fit['ours_s_per_epoch']:.3f}; ours / floor "
        f"{format_paired(fit['ours_over_floor'])}"
    )
    print(
        f"{'':8} floor, predict: the products alone "
        f"{predict['floor_s'] * 1e3:.1f} ms; ours {predict['ours_s'] * 1e3:.1f} "
        f"ms; ours / floor {format_paired(predict['ours_over_floor'])}"
    )
