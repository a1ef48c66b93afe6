"""Compiled kernels: the NumPy table with numba loops where NumPy cannot fuse.

NumPy runs one pass over memory per operation and one Python call per pass.
Between the two large matrix products of a layer (which stay with BLAS) a
training step is a chain of small element-wise operations: bias then
activation, the activation's derivative times the dropout mask, the batch
gather, and the optimizer's dozen passes over the flat parameter vector. Each
kernel here does one such chain in a single compiled loop.

The loops are serial on purpose: they run between BLAS calls, and a numba
thread pool next to OpenBLAS's fights it for the cores (measured: a parallel
kernel made an epoch several times slower on two cores). They are compiled
with ``error_model="numpy"`` (no Python zero-division checks) so that LLVM
vectorises them (``inspect_asm`` shows packed square roots and divisions in
the Adam step), and cached on disk, so a new process loads them instead of
compiling.

Each loop computes the NumPy kernel's formula with the same operations in the
same order, in the arrays' dtype, so the results are NumPy's bit for bit,
with three exceptions: ``exp`` (softmax, logistic), whose last bit can differ
between libm and NumPy's and SciPy's code; the softmax's row sums, taken in
sequence where NumPy sums pairwise; and the L2 term's sum of squares,
accumulated in float64 where NumPy's ``dot`` accumulates in the arrays' dtype.
The last reaches only the objective's value (``loss_``, hence the ``tol``
stopping rule, and L-BFGS, which follows that value), not the gradient.
Kernels that did not pay for themselves (measured, see docs/benchmarks.rst)
are left to NumPy: tanh (NumPy's vectorised tanh is several times faster
than a loop of libm calls), the losses, the products.
"""

import importlib

import numpy as np
from numba import njit

from ._activations import LEAKY_RELU_SLOPE
from ._kernels import NumpyKernels, dropout_keys, dropout_threshold

_jit = njit(cache=True, error_model="numpy", nogil=True)


# ---------------------------------------------------------------- the layers
@_jit
def _bias_relu(z, intercept, zero):
    n_samples, n_units = z.shape
    for i in range(n_samples):
        for j in range(n_units):
            value = z[i, j] + intercept[j]
            # NumPy's maximum keeps NaN; so does this comparison.
            z[i, j] = zero if value < zero else value


@_jit
def _bias(z, intercept, zero):
    n_samples, n_units = z.shape
    for i in range(n_samples):
        for j in range(n_units):
            z[i, j] += intercept[j]


@_jit
def _bias_logistic(z, intercept, zero):
    one = zero + 1
    n_samples, n_units = z.shape
    for i in range(n_samples):
        for j in range(n_units):
            z[i, j] = one / (one + np.exp(-(z[i, j] + intercept[j])))


@_jit
def _bias_softmax(z, intercept, zero):
    n_samples, n_units = z.shape
    for i in range(n_samples):
        row = z[i]
        largest = row[0] + intercept[0]
        for j in range(n_units):
            row[j] += intercept[j]
            largest = max(largest, row[j])
        total = zero
        for j in range(n_units):
            row[j] = np.exp(row[j] - largest)
            total += row[j]
        for j in range(n_units):
            row[j] /= total


@_jit
def _relu_delta(delta, a, zero, one):
    n_samples, n_units = delta.shape
    for i in range(n_samples):
        for j in range(n_units):
            delta[i, j] *= one if a[i, j] > zero else zero


@_jit
def _relu_delta_dropout(delta, a, mask, zero, one):
    n_samples, n_units = delta.shape
    for i in range(n_samples):
        for j in range(n_units):
            delta[i, j] = delta[i, j] * mask[i, j] * (one if a[i, j] > zero else zero)


@_jit
def _bias_leaky_relu(z, intercept, kept, slope):
    n_samples, n_units = z.shape
    for i in range(n_samples):
        for j in range(n_units):
            value = z[i, j] + intercept[j]
            kept[i, j] = value
            # NumPy's maximum(z, slope z), NaN kept.
            scaled = value * slope
            z[i, j] = value if value > scaled else scaled


@_jit
def _leaky_relu_delta(delta, z, mask, masked, zero, one, slope):
    n_samples, n_units = delta.shape
    for i in range(n_samples):
        for j in range(n_units):
            value = delta[i, j] * mask[i, j] if masked else delta[i, j]
            delta[i, j] = value * (one if z[i, j] > zero else slope)


