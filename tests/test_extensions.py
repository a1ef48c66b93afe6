"""What goes beyond scikit-learn's MLP: class_weight, dropout, the cosine schedule."""

import copy
import math
import warnings

import numpy as np
import pytest
from finite_differences import backprop_and_central_differences
from sklearn.datasets import make_classification, make_multilabel_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import recall_score
from sklearn.model_selection import train_test_split
from sklearn.utils.class_weight import compute_sample_weight

from skperceptron import ScratchMLPClassifier, ScratchMLPRegressor
from skperceptron._network import Network, Workspace
from skperceptron.utils import loss_and_gradients

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

X, Y = make_classification(
    n_samples=300, n_features=8, n_informative=5, n_classes=3, random_state=0
)
PARAMS = dict(hidden_layer_sizes=(12,), max_iter=30, random_state=0)


def _same_coefs(a, b):
    for left, right in zip(a.coefs_ + a.intercepts_, b.coefs_ + b.intercepts_):
        np.testing.assert_array_equal(left, right)


def test_balanced_class_weight_raises_minority_recall():
    X_imb, y_imb = make_classification(
        n_samples=2000,
        n_features=10,
        weights=[0.95, 0.05],
        flip_y=0.02,
        class_sep=0.6,
        random_state=0,
    )
    X_train, X_test, y_train, y_test = train_test_split(
        X_imb, y_imb, stratify=y_imb, random_state=0
    )
    params = dict(hidden_layer_sizes=(16,), max_iter=100, random_state=0)
    plain = ScratchMLPClassifier(**params).fit(X_train, y_train)
    balanced = ScratchMLPClassifier(class_weight="balanced", **params).fit(
        X_train, y_train
    )
    plain_recall = recall_score(y_test, plain.predict(X_test))
    balanced_recall = recall_score(y_test, balanced.predict(X_test))
    assert balanced_recall >= plain_recall + 0.08


@pytest.mark.parametrize("early_stopping", [False, True])
def test_class_weight_dict_equals_the_corresponding_sample_weights(early_stopping):
    weights = {0: 2.0, 1: 0.5, 2: 1.5}
    sample_weight = np.random.RandomState(1).uniform(0.5, 2, size=len(Y))
    params = dict(PARAMS, early_stopping=early_stopping, tol=0.0)
    with_class_weight = ScratchMLPClassifier(class_weight=weights, **params)
    with_class_weight.fit(X, Y, sample_weight=sample_weight)
    folded = ScratchMLPClassifier(**params)
    folded.fit(X, Y, sample_weight=sample_weight * np.vectorize(weights.get)(Y))
    _same_coefs(with_class_weight, folded)
    np.testing.assert_array_equal(with_class_weight.loss_curve_, folded.loss_curve_)
    if early_stopping:  # the validation score is weighted by class too
        assert with_class_weight.validation_scores_ == folded.validation_scores_


def test_balanced_counts_classes_with_the_sample_weights():
    sample_weight = np.where(Y == 0, 3.0, 1.0)
    balanced = ScratchMLPClassifier(class_weight="balanced", **PARAMS)
    balanced.fit(X, Y, sample_weight=sample_weight)
    totals = np.bincount(Y, weights=sample_weight)
    per_class = sample_weight.sum() / (3 * totals)
    folded = ScratchMLPClassifier(**PARAMS)
    folded.fit(X, Y, sample_weight=sample_weight * per_class[Y])
    for a, b in zip(balanced.coefs_, folded.coefs_):
        np.testing.assert_allclose(a, b, rtol=1e-12)


def test_partial_fit_refuses_balanced_and_accepts_a_dict():
    clf = ScratchMLPClassifier(class_weight="balanced", **PARAMS)
    assert not hasattr(clf, "partial_fit")
    with pytest.raises(AttributeError, match="partial_fit") as info:
        clf.partial_fit(X, Y, classes=[0, 1, 2])
    assert "compute_class_weight('balanced'" in str(info.value.__cause__)
    weights = {0: 1.0, 1: 4.0, 2: 1.0}
    streamed = ScratchMLPClassifier(class_weight=weights, **PARAMS)
    streamed.partial_fit(X, Y, classes=[0, 1, 2])
    reference = ScratchMLPClassifier(**PARAMS)
    reference.partial_fit(X, Y, classes=[0, 1, 2], sample_weight=np.where(Y == 1, 4, 1))
    _same_coefs(streamed, reference)


