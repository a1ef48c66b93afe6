import gzip
import hashlib
import shutil

import numpy as np
import pytest

from skperceptron.datasets import (
    _mnist,
    load_height_weight,
    load_mnist,
    load_three_bits,
    make_spiral,
    shifted_copies,
)

# From the provenance README of the MNIST files (shared/datasets/mnist/README.md).
TRAIN_COUNTS = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
TEST_COUNTS = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]
FIRST_TEN_TRAIN_LABELS = [5, 0, 4, 1, 9, 2, 1, 3, 1, 4]
UNCOMPRESSED_MD5 = {
    "train-images-idx3-ubyte.gz": "6bbc9ace898e44ae57da46a324031adb",
    "train-labels-idx1-ubyte.gz": "a25bea736e30d166cdddb491f175f624",
    "t10k-images-idx3-ubyte.gz": "2646ac647ad5339dbf082846283269ea",
    "t10k-labels-idx1-ubyte.gz": "27ae3e4e09519cfbb04c329615203637",
}


@pytest.mark.parametrize("name", sorted(UNCOMPRESSED_MD5))
def test_shipped_files_match_provenance(name):
    raw = gzip.decompress((_mnist._DATA_DIR / name).read_bytes())
    assert hashlib.md5(raw).hexdigest() == UNCOMPRESSED_MD5[name]


@pytest.mark.parametrize(
    "subset, counts",
    [
        ("train", TRAIN_COUNTS),
        ("test", TEST_COUNTS),
        ("all", np.add(TRAIN_COUNTS, TEST_COUNTS)),
    ],
)
def test_load_mnist_shapes_dtypes_and_label_counts(subset, counts):
    mnist = load_mnist(subset)
    n = sum(counts)
    assert mnist.data.shape == (n, 784) and mnist.data.dtype == np.float32
    assert mnist.target.shape == (n,) and mnist.target.dtype == np.int64
    assert mnist.images.shape == (n, 28, 28) and mnist.images.dtype == np.uint8
    assert mnist.data.min() == 0 and mnist.data.max() == 1
    np.testing.assert_array_equal(np.bincount(mnist.target), counts)
    np.testing.assert_array_equal(
        mnist.data, mnist.images.reshape(n, 784).astype(np.float32) / 255
    )
    assert len(mnist.feature_names) == 784
    np.testing.assert_array_equal(mnist.target_names, np.arange(10))
    assert "MNIST" in mnist.DESCR


def test_load_mnist_order_and_return_X_y():
    X, y = load_mnist("all", return_X_y=True)
    X_train, y_train = load_mnist("train", return_X_y=True)
    X_test, y_test = load_mnist("test", return_X_y=True)
    np.testing.assert_array_equal(y[:10], FIRST_TEN_TRAIN_LABELS)
    np.testing.assert_array_equal(y_train[:10], FIRST_TEN_TRAIN_LABELS)
    np.testing.assert_array_equal(X, np.vstack([X_train, X_test]))
    np.testing.assert_array_equal(y, np.concatenate([y_train, y_test]))


def test_load_mnist_returns_fresh_writable_copies():
    first = load_mnist("test")
    second = load_mnist("test")
    for key in ("data", "target", "images"):
        assert first[key].flags.writeable
        assert not np.shares_memory(first[key], second[key])
    first.data[:] = -1
    first.images[:] = 7
    first.target[:] = 42
    third = load_mnist("test")
    assert third.data.min() == 0 and third.images.max() == 255
    np.testing.assert_array_equal(np.bincount(third.target), TEST_COUNTS)


@pytest.mark.parametrize("subset", ["training", "Train", None, 0])
def test_load_mnist_rejects_unknown_subset(subset):
    with pytest.raises(ValueError, match=r"'subset'.*'all', 'test', 'train'"):
        load_mnist(subset)


@pytest.fixture
def data_copy(tmp_path, monkeypatch):
    """A copy of the package's MNIST files that the loader reads instead."""
    copy = tmp_path / "data"
    shutil.copytree(_mnist._DATA_DIR, copy)
    monkeypatch.setattr(_mnist, "_DATA_DIR", copy)
    return copy


def test_load_mnist_reads_the_data_directory(data_copy):
    X, y = load_mnist("test", return_X_y=True)
    np.testing.assert_array_equal(np.bincount(y), TEST_COUNTS)


def test_load_mnist_rejects_corrupt_file(data_copy):
    path = data_copy / "t10k-labels-idx1-ubyte.gz"
    raw = bytearray(path.read_bytes())
    raw[-20] ^= 0xFF
    path.write_bytes(bytes(raw))
    with pytest.raises(OSError, match=r"t10k-labels-idx1-ubyte\.gz is corrupt"):
        load_mnist("test")
    # The training files are intact and still load.
    assert load_mnist("train", return_X_y=True)[1].shape == (60000,)


def test_load_mnist_rejects_file_replaced_after_a_load(data_copy):
    load_mnist("test")
    path = data_copy / "t10k-images-idx3-ubyte.gz"
    path.write_bytes(path.read_bytes()[:1000])
    with pytest.raises(OSError, match=r"t10k-images-idx3-ubyte\.gz is corrupt"):
        load_mnist("test")


