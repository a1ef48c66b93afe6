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


@pytest.mark.parametrize("method", ["fit", "partial_fit"])
def test_torch_labels_for_numpy_X_are_encoded_on_the_host(method):
    # Issue 23: the labels are encoded on the host whatever their namespace,
    # as for all-torch input and for the regressor.
    params = {"hidden_layer_sizes": (16,), "max_iter": 5, "random_state": 0}
    weights = np.random.RandomState(0).uniform(0.5, 2, len(Y_DIGITS))
    extra = {"classes": np.arange(10)} if method == "partial_fit" else {}
    ours = getattr(ScratchMLPClassifier(**params), method)(
        X_DIGITS, Y_DIGITS, sample_weight=weights, **extra
    )
    if method == "partial_fit":
        extra = {"classes": torch.arange(10)}
    with config_context(array_api_dispatch=True):
        clf = getattr(ScratchMLPClassifier(**params), method)(
            X_DIGITS,
            torch.asarray(Y_DIGITS),
            sample_weight=torch.asarray(weights),
            **extra,
        )
        predicted = clf.predict(X_DIGITS)
    assert isinstance(clf.classes_, np.ndarray)
    np.testing.assert_array_equal(clf.classes_, ours.classes_)
    for got, expected in zip(
        clf.coefs_ + clf.intercepts_, ours.coefs_ + ours.intercepts_
    ):
        assert isinstance(got, np.ndarray)
        np.testing.assert_array_equal(got, expected)
    np.testing.assert_array_equal(predicted, ours.predict(X_DIGITS))


@pytest.mark.parametrize("estimator", ["classifier", "regressor"])
def test_gradient_utilities_take_torch_inputs(estimator):
    # Issue 23: loss_and_gradients and check_gradients on a torch-trained
    # model with torch inputs give what they give with NumPy inputs.
    from skperceptron.utils import check_gradients, loss_and_gradients

    X = X_DIGITS[:60]
    if estimator == "classifier":
        model, y = ScratchMLPClassifier((6,), activation="tanh"), Y_DIGITS[:60]
    else:
        model, y = (
            ScratchMLPRegressor(hidden_layer_sizes=(6,), activation="tanh"),
            X[:, 20:22],
        )
    weights = np.random.RandomState(0).uniform(0.5, 2, 60)
    model.set_params(max_iter=3, random_state=0)
    with config_context(array_api_dispatch=True):
        model.fit(torch.asarray(X), torch.asarray(y))
        on_torch = loss_and_gradients(
            model, torch.asarray(X), torch.asarray(y), torch.asarray(weights)
        )
        error = check_gradients(model, torch.asarray(X), torch.asarray(y))
    assert isinstance(model.coefs_[0], torch.Tensor)
    on_numpy = loss_and_gradients(model, X, y, weights)
    assert isinstance(on_torch[0], float) and on_torch[0] == on_numpy[0]
    for got, expected in zip(on_torch[1] + on_torch[2], on_numpy[1] + on_numpy[2]):
        assert isinstance(got, np.ndarray)
        np.testing.assert_array_equal(got, expected)
    assert error < 1e-6


def test_tensors_that_require_grad_are_refused_at_the_door():
    # Issue 23: training and prediction are no autograd operations; a tensor
    # that records gradients is refused with an error naming requires_grad,
    # before any work, and left as it was.
    from skperceptron.utils import check_gradients, loss_and_gradients

    X, y = torch.asarray(X_DIGITS[:100]), torch.asarray(Y_DIGITS[:100])
    X_grad = X.clone().requires_grad_(True)
    y_float = torch.asarray(X_DIGITS[:100, 20])
    y_grad = y_float.clone().requires_grad_(True)
    weights_grad = torch.ones(100, dtype=torch.float64, requires_grad=True)
    with config_context(array_api_dispatch=True):
        clf = ScratchMLPClassifier((8,), max_iter=2, random_state=0).fit(X, y)
        reg = ScratchMLPRegressor(
            hidden_layer_sizes=(8,), max_iter=2, random_state=0
        ).fit(X, y_float)
        fitted = [coef.clone() for coef in clf.coefs_]
        calls = {
            "ScratchMLPClassifier.fit": lambda: ScratchMLPClassifier().fit(X_grad, y),
            "ScratchMLPClassifier.partial_fit": lambda: clf.partial_fit(X_grad, y),
            "ScratchMLPRegressor.fit": lambda: reg.fit(X, y_grad),
            "ScratchMLPRegressor.partial_fit": lambda: reg.partial_fit(
                X, y_float, sample_weight=weights_grad
            ),
            "ScratchMLPClassifier.predict": lambda: clf.predict(X_grad),
            "ScratchMLPClassifier.predict_proba": lambda: clf.predict_proba(X_grad),
            "ScratchMLPClassifier.predict_log_proba": lambda: clf.predict_log_proba(
                X_grad
            ),
            "ScratchMLPRegressor.predict": lambda: reg.score(X_grad, y_float),
            "skperceptron.utils": lambda: loss_and_gradients(clf, X_grad, y),
        }
        for caller, call in calls.items():
            with pytest.raises(ValueError, match=f"{caller} got .* requires_grad=True"):
                call()
        with pytest.raises(ValueError, match=r"pass X\.detach\(\)"):
            check_gradients(reg, X_grad, y_float)
        # The same values, detached, are welcome.
        np.testing.assert_array_equal(
            clf.predict(X_grad.detach()).numpy(), clf.predict(X).numpy()
        )
    # Without the dispatch too, for the NumPy path.
    on_host = ScratchMLPClassifier((8,), max_iter=2).fit(X_DIGITS[:100], Y_DIGITS[:100])
    with pytest.raises(ValueError, match="predict got X with requires_grad"):
        on_host.predict(X_grad)
    with pytest.raises(ValueError, match="fit got X with requires_grad"):
        ScratchMLPClassifier().fit(X_grad, Y_DIGITS[:100])
    assert X_grad.requires_grad and X_grad.grad is None
    np.testing.assert_array_equal(X_grad.detach().numpy(), X_DIGITS[:100])
    for got, expected in zip(clf.coefs_, fitted):
        assert torch.equal(got, expected)


