"""The compiled kernel table against NumPy's, kernel by kernel and fit by fit.

CI runs this file with numba installed (the ``dev`` extra), so both kernel
paths are tested against each other there: every compiled kernel gives NumPy's
result (bit for bit where it does the same operations; to rounding for the
softmax, whose ``exp`` comes from another library), and every configuration
trains to the same model either way.
"""

import pickle
import sys
import warnings

import numpy as np
import pytest
from mlp_configurations import CONFIGURATIONS, features, targets
from numba_cache import NoCacheLocator
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning

from skperceptron import ScratchMLPClassifier, ScratchMLPRegressor, _backends, _kernels
from skperceptron._backends import COMPILED_MIN_WORK, host_kernels
from skperceptron._kernels import NUMPY_KERNELS
from skperceptron._optimizers import SGD, Adam

pytest.importorskip("numba")

from skperceptron import _compiled  # noqa: E402
from skperceptron._compiled import NUMBA_KERNELS  # noqa: E402

DTYPES = [np.float32, np.float64]


def _pair(rng, shape, dtype, low=-2.0):
    array = rng.uniform(low, 2.0, size=shape).astype(dtype)
    return array, array.copy()


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("activation", ["relu", "identity"])
@pytest.mark.parametrize("order", ["C", "F"])
def test_bias_activation_is_numpys(dtype, activation, order):
    rng = np.random.default_rng(0)
    ours, reference = _pair(rng, (37, 11), dtype)
    # Fortran order takes NumPy's code (the loops are written for rows).
    ours = np.asarray(ours, order=order)
    intercept = rng.uniform(-1, 1, 11).astype(dtype)
    NUMBA_KERNELS.bias_activation(ours, intercept, activation)
    NUMPY_KERNELS.bias_activation(reference, intercept, activation)
    np.testing.assert_array_equal(ours, reference)


@pytest.mark.parametrize("dtype", DTYPES)
def test_logistic_is_numpys_to_rounding(dtype):
    rng = np.random.default_rng(1)
    ours, reference = _pair(rng, (37, 11), dtype, low=-40.0)
    intercept = rng.uniform(-1, 1, 11).astype(dtype)
    NUMBA_KERNELS.bias_activation(ours, intercept, "logistic")
    NUMPY_KERNELS.bias_activation(reference, intercept, "logistic")
    eps = np.finfo(dtype).eps
    np.testing.assert_allclose(ours, reference, rtol=8 * eps, atol=eps)


@pytest.mark.parametrize("dtype", DTYPES)
def test_softmax_is_numpys_to_rounding(dtype):
    rng = np.random.default_rng(1)
    ours, reference = _pair(rng, (37, 10), dtype, low=-30.0)
    intercept = rng.uniform(-1, 1, 10).astype(dtype)
    NUMBA_KERNELS.bias_activation(ours, intercept, "softmax")
    NUMPY_KERNELS.bias_activation(reference, intercept, "softmax")
    eps = np.finfo(dtype).eps
    np.testing.assert_allclose(ours, reference, rtol=8 * eps, atol=eps)
    np.testing.assert_allclose(ours.sum(axis=1), 1, rtol=16 * eps)


@pytest.mark.parametrize("dtype", DTYPES)
def test_softmax_of_large_logits_is_finite(dtype):
    z = np.array([[-100.0, 100.0, 99.0], [700.0, 700.0, -700.0]], dtype=dtype)
    NUMBA_KERNELS.bias_activation(z, np.zeros(3, dtype), "softmax")
    expected = [[0.0, 1 / (1 + np.exp(-1.0)), 1 / (1 + np.exp(1.0))], [0.5, 0.5, 0.0]]
    np.testing.assert_allclose(z, expected, rtol=1e-6, atol=1e-30)


