"""Input checks shared by the dlcore modules: one vocabulary, one style of message.

Every check names the object that complains, what it expected and what came, e.g.
``Linear(784, 100) expected x of shape (N, 784), got (32, 785)``. One exception type per
kind of mistake:

- ``TypeError``: a value of the wrong type (a string, None, a bool where a number is
  needed, a float where an integer is needed, an integer or complex dtype where floats are
  needed).
- ``ValueError``: a value of the right type that is wrong: out of its range, nan or
  infinite, an array of the wrong shape.

numpy scalars (``np.float32(0.5)``, ``np.int64(3)``) and 0-d arrays count as the Python
numbers they hold; bools never count as numbers.

The checks (each returns the checked value, converted):

- ``check_int(owner, name, value, low=, high=)``: an integer in [low, high] -> int
- ``check_size(owner, name, value)``: a count >= 1 -> int
- ``check_real(owner, name, value, low=, high=, low_open=, high_open=)``: a finite real
  number in a range -> float (also ``check_real(name, value)``, the explorers' form)
- ``check_positive(owner, name, value, allow_zero=)``: a finite real > 0 (>= 0) -> float
- ``check_bool``, ``check_float_dtype``, ``check_rng``, ``check_shape``
- arrays: ``check_array``, ``check_grad``, ``check_labels``, ``check_finite``
"""
import numbers

import numpy as np

_NO_VALUE = object()


class IntegerTypeError(TypeError, ValueError):
    """A non-integer (2.5, "3", True) where an integer is expected.

    A ``TypeError`` like every wrong type; also a ``ValueError``, the type dlcore raised
    for this mistake before, so that ``except ValueError`` written then still catches it.
    """


def _show(value):
    """A value as a message shows it: numpy scalars as the Python numbers they hold."""
    if isinstance(value, np.generic) or (isinstance(value, np.ndarray) and value.ndim == 0):
        return repr(value.item())
    if isinstance(value, np.ndarray):
        return f"an array of shape {_describe(value.shape)}"
    return repr(value)


def _kind(value):
    return type(value).__name__


def _describe(shape):
    """A shape pattern as text: (N, 784), (5,), (N, ...)."""
    parts = ["..." if d is Ellipsis else str(d) for d in shape]
    return "(" + ", ".join(parts) + ("," if len(shape) == 1 else "") + ")"


def _number(value):
    """The Python number a numpy scalar or 0-d array holds; other values unchanged."""
    if isinstance(value, np.ndarray) and value.ndim == 0:
        value = value[()]
    if isinstance(value, np.generic) and not isinstance(value, np.bool_):
        return value.item()
    return value


def _is_bool(value):
    return isinstance(value, (bool, np.bool_)) or (isinstance(value, np.ndarray) and value.dtype == bool)


def _range_text(low, high, low_open, high_open):
    """"> 0", ">= 0", "< 1", "in [0, 1)"; "" without bounds."""
    if low is not None and high is not None:
        return f"in {'(' if low_open else '['}{low}, {high}{')' if high_open else ']'}"
    if low is not None:
        return f"{'>' if low_open else '>='} {low}"
    if high is not None:
        return f"{'<' if high_open else '<='} {high}"
    return ""


def _fail(error, owner, name, requirement, value):
    """Raise ``error`` saying that ``name`` should meet ``requirement`` ("> 0", "a real number").

    With an owner: "SGD expected lr > 0, got -1"; without (the explorers' check_real):
    "lr must be > 0, got -1".
    """
    if owner is None:
        raise error(f"{name} must be {requirement}, got {value}")
    verb = "" if requirement[:1] in "<>" or requirement.startswith("in ") else "to be "
    raise error(f"{owner} expected {name} {verb}{requirement}, got {value}")


# ----------------------------------------------------------------------------------------
# Numbers

def check_int(owner, name, value, *, low=None, high=None):
    """Check an integer (Python or numpy, not bool) in [low, high]; returns it as int.

    ``Conv2d expected stride to be a positive integer, got 0``. A float, even 2.0, is the
    wrong type (``IntegerTypeError``, a TypeError); out of range is a ValueError.
    """
    if low == 1 and high is None:
        requirement = "a positive integer"
    elif low is not None or high is not None:
        requirement = "an integer " + _range_text(low, high, False, False)
    else:
        requirement = "an integer"
    number = _number(value)
    if _is_bool(value) or not isinstance(number, (int, np.integer)):
        _fail(IntegerTypeError, owner, name, requirement, f"{_show(value)} ({_kind(value)})")
    if (low is not None and number < low) or (high is not None and number > high):
        _fail(ValueError, owner, name, requirement, _show(value))
    return int(number)


