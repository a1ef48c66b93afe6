"""ONNX export: every configuration converts and runs in onnxruntime like predict."""

import numpy as np
import pytest
from mlp_configurations import (
    N_FEATURES,
    every_configuration_and_dtype,
    features,
    fitted,
    targets,
)
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skperceptron import ScratchMLPClassifier, ScratchMLPRegressor
from skperceptron._activations import HIDDEN_ACTIVATIONS

skl2onnx = pytest.importorskip("skl2onnx")
onnxruntime = pytest.importorskip("onnxruntime")
pytest.importorskip("skperceptron.onnx")

pytestmark = pytest.mark.filterwarnings("ignore", category=ConvergenceWarning)

# The largest differences allowed between onnxruntime and predict/predict_proba:
# relative, with an absolute floor near the precision's resolution of 1 for
# values close to 0 (such as a binary 1 - p where p is close to 1).
TOLERANCES = {
    np.float32: dict(rtol=1e-5, atol=1e-6),
    np.float64: dict(rtol=1e-12, atol=1e-14),
}


def run_onnx(model, X, options=None):
    """Convert ``model`` for inputs like ``X``; return onnxruntime's outputs."""
    onx = skl2onnx.to_onnx(model, X[:1], options=options)
    session = onnxruntime.InferenceSession(
        onx.SerializeToString(), providers=["CPUExecutionProvider"]
    )
    return session.run(None, {session.get_inputs()[0].name: X})


def expected_outputs(model, X):
    """What onnxruntime must give: labels and probabilities, or predictions."""
    if hasattr(model, "predict_proba"):
        return model.predict(X), model.predict_proba(X)
    return (model.predict(X).reshape(X.shape[0], -1),)


def assert_same_outputs(model, X, outputs, dtype):
    """Labels equal; probabilities and predictions within ``TOLERANCES``.

    Its erf computed in float32 (onnxruntime has no double Erf), a
    double-precision GELU graph is held to float32's tolerance.
    """
    expected = expected_outputs(model, X)
    if len(expected) == 2:
        assert_array_equal(outputs[0], expected[0])
        expected, outputs = expected[1:], outputs[1:]
    (values,) = outputs
    assert values.dtype == dtype
    assert values.shape == expected[0].shape
    gelu = getattr(model, "activation", None) == "gelu" and len(model.coefs_) > 1
    tolerance = TOLERANCES[np.float32 if gelu else dtype]
    assert_allclose(values, expected[0], **tolerance)


@every_configuration_and_dtype
def test_every_configuration_runs_like_predict(estimator, kind, dtype):
    # A float32 model runs in float32; a float64 one in double precision,
    # where ZipMap (float only) cannot follow, so probabilities stay a tensor.
    model = fitted(estimator, kind, dtype)
    X = np.random.RandomState(2).normal(size=(200, N_FEATURES)).astype(dtype)
    options = {id(model): {"zipmap": False}} if hasattr(model, "classes_") else None
    outputs = run_onnx(model, X, options=options)
    assert_same_outputs(model, X, outputs, dtype)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("activation", HIDDEN_ACTIVATIONS)
@pytest.mark.parametrize(
    "estimator, kind",
    [
        (ScratchMLPClassifier(hidden_layer_sizes=(7, 4), max_iter=40), "multiclass"),
        (ScratchMLPRegressor(hidden_layer_sizes=(7, 4), max_iter=40), "one output"),
    ],
    ids=["classifier", "regressor"],
)
def test_every_activation_runs_like_predict(estimator, kind, activation, dtype):
    # Inputs up to 40 standard deviations wide put pre-activations far into
    # both tails (where softplus turns linear, ELU and GELU flatten), besides
    # the usual range.
    model = fitted(clone(estimator).set_params(activation=activation), kind, dtype)
    rng = np.random.RandomState(2)
    X = rng.normal(size=(300, N_FEATURES)) * rng.choice([1, 5, 40], size=(300, 1))
    X = X.astype(dtype)
    options = {id(model): {"zipmap": False}} if hasattr(model, "classes_") else None
    onx = skl2onnx.to_onnx(model, X[:1], options=options)
    if dtype == np.float64:
        # Double precision throughout, but for the GELU's documented erf.
        casts = [node for node in onx.graph.node if node.op_type == "Cast"]
        n_hidden = len(model.coefs_) - 1
        assert len(casts) == (2 * n_hidden if activation == "gelu" else 0)
    session = onnxruntime.InferenceSession(
        onx.SerializeToString(), providers=["CPUExecutionProvider"]
    )
    outputs = session.run(None, {session.get_inputs()[0].name: X})
    assert_same_outputs(model, X, outputs, dtype)


def test_unknown_activation_is_named():
    model = fitted(
        ScratchMLPRegressor(hidden_layer_sizes=(3,)), "one output", np.float32
    )
    model.activation = "swish"
    with pytest.raises(ValueError, match="cannot export activation='swish'"):
        skl2onnx.to_onnx(model, features()[:1].astype(np.float32))


def test_dropout_leaves_nothing_in_the_graph():
    # Dropout and class weights only change training: the graph is the
    # forward pass of coefs_ and intercepts_, as for any other model.
    estimator = ScratchMLPClassifier(
        hidden_layer_sizes=(8, 8), dropout=0.3, class_weight="balanced"
    )
    model = fitted(estimator, "multiclass", np.float32)
    onx = skl2onnx.to_onnx(
        model, features()[:1].astype(np.float32), options={"zipmap": False}
    )
    operators = [node.op_type for node in onx.graph.node]
    assert sorted(operators) == sorted(
        3 * ["MatMul", "Add"] + 2 * ["Relu"] + ["Softmax", "ArgMax", "Gather"]
    )


