"""Benchmark skperceptron against scikit-learn's MLPClassifier on bundled MNIST.

Ours and scikit-learn's estimator are fitted alternately in one process on the
same data with the same settings (a 784-100-10 ReLU network, adam, batches of
200, ``alpha=1e-4``), for float32 and float64 input. For each the benchmark
prints the seconds per epoch, the ratio, the test accuracy, the time to
predict the 10,000 test images and the peak memory that tracemalloc sees
during a fit, and ours against the BLAS floor (:func:`_floor`: the batch
gathers and matrix products alone, timed alternately with our steady-state
epochs and predictions); then PyTorch CPU on the same network when it is
importable; the time per epoch against the number of samples; a table over
hidden widths and batch sizes; the cold start of a fresh process; a script's
first fit in fresh processes (:func:`_first_fit`: import, then a default fit
of 15 epochs on float32 MNIST); and, in the full run, the
15-second recipe (:func:`recipe`: PCA to :data:`RECIPE_COMPONENTS`
components, then a network with dropout and a cosine schedule, :data:`RECIPE`)
with its fit time and test accuracy.

Every timing is repeated, ours and scikit-learn's alternately, and each
ratio is the median of the ratios of neighbouring pairs, printed with its
interquartile range and said in words (:func:`verdict`: "ours is 1.6x
faster", or why the run cannot tell): pairing makes
the ratios fair on a busy machine; the absolute seconds are not, so the
machine's description and load are printed with them.
"""

import contextlib
import datetime
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
import warnings
from pathlib import Path

import numpy as np
from sklearn.decomposition import PCA
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import make_pipeline

from ._backends import COMPILED_MIN_WORK, host_kernels
from ._kernels import NUMPY_KERNELS
from ._machine import format_load, load_average
from ._mlp import ScratchMLPClassifier
from .datasets import load_mnist

#: The network of the head-to-head comparison (scikit-learn's defaults).
NETWORK = {"hidden_layer_sizes": (100,), "batch_size": 200, "random_state": 0}

#: The 15-second recipe's first step: the 784 pixels projected on their first
#: 80 principal components (scikit-learn's PCA), so that the network's first
#: layer, which costs most of an epoch on raw pixels, costs a tenth.
RECIPE_COMPONENTS = 80

#: The 15-second recipe's network, after the PCA step (see :func:`recipe`): a
#: 768-unit hidden layer with dropout, SGD with Nesterov momentum and
#: skperceptron's cosine schedule, which anneals the rate from 0.3 to 0 over
#: the 20 epochs; chosen on a validation split of the training set
#: (``benchmarks/recipe_search.py``).
RECIPE = {
    "hidden_layer_sizes": (768,),
    "dropout": 0.2,
    "alpha": 5e-4,
    "solver": "sgd",
    "learning_rate_init": 0.3,
    "momentum": 0.9,
    "learning_rate": "cosine",
    "batch_size": 256,
    "max_iter": 20,
    "n_iter_no_change": 20,
    "random_state": 0,
}


def recipe(network=ScratchMLPClassifier, **params):
    """Return the 15-second recipe: PCA, then the network.

    Parameters
    ----------
    network : estimator class, default=ScratchMLPClassifier
        The network's class (the bench passes scikit-learn's to compare).
    **params
        The network's settings; :data:`RECIPE` when none are given.

    Returns
    -------
    pipeline : sklearn.pipeline.Pipeline
    """
    return make_pipeline(
        PCA(RECIPE_COMPONENTS, random_state=0), network(**(params or RECIPE))
    )


#: The accuracy recipe: 98.64% test accuracy on MNIST from a fit of about 70 s
#: on two cores (32 epochs). SGD with Nesterov momentum; the adaptive schedule
#: divides the learning rate by 5 each time the training loss improves by less
#: than ``tol`` two epochs running, and the fit stops by itself when the rate
#: falls below 1e-6: ``max_iter`` is only a bound it never reaches.
ADAPTIVE_RECIPE = {
    "hidden_layer_sizes": (512, 256),
    "dropout": 0.2,
    "solver": "sgd",
    "learning_rate_init": 0.05,
    "momentum": 0.9,
    "learning_rate": "adaptive",
    "tol": 2e-3,
    "n_iter_no_change": 1,
    "batch_size": 128,
    "max_iter": 50,
    "random_state": 0,
}

