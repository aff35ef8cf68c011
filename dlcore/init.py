"""Weight initializers. Taught in chapter 7, Weight initialization.

Each initializer is ``f(shape, rng, ...) -> ndarray`` with ``rng`` a seeded
``numpy.random.Generator`` (``np.random.default_rng(0)``, or just the seed) and float32
by default.

Fan-in and fan-out follow dlcore's weight layouts:
Linear ``W: (in_features, out_features)`` has fan_in = in_features, fan_out = out_features;
Conv2d ``W: (out_channels, in_channels, kh, kw)`` has fan_in = in_channels * kh * kw and
fan_out = out_channels * kh * kw.

Every setting is checked (a shape of integers, a floating-point dtype, a finite std >= 0,
low < high, a seed or Generator): a bad one raises TypeError or ValueError naming it.
"""
import numbers

import numpy as np

from ._checks import _show, check_float_dtype, check_real, check_rng, check_shape


def fans(shape):
    """(fan_in, fan_out) of a weight of ``shape``: 2-D (in, out) or 4-D (out, in, kh, kw)."""
    if not isinstance(shape, (tuple, list)) or len(shape) not in (2, 4):
        raise ValueError(f"fans expected a 2-D (in, out) or 4-D (out, in, kh, kw) weight shape, got {shape}")
    shape = check_shape("fans", shape, low=1)  # a size of 0 would divide by a fan of 0
    if len(shape) == 2:
        return shape[0], shape[1]
    if len(shape) == 4:
        window = shape[2] * shape[3]
        return shape[1] * window, shape[0] * window
    raise ValueError(f"fans expected a 2-D (in, out) or 4-D (out, in, kh, kw) weight shape, got {shape}")


def zeros(shape, rng=None, *, dtype=np.float32):
    """All zeros: every unit computes the same thing (the symmetry problem of chapter 7)."""
    return np.zeros(check_shape("zeros", shape), dtype=check_float_dtype("zeros", dtype))


def constant(shape, rng=None, *, value=0.0, dtype=np.float32):
    """Every entry equal to ``value``."""
    value = check_real("constant", "value", value)
    return np.full(check_shape("constant", shape), value, dtype=check_float_dtype("constant", dtype))


def normal(shape, rng, *, std=0.01, mean=0.0, dtype=np.float32):
    """Gaussian N(mean, std**2) entries; std = 0.01 and std = 1 are chapter 7's examples."""
    std = check_real("normal", "std", std, low=0)
    mean = check_real("normal", "mean", mean)
    shape, dtype = check_shape("normal", shape), check_float_dtype("normal", dtype)
    return check_rng("normal", rng).normal(mean, std, size=shape).astype(dtype)


def uniform(shape, rng, *, low=-0.05, high=0.05, dtype=np.float32):
    """Uniform entries in [low, high)."""
    low, high = check_real("uniform", "low", low), check_real("uniform", "high", high)
    if not low < high:
        raise ValueError(f"uniform expected low < high, got low={low}, high={high}")
    shape, dtype = check_shape("uniform", shape), check_float_dtype("uniform", dtype)
    return check_rng("uniform", rng).uniform(low, high, size=shape).astype(dtype)


def _check_gain(owner, gain):
    return check_real(owner, "gain", gain, low=0, low_open=True)


def xavier_normal(shape, rng, *, gain=1.0, dtype=np.float32):
    """Xavier/Glorot normal: std = gain * sqrt(2 / (fan_in + fan_out)); for tanh and sigmoid."""
    fan_in, fan_out = fans(shape)
    return normal(shape, rng, std=gain * np.sqrt(2.0 / (fan_in + fan_out)), dtype=dtype)


def xavier_uniform(shape, rng, *, gain=1.0, dtype=np.float32):
    """Xavier/Glorot uniform in [-a, a] with a = gain * sqrt(6 / (fan_in + fan_out))."""
    gain = _check_gain("xavier_uniform", gain)
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


INITIALIZERS = {"zeros": zeros, "constant": constant, "normal": normal, "uniform": uniform,
                "xavier": xavier_normal, "xavier_normal": xavier_normal, "xavier_uniform": xavier_uniform,
                "he": he_normal, "he_normal": he_normal, "he_uniform": he_uniform}


def initialize(method, shape, rng, dtype=np.float32):
    """A weight of ``shape`` made by ``method``, as layers accept it in ``init=``:
    a name from ``INITIALIZERS`` ("he", "xavier", ...), a number (the std of a normal
    initializer, e.g. 0.01 or np.float32(0.01)), or a function ``f(shape, rng)`` returning
    finite real numbers of that shape."""
    dtype = check_float_dtype("initialize", dtype)
    if callable(method):
        w = np.asarray(method(shape, rng))
        if w.dtype == object or not (np.issubdtype(w.dtype, np.floating) or np.issubdtype(w.dtype, np.integer)):
            raise TypeError(f"init function returned an array of dtype {w.dtype}, expected real numbers")
        if w.shape != tuple(shape):
            raise ValueError(f"init function returned shape {w.shape}, expected {tuple(shape)}")
        if not np.all(np.isfinite(w)):
            raise ValueError("init function returned nan or inf values")
        return w.astype(dtype)
    if isinstance(method, str):
        if method not in INITIALIZERS:
            raise ValueError(f"initialize got an unknown init {method!r}; expected one of {sorted(INITIALIZERS)}, "
                             "a std (float) or a function f(shape, rng)")
        return INITIALIZERS[method](shape, rng, dtype=dtype)
    if isinstance(method, (numbers.Real, np.ndarray)) and not isinstance(method, (bool, np.bool_)) \
            and np.ndim(method) == 0:
        return normal(shape, rng, std=check_real("initialize", "init (a std)", method, low=0), dtype=dtype)
    raise TypeError(f"initialize expected init to be a name from {sorted(INITIALIZERS)}, a std (float) or a "
                    f"function f(shape, rng), got {_show(method)} ({type(method).__name__})")
