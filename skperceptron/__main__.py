"""Command line: ``python -m skperceptron {demo,bench,warmup}`` or ``skperceptron``.

The options of every command are defined and checked here, before any work
starts; the command itself lives in its own private module (``_demo``,
``_bench``, ``_warmup``) with a ``run(args)`` function, imported only when it
runs, so that ``--help`` answers without importing scikit-learn or
matplotlib.
"""

import argparse
import importlib
import importlib.util
import os
import sys
import tempfile
from pathlib import Path

from . import __version__

DEMO_DESCRIPTION = """\
Run the five stories skperceptron was built on, each with this package's
estimator and then scikit-learn's MLPClassifier on the same data: a single
sigmoid neuron learns a 3-bit rule; a 2-2-1 network tells female from male by
height and weight; a hand-set 2-2-1 network checks its output and its
gradients against values derived symbolically; a dense ReLU network separates
three interleaved spirals; a pipeline tuned by grid search classifies MNIST.
The run ends with a table putting the two libraries side by side, and writes
the plots (when matplotlib is installed) and an HTML report, index.html, to
the output folder."""

BENCH_DESCRIPTION = """\
Benchmark skperceptron against scikit-learn's MLPClassifier on the bundled
MNIST: both are fitted alternately in one process on the same data with the
same settings, and the benchmark prints which kernels train (compiled or
NumPy's), seconds per epoch, their ratio, test accuracy, predict time, peak
memory, how far ours is from the BLAS floor (the batch gathers and matrix
products alone), scaling tables, the cold start of a fresh process, a
script's first fit in a fresh process and, in the full run, the README's two
MNIST recipes (15 seconds and a minute)."""

WARMUP_DESCRIPTION = """\
Compile the compiled kernels (skperceptron[fast], numba) for every fit setting
and write them to numba's disk cache, so that no later process pays the
compile (a few seconds): run it once after installing or upgrading. Without
it, the first large fit compiles what it needs and caches it the same way."""


def main(argv=None):
    """Parse the command line, check it, and run the chosen command.

    Parameters
    ----------
    argv : list of str, default=None
        Arguments, without the program name; ``sys.argv[1:]`` when None.

    Returns
    -------
    status : int
        The process exit status. Invalid arguments exit with status 2 and a
        one-line message, before any work starts, as argparse does.
    """
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser()
    args, unknown = parser.parse_known_args(argv)
    if unknown:
        # argparse reports them all with the top-level usage; after the
        # command's name, the command's own usage says what it takes.
        after_command = argv.index(unknown[0]) > argv.index(args.command)
        (args.parser if after_command else parser).error(
            f"unrecognized arguments: {' '.join(unknown)}"
        )
    args.check(args.parser, args)
    module = importlib.import_module(args.module)
    return module.run(args) or 0