#: Settings of the full run and of ``--quick`` (a CI smoke run of seconds).
SETTINGS = {
    "full": {
        "train_rows": 60000,
        "test_rows": 10000,
        # Many short alternated fits: their paired median shrugs off a busy
        # machine.
        "epochs": 2,
        "repeats": 5,
        "linearity_rows": (15000, 30000, 60000),
        "scaling_rows": 20000,
        "widths": (64, 128, 256, 512, 1024),
        "batch_sizes": (32, 64, 128, 256, 512, 1024),
        "cold_start_repeats": 5,
        "first_fit_repeats": 5,
    },
    "quick": {
        "train_rows": 2000,
        "test_rows": 500,
        "epochs": 1,
        # Short fits are the noisiest: more pairs keep the medians stable.
        "repeats": 7,
        "linearity_rows": (1000, 2000),
        "scaling_rows": 1000,
        "widths": (16, 32),
        "batch_sizes": (50, 100),
        "cold_start_repeats": 1,
        "first_fit_repeats": 2,
    },
}

NO_TORCH = "PyTorch not installed; skipped"


def run(args):
    """Run the benchmark, print its tables and optionally write JSON and a plot.

    Parameters
    ----------
    args : argparse.Namespace
        With ``epochs``, ``json``, ``quick``, ``no_recipe``, ``blas_threads``
        and ``plot``, as ``python -m skperceptron bench`` parses and checks
        them.

    Returns
    -------
    status : int
        0: the benchmark ran to its end.
    """
    settings = dict(SETTINGS["quick" if args.quick else "full"])
    if args.epochs is not None:
        settings["epochs"] = args.epochs
    limits = contextlib.nullcontext()
    if args.blas_threads is not None:
        from threadpoolctl import threadpool_limits

        limits = threadpool_limits(limits=args.blas_threads, user_api="blas")
    with limits, warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        results = _benchmark(settings, with_recipe=not (args.quick or args.no_recipe))
    results["command"] = _command(args)
    if args.json is not None:
        args.json.write_text(json.dumps(results, indent=2) + "\n")
        print(f"\nwrote {args.json}")
    if args.plot is not None:
        _plot(results, args.plot)
        print(f"wrote {args.plot}")
    return 0


def _command(args):
    """Return the command line that reproduces this run."""
    words = ["python -m skperceptron bench"]
    if args.quick:
        words.append("--quick")
    if args.no_recipe:
        words.append("--no-recipe")
    for option in ("epochs", "blas_threads", "json", "plot"):
        value = getattr(args, option)
        if value is not None:
            words.append(f"--{option.replace('_', '-')} {value}")
    return " ".join(words)