def test_multilabel_class_weight():
    X_ml, Y_ml = make_multilabel_classification(
        n_samples=100, n_classes=3, random_state=0
    )
    # Balanced per label: each sample weighs the product over labels of
    # n_samples / (2 * count of its value), scikit-learn's multi-output rule.
    balanced = ScratchMLPClassifier(class_weight="balanced", **PARAMS).fit(X_ml, Y_ml)
    reference = ScratchMLPClassifier(**PARAMS).fit(
        X_ml, Y_ml, sample_weight=compute_sample_weight("balanced", Y_ml)
    )
    for a, b in zip(balanced.coefs_, reference.coefs_):
        np.testing.assert_allclose(a, b, rtol=1e-12)
    per_label = [{0: 1.0, 1: 3.0}] * 3
    explicit = ScratchMLPClassifier(class_weight=per_label, **PARAMS).fit(X_ml, Y_ml)
    folded = ScratchMLPClassifier(**PARAMS).fit(
        X_ml, Y_ml, sample_weight=np.prod(np.where(Y_ml == 1, 3.0, 1.0), axis=1)
    )
    _same_coefs(explicit, folded)
    with pytest.raises(ValueError, match="one per\\s+label"):
        ScratchMLPClassifier(class_weight={0: 1, 1: 2}, **PARAMS).fit(X_ml, Y_ml)


def test_unknown_class_in_class_weight_is_an_error():
    with pytest.raises(ValueError, match="not in class_weight|not found"):
        ScratchMLPClassifier(class_weight={7: 2.0}, **PARAMS).fit(X, Y)


def test_balanced_class_weight_needs_weight_in_every_class():
    X, y = np.arange(12.0).reshape(6, 2), np.array([0, 0, 1, 1, 2, 2])
    clf = ScratchMLPClassifier(class_weight="balanced", max_iter=5)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the message alone, no RuntimeWarning
        with pytest.raises(ValueError, match=r"classes \[1\] have none"):
            clf.fit(X, y, sample_weight=[1, 1, 0, 0, 1, 1])


def test_multilabel_balanced_class_weight_needs_weight_for_both_values():
    X = np.arange(12.0).reshape(6, 2)
    Y = np.array([[0, 0], [1, 0], [0, 1], [1, 1], [0, 0], [1, 0]])  # label 1: rows 2, 3
    clf = ScratchMLPClassifier(class_weight="balanced", max_iter=5)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(ValueError, match="label 1 has none for the value 1"):
            clf.fit(X, Y, sample_weight=[1, 1, 0, 0, 1, 1])


@pytest.mark.parametrize("Estimator", [ScratchMLPClassifier, ScratchMLPRegressor])
def test_dropout_changes_training_but_not_prediction_determinism(Estimator):
    y = Y if Estimator is ScratchMLPClassifier else Y.astype(float)
    params = dict(PARAMS, hidden_layer_sizes=(20, 10))
    plain = Estimator(**params).fit(X, y)
    dropped = Estimator(dropout=0.3, **params).fit(X, y)
    again = Estimator(dropout=0.3, **params).fit(X, y)
    assert not np.allclose(plain.coefs_[0], dropped.coefs_[0])
    _same_coefs(dropped, again)  # masks come from random_state
    np.testing.assert_array_equal(dropped.predict(X), dropped.predict(X))
    # Prediction is the plain network: no units dropped, no rescaling.
    undropped = Estimator(**params).fit(X, y)
    undropped.coefs_, undropped.intercepts_ = dropped.coefs_, dropped.intercepts_
    np.testing.assert_array_equal(undropped.predict(X), dropped.predict(X))


def test_dropout_per_layer_rates():
    params = dict(PARAMS, hidden_layer_sizes=(20, 10))
    first_only = ScratchMLPClassifier(dropout=[0.5, 0.0], **params).fit(X, Y)
    both = ScratchMLPClassifier(dropout=[0.5, 0.5], **params).fit(X, Y)
    assert not np.allclose(first_only.coefs_[1], both.coefs_[1])
    with pytest.raises(ValueError, match="one rate in \\[0, 1\\) per hidden layer"):
        ScratchMLPClassifier(dropout=[0.5], **params).fit(X, Y)


