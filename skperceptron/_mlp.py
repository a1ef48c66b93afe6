"""ScratchMLPClassifier and ScratchMLPRegressor: scikit-learn estimators over the core.

The estimators own what scikit-learn defines: parameter validation, input
checks, label encoding, tags, early stopping, ``warm_start``, ``partial_fit``
and the convergence logic of the training loop. Every formula that trains the
network lives in :mod:`skperceptron._network` and :mod:`skperceptron._optimizers`.
"""

import copy
import math
import sys
import time
import warnings
from numbers import Integral, Real

import numpy as np
import scipy.optimize
import scipy.sparse as sp
from sklearn import __version__ as sklearn_version
from sklearn import get_config
from sklearn.base import (
    BaseEstimator,
    ClassifierMixin,
    RegressorMixin,
    _fit_context,
    is_classifier,
)
from sklearn.exceptions import ConvergenceWarning, InconsistentVersionWarning
from sklearn.metrics import accuracy_score, r2_score
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import LabelBinarizer
from sklearn.utils import check_random_state, gen_batches, shuffle
from sklearn.utils._array_api import (
    _convert_to_numpy,
    _is_numpy_namespace,
    get_namespace,
    get_namespace_and_device,
)
from sklearn.utils._param_validation import Interval, Options, StrOptions
from sklearn.utils.class_weight import compute_class_weight
from sklearn.utils.metaestimators import available_if
from sklearn.utils.multiclass import (
    _check_partial_fit_first_call,
    check_classification_targets,
    type_of_target,
    unique_labels,
)
from sklearn.utils.validation import (
    _check_sample_weight,
    assert_all_finite,
    check_array,
    check_is_fitted,
    check_non_negative,
    column_or_1d,
    validate_data,
)

from ._activations import HIDDEN_ACTIVATIONS
from ._kernels import ArrayAPIKernels, host_kernels, numpy_dtype
from ._losses import LOSS_FOR_OUTPUT, OUTPUT_ACTIVATIONS
from ._network import Batches, Network, Workspace
from ._optimizers import SGD, Adam

_STOCHASTIC_SOLVERS = ("sgd", "adam")

# The estimator parameters each stochastic optimizer is built from.
_OPTIMIZER_PARAMETERS = {
    "sgd": (
        "learning_rate_init",
        "learning_rate",
        "momentum",
        "nesterovs_momentum",
        "power_t",
    ),
    "adam": ("learning_rate_init", "beta_1", "beta_2", "epsilon"),
}

_NON_FINITE_MESSAGE = (
    "Solver produced non-finite parameter weights. The input data may"
    " contain large values and need to be preprocessed."
)

_LBFGS_OVERFLOW_MESSAGE = (
    "lbfgs stopped after %d iteration(s): the training objective overflowed at "
    "every step its line search tried, although the parameters are finite. "
    "The input data, the targets or alpha may be too large and need to be "
    "preprocessed or reduced."
)

# The most memory one chunk of prediction takes, whatever working_memory allows.
_MAX_CHUNK_BYTES = 64 * 2**20


class _Diverged(Exception):
    """Raised inside a solver when the objective or the parameters stop being finite."""


