"""ScratchMLPClassifier and ScratchMLPRegressor: scikit-learn estimators over the core.

The estimators own what scikit-learn defines: parameter validation, input
checks, label encoding, tags, early stopping, ``warm_start``, ``partial_fit``
and the convergence logic of the training loop. Every formula that trains the
network lives in :mod:`skperceptron._network` and :mod:`skperceptron._optimizers`.
"""

import time
import warnings
from numbers import Integral, Real

import numpy as np
import scipy.optimize
import scipy.sparse as sp
from sklearn import get_config
from sklearn.base import (
    BaseEstimator,
    ClassifierMixin,
    RegressorMixin,
    _fit_context,
    is_classifier,
)
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import accuracy_score, r2_score
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import LabelBinarizer
from sklearn.utils import check_random_state, gen_batches, shuffle
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
    check_is_fitted,
    column_or_1d,
    validate_data,
)

from ._network import Network, Workspace, forward_pass
from ._optimizers import SGD, Adam

_STOCHASTIC_SOLVERS = ("sgd", "adam")

_NON_FINITE_MESSAGE = (
    "Solver produced non-finite parameter weights. The input data may"
    " contain large values and need to be preprocessed."
)

# The most memory one chunk of prediction takes, whatever working_memory allows.
_MAX_CHUNK_BYTES = 64 * 2**20


class _Diverged(Exception):
    """Raised inside a solver when the objective or the parameters stop being finite."""