# ------------------------------------------------------------------ the runs
def _benchmark(settings, with_recipe):
    """Run every section, printing as it goes; return all the numbers."""
    results = {
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(
            timespec="seconds"
        ),
        "machine": _machine(),
        "settings": {**settings, "network": _jsonable(NETWORK)},
        "load_before": load_average(),
    }
    _print_machine(results)
    X_train, y_train = load_mnist("train", return_X_y=True)
    X_test, y_test = load_mnist("test", return_X_y=True)
    X_train, y_train = (
        X_train[: settings["train_rows"]],
        y_train[: settings["train_rows"]],
    )
    X_test, y_test = X_test[: settings["test_rows"]], y_test[: settings["test_rows"]]

    epochs = settings["epochs"]
    print(
        f"\n== Fit {len(X_train)} MNIST images, 784-100-10 relu, adam, batch 200, "
        f"{epochs} epoch(s) per fit; medians of {settings['repeats']} alternated "
        "runs"
    )
    print(
        f"{'input':8} {'estimator':12} {'s/epoch':>8} "
        f"{'test acc':>9} {'predict s':>10} {'peak fit MiB':>13}"
    )
    results["fit"] = []
    for dtype in ("float32", "float64"):
        row = _compare(
            X_train.astype(dtype, copy=False),
            y_train,
            X_test.astype(dtype, copy=False),
            y_test,
            epochs,
            settings["repeats"],
        )
        row["dtype"] = dtype
        results["fit"].append(row)
        for name in ("ours", "sklearn"):
            entry = row[name]
            print(
                f"{dtype:8} {name:12} {entry['s_per_epoch']:8.3f} "
                f"{entry['test_accuracy']:9.4f} {entry['predict_s']:10.4f} "
                f"{entry['peak_fit_bytes'] / 2**20:13.1f}"
            )
        ours, theirs = row["ours"], row["sklearn"]
        fit_words = describe_ratio(
            row["fit_ratio"],
            timed_seconds=ours["s_per_epoch"] * epochs,
            medians=(theirs["s_per_epoch"], ours["s_per_epoch"]),
        )
        predict_words = describe_ratio(
            row["predict_ratio"],
            timed_seconds=ours["predict_s"],
            medians=(theirs["predict_s"], ours["predict_s"]),
        )
        print(f"{'':8} fit:     {fit_words}")
        print(f"{'':8} predict: {predict_words}")
        print(
            f"{'':8} (X itself is "
            f"{X_train.astype(dtype, copy=False).nbytes / 2**20:.1f} MiB)"
        )
        row["floor"] = _floor(
            X_train.astype(dtype, copy=False),
            y_train,
            X_test.astype(dtype, copy=False),
            epochs,
            settings["repeats"],
        )
        _print_floor(dtype, row["floor"])

    results["pytorch"] = _pytorch(X_train, y_train, X_test, y_test, epochs)
    if "skipped" in results["pytorch"]:
        print(f"\nPyTorch CPU: {results['pytorch']['skipped']}")
    else:
        torch_row = results["pytorch"]
        print(
            f"\nPyTorch CPU {torch_row['version']} (eager, same network, float32): "
            f"{torch_row['s_per_epoch']:.3f} s/epoch, test accuracy "
            f"{torch_row['test_accuracy']:.4f}"
        )

    print("\n== Time per epoch against the number of samples (ours, float32)")
    print(f"{'n_samples':>9} {'s/epoch':>8} {'s per 10k':>10}")
    results["linearity"] = []
    for rows in settings["linearity_rows"]:
        seconds = _median_epoch_time(
            ScratchMLPClassifier,
            X_train[:rows],
            y_train[:rows],
            epochs,
            settings["repeats"],
        )
        results["linearity"].append(
            {
                "n_samples": rows,
                "s_per_epoch": seconds,
                "s_per_10k": seconds * 1e4 / rows,
            }
        )
        print(f"{rows:9d} {seconds:8.3f} {seconds * 1e4 / rows:10.4f}")

    rows = settings["scaling_rows"]
    results["scaling"] = {"n_samples": rows, "width": [], "batch_size": []}
    for axis, values, label in (
        ("width", settings["widths"], "hidden width (batch 200)"),
        ("batch_size", settings["batch_sizes"], "batch size (width 100)"),
    ):
        print(f"\n== Scaling over {label}: s/epoch on {rows} images, float32")
        print(
            f"{axis:>10} {'ours':>8} {'sklearn':>8}  "
            f"{'sklearn/ours [IQR]':>18}  verdict"
        )
        for value in values:
            params = (
                {"hidden_layer_sizes": (value,)}
                if axis == "width"
                else {"batch_size": value}
            )
            times = _alternate(
                X_train[:rows],
                y_train[:rows],
                epochs,
                settings["repeats"],
                params,
            )
            cell = {
                axis: value,
                "ours": statistics.median(times["ours"]),
                "sklearn": statistics.median(times["sklearn"]),
                "ratio": paired_ratio(times["sklearn"], times["ours"]),
            }
            results["scaling"][axis].append(cell)
            print(scaling_line(value, cell, epochs))

    results["cold_start"] = _cold_start(settings["cold_start_repeats"])
    results["first_fit"] = _first_fit(X_train, y_train, settings["first_fit_repeats"])

    if with_recipe:
        results["recipe"] = _recipe(X_train, y_train, X_test, y_test)
    results["load_after"] = load_average()
    print(
        "\nload average (1, 5, 15 min): before "
        + format_load(results["load_before"])
        + "; after "
        + format_load(results["load_after"])
    )
    return results


def scaling_line(value, cell, epochs):
    """Return a line of a scaling table: the medians, the paired ratio, the verdict.

    Parameters
    ----------
    value : int
        The width or batch size of the line.
    cell : dict
        ``ours`` and ``sklearn`` (medians of the seconds per epoch) and
        ``ratio`` (as :func:`paired_ratio` returns it).
    epochs : int
        Epochs per timed fit.

    Returns
    -------
    line : str
    """
    words = verdict(
        cell["ratio"],
        timed_seconds=cell["ours"] * epochs,
        medians=(cell["sklearn"], cell["ours"]),
    )
    return (
        f"{value:10d} {cell['ours']:8.3f} {cell['sklearn']:8.3f}  "
        f"{format_ratio(cell['ratio']):>18}  {words}"
    )


def _settings(epochs, **params):
    """Keyword arguments of a timed fit: exactly ``epochs`` epochs, no early stop."""
    return {
        **NETWORK,
        "max_iter": epochs,
        "tol": 0.0,
        "n_iter_no_change": epochs + 1,
        **params,
    }


def _timed_fit(cls, X, y, epochs, **params):
    model = cls(**_settings(epochs, **params))
    started = time.perf_counter()
    model.fit(X, y)
    return model, (time.perf_counter() - started) / model.n_iter_