class _BaseScratchMLP(BaseEstimator):
    """Shared machinery of the scratch MLP estimators; use the subclasses."""

    # The HTML repr links each estimator to its API page, which sphinx's
    # autosummary writes to docs/generated/ as <module>.<name>.html.
    _doc_link_module = "skperceptron"
    _doc_link_template = (
        "https://skperceptron.readthedocs.io/en/stable/generated/"
        "{estimator_module}.{estimator_name}.html"
    )

    _parameter_constraints: dict = {
        "hidden_layer_sizes": [
            "array-like",
            Interval(Integral, 1, None, closed="left"),
        ],
        "activation": [StrOptions(set(HIDDEN_ACTIVATIONS))],
        "solver": [StrOptions({"lbfgs", "sgd", "adam"})],
        "alpha": [Interval(Real, 0, None, closed="left")],
        "batch_size": [
            StrOptions({"auto"}),
            Interval(Integral, 1, None, closed="left"),
        ],
        # "cosine" is ours only (scikit-learn's MLP rejects it).
        "learning_rate": [StrOptions({"constant", "invscaling", "adaptive", "cosine"})],
        "learning_rate_init": [Interval(Real, 0, None, closed="neither")],
        "power_t": [Interval(Real, 0, None, closed="left")],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "shuffle": ["boolean"],
        "random_state": ["random_state"],
        "tol": [Interval(Real, 0, None, closed="left")],
        "verbose": ["verbose"],
        "warm_start": ["boolean"],
        "momentum": [Interval(Real, 0, 1, closed="both")],
        "nesterovs_momentum": ["boolean"],
        "early_stopping": ["boolean"],
        "validation_fraction": [Interval(Real, 0, 1, closed="left")],
        "beta_1": [Interval(Real, 0, 1, closed="left")],
        "beta_2": [Interval(Real, 0, 1, closed="left")],
        "epsilon": [Interval(Real, 0, None, closed="neither")],
        "n_iter_no_change": [
            Interval(Integral, 1, None, closed="left"),
            Options(Real, {np.inf}),
        ],
        "max_fun": [Interval(Integral, 1, None, closed="left")],
        "dropout": [Interval(Real, 0, 1, closed="left"), "array-like"],
    }

    # ------------------------------------------------------------------ setup
    def _hidden_layer_sizes(self):
        sizes = self.hidden_layer_sizes
        if not hasattr(sizes, "__iter__"):
            sizes = [sizes]
        sizes = list(sizes)
        # Integers first: comparing None or a string with 0 would raise
        # TypeError. A bool is an Integral, but True is no layer size; like
        # scikit-learn, a size of the wrong type is a TypeError.
        if not all(
            isinstance(size, Integral) and not isinstance(size, bool) for size in sizes
        ):
            raise TypeError("hidden_layer_sizes must hold integers, got %s." % (sizes,))
        if np.any(np.array(sizes) <= 0):
            raise ValueError("hidden_layer_sizes must be > 0, got %s." % sizes)
        return [int(size) for size in sizes]

    def _dropout_rates(self, n_hidden):
        """Return one dropout rate per hidden layer, validated."""
        if isinstance(self.dropout, Real):
            rates = [float(self.dropout)] * n_hidden
        else:
            rates = np.asarray(self.dropout)
            if (
                rates.ndim != 1
                or len(rates) != n_hidden
                or rates.dtype.kind not in "iuf"
                or not ((rates >= 0) & (rates < 1)).all()
            ):
                raise ValueError(
                    "dropout must be a float in [0, 1) or hold one rate in [0, 1) "
                    f"per hidden layer ({n_hidden}), got {self.dropout!r}."
                )
            rates = [float(rate) for rate in rates]
        if self.solver == "lbfgs" and any(rates):
            raise ValueError(
                "dropout is not supported with solver='lbfgs': dropout makes the "
                "objective random, which breaks L-BFGS's line search. Use "
                "solver='adam' or 'sgd', or set dropout=0."
            )
        return rates

    def _loss_name(self):
        return self.loss

    def _initialize(self, n_outputs, layer_units, dtype, random_state, kernels):
        self.n_iter_ = 0
        self.t_ = 0
        self.n_outputs_ = n_outputs
        self.n_layers_ = len(layer_units)
        network = Network(
            layer_units, self.activation, self._loss_name(), dtype, kernels
        )
        network.initialize(random_state)
        self.out_activation_ = network.out_activation
        self._attach(network)
        self.__dict__.pop("_optimizer", None)
        self.__dict__.pop("_dropout_rng", None)
        if self.solver in _STOCHASTIC_SOLVERS:
            self.loss_curve_ = []
            self._no_improvement_count = 0
            self._reset_stopping_state()

    def _reset_stopping_state(self):
        """Track what the current ``early_stopping`` stops on, from scratch."""
        if self.early_stopping:
            self.validation_scores_ = []
            self.best_validation_score_ = -np.inf
            self.best_loss_ = None
        else:
            self.best_loss_ = np.inf
            self.validation_scores_ = None
            self.best_validation_score_ = None

    def _continue_stochastic_state(self):
        """Make a warm-started stochastic fit follow the current parameters.

        A model fitted by lbfgs has no loss curve, and one fitted with the
        other ``early_stopping`` tracks the other quantity: both start their
        tracking afresh, where scikit-learn's MLP fails with an AttributeError
        or a TypeError.
        """
        if not hasattr(self, "loss_curve_"):
            self.loss_curve_ = []
            self._no_improvement_count = 0
        tracking_validation = getattr(self, "validation_scores_", None) is not None
        if not hasattr(self, "best_loss_") or tracking_validation != bool(
            self.early_stopping
        ):
            self._no_improvement_count = 0
            self._reset_stopping_state()

    def _attach(self, network):
        """Make ``coefs_`` and ``intercepts_`` views of ``network``'s parameters."""
        self._network = network
        self.coefs_ = list(network.coefs)
        self.intercepts_ = list(network.intercepts)

    def _synced_network(self, layer_units, kernels):
        """Return the training network: the fitted model under the current parameters.

        ``coefs_`` and ``intercepts_`` are the model, and the estimator's
        parameters say how to train it: the cached network is reused only if
        it holds exactly those arrays with the current ``activation`` and
        loss. Otherwise (new arrays assigned by a user, an estimator from a
        pickle, which holds no network, or ``set_params`` since the last
        call) the network is rebuilt from them, so training never follows
        stale settings.
        """
        fitted_units = [self.coefs_[0].shape[0]] + [c.shape[1] for c in self.coefs_]
        if fitted_units != layer_units:
            raise ValueError(
                "warm_start and partial_fit need the architecture of the fitted "
                f"network: layer sizes {fitted_units}, but the data and "
                f"hidden_layer_sizes give {layer_units}. Set warm_start=False or "
                "call fit to train a new network."
            )
        loss = self._loss_name()
        if OUTPUT_ACTIVATIONS[loss] != self.out_activation_:
            # The output activation is part of the fitted model: predictions
            # go through it. scikit-learn keeps it and trains the old output
            # against the new loss, a model matching neither.
            raise ValueError(
                f"loss={self.loss!r} needs the output activation "
                f"{OUTPUT_ACTIVATIONS[loss]!r}, but the fitted network has "
                f"{self.out_activation_!r}: warm_start and partial_fit cannot "
                "change the loss of a fitted network. Set the loss it was fitted "
                "with, or set warm_start=False (or call fit) to train a new one."
            )
        network = getattr(self, "_network", None)
        arrays = self.coefs_ + self.intercepts_
        if (
            network is None
            or network.activation != self.activation
            or network.loss != loss
            or not _same_backend(network.kernels, kernels)
            or len(arrays) != 2 * len(network.coefs)
            or any(
                given is not view
                for given, view in zip(arrays, network.coefs + network.intercepts)
            )
        ):
            network = Network.from_parameters(
                self.coefs_,
                self.intercepts_,
                self.activation,
                loss,
                _parameter_dtype(self.coefs_[0].dtype, kernels),
                kernels,
            )
            self._attach(network)
        elif network.kernels is not kernels:
            # Each call trains with the table its own size calls for, shared
            # parameters and all, as the model's unpickled copy would.
            network = network.with_kernels(kernels)
            self._network = network
        return network

    # --------------------------------------------------------------- training
    def _fit(self, X, y, sample_weight=None, incremental=False):
        # A call that fails (bad input, a split that cannot be made, a solver
        # that diverges, an error in any batch) leaves a fitted estimator
        # exactly as it was, partial_fit included: the last finite parameters
        # of a diverged run are typically so large that predictions overflow.
        # A first fit that diverges keeps them.
        snapshot = {
            key: value.copy() if isinstance(value, list) else value
            for key, value in self.__dict__.items()
        }
        fitted = "coefs_" in snapshot
        continues = fitted and (self.warm_start or incremental)
        # warm_start trains the fitted arrays in place for many epochs
        # (partial_fit's one epoch restores them itself, in _fit_stochastic);
        # both continue the dropout stream, and partial_fit steps the
        # optimizer it keeps, whose state (without scratch vectors) is saved.
        previous = (
            [_copy(array) for array in self.coefs_ + self.intercepts_]
            if continues and not incremental
            else []
        )
        if continues and snapshot.get("_dropout_rng") is not None:
            snapshot["_dropout_rng"] = copy.deepcopy(snapshot["_dropout_rng"])
        optimizer_state = (
            {
                key: value.copy() if isinstance(value, np.ndarray) else value
                for key, value in self._optimizer.__getstate__().items()
            }
            if continues and incremental and "_optimizer" in snapshot
            else None
        )
        try:
            return self._fit_or_raise(X, y, sample_weight, incremental)
        except BaseException as error:
            diverged = isinstance(error, _Diverged)
            if diverged and not fitted:
                self.__dict__.pop("_optimizer", None)
            else:
                self.__dict__.clear()
                self.__dict__.update(snapshot)
                if previous:
                    for array, value in zip(self.coefs_ + self.intercepts_, previous):
                        array[...] = value
                if optimizer_state is not None:
                    self._optimizer.__dict__.update(optimizer_state)
            if diverged:
                raise ValueError(str(error) or _NON_FINITE_MESSAGE) from None
            raise

    def _fit_or_raise(self, X, y, sample_weight, incremental):
        hidden_layer_sizes = self._hidden_layer_sizes()
        dropout = self._dropout_rates(len(hidden_layer_sizes))
        first_pass = not hasattr(self, "coefs_") or (
            not self.warm_start and not incremental
        )
        kernels = _kernels_of(X)
        if not kernels.on_host:
            self._check_array_api_solver(kernels)
            # Targets are checked and encoded on the host, then moved to X's
            # device with the weights.
            y, sample_weight = _to_numpy(y), _to_numpy(sample_weight)
        X, Y = self._validate_input(X, y, incremental, reset=first_pass)
        if sample_weight is not None:
            sample_weight = _to_numpy(_check_sample_weight(sample_weight, X))
        sample_weight = self._weigh_classes(Y, sample_weight)
        if sample_weight is not None and not sample_weight.sum():
            raise ValueError(
                "The total weight of the samples (sample_weight times "
                "class_weight) is zero: there is nothing to fit."
            )
        if self.early_stopping and incremental:
            raise ValueError("partial_fit does not support early_stopping=True")
        if self.learning_rate == "cosine" and incremental:
            raise ValueError(
                "partial_fit does not support learning_rate='cosine': the schedule "
                "anneals the learning rate towards 0 over the max_iter epochs of "
                "one fit, and a stream of partial_fit calls has no end to anneal "
                "towards. Use fit, or another learning_rate."
            )
        layer_units = [X.shape[1], *hidden_layer_sizes, Y.shape[1]]
        if kernels.on_host:
            # Compiled kernels for a fit whose epochs are large enough to repay
            # loading them (host_kernels tells the rule).
            kernels = host_kernels(work=X.shape[0] * Network.n_parameters(layer_units))

        random_state = check_random_state(self.random_state)
        if first_pass:
            self._initialize(Y.shape[1], layer_units, X.dtype, random_state, kernels)
        network = self._synced_network(layer_units, kernels)
        self.n_outputs_ = Y.shape[1]
        if X.dtype != network.dtype:
            X = kernels.astype(X, network.dtype)
        Y = kernels.asarray(Y, network.dtype)
        if not kernels.on_host and sample_weight is not None:
            sample_weight = kernels.asarray(sample_weight, network.dtype)

        if self.solver in _STOCHASTIC_SOLVERS:
            if not first_pass:
                self._continue_stochastic_state()
            settings = self._optimizer_settings()
            if getattr(self, "_optimizer_settings_used", None) != settings:
                # partial_fit after set_params of a solver setting: a new
                # optimizer with the current settings (scikit-learn keeps
                # the first call's optimizer and ignores the change).
                self.__dict__.pop("_optimizer", None)
            self._fit_stochastic(
                network, X, Y, sample_weight, dropout, random_state, incremental
            )
            self._optimizer_settings_used = settings
        else:
            self._fit_lbfgs(network, X, Y, sample_weight)
        return self

    def _weigh_classes(self, Y, sample_weight):
        """Fold class weights into the sample weights (classifier only)."""
        return sample_weight

    def _optimizer_settings(self):
        """Return the parameters the stochastic optimizer is built from."""
        names = _OPTIMIZER_PARAMETERS[self.solver]
        # "cosine" also anneals adam, which ignores scikit-learn's schedules:
        # partial_fit after a change to or from it needs a new optimizer.
        cosine = self.learning_rate == "cosine"
        return (self.solver, cosine, *(getattr(self, name) for name in names))

    def _check_array_api_solver(self, kernels):
        if self.solver == "lbfgs":
            raise ValueError(
                "solver='lbfgs' runs SciPy's L-BFGS-B, which needs NumPy arrays, "
                f"but X is a {kernels.xp.__name__} array under "
                "array_api_dispatch=True. Use solver='adam' or 'sgd' to train in "
                "that namespace and on its device, or pass NumPy arrays."
            )

    def _make_optimizer(self, network):
        if self.solver == "sgd":
            return SGD(
                network.params.shape[0],
                network.dtype,
                self.learning_rate_init,
                self.learning_rate,
                self.momentum,
                self.nesterovs_momentum,
                self.power_t,
                kernels=network.kernels,
            )
        return Adam(
            network.params.shape[0],
            network.dtype,
            self.learning_rate_init,
            self.beta_1,
            self.beta_2,
            self.epsilon,
            kernels=network.kernels,
        )

    def _validation_split(self, X, Y, sample_weight, random_state):
        """Split off the early-stopping validation set, stratified when possible.

        A single-label classifier's split is stratified by class when every
        class has 2 samples and each side of the split can hold one of each;
        otherwise (and for regressors and multilabel targets) it is
        scikit-learn's plain random split.
        """
        n_validation = int(np.ceil(self.validation_fraction * X.shape[0]))
        if n_validation < 2:
            raise ValueError(
                "The validation set is too small. Increase 'validation_fraction' "
                "or the size of your dataset."
            )
        arrays = (X, Y) if sample_weight is None else (X, Y, sample_weight)
        split = None
        if self._stratify_validation():
            # train_test_split checks the class counts before drawing from
            # random_state, so a split it refuses leaves the draws of the
            # plain split below exactly scikit-learn's.
            try:
                split = train_test_split(
                    *arrays,
                    random_state=random_state,
                    test_size=self.validation_fraction,
                    stratify=Y,
                )
            except ValueError as error:
                _warn(
                    "early_stopping cannot stratify the validation set by class "
                    f"({error}); it is drawn at random instead, as scikit-learn's "
                    "MLP does for multiclass targets.",
                    UserWarning,
                )
        if split is None:
            split = train_test_split(
                *arrays, random_state=random_state, test_size=self.validation_fraction
            )
        X_train, X_val, Y_train, Y_val = split[:4]
        sw_train, sw_val = split[4:] if sample_weight is not None else (None, None)
        return X_train, Y_train, sw_train, X_val, self._decode(Y_val), sw_val

    def _stratify_validation(self):
        return False

    def _decode(self, Y):
        """Turn encoded targets back into what ``predict`` returns."""
        return Y[:, 0] if Y.shape[1] == 1 else Y

    def _fit_stochastic(
        self, network, X, Y, sample_weight, dropout, random_state, incremental
    ):
        if not incremental or not hasattr(self, "_optimizer"):
            self._optimizer = self._make_optimizer(network)
        optimizer = self._optimizer
        # An unpickled optimizer steps with the network's table.
        optimizer.kernels = network.kernels

        kernels = network.kernels
        validation = None
        if self.early_stopping:
            split = _to_numpy(X), _to_numpy(Y), _to_numpy(sample_weight)
            X, Y, sample_weight, X_val, y_val, sw_val = self._validation_split(
                *(split if not kernels.on_host else (X, Y, sample_weight)),
                random_state,
            )
            if not kernels.on_host:
                # Split on the host (the labels are decoded there), trained on
                # the device.
                X, Y, X_val = (kernels.asarray(a, network.dtype) for a in (X, Y, X_val))
                if sample_weight is not None:
                    sample_weight = kernels.asarray(sample_weight, network.dtype)
            validation = X_val, y_val, sw_val
        n_samples = X.shape[0]
        sample_idx = np.arange(n_samples, dtype=int)
        batch_size = self._batch_size(n_samples)
        if self.learning_rate == "cosine":
            # One cycle over this fit's epochs (partial_fit refuses "cosine").
            optimizer.start_cosine(self.max_iter * math.ceil(n_samples / batch_size))
        workspace = Workspace(network, batch_size, dropout=any(dropout))
        batches = Batches(X, Y, sample_weight, batch_size, kernels)
        if not any(dropout):
            self._dropout_rng = None
        elif getattr(self, "_dropout_rng", None) is None:
            # Seeded once per model, then kept (and pickled), so that a stream
            # of partial_fit or warm-start calls continues one mask sequence.
            self._dropout_rng = kernels.dropout_rng(
                random_state.randint(np.iinfo(np.int32).max)
            )
        best_params = _copy(network.params) if self.early_stopping else None
        last_finite = _copy(network.params)

        try:
            self.n_iter_ = 0
            for _ in range(self.max_iter):
                started = time.perf_counter()
                if self.shuffle:
                    sample_idx = shuffle(sample_idx, random_state=random_state)
                    batches.reorder(sample_idx)
                last_finite[...] = network.params
                epoch_loss = self._train_one_epoch(
                    network, optimizer, workspace, batches, self._dropout_rng, dropout
                )
                # Checked once per epoch, not per batch (on a GPU each check
                # waits for the device): a non-finite batch loss stays in the
                # sum, and the epoch's start is what is restored either way.
                if not (math.isfinite(epoch_loss) and network.is_finite()):
                    network.params[...] = last_finite
                    raise _Diverged
                self._record_epoch(
                    epoch_loss, n_samples, network, best_params, validation
                )
                if self.verbose:
                    print(self._progress_line(time.perf_counter() - started))
                optimizer.iteration_ends(self.t_)
                if self._stop_training(optimizer, incremental):
                    break
        except KeyboardInterrupt:
            _warn("Training interrupted by user.", UserWarning)
        except BaseException:
            # The epoch's start: for partial_fit, the parameters before the call.
            network.params[...] = last_finite
            raise

        if self.early_stopping:
            network.params[...] = best_params

    def _batch_size(self, n_samples):
        """Return the size of the minibatches, warning when it is clipped."""
        if self.batch_size == "auto":
            return min(200, n_samples)
        if self.batch_size > n_samples:
            _warn(
                "Got `batch_size` less than 1 or larger than "
                "sample size. It is going to be clipped",
                UserWarning,
            )
        return int(np.clip(self.batch_size, 1, n_samples))

    def _train_one_epoch(
        self, network, optimizer, workspace, batches, dropout_rng, dropout
    ):
        """Take one optimizer step per minibatch; return the epoch's mean loss."""
        n_samples = batches.X.shape[0]
        kernels = network.kernels
        # Only weights holding a zero can make a batch weightless: test each
        # batch only then (on a GPU each test waits for the device).
        weights = batches.sample_weight
        may_be_weightless = weights is not None and not bool(
            kernels.xp.all(weights != 0)
        )
        accumulated_loss = 0.0
        for batch in gen_batches(n_samples, batches.batch_size):
            size = batch.stop - batch.start
            X_batch, Y_batch, sw_batch = batches.take(batch)
            if may_be_weightless and not float(kernels.total(sw_batch)):
                # The batch's objective is 0 / 0: it takes no step.
                continue
            masks = workspace.dropout_masks(dropout_rng, dropout, size)
            batch_loss = network.loss_gradient(
                X_batch, Y_batch, sw_batch, self.alpha, workspace, masks
            )
            accumulated_loss += batch_loss * size
            optimizer.step(network.params, workspace.grad)
        return float(accumulated_loss / n_samples)

    def _record_epoch(self, epoch_loss, n_samples, network, best_params, validation):
        """Record a finished epoch: its loss, and the score that decides stopping."""
        self.n_iter_ += 1
        self.loss_ = epoch_loss
        self.t_ += n_samples
        self.loss_curve_.append(self.loss_)
        if self.early_stopping:
            if self._record_validation_score(*validation):
                best_params[...] = network.params
        else:
            self._record_training_loss()

    def _stop_training(self, optimizer, incremental):
        """Decide whether training ends after this epoch, warning at max_iter."""
        if self._no_improvement_count > self.n_iter_no_change:
            if self.early_stopping:
                msg = (
                    "Validation score did not improve more than "
                    "tol=%f for %d consecutive epochs."
                    % (self.tol, self.n_iter_no_change)
                )
            else:
                msg = (
                    "Training loss did not improve more than tol=%f"
                    " for %d consecutive epochs." % (self.tol, self.n_iter_no_change)
                )
            if optimizer.trigger_stopping(msg, self.verbose):
                return True
            self._no_improvement_count = 0
        if incremental:
            return True
        # With "cosine", max_iter is the planned end: the rate has annealed.
        if self.n_iter_ == self.max_iter and self.learning_rate != "cosine":
            _warn(
                "Stochastic Optimizer: Maximum iterations (%d) "
                "reached and the optimization hasn't converged yet." % self.max_iter,
                ConvergenceWarning,
            )
        return False

    def _progress_line(self, seconds):
        line = "Iteration %d, loss = %.8f" % (self.n_iter_, self.loss_)
        if self.early_stopping:
            line += ", validation score = %.6f" % self.validation_scores_[-1]
        return line + (
            ", time = %.2fs" % seconds
            if seconds >= 0.1
            else ", time = %.3fms" % (1e3 * seconds)
        )

    def _record_validation_score(self, X_val, y_val, sw_val):
        """Track the validation score; return whether it is the best so far."""
        score = self._score(X_val, y_val, sample_weight=sw_val)
        self.validation_scores_.append(score)
        if not np.isfinite(score):
            if np.isfinite(self.validation_scores_[:-1]).all():
                _warn(
                    f"The early-stopping validation score is {score}: the "
                    "network's predictions on the validation set are not finite "
                    "or too large to score. The input data may contain large "
                    "values and need to be preprocessed.",
                    UserWarning,
                )
            # Unlike scikit-learn's MLP, which resets the count on NaN and
            # trains to max_iter, a non-finite score is no improvement.
            self._no_improvement_count += 1
            return False
        if score < self.best_validation_score_ + self.tol:
            self._no_improvement_count += 1
        else:
            self._no_improvement_count = 0
        if score > self.best_validation_score_:
            self.best_validation_score_ = score
            return True
        return False

    def _record_training_loss(self):
        if self.loss_curve_[-1] > self.best_loss_ - self.tol:
            self._no_improvement_count += 1
        else:
            self._no_improvement_count = 0
        if self.loss_curve_[-1] < self.best_loss_:
            self.best_loss_ = self.loss_curve_[-1]

    def _fit_lbfgs(self, network, X, Y, sample_weight):
        workspace = Workspace(network, X.shape[0])
        last_finite = network.params.astype(np.float64)

        def objective(params):
            network.params[...] = params
            loss = network.loss_gradient(X, Y, sample_weight, self.alpha, workspace)
            if np.isfinite(loss):
                last_finite[...] = params
                objective.started = True
            elif not objective.started:
                # L-BFGS cannot start from a point without a finite objective;
                # scikit-learn returns the starting weights untrained.
                raise ValueError(
                    f"The training objective is {loss} at the starting weights, "
                    "so lbfgs cannot minimise it: the targets, the sample weights "
                    f"or alpha={self.alpha} are too large. Scale them down."
                )
            return loss, workspace.grad.astype(np.float64)

        objective.started = False

        def report(intermediate_result):
            if self.verbose:
                print(
                    "Iteration %d, loss = %.8f"
                    % (report.n_iter, intermediate_result.fun)
                )
                report.n_iter += 1

        report.n_iter = 1
        result = scipy.optimize.minimize(
            objective,
            last_finite.copy(),
            method="L-BFGS-B",
            jac=True,
            callback=report,
            options={
                "maxfun": self.max_fun,
                "maxiter": self.max_iter,
                "gtol": self.tol,
            },
        )
        if not np.isfinite(result.x).all():
            network.params[...] = last_finite
            raise _Diverged
        if not np.isfinite(result.fun):
            # Every step of the last line search overflowed (result.fun is
            # the last value tried). scikit-learn returns the weights it
            # stopped at, typically the starting ones, with loss_ = nan.
            network.params[...] = last_finite
            raise _Diverged(_LBFGS_OVERFLOW_MESSAGE % min(result.nit, self.max_iter))
        self.n_iter_ = _lbfgs_iterations(result, self.max_iter)
        self.loss_ = float(result.fun)
        network.params[...] = result.x

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None):
        """Fit the model to data matrix X and target(s) y.

        Parameters
        ----------
        X : {ndarray, sparse matrix} of shape (n_samples, n_features)
            The input data. float32 input trains float32 parameters.
        y : ndarray of shape (n_samples,) or (n_samples, n_outputs)
            The target values (class labels in classification, real numbers in
            regression).
        sample_weight : array-like of shape (n_samples,), default=None
            Sample weights.

        Returns
        -------
        self : object
            Returns a trained MLP model.
        """
        return self._fit(X, y, sample_weight=sample_weight, incremental=False)

    def _check_X_y(self, X, y, reset):
        """Validate training data as scikit-learn's MLP does."""
        xp, _ = get_namespace(X)
        return validate_data(
            self,
            X,
            y,
            accept_sparse=["csr", "csc"],
            multi_output=True,
            y_numeric=not is_classifier(self),
            dtype=(xp.float64, xp.float32),
            reset=reset,
        )

    def _n_target_columns(self):
        """Return the number of columns of the targets the estimator was fitted on."""
        return self.n_outputs_

    def _encode(self, y):
        """Encode validated targets as the 2-D array the network is trained on."""
        return np.asarray(y, dtype=np.float64).reshape(y.shape[0], -1)

    def _check_solver(self):
        if self.solver not in _STOCHASTIC_SOLVERS:
            raise AttributeError(
                "partial_fit is only available for stochastic"
                " optimizers. %s is not stochastic." % self.solver
            )
        return True

    # ------------------------------------------------------------- prediction
    def _forward_pass_fast(self, X, check_input=True, out_activation=None):
        """Return the output layer for ``X``, in chunks sized by ``working_memory``.

        ``out_activation`` replaces the output activation: ``"identity"``
        gives the output layer's pre-activations.
        """
        defer_finite_check = False
        kernels = _kernels_of(X)
        if check_input:
            # Scanning a wide X for NaN and infinity costs as much as a
            # quarter of the prediction; a narrower first layer's product
            # shows them as well, so scan that, and X only if it is not finite.
            defer_finite_check = (
                kernels.on_host
                and not sp.issparse(X)
                and self.coefs_[0].shape[1] < self.coefs_[0].shape[0]
            )
            X = validate_data(
                self,
                X,
                accept_sparse=["csr", "csc"],
                reset=False,
                ensure_all_finite=not defer_finite_check,
            )
        out_activation = out_activation or self.out_activation_
        if kernels.on_host:
            dtype = np.result_type(X.dtype, self.coefs_[0].dtype, np.float32)
        else:
            dtype = kernels.xp.result_type(X.dtype, self.coefs_[0].dtype)
        network = self._prediction_network(dtype, kernels)
        widths = [coef.shape[1] for coef in self.coefs_]
        # A layer's product and its input are alive together; the first
        # layer's input counts too, as a product may cast or densify X's chunk.
        row_bytes = (
            kernels.xp.finfo(dtype).bits
            // 8
            * max(a + b for a, b in zip([X.shape[1], *widths], widths, strict=False))
        )
        n_samples = X.shape[0]
        # working_memory is a limit, not a target: past a few tens of MiB a
        # chunk is no faster (the products are saturated) and only costs
        # memory and page faults, so chunks never exceed _MAX_CHUNK_BYTES.
        working_bytes = min(get_config()["working_memory"] * 2**20, _MAX_CHUNK_BYTES)
        chunk = max(1, int(working_bytes // row_bytes))
        workspace = Workspace(network, min(chunk, n_samples), backward=False)
        if chunk >= n_samples:
            return self._forward_chunk(
                network, workspace, X, out_activation, defer_finite_check
            )
        output = kernels.empty((n_samples, widths[-1]), dtype)
        for rows in gen_batches(n_samples, chunk):
            output[rows] = self._forward_chunk(
                network, workspace, X[rows], out_activation, defer_finite_check
            )
        return output

    def _check_namespace(self, X, method):
        """Refuse ``X`` from another namespace or device than the fitted model's."""
        if not get_config()["array_api_dispatch"]:
            return
        fitted, given = _kernels_of(self.coefs_[0]), _kernels_of(X)
        if _same_backend(fitted, given):
            return
        raise ValueError(
            f"Inputs passed to {type(self).__name__}.{method}() must use the same "
            "namespace and the same device as those passed to fit(): the model "
            f"lives in {fitted.xp.__name__} on {fitted.device!r}, X in "
            f"{given.xp.__name__} on {given.device!r}. Fit again on X's namespace "
            "and device."
        )

    def _prediction_network(self, dtype, kernels):
        """Return a network holding ``coefs_`` in ``dtype``, reusing the fitted one."""
        network = getattr(self, "_network", None)
        if (
            network is not None
            and _same_backend(network.kernels, kernels)
            and network.dtype == dtype
            and len(self.coefs_) == len(network.coefs)
            and all(
                given is view
                for given, view in zip(
                    self.coefs_ + self.intercepts_, network.coefs + network.intercepts
                )
            )
        ):
            # The fitted parameters, with the table prediction asks for (a
            # model trained with compiled kernels predicts as its unpickled
            # copy does).
            return network.with_kernels(kernels)
        return Network.from_parameters(
            self.coefs_,
            self.intercepts_,
            self.activation,
            LOSS_FOR_OUTPUT[self.out_activation_],
            dtype,
            kernels,
        )

    def _forward_chunk(self, network, workspace, X, out_activation, check_finite):
        def check_first_product(product):
            if not _sums_to_finite(product):
                # Raises the error validate_data would have raised if X holds
                # NaN or infinity; a finite X whose product overflowed goes on.
                assert_all_finite(X, estimator_name=type(self).__name__, input_name="X")

        return network.forward(
            X,
            workspace,
            out_activation=out_activation,
            check_first_product=check_first_product if check_finite else None,
        )

    def _score_with_function(self, X, y, sample_weight, score_function):
        """Score without input validation; NaN when predictions are not finite."""
        y_pred = _to_numpy(self._predict(X, check_input=False))
        if np.issubdtype(y_pred.dtype, np.floating) and not np.isfinite(y_pred).all():
            return np.nan
        return score_function(y, y_pred, sample_weight=sample_weight)

    # ------------------------------------------------------------ persistence
    def __getstate__(self):
        """Return the state to pickle: the model, without training buffers.

        The state is a new dict (pickling or copying never changes the
        estimator) and records the scikit-learn version, as scikit-learn's
        own estimators do.
        """
        state = {
            key: value
            for key, value in super().__getstate__().items()
            if key != "_network"
        }
        state["_sklearn_version"] = sklearn_version
        return state

    def __setstate__(self, state):
        """Restore a pickled estimator, warning if another scikit-learn made it."""
        state = dict(state)
        used = state.get("_optimizer_settings_used")
        if used is not None and not isinstance(used[1], bool):
            # Pickled before learning_rate="cosine": those settings had none.
            state["_optimizer_settings_used"] = (used[0], False, *used[1:])
        pickle_version = state.pop("_sklearn_version", "pre-0.18")
        if pickle_version != sklearn_version:
            warnings.warn(
                InconsistentVersionWarning(
                    estimator_name=type(self).__name__,
                    current_sklearn_version=sklearn_version,
                    original_sklearn_version=pickle_version,
                ),
                stacklevel=2,
            )
        super().__setstate__(state)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        # lbfgs runs SciPy on NumPy arrays and refuses other namespaces.
        tags.array_api_support = self.solver in _STOCHASTIC_SOLVERS
        return tags


def _warn(message, category):
    """Warn, attributing the warning to the first caller outside skperceptron.

    That is the user's line (or the scikit-learn tool that called ``fit``),
    so ``warnings.filterwarnings(..., module=...)`` and the printed location
    name the user's code. scikit-learn's ``_fit_context`` wrapper, between
    the user and ``fit``, is skipped as well.
    """
    frame, stacklevel = sys._getframe(1), 2
    while frame is not None and (
        frame.f_globals.get("__name__", "").startswith("skperceptron.")
        or frame.f_globals.get("__name__") == "sklearn.base"
    ):
        frame, stacklevel = frame.f_back, stacklevel + 1
    warnings.warn(message, category, stacklevel=stacklevel)


def objective_inputs(estimator, X, y, sample_weight=None):
    """Validate data for a fitted estimator's training objective.

    The estimator is left as it is. The parameters are those of
    :func:`skperceptron.utils.loss_and_gradients`, which evaluates the
    objective on what this returns: ``X``, the encoded 2-D targets (float64)
    and the sample weights with the class weights folded in, as ``fit``
    hands them to the network.
    """
    check_is_fitted(estimator)
    X, y = estimator._check_X_y(X, y, reset=False)
    # The network would broadcast a wrongly shaped target into a loss;
    # reject it as scoring does.
    n_columns = 1 if y.ndim == 1 else y.shape[1]
    if n_columns != estimator._n_target_columns():
        raise ValueError(
            f"y has {n_columns} column(s) (shape {y.shape}), but the estimator "
            f"was fitted on targets with {estimator._n_target_columns()}."
        )
    if sample_weight is not None:
        sample_weight = _check_sample_weight(sample_weight, X)
    Y = estimator._encode(y)
    return X, Y, estimator._weigh_classes(Y, sample_weight)


def _kernels_of(X):
    """Return the kernel table that predicts for ``X`` (and its backend).

    The host's, unless ``array_api_dispatch`` is on and ``X`` is a dense array
    of another namespace (PyTorch, CuPy, array-api-strict, ...). On the host
    that is NumPy's, unless ``SKPERCEPTRON_KERNELS=numba`` asks for the
    compiled one; a fit chooses by its size (``_fit_or_raise``).
    """
    if sp.issparse(X):
        return host_kernels(work=0)
    xp, is_array_api, device = get_namespace_and_device(X)
    if not is_array_api or _is_numpy_namespace(xp):
        return host_kernels(work=0)
    return ArrayAPIKernels(xp, device)


def _same_backend(kernels, other):
    """Whether two kernel tables work on the same namespace and device."""
    return kernels.xp is other.xp and kernels.device == other.device


def _to_numpy(array):
    """Return an array of any namespace (or None) as a NumPy array on the host."""
    if array is None or isinstance(array, np.ndarray) or sp.issparse(array):
        return array
    xp, is_array_api = get_namespace(array)
    if not is_array_api:
        return array
    return _convert_to_numpy(array, xp)


def _like(reference, array):
    """Return NumPy ``array`` in ``reference``'s namespace and on its device.

    Labels that are not numbers (strings, objects) have no place on a device
    and stay NumPy arrays.
    """
    if isinstance(reference, np.ndarray) or array.dtype.kind not in "biuf":
        return array
    xp, _, device = get_namespace_and_device(reference)
    return xp.asarray(array, device=device)


def _ravel(array):
    """Return a 2-D array with one column as a 1-D array, in its namespace."""
    if isinstance(array, np.ndarray):
        return array.ravel()
    return get_namespace(array)[0].reshape(array, (-1,))


def _copy(array):
    """Return a copy of an array of any namespace, on its device."""
    if isinstance(array, np.ndarray):
        return array.copy()
    return get_namespace(array)[0].asarray(array, copy=True)


def _sums_to_finite(array):
    """Whether ``array``'s sum is finite: a fast sign that all of it is.

    A NaN or an infinity makes the sum non-finite; a finite array whose sum
    overflows gives a false alarm, so ``False`` calls for a closer look.
    """
    with np.errstate(over="ignore", invalid="ignore"):
        return bool(np.isfinite(array.sum()))


def _check_class_weight_values(class_weight, name):
    """Check a dict of class weights as scikit-learn checks sample weights.

    The weights must be numbers, finite and non-negative: a negative weight
    makes the objective unbounded below.
    """
    if isinstance(class_weight, dict):
        if not all(isinstance(w, Real) for w in class_weight.values()):
            raise ValueError(
                f"{name} must map classes to numbers, got {class_weight!r}."
            )
        weights = check_array(
            list(class_weight.values()),
            ensure_2d=False,
            ensure_min_samples=0,
            dtype=np.float64,
            input_name=name,
        )
        check_non_negative(weights, name)


def _parameter_dtype(dtype, kernels):
    """Return the floating dtype parameters of ``dtype`` are trained in."""
    if kernels.on_host:
        return np.result_type(dtype, np.float32)
    return dtype


def _lbfgs_iterations(result, max_iter):
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
        _warn(message, ConvergenceWarning)
    return n_iter


_SHARED_PARAMETERS_DOC = """
    hidden_layer_sizes : array-like of shape (n_layers - 2,), default=(100,)
        The ith element represents the number of neurons in the ith hidden
        layer. ``()`` means no hidden layer: a single layer of output neurons.

    activation : str, default='relu'
        Activation function for the hidden layers: ``'identity'``,
        ``'logistic'``, ``'tanh'`` or ``'relu'``, as in scikit-learn, or,
        ours only (scikit-learn rejects them): ``'leaky_relu'`` (slope 0.01
        below 0), ``'elu'`` (alpha 1), ``'gelu'`` (the exact ``z Phi(z)``),
        ``'silu'`` (``z sigmoid(z)``), ``'softplus'`` (``log(1 + exp(z))``)
        and ``'mish'`` (``z tanh(softplus(z))``).

    solver : {'lbfgs', 'sgd', 'adam'}, default='adam'
        The solver for weight optimization: L-BFGS-B from scipy, stochastic
        gradient descent, or Adam.

    alpha : float, default=0.0001
        Strength of the L2 regularization term, which is divided by the sum of
        the sample weights when added to the loss.

    batch_size : int or 'auto', default='auto'
        Size of minibatches for stochastic optimizers; 'auto' means
        ``min(200, n_samples)``. Ignored by lbfgs.

    learning_rate : {'constant', 'invscaling', 'adaptive', 'cosine'}, default='constant'
        Learning rate schedule for weight updates. scikit-learn's 'constant',
        'invscaling' and 'adaptive' apply to ``solver='sgd'`` only. 'cosine'
        is skperceptron's own and applies to sgd and adam: over the
        ``T = max_iter * n_batches`` steps of one fit (``n_batches``
        minibatches per epoch, without early stopping's validation set), step
        ``k`` (0-based) uses the rate
        ``learning_rate_init * (1 + cos(pi * k / T)) / 2``, the learning rate
        of sgd or the base rate of adam (under its bias correction). Every
        fit, warm-started or not, starts a new cycle, which runs to
        ``max_iter`` unless the ``tol`` rule or early stopping ends the fit
        sooner; reaching ``max_iter`` is its planned end, without a
        ConvergenceWarning. partial_fit does not support it.

    learning_rate_init : float, default=0.001
        The initial learning rate, for sgd and adam.

    power_t : float, default=0.5
        The exponent of the 'invscaling' schedule.

    max_iter : int, default=200
        Maximum number of iterations: epochs for sgd and adam, L-BFGS
        iterations for lbfgs.

    shuffle : bool, default=True
        Whether to shuffle samples in each epoch (sgd and adam).

    random_state : int, RandomState instance, default=None
        Determines weight initialization, the train-validation split of early
        stopping, batch sampling and dropout masks.

    tol : float, default=1e-4
        Tolerance for the optimization: training stops (or, with the adaptive
        schedule, the learning rate drops) when the loss or validation score
        does not improve by at least ``tol`` for ``n_iter_no_change``
        consecutive epochs.

    verbose : bool, default=False
        Whether to print one progress line per iteration.

    warm_start : bool, default=False
        When True, reuse the solution of the previous call to fit as
        initialization.

    momentum : float, default=0.9
        Momentum for gradient descent update, in [0, 1]; sgd only.

    nesterovs_momentum : bool, default=True
        Whether to use Nesterov's momentum; sgd with momentum > 0 only.

    early_stopping : bool, default=False
        Whether to stop training when the validation score stops improving,
        holding out ``validation_fraction`` of the training data.

    validation_fraction : float, default=0.1
        Proportion of training data set aside for early stopping.

    beta_1 : float, default=0.9
        Decay rate of adam's first moment estimates, in [0, 1).

    beta_2 : float, default=0.999
        Decay rate of adam's second moment estimates, in [0, 1).

    epsilon : float, default=1e-8
        Value for numerical stability in adam.

    n_iter_no_change : int, default=10
        Number of epochs without ``tol`` improvement before stopping.

    max_fun : int, default=15000
        Maximum number of loss function calls; lbfgs only.
"""

# Last in both signatures, after the classifier's class_weight.
_DROPOUT_DOC = """
    dropout : float or array-like of float, default=0.0
        Inverted-dropout rate of the hidden layers' activations during
        training, one rate for all hidden layers or one per hidden layer, each
        in [0, 1). Prediction never drops units. Not available with lbfgs.
"""

_SHARED_ATTRIBUTES_DOC = """
    loss_ : float
        The current loss computed with the loss function.

    best_loss_ : float or None
        The minimum loss reached by the solver throughout fitting; None with
        early stopping, which tracks ``best_validation_score_`` instead.

    loss_curve_ : list of shape (`n_iter_`,)
        The loss at the end of each training epoch (sgd and adam).

    validation_scores_ : list of shape (`n_iter_`,) or None
        The score on the validation set at each epoch; None without early
        stopping.

    best_validation_score_ : float or None
        The best validation score; None without early stopping.

    t_ : int
        The number of training samples seen by the solver during fitting.

    coefs_ : list of shape (n_layers - 1,)
        The ith element is the weight matrix of layer i. Assigning new arrays
        changes the model used by the next predict and partial_fit.

    intercepts_ : list of shape (n_layers - 1,)
        The ith element is the bias vector of layer i + 1.

    n_features_in_ : int
        Number of features seen during fit.

    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during fit, when X has string feature names.

    n_iter_ : int
        The number of iterations the solver has run.

    n_layers_ : int
        Number of layers, input and output included.

    n_outputs_ : int
        Number of outputs.

    out_activation_ : str
        Name of the output activation function.
"""


class ScratchMLPClassifier(ClassifierMixin, _BaseScratchMLP):
    __doc__ = (
        """Multi-layer perceptron classifier, written from scratch in NumPy.

    A drop-in replacement for :class:`sklearn.neural_network.MLPClassifier`:
    the same parameters, attributes and behaviours, with the forward pass,
    backpropagation, losses and optimizers implemented in
    :mod:`skperceptron`'s own core. It adds ``class_weight`` and ``dropout``.

    The output layer is a softmax over the classes for multiclass targets, and
    logistic units for binary and multilabel targets; the loss is the
    corresponding log-loss.

    Parameters
    ----------"""
        + _SHARED_PARAMETERS_DOC
        + """
    class_weight : dict, list of dict, 'balanced' or None, default=None
        Weights of the classes, multiplied into the sample weights; 'balanced'
        uses ``n_samples / (n_classes * np.bincount(y))``. For multilabel
        targets, 'balanced' or a list of one dict ``{0: w0, 1: w1}`` (or
        'balanced') per label. Weights are finite and non-negative; a
        minibatch whose total weight is 0 takes no step. 'balanced' counts
        classes with the sample weights, and makes partial_fit unavailable
        (one batch does not tell the class distribution).
"""
        + _DROPOUT_DOC
        + """
    Attributes
    ----------
    classes_ : ndarray or list of ndarray of shape (n_classes,)
        Class labels for each output.
"""
        + _SHARED_ATTRIBUTES_DOC
        + """
    See Also
    --------
    ScratchMLPRegressor : The regressor built on the same core.
    sklearn.neural_network.MLPClassifier : The estimator this one replaces.

    Examples
    --------
    >>> from sklearn.datasets import make_classification
    >>> from skperceptron import ScratchMLPClassifier
    >>> X, y = make_classification(n_samples=200, random_state=1)
    >>> clf = ScratchMLPClassifier(max_iter=300, random_state=1).fit(X, y)
    >>> clf.predict_proba(X[:1]).shape
    (1, 2)
    >>> clf.score(X, y) > 0.9
    True
    """
    )

    _parameter_constraints: dict = {
        **_BaseScratchMLP._parameter_constraints,
        "class_weight": [dict, list, StrOptions({"balanced"}), None],
    }

    def __init__(
        self,
        hidden_layer_sizes=(100,),
        activation="relu",
        *,
        solver="adam",
        alpha=0.0001,
        batch_size="auto",
        learning_rate="constant",
        learning_rate_init=0.001,
        power_t=0.5,
        max_iter=200,
        shuffle=True,
        random_state=None,
        tol=1e-4,
        verbose=False,
        warm_start=False,
        momentum=0.9,
        nesterovs_momentum=True,
        early_stopping=False,
        validation_fraction=0.1,
        beta_1=0.9,
        beta_2=0.999,
        epsilon=1e-8,
        n_iter_no_change=10,
        max_fun=15000,
        class_weight=None,
        dropout=0.0,
    ):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.solver = solver
        self.alpha = alpha
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.learning_rate_init = learning_rate_init
        self.power_t = power_t
        self.max_iter = max_iter
        self.shuffle = shuffle
        self.random_state = random_state
        self.tol = tol
        self.verbose = verbose
        self.warm_start = warm_start
        self.momentum = momentum
        self.nesterovs_momentum = nesterovs_momentum
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.n_iter_no_change = n_iter_no_change
        self.max_fun = max_fun
        self.class_weight = class_weight
        self.dropout = dropout

    def _loss_name(self):
        if self._label_binarizer.y_type_ == "multiclass":
            return "log_loss"
        return "binary_log_loss"

    def _validate_input(self, X, y, incremental, reset):
        X, y = self._check_X_y(X, y, reset=reset)
        if y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)
        check_classification_targets(y)

        if (not hasattr(self, "classes_")) or (not self.warm_start and not incremental):
            self._label_binarizer = LabelBinarizer()
            self._label_binarizer.fit(y)
            self.classes_ = self._label_binarizer.classes_
        else:
            classes = unique_labels(y)
            if self.warm_start:
                if set(classes) != set(self.classes_):
                    raise ValueError(
                        "warm_start can only be used where `y` has the same "
                        "classes as in the previous call to fit. Previously "
                        f"got {self.classes_}, `y` has {classes}"
                    )
            elif len(np.setdiff1d(classes, self.classes_, assume_unique=True)):
                raise ValueError(
                    "`y` has classes not in `self.classes_`. "
                    f"`self.classes_` has {self.classes_}. 'y' has {classes}."
                )
        return X, self._label_binarizer.transform(y).astype(numpy_dtype(X.dtype))

    def _weigh_classes(self, Y, sample_weight):
        if self.class_weight is None:
            return sample_weight
        if self._label_binarizer.y_type_.startswith("multilabel"):
            # One {0, 1} problem per label; a sample's weight is their product.
            per_label = (
                [self.class_weight] * Y.shape[1]
                if self.class_weight == "balanced"
                else self.class_weight
            )
            if (
                not isinstance(per_label, list)
                or len(per_label) != Y.shape[1]
                or not all(w == "balanced" or isinstance(w, dict) for w in per_label)
            ):
                raise ValueError(
                    "For multilabel targets, class_weight must be 'balanced' or a "
                    f"list of {Y.shape[1]} dicts {{0: weight, 1: weight}}, one per "
                    f"label; got {self.class_weight!r}."
                )
            for label, label_weight in enumerate(per_label):
                _check_class_weight_values(label_weight, f"class_weight[{label}]")
            weights = np.ones(Y.shape[0])
            for label, (column, label_weight) in enumerate(
                zip(Y.T.astype(int), per_label)
            ):
                with np.errstate(divide="ignore", invalid="ignore"):
                    per_class = compute_class_weight(
                        label_weight,
                        classes=np.array([0, 1]),
                        y=column,
                        sample_weight=sample_weight,
                    )
                missing = np.flatnonzero(~np.isfinite(per_class))
                if missing.size:
                    raise ValueError(
                        "class_weight='balanced' needs a positive total sample "
                        f"weight for both values of every label; label {label} "
                        f"has none for the value {missing[0]}."
                    )
                weights *= per_class[column]
        else:
            if isinstance(self.class_weight, list):
                raise ValueError(
                    "class_weight may be a list (one dict per label) only for "
                    "multilabel targets; for "
                    f"{self._label_binarizer.y_type_} targets pass a dict "
                    f"{{class: weight}} or 'balanced', got {self.class_weight!r}."
                )
            _check_class_weight_values(self.class_weight, "class_weight")
            labels = self._label_binarizer.inverse_transform(Y)
            # A class without weight gets an infinite one: said just below.
            with np.errstate(divide="ignore"):
                per_class = compute_class_weight(
                    self.class_weight,
                    classes=self.classes_,
                    y=labels,
                    sample_weight=sample_weight,
                )
            if not np.isfinite(per_class).all():
                raise ValueError(
                    "class_weight='balanced' needs a positive total sample weight "
                    "for every class; classes "
                    f"{self.classes_[~np.isfinite(per_class)]} have none."
                )
            weights = per_class[np.searchsorted(self.classes_, labels)]
        return weights if sample_weight is None else sample_weight * weights

    def _encode(self, y):
        if y.ndim == 2 and y.shape[1] == 1:
            y = y.ravel()
        unknown = np.setdiff1d(unique_labels(y), self.classes_)
        if len(unknown):
            raise ValueError(
                "`y` has classes not in `self.classes_`. "
                f"`self.classes_` has {self.classes_}. 'y' has {unknown}."
            )
        return self._label_binarizer.transform(y).astype(np.float64)

    def _stratify_validation(self):
        return not self._label_binarizer.y_type_.startswith("multilabel")

    def _n_target_columns(self):
        # Only multilabel targets have a column per class.
        if self._label_binarizer.y_type_.startswith("multilabel"):
            return len(self.classes_)
        return 1

    def _decode(self, Y):
        return self._label_binarizer.inverse_transform(Y)

    def predict(self, X):
        """Predict using the multi-layer perceptron classifier.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The input data.

        Returns
        -------
        y : ndarray, shape (n_samples,) or (n_samples, n_classes)
            The predicted classes.
        """
        check_is_fitted(self)
        self._check_namespace(X, "predict")
        return self._predict(X)

    def _predict(self, X, check_input=True):
        if self._label_binarizer.y_type_ == "multiclass":
            # Softmax keeps the order of a row, so the most probable class is
            # the one with the largest pre-activation: no need to compute it.
            on_device = self._forward_pass_fast(
                X, check_input=check_input, out_activation="identity"
            )
            # Labels are decoded on the host, and go back to the device.
            logits = _to_numpy(on_device)
            best = logits.argmax(axis=1)
            if not _sums_to_finite(logits):
                # A row whose largest logit is NaN or infinite has NaN
                # probabilities, whose argmax is the first class.
                best[~np.isfinite(logits.max(axis=1))] = 0
            return _like(on_device, self.classes_.take(best))
        on_device = self._forward_pass_fast(X, check_input=check_input)
        y_pred = _to_numpy(on_device)
        if self.n_outputs_ == 1:
            y_pred = y_pred.ravel()
        return _like(on_device, self._label_binarizer.inverse_transform(y_pred))

    def _score(self, X, y, sample_weight=None):
        return self._score_with_function(X, y, sample_weight, accuracy_score)

    def _check_partial_fit(self):
        self._check_solver()
        if isinstance(self.class_weight, str) and self.class_weight == "balanced":
            raise AttributeError(
                "partial_fit is not available with class_weight='balanced': the "
                "class distribution of the whole data set is unknown from one "
                "batch. Compute the weights once with "
                "compute_class_weight('balanced', classes=classes, y=y) on the "
                "full target (or a large enough sample of it) and pass them as a "
                "dict: class_weight=dict(zip(classes, weights))."
            )
        return True

    @available_if(lambda est: est._check_partial_fit())
    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y, sample_weight=None, classes=None):
        """Update the model with a single iteration over the given data.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The input data.
        y : array-like of shape (n_samples,)
            The target values.
        sample_weight : array-like of shape (n_samples,), default=None
            Sample weights.
        classes : array of shape (n_classes,), default=None
            Classes across all calls to partial_fit; required for the first
            call and may be omitted in the subsequent calls.

        Returns
        -------
        self : object
            Trained MLP model.
        """
        first_call = not hasattr(self, "classes_")
        if not _kernels_of(X).on_host:
            y, classes = _to_numpy(y), _to_numpy(classes)
        try:
            if _check_partial_fit_first_call(self, classes):
                self._label_binarizer = LabelBinarizer()
                if type_of_target(y).startswith("multilabel"):
                    self._label_binarizer.fit(y)
                else:
                    self._label_binarizer.fit(classes)
            return self._fit(X, y, sample_weight=sample_weight, incremental=True)
        except BaseException:
            # A first call that fitted nothing leaves no classes behind.
            if first_call and not hasattr(self, "coefs_"):
                self.__dict__.pop("classes_", None)
                self.__dict__.pop("_label_binarizer", None)
            raise

    def predict_log_proba(self, X):
        """Return the log of probability estimates.

        Parameters
        ----------
        X : ndarray of shape (n_samples, n_features)
            The input data.

        Returns
        -------
        log_y_prob : ndarray of shape (n_samples, n_classes)
            The predicted log-probability of the sample for each class in the
            model, where classes are ordered as they are in ``self.classes_``.
        """
        check_is_fitted(self)
        self._check_namespace(X, "predict_log_proba")
        y_prob = self.predict_proba(X)
        if isinstance(y_prob, np.ndarray):
            return np.log(y_prob, out=y_prob)
        return get_namespace(y_prob)[0].log(y_prob)

    def predict_proba(self, X):
        """Probability estimates.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The input data.

        Returns
        -------
        y_prob : ndarray of shape (n_samples, n_classes)
            The predicted probability of the sample for each class in the
            model, where classes are ordered as they are in ``self.classes_``.
        """
        check_is_fitted(self)
        self._check_namespace(X, "predict_proba")
        # Saturated outputs (exactly 0 or 1) are clipped to [eps, 1 - eps],
        # the probabilities the loss sees, so that every probability is
        # strictly inside (0, 1) and its log is finite. predict thresholds
        # the unclipped outputs.
        y_pred = self._forward_pass_fast(X)
        y_pred = _kernels_of(y_pred).clipped(y_pred)
        if self.n_outputs_ == 1:
            y_pred = _ravel(y_pred)
        if y_pred.ndim == 1:
            if isinstance(y_pred, np.ndarray):
                return np.vstack([1 - y_pred, y_pred]).T
            return get_namespace(y_pred)[0].stack([1 - y_pred, y_pred], axis=1)
        return y_pred

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_label = True
        return tags


