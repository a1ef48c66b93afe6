"""Smoke test of an installed skperceptron, as a user meets it.

``.ci/run`` installs the wheel (with the ``fast`` extra) into a fresh
environment, mounts the installed package read-only where it can (as in a
system site-packages) and runs this script from a folder outside the checkout::

    python smoke.py OUT_FOLDER

numba caches the compiled kernels next to their source when it can write
there; otherwise in the user's cache folder (``$XDG_CACHE_HOME/numba``, by
default ``~/.cache/numba``); ``NUMBA_CACHE_DIR`` overrides both. The script
says where they went.
"""

import os
import subprocess
import sys
from importlib.metadata import files, version
from pathlib import Path

from numba.misc.appdirs import AppDirs

import skperceptron
from skperceptron import ScratchMLPClassifier
from skperceptron.datasets import load_mnist

out = Path(sys.argv[1])
package = Path(skperceptron.__file__).parent
print(f"skperceptron {skperceptron.__version__} from {package}")
assert package != Path(__file__).resolve().parents[1] / "skperceptron", "not installed"
assert version("skperceptron") == skperceptron.__version__
assert any(file.name == "LICENSE" for file in files("skperceptron"))

X_train, y_train = load_mnist("train", return_X_y=True)
X_test, y_test = load_mnist("test", return_X_y=True)
assert X_train.shape == (60000, 784) and X_test.shape == (10000, 784)

os.environ["SKPERCEPTRON_KERNELS"] = "numba"
model = ScratchMLPClassifier(
    hidden_layer_sizes=(64,), learning_rate="cosine", max_iter=10, random_state=0
)
accuracy = model.fit(X_train[:5000], y_train[:5000]).score(X_test, y_test)
print(f"compiled kernels, 5000 MNIST images: test accuracy {accuracy:.4f}")
assert "skperceptron._compiled" in sys.modules and accuracy > 0.88

if os.environ.get("NUMBA_CACHE_DIR"):
    cache = Path(os.environ["NUMBA_CACHE_DIR"])
elif os.access(package, os.W_OK):
    cache = package / "__pycache__"
else:
    cache = Path(AppDirs("numba", appauthor=False).user_cache_dir)
    print(f"{package} is read-only: numba falls back to the user's cache folder")
cached = list(cache.rglob("_compiled.*.nbi"))
print(f"numba cached {len(cached)} compiled kernels in {cache}")
assert cached, f"no compiled kernel cached in {cache}"

if not os.access(package, os.W_OK):
    # No folder at all to cache in: the default fit warns and trains with
    # NumPy's kernels instead of failing.
    no_cache = {**os.environ, "XDG_CACHE_HOME": "/proc/no-cache", "HOME": "/proc"}
    no_cache.pop("SKPERCEPTRON_KERNELS")
    no_cache.pop("NUMBA_CACHE_DIR", None)
    fit = (
        "from skperceptron import ScratchMLPClassifier as M; import numpy as np;"
        "X = np.random.RandomState(0).normal(size=(20000, 100));"
        "print(M((64,), max_iter=1).fit(X, X[:, 0] > 0).score(X, X[:, 0] > 0))"
    )
    run = subprocess.run(
        [sys.executable, "-c", fit], env=no_cache, capture_output=True, text=True
    )
    assert run.returncode == 0 and "NUMBA_CACHE_DIR" in run.stderr, run
    print(f"no writable cache folder: warned, NumPy's kernels, accuracy {run.stdout}")

script = Path(sys.executable).with_name("skperceptron")
printed = subprocess.run([script, "--version"], capture_output=True, text=True)
assert printed.stdout.split()[-1] == skperceptron.__version__, printed
demo = [sys.executable, "-m", "skperceptron", "demo", "--quick", "--out", out]
subprocess.run(demo, check=True, stdout=subprocess.DEVNULL)
assert (out / "index.html").is_file()
print(f"skperceptron --version: {printed.stdout.strip()}; demo --quick wrote {out}")