def _alternate(X, y, epochs, repeats, params):
    """Seconds per epoch of ours and scikit-learn's, fitted alternately."""
    times = {"ours": [], "sklearn": []}
    for _ in range(repeats):
        for name, cls in (("ours", ScratchMLPClassifier), ("sklearn", MLPClassifier)):
            times[name].append(_timed_fit(cls, X, y, epochs, **params)[1])
    return times


def _median_epoch_time(cls, X, y, epochs, repeats):
    return statistics.median(_timed_fit(cls, X, y, epochs)[1] for _ in range(repeats))


def paired_ratio(theirs, ours):
    """Summarise how many times longer scikit-learn took than ours.

    Parameters
    ----------
    theirs, ours : list of float
        Timings taken in alternation: ``theirs[i]`` next to ``ours[i]``.

    Returns
    -------
    ratio : dict
        ``median``, ``q1`` and ``q3`` (quartiles) of the per-pair ratios
        ``theirs[i] / ours[i]``, and ``pairs``, their number. Above 1, ours
        is faster.
    """
    ratios = np.asarray(theirs) / np.asarray(ours)
    q1, median, q3 = np.percentile(ratios, [25, 50, 75])
    return {
        "median": float(median),
        "q1": float(q1),
        "q3": float(q3),
        "pairs": len(ratios),
    }


#: Fewer alternated pairs than this cannot tell a winner.
MIN_PAIRS = 3

#: Timings shorter than this (seconds per timed fit or prediction) are
#: dominated by what surrounds the work and by the machine's jitter: too short
#: to tell.
MIN_TIMED_SECONDS = 0.005

#: An interquartile range of the paired ratio wider than this fraction of its
#: median is too noisy to say by how much one estimator is faster (or, when
#: it holds 1, whether either is); a narrower one that holds 1 says "no clear
#: difference".
MAX_RELATIVE_SPREAD = 0.25


#: How far (a factor) the ratio of the two medians of times may lie outside
#: the paired ratio's interquartile range before the run is too noisy to tell.
MEDIANS_TOLERANCE = 1.05


def format_ratio(ratio):
    """Write a paired ratio as its median and interquartile range.

    Parameters
    ----------
    ratio : dict
        As :func:`paired_ratio` returns it.

    Returns
    -------
    text : str
        For example ``"1.62 [1.55-1.70]"``.
    """
    return f"{ratio['median']:.2f} [{ratio['q1']:.2f}-{ratio['q3']:.2f}]"


def verdict(ratio, timed_seconds=None, medians=None):
    """Say in words which estimator is faster, or why the run cannot tell.

    Parameters
    ----------
    ratio : dict
        As :func:`paired_ratio` returns it (scikit-learn's time over ours).
    timed_seconds : float, default=None
        The median length of one of our timings (a fit, a prediction); a
        run of timings shorter than :data:`MIN_TIMED_SECONDS` is too short
        to tell.
    medians : tuple of float, default=None
        The medians of scikit-learn's and of our times, as printed beside
        the verdict: when their ratio falls outside the paired ratio's
        interquartile range (by more than :data:`MEDIANS_TOLERANCE`), the
        printed columns and the pairs disagree, and the run is too noisy to
        tell.

    Returns
    -------
    words : str
        ``"ours is 1.6x faster"`` or ``"ours is 2.0x slower"`` (the
        interquartile range is narrow and on one side of 1; when wide, the
        range is said instead of the median), ``"no clear difference"`` (it
        holds 1 and is narrow), or
        ``"too few pairs to tell"``, ``"too short to tell (...)"``, ``"too
        noisy to tell (...)"``.
    """
    median, q1, q3 = ratio["median"], ratio["q1"], ratio["q3"]
    if ratio["pairs"] < MIN_PAIRS:
        return f"too few pairs to tell ({ratio['pairs']})"
    if timed_seconds is not None and timed_seconds < MIN_TIMED_SECONDS:
        return f"too short to tell ({timed_seconds * 1e3:.0f} ms per timing)"
    if medians is not None:
        of_medians = medians[0] / medians[1]
        if not q1 / MEDIANS_TOLERANCE <= of_medians <= q3 * MEDIANS_TOLERANCE:
            return (
                f"too noisy to tell (the medians' ratio {of_medians:.2f} is "
                "outside the pairs' IQR)"
            )
    wide = q3 - q1 > MAX_RELATIVE_SPREAD * median
    if q1 > 1:
        if wide:
            return f"ours is faster, {q1:.1f}x to {q3:.1f}x (too noisy to say how much)"
        return f"ours is {median:.1f}x faster"
    if q3 < 1:
        if wide:
            return (
                f"ours is slower, {1 / q3:.1f}x to {1 / q1:.1f}x (too noisy to say "
                "how much)"
            )
        return f"ours is {1 / median:.1f}x slower"
    if wide:
        return "too noisy to tell (a wide IQR that holds 1)"
    return "no clear difference"


