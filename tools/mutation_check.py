"""Check that the focused tests catch plausible single-point bugs in the core.

Each mutation replaces one piece of source text (found exactly once) with a
plausible bug, runs the tests that should catch it, and restores the file. A
mutation whose tests still pass *survived*: a bug of that kind would go
unnoticed. A mutation whose text is no longer in the source (the code moved or
changed) is reported as *vanished* and skipped: update its pattern.

Run from the repository root::

    python tools/mutation_check.py               # every mutation
    python tools/mutation_check.py -k dropout    # those whose name has "dropout"
    python tools/mutation_check.py --list        # which ones apply, run nothing

The exit status is 1 when a mutation survived or the unmutated tests fail.
"""

import argparse
import importlib.util
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import NamedTuple

ROOT = Path(__file__).resolve().parents[1]


class Mutation(NamedTuple):
    """One single-point bug: ``pattern`` in ``path`` becomes ``replacement``."""

    name: str
    path: str
    pattern: str
    replacement: str
    tests: tuple


ACTIVATION_TESTS = ("tests/test_activations.py", "tests/test_network.py")
LOSS_TESTS = ("tests/test_losses.py", "tests/test_network.py")
OPTIMIZER_TESTS = ("tests/test_optimizers.py",)
NETWORK_TESTS = ("tests/test_network.py", "tests/test_extensions.py")
DROPOUT_TESTS = ("tests/test_extensions.py", "tests/test_network.py", "-k", "dropout")
EXTENSION_TESTS = ("tests/test_extensions.py",)
GATHER_TESTS = ("tests/test_fast_path.py", "tests/test_parity.py", "-k", "sklearn")
CHUNK_TESTS = ("tests/test_fast_path.py", "-k", "chunked")
WARM_START_TESTS = ("tests/test_parity.py", "-k", "warm_start")
STOPPING_TESTS = ("tests/test_parity.py", "-k", "stochastic and (adaptive or early)")
COMPILED_TESTS = ("tests/test_compiled.py",)
ARRAY_API_TESTS = ("tests/test_array_api.py",)
ONNX_TESTS = ("tests/test_onnx.py", "-k", "activation")

ACTIVATIONS = "skperceptron/_activations.py"
LOSSES = "skperceptron/_losses.py"
OPTIMIZERS = "skperceptron/_optimizers.py"
NETWORK = "skperceptron/_network.py"
KERNELS = "skperceptron/_kernels.py"
MLP = "skperceptron/_mlp.py"
BASE = "skperceptron/_base.py"
PREDICTION = "skperceptron/_prediction.py"
COMPILED = "skperceptron/_compiled.py"
TRAINING = "skperceptron/_training.py"
ONNX = "skperceptron/onnx.py"
BACKENDS = "skperceptron/_backends.py"
UTILS = "skperceptron/utils.py"


def _mutations(path, tests, *triples):
    return [Mutation(name, path, old, new, tests) for name, old, new in triples]


