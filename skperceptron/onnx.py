"""Export fitted estimators to ONNX with skl2onnx.

Importing this module registers converters for
:class:`~skperceptron.ScratchMLPClassifier` and
:class:`~skperceptron.ScratchMLPRegressor` with skl2onnx, so that skl2onnx's
own :func:`skl2onnx.to_onnx` and :func:`skl2onnx.convert_sklearn` convert
them, alone or as a step of a pipeline::

    import skperceptron.onnx  # noqa: F401  (registers the converters)
    from skl2onnx import to_onnx

    onx = to_onnx(model, X[:1])

It needs the ``onnx`` extra: ``pip install skperceptron[onnx]``.

The ONNX graph computes what ``predict``, ``predict_proba`` and the
regressor's ``predict`` compute, in the input's precision: float32 for a
float (or integer) input, float64 for a double input (but for the
``'gelu'`` activation's error function, computed in float32: onnxruntime has
no double ``Erf``). Every configuration converts: any hidden activation,
no hidden layer, binary, multiclass and multilabel classifiers (integer or
string labels), one or several regression outputs, and the Poisson loss's
exponential output. Training-only settings (dropout, class weights, the
solver) leave nothing in the graph. A model trained on another array
namespace under ``array_api_dispatch`` (PyTorch, on any device) converts
too: the graph holds host copies of its parameters.

A classifier has skl2onnx's usual two outputs: the labels, shape
``(n_samples,)`` (``(n_samples, n_labels)`` 0/1 indicators for a multilabel
model), and the probabilities, shape ``(n_samples, n_classes)``, which
skl2onnx turns into a list of dictionaries unless the option
``{"zipmap": False}`` (or ``"columns"``) is given. skl2onnx's options
``zipmap``, ``nocl`` and ``output_class_labels`` are honoured. A classifier
fitted on one class predicts it for every row; its probabilities have
predict_proba's two columns (``1 - p`` and ``p``) and need
``{"zipmap": False}``. A regressor has one output of shape
``(n_samples, n_outputs)``.
"""

import numpy as np

try:
    from onnx import TensorProto
    from skl2onnx import update_registered_converter
    from skl2onnx.algebra.onnx_ops import (
        OnnxAdd,
        OnnxArgMax,
        OnnxCast,
        OnnxConcat,
        OnnxDiv,
        OnnxErf,
        OnnxExp,
        OnnxGather,
        OnnxGreater,
        OnnxIdentity,
        OnnxLog,
        OnnxMatMul,
        OnnxMax,
        OnnxMin,
        OnnxMul,
        OnnxRelu,
        OnnxReshape,
        OnnxSigmoid,
        OnnxSoftmax,
        OnnxSub,
        OnnxTanh,
    )
    from skl2onnx.common.data_types import (
        BooleanTensorType,
        DoubleTensorType,
        FloatTensorType,
        Int64TensorType,
        StringTensorType,
    )
    from skl2onnx.common.utils import (
        check_input_and_output_numbers,
        check_input_and_output_types,
    )
    from skl2onnx.common.utils_classifier import get_label_classes
except ImportError as error:  # pragma: no cover - depends on the environment
    raise ImportError(
        "skperceptron.onnx needs skl2onnx and onnx; install them with "
        "`pip install skperceptron[onnx]`."
    ) from error

from ._activations import _SOFTPLUS_LINEAR_FROM, _SQRT_HALF, LEAKY_RELU_SLOPE
from ._backends import to_numpy
from ._mlp import ScratchMLPClassifier, ScratchMLPRegressor

_INPUT_TYPES = [BooleanTensorType, DoubleTensorType, FloatTensorType, Int64TensorType]

# The activations are written with operators that onnxruntime runs in double
# precision as well as float32 (it has no double Elu, Softplus or Erf before
# opset 18, and LeakyRelu's slope is a float32 attribute), so that a float64
# graph computes in float64. Each builder takes the layer's node, the opset
# and the dtype the graph computes in, and returns the activated node.


def _constant(value, dtype):
    """Return ``value`` as a one-element array of ``dtype``, which broadcasts."""
    return np.array([value], dtype=dtype)


def _leaky_relu(z, opset, dtype):
    """``max(z, 0.01 z)``, as the NumPy kernels compute it."""
    scaled = OnnxMul(z, _constant(LEAKY_RELU_SLOPE, dtype), op_version=opset)
    return OnnxMax(z, scaled, op_version=opset)


def _elu(z, opset, dtype):
    """``max(z, expm1(min(z, 0)))``, with ``expm1(x) = 2 t / (1 - t)``.

    ``t = tanh(x / 2)``: ONNX has no ``expm1``, and ``exp(x) - 1`` would lose
    the relative precision of small ``|x|``; ``1 - t`` does not cancel for
    ``x <= 0``.
    """
    half = OnnxMul(
        OnnxMin(z, _constant(0, dtype), op_version=opset),
        _constant(0.5, dtype),
        op_version=opset,
    )
    t = OnnxTanh(half, op_version=opset)
    expm1 = OnnxDiv(
        OnnxMul(t, _constant(2, dtype), op_version=opset),
        OnnxSub(_constant(1, dtype), t, op_version=opset),
        op_version=opset,
    )
    return OnnxMax(z, expm1, op_version=opset)


