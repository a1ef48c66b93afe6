"""scikit-learn's callback API on the estimators (issue 25 item 3).

A fit is a task whose subtasks are epochs (sgd, adam) or L-BFGS iterations,
each ended with the model it reached; ``partial_fit`` is one task. The scores
a ``ScoringMonitor`` records are checked against models fitted for that many
epochs without callbacks (training is bit-identical epoch by epoch).
"""

import importlib
import sys
import warnings

import numpy as np
import pytest
import sklearn
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV, cross_validate
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.fixes import parse_version

from skperceptron import ScratchMLPClassifier, ScratchMLPRegressor

HAS_CALLBACKS = parse_version(sklearn.__version__).release >= (1, 9)
needs_callbacks = pytest.mark.skipif(
    not HAS_CALLBACKS,
    reason="scikit-learn's callback API (sklearn.callback) needs scikit-learn >= 1.9",
)
pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

X_DIGITS, Y_DIGITS = load_digits(return_X_y=True)
X_DIGITS = X_DIGITS[:300] / 16.0
Y_DIGITS = Y_DIGITS[:300]
SETTINGS = dict(hidden_layer_sizes=(10,), random_state=0)


class EpochRecorder:
    """A callback (auto-propagated by meta-estimators) that keeps what it saw."""

    max_propagation_depth = None

    def __init__(self, stop_after=None):
        self.stop_after = stop_after
        self.ends = []

    def setup(self, estimator, context):
        pass

    def teardown(self, estimator, context):
        pass

    def on_fit_task_begin(self, estimator, context):
        pass

    def on_fit_task_end(self, estimator, context, *, fitted_estimator=None):
        self.ends.append(
            (type(estimator).__name__, context.task_name, fitted_estimator)
        )
        subtasks = [end for end in self.ends if end[1] in ("epoch", "lbfgs-iter")]
        return self.stop_after is not None and len(subtasks) == self.stop_after


def _rows(monitor, task_name):
    return [
        row
        for log in monitor.get_logs(select="all")
        for row in log.data
        if row["task_name"] == task_name
    ]


@needs_callbacks
@pytest.mark.parametrize("solver", ["adam", "sgd"])
def test_scoring_monitor_scores_each_epoch_as_a_fit_of_that_many_epochs(solver):
    from sklearn.callback import ScoringMonitor

    monitor = ScoringMonitor(scoring="accuracy")
    model = ScratchMLPClassifier(solver=solver, max_iter=4, **SETTINGS)
    model.set_callbacks(monitor).fit(X_DIGITS, Y_DIGITS)
    scores = [row["accuracy"] for row in _rows(monitor, "epoch")]
    expected = [
        ScratchMLPClassifier(solver=solver, max_iter=k, **SETTINGS)
        .fit(X_DIGITS, Y_DIGITS)
        .score(X_DIGITS, Y_DIGITS)
        for k in range(1, 5)
    ]
    assert scores == expected
    assert [row["task_id"] for row in _rows(monitor, "epoch")] == [0, 1, 2, 3]
    # The fit task itself is scored at its end, as the fitted estimator.
    assert [row["accuracy"] for row in _rows(monitor, "fit")] == [expected[-1]]
    # Callbacks do not change training.
    plain = ScratchMLPClassifier(solver=solver, max_iter=4, **SETTINGS)
    plain.fit(X_DIGITS, Y_DIGITS)
    for a, b in zip(model.coefs_ + model.intercepts_, plain.coefs_ + plain.intercepts_):
        np.testing.assert_array_equal(a, b)


@needs_callbacks
def test_each_epoch_ends_with_a_copy_of_its_model_and_early_stopping_works():
    recorder = EpochRecorder()
    model = ScratchMLPRegressor(max_iter=5, early_stopping=True, **SETTINGS)
    model.set_callbacks(recorder).fit(X_DIGITS, Y_DIGITS.astype(float))
    epochs = [end for end in recorder.ends if end[1] == "epoch"]
    assert len(epochs) == model.n_iter_ == 5
    assert [fitted.n_iter_ for _, _, fitted in epochs] == [1, 2, 3, 4, 5]
    assert [fitted.loss_ for _, _, fitted in epochs] == model.loss_curve_
    # Copies: the epochs' models differ from each other and from the live one.
    assert not np.array_equal(epochs[0][2].coefs_[0], epochs[1][2].coefs_[0])
    assert epochs[-1][2].coefs_[0] is not model.coefs_[0]


@needs_callbacks
@pytest.mark.parametrize("solver", ["adam", "lbfgs"])
def test_a_callback_asking_to_stop_ends_training_after_that_iteration(solver, capsys):
    recorder = EpochRecorder(stop_after=3)
    model = ScratchMLPClassifier(solver=solver, max_iter=50, verbose=True, **SETTINGS)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        model.set_callbacks(recorder).fit(X_DIGITS, Y_DIGITS)
    assert model.n_iter_ == 3
    assert (
        "Training stopped by a callback after iteration 3." in capsys.readouterr().out
    )
    plain = ScratchMLPClassifier(solver=solver, max_iter=3, **SETTINGS)
    plain.fit(X_DIGITS, Y_DIGITS)
    for a, b in zip(model.coefs_ + model.intercepts_, plain.coefs_ + plain.intercepts_):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)


@needs_callbacks
def test_lbfgs_iterations_are_subtasks_scored_by_the_monitor():
    from sklearn.callback import ScoringMonitor

    monitor = ScoringMonitor(scoring="accuracy")
    model = ScratchMLPClassifier(solver="lbfgs", max_iter=5, **SETTINGS)
    model.set_callbacks(monitor).fit(X_DIGITS, Y_DIGITS)
    scores = [row["accuracy"] for row in _rows(monitor, "lbfgs-iter")]
    assert len(scores) == 5
    assert scores[-1] == model.score(X_DIGITS, Y_DIGITS)
    assert scores[0] < scores[-1]