def test_one_step_reveals_inverted_dropout_masks_in_layer_order():
    """A single-sample SGD step shows each hidden layer's mask: 0 or 1 / (1 - rate).

    With plain SGD (no momentum, no penalty) a step is ``-eta`` times the
    gradient, and for layer ``l``'s weights and biases it is
    ``dW[j, k] = (a_j m_j) db[k]``: the unit's output ``a_j`` times its mask
    ``m_j``, times the next layer's bias step. ``a`` is computed here from the
    weights before the step, so the masks the fit drew can be read off and
    checked through the public API alone.
    """
    rates = [0.5, 0.2]
    width = 300
    x = np.random.RandomState(3).normal(size=(1, 5))
    regressor = ScratchMLPRegressor(
        hidden_layer_sizes=(width, width),
        activation="tanh",
        solver="sgd",
        momentum=0.0,
        alpha=0.0,
        learning_rate_init=0.1,
        random_state=0,
    )
    regressor.partial_fit(x, [3.0])
    before = [c.copy() for c in regressor.coefs_ + regressor.intercepts_]
    regressor.set_params(dropout=rates)
    regressor.partial_fit(x, [3.0])
    after = regressor.coefs_ + regressor.intercepts_
    step = [new - old for new, old in zip(after, before)]
    coef_steps, intercept_steps = step[:3], step[3:]
    coefs, intercepts = before[:3], before[3:]

    layer_output = x[0]
    for layer, rate in enumerate(rates):
        # Hidden layer ``layer``'s output, masks of the layers before it applied.
        activation = np.tanh(layer_output @ coefs[layer] + intercepts[layer])
        next_bias_step = intercept_steps[layer + 1]
        k = np.argmax(np.abs(next_bias_step))
        assert next_bias_step[k] != 0
        mask = coef_steps[layer + 1][:, k] / (next_bias_step[k] * activation)
        kept = np.abs(mask) > 1e-3
        np.testing.assert_allclose(mask[kept], 1 / (1 - rate), rtol=1e-6)
        np.testing.assert_array_equal(mask[~kept], 0)
        # About (1 - rate) of the units are kept: the mask averages to 1.
        assert abs(mask.mean() - 1) < 0.15
        layer_output = activation * np.where(kept, 1 / (1 - rate), 0.0)


def test_dropout_is_refused_with_lbfgs():
    with pytest.raises(
        ValueError, match="dropout is not supported with solver='lbfgs'"
    ):
        ScratchMLPClassifier(solver="lbfgs", dropout=0.1).fit(X, Y)


@pytest.mark.parametrize("activation", ["logistic", "tanh", "relu"])
def test_backprop_through_fixed_dropout_masks_matches_finite_differences(activation):
    rng = np.random.RandomState(0)
    network = Network([4, 6, 5, 3], activation, "log_loss", np.float64)
    network.initialize(rng)
    X_batch = rng.normal(size=(10, 4))
    Y_batch = np.eye(3)[rng.randint(3, size=10)]
    masks = [(rng.rand(10, 6) > 0.3) / 0.7, (rng.rand(10, 5) > 0.5) / 0.5]
    workspace = Workspace(network, 10, dropout=True)

    analytic, numeric = backprop_and_central_differences(
        network,
        workspace,
        lambda: network.loss_gradient(X_batch, Y_batch, None, 0.1, workspace, masks),
    )
    assert np.abs(analytic - numeric).max() / np.abs(numeric).max() < 1e-6


# ------------------------------------------------------------ cosine schedule
def _cosine_rate(eta_0, k, total_steps):
    return eta_0 * (1 + math.cos(math.pi * k / total_steps)) / 2


@pytest.mark.parametrize("solver", ["sgd", "adam"])
def test_cosine_reaches_max_iter_without_a_convergence_warning(solver):
    params = dict(PARAMS, solver=solver, max_iter=4)
    with pytest.warns(ConvergenceWarning, match="Maximum iterations"):
        ScratchMLPClassifier(**params).fit(X, Y)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        clf = ScratchMLPClassifier(learning_rate="cosine", **params).fit(X, Y)
    assert clf.n_iter_ == 4
    # The schedule ran to its end: T = 4 epochs of ceil(300 / 200) = 2 steps.
    assert clf._optimizer.cosine_step == clf._optimizer.cosine_steps == 8


def test_cosine_still_stops_when_the_loss_stalls():
    params = dict(PARAMS, max_iter=50, tol=10.0, n_iter_no_change=2)
    clf = ScratchMLPClassifier(learning_rate="cosine", **params).fit(X, Y)
    assert clf.n_iter_ == 4  # 1 best epoch, then 3 (> n_iter_no_change) stalled


