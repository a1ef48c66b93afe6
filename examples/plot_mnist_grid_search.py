"""
====================================================
MNIST: a pipeline tuned by grid search, then tested
====================================================

A small network trained with plain gradient descent reaches about 90% test
accuracy on MNIST. Here :class:`~skperceptron.ScratchMLPClassifier` sits at the
end of a scikit-learn :class:`~sklearn.pipeline.Pipeline`, and
:class:`~sklearn.model_selection.GridSearchCV` chooses both the preprocessing
step (raw pixels or standardised ones) and the L2 penalty ``alpha``.

The search runs on a slice of the training set: it fits each candidate on the
first 10000 training images and scores it on the next 5000, a fixed split
given by :class:`~sklearn.model_selection.PredefinedSplit`. The best pipeline
is then refitted on all 60000 training images and scored once on the 10000
test images of the published split: about 98%. The images are float32 in
[0, 1], and the network keeps them in float32.
"""

import os
import warnings

import matplotlib.pyplot as plt
import numpy as np
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import ConfusionMatrixDisplay
from sklearn.model_selection import GridSearchCV, PredefinedSplit
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from skperceptron import ScratchMLPClassifier
from skperceptron.datasets import load_mnist

SMALL = os.environ.get("SKPERCEPTRON_EXAMPLE_SMALL") == "1"
GRID_ROWS, VALIDATION_ROWS = (2000, 1000) if SMALL else (10000, 5000)
TRAIN_ROWS = 5000 if SMALL else 60000
HIDDEN = (64,) if SMALL else (256,)
EPOCHS = 10 if SMALL else 15

X_train, y_train = load_mnist("train", return_X_y=True)
X_test, y_test = load_mnist("test", return_X_y=True)
print(f"train {X_train.shape} {X_train.dtype}, test {X_test.shape}")

# %%
# The search
# ----------
# Every candidate trains for a fixed number of epochs: a budget, so the
# ConvergenceWarning that says so is silenced.

warnings.simplefilter("ignore", ConvergenceWarning)
pipeline = Pipeline(
    [
        ("scale", "passthrough"),
        (
            "mlp",
            ScratchMLPClassifier(
                hidden_layer_sizes=HIDDEN, max_iter=EPOCHS, random_state=0
            ),
        ),
    ]
)
param_grid = {"scale": ["passthrough", StandardScaler()], "mlp__alpha": [1e-4, 1e-2]}
n = GRID_ROWS + VALIDATION_ROWS
validation = PredefinedSplit(np.r_[np.full(GRID_ROWS, -1), np.zeros(VALIDATION_ROWS)])
search = GridSearchCV(pipeline, param_grid, cv=validation, refit=False, verbose=2)
search.fit(X_train[:n], y_train[:n])
print("best:", search.best_params_, f"validation accuracy {search.best_score_:.4f}")

# %%
# Refit the best pipeline and test it once
# ----------------------------------------

best = clone(pipeline).set_params(**search.best_params_)
best.fit(X_train[:TRAIN_ROWS], y_train[:TRAIN_ROWS])
y_pred = best.predict(X_test)
print(f"test accuracy {np.mean(y_pred == y_test):.4f}")

# %%
# Which digits are confused
# -------------------------

fig, ax = plt.subplots(figsize=(7, 6), layout="constrained")
ConfusionMatrixDisplay.from_predictions(y_test, y_pred, ax=ax, colorbar=False)
ax.set_title("MNIST test set")

# %%
# What the first layer looks at
# -----------------------------
# Each hidden unit's 784 input weights, drawn as a 28 x 28 image: strokes and
# blobs of the digits, tuned by the training.

weights = best.named_steps["mlp"].coefs_[0][:, :32]
limit = 0.5 * np.abs(weights).max()
fig, axes = plt.subplots(4, 8, figsize=(10, 5.6), layout="constrained")
for ax, unit in zip(axes.ravel(), weights.T):
    ax.matshow(unit.reshape(28, 28), cmap="gray", vmin=-limit, vmax=limit)
    ax.set_xticks(())
    ax.set_yticks(())
plt.show()