def test_relu_keeps_nan_like_numpy():
    z = np.array([[np.nan, -1.0, 2.0, -np.inf, np.inf]])
    NUMBA_KERNELS.bias_activation(z, np.zeros(5), "relu")
    np.testing.assert_array_equal(z, [[np.nan, 0.0, 2.0, 0.0, np.inf]])


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("dropout", [False, True])
@pytest.mark.parametrize("activation", ["relu"])
def test_hidden_delta_is_numpys(dtype, dropout, activation):
    rng = np.random.default_rng(2)
    ours, reference = _pair(rng, (23, 9), dtype)
    a = np.maximum(rng.uniform(-1, 1, (23, 9)), 0).astype(dtype)
    mask = (rng.uniform(size=(23, 9)) > 0.3).astype(dtype) / 0.7 if dropout else None
    room = np.empty_like(a)
    NUMBA_KERNELS.hidden_delta(ours, a, activation, mask, room)
    NUMPY_KERNELS.hidden_delta(reference, a, activation, mask, room)
    np.testing.assert_array_equal(ours, reference)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("weighted", [False, True])
def test_output_delta_is_numpys(dtype, weighted):
    rng = np.random.default_rng(3)
    output = rng.uniform(size=(19, 4)).astype(dtype)
    Y = (rng.uniform(size=(19, 4)) > 0.5).astype(dtype)
    sample_weight = rng.uniform(0, 3, 19) if weighted else None
    weight_sum = 19 if sample_weight is None else float(sample_weight.sum())
    results = []
    for kernels in (NUMBA_KERNELS, NUMPY_KERNELS):
        out, row_scale = np.empty_like(output), np.empty((19, 1), dtype)
        results.append(
            kernels.output_delta(output, Y, sample_weight, weight_sum, out, row_scale)
        )
    np.testing.assert_array_equal(*results)


def test_dropout_hash_constants_are_numpys():
    # Written twice on purpose (numba's cache freezes imported globals).
    assert _compiled.HASH_MULTIPLIERS == _kernels.DROPOUT_HASH_MULTIPLIERS
    assert _compiled.HASH_SHIFTS == _kernels.DROPOUT_HASH_SHIFTS


@pytest.mark.parametrize("dtype", DTYPES)
def test_dropout_mask_counter_wraps_like_numpys(dtype):
    # The first key puts the unit counter 100 short of 2**32: it wraps to 0
    # inside the mask.
    keys = np.array([2**32 - 100, 987_654_321], dtype=np.uint32)
    threshold = _kernels.dropout_threshold(0.4)
    mask = np.empty((30, 11), dtype)
    _compiled._dropout_mask(mask, keys[0], keys[1], threshold, dtype(2.5), dtype(0))
    kept = _kernels.dropout_hash(0, mask.size, keys) >= threshold
    np.testing.assert_array_equal(mask.reshape(-1), np.where(kept, 2.5, 0.0))


@pytest.mark.parametrize("dtype", DTYPES)
def test_dropout_masks_are_numpys(dtype):
    rates = [0.3, 0.0, 0.5]
    # The last layer's 17 x 2000 mask spans two of NumPy's hash blocks.
    widths = [9, 4, 2000]
    masks = {}
    for name, kernels in (("numba", NUMBA_KERNELS), ("numpy", NUMPY_KERNELS)):
        rng = kernels.dropout_rng(7)
        buffers = [np.empty((20, width), dtype) for width in widths]
        first = kernels.dropout_masks(rng, rates, buffers, 17, widths, dtype)
        first = [None if m is None else m.copy() for m in first]
        # The stream goes on where it stopped, whichever table drew last.
        second = NUMPY_KERNELS.dropout_masks(rng, rates, buffers, 20, widths, dtype)
        masks[name] = first + second
    for ours, reference in zip(masks["numba"], masks["numpy"]):
        if reference is None:
            assert ours is None
        else:
            np.testing.assert_array_equal(ours, reference)
    kept = masks["numba"][0] != 0
    np.testing.assert_allclose(masks["numba"][0][kept], 1 / 0.7, rtol=1e-6)
    assert 0.4 < kept.mean() < 0.95


