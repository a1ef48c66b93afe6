"""The ``demo`` command: five stories, each told by ours and by scikit-learn's MLP.

Each story trains one of this package's estimators, then scikit-learn's
MLPClassifier with the same settings; the run ends with one table that puts
the two side by side, and writes an HTML report (``index.html``) with the
table, the stories and the plots (spiral decision boundaries, loss curves,
MNIST confusion matrix and first-layer weights, when matplotlib is installed:
``pip install skperceptron[plots]``) into the output folder.
"""

import contextlib
import datetime
import html
import re
import sys
import time
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import (
    GridSearchCV,
    ParameterGrid,
    PredefinedSplit,
    train_test_split,
)
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from ._mlp import ScratchMLPClassifier
from .datasets import load_height_weight, load_mnist, load_three_bits, make_spiral
from .utils import check_gradients

# The hand-set 2-2-1 network whose gradients were derived symbolically:
# w<i><j> joins unit i to unit j (inputs 1, 2; hidden 3, 4; output 5), and
# every bias is 0.2. Its output at HAND_SET_X is 0.649864477526152.
HAND_SET_COEFS = [np.array([[0.2, 0.8], [0.6, 0.4]]), np.array([[0.1], [0.5]])]
HAND_SET_INTERCEPTS = [np.array([0.2, 0.2]), np.array([0.2])]
HAND_SET_X = np.array([[0.35, 0.9]])

# Settings of the full run and of --quick. MNIST's grid search runs on the
# first ``grid_rows`` training images, validated on the ``validation_rows``
# after them; the best pipeline is then refitted on ``train_rows`` images and
# scored on the whole published test set.
SETTINGS = {
    "full": {
        "spiral_samples": 1500,
        "spiral_max_iter": 1000,
        "grid_rows": 10000,
        "validation_rows": 5000,
        "train_rows": 60000,
        "hidden": (256,),
        "mnist_max_iter": 15,
    },
    "quick": {
        "spiral_samples": 600,
        "spiral_max_iter": 300,
        "grid_rows": 3000,
        "validation_rows": 2000,
        "train_rows": 10000,
        "hidden": (128,),
        "mnist_max_iter": 10,
    },
}

#: The MNIST story's grid: raw or standardised pixels, and the L2 penalty.
MNIST_PARAM_GRID = {
    "scale": ["passthrough", StandardScaler()],
    "mlp__alpha": [1e-4, 1e-2],
}

#: The stories, in the order they run: a title and one sentence for the report.
STORIES = [
    (
        "A single sigmoid neuron learns a 3-bit rule",
        "One neuron with no hidden layer sees four patterns of three bits whose "
        "label is the first bit, and answers for the unseen pattern (1, 0, 0).",
    ),
    (
        "A 2-2-1 network tells female from male",
        "Two logistic hidden units learn from four people's height and weight, "
        "then call Emily and Frank.",
    ),
    (
        "A hand-set 2-2-1 network, its gradients derived symbolically",
        "With its weights set by hand, the network's output matches the value "
        "derived with SymPy to 15 digits, and backpropagation matches finite "
        "differences.",
    ),
    (
        "Three interleaved spirals, a dense ReLU network",
        "Two ReLU layers of 64 units bend their decision regions around the "
        "three arms of the 3-class spiral, scored on held-out points.",
    ),
    (
        "MNIST digits, a pipeline tuned by grid search",
        "A grid search picks the preprocessing and the L2 penalty on part of "
        "the training set; the best pipeline is refitted and scored once on "
        "the 10,000 test images.",
    ),
]