def test_load_mnist_reports_missing_file(data_copy):
    (data_copy / "train-images-idx3-ubyte.gz").unlink()
    with pytest.raises(FileNotFoundError, match=r"train-images-idx3-ubyte\.gz"):
        load_mnist("all")


def test_load_mnist_reports_missing_checksums(data_copy):
    (data_copy / "SHA256SUMS").unlink()
    with pytest.raises(FileNotFoundError, match="SHA256SUMS"):
        load_mnist("test")


def test_load_three_bits():
    bits = load_three_bits()
    np.testing.assert_array_equal(
        bits.data, [[0, 0, 1], [1, 1, 1], [1, 0, 1], [0, 1, 1]]
    )
    np.testing.assert_array_equal(bits.target, [0, 1, 1, 0])
    np.testing.assert_array_equal(bits.questions, [[1, 0, 0]])
    assert bits.target.dtype == np.int64 and bits.data.dtype == np.float64
    X, y = load_three_bits(return_X_y=True)
    np.testing.assert_array_equal(X, bits.data)
    np.testing.assert_array_equal(y, bits.target)


def test_load_height_weight():
    people = load_height_weight()
    assert people.names == ["Alice", "Bob", "Charlie", "Diana"]
    np.testing.assert_array_equal(people.data, [[-2, -1], [25, 6], [17, 4], [-15, -6]])
    np.testing.assert_array_equal(people.target, [1, 0, 0, 1])
    np.testing.assert_array_equal(people.raw_data - people.shift, people.data)
    np.testing.assert_array_equal(people.shift, [135, 66])
    assert people.question_names == ["Emily", "Frank"]
    np.testing.assert_array_equal(people.questions, [[-7, -3], [20, 2]])
    np.testing.assert_array_equal(people.raw_questions - people.shift, people.questions)
    assert people.target_names[1] == "female"
    X, y = load_height_weight(return_X_y=True)
    np.testing.assert_array_equal(X, people.data)
    np.testing.assert_array_equal(y, people.target)


def test_make_spiral_is_deterministic_and_seeded_locally():
    X1, y1 = make_spiral(random_state=0)
    np.random.seed(1)  # noqa: NPY002
    X2, y2 = make_spiral(random_state=0)
    np.testing.assert_array_equal(X1, X2)
    np.testing.assert_array_equal(y1, y2)
    X3, _ = make_spiral(random_state=1)
    assert not np.allclose(X1, X3)
    # Global state is neither used nor advanced.
    state = np.random.get_state()[1].copy()  # noqa: NPY002
    make_spiral(random_state=2)
    np.testing.assert_array_equal(np.random.get_state()[1], state)  # noqa: NPY002


def test_make_spiral_without_random_state_draws_from_the_global_random_state():
    # As the docstring says, and as check_random_state(None) does.
    np.random.seed(3)  # noqa: NPY002
    X1, _ = make_spiral()
    after_first = np.random.get_state()[1].copy()  # noqa: NPY002
    np.random.seed(3)  # noqa: NPY002
    X2, _ = make_spiral()
    np.testing.assert_array_equal(X1, X2)
    np.testing.assert_array_equal(X1, make_spiral(random_state=3)[0])
    assert not np.array_equal(after_first, np.random.RandomState(3).get_state()[1])


def test_make_spiral_matches_the_cs231n_formula():
    n_classes, m, noise = 3, 50, 0.3
    X, y = make_spiral(n_classes * m, n_classes=n_classes, noise=noise, random_state=7)
    rng = np.random.RandomState(7)
    for k in range(n_classes):
        r = np.linspace(0, 1, m)
        t = np.linspace(4 * k, 4 * (k + 1), m) + rng.randn(m) * noise
        expected = np.c_[r * np.sin(2.5 * t), r * np.cos(2.5 * t)]
        np.testing.assert_allclose(X[k * m : (k + 1) * m], expected, rtol=0, atol=0)
        np.testing.assert_array_equal(y[k * m : (k + 1) * m], k)


@pytest.mark.parametrize(
    "n_samples, n_classes, counts",
    [(300, 3, [100, 100, 100]), (301, 3, [101, 100, 100]), (11, 4, [3, 3, 3, 2])],
)
def test_make_spiral_class_balance(n_samples, n_classes, counts):
    X, y = make_spiral(n_samples, n_classes=n_classes, random_state=0)
    assert X.shape == (n_samples, 2) and X.dtype == np.float64
    assert y.dtype == np.int64
    np.testing.assert_array_equal(np.bincount(y), counts)
    assert np.all(np.hypot(X[:, 0], X[:, 1]) <= 1 + 1e-12)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"n_samples": 2}, "n_samples"),
        ({"n_samples": 10.5}, "n_samples"),
        ({"n_classes": 0}, "n_classes"),
        ({"noise": -0.1}, "noise"),
        ({"noise": float("nan")}, "noise"),
        ({"noise": float("inf")}, "noise"),
    ],
)
def test_make_spiral_rejects_bad_parameters(kwargs, match):
    with pytest.raises(ValueError, match=match):
        make_spiral(**kwargs)


