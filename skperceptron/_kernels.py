"""The element-wise kernels of training, one table per array backend.

:class:`~skperceptron._network.Network` chains the layers and
:mod:`skperceptron._optimizers` writes the update rules, each once; every step
they take on the arrays themselves is a kernel looked up in the table the
network was built with:

========================  ===============================================
kernel                    computes
========================  ===============================================
``matmul``                ``left @ right`` (``left`` may be sparse)
``bias_activation``       ``f(z + b)``
``bias_activation_kept``  ``f(z + b)``, keeping ``z + b`` (leaky ReLU...)
``apply_dropout``         ``a * mask``
``output_delta``          ``(output - Y) * s_i / S``
``hidden_delta``          ``delta * mask * f'(a)``, or ``f'(z)`` if kept
``weight_gradient``       ``a.T @ delta``, written into the flat gradient
``bias_gradient``         the row sums of ``delta``, likewise
``add_weight_decay``      ``grad += factor * W``, returning ``sum(W**2)``
``sum_of_squares``        ``sum(W**2)`` alone (the objective without gradient)
``dropout_masks``         inverted dropout, ``[hash(e) >= rate 2**32] / (1 - rate)``
``gather``                the rows of a batch, ``array[idx]``
``adam_update``           Adam's element-wise step over the flat vector
``momentum_update``       momentum SGD's, likewise
========================  ===============================================

plus the reductions the losses are written with (``weighted_total``,
``weighted_mean``, ``sum_outputs``, ``clipped``, ``log``, ``floored_log``,
``xlogy``) and the
allocation of the parameters.

Three tables exist:

- :data:`NUMPY_KERNELS`, the reference: NumPy and SciPy writing with ``out=``
  into buffers a :class:`~skperceptron._network.Workspace` allocated once, so
  that a batch allocates nothing but the dropout draw's working blocks.
- ``NUMBA_KERNELS`` (:mod:`skperceptron._compiled`): NumPy's table with
  compiled loops that fuse the chains of element-wise operations NumPy runs
  pass by pass. :func:`skperceptron._backends.host_kernels` picks it, when
  numba is importable (the ``fast`` extra), for fits whose epoch is large
  enough to repay loading it; the environment variable
  ``SKPERCEPTRON_KERNELS`` (``numpy`` or ``numba``) overrides the choice.
- :class:`ArrayAPIKernels`, for any array-API namespace (PyTorch, CuPy,
  array-api-strict) on any device: functional code, since the array API has
  no ``out=``; it writes into preallocated arrays only where the result must
  land in place (the flat gradient and parameters).

Kernels return their result. An in-place kernel returns the buffer it wrote,
a functional one a new array, so the caller's code is the same for both.
"""

import math

import numpy as np
import scipy.sparse as sp
from scipy.special import xlogy

from ._activations import (
    ACTIVATIONS,
    ARRAY_API_ACTIVATIONS,
    ARRAY_API_DERIVATIVES,
    HIDDEN_DERIVATIVES,
    KEPT_ACTIVATIONS,
)

# ---------------------------------------------------------------- dropout
# The dropout draw is counter-based: each unit's keep-or-drop decision is an
# integer hash of its position and two per-batch keys, which a compiled loop
# computes in a few vectorised instructions per unit, where drawing from a
# NumPy Generator costs a call per unit. The hash is "lowbias32" (Chris
# Wellons's hash-prospector): xor-shift, multiply, xor-shift, multiply,
# xor-shift, on 32-bit words.
DROPOUT_HASH_MULTIPLIERS = (np.uint32(0x7FEB352D), np.uint32(0x846CA68B))
DROPOUT_HASH_SHIFTS = (np.uint32(16), np.uint32(15), np.uint32(16))
_HASH_BLOCK = 32768


