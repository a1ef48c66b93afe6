"""Timed fits, alternated; paired ratios, their medians and IQR, and verdicts.

Every timing is repeated, ours and scikit-learn's alternately, and each ratio
is the median of the ratios of neighbouring pairs, printed with its
interquartile range and said in words (:func:`verdict`: "ours is 1.6x
faster", or why the run cannot tell): pairing makes the ratios fair on a busy
machine; the absolute seconds are not.
"""

import statistics
import time

import numpy as np
from sklearn.neural_network import MLPClassifier

from .._mlp import ScratchMLPClassifier
from .settings import fit_settings


def timed_fit(cls, X, y, epochs, **params):
    """Fit ``cls`` for ``epochs`` epochs; return the model and its seconds per epoch."""
    model = cls(**fit_settings(epochs, **params))
    started = time.perf_counter()
    model.fit(X, y)
    return model, (time.perf_counter() - started) / model.n_iter_


def alternate(X, y, epochs, repeats, params):
    """Seconds per epoch of ours and scikit-learn's, fitted alternately."""
    times = {"ours": [], "sklearn": []}
    for _ in range(repeats):
        for name, cls in (("ours", ScratchMLPClassifier), ("sklearn", MLPClassifier)):
            times[name].append(timed_fit(cls, X, y, epochs, **params)[1])
    return times


def median_epoch_time(cls, X, y, epochs, repeats):
    """Median seconds per epoch of ``repeats`` fits of ``cls``."""
    return statistics.median(timed_fit(cls, X, y, epochs)[1] for _ in range(repeats))


def paired_ratio(theirs, ours):
    """Summarise how many times longer scikit-learn took than ours.

    Parameters
    ----------
    theirs, ours : list of float
        Timings taken in alternation: ``theirs[i]`` next to ``ours[i]``.

    Returns
    -------
    ratio : dict
        ``median``, ``q1`` and ``q3`` (quartiles) of the per-pair ratios
        ``theirs[i] / ours[i]``, and ``pairs``, their number. Above 1, ours
        is faster.
    """
    ratios = np.asarray(theirs) / np.asarray(ours)
    q1, median, q3 = np.percentile(ratios, [25, 50, 75])
    return {
        "median": float(median),
        "q1": float(q1),
        "q3": float(q3),
        "pairs": len(ratios),
    }


#: Fewer alternated pairs than this cannot tell a winner.
MIN_PAIRS = 3

#: Timings shorter than this (seconds per timed fit or prediction) are
#: dominated by what surrounds the work and by the machine's jitter: too short
#: to tell.
MIN_TIMED_SECONDS = 0.005

#: An interquartile range of the paired ratio wider than this fraction of its
#: median is too noisy to say by how much one estimator is faster (or, when
#: it holds 1, whether either is); a narrower one that holds 1 says "no clear
#: difference".
MAX_RELATIVE_SPREAD = 0.25


#: How far (a factor) the ratio of the two medians of times may lie outside
#: the paired ratio's interquartile range before the run is too noisy to tell.
MEDIANS_TOLERANCE = 1.05


def format_ratio(ratio):
    """Write a paired ratio as its median and interquartile range.

    Parameters
    ----------
    ratio : dict
        As :func:`paired_ratio` returns it.

    Returns
    -------
    text : str
        For example ``"1.62 [1.55-1.70]"``.
    """
    return f"{ratio['median']:.2f} [{ratio['q1']:.2f}-{ratio['q3']:.2f}]"


def verdict(ratio, timed_seconds=None, medians=None):
    """Say in words which estimator is faster, or why the run cannot tell.

    Parameters
    ----------
    ratio : dict
        As :func:`paired_ratio` returns it (scikit-learn's time over ours).
    timed_seconds : float, default=None
        The median length of one of our timings (a fit, a prediction); a
        run of timings shorter than :data:`MIN_TIMED_SECONDS` is too short
        to tell.
    medians : tuple of float, default=None
        The medians of scikit-learn's and of our times, as printed beside
        the verdict: when their ratio falls outside the paired ratio's
        interquartile range (by more than :data:`MEDIANS_TOLERANCE`), the
        printed columns and the pairs disagree, and the run is too noisy to
        tell.

    Returns
    -------
    words : str
        ``"ours is 1.6x faster"`` or ``"ours is 2.0x slower"`` (the
        interquartile range is narrow and on one side of 1; when wide, the
        range is said instead of the median), ``"no clear difference"`` (it
        holds 1 and is narrow), or
        ``"too few pairs to tell"``, ``"too short to tell (...)"``, ``"too
        noisy to tell (...)"``.
    """
    median, q1, q3 = ratio["median"], ratio["q1"], ratio["q3"]
    if ratio["pairs"] < MIN_PAIRS:
        return f"too few pairs to tell ({ratio['pairs']})"
    if timed_seconds is not None and timed_seconds < MIN_TIMED_SECONDS:
        return f"too short to tell ({timed_seconds * 1e3:.0f} ms per timing)"
    if medians is not None:
        of_medians = medians[0] / medians[1]
        if not q1 / MEDIANS_TOLERANCE <= of_medians <= q3 * MEDIANS_TOLERANCE:
            return (
                f"too noisy to tell (the medians' ratio {of_medians:.2f} is "
                "outside the pairs' IQR)"
            )
    wide = q3 - q1 > MAX_RELATIVE_SPREAD * median
    if q1 > 1:
        if wide:
            return f"ours is faster, {q1:.1f}x to {q3:.1f}x (too noisy to say how much)"
        return f"ours is {median:.1f}x faster"
    if q3 < 1:
        if wide:
            return (
                f"ours is slower, {1 / q3:.1f}x to {1 / q1:.1f}x (too noisy to say "
                "how much)"
            )
        return f"ours is {1 / median:.1f}x slower"
    if wide:
        return "too noisy to tell (a wide IQR that holds 1)"
    return "no clear difference"


def describe_ratio(ratio, timed_seconds=None, medians=None):
    """Say the paired ratio in numbers and, by :func:`verdict`, in words.

    Parameters
    ----------
    ratio : dict
        As :func:`paired_ratio` returns it.
    timed_seconds, medians : optional
        As :func:`verdict` takes them.

    Returns
    -------
    words : str
        For example ``"sklearn / ours 1.62 [IQR 1.55-1.70, 7 pairs]: ours is
        1.6x faster"``.
    """
    return f"sklearn / ours {format_paired(ratio)}: " + verdict(
        ratio, timed_seconds, medians
    )


def format_paired(ratio):
    """Write a paired ratio with its interquartile range and number of pairs."""
    return (
        f"{ratio['median']:.2f} [IQR {ratio['q1']:.2f}-{ratio['q3']:.2f}, "
        f"{ratio['pairs']} pairs]"
    )
