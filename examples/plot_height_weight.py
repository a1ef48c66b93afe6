"""
=========================================
A 2-2-1 network tells female from male
=========================================

A 2-2-1 network has two inputs, two logistic hidden units and one logistic
output; we train it on four people: their weight (pounds minus 135) and height
(inches minus 66), labelled 1 for female. Then we ask it about Emily
(128 lb, 63 in) and Frank (155 lb, 68 in).

We train :class:`~skperceptron.ScratchMLPClassifier` the textbook way,
stochastic gradient descent one person at a time with a step of 0.1, and draw
its decision regions with scikit-learn's
:class:`~sklearn.inspection.DecisionBoundaryDisplay`.
"""

import os
import warnings

import matplotlib.pyplot as plt
from sklearn.exceptions import ConvergenceWarning
from sklearn.inspection import DecisionBoundaryDisplay

from skperceptron import ScratchMLPClassifier
from skperceptron.datasets import load_height_weight

SMALL = os.environ.get("SKPERCEPTRON_EXAMPLE_SMALL") == "1"

people = load_height_weight()
# The epochs are capped on purpose: a fixed loop of 1000 passes.
warnings.simplefilter("ignore", ConvergenceWarning)
network = ScratchMLPClassifier(
    hidden_layer_sizes=(2,),
    activation="logistic",
    solver="sgd",
    learning_rate_init=0.1,
    momentum=0.0,
    batch_size=1,
    alpha=0.0,
    max_iter=500 if SMALL else 1000,
    n_iter_no_change=1000,
    shuffle=False,
    random_state=1,
).fit(people.data, people.target)

for name, p_female in zip(
    people.question_names, network.predict_proba(people.questions)[:, 1]
):
    print(f"{name}: P(female) = {p_female:.3f}")

# %%
# Decision regions
# ----------------
# The training people are circles, the two questions are stars.

fig, ax = plt.subplots(figsize=(6, 4.5), layout="constrained")
DecisionBoundaryDisplay.from_estimator(
    network,
    people.data,
    response_method="predict_proba",
    cmap="coolwarm",
    alpha=0.6,
    ax=ax,
    xlabel=people.feature_names[0],
    ylabel=people.feature_names[1],
    eps=8,
)
for points, names, marker in [
    (people.data, people.names, "o"),
    (people.questions, people.question_names, "*"),
]:
    ax.scatter(points[:, 0], points[:, 1], marker=marker, s=150, c="black")
    for (x, y), name in zip(points, names):
        ax.annotate(name, (x, y), xytext=(6, 6), textcoords="offset points")
ax.set_title("P(female): blue for male, red for female")
plt.show()
