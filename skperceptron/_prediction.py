"""Prediction in chunks: the forward pass over as many rows as memory allows.

A prediction runs the network's forward pass
(:meth:`~skperceptron._network.Network.forward`) over chunks of rows sized so
that a layer's product and its input fit in the memory scikit-learn's
``working_memory`` allows, up to :data:`MAX_CHUNK_BYTES`, reusing one
prediction :class:`~skperceptron._network.Workspace` for every chunk.
"""

import numpy as np
from sklearn.utils import gen_batches

from ._network import Workspace

#: The most memory one chunk of prediction takes, whatever working_memory allows.
MAX_CHUNK_BYTES = 64 * 2**20


def forward_in_chunks(network, X, out_activation, working_bytes, check_input=None):
    """Return the network's output layer for ``X``, computed chunk by chunk.

    Parameters
    ----------
    network : Network
        The network, with the kernel table and dtype to predict in.
    X : array or sparse matrix of shape (n_samples, n_features)
        The input, on the network's backend.
    out_activation : str
        The output activation (``"identity"`` for the pre-activations).
    working_bytes : int
        The memory a chunk may take; capped at :data:`MAX_CHUNK_BYTES`.
    check_input : callable or None, default=None
        ``check_input(X_chunk)`` raises if a chunk holds NaN or infinity. It is
        called only when the chunk's first-layer product is not finite (a
        finite input whose product overflowed passes): scanning a wide input
        costs as much as a quarter of the prediction, the narrower product
        shows non-finite values as well. None when the input was checked.

    Returns
    -------
    output : array of shape (n_samples, n_outputs)
    """
    kernels, dtype = network.kernels, network.dtype
    widths = network.layer_units[1:]
    # A layer's product and its input are alive together; the first layer's
    # input counts too, as a product may cast or densify X's chunk.
    row_bytes = (
        kernels.xp.finfo(dtype).bits
        // 8
        * max(a + b for a, b in zip([X.shape[1], *widths], widths, strict=False))
    )
    n_samples = X.shape[0]
    # working_memory is a limit, not a target: past a few tens of MiB a chunk
    # is no faster (the products are saturated) and only costs memory and
    # page faults, so chunks never exceed MAX_CHUNK_BYTES.
    chunk = max(1, int(min(working_bytes, MAX_CHUNK_BYTES) // row_bytes))
    workspace = Workspace(network, min(chunk, n_samples), backward=False)

    def forward(X_chunk):
        check_first_product = None
        if check_input is not None:

            def check_first_product(product):
                if not sums_to_finite(product):
                    check_input(X_chunk)

        if not network.kernels.on_host and X_chunk.dtype != network.dtype:
            # Namespaces such as PyTorch multiply arrays of one dtype only
            # (NumPy's table casts in its product): X's chunk is cast on its
            # device, as float32 X predicted by a float64 model on the host.
            X_chunk = network.kernels.astype(X_chunk, network.dtype)
        return network.forward(
            X_chunk,
            workspace,
            out_activation=out_activation,
            check_first_product=check_first_product,
        )

    if chunk >= n_samples:
        return forward(X)
    output = kernels.empty((n_samples, widths[-1]), dtype)
    for rows in gen_batches(n_samples, chunk):
        output[rows] = forward(X[rows])
    return output


def sums_to_finite(array):
    """Return whether ``array``'s sum is finite: a fast sign that all of it is.

    A NaN or an infinity makes the sum non-finite; a finite array whose sum
    overflows gives a false alarm, so ``False`` calls for a closer look.
    """
    with np.errstate(over="ignore", invalid="ignore"):
        return bool(np.isfinite(array.sum()))
