"""A dense feed-forward network whose parameters live in one flat vector.

This module is the mathematical core of skperceptron and knows nothing of
scikit-learn. For layers ``l = 0 .. L-1`` with weights ``W_l`` and biases
``b_l``::

    a_0 = X
    a_{l+1} = f_l(a_l @ W_l + b_l)        (f_l: hidden activation, then output)

and, for a loss paired with its canonical output activation
(:mod:`skperceptron._losses`), backpropagation of the objective::

    J = sum_i s_i loss_i / S  +  alpha / (2 S) * sum_l ||W_l||^2

(``s_i`` the sample weights, ``S = sum_i s_i``) is::

    delta_L     = (a_L - Y) * s / S
    dJ/dW_l     = a_l.T @ delta_{l+1} + (alpha / S) * W_l
    dJ/db_l     = sum_i delta_{l+1}
    delta_l     = (delta_{l+1} @ W_l.T) * f_{l-1}'(a_l)

The flat layout is every weight matrix, row-major, followed by every bias
vector: the same layout as ``scipy.optimize`` sees and as scikit-learn packs
its MLP, so the L2 penalty acts on one contiguous slice.
"""

from contextlib import nullcontext
from itertools import pairwise

import numpy as np
import scipy.sparse as sp

from ._activations import ACTIVATIONS, DERIVATIVES
from ._losses import LOSSES, OUTPUT_ACTIVATIONS