@dataclass
class Row:
    """One line of the final table: a story, our result, and scikit-learn's."""

    story: str
    data: str
    model: str
    result: str
    seconds: float
    sklearn_result: str
    sklearn_seconds: float


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
    mode = "quick run" if args.quick else "full run"
    print(f"skperceptron demo ({mode}): five stories, ours beside scikit-learn's MLP")
    progress = Progress(verbose=args.verbose)
    story_functions = [
        _story_single_neuron,
        _story_height_weight,
        _story_hand_set,
        _story_spiral,
        _story_mnist,
    ]
    rows, figures, curves = [], {}, {}
    with warnings.catch_warnings():
        # The stories cap their epochs on purpose, and the summary lines say
        # when a fit used all of them.
        warnings.simplefilter("ignore", ConvergenceWarning)
        for number, ((title, _), story) in enumerate(
            zip(STORIES, story_functions), start=1
        ):
            print(f"\n[{number}/{len(STORIES)}] {title}", flush=True)
            row, plots, story_curves = story(settings, progress)
            row.story = f"{number}. {row.story}"
            print(
                f"    ours: {row.result} ({row.seconds:.1f}s); scikit-learn: "
                f"{row.sklearn_result} ({row.sklearn_seconds:.1f}s)",
                flush=True,
            )
            rows.append(row)
            figures.update(plots)
            curves.update(story_curves)
    if curves:
        figures["loss_curves.png"] = (_plot_loss_curves, (curves,))

    out.mkdir(parents=True, exist_ok=True)
    print(f"\nDrawing {len(figures)} plots", flush=True)
    written = _write_plots(figures, out)
    if written is None:
        print(
            "Plots skipped: matplotlib is not installed "
            "(pip install 'skperceptron[plots]')."
        )
        written = []
    seconds = time.perf_counter() - started
    report = out / "index.html"
    report.write_text(html_report(rows, [path.name for path in written], mode, seconds))
    print()
    print(format_table(rows))
    print(f"\nTotal: {seconds:.1f}s")
    print(f"Plots and report written to {out}")
    print(f"Open {report} in a browser.")
    return 0


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

    from . import __version__

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


class Progress:
    """How the demo shows its fits: one line each, a progress bar, or every epoch.

    Parameters
    ----------
    verbose : bool
        Show every line the estimators print (per-epoch losses, the grid
        search's fits), indented under the step that prints them. Otherwise
        each step ends in one summary line, with a progress bar while it runs
        when tqdm is installed and the output is a terminal.
    """

    def __init__(self, verbose):
        self.verbose = verbose
        self.tqdm = None
        if not verbose and sys.stdout.isatty():
            with contextlib.suppress(ImportError):
                from tqdm import tqdm

                self.tqdm = tqdm

    @contextlib.contextmanager
    def step(self, message, total=None, unit="epoch"):
        """Run one step, showing its progress; yield a dict for its results.

        The caller may set ``"summary"`` in the dict, printed after the
        message when the step ends; ``"seconds"`` is set then.
        """
        real_stdout = sys.stdout
        result = {}
        bar = None
        if self.verbose:
            print(f"    {message}", flush=True)
            stream = _Indented(real_stdout)
        else:
            if self.tqdm is not None and total is not None:
                bar = self.tqdm(
                    total=total, desc=f"    {message}", unit=unit, leave=False
                )
            else:
                print(f"    {message} ...", end="", flush=True)
            stream = _ProgressCounter(bar)
        started = time.perf_counter()
        try:
            with contextlib.redirect_stdout(stream):
                yield result
        finally:
            if bar is not None:
                bar.close()
        result["seconds"] = seconds = time.perf_counter() - started
        summary = ", ".join(filter(None, [result.get("summary"), f"{seconds:.1f}s"]))
        if self.verbose:
            print(f"    done: {summary}", flush=True)
        elif bar is not None:
            print(f"    {message}: {summary}", flush=True)
        else:
            print(f" {summary}", flush=True)

    def fit_both(self, ours, theirs, X, y, what):
        """Fit our estimator and scikit-learn's on the same data; return both times."""
        seconds = []
        for name, estimator in (
            ("ScratchMLPClassifier", ours),
            ("scikit-learn's MLPClassifier", theirs),
        ):
            mlp = _final_step(estimator)
            # Verbose lines feed the progress bar, or are shown as they are.
            mlp.set_params(verbose=self.verbose or self.tqdm is not None)
            with self.step(f"{name} on {what}", total=mlp.max_iter) as result:
                estimator.fit(X, y)
                result["summary"] = _fit_summary(mlp)
            mlp.set_params(verbose=False)
            seconds.append(result["seconds"])
        return tuple(seconds)


