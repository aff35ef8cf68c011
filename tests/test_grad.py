import numpy as np
import pytest

from dlcore import layers as L
from dlcore.grad import gradient_check, numerical_gradient, relative_error
from dlcore.model import mlp


def test_numerical_gradient_of_a_known_function_any_shape():
    x = np.arange(6.0).reshape(2, 3, 1)
    before = x.copy()
    g = numerical_gradient(lambda v: float(np.sum(v ** 3)), x)
    assert g.shape == x.shape and np.allclose(g, 3 * before ** 2, atol=1e-6)
    assert np.array_equal(x, before)                     # restored


def test_numerical_gradient_chapter_4_example():
    # f(x0, x1) = x0**2 + x1**2 at (3, 4) has gradient (6, 8)
    assert np.allclose(numerical_gradient(lambda v: float(np.sum(v ** 2)), np.array([3.0, 4.0])), [6, 8])


def test_relative_error():
    assert relative_error([1.0, 2.0], [1.0, 2.0]) == 0.0
    assert relative_error([0.0], [0.0]) == 0.0
    assert relative_error([1.0], [-1.0]) == 1.0
    assert relative_error([1.0, 0.0], [1.0 + 1e-8, 0.0]) == pytest.approx(5e-9)


def test_gradient_check_leaves_the_model_as_it_was():
    rng = np.random.default_rng(0)
    model = mlp([3, 4, 2], rng=rng, batchnorm=True, dtype=np.float64)
    state = model.state_dict()
    errors = gradient_check(model, L.SoftmaxCrossEntropy(), rng.normal(size=(5, 3)), rng.integers(0, 2, 5))
    assert max(errors.values()) < 1e-6
    for name, value in state.items():
        assert np.array_equal({**model.params, **model.buffers}[name], value)


def test_gradient_check_finds_a_wrong_backward():
    class WrongReLU(L.ReLU):
        def backward(self, dout):
            return 2 * super().backward(dout)

    rng = np.random.default_rng(1)
    model = mlp([3, 4, 2], rng=rng, dtype=np.float64)
    model.layers[1] = WrongReLU()
    errors = gradient_check(model, L.MSELoss(), rng.normal(size=(5, 3)), rng.normal(size=(5, 2)))
    assert errors["0.W"] > 0.1 and errors["2.W"] < 1e-6


def test_gradient_check_of_a_single_layer():
    rng = np.random.default_rng(2)
    layer = L.Linear(3, 2, rng=rng, dtype=np.float64)
    errors = gradient_check(layer, L.MSELoss(), rng.normal(size=(4, 3)), rng.normal(size=(4, 2)))
    assert set(errors) == {"W", "b"} and max(errors.values()) < 1e-6