def build_parser(prog=None):
    """Return the argument parser of the command line.

    Parameters
    ----------
    prog : str, default=None
        The program name in usage lines; when None, the name it was invoked
        by: ``python -m skperceptron`` or the script's name.

    Returns
    -------
    parser : argparse.ArgumentParser
    """
    parser = argparse.ArgumentParser(
        prog=prog or _invoked_name(),
        description="Multi-layer perceptrons written from scratch in NumPy, "
        "as drop-in scikit-learn estimators.",
    )
    parser.add_argument(
        "--version", action="version", version=f"skperceptron {__version__}"
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    demo = commands.add_parser(
        "demo",
        help="run the five stories, ours beside scikit-learn's MLP",
        description=DEMO_DESCRIPTION,
    )
    demo.add_argument(
        "--out",
        type=_path,
        default=Path("skperceptron-demo"),
        metavar="FOLDER",
        help="folder for the plots and the HTML report (default: "
        "./skperceptron-demo, created if missing)",
    )
    demo.add_argument(
        "--quick",
        action="store_true",
        help="smaller data and fewer epochs: a run of seconds instead of minutes",
    )
    demo.add_argument(
        "--verbose",
        action="store_true",
        help="print every epoch's loss instead of one line per fit",
    )
    demo.set_defaults(module="skperceptron._demo", check=_check_demo, parser=demo)

    bench = commands.add_parser(
        "bench",
        help="benchmark against scikit-learn's MLPClassifier on MNIST",
        description=BENCH_DESCRIPTION,
    )
    bench.add_argument(
        "--quick",
        action="store_true",
        help="a few thousand images, one epoch per fit: a smoke run (for CI)",
    )
    bench.add_argument(
        "--epochs",
        type=_positive_int,
        default=None,
        metavar="N",
        help="epochs per timed fit (default: 2, or 1 with --quick)",
    )
    bench.add_argument(
        "--no-recipe",
        action="store_true",
        help="skip the two MNIST recipes of the full run (about 90 s)",
    )
    bench.add_argument(
        "--blas-threads",
        type=_positive_int,
        default=None,
        metavar="N",
        help="limit BLAS to N threads (default: leave BLAS as it is)",
    )
    bench.add_argument(
        "--json",
        type=_path,
        default=None,
        metavar="FILE",
        help="also write every number to FILE, in JSON",
    )
    bench.add_argument(
        "--plot",
        type=_path,
        default=None,
        metavar="FILE",
        help="write a PNG plot of the results to FILE (needs matplotlib)",
    )
    bench.set_defaults(module="skperceptron._bench", check=_check_bench, parser=bench)

    warmup = commands.add_parser(
        "warmup",
        help="compile the numba kernels into numba's cache (once, after install)",
        description=WARMUP_DESCRIPTION,
    )
    warmup.set_defaults(
        module="skperceptron._warmup", check=lambda parser, args: None, parser=warmup
    )
    return parser


def _invoked_name():
    """Return how the program was invoked, for the usage lines."""
    name = os.path.basename(sys.argv[0]) if sys.argv and sys.argv[0] else ""
    if name in ("", "__main__.py", "-c"):
        return "python -m skperceptron"
    return name


def _positive_int(text):
    """Read a positive integer option, or explain what is wrong with it."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}")
    return value


def _path(text):
    """Read a path option; an empty one would quietly mean the current folder."""
    if not text:
        raise argparse.ArgumentTypeError("expected a path, got an empty string")
    return Path(text)


def _check_demo(parser, args):
    """Fail now, not after the run, if the output folder cannot be written."""
    problem = _folder_problem(args.out)
    if problem:
        parser.error(f"argument --out: {problem}")


def _check_bench(parser, args):
    """Fail now, not after the run, if an output file cannot be written."""
    for option, path in (("--json", args.json), ("--plot", args.plot)):
        if path is None:
            continue
        if path.is_dir():
            parser.error(f"argument {option}: {path} is a folder, not a file")
        problem = _folder_problem(path.parent, create=False)
        if problem:
            parser.error(f"argument {option}: {problem}")
    if args.plot is not None and importlib.util.find_spec("matplotlib") is None:
        parser.error(
            "argument --plot: needs matplotlib (pip install 'skperceptron[plots]')"
        )


def _folder_problem(folder, create=True):
    """Say why files cannot be written in ``folder``; None when they can.

    With ``create``, a missing folder is fine when a folder can be made in its
    nearest existing parent (the command creates it). Writing is tried, not
    guessed from permission bits, which do not stop root and know nothing of
    read-only or virtual file systems such as /proc; the trial leaves nothing
    behind.
    """
    folder = Path(folder)
    if folder.exists():
        if not folder.is_dir():
            return f"{folder} exists and is not a folder"
        reason = _write_error(folder)
        return reason and f"cannot write in the folder {folder} ({reason})"
    if not create:
        return f"the folder {folder} does not exist"
    parent = folder.absolute().parent
    while not parent.exists():
        parent = parent.parent
    if not parent.is_dir():
        return f"cannot create {folder}: {parent} is not a folder"
    reason = _write_error(parent)
    return reason and f"cannot create {folder}: cannot write in {parent} ({reason})"


def _write_error(folder):
    """Make a folder and a file in it inside ``folder``, then remove them.

    Returns the system's reason when that fails, None when it works.
    """
    try:
        with tempfile.TemporaryDirectory(dir=folder) as trial:
            Path(trial, "trial").write_bytes(b"")
    except OSError as error:
        return error.strerror or str(error)
    return None


if __name__ == "__main__":
    sys.exit(main())
