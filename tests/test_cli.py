"""The command line follows the conventions of well-kept Python tools."""

import re
import subprocess
import sys
from pathlib import Path

import pytest

from skperceptron import __version__, _bench, _demo
from skperceptron.__main__ import build_parser, main


def run_cli(*args, code=None):
    """Run ``python -m skperceptron`` in a fresh interpreter."""
    return subprocess.run(
        [sys.executable, *(["-c", code] if code else ["-m", "skperceptron"]), *args],
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_version_names_the_package_not_the_command():
    completed = run_cli("--version")
    assert completed.returncode == 0
    assert completed.stdout == f"skperceptron {__version__}\n"


@pytest.mark.parametrize("command", [[], ["demo"], ["bench"]])
def test_help_is_plain_text_and_imports_nothing_heavy(command):
    # A fresh interpreter: --help must not import scikit-learn, matplotlib or
    # the estimators, so that it answers at once.
    code = (
        "import sys\n"
        "from skperceptron.__main__ import main\n"
        "try:\n"
        f"    main({command + ['--help']!r})\n"
        "except SystemExit as exit:\n"
        "    assert exit.code == 0\n"
        "heavy = ['sklearn', 'matplotlib', 'skperceptron._mlp', 'scipy']\n"
        "print('imported:', [name for name in heavy if name in sys.modules])\n"
    )
    completed = run_cli(code=code)
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.rstrip().endswith("imported: []")
    assert "usage: " in completed.stdout
    for markup in ("``", ":data:", ":class:", ":func:"):
        assert markup not in completed.stdout


def test_usage_names_the_script_and_metavars_say_what_is_expected():
    usage = build_parser(prog="skperceptron").format_usage()
    assert usage.startswith("usage: skperceptron ")
    bench_help = run_cli("bench", "--help").stdout
    for option in ("--epochs N", "--blas-threads N", "--json FILE", "--plot FILE"):
        assert option in bench_help
    assert "--out FOLDER" in run_cli("demo", "--help").stdout


@pytest.fixture
def no_work(monkeypatch):
    """Make any command that starts working fail the test."""

    def forbidden(args):
        raise AssertionError("the command ran before its arguments were checked")

    monkeypatch.setattr(_demo, "run", forbidden)
    monkeypatch.setattr(_bench, "run", forbidden)


def error_line(capsys, argv):
    with pytest.raises(SystemExit) as exit:
        main(argv)
    assert exit.value.code == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    (line,) = [line for line in err.splitlines() if "error:" in line]
    return line


def test_demo_rejects_an_existing_file_as_output_folder(tmp_path, capsys, no_work):
    path = tmp_path / "results.txt"
    path.write_text("")
    line = error_line(capsys, ["demo", "--quick", "--out", str(path)])
    assert line.endswith(f"argument --out: {path} exists and is not a folder")
    line = error_line(capsys, ["demo", "--out", str(path / "plots")])
    assert f"cannot create {path / 'plots'}: {path} is not a folder" in line


def test_bench_rejects_output_files_in_missing_folders(tmp_path, capsys, no_work):
    missing = tmp_path / "missing" / "bench.json"
    line = error_line(capsys, ["bench", "--quick", "--json", str(missing)])
    assert line.endswith(f"argument --json: the folder {missing.parent} does not exist")
    line = error_line(capsys, ["bench", "--quick", "--plot", str(tmp_path)])
    assert line.endswith(f"argument --plot: {tmp_path} is a folder, not a file")


@pytest.mark.parametrize("option", ["--blas-threads", "--epochs"])
@pytest.mark.parametrize("value", ["-4", "0", "two"])
def test_bench_rejects_counts_that_are_not_positive(option, value, capsys, no_work):
    line = error_line(capsys, ["bench", "--quick", option, value])
    assert line.endswith(
        f"argument {option}: expected a positive integer, got '{value}'"
    )


def test_demo_creates_a_missing_output_folder(tmp_path, monkeypatch):
    ran = []
    monkeypatch.setattr(_demo, "run", ran.append)
    out = tmp_path / "new" / "plots"
    assert main(["demo", "--quick", "--out", str(out)]) == 0
    (args,) = ran
    assert args.out == out and args.quick and not args.verbose
    # The check tried writing there and left nothing behind; the run creates it.
    assert list(tmp_path.iterdir()) == []
    out.mkdir(parents=True)
    assert main(["demo", "--out", str(out)]) == 0
    assert list(out.iterdir()) == []


def usage_and_error(capsys, argv):
    """Return the first line of the usage and the error line, after exit 2."""
    with pytest.raises(SystemExit) as exit:
        main(argv)
    assert exit.value.code == 2
    lines = capsys.readouterr().err.splitlines()
    return lines[0], lines[-1]


def test_a_bad_option_shows_the_usage_of_the_command_it_follows(capsys, no_work):
    prog = build_parser().prog
    usage, error = usage_and_error(capsys, ["demo", "--quick", "--fast"])
    assert usage.startswith(f"usage: {prog} demo [-h] ")
    assert error == f"{prog} demo: error: unrecognized arguments: --fast"
    usage, error = usage_and_error(capsys, ["bench", "--fast", "--quick"])
    assert usage.startswith(f"usage: {prog} bench [-h] ")
    assert error == f"{prog} bench: error: unrecognized arguments: --fast"
    # Before the command's name, it is the program's option that is wrong.
    usage, error = usage_and_error(capsys, ["--fast", "demo"])
    assert usage == f"usage: {prog} [-h] [--version] COMMAND ..."
    assert error == f"{prog}: error: unrecognized arguments: --fast"


@pytest.mark.parametrize("option", ["demo --out", "bench --json", "bench --plot"])
def test_an_empty_path_is_refused_not_read_as_the_current_folder(
    option, capsys, no_work
):
    command, name = option.split()
    line = error_line(capsys, [command, "--quick", name, ""])
    assert line.endswith(f"argument {name}: expected a path, got an empty string")


# /proc takes no new files or folders, even from root, whom permission bits do
# not stop: only trying to write there tells. A test run as root must see it.
@pytest.mark.skipif(not Path("/proc/self").is_dir(), reason="needs Linux's /proc")
@pytest.mark.parametrize(
    "argv, expected",
    [
        (
            ["demo", "--out", "/proc"],
            "argument --out: cannot write in the folder /proc",
        ),
        (
            ["demo", "--quick", "--out", "/proc/skperceptron-demo/plots"],
            "argument --out: cannot create /proc/skperceptron-demo/plots: "
            "cannot write in /proc",
        ),
        (
            ["bench", "--quick", "--json", "/proc/bench.json"],
            "argument --json: cannot write in the folder /proc",
        ),
    ],
)
def test_an_output_folder_that_cannot_be_written_is_refused_before_any_work(
    argv, expected, capsys, no_work
):
    line = error_line(capsys, argv)
    # The system's reason follows, in parentheses.
    assert re.search(rf"{re.escape(expected)} \([^()]+\)$", line), line