def check_size(owner, name, value):
    """Check a count (features, channels, kernel size, stride): an integer >= 1."""
    return check_int(owner, name, value, low=1)


def check_real(owner, name, value=_NO_VALUE, *, low=None, high=None, low_open=False, high_open=False):
    """Check a finite real number (Python or numpy, not bool) in a range; returns it as float.

    ``check_real("Adam", "beta1", b, low=0, high=1, high_open=True)`` accepts b in [0, 1):
    ``Adam expected beta1 in [0, 1), got 1.5``. nan and inf are refused (ValueError), a
    string, None or a bool too (TypeError).

    ``check_real(name, value)`` (no owner), as the explorers call it, words the message
    ``alpha must be a real number, got str 'a'`` / ``alpha must be finite, got inf``.
    """
    if value is _NO_VALUE:
        owner, name, value = None, owner, name
    number = _number(value)
    if _is_bool(value) or not isinstance(number, numbers.Real):
        shown = f"{_kind(value)} {_show(value)}" if owner is None else f"{_show(value)} ({_kind(value)})"
        _fail(TypeError, owner, name, "a real number", shown)
    number = float(number)
    bounds = _range_text(low, high, low_open, high_open)
    if not np.isfinite(number):
        _fail(ValueError, owner, name, "finite" if owner is None or not bounds else f"a finite number {bounds}",
              _show(value))
    if ((low is not None and (number < low or (low_open and number == low)))
            or (high is not None and (number > high or (high_open and number == high)))):
        _fail(ValueError, owner, name, bounds, _show(value))
    return number


def check_positive(owner, name, value, *, allow_zero=False):
    """Check a hyperparameter: a finite number > 0 (>= 0 with ``allow_zero``); returns a float."""
    return check_real(owner, name, value, low=0, low_open=not allow_zero)


def check_bool(owner, name, value):
    """Check a flag: True or False (numpy bools too); returns a bool."""
    if not _is_bool(value) or np.ndim(value) != 0:
        _fail(TypeError, owner, name, "True or False", f"{_show(value)} ({_kind(value)})")
    return bool(value)


def check_float_dtype(owner, dtype, name="dtype"):
    """Check a floating-point dtype (np.float32, "float64", ...); returns the np.dtype."""
    try:
        result = np.dtype(dtype)
    except TypeError:
        result = None
    if result is None or dtype is None or not np.issubdtype(result, np.floating):
        got = str(result) if result is not None and dtype is not None else f"{_show(dtype)}"
        _fail(TypeError, owner, name, "a floating-point type such as np.float32 or np.float64", got)
    return result


def check_rng(owner, rng):
    """Check a source of randomness: a numpy Generator, an integer seed >= 0, or None
    (fresh entropy); returns a ``numpy.random.Generator``."""
    if isinstance(rng, np.random.Generator):
        return rng
    if rng is None or isinstance(rng, (np.random.BitGenerator, np.random.SeedSequence)):
        return np.random.default_rng(rng)
    seed = _number(rng)
    if _is_bool(rng) or not isinstance(seed, (int, np.integer)):
        raise TypeError(f"{owner} expected rng to be a numpy.random.Generator, an integer seed or None, "
                        f"got {_show(rng)} ({_kind(rng)})")
    if seed < 0:
        raise ValueError(f"{owner} expected rng to be a numpy.random.Generator, an integer seed >= 0 or None, "
                         f"got {seed}")
    return np.random.default_rng(seed)


def check_shape(owner, shape, *, name="shape", low=0):
    """Check an array shape: a tuple (or list) of integers >= low, or one integer; returns a tuple."""
    if isinstance(shape, (int, np.integer)) and not _is_bool(shape):
        shape = (shape,)
    if not isinstance(shape, (tuple, list)):
        raise TypeError(f"{owner} expected {name} to be a tuple of integers, got {_show(shape)} ({_kind(shape)})")
    return tuple(check_int(owner, f"{name}[{i}]", d, low=low) for i, d in enumerate(shape))


# ----------------------------------------------------------------------------------------
# Arrays

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
    """Check that ``dout`` has ``shape``, the shape of the forward output (None before forward,
    and after ``train()``/``eval()`` changed the layer's mode)."""
    if shape is None:
        raise RuntimeError(f"{owner}: call the layer on an input, layer(x), before backprop "
                           "(again after train() or eval() changed its mode)")
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


def check_finite(owner, x, name="x"):
    """Check that an array holds no nan or inf: ``mse expected finite y, got 2 nan or inf values``."""
    bad = x.size - int(np.count_nonzero(np.isfinite(x)))
    if bad:
        raise ValueError(f"{owner} expected finite {name}, got {bad} nan or inf value{'s' if bad > 1 else ''}")
    return x