def _final_step(estimator):
    """Return the MLP of a pipeline, or the estimator itself."""
    return estimator.steps[-1][1] if isinstance(estimator, Pipeline) else estimator


def _fit_summary(mlp):
    """Say how a fit ended: its epochs and its final training loss."""
    if mlp.n_iter_ < mlp.max_iter:
        epochs = f"stopped after {mlp.n_iter_} epochs"
    else:
        epochs = f"{mlp.n_iter_} epochs (the cap)"
    return f"{epochs}, final loss {mlp.loss_:.4g}"


class _Indented:
    """A stream that indents every line written to it, for nested progress."""

    def __init__(self, stream, prefix="      "):
        self.stream = stream
        self.prefix = prefix
        self.at_line_start = True

    def write(self, text):
        for piece in text.splitlines(keepends=True):
            if self.at_line_start:
                self.stream.write(self.prefix)
            self.stream.write(piece)
            self.at_line_start = piece.endswith("\n")
        self.stream.flush()
        return len(text)

    def flush(self):
        self.stream.flush()


class _ProgressCounter:
    """A stream that swallows verbose output, advancing a progress bar with it.

    Each ``Iteration N, loss = L`` line of a fit, and each ``[CV] END`` line
    of a grid search, is one step of the bar (when there is one).
    """

    STEP = re.compile(r"^(Iteration \d+, loss = (\S+?),|\[CV\] END)")

    def __init__(self, bar):
        self.bar = bar
        self.pending = ""

    def write(self, text):
        *lines, self.pending = (self.pending + text).split("\n")
        for line in lines:
            found = self.STEP.match(line)
            if found and self.bar is not None:
                self.bar.update(1)
                if found.group(2):
                    self.bar.set_postfix_str(f"loss {found.group(2)}", refresh=False)
        return len(text)

    def flush(self):
        pass


def _sklearn_twin(estimator):
    """Return scikit-learn's MLPClassifier with our estimator's shared settings."""
    params = estimator.get_params()
    shared = MLPClassifier().get_params()
    return MLPClassifier(**{name: params[name] for name in shared})


def single_neuron():
    """Return the single sigmoid neuron of the 3-bit rule.

    Trained the textbook way: full-batch gradient descent, step 1, no
    penalty, 1000 epochs.

    Returns
    -------
    estimator : ScratchMLPClassifier
    """
    return ScratchMLPClassifier(
        hidden_layer_sizes=(),
        solver="sgd",
        learning_rate_init=1.0,
        momentum=0.0,
        batch_size=4,
        alpha=0.0,
        max_iter=1000,
        n_iter_no_change=1000,
        shuffle=False,
        random_state=1,
    )


def height_weight_network():
    """Return the 2-2-1 logistic network that tells female from male.

    Trained the textbook way: one sample at a time, step 0.1, no penalty,
    1000 epochs.

    Returns
    -------
    estimator : ScratchMLPClassifier
    """
    return ScratchMLPClassifier(
        hidden_layer_sizes=(2,),
        activation="logistic",
        solver="sgd",
        learning_rate_init=0.1,
        momentum=0.0,
        batch_size=1,
        alpha=0.0,
        max_iter=1000,
        n_iter_no_change=1000,
        shuffle=False,
        random_state=1,
    )


def _story_single_neuron(settings, progress):
    """Teach one sigmoid neuron the 3-bit rule."""
    bits = load_three_bits()
    ours = single_neuron()
    theirs = _sklearn_twin(ours)
    seconds, sk_seconds = progress.fit_both(
        ours, theirs, bits.data, bits.target, "3 bits"
    )
    answer = ours.predict_proba(bits.questions)[0, 1]
    sk_answer = theirs.predict_proba(bits.questions)[0, 1]
    row = Row(
        "single neuron",
        "three bits (4)",
        "no hidden layer, sgd",
        f"P(1 | 1,0,0) = {answer:.4f}",
        seconds,
        f"P(1 | 1,0,0) = {sk_answer:.4f}",
        sk_seconds,
    )
    return row, {}, {}


