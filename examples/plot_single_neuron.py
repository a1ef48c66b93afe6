"""
===========================================
A single sigmoid neuron learns a 3-bit rule
===========================================

The smallest network is one neuron: three inputs, three weights, a
bias and a sigmoid. It sees four patterns of three bits whose label is the
first bit, and has to answer for a pattern it has never seen, ``[1, 0, 0]``.

:class:`~skperceptron.ScratchMLPClassifier` with ``hidden_layer_sizes=()`` is
exactly that neuron (scikit-learn's own MLP needs at least one hidden layer
in its documented API). We train it the textbook way: full-batch gradient
descent with a step of 1 and no penalty, here 1000 epochs.
"""

import os
import warnings

import matplotlib.pyplot as plt
import numpy as np
from sklearn.exceptions import ConvergenceWarning

from skperceptron import ScratchMLPClassifier
from skperceptron.datasets import load_three_bits

SMALL = os.environ.get("SKPERCEPTRON_EXAMPLE_SMALL") == "1"

bits = load_three_bits()
print(bits.data, bits.target)

# The epochs are capped on purpose: a fixed loop of 1000 full-batch steps.
warnings.simplefilter("ignore", ConvergenceWarning)
neuron = ScratchMLPClassifier(
    hidden_layer_sizes=(),
    solver="sgd",
    learning_rate_init=1.0,
    momentum=0.0,
    batch_size=len(bits.data),
    alpha=0.0,
    max_iter=300 if SMALL else 1000,
    n_iter_no_change=1000,
    shuffle=False,
    random_state=1,
).fit(bits.data, bits.target)

answer = neuron.predict_proba(bits.questions)[0, 1]
print(f"P(label 1 | [1, 0, 0]) = {answer:.4f}")

# %%
# What the neuron learned
# -----------------------
# The first bit's weight is large and positive. The third bit is 1 in every
# pattern, so its weight only adds to the bias; the second bit is noise.

weights = neuron.coefs_[0][:, 0]
for name, weight in zip(bits.feature_names, weights):
    print(f"{name}: {weight:+.2f}")
print(f"bias: {neuron.intercepts_[0][0]:+.2f}")

fig, (ax_loss, ax_weights) = plt.subplots(1, 2, figsize=(9, 3.5), layout="constrained")
ax_loss.plot(neuron.loss_curve_)
ax_loss.set(xlabel="epoch", ylabel="log-loss", yscale="log", title="Training")
labels = [*bits.feature_names, "bias"]
ax_weights.bar(labels, np.r_[weights, neuron.intercepts_[0]])
ax_weights.axhline(0, color="black", linewidth=0.8)
ax_weights.set(title="Learned weights")
plt.show()