class Network:
    """Dense feed-forward network with flat parameters and gradients.

    Parameters
    ----------
    layer_units : sequence of int
        Width of every layer, input and output included; two entries mean no
        hidden layer.
    activation : {"identity", "logistic", "tanh", "relu"}
        Activation of the hidden layers.
    loss : {"squared_error", "poisson", "log_loss", "binary_log_loss"}
        Loss, which also fixes the output activation.
    dtype : numpy dtype
        Floating dtype of the parameters and of every buffer.

    Attributes
    ----------
    params : ndarray of shape (n_params,)
        All parameters: weights first, then biases.
    coefs : list of ndarray
        Views of ``params``; ``coefs[l]`` has shape
        ``(layer_units[l], layer_units[l + 1])``.
    intercepts : list of ndarray
        Views of ``params``: ``intercepts[l]`` has shape ``(layer_units[l+1],)``.
    n_coef_params : int
        Number of weights, the length of the penalised leading slice of ``params``.
    """

    def __init__(self, layer_units, activation, loss, dtype):
        self.layer_units = [int(units) for units in layer_units]
        self.activation = activation
        self.loss = loss
        self.out_activation = OUTPUT_ACTIVATIONS[loss]
        self.dtype = np.dtype(dtype)
        self.shapes = list(pairwise(self.layer_units))
        self.n_coef_params = sum(fan_in * fan_out for fan_in, fan_out in self.shapes)
        n_params = self.n_coef_params + sum(self.layer_units[1:])
        self.params = np.zeros(n_params, dtype=self.dtype)
        self.coefs, self.intercepts = self.split(self.params)

    @property
    def n_layers(self):
        """Number of layers, input and output included."""
        return len(self.layer_units)

    def split(self, flat):
        """Return per-layer weight and bias views of a flat vector.

        Parameters
        ----------
        flat : ndarray of shape (n_params,)
            Parameters or gradients in the flat layout.

        Returns
        -------
        coefs, intercepts : list of ndarray
            Views of ``flat``.
        """
        coefs, intercepts = [], []
        start = 0
        for fan_in, fan_out in self.shapes:
            coefs.append(
                flat[start : start + fan_in * fan_out].reshape(fan_in, fan_out)
            )
            start += fan_in * fan_out
        for _, fan_out in self.shapes:
            intercepts.append(flat[start : start + fan_out])
            start += fan_out
        return coefs, intercepts

    def initialize(self, random_state):
        """Draw Glorot-uniform weights and biases.

        Each layer's weights, then its biases, are drawn from
        ``U(-bound, bound)`` with ``bound = sqrt(factor / (fan_in + fan_out))``,
        ``factor = 2`` for the logistic activation and 6 otherwise, in the order
        and precision scikit-learn's MLP draws them.

        Parameters
        ----------
        random_state : numpy.random.RandomState
            Source of the draws.
        """
        factor = 2.0 if self.activation == "logistic" else 6.0
        for coef, intercept, (fan_in, fan_out) in zip(
            self.coefs, self.intercepts, self.shapes
        ):
            bound = np.sqrt(factor / (fan_in + fan_out))
            coef[...] = random_state.uniform(-bound, bound, (fan_in, fan_out))
            intercept[...] = random_state.uniform(-bound, bound, fan_out)

    def load(self, coefs, intercepts):
        """Copy per-layer weights and biases into ``params``.

        Parameters
        ----------
        coefs, intercepts : list of array-like
            Arrays of this network's shapes.

        Raises
        ------
        ValueError
            If the number of layers or any shape differs.
        """
        if len(coefs) != len(self.coefs) or len(intercepts) != len(self.intercepts):
            raise ValueError(
                f"coefs_ and intercepts_ must hold {len(self.coefs)} arrays each, "
                f"got {len(coefs)} and {len(intercepts)}."
            )
        for name, given, views in (
            ("coefs_", coefs, self.coefs),
            ("intercepts_", intercepts, self.intercepts),
        ):
            for layer, (value, view) in enumerate(zip(given, views)):
                value = np.asarray(value)
                if value.shape != view.shape:
                    raise ValueError(
                        f"{name}[{layer}] must have shape {view.shape}, "
                        f"got {value.shape}."
                    )
                view[...] = value

    def penalty(self, alpha):
        """Return the L2 term ``alpha / 2 * sum_l ||W_l||^2`` (before dividing by S).

        Parameters
        ----------
        alpha : float
            Strength of the penalty.

        Returns
        -------
        penalty : float
        """
        weights = self.params[: self.n_coef_params]
        return 0.5 * alpha * float(np.dot(weights, weights))

    def forward(self, X, workspace, dropout_masks=None):
        """Run the network on one batch, keeping every layer's activations.

        Parameters
        ----------
        X : {ndarray, sparse matrix} of shape (n_samples, n_features)
            The batch, with ``n_samples <= workspace.batch_size``.
        workspace : Workspace
            Buffers the activations are written into.
        dropout_masks : list of ndarray or None, default=None
            One scaled mask per hidden layer (``0`` or ``1 / (1 - rate)``), or
            ``None`` entries for layers without dropout.

        Returns
        -------
        output : ndarray of shape (n_samples, n_outputs)
            The output layer's activations (a view into ``workspace``).
        """
        n_samples = X.shape[0]
        hidden = ACTIVATIONS[self.activation]
        layer_input = X
        last = self.n_layers - 2
        for layer, (coef, intercept) in enumerate(zip(self.coefs, self.intercepts)):
            out = workspace.activations[layer][:n_samples]
            _matmul(layer_input, coef, out)
            out += intercept
            if layer == last:
                ACTIVATIONS[self.out_activation](out)
                return out
            hidden(out)
            if dropout_masks is not None and dropout_masks[layer] is not None:
                dropped = workspace.dropped[layer][:n_samples]
                np.multiply(out, dropout_masks[layer][:n_samples], out=dropped)
                out = dropped
            layer_input = out

    def loss_gradient(self, X, Y, sample_weight, alpha, workspace, dropout_masks=None):
        """Return the objective on one batch and write its gradient.

        Parameters
        ----------
        X : {ndarray, sparse matrix} of shape (n_samples, n_features)
            The batch.
        Y : ndarray of shape (n_samples, n_outputs)
            Targets, one-hot or indicator encoded for classification.
        sample_weight : ndarray of shape (n_samples,) or None
            Weights of the samples; ``None`` weighs them equally.
        alpha : float
            Strength of the L2 penalty.
        workspace : Workspace
            Buffers; the gradient is written to ``workspace.grad``.
        dropout_masks : list of ndarray or None, default=None
            As in :meth:`forward`.

        Returns
        -------
        loss : float
            Data loss plus the L2 term, both divided by the sum of the weights.
        """
        n_samples = X.shape[0]
        output = self.forward(X, workspace, dropout_masks)
        weight_sum = n_samples if sample_weight is None else float(sample_weight.sum())
        loss = LOSSES[self.loss](Y, output, sample_weight)
        if alpha:
            loss += self.penalty(alpha) / weight_sum

        # The canonical link makes the output error simply ``output - Y``.
        delta = workspace.deltas[-1][:n_samples]
        np.subtract(output, Y, out=delta)
        if sample_weight is None:
            delta /= weight_sum
        else:
            scale = workspace.row_scale[:n_samples]
            np.divide(sample_weight, weight_sum, out=scale[:, 0])
            delta *= scale

        derivative = DERIVATIVES[self.activation]
        # ``ones @ delta`` (a BLAS matrix-vector product) sums the rows several
        # times faster than ``delta.sum(axis=0)``.
        ones = workspace.ones[:n_samples]
        for layer in range(self.n_layers - 2, -1, -1):
            if layer == 0:
                layer_input = X
            else:
                layer_input = workspace.layer_output(
                    layer - 1, n_samples, dropout_masks
                )
            _matmul(layer_input.T, delta, workspace.coef_grads[layer])
            np.matmul(ones, delta, out=workspace.intercept_grads[layer])
            if layer == 0:
                break
            previous = workspace.deltas[layer - 1][:n_samples]
            np.matmul(delta, self.coefs[layer].T, out=previous)
            if dropout_masks is not None and dropout_masks[layer - 1] is not None:
                previous *= dropout_masks[layer - 1][:n_samples]
            derivative(
                workspace.activations[layer - 1][:n_samples],
                previous,
                workspace.scratch[layer - 1][:n_samples],
            )
            delta = previous

        if alpha:
            weights = self.params[: self.n_coef_params]
            decay = workspace.decay
            workspace.grad[: self.n_coef_params] += np.multiply(
                weights, alpha / weight_sum, out=decay
            )
        return loss