def _story_height_weight(settings, progress):
    """Train the 2-2-1 network on four people's height and weight."""
    people = load_height_weight()
    ours = height_weight_network()
    theirs = _sklearn_twin(ours)
    seconds, sk_seconds = progress.fit_both(
        ours, theirs, people.data, people.target, "4 people"
    )

    def answer(estimator):
        emily, frank = estimator.predict_proba(people.questions)[:, 1]
        return f"P(F): Emily {emily:.3f}, Frank {frank:.3f}"

    row = Row(
        "height/weight",
        "4 people",
        "2-2-1 logistic, sgd",
        answer(ours),
        seconds,
        answer(theirs),
        sk_seconds,
    )
    return row, {}, {}


def hand_set_network(estimator):
    """Set a 2-2-1 logistic classifier to the hand-set weights.

    Parameters
    ----------
    estimator : ScratchMLPClassifier or MLPClassifier
        An unfitted classifier; it is given ``hidden_layer_sizes=(2,)`` and
        ``activation="logistic"``, fitted for one epoch to create its
        attributes, then its weights are replaced.

    Returns
    -------
    estimator : ScratchMLPClassifier or MLPClassifier
        The same estimator, with :data:`HAND_SET_COEFS` and
        :data:`HAND_SET_INTERCEPTS`.
    """
    X, y = load_height_weight(return_X_y=True)
    estimator.set_params(hidden_layer_sizes=(2,), activation="logistic", max_iter=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        estimator.fit(X, y)
    estimator.coefs_ = [coef.copy() for coef in HAND_SET_COEFS]
    estimator.intercepts_ = [intercept.copy() for intercept in HAND_SET_INTERCEPTS]
    return estimator


def _story_hand_set(settings, progress):
    """Check the hand-set network: its output and its gradients."""
    with progress.step("ScratchMLPClassifier, hand-set weights") as result:
        ours = hand_set_network(ScratchMLPClassifier(alpha=0.0, random_state=0))
        output = ours.predict_proba(HAND_SET_X)[0, 1]
        error = check_gradients(ours, HAND_SET_X, [1])
        result["summary"] = "output and gradient check"
    with progress.step("scikit-learn's MLPClassifier, same weights") as sk_result:
        theirs = hand_set_network(MLPClassifier(alpha=0.0, random_state=0))
        sk_output = theirs.predict_proba(HAND_SET_X)[0, 1]
        sk_result["summary"] = "output"
    row = Row(
        "hand-set weights",
        "x = (0.35, 0.9)",
        "2-2-1 logistic",
        f"p = {output:.15f}, gradient check {error:.0e}",
        result["seconds"],
        f"p = {sk_output:.15f}",
        sk_result["seconds"],
    )
    return row, {}, {}


def spiral_split(n_samples):
    """Return the spiral story's points, a quarter of them held out.

    Parameters
    ----------
    n_samples : int
        Number of points on the three arms, split between them.

    Returns
    -------
    X_train, X_test, y_train, y_test : ndarray
        The stratified split of :func:`~skperceptron.datasets.make_spiral`'s
        points and labels.
    """
    X, y = make_spiral(n_samples, n_classes=3, random_state=0)
    return train_test_split(X, y, test_size=0.25, stratify=y, random_state=0)


def spiral_network(max_iter):
    """Return the dense (64, 64) ReLU network that separates the spirals.

    Parameters
    ----------
    max_iter : int
        Most epochs of Adam; training stops earlier once 100 epochs in a row
        improve the loss by less than ``1e-6``.

    Returns
    -------
    estimator : ScratchMLPClassifier
    """
    return ScratchMLPClassifier(
        hidden_layer_sizes=(64, 64),
        activation="relu",
        learning_rate_init=0.01,
        max_iter=max_iter,
        n_iter_no_change=100,
        tol=1e-6,
        random_state=0,
    )


def _story_spiral(settings, progress):
    """Classify three interleaved spirals with a dense ReLU network."""
    n_samples = settings["spiral_samples"]
    X_train, X_test, y_train, y_test = spiral_split(n_samples)
    ours = spiral_network(settings["spiral_max_iter"])
    theirs = _sklearn_twin(ours)
    seconds, sk_seconds = progress.fit_both(
        ours, theirs, X_train, y_train, f"{len(X_train)} points"
    )

    def accuracies(estimator):
        train = estimator.score(X_train, y_train)
        test = estimator.score(X_test, y_test)
        return f"train {train:.3f}, test {test:.3f}"

    row = Row(
        "spiral",
        f"{n_samples} points, 3 classes",
        "(64, 64) relu, adam",
        accuracies(ours),
        seconds,
        accuracies(theirs),
        sk_seconds,
    )
    plots = {
        "spiral_decision_boundary.png": (
            _plot_decision_boundaries,
            (ours, theirs, X_train, y_train, X_test, y_test),
        ),
    }
    return row, plots, {"spiral": (ours, theirs)}


def mnist_grid_search(X, y, grid_rows, validation_rows, estimator, verbose=0):
    """Tune the MNIST pipeline on a validation split of the training images.

    Parameters
    ----------
    X, y : ndarray
        The training images and labels, in their published order.
    grid_rows : int
        The candidates are fitted on the first ``grid_rows`` images...
    validation_rows : int
        ...and scored on the ``validation_rows`` images that follow.
    estimator : ScratchMLPClassifier or MLPClassifier
        The network at the end of the pipeline.
    verbose : int, default=0
        Verbosity of :class:`~sklearn.model_selection.GridSearchCV`.

    Returns
    -------
    search : GridSearchCV
        The fitted search; ``best_params_`` says the winner. It is not
        refitted: refit ``search.estimator.set_params(**search.best_params_)``
        on the data of your choice.
    """
    pipeline = Pipeline([("scale", "passthrough"), ("mlp", estimator)])
    n = grid_rows + validation_rows
    test_fold = np.r_[np.full(grid_rows, -1), np.zeros(validation_rows)]
    search = GridSearchCV(
        pipeline,
        MNIST_PARAM_GRID,
        cv=PredefinedSplit(test_fold),
        refit=False,
        verbose=verbose,
    )
    return search.fit(X[:n], y[:n])


def _story_mnist(settings, progress):
    """Tune a pipeline on part of MNIST, refit it, score it on the test set."""
    with progress.step("loading MNIST (bundled, checksum-verified)") as result:
        X_train, y_train = load_mnist("train", return_X_y=True)
        X_test, y_test = load_mnist("test", return_X_y=True)
        result["summary"] = f"{len(X_train)} training and {len(X_test)} test images"
    mlp = ScratchMLPClassifier(
        hidden_layer_sizes=settings["hidden"],
        max_iter=settings["mnist_max_iter"],
        random_state=0,
    )
    grid_rows, validation_rows = settings["grid_rows"], settings["validation_rows"]
    with progress.step(
        f"grid search on {grid_rows} training images, validated on the next "
        f"{validation_rows}",
        total=len(ParameterGrid(MNIST_PARAM_GRID)),
        unit="pipeline",
    ) as result:
        search = mnist_grid_search(
            X_train, y_train, grid_rows, validation_rows, mlp, verbose=2
        )
        best = clone(search.estimator).set_params(**search.best_params_)
        scale = best.named_steps["scale"]
        scale_name = "raw" if isinstance(scale, str) else "standardised"
        alpha = best.named_steps["mlp"].alpha
        result["summary"] = (
            f"best of {len(search.cv_results_['params'])}: {scale_name} pixels, "
            f"alpha={alpha:g}"
        )
    sk_best = clone(best).set_params(mlp=_sklearn_twin(best.named_steps["mlp"]))

    n = settings["train_rows"]
    seconds, sk_seconds = progress.fit_both(
        best, sk_best, X_train[:n], y_train[:n], f"{n} training images"
    )
    predictions = best.predict(X_test)
    accuracy = np.mean(predictions == y_test)
    sk_accuracy = sk_best.score(X_test, y_test)
    n_candidates = len(search.cv_results_["params"])
    row = Row(
        "MNIST",
        f"{n // 1000}k train, 10k test",
        f"best of {n_candidates} pipelines, {settings['hidden']} relu",
        f"test accuracy {accuracy:.4f}",
        seconds,
        f"test accuracy {sk_accuracy:.4f}",
        sk_seconds,
    )
    ours_mlp, their_mlp = best.named_steps["mlp"], sk_best.named_steps["mlp"]
    model = f"ScratchMLPClassifier {settings['hidden']} relu, {scale_name} pixels"
    plots = {
        "mnist_confusion_matrix.png": (
            _plot_confusion_matrix,
            (y_test, predictions, model),
        ),
        "mnist_first_layer_weights.png": (_plot_first_layer, (ours_mlp,)),
    }
    return row, plots, {"MNIST": (ours_mlp, their_mlp)}


def _write_plots(figures, out):
    """Draw the figures into PNG files in ``out``; None when matplotlib is missing.

    ``figures`` maps a file name to ``(draw, arguments)``, where
    ``draw(*arguments)`` returns a matplotlib figure.
    """
    try:
        import matplotlib
    except ImportError:
        return None
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    written = []
    for name, (draw, arguments) in figures.items():
        figure = draw(*arguments)
        path = out / name
        figure.savefig(path, dpi=100)
        plt.close(figure)
        written.append(path)
    return written


# The two libraries as the plots name them.
LIBRARIES = ("skperceptron", "scikit-learn")


def _plot_decision_boundaries(ours, theirs, X_train, y_train, X_test, y_test):
    """Draw both spiral classifiers' decision regions, training and test points."""
    import matplotlib.pyplot as plt
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch
    from sklearn.inspection import DecisionBoundaryDisplay

    X = np.concatenate([X_train, X_test])
    figure, axes = plt.subplots(
        1, 2, figsize=(11, 5.4), layout="constrained", sharex=True, sharey=True
    )
    for ax, estimator, name in zip(axes, (ours, theirs), LIBRARIES):
        display = DecisionBoundaryDisplay.from_estimator(
            estimator,
            X,
            response_method="predict",
            grid_resolution=400,
            eps=0.05,
            alpha=0.3,
            ax=ax,
            xlabel="feature 1",
            ylabel="feature 2",
        )
        colours = np.asarray(display.multiclass_colors_)
        ax.scatter(*X_train.T, c=colours[y_train], s=10, marker="o", linewidths=0)
        ax.scatter(
            *X_test.T,
            c=colours[y_test],
            s=30,
            marker="^",
            edgecolors="k",
            linewidths=0.6,
        )
        ax.set_title(
            f"{name}: train accuracy {estimator.score(X_train, y_train):.3f}, "
            f"test {estimator.score(X_test, y_test):.3f}"
        )
        ax.set_aspect("equal")
    handles = [
        Patch(color=colour, alpha=0.6, label=f"class {label}")
        for label, colour in zip(ours.classes_, colours)
    ] + [
        Line2D([], [], color="grey", marker="o", linestyle="", markersize=4,
               label=f"training point ({len(X_train)})"),
        Line2D([], [], color="grey", marker="^", markeredgecolor="k", linestyle="",
               markersize=7, label=f"held-out test point ({len(X_test)})"),
    ]  # fmt: skip
    figure.legend(handles=handles, loc="outside lower center", ncols=len(handles))
    figure.suptitle("3-class spiral: decision regions of a (64, 64) ReLU network")
    return figure


def _plot_loss_curves(curves):
    """Draw each story's training loss per epoch, ours against scikit-learn's."""
    import matplotlib.pyplot as plt
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    figure, axes = plt.subplots(
        1, len(curves), figsize=(5.5 * len(curves), 4.2), layout="constrained"
    )
    plain = FuncFormatter(lambda value, _: f"{value:g}")
    # Between the powers of ten, only 2, 3 and 5 are labelled: no crowding.
    sparse = FuncFormatter(
        lambda value, _: f"{value:g}" if f"{value:.0e}"[0] in "235" else ""
    )
    for ax, (story, models) in zip(np.atleast_1d(axes), curves.items()):
        n_epochs = max(len(model.loss_curve_) for model in models)
        every = max(1, n_epochs // 20)
        # The two curves often coincide: ours is a thick line with hollow
        # circles, scikit-learn's a dashed line with crosses in between.
        styles = (
            {"marker": "o", "fillstyle": "none", "linewidth": 3, "alpha": 0.6,
             "markevery": (0, every)},
            {"marker": "x", "linestyle": "--", "color": "k",
             "markevery": (every // 2, every)},
        )  # fmt: skip
        for model, name, style in zip(models, LIBRARIES, styles):
            losses = model.loss_curve_
            # Epochs are counted from 1, as the verbose lines count them.
            epochs = np.arange(1, len(losses) + 1)
            ax.plot(epochs, losses, label=f"{name} ({len(losses)} epochs)", **style)
        ax.set(title=story, xlabel="epoch", ylabel="training loss", yscale="log")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.yaxis.set_major_formatter(plain)
        ax.yaxis.set_minor_formatter(sparse)
        ax.grid(alpha=0.3, which="both")
        ax.legend()
    figure.suptitle("Training loss per epoch (log scale)")
    return figure


def _plot_confusion_matrix(y_true, y_pred, model):
    """Draw the MNIST test set's confusion matrix, normalised by true digit."""
    import matplotlib.pyplot as plt
    from matplotlib.colors import LogNorm
    from sklearn.metrics import ConfusionMatrixDisplay

    figure, ax = plt.subplots(figsize=(7.5, 6.8), layout="constrained")
    display = ConfusionMatrixDisplay.from_predictions(
        y_true,
        y_pred,
        normalize="true",
        values_format=".1%",
        ax=ax,
        cmap="Blues",
        im_kw={"norm": LogNorm(vmin=1e-3, vmax=1)},
    )
    # Most cells are 0: leave them blank so that the confusions stand out.
    for text, value in zip(display.text_.ravel(), display.confusion_matrix.ravel()):
        if value < 0.0005:
            text.set_visible(False)
    display.im_.colorbar.set_label("share of the true digit's images (log scale)")
    accuracy = np.mean(np.asarray(y_true) == np.asarray(y_pred))
    ax.set(xlabel="predicted digit", ylabel="true digit")
    ax.set_title(
        f"{model}\nMNIST test set: accuracy {accuracy:.2%}; rows normalised by "
        "true digit"
    )
    return figure


def _plot_first_layer(mlp, n_units=32):
    """Draw the first ``n_units`` hidden units' input weights as 28 x 28 images."""
    import matplotlib.pyplot as plt

    weights = mlp.coefs_[0][:, :n_units]
    # One symmetric scale for every tile, so that colours compare across units.
    limit = np.abs(weights).max()
    figure, axes = plt.subplots(
        4, n_units // 4, figsize=(11, 5.6), layout="constrained"
    )
    for ax, unit in zip(axes.ravel(), weights.T):
        image = ax.matshow(unit.reshape(28, 28), cmap="RdBu_r", vmin=-limit, vmax=limit)
        ax.set_xticks(())
        ax.set_yticks(())
    figure.colorbar(image, ax=axes, shrink=0.8, label="input weight")
    figure.suptitle(
        f"MNIST: input weights of the first {n_units} hidden units "
        "(red positive, blue negative)"
    )
    return figure