MUTATIONS = [
    *_mutations(
        ACTIVATIONS,
        ACTIVATION_TESTS,
        ("relu-is-min", "np.maximum(z, 0, out=z)", "np.minimum(z, 0, out=z)"),
        (
            "softmax-subtracts-min",
            "z -= z.max(axis=1, keepdims=True)",
            "z -= z.min(axis=1, keepdims=True)",
        ),
        (
            "softmax-normalises-columns",
            "z /= z.sum(axis=1, keepdims=True)",
            "z /= z.sum(axis=0, keepdims=True)",
        ),
        (
            "logistic-derivative-1-plus-a",
            "delta *= np.subtract(1, a, out=factor)",
            "delta *= np.add(1, a, out=factor)",
        ),
        (
            "tanh-derivative-1-plus-a2",
            "delta *= np.subtract(1, square, out=square)",
            "delta *= np.add(1, square, out=square)",
        ),
        (
            "relu-derivative-at-zero",
            "delta *= np.greater(a, 0, out=factor)",
            "delta *= np.greater_equal(a, 0, out=factor)",
        ),
        (
            "logistic-derivative-overwrites-a",
            "np.subtract(1, a, out=factor)",
            "np.subtract(1, a, out=a)",
        ),
        # The activations of ours (their names all start "ours-").
        (
            "ours-leaky-relu-derivative-without-slope",
            "delta *= np.maximum(factor, LEAKY_RELU_SLOPE, out=factor)",
            "delta *= np.maximum(factor, 0, out=factor)",
        ),
        (
            "ours-elu-derivative-expm1",
            "delta *= np.exp(factor, out=factor)",
            "delta *= np.expm1(factor, out=factor)",
        ),
        (
            "ours-gelu-derivative-without-density",
            "    z += factor\n    delta *= z",
            "    delta *= z",
        ),
        (
            "ours-silu-derivative-without-1",
            "    factor += 1\n    delta *= factor",
            "    delta *= factor",
        ),
        (
            "ours-softplus-without-max",
            "    _softplus_up_to(z, out)\n    np.maximum(z, out, out=out)",
            "    _softplus_up_to(z, out)",
        ),
        (
            "ours-softplus-overflows",
            "np.minimum(z, _SOFTPLUS_LINEAR_FROM, out=out)",
            "np.copyto(out, z)",
        ),
        (
            "ours-mish-derivative-1-plus-t2",
            "np.subtract(1, z, out=z)",
            "np.add(1, z, out=z)",
        ),
    ),
    *_mutations(
        ACTIVATIONS,
        ARRAY_API_TESTS,
        (
            "ours-array-api-gelu-derivative-without-density",
            "return _normal_cdf_xp(z, xp) + z * xp.exp(z * z * -0.5) * _INV_SQRT_2PI",
            "return _normal_cdf_xp(z, xp)",
        ),
    ),
    *_mutations(
        COMPILED,
        COMPILED_TESTS,
        (
            "ours-compiled-leaky-relu-derivative-without-slope",
            "delta[i, j] = value * (one if z[i, j] > zero else slope)",
            "delta[i, j] = value * (one if z[i, j] > zero else zero)",
        ),
    ),
    *_mutations(
        ONNX,
        ONNX_TESTS,
        (
            "ours-onnx-softplus-without-max",
            "return OnnxMax(z, _softplus_up_to(z, opset, dtype), op_version=opset)",
            "return _softplus_up_to(z, opset, dtype)",
        ),
    ),
    *_mutations(
        LOSSES,
        LOSS_TESTS,
        (
            "squared-error-not-halved",
            "return 0.5 * kernels.weighted_total(residual, residual, sample_weight)",
            "return kernels.weighted_total(residual, residual, sample_weight)",
        ),
        (
            "poisson-sign",
            "kernels.xlogy(y, y) - y * log_out - y + out",
            "kernels.xlogy(y, y) - y * log_out - y - out",
        ),
        (
            "binary-log-loss-negative-term",
            "xlogy(1 - y, 1 - prob)",
            "xlogy(1 - y, prob)",
        ),
    ),
    # The losses' reductions and clipping are NumPy kernels.
    *_mutations(
        KERNELS,
        LOSS_TESTS,
        (
            "weighted-mean-over-count",
            "np.dot(sample_weight, per_sample) / sample_weight.sum()",
            "np.dot(sample_weight, per_sample) / len(sample_weight)",
        ),
        (
            "mean-over-all-entries",
            "float(np.vdot(y, values)) / y.shape[0]",
            "float(np.vdot(y, values)) / y.size",
        ),
        ("no-clipping", "eps = np.finfo(prob.dtype).eps", "eps = 0.0"),
    ),
    # The optimizers' element-wise steps are kernels.
    *_mutations(
        KERNELS,
        OPTIMIZER_TESTS,
        (
            "nesterov-without-momentum",
            "self.multiply(velocity, momentum, update_room)",
            "self.multiply(velocity, 1.0, update_room)",
        ),
        ("momentum-ignored", "velocity *= momentum", "velocity *= 0"),
        ("adam-epsilon-sign", "denominator += epsilon", "denominator -= epsilon"),
    ),
    # The compiled kernels, each checked against NumPy's.
    *_mutations(
        COMPILED,
        COMPILED_TESTS,
        (
            "compiled-relu-inverted",
            "z[i, j] = zero if value < zero else value",
            "z[i, j] = zero if value > zero else value",
        ),
        (
            "compiled-softmax-subtracts-min",
            "largest = max(largest, row[j])",
            "largest = min(largest, row[j])",
        ),
        (
            "compiled-relu-derivative-at-zero",
            "delta[i, j] *= one if a[i, j] > zero else zero",
            "delta[i, j] *= one if a[i, j] >= zero else zero",
        ),
        (
            "compiled-dropout-mask-ignored",
            "delta[i, j] * mask[i, j] * (one",
            "delta[i, j] * (one",
        ),
        (
            "compiled-dropout-hash-without-second-key",
            "_lowbias32(np.uint32(_lowbias32(unit) ^ key_1))",
            "_lowbias32(_lowbias32(unit))",
        ),
        (
            "compiled-gather-wrong-rows",
            "out[i, j] = source[row, j]",
            "out[i, j] = source[i, j]",
        ),
        (
            "compiled-output-delta-unscaled",
            "(output[i, j] - Y[i, j]) / scale",
            "(output[i, j] - Y[i, j]) * scale",
        ),
        (
            "compiled-weighted-delta-first-row",
            "* row_scale[i, 0]",
            "* row_scale[0, 0]",
        ),
        (
            "compiled-sum-of-squares",
            "squares += weight * weight",
            "squares += weight",
        ),
        (
            "compiled-decay-sign",
            "grad[i] += weight * factor",
            "grad[i] -= weight * factor",
        ),
        (
            "compiled-adam-epsilon-sign",
            "(np.sqrt(v) + epsilon)",
            "(np.sqrt(v) - epsilon)",
        ),
        (
            "compiled-nesterov-without-momentum",
            "v * momentum - step if nesterov",
            "v - step if nesterov",
        ),
    ),
    *_mutations(
        OPTIMIZERS,
        OPTIMIZER_TESTS,
        (
            "invscaling-off-by-one",
            "/ (time_step + 1) ** self.power_t",
            "/ time_step ** self.power_t",
        ),
        ("adaptive-halves", "self.learning_rate /= 5.0", "self.learning_rate /= 2.0"),
        (
            "adaptive-floor",
            "if self.learning_rate <= 1e-6:",
            "if self.learning_rate <= 1e-5:",
        ),
        (
            "adam-no-second-bias-correction",
            "math.sqrt(1 - self.beta_2**self.t)",
            "math.sqrt(1 - self.beta_2)",
        ),
        (
            "adam-no-first-bias-correction",
            "/ (1 - self.beta_1**self.t)",
            "/ (1 - self.beta_1)",
        ),
        ("adam-counts-twice", "self.t += 1", "self.t += 2"),
        ("sgd-pickles-scratch", '_SCRATCH = ("_step", "_update")', "_SCRATCH = ()"),
    ),
    *_mutations(
        NETWORK,
        NETWORK_TESTS,
        (
            "glorot-factors-swapped",
            'factor = 2.0 if self.activation == "logistic" else 6.0',
            'factor = 6.0 if self.activation == "logistic" else 2.0',
        ),
        (
            "penalty-over-count",
            "loss += _l2_term(alpha, squares, weight_sum)",
            "loss += _l2_term(alpha, squares, n_samples)",
        ),
        (
            "decay-over-count",
            "alpha / weight_sum,",
            "alpha / n_samples,",
        ),
        (
            "penalty-not-halved",
            "return 0.5 * alpha * squares / weight_sum",
            "return alpha * squares / weight_sum",
        ),
        (
            "output-activation-on-hidden",
            "z, intercept, out_activation or self.out_activation",
            "kernels.bias_activation(z, intercept, self.activation),"
            " 0, out_activation or self.out_activation",
        ),
    ),
    # The element-wise steps of the layer loop are NumPy kernels.
    *_mutations(
        KERNELS,
        NETWORK_TESTS,
        ("bias-subtracted", "z += intercept", "z -= intercept"),
        (
            "weights-over-count",
            "np.divide(sample_weight, weight_sum, out=row_scale[:, 0])",
            "np.divide(sample_weight, out.shape[0], out=row_scale[:, 0])",
        ),
        ("backprop-ignores-dropout", "delta *= mask", "delta *= 1"),
    ),
    *_mutations(
        KERNELS,
        DROPOUT_TESTS,
        (
            "dropout-scaled-by-keep-rate",
            "mask *= 1.0 / (1.0 - rate)",
            "mask *= 1.0 - rate",
        ),
        (
            "dropout-rates-reversed",
            "zip(rates, buffers, dropout_keys",
            "zip(rates[::-1], buffers, dropout_keys",
        ),
        (
            "dropout-keeps-with-the-drop-rate",
            "threshold = dropout_threshold(rate)",
            "threshold = dropout_threshold(1 - rate)",
        ),
        (
            "dropout-hash-without-second-key",
            "    hashed ^= keys[1]\n",
            "",
        ),
        (
            "dropout-keys-shared-by-the-layers",
            "zip(rates, buffers, dropout_keys(rng, len(rates)))",
            "zip(rates, buffers, [dropout_keys(rng, 1)[0]] * len(rates))",
        ),
    ),
    *_mutations(
        MLP,
        EXTENSION_TESTS,
        (
            "multilabel-balanced-swapped",
            "weights *= per_class[column]",
            "weights *= per_class[1 - column]",
        ),
    ),
    # The batch gather lives in the core's Batches.
    *_mutations(
        NETWORK,
        GATHER_TESTS,
        (
            "gather-targets-misaligned",
            "gather(self.Y, idx, _rows(self._Y, size))",
            "gather(self.Y, idx[::-1], _rows(self._Y, size))",
        ),
        (
            "gather-weights-misaligned",
            "self.sample_weight, idx, _rows(self._sample_weight, size)",
            "self.sample_weight, idx[::-1], _rows(self._sample_weight, size)",
        ),
    ),
    *_mutations(
        PREDICTION,
        CHUNK_TESTS,
        (
            "last-partial-chunk-dropped",
            "gen_batches(n_samples, chunk)",
            "gen_batches(n_samples - n_samples % chunk, chunk)",
        ),
    ),
    *_mutations(
        BASE,
        WARM_START_TESTS,
        (
            "warm-start-redraws",
            "        if first_pass:\n",
            "        if first_pass or self.warm_start:\n",
        ),
    ),
    # The stopping rules live in the trainer.
    *_mutations(
        TRAINING,
        STOPPING_TESTS,
        (
            "early-stopping-keeps-the-last-epoch",
            "network.params[...] = best_params",
            "best_params[...] = network.params",
        ),
        (
            "tol-rule-without-tol",
            "record.loss_curve[-1] > record.best_loss - self.settings.tol",
            "record.loss_curve[-1] > record.best_loss",
        ),
        (
            "validation-tol-rule-inverted",
            "score < record.best_validation_score + self.settings.tol",
            "score > record.best_validation_score + self.settings.tol",
        ),
    ),
    # Issue 23: kinds of bug an independent probe found unseen by the suite.
    Mutation(
        "array-api-clip-upper-bound-dropped",
        KERNELS,
        "return self.xp.clip(prob, min=eps, max=1 - eps)",
        "return self.xp.clip(prob, min=eps, max=1.0)",
        ("tests/test_array_api.py", "-k", "saturated"),
    ),
    *_mutations(
        KERNELS,
        ("tests/test_lifecycle.py", "-k", "underflowed_mean"),
        (
            "poisson-floor-eps",
            "np.maximum(values, np.finfo(values.dtype).tiny)",
            "np.maximum(values, np.finfo(values.dtype).eps)",
        ),
        (
            "array-api-poisson-floor-eps",
            "xp.clip(values, min=xp.finfo(values.dtype).smallest_normal)",
            "xp.clip(values, min=xp.finfo(values.dtype).eps)",
        ),
    ),
    *_mutations(
        NETWORK,
        ("tests/test_network.py", "-k", "float32_buffers"),
        (
            "float32-ones-in-float64",
            "self.ones = np.ones(batch_size, dtype=dtype) if in_place else None",
            "self.ones = np.ones(batch_size) if in_place else None",
        ),
        (
            "float32-row-scale-in-float64",
            "self.row_scale = kernels.empty((batch_size, 1), dtype)",
            "self.row_scale = kernels.empty((batch_size, 1), np.float64)",
        ),
    ),
    Mutation(
        "early-stopping-tie-is-no-improvement",
        TRAINING,
        "if score < record.best_validation_score + self.settings.tol:",
        "if score <= record.best_validation_score + self.settings.tol:",
        ("tests/test_parity.py", "-k", "tol_zero"),
    ),
    *_mutations(
        TRAINING,
        ("tests/test_validation_loss_curve.py",),
        (
            "validation-loss-unweighted",
            "self.X, self.Y, self.sample_weight, alpha, self.workspace",
            "self.X, self.Y, None, alpha, self.workspace",
        ),
        (
            "validation-loss-without-penalty",
            "validation_objective(self.settings.alpha)",
            "validation_objective(0.0)",
        ),
    ),
    *_mutations(
        "skperceptron/_callbacks.py",
        ("tests/test_callbacks.py",),
        (
            "callback-stop-ignored",
            "stop = self.task.end_subtask(\n            self.current,",
            "stop = False and self.task.end_subtask(\n            self.current,",
        ),
        (
            "epoch-model-not-copied",
            '"coefs_": [copy_array(coef) for coef in coefs],',
            '"coefs_": list(coefs),',
        ),
    ),
    Mutation(
        "namespace-check-ignores-device",
        BACKENDS,
        "return kernels.xp is other.xp and kernels.device == other.device",
        "return kernels.xp is other.xp",
        ("tests/test_array_api.py", "-k", "two_devices"),
    ),
    Mutation(
        "float64-model-predicts-float32-in-float32",
        BASE,
        "dtype = np.result_type(X.dtype, self.coefs_[0].dtype, np.float32)",
        "dtype = np.result_type(X.dtype, np.float32)",
        ("tests/test_parity.py", "-k", "float64_model"),
    ),
    Mutation(
        "eps-check-needs-every-parameter",
        UTILS,
        "if (theta + eps == theta).any():",
        "if (theta + eps == theta).all():",
        ("tests/test_lifecycle.py", "-k", "eps"),
    ),
    Mutation(
        "non-finite-logits-last-class",
        MLP,
        "best[~np.isfinite(logits.max(axis=1))] = 0",
        "best[~np.isfinite(logits.max(axis=1))] = -1",
        ("tests/test_reliability.py", "-k", "overflows or not_finite"),
    ),
]


