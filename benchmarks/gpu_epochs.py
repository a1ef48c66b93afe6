"""Seconds per training epoch on MNIST: ours on a GPU, ours on the CPU, plain PyTorch.

The network is 784-512-256-10 with ReLU, trained with Adam (learning rate
1e-3, alpha=1e-4) on the 60000 MNIST training images, at batch sizes 128 and
1024. Columns:

- ``ours_numpy_cpu``: ScratchMLPClassifier on NumPy arrays (the CPU path);
- ``ours_torch``: ScratchMLPClassifier on torch tensors on the device, under
  ``sklearn.config_context(array_api_dispatch=True)``;
- ``ours_cupy``: the same on CuPy arrays (CUDA only);
- ``torch_loop``: a hand-written PyTorch training loop of the same network on
  the same device: the same Glorot-uniform initialisation, Adam, L2 penalty,
  float32 and batches of a fresh permutation each epoch.

Each measurement runs one warm-up epoch (excluded), then ``--epochs`` timed
epochs (``--cpu-epochs`` for the slow CPU column), with the device
synchronised around the timings. A column whose library or device is missing
is skipped with a note. The table is printed as markdown, then the results as
JSON.

Run on a GPU machine from the repository root::

    python benchmarks/gpu_epochs.py --json gpu_epochs.json

and on a CPU as a smoke test::

    python benchmarks/gpu_epochs.py --quick --device cpu
"""

import argparse
import json
import os
import platform
import sys
import time
import types
import warnings
from pathlib import Path

# scikit-learn's array-API dispatch needs SciPy's array-API mode, read when
# SciPy is first imported.
os.environ.setdefault("SCIPY_ARRAY_API", "1")

import numpy as np  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

HIDDEN = (512, 256)
ALPHA = 1e-4
LEARNING_RATE = 1e-3


