"""Activations against their definitions, derivatives against finite differences."""

import numpy as np
import pytest
from scipy.special import expit, softmax

from skperceptron._activations import ACTIVATIONS, DERIVATIVES

RNG = np.random.RandomState(0)
# Kept away from 0, where ReLU has no derivative.
Z = RNG.choice([-1, 1], size=(6, 5)) * RNG.uniform(0.05, 3.0, size=(6, 5))

DEFINITIONS = {
    "identity": lambda z: z,
    "logistic": expit,
    "tanh": np.tanh,
    "relu": lambda z: np.maximum(z, 0),
    "exp": np.exp,
    "softmax": lambda z: softmax(z, axis=1),
}


def _apply(name, z):
    z = z.copy()
    assert ACTIVATIONS[name](z) is None  # in place
    return z


@pytest.mark.parametrize("name", DEFINITIONS)
def test_activation_in_place_matches_its_definition(name):
    np.testing.assert_allclose(_apply(name, Z), DEFINITIONS[name](Z), rtol=1e-15)


def test_softmax_of_huge_logits_is_finite():
    z = np.array([[1000.0, 999.0, -1000.0]])
    np.testing.assert_allclose(_apply("softmax", z), softmax(z, axis=1), rtol=1e-15)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", DERIVATIVES)
def test_derivative_matches_central_differences(name, dtype):
    z = Z.astype(dtype)
    a = _apply(name, z)
    delta = RNG.normal(size=z.shape).astype(dtype)
    step = 1e-6
    numeric = (
        (_apply(name, Z + step) - _apply(name, Z - step)) / (2 * step) * delta
    ).astype(dtype)

    a_before, product = a.copy(), delta.copy()
    scratch = np.full_like(a, np.nan)  # whatever a reused buffer holds
    assert DERIVATIVES[name](a, product, scratch) is None  # in place on delta
    np.testing.assert_array_equal(a, a_before)  # the activations stay as they were
    np.testing.assert_allclose(product, numeric, rtol=np.finfo(dtype).eps ** 0.5 * 10)


def test_every_hidden_activation_has_a_derivative():
    assert set(DERIVATIVES) == {"identity", "logistic", "tanh", "relu"}
    assert set(DERIVATIVES) <= set(ACTIVATIONS)
