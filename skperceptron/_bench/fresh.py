"""Fresh processes: the cold start and a script's first fit, timed from outside."""

import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

from .._backends import host_kernels
from .._kernels import NUMPY_KERNELS
from .timing import describe_ratio, paired_ratio

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


def _ours(**environment):
    """Return a fresh-process run of our estimator under ``environment``."""
    return ("skperceptron", "ScratchMLPClassifier", environment)


def _sklearn_and_ours():
    """Return the runs of scikit-learn's MLP and of ours as it runs by default."""
    return {
        "sklearn": ("sklearn.neural_network", "MLPClassifier", {}),
        "ours": _ours(SKPERCEPTRON_KERNELS="auto"),
    }


def cold_start(repeats):
    """Time import plus a first small fit in fresh processes, alternately.

    scikit-learn's MLPClassifier; ours as it runs by default (a fit this small
    takes the NumPy kernels and never imports numba); and, when numba is
    importable, ours with the compiled kernels forced: first with an empty
    numba cache (the first compile ever), then with that cache warm.
    """
    runs = _sklearn_and_ours()
    compiled = host_kernels() is not NUMPY_KERNELS
    print(
        "\n== Cold start: a fresh Python process imports the estimator and fits "
        f"300 samples; medians of {repeats}"
    )
    with tempfile.TemporaryDirectory() as cache:
        if compiled:
            runs["ours_compiled"] = _ours(
                SKPERCEPTRON_KERNELS="numba", NUMBA_CACHE_DIR=cache
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


def first_fit(X, y, repeats):
    """Time a script's first fit in fresh processes, ours and theirs alternately.

    Each process reads float32 MNIST, then imports the estimator and fits it
    once with the default parameters but ``max_iter=15``: what a user's
    script pays, imports and the loading of compiled kernels included. Ours
    runs as it does by default, and, where numba is importable, with the
    NumPy kernels forced (``SKPERCEPTRON_KERNELS=numpy``), which shows what
    the compiled kernels cost and save in a process's first fit.
    """
    runs = _sklearn_and_ours()
    if host_kernels() is not NUMPY_KERNELS:
        runs["ours_numpy"] = _ours(SKPERCEPTRON_KERNELS="numpy")
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
    package_root = str(Path(__file__).resolve().parents[2])
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
