import numpy as np
import pytest

from dlcore import functions as F
from dlcore.grad import numerical_gradient, relative_error

ACTIVATIONS = [
    (F.step, F.step_grad, {}),
    (F.sigmoid, F.sigmoid_grad, {}),
    (F.tanh, F.tanh_grad, {}),
    (F.relu, F.relu_grad, {}),
    (F.leaky_relu, F.leaky_relu_grad, {"negative_slope": 0.1}),
    (F.elu, F.elu_grad, {"alpha": 0.7}),
    (F.identity, F.identity_grad, {}),
]


def test_activation_values():
    x = np.array([-2.0, -0.5, 0.0, 0.5, 2.0])
    assert np.array_equal(F.step(x), [0, 0, 0, 1, 1])
    assert np.allclose(F.sigmoid(x), 1 / (1 + np.exp(-x)))
    assert np.array_equal(F.relu(x), [0, 0, 0, 0.5, 2])
    assert np.allclose(F.leaky_relu(x, 0.1), [-0.2, -0.05, 0, 0.5, 2])
    assert np.allclose(F.elu(x, 2.0), [2 * np.expm1(-2), 2 * np.expm1(-0.5), 0, 0.5, 2])
    assert np.array_equal(F.identity(x), x)
    assert F.sigmoid_grad(0.0) == 0.25 and F.tanh_grad(0.0) == 1.0


def test_activations_do_not_overflow():
    x = np.array([-1000.0, 1000.0])
    with np.errstate(over="raise", invalid="raise"):
        assert np.array_equal(F.sigmoid(x), [0, 1])
        assert np.allclose(F.elu(x), [-1, 1000])
        assert np.allclose(F.elu_grad(x), [0, 1])


def test_step_keeps_float_dtype_and_converts_integers():
    assert F.step(np.array([1.0], dtype=np.float32)).dtype == np.float32
    assert F.step(np.array([-1, 2])).dtype == np.float64


@pytest.mark.parametrize("f, f_grad, kwargs", ACTIVATIONS, ids=lambda v: getattr(v, "__name__", ""))
def test_activation_derivatives_match_central_differences(f, f_grad, kwargs):
    x = np.random.default_rng(0).normal(size=(4, 3))
    x[np.abs(x) < 1e-3] = 0.5  # stay away from the kinks
    numeric = numerical_gradient(lambda v: float(np.sum(f(v, **kwargs))), x)
    assert relative_error(f_grad(x, **kwargs), numeric) < 1e-8
    assert f_grad(x, **kwargs).shape == x.shape


def test_softmax_worked_example_and_stability():
    assert np.allclose(F.softmax([2.0, 3.0, 5.0]), [0.042, 0.114, 0.844], atol=5e-4)
    big = np.array([[1000.0, 1001.0, 1002.0], [-5.0, 0.0, 5.0]])
    p = F.softmax(big)
    assert np.all(np.isfinite(p)) and np.allclose(p.sum(axis=1), 1)
    assert np.allclose(p[0], F.softmax([0.0, 1.0, 2.0]))
    assert np.allclose(F.softmax(big.T, axis=0), p.T)
    assert np.allclose(F.log_softmax(big), np.log(p))


def test_softmax_jacobian():
    x = np.random.default_rng(1).normal(size=(2, 4))
    J = F.softmax_grad(x)
    for n in range(2):
        numeric = np.stack([numerical_gradient(lambda v: F.softmax(v)[k], x[n].copy()) for k in range(4)])
        assert relative_error(J[n], numeric) < 1e-8


def test_regression_loss_values():
    y_hat, y = np.array([1.0, 2.0, 5.0]), np.array([1.0, 0.0, 2.0])
    assert F.mse(y_hat, y) == pytest.approx((0 + 4 + 9) / 3)
    assert F.mae(y_hat, y) == pytest.approx((0 + 2 + 3) / 3)
    assert F.huber(y_hat, y, delta=2.0) == pytest.approx((0 + 0.5 * 4 + 2 * (3 - 1)) / 3)
    assert F.huber(y_hat, y, delta=10.0) == pytest.approx(F.mse(y_hat, y) / 2)


