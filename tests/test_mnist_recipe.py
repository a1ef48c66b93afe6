"""The README's two MNIST recipes reach their test accuracies, warning-free."""

import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning

from skperceptron import ScratchMLPClassifier
from skperceptron._bench import ADAPTIVE_RECIPE, RECIPE
from skperceptron.datasets import load_mnist


def _fit(recipe):
    X_train, y_train = load_mnist("train", return_X_y=True)
    X_test, y_test = load_mnist("test", return_X_y=True)
    model = ScratchMLPClassifier(**recipe)
    with warnings.catch_warnings():
        # A recommended recipe must not look like a mistake.
        warnings.simplefilter("error", ConvergenceWarning)
        model.fit(X_train, y_train)
    assert model.coefs_[0].dtype == np.float32
    return model, model.score(X_test, y_test)


@pytest.mark.slow
def test_the_cosine_recipe_runs_its_schedule_and_reaches_98_2_percent():
    model, accuracy = _fit(RECIPE)
    # The schedule, not a stopping rule, ends the fit: the rate reached ~0.
    assert model.n_iter_ == RECIPE["max_iter"]
    assert model._optimizer.learning_rate < 1e-3 * RECIPE["learning_rate_init"]
    assert accuracy >= 0.982  # 0.9840 measured


@pytest.mark.slow
def test_the_adaptive_recipe_stops_on_its_own_and_reaches_98_5_percent():
    model, accuracy = _fit(ADAPTIVE_RECIPE)
    # It stops when its adaptive schedule has run out, before max_iter.
    assert model.n_iter_ < ADAPTIVE_RECIPE["max_iter"]
    assert model._optimizer.learning_rate <= 1e-6
    assert accuracy >= 0.985