class ScratchMLPRegressor(RegressorMixin, _BaseScratchMLP):
    __doc__ = (
        """Multi-layer perceptron regressor, written from scratch in NumPy.

    A drop-in replacement for :class:`sklearn.neural_network.MLPRegressor`:
    the same parameters, attributes and behaviours, with the forward pass,
    backpropagation, losses and optimizers implemented in
    :mod:`skperceptron`'s own core. It adds ``dropout``.

    Parameters
    ----------
    loss : {'squared_error', 'poisson'}, default='squared_error'
        The loss: half squared error with an identity output, or half Poisson
        deviance with an exponential output (non-negative targets). Both are
        summed over outputs for multi-output targets.
"""
        + _SHARED_PARAMETERS_DOC
        + _DROPOUT_DOC
        + """
    Attributes
    ----------"""
        + _SHARED_ATTRIBUTES_DOC
        + """
    See Also
    --------
    ScratchMLPClassifier : The classifier built on the same core.
    sklearn.neural_network.MLPRegressor : The estimator this one replaces.

    Examples
    --------
    >>> from sklearn.datasets import make_regression
    >>> from skperceptron import ScratchMLPRegressor
    >>> X, y = make_regression(n_samples=200, n_features=5, random_state=1)
    >>> reg = ScratchMLPRegressor(solver="lbfgs", random_state=1).fit(X, y)
    >>> reg.score(X, y) > 0.99
    True
    """
    )

    _parameter_constraints: dict = {
        **_BaseScratchMLP._parameter_constraints,
        "loss": [StrOptions({"squared_error", "poisson"})],
    }

    def __init__(
        self,
        loss="squared_error",
        hidden_layer_sizes=(100,),
        activation="relu",
        *,
        solver="adam",
        alpha=0.0001,
        batch_size="auto",
        learning_rate="constant",
        learning_rate_init=0.001,
        power_t=0.5,
        max_iter=200,
        shuffle=True,
        random_state=None,
        tol=1e-4,
        verbose=False,
        warm_start=False,
        momentum=0.9,
        nesterovs_momentum=True,
        early_stopping=False,
        validation_fraction=0.1,
        beta_1=0.9,
        beta_2=0.999,
        epsilon=1e-8,
        n_iter_no_change=10,
        max_fun=15000,
        dropout=0.0,
    ):
        self.loss = loss
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.solver = solver
        self.alpha = alpha
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.learning_rate_init = learning_rate_init
        self.power_t = power_t
        self.max_iter = max_iter
        self.shuffle = shuffle
        self.random_state = random_state
        self.tol = tol
        self.verbose = verbose
        self.warm_start = warm_start
        self.momentum = momentum
        self.nesterovs_momentum = nesterovs_momentum
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.n_iter_no_change = n_iter_no_change
        self.max_fun = max_fun
        self.dropout = dropout

    def predict(self, X):
        """Predict using the multi-layer perceptron model.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The input data.

        Returns
        -------
        y : ndarray of shape (n_samples,) or (n_samples, n_outputs)
            The predicted values.
        """
        check_is_fitted(self)
        self._check_namespace(X, "predict")
        return self._predict(X)

    def _predict(self, X, check_input=True):
        y_pred = self._forward_pass_fast(X, check_input=check_input)
        if y_pred.shape[1] == 1:
            return _ravel(y_pred)
        return y_pred

    def _score(self, X, y, sample_weight=None):
        return self._score_with_function(X, y, sample_weight, r2_score)

    def _validate_input(self, X, y, incremental, reset):
        X, y = self._check_X_y(X, y, reset=reset)
        if y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)
        if self.loss == "poisson" and np.any(y < 0):
            raise ValueError(
                "Some value(s) of y are negative which is not allowed for "
                "Poisson regression (loss='poisson')."
            )
        return X, np.asarray(y, dtype=numpy_dtype(X.dtype)).reshape(y.shape[0], -1)

    @available_if(lambda est: est._check_solver())
    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y, sample_weight=None):
        """Update the model with a single iteration over the given data.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The input data.
        y : ndarray of shape (n_samples,)
            The target values.
        sample_weight : array-like of shape (n_samples,), default=None
            Sample weights.

        Returns
        -------
        self : object
            Trained MLP model.
        """
        return self._fit(X, y, sample_weight=sample_weight, incremental=True)
