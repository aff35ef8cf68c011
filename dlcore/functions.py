"""Activation functions, softmax and losses, each next to its derivative.

All functions are pure: they take arrays and return new arrays, never changing their input.
Activations work elementwise on any shape; ``f_grad(x)`` is the derivative df/dx at ``x``.
Losses take predictions ``y_hat`` and targets ``y`` and return a float averaged over the
batch; ``loss_grad(y_hat, y)`` returns d loss / d y_hat with the shape of ``y_hat``.
"""
import numpy as np

from ._checks import (IntegerTypeError, check_array, check_bool, check_int, check_labels, check_positive,
                      check_real)


# ----------------------------------------------------------------------------------------
# Activations (taught in chapter 2, Neural networks and activations)

def step(x):
    """Step function: 1 where x > 0, else 0. Taught in chapter 1, Perceptron."""
    x = np.asarray(x)
    return (x > 0).astype(x.dtype if np.issubdtype(x.dtype, np.floating) else np.float64)


def step_grad(x):
    """Derivative of the step function: 0 everywhere (undefined at 0), so it cannot be trained
    by gradient descent. Taught in chapter 2."""
    return np.zeros_like(step(x))


def sigmoid(x):
    """Logistic sigmoid 1 / (1 + exp(-x)), in (0, 1). Taught in chapter 2.

    Computed as 0.5 * (1 + tanh(x / 2)), the same function, which never overflows.
    """
    return 0.5 * (1.0 + np.tanh(0.5 * np.asarray(x)))


def sigmoid_grad(x):
    """Derivative s(x) * (1 - s(x)) of the sigmoid; at most 0.25 (at x = 0). Chapter 2."""
    s = sigmoid(x)
    return s * (1.0 - s)


def tanh(x):
    """Hyperbolic tangent, in (-1, 1) and zero-centred. Taught in chapter 2."""
    return np.tanh(x)


def tanh_grad(x):
    """Derivative 1 - tanh(x)**2 of tanh; at most 1 (at x = 0). Chapter 2."""
    return 1.0 - np.tanh(x) ** 2


def relu(x):
    """Rectified linear unit max(0, x). Taught in chapter 2."""
    return np.maximum(x, 0)


def relu_grad(x):
    """Derivative of ReLU: 1 where x > 0, else 0 (0 is used at x = 0). Chapter 2."""
    return step(x)


def leaky_relu(x, negative_slope=0.01):
    """Leaky ReLU: x where x > 0, else negative_slope * x. Taught in chapter 2."""
    check_real("leaky_relu", "negative_slope", negative_slope)
    x = np.asarray(x)
    return np.where(x > 0, x, negative_slope * x)


def leaky_relu_grad(x, negative_slope=0.01):
    """Derivative of leaky ReLU: 1 where x > 0, else negative_slope. Chapter 2."""
    check_real("leaky_relu_grad", "negative_slope", negative_slope)
    x = np.asarray(x)
    return np.where(x > 0, 1.0, negative_slope).astype(step(x).dtype)


def elu(x, alpha=1.0):
    """Exponential linear unit: x where x > 0, else alpha * (exp(x) - 1). Chapter 2."""
    check_positive("elu", "alpha", alpha, allow_zero=True)
    x = np.asarray(x)
    return np.where(x > 0, x, alpha * np.expm1(np.minimum(x, 0)))


def elu_grad(x, alpha=1.0):
    """Derivative of ELU: 1 where x > 0, else alpha * exp(x). Chapter 2."""
    check_positive("elu_grad", "alpha", alpha, allow_zero=True)
    x = np.asarray(x)
    return np.where(x > 0, 1.0, alpha * np.exp(np.minimum(x, 0))).astype(step(x).dtype)


def identity(x):
    """Identity x, the output activation for regression. Taught in chapter 2."""
    return np.asarray(x)


def identity_grad(x):
    """Derivative of the identity: 1 everywhere. Chapter 2."""
    return np.ones_like(step(x))


def softmax(x, axis=-1):
    """Softmax along ``axis`` (the last by default): exp(x) / sum(exp(x)), rows sum to 1.

    x: (..., K) scores (logits) -> (..., K) probabilities. Subtracting the row maximum first
    changes nothing mathematically and keeps exp from overflowing. Taught in chapter 2.
    """
    x = np.asarray(x)
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def softmax_grad(x):
    """Jacobian of the softmax of the last axis: x (..., K) -> (..., K, K),
    J[i, j] = s_i * (delta_ij - s_j). Taught in chapter 2."""
    s = softmax(x)
    return s[..., :, None] * (np.eye(s.shape[-1], dtype=s.dtype) - s[..., None, :])


