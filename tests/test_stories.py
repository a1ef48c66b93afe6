"""The five stories of skperceptron, as tests."""

import warnings

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV, PredefinedSplit
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from skperceptron import ScratchMLPClassifier
from skperceptron._demo.stories import (
    HAND_SET_COEFS,
    HAND_SET_INTERCEPTS,
    HAND_SET_X,
    _sklearn_twin,
    hand_set_network,
    height_weight_network,
    single_neuron,
    spiral_network,
    spiral_split,
)
from skperceptron.datasets import load_height_weight, load_mnist, load_three_bits
from skperceptron.utils import loss_and_gradients

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


def test_story_1_single_neuron_learns_the_three_bit_rule():
    bits = load_three_bits()
    neuron = single_neuron().fit(bits.data, bits.target)
    assert neuron.coefs_[0].shape == (3, 1) and len(neuron.coefs_) == 1
    np.testing.assert_array_equal(neuron.predict(bits.data), bits.target)
    assert neuron.predict_proba(bits.questions)[0, 1] > 0.95
    # It found the rule: the first bit's weight dominates the others (the
    # third bit, always 1, only adds to the bias).
    first, second, third = neuron.coefs_[0][:, 0]
    assert first > 3 * max(abs(second), abs(third))


def test_story_2_height_weight_network_calls_emily_and_frank():
    people = load_height_weight()
    network = height_weight_network().fit(people.data, people.target)
    np.testing.assert_array_equal(network.predict(people.data), people.target)
    emily, frank = network.predict_proba(people.questions)[:, 1]
    assert people.question_names == ["Emily", "Frank"]
    assert emily > 0.9
    assert frank < 0.1


# The demo's hand-set weights, named as the symbolic derivation names them:
# w<i><j> joins unit i to unit j (inputs 1, 2; hidden 3, 4; output 5).
(W13, W14), (W23, W24) = HAND_SET_COEFS[0]
(W35,), (W45,) = HAND_SET_COEFS[1]
B3, B4 = HAND_SET_INTERCEPTS[0]
(B5,) = HAND_SET_INTERCEPTS[1]


def hand_set_classifier():
    """A fitted 2-2-1 logistic classifier, set to the hand-set weights."""
    return hand_set_network(ScratchMLPClassifier(alpha=0.0))


def test_story_3_fixed_weights_output():
    network = hand_set_classifier()
    output = network.predict_proba(HAND_SET_X)[0, 1]
    np.testing.assert_allclose(output, 0.649864477526152, rtol=0, atol=1e-15)


def test_story_3_backprop_matches_sympy_derivatives():
    sympy = pytest.importorskip("sympy")
    weights = sympy.symbols("w13 w14 w23 w24 w35 w45 b3 b4 b5")
    w13, w14, w23, w24, w35, w45, b3, b4, b5 = weights
    x1, x2 = (sympy.Rational(35, 100), sympy.Rational(9, 10))
    assert HAND_SET_X.tolist() == [[0.35, 0.9]]

    def sigmoid(z):
        return 1 / (1 + sympy.exp(-z))

    h3 = sigmoid(x1 * w13 + x2 * w23 + b3)
    h4 = sigmoid(x1 * w14 + x2 * w24 + b4)
    out = sigmoid(h3 * w35 + h4 * w45 + b5)
    loss = -sympy.log(out)  # binary cross-entropy at y = 1
    point = {
        w13: W13, w14: W14, w23: W23, w24: W24, w35: W35, w45: W45,
        b3: B3, b4: B4, b5: B5,
    }  # fmt: skip
    symbolic = {
        name: float(sympy.diff(loss, symbol).evalf(30, subs=point))
        for name, symbol in zip(map(str, weights), weights)
    }

    network = hand_set_classifier()
    value, coef_grads, intercept_grads = loss_and_gradients(network, HAND_SET_X, [1])
    np.testing.assert_allclose(
        value, float(loss.evalf(30, subs=point)), rtol=0, atol=1e-12
    )
    ours = {
        "w13": coef_grads[0][0, 0],
        "w14": coef_grads[0][0, 1],
        "w23": coef_grads[0][1, 0],
        "w24": coef_grads[0][1, 1],
        "w35": coef_grads[1][0, 0],
        "w45": coef_grads[1][1, 0],
        "b3": intercept_grads[0][0],
        "b4": intercept_grads[0][1],
        "b5": intercept_grads[1][0],
    }
    for name in symbolic:
        assert abs(ours[name] - symbolic[name]) < 1e-9, name
    # The gradients are not trivially small: the comparison means something.
    assert abs(symbolic["w35"]) > 0.1


def test_story_4_spiral_relu_network_matches_sklearn():
    X_train, X_test, y_train, y_test = spiral_split(600)
    ours = spiral_network(max_iter=1000)
    theirs = _sklearn_twin(ours).fit(X_train, y_train)
    ours.fit(X_train, y_train)
    train, test = ours.score(X_train, y_train), ours.score(X_test, y_test)
    assert train >= theirs.score(X_train, y_train)
    assert test >= theirs.score(X_test, y_test)
    # Good on both, in absolute terms: the spiral arms overlap through the noise.
    assert train > 0.9 and test > 0.8


def mnist_story(grid_rows, validation_rows, train_rows, hidden, max_iter):
    """Tune a pipeline on a validation split, refit the best, score the test set."""
    X_train, y_train = load_mnist("train", return_X_y=True)
    X_test, y_test = load_mnist("test", return_X_y=True)
    assert X_train.dtype == np.float32
    pipeline = Pipeline(
        [
            ("scale", "passthrough"),
            (
                "mlp",
                ScratchMLPClassifier(
                    hidden_layer_sizes=hidden, max_iter=max_iter, random_state=0
                ),
            ),
        ]
    )
    n = grid_rows + validation_rows
    search = GridSearchCV(
        pipeline,
        {"scale": ["passthrough", StandardScaler()], "mlp__alpha": [1e-4, 1e-2]},
        cv=PredefinedSplit(np.r_[np.full(grid_rows, -1), np.zeros(validation_rows)]),
        refit=False,
    ).fit(X_train[:n], y_train[:n])
    assert len(search.cv_results_["params"]) == 4
    best = clone(pipeline).set_params(**search.best_params_)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        best.fit(X_train[:train_rows], y_train[:train_rows])
    return best.score(X_test, y_test)


def test_story_5_mnist_pipeline_on_a_subset():
    accuracy = mnist_story(
        grid_rows=2000, validation_rows=1000, train_rows=5000, hidden=(64,),
        max_iter=10,
    )  # fmt: skip
    assert accuracy > 0.90


@pytest.mark.slow
def test_story_5_mnist_pipeline_full():
    accuracy = mnist_story(
        grid_rows=10000, validation_rows=5000, train_rows=60000, hidden=(256,),
        max_iter=15,
    )  # fmt: skip
    assert accuracy >= 0.975
