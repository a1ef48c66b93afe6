r"""
=========================================
Ten hidden activations on the spiral data
=========================================

scikit-learn's MLP offers four hidden activations: ``"identity"``,
``"logistic"``, ``"tanh"`` and ``"relu"``. skperceptron adds six more (ours
only: scikit-learn rejects them): ``"leaky_relu"`` (slope 0.01 below 0),
``"elu"``, ``"gelu"`` (the exact :math:`z \Phi(z)`), ``"silu"``
(:math:`z \sigma(z)`), ``"softplus"`` and ``"mish"``
(:math:`z \tanh(\mathrm{softplus}(z))`).

We train the same network, two hidden layers of 32 units with Adam, with each
of the ten on the three interleaved spirals of
:func:`skperceptron.datasets.make_spiral`, then compare their decision
regions, held-out accuracies and loss curves, on standardised inputs.
"""

import time
import warnings

import matplotlib.pyplot as plt
import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.inspection import DecisionBoundaryDisplay
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skperceptron import ScratchMLPClassifier
from skperceptron.datasets import make_spiral

X, y = make_spiral(900, n_classes=3, noise=0.2, random_state=0)
X_train, X_test, y_train, y_test = train_test_split(
    X, y, test_size=0.25, stratify=y, random_state=0
)

ACTIVATIONS = [
    "identity",
    "logistic",
    "tanh",
    "relu",
    "leaky_relu",
    "elu",
    "gelu",
    "silu",
    "softplus",
    "mish",
]
models = {}
with warnings.catch_warnings():
    # A capped number of epochs is a choice here, not a failure.
    warnings.simplefilter("ignore", ConvergenceWarning)
    for activation in ACTIVATIONS:
        # Standardised inputs: on the raw spiral (radius 1 or less) the
        # smooth activations start near their linear part around 0.
        model = make_pipeline(
            StandardScaler(),
            ScratchMLPClassifier(
                hidden_layer_sizes=(32, 32),
                activation=activation,
                learning_rate_init=0.01,
                batch_size=32,
                max_iter=150,
                # Every network trains for all its epochs: the curves compare.
                n_iter_no_change=150,
                random_state=0,
            ),
        )
        started = time.perf_counter()
        model.fit(X_train, y_train)
        seconds = time.perf_counter() - started
        models[activation] = model
        print(
            f"{activation}: train accuracy {model.score(X_train, y_train):.3f}, "
            f"held-out accuracy {model.score(X_test, y_test):.3f}, "
            f"{model[-1].n_iter_} epochs in {seconds:.2f} s"
        )

# %%
# Decision regions
# ----------------
# The identity makes the whole network linear: three straight borders, which
# cannot follow the arms. Within the same 150 epochs, the ReLU family (ReLU,
# leaky ReLU) and the smooth activations built like it (ELU, GELU, SiLU,
# Mish) wind their regions around the arms; the logistic, tanh and softplus,
# whose slopes are small or nearly constant around 0, are still unwinding
# them. Training points are dots, held-out points triangles, in their
# class's colour: a triangle on another colour is a mistake.

fig, axes = plt.subplots(
    2, 5, figsize=(15, 6.6), layout="constrained", sharex=True, sharey=True
)
for ax, (activation, model) in zip(axes.flat, models.items()):
    display = DecisionBoundaryDisplay.from_estimator(
        model,
        X,
        response_method="predict",
        grid_resolution=150,
        eps=0.05,
        alpha=0.3,
        ax=ax,
    )
    colours = np.asarray(display.multiclass_colors_)
    ax.scatter(*X_train.T, c=colours[y_train], s=4, linewidths=0)
    ax.scatter(
        *X_test.T, c=colours[y_test], s=14, marker="^", edgecolors="k", linewidths=0.4
    )
    ours = "" if activation in ("identity", "logistic", "tanh", "relu") else " *"
    ax.set_title(
        f"{activation}{ours}\nheld-out accuracy {model.score(X_test, y_test):.3f}"
    )
    ax.set_xlabel("")
    ax.set_ylabel("")
    ax.set_aspect("equal")
fig.supxlabel("feature 1")
fig.supylabel("feature 2")
fig.suptitle(
    "3-class spiral, (32, 32) network: decision regions by hidden activation "
    "(* ours only)"
)

# %%
# Loss curves
# -----------
# The training loss after each epoch (``loss_curve_``): the same network and
# the same mini-batches, only the activation changes. The curves tell the same
# story as the regions; the spikes are Adam's steps at this fairly large
# learning rate (0.01) on mini-batches of 32.

fig, ax = plt.subplots(figsize=(8, 5), layout="constrained")
styles = {name: "-" if index < 4 else "--" for index, name in enumerate(ACTIVATIONS)}
for activation, model in models.items():
    ax.plot(model[-1].loss_curve_, styles[activation], label=activation)
ax.set_yscale("log")
ax.set_xlabel("epoch")
ax.set_ylabel("training loss (log-loss)")
ax.set_title("Loss curves by hidden activation (dashed: ours only)")
ax.legend(ncols=2)
plt.show()