@needs_callbacks
def test_partial_fit_is_one_task():
    from sklearn.callback import ScoringMonitor

    monitor = ScoringMonitor(scoring="accuracy")
    model = ScratchMLPClassifier(**SETTINGS).set_callbacks(monitor)
    model.partial_fit(X_DIGITS, Y_DIGITS, classes=np.arange(10))
    model.partial_fit(X_DIGITS, Y_DIGITS)
    logs = monitor.get_logs(select="all")
    assert [[row["task_name"] for row in log.data] for log in logs] == [
        ["partial_fit"],
        ["partial_fit"],
    ]
    assert logs[-1].data[0]["accuracy"] == model.score(X_DIGITS, Y_DIGITS)


@needs_callbacks
def test_callbacks_propagate_from_grid_search_and_pipeline():
    recorder = EpochRecorder()
    search = GridSearchCV(
        make_pipeline(StandardScaler(), ScratchMLPClassifier(max_iter=3, **SETTINGS)),
        {"scratchmlpclassifier__alpha": [1e-4, 1e-2]},
        cv=2,
    )
    search.set_callbacks(recorder).fit(X_DIGITS, Y_DIGITS)
    epochs = [end for end in recorder.ends if end[1] == "epoch"]
    # Two candidates times two folds, and the refit: three epochs each.
    assert len(epochs) == 5 * 3
    assert {name for name, _, _ in epochs} == {"ScratchMLPClassifier"}
    assert all(fitted.coefs_[0].shape == (64, 10) for _, _, fitted in epochs)
    # Propagated callbacks are removed again after the fit.
    assert not hasattr(search.best_estimator_[-1], "_skl_callbacks")


@needs_callbacks
def test_a_monitor_set_on_the_estimator_follows_its_clones():
    from sklearn.callback import ScoringMonitor

    monitor = ScoringMonitor(scoring="accuracy")
    model = ScratchMLPClassifier(max_iter=2, **SETTINGS).set_callbacks(monitor)
    cross_validate(model, X_DIGITS, Y_DIGITS, cv=3)
    assert len(_rows(monitor, "epoch")) == 3 * 2
    GridSearchCV(model, {"alpha": [1e-4, 1e-2]}, cv=2).fit(X_DIGITS, Y_DIGITS)
    assert len(_rows(monitor, "epoch")) == 3 * 2 + 5 * 2


@needs_callbacks
def test_a_monitor_collects_the_epochs_of_worker_processes():
    from sklearn.callback import ScoringMonitor

    scores = {}
    for n_jobs in (None, 2):
        monitor = ScoringMonitor(scoring="accuracy")
        model = ScratchMLPClassifier(max_iter=3, **SETTINGS).set_callbacks(monitor)
        GridSearchCV(model, {"alpha": [1e-4, 1e-2]}, cv=2, n_jobs=n_jobs).fit(
            X_DIGITS, Y_DIGITS
        )
        scores[n_jobs] = sorted(row["accuracy"] for row in _rows(monitor, "epoch"))
    # Four fits in the workers and the refit, three epochs each, scored as
    # the same fits in this process score.
    assert len(scores[2]) == 5 * 3
    assert scores[2] == scores[None]


@needs_callbacks
def test_progress_bar_shows_epochs():
    pytest.importorskip("rich", reason="ProgressBar needs rich")
    from sklearn.callback import ProgressBar

    model = ScratchMLPClassifier(max_iter=3, **SETTINGS).set_callbacks(ProgressBar())
    model.fit(X_DIGITS, Y_DIGITS)
    assert model.n_iter_ == 3


@needs_callbacks
def test_without_callbacks_no_hook_is_built(monkeypatch):
    from skperceptron import _base

    built = []

    def bridge(*args):
        built.append(args)
        raise RuntimeError("a callback bridge was built")

    monkeypatch.setattr(_base, "EpochCallbacks", bridge)
    monkeypatch.setattr(_base, "LbfgsCallbacks", bridge)
    for solver in ("adam", "lbfgs"):
        model = ScratchMLPClassifier(solver=solver, max_iter=2, **SETTINGS)
        model.fit(X_DIGITS, Y_DIGITS)
        assert not hasattr(model, "_callback_fit_ctx")
    assert built == []
    # The same check notices a bridge when a callback is set.
    model.set_callbacks(EpochRecorder())
    with pytest.raises(RuntimeError, match="bridge"):
        model.fit(X_DIGITS, Y_DIGITS)
    assert len(built) == 1


def test_without_sklearn_callback_set_callbacks_names_the_version(monkeypatch):
    from skperceptron import _callbacks

    monkeypatch.setitem(sys.modules, "sklearn.callback", None)
    try:
        fallback = importlib.reload(_callbacks)
        assert not fallback.CALLBACKS_AVAILABLE
        assert fallback.start_fit_task(None, None, None, None, 3) is None

        class Estimator(fallback.CallbackSupportMixin):
            pass

        with pytest.raises(ImportError, match=r"scikit-learn 1\.9"):
            Estimator().set_callbacks()
    finally:
        monkeypatch.undo()
        importlib.reload(_callbacks)


@pytest.mark.skipif(HAS_CALLBACKS, reason="checks scikit-learn < 1.9")
def test_set_callbacks_on_an_old_scikit_learn_names_the_version():
    with pytest.raises(ImportError, match=r"scikit-learn 1\.9"):
        ScratchMLPClassifier().set_callbacks()
