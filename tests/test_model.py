import numpy as np
import pytest

from dlcore import conv as C
from dlcore import layers as L
from dlcore import optim as O
from dlcore.grad import gradient_check
from dlcore.data import load_fashion_mnist
from dlcore.model import FASHION_CNN_WEIGHTS, Sequential, fashion_cnn, mlp
from dlcore.train import accuracy


@pytest.fixture
def rng():
    return np.random.default_rng(0)


def test_names_are_stable_and_share_the_layers_arrays(rng):
    model = Sequential(L.Linear(3, 4, rng=rng), L.ReLU(), L.Linear(4, 2, rng=rng))
    assert list(model.params) == ["0.W", "0.b", "2.W", "2.b"]
    assert model.params["2.W"] is model[2].params["W"]
    assert [p.shape for p in model.parameters()] == [(3, 4), (4,), (4, 2), (2,)]
    assert model.num_params() == 3 * 4 + 4 + 4 * 2 + 2
    assert len(model) == 3
    model.params["0.b"] += 1
    assert np.all(model[0].params["b"] == 1)


def test_forward_backward_and_input_grad(rng):
    model = Sequential(L.Linear(3, 4, rng=rng, dtype=np.float64), L.Tanh(), L.Linear(4, 2, rng=rng, dtype=np.float64))
    x = rng.normal(size=(5, 3))
    y = model(x)
    assert y.shape == (5, 2)
    dx = model.backward(np.ones_like(y))
    assert dx.shape == (5, 3)
    grads = {k: v.copy() for k, v in model.grads.items()}
    assert list(grads) == list(model.params)
    model(x)
    assert model.backward(np.ones_like(y), input_grad=False) is None
    for name, g in model.grads.items():
        assert np.allclose(g, grads[name])


def test_input_grad_false_skips_leading_layers_without_parameters(rng):
    model = Sequential(C.Flatten(), L.Linear(6, 2, rng=rng))
    model(rng.normal(size=(4, 2, 3)))
    assert model.backward(np.ones((4, 2)), input_grad=False) is None
    assert model.grads["1.W"].shape == (6, 2)
    normalized_first = Sequential(L.BatchNorm1d(3), L.Linear(3, 2, rng=rng))
    normalized_first(rng.normal(size=(4, 3)))
    assert normalized_first.backward(np.ones((4, 2)), input_grad=False) is None
    assert normalized_first.grads["0.gamma"].shape == (3,)
    only_activations = Sequential(L.ReLU())
    only_activations(np.ones((2, 2)))
    assert only_activations.backward(np.ones((2, 2)), input_grad=False) is None


@pytest.mark.parametrize("options", [dict(activation="tanh"), dict(activation="relu", batchnorm=True),
                                     dict(activation="sigmoid", init="xavier"), dict(activation="elu")])
def test_mlp_gradient_check(options, rng):
    model = mlp([4, 5, 6, 3], rng=rng, dtype=np.float64, **options)
    x = rng.normal(size=(8, 4))
    y = rng.integers(0, 3, size=8)
    errors = gradient_check(model, L.SoftmaxCrossEntropy(), x, y)
    assert list(errors) == list(model.params)
    assert max(errors.values()) < 1e-6, errors


def test_cnn_gradient_check(rng):
    model = Sequential(C.Conv2d(1, 2, 3, padding=1, rng=rng, dtype=np.float64), L.ReLU(), C.MaxPool2d(2),
                       C.Flatten(), L.Linear(2 * 3 * 3, 3, rng=rng, dtype=np.float64))
    model[0].params["b"][:] = [0.1, -0.1]
    errors = gradient_check(model, L.SoftmaxCrossEntropy(), rng.normal(size=(3, 1, 6, 6)), np.array([0, 1, 2]))
    assert max(errors.values()) < 1e-6, errors


def test_mlp_layout():
    model = mlp([784, 100, 10], rng=np.random.default_rng(0), dropout=0.2, batchnorm=True)
    assert [type(layer).__name__ for layer in model] == ["Linear", "BatchNorm1d", "ReLU", "Dropout", "Linear"]
    assert "b" not in model[0].params and "b" in model[4].params
    assert repr(model).startswith("Sequential(\n  (0): Linear(784, 100, bias=False, init='he')")
    assert len(mlp([2, 3])) == 1


