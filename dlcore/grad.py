"""Numerical gradients and gradient checking.

Numerical differentiation is taught in chapter 4, Gradient descent; gradient checking in
chapter 5, Backpropagation. Use float64: with float32 rounding error swamps the check.
"""
import numpy as np

from ._checks import check_positive


def numerical_gradient(f, x, h=1e-5):
    """Central-difference gradient of the scalar function f at the array x.

    df/dx_i ~ (f(x + h e_i) - f(x - h e_i)) / (2 h) for every entry i of x (any shape).
    ``f`` is called as ``f(x)``; x is changed in place during the computation and restored
    afterwards, so f may also ignore its argument and read x from elsewhere (a model's
    parameter). Returns an array of x's shape.
    """
    if not isinstance(x, np.ndarray) or not np.issubdtype(x.dtype, np.floating):
        raise TypeError(f"numerical_gradient expected a floating-point numpy array x, "
                        f"got {type(x).__name__} of dtype {getattr(x, 'dtype', None)}")
    grad = np.zeros_like(x)
    flat, g = x.reshape(-1), grad.reshape(-1)  # views: x must be contiguous to be edited
    if not np.shares_memory(flat, x):
        raise ValueError("numerical_gradient needs a contiguous array x; pass np.ascontiguousarray(x)")
    for i in range(flat.size):
        original = flat[i]
        flat[i] = original + h
        f_plus = f(x)
        flat[i] = original - h
        f_minus = f(x)
        flat[i] = original
        g[i] = (f_plus - f_minus) / (2 * h)
    return grad


def relative_error(a, b):
    """||a - b|| / (||a|| + ||b||), 0 when both are 0: below 1e-7 means the two agree."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError(f"relative_error expected arrays of the same shape, got {a.shape} and {b.shape}")
    denominator = np.linalg.norm(a) + np.linalg.norm(b)
    return 0.0 if denominator == 0 else float(np.linalg.norm(a - b) / denominator)


def gradient_check(model, loss, x, y, h=1e-5):
    """Compare backprop gradients with numerical ones for every parameter of ``model``.

    model: a ``Sequential`` (or a layer) in float64; loss: a loss layer such as
    ``SoftmaxCrossEntropy``. Returns {parameter name: relative error}. The model's
    parameters and buffers are left as they were. Turn dropout off (p = 0) first: a
    random mask differs between calls. A parameter whose true gradient is 0 (a bias right
    before BatchNorm) compares two rounding noises and shows an error near 1.
    """
    check_positive("gradient_check", "h", h)
    params = model.params
    not_float64 = [name for name, p in params.items() if p.dtype != np.float64]
    if not_float64:
        raise TypeError(f"gradient_check needs float64 parameters, got {params[not_float64[0]].dtype} "
                        f"for {not_float64}; build the model with dtype=np.float64")
    saved = {name: b.copy() for name, b in model.buffers.items()}

    def loss_value(_):
        return loss(model(x), y)

    loss_value(None)
    model.backward(loss.backward())
    analytic = {name: g.copy() for name, g in model.grads.items()}
    errors = {name: relative_error(analytic[name], numerical_gradient(loss_value, p, h))
              for name, p in params.items()}
    for name, b in model.buffers.items():
        b[...] = saved[name]
    return errors