def describe_ratio(ratio, timed_seconds=None, medians=None):
    """Say the paired ratio in numbers and, by :func:`verdict`, in words.

    Parameters
    ----------
    ratio : dict
        As :func:`paired_ratio` returns it.
    timed_seconds, medians : optional
        As :func:`verdict` takes them.

    Returns
    -------
    words : str
        For example ``"sklearn / ours 1.62 [IQR 1.55-1.70, 7 pairs]: ours is
        1.6x faster"``.
    """
    return f"sklearn / ours {_format_paired(ratio)}: " + verdict(
        ratio, timed_seconds, medians
    )


def _compare(X, y, X_test, y_test, epochs, repeats):
    """Fit, predict and trace memory for ours and scikit-learn's, alternately."""
    estimators = (("ours", ScratchMLPClassifier), ("sklearn", MLPClassifier))
    fit_times = {name: [] for name, _ in estimators}
    models = {}
    for _ in range(repeats):
        for name, cls in estimators:
            models[name], seconds = _timed_fit(cls, X, y, epochs)
            fit_times[name].append(seconds)
    predict_times = {name: [] for name, _ in estimators}
    for _ in range(max(5, repeats)):
        for name, _ in estimators:
            started = time.perf_counter()
            models[name].predict(X_test)
            predict_times[name].append(time.perf_counter() - started)
    row = {}
    for name, cls in estimators:
        row[name] = {
            "s_per_epoch": statistics.median(fit_times[name]),
            "s_per_epoch_all": fit_times[name],
            "test_accuracy": float(np.mean(models[name].predict(X_test) == y_test)),
            "predict_s": statistics.median(predict_times[name]),
            "predict_s_all": predict_times[name],
            "peak_fit_bytes": _peak_fit_bytes(cls, X, y),
            "coef_dtype": str(models[name].coefs_[0].dtype),
        }
    row["fit_ratio"] = paired_ratio(fit_times["sklearn"], fit_times["ours"])
    row["predict_ratio"] = paired_ratio(predict_times["sklearn"], predict_times["ours"])
    row["x_bytes"] = X.nbytes
    return row


def _peak_fit_bytes(cls, X, y):
    """Peak memory tracemalloc sees during a one-epoch fit (X itself excluded)."""
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        before = tracemalloc.get_traced_memory()[0]
        cls(**_settings(1)).fit(X, y)
        return tracemalloc.get_traced_memory()[1] - before
    finally:
        tracemalloc.stop()


def _floor(X, y, X_test, epochs, repeats):
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
        **_settings(epochs, warm_start=True, n_iter_no_change=10**9)
    )
    model.fit(X, y)
    coefs = model.coefs_
    floor = _FloorBuffers(coefs, NETWORK["batch_size"], len(X_test), X.dtype)
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


class _FloorBuffers:
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


def _print_floor(dtype, floor):
    fit, predict = floor["fit"], floor["predict"]
    print(
        f"{'':8} floor, fit: the row gather and {floor['products_per_batch']} "
        f"BLAS products of each batch {fit['floor_s_per_epoch']:.3f} s/epoch; ours "
        f"(warm start, steady state) {fit['ours_s_per_epoch']:.3f}; ours / floor "
        f"{_format_paired(fit['ours_over_floor'])}"
    )
    print(
        f"{'':8} floor, predict: the products alone "
        f"{predict['floor_s'] * 1e3:.1f} ms; ours {predict['ours_s'] * 1e3:.1f} "
        f"ms; ours / floor {_format_paired(predict['ours_over_floor'])}"
    )


def _format_paired(ratio):
    return (
        f"{ratio['median']:.2f} [IQR {ratio['q1']:.2f}-{ratio['q3']:.2f}, "
        f"{ratio['pairs']} pairs]"
    )