def _gelu(z, opset, dtype):
    """``z (1 + erf(z / sqrt(2))) / 2``.

    onnxruntime's Erf has no double kernel: a float64 graph computes the
    ``erf`` alone in float32 (the documented precision of such a graph).
    """
    argument = OnnxMul(z, _constant(_SQRT_HALF, dtype), op_version=opset)
    if dtype == np.float64:
        argument = OnnxCast(argument, to=TensorProto.FLOAT, op_version=opset)
    erf = OnnxErf(argument, op_version=opset)
    if dtype == np.float64:
        erf = OnnxCast(erf, to=TensorProto.DOUBLE, op_version=opset)
    half = OnnxMul(z, _constant(0.5, dtype), op_version=opset)
    return OnnxAdd(half, OnnxMul(half, erf, op_version=opset), op_version=opset)


def _silu(z, opset, dtype):
    """``z sigmoid(z)``."""
    return OnnxMul(z, OnnxSigmoid(z, op_version=opset), op_version=opset)


def _softplus_up_to(z, opset, dtype):
    """``log(1 + exp(min(z, 40)))``, as ``skperceptron._activations`` computes it."""
    capped = OnnxMin(z, _constant(_SOFTPLUS_LINEAR_FROM, dtype), op_version=opset)
    return OnnxLog(
        OnnxAdd(
            OnnxExp(capped, op_version=opset), _constant(1, dtype), op_version=opset
        ),
        op_version=opset,
    )


def _softplus(z, opset, dtype):
    """``max(z, log(1 + exp(min(z, 40))))``, which cannot overflow."""
    return OnnxMax(z, _softplus_up_to(z, opset, dtype), op_version=opset)


def _mish(z, opset, dtype):
    """``z tanh(softplus(z))`` (ONNX's own Mish needs opset 18)."""
    softplus = _softplus_up_to(z, opset, dtype)
    return OnnxMul(z, OnnxTanh(softplus, op_version=opset), op_version=opset)


def _operator(onnx_operator):
    """Return the builder applying the single operator ``onnx_operator``."""
    return lambda z, opset, dtype: onnx_operator(z, op_version=opset)


#: Builders of every activation a fitted model can name: its hidden
#: activation, or a regressor's output activation (identity or exp).
_ACTIVATIONS = {
    "identity": lambda z, opset, dtype: z,
    "logistic": _operator(OnnxSigmoid),
    "tanh": _operator(OnnxTanh),
    "relu": _operator(OnnxRelu),
    "leaky_relu": _leaky_relu,
    "elu": _elu,
    "gelu": _gelu,
    "silu": _silu,
    "softplus": _softplus,
    "mish": _mish,
    "exp": _operator(OnnxExp),
}


def _activation(name):
    """Return the builder of activation ``name``, or raise naming it."""
    try:
        return _ACTIVATIONS[name]
    except KeyError:
        raise ValueError(
            f"skperceptron.onnx cannot export activation={name!r}; it exports "
            f"{', '.join(repr(known) for known in _ACTIVATIONS)}."
        ) from None


def _float_type(input_type):
    """Return the tensor type and NumPy dtype the graph computes in."""
    if isinstance(input_type, DoubleTensorType):
        return DoubleTensorType, np.float64
    return FloatTensorType, np.float32


def _label_classes(scope, model):
    """Return the class labels as the graph outputs them: int64 or strings.

    Numeric labels become int64, as in skl2onnx's own classifiers (scikit-learn
    accepts float labels only when they are integers); ``nocl=True`` gives
    the class indices.
    """
    classes = np.asarray(get_label_classes(scope, model))
    if classes.dtype.kind in "iubf":
        return classes.astype(np.int64)
    return classes.astype(str)


def _multilabel(model):
    """Whether ``model`` predicts a 0/1 indicator matrix (one column per label)."""
    return model._label_binarizer.y_type_.startswith("multilabel")


def _shape_classifier(operator):
    """Set the types and shapes of a classifier's labels and probabilities."""
    check_input_and_output_numbers(operator, input_count_range=1, output_count_range=2)
    check_input_and_output_types(operator, good_input_types=_INPUT_TYPES)
    model = operator.raw_operator
    n_samples = operator.inputs[0].get_first_dimension()
    classes = _label_classes(operator.scope_inst, model)
    label_type = StringTensorType if classes.dtype.kind == "U" else Int64TensorType
    label_shape = [n_samples, len(classes)] if _multilabel(model) else [n_samples]
    operator.outputs[0].type = label_type(label_shape)
    float_type, _ = _float_type(operator.inputs[0].type)
    n_columns = len(model.classes_)
    if n_columns == 1:
        # predict_proba gives a model fitted on one class two columns, as
        # scikit-learn's MLP does: 1 - p and p of its one logistic output.
        n_columns = 2
        zipmap = operator.scope_inst.get_options(model, {"zipmap": True})["zipmap"]
        if zipmap is not False:
            raise ValueError(
                f"The model was fitted on one class ({model.classes_[0]!r}): its "
                "probabilities have two columns, as predict_proba's, but ZipMap "
                "needs one label per column. Convert it with the option "
                "{'zipmap': False}."
            )
    operator.outputs[1].type = float_type([n_samples, n_columns])