@pytest.mark.parametrize("dtype", DTYPES)
def test_gather_and_weight_decay_are_numpys(dtype):
    rng = np.random.default_rng(4)
    source = rng.uniform(size=(50, 7)).astype(dtype)
    idx = rng.permutation(50)[:13]
    out = np.empty((13, 7), dtype)
    np.testing.assert_array_equal(NUMBA_KERNELS.gather(source, idx, out), source[idx])
    ours, reference = _pair(rng, 101, dtype)
    weights = rng.uniform(-1, 1, 101).astype(dtype)
    squares = NUMBA_KERNELS.add_weight_decay(ours, weights, 1e-3 / 7, None)
    expected = NUMPY_KERNELS.add_weight_decay(
        reference, weights, 1e-3 / 7, np.empty_like(ours)
    )
    np.testing.assert_array_equal(ours, reference)
    assert squares == pytest.approx(expected, rel=8 * float(np.finfo(dtype).eps))


def _steps(optimizer_class, kernels, dtype, n_steps=5, **settings):
    rng = np.random.default_rng(5)
    params = rng.uniform(-1, 1, 257).astype(dtype)
    optimizer = optimizer_class(257, dtype, kernels=kernels, **settings)
    for _ in range(n_steps):
        optimizer.step(params, rng.uniform(-1, 1, 257).astype(dtype))
    return params, optimizer


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize(
    "optimizer_class, settings",
    [
        (Adam, dict(learning_rate_init=1e-2, beta_1=0.9, beta_2=0.999, epsilon=1e-8)),
        *[
            (
                SGD,
                dict(
                    learning_rate_init=0.1,
                    lr_schedule="constant",
                    momentum=0.9,
                    nesterov=nesterov,
                    power_t=0.5,
                ),
            )
            for nesterov in (False, True)
        ],
    ],
)
def test_optimizer_steps_are_numpys(dtype, optimizer_class, settings):
    ours, our_state = _steps(optimizer_class, NUMBA_KERNELS, dtype, **settings)
    reference, state = _steps(optimizer_class, NUMPY_KERNELS, dtype, **settings)
    np.testing.assert_array_equal(ours, reference)
    for name in optimizer_class._STATE:
        np.testing.assert_array_equal(getattr(our_state, name), getattr(state, name))


@pytest.mark.parametrize("name, estimator, kind", CONFIGURATIONS, ids=lambda v: "")
@pytest.mark.parametrize("dtype", DTYPES)
def test_every_configuration_trains_the_same_either_way(
    monkeypatch, name, estimator, kind, dtype
):
    X, y = features().astype(dtype), targets(kind)
    fitted = {}
    for choice in ("numba", "numpy"):
        monkeypatch.setenv("SKPERCEPTRON_KERNELS", choice)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            fitted[choice] = clone(estimator).set_params(random_state=0).fit(X, y)
    ours, reference = fitted["numba"], fitted["numpy"]
    lbfgs = estimator.solver == "lbfgs"
    if (
        isinstance(estimator, ScratchMLPRegressor)
        and estimator.activation != "logistic"
        and not lbfgs
    ):
        # No exp of another library's on this path: the same model, bit for
        # bit (the L2 sum's order reaches only the reported loss).
        for got, expected in zip(
            ours.coefs_ + ours.intercepts_, reference.coefs_ + reference.intercepts_
        ):
            np.testing.assert_array_equal(got, expected)
    if not lbfgs:
        # L-BFGS's line search may take another iteration or two when the
        # objective differs in its last bit (the L2 sum's order).
        assert ours.n_iter_ == reference.n_iter_
    # Bit for bit but for the softmax's exp: its rounding grows over a fit.
    rtol = 1e-4 if dtype == np.float32 else 1e-10
    if lbfgs and dtype == np.float32:
        # A float32 L-BFGS run follows another path from a last-bit change of
        # its objective; it must end as good a fit.
        assert ours.loss_ == pytest.approx(reference.loss_, rel=1e-2)
        return
    for got, expected in zip(
        ours.coefs_ + ours.intercepts_, reference.coefs_ + reference.intercepts_
    ):
        assert got.dtype == expected.dtype
        np.testing.assert_allclose(got, expected, rtol=rtol, atol=rtol)
    if not lbfgs:
        np.testing.assert_allclose(ours.loss_curve_, reference.loss_curve_, rtol=rtol)
    if hasattr(ours, "classes_"):
        np.testing.assert_array_equal(ours.predict(X), reference.predict(X))
    else:
        np.testing.assert_allclose(
            ours.predict(X), reference.predict(X), rtol=rtol, atol=rtol
        )


