"""Input checks shared by the dlcore modules.

Every check raises an error that says what was expected and what came, e.g.
``Linear(784, 100) expected x of shape (N, 784), got (32, 785)``.
"""
import numbers

import numpy as np


def _describe(shape):
    """A shape pattern as text: (N, 784), (5,), (N, ...)."""
    parts = ["..." if d is Ellipsis else str(d) for d in shape]
    return "(" + ", ".join(parts) + ("," if len(shape) == 1 else "") + ")"


def check_array(owner, x, shape=None, dtype=None, name="x"):
    """Return ``x`` as an array of ``dtype`` after checking its type and shape.

    ``shape`` mixes names and sizes: ``("N", 784)`` accepts any N and exactly 784 columns;
    a trailing ``...`` accepts one or more further axes (``("N", ...)``); None accepts any
    shape. Integer and boolean input is converted to ``dtype`` (float32 when None); floats
    keep their precision when ``dtype`` is None.
    """
    x = np.asarray(x)
    if x.dtype == object or not (np.issubdtype(x.dtype, np.integer) or np.issubdtype(x.dtype, np.floating)
                                 or x.dtype == bool):
        raise TypeError(f"{owner} expected {name} to be a real-valued array, got dtype {x.dtype}")
    if shape is not None and not _matches(x.shape, shape):
        raise ValueError(f"{owner} expected {name} of shape {_describe(shape)}, got {_describe(x.shape)}")
    if dtype is None:
        dtype = x.dtype if np.issubdtype(x.dtype, np.floating) else np.float32
    return x.astype(dtype, copy=False)


def _matches(actual, expected):
    """Whether a shape matches a pattern such as ("N", 784) or ("N", ...)."""
    if expected and expected[-1] is Ellipsis:
        expected = expected[:-1]
        if len(actual) <= len(expected):
            return False
        actual = actual[:len(expected)]
    return len(actual) == len(expected) and all(isinstance(d, str) or d == n
                                                 for d, n in zip(expected, actual))


def check_grad(owner, dout, shape):
    """Check that ``dout`` has ``shape``, the shape of the forward output (None before forward)."""
    if shape is None:
        raise RuntimeError(f"{owner}: call the layer on an input, layer(x), before backprop")
    dout = np.asarray(dout)
    if not (np.issubdtype(dout.dtype, np.floating) or np.issubdtype(dout.dtype, np.integer)):
        raise TypeError(f"{owner}.backprop expected dout to be a real-valued array, got dtype {dout.dtype}")
    if dout.shape != shape:
        raise ValueError(f"{owner}.backprop expected dout of shape {_describe(shape)}, "
                         f"got {_describe(dout.shape)}")
    return dout


def check_labels(owner, y, n, num_classes):
    """Check integer class labels: shape (n,), values in [0, num_classes)."""
    y = np.asarray(y)
    if not np.issubdtype(y.dtype, np.integer):
        raise TypeError(f"{owner} expected integer class labels, got dtype {y.dtype}; "
                        "use y.astype(np.int64) or one-hot targets")
    if y.shape != (n,):
        raise ValueError(f"{owner} expected labels of shape ({n},), got {_describe(y.shape)}")
    if y.size and (y.min() < 0 or y.max() >= num_classes):
        raise ValueError(f"{owner} expected labels in [0, {num_classes - 1}], "
                         f"got values from {y.min()} to {y.max()}")
    return y


def check_size(owner, name, value):
    """Check a count (features, channels, kernel size, stride): an integer >= 1."""
    if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value < 1:
        raise ValueError(f"{owner} expected {name} to be a positive integer, got {value!r}")
    return int(value)


def check_positive(owner, name, value, *, allow_zero=False):
    """Check a hyperparameter: a number > 0 (or >= 0 with ``allow_zero``)."""
    if not isinstance(value, (int, float, np.number)) or isinstance(value, bool) \
            or not (value > 0 or (allow_zero and value == 0)):
        bound = ">= 0" if allow_zero else "> 0"
        raise ValueError(f"{owner} expected {name} {bound}, got {value!r}")
    return value


def check_real(name, value):
    """Check a slider value or setting: a finite real number (not a bool); returns it as float."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__} {value!r}")
    value = float(value)
    if not np.isfinite(value):
        raise ValueError(f"{name} must be finite, got {value}")
    return value
