"""Activation functions applied in place, and their derivatives.

scikit-learn's four hidden activations (and the output activations) are
applied in place, ``f(z)`` overwriting ``z``, and their derivatives are
written in terms of the activation's *output* ``a = f(z)`` (``f'(z) = a (1 -
a)`` for the logistic, ``1 - a**2`` for tanh, ``[a > 0]`` for ReLU), so the
backward pass never needs the pre-activations ``z``.

The derivatives of GELU, SiLU and Mish are no functions of ``a`` alone, and
the other activations of ours (leaky ReLU, ELU, softplus) need room besides
``z`` to be computed without allocating. These six *keep* their
pre-activations: a :class:`~skperceptron._network.Workspace` holds ``z`` in a
buffer of its own (for them only, so that the four keep their speed), their
forward function reads ``z`` there and writes ``f(z)`` into ``out``, and
their derivative is computed from ``z``.

Each derivative multiplies ``delta`` in place, writing its factor ``f'(z)``
into ``factor``, an array of ``delta``'s shape and dtype, so that a training
loop allocates nothing per batch. The derivatives of the keeping activations
use the kept ``z`` as room too: they overwrite it.

Formulas that could overflow are written so that they cannot: softplus is
``max(z, log1p(exp(min(z, 40))))``, the GELU's ``Phi`` is ``erfc(-z / sqrt(2)) / 2`` (no
cancellation in ``1 + erf`` for negative ``z``), ELU's ``expm1`` only sees
``min(z, 0)``. Only underflows to 0 remain (``exp(-z**2 / 2)`` for large
``|z|``), whose results are the exact ones rounded.

``ACTIVATIONS``, ``KEPT_ACTIVATIONS``, ``DERIVATIVES`` and
``KEPT_DERIVATIVES`` are the NumPy entries of the kernel table
(:mod:`skperceptron._kernels`); ``ARRAY_API_ACTIVATIONS`` and
``ARRAY_API_DERIVATIVES`` are the same functions for any array-API namespace
``xp``, written functionally because the array API has no ``out=``.
"""

import math

import numpy as np
from scipy.special import erfc, expit

#: Slope of the leaky ReLU for negative inputs (PyTorch's default).
LEAKY_RELU_SLOPE = 0.01
#: ``1 / sqrt(2)``, which turns ``z`` into the argument of the GELU's ``erfc``.
_SQRT_HALF = math.sqrt(0.5)
#: ``1 / sqrt(2 pi)``, the standard normal density's factor.
_INV_SQRT_2PI = 1 / math.sqrt(2 * math.pi)
#: Where softplus may be computed as ``z`` (see ``_softplus_up_to``).
_SOFTPLUS_LINEAR_FROM = 40.0


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


def leaky_relu(z, out):
    """Write the leaky ReLU ``f(z) = max(z, 0.01 z)`` of ``z`` into ``out``."""
    np.multiply(z, LEAKY_RELU_SLOPE, out=out)
    np.maximum(z, out, out=out)


def elu(z, out):
    """Write ELU ``f(z) = z if z > 0 else exp(z) - 1`` of ``z`` into ``out``.

    ``max(z, expm1(min(z, 0)))``: ``expm1(z) >= z`` for ``z <= 0``.
    """
    np.minimum(z, 0, out=out)
    np.expm1(out, out=out)
    np.maximum(z, out, out=out)


def gelu(z, out):
    """Write GELU ``f(z) = z Phi(z)`` of ``z`` into ``out``.

    ``Phi(z) = erfc(-z / sqrt(2)) / 2`` is the standard normal distribution
    function (the exact GELU, not its tanh approximation).
    """
    np.multiply(z, -_SQRT_HALF, out=out)
    erfc(out, out=out)
    out *= z
    out *= 0.5


def silu(z, out):
    """Write SiLU ``f(z) = z sigmoid(z)`` of ``z`` into ``out``."""
    expit(z, out=out)
    out *= z


def _softplus_up_to(z, out):
    """Write ``log(1 + exp(min(z, 40)))`` into ``out`` (which may be ``z``).

    That is softplus for ``z <= 40``, and above 40 a value that neither
    ``max(z, .)`` nor ``tanh`` tells from it: ``log(1 + exp(z)) - z <
    exp(-40)``, below half an ulp of ``z`` in float32 and float64. NumPy's
    ``exp`` and ``log1p`` are vectorised, several times faster than its
    ``logaddexp``.
    """
    np.minimum(z, _SOFTPLUS_LINEAR_FROM, out=out)
    np.exp(out, out=out)
    np.log1p(out, out=out)


