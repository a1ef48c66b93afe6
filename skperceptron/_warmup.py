"""The ``warmup`` command: compile the numba kernels into numba's disk cache.

numba compiles a kernel the first time it is called with new argument types
and, as the kernels are cached (``cache=True``), writes the machine code to
disk, where every later process loads it instead of compiling (a few seconds
in all, against about half a second to import numba and load the kernels).
Without this command the first large fit after an install pays that compile;
with it, the install step does (``python -m skperceptron warmup``).

It runs small fits with the compiled kernels forced, over the settings that
reach different kernels: each hidden activation, the three output layers
(softmax, logistic, identity), Adam and momentum SGD, dropout, sample
weights, in float32 and float64, on writable and on read-only X (numba types
a read-only array apart, and ``np.load(..., mmap_mode="r")`` gives one).
"""

import importlib
import os
import time
import warnings

import numpy as np

from ._activations import HIDDEN_ACTIVATIONS
from ._backends import NO_CACHE_MESSAGE

#: The hidden activations of the warm-up fits: every one, leaky ReLU's fused
#: kernels among those they reach.
ACTIVATIONS = HIDDEN_ACTIVATIONS


def run(args):
    """Fill numba's cache with the kernels of every fit setting.

    Parameters
    ----------
    args : argparse.Namespace
        As ``python -m skperceptron warmup`` parses it (no options).

    Returns
    -------
    status : int
        0 when the kernels are cached; 1 when numba cannot be imported or
        has no writable folder to cache them in.
    """
    started = time.perf_counter()
    previous = os.environ.get("SKPERCEPTRON_KERNELS")
    os.environ["SKPERCEPTRON_KERNELS"] = "numba"
    try:
        try:
            compiled = importlib.import_module(f"{__package__}._compiled")
        except ImportError as error:
            print(
                f"numba cannot be imported ({error}): nothing to compile; the "
                "NumPy kernels need no warm-up. For the compiled ones, "
                "pip install 'skperceptron[fast]'."
            )
            return 1
        except RuntimeError as error:
            print(NO_CACHE_MESSAGE % error)
            return 1
        fits = warm_up()
    finally:
        if previous is None:
            del os.environ["SKPERCEPTRON_KERNELS"]
        else:
            os.environ["SKPERCEPTRON_KERNELS"] = previous
    print(
        f"compiled kernels ready: {fits} warm-up fits in "
        f"{time.perf_counter() - started:.1f} s; numba's cache is in "
        f"{_cache_folder(compiled)}"
    )
    return 0


def warm_up():
    """Run the warm-up fits with whatever kernel table the environment picks.

    Returns
    -------
    fits : int
        The number of fits run.
    """
    from ._mlp import ScratchMLPClassifier, ScratchMLPRegressor

    rng = np.random.RandomState(0)
    X = rng.normal(size=(40, 6))
    targets = {
        "softmax": rng.randint(3, size=40),
        "logistic": rng.randint(2, size=40),
        "identity": rng.normal(size=40),
    }
    weights = rng.uniform(0.5, 2.0, size=40)
    fits = 0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for dtype in (np.float32, np.float64):
            for read_only in (False, True):
                X_fit = X.astype(dtype)
                X_fit.setflags(write=not read_only)
                for output, y in targets.items():
                    estimator = (
                        ScratchMLPRegressor
                        if output == "identity"
                        else ScratchMLPClassifier
                    )
                    for activation in ACTIVATIONS:
                        for solver, dropout, sample_weight in (
                            ("adam", 0.0, None),
                            ("sgd", 0.2, weights),
                        ):
                            estimator(
                                hidden_layer_sizes=(5,),
                                activation=activation,
                                solver=solver,
                                dropout=dropout,
                                batch_size=16,
                                max_iter=2,
                                random_state=0,
                            ).fit(X_fit, y, sample_weight=sample_weight)
                            fits += 1
    return fits


def _cache_folder(compiled):
    """Say where numba keeps the compiled kernels' cache."""
    cache = getattr(compiled._bias_relu, "_cache", None)
    return getattr(cache, "_cache_path", "numba's default cache folder")
