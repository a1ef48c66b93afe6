"""Run the five stories of the notebooks skperceptron grew from, on bundled data.

Each story trains one of this package's estimators, then scikit-learn's
MLPClassifier with the same settings, and the run ends with one table that
puts the two side by side. The plots (spiral decision boundary, loss curves,
MNIST confusion matrix and first-layer weights) are written as PNG files when
matplotlib is installed (``pip install skperceptron[plots]``).
"""

import contextlib
import sys
import time
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV, PredefinedSplit, train_test_split
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from ._mlp import ScratchMLPClassifier
from .datasets import load_height_weight, load_mnist, load_three_bits, make_spiral
from .utils import check_gradients

# The fourth notebook's network: w<i><j> joins unit i to unit j (inputs 1, 2;
# hidden 3, 4; output 5), and every bias is 0.2.
NOTEBOOK_COEFS = [np.array([[0.2, 0.8], [0.6, 0.4]]), np.array([[0.1], [0.5]])]
NOTEBOOK_INTERCEPTS = [np.array([0.2, 0.2]), np.array([0.2])]
NOTEBOOK_X = np.array([[0.35, 0.9]])

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
    """Run the five stories, print the comparison table and write the plots.

    Parameters
    ----------
    args : argparse.Namespace
        With ``out`` (a folder for the PNG files) and ``quick`` (bool).

    Returns
    -------
    status : int
        0: the demo ran to its end.
    """
    settings = SETTINGS["quick" if args.quick else "full"]
    started = time.perf_counter()
    mode = "quick run" if args.quick else "full run"
    print(f"skperceptron demo ({mode}): five stories, ours beside scikit-learn's MLP")
    rows, figures, curves = [], {}, {}
    stories = [
        ("One sigmoid neuron learns the 3-bit rule", _story_single_neuron),
        ("A 2-2-1 network tells female from male", _story_height_weight),
        ("The fourth notebook's fixed weights", _story_fixed_weights),
        ("Three interleaved spirals, a dense ReLU network", _story_spiral),
        ("MNIST digits, a pipeline tuned by grid search", _story_mnist),
    ]
    with warnings.catch_warnings():
        # The stories cap their epochs on purpose.
        warnings.simplefilter("ignore", ConvergenceWarning)
        for number, (title, story) in enumerate(stories, start=1):
            print(f"\n[{number}/{len(stories)}] {title}", flush=True)
            row, plots, story_curves = story(settings)
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

    print(f"\nDrawing {len(figures)} plots", flush=True)
    written = _write_plots(figures, Path(args.out))
    if written is None:
        print(
            "Plots skipped: matplotlib is not installed "
            "(pip install 'skperceptron[plots]')."
        )
    else:
        for path in written:
            print(f"Wrote {path}")
    print()
    print(format_table(rows))
    print(f"\nTotal: {time.perf_counter() - started:.1f}s")
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
    lines = [
        [
            row.story,
            row.data,
            row.model,
            row.result,
            f"{row.seconds:.1f}",
            row.sklearn_result,
            f"{row.sklearn_seconds:.1f}",
        ]
        for row in rows
    ]
    widths = [max(len(line[i]) for line in [header, *lines]) for i in range(7)]
    numeric = {4, 6}

    def format_line(cells):
        return "  ".join(
            cell.rjust(width) if i in numeric else cell.ljust(width)
            for i, (cell, width) in enumerate(zip(cells, widths))
        ).rstrip()

    rule = "  ".join("-" * width for width in widths)
    return "\n".join([format_line(header), rule, *map(format_line, lines)])


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


@contextlib.contextmanager
def _step(message):
    """Announce a step, indent what it prints, and time it.

    Yields a dict whose ``"seconds"`` is set when the step ends.
    """
    print(f"    {message}", flush=True)
    timing = {}
    started = time.perf_counter()
    with contextlib.redirect_stdout(_Indented(sys.stdout)):
        yield timing
    timing["seconds"] = time.perf_counter() - started


def _fit_both(ours, theirs, X, y, what):
    """Fit our estimator and scikit-learn's on the same data; return both times."""
    with _step(f"fitting ScratchMLPClassifier on {what}") as ours_time:
        ours.fit(X, y)
    with _step(f"fitting scikit-learn's MLPClassifier on {what}") as their_time:
        theirs.fit(X, y)
    return ours_time["seconds"], their_time["seconds"]


