"""
=============================================
Out-of-core training with ``partial_fit``
=============================================

When the training set does not fit in memory, keep it on disk and train chunk
by chunk: :meth:`~skperceptron.ScratchMLPClassifier.partial_fit` runs one
epoch of mini-batches over the chunk it is given and keeps the optimizer's
state (Adam's moments, the step count) from one call to the next.

Here MNIST is written to an on-disk :class:`numpy.memmap` of float32 and read
back one chunk at a time. A slice of a memmap is a view of the file, and the
training loop copies each mini-batch straight out of it, so the Python heap
holds the model and one mini-batch, never the data set: ``tracemalloc``
measures it. For comparison, ``fit`` trains the same network for as many
epochs on the whole array held in memory.

Set ``SKPERCEPTRON_EXAMPLE_SMALL=1`` for a run of a few seconds on a tenth of
the data.
"""

# %%
# Write the data set to disk, a chunk at a time
# ---------------------------------------------
# In practice the file is what you have; here we make it from the packaged
# MNIST. The labels go to disk as well: nothing of the training set stays in
# memory once the files are written.

import os
import tempfile
import time
import tracemalloc
import warnings
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from sklearn.exceptions import ConvergenceWarning

from skperceptron import ScratchMLPClassifier
from skperceptron.datasets import load_mnist

SMALL = os.environ.get("SKPERCEPTRON_EXAMPLE_SMALL") == "1"
N_TRAIN = 6000 if SMALL else 60000
CHUNK_SIZE = 1000 if SMALL else 6000
N_PASSES = 3 if SMALL else 10
PARAMS = {"hidden_layer_sizes": (64,) if SMALL else (100,), "random_state": 0}


def write_memmap(path, array, chunk_size):
    """Write ``array`` to a new memmap at ``path``; return it opened read-only."""
    out = np.memmap(path, dtype=array.dtype, mode="w+", shape=array.shape)
    for start in range(0, len(array), chunk_size):
        out[start : start + chunk_size] = array[start : start + chunk_size]
    out.flush()
    del out
    return np.memmap(path, dtype=array.dtype, mode="r", shape=array.shape)


workdir = tempfile.TemporaryDirectory()
X, y = load_mnist("train", return_X_y=True)
X_disk = write_memmap(Path(workdir.name) / "X.f32", X[:N_TRAIN], CHUNK_SIZE)
y_disk = write_memmap(Path(workdir.name) / "y.i64", y[:N_TRAIN], CHUNK_SIZE)
del X, y
X_test, y_test = load_mnist("test", return_X_y=True)
chunk_mb = CHUNK_SIZE * X_disk.shape[1] * X_disk.itemsize / 2**20
data_mb = X_disk.size * X_disk.itemsize / 2**20
print(f"on disk: {data_mb:.0f} MB of images in chunks of {chunk_mb:.1f} MB")

# %%
# Train chunk by chunk
# --------------------
# ``classes`` tells the first call every label the stream will bring. Each
# pass visits the chunks in a new random order, and the test accuracy is
# recorded after each pass; ``tracemalloc`` traces every
# allocation on the Python heap, NumPy arrays included, but not the pages of
# the memory-mapped file, which the operating system can drop at will.

classes = np.arange(10)
streamed = ScratchMLPClassifier(**PARAMS)
starts = np.arange(0, N_TRAIN, CHUNK_SIZE)
order = np.random.default_rng(0)
stream_accuracy = []
peak_bytes = 0
stream_seconds = 0.0
# A first call loads (or compiles) numba's kernels when numba is installed: a
# cost of the process, not of streaming, so it is paid before tracing.
ScratchMLPClassifier(**PARAMS).partial_fit(X_disk[:10], y_disk[:10], classes=classes)
tracemalloc.start()
for _ in range(N_PASSES):
    tracemalloc.reset_peak()
    started = time.perf_counter()
    for start in order.permutation(starts):
        rows = slice(start, start + CHUNK_SIZE)
        streamed.partial_fit(X_disk[rows], y_disk[rows], classes=classes)
    stream_seconds += time.perf_counter() - started
    peak_bytes = max(peak_bytes, tracemalloc.get_traced_memory()[1])
    # Scoring, on the test set held in memory, is not part of the training.
    stream_accuracy.append(streamed.score(X_test, y_test))
tracemalloc.stop()
peak_mb = peak_bytes / 2**20
print(
    f"partial_fit: accuracy {stream_accuracy[-1]:.4f} after {N_PASSES} passes "
    f"in {stream_seconds:.1f} s; peak traced memory {peak_mb:.1f} MB"
)

# %%
# The same network trained in memory
# ----------------------------------
# ``fit`` loads the whole array (here from the same file) and shuffles all of
# it every epoch; it needs the data set in memory, which the stream does not.

X_memory = np.array(X_disk)
y_memory = np.array(y_disk)
started = time.perf_counter()
with warnings.catch_warnings():
    warnings.simplefilter("ignore", ConvergenceWarning)
    in_memory = ScratchMLPClassifier(max_iter=N_PASSES, **PARAMS).fit(
        X_memory, y_memory
    )
fit_seconds = time.perf_counter() - started
fit_accuracy = in_memory.score(X_test, y_test)
print(
    f"fit:         accuracy {fit_accuracy:.4f} after {N_PASSES} epochs "
    f"in {fit_seconds:.1f} s; the data alone take {data_mb:.0f} MB"
)
del X_memory, y_memory, X_disk, y_disk
workdir.cleanup()

# %%
# Accuracy on the test set after each pass
# ----------------------------------------

fig, ax = plt.subplots(figsize=(6, 4))
passes = np.arange(1, N_PASSES + 1)
ax.plot(passes, stream_accuracy, "o-", label="partial_fit, chunk by chunk")
ax.axhline(fit_accuracy, color="C1", ls="--", label=f"fit, {N_PASSES} epochs")
ax.set(
    xlabel="passes over the data",
    ylabel="test accuracy",
    title=f"peak memory {peak_mb:.1f} MB for {data_mb:.0f} MB of data",
)
ax.legend(loc="lower right")
fig.tight_layout()
plt.show()
