"""scikit-learn's callback API (``sklearn.callback``, 1.9 and later) for our estimators.

A ``fit`` is one task whose subtasks are the epochs of sgd and adam (at most
``max_iter``) or the iterations of L-BFGS; ``partial_fit`` is one task
without subtasks. Each subtask ends with the reconstruction attributes of the
model it reached (copies of ``coefs_`` and ``intercepts_``, ``n_iter_`` and
``loss_``), so that a callback such as ``ScoringMonitor`` scores the model
after each epoch. A callback whose ``on_fit_task_end`` returns True ends
training after that epoch or iteration.

The training layer (:mod:`skperceptron._training`) knows nothing of this
module: :class:`EpochCallbacks` is one of its ``on_epoch_end`` hooks, and
:class:`LbfgsCallbacks` the plain ``on_iteration`` callable of
:func:`~skperceptron._training.fit_lbfgs`. Neither is built when no callback
is set, so a fit without callbacks runs no code of theirs.
"""

from ._backends import copy_array

try:
    from sklearn.callback import CallbackSupportMixin
except ImportError:  # scikit-learn < 1.9
    CALLBACKS_AVAILABLE = False

    class CallbackSupportMixin:
        """Stands in for scikit-learn's mixin where ``sklearn.callback`` is missing."""

        def set_callbacks(self, *callbacks):
            """Refuse: scikit-learn's callback API needs scikit-learn 1.9 or later.

            Parameters
            ----------
            *callbacks : callback instances
                The callbacks that would be set.

            Raises
            ------
            ImportError
                Always, naming the scikit-learn version needed.
            """
            import sklearn

            raise ImportError(
                f"{type(self).__name__}.set_callbacks needs scikit-learn's callback "
                "API (sklearn.callback), which scikit-learn 1.9 introduced; this is "
                f"scikit-learn {sklearn.__version__}. Upgrade with "
                "pip install 'scikit-learn>=1.9'."
            )

else:
    CALLBACKS_AVAILABLE = True

STOPPED_MESSAGE = "Training stopped by a callback after iteration %d."


def start_fit_task(estimator, X, y, sample_weight, max_subtasks, task_name="fit"):
    """Open the root task of a training call; return its context, or None.

    Parameters
    ----------
    estimator : estimator
        The estimator being trained (a ``CallbackSupportMixin``).
    X, y : array-like
        The data as the user passed it (what a scoring callback scores on).
    sample_weight : array-like or None
        Passed to the callbacks as metadata.
    max_subtasks : int
        The number of subtasks at most; 0 for a task without subtasks.
    task_name : str, default="fit"
        The name of the task.

    Returns
    -------
    task : FitTask or None
        None where scikit-learn has no callback API.
    """
    if not CALLBACKS_AVAILABLE:
        return None
    context = estimator._init_callback_context(
        task_name=task_name, max_subtasks=max_subtasks
    )
    metadata = None if sample_weight is None else {"sample_weight": sample_weight}
    context.call_on_fit_task_begin(estimator=estimator, X=X, y=y, metadata=metadata)
    return FitTask(context, estimator, X, y, metadata)


class FitTask:
    """The root task of one training call and the data its callbacks see.

    Parameters
    ----------
    context : CallbackContext
        The root context (``_init_callback_context``'s).
    estimator : estimator
        The estimator being trained.
    X, y : array-like
        The training data as the user passed it.
    metadata : dict or None
        ``{"sample_weight": ...}``, or None.
    """

    def __init__(self, context, estimator, X, y, metadata):
        self.context = context
        self.estimator = estimator
        self.data = {"X": X, "y": y, "metadata": metadata}

    @property
    def has_callbacks(self):
        """Whether any callback listens to this task (set or propagated)."""
        return bool(self.context._callbacks)

    def begin_subtask(self, task_name):
        """Open the next subtask; return its context."""
        context = self.context.subcontext(task_name=task_name)
        context.call_on_fit_task_begin(estimator=self.estimator, **self.data)
        return context

    def end_subtask(self, context, attributes):
        """Close a subtask with lazily built reconstruction attributes.

        Returns
        -------
        stop : bool
            Whether a callback asks training to stop.
        """
        return context.call_on_fit_task_end(
            estimator=self.estimator, reconstruction_attributes=attributes, **self.data
        )

    def close_empty(self, context):
        """Close a subtask that never ran (opened for an epoch that did not come)."""
        context.call_on_fit_task_end(estimator=self.estimator)

    def end(self):
        """Close the root task: the estimator itself is the fitted model."""
        self.context.call_on_fit_task_end(
            estimator=self.estimator, reconstruction_attributes={}, **self.data
        )


