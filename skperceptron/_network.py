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

:meth:`Network.forward` and :meth:`Network.loss_gradient` are the only places
where layers are chained, for training and prediction alike. Every step they
take on arrays is a kernel of the table the network was built with
(:mod:`skperceptron._kernels`): NumPy's, in place, or the array API's, for
PyTorch, CuPy and other namespaces on any device.
"""

import copy
from contextlib import nullcontext
from itertools import pairwise

import numpy as np

from ._activations import keeps_preactivations
from ._kernels import NUMPY_KERNELS
from ._losses import LOSSES, OUTPUT_ACTIVATIONS


class Network:
    """Dense feed-forward network with flat parameters and gradients.

    Parameters
    ----------
    layer_units : sequence of int
        Width of every layer, input and output included; two entries mean no
        hidden layer.
    activation : str
        Activation of the hidden layers, one of
        :data:`~skperceptron._activations.HIDDEN_ACTIVATIONS`.
    loss : {"squared_error", "poisson", "log_loss", "binary_log_loss"}
        Loss, which also fixes the output activation.
    dtype : dtype
        Floating dtype of the parameters and of every buffer (a NumPy dtype,
        or the namespace's own with another kernel table).
    kernels : kernel table, default=NUMPY_KERNELS
        The backend: :data:`~skperceptron._kernels.NUMPY_KERNELS` or an
        :class:`~skperceptron._kernels.ArrayAPIKernels`.

    Attributes
    ----------
    params : array of shape (n_params,)
        All parameters: weights first, then biases.
    coefs : list of array
        Views of ``params``; ``coefs[l]`` has shape
        ``(layer_units[l], layer_units[l + 1])``.
    intercepts : list of array
        Views of ``params``: ``intercepts[l]`` has shape ``(layer_units[l+1],)``.
    n_coef_params : int
        Number of weights, the length of the penalised leading slice of ``params``.
    """

    def __init__(self, layer_units, activation, loss, dtype, kernels=NUMPY_KERNELS):
        self.layer_units = [int(units) for units in layer_units]
        self.activation = activation
        self.loss = loss
        self.out_activation = OUTPUT_ACTIVATIONS[loss]
        self.kernels = kernels
        self.dtype = kernels.dtype(dtype)
        self.shapes = list(pairwise(self.layer_units))
        self.n_coef_params = sum(fan_in * fan_out for fan_in, fan_out in self.shapes)
        self.params = kernels.zeros(self.n_parameters(self.layer_units), self.dtype)
        self.coefs, self.intercepts = self.split(self.params)

    @classmethod
    def from_parameters(
        cls, coefs, intercepts, activation, loss, dtype, kernels=NUMPY_KERNELS
    ):
        """Build a network holding a copy of given weights and biases.

        Parameters
        ----------
        coefs, intercepts : list of array
            Weights and biases of every layer (a fitted estimator's ``coefs_``
            and ``intercepts_``); they give the layer sizes.
        activation, loss : str
            As in :class:`Network`.
        dtype : dtype
            Dtype of the new parameters.
        kernels : kernel table, default=NUMPY_KERNELS
            The backend of the new network.

        Returns
        -------
        network : Network

        Raises
        ------
        ValueError
            If the intercepts do not match the weights' shapes.
        """
        layer_units = [coefs[0].shape[0]] + [coef.shape[1] for coef in coefs]
        network = cls(layer_units, activation, loss, dtype, kernels)
        network.load(coefs, intercepts)
        return network

    @staticmethod
    def n_parameters(layer_units):
        """Return the number of weights and biases of a network of these layers.

        Parameters
        ----------
        layer_units : sequence of int
            Width of every layer, input and output included.

        Returns
        -------
        n_params : int
        """
        return sum((fan_in + 1) * fan_out for fan_in, fan_out in pairwise(layer_units))

    def with_kernels(self, kernels):
        """Return this network with another kernel table of the same backend.

        The two share their parameters (nothing is copied).

        Parameters
        ----------
        kernels : kernel table
            A table for arrays of the same namespace and device.

        Returns
        -------
        network : Network
        """
        if kernels is self.kernels:
            return self
        network = copy.copy(self)
        network.kernels = kernels
        return network

    @property
    def n_layers(self):
        """Number of layers, input and output included."""
        return len(self.layer_units)

    def split(self, flat):
        """Return per-layer weight and bias views of a flat vector.

        Parameters
        ----------
        flat : array of shape (n_params,)
            Parameters or gradients in the flat layout.

        Returns
        -------
        coefs, intercepts : list of array
            Views of ``flat``.
        """
        xp = self.kernels.xp
        coefs, intercepts = [], []
        start = 0
        for fan_in, fan_out in self.shapes:
            coefs.append(
                xp.reshape(flat[start : start + fan_in * fan_out], (fan_in, fan_out))
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
        and precision scikit-learn's MLP draws them (on the host, whatever the
        backend, so that every backend starts from the same weights).

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
            self.kernels.assign(
                coef, random_state.uniform(-bound, bound, (fan_in, fan_out))
            )
            self.kernels.assign(intercept, random_state.uniform(-bound, bound, fan_out))

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
                shape = tuple(getattr(value, "shape", np.shape(value)))
                if shape != tuple(view.shape):
                    raise ValueError(
                        f"{name}[{layer}] must have shape {tuple(view.shape)}, "
                        f"got {shape}."
                    )
                self.kernels.assign(view, value)

    def is_finite(self):
        """Whether every parameter is finite."""
        return self.kernels.is_finite(self.params)

    def forward(
        self,
        X,
        workspace,
        dropout_masks=None,
        *,
        out_activation=None,
        check_first_product=None,
    ):
        """Run the network on one batch, keeping every layer's activations.

        Parameters
        ----------
        X : {array, sparse matrix} of shape (n_samples, n_features)
            The batch, with no more rows than the workspace holds.
        workspace : Workspace
            Buffers the activations are written into.
        dropout_masks : list of array or None, default=None
            One scaled mask per hidden layer (``0`` or ``1 / (1 - rate)``), or
            ``None`` entries for layers without dropout.
        out_activation : str or None, default=None
            Replaces the output activation; ``"identity"`` gives the output
            layer's pre-activations.
        check_first_product : callable or None, default=None
            Called with ``X @ coefs[0]`` before anything else is done with it.
            A NaN or an infinity in a row of ``X`` makes that row of the
            product non-finite in every column, so checking the product
            (narrower than ``X`` when the first layer is) can stand in for
            checking ``X``.

        Returns
        -------
        output : array of shape (n_samples, n_outputs)
            The output layer's activations (a view into ``workspace`` with NumPy).
        """
        kernels = self.kernels
        n_samples = X.shape[0]
        layer_input = X
        last = self.n_layers - 2
        for layer, (coef, intercept) in enumerate(zip(self.coefs, self.intercepts)):
            checked = layer == 0 and check_first_product is not None
            # An unchecked infinity times a zero weight is NaN: the check's to
            # report, not NumPy's "invalid value" warning.
            with np.errstate(invalid="ignore") if checked else nullcontext():
                z = kernels.matmul(
                    layer_input, coef, _rows(workspace.activations[layer], n_samples)
                )
            if checked:
                check_first_product(z)
            if layer == last:
                return kernels.bias_activation(
                    z, intercept, out_activation or self.out_activation
                )
            if workspace.keeps_preactivations:
                output, workspace.preactivations[layer] = kernels.bias_activation_kept(
                    z,
                    intercept,
                    self.activation,
                    _rows(workspace.kept[layer], n_samples),
                )
            else:
                output = kernels.bias_activation(z, intercept, self.activation)
            workspace.outputs[layer] = output
            if dropout_masks is not None and dropout_masks[layer] is not None:
                output = kernels.apply_dropout(
                    output,
                    dropout_masks[layer],
                    _rows(workspace.dropped[layer], n_samples),
                )
            workspace.fed[layer] = output
            layer_input = output

    def loss_gradient(self, X, Y, sample_weight, alpha, workspace, dropout_masks=None):
        """Return the objective on one batch and write its gradient.

        Parameters
        ----------
        X : {array, sparse matrix} of shape (n_samples, n_features)
            The batch.
        Y : array of shape (n_samples, n_outputs)
            Targets, one-hot or indicator encoded for classification.
        sample_weight : array of shape (n_samples,) or None
            Weights of the samples; ``None`` weighs them equally.
        alpha : float
            Strength of the L2 penalty.
        workspace : Workspace
            Buffers; the gradient is written to ``workspace.grad``.
        dropout_masks : list of array or None, default=None
            As in :meth:`forward`.

        Returns
        -------
        loss : float or 0-d array
            Data loss plus the L2 term, both divided by the sum of the weights:
            a Python float with NumPy, a 0-d array of the namespace otherwise.
        """
        kernels = self.kernels
        # A Python float: a NumPy float64 would carry float32 arrays through
        # float64 arithmetic.
        alpha = float(alpha)
        n_samples = X.shape[0]
        output = self.forward(X, workspace, dropout_masks)
        weight_sum = (
            n_samples if sample_weight is None else kernels.total(sample_weight)
        )
        loss = LOSSES[self.loss](Y, output, sample_weight, kernels)

        # The canonical link makes the output error simply ``output - Y``.
        delta = kernels.output_delta(
            output,
            Y,
            sample_weight,
            weight_sum,
            _rows(workspace.deltas[-1], n_samples),
            _rows(workspace.row_scale, n_samples),
        )
        ones = _rows(workspace.ones, n_samples)
        # What the derivatives are computed from: the outputs, or the kept z.
        derivative_inputs = (
            workspace.preactivations
            if workspace.keeps_preactivations
            else workspace.outputs
        )
        for layer in range(self.n_layers - 2, -1, -1):
            layer_input = X if layer == 0 else workspace.fed[layer - 1]
            kernels.weight_gradient(layer_input, delta, workspace.coef_grads[layer])
            kernels.bias_gradient(delta, ones, workspace.intercept_grads[layer])
            if layer == 0:
                break
            delta = kernels.hidden_delta(
                kernels.backpropagate(
                    delta,
                    self.coefs[layer],
                    _rows(workspace.deltas[layer - 1], n_samples),
                ),
                derivative_inputs[layer - 1],
                self.activation,
                None if dropout_masks is None else dropout_masks[layer - 1],
                _rows(workspace.derivatives[layer - 1], n_samples),
            )

        if alpha:
            # The pass that adds (alpha / S) W to the gradient also sums W**2
            # for the L2 term.
            squares = kernels.add_weight_decay(
                workspace.grad[: self.n_coef_params],
                self.params[: self.n_coef_params],
                alpha / weight_sum,
                workspace.decay,
            )
            loss += _l2_term(alpha, squares, weight_sum)
        return loss

    def loss_value(self, X, Y, sample_weight, alpha, workspace):
        """Return the objective of :meth:`loss_gradient`, without dropout or gradient.

        Parameters
        ----------
        X : {array, sparse matrix} of shape (n_samples, n_features)
            The samples, with no more rows than the workspace holds.
        Y : array of shape (n_samples, n_outputs)
            Encoded targets.
        sample_weight : array of shape (n_samples,) or None
            Weights of the samples; ``None`` weighs them equally.
        alpha : float
            Strength of the L2 penalty.
        workspace : Workspace
            Buffers for the forward pass; one built with ``backward=False``
            (for prediction) will do.

        Returns
        -------
        loss : float or 0-d array
            As :meth:`loss_gradient` returns it.
        """
        kernels = self.kernels
        alpha = float(alpha)
        output = self.forward(X, workspace)
        loss = LOSSES[self.loss](Y, output, sample_weight, kernels)
        if not alpha:
            return loss
        weight_sum = (
            X.shape[0] if sample_weight is None else kernels.total(sample_weight)
        )
        squares = kernels.sum_of_squares(self.params[: self.n_coef_params])
        return loss + _l2_term(alpha, squares, weight_sum)


class Workspace:
    """Buffers reused by every batch: activations, errors, gradient.

    With a kernel table that writes in place (NumPy) every buffer is allocated
    once; with a functional one (the array API) only the flat gradient is, and
    the other entries are ``None``.

    Parameters
    ----------
    network : Network
        The network the buffers are shaped for.
    batch_size : int
        The largest batch the buffers will hold; smaller batches use the
        leading rows.
    dropout : bool, default=False
        Whether to allocate the buffers that hold dropout masks and
        dropped-out activations.
    backward : bool, default=True
        Whether to allocate what backpropagation needs. Without it (for
        prediction) two buffers, used in turn by the layers, hold the
        activations.

    Attributes
    ----------
    activations : list of array or None
        ``activations[l]`` holds layer ``l + 1``'s output, of shape
        ``(batch_size, units)``.
    outputs, fed : list of array
        The last batch's hidden activations, before and after dropout: what
        each hidden layer computed, and what it fed forward.
    keeps_preactivations : bool
        Whether the hidden activation keeps its pre-activations
        (:func:`~skperceptron._activations.keeps_preactivations`).
    preactivations : list of array or None
        The last batch's hidden pre-activations ``z`` when they are kept
        (which the backward pass may overwrite), else ``None`` entries.
    kept : list of array or None
        Room for the kept pre-activations (empty when they are not kept).
    dropped : list of array or None
        Room for the hidden activations after dropout (empty without dropout).
    masks : list of array or None
        Room for each hidden layer's dropout mask (empty without dropout).
    deltas : list of array or None
        Errors with respect to each layer's pre-activation.
    derivatives : list of array or None
        Room for each hidden layer's activation derivative.
    ones : array of shape (batch_size,) or None
        Ones, to sum the rows of a batch with a matrix-vector product.
    row_scale : array of shape (batch_size, 1) or None
        The per-sample factors ``s_i / S`` of a weighted batch.
    grad : array of shape (n_params,)
        The flat gradient; ``coef_grads`` and ``intercept_grads`` are its views.
    decay : array of shape (n_coef_params,) or None
        Room for the weight-decay term ``(alpha / S) W`` of the gradient.
    """

    def __init__(self, network, batch_size, dropout=False, backward=True):
        self.network = network
        kernels = network.kernels
        units = network.layer_units[1:]
        hidden = units[:-1]
        dtype = network.dtype
        self.outputs = [None] * len(hidden)
        self.fed = [None] * len(hidden)
        self.keeps_preactivations = keeps_preactivations(network.activation)
        self.preactivations = [None] * len(hidden)

        def buffers(widths, wanted=True):
            if not kernels.in_place:
                return [None] * len(widths)
            if not wanted:
                return []
            return [kernels.empty((batch_size, n), dtype) for n in widths]

        if backward or not kernels.in_place:
            self.activations = buffers(units)
        else:
            # Prediction: layer l writes into one buffer while reading the
            # other, so two buffers, each sized for its widest layer, do.
            flat = [
                kernels.empty(batch_size * max(units[parity::2]), dtype)
                for parity in range(min(2, len(units)))
            ]
            self.activations = [
                flat[layer % 2][: batch_size * n].reshape(batch_size, n)
                for layer, n in enumerate(units)
            ]
        if self.keeps_preactivations and hidden and kernels.in_place and not backward:
            # Prediction: each layer's z is read as soon as it is written.
            flat = kernels.empty(batch_size * max(hidden), dtype)
            self.kept = [flat[: batch_size * n].reshape(batch_size, n) for n in hidden]
        else:
            self.kept = buffers(hidden, self.keeps_preactivations)
        self.dropped = buffers(hidden, dropout)
        self.masks = buffers(hidden, dropout)
        self.deltas = buffers(units, backward)
        self.derivatives = buffers(hidden, backward)
        in_place = kernels.in_place and backward
        self.ones = np.ones(batch_size, dtype=dtype) if in_place else None
        self.row_scale = kernels.empty((batch_size, 1), dtype) if in_place else None
        self.decay = kernels.empty(network.n_coef_params, dtype) if in_place else None
        if backward:
            self.grad = kernels.zeros(network.params.shape[0], dtype)
            self.coef_grads, self.intercept_grads = network.split(self.grad)

    def dropout_masks(self, rng, rates, n_samples):
        """Draw the inverted-dropout masks of one batch.

        Parameters
        ----------
        rng : generator or None
            Source of the draws (the kernel table's ``dropout_rng``); ``None``
            means no dropout.
        rates : list of float
            Dropout rate of each hidden layer.
        n_samples : int
            Rows of the batch.

        Returns
        -------
        masks : list of array or None
            One mask (``0`` or ``1 / (1 - rate)``) per hidden layer, ``None``
            for a layer whose rate is 0; ``None`` without dropout.
        """
        if rng is None:
            return None
        return self.network.kernels.dropout_masks(
            rng,
            rates,
            self.masks,
            n_samples,
            self.network.layer_units[1:-1],
            self.network.dtype,
        )


class Batches:
    """Training data served one minibatch at a time.

    Shuffled batches are gathered into buffers reused by every batch (with a
    kernel table that writes in place, and dense ``X``).

    Parameters
    ----------
    X : {array, sparse matrix} of shape (n_samples, n_features)
        Inputs.
    Y : array of shape (n_samples, n_outputs)
        Encoded targets.
    sample_weight : array of shape (n_samples,) or None
        Sample weights.
    batch_size : int
        The largest batch.
    kernels : kernel table
        The backend of the arrays.

    Attributes
    ----------
    X, Y, sample_weight, batch_size : as given
    may_be_weightless : bool
        Whether some weight is 0, so that a batch may weigh nothing in all.
    """

    def __init__(self, X, Y, sample_weight, batch_size, kernels):
        self.X, self.Y, self.sample_weight = X, Y, sample_weight
        self.batch_size = batch_size
        self.kernels = kernels
        # Tested once per fit: on a GPU each test waits for the device.
        self.may_be_weightless = sample_weight is not None and not bool(
            kernels.xp.all(sample_weight != 0)
        )
        self._order = None
        in_place = kernels.in_place
        dense = in_place and isinstance(X, np.ndarray)
        self._X = kernels.empty((batch_size, X.shape[1]), X.dtype) if dense else None
        self._Y = kernels.empty((batch_size, Y.shape[1]), Y.dtype) if in_place else None
        self._sample_weight = (
            kernels.empty(batch_size, sample_weight.dtype)
            if in_place and sample_weight is not None
            else None
        )

    def reorder(self, order):
        """Serve the samples in ``order`` (NumPy indices) from now on."""
        self._order = self.kernels.indices(order)

    def take(self, rows):
        """Return the batch ``rows`` (a slice of the current order).

        Returns
        -------
        X, Y, sample_weight : arrays
            The batch's inputs, targets and weights (``None`` if unweighted).
        """
        if self._order is None:
            sample_weight = self.sample_weight
            return (
                self.X[rows],
                self.Y[rows],
                None if sample_weight is None else sample_weight[rows],
            )
        idx = self._order[rows]
        gather = self.kernels.gather
        size = idx.shape[0]
        sample_weight = None
        if self.sample_weight is not None:
            sample_weight = gather(
                self.sample_weight, idx, _rows(self._sample_weight, size)
            )
        return (
            gather(self.X, idx, _rows(self._X, size)),
            gather(self.Y, idx, _rows(self._Y, size)),
            sample_weight,
        )


def _l2_term(alpha, squares, weight_sum):
    """Return the L2 term ``alpha / (2 S) * sum_l ||W_l||^2`` of the objective."""
    return 0.5 * alpha * squares / weight_sum


def _rows(buffer, n_samples):
    """Return the leading ``n_samples`` rows of a buffer, or None for none."""
    return None if buffer is None else buffer[:n_samples]
