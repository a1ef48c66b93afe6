"""Are the MNIST recipes tuned to MNIST alone? The recipes on other images.

The README's two recipes of ``benchmarks/recipe_search.py`` (the 15-second
one and the one-minute one, which trains on shifted copies of the images
too), and the adaptive one the README recommended before them, are fitted,
with their MNIST settings unchanged, on two other image-classification tasks
made offline:

- **digits**: scikit-learn's 1,797 handwritten digits, 8 x 8 grey levels
  upsampled to 28 x 28 (bilinear) and scaled to ``[0, 1]`` like MNIST; a
  stratified two-thirds / one-third split.
- **shifted MNIST**: the first 20,000 MNIST training images and the 10,000
  test images, each moved by a random whole number of pixels, -3 to 3 in each
  direction (``random_state=0``), so that the digits are no longer centred
  as in MNIST.

It prints the test accuracy and fit time of each recipe on each task. Run from
the repository root (a few minutes)::

    python benchmarks/recipe_check.py
"""

import numpy as np
from recipe_search import CANDIDATES, fit_candidate
from scipy.ndimage import zoom
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

from skperceptron.datasets import load_mnist
from skperceptron.datasets._augment import _kept


def digits_28():
    """Return scikit-learn's digits upsampled to 28 x 28, split for testing."""
    X, y = load_digits(return_X_y=True)
    images = zoom(X.reshape(-1, 8, 8) / 16.0, (1, 3.5, 3.5), order=1)
    X = np.clip(images, 0, 1).reshape(len(X), -1).astype(np.float32)
    return train_test_split(X, y, test_size=1 / 3, stratify=y, random_state=0)


def shifted(X, rng, largest=3):
    """Return 28 x 28 images each moved by a random shift, padding with zeros."""
    images = X.reshape(-1, 28, 28)
    out = np.zeros_like(images)
    for image, moved, (dy, dx) in zip(
        images, out, rng.integers(-largest, largest + 1, (len(X), 2))
    ):
        moved[_kept(dy, 28), _kept(dx, 28)] = image[_kept(-dy, 28), _kept(-dx, 28)]
    return out.reshape(len(X), -1)


def shifted_mnist():
    """Return 20,000 training and the 10,000 test MNIST images, randomly shifted."""
    rng = np.random.default_rng(0)
    X_train, y_train = load_mnist("train", return_X_y=True)
    X_test, y_test = load_mnist("test", return_X_y=True)
    X_train, y_train = X_train[:20000], y_train[:20000]
    return shifted(X_train, rng), shifted(X_test, rng), y_train, y_test


def main():
    """Fit the recipes on both tasks and print a table."""
    tasks = {"digits 28x28": digits_28(), "shifted MNIST": shifted_mnist()}
    recipes = {
        "adaptive": CANDIDATES["adaptive-512-256 (the old recipe)"],
        "15-second": CANDIDATES["the 15-second recipe (chosen from these)"],
        "one-minute": CANDIDATES["the one-minute recipe (chosen from these)"],
    }
    print(f"{'task':14} {'recipe':15} {'test acc':>8} {'epochs':>6} {'fit s':>6}")
    for task, (X_train, X_test, y_train, y_test) in tasks.items():
        for name, settings in recipes.items():
            model, seconds, network = fit_candidate(settings, X_train, y_train)
            accuracy = model.score(X_test, y_test)
            print(
                f"{task:14} {name:15} {accuracy:8.4f} {network.n_iter_:6d} "
                f"{seconds:6.1f}",
                flush=True,
            )


if __name__ == "__main__":
    main()
