"""The README's two MNIST recipes reach their test accuracies, warning-free."""

import ast
import warnings
from pathlib import Path

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning

from skperceptron import ScratchMLPClassifier
from skperceptron._bench.recipe import (
    ADAPTIVE_RECIPE,
    RECIPE,
    RECIPE_COMPONENTS,
    recipe,
)
from skperceptron.datasets import load_mnist


def _fit(model):
    X_train, y_train = load_mnist("train", return_X_y=True)
    X_test, y_test = load_mnist("test", return_X_y=True)
    with warnings.catch_warnings():
        # A recommended recipe must not look like a mistake.
        warnings.simplefilter("error", ConvergenceWarning)
        model.fit(X_train, y_train)
    return model, model.score(X_test, y_test)


@pytest.mark.slow
def test_the_15_second_recipe_runs_its_schedule_and_keeps_its_accuracy():
    pipeline, accuracy = _fit(recipe())
    pca, model = pipeline[0], pipeline[-1]
    assert pca.n_components_ == RECIPE_COMPONENTS
    assert model.coefs_[0].shape == (RECIPE_COMPONENTS, *RECIPE["hidden_layer_sizes"])
    assert model.coefs_[0].dtype == np.float32
    # The schedule, not a stopping rule, ends the fit: the rate reached ~0.
    assert model.n_iter_ == RECIPE["max_iter"]
    assert model._optimizer.learning_rate < 1e-3 * RECIPE["learning_rate_init"]
    # 0.9856 measured; the floor leaves room for another BLAS's rounding.
    assert accuracy >= 0.984


@pytest.mark.slow
def test_the_adaptive_recipe_stops_on_its_own_and_reaches_98_5_percent():
    model, accuracy = _fit(ScratchMLPClassifier(**ADAPTIVE_RECIPE))
    assert model.coefs_[0].dtype == np.float32
    # It stops when its adaptive schedule has run out, before max_iter.
    assert model.n_iter_ < ADAPTIVE_RECIPE["max_iter"]
    assert model._optimizer.learning_rate <= 1e-6
    assert accuracy >= 0.985


def test_the_readme_shows_the_recipe_the_bench_and_these_tests_fit():
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    block = readme.split("## MNIST")[1].split("```python")[1].split("```")[0]
    calls = {
        node.func.id: node
        for node in ast.walk(ast.parse(block))
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
    }
    assert [ast.literal_eval(arg) for arg in calls["PCA"].args] == [RECIPE_COMPONENTS]
    shown = {
        keyword.arg: ast.literal_eval(keyword.value)
        for keyword in calls["ScratchMLPClassifier"].keywords
    }
    assert shown == RECIPE
