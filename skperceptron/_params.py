"""The estimators' shared parameters: their constraints, checks and docstrings.

scikit-learn's ``_validate_params`` checks each parameter's type and range
against :data:`PARAMETER_CONSTRAINTS` before every fit; the checks that need
more than one parameter, or the data, are the functions here. The docstring
pieces are joined into both estimators' docstrings.
"""

from numbers import Integral, Real

import numpy as np
from sklearn.utils._param_validation import Interval, Options, StrOptions
from sklearn.utils.validation import check_array, check_non_negative

from ._activations import HIDDEN_ACTIVATIONS

PARAMETER_CONSTRAINTS = {
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


def hidden_layer_sizes(sizes):
    """Return ``hidden_layer_sizes`` as a list of ints, validated."""
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


def dropout_rates(dropout, n_hidden, solver):
    """Return one dropout rate per hidden layer, validated."""
    if isinstance(dropout, Real):
        rates = [float(dropout)] * n_hidden
    else:
        rates = np.asarray(dropout)
        if (
            rates.ndim != 1
            or len(rates) != n_hidden
            or rates.dtype.kind not in "iuf"
            or not ((rates >= 0) & (rates < 1)).all()
        ):
            raise ValueError(
                "dropout must be a float in [0, 1) or hold one rate in [0, 1) "
                f"per hidden layer ({n_hidden}), got {dropout!r}."
            )
        rates = [float(rate) for rate in rates]
    if solver == "lbfgs" and any(rates):
        raise ValueError(
            "dropout is not supported with solver='lbfgs': dropout makes the "
            "objective random, which breaks L-BFGS's line search. Use "
            "solver='adam' or 'sgd', or set dropout=0."
        )
    return rates


def check_class_weight_values(class_weight, name):
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


SHARED_PARAMETERS_DOC = """
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
DROPOUT_DOC = """
    dropout : float or array-like of float, default=0.0
        Inverted-dropout rate of the hidden layers' activations during
        training, one rate for all hidden layers or one per hidden layer, each
        in [0, 1). Prediction never drops units. Not available with lbfgs.
"""

SHARED_ATTRIBUTES_DOC = """
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

    validation_loss_curve_ : list of shape (`n_iter_`,) or None
        The training objective on the validation set at each epoch: the loss
        of ``loss_curve_`` and its L2 term, without dropout, weighted by the
        sample (and class) weights as in training; None without early
        stopping. Not in scikit-learn.

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