@pytest.mark.parametrize("kind", ["multiclass", "strings", "binary", "multilabel"])
def test_pipeline_with_zipmap(kind):
    # skl2onnx's defaults: float input and ZipMap's list of {class: probability}.
    X = features().astype(np.float32)
    pipeline = make_pipeline(
        StandardScaler(), ScratchMLPClassifier(hidden_layer_sizes=(6,), random_state=0)
    ).fit(X, targets(kind))
    labels, probabilities = run_onnx(pipeline, X)
    assert_array_equal(labels, pipeline.predict(X))
    classes = pipeline.classes_
    assert [list(row) for row in probabilities] == [list(classes)] * len(X)
    table = np.array([[row[label] for label in classes] for row in probabilities])
    assert_allclose(table, pipeline.predict_proba(X), **TOLERANCES[np.float32])


@pytest.mark.parametrize("kind", ["one output", "outputs", "counts"])
def test_regressor_pipeline(kind):
    X = features().astype(np.float32)
    loss = "poisson" if kind == "counts" else "squared_error"
    pipeline = make_pipeline(
        StandardScaler(),
        ScratchMLPRegressor(loss=loss, hidden_layer_sizes=(6,), random_state=0),
    ).fit(X, targets(kind))
    (predictions,) = run_onnx(pipeline, X)
    expected = pipeline.predict(X).reshape(len(X), -1)
    assert_allclose(predictions, expected, **TOLERANCES[np.float32])


def test_zipmap_columns_and_nocl_options():
    X = features().astype(np.float32)
    model = fitted(ScratchMLPClassifier(hidden_layer_sizes=(6,)), "strings", np.float32)
    labels, *columns = run_onnx(model, X, options={id(model): {"zipmap": "columns"}})
    assert_array_equal(labels, model.predict(X))
    assert_allclose(
        np.column_stack(columns), model.predict_proba(X), **TOLERANCES[np.float32]
    )
    # nocl: class indices instead of the labels.
    indices, probabilities = run_onnx(
        model, X, options={id(model): {"zipmap": False, "nocl": True}}
    )
    assert_array_equal(model.classes_[indices], model.predict(X))
    assert_allclose(probabilities, model.predict_proba(X), **TOLERANCES[np.float32])


def test_float64_model_exported_for_float32_input():
    # skl2onnx's default input type is float: the graph then computes in
    # float32 with the float64 weights rounded, within float32's tolerance.
    model = fitted(ScratchMLPRegressor(hidden_layer_sizes=(6,)), "outputs", np.float64)
    X = features()
    (predictions,) = run_onnx(model, X.astype(np.float32))
    assert predictions.dtype == np.float32
    assert_allclose(predictions, model.predict(X), rtol=1e-5, atol=1e-5)


def test_integer_input_is_cast_to_float():
    model = fitted(ScratchMLPClassifier(hidden_layer_sizes=(6,)), "binary", np.float64)
    X = np.round(3 * features()).astype(np.int64)
    labels, probabilities = run_onnx(model, X, options={id(model): {"zipmap": False}})
    assert probabilities.dtype == np.float32
    assert_array_equal(labels, model.predict(X))
    assert_allclose(probabilities, model.predict_proba(X), **TOLERANCES[np.float32])


def test_classifier_fitted_on_one_class_predicts_it_for_every_row():
    # Issue 23: its one logistic output can exceed 0.5, where the graph
    # gathered a second class that does not exist.
    X = features().astype(np.float32)
    model = ScratchMLPClassifier(hidden_layer_sizes=(6,), max_iter=5, random_state=0)
    model.fit(X, np.full(len(X), 7))
    # Centre the output's logits so that rows fall on both sides of 0.5.
    p = model.predict_proba(X)[:, 1].astype(np.float64)
    model.intercepts_[-1] -= np.float32(np.median(np.log(p / (1 - p))))
    proba = model.predict_proba(X)
    assert (proba[:, 1] > 0.5).any() and (proba[:, 1] < 0.5).any()
    labels, probabilities = run_onnx(model, X, options={id(model): {"zipmap": False}})
    assert_array_equal(labels, np.full(len(X), 7))
    assert_array_equal(labels, model.predict(X))
    assert_allclose(probabilities, proba, **TOLERANCES[np.float32])
    # ZipMap cannot pair predict_proba's two columns with one label.
    with pytest.raises(ValueError, match="fitted on one class.*'zipmap': False"):
        skl2onnx.to_onnx(model, X[:1])


@pytest.mark.parametrize("kind", ["binary", "multiclass", "one output", "outputs"])
def test_model_trained_on_torch_tensors_exports(kind):
    # Issue 23: coefs_ are torch tensors, which have no astype; the graph
    # takes host copies and computes what predict computes on the tensors.
    torch = pytest.importorskip("torch")
    from sklearn import config_context

    X = features()
    y = targets(kind)
    regression = kind in ("one output", "outputs")
    estimator = (ScratchMLPRegressor if regression else ScratchMLPClassifier)(
        hidden_layer_sizes=(6,), max_iter=20, random_state=0
    )
    with config_context(array_api_dispatch=True):
        estimator.fit(torch.asarray(X), torch.asarray(y))
        assert isinstance(estimator.coefs_[0], torch.Tensor)
        expected = [
            np.asarray(output).reshape(len(X), -1)
            for output in expected_outputs(estimator, torch.asarray(X))
        ]
    options = {id(estimator): {"zipmap": False}} if len(expected) == 2 else None
    outputs = run_onnx(estimator, X, options=options)
    if len(expected) == 2:
        assert_array_equal(outputs[0], expected[0].ravel())
    assert outputs[-1].dtype == np.float64
    assert_allclose(outputs[-1], expected[-1], **TOLERANCES[np.float64])
