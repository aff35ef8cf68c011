"""Weight initializers. Taught in chapter 7, Weight initialization.

Each initializer is ``f(shape, rng, ...) -> ndarray`` with ``rng`` a seeded
``numpy.random.Generator`` (``np.random.default_rng(0)``, or just the seed) and float32
by default.

Fan-in and fan-out follow dlcore's weight layouts:
Linear ``W: (in_features, out_features)`` has fan_in = in_features, fan_out = out_features;
Conv2d ``W: (out_channels, in_channels, kh, kw)`` has fan_in = in_channels * kh * kw and
fan_out = out_channels * kh * kw.
"""
import numpy as np


def fans(shape):
    """(fan_in, fan_out) of a weight of ``shape``: 2-D (in, out) or 4-D (out, in, kh, kw)."""
    shape = tuple(shape)
    if len(shape) == 2:
        return shape[0], shape[1]
    if len(shape) == 4:
        window = shape[2] * shape[3]
        return shape[1] * window, shape[0] * window
    raise ValueError(f"fans expected a 2-D (in, out) or 4-D (out, in, kh, kw) weight shape, got {shape}")


def zeros(shape, rng=None, *, dtype=np.float32):
    """All zeros: every unit computes the same thing (the symmetry problem of chapter 7)."""
    return np.zeros(shape, dtype=dtype)


def constant(shape, rng=None, *, value=0.0, dtype=np.float32):
    """Every entry equal to ``value``."""
    return np.full(shape, value, dtype=dtype)


def normal(shape, rng, *, std=0.01, mean=0.0, dtype=np.float32):
    """Gaussian N(mean, std**2) entries; std = 0.01 and std = 1 are chapter 7's examples."""
    return np.random.default_rng(rng).normal(mean, std, size=shape).astype(dtype)


def uniform(shape, rng, *, low=-0.05, high=0.05, dtype=np.float32):
    """Uniform entries in [low, high)."""
    return np.random.default_rng(rng).uniform(low, high, size=shape).astype(dtype)


def xavier_normal(shape, rng, *, gain=1.0, dtype=np.float32):
    """Xavier/Glorot normal: std = gain * sqrt(2 / (fan_in + fan_out)); for tanh and sigmoid."""
    fan_in, fan_out = fans(shape)
    return normal(shape, rng, std=gain * np.sqrt(2.0 / (fan_in + fan_out)), dtype=dtype)


def xavier_uniform(shape, rng, *, gain=1.0, dtype=np.float32):
    """Xavier/Glorot uniform in [-a, a] with a = gain * sqrt(6 / (fan_in + fan_out))."""
    fan_in, fan_out = fans(shape)
    a = gain * np.sqrt(6.0 / (fan_in + fan_out))
    return uniform(shape, rng, low=-a, high=a, dtype=dtype)


def he_normal(shape, rng, *, dtype=np.float32):
    """He/Kaiming normal: std = sqrt(2 / fan_in); keeps the variance through ReLU layers."""
    fan_in, _ = fans(shape)
    return normal(shape, rng, std=np.sqrt(2.0 / fan_in), dtype=dtype)


def he_uniform(shape, rng, *, dtype=np.float32):
    """He/Kaiming uniform in [-a, a] with a = sqrt(6 / fan_in)."""
    fan_in, _ = fans(shape)
    a = np.sqrt(6.0 / fan_in)
    return uniform(shape, rng, low=-a, high=a, dtype=dtype)


INITIALIZERS = {"zeros": zeros, "normal": normal, "uniform": uniform,
                "xavier": xavier_normal, "xavier_normal": xavier_normal, "xavier_uniform": xavier_uniform,
                "he": he_normal, "he_normal": he_normal, "he_uniform": he_uniform}


def initialize(method, shape, rng, dtype=np.float32):
    """A weight of ``shape`` made by ``method``, as layers accept it in ``init=``:
    a name from ``INITIALIZERS`` ("he", "xavier", ...), a number (the std of a normal
    initializer, e.g. 0.01), or a function ``f(shape, rng)``."""
    if callable(method):
        w = np.asarray(method(shape, rng), dtype=dtype)
        if w.shape != tuple(shape):
            raise ValueError(f"init function returned shape {w.shape}, expected {tuple(shape)}")
        return w
    if isinstance(method, (int, float)) and not isinstance(method, bool):
        return normal(shape, rng, std=method, dtype=dtype)
    if method not in INITIALIZERS:
        raise ValueError(f"unknown init {method!r}; expected one of {sorted(INITIALIZERS)}, "
                         "a std (float) or a function f(shape, rng)")
    return INITIALIZERS[method](shape, rng, dtype=dtype)
