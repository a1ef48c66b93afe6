"""Training: the epoch loop, its stopping rules and schedules, and the L-BFGS driver.

The estimators (:mod:`skperceptron._mlp`) validate and encode the data, build
a :class:`~skperceptron._network.Network` and an
:class:`~skperceptron._optimizers.Optimizer`, and hand them here with plain
settings. This module knows nothing of the estimators' API: what it needs
from them (a validation score, the labels' decoding, whether to stratify) it
takes as inputs, and what it did it writes into a :class:`TrainingRecord`,
which the estimator copies to its public attributes.

:class:`StochasticTrainer` owns everything one ``fit`` or ``partial_fit`` of
sgd or adam does between building the network and returning: the epochs, the
shuffling and minibatches, the dropout stream, the per-epoch finiteness check
(and the restore of the epoch's start when it fails), the ``tol`` and
``n_iter_no_change`` rules, early stopping (the validation split, the score,
the best parameters), the cosine schedule's start (the optimizers apply the
schedules), and the verbose line. Its one per-epoch hook, ``on_epoch_end``, is
where per-epoch callbacks (and a validation loss curve) plug in.
:func:`fit_lbfgs` drives SciPy's L-BFGS-B on the same network.
"""

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np
import scipy.optimize
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.utils import gen_batches, shuffle

from ._backends import copy_array, to_numpy
from ._network import Batches, Workspace
from ._warn import warn

NON_FINITE_MESSAGE = (
    "Solver produced non-finite parameter weights. The input data may"
    " contain large values and need to be preprocessed."
)

LBFGS_OVERFLOW_MESSAGE = (
    "lbfgs stopped after %d iteration(s): the training objective overflowed at "
    "every step its line search tried, although the parameters are finite. "
    "The input data, the targets or alpha may be too large and need to be "
    "preprocessed or reduced."
)


class Diverged(Exception):
    """Raised inside a solver when the objective or the parameters stop being finite.

    The network holds the last finite parameters. The message, if any, says
    why; without one, :data:`NON_FINITE_MESSAGE` does.
    """


@dataclass
class TrainingRecord:
    """What stochastic training did, kept between calls.

    The estimator keeps one record's worth of state as its attributes (the
    field name with a trailing underscore, ``no_improvement_count`` and
    ``dropout_rng`` as private ones) and hands it back for ``warm_start`` and
    ``partial_fit`` to continue.

    Attributes
    ----------
    n_iter : int
        Epochs run by the current call.
    t : int
        Training samples seen, over all calls.
    loss : float or None
        The last epoch's mean loss; None before the first epoch.
    loss_curve : list of float
        Every epoch's mean loss, over all calls.
    validation_scores : list of float or None
        Every epoch's validation score with early stopping, else None.
    validation_loss_curve : list of float or None
        Every epoch's training objective (loss and L2 term, without dropout)
        on the validation set with early stopping, else None.
    best_loss : float or None
        The smallest loss so far without early stopping, else None.
    best_validation_score : float or None
        The best validation score so far with early stopping, else None.
    no_improvement_count : int
        Consecutive epochs without an improvement of at least ``tol``.
    dropout_rng : generator or None
        The dropout stream, seeded once per model and then continued; None
        without dropout.
    """

    n_iter: int = 0
    t: int = 0
    loss: float | None = None
    loss_curve: list = field(default_factory=list)
    validation_scores: list | None = None
    validation_loss_curve: list | None = None
    best_loss: float | None = None
    best_validation_score: float | None = None
    no_improvement_count: int = 0
    dropout_rng: object = None

    def track(self, early_stopping):
        """Track what ``early_stopping`` stops on, from scratch.

        Parameters
        ----------
        early_stopping : bool
            True to track the validation score, False the training loss.
        """
        if early_stopping:
            self.validation_scores = []
            self.validation_loss_curve = []
            self.best_validation_score = -np.inf
            self.best_loss = None
        else:
            self.best_loss = np.inf
            self.validation_scores = None
            self.validation_loss_curve = None
            self.best_validation_score = None

    @classmethod
    def start(cls, early_stopping):
        """Return the record of a network about to be trained for the first time."""
        record = cls()
        record.track(early_stopping)
        return record