@_jit
def _output_delta(output, Y, scale, out):
    n_samples, n_outputs = output.shape
    for i in range(n_samples):
        for j in range(n_outputs):
            out[i, j] = (output[i, j] - Y[i, j]) / scale


@_jit
def _weighted_output_delta(output, Y, row_scale, out):
    n_samples, n_outputs = output.shape
    for i in range(n_samples):
        for j in range(n_outputs):
            out[i, j] = (output[i, j] - Y[i, j]) * row_scale[i, 0]


# ------------------------------------------------------------------- batches
@_jit
def _gather_rows(source, idx, out):
    n_columns = source.shape[1]
    for i in range(idx.shape[0]):
        row = idx[i]
        for j in range(n_columns):
            out[i, j] = source[row, j]


# NumPy's dropout draw (``dropout_hash``) unit by unit: numba types the
# arithmetic of uint32 scalars in a wider integer, and each ``np.uint32``
# takes it back to 32 bits (LLVM then hashes a vector of units at once,
# ``vpmulld`` with AVX2). The constants are written here, not imported: the
# on-disk cache freezes globals and is refreshed only when this file changes
# (tests/test_compiled.py checks them against ``_kernels``').
HASH_MULTIPLIERS = (np.uint32(0x7FEB352D), np.uint32(0x846CA68B))
HASH_SHIFTS = (np.uint32(16), np.uint32(15), np.uint32(16))
_MULTIPLIER_1, _MULTIPLIER_2 = HASH_MULTIPLIERS
_SHIFT_1, _SHIFT_2, _SHIFT_3 = HASH_SHIFTS


@_jit
def _lowbias32(x):
    x = np.uint32(np.uint32(x ^ (x >> _SHIFT_1)) * _MULTIPLIER_1)
    x = np.uint32(np.uint32(x ^ (x >> _SHIFT_2)) * _MULTIPLIER_2)
    return np.uint32(x ^ (x >> _SHIFT_3))


@_jit
def _dropout_mask(mask, key_0, key_1, threshold, scale, zero):
    n_samples, n_units = mask.shape
    unit = key_0
    for i in range(n_samples):
        for j in range(n_units):
            hashed = _lowbias32(np.uint32(_lowbias32(unit) ^ key_1))
            unit = np.uint32(unit + np.uint32(1))
            mask[i, j] = scale if hashed >= threshold else zero


# ---------------------------------------------------------------- optimizers
# Reassociation lets the sum of squares vectorise (its rounding is a sum's
# in another order); the update itself is rounded as NumPy rounds it.
@njit(cache=True, error_model="numpy", nogil=True, fastmath={"reassoc"})
def _add_scaled(grad, weights, factor):
    squares = 0.0
    for i in range(grad.shape[0]):
        weight = weights[i]
        grad[i] += weight * factor
        squares += weight * weight
    return squares


@_jit
def _adam_update(params, grad, ms, vs, beta_1, one_minus_beta_1, beta_2,
                 one_minus_beta_2, learning_rate, epsilon):  # fmt: skip
    for i in range(params.shape[0]):
        g = grad[i]
        m = ms[i] * beta_1 + g * one_minus_beta_1
        v = vs[i] * beta_2 + g * g * one_minus_beta_2
        ms[i] = m
        vs[i] = v
        params[i] -= m * learning_rate / (np.sqrt(v) + epsilon)


@_jit
def _momentum_update(params, grad, velocity, learning_rate, momentum, nesterov):
    for i in range(params.shape[0]):
        step = grad[i] * learning_rate
        v = velocity[i] * momentum - step
        velocity[i] = v
        params[i] += v * momentum - step if nesterov else v


