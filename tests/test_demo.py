"""``python -m skperceptron demo``: the table and the plots."""

import re
import subprocess
import sys

import pytest

from skperceptron import _demo
from skperceptron.__main__ import build_parser

STORIES = ["1. single neuron", "2. height/weight", "3. fixed weights", "4. spiral"]
PLOTS = [
    "spiral_decision_boundary.png",
    "loss_curves.png",
    "mnist_confusion_matrix.png",
    "mnist_first_layer_weights.png",
]


def demo_args(*argv):
    """Parse the ``demo`` command's arguments as the command line does."""
    return build_parser().parse_args(["demo", *argv])


def table_rows(output):
    """Return the lines of the final table, keyed by story."""
    table = output[output.index("story  ") :]
    rows = {}
    for line in table.splitlines()[2:]:
        if line.strip() and line[0].isdigit():
            rows[line[:18].strip()] = line
    return rows


def test_demo_quick_prints_the_table_and_writes_the_plots(tmp_path):
    pytest.importorskip("matplotlib")
    from PIL import Image

    out = tmp_path / "plots"
    completed = subprocess.run(
        [sys.executable, "-m", "skperceptron", "demo", "--quick", "--out", str(out)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert completed.returncode == 0, completed.stderr
    output = completed.stdout
    for number in range(1, 6):
        assert f"[{number}/5]" in output
    assert "Iteration 1, loss" in output  # per-epoch progress of the long fits

    rows = table_rows(output)
    assert list(rows) == [*STORIES, "5. MNIST"]
    assert rows["3. fixed weights"].count("p = 0.649864477526152") == 2
    mnist_row = rows["5. MNIST"]
    accuracies = [float(a) for a in re.findall(r"test accuracy ([\d.]+)", mnist_row)]
    assert len(accuracies) == 2 and min(accuracies) > 0.9

    for name in PLOTS:
        path = out / name
        assert path.stat().st_size > 0
        with Image.open(path) as image:
            assert image.format == "PNG"
            image.verify()


def test_demo_without_matplotlib_skips_plots_and_still_prints_table(
    tmp_path, monkeypatch, capsys
):
    # matplotlib cannot be imported, and the data are tiny: this checks the
    # fallback, not the results.
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    tiny = {
        "spiral_samples": 150,
        "spiral_max_iter": 20,
        "grid_rows": 300,
        "validation_rows": 200,
        "train_rows": 1000,
        "hidden": (16,),
        "mnist_max_iter": 2,
    }
    monkeypatch.setitem(_demo.SETTINGS, "quick", tiny)
    out = tmp_path / "plots"
    assert _demo.run(demo_args("--quick", "--out", str(out))) == 0
    output = capsys.readouterr().out
    assert "Plots skipped: matplotlib is not installed" in output
    assert list(table_rows(output)) == [*STORIES, "5. MNIST"]
    assert not out.exists()


def test_demo_default_output_folder():
    args = demo_args()
    assert str(args.out) == "skperceptron-demo" and not args.quick
