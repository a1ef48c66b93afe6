"""
==================================================
Three interleaved spirals and a dense ReLU network
==================================================

The CS231n spiral (also ``nnfs.datasets.spiral_data``), from
:func:`skperceptron.datasets.make_spiral`: three arms, one per class, that no
straight line can separate. A network with two dense ReLU layers of 64 units,
trained with Adam, bends its decision regions around them.

We train :class:`~skperceptron.ScratchMLPClassifier` and scikit-learn's
:class:`~sklearn.neural_network.MLPClassifier` with the same settings and the
same ``random_state``, score both on held-out points and draw both decision
regions with :class:`~sklearn.inspection.DecisionBoundaryDisplay`.
"""

import os
import warnings

import matplotlib.pyplot as plt
from matplotlib.colors import ListedColormap
from sklearn.exceptions import ConvergenceWarning
from sklearn.inspection import DecisionBoundaryDisplay
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier

from skperceptron import ScratchMLPClassifier
from skperceptron.datasets import make_spiral

SMALL = os.environ.get("SKPERCEPTRON_EXAMPLE_SMALL") == "1"

X, y = make_spiral(600 if SMALL else 1500, n_classes=3, noise=0.2, random_state=0)
X_train, X_test, y_train, y_test = train_test_split(
    X, y, test_size=0.25, stratify=y, random_state=0
)

settings = dict(
    hidden_layer_sizes=(64, 64),
    activation="relu",
    learning_rate_init=0.01,
    max_iter=200 if SMALL else 1000,
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
# and see the same mini-batches, so their regions coincide.

fig, axes = plt.subplots(1, 2, figsize=(10, 4.6), layout="constrained")
for ax, (name, model) in zip(axes, models.items()):
    display = DecisionBoundaryDisplay.from_estimator(
        model, X, response_method="predict", alpha=0.35, ax=ax
    )
    ax.scatter(
        X_test[:, 0],
        X_test[:, 1],
        c=y_test,
        cmap=ListedColormap(display.multiclass_colors_),
        edgecolor="k",
        s=18,
    )
    ax.set_title(f"{name}: held-out accuracy {model.score(X_test, y_test):.3f}")
plt.show()