def _parse_idx(stream):
    """Read an IDX file (the MNIST format): a magic number, dimensions, data."""
    data = stream.read()
    ndim = data[3]
    shape = tuple(
        int.from_bytes(data[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim)
    )
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(shape)


def _import_skperceptron():
    """Import skperceptron, standing in for the ``mnist`` package if it is absent.

    The package reads its shipped IDX files with ``mnist.parse_idx``; a GPU
    machine without that package gets the few lines above instead.
    """
    try:
        import mnist  # noqa: F401
    except ImportError:
        sys.modules["mnist"] = types.SimpleNamespace(parse_idx=_parse_idx)
    import skperceptron

    return skperceptron


def load_data(n_samples):
    """Return the first ``n_samples`` MNIST training images (float32) and labels."""
    skperceptron = _import_skperceptron()
    X, y = skperceptron.datasets.load_mnist("train", return_X_y=True)
    return np.ascontiguousarray(X[:n_samples], dtype=np.float32), y[:n_samples]


def _timed_epochs(train_one_epoch, n_epochs, synchronize):
    """Return seconds per epoch after one untimed warm-up epoch."""
    train_one_epoch()
    synchronize()
    start = time.perf_counter()
    for _ in range(n_epochs):
        train_one_epoch()
    synchronize()
    return (time.perf_counter() - start) / n_epochs


def time_ours(X, y, batch_size, n_epochs, synchronize):
    """Seconds per epoch of ScratchMLPClassifier on X's namespace and device."""
    import sklearn
    from sklearn.exceptions import ConvergenceWarning

    from skperceptron import ScratchMLPClassifier

    clf = ScratchMLPClassifier(
        HIDDEN,
        solver="adam",
        alpha=ALPHA,
        batch_size=batch_size,
        learning_rate_init=LEARNING_RATE,
        max_iter=1,
        tol=0.0,
        n_iter_no_change=10**9,
        warm_start=True,
        random_state=0,
    )

    def epochs(n):
        # One warm-started fit of n epochs: its validation and label encoding
        # are paid once, not per epoch.
        clf.set_params(max_iter=n)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            clf.fit(X, y)
        assert clf.n_iter_ == n

    with sklearn.config_context(array_api_dispatch=True):
        epochs(1)  # warm-up: initialisation, kernels compiled, caches filled
        synchronize()
        start = time.perf_counter()
        epochs(n_epochs)
        synchronize()
    return (time.perf_counter() - start) / n_epochs


def time_torch_loop(X, y, batch_size, n_epochs, device):
    """Seconds per epoch of a hand-written PyTorch loop of the same network."""
    import torch

    torch.manual_seed(0)
    units = [X.shape[1], *HIDDEN, 10]
    layers = []
    for fan_in, fan_out in zip(units[:-1], units[1:]):
        layer = torch.nn.Linear(fan_in, fan_out, device=device)
        bound = (6.0 / (fan_in + fan_out)) ** 0.5  # scikit-learn's Glorot uniform
        torch.nn.init.uniform_(layer.weight, -bound, bound)
        torch.nn.init.uniform_(layer.bias, -bound, bound)
        layers += [layer, torch.nn.ReLU()]
    model = torch.nn.Sequential(*layers[:-1])
    weights = [layer.weight for layer in model if isinstance(layer, torch.nn.Linear)]
    optimizer = torch.optim.Adam(
        model.parameters(), lr=LEARNING_RATE, betas=(0.9, 0.999), eps=1e-8
    )
    X_dev = torch.asarray(X, device=device)
    y_dev = torch.asarray(y.astype(np.int64), device=device)
    n_samples = X.shape[0]
    rng = np.random.default_rng(0)

    def one_epoch():
        order = torch.asarray(rng.permutation(n_samples), device=device)
        total = torch.zeros((), device=device)
        for start in range(0, n_samples, batch_size):
            idx = order[start : start + batch_size]
            X_batch, y_batch = X_dev[idx], y_dev[idx]
            optimizer.zero_grad(set_to_none=True)
            loss = torch.nn.functional.cross_entropy(model(X_batch), y_batch)
            # The same L2 term as ours: alpha / (2 n_batch) * sum ||W||^2.
            loss = loss + ALPHA / (2 * idx.shape[0]) * sum(
                (w * w).sum() for w in weights
            )
            loss.backward()
            optimizer.step()
            total += loss.detach() * idx.shape[0]
        # As ours does once per epoch: read the epoch's loss on the host.
        return float(total) / n_samples

    def synchronize():
        if device.type == "cuda":
            torch.cuda.synchronize()

    return _timed_epochs(one_epoch, n_epochs, synchronize)


def run(args):
    """Measure every available column; return the results and notes."""
    n_samples = 2048 if args.quick else 60000
    n_epochs = 1 if args.quick else args.epochs
    X, y = load_data(n_samples)
    notes = []
    columns = {}

    def no_sync():
        pass

    cpu_epochs = min(n_epochs, args.cpu_epochs)
    columns["ours_numpy_cpu"] = lambda b: time_ours(X, y, b, cpu_epochs, no_sync)

    try:
        import torch
    except ImportError:
        torch = None
        notes.append("torch is not installed: ours_torch and torch_loop skipped.")
    if torch is not None:
        if args.device == "cuda" and not torch.cuda.is_available():
            notes.append("CUDA is not available: ours_torch and torch_loop skipped.")
        else:
            device = torch.device(args.device)
            X_t = torch.asarray(X, device=device)
            y_t = torch.asarray(y, device=device)

            def torch_sync():
                if device.type == "cuda":
                    torch.cuda.synchronize()

            columns["ours_torch"] = lambda b: time_ours(
                X_t, y_t, b, n_epochs, torch_sync
            )
            columns["torch_loop"] = lambda b: time_torch_loop(X, y, b, n_epochs, device)

    if args.device != "cuda":
        notes.append("CuPy runs on CUDA only: ours_cupy skipped (--device cpu).")
    else:
        try:
            import cupy

            X_c, y_c = cupy.asarray(X), cupy.asarray(y)
            columns["ours_cupy"] = lambda b: time_ours(
                X_c, y_c, b, n_epochs, cupy.cuda.Device().synchronize
            )
        except Exception as error:  # ImportError, or no usable CUDA device
            notes.append(f"CuPy unavailable ({error!r}): ours_cupy skipped.")

    results = []
    for batch_size in args.batch_sizes:
        row = {"batch_size": batch_size}
        for name, measure in columns.items():
            try:
                row[name] = measure(batch_size)
            except Exception as error:  # one failing column must not lose the rest
                row[name] = None
                notes.append(f"{name} at batch {batch_size} failed: {error!r}")
            print(f"batch {batch_size:5d}  {name:15s} {row[name]}", file=sys.stderr)
        results.append(row)
    return results, notes, n_samples, n_epochs


def markdown(results):
    """Return the results as a markdown table, with the two goal ratios."""
    names = ["ours_numpy_cpu", "ours_torch", "ours_cupy", "torch_loop"]
    header = (
        "| batch | "
        + " | ".join(f"{n} (s/epoch)" for n in names)
        + " | CPU / ours_torch | ours_torch / torch_loop |"
    )
    lines = [header, "|" + "---|" * (len(names) + 3)]

    def cell(value):
        return "skipped" if value is None else f"{value:.3f}"

    for row in results:
        cpu, ours, loop = (
            row.get(k) for k in ("ours_numpy_cpu", "ours_torch", "torch_loop")
        )
        speedup = f"{cpu / ours:.1f}x" if cpu and ours else "-"
        ratio = f"{ours / loop:.2f}" if ours and loop else "-"
        cells = " | ".join(cell(row.get(n)) for n in names)
        lines.append(f"| {row['batch_size']} | {cells} | {speedup} | {ratio} |")
    return "\n".join(lines)


def main(argv=None):
    """Parse the arguments, measure, print the table and the JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cuda", help="torch device (cuda, cpu)")
    parser.add_argument("--epochs", type=int, default=3, help="timed epochs")
    parser.add_argument(
        "--cpu-epochs", type=int, default=2, help="timed epochs of the CPU column"
    )
    parser.add_argument("--batch-sizes", type=int, nargs="+", default=[128, 1024])
    parser.add_argument(
        "--quick", action="store_true", help="2048 samples, one timed epoch"
    )
    parser.add_argument("--json", type=Path, help="also write the JSON here")
    args = parser.parse_args(argv)

    results, notes, n_samples, n_epochs = run(args)
    import sklearn

    report = {
        "network": "784-512-256-10 relu, adam, alpha=1e-4, float32",
        "n_samples": n_samples,
        "timed_epochs": n_epochs,
        "device": args.device,
        "results": results,
        "notes": notes,
        "versions": {
            "python": platform.python_version(),
            "numpy": np.__version__,
            "scikit-learn": sklearn.__version__,
        },
    }
    try:
        import torch

        report["versions"]["torch"] = torch.__version__
        if args.device == "cuda" and torch.cuda.is_available():
            report["gpu"] = torch.cuda.get_device_name()
    except ImportError:
        pass
    print(markdown(results))
    for note in notes:
        print(f"\n- {note}")
    text = json.dumps(report, indent=2)
    print(text)
    if args.json:
        args.json.write_text(text + "\n")


if __name__ == "__main__":
    main()
