"""What the bench runs: its network, its full and quick settings, a timed fit's."""

#: The network of the head-to-head comparison (scikit-learn's defaults).
NETWORK = {"hidden_layer_sizes": (100,), "batch_size": 200, "random_state": 0}

#: Settings of the full run and of ``--quick`` (a CI smoke run of seconds).
SETTINGS = {
    "full": {
        "train_rows": 60000,
        "test_rows": 10000,
        # Many short alternated fits: their paired median shrugs off a busy
        # machine.
        "epochs": 2,
        "repeats": 5,
        "linearity_rows": (15000, 30000, 60000),
        "scaling_rows": 20000,
        "widths": (64, 128, 256, 512, 1024),
        "batch_sizes": (32, 64, 128, 256, 512, 1024),
        "cold_start_repeats": 5,
        "first_fit_repeats": 5,
    },
    "quick": {
        "train_rows": 2000,
        "test_rows": 500,
        "epochs": 1,
        # Short fits are the noisiest: more pairs keep the medians stable.
        "repeats": 7,
        "linearity_rows": (1000, 2000),
        "scaling_rows": 1000,
        "widths": (16, 32),
        "batch_sizes": (50, 100),
        "cold_start_repeats": 1,
        "first_fit_repeats": 2,
    },
}


def fit_settings(epochs, **params):
    """Keyword arguments of a timed fit: exactly ``epochs`` epochs, no early stop."""
    return {
        **NETWORK,
        "max_iter": epochs,
        "tol": 0.0,
        "n_iter_no_change": epochs + 1,
        **params,
    }


def jsonable(params):
    """Return settings with their tuples as lists, as JSON writes them."""
    return {
        key: list(value) if isinstance(value, tuple) else value
        for key, value in params.items()
    }
