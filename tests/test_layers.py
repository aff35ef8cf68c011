import numpy as np
import pytest

from dlcore import functions as F
from dlcore import layers as L
from dlcore.grad import numerical_gradient, relative_error
from dlcore_checks import assert_gradients_match


@pytest.fixture
def rng():
    return np.random.default_rng(0)


def away_from_zero(x):
    """Move entries off the kinks of ReLU-like functions, where central differences fail."""
    return np.where(np.abs(x) < 1e-2, 0.5, x)


@pytest.mark.parametrize("shape", [(1, 1), (3, 5), (8, 2)])
def test_linear_gradients(shape, rng):
    layer = L.Linear(shape[1], 4, rng=rng, dtype=np.float64)
    layer.params["b"][:] = rng.normal(size=4)
    assert_gradients_match(layer, rng.normal(size=shape), rng)


def test_linear_without_bias_and_shapes(rng):
    layer = L.Linear(3, 2, bias=False, rng=rng)
    assert list(layer.params) == ["W"] and layer.params["W"].shape == (3, 2)
    assert layer.params["W"].dtype == np.float32
    y = layer(np.ones((4, 3), dtype=np.float64))
    assert y.dtype == np.float32 and y.shape == (4, 2)
    assert layer.backward(np.ones((4, 2)), input_grad=False) is None
    assert layer.grads["W"].shape == (3, 2)
    assert repr(layer) == "Linear(3, 2, bias=False, init='he')"
    assert_gradients_match(L.Linear(3, 2, bias=False, rng=rng, dtype=np.float64), rng.normal(size=(4, 3)), rng)


def test_linear_init_options(rng):
    assert np.all(L.Linear(3, 2, init="zeros").params["W"] == 0)
    assert L.Linear(200, 300, init=0.01, rng=rng).params["W"].std() == pytest.approx(0.01, rel=0.05)
    W = L.Linear(2, 2, init=lambda shape, rng: np.eye(2)).params["W"]
    assert np.array_equal(W, np.eye(2))
    a = L.Linear(4, 3, rng=np.random.default_rng(5)).params["W"]
    b = L.Linear(4, 3, rng=np.random.default_rng(5)).params["W"]
    assert np.array_equal(a, b)


@pytest.mark.parametrize("layer", [L.ReLU(), L.Sigmoid(), L.Tanh(), L.LeakyReLU(0.2), L.ELU(0.5),
                                   L.Identity(), L.Softmax()], ids=repr)
@pytest.mark.parametrize("shape", [(2, 3), (5, 1), (4, 6)])
def test_activation_layer_gradients(layer, shape, rng):
    assert_gradients_match(layer, away_from_zero(rng.normal(size=shape)), rng)


def test_activation_layers_match_functions(rng):
    x = rng.normal(size=(3, 4))
    pairs = [(L.ReLU(), F.relu(x)), (L.Sigmoid(), F.sigmoid(x)), (L.Tanh(), F.tanh(x)),
             (L.LeakyReLU(0.3), F.leaky_relu(x, 0.3)), (L.ELU(2.0), F.elu(x, 2.0)), (L.Softmax(), F.softmax(x))]
    for layer, expected in pairs:
        assert np.allclose(layer(x), expected)
    assert np.allclose(L.ReLU()(np.ones((2, 2, 3, 3))), 1)  # any shape


def test_layers_repr():
    assert repr(L.ReLU()) == "ReLU()"
    assert repr(L.LeakyReLU(0.2)) == "LeakyReLU(negative_slope=0.2)"
    assert repr(L.ELU()) == "ELU(alpha=1.0)"
    assert repr(L.Dropout(0.3)) == "Dropout(p=0.3)"
    assert repr(L.BatchNorm1d(4)) == "BatchNorm1d(4, momentum=0.1, eps=1e-05)"
    assert repr(L.SoftmaxCrossEntropy()) == "SoftmaxCrossEntropy()"
    assert repr(L.HuberLoss(2.0)) == "HuberLoss(delta=2.0)"


def test_train_and_eval_return_the_layer():
    layer = L.ReLU()
    assert layer.eval() is layer and not layer.training
    assert layer.train() is layer and layer.training