@pytest.mark.parametrize("solver", ["adam", "sgd"])
def test_numpy_scalar_settings_train_the_same_either_way(monkeypatch, solver):
    rng = np.random.RandomState(0)
    X = rng.normal(size=(120, 6)).astype(np.float32)
    y = X @ rng.normal(size=6)
    settings = dict(
        hidden_layer_sizes=(9,), solver=solver, max_iter=5, random_state=0,
        alpha=np.float64(3e-3), learning_rate_init=np.float64(0.01),
        momentum=np.float64(0.8), beta_1=np.float64(0.85),
        epsilon=np.float64(1e-7),
    )  # fmt: skip
    fitted = {}
    for choice in ("numba", "numpy"):
        monkeypatch.setenv("SKPERCEPTRON_KERNELS", choice)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            fitted[choice] = ScratchMLPRegressor(**settings).fit(X, y)
    for got, expected in zip(fitted["numba"].coefs_, fitted["numpy"].coefs_):
        np.testing.assert_array_equal(got, expected)


def test_each_call_trains_with_the_table_its_size_calls_for(monkeypatch):
    monkeypatch.delenv("SKPERCEPTRON_KERNELS", raising=False)
    rng = np.random.RandomState(1)
    X = rng.normal(size=(2000, 100)).astype(np.float32)
    y = (X[:, 0] > 0).astype(int)
    model = ScratchMLPClassifier(hidden_layer_sizes=(5000,), random_state=0)
    model.partial_fit(X, y, classes=[0, 1])
    assert model._network.kernels is NUMBA_KERNELS
    copy = pickle.loads(pickle.dumps(model))
    # A small call takes NumPy's table, on the model and on its copy alike.
    for estimator in (model, copy):
        estimator.partial_fit(X[:10], y[:10])
        assert estimator._network.kernels is NUMPY_KERNELS
    for got, expected in zip(model.coefs_, copy.coefs_):
        np.testing.assert_array_equal(got, expected)


def test_the_table_follows_the_work_and_the_environment(monkeypatch):
    monkeypatch.delenv("SKPERCEPTRON_KERNELS", raising=False)
    assert host_kernels() is NUMBA_KERNELS
    assert host_kernels(work=COMPILED_MIN_WORK) is NUMBA_KERNELS
    assert host_kernels(work=COMPILED_MIN_WORK - 1) is NUMPY_KERNELS
    monkeypatch.setenv("SKPERCEPTRON_KERNELS", "numpy")
    assert host_kernels() is NUMPY_KERNELS
    monkeypatch.setenv("SKPERCEPTRON_KERNELS", "numba")
    assert host_kernels(work=1) is NUMBA_KERNELS
    monkeypatch.setenv("SKPERCEPTRON_KERNELS", "fortran")
    with pytest.raises(ValueError, match="SKPERCEPTRON_KERNELS must be one of"):
        host_kernels()


