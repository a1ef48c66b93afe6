"""The ``warmup`` command: every compiled kernel lands in numba's cache."""

import os
import subprocess
import sys

import pytest
from numba_cache import NoCacheLocator

from skperceptron import _warmup


def test_warmup_caches_every_compiled_kernel(tmp_path):
    numba = pytest.importorskip("numba")
    from skperceptron import _compiled

    kernels = sorted(
        name
        for name, value in vars(_compiled).items()
        if isinstance(value, numba.core.registry.CPUDispatcher)
    )
    result = subprocess.run(
        [sys.executable, "-m", "skperceptron", "warmup"],
        capture_output=True,
        text=True,
        env={**os.environ, "NUMBA_CACHE_DIR": str(tmp_path)},
        check=True,
    )
    assert result.stdout.startswith("compiled kernels ready: 240 warm-up fits in ")
    assert str(tmp_path) in result.stdout
    indexes = [path.name for path in tmp_path.rglob("*.nbi")]
    # An index per kernel: a kernel added later, which no warm-up fit
    # reaches, fails here.
    cached = sorted(name.split(".")[1].split("-")[0] for name in indexes)
    assert cached == kernels
    # float32 and float64, each from writable and from read-only X.
    gathers = list(tmp_path.rglob("_compiled._gather_rows-*.nbc"))
    assert len(gathers) == 4


def test_warmup_says_when_numba_is_missing(monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "skperceptron._compiled", None)
    monkeypatch.delenv("SKPERCEPTRON_KERNELS", raising=False)
    assert _warmup.run(None) == 1
    assert "numba cannot be imported" in capsys.readouterr().out
    assert "SKPERCEPTRON_KERNELS" not in os.environ


def test_warmup_says_when_numba_cannot_cache(monkeypatch, capsys):
    monkeypatch.delitem(sys.modules, "skperceptron._compiled", raising=False)
    monkeypatch.setattr(sys, "meta_path", [NoCacheLocator(), *sys.meta_path])
    monkeypatch.delenv("SKPERCEPTRON_KERNELS", raising=False)
    assert _warmup.run(None) == 1
    assert "NUMBA_CACHE_DIR" in capsys.readouterr().out
    assert "SKPERCEPTRON_KERNELS" not in os.environ
