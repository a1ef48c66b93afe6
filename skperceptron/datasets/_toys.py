"""The small datasets of the first stories: three bits, height/weight, spiral."""

from numbers import Integral, Real

import numpy as np
from sklearn.utils import Bunch, check_random_state

__all__ = ["load_three_bits", "load_height_weight", "make_spiral"]

THREE_BITS_DESCR = """\
.. _three_bits_dataset:

Three bits
----------

The training set of a single sigmoid neuron's first lesson: four
patterns of three bits whose label is the first bit. The third bit is always
1 and the second is noise, so the neuron has to find that only the first one
matters. The question asked afterwards is the unseen pattern
``[1, 0, 0]``, whose answer by that rule is 1.

:Number of Instances: 4 (and 1 question)
:Number of Attributes: 3 bits
:Target: 0 or 1 (the first bit)
"""

HEIGHT_WEIGHT_DESCR = """\
.. _height_weight_dataset:

Height and weight
-----------------

Four people, on whom a 2-2-1 network is trained to tell female from male by
weight and height. The features are shifted to be centred near zero: weight in
pounds minus 135 and height in inches minus 66 (``raw_data - shift``). The
label is 1 for female, 0 for male. The questions asked afterwards are Emily
(128 lb, 63 in) and Frank (155 lb, 68 in).

:Number of Instances: 4 (and 2 questions)
:Number of Attributes: 2 (shifted weight and height)
:Target: 1 female, 0 male
"""

_NAMES = ["Alice", "Bob", "Charlie", "Diana"]
_RAW = [[133, 65], [160, 72], [152, 70], [120, 60]]
_FEMALE = [1, 0, 0, 1]
_QUESTION_NAMES = ["Emily", "Frank"]
_QUESTIONS_RAW = [[128, 63], [155, 68]]
_SHIFT = [135, 66]


def load_three_bits(*, return_X_y=False):
    """Load the single neuron's training set: the label is the first of three bits.

    Parameters
    ----------
    return_X_y : bool, default=False
        If True, return ``(data, target)`` instead of a Bunch.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        Dictionary-like object, with the following attributes.

        data : ndarray of shape (4, 3), dtype float64
            The patterns 001, 111, 101 and 011.
        target : ndarray of shape (4,), dtype int64
            Their labels 0, 1, 1, 0.
        questions : ndarray of shape (1, 3), dtype float64
            The question, the unseen pattern ``[1, 0, 0]``.
        feature_names : list of str
            ``["bit 1", "bit 2", "bit 3"]``.
        DESCR : str
            The description of the dataset.
    (data, target) : tuple if ``return_X_y`` is True
        The ``data`` and ``target`` arrays described above.

    Examples
    --------
    >>> from skperceptron.datasets import load_three_bits
    >>> bits = load_three_bits()
    >>> bits.data
    array([[0., 0., 1.],
           [1., 1., 1.],
           [1., 0., 1.],
           [0., 1., 1.]])
    >>> bits.target, bits.questions
    (array([0, 1, 1, 0]), array([[1., 0., 0.]]))
    """
    data = np.array([[0, 0, 1], [1, 1, 1], [1, 0, 1], [0, 1, 1]], dtype=np.float64)
    target = np.array([0, 1, 1, 0], dtype=np.int64)
    if return_X_y:
        return data, target
    return Bunch(
        data=data,
        target=target,
        questions=np.array([[1, 0, 0]], dtype=np.float64),
        feature_names=["bit 1", "bit 2", "bit 3"],
        DESCR=THREE_BITS_DESCR,
    )


def load_height_weight(*, return_X_y=False):
    """Load four people's height and weight, to tell female from male.

    Parameters
    ----------
    return_X_y : bool, default=False
        If True, return ``(data, target)`` instead of a Bunch.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        Dictionary-like object, with the following attributes.

        data : ndarray of shape (4, 2), dtype float64
            Weight in pounds minus 135 and height in inches minus 66 of
            Alice, Bob, Charlie and Diana: ``raw_data - shift``.
        target : ndarray of shape (4,), dtype int64
            1 for female, 0 for male: 1, 0, 0, 1.
        names : list of str
            ``["Alice", "Bob", "Charlie", "Diana"]``.
        raw_data : ndarray of shape (4, 2), dtype float64
            Weight in pounds and height in inches.
        shift : ndarray of shape (2,), dtype float64
            ``[135, 66]``, subtracted from ``raw_data`` to give ``data``.
        questions : ndarray of shape (2, 2), dtype float64
            The questions, shifted like ``data``: Emily (-7, -3)
            and Frank (20, 2).
        question_names : list of str
            ``["Emily", "Frank"]``.
        raw_questions : ndarray of shape (2, 2), dtype float64
            The questions' weight in pounds and height in inches.
        feature_names : list of str
            ``["weight (lb) - 135", "height (in) - 66"]``.
        target_names : list of str
            ``["male", "female"]``: the name of label 0, then of label 1.
        DESCR : str
            The description of the dataset.
    (data, target) : tuple if ``return_X_y`` is True
        The ``data`` and ``target`` arrays described above.

    Examples
    --------
    >>> from skperceptron.datasets import load_height_weight
    >>> people = load_height_weight()
    >>> people.data
    array([[ -2.,  -1.],
           [ 25.,   6.],
           [ 17.,   4.],
           [-15.,  -6.]])
    >>> people.target
    array([1, 0, 0, 1])
    >>> people.question_names, people.questions
    (['Emily', 'Frank'], array([[-7., -3.],
           [20.,  2.]]))
    """
    shift = np.array(_SHIFT, dtype=np.float64)
    raw_data = np.array(_RAW, dtype=np.float64)
    data = raw_data - shift
    target = np.array(_FEMALE, dtype=np.int64)
    if return_X_y:
        return data, target
    raw_questions = np.array(_QUESTIONS_RAW, dtype=np.float64)
    return Bunch(
        data=data,
        target=target,
        names=list(_NAMES),
        raw_data=raw_data,
        shift=shift,
        questions=raw_questions - shift,
        question_names=list(_QUESTION_NAMES),
        raw_questions=raw_questions,
        feature_names=["weight (lb) - 135", "height (in) - 66"],
        target_names=["male", "female"],
        DESCR=HEIGHT_WEIGHT_DESCR,
    )


