"""The verbose line the docs show is the line the estimators print.

An epoch's duration is printed in milliseconds with three decimals below
0.1 s (``time = 6.384ms``) and in seconds with two from there
(``time = 0.41s``); the docs must show both forms, and no other.
"""

import itertools
import re
import time
from pathlib import Path

import numpy as np
import pytest

from skperceptron import ScratchMLPClassifier

ROOT = Path(__file__).resolve().parent.parent
LINE = re.compile(
    r"Iteration \d+, loss = \d+\.\d{8}(, validation score = \d\.\d{6})?, "
    r"time = (?P<value>\d+\.(\d\d(?P<seconds>s)|\d{3}(?P<milliseconds>ms)))"
)


def documented_lines():
    """Every verbose line in the docs: in literal blocks and inline literals."""
    lines = []
    for path in [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.rst"))]:
        if "_build" in path.parts:
            continue
        text = path.read_text()
        lines += [
            (path.name, " ".join(literal.split()))
            for literal in re.findall(r"``(Iteration .*?)``", text, re.S)
        ]
        lines += [
            (path.name, line.strip())
            for line in text.splitlines()
            if line.strip().startswith("Iteration ") and "``" not in line
        ]
    return lines


def unit(found):
    """Return the printed unit, after checking it is the one the value calls for."""
    value = float(found["value"].rstrip("ms"))
    if found["milliseconds"]:
        assert value < 100, found[0]
        return "ms"
    assert value >= 0.1, found[0]
    return "s"


def test_the_docs_show_the_verbose_line_as_printed_in_both_units():
    lines = documented_lines()
    units = set()
    for name, line in lines:
        found = LINE.fullmatch(line)
        assert found, f"{name}: {line!r} is not what verbose=True prints"
        units.add(unit(found))
    assert units == {"s", "ms"}


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("seconds_per_tick, expected_unit", [(0.001, "ms"), (0.5, "s")])
@pytest.mark.parametrize("early_stopping", [False, True])
def test_the_estimator_prints_the_documented_line(
    seconds_per_tick, expected_unit, early_stopping, monkeypatch, capsys
):
    # A clock that ticks by a fixed step at each reading: short or long
    # epochs, whatever the machine's speed. (The training loop reads
    # time.perf_counter; a loop that read another clock would fail here.)
    ticks = itertools.count(0.0, seconds_per_tick)
    monkeypatch.setattr(time, "perf_counter", lambda: next(ticks))
    X, y = np.random.default_rng(0).normal(size=(60, 3)), np.arange(60) % 2
    ScratchMLPClassifier(
        hidden_layer_sizes=(4,),
        max_iter=3,
        early_stopping=early_stopping,
        verbose=True,
        random_state=0,
    ).fit(X, y)
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 3
    for line in lines:
        found = LINE.fullmatch(line)
        assert found, line
        assert bool(found[1]) == early_stopping
        assert unit(found) == expected_unit
