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
nothing undefined. Each formula is written once; the reductions and
element-wise functions it uses come from the kernel table of the arrays'
backend (:mod:`skperceptron._kernels`).
"""

from ._kernels import NUMPY_KERNELS


def squared_error(y, out, sample_weight=None, kernels=NUMPY_KERNELS):
    """Half squared error, ``1/2 sum_k (out_k - y_k)^2``, averaged over samples.

    Parameters
    ----------
    y : array of shape (n_samples, n_outputs)
        Targets.
    out : array of shape (n_samples, n_outputs)
        Network outputs (identity output activation).
    sample_weight : array of shape (n_samples,), default=None
        Weights of the samples in the mean.
    kernels : kernel table, default=NUMPY_KERNELS
        The backend of the arrays (:mod:`skperceptron._kernels`).

    Returns
    -------
    loss : float or 0-d array
        A Python float with NumPy; a 0-d array of the arrays' namespace
        otherwise, so that a GPU need not wait for it.
    """
    residual = out - y
    return 0.5 * kernels.weighted_total(residual, residual, sample_weight)


def poisson_deviance(y, out, sample_weight=None, kernels=NUMPY_KERNELS):
    """Half Poisson deviance, ``sum_k y_k log(y_k / out_k) - y_k + out_k``, averaged.

    Takes and returns what :func:`squared_error` does, with ``y`` the
    non-negative targets and ``out`` the predicted means (exponential output).
    """
    # ``exp`` underflows to 0 for finite pre-activations (below about -87 in
    # float32): ``y / out`` would then be 0 / 0 or y / 0. The logarithm of the
    # mean is taken of ``max(out, tiny)`` instead, and ``xlogy(y, y)`` is 0 for
    # a zero count, which so contributes ``out`` alone.
    log_out = kernels.floored_log(out)
    per_sample = kernels.sum_outputs(kernels.xlogy(y, y) - y * log_out - y + out)
    return kernels.weighted_mean(per_sample, sample_weight)


def log_loss(y, out, sample_weight=None, kernels=NUMPY_KERNELS):
    """Multinomial log-loss, ``-sum_k y_k log out_k``, averaged over samples.

    Takes and returns what :func:`squared_error` does, with ``y`` one-hot
    encoded labels and ``out`` the predicted class probabilities (softmax output).
    """
    # Clipped probabilities have finite logarithms, so ``y * log`` is ``xlogy``.
    log_prob = kernels.log(kernels.clipped(out))
    return -kernels.weighted_total(y, log_prob, sample_weight)


def binary_log_loss(y, out, sample_weight=None, kernels=NUMPY_KERNELS):
    """Binary log-loss summed over independent outputs, averaged over samples.

    Takes and returns what :func:`squared_error` does, with ``y`` binary
    labels (one column per label) and ``out`` the probabilities of the positive
    class (logistic output).
    """
    prob = kernels.clipped(out)
    per_sample = -kernels.sum_outputs(
        kernels.xlogy(y, prob) + kernels.xlogy(1 - y, 1 - prob)
    )
    return kernels.weighted_mean(per_sample, sample_weight)


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

#: The loss each output activation is canonical for (the inverse of the above).
LOSS_FOR_OUTPUT = {output: loss for loss, output in OUTPUT_ACTIVATIONS.items()}