class Workspace:
    """Buffers reused by every batch of a fit: activations, errors, gradient.

    Parameters
    ----------
    network : Network
        The network the buffers are shaped for.
    batch_size : int
        The largest batch the buffers will hold; smaller batches use the
        leading rows.
    dropout : bool, default=False
        Whether to allocate the buffers that hold dropped-out activations.

    Attributes
    ----------
    activations : list of ndarray
        ``activations[l]`` holds layer ``l + 1``'s output, of shape
        ``(batch_size, units)``.
    dropped : list of ndarray
        Hidden activations after dropout (empty without dropout).
    masks : list of ndarray
        Room for each hidden layer's dropout mask (empty without dropout).
    deltas : list of ndarray
        Errors with respect to each layer's pre-activation.
    scratch : list of ndarray
        Room for each hidden layer's activation derivative.
    ones : ndarray of shape (batch_size,)
        Ones, to sum the rows of a batch with a matrix-vector product.
    row_scale : ndarray of shape (batch_size, 1)
        The per-sample factors ``s_i / S`` of a weighted batch.
    grad : ndarray of shape (n_params,)
        The flat gradient; ``coef_grads`` and ``intercept_grads`` are its views.
    decay : ndarray of shape (n_coef_params,)
        Room for the weight-decay term ``(alpha / S) W`` of the gradient.
    """

    def __init__(self, network, batch_size, dropout=False):
        self.batch_size = int(batch_size)
        units = network.layer_units[1:]
        dtype = network.dtype
        self.activations = [np.empty((batch_size, n), dtype=dtype) for n in units]
        self.deltas = [np.empty((batch_size, n), dtype=dtype) for n in units]
        self.dropped = (
            [np.empty((batch_size, n), dtype=dtype) for n in units[:-1]]
            if dropout
            else []
        )
        self.masks = (
            [np.empty((batch_size, n), dtype=dtype) for n in units[:-1]]
            if dropout
            else []
        )
        self.scratch = [np.empty((batch_size, n), dtype=dtype) for n in units[:-1]]
        self.ones = np.ones(batch_size, dtype=dtype)
        self.row_scale = np.empty((batch_size, 1), dtype=dtype)
        self.grad = np.empty_like(network.params)
        self.coef_grads, self.intercept_grads = network.split(self.grad)
        self.decay = np.empty(network.n_coef_params, dtype=dtype)

    def layer_output(self, hidden_layer, n_samples, dropout_masks):
        """Return what hidden layer ``hidden_layer`` fed forward on the last batch."""
        if dropout_masks is not None and dropout_masks[hidden_layer] is not None:
            return self.dropped[hidden_layer][:n_samples]
        return self.activations[hidden_layer][:n_samples]


def forward_pass(
    X, coefs, intercepts, activation, out_activation, check_first_product=None
):
    """Return a network's output for ``X`` from per-layer parameters.

    Parameters
    ----------
    X : {ndarray, sparse matrix} of shape (n_samples, n_features)
        Input data.
    coefs, intercepts : list of ndarray
        Weights and biases of every layer.
    activation : str
        Hidden activation name.
    out_activation : str
        Output activation name; ``"identity"`` returns the output layer's
        pre-activations.
    check_first_product : callable or None, default=None
        Called with ``X @ coefs[0]`` before anything else is done with it. A
        NaN or an infinity in a row of ``X`` makes that row of the product
        non-finite in every column, so checking the product (narrower than
        ``X`` when the first layer is) can stand in for checking ``X``.

    Returns
    -------
    output : ndarray of shape (n_samples, n_outputs)
    """
    hidden = ACTIVATIONS[activation]
    output = X
    last = len(coefs) - 1
    for layer, (coef, intercept) in enumerate(zip(coefs, intercepts)):
        checked = layer == 0 and check_first_product is not None
        # An unchecked infinity times a zero weight is NaN: the check's to
        # report, not NumPy's "invalid value" warning.
        with np.errstate(invalid="ignore") if checked else nullcontext():
            output = output @ coef
        if sp.issparse(output):  # a 0-hidden-layer product can stay sparse
            output = output.toarray()
        if checked:
            check_first_product(output)
        output += intercept
        if layer < last:
            hidden(output)
    ACTIVATIONS[out_activation](output)
    return output


def _matmul(left, right, out):
    """Write ``left @ right`` to ``out``; ``left`` may be a sparse matrix."""
    if sp.issparse(left):
        out[...] = left @ right
    else:
        np.matmul(left, right, out=out)