def dropout_keys(rng, n_layers):
    """Draw the two 32-bit keys of each layer's mask for one batch.

    Parameters
    ----------
    rng : numpy.random.Generator
        The model's dropout generator.
    n_layers : int
        Number of hidden layers.

    Returns
    -------
    keys : ndarray of shape (n_layers, 2), dtype uint32
    """
    return rng.integers(0, 2**32, size=(n_layers, 2), dtype=np.uint32)


def dropout_threshold(rate):
    """Return the 32-bit threshold a hashed unit must reach to be kept.

    Parameters
    ----------
    rate : float
        The layer's dropout rate, in ``[0, 1)``.

    Returns
    -------
    threshold : numpy.uint32
        ``rate * 2**32``, rounded (at most ``2**32 - 1``): a unit is dropped
        with probability ``rate`` to within ``2**-32``.
    """
    return np.uint32(min(round(rate * 2**32), 2**32 - 1))


def _mix32(x, scratch):
    """Apply lowbias32 to the uint32 array ``x`` in place."""
    (first, second), (shift_1, shift_2, shift_3) = (
        DROPOUT_HASH_MULTIPLIERS,
        DROPOUT_HASH_SHIFTS,
    )
    np.right_shift(x, shift_1, out=scratch)
    x ^= scratch
    x *= first
    np.right_shift(x, shift_2, out=scratch)
    x ^= scratch
    x *= second
    np.right_shift(x, shift_3, out=scratch)
    x ^= scratch


def dropout_hash(start, n_units, keys):
    """Return the hashes of units ``start`` to ``start + n_units - 1`` of a mask.

    Unit ``e``'s hash is ``mix(mix(e + keys[0]) ^ keys[1])`` in 32-bit
    arithmetic (wrapping), ``mix`` being lowbias32.

    Parameters
    ----------
    start, n_units : int
        The first unit (counted row by row over the mask) and how many.
    keys : ndarray of shape (2,), dtype uint32
        The layer's keys for this batch, from :func:`dropout_keys`.

    Returns
    -------
    hashes : ndarray of shape (n_units,), dtype uint32
    """
    hashed = np.arange(n_units, dtype=np.uint32)
    hashed += np.uint32((start + int(keys[0])) % 2**32)
    scratch = np.empty_like(hashed)
    _mix32(hashed, scratch)
    hashed ^= keys[1]
    _mix32(hashed, scratch)
    return hashed


class ComposedUpdates:
    """The optimizers' steps composed of a table's element-wise kernels.

    With NumPy every operation writes into a scratch vector, so a step
    allocates nothing and rounds exactly as scikit-learn's does; a functional
    table's ``multiply`` and ``sqrt`` return new arrays instead. A compiled
    table replaces both methods by one loop each.
    """

    def adam_update(self, params, grad, ms, vs, beta_1, beta_2, learning_rate,
                    epsilon, scratch):  # fmt: skip
        """Take Adam's element-wise step, in place in ``params``, ``ms`` and ``vs``.

        ``m <- b1 m + (1 - b1) g``, ``v <- b2 v + (1 - b2) g**2`` and
        ``w <- w - eta m / (sqrt(v) + eps)``, ``eta`` the bias-corrected rate.

        Parameters
        ----------
        params, grad, ms, vs : array of shape (n_params,)
            Parameters, gradient, first and second moment estimates.
        beta_1, beta_2, learning_rate, epsilon : float
            Adam's settings; ``learning_rate`` is this step's ``eta``.
        scratch : tuple of two arrays or None
            Room for intermediate results (in-place tables).
        """
        update, denominator = scratch
        multiply = self.multiply
        ms *= beta_1
        ms += multiply(grad, 1 - beta_1, update)
        vs *= beta_2
        square = multiply(grad, grad, update)
        square *= 1 - beta_2
        vs += square
        denominator = self.sqrt(vs, denominator)
        denominator += epsilon
        update = multiply(ms, learning_rate, update)
        update /= denominator
        params -= update

    def momentum_update(self, params, grad, velocity, learning_rate, momentum,
                        nesterov, scratch):  # fmt: skip
        """Take momentum SGD's element-wise step, in place in ``params``, ``velocity``.

        ``v <- mu v - eta g`` then ``w <- w + v``, or with Nesterov's momentum
        ``w <- w + mu v - eta g``.

        Parameters
        ----------
        params, grad, velocity : array of shape (n_params,)
            Parameters, gradient and velocity.
        learning_rate, momentum : float
            The step's rate ``eta`` and the momentum ``mu``.
        nesterov : bool
            Whether to use Nesterov's momentum.
        scratch : tuple of two arrays or None
            Room for intermediate results (in-place tables).
        """
        step_room, update_room = scratch
        step = self.multiply(grad, learning_rate, step_room)
        velocity *= momentum
        velocity -= step
        if nesterov:
            update = self.multiply(velocity, momentum, update_room)
            update -= step
            params += update
        else:
            params += velocity


