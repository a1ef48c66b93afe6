"""The ``bench`` command: its quick mode runs and reports every section."""

import json

import numpy as np
import pytest

from skperceptron.__main__ import main
from skperceptron._bench import describe_ratio, paired_ratio


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory):
    path = tmp_path_factory.mktemp("bench") / "bench.json"
    status = main(["bench", "--quick", "--json", str(path)])
    return status, json.loads(path.read_text()), path


def test_quick_bench_succeeds_and_describes_the_machine(quick_run):
    status, results, path = quick_run
    assert status == 0
    assert results["command"] == f"python -m skperceptron bench --quick --json {path}"
    machine = results["machine"]
    assert machine["cores"] >= 1 and machine["cpu"]
    assert isinstance(machine["blas"], list)
    assert len(results["load_before"]) == len(results["load_after"]) == 3


def test_quick_bench_compares_both_dtypes_with_sklearn(quick_run):
    _, results, _ = quick_run
    assert [row["dtype"] for row in results["fit"]] == ["float32", "float64"]
    for row in results["fit"]:
        for name in ("ours", "sklearn"):
            entry = row[name]
            assert entry["s_per_epoch"] > 0 and entry["predict_s"] > 0
            assert 0.0 <= entry["test_accuracy"] <= 1.0
            assert entry["peak_fit_bytes"] > 0
        # Same network, same data and seed: scikit-learn's results.
        assert row["ours"]["test_accuracy"] == pytest.approx(
            row["sklearn"]["test_accuracy"], abs=0.02
        )
        assert row["ours"]["coef_dtype"] == row["dtype"]
        # Seven alternated pairs, and the median of their ratios.
        ours, theirs = row["ours"]["s_per_epoch_all"], row["sklearn"]["s_per_epoch_all"]
        assert len(ours) == len(theirs) == row["fit_ratio"]["pairs"] == 7
        ratios = np.divide(theirs, ours)
        assert row["fit_ratio"]["median"] == pytest.approx(np.median(ratios))
        assert row["fit_ratio"]["q1"] <= row["fit_ratio"]["median"]
        assert row["fit_ratio"]["median"] <= row["fit_ratio"]["q3"]


def test_quick_bench_reports_pytorch_linearity_and_scaling(quick_run):
    _, results, _ = quick_run
    pytorch = results["pytorch"]
    assert pytorch.get("skipped") == "PyTorch not installed; skipped" or (
        pytorch["s_per_epoch"] > 0
    )
    assert [row["n_samples"] for row in results["linearity"]] == [1000, 2000]
    scaling = results["scaling"]
    assert [cell["width"] for cell in scaling["width"]] == [16, 32]
    assert [cell["batch_size"] for cell in scaling["batch_size"]] == [50, 100]
    for cell in scaling["width"] + scaling["batch_size"]:
        assert cell["ratio"]["pairs"] == 7
        assert cell["ratio"]["q1"] <= cell["ratio"]["median"] <= cell["ratio"]["q3"]
    assert "recipe" not in results


@pytest.mark.parametrize(
    "theirs, ours, words",
    [
        ([3.2, 3.3, 3.0, 3.4], [2.0, 2.0, 2.0, 2.0], "ours is 1.6x faster"),
        ([1.0, 1.0, 1.0], [2.0, 1.9, 2.1], "ours is 2.0x slower"),
        ([1.0, 1.2, 0.8, 1.1], [1.0, 1.0, 1.0, 1.0], "no clear difference"),
    ],
)
def test_ratios_are_said_in_words_with_median_and_spread(theirs, ours, words):
    ratio = paired_ratio(theirs, ours)
    assert ratio["median"] == pytest.approx(np.median(np.divide(theirs, ours)))
    text = describe_ratio(ratio)
    assert text.startswith(words + " (sklearn / ours: median ")
    assert f"over {len(ours)} pairs" in text


def test_quick_bench_says_which_kernels_ran_and_times_the_cold_start(quick_run):
    _, results, _ = quick_run
    pytest.importorskip("numba")
    assert results["machine"]["kernels"].startswith("compiled (numba ")
    cold = results["cold_start"]
    for name in ("sklearn", "ours", "ours_compiled"):
        assert len(cold["all"][name]) == 1
        assert cold[name] == cold["all"][name][0] > 0
    # An empty numba cache compiles every kernel the small fit needs.
    assert cold["first_compile"] > cold["ours_compiled"]


def test_the_kernel_line_follows_the_environment(monkeypatch):
    from skperceptron._bench import kernel_path

    monkeypatch.setenv("SKPERCEPTRON_KERNELS", "numpy")
    assert kernel_path() == "NumPy (SKPERCEPTRON_KERNELS=numpy)"
