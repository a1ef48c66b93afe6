"""Backpropagation beside central finite differences, for the gradient tests."""

import numpy as np


def backprop_and_central_differences(network, workspace, loss, eps=1e-6):
    """Return the backpropagated gradient at the network's weights and its estimate.

    ``loss()`` evaluates the objective at ``network.params`` and leaves its
    backpropagated gradient in ``workspace.grad``. The estimate moves one
    parameter at a time by ``eps`` either way; the weights are restored after.
    """
    theta = network.params.copy()

    def loss_at(params):
        network.params[...] = params
        return loss()

    loss_at(theta)
    analytic = workspace.grad.copy()
    numeric = np.array(
        [
            (loss_at(theta + step) - loss_at(theta - step)) / (2 * eps)
            for step in np.eye(theta.size) * eps
        ]
    )
    network.params[...] = theta
    return analytic, numeric
