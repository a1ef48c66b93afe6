"""The accuracy recipe of the README reaches 98.5% on MNIST's test set."""

import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning

from skperceptron import ScratchMLPClassifier
from skperceptron._bench import RECIPE
from skperceptron.datasets import load_mnist


@pytest.mark.slow
def test_recipe_stops_on_its_own_and_reaches_98_5_percent_on_mnist():
    X_train, y_train = load_mnist("train", return_X_y=True)
    X_test, y_test = load_mnist("test", return_X_y=True)
    model = ScratchMLPClassifier(**RECIPE)
    with warnings.catch_warnings():
        # A recommended recipe must not look like a mistake: it stops when
        # its adaptive schedule has run out, before max_iter.
        warnings.simplefilter("error", ConvergenceWarning)
        model.fit(X_train, y_train)
    assert model.n_iter_ < RECIPE["max_iter"]
    assert model._optimizer.learning_rate <= 1e-6  # why it stopped
    assert model.coefs_[0].dtype == np.float32
    assert model.score(X_test, y_test) >= 0.985
