"""What both estimators share: the fitted-state lifecycle and the training glue.

:class:`_FittedState` keeps the fitted model (``coefs_``, ``intercepts_``) and
its :class:`~skperceptron._network.Network` in step, makes each training call
all-or-nothing and pickles the model. :class:`_BaseScratchMLP` turns a call of
``fit`` or ``partial_fit`` into a network, an optimizer and a trainer
(:mod:`skperceptron._training`), copies the trainer's record to the public
attributes, and predicts through :func:`~skperceptron._prediction.forward_in_chunks`.
The estimators themselves (:mod:`skperceptron._mlp`) add their targets:
label encoding and class weights, or the regression loss.
"""

import copy
import warnings
from functools import partial

import numpy as np
import scipy.sparse as sp
from sklearn import __version__ as sklearn_version
from sklearn import get_config
from sklearn.base import (
    BaseEstimator,
    _fit_context,
    is_classifier,
)
from sklearn.exceptions import InconsistentVersionWarning
from sklearn.utils import check_random_state
from sklearn.utils._array_api import get_namespace
from sklearn.utils.validation import (
    _check_sample_weight,
    assert_all_finite,
    column_or_1d,
    validate_data,
)

from ._backends import (
    copy_array,
    host_kernels,
    kernels_of,
    parameter_dtype,
    refuse_autograd,
    same_backend,
    to_numpy,
)
from ._callbacks import (
    CallbackSupportMixin,
    EpochCallbacks,
    LbfgsCallbacks,
    fit_task_subtasks,
    start_fit_task,
)
from ._losses import LOSS_FOR_OUTPUT, OUTPUT_ACTIVATIONS
from ._network import Network
from ._optimizers import SGD, Adam
from ._params import (
    PARAMETER_CONSTRAINTS,
    dropout_rates,
    hidden_layer_sizes,
)
from ._prediction import forward_in_chunks
from ._training import (
    NON_FINITE_MESSAGE,
    Diverged,
    EarlyStopping,
    StochasticSettings,
    StochasticTrainer,
    TrainingRecord,
    fit_lbfgs,
)
from ._warn import warn

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

# Where the estimator keeps each field of the trainer's record between calls.
_RECORD_ATTRIBUTES = {
    "n_iter": "n_iter_",
    "t": "t_",
    "loss": "loss_",
    "loss_curve": "loss_curve_",
    "validation_scores": "validation_scores_",
    "validation_loss_curve": "validation_loss_curve_",
    "best_loss": "best_loss_",
    "best_validation_score": "best_validation_score_",
    "no_improvement_count": "_no_improvement_count",
    "dropout_rng": "_dropout_rng",
}