class NumpyKernels(ComposedUpdates):
    """The NumPy kernels: in place, into preallocated buffers.

    Attributes
    ----------
    xp : module
        The namespace, :mod:`numpy`.
    device : None
        NumPy arrays live on the host.
    in_place : bool
        True: a :class:`~skperceptron._network.Workspace` preallocates every
        buffer, and kernels write into them.
    on_host : bool
        True: the arrays are NumPy's (and SciPy's sparse matrices).
    """

    xp = np
    device = None
    in_place = True
    on_host = True

    def __reduce__(self):
        return "NUMPY_KERNELS"

    # ------------------------------------------------------------ allocation
    def dtype(self, dtype):
        """Return ``dtype`` as this backend's dtype object."""
        return np.dtype(dtype)

    def zeros(self, shape, dtype):
        """Return a new array of zeros."""
        return np.zeros(shape, dtype=dtype)

    def empty(self, shape, dtype):
        """Return a new uninitialised array."""
        return np.empty(shape, dtype=dtype)

    def buffer_like(self, array):
        """Return room for in-place results shaped like ``array``."""
        return np.empty_like(array)

    def assign(self, view, value):
        """Copy ``value`` (NumPy or array-like) into ``view``."""
        view[...] = value

    def asarray(self, value, dtype=None):
        """Return ``value`` as a NumPy array of ``dtype``."""
        return np.asarray(value, dtype=dtype)

    def astype(self, array, dtype):
        """Return a copy of ``array`` (dense or sparse) cast to ``dtype``."""
        return array.astype(dtype)

    def is_finite(self, value):
        """Whether a scalar or every element of an array is finite."""
        return bool(np.isfinite(value).all())

    # ------------------------------------------------------------- the layers
    def matmul(self, left, right, out):
        """Return ``left @ right``, written into ``out``; ``left`` may be sparse."""
        if sp.issparse(left):
            product = left @ right
            # A product with no hidden layer can stay sparse.
            out[...] = product.toarray() if sp.issparse(product) else product
        else:
            np.matmul(left, right, out=out)
        return out

    def bias_activation(self, z, intercept, activation):
        """Return ``f(z + intercept)``, computed in place in ``z``."""
        z += intercept
        ACTIVATIONS[activation](z)
        return z

    def bias_activation_kept(self, z, intercept, activation, kept):
        """Return ``f(z + intercept)`` and ``z + intercept``.

        For the activations that keep their pre-activations
        (:func:`~skperceptron._activations.keeps_preactivations`): ``z +
        intercept`` is written into ``kept``, then ``f`` of it into ``z``.
        """
        np.add(z, intercept, out=kept)
        KEPT_ACTIVATIONS[activation](kept, z)
        return z, kept

    def apply_dropout(self, a, mask, out):
        """Return ``a * mask`` written into ``out``."""
        return np.multiply(a, mask, out=out)

    def output_delta(self, output, Y, sample_weight, weight_sum, out, row_scale):
        """Return ``(output - Y) * s_i / S``, written into ``out``.

        ``row_scale`` is room for the ``s_i / S`` column of a weighted batch.
        """
        np.subtract(output, Y, out=out)
        if sample_weight is None:
            out /= weight_sum
        else:
            np.divide(sample_weight, weight_sum, out=row_scale[:, 0])
            out *= row_scale
        return out

    def backpropagate(self, delta, coef, out):
        """Return ``delta @ coef.T``, the error reaching the previous layer."""
        return np.matmul(delta, coef.T, out=out)

    def hidden_delta(self, delta, a, activation, mask, derivative):
        """Return ``delta * mask * f'(a)``, computed in place in ``delta``.

        ``a`` is the layer's output, or its kept pre-activations ``z`` for an
        activation that keeps them (which may overwrite them);
        ``derivative`` is room for ``f'``.
        """
        if mask is not None:
            delta *= mask
        HIDDEN_DERIVATIVES[activation](a, delta, derivative)
        return delta

    def weight_gradient(self, layer_input, delta, out):
        """Write ``layer_input.T @ delta`` into ``out``, a view of the gradient."""
        self.matmul(layer_input.T, delta, out)

    def bias_gradient(self, delta, ones, out):
        """Write the row sums of ``delta`` into ``out``, a view of the gradient.

        ``ones @ delta`` (a BLAS matrix-vector product) sums the rows several
        times faster than ``delta.sum(axis=0)``.
        """
        np.matmul(ones, delta, out=out)

    def add_weight_decay(self, grad, weights, factor, decay):
        """Add ``factor * weights`` to ``grad`` in place; return ``sum(weights**2)``.

        ``decay`` is room for ``factor * weights``; the sum (for the L2 term
        of the objective) is a Python float.
        """
        grad += np.multiply(weights, factor, out=decay)
        return self.sum_of_squares(weights)

    def sum_of_squares(self, weights):
        """Return ``sum(weights**2)`` of a vector as a Python float."""
        return float(np.dot(weights, weights))

    def total(self, vector):
        """Return the sum of ``vector``'s elements as a Python float."""
        return float(vector.sum())

    # ----------------------------------------------------------------- batches
    def dropout_rng(self, seed):
        """Return the source of the dropout draws, seeded with ``seed``."""
        return np.random.default_rng(seed)

    def dropout_masks(self, rng, rates, buffers, n_samples, widths, dtype):
        """Draw one inverted-dropout mask (0 or ``1 / (1 - rate)``) per hidden layer.

        Unit ``e`` of a layer's mask (counted row by row) is kept when
        :func:`dropout_hash` of ``e`` is at least ``rate * 2**32``, with keys
        drawn from ``rng`` for each layer and batch (see :func:`dropout_keys`).

        Parameters
        ----------
        rng : numpy.random.Generator
            Source of the keys, from :meth:`dropout_rng`.
        rates : list of float
            Dropout rate of each hidden layer; a rate of 0 gives ``None``.
        buffers : list of ndarray
            Room for each layer's mask (``Workspace.masks``).
        n_samples : int
            Rows of the batch.
        widths, dtype : list of int, dtype
            Shape and dtype of the masks, for backends without buffers.

        Returns
        -------
        masks : list of ndarray or None
        """
        masks = []
        for rate, buffer, keys in zip(rates, buffers, dropout_keys(rng, len(rates))):
            if rate == 0:
                masks.append(None)
                continue
            mask = buffer[:n_samples]
            # A view: Workspace buffers are C-contiguous, and so are their
            # leading rows.
            flat = mask.reshape(-1)
            threshold = dropout_threshold(rate)
            # In blocks that stay in cache through the hash's dozen passes.
            for start in range(0, flat.shape[0], _HASH_BLOCK):
                stop = min(start + _HASH_BLOCK, flat.shape[0])
                hashed = dropout_hash(start, stop - start, keys)
                np.greater_equal(hashed, threshold, out=flat[start:stop])
            mask *= 1.0 / (1.0 - rate)
            masks.append(mask)
        return masks

    def indices(self, order):
        """Return a NumPy index vector as this backend's index array."""
        return order

    def gather(self, array, idx, out):
        """Return ``array[idx]`` (rows), written into ``out`` when dense."""
        if out is None:  # sparse input: a new matrix per batch
            return array[idx]
        # The indices are valid: mode="clip" spares take's bounds checks and
        # the buffered copy "raise" makes.
        return np.take(array, idx, axis=0, out=out, mode="clip")

    # -------------------------------------------------------------- optimizers
    def multiply(self, left, right, out):
        """Return ``left * right`` written into ``out``."""
        return np.multiply(left, right, out=out)

    def sqrt(self, vector, out):
        """Return ``sqrt(vector)`` written into ``out``."""
        return np.sqrt(vector, out=out)

    # ------------------------------------------------------------------ losses
    def weighted_total(self, y, values, sample_weight):
        """Return ``sum_i s_i sum_k y_ik values_ik / sum_i s_i`` (mean if no s)."""
        if sample_weight is None:
            return float(np.vdot(y, values)) / y.shape[0]
        return self.weighted_mean(np.einsum("ij,ij->i", y, values), sample_weight)

    def weighted_mean(self, per_sample, sample_weight):
        """Return the mean of ``per_sample`` weighted by ``sample_weight``."""
        if sample_weight is None:
            return float(per_sample.mean())
        return float(np.dot(sample_weight, per_sample) / sample_weight.sum())

    def sum_outputs(self, values):
        """Return the sum over the outputs (columns) of every sample."""
        return values.sum(axis=1)

    def clipped(self, prob):
        """Return a new copy of ``prob`` clipped to ``[eps, 1 - eps]``."""
        eps = np.finfo(prob.dtype).eps
        # Two ufuncs with out= cost a fraction of np.clip's Python wrapper.
        clipped = np.maximum(prob, eps)
        return np.minimum(clipped, 1 - eps, out=clipped)

    def log(self, values):
        """Return ``log(values)``, computed in place."""
        return np.log(values, out=values)

    def floored_log(self, values):
        """Return ``log(max(values, tiny))``, ``tiny`` the dtype's smallest normal."""
        floored = np.maximum(values, np.finfo(values.dtype).tiny)
        return np.log(floored, out=floored)

    def xlogy(self, x, y):
        """Return ``x * log(y)``, 0 where ``x`` is 0."""
        return xlogy(x, y)


