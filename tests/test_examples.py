"""Run every gallery example on small data, so that none of them rots."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import sklearn
from sklearn.utils.fixes import parse_version

from skperceptron._activations import HIDDEN_ACTIVATIONS

pytest.importorskip("matplotlib")

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def run_example(name, tmp_path):
    """Run an example as a script with small data; return its standard output."""
    env = dict(os.environ, MPLBACKEND="Agg", SKPERCEPTRON_EXAMPLE_SMALL="1")
    completed = subprocess.run(
        [sys.executable, str(EXAMPLES / name)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert completed.returncode == 0, completed.stderr
    return completed.stdout


def numbers(pattern, text):
    return [float(value) for value in re.findall(pattern, text)]


def test_plot_single_neuron(tmp_path):
    out = run_example("plot_single_neuron.py", tmp_path)
    (answer,) = numbers(r"P\(label 1 \| \[1, 0, 0\]\) = ([\d.]+)", out)
    assert answer > 0.95
    (first,) = numbers(r"bit 1: ([+-][\d.]+)", out)
    assert first > 3


def test_plot_height_weight(tmp_path):
    out = run_example("plot_height_weight.py", tmp_path)
    (emily,) = numbers(r"Emily: P\(female\) = ([\d.]+)", out)
    (frank,) = numbers(r"Frank: P\(female\) = ([\d.]+)", out)
    assert emily > 0.9 and frank < 0.1


def test_plot_spiral(tmp_path):
    out = run_example("plot_spiral.py", tmp_path)
    pattern = r"{}: train accuracy ([\d.]+), held-out accuracy ([\d.]+)"
    (ours,) = re.findall(pattern.format("skperceptron"), out)
    (theirs,) = re.findall(pattern.format("scikit-learn"), out)
    ours, theirs = [float(a) for a in ours], [float(a) for a in theirs]
    # Same settings, same random_state: the same regions, up to rounding.
    assert abs(ours[0] - theirs[0]) <= 0.01 and abs(ours[1] - theirs[1]) <= 0.01
    # Regions that follow the arms: most held-out points fall on their own.
    assert ours[1] > 0.85


def test_plot_mnist_grid_search(tmp_path):
    out = run_example("plot_mnist_grid_search.py", tmp_path)
    assert "Fitting 1 folds for each of 4 candidates" in out
    assert re.search(r"best: \{'mlp__alpha': [\d.e-]+, 'scale': ", out)
    (accuracy,) = numbers(r"test accuracy ([\d.]+)", out)
    assert accuracy > 0.88


def test_plot_solver_loss_curves(tmp_path):
    out = run_example("plot_solver_loss_curves.py", tmp_path)
    losses = {
        solver: float(loss)
        for solver, loss in re.findall(r"(\w+): training loss ([\d.]+) after", out)
    }
    assert set(losses) == {"sgd", "adam", "lbfgs"}
    # From about 2.3 (ten classes, random weights), every solver made progress.
    assert all(loss < 0.5 for loss in losses.values())


def test_plot_out_of_core_partial_fit(tmp_path):
    out = run_example("plot_out_of_core_partial_fit.py", tmp_path)
    (chunk_mb,) = numbers(r"in chunks of ([\d.]+) MB", out)
    (streamed, peak_mb) = re.search(
        r"partial_fit: accuracy ([\d.]+) .* peak traced memory ([\d.]+) MB", out
    ).groups()
    (fitted,) = numbers(r"(?m)^fit: +accuracy ([\d.]+)", out)
    assert float(streamed) >= fitted - 0.01
    assert float(peak_mb) < chunk_mb


def test_plot_export_onnx(tmp_path):
    pytest.importorskip("skl2onnx")
    pytest.importorskip("onnxruntime")
    out = run_example("plot_export_onnx.py", tmp_path)
    pattern = r"{}: labels (\d+) of (\d+) equal, largest probability difference (\S+)"
    for precision, tolerance in (("float32", 1e-5), ("float64", 1e-12)):
        agree, total, difference = re.search(pattern.format(precision), out).groups()
        assert int(agree) == int(total) == 10000
        assert float(difference) < tolerance
    (accuracy,) = numbers(r"test accuracy ([\d.]+)", out)
    assert accuracy > 0.9


def test_plot_activations(tmp_path):
    out = run_example("plot_activations.py", tmp_path)
    pattern = r"(\w+): train accuracy [\d.]+, held-out accuracy ([\d.]+), 150 epochs"
    accuracy = {name: float(value) for name, value in re.findall(pattern, out)}
    assert list(accuracy) == list(HIDDEN_ACTIVATIONS)
    # A linear network cannot separate the arms; the ReLU family and the
    # smooth activations built like it follow them.
    assert accuracy["identity"] < 0.5
    for name in ("relu", "leaky_relu", "elu", "gelu", "silu", "mish"):
        assert accuracy[name] > 0.8, name


@pytest.mark.skipif(
    parse_version(sklearn.__version__).release < (1, 9),
    reason="scikit-learn's callback API needs scikit-learn >= 1.9",
)
def test_plot_callbacks_validation_curve(tmp_path):
    out = run_example("plot_callbacks_validation_curve.py", tmp_path)
    assert "80 epochs recorded by the monitor, 80 run" in out
    found = re.search(
        r"lowest validation loss ([\d.]+) at epoch \d+; training loss there "
        r"([\d.]+), at the end ([\d.]+)",
        out,
    )
    lowest, at_best, at_end = (float(value) for value in found.groups())
    # Overfitting shows: the training loss falls far below the validation loss.
    assert at_end < at_best < lowest
    (test_accuracy,) = numbers(r"test accuracy of the restored model ([\d.]+)", out)
    assert test_accuracy > 0.94