def test_without_numba_the_numpy_table_runs(monkeypatch):
    monkeypatch.setattr(_backends, "_compiled_table", ImportError("no numba"))
    monkeypatch.delenv("SKPERCEPTRON_KERNELS", raising=False)
    assert host_kernels() is NUMPY_KERNELS
    monkeypatch.setenv("SKPERCEPTRON_KERNELS", "numba")
    with pytest.raises(ImportError, match=r"skperceptron\[fast\]"):
        host_kernels()


def test_without_a_writable_cache_folder_the_numpy_table_runs(monkeypatch):
    # numba raises at the import of _compiled when neither the package's
    # folder (a read-only site-packages) nor the user's cache folder is
    # writable: the default takes NumPy's table with a warning naming the
    # way out, the forced compiled path an error naming it.
    monkeypatch.setattr(_backends, "_compiled_table", None)
    monkeypatch.delitem(sys.modules, "skperceptron._compiled")
    monkeypatch.setattr(sys, "meta_path", [NoCacheLocator(), *sys.meta_path])
    monkeypatch.delenv("SKPERCEPTRON_KERNELS", raising=False)
    with pytest.warns(UserWarning, match="NUMBA_CACHE_DIR") as record:
        assert host_kernels() is NUMPY_KERNELS
    assert record[0].filename == __file__
    assert host_kernels() is NUMPY_KERNELS  # warned once
    monkeypatch.setenv("SKPERCEPTRON_KERNELS", "numba")
    with pytest.raises(RuntimeError, match="NUMBA_CACHE_DIR"):
        host_kernels()


def test_a_fit_takes_the_table_its_size_calls_for(monkeypatch):
    monkeypatch.delenv("SKPERCEPTRON_KERNELS", raising=False)
    rng = np.random.RandomState(0)
    X = rng.normal(size=(2000, 100)).astype(np.float32)
    y = (X[:, 0] > 0).astype(int)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        small = ScratchMLPClassifier(max_iter=1).fit(X[:50], y[:50])
        # 2000 samples x 505,002 parameters: past COMPILED_MIN_WORK.
        large = ScratchMLPClassifier(hidden_layer_sizes=(5000,), max_iter=1)
        large.fit(X, y)
    assert small._network.kernels is NUMPY_KERNELS
    assert large._network.kernels is NUMBA_KERNELS
    # Prediction takes NumPy's table, as the model's unpickled copy does.
    copy = pickle.loads(pickle.dumps(large))
    np.testing.assert_array_equal(large.predict_proba(X), copy.predict_proba(X))


def test_a_pickled_table_is_the_host_table_where_it_is_loaded(monkeypatch):
    data = pickle.dumps(NUMBA_KERNELS)
    assert pickle.loads(data) is NUMBA_KERNELS
    monkeypatch.setenv("SKPERCEPTRON_KERNELS", "numpy")
    assert pickle.loads(data) is NUMPY_KERNELS


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize(
    "activation", ["leaky_relu", "elu", "gelu", "silu", "softplus", "mish"]
)
def test_kept_activations_agree_between_tables(activation, dtype):
    # Forward (bias, activation, kept z) and derivative times a dropout mask.
    rng = np.random.default_rng(0)
    z = rng.normal(scale=3, size=(7, 9)).astype(dtype)
    intercept = rng.normal(size=9).astype(dtype)
    mask = ((rng.random((7, 9)) > 0.3) / 0.7).astype(dtype)
    delta = rng.normal(size=(7, 9)).astype(dtype)
    results = []
    for kernels in (NUMPY_KERNELS, NUMBA_KERNELS):
        kept = np.empty_like(z)
        out, kept = kernels.bias_activation_kept(z.copy(), intercept, activation, kept)
        product = kernels.hidden_delta(
            delta.copy(), kept.copy(), activation, mask, np.empty_like(z)
        )
        results.append((out, kept, product))
    for numpy_result, compiled_result in zip(*results):
        np.testing.assert_allclose(
            compiled_result, numpy_result, rtol=4 * np.finfo(dtype).eps
        )