def _shape_regressor(operator):
    """Set the type and shape of a regressor's predictions."""
    check_input_and_output_numbers(operator, input_count_range=1, output_count_range=1)
    check_input_and_output_types(operator, good_input_types=_INPUT_TYPES)
    n_samples = operator.inputs[0].get_first_dimension()
    float_type, _ = _float_type(operator.inputs[0].type)
    operator.outputs[0].type = float_type([n_samples, operator.raw_operator.n_outputs_])


def _output_layer(operator, container):
    """Build the forward pass up to the output layer's pre-activations.

    Returns the ONNX node of the pre-activations and the NumPy dtype the
    graph computes in.
    """
    model = operator.raw_operator
    opset = container.target_opset
    input_variable = operator.inputs[0]
    _, dtype = _float_type(input_variable.type)
    layer = input_variable
    if not isinstance(input_variable.type, (FloatTensorType, DoubleTensorType)):
        layer = OnnxCast(layer, to=TensorProto.FLOAT, op_version=opset)
    hidden = _activation(model.activation)
    last = len(model.coefs_) - 1
    for index, (coef, intercept) in enumerate(zip(model.coefs_, model.intercepts_)):
        # Host copies of a model trained in another namespace (PyTorch, ...).
        coef, intercept = to_numpy(coef), to_numpy(intercept)
        product = OnnxMatMul(layer, coef.astype(dtype), op_version=opset)
        layer = OnnxAdd(product, intercept.astype(dtype), op_version=opset)
        if index < last:
            layer = hidden(layer, opset, dtype)
    return layer, dtype


def _convert_classifier(scope, operator, container):
    """Write a classifier's labels and probabilities to the ONNX graph."""
    model = operator.raw_operator
    opset = container.target_opset
    label_name, proba_name = operator.outputs[0], operator.outputs[1]
    logits, dtype = _output_layer(operator, container)
    classes = _label_classes(scope, model)

    if model.out_activation_ == "softmax":
        # Softmax keeps the order of a row: predict takes the argmax of the
        # logits, and so does the graph.
        proba = OnnxSoftmax(logits, axis=1, op_version=opset, output_names=[proba_name])
        best = OnnxArgMax(logits, axis=1, keepdims=0, op_version=opset)
        label = OnnxGather(classes, best, op_version=opset, output_names=[label_name])
    else:
        positive = OnnxSigmoid(logits, op_version=opset)
        # predict's threshold: a label is on where its probability is > 0.5.
        on = OnnxCast(
            OnnxGreater(positive, np.array([0.5], dtype=dtype), op_version=opset),
            to=TensorProto.INT64,
            op_version=opset,
        )
        if _multilabel(model):
            proba = OnnxIdentity(positive, op_version=opset, output_names=[proba_name])
            label = OnnxIdentity(on, op_version=opset, output_names=[label_name])
        else:
            # One logistic output: the probabilities of classes_[0] and [1].
            # A model fitted on one class predicts it on both sides of the
            # threshold.
            if len(classes) == 1:
                classes = np.repeat(classes, 2)
            negative = OnnxSub(np.array([1], dtype=dtype), positive, op_version=opset)
            proba = OnnxConcat(
                negative,
                positive,
                axis=1,
                op_version=opset,
                output_names=[proba_name],
            )
            index = OnnxReshape(on, np.array([-1], dtype=np.int64), op_version=opset)
            label = OnnxGather(
                classes, index, op_version=opset, output_names=[label_name]
            )
    label.add_to(scope, container)
    proba.add_to(scope, container)


def _convert_regressor(scope, operator, container):
    """Write a regressor's predictions to the ONNX graph."""
    model = operator.raw_operator
    opset = container.target_opset
    output, dtype = _output_layer(operator, container)
    output = _activation(model.out_activation_)(output, opset, dtype)
    OnnxIdentity(output, op_version=opset, output_names=[operator.outputs[0]]).add_to(
        scope, container
    )


update_registered_converter(
    ScratchMLPClassifier,
    "SkperceptronScratchMLPClassifier",
    _shape_classifier,
    _convert_classifier,
    options={
        "zipmap": [True, False, "columns"],
        "output_class_labels": [False, True],
        "nocl": [True, False],
    },
)
update_registered_converter(
    ScratchMLPRegressor,
    "SkperceptronScratchMLPRegressor",
    _shape_regressor,
    _convert_regressor,
)