class _FittedState:
    """The fitted-state lifecycle of an estimator that trains a :class:`Network`.

    The fitted model is ``coefs_`` and ``intercepts_``, views of the cached
    network's flat parameters while they are its arrays; the estimator's
    parameters say how to train it. This class keeps the two in step
    (:meth:`_synced_network` for training, :meth:`_prediction_network` for
    prediction), makes every training call all-or-nothing (:meth:`_fit`) and
    pickles the model without its network or training buffers. The
    estimator supplies ``_fit_or_raise``, ``_loss_name`` and its parameters.
    """

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
            or not same_backend(network.kernels, kernels)
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
                parameter_dtype(self.coefs_[0].dtype, kernels),
                kernels,
            )
            self._attach(network)
        elif network.kernels is not kernels:
            # Each call trains with the table its own size calls for, shared
            # parameters and all, as the model's unpickled copy would.
            network = network.with_kernels(kernels)
            self._network = network
        return network

    def _fit(self, X, y, sample_weight=None, incremental=False):
        # A call that fails (bad input, a split that cannot be made, a solver
        # that diverges, an error in any batch) leaves a fitted estimator
        # exactly as it was, partial_fit included: the last finite parameters
        # of a diverged run are typically so large that predictions overflow.
        # A first fit that diverges keeps them.
        method = "partial_fit" if incremental else "fit"
        # scikit-learn's callbacks see the call as one task (before the
        # snapshot: a failed call restores the model, not the callbacks' state).
        task = start_fit_task(
            self,
            X,
            y,
            sample_weight,
            fit_task_subtasks(self.solver, self.max_iter, incremental),
            task_name=method,
        )
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
            [copy_array(array) for array in self.coefs_ + self.intercepts_]
            if continues and not incremental
            else []
        )
        if continues and snapshot.get("_dropout_rng") is not None:
            snapshot["_dropout_rng"] = copy.deepcopy(snapshot["_dropout_rng"])
        # The moments are arrays of the training namespace (NumPy's, PyTorch's,
        # ...), which the optimizer's steps change in place.
        optimizer_state = (
            {
                key: copy_array(value) if hasattr(value, "shape") else value
                for key, value in self._optimizer.__getstate__().items()
            }
            if continues and incremental and "_optimizer" in snapshot
            else None
        )
        refuse_autograd(
            f"{type(self).__name__}.{method}", X=X, y=y, sample_weight=sample_weight
        )
        try:
            self._fit_or_raise(X, y, sample_weight, incremental, task)
            if task is not None:
                task.end()
            return self
        except BaseException as error:
            diverged = isinstance(error, Diverged)
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
                raise ValueError(str(error) or NON_FINITE_MESSAGE) from None
            raise

    def _prediction_network(self, dtype, kernels):
        """Return a network holding ``coefs_`` in ``dtype``, reusing the fitted one."""
        network = getattr(self, "_network", None)
        if (
            network is not None
            and same_backend(network.kernels, kernels)
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
        scores = state.get("validation_scores_", ())
        if scores != () and "validation_loss_curve_" not in state:
            # Pickled before validation_loss_curve_: its epochs are unknown,
            # and the two curves keep one length.
            state["validation_loss_curve_"] = (
                None if scores is None else [np.nan] * len(scores)
            )
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


class _BaseScratchMLP(CallbackSupportMixin, _FittedState, BaseEstimator):
    """Shared machinery of the scratch MLP estimators; use the subclasses."""

    # The HTML repr links each estimator to its API page, which sphinx's
    # autosummary writes to docs/generated/ as <module>.<name>.html.
    _doc_link_module = "skperceptron"
    _doc_link_template = (
        "https://skperceptron.readthedocs.io/en/stable/generated/"
        "{estimator_module}.{estimator_name}.html"
    )

    _parameter_constraints: dict = dict(PARAMETER_CONSTRAINTS)

    # ------------------------------------------------------------------ setup
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

    # --------------------------------------------------------------- training
    def _fit_or_raise(self, X, y, sample_weight, incremental, task=None):
        hidden_sizes = hidden_layer_sizes(self.hidden_layer_sizes)
        dropout = dropout_rates(self.dropout, len(hidden_sizes), self.solver)
        first_pass = not hasattr(self, "coefs_") or (
            not self.warm_start and not incremental
        )
        kernels = kernels_of(X)
        if not kernels.on_host:
            self._check_array_api_solver(kernels)
        # Targets are checked and encoded on the host, whatever their
        # namespace, then moved to X's device with the weights.
        y, sample_weight = to_numpy(y), to_numpy(sample_weight)
        X, Y = self._validate_input(X, y, incremental, reset=first_pass)
        if sample_weight is not None:
            sample_weight = to_numpy(_check_sample_weight(sample_weight, X))
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
        layer_units = [X.shape[1], *hidden_sizes, Y.shape[1]]
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
            self._fit_stochastic(
                network,
                X,
                Y,
                sample_weight,
                dropout,
                random_state,
                incremental,
                TrainingRecord.start(self.early_stopping)
                if first_pass
                else self._continued_record(),
                task,
            )
        else:
            # Only a callback that listens gets a bridge: without one, L-BFGS
            # runs exactly as it would without the callback API.
            iterations = (
                LbfgsCallbacks(task, network, self.verbose)
                if task is not None and task.has_callbacks
                else None
            )
            try:
                self.n_iter_, self.loss_ = fit_lbfgs(
                    network,
                    X,
                    Y,
                    sample_weight,
                    alpha=self.alpha,
                    max_iter=self.max_iter,
                    max_fun=self.max_fun,
                    tol=self.tol,
                    verbose=self.verbose,
                    warn=warn,
                    on_iteration=iterations,
                )
            finally:
                if iterations is not None:
                    iterations.close()
        return self

    def _continued_record(self):
        """Return the fitted model's training record, to continue under the parameters.

        A model fitted by lbfgs has no loss curve, and one fitted with the
        other ``early_stopping`` tracks the other quantity: both start their
        tracking afresh, where scikit-learn's MLP fails with an AttributeError
        or a TypeError.
        """
        record = TrainingRecord(
            **{
                field: getattr(self, name)
                for field, name in _RECORD_ATTRIBUTES.items()
                if hasattr(self, name)
            }
        )
        if not hasattr(self, "loss_curve_"):
            record.loss_curve = []
            record.no_improvement_count = 0
        tracking_validation = getattr(self, "validation_scores_", None) is not None
        if not hasattr(self, "best_loss_") or tracking_validation != bool(
            self.early_stopping
        ):
            record.no_improvement_count = 0
            record.track(self.early_stopping)
        return record

    def _keep_record(self, record):
        """Copy the trainer's record to the estimator's attributes."""
        for field, name in _RECORD_ATTRIBUTES.items():
            value = getattr(record, field)
            # No loss before the first epoch.
            if field != "loss" or value is not None:
                setattr(self, name, value)

    def _fit_stochastic(
        self,
        network,
        X,
        Y,
        sample_weight,
        dropout,
        random_state,
        incremental,
        record,
        task=None,
    ):
        settings = self._optimizer_settings()
        if getattr(self, "_optimizer_settings_used", None) != settings:
            # partial_fit after set_params of a solver setting: a new
            # optimizer with the current settings (scikit-learn keeps the
            # first call's optimizer and ignores the change).
            self.__dict__.pop("_optimizer", None)
        if not incremental or not hasattr(self, "_optimizer"):
            self._optimizer = self._make_optimizer(network)
        # Each epoch of fit is a subtask of the callbacks' task (partial_fit's
        # one epoch is the task itself); without a callback, no hook at all.
        epochs = (
            EpochCallbacks(task, self.max_iter, self.verbose)
            if task is not None and task.has_callbacks and not incremental
            else None
        )
        trainer = StochasticTrainer(
            StochasticSettings(
                alpha=self.alpha,
                batch_size=self.batch_size,
                max_iter=self.max_iter,
                shuffle=self.shuffle,
                tol=self.tol,
                n_iter_no_change=self.n_iter_no_change,
                cosine=self.learning_rate == "cosine",
                verbose=self.verbose,
                dropout=dropout,
                incremental=incremental,
            ),
            early_stopping=(
                EarlyStopping(
                    self.validation_fraction,
                    score=self._score,
                    decode=self._decode,
                    stratify=self._stratify_validation(),
                )
                if self.early_stopping
                else None
            ),
            on_epoch_end=() if epochs is None else (epochs,),
            warn=warn,
        )
        try:
            trainer.fit(
                network, self._optimizer, X, Y, sample_weight, random_state, record
            )
        finally:
            # Also after a failure: a first fit that diverged keeps the
            # epochs it finished (_fit restores any other failed call).
            self._keep_record(record)
            if epochs is not None:
                epochs.close()
        self._optimizer_settings_used = settings

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

    def _stratify_validation(self):
        return False

    def _decode(self, Y):
        """Turn encoded targets back into what ``predict`` returns."""
        return Y[:, 0] if Y.shape[1] == 1 else Y

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
        """Validate training data as scikit-learn's MLP does.

        The one check of inputs and targets that ``fit``, ``partial_fit`` and
        the objective of :mod:`skperceptron.utils` share; a target of one
        column comes back 1-D.
        """
        xp, _ = get_namespace(X)
        X, y = validate_data(
            self,
            X,
            y,
            accept_sparse=["csr", "csc"],
            multi_output=True,
            y_numeric=not is_classifier(self),
            dtype=(xp.float64, xp.float32),
            reset=reset,
        )
        if y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)
        self._check_targets(y)
        return X, y

    def _check_targets(self, y):
        """Refuse targets the loss is not defined for (after ``validate_data``)."""

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
        kernels = kernels_of(X)
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
        check_chunk = None
        if defer_finite_check:
            # Raises the error validate_data would have raised if X holds
            # NaN or infinity.
            check_chunk = partial(
                assert_all_finite, estimator_name=type(self).__name__, input_name="X"
            )
        return forward_in_chunks(
            network,
            X,
            out_activation,
            get_config()["working_memory"] * 2**20,
            check_input=check_chunk,
        )

    def _check_namespace(self, X, method):
        """Refuse ``X`` from another namespace or device than the fitted model's."""
        refuse_autograd(f"{type(self).__name__}.{method}", X=X)
        if not get_config()["array_api_dispatch"]:
            return
        fitted, given = kernels_of(self.coefs_[0]), kernels_of(X)
        if same_backend(fitted, given):
            return
        raise ValueError(
            f"Inputs passed to {type(self).__name__}.{method}() must use the same "
            "namespace and the same device as those passed to fit(): the model "
            f"lives in {fitted.xp.__name__} on {fitted.device!r}, X in "
            f"{given.xp.__name__} on {given.device!r}. Fit again on X's namespace "
            "and device."
        )

    def _score_with_function(self, X, y, sample_weight, score_function):
        """Score without input validation; NaN when predictions are not finite."""
        y_pred = to_numpy(self._predict(X, check_input=False))
        if np.issubdtype(y_pred.dtype, np.floating) and not np.isfinite(y_pred).all():
            return np.nan
        return score_function(y, y_pred, sample_weight=sample_weight)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        # lbfgs runs SciPy on NumPy arrays and refuses other namespaces.
        tags.array_api_support = self.solver in _STOCHASTIC_SOLVERS
        return tags