def test_mlp_is_deterministic_with_a_seed():
    a = mlp([5, 4, 3], rng=np.random.default_rng(7))
    b = mlp([5, 4, 3], rng=np.random.default_rng(7))
    for name in a.params:
        assert np.array_equal(a.params[name], b.params[name])


def test_train_eval_and_predict(rng):
    model = mlp([3, 8, 2], rng=rng, dropout=0.5)
    x = rng.normal(size=(25, 3)).astype(np.float32)
    model.eval()
    expected = model(x)
    model.train()
    out = model.predict(x, batch_size=7)
    assert np.allclose(out, expected) and model.training and model[2].training
    assert not model.eval()[2].training


def test_state_dict_round_trip_with_buffers(rng, tmp_path):
    model = mlp([3, 4, 2], rng=rng, batchnorm=True)
    model(rng.normal(size=(10, 3)))                      # moves the running statistics
    state = model.state_dict()
    assert set(state) == {"0.W", "1.gamma", "1.beta", "1.running_mean", "1.running_var", "3.W", "3.b"}
    assert state["0.W"] is not model.params["0.W"]      # copies
    other = mlp([3, 4, 2], rng=np.random.default_rng(1), batchnorm=True)
    W = other.params["0.W"]
    other.load_state_dict(state)
    assert other.params["0.W"] is W                      # loaded in place
    for name, value in state.items():
        assert np.array_equal({**other.params, **other.buffers}[name], value)
    path = tmp_path / "weights.npz"
    model.save(path)
    third = mlp([3, 4, 2], rng=np.random.default_rng(2), batchnorm=True).load(path)
    x = rng.normal(size=(4, 3)).astype(np.float32)
    assert np.array_equal(third.eval()(x), model.eval()(x))


def test_two_adam_steps_of_a_cnn_match_pytorch(rng):
    torch = pytest.importorskip("torch")
    nn = torch.nn
    model = Sequential(C.Conv2d(1, 4, 3, padding=1, rng=rng, dtype=np.float64), L.ReLU(), C.MaxPool2d(2),
                       C.Flatten(), L.Linear(4 * 4 * 4, 5, rng=rng, dtype=np.float64))
    reference = nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                              nn.Linear(4 * 4 * 4, 5)).double()
    with torch.no_grad():
        reference[0].weight.copy_(torch.from_numpy(model[0].params["W"]))
        reference[4].weight.copy_(torch.from_numpy(model[4].params["W"].T))
        for i in (0, 4):
            reference[i].bias.zero_()
    opt, reference_opt = O.Adam(lr=0.01), torch.optim.Adam(reference.parameters(), lr=0.01)
    loss = L.SoftmaxCrossEntropy()
    for _ in range(2):
        x, y = rng.normal(size=(6, 1, 8, 8)), rng.integers(0, 5, size=6)
        value = loss(model(x), y)
        model.backward(loss.backward(), input_grad=False)
        opt.step(model.params, model.grads)
        reference_opt.zero_grad()
        reference_value = nn.functional.cross_entropy(reference(torch.from_numpy(x)), torch.from_numpy(y))
        reference_value.backward()
        reference_opt.step()
        assert value == pytest.approx(reference_value.item(), rel=1e-12)
    assert np.allclose(model[0].params["W"], reference[0].weight.detach().numpy(), rtol=1e-10, atol=1e-12)
    assert np.allclose(model[4].params["W"], reference[4].weight.detach().numpy().T, rtol=1e-10, atol=1e-12)
    assert np.allclose(model[4].params["b"], reference[4].bias.detach().numpy(), rtol=1e-10, atol=1e-12)


def test_the_chapter_10_cnn_weights_ship_with_dlcore_and_classify():
    model = fashion_cnn(rng=np.random.default_rng(0)).load(FASHION_CNN_WEIGHTS)
    X, y = load_fashion_mnist("test", n=500, flatten=False)
    assert accuracy(model, X, y) > 0.88
