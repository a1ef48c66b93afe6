"""scikit-learn's estimator checks, with nothing marked as an expected failure.

Every solver runs at its default parameters (scikit-learn's own suite needs
``max_iter=100`` for its MLP: with lbfgs, 200 iterations on the checks' tiny
separable multilabel data drive its probabilities to exactly 1.0, which
``check_classifiers_multilabel_output_format_predict_proba`` rejects; ours
stay strictly inside (0, 1)).
"""

import importlib.util

import pytest
from sklearn.base import clone
from sklearn.utils.estimator_checks import parametrize_with_checks

from skperceptron import ScratchMLPClassifier, ScratchMLPRegressor

if importlib.util.find_spec("torch") is not None:
    import torch

    # The array-API checks' data are tiny: torch's thread pool only adds waiting.
    torch.set_num_threads(1)

SOLVERS = ("adam", "sgd", "lbfgs")

# Dropout draws one mask per row, so k repeated rows see k masks where one row of
# weight k sees one: "weights equal repetitions" holds only in expectation. Like
# scikit-learn's PER_ESTIMATOR_CHECK_PARAMS, these two checks run the dropout
# estimators with dropout off (class_weight stays on).
CHECK_PARAMS = {
    "check_sample_weight_equivalence_on_dense_data": {"dropout": 0.0},
    "check_sample_weight_equivalence_on_sparse_data": {"dropout": 0.0},
}


def _estimators():
    for solver in SOLVERS:
        yield ScratchMLPClassifier(solver=solver, random_state=0)
        yield ScratchMLPRegressor(solver=solver, random_state=0)
    # The extensions switched on.
    yield ScratchMLPClassifier(
        class_weight="balanced", dropout=0.2, max_iter=100, random_state=0
    )
    yield ScratchMLPRegressor(dropout=0.2, max_iter=100, random_state=0)
    # No hidden layer: multinomial logistic regression.
    yield ScratchMLPClassifier(hidden_layer_sizes=(), solver="lbfgs", random_state=0)
    yield ScratchMLPRegressor(hidden_layer_sizes=(), solver="lbfgs", random_state=0)


# The checks fit on their own small data with our default max_iter: whether such a
# fit converges is no part of any check, so its ConvergenceWarning is ignored here.
@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@parametrize_with_checks(list(_estimators()))
def test_sklearn_compatible_estimator(estimator, check):
    name = getattr(check, "func", check).__name__
    if name in CHECK_PARAMS:
        estimator = clone(estimator).set_params(**CHECK_PARAMS[name])
    check(estimator)