@pytest.mark.parametrize("model_dtype", [np.float64, np.float32])
def test_torch_input_of_another_float_dtype_is_cast_on_the_device(model_dtype):
    # Issue 23: as on the host, X of another float dtype than the model's is
    # cast, and predictions come in the wider of the two.
    other = np.float32 if model_dtype == np.float64 else np.float64
    X = X_DIGITS.astype(model_dtype)
    params = {"hidden_layer_sizes": (16,), "max_iter": 3, "random_state": 0}
    clf = ScratchMLPClassifier(**params).fit(X, Y_DIGITS)
    reg = ScratchMLPRegressor(**params).fit(X, X_DIGITS[:, 20:22])
    with config_context(array_api_dispatch=True):
        on_torch = ScratchMLPClassifier(**params).fit(
            torch.asarray(X), torch.asarray(Y_DIGITS)
        )
        reg_torch = ScratchMLPRegressor(**params).fit(
            torch.asarray(X), torch.asarray(X_DIGITS[:, 20:22])
        )
        X_other = torch.asarray(X_DIGITS.astype(other))
        proba = on_torch.predict_proba(X_other)
        predicted = on_torch.predict(X_other)
        regressed = reg_torch.predict(X_other)
    expected_proba = clf.predict_proba(X_DIGITS.astype(other))
    expected_regressed = reg.predict(X_DIGITS.astype(other))
    assert proba.dtype == torch.float64 == regressed.dtype
    assert expected_proba.dtype == np.float64 == expected_regressed.dtype
    np.testing.assert_allclose(proba.numpy(), expected_proba, rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(
        regressed.numpy(), expected_regressed, rtol=1e-5, atol=1e-7
    )
    np.testing.assert_array_equal(
        predicted.numpy(), clf.predict(X_DIGITS.astype(other))
    )


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_saturated_outputs_are_clipped_at_both_ends_on_the_device(dtype):
    # Issue 23: probabilities of exactly 0 and 1 are clipped to [eps, 1 - eps]
    # in the array-API table as in NumPy's: the log-losses stay finite and
    # equal, and so do predict_proba's saturated rows.
    from skperceptron._kernels import NUMPY_KERNELS, ArrayAPIKernels
    from skperceptron._losses import LOSSES

    kernels = ArrayAPIKernels(torch, torch.device("cpu"))
    y = np.array([[0.0, 1.0], [1.0, 0.0], [0.0, 1.0]], dtype=dtype)
    out = np.array([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0]], dtype=dtype)
    for name in ("binary_log_loss", "log_loss"):
        expected = LOSSES[name](y, out, None, kernels=NUMPY_KERNELS)
        got = LOSSES[name](torch.asarray(y), torch.asarray(out), None, kernels=kernels)
        assert np.isfinite(expected)
        assert float(got) == pytest.approx(expected, rel=1e-6)
    X = np.array([[-1.0], [1.0]], dtype=dtype)
    clf = ScratchMLPClassifier(hidden_layer_sizes=(), max_iter=1).fit(X, [0, 1])
    with config_context(array_api_dispatch=True):
        on_torch = ScratchMLPClassifier(hidden_layer_sizes=(), max_iter=1)
        on_torch.fit(torch.asarray(X), torch.asarray([0, 1]))
        # Outputs that saturate in either direction.
        for model in (clf, on_torch):
            model.coefs_[0][...] = 1e4
        proba = on_torch.predict_proba(torch.asarray(X)).numpy()
    eps = np.finfo(dtype).eps
    np.testing.assert_array_equal(proba, [[1 - eps, eps], [eps, 1 - eps]])
    np.testing.assert_array_equal(proba, clf.predict_proba(X))


def test_models_on_two_devices_of_one_namespace_are_told_apart():
    # Issue 23: the namespace and the device are both checked; array-api-strict
    # has several devices of one namespace.
    devices = [strict.Device("CPU_DEVICE"), strict.Device("device1")]
    X = strict.asarray(X_DIGITS[:100], device=devices[0])
    y = strict.asarray(Y_DIGITS[:100], device=devices[0])
    with config_context(array_api_dispatch=True):
        clf = ScratchMLPClassifier((8,), max_iter=2, random_state=0).fit(X, y)
        X_elsewhere = strict.asarray(X_DIGITS[:100], device=devices[1])
        with pytest.raises(ValueError, match="same device"):
            clf.predict(X_elsewhere)
        with pytest.raises(ValueError, match="same device"):
            clf.predict_proba(X_elsewhere)
        assert clf.predict(X).device == devices[0]
