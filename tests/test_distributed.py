"""Model selection on a dask.distributed cluster reproduces the local run.

The cluster is a ``LocalCluster`` of two worker *processes* listening on the
loopback interface only, so every estimator crosses a process boundary by
pickling, exactly as it would on a real cluster.

dask's workers run BLAS on one thread (the nanny sets ``OMP_NUM_THREADS=1``
and friends), and a matrix product split over several threads may add its
terms in another order, so the local reference runs are capped to one BLAS
thread as well: the results are then identical, bit for bit.
"""

import joblib
import numpy as np
import pytest
from scipy.stats import loguniform
from sklearn.base import clone
from sklearn.datasets import load_digits, make_regression
from sklearn.model_selection import (
    GridSearchCV,
    KFold,
    RandomizedSearchCV,
    StratifiedKFold,
    cross_validate,
)
from threadpoolctl import threadpool_limits

from skperceptron import ScratchMLPClassifier, ScratchMLPRegressor

distributed = pytest.importorskip("distributed")

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


@pytest.fixture(scope="module")
def client(request):
    cluster = distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address=None,
    )
    request.addfinalizer(cluster.close)
    client = distributed.Client(cluster)
    request.addfinalizer(client.close)
    return client


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    return X[:450] / 16.0, y[:450]


@pytest.fixture(scope="module")
def regression():
    X, y = make_regression(n_samples=240, n_features=8, noise=5.0, random_state=0)
    return X, y / y.std()


def locally(fit, *args, **kwargs):
    """Call ``fit`` in this process with BLAS on one thread, as in a worker."""
    with threadpool_limits(limits=1, user_api="blas"):
        return fit(*args, **kwargs)


def on_cluster(client, search, *args):
    """Run ``search(*args)`` through joblib's dask backend; return its tasks."""
    with distributed.get_task_stream(client) as stream:
        with joblib.parallel_backend("dask"):
            search(*args)
    return stream.data


def assert_same_cv_results(local, remote):
    assert local.cv_results_.keys() == remote.cv_results_.keys()
    for key, value in local.cv_results_.items():
        if key.endswith("_time"):
            continue
        if key == "params":
            assert value == remote.cv_results_[key]
        elif np.ma.isMaskedArray(value):
            np.testing.assert_array_equal(value.data, remote.cv_results_[key].data)
            np.testing.assert_array_equal(value.mask, remote.cv_results_[key].mask)
        else:
            np.testing.assert_array_equal(value, remote.cv_results_[key], err_msg=key)
    assert local.best_params_ == remote.best_params_
    assert_same_model(local.best_estimator_, remote.best_estimator_)


def assert_same_model(local, remote):
    for a, b in zip(
        local.coefs_ + local.intercepts_, remote.coefs_ + remote.intercepts_
    ):
        np.testing.assert_array_equal(a, b)
    assert local.n_iter_ == remote.n_iter_
    if hasattr(local, "loss_curve_"):
        np.testing.assert_array_equal(local.loss_curve_, remote.loss_curve_)


def assert_ran_on(client, tasks):
    """The cluster's workers, and nothing else, ran the search's fits."""
    assert tasks, "no task reached the cluster: joblib ran the search locally"
    workers = set(client.scheduler_info()["workers"])
    assert {task["worker"] for task in tasks} <= workers


def test_grid_search_matches_local_run(client, digits):
    X, y = digits
    search = GridSearchCV(
        ScratchMLPClassifier(max_iter=25, learning_rate_init=0.01, random_state=0),
        {
            "hidden_layer_sizes": [(16,), (24, 12)],
            "alpha": [1e-4, 1e-1],
            "dropout": [0.0, 0.2],
        },
        cv=StratifiedKFold(3, shuffle=True, random_state=0),
        return_train_score=True,
    )
    local = locally(clone(search).fit, X, y)
    tasks = on_cluster(client, search.fit, X, y)

    assert_ran_on(client, tasks)
    assert_same_cv_results(local, search)
    assert local.best_score_ > 0.85


def test_randomized_search_matches_local_run(client, regression):
    X, y = regression
    search = RandomizedSearchCV(
        ScratchMLPRegressor(max_iter=40, random_state=0),
        {
            "alpha": loguniform(1e-5, 1e-1),
            "learning_rate_init": loguniform(1e-3, 3e-2),
            "hidden_layer_sizes": [(8,), (16,)],
            "solver": ["adam", "sgd"],
        },
        n_iter=6,
        cv=KFold(3, shuffle=True, random_state=0),
        random_state=0,
    )
    local = locally(clone(search).fit, X, y)
    tasks = on_cluster(client, search.fit, X, y)

    assert_ran_on(client, tasks)
    assert_same_cv_results(local, search)


def test_cross_validate_matches_local_run(client, digits):
    X, y = digits
    model = ScratchMLPClassifier(
        hidden_layer_sizes=(16,),
        solver="lbfgs",
        class_weight="balanced",
        max_iter=60,
        random_state=0,
    )
    cv = StratifiedKFold(4, shuffle=True, random_state=0)
    options = {"cv": cv, "return_train_score": True, "return_estimator": True}

    local = locally(cross_validate, model, X, y, **options)
    remote = {}
    tasks = on_cluster(
        client, lambda: remote.update(cross_validate(model, X, y, **options))
    )

    assert_ran_on(client, tasks)
    np.testing.assert_array_equal(local["test_score"], remote["test_score"])
    np.testing.assert_array_equal(local["train_score"], remote["train_score"])
    for a, b in zip(local["estimator"], remote["estimator"]):
        assert_same_model(a, b)
    assert local["test_score"].mean() > 0.85


@pytest.mark.parametrize("Estimator", [ScratchMLPClassifier, ScratchMLPRegressor])
def test_estimator_trained_in_a_worker_predicts_and_trains_on_locally(
    client, digits, Estimator
):
    X, y = digits
    if Estimator is ScratchMLPRegressor:
        y = y / 9.0
    model = Estimator(hidden_layer_sizes=(16,), max_iter=20, random_state=0)

    # Fitted in a worker process and pickled back ...
    remote = client.submit(model.fit, X, y).result()
    local = locally(clone(model).fit, X, y)
    assert remote is not model and not hasattr(model, "coefs_")
    assert_same_model(local, remote)
    np.testing.assert_array_equal(remote.predict(X), local.predict(X))

    # ... the optimizer state came along: training goes on as it would have.
    locally(remote.partial_fit, X, y)
    locally(local.partial_fit, X, y)
    assert_same_model(local, remote)

    # And a locally fitted model trains on in a worker.
    remote = client.submit(remote.partial_fit, X, y).result()
    locally(local.partial_fit, X, y)
    assert_same_model(local, remote)
    np.testing.assert_array_equal(remote.predict(X), local.predict(X))
