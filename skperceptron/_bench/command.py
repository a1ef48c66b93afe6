"""The ``bench`` command: :func:`run` ties the sections together, in order."""

import contextlib
import datetime
import json
import warnings

from sklearn.exceptions import ConvergenceWarning

from .._machine import format_load, load_average
from ..datasets import load_mnist
from .fresh import cold_start, first_fit
from .recipe import fit_recipe
from .report import describe_machine, plot, print_machine
from .sections import fit_and_predict, linearity, pytorch, scaling
from .settings import NETWORK, SETTINGS, jsonable


def run(args):
    """Run the benchmark, print its tables and optionally write JSON and a plot.

    Parameters
    ----------
    args : argparse.Namespace
        With ``epochs``, ``json``, ``quick``, ``no_recipe``, ``blas_threads``
        and ``plot``, as ``python -m skperceptron bench`` parses and checks
        them.

    Returns
    -------
    status : int
        0: the benchmark ran to its end.
    """
    settings = dict(SETTINGS["quick" if args.quick else "full"])
    if args.epochs is not None:
        settings["epochs"] = args.epochs
    limits = contextlib.nullcontext()
    if args.blas_threads is not None:
        from threadpoolctl import threadpool_limits

        limits = threadpool_limits(limits=args.blas_threads, user_api="blas")
    with limits, warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        results = _benchmark(settings, with_recipe=not (args.quick or args.no_recipe))
    results["command"] = _command(args)
    if args.json is not None:
        args.json.write_text(json.dumps(results, indent=2) + "\n")
        print(f"\nwrote {args.json}")
    if args.plot is not None:
        plot(results, args.plot)
        print(f"wrote {args.plot}")
    return 0


def _command(args):
    """Return the command line that reproduces this run."""
    words = ["python -m skperceptron bench"]
    if args.quick:
        words.append("--quick")
    if args.no_recipe:
        words.append("--no-recipe")
    for option in ("epochs", "blas_threads", "json", "plot"):
        value = getattr(args, option)
        if value is not None:
            words.append(f"--{option.replace('_', '-')} {value}")
    return " ".join(words)


def _benchmark(settings, with_recipe):
    """Run every section, printing as it goes; return all the numbers."""
    results = {
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(
            timespec="seconds"
        ),
        "machine": describe_machine(),
        "settings": {**settings, "network": jsonable(NETWORK)},
        "load_before": load_average(),
    }
    print_machine(results)
    X_train, y_train = load_mnist("train", return_X_y=True)
    X_test, y_test = load_mnist("test", return_X_y=True)
    X_train, y_train = (
        X_train[: settings["train_rows"]],
        y_train[: settings["train_rows"]],
    )
    X_test, y_test = X_test[: settings["test_rows"]], y_test[: settings["test_rows"]]
    results["fit"] = fit_and_predict(X_train, y_train, X_test, y_test, settings)
    results["pytorch"] = pytorch(X_train, y_train, X_test, y_test, settings["epochs"])
    results["linearity"] = linearity(X_train, y_train, settings)
    results["scaling"] = scaling(X_train, y_train, settings)
    results["cold_start"] = cold_start(settings["cold_start_repeats"])
    results["first_fit"] = first_fit(X_train, y_train, settings["first_fit_repeats"])

    if with_recipe:
        results["recipe"] = fit_recipe(X_train, y_train, X_test, y_test)
    results["load_after"] = load_average()
    print(
        "\nload average (1, 5, 15 min): before "
        + format_load(results["load_before"])
        + "; after "
        + format_load(results["load_after"])
    )
    return results
