"""Training and prediction in any array-API namespace (issue 14).

scikit-learn's own array-API checks run in ``test_estimator_checks.py`` (the
estimators declare ``array_api_support``); these tests pin what they do not:
agreement with the NumPy path, the device-resident parts (dropout, class
weights, partial_fit, pickling) and the refusals.
"""

import pickle

import numpy as np
import pytest
from sklearn import config_context
from sklearn.datasets import load_digits

from skperceptron import ScratchMLPClassifier, ScratchMLPRegressor

torch = pytest.importorskip("torch")
strict = pytest.importorskip("array_api_strict")
# These batches are tiny: torch's thread pool only adds waiting, and on a
# busy CI machine a great deal of it.
torch.set_num_threads(1)

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

X_DIGITS, Y_DIGITS = load_digits(return_X_y=True)
X_DIGITS = X_DIGITS[:400] / 16.0
Y_DIGITS = Y_DIGITS[:400]


def _numpy(array):
    return array.numpy() if isinstance(array, torch.Tensor) else np.asarray(array)


@pytest.mark.parametrize(
    "settings",
    [
        {"solver": "adam"},
        {"solver": "sgd", "learning_rate_init": 0.05},
        {"solver": "sgd", "nesterovs_momentum": False, "activation": "tanh"},
    ],
)
def test_torch_float64_trains_the_numpy_weights(settings):
    params = {"hidden_layer_sizes": (32, 16), "max_iter": 10, "random_state": 0}
    ours = ScratchMLPClassifier(**params, **settings).fit(X_DIGITS, Y_DIGITS)
    with config_context(array_api_dispatch=True):
        X_torch = torch.asarray(X_DIGITS)
        on_torch = ScratchMLPClassifier(**params, **settings)
        on_torch.fit(X_torch, torch.asarray(Y_DIGITS))
        predicted = on_torch.predict(X_torch)
        proba = on_torch.predict_proba(X_torch)
    for expected, got in zip(
        ours.coefs_ + ours.intercepts_, on_torch.coefs_ + on_torch.intercepts_
    ):
        assert isinstance(got, torch.Tensor) and got.dtype == torch.float64
        np.testing.assert_allclose(got.numpy(), expected, rtol=0, atol=1e-10)
    assert isinstance(predicted, torch.Tensor)
    np.testing.assert_array_equal(predicted.numpy(), ours.predict(X_DIGITS))
    np.testing.assert_allclose(proba.numpy(), ours.predict_proba(X_DIGITS), atol=1e-10)
    assert on_torch.loss_curve_ == pytest.approx(ours.loss_curve_, rel=1e-12)


def test_regressor_on_torch_matches_numpy_with_sample_weight():
    rng = np.random.RandomState(0)
    X = rng.randn(200, 5)
    y = X @ rng.randn(5, 2)
    weights = rng.uniform(0.5, 2, 200)
    params = {"hidden_layer_sizes": (16,), "max_iter": 20, "random_state": 0}
    ours = ScratchMLPRegressor(**params).fit(X, y, sample_weight=weights)
    with config_context(array_api_dispatch=True):
        on_torch = ScratchMLPRegressor(**params).fit(
            torch.asarray(X), torch.asarray(y), sample_weight=torch.asarray(weights)
        )
        predicted = on_torch.predict(torch.asarray(X))
        score = on_torch.score(torch.asarray(X), torch.asarray(y))
    np.testing.assert_allclose(predicted.numpy(), ours.predict(X), atol=1e-10)
    assert score == pytest.approx(ours.score(X, y), abs=1e-10)


@pytest.mark.parametrize("namespace", ["torch", "array_api_strict"])
def test_dropout_and_class_weight_train_in_the_namespace(namespace):
    xp = torch if namespace == "torch" else strict
    X = xp.asarray(X_DIGITS.astype(np.float32))
    y = xp.asarray(Y_DIGITS)
    clf = ScratchMLPClassifier(
        (64,),
        dropout=0.2,
        class_weight="balanced",
        learning_rate_init=0.01,
        max_iter=40,
        random_state=0,
        early_stopping=True,
    )
    with config_context(array_api_dispatch=True):
        clf.fit(X, y)
        predicted = clf.predict(X)
        accuracy = clf.score(X, y)
    assert clf.coefs_[0].dtype == xp.float32
    assert type(predicted) is type(X)
    assert accuracy > 0.9
    # Dropout is off at prediction: the predictions are deterministic.
    with config_context(array_api_dispatch=True):
        np.testing.assert_array_equal(_numpy(clf.predict(X)), _numpy(predicted))