def _moved_by_rolling(images, down, right):
    """The reference move: roll, then zero what wrapped around."""
    moved = np.roll(images, (down, right), axis=(1, 2))
    if down > 0:
        moved[:, :down] = 0
    elif down < 0:
        moved[:, down:] = 0
    if right > 0:
        moved[:, :, :right] = 0
    elif right < 0:
        moved[:, :, right:] = 0
    return moved


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.uint8])
def test_shifted_copies_moves_each_image_by_whole_pixels(dtype):
    rng = np.random.default_rng(0)
    images = rng.integers(1, 255, (7, 5, 6)).astype(dtype)
    y = np.arange(7)
    moves = [(1, 0), (-1, 0), (0, 1), (0, -1), (2, -3), (-4, 5)]
    X_shifted, y_shifted = shifted_copies(
        images.reshape(7, 30), y, image_shape=(5, 6), moves=moves
    )
    assert X_shifted.dtype == dtype and X_shifted.shape == (7 * 7, 30)
    blocks = X_shifted.reshape(7, 7, 5, 6)
    np.testing.assert_array_equal(blocks[0], images)
    for block, (down, right) in zip(blocks[1:], moves):
        np.testing.assert_array_equal(block, _moved_by_rolling(images, down, right))
    np.testing.assert_array_equal(y_shifted, np.tile(y, 7))


def test_shifted_copies_by_a_whole_image_or_more_are_blank():
    X = np.ones((2, 12))
    X_shifted, _ = shifted_copies(
        X, [0, 1], image_shape=(3, 4), moves=[(3, 0), (0, -9)]
    )
    np.testing.assert_array_equal(X_shifted[2:], 0)


def test_shifted_copies_defaults_add_the_four_one_pixel_moves_of_mnist():
    X, y = load_mnist("test", return_X_y=True)
    X, y = X[:50], y[:50]
    X_shifted, y_shifted = shifted_copies(X, y)
    assert X_shifted.shape == (250, 784) and X_shifted.dtype == np.float32
    images = X.reshape(-1, 28, 28)
    for block, move in zip(
        X_shifted.reshape(5, 50, 28, 28)[1:], [(1, 0), (-1, 0), (0, 1), (0, -1)]
    ):
        np.testing.assert_array_equal(block, _moved_by_rolling(images, *move))
    np.testing.assert_array_equal(y_shifted, np.tile(y, 5))


def test_shifted_copies_keeps_multi_output_targets():
    Y = np.arange(8).reshape(4, 2)
    _, Y_shifted = shifted_copies(
        np.zeros((4, 4)), Y, image_shape=(2, 2), moves=[(1, 1)]
    )
    np.testing.assert_array_equal(Y_shifted, np.vstack([Y, Y]))


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (
            {"image_shape": (28, 27)},
            r"image_shape=\(28, 27\) holds 756 pixels but X has 784",
        ),
        ({"image_shape": 784}, "image_shape must be a pair of positive integers"),
        ({"image_shape": (0, 784)}, "image_shape must be a pair"),
        ({"image_shape": (28.0, 28)}, "image_shape must be a pair"),
        (
            {"moves": [(1,)]},
            r"moves must be pairs of integers \(down, right\), got an entry \(1,\)",
        ),
        ({"moves": [(0.5, 0)]}, "moves must be pairs of integers"),
        ({"moves": [(True, 0)]}, "moves must be pairs of integers"),
        ({"moves": None}, r"moves must be a sequence of pairs \(down, right\)"),
        ({"moves": (1, 0)}, r"got the single pair \(1, 0\): write \[\(1, 0\)\]"),
        ({"moves": np.array([0, 1])}, r"single pair \(0, 1\)"),
    ],
)
def test_shifted_copies_rejects_bad_parameters(kwargs, match):
    X = np.zeros((3, 784), dtype=np.float32)
    with pytest.raises(ValueError, match=match):
        shifted_copies(X, [0, 1, 2], **kwargs)


def test_shifted_copies_rejects_mismatched_or_sparse_input():
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        shifted_copies(np.zeros((3, 4)), [0, 1], image_shape=(2, 2))
    from scipy import sparse

    with pytest.raises(TypeError, match="dense data is required"):
        shifted_copies(sparse.csr_matrix(np.zeros((2, 4))), [0, 1], image_shape=(2, 2))


def test_shifted_copies_takes_arrays_and_dataframes_and_no_moves():
    pd = pytest.importorskip("pandas")
    X, y = load_mnist("test", return_X_y=True)
    X, y = X[:20], y[:20]
    expected, expected_y = shifted_copies(X, y)
    X_shifted, y_shifted = shifted_copies(
        pd.DataFrame(X),
        pd.Series(y),
        image_shape=np.array([28, 28]),
        moves=np.array([(1, 0), (-1, 0), (0, 1), (0, -1)]),
    )
    np.testing.assert_array_equal(X_shifted, expected)
    np.testing.assert_array_equal(y_shifted, expected_y)
    X_same, y_same = shifted_copies(X, y, moves=[])
    np.testing.assert_array_equal(X_same, X)
    np.testing.assert_array_equal(y_same, y)