def softplus(z, out):
    """Write softplus ``f(z) = log(1 + exp(z))`` of ``z`` into ``out``.

    ``max(z, log(1 + exp(min(z, 40))))``, which cannot overflow.
    """
    _softplus_up_to(z, out)
    np.maximum(z, out, out=out)


def mish(z, out):
    """Write Mish ``f(z) = z tanh(softplus(z))`` of ``z`` into ``out``."""
    _softplus_up_to(z, out)
    np.tanh(out, out=out)
    out *= z


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


def leaky_relu_derivative(z, delta, factor):
    """Multiply ``delta`` in place by ``f'(z) = 1 if z > 0 else 0.01``."""
    np.greater(z, 0, out=factor)
    delta *= np.maximum(factor, LEAKY_RELU_SLOPE, out=factor)


def elu_derivative(z, delta, factor):
    """Multiply ``delta`` in place by ``f'(z) = exp(min(z, 0))``."""
    np.minimum(z, 0, out=factor)
    delta *= np.exp(factor, out=factor)


def gelu_derivative(z, delta, factor):
    """Multiply ``delta`` in place by ``f'(z) = Phi(z) + z phi(z)``.

    ``phi(z) = exp(-z**2 / 2) / sqrt(2 pi)``; ``z`` is overwritten.
    """
    np.multiply(z, z, out=factor)
    factor *= -0.5
    np.exp(factor, out=factor)
    factor *= z
    factor *= _INV_SQRT_2PI
    z *= -_SQRT_HALF
    erfc(z, out=z)
    z *= 0.5
    z += factor
    delta *= z


def silu_derivative(z, delta, factor):
    """Multiply ``delta`` in place by ``f'(z) = s (1 + z (1 - s))``.

    ``s = sigmoid(z)``.
    """
    expit(z, out=factor)
    delta *= factor
    np.subtract(1, factor, out=factor)
    factor *= z
    factor += 1
    delta *= factor


def softplus_derivative(z, delta, factor):
    """Multiply ``delta`` in place by ``f'(z) = sigmoid(z)``."""
    delta *= expit(z, out=factor)


def mish_derivative(z, delta, factor):
    """Multiply ``delta`` in place by ``f'(z) = t + z s (1 - t**2)``.

    ``t = tanh(softplus(z))``, ``s = sigmoid(z)``; ``z`` is overwritten. With
    three buffers and no fourth: ``delta t`` plus ``(delta z s) (1 - t**2)``.
    """
    expit(z, out=factor)
    factor *= z
    _softplus_up_to(z, z)
    np.tanh(z, out=z)
    factor *= delta
    delta *= z
    np.multiply(z, z, out=z)
    np.subtract(1, z, out=z)
    factor *= z
    delta += factor


#: Forward functions by name, for hidden and output layers.
ACTIVATIONS = {
    "identity": identity,
    "logistic": logistic,
    "tanh": tanh,
    "relu": relu,
    "exp": exp,
    "softmax": softmax,
}

#: Forward functions of the activations that keep their pre-activations,
#: ``f(z, out)``, by name.
KEPT_ACTIVATIONS = {
    "leaky_relu": leaky_relu,
    "elu": elu,
    "gelu": gelu,
    "silu": silu,
    "softplus": softplus,
    "mish": mish,
}

#: Derivatives of the hidden-layer activations, in terms of their outputs.
DERIVATIVES = {
    "identity": identity_derivative,
    "logistic": logistic_derivative,
    "tanh": tanh_derivative,
    "relu": relu_derivative,
}

#: Derivatives of the activations that keep their pre-activations, in terms
#: of those.
KEPT_DERIVATIVES = {
    "leaky_relu": leaky_relu_derivative,
    "elu": elu_derivative,
    "gelu": gelu_derivative,
    "silu": silu_derivative,
    "softplus": softplus_derivative,
    "mish": mish_derivative,
}

#: The derivative of every hidden activation, from what its layer keeps (its
#: output, or its pre-activations): the NumPy table's one lookup per layer.
HIDDEN_DERIVATIVES = {**DERIVATIVES, **KEPT_DERIVATIVES}