#: The NumPy kernel table, the reference every other backend is tested against.
NUMPY_KERNELS = NumpyKernels()


def kernels_for(array):
    """Return the kernel table of ``array``'s backend.

    NumPy arrays get :data:`NUMPY_KERNELS` (a compiled table is chosen per
    fit, see :func:`skperceptron._backends.host_kernels`); any other array the
    :class:`ArrayAPIKernels` of its namespace and device.
    """
    if isinstance(array, np.ndarray):
        return NUMPY_KERNELS
    compat = array_api_compat()
    return ArrayAPIKernels(compat.array_namespace(array), compat.device(array))


def numpy_dtype(dtype):
    """Return the NumPy dtype matching a dtype of any namespace.

    NumPy and CuPy dtypes (and NumPy scalar types) are NumPy's already; a
    PyTorch or array-api-strict dtype is matched by name (``torch.float32``).
    """
    try:
        return np.dtype(dtype)
    except TypeError:
        return np.dtype(str(dtype).rsplit(".", 1)[-1])


def array_api_compat():
    """Return the array-api-compat module: the package, or scikit-learn's copy.

    Only the array-API backend needs it, so it is imported on first use.
    """
    try:
        import array_api_compat as compat
    except ImportError:
        from sklearn.externals import array_api_compat as compat
    return compat


