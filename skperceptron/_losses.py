"""Loss functions, each paired with its canonical output activation.

Every loss is the (sample-weighted) mean over samples of a per-sample loss that
is *summed* over the outputs. Each pairs with the output activation whose link
is canonical for it, so that the gradient of the loss with respect to the
output layer's pre-activation is simply ``output - y`` (see
:meth:`skperceptron._network.Network.loss_gradient`):

=====================  ==========  ========================================
loss                   output      per-sample loss
=====================  ==========  ========================================
``"squared_error"``    identity    ``1/2 sum_k (p_k - y_k)^2``
``"poisson"``          exp         ``sum_k y_k log(y_k / p_k) - y_k + p_k``
``"log_loss"``         softmax     ``-sum_k y_k log p_k``
``"binary_log_loss"``  logistic    ``-sum_k y_k log p_k + (1-y_k) log(1-p_k)``
=====================  ==========  ========================================

Probabilities are clipped to ``[eps, 1 - eps]`` (``eps`` of their dtype) inside
the logarithms, as scikit-learn does. A Poisson mean that underflowed to 0 is
read as the dtype's smallest normal number inside its logarithm, so that the
deviance is finite wherever the network is: a zero count contributes ``p_k``,
nothing undefined.
"""

import numpy as np
from scipy.special import xlogy


def _weighted_mean(per_sample, sample_weight):
    if sample_weight is None:
        return float(per_sample.mean())
    return float(np.dot(sample_weight, per_sample) / sample_weight.sum())


def _weighted_total(y, values, sample_weight):
    """Return ``sum_i s_i sum_k y_ik values_ik / sum_i s_i`` (plain mean if no s)."""
    if sample_weight is None:
        return float(np.vdot(y, values)) / y.shape[0]
    return _weighted_mean(np.einsum("ij,ij->i", y, values), sample_weight)


def _clipped(prob):
    eps = np.finfo(prob.dtype).eps
    # Two ufuncs with out= cost a fraction of np.clip's Python wrapper.
    clipped = np.maximum(prob, eps)
    return np.minimum(clipped, 1 - eps, out=clipped)


def squared_error(y, out, sample_weight=None):
    """Half squared error, ``1/2 sum_k (out_k - y_k)^2``, averaged over samples.

    Parameters
    ----------
    y : ndarray of shape (n_samples, n_outputs)
        Targets.
    out : ndarray of shape (n_samples, n_outputs)
        Network outputs (identity output activation).
    sample_weight : ndarray of shape (n_samples,), default=None
        Weights of the samples in the mean.

    Returns
    -------
    loss : float
    """
    residual = out - y
    return 0.5 * _weighted_total(residual, residual, sample_weight)


def poisson_deviance(y, out, sample_weight=None):
    """Half Poisson deviance, ``sum_k y_k log(y_k / out_k) - y_k + out_k``, averaged.

    Parameters
    ----------
    y : ndarray of shape (n_samples, n_outputs)
        Non-negative targets.
    out : ndarray of shape (n_samples, n_outputs)
        Predicted means (exponential output activation).
    sample_weight : ndarray of shape (n_samples,), default=None
        Weights of the samples in the mean.

    Returns
    -------
    loss : float
    """
    # ``exp`` underflows to 0 for finite pre-activations (below about -87 in
    # float32): ``y / out`` would then be 0 / 0 or y / 0. The logarithm of the
    # mean is taken of ``max(out, tiny)`` instead, and ``xlogy(y, y)`` is 0 for
    # a zero count, which so contributes ``out`` alone.
    log_out = np.log(np.maximum(out, np.finfo(out.dtype).tiny))
    per_sample = (xlogy(y, y) - y * log_out - y + out).sum(axis=1)
    return _weighted_mean(per_sample, sample_weight)


def log_loss(y, out, sample_weight=None):
    """Multinomial log-loss, ``-sum_k y_k log out_k``, averaged over samples.

    Parameters
    ----------
    y : ndarray of shape (n_samples, n_classes)
        One-hot encoded labels.
    out : ndarray of shape (n_samples, n_classes)
        Predicted class probabilities (softmax output activation).
    sample_weight : ndarray of shape (n_samples,), default=None
        Weights of the samples in the mean.

    Returns
    -------
    loss : float
    """
    # Clipped probabilities have finite logarithms, so ``y * log`` is ``xlogy``.
    log_prob = _clipped(out)
    return -_weighted_total(y, np.log(log_prob, out=log_prob), sample_weight)


def binary_log_loss(y, out, sample_weight=None):
    """Binary log-loss summed over independent outputs, averaged over samples.

    Parameters
    ----------
    y : ndarray of shape (n_samples, n_outputs)
        Binary labels (one column per label).
    out : ndarray of shape (n_samples, n_outputs)
        Predicted probabilities of the positive class (logistic output).
    sample_weight : ndarray of shape (n_samples,), default=None
        Weights of the samples in the mean.

    Returns
    -------
    loss : float
    """
    prob = _clipped(out)
    per_sample = -(xlogy(y, prob) + xlogy(1 - y, 1 - prob)).sum(axis=1)
    return _weighted_mean(per_sample, sample_weight)


#: Loss functions by name.
LOSSES = {
    "squared_error": squared_error,
    "poisson": poisson_deviance,
    "log_loss": log_loss,
    "binary_log_loss": binary_log_loss,
}

#: The canonical output activation of each loss.
OUTPUT_ACTIVATIONS = {
    "squared_error": "identity",
    "poisson": "exp",
    "log_loss": "softmax",
    "binary_log_loss": "logistic",
}