def _sklearn_twin(estimator):
    """Return scikit-learn's MLPClassifier with our estimator's shared settings."""
    params = estimator.get_params()
    shared = MLPClassifier().get_params()
    return MLPClassifier(**{name: params[name] for name in shared})


def single_neuron():
    """Return the first notebook's model: one sigmoid neuron.

    Trained as the notebook did: full-batch gradient descent, step 1, no
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
    """Return the third notebook's 2-2-1 logistic network.

    Trained as the notebook did: one sample at a time, step 0.1, no penalty,
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


def _story_single_neuron(settings):
    """Teach one sigmoid neuron the first notebook's 3-bit rule."""
    bits = load_three_bits()
    ours = single_neuron()
    theirs = _sklearn_twin(ours)
    seconds, sk_seconds = _fit_both(ours, theirs, bits.data, bits.target, "3 bits")
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


def _story_height_weight(settings):
    """Train the third notebook's 2-2-1 network on height and weight."""
    people = load_height_weight()
    ours = height_weight_network()
    theirs = _sklearn_twin(ours)
    seconds, sk_seconds = _fit_both(
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


def notebook_network(estimator):
    """Set a 2-2-1 logistic classifier to the fourth notebook's weights.

    Parameters
    ----------
    estimator : ScratchMLPClassifier or MLPClassifier
        An unfitted classifier; it is given ``hidden_layer_sizes=(2,)`` and
        ``activation="logistic"``, fitted for one epoch to create its
        attributes, then its weights are replaced.

    Returns
    -------
    estimator : ScratchMLPClassifier or MLPClassifier
        The same estimator, with the notebook's weights and biases.
    """
    X, y = load_height_weight(return_X_y=True)
    estimator.set_params(hidden_layer_sizes=(2,), activation="logistic", max_iter=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        estimator.fit(X, y)
    estimator.coefs_ = [coef.copy() for coef in NOTEBOOK_COEFS]
    estimator.intercepts_ = [intercept.copy() for intercept in NOTEBOOK_INTERCEPTS]
    return estimator


def _story_fixed_weights(settings):
    """Check the fourth notebook's network: its output and its gradients."""
    with _step("setting both networks to the notebook's weights") as timing:
        ours = notebook_network(ScratchMLPClassifier(alpha=0.0, random_state=0))
        output = ours.predict_proba(NOTEBOOK_X)[0, 1]
        error = check_gradients(ours, NOTEBOOK_X, [1])
    with _step("scikit-learn's MLPClassifier, same weights") as sk_timing:
        theirs = notebook_network(MLPClassifier(alpha=0.0, random_state=0))
        sk_output = theirs.predict_proba(NOTEBOOK_X)[0, 1]
    row = Row(
        "fixed weights",
        "x = (0.35, 0.9)",
        "2-2-1 logistic",
        f"p = {output:.15f}, gradient check {error:.0e}",
        timing["seconds"],
        f"p = {sk_output:.15f}",
        sk_timing["seconds"],
    )
    return row, {}, {}


def _story_spiral(settings):
    """Classify three interleaved spirals with a dense ReLU network."""
    n_samples = settings["spiral_samples"]
    X, y = make_spiral(n_samples, n_classes=3, random_state=0)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.25, stratify=y, random_state=0
    )
    ours = ScratchMLPClassifier(
        hidden_layer_sizes=(64, 64),
        activation="relu",
        learning_rate_init=0.01,
        max_iter=settings["spiral_max_iter"],
        n_iter_no_change=100,
        tol=1e-6,
        random_state=0,
    )
    theirs = _sklearn_twin(ours)
    seconds, sk_seconds = _fit_both(
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
            (ours, theirs, X_test, y_test),
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
    param_grid = {
        "scale": ["passthrough", StandardScaler()],
        "mlp__alpha": [1e-4, 1e-2],
    }
    n = grid_rows + validation_rows
    test_fold = np.r_[np.full(grid_rows, -1), np.zeros(validation_rows)]
    search = GridSearchCV(
        pipeline,
        param_grid,
        cv=PredefinedSplit(test_fold),
        refit=False,
        verbose=verbose,
    )
    return search.fit(X[:n], y[:n])


def _story_mnist(settings):
    """Tune a pipeline on part of MNIST, refit it, score it on the test set."""
    with _step("loading MNIST (bundled, checksum-verified)"):
        X_train, y_train = load_mnist("train", return_X_y=True)
        X_test, y_test = load_mnist("test", return_X_y=True)
    mlp = ScratchMLPClassifier(
        hidden_layer_sizes=settings["hidden"],
        max_iter=settings["mnist_max_iter"],
        random_state=0,
    )
    grid_rows, validation_rows = settings["grid_rows"], settings["validation_rows"]
    with _step(
        f"grid search on {grid_rows} training images, validated on the next "
        f"{validation_rows}"
    ) as grid_timing:
        search = mnist_grid_search(
            X_train, y_train, grid_rows, validation_rows, mlp, verbose=2
        )
    best = clone(search.estimator).set_params(**search.best_params_)
    scale = best.named_steps["scale"]
    scale_name = "raw pixels" if isinstance(scale, str) else "standardised"
    alpha = best.named_steps["mlp"].alpha
    print(
        f"    best: {scale_name}, alpha={alpha:g} "
        f"(grid search took {grid_timing['seconds']:.1f}s)",
        flush=True,
    )
    best.named_steps["mlp"].set_params(verbose=True)
    sk_best = clone(best).set_params(mlp=_sklearn_twin(best.named_steps["mlp"]))

    n = settings["train_rows"]
    seconds, sk_seconds = _fit_both(
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
    plots = {
        "mnist_confusion_matrix.png": (
            _plot_confusion_matrix,
            (y_test, predictions),
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

    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, (draw, arguments) in figures.items():
        figure = draw(*arguments)
        path = out / name
        figure.savefig(path, dpi=100)
        plt.close(figure)
        written.append(path)
    return written


def _plot_decision_boundaries(ours, theirs, X, y):
    """Draw both spiral classifiers' decision regions with the held-out points."""
    import matplotlib.pyplot as plt
    from matplotlib.colors import ListedColormap
    from sklearn.inspection import DecisionBoundaryDisplay

    figure, axes = plt.subplots(1, 2, figsize=(10, 4.6), layout="constrained")
    for ax, estimator, name in zip(axes, (ours, theirs), ("skperceptron", "sklearn")):
        display = DecisionBoundaryDisplay.from_estimator(
            estimator, X, response_method="predict", alpha=0.35, ax=ax
        )
        ax.scatter(
            X[:, 0],
            X[:, 1],
            c=y,
            cmap=ListedColormap(display.multiclass_colors_),
            edgecolor="k",
            s=18,
        )
        ax.set_title(f"{name}: held-out accuracy {estimator.score(X, y):.3f}")
    figure.suptitle("Spiral, 3 classes: decision regions of a (64, 64) ReLU network")
    return figure


def _plot_loss_curves(curves):
    """Draw each story's training loss per epoch, ours against scikit-learn's."""
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(
        1, len(curves), figsize=(5 * len(curves), 4), layout="constrained"
    )
    for ax, (story, (ours, theirs)) in zip(np.atleast_1d(axes), curves.items()):
        ax.plot(ours.loss_curve_, label="ScratchMLPClassifier", linewidth=2.5)
        ax.plot(theirs.loss_curve_, "--", label="sklearn MLPClassifier")
        ax.set(title=story, xlabel="epoch", ylabel="training loss", yscale="log")
        ax.legend()
    return figure


def _plot_confusion_matrix(y_true, y_pred):
    """Draw the MNIST test set's confusion matrix."""
    import matplotlib.pyplot as plt
    from sklearn.metrics import ConfusionMatrixDisplay

    figure, ax = plt.subplots(figsize=(7, 6), layout="constrained")
    ConfusionMatrixDisplay.from_predictions(y_true, y_pred, ax=ax, colorbar=False)
    ax.set_title("MNIST test set: true digit against predicted digit")
    return figure


def _plot_first_layer(mlp, n_units=32):
    """Draw the first ``n_units`` hidden units' input weights as 28 x 28 images."""
    import matplotlib.pyplot as plt

    weights = mlp.coefs_[0][:, :n_units]
    limit = 0.5 * np.abs(weights).max()
    figure, axes = plt.subplots(
        4, n_units // 4, figsize=(10, 5.6), layout="constrained"
    )
    for ax, unit in zip(axes.ravel(), weights.T):
        ax.matshow(unit.reshape(28, 28), cmap="gray", vmin=-limit, vmax=limit)
        ax.set_xticks(())
        ax.set_yticks(())
    figure.suptitle(f"MNIST: input weights of the first {n_units} hidden units")
    return figure
