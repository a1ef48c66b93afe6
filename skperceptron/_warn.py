"""Warnings attributed to the user's code, shared by the estimators and the trainer."""

import sys
import warnings


def warn(message, category):
    """Warn, attributing the warning to the first caller outside skperceptron.

    That is the user's line (or the scikit-learn tool that called ``fit``),
    so ``warnings.filterwarnings(..., module=...)`` and the printed location
    name the user's code. scikit-learn's ``_fit_context`` wrapper, between
    the user and ``fit``, is skipped as well.

    Parameters
    ----------
    message : str
        The warning's text.
    category : type
        A subclass of :class:`Warning`.
    """
    frame, stacklevel = sys._getframe(1), 2
    while frame is not None and (
        frame.f_globals.get("__name__", "").startswith("skperceptron.")
        or frame.f_globals.get("__name__") == "sklearn.base"
    ):
        frame, stacklevel = frame.f_back, stacklevel + 1
    warnings.warn(message, category, stacklevel=stacklevel)
