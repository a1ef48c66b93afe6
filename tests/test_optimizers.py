"""Each optimizer step and learning-rate schedule against its closed form."""

import pickle

import numpy as np
import pytest

from skperceptron._optimizers import SGD, Adam

RNG = np.random.RandomState(0)
PARAMS = RNG.normal(size=7)
GRADS = RNG.normal(size=(3, 7))


def _sgd(dtype=np.float64, **settings):
    defaults = dict(
        learning_rate_init=0.1,
        lr_schedule="constant",
        momentum=0.9,
        nesterov=False,
        power_t=0.5,
    )
    return SGD(PARAMS.size, dtype, **defaults | settings)


def _adam(dtype=np.float64, **settings):
    defaults = dict(learning_rate_init=0.01, beta_1=0.9, beta_2=0.999, epsilon=1e-8)
    return Adam(PARAMS.size, dtype, **defaults | settings)


def _run(optimizer, n_steps=None):
    params = PARAMS.copy()
    for grad in GRADS[:n_steps]:
        optimizer.step(params, grad)
    return params


def test_sgd_with_momentum():
    # v <- mu v - eta g, then w <- w + v.
    optimizer = _sgd()
    w, v = PARAMS.copy(), np.zeros_like(PARAMS)
    for grad in GRADS:
        v = 0.9 * v - 0.1 * grad
        w = w + v
    np.testing.assert_allclose(_run(optimizer), w, rtol=1e-15, atol=1e-15)
    np.testing.assert_allclose(optimizer.velocity, v, rtol=1e-15, atol=1e-15)


def test_sgd_without_momentum_is_plain_gradient_descent():
    expected = PARAMS - 0.1 * GRADS.sum(axis=0)
    np.testing.assert_allclose(_run(_sgd(momentum=0.0)), expected, rtol=1e-14)


def test_sgd_with_nesterov_momentum():
    # v <- mu v - eta g, then w <- w + mu v - eta g (the new v).
    optimizer = _sgd(nesterov=True)
    w, v = PARAMS.copy(), np.zeros_like(PARAMS)
    for grad in GRADS:
        v = 0.9 * v - 0.1 * grad
        w = w + 0.9 * v - 0.1 * grad
    np.testing.assert_allclose(_run(optimizer), w, rtol=1e-15, atol=1e-15)
    np.testing.assert_allclose(optimizer.velocity, v, rtol=1e-15, atol=1e-15)


def test_adam_with_bias_correction():
    b1, b2, eps, eta = 0.9, 0.999, 1e-8, 0.01
    optimizer = _adam()
    w, m, v = PARAMS.copy(), np.zeros_like(PARAMS), np.zeros_like(PARAMS)
    for t, grad in enumerate(GRADS, start=1):
        m = b1 * m + (1 - b1) * grad
        v = b2 * v + (1 - b2) * grad**2
        eta_t = eta * np.sqrt(1 - b2**t) / (1 - b1**t)
        w = w - eta_t * m / (np.sqrt(v) + eps)
    np.testing.assert_allclose(_run(optimizer), w, rtol=1e-14)
    np.testing.assert_allclose(optimizer.ms, m, rtol=1e-14)
    np.testing.assert_allclose(optimizer.vs, v, rtol=1e-14)
    assert optimizer.t == len(GRADS)
    assert optimizer.learning_rate == pytest.approx(eta_t, rel=1e-14)


def test_adams_first_step_is_the_learning_rate_times_the_gradients_sign():
    # Bias correction makes m / sqrt(v) = g / |g| on the first step.
    step = _run(_adam(epsilon=1e-12), n_steps=1) - PARAMS
    np.testing.assert_allclose(step, -0.01 * np.sign(GRADS[0]), rtol=1e-9)


@pytest.mark.parametrize("schedule", ["constant", "adaptive"])
def test_constant_and_adaptive_rates_do_not_change_at_the_end_of_an_epoch(schedule):
    optimizer = _sgd(lr_schedule=schedule)
    optimizer.iteration_ends(500)
    assert optimizer.learning_rate == 0.1


def test_invscaling_schedule():
    # eta = eta_0 / (t + 1) ** power_t, t the number of samples seen.
    optimizer = _sgd(lr_schedule="invscaling", power_t=0.25)
    for time_step in (100, 400):
        optimizer.iteration_ends(time_step)
        assert optimizer.learning_rate == pytest.approx(0.1 / (time_step + 1) ** 0.25)
    params = PARAMS.copy()
    optimizer.momentum = 0.0
    optimizer.step(params, GRADS[0])
    expected = PARAMS - 0.1 / 401**0.25 * GRADS[0]
    np.testing.assert_allclose(params, expected, rtol=1e-15)


def test_adaptive_schedule_divides_by_five_until_below_1e_6(capsys):
    optimizer = _sgd(lr_schedule="adaptive", learning_rate_init=1e-3)
    rates = []
    while not optimizer.trigger_stopping("Stalled.", verbose=True):
        rates.append(optimizer.learning_rate)
    # 1e-3 / 5**5 = 3.2e-7 is the first rate at or below 1e-6.
    np.testing.assert_allclose(rates, 1e-3 / 5.0 ** np.arange(1, 6))
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "Stalled. Setting learning rate to 0.000200"
    assert lines[-1] == "Stalled. Learning rate too small. Stopping."
    assert len(lines) == 6


@pytest.mark.parametrize("make", [_sgd, _adam], ids=["sgd", "adam"])
@pytest.mark.parametrize("verbose", [False, True])
def test_other_schedules_stop_at_the_first_stall(make, verbose, capsys):
    optimizer = make()
    assert optimizer.trigger_stopping("Stalled.", verbose=verbose)
    assert optimizer.learning_rate == optimizer.learning_rate_init
    assert capsys.readouterr().out == ("Stalled. Stopping.\n" if verbose else "")