def applies(mutation, root=ROOT):
    """Return how many times ``mutation.pattern`` occurs in its file."""
    return (root / mutation.path).read_text().count(mutation.pattern)


def run_tests(tests, timeout):
    """Run pytest on ``tests``; return ``(passed, seconds, timed_out)``."""
    # No bytecode is written, so that a mutant's never outlives it.
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
    command = [sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider"]
    started = time.perf_counter()
    try:
        result = subprocess.run(
            [*command, *tests],
            cwd=ROOT,
            env=env,
            capture_output=True,
            timeout=timeout,
        )
    except subprocess.TimeoutExpired:
        return False, time.perf_counter() - started, True
    return result.returncode == 0, time.perf_counter() - started, False


def check(mutation, timeout):
    """Apply ``mutation``, run its tests, restore the file; return the outcome."""
    path = ROOT / mutation.path
    original = path.read_text()
    cached = Path(importlib.util.cache_from_source(str(path)))
    try:
        path.write_text(original.replace(mutation.pattern, mutation.replacement))
        # A bytecode cache with the same size and mtime second would hide it.
        cached.unlink(missing_ok=True)
        passed, seconds, timed_out = run_tests(mutation.tests, timeout)
    finally:
        path.write_text(original)
        cached.unlink(missing_ok=True)
    outcome = "SURVIVED" if passed else ("caught (timeout)" if timed_out else "caught")
    return outcome, seconds


def main(argv=None):
    """Run the mutation check; return the exit status."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-k", default="", help="only mutations whose name has this")
    parser.add_argument("--timeout", type=float, default=300.0, help="per mutation, s")
    parser.add_argument("--list", action="store_true", help="list, run nothing")
    args = parser.parse_args(argv)

    selected = [m for m in MUTATIONS if args.k in m.name]
    counts = {m.name: applies(m) for m in selected}
    vanished = [m for m in selected if counts[m.name] == 0]
    ambiguous = [m for m in selected if counts[m.name] > 1]
    runnable = [m for m in selected if counts[m.name] == 1]
    for mutation in vanished + ambiguous:
        problem = "vanished " if counts[mutation.name] == 0 else "ambiguous"
        print(f"{problem}  {mutation.path}  {mutation.name}")
    if args.list:
        for mutation in runnable:
            print(f"applies    {mutation.path}  {mutation.name}")
        return 0

    tests = sorted({test for m in runnable for test in m.tests if test != "-k"})
    baseline = [t for t in tests if t.startswith("tests/")]
    passed, seconds, _ = run_tests(baseline, args.timeout)
    if not passed:
        print(f"The unmutated tests fail ({' '.join(baseline)}): fix them first.")
        return 1
    print(f"unmutated tests pass ({seconds:.0f} s)")

    survived = []
    for mutation in runnable:
        outcome, seconds = check(mutation, args.timeout)
        print(f"{outcome:<9}  {mutation.path}  {mutation.name}  ({seconds:.0f} s)")
        if outcome == "SURVIVED":
            survived.append(mutation)
    print(
        f"\n{len(runnable) - len(survived)} caught, {len(survived)} survived, "
        f"{len(vanished)} vanished, {len(ambiguous)} ambiguous "
        f"(of {len(selected)} mutations)"
    )
    return 1 if survived else 0


if __name__ == "__main__":
    sys.exit(main())