def _model_attributes(coefs, intercepts, n_iter, loss):
    """Return what a copy of the estimator needs to predict as this model."""
    return {
        "coefs_": [copy_array(coef) for coef in coefs],
        "intercepts_": [copy_array(intercept) for intercept in intercepts],
        "n_iter_": n_iter,
        "loss_": loss,
    }


class EpochCallbacks:
    """The callbacks' ``on_epoch_end`` hook of the stochastic trainer.

    Each epoch is a subtask of the fit task, opened when the previous one
    ends (the first one on construction) and closed by this hook with the
    epoch's model. :meth:`close` ends a subtask opened for an epoch that did
    not run.

    Parameters
    ----------
    task : FitTask
        The fit task.
    max_iter : int
        The number of epochs at most (no subtask is opened beyond it).
    verbose : bool
        Whether to say that a callback stopped training.
    """

    def __init__(self, task, max_iter, verbose):
        self.task = task
        self.max_iter = max_iter
        self.verbose = verbose
        self.epochs = 0
        self.current = task.begin_subtask("epoch")

    def __call__(self, epoch_end):
        """End the epoch's subtask; return whether a callback asks to stop."""
        record, network = epoch_end.record, epoch_end.network
        stop = self.task.end_subtask(
            self.current,
            lambda: _model_attributes(
                network.coefs, network.intercepts, record.n_iter, record.loss
            ),
        )
        self.epochs += 1
        self.current = None
        if stop:
            if self.verbose:
                print(STOPPED_MESSAGE % record.n_iter)
        elif self.epochs < self.max_iter:
            self.current = self.task.begin_subtask("epoch")
        return stop

    def close(self):
        """Close the subtask of an epoch that did not run, if one is open."""
        if self.current is not None:
            self.task.close_empty(self.current)
            self.current = None


class LbfgsCallbacks:
    """The ``on_iteration`` callable of :func:`~skperceptron._training.fit_lbfgs`.

    As scikit-learn's ``LogisticRegression`` bridges SciPy's L-BFGS: each
    iteration is a subtask, opened when the previous one ends (the first one
    on construction); the subtask open when SciPy returns never ran and is
    closed empty by :meth:`close`. The fit task therefore has up to
    ``max_iter + 1`` subtasks.

    Parameters
    ----------
    task : FitTask
        The fit task.
    network : Network
        The network being fitted (its ``split`` gives the layers of a flat
        parameter vector, its ``dtype`` theirs).
    verbose : bool
        Whether to say that a callback stopped training.
    """

    def __init__(self, task, network, verbose):
        self.task = task
        self.network = network
        self.verbose = verbose
        self.n_iter = 0
        self.current = task.begin_subtask("lbfgs-iter")

    def __call__(self, params, loss):
        """End the iteration's subtask at ``params``; return whether to stop."""
        self.n_iter += 1
        n_iter = self.n_iter

        def attributes():
            flat = params.astype(self.network.dtype)
            coefs, intercepts = self.network.split(flat)
            return _model_attributes(coefs, intercepts, n_iter, float(loss))

        stop = self.task.end_subtask(self.current, attributes)
        if stop:
            self.current = None
            if self.verbose:
                print(STOPPED_MESSAGE % n_iter)
        else:
            self.current = self.task.begin_subtask("lbfgs-iter")
        return stop

    def close(self):
        """Close the subtask open when L-BFGS returned."""
        if self.current is not None:
            self.task.close_empty(self.current)
            self.current = None


def fit_task_subtasks(solver, max_iter, incremental):
    """Return the number of subtasks of a training call's task.

    Parameters
    ----------
    solver : str
        The estimator's solver.
    max_iter : int
        Its ``max_iter``.
    incremental : bool
        True for ``partial_fit``, one task without subtasks.

    Returns
    -------
    max_subtasks : int
    """
    if incremental:
        return 0
    if solver == "lbfgs":
        # One more: the iteration opened when SciPy returns, closed empty.
        return max(max_iter, 1) + 1
    return max_iter
