"""MNIST, shipped inside the package as its four canonical gzip-compressed IDX files."""

import functools
import gzip
import hashlib
import io
from pathlib import Path

import mnist
import numpy as np
from sklearn.utils import Bunch

__all__ = ["load_mnist"]

# Looked up at call time, so that tests can point it at a copy.
_DATA_DIR = Path(__file__).parent / "data"

_FILES = {
    "train": ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"),
    "test": ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"),
}
_SUBSETS = {"train": ("train",), "test": ("test",), "all": ("train", "test")}

DESCR = """\
.. _mnist_dataset:

MNIST handwritten digits
------------------------

**Data Set Characteristics:**

:Number of Instances: 70000 (60000 training, 10000 test)
:Number of Attributes: 784 (28 x 28 grey levels)
:Attribute Information: ``data`` holds the grey levels scaled to [0, 1] as
    float32, ``images`` the original uint8 values 0..255 (0 is background)
:Target: the digit, 0..9
:Creator: Yann LeCun, Corinna Cortes, Christopher J.C. Burges
:License: Creative Commons Attribution-Share Alike 3.0

The MNIST database of handwritten digits, with its published split: the
training set's 60000 images come first, then the 10000 test images. The
digits are size-normalised and centred in a 28 x 28 image.

The four files ship inside this package in their canonical IDX format,
gzip-compressed, and are read with ``mnist.parse_idx``. Their SHA-256
checksums (``data/SHA256SUMS``) are verified on the first load in each
process. Label counts, digits 0..9:

- train: 5923 6742 5958 6131 5842 5421 5918 6265 5851 5949
- test: 980 1135 1032 1010 982 892 958 1028 974 1009

.. rubric:: References

- Y. LeCun, L. Bottou, Y. Bengio and P. Haffner, "Gradient-based learning
  applied to document recognition", Proceedings of the IEEE, 86(11),
  2278-2324, 1998.
"""


def _expected_checksums(data_dir):
    """Return the SHA-256 of each file, as listed in ``SHA256SUMS``."""
    path = data_dir / "SHA256SUMS"
    try:
        lines = path.read_text().splitlines()
    except OSError as error:
        raise FileNotFoundError(
            f"MNIST checksum file {path} cannot be read ({error}); the installation "
            "of skperceptron is incomplete: reinstall it."
        ) from error
    checksums = {}
    for line in lines:
        if line.strip():
            digest, name = line.split()
            checksums[name.lstrip("*")] = digest
    return checksums


@functools.lru_cache(maxsize=8)
def _read_idx(path, size, mtime_ns, expected_sha256):
    """Read, verify and parse one IDX file; cached per (path, size, mtime).

    The returned array is read-only: callers get copies of it.
    """
    raw = Path(path).read_bytes()
    digest = hashlib.sha256(raw).hexdigest()
    if digest != expected_sha256:
        raise OSError(
            f"MNIST file {path} is corrupt: its SHA-256 is {digest}, expected "
            f"{expected_sha256}. Reinstall skperceptron."
        )
    with gzip.GzipFile(fileobj=io.BytesIO(raw)) as stream:
        array = mnist.parse_idx(stream)
    array.flags.writeable = False
    return array


def _load_file(data_dir, name, checksums):
    """Return the verified, read-only array stored in ``data_dir / name``."""
    path = data_dir / name
    if name not in checksums:
        raise OSError(
            f"MNIST file {path} has no checksum in {data_dir / 'SHA256SUMS'}; "
            "reinstall skperceptron."
        )
    try:
        stat = path.stat()
    except OSError as error:
        raise FileNotFoundError(
            f"MNIST file {path} is missing ({error}); the installation of "
            "skperceptron is incomplete: reinstall it."
        ) from error
    return _read_idx(str(path), stat.st_size, stat.st_mtime_ns, checksums[name])


def load_mnist(subset="train", *, return_X_y=False):
    """Load the MNIST handwritten digits that ship with the package.

    =================   ==========================================
    Classes             10
    Samples             60000 ("train"), 10000 ("test"), 70000 ("all")
    Dimensionality      784 (28 x 28 images)
    Features            float32 grey levels in [0, 1]
    =================   ==========================================

    No network access is needed: the four canonical IDX files are package
    data. Their SHA-256 checksums are verified the first time each file is
    read in a process; later loads reuse the verified arrays but always
    return fresh copies, so modifying a returned array never affects another
    caller.

    Parameters
    ----------
    subset : {"train", "test", "all"}, default="train"
        Which part of the published split to load: the 60000 training
        images, the 10000 test images, or all 70000 with the training images
        first.
    return_X_y : bool, default=False
        If True, return ``(data, target)`` instead of a Bunch.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        Dictionary-like object, with the following attributes.

        data : ndarray of shape (n_samples, 784), dtype float32
            The images, flattened row by row and scaled to [0, 1].
        target : ndarray of shape (n_samples,), dtype int64
            The digits, 0..9.
        images : ndarray of shape (n_samples, 28, 28), dtype uint8
            The raw images, grey levels 0..255.
        feature_names : list of str
            ``"pixel_<row>_<column>"`` for each of the 784 columns of ``data``.
        target_names : ndarray of shape (10,)
            The digits 0..9.
        DESCR : str
            The description of the dataset, its source and license.
    (data, target) : tuple if ``return_X_y`` is True
        The ``data`` and ``target`` arrays described above.

    Raises
    ------
    ValueError
        If ``subset`` is not one of the allowed values.
    FileNotFoundError
        If one of the package's MNIST files is missing.
    OSError
        If one of the package's MNIST files does not match its checksum.

    Examples
    --------
    >>> from skperceptron.datasets import load_mnist
    >>> X, y = load_mnist("test", return_X_y=True)
    >>> X.shape, X.dtype, y.shape, y.dtype
    ((10000, 784), dtype('float32'), (10000,), dtype('int64'))
    >>> mnist = load_mnist()
    >>> mnist.images.shape, mnist.target[:10]
    ((60000, 28, 28), array([5, 0, 4, 1, 9, 2, 1, 3, 1, 4]))
    """
    if not isinstance(subset, str) or subset not in _SUBSETS:
        raise ValueError(
            f"The 'subset' parameter of load_mnist must be one of "
            f"{sorted(_SUBSETS)}; got {subset!r}."
        )
    data_dir = Path(_DATA_DIR)
    checksums = _expected_checksums(data_dir)
    parts = [
        [_load_file(data_dir, name, checksums) for name in _FILES[part]]
        for part in _SUBSETS[subset]
    ]
    # np.concatenate always allocates: these are the caller's own arrays.
    images = np.concatenate([part_images for part_images, _ in parts])
    target = np.concatenate([labels for _, labels in parts]).astype(np.int64)
    data = images.reshape(images.shape[0], -1).astype(np.float32)
    data /= 255
    if return_X_y:
        return data, target
    return Bunch(
        data=data,
        target=target,
        images=images,
        feature_names=[f"pixel_{row}_{col}" for row in range(28) for col in range(28)],
        target_names=np.arange(10),
        DESCR=DESCR,
    )
