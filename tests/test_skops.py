"""skops: every configuration round-trips, trusting a few types."""

import io
import json
import re
import textwrap
import zipfile
from pathlib import Path

import numpy as np
import pytest
from mlp_configurations import every_configuration_and_dtype, features, fitted, targets
from numpy.testing import assert_array_equal
from sklearn.base import is_classifier
from sklearn.exceptions import ConvergenceWarning

from skperceptron import ScratchMLPClassifier

sio = pytest.importorskip("skops.io")

pytestmark = pytest.mark.filterwarnings("ignore", category=ConvergenceWarning)

SAVING_PAGE = Path(__file__).resolve().parent.parent / "docs/user_guide/saving.rst"

# The one place that says which of skperceptron's types a fitted model's skops
# file holds, and so which a user must trust: the estimator, and the optimizer
# of a stochastic solver (kept for partial_fit and warm_start). The saving page
# of the user guide lists exactly TRUSTED_TYPES.
TRUSTED_TYPES = [
    "skperceptron._mlp.ScratchMLPClassifier",
    "skperceptron._mlp.ScratchMLPRegressor",
    "skperceptron._optimizers.Adam",
    "skperceptron._optimizers.SGD",
]


def types_to_trust(model):
    """The types of ``TRUSTED_TYPES`` that ``model``'s file holds."""
    optimizer = {"adam": ["Adam"], "sgd": ["SGD"], "lbfgs": []}[model.solver]
    return {f"skperceptron._mlp.{type(model).__name__}"} | {
        f"skperceptron._optimizers.{name}" for name in optimizer
    }


def classes_in_file(data):
    """Every (module, class) of an object stored in a skops file."""
    schema = json.loads(zipfile.ZipFile(io.BytesIO(data)).read("schema.json"))
    found = set()

    def walk(node):
        if isinstance(node, dict):
            if "__module__" in node:
                found.add(f"{node['__module__']}.{node['__class__']}")
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(schema)
    return found


def assert_same_state(loaded, original, path="model"):
    """Assert two objects hold equal state: same types, dtypes and values."""
    assert type(loaded) is type(original), path
    if isinstance(original, np.ndarray):
        assert loaded.dtype == original.dtype, path
        assert_array_equal(loaded, original, err_msg=path)
    elif isinstance(original, (list, tuple)):
        assert len(loaded) == len(original), path
        for index, (a, b) in enumerate(zip(loaded, original)):
            assert_same_state(a, b, f"{path}[{index}]")
    elif isinstance(original, dict):
        assert loaded.keys() == original.keys(), path
        for key in original:
            assert_same_state(loaded[key], original[key], f"{path}[{key!r}]")
    elif isinstance(original, np.random.Generator):
        # The dropout stream: a loaded model draws the masks the original would.
        assert_same_state(
            loaded.bit_generator.state, original.bit_generator.state, path
        )
    elif hasattr(original, "__dict__"):
        # What a pickle would hold: no scratch buffers, scikit-learn's version.
        assert_same_state(loaded.__getstate__(), original.__getstate__(), path)
    elif isinstance(original, float) and np.isnan(original):
        assert np.isnan(loaded), path
    else:
        assert loaded == original, path


@every_configuration_and_dtype
def test_every_configuration_round_trips(estimator, kind, dtype):
    model = fitted(estimator, kind, dtype)
    data = sio.dumps(model)

    # Nothing but skops' safe types (builtins, NumPy arrays, scikit-learn's
    # LabelBinarizer) and the types the user trusts: no arbitrary object.
    to_trust = types_to_trust(model)
    assert set(sio.get_untrusted_types(data=data)) == to_trust
    ours_and_sklearn = {
        name
        for name in classes_in_file(data)
        if not name.startswith(("builtins.", "numpy."))
    }
    label_binarizer = {"sklearn.preprocessing._label.LabelBinarizer"}
    assert ours_and_sklearn == to_trust | (
        label_binarizer if is_classifier(model) else set()
    )

    loaded = sio.loads(data, trusted=TRUSTED_TYPES)
    assert_same_state(loaded, model)
    X = features().astype(dtype)
    assert_array_equal(loaded.predict(X), model.predict(X))
    if is_classifier(model):
        assert_array_equal(loaded.predict_proba(X), model.predict_proba(X))


def test_loading_refuses_what_is_not_trusted():
    model = fitted(ScratchMLPClassifier(hidden_layer_sizes=(4,)), "binary", np.float64)
    with pytest.raises(sio.exceptions.UntrustedTypesFoundException, match="Adam"):
        sio.loads(sio.dumps(model), trusted=["skperceptron._mlp.ScratchMLPClassifier"])


@pytest.mark.parametrize("solver", ["sgd", "adam"])
def test_a_loaded_model_trains_on_as_the_original(solver):
    # The optimizer's state (velocities, moments, time step) survives the file:
    # one more partial_fit gives the same parameters on both sides.
    estimator = ScratchMLPClassifier(hidden_layer_sizes=(6,), solver=solver)
    model = fitted(estimator, "multiclass", np.float64)
    loaded = sio.loads(sio.dumps(model), trusted=TRUSTED_TYPES)
    X, y = features(), targets("multiclass")
    for network in (model, loaded):
        network.partial_fit(X, y)
    assert_same_state(
        loaded.coefs_ + loaded.intercepts_, model.coefs_ + model.intercepts_
    )


def test_the_saving_page_lists_exactly_the_trusted_types():
    listed = set(re.findall(r"skperceptron\._\w+\.\w+", SAVING_PAGE.read_text()))
    assert listed == set(TRUSTED_TYPES)


def test_the_saving_page_runs(tmp_path, monkeypatch, capsys):
    pytest.importorskip("skl2onnx")
    pytest.importorskip("onnxruntime")
    monkeypatch.chdir(tmp_path)  # the page writes its files to the current folder
    blocks = re.findall(
        r"\.\. code-block:: python\n\n((?:   .*\n|\n)+)", SAVING_PAGE.read_text()
    )
    code = "".join(textwrap.dedent(block) for block in blocks)
    exec(compile(code, str(SAVING_PAGE), "exec"), {})
    assert capsys.readouterr().out == "['skperceptron._mlp.ScratchMLPClassifier']\n"
    assert {path.name for path in tmp_path.iterdir()} == {
        "model.joblib",
        "model.skops",
        "pipeline.onnx",
    }
