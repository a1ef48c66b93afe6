"""
==================================================
Three interleaved spirals and a dense ReLU network
==================================================

The CS231n spiral (also ``nnfs.datasets.spiral_data``), from
:func:`skperceptron.datasets.make_spiral`: three arms, one per class, that no
straight line can separate. A network with two dense ReLU layers of 64 units,
trained with Adam on mini-batches of 64 points, bends its decision regions
around them.

We train :class:`~skperceptron.ScratchMLPClassifier` and scikit-learn's
:class:`~sklearn.neural_network.MLPClassifier` with the same settings and the
same ``random_state``, score both on held-out points and draw both decision
regions with :class:`~sklearn.inspection.DecisionBoundaryDisplay`.
"""

import warnings

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from sklearn.exceptions import ConvergenceWarning
from sklearn.inspection import DecisionBoundaryDisplay
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier

from skperceptron import ScratchMLPClassifier
from skperceptron.datasets import make_spiral

# 500 points per arm; the noise (0.2) blurs the arms where they meet, so no
# classifier scores 100% on held-out points.
X, y = make_spiral(1500, n_classes=3, noise=0.2, random_state=0)
X_train, X_test, y_train, y_test = train_test_split(
    X, y, test_size=0.25, stratify=y, random_state=0
)

settings = dict(
    hidden_layer_sizes=(64, 64),
    activation="relu",
    learning_rate_init=0.01,
    batch_size=64,
    max_iter=200,
    n_iter_no_change=100,
    tol=1e-6,
    random_state=0,
)
models = {
    "skperceptron": ScratchMLPClassifier(**settings),
    "scikit-learn": MLPClassifier(**settings),
}
with warnings.catch_warnings():
    # A capped number of epochs is a choice here, not a failure.
    warnings.simplefilter("ignore", ConvergenceWarning)
    for name, model in models.items():
        model.fit(X_train, y_train)
        print(
            f"{name}: train accuracy {model.score(X_train, y_train):.3f}, "
            f"held-out accuracy {model.score(X_test, y_test):.3f}"
        )

# %%
# Decision regions
# ----------------
# With the same ``random_state`` both estimators start from the same weights
# and see the same mini-batches, so their regions coincide. Training points
# are dots, held-out points triangles, each in its class's colour: a triangle
# on another colour is a mistake.

fig, axes = plt.subplots(
    1, 2, figsize=(11, 5.6), layout="constrained", sharex=True, sharey=True
)
for ax, (name, model) in zip(axes, models.items()):
    display = DecisionBoundaryDisplay.from_estimator(
        model,
        X,
        response_method="predict",
        grid_resolution=300,
        eps=0.05,
        alpha=0.3,
        ax=ax,
        xlabel="feature 1",
        ylabel="feature 2",
    )
    colours = np.asarray(display.multiclass_colors_)
    ax.scatter(*X_train.T, c=colours[y_train], s=8, linewidths=0)
    ax.scatter(
        *X_test.T, c=colours[y_test], s=28, marker="^", edgecolors="k", linewidths=0.6
    )
    ax.set_title(
        f"{name}: train accuracy {model.score(X_train, y_train):.3f}, "
        f"held-out {model.score(X_test, y_test):.3f}"
    )
    ax.set_aspect("equal")
handles = [
    Patch(color=colour, alpha=0.6, label=f"class {label}")
    for label, colour in zip(models["skperceptron"].classes_, colours)
]
handles += [
    Line2D([], [], color="grey", marker="o", linestyle="", markersize=4,
           label=f"training point ({len(X_train)})"),
    Line2D([], [], color="grey", marker="^", markeredgecolor="k", linestyle="",
           markersize=7, label=f"held-out point ({len(X_test)})"),
]  # fmt: skip
fig.legend(handles=handles, loc="outside lower center", ncols=len(handles))
fig.suptitle("3-class spiral: decision regions of a (64, 64) ReLU network")
plt.show()
