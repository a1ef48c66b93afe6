"""
======================================
Loss curves of sgd, adam and lbfgs
======================================

The three solvers of :class:`~skperceptron.ScratchMLPClassifier`, the same as
scikit-learn's, minimise the same objective, the log-loss plus the L2
penalty, in different ways:

- ``"sgd"``: mini-batch stochastic gradient descent, here with Nesterov
  momentum, one step per mini-batch of 200 images;
- ``"adam"``: mini-batches too, with a step scaled per weight by running
  estimates of the gradient's first and second moments;
- ``"lbfgs"``: full-batch quasi-Newton steps (``scipy.optimize``'s L-BFGS-B),
  one iteration per pass over the whole training set, or a few passes when
  its line search needs them.

Each network starts from the same weights (same ``random_state``) on 3000
MNIST training images. The stochastic solvers record their average training
loss per epoch in ``loss_curve_``. L-BFGS keeps no curve, so we refit it with
a growing ``max_iter``: from the same start its iterations are the same, and
``loss_`` after ``k`` iterations is the objective at that point.
"""

import os
import warnings

import matplotlib.pyplot as plt
from sklearn.exceptions import ConvergenceWarning

from skperceptron import ScratchMLPClassifier
from skperceptron.datasets import load_mnist

SMALL = os.environ.get("SKPERCEPTRON_EXAMPLE_SMALL") == "1"
N_ROWS = 1000 if SMALL else 3000
EPOCHS = 20 if SMALL else 60

X, y = load_mnist("train", return_X_y=True)
X, y = X[:N_ROWS], y[:N_ROWS]
common = dict(hidden_layer_sizes=(64,), alpha=1e-4, random_state=0)

# A fixed budget of epochs for every solver: not converging is expected.
warnings.simplefilter("ignore", ConvergenceWarning)
curves = {}
for solver, extra in [
    ("sgd", dict(learning_rate_init=0.1, momentum=0.9)),
    ("adam", dict(learning_rate_init=1e-3)),
]:
    model = ScratchMLPClassifier(solver=solver, max_iter=EPOCHS, **common, **extra)
    curves[solver] = model.fit(X, y).loss_curve_

iterations = range(1, EPOCHS + 1, 2)
curves["lbfgs"] = [
    ScratchMLPClassifier(solver="lbfgs", max_iter=k, **common).fit(X, y).loss_
    for k in iterations
]
for solver, curve in curves.items():
    print(f"{solver}: training loss {curve[-1]:.4f} after {EPOCHS} epochs")

# %%
# The curves
# ----------

fig, ax = plt.subplots(figsize=(7, 4.5), layout="constrained")
ax.plot(range(1, EPOCHS + 1), curves["sgd"], label="sgd (momentum 0.9)")
ax.plot(range(1, EPOCHS + 1), curves["adam"], label="adam")
ax.plot(iterations, curves["lbfgs"], "o-", markersize=3, label="lbfgs")
ax.set(
    xlabel="epochs (sgd, adam) or iterations (lbfgs)",
    ylabel="training objective",
    yscale="log",
    title=f"MNIST, {N_ROWS} images, one hidden layer of 64 units",
)
ax.legend()
plt.show()
