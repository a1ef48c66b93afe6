"""ScratchMLPClassifier and ScratchMLPRegressor: scikit-learn estimators over the core.

The estimators are glue. They own what scikit-learn defines: parameter
validation (:mod:`skperceptron._params`), input checks, label encoding, class
weights, tags, and the fitted-state lifecycle (a failed call leaves the model
as it was; pickling; a network kept in step with ``coefs_`` and the current
parameters). For each call they build a
:class:`~skperceptron._network.Network` and an optimizer, hand them to the
trainer (:mod:`skperceptron._training`), which runs the epochs, and copy its
record to their public attributes. Every formula lives in the core
(:mod:`skperceptron._network`, :mod:`skperceptron._optimizers`).
"""

import copy
import warnings

import numpy as np
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
from sklearn.exceptions import InconsistentVersionWarning
from sklearn.metrics import accuracy_score, r2_score
from sklearn.preprocessing import LabelBinarizer
from sklearn.utils import check_random_state, gen_batches
from sklearn.utils._array_api import get_namespace
from sklearn.utils._param_validation import StrOptions
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
    check_is_fitted,
    column_or_1d,
    validate_data,
)

from ._backends import (
    copy_array,
    host_kernels,
    kernels_of,
    like,
    parameter_dtype,
    ravel,
    same_backend,
    to_numpy,
)
from ._kernels import numpy_dtype
from ._losses import LOSS_FOR_OUTPUT, OUTPUT_ACTIVATIONS
from ._network import Network, Workspace
from ._optimizers import SGD, Adam
from ._params import (
    DROPOUT_DOC,
    PARAMETER_CONSTRAINTS,
    SHARED_ATTRIBUTES_DOC,
    SHARED_PARAMETERS_DOC,
    check_class_weight_values,
    dropout_rates,
    hidden_layer_sizes,
)
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
    "best_loss": "best_loss_",
    "best_validation_score": "best_validation_score_",
    "no_improvement_count": "_no_improvement_count",
    "dropout_rng": "_dropout_rng",
}

# The most memory one chunk of prediction takes, whatever working_memory allows.
_MAX_CHUNK_BYTES = 64 * 2**20


class _BaseScratchMLP(BaseEstimator):
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
            [copy_array(array) for array in self.coefs_ + self.intercepts_]
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

    def _fit_or_raise(self, X, y, sample_weight, incremental):
        hidden_sizes = hidden_layer_sizes(self.hidden_layer_sizes)
        dropout = dropout_rates(self.dropout, len(hidden_sizes), self.solver)
        first_pass = not hasattr(self, "coefs_") or (
            not self.warm_start and not incremental
        )
        kernels = kernels_of(X)
        if not kernels.on_host:
            self._check_array_api_solver(kernels)
            # Targets are checked and encoded on the host, then moved to X's
            # device with the weights.
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
                self._training_record(first_pass),
            )
        else:
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
            )
        return self

    def _training_record(self, first_pass):
        """Return the trainer's record: a new one, or the fitted model's, continued.

        A model fitted by lbfgs has no loss curve, and one fitted with the
        other ``early_stopping`` tracks the other quantity: both start their
        tracking afresh, where scikit-learn's MLP fails with an AttributeError
        or a TypeError.
        """
        if first_pass:
            return TrainingRecord.start(self.early_stopping)
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
        self, network, X, Y, sample_weight, dropout, random_state, incremental, record
    ):
        settings = self._optimizer_settings()
        if getattr(self, "_optimizer_settings_used", None) != settings:
            # partial_fit after set_params of a solver setting: a new
            # optimizer with the current settings (scikit-learn keeps the
            # first call's optimizer and ignores the change).
            self.__dict__.pop("_optimizer", None)
        if not incremental or not hasattr(self, "_optimizer"):
            self._optimizer = self._make_optimizer(network)
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
        y_pred = to_numpy(self._predict(X, check_input=False))
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


def _sums_to_finite(array):
    """Whether ``array``'s sum is finite: a fast sign that all of it is.

    A NaN or an infinity makes the sum non-finite; a finite array whose sum
    overflows gives a false alarm, so ``False`` calls for a closer look.
    """
    with np.errstate(over="ignore", invalid="ignore"):
        return bool(np.isfinite(array.sum()))


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
        + SHARED_PARAMETERS_DOC
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
        + DROPOUT_DOC
        + """
    Attributes
    ----------
    classes_ : ndarray or list of ndarray of shape (n_classes,)
        Class labels for each output.
"""
        + SHARED_ATTRIBUTES_DOC
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
                check_class_weight_values(label_weight, f"class_weight[{label}]")
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
            check_class_weight_values(self.class_weight, "class_weight")
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
            logits = to_numpy(on_device)
            best = logits.argmax(axis=1)
            if not _sums_to_finite(logits):
                # A row whose largest logit is NaN or infinite has NaN
                # probabilities, whose argmax is the first class.
                best[~np.isfinite(logits.max(axis=1))] = 0
            return like(on_device, self.classes_.take(best))
        on_device = self._forward_pass_fast(X, check_input=check_input)
        y_pred = to_numpy(on_device)
        if self.n_outputs_ == 1:
            y_pred = y_pred.ravel()
        return like(on_device, self._label_binarizer.inverse_transform(y_pred))

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
        if not kernels_of(X).on_host:
            y, classes = to_numpy(y), to_numpy(classes)
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
        y_pred = kernels_of(y_pred).clipped(y_pred)
        if self.n_outputs_ == 1:
            y_pred = ravel(y_pred)
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
        + SHARED_PARAMETERS_DOC
        + DROPOUT_DOC
        + """
    Attributes
    ----------"""
        + SHARED_ATTRIBUTES_DOC
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
            return ravel(y_pred)
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