class _BaseScratchMLP(BaseEstimator):
    """Shared machinery of the scratch MLP estimators; use the subclasses."""

    _parameter_constraints: dict = {
        "hidden_layer_sizes": [
            "array-like",
            Interval(Integral, 1, None, closed="left"),
        ],
        "activation": [StrOptions({"identity", "logistic", "tanh", "relu"})],
        "solver": [StrOptions({"lbfgs", "sgd", "adam"})],
        "alpha": [Interval(Real, 0, None, closed="left")],
        "batch_size": [
            StrOptions({"auto"}),
            Interval(Integral, 1, None, closed="left"),
        ],
        "learning_rate": [StrOptions({"constant", "invscaling", "adaptive"})],
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
        # Integers first: comparing None or a string with 0 would raise TypeError.
        if not all(isinstance(size, Integral) for size in sizes):
            raise ValueError(
                "hidden_layer_sizes must hold integers, got %s." % (sizes,)
            )
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

    def _initialize(self, n_outputs, layer_units, dtype, random_state):
        self.n_iter_ = 0
        self.t_ = 0
        self.n_outputs_ = n_outputs
        self.n_layers_ = len(layer_units)
        network = Network(layer_units, self.activation, self._loss_name(), dtype)
        network.initialize(random_state)
        self.out_activation_ = network.out_activation
        self._attach(network)
        self.__dict__.pop("_optimizer", None)
        if self.solver in _STOCHASTIC_SOLVERS:
            self.loss_curve_ = []
            self._no_improvement_count = 0
            if self.early_stopping:
                self.validation_scores_ = []
                self.best_validation_score_ = -np.inf
                self.best_loss_ = None
            else:
                self.best_loss_ = np.inf
                self.validation_scores_ = None
                self.best_validation_score_ = None

    def _attach(self, network):
        """Make ``coefs_`` and ``intercepts_`` views of ``network``'s parameters."""
        self._network = network
        self.coefs_ = list(network.coefs)
        self.intercepts_ = list(network.intercepts)

    def _synced_network(self, layer_units):
        """Return the training network, holding whatever ``coefs_`` now say.

        ``coefs_`` and ``intercepts_`` are the model: a user may have assigned
        new arrays, or the estimator may come from a pickle, which holds no
        network. Either way the network is rebuilt from them.
        """
        fitted_units = [self.coefs_[0].shape[0]] + [c.shape[1] for c in self.coefs_]
        if fitted_units != layer_units:
            raise ValueError(
                "warm_start and partial_fit need the architecture of the fitted "
                f"network: layer sizes {fitted_units}, but the data and "
                f"hidden_layer_sizes give {layer_units}. Set warm_start=False or "
                "call fit to train a new network."
            )
        network = getattr(self, "_network", None)
        arrays = self.coefs_ + self.intercepts_
        if (
            network is None
            or len(arrays) != 2 * len(network.coefs)
            or any(
                given is not view
                for given, view in zip(arrays, network.coefs + network.intercepts)
            )
        ):
            dtype = np.result_type(self.coefs_[0].dtype, np.float32)
            network = Network(layer_units, self.activation, self._loss_name(), dtype)
            network.load(self.coefs_, self.intercepts_)
            self._attach(network)
        return network

    # --------------------------------------------------------------- training
    def _fit(self, X, y, sample_weight=None, incremental=False):
        # A call that fails (bad input, a split that cannot be made, a solver
        # that diverges) leaves a fitted estimator exactly as it was: the last
        # finite parameters of a diverged run are typically so large that
        # predictions overflow. A first fit that diverges keeps them.
        snapshot = {
            key: value.copy() if isinstance(value, list) else value
            for key, value in self.__dict__.items()
        }
        fitted = "coefs_" in snapshot
        # warm_start trains the fitted arrays in place, for many epochs.
        previous = (
            [array.copy() for array in self.coefs_ + self.intercepts_]
            if fitted and self.warm_start and not incremental
            else []
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
                if diverged and incremental:
                    # partial_fit's optimizer took the diverging steps.
                    self.__dict__.pop("_optimizer", None)
            if diverged:
                raise ValueError(_NON_FINITE_MESSAGE) from None
            raise

    def _fit_or_raise(self, X, y, sample_weight, incremental):
        hidden_layer_sizes = self._hidden_layer_sizes()
        dropout = self._dropout_rates(len(hidden_layer_sizes))
        first_pass = not hasattr(self, "coefs_") or (
            not self.warm_start and not incremental
        )
        X, Y = self._validate_input(X, y, incremental, reset=first_pass)
        if sample_weight is not None:
            sample_weight = _check_sample_weight(sample_weight, X)
        sample_weight = self._weigh_classes(Y, sample_weight)
        if self.early_stopping and incremental:
            raise ValueError("partial_fit does not support early_stopping=True")
        layer_units = [X.shape[1], *hidden_layer_sizes, Y.shape[1]]

        random_state = check_random_state(self.random_state)
        if first_pass:
            self._initialize(Y.shape[1], layer_units, X.dtype, random_state)
        network = self._synced_network(layer_units)
        self.n_outputs_ = Y.shape[1]
        if X.dtype != network.dtype:
            X = X.astype(network.dtype)
        Y = np.asarray(Y, dtype=network.dtype)

        if self.solver in _STOCHASTIC_SOLVERS:
            self._fit_stochastic(
                network, X, Y, sample_weight, dropout, random_state, incremental
            )
        else:
            self._fit_lbfgs(network, X, Y, sample_weight)
        return self

    def _weigh_classes(self, Y, sample_weight):
        """Fold class weights into the sample weights (classifier only)."""
        return sample_weight

    def _make_optimizer(self, network):
        if self.solver == "sgd":
            return SGD(
                network.params.size,
                network.dtype,
                self.learning_rate_init,
                self.learning_rate,
                self.momentum,
                self.nesterovs_momentum,
                self.power_t,
            )
        return Adam(
            network.params.size,
            network.dtype,
            self.learning_rate_init,
            self.beta_1,
            self.beta_2,
            self.epsilon,
        )

    def _validation_split(self, X, Y, sample_weight, random_state):
        """Split off the early-stopping validation set, stratified for classifiers."""
        n_validation = int(np.ceil(self.validation_fraction * X.shape[0]))
        if n_validation < 2:
            raise ValueError(
                "The validation set is too small. Increase 'validation_fraction' "
                "or the size of your dataset."
            )
        stratify = Y if self._stratify_validation() else None
        arrays = (X, Y) if sample_weight is None else (X, Y, sample_weight)
        try:
            split = train_test_split(
                *arrays,
                random_state=random_state,
                test_size=self.validation_fraction,
                stratify=stratify,
            )
        except ValueError as error:
            # The split sees encoded targets: name the user's classes instead.
            labels, counts = np.unique(self._decode(Y), return_counts=True)
            raise ValueError(
                "early_stopping holds out a validation set stratified by class: "
                "it needs at least 2 samples of every class, and "
                "validation_fraction * n_samples must be at least the number of "
                f"classes ({len(labels)}); got n_samples={X.shape[0]}, "
                f"validation_fraction={self.validation_fraction} and classes "
                f"with fewer than 2 samples: {labels[counts < 2].tolist()}. "
                "Add samples or increase validation_fraction."
            ) from error
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

        if self.early_stopping:
            X, Y, sample_weight, X_val, y_val, sw_val = self._validation_split(
                X, Y, sample_weight, random_state
            )
        n_samples = X.shape[0]
        sample_idx = np.arange(n_samples, dtype=int)

        if self.batch_size == "auto":
            batch_size = min(200, n_samples)
        else:
            if self.batch_size > n_samples:
                warnings.warn(
                    "Got `batch_size` less than 1 or larger than "
                    "sample size. It is going to be clipped",
                    stacklevel=3,
                )
            batch_size = int(np.clip(self.batch_size, 1, n_samples))

        workspace = Workspace(network, batch_size, dropout=any(dropout))
        dense = isinstance(X, np.ndarray)
        X_buffer = np.empty((batch_size, X.shape[1]), dtype=X.dtype) if dense else None
        # Shuffled batches are gathered into buffers reused by every batch.
        Y_buffer = np.empty((batch_size, Y.shape[1]), dtype=Y.dtype)
        sw_buffer = (
            None
            if sample_weight is None
            else np.empty(batch_size, dtype=sample_weight.dtype)
        )
        dropout_rng = (
            np.random.default_rng(random_state.randint(np.iinfo(np.int32).max))
            if any(dropout)
            else None
        )
        best_params = network.params.copy()
        last_finite = network.params.copy()

        try:
            self.n_iter_ = 0
            for _ in range(self.max_iter):
                started = time.perf_counter()
                if self.shuffle:
                    sample_idx = shuffle(sample_idx, random_state=random_state)
                last_finite[...] = network.params
                accumulated_loss = 0.0
                for batch in gen_batches(n_samples, batch_size):
                    size = batch.stop - batch.start
                    sw_batch = None
                    if not self.shuffle:
                        X_batch, Y_batch = X[batch], Y[batch]
                        if sample_weight is not None:
                            sw_batch = sample_weight[batch]
                    else:
                        # The indices are valid: mode="clip" spares take's
                        # bounds checks and the buffered copy "raise" makes.
                        idx = sample_idx[batch]
                        if dense:
                            X_batch = np.take(
                                X, idx, axis=0, out=X_buffer[:size], mode="clip"
                            )
                        else:
                            X_batch = X[idx]
                        Y_batch = np.take(
                            Y, idx, axis=0, out=Y_buffer[:size], mode="clip"
                        )
                        if sample_weight is not None:
                            sw_batch = np.take(
                                sample_weight, idx, out=sw_buffer[:size], mode="clip"
                            )
                    masks = _dropout_masks(dropout_rng, dropout, workspace, size)
                    batch_loss = network.loss_gradient(
                        X_batch, Y_batch, sw_batch, self.alpha, workspace, masks
                    )
                    if not np.isfinite(batch_loss):
                        network.params[...] = last_finite
                        raise _Diverged
                    accumulated_loss += batch_loss * size
                    optimizer.step(network.params, workspace.grad)
                if not np.isfinite(network.params).all():
                    network.params[...] = last_finite
                    raise _Diverged

                self.n_iter_ += 1
                self.loss_ = accumulated_loss / n_samples
                self.t_ += n_samples
                self.loss_curve_.append(self.loss_)
                if self.early_stopping:
                    best = self._record_validation_score(X_val, y_val, sw_val)
                    if best:
                        best_params[...] = network.params
                else:
                    self._record_training_loss()
                if self.verbose:
                    print(self._progress_line(time.perf_counter() - started))

                optimizer.iteration_ends(self.t_)

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
                            " for %d consecutive epochs."
                            % (self.tol, self.n_iter_no_change)
                        )
                    if optimizer.trigger_stopping(msg, self.verbose):
                        break
                    self._no_improvement_count = 0

                if incremental:
                    break

                if self.n_iter_ == self.max_iter:
                    warnings.warn(
                        "Stochastic Optimizer: Maximum iterations (%d) "
                        "reached and the optimization hasn't converged yet."
                        % self.max_iter,
                        ConvergenceWarning,
                        stacklevel=3,
                    )
        except KeyboardInterrupt:
            warnings.warn("Training interrupted by user.", stacklevel=3)

        if self.early_stopping:
            network.params[...] = best_params

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
                warnings.warn(
                    f"The early-stopping validation score is {score}: the "
                    "network's predictions on the validation set are not finite "
                    "or too large to score. The input data may contain large "
                    "values and need to be preprocessed.",
                    UserWarning,
                    stacklevel=4,
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
            return loss, workspace.grad.astype(np.float64)

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
        if not (np.isfinite(result.fun) and np.isfinite(result.x).all()):
            network.params[...] = last_finite
            raise _Diverged
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
        return validate_data(
            self,
            X,
            y,
            accept_sparse=["csr", "csc"],
            multi_output=True,
            y_numeric=not is_classifier(self),
            dtype=(np.float64, np.float32),
            reset=reset,
        )

    def _objective_inputs(self, X, y, sample_weight=None):
        """Validate data for the training objective, leaving the estimator as it is.

        Returns ``X``, the encoded 2-D targets and the sample weights with class
        weights folded in: what ``fit`` hands to the network.
        """
        check_is_fitted(self)
        X, y = self._check_X_y(X, y, reset=False)
        if sample_weight is not None:
            sample_weight = _check_sample_weight(sample_weight, X)
        Y = self._encode(y)
        return X, Y, self._weigh_classes(Y, sample_weight)

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
        if check_input:
            # Scanning a wide X for NaN and infinity costs as much as a
            # quarter of the prediction; a narrower first layer's product
            # shows them as well, so scan that, and X only if it is not finite.
            defer_finite_check = (
                not sp.issparse(X) and self.coefs_[0].shape[1] < self.coefs_[0].shape[0]
            )
            X = validate_data(
                self,
                X,
                accept_sparse=["csr", "csc"],
                reset=False,
                ensure_all_finite=not defer_finite_check,
            )
        out_activation = out_activation or self.out_activation_
        dtype = np.result_type(X.dtype, self.coefs_[0].dtype, np.float32)
        widths = [coef.shape[1] for coef in self.coefs_]
        # A layer's product and its input are alive together; the first
        # layer's input counts too, as a product may cast or densify X's chunk.
        row_bytes = dtype.itemsize * max(
            a + b for a, b in zip([X.shape[1], *widths], widths, strict=False)
        )
        n_samples = X.shape[0]
        # working_memory is a limit, not a target: past a few tens of MiB a
        # chunk is no faster (the products are saturated) and only costs
        # memory and page faults, so chunks never exceed _MAX_CHUNK_BYTES.
        working_bytes = min(get_config()["working_memory"] * 2**20, _MAX_CHUNK_BYTES)
        chunk = max(1, int(working_bytes // row_bytes))
        if chunk >= n_samples:
            return self._forward_chunk(X, out_activation, defer_finite_check)
        output = np.empty((n_samples, widths[-1]), dtype=dtype)
        for rows in gen_batches(n_samples, chunk):
            output[rows] = self._forward_chunk(
                X[rows], out_activation, defer_finite_check
            )
        return output

    def _forward_chunk(self, X, out_activation, check_finite):
        def check_first_product(product):
            if not _sums_to_finite(product):
                # Raises the error validate_data would have raised if X holds
                # NaN or infinity; a finite X whose product overflowed goes on.
                assert_all_finite(X, estimator_name=type(self).__name__, input_name="X")

        return forward_pass(
            X,
            self.coefs_,
            self.intercepts_,
            self.activation,
            out_activation,
            check_first_product if check_finite else None,
        )

    def _score_with_function(self, X, y, sample_weight, score_function):
        """Score without input validation; NaN when predictions are not finite."""
        y_pred = self._predict(X, check_input=False)
        if np.issubdtype(y_pred.dtype, np.floating) and not np.isfinite(y_pred).all():
            return np.nan
        return score_function(y, y_pred, sample_weight=sample_weight)

    # ------------------------------------------------------------ persistence
    def __getstate__(self):
        """Return the state to pickle: the model, without training buffers."""
        state = super().__getstate__()
        state.pop("_network", None)
        return state

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags


def _sums_to_finite(array):
    """Whether ``array``'s sum is finite: a fast sign that all of it is.

    A NaN or an infinity makes the sum non-finite; a finite array whose sum
    overflows gives a false alarm, so ``False`` calls for a closer look.
    """
    with np.errstate(over="ignore", invalid="ignore"):
        return bool(np.isfinite(array.sum()))


def _dropout_masks(rng, rates, workspace, n_samples):
    """Draw one inverted-dropout mask (0 or ``1 / (1 - rate)``) per hidden layer."""
    if rng is None:
        return None
    masks = []
    for rate, buffer, keep in zip(rates, workspace.masks, workspace.scratch):
        if rate == 0:
            masks.append(None)
            continue
        # Drawn and scaled in the workspace's buffers: nothing is allocated.
        mask = rng.random(out=buffer[:n_samples], dtype=buffer.dtype)
        np.greater_equal(mask, rate, out=keep[:n_samples])
        np.multiply(keep[:n_samples], 1.0 / (1.0 - rate), out=mask)
        masks.append(mask)
    return masks


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
        warnings.warn(message, ConvergenceWarning, stacklevel=3)
    return n_iter


_SHARED_PARAMETERS_DOC = """
    hidden_layer_sizes : array-like of shape (n_layers - 2,), default=(100,)
        The ith element represents the number of neurons in the ith hidden
        layer. ``()`` means no hidden layer: a single layer of output neurons.

    activation : {'identity', 'logistic', 'tanh', 'relu'}, default='relu'
        Activation function for the hidden layers.

    solver : {'lbfgs', 'sgd', 'adam'}, default='adam'
        The solver for weight optimization: L-BFGS-B from scipy, stochastic
        gradient descent, or Adam.

    alpha : float, default=0.0001
        Strength of the L2 regularization term, which is divided by the sum of
        the sample weights when added to the loss.

    batch_size : int or 'auto', default='auto'
        Size of minibatches for stochastic optimizers; 'auto' means
        ``min(200, n_samples)``. Ignored by lbfgs.

    learning_rate : {'constant', 'invscaling', 'adaptive'}, default='constant'
        Learning rate schedule for weight updates, with ``solver='sgd'`` only.

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
        targets, 'balanced' or one dict ``{0: w0, 1: w1}`` per label.
        'balanced' counts classes with the sample weights, and makes
        partial_fit unavailable (one batch does not tell the class distribution).

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
        return X, self._label_binarizer.transform(y).astype(X.dtype)

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
            if not isinstance(per_label, list) or len(per_label) != Y.shape[1]:
                raise ValueError(
                    "For multilabel targets, class_weight must be 'balanced' or a "
                    f"list of {Y.shape[1]} dicts {{0: weight, 1: weight}}, one per "
                    f"label; got {self.class_weight!r}."
                )
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
        return self._predict(X)

    def _predict(self, X, check_input=True):
        if self._label_binarizer.y_type_ == "multiclass":
            # Softmax keeps the order of a row, so the most probable class is
            # the one with the largest pre-activation: no need to compute it.
            logits = self._forward_pass_fast(
                X, check_input=check_input, out_activation="identity"
            )
            best = logits.argmax(axis=1)
            if not _sums_to_finite(logits):
                # A row whose largest logit is NaN or infinite has NaN
                # probabilities, whose argmax is the first class.
                best[~np.isfinite(logits.max(axis=1))] = 0
            return self.classes_.take(best)
        y_pred = self._forward_pass_fast(X, check_input=check_input)
        if self.n_outputs_ == 1:
            y_pred = y_pred.ravel()
        return self._label_binarizer.inverse_transform(y_pred)

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
        if _check_partial_fit_first_call(self, classes):
            self._label_binarizer = LabelBinarizer()
            if type_of_target(y).startswith("multilabel"):
                self._label_binarizer.fit(y)
            else:
                self._label_binarizer.fit(classes)
        return self._fit(X, y, sample_weight=sample_weight, incremental=True)

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
        y_prob = self.predict_proba(X)
        return np.log(y_prob, out=y_prob)

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
        y_pred = self._forward_pass_fast(X)
        if self.n_outputs_ == 1:
            y_pred = y_pred.ravel()
        if y_pred.ndim == 1:
            return np.vstack([1 - y_pred, y_pred]).T
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
        return self._predict(X)

    def _predict(self, X, check_input=True):
        y_pred = self._forward_pass_fast(X, check_input=check_input)
        if y_pred.shape[1] == 1:
            return y_pred.ravel()
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
        return X, np.asarray(y, dtype=X.dtype).reshape(y.shape[0], -1)

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
