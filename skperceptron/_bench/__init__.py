"""Benchmark skperceptron against scikit-learn's MLPClassifier on bundled MNIST.

Ours and scikit-learn's estimator are fitted alternately in one process on the
same data with the same settings (a 784-100-10 ReLU network, adam, batches of
200, ``alpha=1e-4``), for float32 and float64 input. For each the benchmark
prints the seconds per epoch, the ratio, the test accuracy, the time to
predict the 10,000 test images and the peak memory that tracemalloc sees
during a fit, and ours against the BLAS floor (:func:`.floor.measure_floor`:
the batch gathers and matrix products alone, timed alternately with our
steady-state epochs and predictions); then PyTorch CPU on the same network
when it is importable; the time per epoch against the number of samples; a
table over hidden widths and batch sizes; the cold start of a fresh process;
a script's first fit in fresh processes (:func:`.fresh.first_fit`: import,
then a default fit of 15 epochs on float32 MNIST); and, in the full run, the
README's two recipes with their fit times and test accuracies: the 15-second
one (:func:`.recipe.recipe`: PCA to :data:`.recipe.RECIPE_COMPONENTS`
components, then a network with dropout and a cosine schedule,
:data:`.recipe.RECIPE`) and the one-minute one on raw pixels
(:func:`.recipe.fit_one_minute_recipe`).

Every timing is repeated, ours and scikit-learn's alternately, and each
ratio is the median of the ratios of neighbouring pairs, printed with its
interquartile range and said in words (:func:`.timing.verdict`: "ours is
1.6x faster", or why the run cannot tell): pairing makes the ratios fair on a
busy machine; the absolute seconds are not, so the machine's description and
load are printed with them.

Its modules, each importing only those listed before it:

- :mod:`.settings`: the network, the full and quick settings, a timed fit's
  keyword arguments;
- :mod:`.timing`: timed fits in alternation, paired ratios (median and
  interquartile range) and the verdicts that say them in words;
- :mod:`.floor`: the BLAS floor of an epoch and of a prediction;
- :mod:`.fresh`: fresh processes, the cold start and the first-fit line;
- :mod:`.recipe`: the two MNIST recipes and their fits;
- :mod:`.sections`: the in-process sections (fit and predict, PyTorch,
  linearity, scaling);
- :mod:`.report`: the machine's description, the kernel line and the plot;
- :mod:`.command`: :func:`run`, which ties them together and writes the JSON.
"""

from .command import run

__all__ = ["run"]
