"""Out-of-core training: ``partial_fit`` over chunks of an on-disk memmap.

Streaming must reach the accuracy of ``fit`` on the same data held in memory,
and the Python heap must never hold more than about one chunk: the training
loop reads its mini-batches straight from the memory-mapped file.
"""

import tracemalloc

import numpy as np
import pytest

from skperceptron import ScratchMLPClassifier
from skperceptron.datasets import load_mnist

CLASSES = np.arange(10)


@pytest.fixture(scope="module")
def mnist_test():
    return load_mnist("test", return_X_y=True)


@pytest.fixture(scope="module")
def mnist_train():
    return load_mnist("train", return_X_y=True)


def to_disk(directory, X, y, chunk_size):
    """Write ``X`` and ``y`` to read-only memmaps, ``chunk_size`` rows at a time."""
    arrays = []
    for name, array in [("X", X), ("y", y)]:
        path = directory / f"{name}.dat"
        out = np.memmap(path, dtype=array.dtype, mode="w+", shape=array.shape)
        for start in range(0, len(array), chunk_size):
            out[start : start + chunk_size] = array[start : start + chunk_size]
        out.flush()
        del out
        arrays.append(np.memmap(path, dtype=array.dtype, mode="r", shape=array.shape))
    return arrays


def stream(model, X, y, chunk_size, n_passes):
    """Train ``model`` with ``partial_fit`` chunk by chunk; return its traced peak.

    The peak counts every allocation on the Python heap (NumPy arrays
    included) made during the loop, so it would include a chunk loaded in
    memory, but not the pages of the memory-mapped file.
    """
    tracemalloc.start()
    try:
        for _ in range(n_passes):
            for start in range(0, len(X), chunk_size):
                rows = slice(start, start + chunk_size)
                model.partial_fit(X[rows], y[rows], classes=CLASSES)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def check_streaming_matches_fit(tmp_path, train, test, chunk_size, n_passes, **params):
    X, y = train
    X_test, y_test = test
    X_disk, y_disk = to_disk(tmp_path, X, y, chunk_size)
    chunk_bytes = chunk_size * X.shape[1] * X.itemsize

    in_memory = ScratchMLPClassifier(max_iter=n_passes, **params).fit(X, y)
    streamed = ScratchMLPClassifier(**params)
    peak = stream(streamed, X_disk, y_disk, chunk_size, n_passes)

    fit_accuracy = in_memory.score(X_test, y_test)
    stream_accuracy = streamed.score(X_test, y_test)
    assert fit_accuracy > 0.9
    assert stream_accuracy >= fit_accuracy - 0.01, (stream_accuracy, fit_accuracy)
    assert streamed.t_ == n_passes * len(X)

    assert peak < 2 * chunk_bytes, (peak, chunk_bytes)
    assert peak < X.nbytes / 4, (peak, X.nbytes)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_streaming_a_memmap_reaches_fit_accuracy_in_bounded_memory(
    tmp_path, mnist_train, mnist_test
):
    X, y = mnist_train
    check_streaming_matches_fit(
        tmp_path,
        (X[:8000], y[:8000]),
        mnist_test,
        chunk_size=1000,
        n_passes=6,
        hidden_layer_sizes=(32,),
        random_state=0,
    )


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_streaming_full_mnist_reaches_fit_accuracy_in_bounded_memory(
    tmp_path, mnist_train, mnist_test
):
    check_streaming_matches_fit(
        tmp_path,
        mnist_train,
        mnist_test,
        chunk_size=6000,
        n_passes=6,
        hidden_layer_sizes=(100,),
        random_state=0,
    )


def test_streaming_from_disk_equals_streaming_from_memory(tmp_path, mnist_train):
    X, y = mnist_train[0][:3000], mnist_train[1][:3000]
    X_disk, y_disk = to_disk(tmp_path, X, y, chunk_size=1000)
    from_disk = ScratchMLPClassifier(hidden_layer_sizes=(32,), random_state=0)
    from_memory = ScratchMLPClassifier(hidden_layer_sizes=(32,), random_state=0)
    stream(from_disk, X_disk, y_disk, chunk_size=1000, n_passes=2)
    stream(from_memory, X, y, chunk_size=1000, n_passes=2)

    for a, b in zip(
        from_disk.coefs_ + from_disk.intercepts_,
        from_memory.coefs_ + from_memory.intercepts_,
    ):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(from_disk.loss_curve_, from_memory.loss_curve_)
