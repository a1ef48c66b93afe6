"""Which kernel table serves which arrays, and moving arrays between backends.

The kernel tables (:mod:`skperceptron._kernels`, :mod:`skperceptron._compiled`)
compute; this module, above both, chooses among them and holds the
array-namespace plumbing the estimators, the trainer and the utilities share:

- :func:`host_kernels` picks the table for NumPy arrays: the compiled one when
  numba is importable and the work repays loading it, else NumPy's;
- :func:`kernels_of` finds the table of an estimator's input (NumPy's, or an
  :class:`~skperceptron._kernels.ArrayAPIKernels` under ``array_api_dispatch``);
- :func:`to_numpy`, :func:`like`, :func:`copy_array`, :func:`ravel` and
  :func:`same_backend` move, copy and compare arrays of any namespace;
- :func:`refuse_autograd` turns away tensors that record gradients;
- :func:`parameter_dtype` says which dtype the parameters are trained in.

The compiled table imports NumPy's, and neither imports this module: imports
run one way.
"""

import os

import numpy as np
import scipy.sparse as sp
from sklearn.externals.array_api_compat import array_namespace, is_array_api_obj
from sklearn.utils._array_api import (
    _convert_to_numpy,
    _is_numpy_namespace,
    get_namespace,
    get_namespace_and_device,
)

from ._kernels import NUMPY_KERNELS, ArrayAPIKernels
from ._warn import warn

#: What ``SKPERCEPTRON_KERNELS`` may be: the default picks numba when importable.
KERNEL_CHOICES = ("auto", "numba", "numpy")

#: The smallest work (samples times parameters, about the multiply-adds of one
#: epoch) for which the default picks the compiled kernels: loading them costs
#: a fresh process about half a second, which smaller fits would not repay.
COMPILED_MIN_WORK = 10**8

_compiled_table = None

#: What numba's refusal to cache the compiled kernels means, and the way out.
NO_CACHE_MESSAGE = (
    "numba cannot cache the compiled kernels (%s): neither skperceptron's "
    "folder nor the user's cache folder is writable. Set the environment "
    "variable NUMBA_CACHE_DIR to a writable folder."
)


def host_kernels(work=None):
    """Return the kernel table for NumPy arrays: compiled ones when they pay.

    The compiled table (:mod:`skperceptron._compiled`) when numba is
    importable and ``work`` is at least :data:`COMPILED_MIN_WORK` (or None),
    else :data:`~skperceptron._kernels.NUMPY_KERNELS`, so that small fits
    never import numba. The environment variable ``SKPERCEPTRON_KERNELS``
    decides otherwise: ``numpy`` always takes the NumPy table, ``numba``
    always the compiled one.

    Parameters
    ----------
    work : int or None, default=None
        Samples times parameters of what the table will run (one epoch of a
        fit); None for "as much as it takes".

    Returns
    -------
    kernels : NumpyKernels

    Raises
    ------
    ValueError
        If ``SKPERCEPTRON_KERNELS`` holds another value.
    ImportError
        If ``SKPERCEPTRON_KERNELS=numba`` and numba cannot be imported.
    RuntimeError
        If ``SKPERCEPTRON_KERNELS=numba`` and numba has no writable folder to
        cache the kernels in (without it, the first such call warns and
        takes NumPy's table).
    """
    global _compiled_table
    choice = os.environ.get("SKPERCEPTRON_KERNELS", "auto").strip().lower() or "auto"
    if choice not in KERNEL_CHOICES:
        raise ValueError(
            "The environment variable SKPERCEPTRON_KERNELS must be one of "
            f"{', '.join(KERNEL_CHOICES)}; got {choice!r}."
        )
    if choice == "numpy" or (
        choice == "auto" and work is not None and work < COMPILED_MIN_WORK
    ):
        return NUMPY_KERNELS
    if _compiled_table is None:
        try:
            from ._compiled import NUMBA_KERNELS
        except ImportError as error:
            # Remembered, so that a missing numba is looked for once.
            _compiled_table = error
        except RuntimeError as error:
            # numba refuses to define a cached kernel when it finds no folder
            # to cache it in: neither the package's (a read-only
            # site-packages) nor the user's cache folder is writable.
            _compiled_table = RuntimeError(NO_CACHE_MESSAGE % error)
            if choice == "auto":
                warn(
                    str(_compiled_table) + " Training uses NumPy's kernels.",
                    UserWarning,
                )
        else:
            _compiled_table = NUMBA_KERNELS
    if isinstance(_compiled_table, ImportError):
        if choice == "numba":
            raise ImportError(
                "SKPERCEPTRON_KERNELS=numba asks for the compiled kernels, but numba "
                "cannot be imported; install skperceptron[fast]."
            ) from _compiled_table
        return NUMPY_KERNELS
    if isinstance(_compiled_table, RuntimeError):
        if choice == "numba":
            raise RuntimeError(
                f"SKPERCEPTRON_KERNELS=numba asks for the compiled kernels: "
                f"{_compiled_table}"
            )
        return NUMPY_KERNELS
    return _compiled_table


