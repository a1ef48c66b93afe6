"""
=====================================================
Serving with ONNX: export a pipeline, run onnxruntime
=====================================================

A trained pipeline (scaling, then a :class:`~skperceptron.ScratchMLPClassifier`)
is exported to ONNX with skl2onnx, after ``import skperceptron.onnx`` has
registered skperceptron's converters. onnxruntime then predicts without
scikit-learn or skperceptron, and we compare its labels and probabilities
with the pipeline's own on the MNIST test images.

The network trains in float32 (MNIST's pixels are float32), so the ONNX graph
computes in float32 too. The two sides do the same arithmetic in a different
order (onnxruntime's matrix products sum in their own order), so their
probabilities differ by float32 rounding: a few parts in a million here,
where standardised pixels of nearly constant columns reach several hundred
and the sums of 784 products cancel. A float64 network exported for
double-precision inputs agrees to about :math:`10^{-15}`. It needs the ``onnx`` extra:
``pip install skperceptron[onnx]``.
"""

import os
import warnings

import matplotlib.pyplot as plt
import numpy as np
import onnxruntime as rt
from skl2onnx import to_onnx
from sklearn.exceptions import ConvergenceWarning
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import skperceptron.onnx  # noqa: F401  (registers the converters)
from skperceptron import ScratchMLPClassifier
from skperceptron.datasets import load_mnist

SMALL = os.environ.get("SKPERCEPTRON_EXAMPLE_SMALL") == "1"
TRAIN_ROWS = 3000 if SMALL else 60000
EPOCHS = 5 if SMALL else 15

X_train, y_train = load_mnist("train", return_X_y=True)
X_test, y_test = load_mnist("test", return_X_y=True)
X_train, y_train = X_train[:TRAIN_ROWS], y_train[:TRAIN_ROWS]

# %%
# Train and export
# ----------------
# The epochs are a fixed budget: the ConvergenceWarning that says so is
# silenced. ``to_onnx`` reads the input type from an example row; the option
# ``zipmap=False`` keeps the probabilities as an array instead of a list of
# dictionaries.

warnings.simplefilter("ignore", ConvergenceWarning)
pipeline = make_pipeline(
    StandardScaler(),
    ScratchMLPClassifier(hidden_layer_sizes=(128,), max_iter=EPOCHS, random_state=0),
).fit(X_train, y_train)

onx = to_onnx(pipeline, X_train[:1], options={"zipmap": False})
serialized = onx.SerializeToString()
print(f"ONNX model: {len(serialized) / 1e6:.2f} MB")
print("operators:", " ".join(node.op_type for node in onx.graph.node))

# %%
# Predict with onnxruntime
# ------------------------
# The session needs only the serialized graph; a server would load it from a
# ``.onnx`` file.

session = rt.InferenceSession(serialized, providers=["CPUExecutionProvider"])
input_name = session.get_inputs()[0].name
labels, probabilities = session.run(None, {input_name: X_test})

ours = pipeline.predict_proba(X_test)
difference = np.abs(probabilities - ours)
agree = int((labels == pipeline.predict(X_test)).sum())
print(
    f"float32: labels {agree} of {len(X_test)} equal, "
    f"largest probability difference {difference.max():.2e}"
)
print(f"test accuracy {(labels == y_test).mean():.3f}")

# %%
# Double precision
# ----------------
# A network trained on float64 data, exported for float64 inputs, runs in
# double precision in onnxruntime (ZipMap takes float32 only, hence
# ``zipmap=False``).

X64 = X_train.astype(np.float64)
pipeline64 = make_pipeline(
    StandardScaler(),
    ScratchMLPClassifier(hidden_layer_sizes=(128,), max_iter=EPOCHS, random_state=0),
).fit(X64, y_train)
onx64 = to_onnx(pipeline64, X64[:1], options={"zipmap": False})
session64 = rt.InferenceSession(
    onx64.SerializeToString(), providers=["CPUExecutionProvider"]
)
X_test64 = X_test.astype(np.float64)
labels64, probabilities64 = session64.run(None, {input_name: X_test64})
difference64 = np.abs(probabilities64 - pipeline64.predict_proba(X_test64))
agree64 = int((labels64 == pipeline64.predict(X_test64)).sum())
print(
    f"float64: labels {agree64} of {len(X_test)} equal, "
    f"largest probability difference {difference64.max():.2e}"
)

# %%
# Where the differences lie
# -------------------------
# The differences, on a log scale, for every probability of every test image;
# exact agreements are drawn at the left edge.

fig, ax = plt.subplots(figsize=(7, 4))
floor = 1e-20
bins = np.logspace(-20, -5, 61)
for name, diff in (("float32", difference), ("float64", difference64)):
    ax.hist(np.maximum(diff.ravel(), floor), bins=bins, alpha=0.6, label=name)
ax.set_xscale("log")
ax.set_yscale("log")
ax.set_xlabel("|onnxruntime - predict_proba|")
ax.set_ylabel("probabilities")
ax.set_title("onnxruntime against skperceptron on the MNIST test images")
ax.legend()
plt.show()