@dataclass(frozen=True)
class StochasticSettings:
    """The settings of one call of stochastic training, as the estimator holds them.

    Attributes
    ----------
    alpha : float
        L2 penalty.
    batch_size : int or "auto"
        Minibatch size; "auto" is ``min(200, n_samples)``.
    max_iter : int
        Epochs at most.
    shuffle : bool
        Whether each epoch visits the samples in a new random order.
    tol : float
        The improvement that counts for the stopping rule.
    n_iter_no_change : int or float
        Epochs without improvement before stopping (or before the adaptive
        schedule lowers the rate).
    cosine : bool
        Whether the optimizer anneals its rate over the ``max_iter`` epochs.
    verbose : bool
        Whether to print one line per epoch.
    dropout : sequence of float
        One dropout rate per hidden layer.
    incremental : bool
        True for ``partial_fit``: one epoch, with the optimizer and the
        dropout stream continued.
    """

    alpha: float
    batch_size: object
    max_iter: int
    shuffle: bool
    tol: float
    n_iter_no_change: float
    cosine: bool
    verbose: bool
    dropout: tuple
    incremental: bool = False


@dataclass(frozen=True)
class EarlyStopping:
    """What early stopping takes from the estimator.

    Attributes
    ----------
    validation_fraction : float
        Share of the samples held out for validation.
    score : callable
        ``score(X_val, y_val, sample_weight)``: the validation score of the
        network's current parameters (greater is better; NaN when the
        predictions are not finite).
    decode : callable
        Turns the encoded targets of the validation set into the ``y_val``
        that ``score`` compares predictions with.
    stratify : bool
        Whether to try a split stratified by the (encoded) targets first.
    """

    validation_fraction: float
    score: Callable
    decode: Callable
    stratify: bool = False


class ValidationSet(NamedTuple):
    """The held-out samples of early stopping.

    ``X`` is on the training backend; ``Y`` (encoded) and ``y`` (decoded, what
    the score compares predictions with) and ``sample_weight`` on the host.
    """

    X: object
    Y: object
    y: object
    sample_weight: object


class EpochEnd(NamedTuple):
    """What a hook sees at the end of each epoch.

    Attributes
    ----------
    record : TrainingRecord
        The record, this epoch included (``record.n_iter`` epochs run).
    network : Network
        The network, holding this epoch's parameters (not the best ones).
    validation : ValidationSet or None
        The early-stopping validation set; None without early stopping.
    """

    record: TrainingRecord
    network: object
    validation: ValidationSet | None