def test_partial_fit_and_pickle_keep_the_namespace():
    X, y = torch.asarray(X_DIGITS), torch.asarray(Y_DIGITS)
    clf = ScratchMLPClassifier((32,), random_state=0)
    ours = ScratchMLPClassifier((32,), random_state=0)
    for _ in range(6):
        ours.partial_fit(X_DIGITS, Y_DIGITS, classes=np.arange(10))
    with config_context(array_api_dispatch=True):
        for _ in range(5):
            clf.partial_fit(X, y, classes=torch.arange(10))
        restored = pickle.loads(pickle.dumps(clf))
        clf.partial_fit(X, y)
        restored.partial_fit(X, y)
        assert isinstance(restored.coefs_[0], torch.Tensor)
        for a, b, expected in zip(clf.coefs_, restored.coefs_, ours.coefs_):
            np.testing.assert_array_equal(a.numpy(), b.numpy())
            np.testing.assert_allclose(a.numpy(), expected, rtol=0, atol=1e-10)


def test_numpy_input_under_dispatch_is_the_numpy_path():
    params = {"hidden_layer_sizes": (16,), "max_iter": 5, "random_state": 0}
    plain = ScratchMLPClassifier(**params).fit(X_DIGITS, Y_DIGITS)
    with config_context(array_api_dispatch=True):
        dispatched = ScratchMLPClassifier(**params).fit(X_DIGITS, Y_DIGITS)
        proba = dispatched.predict_proba(X_DIGITS)
    for a, b in zip(plain.coefs_, dispatched.coefs_):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(proba, plain.predict_proba(X_DIGITS))


def test_lbfgs_refuses_other_namespaces():
    clf = ScratchMLPClassifier(solver="lbfgs")
    assert not clf.__sklearn_tags__().array_api_support
    assert ScratchMLPClassifier().__sklearn_tags__().array_api_support
    assert ScratchMLPRegressor().__sklearn_tags__().array_api_support
    with config_context(array_api_dispatch=True):
        with pytest.raises(ValueError, match="solver='lbfgs' runs SciPy's L-BFGS-B"):
            clf.fit(torch.asarray(X_DIGITS), torch.asarray(Y_DIGITS))
    assert not hasattr(clf, "coefs_")


def test_predicting_from_another_namespace_is_refused():
    with config_context(array_api_dispatch=True):
        clf = ScratchMLPClassifier((8,), max_iter=2, random_state=0)
        clf.fit(torch.asarray(X_DIGITS), torch.asarray(Y_DIGITS))
        with pytest.raises(ValueError, match=r"ScratchMLPClassifier.predict\(\)"):
            clf.predict(X_DIGITS)


def test_a_pipeline_stays_in_the_namespace():
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    X = torch.asarray(X_DIGITS)
    pipe = make_pipeline(StandardScaler(), ScratchMLPClassifier((32,), random_state=0))
    with config_context(array_api_dispatch=True):
        pipe.fit(X, torch.asarray(Y_DIGITS))
        predicted = pipe.predict(X)
    assert isinstance(predicted, torch.Tensor)
    assert isinstance(pipe[-1].coefs_[0], torch.Tensor)


def test_warm_start_continues_on_the_device():
    X, y = torch.asarray(X_DIGITS), torch.asarray(Y_DIGITS)
    params = {"hidden_layer_sizes": (16,), "max_iter": 3, "random_state": 0}
    ours = ScratchMLPClassifier(warm_start=True, **params)
    ours.fit(X_DIGITS, Y_DIGITS).fit(X_DIGITS, Y_DIGITS)
    with config_context(array_api_dispatch=True):
        clf = ScratchMLPClassifier(warm_start=True, **params).fit(X, y).fit(X, y)
    for got, expected in zip(clf.coefs_, ours.coefs_):
        np.testing.assert_allclose(got.numpy(), expected, rtol=0, atol=1e-10)


