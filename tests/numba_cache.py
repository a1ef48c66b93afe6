"""An import hook that fails as numba does where it finds no folder to cache in."""


class NoCacheLocator:
    """Raise at the import of the compiled kernels as ``@njit(cache=True)`` does.

    numba raises this ``RuntimeError`` when neither the package's folder (a
    read-only site-packages) nor the user's cache folder is writable.
    """

    def find_spec(self, name, path=None, target=None):
        if name == "skperceptron._compiled":
            raise RuntimeError(
                "cannot cache function '_bias_relu': no locator available for "
                "file '.../skperceptron/_compiled.py'"
            )
