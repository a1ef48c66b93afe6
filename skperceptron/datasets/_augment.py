"""Training images and copies of them moved by whole pixels."""

from numbers import Integral

import numpy as np
from sklearn.utils import check_X_y

__all__ = ["shifted_copies"]

#: One pixel down, up, right and left.
ONE_PIXEL_MOVES = ((1, 0), (-1, 0), (0, 1), (0, -1))


def shifted_copies(X, y, *, image_shape=(28, 28), moves=ONE_PIXEL_MOVES):
    """Return images followed by copies of them moved by whole pixels.

    A network whose inputs are pixels learns nothing of translation from the
    pixels alone: a digit moved by one pixel is, to its first layer, a new
    pattern. Training on copies moved a pixel or two teaches it: in the
    search behind the README's one-minute MNIST recipe, no raw-pixel network
    did better than about 98.5 % on the validation split without them, and
    99.1 % with them. Pixels moved in from outside the image are 0 and pixels
    moved out are dropped; the others are copied exactly.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
        The images, one row each, flattened in C order from
        ``image_shape`` (MNIST's ``load_mnist`` rows are 28 x 28).
    y : array-like of shape (n_samples,) or (n_samples, n_outputs)
        The targets, repeated for each copy.
    image_shape : tuple of two int, default=(28, 28)
        Height and width of an image; their product must be ``n_features``.
    moves : sequence of (int, int), default=((1, 0), (-1, 0), (0, 1), (0, -1))
        One copy per move ``(down, right)``, in pixels (negative: up, left);
        the default is one pixel in each of the four directions.

    Returns
    -------
    X_shifted : ndarray of shape (n_samples * (1 + len(moves)), n_features)
        ``X`` first, then one block of ``n_samples`` rows per move, in the
        order of ``moves``; the dtype of ``X``.
    y_shifted : ndarray of shape (n_samples * (1 + len(moves)),) or \
            (n_samples * (1 + len(moves)), n_outputs)
        ``y`` repeated in the same blocks.

    Raises
    ------
    ValueError
        If ``X`` and ``y`` are not as described, the rows are not
        ``image_shape`` images, or ``moves`` is not a sequence of pairs of
        integers.

    Notes
    -----
    Copy the training images only, after splitting off any validation or
    test images: a model scored on images whose moved copies it trained on
    scores too well. For the same reason, do not pass the copies to a
    cross-validation, or fit them with ``early_stopping=True``, whose
    validation split is drawn from the rows it is given.

    The result holds ``1 + len(moves)`` times the rows of ``X``: 940 MB for
    MNIST's 60,000 float32 training images with the default moves. The rows
    come in blocks, not shuffled; estimators that shuffle each epoch (the
    default of ``ScratchMLPClassifier``) need no more.

    Examples
    --------
    >>> import numpy as np
    >>> from skperceptron.datasets import shifted_copies
    >>> X = np.arange(1, 5, dtype=np.float32).reshape(1, 4)   # one 2 x 2 image
    >>> X_shifted, y_shifted = shifted_copies(X, [7], image_shape=(2, 2),
    ...                                       moves=[(0, 1)])
    >>> X_shifted
    array([[1., 2., 3., 4.],
           [0., 1., 0., 3.]], dtype=float32)
    >>> y_shifted
    array([7, 7])
    """
    X, y = check_X_y(X, y, dtype=None, multi_output=True, y_numeric=False)
    height, width = _checked_image_shape(image_shape, X.shape[1])
    moves = _checked_moves(moves)
    images = X.reshape(-1, height, width)
    X_shifted = np.zeros((len(moves) + 1, *images.shape), dtype=X.dtype)
    X_shifted[0] = images
    for moved, (down, right) in zip(X_shifted[1:], moves):
        moved[:, _kept(down, height), _kept(right, width)] = images[
            :, _kept(-down, height), _kept(-right, width)
        ]
    return X_shifted.reshape(-1, X.shape[1]), np.concatenate([y] * (len(moves) + 1))


def _kept(step, size):
    """Return the slice of an axis of ``size`` pixels that a move of ``step`` fills.

    Moving by ``step`` fills the pixels ``step`` onwards (the first ``-step``
    when negative) from the slice ``_kept(-step, size)`` of the original; a
    move of ``size`` pixels or more fills none.
    """
    if step >= 0:
        return slice(min(step, size), size)
    return slice(0, max(size + step, 0))


def _checked_image_shape(image_shape, n_features):
    """Return ``image_shape`` as two ints, after checking it against the rows."""
    if not _is_pair(image_shape) or not all(side >= 1 for side in image_shape):
        raise ValueError(
            f"image_shape must be a pair of positive integers, got {image_shape!r}."
        )
    height, width = (int(side) for side in image_shape)
    if height * width != n_features:
        raise ValueError(
            f"image_shape={image_shape!r} holds {height * width} pixels but X "
            f"has {n_features} features per row."
        )
    return height, width


def _checked_moves(moves):
    """Return ``moves`` as a list of pairs of ints, or raise naming ``moves``."""
    if _is_pair(moves):
        pair = tuple(int(step) for step in moves)
        raise ValueError(
            "moves must be a sequence of pairs (down, right), got the single "
            f"pair {pair!r}: write [{pair!r}]."
        )
    try:
        moves = list(moves)
    except TypeError:
        raise ValueError(
            f"moves must be a sequence of pairs (down, right), got {moves!r}."
        ) from None
    for move in moves:
        if not _is_pair(move):
            raise ValueError(
                f"moves must be pairs of integers (down, right), got an entry {move!r}."
            )
    return [(int(down), int(right)) for down, right in moves]


def _is_pair(value):
    """Whether ``value`` is a tuple, list or array of two integers (not bools)."""
    return (
        isinstance(value, (tuple, list, np.ndarray))
        and len(value) == 2
        and all(
            isinstance(item, Integral) and not isinstance(item, bool) for item in value
        )
    )