def _recipe(X_train, y_train, X_test, y_test):
    """Fit the 15-second recipe, and scikit-learn's MLP without what it lacks."""
    print(
        "\n== The 15-second recipe (float32 input, full training set): "
        f"PCA({RECIPE_COMPONENTS}), then "
        + ", ".join(f"{key}={value!r}" for key, value in RECIPE.items())
    )
    results = {"components": RECIPE_COMPONENTS, "params": _jsonable(RECIPE)}
    model = recipe()
    started = time.perf_counter()
    model.fit(X_train, y_train)
    results["fit_s"] = time.perf_counter() - started
    results["epochs"] = model[-1].n_iter_
    results["test_accuracy"] = float(np.mean(model.predict(X_test) == y_test))
    print(
        f"PCA + ScratchMLPClassifier: fit {results['fit_s']:.1f} s "
        f"({results['epochs']} epochs), test accuracy "
        f"{results['test_accuracy']:.4f}"
    )
    # scikit-learn's MLP has no dropout and no cosine schedule (it keeps its
    # default constant rate): everything else is the recipe's.
    theirs_params = {
        key: value
        for key, value in RECIPE.items()
        if key not in ("dropout", "learning_rate")
    }
    theirs = recipe(MLPClassifier, **theirs_params)
    started = time.perf_counter()
    theirs.fit(X_train, y_train)
    results["sklearn"] = {
        "params": _jsonable(theirs_params),
        "fit_s": time.perf_counter() - started,
        "epochs": theirs[-1].n_iter_,
        "test_accuracy": float(np.mean(theirs.predict(X_test) == y_test)),
    }
    print(
        "PCA + MLPClassifier, same settings without dropout and with a constant "
        "learning rate: fit "
        f"{results['sklearn']['fit_s']:.1f} s ({results['sklearn']['epochs']} "
        f"epochs), test accuracy {results['sklearn']['test_accuracy']:.4f}"
    )
    return results


#: What a fresh process times: importing an estimator and its first small fit.
COLD_START_SCRIPT = """
import time
import warnings

started = time.perf_counter()
from {module} import {name}
import numpy as np

rng = np.random.RandomState(0)
X = rng.normal(size=(300, 20))
y = (X[:, 0] > 0).astype(int) + (X[:, 1] > 0)
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    {name}(max_iter=20, random_state=0).fit(X, y)
print(time.perf_counter() - started)
"""


def _cold_start(repeats):
    """Time import plus a first small fit in fresh processes, alternately.

    scikit-learn's MLPClassifier; ours as it runs by default (a fit this small
    takes the NumPy kernels and never imports numba); and, when numba is
    importable, ours with the compiled kernels forced: first with an empty
    numba cache (the first compile ever), then with that cache warm.
    """
    runs = {
        "sklearn": ("sklearn.neural_network", "MLPClassifier", {}),
        "ours": (
            "skperceptron",
            "ScratchMLPClassifier",
            {"SKPERCEPTRON_KERNELS": "auto"},
        ),
    }
    compiled = host_kernels() is not NUMPY_KERNELS
    print(
        "\n== Cold start: a fresh Python process imports the estimator and fits "
        f"300 samples; medians of {repeats}"
    )
    with tempfile.TemporaryDirectory() as cache:
        if compiled:
            runs["ours_compiled"] = (
                "skperceptron",
                "ScratchMLPClassifier",
                {"SKPERCEPTRON_KERNELS": "numba", "NUMBA_CACHE_DIR": cache},
            )
            first_compile = _fresh_process(*runs["ours_compiled"])
        times = {name: [] for name in runs}
        for _ in range(repeats):
            for name, run in runs.items():
                times[name].append(_fresh_process(*run))
    results = {name: statistics.median(values) for name, values in times.items()}
    labels = {
        "sklearn": "scikit-learn's MLPClassifier",
        "ours": "ours, by default (NumPy kernels here)",
        "ours_compiled": "ours, compiled kernels forced, cache warm",
    }
    for name, seconds in results.items():
        print(
            f"{labels[name]:42} {seconds:6.2f} s "
            f"({seconds / results['sklearn']:.2f}x scikit-learn's)"
        )
    if compiled:
        results["first_compile"] = first_compile
        label = "ours, compiled kernels forced, first compile"
        print(f"{label:42} {first_compile:6.2f} s")
    results["all"] = times
    return results


#: What a fresh process times for the first-fit line: importing an estimator
#: and one fit with its default parameters but ``max_iter`` (the data is read
#: before the clock starts, with NumPy alone).
FIRST_FIT_SCRIPT = """
import sys
import time
import warnings

import numpy as np

X = np.load(sys.argv[1])
y = np.load(sys.argv[2])
started = time.perf_counter()
from {module} import {name}

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    {name}(max_iter={max_iter}, random_state=0).fit(X, y)
print(time.perf_counter() - started)
"""

#: The epochs of the first-fit line's fit.
FIRST_FIT_EPOCHS = 15