def log_softmax(x, axis=-1):
    """log(softmax(x)) computed stably as (x - max) - log(sum(exp(x - max))). Chapter 3."""
    x = np.asarray(x)
    z = x - x.max(axis=axis, keepdims=True)
    return z - np.log(np.exp(z).sum(axis=axis, keepdims=True))


# ----------------------------------------------------------------------------------------
# Losses (taught in chapter 3, Losses)

def _same_shape(name, y_hat, y):
    """Regression pair: y_hat and y as float arrays of the same shape.

    nan or inf values (in y_hat or y) are let through: the loss becomes nan or inf, which
    nobody can miss, and ``fit`` then names the data as the cause.
    """
    y_hat = check_array(name, y_hat, np.shape(y_hat), name="y_hat")
    y = check_array(name, y, y_hat.shape, y_hat.dtype, name="y (same shape as y_hat)")
    return y_hat, y


def _binary_targets(name, z, y):
    """Scores z and targets y of the same shape, y in [0, 1]: a target of -1 or 2 would
    give an unbounded negative loss (nan passes, as in ``_same_shape``)."""
    z, y = _same_shape(name, z, y)
    finite = y[np.isfinite(y)]
    if finite.size and (finite.min() < 0 or finite.max() > 1):
        raise ValueError(f"{name} expected targets y in [0, 1], got values from "
                         f"{finite.min():.4g} to {finite.max():.4g}")
    return z, y


def mse(y_hat, y):
    """Mean squared error mean((y_hat - y)**2) over all elements. Taught in chapter 3."""
    y_hat, y = _same_shape("mse", y_hat, y)
    return float(np.mean((y_hat - y) ** 2))


def mse_grad(y_hat, y):
    """Gradient of ``mse``: 2 (y_hat - y) / y_hat.size. Chapter 3."""
    y_hat, y = _same_shape("mse_grad", y_hat, y)
    return 2.0 * (y_hat - y) / y_hat.size


def mae(y_hat, y):
    """Mean absolute error mean(|y_hat - y|); robust to outliers. Taught in chapter 3."""
    y_hat, y = _same_shape("mae", y_hat, y)
    return float(np.mean(np.abs(y_hat - y)))


def mae_grad(y_hat, y):
    """Gradient of ``mae``: sign(y_hat - y) / y_hat.size (0 where they are equal). Chapter 3."""
    y_hat, y = _same_shape("mae_grad", y_hat, y)
    return np.sign(y_hat - y) / y_hat.size


def huber(y_hat, y, delta=1.0):
    """Huber loss: squared error 0.5 d**2 for |d| <= delta, linear delta (|d| - delta/2)
    beyond, averaged over all elements (d = y_hat - y). Taught in chapter 3."""
    check_positive("huber", "delta", delta)
    y_hat, y = _same_shape("huber", y_hat, y)
    a = np.abs(y_hat - y)
    return float(np.mean(np.where(a <= delta, 0.5 * a ** 2, delta * (a - 0.5 * delta))))


def huber_grad(y_hat, y, delta=1.0):
    """Gradient of ``huber``: clip(y_hat - y, -delta, delta) / y_hat.size. Chapter 3."""
    check_positive("huber_grad", "delta", delta)
    y_hat, y = _same_shape("huber_grad", y_hat, y)
    return np.clip(y_hat - y, -delta, delta) / y_hat.size


def one_hot(y: np.ndarray, num_classes: int) -> np.ndarray:
    """Integer labels (N,) -> one-hot float32 matrix (N, num_classes). Chapter 3."""
    num_classes = check_int("one_hot", "num_classes", num_classes, low=1)
    y = np.asarray(y)
    if y.ndim != 1 or not np.issubdtype(y.dtype, np.integer):
        error = ValueError if np.issubdtype(y.dtype, np.integer) else IntegerTypeError
        raise error(f"one_hot expected integer labels of shape (N,), got dtype {y.dtype} shape {y.shape}")
    if y.size and (y.min() < 0 or y.max() >= num_classes):
        raise ValueError(f"labels must be in 0..{num_classes - 1}, got values from {y.min()} to {y.max()}")
    out = np.zeros((len(y), num_classes), dtype=np.float32)
    out[np.arange(len(y)), y] = 1.0
    return out


