"""What the bench reports around its numbers: the machine, the kernels, the plot."""

import contextlib
import os
import platform
import subprocess
from pathlib import Path

import numpy as np

from .._backends import COMPILED_MIN_WORK, host_kernels
from .._kernels import NUMPY_KERNELS
from .._machine import format_load


def kernel_path():
    """Say which kernel table trains on NumPy arrays in this process, and why.

    Returns
    -------
    words : str
        For example ``"compiled (numba 0.60.0) for fits of at least 1e+08
        samples x parameters, NumPy below"`` or ``"NumPy (numba is not
        installed)"``.
    """
    kernels = host_kernels()
    if kernels is not NUMPY_KERNELS:
        import numba

        if os.environ.get("SKPERCEPTRON_KERNELS", "").strip().lower() == "numba":
            return f"compiled (numba {numba.__version__}, SKPERCEPTRON_KERNELS=numba)"
        return (
            f"compiled (numba {numba.__version__}) for fits of at least "
            f"{COMPILED_MIN_WORK:.0e} samples x parameters, NumPy below"
        )
    if os.environ.get("SKPERCEPTRON_KERNELS", "").strip().lower() == "numpy":
        return "NumPy (SKPERCEPTRON_KERNELS=numpy)"
    return "NumPy (numba is not installed)"


def describe_machine():
    """Describe the CPU, Python, NumPy and the BLAS libraries in use."""
    from threadpoolctl import threadpool_info

    model_name = platform.processor() or platform.machine()
    with contextlib.suppress(OSError, subprocess.SubprocessError):
        lscpu = subprocess.run(
            ["lscpu"], capture_output=True, text=True, check=True, timeout=10
        ).stdout
        for line in lscpu.splitlines():
            if line.startswith("Model name:"):
                model_name = line.split(":", 1)[1].strip()
    return {
        "cpu": model_name,
        "cores": os.cpu_count(),
        "kernels": kernel_path(),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "sklearn": __import__("sklearn").__version__,
        "blas": [
            {
                key: info.get(key)
                for key in ("internal_api", "version", "architecture", "num_threads")
            }
            | {"library": Path(info["filepath"]).name}
            for info in threadpool_info()
            if info["user_api"] == "blas"
        ],
        "openblas_env": {
            key: value for key, value in os.environ.items() if "OPENBLAS" in key
        },
    }


def print_machine(results):
    """Print the first lines: the date, the machine, BLAS, the kernels, the load."""
    machine = results["machine"]
    print(f"skperceptron benchmark, {results['date']}")
    print(
        f"machine: {machine['cpu']}, {machine['cores']} cores; Python "
        f"{machine['python']}, NumPy {machine['numpy']}, scikit-learn "
        f"{machine['sklearn']}"
    )
    for blas in machine["blas"]:
        print(
            f"BLAS: {blas['library']} ({blas['internal_api']} {blas['version']}, "
            f"{blas['architecture']}, {blas['num_threads']} threads)"
        )
    print(f"OPENBLAS_* environment: {machine['openblas_env'] or 'none set'}")
    print(f"kernels: {machine['kernels']}")
    print("load average (1, 5, 15 min): " + format_load(results["load_before"]))


def plot(results, path):
    """Plot the fit times, predict times and the scaling table side by side."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 3, figsize=(13, 3.8), constrained_layout=True)
    names = ("ours", "sklearn")
    labels = ("skperceptron", "scikit-learn")
    dtypes = [row["dtype"] for row in results["fit"]]
    positions = np.arange(len(dtypes))
    for offset, name, label in zip((-0.27, 0.0), names, labels):
        axes[0].bar(
            positions + offset,
            [row[name]["s_per_epoch"] for row in results["fit"]],
            width=0.27,
            label=label,
        )
    axes[0].bar(
        positions + 0.27,
        [row["floor"]["fit"]["floor_s_per_epoch"] for row in results["fit"]],
        width=0.27,
        color="0.6",
        label="BLAS floor (gather + products)",
    )
    axes[0].set_xticks(positions, [f"{dtype} input" for dtype in dtypes])
    axes[0].set_ylabel("seconds per epoch")
    axes[0].set_title("Fit, MNIST 784-100-10, adam")
    # Headroom above the bars, so that the legend covers none of them.
    axes[0].set_ylim(0, 1.45 * axes[0].get_ylim()[1])
    axes[0].legend(loc="upper left")
    for axis, key, title in (
        (axes[1], "width", "hidden width (batch 200)"),
        (axes[2], "batch_size", "batch size (width 100)"),
    ):
        cells = results["scaling"][key]
        values = [cell[key] for cell in cells]
        for name, label in zip(names, labels):
            axis.plot(values, [cell[name] for cell in cells], "o-", label=label)
        axis.set_xscale("log", base=2)
        axis.set_yscale("log")
        axis.set_xlabel(title)
        axis.set_ylabel("seconds per epoch")
        axis.set_title(f"Scaling, {results['scaling']['n_samples']} images, float32")
        axis.legend()
    fig.savefig(path, dpi=110)
    plt.close(fig)
