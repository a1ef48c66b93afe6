"""Activation functions applied in place, and their derivatives.

Every derivative is written in terms of the activation's *output* ``a = f(z)``
(``f'(z) = a (1 - a)`` for the logistic, ``1 - a**2`` for tanh, ``[a > 0]`` for
ReLU), so the backward pass never needs the pre-activations ``z``.

Each derivative multiplies ``delta`` in place and may use a ``scratch`` array
of ``a``'s shape and dtype for its intermediate factor, so that a training
loop that passes one allocates nothing per batch.
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


def identity_derivative(a, delta, scratch=None):
    """Multiply ``delta`` by the identity's derivative, 1: nothing to do."""


def logistic_derivative(a, delta, scratch=None):
    """Multiply ``delta`` in place by ``f'(z) = a (1 - a)``."""
    delta *= a
    delta *= np.subtract(1, a, out=scratch)


def tanh_derivative(a, delta, scratch=None):
    """Multiply ``delta`` in place by ``f'(z) = 1 - a**2``."""
    square = np.multiply(a, a, out=scratch)
    delta *= np.subtract(1, square, out=square)


def relu_derivative(a, delta, scratch=None):
    """Multiply ``delta`` in place by ``f'(z) = [a > 0]``.

    A multiplication by the 0/1 factor is several times faster than zeroing
    ``delta`` through a boolean mask, whose branches the CPU cannot predict.
    """
    if scratch is None:
        scratch = np.empty_like(a)
    delta *= np.greater(a, 0, out=scratch)


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
