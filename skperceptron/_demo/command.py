"""The ``demo`` command: tell the stories, print the table, write plots and report."""

import time
import warnings
from pathlib import Path

from sklearn.exceptions import ConvergenceWarning

from .._machine import load_average
from .plots import loss_curves, write_plots
from .progress import Progress
from .report import format_table, html_report, load_line
from .stories import SETTINGS, STORIES, STORY_FUNCTIONS


def run(args):
    """Run the five stories, print the comparison table, write plots and report.

    Parameters
    ----------
    args : argparse.Namespace
        With ``out`` (the output folder), ``quick`` and ``verbose`` (bool), as
        ``python -m skperceptron demo`` parses and checks them.

    Returns
    -------
    status : int
        0: the demo ran to its end.
    """
    settings = SETTINGS["quick" if args.quick else "full"]
    out = Path(args.out).absolute()
    started = time.perf_counter()
    load_before = load_average()
    mode = "quick run" if args.quick else "full run"
    print(f"skperceptron demo ({mode}): five stories, ours beside scikit-learn's MLP")
    progress = Progress(verbose=args.verbose)
    rows, figures, curves = [], {}, {}
    with warnings.catch_warnings():
        # The stories cap their epochs on purpose, and the summary lines say
        # when a fit used all of them.
        warnings.simplefilter("ignore", ConvergenceWarning)
        for number, ((title, _), story) in enumerate(
            zip(STORIES, STORY_FUNCTIONS), start=1
        ):
            print(f"\n[{number}/{len(STORIES)}] {title}", flush=True)
            row, story_figures, story_curves = story(settings, progress)
            row.story = f"{number}. {row.story}"
            print(
                f"    ours: {row.result} ({row.seconds:.1f}s); scikit-learn: "
                f"{row.sklearn_result} ({row.sklearn_seconds:.1f}s)",
                flush=True,
            )
            rows.append(row)
            figures.update(story_figures)
            curves.update(story_curves)
    if curves:
        figures["loss_curves.png"] = (loss_curves, (curves,))

    out.mkdir(parents=True, exist_ok=True)
    print(f"\nDrawing {len(figures)} plots", flush=True)
    written = write_plots(figures, out)
    if written is None:
        print(
            "Plots skipped: matplotlib is not installed "
            "(pip install 'skperceptron[plots]')."
        )
        written = []
    seconds = time.perf_counter() - started
    load = (load_before, load_average())
    report = out / "index.html"
    plot_names = [path.name for path in written]
    report.write_text(html_report(rows, plot_names, mode, seconds, load))
    print()
    print(format_table(rows))
    print(f"\nTotal: {seconds:.1f}s")
    print(
        "The fit times are single runs, which swing with the machine's load: "
        f"{load_line(load)}."
    )
    print(f"Plots and report written to {out}")
    print(f"Open {report} in a browser.")
    return 0
