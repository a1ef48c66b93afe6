"""The README's two MNIST recipes, and the bench's fits of them.

The 15-second recipe (:func:`recipe`: PCA to :data:`RECIPE_COMPONENTS`
components, then a network with dropout and a cosine schedule,
:data:`RECIPE`) and the one-minute recipe (:data:`ONE_MINUTE_RECIPE`, on the
raw pixels of the training images and their one-pixel shifted copies) are
fitted in the bench's full run, with their fit times and test accuracies; the
README shows them, and ``tests/test_mnist_recipe.py`` fits both.
"""

import time

import numpy as np
from sklearn.decomposition import PCA
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import make_pipeline

from .._mlp import ScratchMLPClassifier
from ..datasets import shifted_copies
from .settings import jsonable

#: The 15-second recipe's first step: the 784 pixels projected on their first
#: 80 principal components (scikit-learn's PCA), so that the network's first
#: layer, which costs most of an epoch on raw pixels, costs a tenth.
RECIPE_COMPONENTS = 80

#: The 15-second recipe's network, after the PCA step (see :func:`recipe`): a
#: 768-unit hidden layer with dropout, SGD with Nesterov momentum and
#: skperceptron's cosine schedule, which anneals the rate from 0.3 to 0 over
#: the 20 epochs; chosen on a validation split of the training set
#: (``benchmarks/recipe_search.py``).
RECIPE = {
    "hidden_layer_sizes": (768,),
    "dropout": 0.2,
    "alpha": 5e-4,
    "solver": "sgd",
    "learning_rate_init": 0.3,
    "momentum": 0.9,
    "learning_rate": "cosine",
    "batch_size": 256,
    "max_iter": 20,
    "n_iter_no_change": 20,
    "random_state": 0,
}


def recipe(network=ScratchMLPClassifier, **params):
    """Return the 15-second recipe: PCA, then the network.

    Parameters
    ----------
    network : estimator class, default=ScratchMLPClassifier
        The network's class (the bench passes scikit-learn's to compare).
    **params
        The network's settings; :data:`RECIPE` when none are given.

    Returns
    -------
    pipeline : sklearn.pipeline.Pipeline
    """
    return make_pipeline(
        PCA(RECIPE_COMPONENTS, random_state=0), network(**(params or RECIPE))
    )


#: The one-minute recipe's network, trained on the raw pixels of the training
#: images followed by their copies moved one pixel down, up, right and left
#: (:func:`skperceptron.datasets.shifted_copies` with its default moves): a
#: 384-unit hidden layer with dropout, SGD with Nesterov momentum and the
#: cosine schedule over 11 epochs of the 300,000 images; chosen on a
#: validation split of the training set (``benchmarks/recipe_search.py``).
ONE_MINUTE_RECIPE = {
    "hidden_layer_sizes": (384,),
    "dropout": 0.2,
    "alpha": 5e-4,
    "solver": "sgd",
    "learning_rate_init": 0.3,
    "momentum": 0.9,
    "learning_rate": "cosine",
    "batch_size": 256,
    "max_iter": 11,
    "n_iter_no_change": 11,
    "random_state": 0,
}


def fit_one_minute_recipe(X_train, y_train):
    """Fit the one-minute recipe on the images and their shifted copies.

    Returns
    -------
    model : ScratchMLPClassifier
        The fitted network.
    seconds : float
        The time to make the copies and fit, which the recipe's minute counts.
    """
    started = time.perf_counter()
    X_shifted, y_shifted = shifted_copies(X_train, y_train)
    model = ScratchMLPClassifier(**ONE_MINUTE_RECIPE).fit(X_shifted, y_shifted)
    return model, time.perf_counter() - started


def fit_recipe(X_train, y_train, X_test, y_test):
    """Fit both recipes, and scikit-learn's MLP on the 15-second one's settings."""
    print(
        "\n== The 15-second recipe (float32 input, full training set): "
        f"PCA({RECIPE_COMPONENTS}), then "
        + ", ".join(f"{key}={value!r}" for key, value in RECIPE.items())
    )
    results = {"components": RECIPE_COMPONENTS, "params": jsonable(RECIPE)}
    model = recipe()
    started = time.perf_counter()
    model.fit(X_train, y_train)
    results["fit_s"] = time.perf_counter() - started
    results["epochs"] = model[-1].n_iter_
    results["test_accuracy"] = float(np.mean(model.predict(X_test) == y_test))
    print(
        f"PCA + ScratchMLPClassifier: fit {results['fit_s']:.1f} s "
        f"({results['epochs']} epochs), test accuracy "
        f"{results['test_accuracy']:.4f}"
    )
    # scikit-learn's MLP has no dropout and no cosine schedule (it keeps its
    # default constant rate): everything else is the recipe's.
    theirs_params = {
        key: value
        for key, value in RECIPE.items()
        if key not in ("dropout", "learning_rate")
    }
    theirs = recipe(MLPClassifier, **theirs_params)
    started = time.perf_counter()
    theirs.fit(X_train, y_train)
    results["sklearn"] = {
        "params": jsonable(theirs_params),
        "fit_s": time.perf_counter() - started,
        "epochs": theirs[-1].n_iter_,
        "test_accuracy": float(np.mean(theirs.predict(X_test) == y_test)),
    }
    print(
        "PCA + MLPClassifier, same settings without dropout and with a constant "
        "learning rate: fit "
        f"{results['sklearn']['fit_s']:.1f} s ({results['sklearn']['epochs']} "
        f"epochs), test accuracy {results['sklearn']['test_accuracy']:.4f}"
    )
    print(
        "\n== The one-minute recipe (float32 raw pixels and their one-pixel "
        "shifted copies): "
        + ", ".join(f"{key}={value!r}" for key, value in ONE_MINUTE_RECIPE.items())
    )
    model, seconds = fit_one_minute_recipe(X_train, y_train)
    results["one_minute"] = {
        "params": jsonable(ONE_MINUTE_RECIPE),
        "fit_s": seconds,
        "epochs": model.n_iter_,
        "test_accuracy": float(np.mean(model.predict(X_test) == y_test)),
    }
    print(
        f"shifted copies + ScratchMLPClassifier: {seconds:.1f} s "
        f"({model.n_iter_} epochs), test accuracy "
        f"{results['one_minute']['test_accuracy']:.4f}"
    )
    return results