def make_spiral(n_samples=300, *, n_classes=3, noise=0.2, random_state=None):
    """Generate interleaved spiral arms, one per class (the CS231n spiral).

    For class ``k`` with ``m`` points, the radius ``r`` runs evenly from 0 to
    1 and the angle parameter ``t`` evenly from ``4k`` to ``4(k + 1)``, plus
    Gaussian noise of standard deviation ``noise``; each point is
    ``r * (sin 2.5t, cos 2.5t)``. This is the data of
    ``nnfs.datasets.spiral_data``, with the noise drawn from ``random_state``
    as scikit-learn's generators draw it.

    Parameters
    ----------
    n_samples : int, default=300
        Total number of points, split as evenly as possible over the classes:
        when it is not a multiple of ``n_classes``, the first
        ``n_samples % n_classes`` classes get one point more.
    n_classes : int, default=3
        Number of classes, and of spiral arms.
    noise : float, default=0.2
        Standard deviation of the Gaussian noise added to the angle
        parameter ``t``; finite and non-negative.
    random_state : int, RandomState instance or None, default=None
        Determines the noise, through
        :func:`sklearn.utils.check_random_state`: an int seeds a new
        generator, for reproducible output across calls; a RandomState
        instance is used (and advanced) as it is; None uses (and advances)
        NumPy's global RandomState, ``np.random.mtrand._rand``. See
        :term:`Glossary <random_state>`.

    Returns
    -------
    X : ndarray of shape (n_samples, 2), dtype float64
        The points, grouped by class (class 0 first), each class's points in
        order of increasing radius.
    y : ndarray of shape (n_samples,), dtype int64
        The class of each point, 0 to ``n_classes - 1``.

    Raises
    ------
    ValueError
        If ``n_samples`` is smaller than ``n_classes``, ``n_classes`` is not
        a positive integer or ``noise`` is negative or not finite.

    Examples
    --------
    >>> import numpy as np
    >>> from skperceptron.datasets import make_spiral
    >>> X, y = make_spiral(300, random_state=0)
    >>> X.shape, np.bincount(y)
    ((300, 2), array([100, 100, 100]))
    >>> X, y = make_spiral(10, n_classes=3, random_state=0)
    >>> np.bincount(y)
    array([4, 3, 3])
    """
    if not isinstance(n_classes, Integral) or isinstance(n_classes, bool):
        raise ValueError(f"n_classes must be an integer >= 1, got {n_classes!r}.")
    if n_classes < 1:
        raise ValueError(f"n_classes must be an integer >= 1, got {n_classes!r}.")
    if (
        not isinstance(n_samples, Integral)
        or isinstance(n_samples, bool)
        or n_samples < n_classes
    ):
        raise ValueError(
            f"n_samples must be an integer >= n_classes={n_classes}, so that "
            f"every class has a point; got {n_samples!r}."
        )
    if not isinstance(noise, Real) or not 0 <= noise < np.inf:
        raise ValueError(f"noise must be a finite float >= 0, got {noise!r}.")
    rng = check_random_state(random_state)

    base, extra = divmod(int(n_samples), int(n_classes))
    X = np.empty((n_samples, 2), dtype=np.float64)
    y = np.empty(n_samples, dtype=np.int64)
    start = 0
    for k in range(n_classes):
        m = base + (k < extra)
        r = np.linspace(0.0, 1.0, m)
        t = np.linspace(4.0 * k, 4.0 * (k + 1), m) + rng.standard_normal(m) * noise
        X[start : start + m, 0] = r * np.sin(2.5 * t)
        X[start : start + m, 1] = r * np.cos(2.5 * t)
        y[start : start + m] = k
        start += m
    return X, y