def test_cross_entropy_values_for_labels_one_hot_and_logits():
    p = np.array([[0.1, 0.7, 0.2], [0.5, 0.25, 0.25]])
    expected = -(np.log(0.7 + 1e-7) + np.log(0.5 + 1e-7)) / 2
    assert F.cross_entropy(p, np.array([1, 0])) == pytest.approx(expected)
    assert F.cross_entropy(p, np.array([[0, 1, 0], [1, 0, 0]])) == pytest.approx(expected)
    assert F.cross_entropy(p[0], 1) == pytest.approx(-np.log(0.7 + 1e-7))
    z = np.log(p)
    assert F.cross_entropy(z, np.array([1, 0]), from_logits=True) == pytest.approx(-(np.log(0.7) + np.log(0.5)) / 2)


def test_cross_entropy_log_zero_guard():
    p = np.array([[1.0, 0.0]])
    assert F.cross_entropy(p, np.array([1])) == pytest.approx(-np.log(1e-7))
    assert np.isfinite(F.cross_entropy([[1000.0, -1000.0]], np.array([1]), from_logits=True))


LOSSES = [
    (F.mse, F.mse_grad, {}),
    (F.mae, F.mae_grad, {}),
    (F.huber, F.huber_grad, {"delta": 0.5}),
    (F.binary_cross_entropy_with_logits, F.binary_cross_entropy_with_logits_grad, {}),
]


@pytest.mark.parametrize("loss, loss_grad, kwargs", LOSSES, ids=lambda v: getattr(v, "__name__", ""))
@pytest.mark.parametrize("shape", [(5,), (4, 3)])
def test_loss_gradients(loss, loss_grad, kwargs, shape):
    rng = np.random.default_rng(2)
    y_hat = rng.normal(size=shape)
    y = rng.integers(0, 2, size=shape).astype(float)
    numeric = numerical_gradient(lambda v: loss(v, y, **kwargs), y_hat)
    assert relative_error(loss_grad(y_hat, y, **kwargs), numeric) < 1e-7


@pytest.mark.parametrize("from_logits", [True, False])
@pytest.mark.parametrize("one_hot", [True, False])
def test_cross_entropy_gradients(from_logits, one_hot):
    rng = np.random.default_rng(3)
    z = rng.normal(size=(5, 4))
    y_hat = z if from_logits else F.softmax(z)
    y = rng.integers(0, 4, size=5)
    t = np.eye(4)[y] if one_hot else y
    numeric = numerical_gradient(lambda v: F.cross_entropy(v, t, from_logits=from_logits), y_hat)
    assert relative_error(F.cross_entropy_grad(y_hat, t, from_logits=from_logits), numeric) < 1e-7


def test_softmax_cross_entropy_gradient_is_p_minus_t():
    z = np.array([[1.0, 2.0, 3.0]])
    assert np.allclose(F.cross_entropy_grad(z, np.array([2]), from_logits=True), F.softmax(z) - [0, 0, 1])
    assert F.cross_entropy_grad(z[0], 2, from_logits=True).shape == (3,)


def test_functions_do_not_change_their_input():
    y_hat, y = np.array([[0.2, 0.8]]), np.array([1])
    before = y_hat.copy()
    for f in (F.cross_entropy, F.cross_entropy_grad):
        f(y_hat, y)
    F.mse_grad(y_hat, y_hat + 1)
    assert np.array_equal(y_hat, before)


def test_default_settings_are_pinned():
    x = np.array([-2.0, 3.0])
    assert np.allclose(F.leaky_relu(x), [-0.02, 3.0]) and np.allclose(F.leaky_relu_grad(x), [0.01, 1.0])
    assert np.allclose(F.elu(x), [np.expm1(-2.0), 3.0]) and np.allclose(F.elu_grad(x), [np.exp(-2.0), 1.0])
    assert F.huber(np.array([3.0]), np.array([0.0])) == pytest.approx(2.5)           # delta = 1
    assert F.cross_entropy(np.array([[0.0, 1.0]]), np.array([0])) == pytest.approx(-np.log(1e-7))  # eps = 1e-7
    assert F.cross_entropy_grad(np.array([[0.5, 0.5]]), np.array([0]))[0, 0] == pytest.approx(-1 / (0.5 + 1e-7))