#: Every hidden activation, scikit-learn's four first.
HIDDEN_ACTIVATIONS = (*DERIVATIVES, *KEPT_DERIVATIVES)


def keeps_preactivations(activation):
    """Whether the hidden ``activation`` keeps its pre-activations ``z``.

    Parameters
    ----------
    activation : str
        A hidden activation's name.

    Returns
    -------
    keeps : bool
        True for the activations whose forward function reads a kept copy of
        ``z`` and whose derivative is computed from it.
    """
    return activation in KEPT_DERIVATIVES


def _softmax_xp(z, xp):
    exp = xp.exp(z - xp.max(z, axis=1, keepdims=True))
    return exp / xp.sum(exp, axis=1, keepdims=True)


def _sigmoid_xp(z, xp):
    return 1 / (1 + xp.exp(-z))


def _softplus_up_to_xp(z, xp):
    return xp.log1p(xp.exp(xp.clip(z, max=_SOFTPLUS_LINEAR_FROM)))


def _normal_cdf_xp(z, xp):
    """Return ``Phi(z) = erfc(-z / sqrt(2)) / 2``, which needs ``xp.erfc``.

    The array API standard has no ``erfc`` (PyTorch's namespace has it).
    """
    erfc_xp = getattr(xp, "erfc", None)
    if erfc_xp is None:
        raise ValueError(
            "activation='gelu' needs the error function erfc, which the array "
            f"namespace {xp.__name__} does not have; use another activation or "
            "fit NumPy or PyTorch arrays."
        )
    return erfc_xp(z * -_SQRT_HALF) * 0.5


def _gelu_slope_xp(z, xp):
    return _normal_cdf_xp(z, xp) + z * xp.exp(z * z * -0.5) * _INV_SQRT_2PI


def _silu_slope_xp(z, xp):
    sigmoid = _sigmoid_xp(z, xp)
    return sigmoid * (1 + z * (1 - sigmoid))


def _mish_slope_xp(z, xp):
    t = xp.tanh(_softplus_up_to_xp(z, xp))
    return t + z * _sigmoid_xp(z, xp) * (1 - t * t)


#: The same forward functions for an array-API namespace ``xp``: ``f(z, xp)``
#: returns a new array.
ARRAY_API_ACTIVATIONS = {
    "identity": lambda z, xp: z,
    "logistic": _sigmoid_xp,
    "tanh": lambda z, xp: xp.tanh(z),
    "relu": lambda z, xp: xp.clip(z, min=0),
    "leaky_relu": lambda z, xp: xp.maximum(z, z * LEAKY_RELU_SLOPE),
    "elu": lambda z, xp: xp.maximum(z, xp.expm1(xp.clip(z, max=0))),
    "gelu": lambda z, xp: z * _normal_cdf_xp(z, xp),
    "silu": lambda z, xp: z * _sigmoid_xp(z, xp),
    "softplus": lambda z, xp: xp.maximum(z, _softplus_up_to_xp(z, xp)),
    "mish": lambda z, xp: z * xp.tanh(_softplus_up_to_xp(z, xp)),
    "exp": lambda z, xp: xp.exp(z),
    "softmax": _softmax_xp,
}

#: The same derivatives for an array-API namespace: ``d(a, delta, xp)``
#: returns ``delta * f'(z)`` as a new array; ``a`` is ``z`` for the
#: activations that keep their pre-activations.
ARRAY_API_DERIVATIVES = {
    "identity": lambda a, delta, xp: delta,
    "logistic": lambda a, delta, xp: delta * (a * (1 - a)),
    "tanh": lambda a, delta, xp: delta * (1 - a * a),
    "relu": lambda a, delta, xp: delta * xp.astype(a > 0, a.dtype),
    "leaky_relu": lambda z, delta, xp: (
        delta * xp.clip(xp.astype(z > 0, z.dtype), min=LEAKY_RELU_SLOPE)
    ),
    "elu": lambda z, delta, xp: delta * xp.exp(xp.clip(z, max=0)),
    "gelu": lambda z, delta, xp: delta * _gelu_slope_xp(z, xp),
    "silu": lambda z, delta, xp: delta * _silu_slope_xp(z, xp),
    "softplus": lambda z, delta, xp: delta * _sigmoid_xp(z, xp),
    "mish": lambda z, delta, xp: delta * _mish_slope_xp(z, xp),
}
