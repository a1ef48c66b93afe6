"""The accuracy recipe of the benchmarks page reaches 98.5% on MNIST's test set."""

import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning

from skperceptron import ScratchMLPClassifier
from skperceptron._bench import RECIPE
from skperceptron.datasets import load_mnist


@pytest.mark.slow
def test_recipe_reaches_98_5_percent_on_mnist():
    X_train, y_train = load_mnist("train", return_X_y=True)
    X_test, y_test = load_mnist("test", return_X_y=True)
    model = ScratchMLPClassifier(**RECIPE)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X_train, y_train)
    assert model.coefs_[0].dtype == np.float32
    # The adaptive schedule lowered the learning rate at least once.
    assert model._optimizer.learning_rate < RECIPE["learning_rate_init"]
    assert model.score(X_test, y_test) >= 0.985
