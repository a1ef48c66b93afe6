"""Stochastic optimizers that update one flat parameter vector in place.

``SGD`` and ``Adam`` follow the update rules, learning-rate schedules and
stopping messages of scikit-learn's MLP, vectorised over the whole flat vector
instead of looping over layers; both also follow skperceptron's own cosine
schedule (:meth:`Optimizer.start_cosine`). Each rule is written once against
the kernel table of the parameters' backend (:mod:`skperceptron._kernels`):
with NumPy every step works in place with ``out=`` arguments into preallocated
scratch vectors, so it allocates nothing and its arithmetic (operands and
order of every rounding) is scikit-learn's; other array namespaces compute the
same expressions functionally.
"""

import math

from ._kernels import NUMPY_KERNELS, kernels_for


class Optimizer:
    """What the optimizers share: state, the learning rate, stopping, pickling.

    Subclasses name their state vectors (zeros of the parameters' length,
    dtype and backend) in ``_STATE`` and their per-step scratch vectors in
    ``_SCRATCH``, allocated in ``_allocate_scratch``; a subclass sets its own
    settings before calling ``Optimizer.__init__``, which allocates both. A
    pickle holds only the optimizer's state, without the scratch vectors or
    the kernel table, which is found again from the state's arrays. Once
    :meth:`start_cosine` is called, each ``step`` first sets the rate named
    in ``_ANNEALED`` from the cosine schedule (``_anneal``).

    Parameters
    ----------
    n_params : int
        Length of the parameter vector.
    dtype : numpy dtype
        Dtype of the parameters.
    learning_rate_init : float
        Initial learning rate.
    kernels : kernel table
        The backend of the parameters (:mod:`skperceptron._kernels`).

    Attributes
    ----------
    learning_rate : float
        The current learning rate.
    cosine_steps : int or None
        Length ``T`` of the cosine schedule started by :meth:`start_cosine`;
        None when the rate is not annealed.
    cosine_step : int
        Number of steps taken since the cosine schedule started.
    """

    # State vectors; the first tells the backend again on unpickling.
    _STATE = ()
    _SCRATCH = ()
    # The rate the cosine schedule sets before each step.
    _ANNEALED = "learning_rate"

    def __init__(self, n_params, dtype, learning_rate_init, kernels):
        # Python floats throughout: a NumPy float64 setting (from np.logspace,
        # say) would carry a float32 vector through float64 arithmetic.
        self.learning_rate_init = float(learning_rate_init)
        self.learning_rate = float(learning_rate_init)
        self.cosine_steps = None
        self.cosine_step = 0
        self.kernels = kernels
        for name in self._STATE:
            setattr(self, name, kernels.zeros(n_params, kernels.dtype(dtype)))
        self._allocate_scratch()

    def _allocate_scratch(self):
        """Allocate the scratch vectors named in ``_SCRATCH``."""

    def __getstate__(self):
        """Return the state to pickle, without scratch vectors or kernel table."""
        return {
            k: v
            for k, v in self.__dict__.items()
            if k not in self._SCRATCH and k != "kernels"
        }

    def __setstate__(self, state):
        """Restore a pickled optimizer and reallocate its scratch vectors."""
        self.__dict__.update(state)
        # Pickled before the cosine schedule existed: no schedule, base rate.
        self.__dict__.setdefault("cosine_steps", None)
        self.__dict__.setdefault("cosine_step", 0)
        self.__dict__.setdefault(self._ANNEALED, self.learning_rate_init)
        self.kernels = kernels_for(getattr(self, self._STATE[0]))
        self._allocate_scratch()

    def start_cosine(self, total_steps):
        """Anneal the rate from ``learning_rate_init`` towards 0 over ``total_steps``.

        Step ``k`` from now (0-based) uses the rate
        ``learning_rate_init * (1 + cos(pi * k / total_steps)) / 2``: SGD's
        learning rate, or Adam's base rate under its bias correction.

        Parameters
        ----------
        total_steps : int
            Number of steps ``T`` of the schedule, at least 1.
        """
        self.cosine_steps = total_steps
        self.cosine_step = 0

    def _anneal(self):
        """Set this step's rate from the cosine schedule, if one was started."""
        if self.cosine_steps is None:
            return
        progress = math.pi * self.cosine_step / self.cosine_steps
        rate = self.learning_rate_init * (1 + math.cos(progress)) / 2
        setattr(self, self._ANNEALED, rate)
        self.cosine_step += 1

    def step(self, params, grad):
        """Update ``params`` in place from the gradient ``grad``.

        Parameters
        ----------
        params, grad : array of shape (n_params,)
            Flat parameters and their gradient.
        """
        raise NotImplementedError

    def iteration_ends(self, time_step):
        """Update the learning rate at the end of an epoch (no change by default).

        Parameters
        ----------
        time_step : int
            Number of training samples seen so far.
        """

    def trigger_stopping(self, msg, verbose):
        """Stop training when progress stalls.

        Parameters
        ----------
        msg : str
            Why progress stalled, printed when ``verbose``.
        verbose : bool
            Whether to print it.

        Returns
        -------
        is_stopping : bool
            Always True.
        """
        if verbose:
            print(msg + " Stopping.")
        return True