def _class_targets(name, y_hat, y):
    """y_hat as a (N, K) float batch and y as (N, K) target rows (from labels or one-hot)."""
    y_hat = np.asarray(y_hat)
    single = y_hat.ndim == 1
    y_hat = check_array(name, y_hat[None] if single else y_hat, ("N", "K"), name="y_hat")
    y = np.asarray(y)
    if y.ndim == y_hat.ndim - 1 - single:  # class labels
        labels = check_labels(name, y.reshape(-1), y_hat.shape[0], y_hat.shape[1])
        t = one_hot(labels, y_hat.shape[1]).astype(y_hat.dtype, copy=False)
    else:
        t = check_array(name, y[None] if single else y, y_hat.shape, y_hat.dtype,
                        name="y (integer labels (N,) or one-hot rows of y_hat's shape)")
        _distributions(name, t)
    return y_hat, t


def _distributions(name, t):
    """Target rows must be probability distributions (one-hot, or soft labels): entries
    >= 0 summing to 1. Otherwise (softmax(y_hat) - t) / N is not the gradient of the loss.
    Rows holding nan or inf pass, as in ``_same_shape``: the loss shows them."""
    rows = np.isfinite(t).all(axis=1)
    if rows.any() and t[rows].min() < 0:
        raise ValueError(f"{name} expected target rows y with entries >= 0 (one-hot or probabilities), "
                         f"got a minimum of {t[rows].min():.4g}")
    with np.errstate(invalid="ignore"):
        sums = np.where(rows, t.sum(axis=1), 1.0)
    worst = int(np.argmax(np.abs(sums - 1))) if len(sums) else 0
    if len(sums) and abs(sums[worst] - 1) > 1e-3:
        raise ValueError(f"{name} expected target rows y summing to 1 (one-hot or probabilities), "
                         f"got row {worst} summing to {sums[worst]:.4g}")


def _probabilities(name, p):
    if p.size and (p.min() < 0 or p.max() > 1):
        raise ValueError(f"{name} expected probabilities in [0, 1], got values from "
                         f"{p.min():.4g} to {p.max():.4g}; pass from_logits=True for raw scores")
    return p


def _check_options(name, from_logits, eps):
    check_bool(name, "from_logits", from_logits)
    check_positive(name, "eps", eps, allow_zero=True)


def cross_entropy(y_hat, y, *, from_logits=False, eps=1e-7):
    """Cross-entropy -mean over the batch of sum_k t_k log p_k. Taught in chapter 3.

    y_hat: (N, K) probabilities (rows of a softmax), or raw scores with ``from_logits=True``
    (then computed stably through ``log_softmax``); a single sample (K,) is also accepted.
    y: (N,) integer class labels or (N, K) one-hot rows.
    ``eps`` guards against log(0) = -inf for probabilities: log(p + eps).
    """
    _check_options("cross_entropy", from_logits, eps)
    y_hat, t = _class_targets("cross_entropy", y_hat, y)
    if from_logits:
        log_p = log_softmax(y_hat)
    else:
        log_p = np.log(_probabilities("cross_entropy", y_hat) + eps)
    return float(-np.sum(t * log_p) / y_hat.shape[0])


def cross_entropy_grad(y_hat, y, *, from_logits=False, eps=1e-7):
    """Gradient of ``cross_entropy`` with respect to y_hat, shape (N, K).

    From logits it is the famous (softmax(y_hat) - t) / N (chapter 5); from probabilities
    it is -t / (p + eps) / N.
    """
    _check_options("cross_entropy_grad", from_logits, eps)
    shape = np.shape(y_hat)
    y_hat, t = _class_targets("cross_entropy_grad", y_hat, y)
    if from_logits:
        g = softmax(y_hat) - t
    else:
        g = -t / (_probabilities("cross_entropy_grad", y_hat) + eps)
    return (g / y_hat.shape[0]).reshape(shape)


def binary_cross_entropy_with_logits(z, y):
    """Binary cross-entropy of sigmoid(z) against targets y in {0, 1} (or probabilities in
    [0, 1]), averaged over all elements; computed stably as
    max(z, 0) - z y + log(1 + exp(-|z|)). Chapter 3."""
    z, y = _binary_targets("binary_cross_entropy_with_logits", z, y)
    return float(np.mean(np.maximum(z, 0) - z * y + np.log1p(np.exp(-np.abs(z)))))


def binary_cross_entropy_with_logits_grad(z, y):
    """Gradient of ``binary_cross_entropy_with_logits``: (sigmoid(z) - y) / z.size."""
    z, y = _binary_targets("binary_cross_entropy_with_logits_grad", z, y)
    return (sigmoid(z) - y) / z.size
