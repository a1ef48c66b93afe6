"""Activation functions applied in place, and their derivatives.

Every derivative is written in terms of the activation's *output* ``a = f(z)``
(``f'(z) = a (1 - a)`` for the logistic, ``1 - a**2`` for tanh, ``[a > 0]`` for
ReLU), so the backward pass never needs the pre-activations ``z``.

Each derivative multiplies ``delta`` in place, writing its factor ``f'(z)``
into ``factor``, an array of ``a``'s shape and dtype, so that a training loop
allocates nothing per batch.

``ACTIVATIONS`` and ``DERIVATIVES`` are the NumPy entries of the kernel table
(:mod:`skperceptron._kernels`); ``ARRAY_API_ACTIVATIONS`` and
``ARRAY_API_DERIVATIVES`` are the same functions for any array-API namespace
``xp``, written functionally because the array API has no ``out=``.
"""

import numpy as np
from scipy.special import expit


def identity(z):
    """Leave ``z`` unchanged: ``f(z) = z``."""


def logistic(z):
    """Apply the logistic sigmoid ``f(z) = 1 / (1 + exp(-z))`` in place."""
    expit(z, out=z)


def tanh(z):
    """Apply the hyperbolic tangent ``f(z) = tanh(z)`` in place."""
    np.tanh(z, out=z)


def relu(z):
    """Apply the rectified linear unit ``f(z) = max(z, 0)`` in place."""
    np.maximum(z, 0, out=z)


def exp(z):
    """Apply the exponential ``f(z) = exp(z)`` in place (the Poisson output)."""
    np.exp(z, out=z)


def softmax(z):
    """Apply the row-wise softmax ``f(z)_k = exp(z_k) / sum_j exp(z_j)`` in place.

    The row maximum is subtracted first so that ``exp`` cannot overflow.
    """
    z -= z.max(axis=1, keepdims=True)
    np.exp(z, out=z)
    z /= z.sum(axis=1, keepdims=True)


def identity_derivative(a, delta, factor):
    """Multiply ``delta`` by the identity's derivative, 1: nothing to do."""


def logistic_derivative(a, delta, factor):
    """Multiply ``delta`` in place by ``f'(z) = a (1 - a)``."""
    delta *= a
    delta *= np.subtract(1, a, out=factor)


def tanh_derivative(a, delta, factor):
    """Multiply ``delta`` in place by ``f'(z) = 1 - a**2``."""
    square = np.multiply(a, a, out=factor)
    delta *= np.subtract(1, square, out=square)


def relu_derivative(a, delta, factor):
    """Multiply ``delta`` in place by ``f'(z) = [a > 0]``.

    A multiplication by the 0/1 factor is several times faster than zeroing
    ``delta`` through a boolean mask, whose branches the CPU cannot predict.
    """
    delta *= np.greater(a, 0, out=factor)


#: Forward functions by name, for hidden and output layers.
ACTIVATIONS = {
    "identity": identity,
    "logistic": logistic,
    "tanh": tanh,
    "relu": relu,
    "exp": exp,
    "softmax": softmax,
}

#: Derivatives of the hidden-layer activations, in terms of their outputs.
DERIVATIVES = {
    "identity": identity_derivative,
    "logistic": logistic_derivative,
    "tanh": tanh_derivative,
    "relu": relu_derivative,
}


def _softmax_xp(z, xp):
    exp = xp.exp(z - xp.max(z, axis=1, keepdims=True))
    return exp / xp.sum(exp, axis=1, keepdims=True)


#: The same forward functions for an array-API namespace ``xp``: ``f(z, xp)``
#: returns a new array.
ARRAY_API_ACTIVATIONS = {
    "identity": lambda z, xp: z,
    "logistic": lambda z, xp: 1 / (1 + xp.exp(-z)),
    "tanh": lambda z, xp: xp.tanh(z),
    "relu": lambda z, xp: xp.clip(z, min=0),
    "exp": lambda z, xp: xp.exp(z),
    "softmax": _softmax_xp,
}

#: The same derivatives for an array-API namespace: ``d(a, delta, xp)``
#: returns ``delta * f'(z)`` as a new array.
ARRAY_API_DERIVATIVES = {
    "identity": lambda a, delta, xp: delta,
    "logistic": lambda a, delta, xp: delta * (a * (1 - a)),
    "tanh": lambda a, delta, xp: delta * (1 - a * a),
    "relu": lambda a, delta, xp: delta * xp.astype(a > 0, a.dtype),
}