class NumbaKernels(NumpyKernels):
    """The NumPy kernel table with compiled, fused loops in some entries.

    Every entry it does not override is NumPy's; those it overrides take the
    same arguments and give the same results (see the module docstring).
    """

    def __reduce__(self):
        # Unpickled as the host table where it is loaded: NumPy's without
        # numba. The chooser sits above this module, which does not import
        # it: pickle only records its name.
        chooser = importlib.import_module("skperceptron._backends").host_kernels
        return (chooser, ())

    def bias_activation(self, z, intercept, activation):
        """Return ``f(z + intercept)``, computed in place in ``z``."""
        fused = _FUSED_ACTIVATIONS.get(activation)
        if fused is None or not _contiguous(z):
            return super().bias_activation(z, intercept, activation)
        fused(z, intercept, z.dtype.type(0))
        return z

    def bias_activation_kept(self, z, intercept, activation, kept):
        """Return ``f(z + intercept)`` and ``z + intercept`` (see NumPy's).

        One pass for the leaky ReLU; the others are NumPy's, whose vectorised
        ``exp``, ``expm1``, ``log1p`` and ``tanh`` outrun a loop of libm
        calls (measured: 2 to 3 times).
        """
        if activation != "leaky_relu" or not _contiguous(z):
            return super().bias_activation_kept(z, intercept, activation, kept)
        _bias_leaky_relu(z, intercept, kept, z.dtype.type(LEAKY_RELU_SLOPE))
        return z, kept

    def output_delta(self, output, Y, sample_weight, weight_sum, out, row_scale):
        """Return ``(output - Y) * s_i / S``, written into ``out``, in one pass."""
        if not (_contiguous(output) and _contiguous(Y)):
            return super().output_delta(
                output, Y, sample_weight, weight_sum, out, row_scale
            )
        if sample_weight is None:
            _output_delta(output, Y, out.dtype.type(weight_sum), out)
        else:
            # s_i / S rounded to the parameters' dtype, as NumPy's kernel does.
            np.divide(sample_weight, weight_sum, out=row_scale[:, 0])
            _weighted_output_delta(output, Y, row_scale, out)
        return out

    def hidden_delta(self, delta, a, activation, mask, derivative):
        """Return ``delta * mask * f'(a)``, computed in place in ``delta``."""
        cast = delta.dtype.type
        if activation == "leaky_relu":
            masked = mask is not None
            _leaky_relu_delta(
                delta, a, mask if masked else delta, masked,
                cast(0), cast(1), cast(LEAKY_RELU_SLOPE),
            )  # fmt: skip
            return delta
        if activation != "relu":
            return super().hidden_delta(delta, a, activation, mask, derivative)
        zero, one = cast(0), cast(1)
        if mask is None:
            _relu_delta(delta, a, zero, one)
        else:
            _relu_delta_dropout(delta, a, mask, zero, one)
        return delta

    def dropout_masks(self, rng, rates, buffers, n_samples, widths, dtype):
        """Draw the inverted-dropout masks, one pass per layer (see NumPy's)."""
        masks = []
        for rate, buffer, (key_0, key_1) in zip(
            rates, buffers, dropout_keys(rng, len(rates))
        ):
            if rate == 0:
                masks.append(None)
                continue
            mask = buffer[:n_samples]
            cast = mask.dtype.type
            _dropout_mask(
                mask, key_0, key_1, dropout_threshold(rate),
                cast(1.0 / (1.0 - rate)), cast(0),
            )  # fmt: skip
            masks.append(mask)
        return masks

    def gather(self, array, idx, out):
        """Return ``array[idx]`` (rows), written into ``out`` when dense."""
        if out is None or array.ndim != 2 or not _contiguous(array):
            return super().gather(array, idx, out)
        _gather_rows(array, idx, out)
        return out

    def add_weight_decay(self, grad, weights, factor, decay):
        """Add ``factor * weights`` to ``grad`` and return ``sum(weights**2)``."""
        return float(_add_scaled(grad, weights, grad.dtype.type(factor)))

    def adam_update(self, params, grad, ms, vs, beta_1, beta_2, learning_rate,
                    epsilon, scratch):  # fmt: skip
        """Take Adam's element-wise step in one pass (see NumPy's)."""
        cast = params.dtype.type
        _adam_update(
            params, grad, ms, vs,
            cast(beta_1), cast(1 - beta_1), cast(beta_2), cast(1 - beta_2),
            cast(learning_rate), cast(epsilon),
        )  # fmt: skip

    def momentum_update(self, params, grad, velocity, learning_rate, momentum,
                        nesterov, scratch):  # fmt: skip
        """Take momentum SGD's element-wise step in one pass (see NumPy's)."""
        cast = params.dtype.type
        _momentum_update(
            params, grad, velocity, cast(learning_rate), cast(momentum), nesterov
        )


_FUSED_ACTIVATIONS = {
    "relu": _bias_relu,
    "identity": _bias,
    "logistic": _bias_logistic,
    "softmax": _bias_softmax,
}


def _contiguous(array):
    return array.flags.c_contiguous


#: The compiled kernel table, for fits on NumPy arrays large enough to repay
#: loading it (see :func:`skperceptron._backends.host_kernels`) when numba is
#: importable.
NUMBA_KERNELS = NumbaKernels()
