"""ScratchMLPClassifier and ScratchMLPRegressor: scikit-learn estimators over the core.

The estimators are glue. Each adds to :class:`~skperceptron._base._BaseScratchMLP`
(the fitted-state lifecycle, building the network, optimizer and trainer,
prediction) what its targets need: the classifier encodes labels and weighs
classes, the regressor checks its targets for its loss. Parameter constraints
and the shared docstrings are in :mod:`skperceptron._params`; the epochs in
:mod:`skperceptron._training`; every formula in the core
(:mod:`skperceptron._network`, :mod:`skperceptron._optimizers`).
"""

import numpy as np
import scipy.sparse as sp
from sklearn.base import (
    ClassifierMixin,
    RegressorMixin,
    _fit_context,
)
from sklearn.metrics import accuracy_score, r2_score
from sklearn.preprocessing import LabelBinarizer
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
    check_is_fitted,
)

from ._backends import (
    kernels_of,
    like,
    ravel,
    refuse_autograd,
    to_numpy,
)
from ._base import _BaseScratchMLP
from ._kernels import numpy_dtype
from ._params import (
    DROPOUT_DOC,
    SHARED_ATTRIBUTES_DOC,
    SHARED_PARAMETERS_DOC,
    check_class_weight_values,
)
from ._prediction import sums_to_finite


def objective_inputs(estimator, X, y, sample_weight=None):
    """Validate data for a fitted estimator's training objective.

    The estimator is left as it is. The parameters are those of
    :func:`skperceptron.utils.loss_and_gradients`, which evaluates the
    objective on what this returns: ``X``, the encoded 2-D targets (float64)
    and the sample weights with the class weights folded in, as ``fit``
    hands them to the network.
    """
    check_is_fitted(estimator)
    refuse_autograd("skperceptron.utils", X=X, y=y, sample_weight=sample_weight)
    # The objective is evaluated on the host, whatever the inputs' namespace.
    X, y, sample_weight = to_numpy(X), to_numpy(y), to_numpy(sample_weight)
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

    def _check_targets(self, y):
        check_classification_targets(y)
        # Only a 2-D target of several columns can be multilabel.
        if y.ndim == 2 and type_of_target(y).startswith("multilabel"):
            # scikit-learn calls any two integers a label indicator and trains
            # on them as they are: the log-loss of a target of 2 (or -1) has
            # no minimum.
            values = np.unique(y.data if sp.issparse(y) else y)
            if not np.isin(values, (0, 1)).all():
                raise ValueError(
                    "Multilabel targets must be 0/1 indicators (one column per "
                    f"label), but y holds the values {values.tolist()}."
                )

    def _validate_input(self, X, y, incremental, reset):
        X, y = self._check_X_y(X, y, reset=reset)
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
            if not sums_to_finite(logits):
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
        refuse_autograd(f"{type(self).__name__}.partial_fit", y=y, classes=classes)
        # Labels are encoded on the host, whatever their namespace.
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

    def _check_targets(self, y):
        if self.loss == "poisson" and np.any(y < 0):
            raise ValueError(
                "Some value(s) of y are negative which is not allowed for "
                "Poisson regression (loss='poisson')."
            )

    def _validate_input(self, X, y, incremental, reset):
        X, y = self._check_X_y(X, y, reset=reset)
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
