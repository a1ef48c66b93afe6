"""The machine's load, recorded beside the times that swing with it.

Both apps (the bench and the demo) time single runs on a machine that may be
busy with other work; each records the load average before and after, so
that a reader can tell a slow run from a busy machine.
"""

import os


def load_average():
    """Return the system's 1, 5 and 15-minute load averages.

    Returns
    -------
    load : list of float or None
        The three averages, or None where the system keeps none (Windows).
    """
    try:
        return list(os.getloadavg())
    except (AttributeError, OSError):
        return None


def format_load(load):
    """Format load averages for people: ``"0.52, 0.61, 0.70"``.

    Parameters
    ----------
    load : list of float or None
        As :func:`load_average` returns it.

    Returns
    -------
    text : str
        The averages with two decimals, or ``"unknown"``.
    """
    if load is None:
        return "unknown"
    return ", ".join(f"{x:.2f}" for x in load)