def kernels_of(X):
    """Return the kernel table that predicts for ``X`` (and its backend).

    The host's, unless ``array_api_dispatch`` is on and ``X`` is a dense array
    of another namespace (PyTorch, CuPy, array-api-strict, ...). On the host
    that is NumPy's, unless ``SKPERCEPTRON_KERNELS=numba`` asks for the
    compiled one; a fit chooses by its size (:func:`host_kernels`).

    Parameters
    ----------
    X : array or sparse matrix
        An estimator's input.

    Returns
    -------
    kernels : kernel table
    """
    if sp.issparse(X):
        return host_kernels(work=0)
    xp, is_array_api, device = get_namespace_and_device(X)
    if not is_array_api or _is_numpy_namespace(xp):
        return host_kernels(work=0)
    return ArrayAPIKernels(xp, device)


def same_backend(kernels, other):
    """Return whether two kernel tables work on the same namespace and device."""
    return kernels.xp is other.xp and kernels.device == other.device


def parameter_dtype(dtype, kernels):
    """Return the floating dtype that parameters of ``dtype`` are trained in.

    On the host, float32 or float64 (integers and smaller floats widen to
    float32); on another backend, ``dtype`` itself.
    """
    if kernels.on_host:
        return np.result_type(dtype, np.float32)
    return dtype


def to_numpy(array):
    """Return an array of any namespace (or None) as a NumPy array on the host.

    With or without ``array_api_dispatch``: a model trained under it holds
    its parameters in that namespace, possibly on a GPU, after the dispatch
    is off. NumPy arrays and sparse matrices are returned as they are, and
    other array-likes (lists, pandas objects) as given.
    """
    if array is None or isinstance(array, np.ndarray) or sp.issparse(array):
        return array
    if not is_array_api_obj(array):
        return array
    return _convert_to_numpy(array, array_namespace(array))


def refuse_autograd(caller, **arrays):
    """Refuse tensors that record gradients (``requires_grad=True``).

    Training and prediction are no autograd operations: they neither use nor
    pass on a tensor's gradient, so a graph the caller builds on one would be
    silently cut.

    Parameters
    ----------
    caller : str
        The function named in the error.
    **arrays : array-like or None
        The inputs to check, by the parameter names the error gives.
    """
    for name, array in arrays.items():
        if getattr(array, "requires_grad", False) is True:
            raise ValueError(
                f"{caller} got {name} with requires_grad=True. Training and "
                "prediction neither use nor propagate autograd gradients: pass "
                f"{name}.detach() (the same values, outside the autograd graph)."
            )


def like(reference, array):
    """Return NumPy ``array`` in ``reference``'s namespace and on its device.

    Labels that are not numbers (strings, objects) have no place on a device
    and stay NumPy arrays.
    """
    if isinstance(reference, np.ndarray) or array.dtype.kind not in "biuf":
        return array
    xp, _, device = get_namespace_and_device(reference)
    return xp.asarray(array, device=device)


def ravel(array):
    """Return a 2-D array with one column as a 1-D array, in its namespace."""
    if isinstance(array, np.ndarray):
        return array.ravel()
    return get_namespace(array)[0].reshape(array, (-1,))


def copy_array(array):
    """Return a copy of an array of any namespace, on its device."""
    if isinstance(array, np.ndarray):
        return array.copy()
    return get_namespace(array)[0].asarray(array, copy=True)
