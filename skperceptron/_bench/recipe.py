"""The two MNIST recipes, and the bench's fit of the 15-second one.

The 15-second recipe (:func:`recipe`: PCA to :data:`RECIPE_COMPONENTS`
components, then a network with dropout and a cosine schedule,
:data:`RECIPE`) is fitted in the bench's full run, with its fit time and test
accuracy; the README shows it, and ``tests/test_mnist_recipe.py`` fits both.
"""

import time

import numpy as np
from sklearn.decomposition import PCA
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import make_pipeline

from .._mlp import ScratchMLPClassifier
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


#: The accuracy recipe: 98.64% test accuracy on MNIST from a fit of about 70 s
#: on two cores (32 epochs). SGD with Nesterov momentum; the adaptive schedule
#: divides the learning rate by 5 each time the training loss improves by less
#: than ``tol`` two epochs running, and the fit stops by itself when the rate
#: falls below 1e-6: ``max_iter`` is only a bound it never reaches.
ADAPTIVE_RECIPE = {
    "hidden_layer_sizes": (512, 256),
    "dropout": 0.2,
    "solver": "sgd",
    "learning_rate_init": 0.05,
    "momentum": 0.9,
    "learning_rate": "adaptive",
    "tol": 2e-3,
    "n_iter_no_change": 1,
    "batch_size": 128,
    "max_iter": 50,
    "random_state": 0,
}


def fit_recipe(X_train, y_train, X_test, y_test):
    """Fit the 15-second recipe, and scikit-learn's MLP without what it lacks."""
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
    return results
