"""
======================================================
Watching a fit epoch by epoch: callbacks and curves
======================================================

scikit-learn's ``MLPClassifier`` reports one number per epoch, the training
loss (``loss_curve_``), and with ``early_stopping=True`` the validation score
(``validation_scores_``). Two things its users have long asked for are
missing there: the loss on the validation set, to see where the network
starts to fit noise, and a way to run code after every epoch.

:class:`~skperceptron.ScratchMLPClassifier` has both:

- ``validation_loss_curve_``: with early stopping, the training objective
  (the same loss and L2 term as ``loss_curve_``, without dropout) on the
  held-out validation set after each epoch;
- scikit-learn's callback API (``sklearn.callback``, scikit-learn 1.9 and
  later): each epoch is a task that ends with the model it reached, so a
  ``ScoringMonitor`` scores every epoch's model.

We train a wide network with a weak L2 penalty on the 8x8 digits, long
enough to overfit: early stopping is set to wait 60 epochs, so that the whole
curve is recorded, and the parameters of the best epoch are restored at the
end.
"""

import warnings

import matplotlib.pyplot as plt
import numpy as np
from sklearn.callback import ScoringMonitor
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split

from skperceptron import ScratchMLPClassifier

X, y = load_digits(return_X_y=True)
X = X / 16.0
X_train, X_test, y_train, y_test = train_test_split(
    X, y, test_size=0.5, stratify=y, random_state=0
)

monitor = ScoringMonitor(scoring=["accuracy", "neg_log_loss"])
model = ScratchMLPClassifier(
    hidden_layer_sizes=(256,),
    alpha=1e-5,
    learning_rate_init=3e-3,
    early_stopping=True,
    validation_fraction=0.2,
    n_iter_no_change=60,
    max_iter=80,
    random_state=0,
)
# The fixed budget of epochs ends before early stopping would: not
# converging is expected.
warnings.simplefilter("ignore", ConvergenceWarning)
model.set_callbacks(monitor).fit(X_train, y_train)

# One row per epoch ("epoch" tasks), and one for the whole fit at its end.
log = monitor.get_logs().data_as_pandas
epochs = log[log["task_name"] == "epoch"]
print(f"{len(epochs)} epochs recorded by the monitor, {model.n_iter_} run")
best = int(np.argmin(model.validation_loss_curve_))
print(
    f"lowest validation loss {min(model.validation_loss_curve_):.4f} at epoch "
    f"{best + 1}; training loss there {model.loss_curve_[best]:.4f}, "
    f"at the end {model.loss_curve_[-1]:.4f}"
)
print(
    f"best validation accuracy {model.best_validation_score_:.3f}; "
    f"test accuracy of the restored model {model.score(X_test, y_test):.3f}"
)

# %%
# Training and validation objective
# ---------------------------------
#
# The training loss keeps falling, tenfold over the last fifty epochs; the
# validation loss levels off after about twenty and reaches its lowest value
# (grey line) where it has long stopped improving: from there on the network
# learns its training samples rather than digits. The monitor scores the
# data ``fit`` was given, the validation split included, so its log loss
# (dotted) lies between the two: a fifth of those samples are held out.

epoch_numbers = np.arange(1, model.n_iter_ + 1)
fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4), layout="constrained")
left.plot(epoch_numbers, model.loss_curve_, label="loss_curve_ (training)")
left.plot(
    epoch_numbers,
    model.validation_loss_curve_,
    label="validation_loss_curve_ (held out)",
)
left.plot(
    epoch_numbers,
    -epochs["neg_log_loss"],
    ":",
    label="ScoringMonitor: log loss on fit's data",
)
left.axvline(best + 1, color="grey", linewidth=0.8, label="lowest validation loss")
left.set(xlabel="epoch", ylabel="log-loss", yscale="log", title="Objective")
left.legend()

# %%
# Accuracy per epoch
# ------------------
#
# The monitor's accuracy on the data ``fit`` was given and the validation
# accuracy (``validation_scores_``) part ways as the network overfits.

right.plot(epoch_numbers, epochs["accuracy"], label="ScoringMonitor: accuracy")
right.plot(
    epoch_numbers, model.validation_scores_, label="validation_scores_ (held out)"
)
right.set(xlabel="epoch", ylabel="accuracy", ylim=(0.8, 1.005), title="Accuracy")
right.legend(loc="lower right")
plt.show()
