"""The demo's five stories, each told by ours and by scikit-learn's MLP.

Each story trains one of this package's estimators, then scikit-learn's
MLPClassifier with the same settings on the same data, and returns a
:class:`Row` of the final table, the figures it calls for (drawn by
:mod:`.plots`) and the loss curves to compare. How its steps are shown is the
``progress`` object's business (:class:`.progress.Progress`); what becomes of
the results, the command's and the report's.
"""

import warnings
from dataclasses import dataclass

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

from .._mlp import ScratchMLPClassifier
from ..datasets import load_height_weight, load_mnist, load_three_bits, make_spiral
from ..utils import check_gradients
from . import plots

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


def fit_both(progress, ours, theirs, X, y, what):
    """Fit our estimator and scikit-learn's on the same data; return both times.

    Each fit is one step of ``progress``, named after the library and
    ``what`` it is fitted on.
    """
    seconds = []
    for name, estimator in (
        ("ScratchMLPClassifier", ours),
        ("scikit-learn's MLPClassifier", theirs),
    ):
        mlp = _final_step(estimator)
        # Verbose lines feed the progress bar, or are shown as they are.
        mlp.set_params(verbose=progress.wants_fit_output)
        with progress.step(f"{name} on {what}", total=mlp.max_iter) as result:
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
    seconds, sk_seconds = fit_both(
        progress, ours, theirs, bits.data, bits.target, "3 bits"
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
    seconds, sk_seconds = fit_both(
        progress, ours, theirs, people.data, people.target, "4 people"
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
    seconds, sk_seconds = fit_both(
        progress, ours, theirs, X_train, y_train, f"{len(X_train)} points"
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
    figures = {
        "spiral_decision_boundary.png": (
            plots.decision_boundaries,
            (ours, theirs, X_train, y_train, X_test, y_test),
        ),
    }
    return row, figures, {"spiral": (ours, theirs)}


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
    seconds, sk_seconds = fit_both(
        progress, best, sk_best, X_train[:n], y_train[:n], f"{n} training images"
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
    figures = {
        "mnist_confusion_matrix.png": (
            plots.confusion_matrix,
            (y_test, predictions, model),
        ),
        "mnist_first_layer_weights.png": (plots.first_layer_weights, (ours_mlp,)),
    }
    return row, figures, {"MNIST": (ours_mlp, their_mlp)}


#: The function that tells each story of :data:`STORIES`, in the same order.
#: Called with the run's settings and a progress object, it returns the
#: story's :class:`Row`, the figures it calls for (a file name for each
#: ``(draw, arguments)``) and the loss curves to compare (a story name for our
#: and scikit-learn's fitted MLPs).
STORY_FUNCTIONS = [
    _story_single_neuron,
    _story_height_weight,
    _story_hand_set,
    _story_spiral,
    _story_mnist,
]
