"""Datasets that ship with skperceptron: no network access needed.

MNIST with its published train/test split, and the small datasets of the
first stories: three bits for a single neuron, four people's
height and weight, and the CS231n spiral; and ``shifted_copies``, which
adds copies of training images moved by whole pixels.
"""

from ._augment import shifted_copies
from ._mnist import load_mnist
from ._toys import load_height_weight, load_three_bits, make_spiral

__all__ = [
    "load_mnist",
    "load_height_weight",
    "load_three_bits",
    "make_spiral",
    "shifted_copies",
]
