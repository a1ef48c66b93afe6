"""The demo's results as a plain-text table and as a single-page HTML report."""

import datetime
import html
import os
import sys

from .._machine import format_load
from .stories import STORIES

# The table's columns, in the printed table and in the report; the two time
# columns (right-aligned) hold each library's seconds for the story's fit.
HEADER = [
    "story",
    "data",
    "model",
    "skperceptron",
    "fit time (s)",
    "scikit-learn MLP",
    "fit time (s)",
]
TIME_COLUMNS = {4, 6}


def format_table(rows):
    """Format the stories' results as one plain-text table.

    Parameters
    ----------
    rows : list of Row
        One per story.

    Returns
    -------
    table : str
        The table, with a header line and a rule under it.
    """
    lines = [_cells(row) for row in rows]
    widths = [max(len(line[i]) for line in [HEADER, *lines]) for i in range(7)]

    def format_line(cells):
        return "  ".join(
            cell.rjust(width) if i in TIME_COLUMNS else cell.ljust(width)
            for i, (cell, width) in enumerate(zip(cells, widths))
        ).rstrip()

    rule = "  ".join("-" * width for width in widths)
    return "\n".join([format_line(HEADER), rule, *map(format_line, lines)])


def load_line(load):
    """Say how busy the machine was, in one line.

    Parameters
    ----------
    load : tuple of (list of float or None)
        The load averages before and after the run, as
        :func:`skperceptron._machine.load_average` returns them.

    Returns
    -------
    line : str
        The averages before and after, and the number of CPU cores, as a
        clause of a sentence.
    """
    before, after = load
    return (
        f"load average (1, 5, 15 min) {format_load(before)} before the run, "
        f"{format_load(after)} after, on {os.cpu_count()} CPU cores"
    )


def _cells(row):
    """Return a row's table cells as strings."""
    return [
        row.story,
        row.data,
        row.model,
        row.result,
        f"{row.seconds:.1f}",
        row.sklearn_result,
        f"{row.sklearn_seconds:.1f}",
    ]


# Captions of the plots in the HTML report, in the order they are shown.
PLOT_CAPTIONS = {
    "spiral_decision_boundary.png": "Story 4: decision regions on the 3-class "
    "spiral, ours and scikit-learn's (training points as dots, held-out points "
    "as triangles).",
    "loss_curves.png": "Training loss per epoch, ours and scikit-learn's, for "
    "the spiral and the refitted MNIST pipeline.",
    "mnist_confusion_matrix.png": "Story 5: MNIST test set, each row normalised "
    "by the true digit, so the few confusions stand out.",
    "mnist_first_layer_weights.png": "Story 5: the input weights of the first "
    "32 hidden units, as 28 x 28 images on one colour scale.",
}


def html_report(rows, plots, mode, seconds, load):
    """Return a single-page, offline HTML report of a demo run.

    Parameters
    ----------
    rows : list of Row
        The stories' results, as in the printed table.
    plots : list of str
        File names of the plots, in the report's folder (linked relatively).
    mode : str
        ``"full run"`` or ``"quick run"``.
    seconds : float
        The run's duration.
    load : tuple of (list of float or None)
        The machine's load averages before and after the run, as
        :func:`skperceptron._machine.load_average` returns them.

    Returns
    -------
    page : str
        A complete HTML document with no external resources but the plots.
    """
    import numpy
    import sklearn

    from .. import __version__

    def escape(text):
        return html.escape(text, quote=False)

    def table_row(tag, cells):
        return (
            "<tr>"
            + "".join(
                f'<{tag} class="num">{escape(c)}</{tag}>'
                if i in TIME_COLUMNS
                else f"<{tag}>{escape(c)}</{tag}>"
                for i, c in enumerate(cells)
            )
            + "</tr>"
        )

    table = [table_row("th", HEADER)] + [table_row("td", _cells(row)) for row in rows]
    stories = "\n".join(
        f"<li><b>{escape(title)}.</b> {escape(sentence)}</li>"
        for title, sentence in STORIES
    )
    ordered = [name for name in PLOT_CAPTIONS if name in plots]
    ordered += [name for name in plots if name not in PLOT_CAPTIONS]
    figures = "\n".join(
        f'<figure><a href="{html.escape(name)}"><img src="{html.escape(name)}" '
        f'alt="{html.escape(PLOT_CAPTIONS.get(name, name))}"></a>'
        f"<figcaption>{escape(PLOT_CAPTIONS.get(name, name))}</figcaption></figure>"
        for name in ordered
    )
    if not ordered:
        figures = (
            "<p>No plots: matplotlib is not installed "
            "(<code>pip install 'skperceptron[plots]'</code>).</p>"
        )
    date = datetime.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>skperceptron demo</title>
<style>
body {{ font-family: system-ui, sans-serif; max-width: 72rem; margin: 2rem auto;
       padding: 0 1rem; color: #222; line-height: 1.45; }}
h1 {{ margin-bottom: 0.2rem; }}
.meta {{ color: #666; margin-top: 0; }}
table {{ border-collapse: collapse; font-size: 0.92rem; width: 100%; }}
th, td {{ border-bottom: 1px solid #ddd; padding: 0.35rem 0.6rem; text-align: left;
         vertical-align: top; }}
th {{ background: #f3f3f3; }}
td.num, th.num {{ text-align: right; font-variant-numeric: tabular-nums;
                 white-space: nowrap; }}
.note {{ color: #555; font-size: 0.92rem; }}
figure {{ margin: 1.5rem 0; }}
figure img {{ max-width: 100%; border: 1px solid #eee; }}
figcaption {{ color: #555; font-size: 0.92rem; }}
</style>
</head>
<body>
<h1>skperceptron demo</h1>
<p class="meta">{escape(mode)}, {date}, {seconds:.1f}&nbsp;s in all.
skperceptron {escape(__version__)}, scikit-learn {escape(sklearn.__version__)},
NumPy {escape(numpy.__version__)}, Python {escape(sys.version.split()[0])}.</p>
<p>Each story trains skperceptron's <code>ScratchMLPClassifier</code>, then
scikit-learn's <code>MLPClassifier</code> with the same settings on the same
data.</p>
<h2>The five stories</h2>
<ol>
{stories}
</ol>
<h2>Results</h2>
<table>
{chr(10).join(table)}
</table>
<p class="note">The fit times are wall-clock seconds of a single fit by each
library on this machine (MNIST: the refit of the best pipeline, after the grid
search; hand-set weights: a one-epoch fit, setting the weights and the checks),
so they swing with the machine's load: {escape(load_line(load))}. For times
that tell the libraries apart, run <code>python -m skperceptron bench</code>,
which alternates repeated fits.</p>
<h2>Plots</h2>
{figures}
</body>
</html>
"""