@pytest.mark.parametrize("activation", ["identity", "logistic", "tanh", "relu"])
@pytest.mark.parametrize(
    "loss, n_outputs",
    [("squared_error", 2), ("poisson", 2), ("log_loss", 3), ("binary_log_loss", 2)],
)
def test_array_api_kernels_give_the_numpy_gradient(activation, loss, n_outputs):
    # The same backprop through both kernel tables: weighted samples, dropout
    # masks on both hidden layers, L2 penalty.
    from skperceptron._kernels import ArrayAPIKernels
    from skperceptron._network import Network, Workspace

    rng = np.random.RandomState(0)
    X = rng.normal(size=(12, 4))
    if loss == "log_loss":
        Y = np.eye(n_outputs)[rng.randint(n_outputs, size=12)]
    elif loss == "binary_log_loss":
        Y = rng.randint(2, size=(12, n_outputs)).astype(float)
    else:
        Y = rng.uniform(0, 2, size=(12, n_outputs))
    weights = rng.uniform(0.5, 2, 12)
    masks = [(rng.rand(12, 6) > 0.3) / 0.7, (rng.rand(12, 5) > 0.5) / 0.5]
    reference = Network([4, 6, 5, n_outputs], activation, loss, np.float64)
    reference.initialize(np.random.RandomState(1))
    workspace = Workspace(reference, 12, dropout=True)
    expected = reference.loss_gradient(X, Y, weights, 0.1, workspace, masks)

    kernels = ArrayAPIKernels(strict, strict.Device("CPU_DEVICE"))
    network = Network.from_parameters(
        reference.coefs, reference.intercepts, activation, loss, np.float64, kernels
    )
    on_strict = Workspace(network, 12, dropout=True)
    got = network.loss_gradient(
        strict.asarray(X),
        strict.asarray(Y),
        strict.asarray(weights),
        0.1,
        on_strict,
        [strict.asarray(mask) for mask in masks],
    )
    assert float(got) == pytest.approx(expected, rel=1e-12)
    np.testing.assert_allclose(
        np.asarray(on_strict.grad), workspace.grad, rtol=1e-11, atol=1e-14
    )


@pytest.mark.parametrize("backend", ["numpy", "torch", "array_api_strict"])
def test_dropout_masks_are_inverted_dropout_in_every_backend(backend):
    from skperceptron._kernels import kernels_for
    from skperceptron._network import Network, Workspace

    xp = {"numpy": np, "torch": torch, "array_api_strict": strict}[backend]
    kernels = kernels_for(xp.zeros(1))
    network = Network([3, 400, 300, 2], "relu", "log_loss", np.float64, kernels)
    workspace = Workspace(network, 500, dropout=True)
    rates = [0.25, 0.6]
    masks = workspace.dropout_masks(kernels.dropout_rng(0), rates, 500)
    for rate, mask, width in zip(rates, masks, [400, 300]):
        values = np.asarray(mask.numpy() if backend == "torch" else mask)
        assert values.shape == (500, width)
        kept = values != 0
        np.testing.assert_allclose(values[kept], 1 / (1 - rate))
        assert kept.mean() == pytest.approx(1 - rate, abs=0.01)


@pytest.mark.parametrize(
    "activation", ["leaky_relu", "elu", "gelu", "silu", "softplus", "mish"]
)
def test_torch_float64_trains_the_numpy_weights_with_our_activations(activation):
    params = {
        "hidden_layer_sizes": (16, 8),
        "max_iter": 4,
        "random_state": 0,
        "activation": activation,
        "dropout": 0.0,
    }
    ours = ScratchMLPClassifier(**params).fit(X_DIGITS, Y_DIGITS)
    with config_context(array_api_dispatch=True):
        X_torch = torch.asarray(X_DIGITS)
        on_torch = ScratchMLPClassifier(**params).fit(X_torch, torch.asarray(Y_DIGITS))
        proba = on_torch.predict_proba(X_torch)
    for expected, got in zip(
        ours.coefs_ + ours.intercepts_, on_torch.coefs_ + on_torch.intercepts_
    ):
        np.testing.assert_allclose(got.numpy(), expected, rtol=0, atol=1e-10)
    np.testing.assert_allclose(proba.numpy(), ours.predict_proba(X_DIGITS), atol=1e-10)


def test_gelu_needs_erfc_in_the_namespace():
    with config_context(array_api_dispatch=True):
        X, y = strict.asarray(X_DIGITS[:50]), strict.asarray(Y_DIGITS[:50])
        clf = ScratchMLPClassifier((4,), activation="gelu", max_iter=1)
        with pytest.raises(ValueError, match="activation='gelu' needs .*erfc"):
            clf.fit(X, y)