class StochasticTrainer:
    """Run sgd or adam epochs over a network, with the estimators' stopping rules.

    Parameters
    ----------
    settings : StochasticSettings
        The call's settings.
    early_stopping : EarlyStopping or None, default=None
        What early stopping needs; None to stop on the training loss.
    on_epoch_end : sequence of callable, default=()
        Hooks called at the end of every epoch, in order, each with an
        :class:`EpochEnd` (after the record, the verbose line and the
        optimizer's end-of-epoch update, before the stopping rules). A hook
        that returns True ends training after this epoch, without the
        ``max_iter`` warning; early stopping still restores the best
        parameters. Every hook is called each epoch, whatever the others
        return. Hooks must not change the network's parameters.
    warn : callable, default=skperceptron._warn.warn
        ``warn(message, category)``, for the warnings of training.
    """

    def __init__(self, settings, early_stopping=None, on_epoch_end=(), warn=warn):
        self.settings = settings
        self.early_stopping = early_stopping
        self.on_epoch_end = tuple(on_epoch_end)
        self.warn = warn

    def fit(self, network, optimizer, X, Y, sample_weight, random_state, record):
        """Train ``network`` in place, epoch by epoch, filling ``record``.

        Parameters
        ----------
        network : Network
            The network, trained in place.
        optimizer : Optimizer
            Steps the network's parameters (its kernel table is set to the
            network's).
        X, Y : array
            Inputs and encoded targets, on the network's backend and in its
            dtype.
        sample_weight : array or None
            Per-sample weights, likewise.
        random_state : RandomState
            Draws the validation split, the shuffles and the dropout seed.
        record : TrainingRecord
            The state to continue, updated as epochs finish (also when a
            call fails: ``n_iter`` and the curves hold the finished epochs).

        Raises
        ------
        Diverged
            If an epoch's loss or parameters are not finite; the network then
            holds the parameters at the start of that epoch.
        """
        settings = self.settings
        kernels = network.kernels
        # An unpickled optimizer steps with the network's table.
        optimizer.kernels = kernels
        validation = None
        if self.early_stopping is not None:
            X, Y, sample_weight, validation = self._validation_split(
                network, X, Y, sample_weight, random_state
            )
        n_samples = X.shape[0]
        sample_idx = np.arange(n_samples, dtype=int)
        batch_size = self._batch_size(n_samples)
        if settings.cosine:
            # One cycle over this fit's epochs (partial_fit refuses "cosine").
            optimizer.start_cosine(
                settings.max_iter * math.ceil(n_samples / batch_size)
            )
        dropout = settings.dropout
        workspace = Workspace(network, batch_size, dropout=any(dropout))
        batches = Batches(X, Y, sample_weight, batch_size, kernels)
        if not any(dropout):
            record.dropout_rng = None
        elif record.dropout_rng is None:
            # Seeded once per model, then kept (and pickled), so that a stream
            # of partial_fit or warm-start calls continues one mask sequence.
            record.dropout_rng = kernels.dropout_rng(
                random_state.randint(np.iinfo(np.int32).max)
            )
        best_params = None
        if validation is not None:
            best_params = copy_array(network.params)
            validation_objective = _ValidationObjective(network, validation)
        last_finite = copy_array(network.params)

        try:
            record.n_iter = 0
            for _ in range(settings.max_iter):
                started = time.perf_counter()
                if settings.shuffle:
                    sample_idx = shuffle(sample_idx, random_state=random_state)
                    batches.reorder(sample_idx)
                last_finite[...] = network.params
                epoch_loss = self._train_one_epoch(
                    network, optimizer, workspace, batches, record.dropout_rng
                )
                # Checked once per epoch, not per batch (on a GPU each check
                # waits for the device): a non-finite batch loss stays in the
                # sum, and the epoch's start is what is restored either way.
                if not (math.isfinite(epoch_loss) and network.is_finite()):
                    network.params[...] = last_finite
                    raise Diverged
                self._record_epoch(record, epoch_loss, n_samples)
                if validation is not None:
                    record.validation_loss_curve.append(
                        validation_objective(self.settings.alpha)
                    )
                    if self._record_validation_score(record, validation):
                        best_params[...] = network.params
                else:
                    self._record_training_loss(record)
                if settings.verbose:
                    print(self._progress_line(record, time.perf_counter() - started))
                optimizer.iteration_ends(record.t)
                epoch_end = EpochEnd(record, network, validation)
                if any([hook(epoch_end) for hook in self.on_epoch_end]):
                    break
                if self._stop_training(record, optimizer):
                    break
        except KeyboardInterrupt:
            self.warn("Training interrupted by user.", UserWarning)
        except BaseException:
            # The epoch's start: for partial_fit, the parameters before the call.
            network.params[...] = last_finite
            raise

        if validation is not None:
            network.params[...] = best_params

    def _validation_split(self, network, X, Y, sample_weight, random_state):
        """Split off the early-stopping validation set, stratified when possible.

        The split is made on the host (the labels are decoded there) and the
        training part goes back to the network's backend. A split stratified
        by the targets is tried first when ``EarlyStopping.stratify`` asks for
        it (a single-label classifier): it works when every class has 2
        samples and each side of the split can hold one of each; otherwise it
        is scikit-learn's plain random split.
        """
        kernels = network.kernels
        if not kernels.on_host:
            X, Y, sample_weight = to_numpy(X), to_numpy(Y), to_numpy(sample_weight)
        fraction = self.early_stopping.validation_fraction
        n_validation = int(np.ceil(fraction * X.shape[0]))
        if n_validation < 2:
            raise ValueError(
                "The validation set is too small. Increase 'validation_fraction' "
                "or the size of your dataset."
            )
        arrays = (X, Y) if sample_weight is None else (X, Y, sample_weight)
        split = None
        if self.early_stopping.stratify:
            # train_test_split checks the class counts before drawing from
            # random_state, so a split it refuses leaves the draws of the
            # plain split below exactly scikit-learn's.
            try:
                split = train_test_split(
                    *arrays, random_state=random_state, test_size=fraction, stratify=Y
                )
            except ValueError as error:
                self.warn(
                    "early_stopping cannot stratify the validation set by class "
                    f"({error}); it is drawn at random instead, as scikit-learn's "
                    "MLP does for multiclass targets.",
                    UserWarning,
                )
        if split is None:
            split = train_test_split(
                *arrays, random_state=random_state, test_size=fraction
            )
        X, X_val, Y, Y_val = split[:4]
        sample_weight, sw_val = split[4:] if sample_weight is not None else (None, None)
        if not kernels.on_host:
            # Split on the host, trained on the device.
            X, Y, X_val = (kernels.asarray(a, network.dtype) for a in (X, Y, X_val))
            if sample_weight is not None:
                sample_weight = kernels.asarray(sample_weight, network.dtype)
        y_val = self.early_stopping.decode(Y_val)
        return X, Y, sample_weight, ValidationSet(X_val, Y_val, y_val, sw_val)

    def _batch_size(self, n_samples):
        """Return the size of the minibatches, warning when it is clipped."""
        batch_size = self.settings.batch_size
        if batch_size == "auto":
            return min(200, n_samples)
        if batch_size > n_samples:
            self.warn(
                "Got `batch_size` less than 1 or larger than "
                "sample size. It is going to be clipped",
                UserWarning,
            )
        return int(np.clip(batch_size, 1, n_samples))

    def _train_one_epoch(self, network, optimizer, workspace, batches, dropout_rng):
        """Take one optimizer step per minibatch; return the epoch's mean loss."""
        n_samples = batches.X.shape[0]
        kernels = network.kernels
        dropout, alpha = self.settings.dropout, self.settings.alpha
        # Only weights holding a zero can make a batch weightless: test each
        # batch only then.
        may_be_weightless = batches.may_be_weightless
        accumulated_loss = 0.0
        for batch in gen_batches(n_samples, batches.batch_size):
            size = batch.stop - batch.start
            X_batch, Y_batch, sw_batch = batches.take(batch)
            if may_be_weightless and not float(kernels.total(sw_batch)):
                # The batch's objective is 0 / 0: it takes no step.
                continue
            masks = workspace.dropout_masks(dropout_rng, dropout, size)
            batch_loss = network.loss_gradient(
                X_batch, Y_batch, sw_batch, alpha, workspace, masks
            )
            accumulated_loss += batch_loss * size
            optimizer.step(network.params, workspace.grad)
        return float(accumulated_loss / n_samples)

    def _record_epoch(self, record, epoch_loss, n_samples):
        """Record a finished epoch's training loss."""
        record.n_iter += 1
        record.loss = epoch_loss
        record.t += n_samples
        record.loss_curve.append(record.loss)

    def _record_validation_score(self, record, validation):
        """Track the validation score; return whether it is the best so far."""
        score = self.early_stopping.score(
            validation.X, validation.y, validation.sample_weight
        )
        record.validation_scores.append(score)
        if not np.isfinite(score):
            if np.isfinite(record.validation_scores[:-1]).all():
                self.warn(
                    f"The early-stopping validation score is {score}: the "
                    "network's predictions on the validation set are not finite "
                    "or too large to score. The input data may contain large "
                    "values and need to be preprocessed.",
                    UserWarning,
                )
            # Unlike scikit-learn's MLP, which resets the count on NaN and
            # trains to max_iter, a non-finite score is no improvement.
            record.no_improvement_count += 1
            return False
        if score < record.best_validation_score + self.settings.tol:
            record.no_improvement_count += 1
        else:
            record.no_improvement_count = 0
        if score > record.best_validation_score:
            record.best_validation_score = score
            return True
        return False

    def _record_training_loss(self, record):
        if record.loss_curve[-1] > record.best_loss - self.settings.tol:
            record.no_improvement_count += 1
        else:
            record.no_improvement_count = 0
        if record.loss_curve[-1] < record.best_loss:
            record.best_loss = record.loss_curve[-1]

    def _stop_training(self, record, optimizer):
        """Decide whether training ends after this epoch, warning at max_iter."""
        settings = self.settings
        if record.no_improvement_count > settings.n_iter_no_change:
            if self.early_stopping is not None:
                msg = (
                    "Validation score did not improve more than "
                    "tol=%f for %d consecutive epochs."
                    % (settings.tol, settings.n_iter_no_change)
                )
            else:
                msg = (
                    "Training loss did not improve more than tol=%f"
                    " for %d consecutive epochs."
                    % (settings.tol, settings.n_iter_no_change)
                )
            if optimizer.trigger_stopping(msg, settings.verbose):
                return True
            record.no_improvement_count = 0
        if settings.incremental:
            return True
        # With "cosine", max_iter is the planned end: the rate has annealed.
        if record.n_iter == settings.max_iter and not settings.cosine:
            self.warn(
                "Stochastic Optimizer: Maximum iterations (%d) "
                "reached and the optimization hasn't converged yet."
                % settings.max_iter,
                ConvergenceWarning,
            )
        return False

    def _progress_line(self, record, seconds):
        line = "Iteration %d, loss = %.8f" % (record.n_iter, record.loss)
        if self.early_stopping is not None:
            line += ", validation score = %.6f" % record.validation_scores[-1]
        return line + (
            ", time = %.2fs" % seconds
            if seconds >= 0.1
            else ", time = %.3fms" % (1e3 * seconds)
        )


