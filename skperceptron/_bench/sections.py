"""The in-process sections: fit and predict, PyTorch, linearity and scaling.

Each section prints its table as it goes and returns its numbers for the JSON
file: the head-to-head fit and predict table (both dtypes, with the BLAS floor
under each), PyTorch CPU on the same network when it is importable, the time
per epoch against the number of samples, and the scaling tables over hidden
widths and batch sizes.
"""

import statistics
import time
import tracemalloc

import numpy as np
from sklearn.neural_network import MLPClassifier

from .._mlp import ScratchMLPClassifier
from .floor import measure_floor, print_floor
from .settings import fit_settings
from .timing import (
    alternate,
    describe_ratio,
    format_ratio,
    median_epoch_time,
    paired_ratio,
    timed_fit,
    verdict,
)

NO_TORCH = "PyTorch not installed; skipped"


def fit_and_predict(X_train, y_train, X_test, y_test, settings):
    """Compare fits and predictions with scikit-learn's, float32 and float64.

    Parameters
    ----------
    X_train, y_train, X_test, y_test : ndarray
        MNIST's training and test images and labels, as the run cuts them.
    settings : dict
        The run's settings (``epochs``, ``repeats``).

    Returns
    -------
    rows : list of dict
        One row per dtype: ours, scikit-learn's, their paired ratios and
        the BLAS floor.
    """
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
    rows = []
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
        rows.append(row)
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
        row["floor"] = measure_floor(
            X_train.astype(dtype, copy=False),
            y_train,
            X_test.astype(dtype, copy=False),
            epochs,
            settings["repeats"],
        )
        print_floor(dtype, row["floor"])
    return rows


def pytorch(X_train, y_train, X_test, y_test, epochs):
    """Train the same network with PyTorch's eager CPU loop, and say how it went.

    Parameters
    ----------
    X_train, y_train, X_test, y_test : ndarray
        MNIST's training and test images and labels, as the run cuts them.
    epochs : int
        Epochs of the timed training.

    Returns
    -------
    results : dict
        ``version``, ``s_per_epoch`` and ``test_accuracy``; or ``skipped``
        (:data:`NO_TORCH`) when PyTorch is not installed.
    """
    results = _train_pytorch(X_train, y_train, X_test, y_test, epochs)
    if "skipped" in results:
        print(f"\nPyTorch CPU: {results['skipped']}")
    else:
        print(
            f"\nPyTorch CPU {results['version']} (eager, same network, float32): "
            f"{results['s_per_epoch']:.3f} s/epoch, test accuracy "
            f"{results['test_accuracy']:.4f}"
        )
    return results


def linearity(X_train, y_train, settings):
    """Time our epochs over growing numbers of samples.

    Parameters
    ----------
    X_train, y_train : ndarray
        MNIST's training images and labels, float32.
    settings : dict
        The run's settings (``linearity_rows``, ``epochs``, ``repeats``).

    Returns
    -------
    rows : list of dict
        ``n_samples``, ``s_per_epoch`` and ``s_per_10k`` for each size.
    """
    epochs = settings["epochs"]
    print("\n== Time per epoch against the number of samples (ours, float32)")
    print(f"{'n_samples':>9} {'s/epoch':>8} {'s per 10k':>10}")
    results = []
    for rows in settings["linearity_rows"]:
        seconds = median_epoch_time(
            ScratchMLPClassifier,
            X_train[:rows],
            y_train[:rows],
            epochs,
            settings["repeats"],
        )
        results.append(
            {
                "n_samples": rows,
                "s_per_epoch": seconds,
                "s_per_10k": seconds * 1e4 / rows,
            }
        )
        print(f"{rows:9d} {seconds:8.3f} {seconds * 1e4 / rows:10.4f}")
    return results


def scaling(X_train, y_train, settings):
    """Compare epochs with scikit-learn's over hidden widths and batch sizes.

    Parameters
    ----------
    X_train, y_train : ndarray
        MNIST's training images and labels, float32.
    settings : dict
        The run's settings (``scaling_rows``, ``widths``, ``batch_sizes``,
        ``epochs``, ``repeats``).

    Returns
    -------
    results : dict
        ``n_samples``, and for ``width`` and ``batch_size`` one cell per
        value (see :func:`scaling_line`).
    """
    epochs = settings["epochs"]
    rows = settings["scaling_rows"]
    results = {"n_samples": rows, "width": [], "batch_size": []}
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
            times = alternate(
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
            results[axis].append(cell)
            print(scaling_line(value, cell, epochs))
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


def _compare(X, y, X_test, y_test, epochs, repeats):
    """Fit, predict and trace memory for ours and scikit-learn's, alternately."""
    estimators = (("ours", ScratchMLPClassifier), ("sklearn", MLPClassifier))
    fit_times = {name: [] for name, _ in estimators}
    models = {}
    for _ in range(repeats):
        for name, cls in estimators:
            models[name], seconds = timed_fit(cls, X, y, epochs)
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
        cls(**fit_settings(1)).fit(X, y)
        return tracemalloc.get_traced_memory()[1] - before
    finally:
        tracemalloc.stop()


def _train_pytorch(X_train, y_train, X_test, y_test, epochs):
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
