"""The ``demo`` command: five stories, each told by ours and by scikit-learn's MLP.

Each story trains one of this package's estimators, then scikit-learn's
MLPClassifier with the same settings; the run ends with one table that puts
the two side by side, and writes an HTML report (``index.html``) with the
table, the stories and the plots (spiral decision boundaries, loss curves,
MNIST confusion matrix and first-layer weights, when matplotlib is installed:
``pip install skperceptron[plots]``) into the output folder.

Its modules, each importing only those listed before it:

- :mod:`.progress`: how a step shows itself (a line, a bar, every epoch);
- :mod:`.plots`: the figures, drawn from fitted estimators and arrays;
- :mod:`.stories`: the five stories, their estimators and settings;
- :mod:`.report`: the plain-text table and the HTML report;
- :mod:`.command`: :func:`run`, which ties them together.
"""

from .command import run

__all__ = ["run"]