def test_cosine_schedule_spans_the_training_part_of_an_early_stopping_split():
    # 60 samples: 12 validate and 48 train in ceil(48 / 25) = 2 batches per
    # epoch (the whole set would take 3).
    reg = ScratchMLPRegressor(
        hidden_layer_sizes=(4,),
        learning_rate="cosine",
        early_stopping=True,
        validation_fraction=0.2,
        batch_size=25,
        max_iter=3,
        n_iter_no_change=50,
        random_state=0,
    ).fit(X[:60], X[:60, 0])
    assert reg._optimizer.cosine_steps == 3 * 2


def _gradient_descent_reference(estimator, X, y, batches, n_epochs, eta_0):
    """Plain gradient descent on the cosine schedule, through the public API."""
    reference = copy.deepcopy(estimator)
    total_steps = n_epochs * len(batches)
    for k in range(total_steps):
        batch = batches[k % len(batches)]
        _, coef_grads, intercept_grads = loss_and_gradients(
            reference, X[batch], y[batch]
        )
        rate = _cosine_rate(eta_0, k, total_steps)
        reference.coefs_ = [w - rate * g for w, g in zip(reference.coefs_, coef_grads)]
        reference.intercepts_ = [
            b - rate * g for b, g in zip(reference.intercepts_, intercept_grads)
        ]
    return reference


def test_a_warm_started_cosine_fit_runs_its_own_cycle_of_gradient_descent():
    # sgd without momentum: each step is w - rate_k * grad on its batch. 40
    # rows in batches of 25 and 15: T = 3 epochs * 2 batches per fit.
    X_small, y_small = X[:40], X[:40] @ np.linspace(-1, 1, X.shape[1])
    reg = ScratchMLPRegressor(
        hidden_layer_sizes=(6,),
        solver="sgd",
        momentum=0.0,
        learning_rate="cosine",
        learning_rate_init=0.05,
        batch_size=25,
        shuffle=False,
        max_iter=3,
        n_iter_no_change=50,
        warm_start=True,
        random_state=0,
    ).fit(X_small, y_small)
    batches = [slice(0, 25), slice(25, 40)]
    for _ in range(2):  # each warm-started fit: a full cycle from where it starts
        expected = _gradient_descent_reference(reg, X_small, y_small, batches, 3, 0.05)
        reg.fit(X_small, y_small)
        for ours, theirs in zip(
            reg.coefs_ + reg.intercepts_, expected.coefs_ + expected.intercepts_
        ):
            np.testing.assert_allclose(ours, theirs, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("fitted", [False, True], ids=["first-call", "fitted"])
def test_partial_fit_refuses_cosine_and_leaves_the_model_as_it_was(fitted):
    clf, twin = (ScratchMLPClassifier(solver="sgd", **PARAMS) for _ in range(2))
    if fitted:
        clf.partial_fit(X, Y, classes=[0, 1, 2])
        twin.partial_fit(X, Y, classes=[0, 1, 2])
    clf.set_params(learning_rate="cosine")
    with pytest.raises(
        ValueError,
        match="partial_fit does not support learning_rate='cosine': the schedule "
        "anneals the learning rate towards 0 over the max_iter epochs of one fit",
    ):
        clf.partial_fit(X, Y, classes=[0, 1, 2])
    assert sorted(clf.__dict__) == sorted(twin.__dict__)
    if fitted:
        _same_coefs(clf, twin)
        assert (clf.n_iter_, clf.t_) == (twin.n_iter_, twin.t_) == (1, 300)
    # Nothing moved, the optimizer's velocity included: the next call agrees.
    clf.set_params(learning_rate="constant").partial_fit(X, Y, classes=[0, 1, 2])
    twin.partial_fit(X, Y, classes=[0, 1, 2])
    _same_coefs(clf, twin)
    assert (clf.n_iter_, clf.t_) == (twin.n_iter_, twin.t_)


@pytest.mark.parametrize("solver", ["sgd", "adam"])
def test_partial_fit_after_a_cosine_fit_trains_at_the_initial_rate(solver):
    clf = ScratchMLPClassifier(solver=solver, learning_rate="cosine", **PARAMS)
    clf.fit(X, Y).set_params(learning_rate="constant").partial_fit(X, Y)
    # A new optimizer, not the annealed one: adam ignores "constant", but not
    # "cosine".
    optimizer = clf._optimizer
    assert optimizer.cosine_steps is None
    rate = optimizer.learning_rate if solver == "sgd" else optimizer.base_learning_rate
    assert rate == 0.001