class _ValidationObjective:
    """The training objective on the early-stopping validation set.

    The network's own :meth:`~skperceptron._network.Network.loss_value` (the
    loss and L2 term of the training objective, without dropout) over the
    validation samples, with their weights, on the network's backend: the
    targets and weights are moved there once, and each evaluation brings one
    float back.
    """

    def __init__(self, network, validation):
        kernels = network.kernels
        self.network = network
        self.X = validation.X
        self.Y = kernels.asarray(validation.Y, network.dtype)
        self.sample_weight = validation.sample_weight
        if self.sample_weight is not None and not kernels.on_host:
            self.sample_weight = kernels.asarray(self.sample_weight, network.dtype)
        self.workspace = Workspace(network, self.X.shape[0], backward=False)

    def __call__(self, alpha):
        """Return the objective at the network's current parameters, a float."""
        # A diverging network's loss may overflow: it is recorded as it is.
        with np.errstate(over="ignore", invalid="ignore"):
            return float(
                self.network.loss_value(
                    self.X, self.Y, self.sample_weight, alpha, self.workspace
                )
            )


def fit_lbfgs(
    network,
    X,
    Y,
    sample_weight,
    *,
    alpha,
    max_iter,
    max_fun,
    tol,
    verbose,
    warn=warn,
    on_iteration=None,
):
    """Minimise the full-batch objective with SciPy's L-BFGS-B, in place.

    Parameters
    ----------
    network : Network
        A network on the host; its parameters end at L-BFGS's result.
    X, Y : ndarray
        Inputs and encoded targets in the network's dtype.
    sample_weight : ndarray or None
        Per-sample weights.
    alpha : float
        L2 penalty.
    max_iter, max_fun : int
        L-BFGS's iteration and objective-evaluation budgets.
    tol : float
        L-BFGS's ``gtol``.
    verbose : bool
        Whether to print one line per iteration.
    warn : callable, default=skperceptron._warn.warn
        ``warn(message, category)``, for the convergence warning.
    on_iteration : callable or None, default=None
        ``on_iteration(params, loss)`` after each iteration, with L-BFGS's
        iterate (a float64 copy of the flat parameters) and its objective; a
        True return ends L-BFGS there (SciPy's ``StopIteration``), without
        the convergence warning.

    Returns
    -------
    n_iter : int
        Iterations run (at most ``max_iter``).
    loss : float
        The objective at the result.

    Raises
    ------
    Diverged
        If the result or its objective is not finite; the network then holds
        the last parameters with a finite objective.
    """
    workspace = Workspace(network, X.shape[0])
    last_finite = network.params.astype(np.float64)

    def objective(params):
        network.params[...] = params
        loss = network.loss_gradient(X, Y, sample_weight, alpha, workspace)
        if np.isfinite(loss):
            last_finite[...] = params
            objective.started = True
        elif not objective.started:
            # L-BFGS cannot start from a point without a finite objective;
            # scikit-learn returns the starting weights untrained.
            raise ValueError(
                f"The training objective is {loss} at the starting weights, "
                "so lbfgs cannot minimise it: the targets, the sample weights "
                f"or alpha={alpha} are too large. Scale them down."
            )
        return loss, workspace.grad.astype(np.float64)

    objective.started = False

    def report(intermediate_result):
        if verbose:
            print(
                "Iteration %d, loss = %.8f" % (report.n_iter, intermediate_result.fun)
            )
            report.n_iter += 1
        if on_iteration is not None and on_iteration(
            intermediate_result.x.copy(), intermediate_result.fun
        ):
            report.stopped = True
            raise StopIteration

    report.n_iter = 1
    report.stopped = False
    result = scipy.optimize.minimize(
        objective,
        last_finite.copy(),
        method="L-BFGS-B",
        jac=True,
        callback=report,
        options={"maxfun": max_fun, "maxiter": max_iter, "gtol": tol},
    )
    if not np.isfinite(result.x).all():
        network.params[...] = last_finite
        raise Diverged
    if not np.isfinite(result.fun):
        # Every step of the last line search overflowed (result.fun is
        # the last value tried). scikit-learn returns the weights it
        # stopped at, typically the starting ones, with loss_ = nan.
        network.params[...] = last_finite
        raise Diverged(LBFGS_OVERFLOW_MESSAGE % min(result.nit, max_iter))
    if report.stopped:
        n_iter = min(result.nit, max_iter)
    else:
        n_iter = _lbfgs_iterations(result, max_iter, warn)
    network.params[...] = result.x
    return n_iter, float(result.fun)


def _lbfgs_iterations(result, max_iter, warn):
    """Return L-BFGS's iteration count, warning as scikit-learn does if it failed."""
    n_iter = min(result.nit, max_iter)
    if result.status != 0:
        message = (
            f"lbfgs failed to converge after {n_iter} iteration(s) "
            f"(status={result.status}):\n{result.message}\n"
        )
        if n_iter == max_iter:
            message += (
                "\nIncrease the number of iterations to improve the "
                f"convergence (max_iter={max_iter})."
            )
        message += (
            "\nYou might also want to scale the data as shown in:\n"
            "    https://scikit-learn.org/stable/modules/preprocessing.html"
        )
        warn(message, ConvergenceWarning)
    return n_iter
