"""How the demo shows its work: one line per step, a progress bar, or every epoch.

Nothing here knows of estimators: a step redirects whatever the code inside
it prints (an estimator's verbose lines, a grid search's) to the terminal,
indented, or into a progress bar, and ends with one summary line.
"""

import contextlib
import re
import sys
import time


class Progress:
    """How the demo shows its steps: one line each, a progress bar, or every epoch.

    Parameters
    ----------
    verbose : bool
        Show every line the estimators print (per-epoch losses, the grid
        search's fits), indented under the step that prints them. Otherwise
        each step ends in one summary line, with a progress bar while it runs
        when tqdm is installed and the output is a terminal.
    """

    def __init__(self, verbose):
        self.verbose = verbose
        self.tqdm = None
        if not verbose and sys.stdout.isatty():
            with contextlib.suppress(ImportError):
                from tqdm import tqdm

                self.tqdm = tqdm

    @property
    def wants_fit_output(self):
        """Whether fits should print their verbose lines: shown, or fed to a bar."""
        return self.verbose or self.tqdm is not None

    @contextlib.contextmanager
    def step(self, message, total=None, unit="epoch"):
        """Run one step, showing its progress; yield a dict for its results.

        The caller may set ``"summary"`` in the dict, printed after the
        message when the step ends; ``"seconds"`` is set then.
        """
        real_stdout = sys.stdout
        result = {}
        bar = None
        if self.verbose:
            print(f"    {message}", flush=True)
            stream = _Indented(real_stdout)
        else:
            if self.tqdm is not None and total is not None:
                bar = self.tqdm(
                    total=total, desc=f"    {message}", unit=unit, leave=False
                )
            else:
                print(f"    {message} ...", end="", flush=True)
            stream = _ProgressCounter(bar)
        started = time.perf_counter()
        try:
            with contextlib.redirect_stdout(stream):
                yield result
        finally:
            if bar is not None:
                bar.close()
        result["seconds"] = seconds = time.perf_counter() - started
        summary = ", ".join(filter(None, [result.get("summary"), f"{seconds:.1f}s"]))
        if self.verbose:
            print(f"    done: {summary}", flush=True)
        elif bar is not None:
            print(f"    {message}: {summary}", flush=True)
        else:
            print(f" {summary}", flush=True)


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


class _ProgressCounter:
    """A stream that swallows verbose output, advancing a progress bar with it.

    Each ``Iteration N, loss = L`` line of a fit, and each ``[CV] END`` line
    of a grid search, is one step of the bar (when there is one).
    """

    STEP = re.compile(r"^(Iteration \d+, loss = (\S+?),|\[CV\] END)")

    def __init__(self, bar):
        self.bar = bar
        self.pending = ""

    def write(self, text):
        *lines, self.pending = (self.pending + text).split("\n")
        for line in lines:
            found = self.STEP.match(line)
            if found and self.bar is not None:
                self.bar.update(1)
                if found.group(2):
                    self.bar.set_postfix_str(f"loss {found.group(2)}", refresh=False)
        return len(text)

    def flush(self):
        pass
