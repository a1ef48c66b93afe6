"""The demo's figures, drawn with matplotlib (imported only when they are drawn).

Each ``draw`` function takes fitted estimators or arrays and returns a
figure; :func:`write_plots` saves them as PNG files. Nothing here knows of
the stories that call for them, or of the report that shows them.
"""

import numpy as np


def write_plots(figures, out):
    """Draw the figures into PNG files in ``out``; None when matplotlib is missing.

    ``figures`` maps a file name to ``(draw, arguments)``, where
    ``draw(*arguments)`` returns a matplotlib figure.
    """
    try:
        import matplotlib
    except ImportError:
        return None
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    written = []
    for name, (draw, arguments) in figures.items():
        figure = draw(*arguments)
        path = out / name
        figure.savefig(path, dpi=100)
        plt.close(figure)
        written.append(path)
    return written


# The two libraries as the plots name them.
LIBRARIES = ("skperceptron", "scikit-learn")


def decision_boundaries(ours, theirs, X_train, y_train, X_test, y_test):
    """Draw both spiral classifiers' decision regions, training and test points."""
    import matplotlib.pyplot as plt
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch
    from sklearn.inspection import DecisionBoundaryDisplay

    X = np.concatenate([X_train, X_test])
    figure, axes = plt.subplots(
        1, 2, figsize=(11, 5.4), layout="constrained", sharex=True, sharey=True
    )
    for ax, estimator, name in zip(axes, (ours, theirs), LIBRARIES):
        display = DecisionBoundaryDisplay.from_estimator(
            estimator,
            X,
            response_method="predict",
            grid_resolution=400,
            eps=0.05,
            alpha=0.3,
            ax=ax,
            xlabel="feature 1",
            ylabel="feature 2",
        )
        colours = np.asarray(display.multiclass_colors_)
        ax.scatter(*X_train.T, c=colours[y_train], s=10, marker="o", linewidths=0)
        ax.scatter(
            *X_test.T,
            c=colours[y_test],
            s=30,
            marker="^",
            edgecolors="k",
            linewidths=0.6,
        )
        ax.set_title(
            f"{name}: train accuracy {estimator.score(X_train, y_train):.3f}, "
            f"test {estimator.score(X_test, y_test):.3f}"
        )
        ax.set_aspect("equal")
    handles = [
        Patch(color=colour, alpha=0.6, label=f"class {label}")
        for label, colour in zip(ours.classes_, colours)
    ] + [
        Line2D([], [], color="grey", marker="o", linestyle="", markersize=4,
               label=f"training point ({len(X_train)})"),
        Line2D([], [], color="grey", marker="^", markeredgecolor="k", linestyle="",
               markersize=7, label=f"held-out test point ({len(X_test)})"),
    ]  # fmt: skip
    figure.legend(handles=handles, loc="outside lower center", ncols=len(handles))
    figure.suptitle("3-class spiral: decision regions of a (64, 64) ReLU network")
    return figure


def loss_curves(curves):
    """Draw each story's training loss per epoch, ours against scikit-learn's."""
    import matplotlib.pyplot as plt
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    figure, axes = plt.subplots(
        1, len(curves), figsize=(5.5 * len(curves), 4.2), layout="constrained"
    )
    plain = FuncFormatter(lambda value, _: f"{value:g}")
    # Between the powers of ten, only 2, 3 and 5 are labelled: no crowding.
    sparse = FuncFormatter(
        lambda value, _: f"{value:g}" if f"{value:.0e}"[0] in "235" else ""
    )
    for ax, (story, models) in zip(np.atleast_1d(axes), curves.items()):
        n_epochs = max(len(model.loss_curve_) for model in models)
        every = max(1, n_epochs // 20)
        # The two curves often coincide: ours is a thick line with hollow
        # circles, scikit-learn's a dashed line with crosses in between.
        styles = (
            {"marker": "o", "fillstyle": "none", "linewidth": 3, "alpha": 0.6,
             "markevery": (0, every)},
            {"marker": "x", "linestyle": "--", "color": "k",
             "markevery": (every // 2, every)},
        )  # fmt: skip
        for model, name, style in zip(models, LIBRARIES, styles):
            losses = model.loss_curve_
            # Epochs are counted from 1, as the verbose lines count them.
            epochs = np.arange(1, len(losses) + 1)
            ax.plot(epochs, losses, label=f"{name} ({len(losses)} epochs)", **style)
        ax.set(title=story, xlabel="epoch", ylabel="training loss", yscale="log")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.yaxis.set_major_formatter(plain)
        ax.yaxis.set_minor_formatter(sparse)
        ax.grid(alpha=0.3, which="both")
        ax.legend()
    figure.suptitle("Training loss per epoch (log scale)")
    return figure


def confusion_matrix(y_true, y_pred, model):
    """Draw the MNIST test set's confusion matrix, normalised by true digit."""
    import matplotlib.pyplot as plt
    from matplotlib.colors import LogNorm
    from sklearn.metrics import ConfusionMatrixDisplay

    figure, ax = plt.subplots(figsize=(7.5, 6.8), layout="constrained")
    display = ConfusionMatrixDisplay.from_predictions(
        y_true,
        y_pred,
        normalize="true",
        values_format=".1%",
        ax=ax,
        cmap="Blues",
        im_kw={"norm": LogNorm(vmin=1e-3, vmax=1)},
    )
    # Most cells are 0: leave them blank so that the confusions stand out.
    for text, value in zip(display.text_.ravel(), display.confusion_matrix.ravel()):
        if value < 0.0005:
            text.set_visible(False)
    display.im_.colorbar.set_label("share of the true digit's images (log scale)")
    accuracy = np.mean(np.asarray(y_true) == np.asarray(y_pred))
    ax.set(xlabel="predicted digit", ylabel="true digit")
    ax.set_title(
        f"{model}\nMNIST test set: accuracy {accuracy:.2%}; rows normalised by "
        "true digit"
    )
    return figure


def first_layer_weights(mlp, n_units=32):
    """Draw the first ``n_units`` hidden units' input weights as 28 x 28 images."""
    import matplotlib.pyplot as plt

    weights = mlp.coefs_[0][:, :n_units]
    # One symmetric scale for every tile, so that colours compare across units.
    limit = np.abs(weights).max()
    figure, axes = plt.subplots(
        4, n_units // 4, figsize=(11, 5.6), layout="constrained"
    )
    for ax, unit in zip(axes.ravel(), weights.T):
        image = ax.matshow(unit.reshape(28, 28), cmap="RdBu_r", vmin=-limit, vmax=limit)
        ax.set_xticks(())
        ax.set_yticks(())
    figure.colorbar(image, ax=axes, shrink=0.8, label="input weight")
    figure.suptitle(
        f"MNIST: input weights of the first {n_units} hidden units "
        "(red positive, blue negative)"
    )
    return figure
