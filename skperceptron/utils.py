"""Gradients you can inspect: the objective ``fit`` minimises, and a check of it.

What one would otherwise derive by hand or with SymPy: the loss of a network at
given weights, its derivatives with respect to every weight and bias, and a
comparison of those derivatives with central finite differences.
"""

from numbers import Real

import numpy as np
from sklearn.utils import check_scalar

from ._backends import to_numpy
from ._losses import LOSS_FOR_OUTPUT
from ._mlp import objective_inputs
from ._network import Network, Workspace

__all__ = ["loss_and_gradients", "check_gradients"]


def _objective(estimator, X, y, sample_weight):
    """Return a float64 copy of the estimator's network, a workspace, the inputs."""
    X, Y, sample_weight = objective_inputs(estimator, X, y, sample_weight)
    # Host copies of a model trained in another namespace (PyTorch, ...).
    network = Network.from_parameters(
        [to_numpy(coef) for coef in estimator.coefs_],
        [to_numpy(intercept) for intercept in estimator.intercepts_],
        estimator.activation,
        LOSS_FOR_OUTPUT[estimator.out_activation_],
        np.float64,
    )
    X = X.astype(np.float64)
    return network, Workspace(network, X.shape[0]), X, Y, sample_weight


def loss_and_gradients(estimator, X, y, sample_weight=None):
    r"""Return the training objective and its gradients at a fitted estimator's weights.

    The objective is the one ``fit`` minimises, without dropout:

    .. math::

        J = \frac{1}{S} \sum_i s_i \, \ell(y_i, f(x_i))
            + \frac{\alpha}{2 S} \sum_l \lVert W_l \rVert_F^2,
        \qquad S = \sum_i s_i,

    with ``s_i`` the sample weights times the class weights (all ones by
    default) and ``ell`` the estimator's loss. It is evaluated in float64 at
    the estimator's current ``coefs_`` and ``intercepts_``, which are left
    unchanged.

    Parameters
    ----------
    estimator : ScratchMLPClassifier or ScratchMLPRegressor
        A fitted estimator.
    X : {array-like, sparse matrix} of shape (n_samples, n_features)
        Input data, of any array-API namespace (brought to the host).
    y : array-like of shape (n_samples,) or (n_samples, n_outputs)
        Targets: labels among ``estimator.classes_`` for a classifier. They
        are checked as ``fit`` checks them (the same code): targets ``fit``
        refuses, such as a negative count for ``loss="poisson"``, raise the
        same ``ValueError``.
    sample_weight : array-like of shape (n_samples,), default=None
        Sample weights.

    Returns
    -------
    loss : float
        The objective ``J``.
    coef_grads : list of ndarray
        ``dJ/dW_l``, shaped like ``estimator.coefs_``.
    intercept_grads : list of ndarray
        ``dJ/db_l``, shaped like ``estimator.intercepts_``.

    Examples
    --------
    >>> import numpy as np
    >>> from skperceptron import ScratchMLPRegressor
    >>> from skperceptron.utils import loss_and_gradients
    >>> X = np.array([[0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    >>> y = np.array([1.0, 1.0, 2.0])
    >>> reg = ScratchMLPRegressor(hidden_layer_sizes=(), solver="lbfgs", alpha=0)
    >>> reg = reg.fit(X, y)
    >>> loss, coef_grads, intercept_grads = loss_and_gradients(reg, X, y)
    >>> bool(loss < 1e-8), coef_grads[0].shape, intercept_grads[0].shape
    (True, (2, 1), (1,))
    """
    network, workspace, X, Y, sample_weight = _objective(estimator, X, y, sample_weight)
    loss = network.loss_gradient(X, Y, sample_weight, estimator.alpha, workspace)
    coef_grads, intercept_grads = network.split(workspace.grad.copy())
    return loss, coef_grads, intercept_grads


def check_gradients(estimator, X, y, *, sample_weight=None, eps=1e-6):
    r"""Compare backpropagation with central finite differences of the objective.

    For every parameter ``theta_j`` (each weight and bias, in float64), the
    numerical derivative is

    .. math::

        \hat g_j = \frac{J(\theta + \epsilon e_j) - J(\theta - \epsilon e_j)}
                         {2 \epsilon},

    and the returned error is the largest difference relative to the size of
    the gradient:

    .. math::

        \text{error} = \frac{\max_j |g_j - \hat g_j|}
                             {\max(\max_j |g_j|, \max_j |\hat g_j|, 10^{-12})},

    where ``g`` is the backpropagated gradient of :func:`loss_and_gradients`.
    Scaling by the largest component, rather than by each component, keeps the
    finite differences' rounding noise (about ``1e-16 / eps``) from swamping
    components that are nearly zero. It costs two evaluations of the objective
    per parameter, so use it on small networks.

    Parameters
    ----------
    estimator, X, y, sample_weight : as in :func:`loss_and_gradients`
        The fitted estimator and the data the objective is evaluated on;
        ``sample_weight`` is keyword-only here and defaults to None.
    eps : float, default=1e-6
        Step of the central differences: positive, finite, and large enough to
        change every parameter.

    Returns
    -------
    error : float
        The largest relative difference; below about ``1e-6`` when the
        gradients are right (a ReLU unit sitting within ``eps`` of its kink can
        make it larger).

    Examples
    --------
    >>> from sklearn.datasets import make_classification
    >>> from skperceptron import ScratchMLPClassifier
    >>> from skperceptron.utils import check_gradients
    >>> X, y = make_classification(n_samples=30, n_features=4, random_state=0)
    >>> clf = ScratchMLPClassifier((5,), activation="tanh", max_iter=5)
    >>> clf = clf.fit(X, y)  # few epochs: a ConvergenceWarning is expected
    >>> check_gradients(clf, X, y) < 1e-6
    True
    """
    check_scalar(eps, "eps", Real, min_val=0, include_boundaries="neither")
    if not np.isfinite(eps):
        raise ValueError(f"eps must be a finite step, got {eps}.")
    network, workspace, X, Y, sample_weight = _objective(estimator, X, y, sample_weight)
    theta = network.params.copy()
    # A step lost in rounding next to some parameter gives a zero difference.
    if (theta + eps == theta).any():
        raise ValueError(
            f"eps={eps} is too small to change every parameter: the largest has "
            f"magnitude {np.abs(theta).max():.3g}. Use a step such as the "
            "default 1e-6."
        )
    alpha = estimator.alpha
    network.loss_gradient(X, Y, sample_weight, alpha, workspace)
    analytic = workspace.grad.copy()

    def objective(params):
        # The objective alone: the differences need no gradient.
        network.params[...] = params
        return network.loss_value(X, Y, sample_weight, alpha, workspace)

    numeric = np.empty_like(theta)
    for j in range(theta.size):
        step = np.zeros_like(theta)
        step[j] = eps
        numeric[j] = (objective(theta + step) - objective(theta - step)) / (2 * eps)
    scale = max(np.abs(analytic).max(), np.abs(numeric).max(), 1e-12)
    return float(np.abs(analytic - numeric).max() / scale)