def test_adam_rate_does_not_change_at_the_end_of_an_epoch():
    optimizer = _adam()
    optimizer.iteration_ends(500)
    assert optimizer.learning_rate == 0.01


# Five steps of a cosine schedule, T = 5: rates eta_0 (1 + cos(pi k / 5)) / 2.
COSINE_GRADS = np.random.RandomState(1).normal(size=(5, 7))


def _cosine_rates(eta_0, steps):
    return [eta_0 * (1 + np.cos(np.pi * k / len(COSINE_GRADS))) / 2 for k in steps]


def test_sgd_cosine_schedule_uses_the_closed_form_rate_at_every_step():
    optimizer = _sgd(lr_schedule="cosine")
    optimizer.start_cosine(len(COSINE_GRADS))
    rates = _cosine_rates(0.1, range(len(COSINE_GRADS)))
    params, w, v = PARAMS.copy(), PARAMS.copy(), np.zeros_like(PARAMS)
    for rate, grad in zip(rates, COSINE_GRADS):
        optimizer.step(params, grad)
        v = 0.9 * v - rate * grad
        w = w + v
        assert optimizer.learning_rate == pytest.approx(rate, rel=1e-15)
        np.testing.assert_allclose(params, w, rtol=1e-14, atol=1e-15)
    # The schedule lives in step(): the end of an epoch leaves the rate alone.
    optimizer.iteration_ends(500)
    assert optimizer.learning_rate == pytest.approx(rates[-1], rel=1e-15)
    assert optimizer.cosine_step == len(COSINE_GRADS)


def test_adam_cosine_schedule_anneals_the_base_rate_under_bias_correction():
    b1, b2, eps = 0.9, 0.999, 1e-8
    optimizer = _adam()
    optimizer.start_cosine(len(COSINE_GRADS))
    params, w = PARAMS.copy(), PARAMS.copy()
    m, v = np.zeros_like(PARAMS), np.zeros_like(PARAMS)
    rates = _cosine_rates(0.01, range(len(COSINE_GRADS)))
    for t, (rate, grad) in enumerate(zip(rates, COSINE_GRADS), start=1):
        optimizer.step(params, grad)
        m = b1 * m + (1 - b1) * grad
        v = b2 * v + (1 - b2) * grad**2
        eta_t = rate * np.sqrt(1 - b2**t) / (1 - b1**t)
        w = w - eta_t * m / (np.sqrt(v) + eps)
        assert optimizer.base_learning_rate == pytest.approx(rate, rel=1e-15)
        assert optimizer.learning_rate == pytest.approx(eta_t, rel=1e-14)
        np.testing.assert_allclose(params, w, rtol=1e-13)


def test_starting_the_cosine_schedule_again_restarts_it_at_the_initial_rate():
    optimizer = _adam()
    optimizer.start_cosine(2)
    _run(optimizer, n_steps=2)  # one full cycle
    optimizer.start_cosine(len(COSINE_GRADS))
    optimizer.step(PARAMS.copy(), COSINE_GRADS[0])
    assert optimizer.base_learning_rate == 0.01
    assert optimizer.t == 3  # Adam's bias correction counts on


@pytest.mark.parametrize("make", [_sgd, _adam], ids=["sgd", "adam"])
def test_a_pickled_optimizer_continues_its_cosine_schedule(make):
    optimizer = make()
    optimizer.start_cosine(len(COSINE_GRADS))
    params = PARAMS.copy()
    for grad in COSINE_GRADS[:2]:
        optimizer.step(params, grad)
    copy = pickle.loads(pickle.dumps(optimizer))
    copied_params = params.copy()
    name = "base_learning_rate" if make is _adam else "learning_rate"
    expected = _cosine_rates(optimizer.learning_rate_init, range(2, 5))
    for rate, grad in zip(expected, COSINE_GRADS[2:]):
        optimizer.step(params, grad)
        copy.step(copied_params, grad)
        assert getattr(copy, name) == pytest.approx(rate, rel=1e-15)
    np.testing.assert_array_equal(copied_params, params)


@pytest.mark.parametrize(
    "make", [_sgd, lambda: _sgd(nesterov=True), _adam], ids=["sgd", "nesterov", "adam"]
)
def test_a_pickled_optimizer_continues_where_it_stopped(make):
    optimizer = make()
    params = _run(optimizer, n_steps=2)
    copy = pickle.loads(pickle.dumps(optimizer))
    copied_params = params.copy()
    optimizer.step(params, GRADS[2])
    copy.step(copied_params, GRADS[2])
    np.testing.assert_array_equal(copied_params, params)


@pytest.mark.parametrize(
    "optimizer, n_state_vectors",
    [
        (SGD(10_000, np.float64, 0.1, "constant", 0.9, True, 0.5), 1),
        (Adam(10_000, np.float64, 0.01, 0.9, 0.999, 1e-8), 2),
    ],
    ids=["nesterov", "adam"],
)
def test_a_pickle_holds_the_state_without_scratch_vectors(optimizer, n_state_vectors):
    # velocity for SGD, ms and vs for Adam; each also has two scratch vectors.
    assert len(pickle.dumps(optimizer)) < (n_state_vectors + 0.5) * 80_000


@pytest.mark.parametrize("make", [_sgd, _adam], ids=["sgd", "adam"])
def test_a_float32_step_stays_float32(make):
    params = PARAMS.astype(np.float32)
    make(np.float32).step(params, GRADS[0].astype(np.float32))
    assert params.dtype == np.float32
    reference = PARAMS.copy()
    make().step(reference, GRADS[0])
    np.testing.assert_allclose(params, reference, rtol=1e-6, atol=1e-6)