class SGD(Optimizer):
    """Stochastic gradient descent with momentum and learning-rate schedules.

    With velocity ``v``, momentum ``mu`` and learning rate ``eta``, one step is
    ``v <- mu v - eta g`` then ``w <- w + v``, or with Nesterov's momentum
    ``w <- w + mu v - eta g``.

    Parameters
    ----------
    n_params, dtype, learning_rate_init
        As in :class:`Optimizer`; ``learning_rate_init`` is ``eta_0``.
    lr_schedule : {"constant", "invscaling", "adaptive", "cosine"}
        ``"invscaling"`` sets ``eta = eta_0 / (t + 1) ** power_t`` after every
        epoch (``t`` counts samples seen); ``"adaptive"`` divides ``eta`` by 5
        whenever progress stalls, until it falls below ``1e-6``;
        ``"cosine"`` changes nothing here: :meth:`Optimizer.start_cosine`
        anneals ``eta``.
    momentum : float
        Momentum ``mu`` in [0, 1].
    nesterov : bool
        Whether to use Nesterov's momentum.
    power_t : float
        Exponent of the ``"invscaling"`` schedule.
    kernels : kernel table, default=NUMPY_KERNELS
        As in :class:`Optimizer`.

    Attributes
    ----------
    learning_rate : float
        The current learning rate.
    velocity : ndarray of shape (n_params,)
        The current velocity.
    cosine_steps, cosine_step
        As in :class:`Optimizer`.
    """

    def __init__(
        self,
        n_params,
        dtype,
        learning_rate_init,
        lr_schedule,
        momentum,
        nesterov,
        power_t,
        kernels=NUMPY_KERNELS,
    ):
        self.lr_schedule = lr_schedule
        self.momentum = float(momentum)
        self.nesterov = nesterov
        self.power_t = float(power_t)
        super().__init__(n_params, dtype, learning_rate_init, kernels)

    _STATE = ("velocity",)
    _SCRATCH = ("_step", "_update")

    def _allocate_scratch(self):
        self._step = self.kernels.buffer_like(self.velocity)
        self._update = (
            self.kernels.buffer_like(self.velocity) if self.nesterov else None
        )

    def step(self, params, grad):
        """Take one step of momentum SGD (see :meth:`Optimizer.step`)."""
        self._anneal()
        self.kernels.momentum_update(
            params,
            grad,
            self.velocity,
            self.learning_rate,
            self.momentum,
            self.nesterov,
            (self._step, self._update),
        )

    def iteration_ends(self, time_step):
        """Apply the invscaling schedule (see :meth:`Optimizer.iteration_ends`)."""
        if self.lr_schedule == "invscaling":
            self.learning_rate = (
                float(self.learning_rate_init) / (time_step + 1) ** self.power_t
            )

    def trigger_stopping(self, msg, verbose):
        """Stop, or with the adaptive schedule first lower the learning rate.

        The arguments and the return value are those of
        :meth:`Optimizer.trigger_stopping`; the adaptive schedule returns
        False while it can still divide the learning rate by 5.
        """
        if self.lr_schedule != "adaptive":
            return super().trigger_stopping(msg, verbose)
        if self.learning_rate <= 1e-6:
            if verbose:
                print(msg + " Learning rate too small. Stopping.")
            return True
        self.learning_rate /= 5.0
        if verbose:
            print(msg + " Setting learning rate to %f" % self.learning_rate)
        return False


class Adam(Optimizer):
    """Adam: adaptive moment estimation (Kingma and Ba, 2014).

    With step count ``t``, ``m <- b1 m + (1 - b1) g``, ``v <- b2 v + (1 - b2) g**2``
    and ``w <- w - eta_t m / (sqrt(v) + eps)`` where
    ``eta_t = eta_0 sqrt(1 - b2**t) / (1 - b1**t)``; the cosine schedule
    (:meth:`Optimizer.start_cosine`) anneals the base rate ``eta_0``.

    Parameters
    ----------
    n_params, dtype, learning_rate_init
        As in :class:`Optimizer`; ``learning_rate_init`` is the base rate
        ``eta_0``.
    beta_1, beta_2 : float
        Decay rates of the first and second moment estimates, in [0, 1).
    epsilon : float
        Value added to ``sqrt(v)`` for numerical stability.
    kernels : kernel table, default=NUMPY_KERNELS
        As in :class:`Optimizer`.

    Attributes
    ----------
    learning_rate : float
        The bias-corrected learning rate of the last step.
    base_learning_rate : float
        The base rate ``eta_0`` of the last step: ``learning_rate_init``, or
        its value on the cosine schedule.
    t : int
        Number of steps taken.
    ms, vs : ndarray of shape (n_params,)
        First and second moment estimates.
    cosine_steps, cosine_step
        As in :class:`Optimizer`.
    """

    def __init__(
        self,
        n_params,
        dtype,
        learning_rate_init,
        beta_1,
        beta_2,
        epsilon,
        kernels=NUMPY_KERNELS,
    ):
        self.beta_1 = float(beta_1)
        self.beta_2 = float(beta_2)
        self.epsilon = float(epsilon)
        self.t = 0
        self.base_learning_rate = float(learning_rate_init)
        super().__init__(n_params, dtype, learning_rate_init, kernels)

    _STATE = ("ms", "vs")
    _ANNEALED = "base_learning_rate"
    _SCRATCH = ("_update", "_denominator")

    def _allocate_scratch(self):
        self._update = self.kernels.buffer_like(self.ms)
        self._denominator = self.kernels.buffer_like(self.ms)

    def step(self, params, grad):
        """Take one Adam step (see :meth:`Optimizer.step`)."""
        self._anneal()
        self.t += 1
        # A Python float: a NumPy float64 scalar would force a float32 vector
        # through a float64 loop, five times slower.
        self.learning_rate = (
            self.base_learning_rate
            * math.sqrt(1 - self.beta_2**self.t)
            / (1 - self.beta_1**self.t)
        )
        self.kernels.adam_update(
            params,
            grad,
            self.ms,
            self.vs,
            self.beta_1,
            self.beta_2,
            self.learning_rate,
            self.epsilon,
            (self._update, self._denominator),
        )
