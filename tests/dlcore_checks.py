"""Gradient checks of single layers, shared by the dlcore unit tests."""
import numpy as np

from dlcore.grad import numerical_gradient, relative_error

TOLERANCE = 1e-6  # relative error allowed between backprop and central differences (float64)


def layer_gradient_errors(layer, x, rng):
    """Relative errors of a layer's backward (input and every parameter) against numerical
    gradients of the scalar sum(forward(x) * d) for a random d. Returns {name: error}."""
    x = np.array(x, dtype=np.float64)
    d = rng.normal(size=layer(x).shape)

    def f(_):
        return float(np.sum(layer(x) * d))

    f(None)
    d_before = d.copy()
    dx = layer.backprop(d)
    assert np.array_equal(d, d_before), "backward changed dout"
    errors = {"x": relative_error(dx, numerical_gradient(f, x))}
    analytic = {name: g.copy() for name, g in layer.grads.items()}
    for name, p in layer.params.items():
        errors[name] = relative_error(analytic[name], numerical_gradient(f, p))
    return errors


def assert_gradients_match(layer, x, rng):
    errors = layer_gradient_errors(layer, x, rng)
    assert max(errors.values()) < TOLERANCE, errors