class ArrayAPIKernels(ComposedUpdates):
    """The kernels for any array-API namespace, on any device.

    The same formulas as :class:`NumpyKernels`, written functionally: the
    array API has no ``out=``, so each kernel returns a new array, except where
    the result must land in the flat gradient, which it assigns in place.

    Parameters
    ----------
    xp : module
        An array-API namespace (as array-api-compat's ``array_namespace``
        returns it).
    device : device object
        Where the arrays live.
    """

    in_place = False
    on_host = False

    def __init__(self, xp, device):
        self.xp = xp
        self.device = device

    # ------------------------------------------------------------ allocation
    def dtype(self, dtype):
        """Return ``dtype`` (a NumPy or this namespace's dtype) as this namespace's."""
        if isinstance(dtype, (str, np.dtype, type)):
            return getattr(self.xp, np.dtype(dtype).name)
        return dtype

    def zeros(self, shape, dtype):
        """Return a new array of zeros on the device."""
        return self.xp.zeros(shape, dtype=dtype, device=self.device)

    def empty(self, shape, dtype):
        """Return a new uninitialised array on the device."""
        return self.xp.empty(shape, dtype=dtype, device=self.device)

    def buffer_like(self, array):
        """Return None: functional kernels need no room for their results."""
        return None

    def assign(self, view, value):
        """Copy ``value`` (NumPy or this namespace) into ``view``."""
        view[...] = self.asarray(value, view.dtype)

    def asarray(self, value, dtype=None):
        """Return ``value`` as an array of this namespace on the device."""
        if (
            dtype is not None
            and isinstance(value, np.ndarray)
            and value.dtype.kind == "f"
        ):
            # Some namespaces reject a float64 NumPy array for a float32 target.
            value = value.astype(numpy_dtype(dtype), copy=False)
        return self.xp.asarray(value, dtype=dtype, device=self.device)

    def astype(self, array, dtype):
        """Return ``array`` cast to ``dtype``."""
        return self.xp.astype(array, dtype)

    def is_finite(self, value):
        """Whether a scalar or every element of an array is finite."""
        if isinstance(value, (int, float)):
            return math.isfinite(value)
        return bool(self.xp.all(self.xp.isfinite(value)))

    # ------------------------------------------------------------- the layers
    def matmul(self, left, right, out):
        """Return ``left @ right`` as a new array."""
        return left @ right

    def bias_activation(self, z, intercept, activation):
        """Return ``f(z + intercept)``."""
        return ARRAY_API_ACTIVATIONS[activation](z + intercept, self.xp)

    def bias_activation_kept(self, z, intercept, activation, kept):
        """Return ``f(z + intercept)`` and ``z + intercept``; ``kept`` is unused."""
        preactivation = z + intercept
        return ARRAY_API_ACTIVATIONS[activation](preactivation, self.xp), preactivation

    def apply_dropout(self, a, mask, out):
        """Return ``a * mask``."""
        return a * mask

    def output_delta(self, output, Y, sample_weight, weight_sum, out, row_scale):
        """Return ``(output - Y) * s_i / S``."""
        delta = output - Y
        if sample_weight is None:
            return delta / weight_sum
        return delta * (sample_weight / weight_sum)[:, None]

    def backpropagate(self, delta, coef, out):
        """Return ``delta @ coef.T``."""
        return delta @ coef.T

    def hidden_delta(self, delta, a, activation, mask, derivative):
        """Return ``delta * mask * f'(a)`` (``a`` is ``z`` if kept)."""
        if mask is not None:
            delta = delta * mask
        return ARRAY_API_DERIVATIVES[activation](a, delta, self.xp)

    def weight_gradient(self, layer_input, delta, out):
        """Write ``layer_input.T @ delta`` into ``out``, a view of the gradient."""
        out[...] = layer_input.T @ delta

    def bias_gradient(self, delta, ones, out):
        """Write the row sums of ``delta`` into ``out``, a view of the gradient."""
        out[...] = self.xp.sum(delta, axis=0)

    def add_weight_decay(self, grad, weights, factor, decay):
        """Add ``factor * weights`` to ``grad`` in place; return ``sum(weights**2)``.

        The sum is a 0-d array, so that a GPU need not wait for it.
        """
        grad += weights * factor
        return self.sum_of_squares(weights)

    def sum_of_squares(self, weights):
        """Return ``sum(weights**2)`` of a vector as a 0-d array."""
        return self.xp.sum(weights * weights)

    def total(self, vector):
        """Return the sum of ``vector``'s elements as a 0-d array."""
        return self.xp.sum(vector)

    # ----------------------------------------------------------------- batches
    def dropout_rng(self, seed):
        """Return the source of the dropout draws, seeded with ``seed``.

        PyTorch and CuPy draw on the device with their own generators; other
        namespaces draw on the host with NumPy's.
        """
        xp_name = self.xp.__name__
        if "torch" in xp_name:
            import torch

            generator = torch.Generator(device=self.device)
            generator.manual_seed(int(seed))
            return generator
        if "cupy" in xp_name:
            import cupy

            return cupy.random.default_rng(int(seed))
        return np.random.default_rng(seed)

    def dropout_masks(self, rng, rates, buffers, n_samples, widths, dtype):
        """Draw one inverted-dropout mask (0 or ``1 / (1 - rate)``) per hidden layer.

        ``widths`` gives each hidden layer's width; ``buffers`` is unused.
        """
        masks = []
        for rate, width in zip(rates, widths):
            if rate == 0:
                masks.append(None)
                continue
            uniform = self._uniform(rng, (n_samples, width), dtype)
            masks.append(self.xp.astype(uniform >= rate, dtype) * (1.0 / (1.0 - rate)))
        return masks

    def _uniform(self, rng, shape, dtype):
        xp_name = self.xp.__name__
        if "torch" in xp_name:
            import torch

            return torch.rand(shape, generator=rng, dtype=dtype, device=self.device)
        if "cupy" in xp_name:
            return rng.random(shape, dtype=dtype)
        draw = rng.random(shape, dtype=numpy_dtype(dtype))
        return self.asarray(draw, dtype)

    def indices(self, order):
        """Return a NumPy index vector as an index array on the device."""
        return self.xp.asarray(order, device=self.device)

    def gather(self, array, idx, out):
        """Return the rows ``array[idx]``."""
        return self.xp.take(array, idx, axis=0)

    # -------------------------------------------------------------- optimizers
    def multiply(self, left, right, out):
        """Return ``left * right``."""
        return left * right

    def sqrt(self, vector, out):
        """Return ``sqrt(vector)``."""
        return self.xp.sqrt(vector)

    # ------------------------------------------------------------------ losses
    def weighted_total(self, y, values, sample_weight):
        """Return ``sum_i s_i sum_k y_ik values_ik / sum_i s_i`` (mean if no s)."""
        if sample_weight is None:
            return self.xp.sum(y * values) / y.shape[0]
        return self.weighted_mean(self.xp.sum(y * values, axis=1), sample_weight)

    def weighted_mean(self, per_sample, sample_weight):
        """Return the mean of ``per_sample`` weighted by ``sample_weight``."""
        if sample_weight is None:
            return self.xp.mean(per_sample)
        return self.xp.sum(sample_weight * per_sample) / self.xp.sum(sample_weight)

    def sum_outputs(self, values):
        """Return the sum over the outputs (columns) of every sample."""
        return self.xp.sum(values, axis=1)

    def clipped(self, prob):
        """Return ``prob`` clipped to ``[eps, 1 - eps]``."""
        eps = self.xp.finfo(prob.dtype).eps
        return self.xp.clip(prob, min=eps, max=1 - eps)

    def log(self, values):
        """Return ``log(values)``."""
        return self.xp.log(values)

    def floored_log(self, values):
        """Return ``log(max(values, tiny))``, ``tiny`` the dtype's smallest normal."""
        xp = self.xp
        return xp.log(xp.clip(values, min=xp.finfo(values.dtype).smallest_normal))

    def xlogy(self, x, y):
        """Return ``x * log(y)``, 0 where ``x`` is 0."""
        xp = self.xp
        return xp.where(x == 0, xp.zeros_like(x), x * xp.log(y))
