"""Command line: ``python -m skperceptron {demo,bench}``.

Each command lives in its own private module, which provides
``add_arguments(parser)`` and ``run(args)``; heavy imports (matplotlib,
PyTorch) belong inside ``run``.
"""

import argparse
import importlib
import sys

COMMANDS = {
    "demo": (
        "skperceptron._demo",
        "run the five notebook stories and compare with scikit-learn",
    ),
    "bench": (
        "skperceptron._bench",
        "benchmark against scikit-learn's MLPClassifier on MNIST",
    ),
}


def main(argv=None):
    """Parse the command line and run the chosen command.

    Parameters
    ----------
    argv : list of str, default=None
        Arguments, without the program name; ``sys.argv[1:]`` when None.

    Returns
    -------
    status : int
        The process exit status.
    """
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = argparse.ArgumentParser(prog="python -m skperceptron")
    commands = parser.add_subparsers(dest="command", required=True)
    chosen = next((arg for arg in argv if not arg.startswith("-")), None)
    for name, (module_name, help_text) in COMMANDS.items():
        sub = commands.add_parser(name, help=help_text)
        if name == chosen:
            # Only the chosen command is imported: one cannot break another.
            module = importlib.import_module(module_name)
            sub.description = module.__doc__
            module.add_arguments(sub)
            sub.set_defaults(run=module.run)
    args = parser.parse_args(argv)
    return args.run(args) or 0


if __name__ == "__main__":
    sys.exit(main())