def test_dropout_expectation_and_eval(rng):
    drop = L.Dropout(0.3, rng=rng)
    x = np.ones((200, 500), dtype=np.float32)
    y = drop(x)
    assert np.mean(y == 0) == pytest.approx(0.3, abs=0.01)
    assert y.mean() == pytest.approx(1.0, abs=0.01)          # inverted dropout keeps the mean
    assert set(np.unique(y)) == {0, np.float32(1 / 0.7)}
    dout = rng.normal(size=x.shape)
    assert np.allclose(drop.backward(dout), dout * (y != 0) / 0.7)
    drop.eval()
    assert drop(x) is not None and np.array_equal(drop(x), x)
    assert np.array_equal(drop.backward(dout), dout)
    assert np.array_equal(L.Dropout(0.0).forward(x), x)


def test_dropout_is_deterministic_with_a_seed():
    x = np.ones((4, 5))
    a = L.Dropout(0.5, rng=np.random.default_rng(1))(x)
    b = L.Dropout(0.5, rng=np.random.default_rng(1))(x)
    assert np.array_equal(a, b)


@pytest.mark.parametrize("training", [True, False])
@pytest.mark.parametrize("shape", [(4, 3), (7, 1)])
def test_batchnorm1d_gradients(shape, training, rng):
    bn = L.BatchNorm1d(shape[1], dtype=np.float64)
    bn.params["gamma"][:] = rng.uniform(0.5, 2, size=shape[1])
    bn.params["beta"][:] = rng.normal(size=shape[1])
    bn.buffers["running_var"][:] = 2.0
    if not training:
        bn.eval()
    assert_gradients_match(bn, rng.normal(size=shape), rng)


@pytest.mark.parametrize("training", [True, False])
def test_batchnorm2d_gradients(training, rng):
    bn = L.BatchNorm2d(3, dtype=np.float64)
    bn.params["gamma"][:] = [0.5, 1.0, 2.0]
    bn.params["beta"][:] = [0.1, -0.2, 0.3]
    if not training:
        bn.eval()
    assert_gradients_match(bn, rng.normal(size=(2, 3, 4, 5)), rng)


def test_batchnorm_normalizes_in_training_and_uses_running_statistics_in_eval(rng):
    bn = L.BatchNorm1d(3, momentum=0.5)
    x = rng.normal(5.0, 3.0, size=(1000, 3)).astype(np.float32)
    y = bn(x)
    assert np.allclose(y.mean(axis=0), 0, atol=1e-4) and np.allclose(y.std(axis=0), 1, atol=1e-3)
    assert np.allclose(bn.buffers["running_mean"], 0.5 * x.mean(axis=0))
    for _ in range(30):
        bn(x)
    assert np.allclose(bn.buffers["running_mean"], x.mean(axis=0), rtol=1e-4)
    assert np.allclose(bn.buffers["running_var"], x.var(axis=0), rtol=1e-4)
    bn.eval()
    first = bn(x[:1])                       # one example: only possible with running statistics
    assert np.allclose(first, (x[:1] - x.mean(axis=0)) / np.sqrt(x.var(axis=0) + 1e-5), atol=1e-4)
    bn.train()
    assert np.allclose(bn(x[:2]), [[-1, -1, -1], [1, 1, 1]] * np.sign(x[1] - x[0]), atol=1e-2)


def test_batchnorm2d_normalizes_each_channel(rng):
    x = rng.normal(size=(8, 2, 3, 3)) * np.array([1.0, 10.0])[None, :, None, None]
    y = L.BatchNorm2d(2, dtype=np.float64)(x)
    assert np.allclose(y.mean(axis=(0, 2, 3)), 0) and np.allclose(y.var(axis=(0, 2, 3)), 1, atol=1e-3)
    assert L.BatchNorm2d(2).backward  # same interface


