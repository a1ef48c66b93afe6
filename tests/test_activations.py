"""Activations against their definitions, derivatives against finite differences.

The activations that keep their pre-activations (ours, not scikit-learn's)
are checked against SymPy's formulas and derivatives, from ordinary inputs to
``|z| = 1e4``.
"""

import warnings

import numpy as np
import pytest
from scipy.special import expit, softmax

from skperceptron._activations import (
    ACTIVATIONS,
    DERIVATIVES,
    HIDDEN_ACTIVATIONS,
    KEPT_ACTIVATIONS,
    KEPT_DERIVATIVES,
    keeps_preactivations,
)

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
    assert set(KEPT_DERIVATIVES) == set(KEPT_ACTIVATIONS) == set(KEPT)
    assert HIDDEN_ACTIVATIONS == (*DERIVATIVES, *KEPT)
    assert [keeps_preactivations(name) for name in HIDDEN_ACTIVATIONS] == [
        name in KEPT for name in HIDDEN_ACTIVATIONS
    ]


# ------------------------------------------ the activations that keep their z
KEPT = ("leaky_relu", "elu", "gelu", "silu", "softplus", "mish")

# From ordinary values to the extremes, on both sides of softplus's switch
# at 40 and of the kinks at 0 (not at them).
Z_POINTS = np.array(
    [-1e4, -700.0, -40.5, -30.0, -10.0, -3.0, -1.5, -0.5, -1e-3, 1e-3, 0.5, 1.5,
     3.0, 10.0, 30.0, 39.9, 40.5, 700.0, 1e4]
)  # fmt: skip
# float32's and float64's rounding of SymPy's values, with room for the few
# operations each formula takes; values that underflow are compared
# absolutely (SymPy's own evaluation of the GELU at z <= -700 returns noise
# of 1e-178 where the value is below 1e-100000).
RTOL = {np.float32: 3e-6, np.float64: 1e-13}
ATOL = 1e-150


def _sympy_formulas():
    sympy = pytest.importorskip("sympy")
    z = sympy.Symbol("z", real=True)
    softplus = sympy.log(1 + sympy.exp(z))
    formulas = {
        "leaky_relu": sympy.Piecewise((z, z > 0), (z / 100, True)),
        "elu": sympy.Piecewise((z, z > 0), (sympy.exp(z) - 1, True)),
        # The exact GELU, z Phi(z), with Phi in erfc (see below).
        "gelu": z * sympy.erfc(-z / sympy.sqrt(2)) / 2,
        "silu": z / (1 + sympy.exp(-z)),
        "softplus": softplus,
        "mish": z * sympy.tanh(softplus),
    }
    return z, formulas


def _sympy_values(name, points, derivative=False):
    """SymPy's value of the activation (or its derivative) at ``points``."""
    sympy = pytest.importorskip("sympy")
    z, formulas = _sympy_formulas()
    expression = formulas[name]
    if derivative:
        expression = sympy.diff(expression, z)
    return np.array(
        [
            float(expression.evalf(40, subs={z: sympy.Float(float(point), 40)}))
            for point in points
        ]
    )


def test_sympy_gelu_is_the_definition_with_erf():
    sympy = pytest.importorskip("sympy")
    z, formulas = _sympy_formulas()
    definition = z * (1 + sympy.erf(z / sympy.sqrt(2))) / 2
    for point in (-3, -0.5, 2):
        difference = (formulas["gelu"] - definition).evalf(40, subs={z: point})
        assert abs(difference) < 1e-35


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", KEPT)
def test_kept_activation_matches_sympy(name, dtype):
    z = Z_POINTS.astype(dtype).reshape(1, -1)
    before = z.copy()
    out = np.full_like(z, np.nan)
    assert KEPT_ACTIVATIONS[name](z, out) is None
    np.testing.assert_array_equal(z, before)  # z is read, not written
    assert out.dtype == dtype
    np.testing.assert_allclose(
        out[0], _sympy_values(name, z[0]), rtol=RTOL[dtype], atol=ATOL
    )


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", KEPT)
def test_kept_derivative_matches_sympy(name, dtype):
    # SymPy takes minutes over the GELU's derivative at |z| = 1e4; the
    # extremes are checked below against their asymptotes.
    z = Z_POINTS[np.abs(Z_POINTS) < 100].astype(dtype).reshape(1, -1)
    delta = np.linspace(-2, 3, z.size).astype(dtype).reshape(1, -1)
    expected = delta[0] * _sympy_values(name, z[0], derivative=True)
    factor = np.full_like(z, np.nan)  # whatever a reused buffer holds
    assert KEPT_DERIVATIVES[name](z, delta, factor) is None  # in place on delta
    assert delta.dtype == dtype
    np.testing.assert_allclose(delta[0], expected, rtol=RTOL[dtype], atol=ATOL)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", KEPT)
def test_kept_activation_at_extreme_inputs_is_finite_and_quiet(name, dtype):
    # Overflow, division by zero and invalid operations raise; underflow to 0
    # (exp(-z**2 / 2) at |z| = 1e4) is the exact result rounded, and NumPy
    # does not warn of it by default.
    z = np.array([[-1e4, -1e3, -88.0, -0.0, 0.0, 88.0, 1e3, 1e4]], dtype=dtype)
    with (
        warnings.catch_warnings(),
        np.errstate(over="raise", divide="raise", invalid="raise"),
    ):
        warnings.simplefilter("error")
        out = np.empty_like(z)
        KEPT_ACTIVATIONS[name](z, out)
        delta = np.ones_like(z)
        KEPT_DERIVATIVES[name](z.copy(), delta, np.empty_like(z))
    assert np.isfinite(out).all() and np.isfinite(delta).all()
    # Far from 0 each is its asymptote: z, or 0 (ELU: -1; leaky ReLU: z / 100).
    asymptote_below = {"leaky_relu": -100.0, "elu": -1.0}.get(name, 0.0)
    np.testing.assert_allclose(out[0, [0, -1]], [asymptote_below, 1e4], rtol=1e-6)
    slope_below = {"leaky_relu": 0.01}.get(name, 0.0)
    np.testing.assert_allclose(delta[0, [0, -1]], [slope_below, 1.0], rtol=1e-6)


def test_kept_derivatives_overwrite_nothing_but_delta_and_their_room():
    # The kept z may serve as room (GELU, Mish) but the activation's output,
    # which the forward pass wrote elsewhere, is not touched.
    z = np.linspace(-3, 3, 12).reshape(3, 4)
    for name in KEPT:
        out = np.empty_like(z)
        KEPT_ACTIVATIONS[name](z, out)
        kept_out = out.copy()
        KEPT_DERIVATIVES[name](z.copy(), np.ones_like(z), np.empty_like(z))
        np.testing.assert_array_equal(out, kept_out)
