"""
==========================================
Grid search on a dask.distributed cluster
==========================================

scikit-learn's model selection runs its fits through joblib, and joblib can
hand them to a `dask.distributed <https://distributed.dask.org>`_ cluster: the
only change to the code is the ``with joblib.parallel_backend("dask")`` block
around ``fit``. Each candidate-and-fold fit is pickled to a worker process,
trained there and pickled back, so the results are those of the local run,
number for number: same ``random_state``, same folds, same scores.

This example runs a :class:`~sklearn.model_selection.GridSearchCV` over
:class:`~skperceptron.ScratchMLPClassifier` on part of MNIST twice, locally and
on the cluster, checks that ``cv_results_`` agree exactly and prints both wall
times. Point it at a real cluster by giving the scheduler's address::

    python examples/distributed_grid_search.py --scheduler tcp://10.0.0.5:8786

or through dask's own environment variable::

    export DASK_SCHEDULER_ADDRESS=tcp://10.0.0.5:8786
    python examples/distributed_grid_search.py

Every worker needs ``skperceptron`` installed (``pip install
skperceptron[distributed]``). Without an address the example starts a
``LocalCluster`` of worker processes listening on 127.0.0.1 only. It is not
run when the documentation is built: see :doc:`/scaling` for measured times.
``SKPERCEPTRON_EXAMPLE_SMALL=1`` makes it search on 1500 images only.
"""

# %%
# The search
# ----------
# Nothing here knows about dask: this is the code one would write for a single
# machine.

import argparse
import os
import time
import warnings

import joblib
import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV, StratifiedKFold
from threadpoolctl import threadpool_limits

from skperceptron import ScratchMLPClassifier
from skperceptron.datasets import load_mnist

SMALL = os.environ.get("SKPERCEPTRON_EXAMPLE_SMALL") == "1"
PARAM_GRID = {
    "hidden_layer_sizes": [(64,), (128,)],
    "alpha": [1e-4, 1e-3, 1e-2, 1e-1],
}


def make_search(n_jobs=None):
    """Return the grid search: 8 candidates times 3 folds, 24 fits and a refit."""
    return GridSearchCV(
        ScratchMLPClassifier(max_iter=10, random_state=0),
        PARAM_GRID,
        cv=StratifiedKFold(3, shuffle=True, random_state=0),
        n_jobs=n_jobs,
    )


def timed_fit(search, X, y):
    """Fit ``search`` on ``(X, y)`` and return the seconds it took."""
    started = time.perf_counter()
    with warnings.catch_warnings():
        # Ten epochs are a short budget on purpose; the search is the point.
        warnings.simplefilter("ignore", ConvergenceWarning)
        search.fit(X, y)
    return time.perf_counter() - started


# %%
# Local run, then the same search on the cluster
# ----------------------------------------------
# ``distributed.Client`` registers the cluster with joblib; inside
# ``joblib.parallel_backend("dask")`` every ``Parallel`` call that
# scikit-learn makes goes to the cluster's workers.
#
# Bit-identical scores need the same number of BLAS threads on both sides: a
# matrix product split over more threads may add its float32 terms in another
# order, and ten epochs later one test digit may be classified differently.
# dask's workers (started by a nanny, the default) run BLAS on one thread, so
# the local run is capped to one thread too. ``--local-blas-threads 0`` lifts
# the cap, to time the local run as it runs by default.


def main(argv=None):
    """Run the search locally and on a cluster; print times and check results."""
    parser = argparse.ArgumentParser(
        description="Grid search locally and on a dask.distributed cluster."
    )
    parser.add_argument(
        "--scheduler",
        default=os.environ.get("DASK_SCHEDULER_ADDRESS"),
        help="address of a running scheduler, e.g. tcp://10.0.0.5:8786 "
        "(default: $DASK_SCHEDULER_ADDRESS, else a LocalCluster on 127.0.0.1)",
    )
    parser.add_argument(
        "--n-workers",
        type=int,
        default=2,
        help="worker processes of the LocalCluster (default: 2)",
    )
    parser.add_argument(
        "--n-jobs",
        type=int,
        default=None,
        help="n_jobs of the local run: joblib's processes on this machine "
        "(default: one process)",
    )
    parser.add_argument(
        "--local-blas-threads",
        type=int,
        default=1,
        help="BLAS threads per process of the local run; 0 for the library "
        "default, which gives results that may differ in the last digits "
        "(default: 1, as on dask's workers)",
    )
    parser.add_argument(
        "--n-samples",
        type=int,
        default=1500 if SMALL else 10000,
        help="MNIST training images to search on (default: 10000, or 1500 "
        "with SKPERCEPTRON_EXAMPLE_SMALL=1)",
    )
    args = parser.parse_args(argv)

    # Imported here: the optional extra skperceptron[distributed].
    from distributed import Client, LocalCluster

    X, y = load_mnist("train", return_X_y=True)
    X, y = X[: args.n_samples], y[: args.n_samples]

    blas_threads = args.local_blas_threads or None
    local = make_search(args.n_jobs)
    # The cap holds in this process and in joblib's local worker processes.
    with (
        threadpool_limits(limits=blas_threads, user_api="blas"),
        joblib.parallel_config("loky", inner_max_num_threads=blas_threads),
    ):
        local_seconds = timed_fit(local, X, y)
    print(
        f"local, n_jobs={args.n_jobs}, BLAS threads={blas_threads or 'default'}: "
        f"{local_seconds:6.1f} s"
    )

    if args.scheduler:
        cluster = None
        client = Client(args.scheduler)
    else:
        # One thread per worker: the fits are the parallelism.
        cluster = LocalCluster(
            n_workers=args.n_workers,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=None,
        )
        client = Client(cluster)
    try:
        n_workers = len(client.scheduler_info()["workers"])
        remote = make_search()
        with joblib.parallel_backend("dask"):
            remote_seconds = timed_fit(remote, X, y)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
    print(f"dask, {n_workers} workers: {remote_seconds:6.1f} s")

    print(f"best {remote.best_params_}, accuracy {remote.best_score_:.4f}")
    if blas_threads == 1:
        for key, value in local.cv_results_.items():
            if not key.endswith("_time"):
                np.testing.assert_array_equal(value, remote.cv_results_[key], key)
        print("cv_results_ of both runs are identical")


if __name__ == "__main__":
    main()