def test_softmax_cross_entropy_layer(rng):
    z = rng.normal(size=(6, 4))
    y = rng.integers(0, 4, size=6)
    loss = L.SoftmaxCrossEntropy()
    assert loss(z, y) == pytest.approx(F.cross_entropy(z, y, from_logits=True))
    assert np.allclose(loss.backward(), (F.softmax(z) - np.eye(4)[y]) / 6)
    numeric = numerical_gradient(lambda v: loss.forward(v, y), z)
    loss.forward(z, y)
    assert relative_error(loss.backward(), numeric) < 1e-7
    assert loss(z, np.eye(4)[y]) == pytest.approx(F.cross_entropy(z, y, from_logits=True))
    assert loss.forward(z[0], y[0]) == pytest.approx(F.cross_entropy(z[:1], y[:1], from_logits=True))
    assert loss.backward().shape == (4,)


@pytest.mark.parametrize("loss", [L.MSELoss(), L.MAELoss(), L.HuberLoss(0.5), L.BCEWithLogits()], ids=repr)
@pytest.mark.parametrize("shape", [(5, 1), (3, 4)])
def test_loss_layer_gradients(loss, shape, rng):
    y_hat = rng.normal(size=shape)
    y = rng.integers(0, 2, size=shape).astype(np.float64)
    numeric = numerical_gradient(lambda v: loss.forward(v, y), y_hat)
    value = loss(y_hat, y)
    assert isinstance(value, float)
    assert relative_error(loss.backward(), numeric) < 1e-7


def test_the_base_classes_define_the_interface():
    layer = L.Layer()
    with pytest.raises(NotImplementedError):
        layer.forward(np.ones(1))
    with pytest.raises(NotImplementedError):
        layer.backward(np.ones(1))
    assert layer.params == layer.grads == layer.buffers == {} and repr(layer) == "Layer()"


def test_batchnorm_eps_matters_on_features_without_variance():
    x = np.array([[1.0, 3.0], [1.0, 5.0], [1.0, 7.0]])           # first feature constant, second var 8/3
    bn = L.BatchNorm1d(2, eps=0.5, dtype=np.float64)
    bn.params["beta"][:] = [0.25, 0.0]
    y = bn(x)
    assert np.allclose(y[:, 0], 0.25)                              # (x - mean) = 0: beta, no nan
    assert np.allclose(y[:, 1], (x[:, 1] - 5) / np.sqrt(8 / 3 + 0.5))
    bn.eval()                                                      # running var 0.9 * 1 + 0.1 * 8/3
    assert np.allclose(bn(x)[:, 1], (x[:, 1] - 0.5) / np.sqrt(0.9 + 0.1 * 8 / 3 + 0.5))


def test_layer_defaults_are_pinned():
    bn = L.BatchNorm1d(3)
    assert (bn.momentum, bn.eps, bn.dtype) == (0.1, 1e-5, np.float32)
    x = np.array([[0.0, 0, 0], [2, 4, 6]], dtype=np.float32)
    bn(x)
    assert np.allclose(bn.buffers["running_mean"], 0.1 * x.mean(axis=0))
    assert np.allclose(bn.buffers["running_var"], 0.9 + 0.1 * x.var(axis=0))
    assert np.allclose(L.BatchNorm1d(3)(x), (x - x.mean(axis=0)) / np.sqrt(x.var(axis=0) + 1e-5), atol=1e-6)
    assert L.Dropout().p == 0.5 and L.LeakyReLU().negative_slope == 0.01 and L.ELU().alpha == 1.0
    assert np.allclose(L.LeakyReLU()(np.array([[-2.0, 3.0]])), [[-0.02, 3.0]])
    assert np.allclose(L.ELU()(np.array([[-1.0]])), np.expm1(-1.0))
    assert L.HuberLoss().delta == 1.0 and L.HuberLoss()(np.array([3.0]), np.array([0.0])) == pytest.approx(2.5)
    lin = L.Linear(400, 300, rng=np.random.default_rng(0))
    assert lin.init == "he" and lin.dtype == np.float32 and "b" in lin.params and np.all(lin.params["b"] == 0)
    assert lin.params["W"].std() == pytest.approx(np.sqrt(2 / 400), rel=0.02)
    drop = L.Dropout(rng=np.random.default_rng(0))
    assert np.mean(drop(np.ones((100, 100))) == 0) == pytest.approx(0.5, abs=0.02)
