"""The demo's results as a plain-text table and as a single-page HTML report."""

import datetime
import html
import sys

from .stories import STORIES


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
    header = ["story", "data", "model", "result", "s", "scikit-learn MLP", "s"]
    lines = [_cells(row) for row in rows]
    widths = [max(len(line[i]) for line in [header, *lines]) for i in range(7)]
    numeric = {4, 6}

    def format_line(cells):
        return "  ".join(
            cell.rjust(width) if i in numeric else cell.ljust(width)
            for i, (cell, width) in enumerate(zip(cells, widths))
        ).rstrip()

    rule = "  ".join("-" * width for width in widths)
    return "\n".join([format_line(header), rule, *map(format_line, lines)])


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


def html_report(rows, plots, mode, seconds):
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

    header = ["Story", "Data", "Model", "skperceptron", "s", "scikit-learn", "s"]
    table = ["<tr>" + "".join(f"<th>{escape(h)}</th>" for h in header) + "</tr>"]
    for row in rows:
        cells = _cells(row)
        table.append(
            "<tr>"
            + "".join(
                f'<td class="num">{escape(c)}</td>'
                if i in (4, 6)
                else f"<td>{escape(c)}</td>"
                for i, c in enumerate(cells)
            )
            + "</tr>"
        )
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
td.num {{ text-align: right; font-variant-numeric: tabular-nums; }}
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
data. Times are wall-clock seconds on this machine.</p>
<h2>The five stories</h2>
<ol>
{stories}
</ol>
<h2>Results</h2>
<table>
{chr(10).join(table)}
</table>
<h2>Plots</h2>
{figures}
</body>
</html>
"""
