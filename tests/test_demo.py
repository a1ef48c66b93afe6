"""``python -m skperceptron demo``: the progress, the table, the plots, the report."""

import re
import subprocess
import sys
from html.parser import HTMLParser

import pytest

from skperceptron import _demo, _machine
from skperceptron.__main__ import build_parser
from skperceptron._demo import stories
from skperceptron._demo.report import html_report

STORIES = ["1. single neuron", "2. height/weight", "3. hand-set weights", "4. spiral"]
PLOTS = [
    "spiral_decision_boundary.png",
    "loss_curves.png",
    "mnist_confusion_matrix.png",
    "mnist_first_layer_weights.png",
]
# Small enough for seconds: these check the output's shape, not the results.
TINY = {
    "spiral_samples": 150,
    "spiral_max_iter": 20,
    "grid_rows": 300,
    "validation_rows": 200,
    "train_rows": 1000,
    "hidden": (16,),
    "mnist_max_iter": 2,
}


# The report's table head, and how the printed output and the report record the
# machine's load.
TABLE_HEADERS = [
    "story",
    "data",
    "model",
    "skperceptron",
    "fit time (s)",
    "scikit-learn MLP",
    "fit time (s)",
]
LOAD = r"\d+\.\d\d, \d+\.\d\d, \d+\.\d\d"
LOAD_LINE = (
    rf"load average \(1, 5, 15 min\) {LOAD} before the run, {LOAD} after, "
    r"on \d+ CPU cores"
)


def demo_args(*argv):
    """Parse the ``demo`` command's arguments as the command line does."""
    return build_parser().parse_args(["demo", *argv])


def table_rows(output):
    """Return the lines of the final table, keyed by story."""
    table = output[output.index("story  ") :]
    rows = {}
    for line in table.splitlines()[2:]:
        if line.strip() and line[0].isdigit():
            rows[line[:19].strip()] = line
    return rows


class ReportParser(HTMLParser):
    """Collect what an HTML page loads, links to, and its table cells."""

    def __init__(self):
        super().__init__()
        self.sources, self.cells, self.headers, self.scripts = [], [], [], 0
        self.in_cell = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.sources += [attrs[key] for key in ("src", "href") if key in attrs]
        self.scripts += tag == "script"
        self.in_cell = {"td": self.cells, "th": self.headers}.get(tag)
        if self.in_cell is not None:
            self.in_cell.append("")

    def handle_endtag(self, tag):
        if tag in ("td", "th"):
            self.in_cell = None

    def handle_data(self, data):
        if self.in_cell is not None:
            self.in_cell[-1] += data


def read_report(path):
    parser = ReportParser()
    parser.feed(path.read_text())
    return parser


def test_demo_quick_prints_the_table_and_writes_plots_and_report(tmp_path):
    pytest.importorskip("matplotlib")
    from PIL import Image

    completed = subprocess.run(
        [sys.executable, "-m", "skperceptron", "demo", "--quick", "--out", "plots"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert completed.returncode == 0, completed.stderr
    output = completed.stdout
    for number in range(1, 6):
        assert f"[{number}/5]" in output
    # One line per fit, not one per epoch.
    assert "Iteration 1, loss" not in output
    assert re.search(r"ScratchMLPClassifier on 450 points \.\.\. .*epochs", output)

    rows = table_rows(output)
    assert list(rows) == [*STORIES, "5. MNIST"]
    # The time columns say what they hold; the load they swing with follows.
    header = output[output.index("story  ") :].splitlines()[0]
    assert re.fullmatch(
        r"story +data +model +skperceptron +fit time \(s\) +scikit-learn MLP +"
        r"fit time \(s\)",
        header,
    )
    assert re.search(LOAD_LINE, output)
    assert rows["3. hand-set weights"].count("p = 0.649864477526152") == 2
    mnist_row = rows["5. MNIST"]
    accuracies = [float(a) for a in re.findall(r"test accuracy ([\d.]+)", mnist_row)]
    assert len(accuracies) == 2 and min(accuracies) > 0.9

    # The last lines name the absolute output folder and the report in it.
    out = tmp_path / "plots"
    assert output.splitlines()[-2:] == [
        f"Plots and report written to {out}",
        f"Open {out / 'index.html'} in a browser.",
    ]
    for name in PLOTS:
        with Image.open(out / name) as image:
            assert image.format == "PNG"
            image.verify()
    report = read_report(out / "index.html")
    assert report.headers == TABLE_HEADERS
    assert re.search(LOAD_LINE, " ".join((out / "index.html").read_text().split()))
    assert sorted(set(report.sources)) == sorted(PLOTS)  # relative, nothing else
    assert report.scripts == 0
    assert "p = 0.649864477526152" in report.cells


def test_demo_verbose_prints_every_epoch(tmp_path, monkeypatch, capsys):
    monkeypatch.setitem(stories.SETTINGS, "quick", TINY)
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    out = tmp_path / "plots"
    assert _demo.run(demo_args("--quick", "--verbose", "--out", str(out))) == 0
    output = capsys.readouterr().out
    # Every epoch of each library's fits in four stories, indented under
    # their step.
    assert len(re.findall(r"(?m)^      Iteration 1, loss = ", output)) == 8
    assert output.count("      Iteration 1000, loss = ") == 4  # stories 1 and 2
    assert "[CV] END" in output  # the grid search's fits


def test_demo_without_matplotlib_still_prints_the_table_and_a_report(
    tmp_path, monkeypatch, capsys
):
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    monkeypatch.setitem(stories.SETTINGS, "quick", TINY)
    out = tmp_path / "plots"
    assert _demo.run(demo_args("--quick", "--out", str(out))) == 0
    output = capsys.readouterr().out
    assert "Plots skipped: matplotlib is not installed" in output
    assert "Iteration" not in output and "[CV]" not in output
    assert list(table_rows(output)) == [*STORIES, "5. MNIST"]
    assert sorted(path.name for path in out.iterdir()) == ["index.html"]
    report = read_report(out / "index.html")
    assert report.sources == [] and report.scripts == 0
    assert "matplotlib is not installed" in (out / "index.html").read_text()


def test_html_report_escapes_and_describes_every_story():
    row = stories.Row("1. <b>", "d", "m", "r & r", 1.0, "s", 2.0)
    load = ([0.5, 0.25, 0.75], [1.0, 2.0, 3.0])
    page = html_report([row], ["loss_curves.png"], "quick run", 3.0, load)
    assert "0.50, 0.25, 0.75 before the run, 1.00, 2.00, 3.00 after, on " in page
    assert "<b>" not in page.split("<table>")[1] and "r &amp; r" in page
    for title, sentence in stories.STORIES:
        assert title in page and sentence in page
    assert not re.search(r"https?://", page)


def test_demo_default_output_folder():
    args = demo_args()
    assert str(args.out) == "skperceptron-demo" and not args.quick
    assert not args.verbose


def test_the_load_is_read_or_said_unknown(monkeypatch):
    load = _machine.load_average()
    assert len(load) == 3 and all(value >= 0 for value in load)
    assert re.fullmatch(LOAD, _machine.format_load(load))
    # Windows keeps no load average: the apps say so instead of failing.
    monkeypatch.delattr("os.getloadavg")
    assert _machine.load_average() is None
    assert _machine.format_load(None) == "unknown"