def _first_fit(X, y, repeats):
    """Time a script's first fit in fresh processes, ours and theirs alternately.

    Each process reads float32 MNIST, then imports the estimator and fits it
    once with the default parameters but ``max_iter=15``: what a user's
    script pays, imports and the loading of compiled kernels included. Ours
    runs as it does by default, and, where numba is importable, with the
    NumPy kernels forced (``SKPERCEPTRON_KERNELS=numpy``), which shows what
    the compiled kernels cost and save in a process's first fit.
    """
    runs = {
        "sklearn": ("sklearn.neural_network", "MLPClassifier", {}),
        "ours": (
            "skperceptron",
            "ScratchMLPClassifier",
            {"SKPERCEPTRON_KERNELS": "auto"},
        ),
    }
    if host_kernels() is not NUMPY_KERNELS:
        runs["ours_numpy"] = (
            "skperceptron",
            "ScratchMLPClassifier",
            {"SKPERCEPTRON_KERNELS": "numpy"},
        )
    print(
        f"\n== First fit: a fresh Python process imports the estimator and fits "
        f"{len(X)} x {X.shape[1]} float32 MNIST with the default parameters but "
        f"max_iter={FIRST_FIT_EPOCHS}; {repeats} alternated rounds"
    )
    times = {name: [] for name in runs}
    with tempfile.TemporaryDirectory() as folder:
        data = [str(Path(folder) / "X.npy"), str(Path(folder) / "y.npy")]
        np.save(data[0], np.asarray(X, dtype=np.float32))
        np.save(data[1], np.asarray(y))
        script = FIRST_FIT_SCRIPT.replace("{max_iter}", str(FIRST_FIT_EPOCHS))
        for _ in range(repeats):
            for name, (module, estimator, environment) in runs.items():
                times[name].append(
                    _fresh_process(module, estimator, environment, script, data)
                )
    results = {
        "n_samples": len(X),
        "epochs": FIRST_FIT_EPOCHS,
        "all": times,
        **{name: statistics.median(values) for name, values in times.items()},
        "ratio": paired_ratio(times["sklearn"], times["ours"]),
    }
    labels = {
        "sklearn": "scikit-learn's MLPClassifier",
        "ours": "ours, by default",
        "ours_numpy": "ours, NumPy kernels forced",
    }
    for name in runs:
        print(f"{labels[name]:30} {results[name]:6.2f} s")
    print(
        describe_ratio(
            results["ratio"],
            medians=(results["sklearn"], results["ours"]),
        )
    )
    return results


def _fresh_process(module, name, environment, script=None, arguments=()):
    """Return the seconds a new interpreter takes to import ``name`` and fit.

    ``script`` (:data:`COLD_START_SCRIPT` when None) prints the seconds it
    measured on its last line; ``arguments`` are its command-line arguments.
    """
    package_root = str(Path(__file__).resolve().parents[1])
    env = {**os.environ, **environment}
    env["PYTHONPATH"] = os.pathsep.join(
        filter(None, [package_root, os.environ.get("PYTHONPATH")])
    )
    script = (script or COLD_START_SCRIPT).format(module=module, name=name)
    output = subprocess.run(
        [sys.executable, "-c", script, *arguments],
        capture_output=True,
        text=True,
        check=True,
        env=env,
    ).stdout
    return float(output.split()[-1])


def _pytorch(X_train, y_train, X_test, y_test, epochs):
    """Train the same network with PyTorch's eager CPU loop, if it is installed."""
    try:
        import torch
    except ImportError:
        return {"skipped": NO_TORCH}
    torch.manual_seed(0)
    X = torch.from_numpy(np.ascontiguousarray(X_train, dtype=np.float32))
    y = torch.from_numpy(np.asarray(y_train, dtype=np.int64))
    model = torch.nn.Sequential(
        torch.nn.Linear(784, 100), torch.nn.ReLU(), torch.nn.Linear(100, 10)
    )
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_function = torch.nn.CrossEntropyLoss()
    times = []
    for _ in range(epochs):
        started = time.perf_counter()
        order = torch.randperm(len(X))
        for start in range(0, len(X), 200):
            idx = order[start : start + 200]
            optimizer.zero_grad()
            loss_function(model(X[idx]), y[idx]).backward()
            optimizer.step()
        times.append(time.perf_counter() - started)
    with torch.no_grad():
        predicted = model(torch.from_numpy(np.asarray(X_test, np.float32))).argmax(1)
    return {
        "version": torch.__version__,
        "s_per_epoch": statistics.median(times),
        "test_accuracy": float((predicted.numpy() == y_test).mean()),
    }


# ---------------------------------------------------------------- reporting
def kernel_path():
    """Say which kernel table trains on NumPy arrays in this process, and why.

    Returns
    -------
    words : str
        For example ``"compiled (numba 0.60.0) for fits of at least 1e+08
        samples x parameters, NumPy below"`` or ``"NumPy (numba is not
        installed)"``.
    """
    kernels = host_kernels()
    if kernels is not NUMPY_KERNELS:
        import numba

        if os.environ.get("SKPERCEPTRON_KERNELS", "").strip().lower() == "numba":
            return f"compiled (numba {numba.__version__}, SKPERCEPTRON_KERNELS=numba)"
        return (
            f"compiled (numba {numba.__version__}) for fits of at least "
            f"{COMPILED_MIN_WORK:.0e} samples x parameters, NumPy below"
        )
    if os.environ.get("SKPERCEPTRON_KERNELS", "").strip().lower() == "numpy":
        return "NumPy (SKPERCEPTRON_KERNELS=numpy)"
    return "NumPy (numba is not installed)"


def _machine():
    """Describe the CPU, Python, NumPy and the BLAS libraries in use."""
    from threadpoolctl import threadpool_info

    model_name = platform.processor() or platform.machine()
    with contextlib.suppress(OSError, subprocess.SubprocessError):
        lscpu = subprocess.run(
            ["lscpu"], capture_output=True, text=True, check=True, timeout=10
        ).stdout
        for line in lscpu.splitlines():
            if line.startswith("Model name:"):
                model_name = line.split(":", 1)[1].strip()
    return {
        "cpu": model_name,
        "cores": os.cpu_count(),
        "kernels": kernel_path(),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "sklearn": __import__("sklearn").__version__,
        "blas": [
            {
                key: info.get(key)
                for key in ("internal_api", "version", "architecture", "num_threads")
            }
            | {"library": Path(info["filepath"]).name}
            for info in threadpool_info()
            if info["user_api"] == "blas"
        ],
        "openblas_env": {
            key: value for key, value in os.environ.items() if "OPENBLAS" in key
        },
    }


def _print_machine(results):
    machine = results["machine"]
    print(f"skperceptron benchmark, {results['date']}")
    print(
        f"machine: {machine['cpu']}, {machine['cores']} cores; Python "
        f"{machine['python']}, NumPy {machine['numpy']}, scikit-learn "
        f"{machine['sklearn']}"
    )
    for blas in machine["blas"]:
        print(
            f"BLAS: {blas['library']} ({blas['internal_api']} {blas['version']}, "
            f"{blas['architecture']}, {blas['num_threads']} threads)"
        )
    print(f"OPENBLAS_* environment: {machine['openblas_env'] or 'none set'}")
    print(f"kernels: {machine['kernels']}")
    print("load average (1, 5, 15 min): " + format_load(results["load_before"]))


def _jsonable(params):
    return {
        key: list(value) if isinstance(value, tuple) else value
        for key, value in params.items()
    }


def _plot(results, path):
    """Plot the fit times, predict times and the scaling table side by side."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 3, figsize=(13, 3.8), constrained_layout=True)
    names = ("ours", "sklearn")
    labels = ("skperceptron", "scikit-learn")
    dtypes = [row["dtype"] for row in results["fit"]]
    positions = np.arange(len(dtypes))
    for offset, name, label in zip((-0.27, 0.0), names, labels):
        axes[0].bar(
            positions + offset,
            [row[name]["s_per_epoch"] for row in results["fit"]],
            width=0.27,
            label=label,
        )
    axes[0].bar(
        positions + 0.27,
        [row["floor"]["fit"]["floor_s_per_epoch"] for row in results["fit"]],
        width=0.27,
        color="0.6",
        label="BLAS floor (gather + products)",
    )
    axes[0].set_xticks(positions, [f"{dtype} input" for dtype in dtypes])
    axes[0].set_ylabel("seconds per epoch")
    axes[0].set_title("Fit, MNIST 784-100-10, adam")
    axes[0].legend()
    for axis, key, title in (
        (axes[1], "width", "hidden width (batch 200)"),
        (axes[2], "batch_size", "batch size (width 100)"),
    ):
        cells = results["scaling"][key]
        values = [cell[key] for cell in cells]
        for name, label in zip(names, labels):
            axis.plot(values, [cell[name] for cell in cells], "o-", label=label)
        axis.set_xscale("log", base=2)
        axis.set_yscale("log")
        axis.set_xlabel(title)
        axis.set_ylabel("seconds per epoch")
        axis.set_title(f"Scaling, {results['scaling']['n_samples']} images, float32")
        axis.legend()
    fig.savefig(path, dpi=110)
    plt.close(fig)
