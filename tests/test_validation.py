"""Bad inputs raise ValueError/TypeError saying what was expected and what came."""
import numpy as np
import pytest

from dlcore import conv as C
from dlcore import functions as F
from dlcore import init
from dlcore import layers as L
from dlcore import optim as O
from dlcore.grad import gradient_check, numerical_gradient, relative_error
from dlcore.model import Sequential, mlp
from dlcore.train import Trainer, accuracy, fit


def test_wrong_input_shape_names_layer_expected_and_got():
    with pytest.raises(ValueError, match=r"Linear\(784, 100, init='he'\) expected x of shape \(N, 784\), got \(32, 785\)"):
        L.Linear(784, 100)(np.zeros((32, 785)))
    with pytest.raises(ValueError, match=r"expected x of shape \(N, 784\), got \(784,\)"):
        L.Linear(784, 100)(np.zeros(784))
    with pytest.raises(ValueError, match=r"Conv2d\(3, 8.*expected x of shape \(N, 3, H, W\), got \(2, 1, 8, 8\)"):
        C.Conv2d(3, 8, 3)(np.zeros((2, 1, 8, 8)))
    with pytest.raises(ValueError, match=r"BatchNorm2d\(4.*expected x of shape \(N, 4, H, W\), got \(2, 4\)"):
        L.BatchNorm2d(4)(np.zeros((2, 4)))
    with pytest.raises(ValueError, match=r"MaxPool2d.*expected x of shape \(N, C, H, W\), got \(5, 5\)"):
        C.MaxPool2d(2)(np.zeros((5, 5)))
    with pytest.raises(ValueError, match=r"Softmax\(\) expected x of shape \(N, K\), got \(3,\)"):
        L.Softmax()(np.zeros(3))
    with pytest.raises(ValueError, match=r"Flatten\(\) expected x of shape \(N, \.\.\.\), got \(3,\)"):
        C.Flatten()(np.zeros(3))


def test_wrong_dtype():
    with pytest.raises(TypeError, match=r"ReLU\(\) expected x to be a real-valued array, got dtype <U1"):
        L.ReLU()(np.array(["a"]))
    with pytest.raises(TypeError, match="got dtype complex128"):
        L.Linear(1, 1)(np.ones((1, 1), dtype=complex))
    assert L.Linear(2, 1)(np.ones((1, 2), dtype=int)).dtype == np.float32  # integers are converted


def test_backward_checks():
    relu = L.ReLU()
    with pytest.raises(RuntimeError, match=r"ReLU\(\): call the layer on an input, layer\(x\), before backprop"):
        relu.backprop(np.ones(3))
    relu(np.ones((2, 3)))
    with pytest.raises(ValueError, match=r"ReLU\(\)\.backprop expected dout of shape \(2, 3\), got \(3, 2\)"):
        relu.backprop(np.ones((3, 2)))
    with pytest.raises(TypeError, match=r"ReLU\(\)\.backprop expected dout to be a real-valued array, got dtype <U1"):
        relu.backprop(np.full((2, 3), "a"))
    for loss in (L.SoftmaxCrossEntropy(), L.MSELoss()):
        with pytest.raises(RuntimeError, match="call forward before backward"):
            loss.backward()


def test_labels():
    z = np.zeros((3, 4))
    with pytest.raises(ValueError, match=r"expected labels in \[0, 3\], got values from 0 to 4"):
        L.SoftmaxCrossEntropy()(z, np.array([0, 1, 4]))
    with pytest.raises(ValueError, match=r"expected labels in \[0, 3\], got values from -1 to 1"):
        F.cross_entropy(F.softmax(z), np.array([0, 1, -1]))
    with pytest.raises(TypeError, match="expected integer class labels, got dtype float64"):
        F.cross_entropy(F.softmax(z), np.array([0.0, 1.0, 2.0]))
    with pytest.raises(ValueError, match=r"expected labels of shape \(3,\), got \(2,\)"):
        F.cross_entropy(F.softmax(z), np.array([0, 1]))
    with pytest.raises(ValueError, match=r"expected y \(integer labels \(N,\) or one-hot rows of y_hat's shape\) "
                                         r"of shape \(3, 4\), got \(3, 3\)"):
        F.cross_entropy(F.softmax(z), np.eye(3))
    with pytest.raises(ValueError, match=r"expected probabilities in \[0, 1\], got values from -1 to 2; "
                                         "pass from_logits=True"):
        F.cross_entropy(np.array([[-1.0, 2.0]]), np.array([0]))
    with pytest.raises(TypeError, match="accuracy expected integer class labels"):
        accuracy(mlp([2, 2]), np.zeros((2, 2)), np.zeros(2))


def test_regression_targets_must_match():
    with pytest.raises(ValueError, match=r"mse expected y \(same shape as y_hat\) of shape \(5, 1\), got \(5,\)"):
        F.mse(np.zeros((5, 1)), np.zeros(5))
    with pytest.raises(ValueError, match=r"MSELoss|mse"):
        L.MSELoss()(np.zeros((5, 1)), np.zeros(5))


@pytest.mark.parametrize("make, message", [
    (lambda: L.Linear(0, 3), r"Linear expected in_features to be a positive integer, got 0"),
    (lambda: L.Linear(2, 2.5), r"Linear expected out_features to be a positive integer, got 2\.5"),
    (lambda: L.Dropout(1.0), r"Dropout expected a drop probability p in \[0, 1\), got 1\.0"),
    (lambda: L.BatchNorm1d(3, momentum=2), r"BatchNorm1d expected momentum in \[0, 1\], got 2"),
    (lambda: L.BatchNorm1d(3, eps=0), r"BatchNorm1d expected eps > 0, got 0"),
    (lambda: L.ELU(-1), r"ELU expected alpha >= 0, got -1"),
    (lambda: L.HuberLoss(0), r"HuberLoss expected delta > 0, got 0"),
    (lambda: F.huber(np.zeros(2), np.zeros(2), delta=-1), r"huber expected delta > 0, got -1"),
    (lambda: C.Conv2d(1, 2, (3, 3, 3)), r"Conv2d expected kernel_size to be an int or a pair, got \(3, 3, 3\)"),
    (lambda: C.Conv2d(1, 2, 3, padding=-1), r"Conv2d expected padding to be an integer >= 0, got -1"),
    (lambda: C.MaxPool2d(2, stride=0), r"MaxPool2d expected stride to be a positive integer, got 0"),
    (lambda: C.conv_output_size(3, 5), r"a window of 5 with stride 1 and padding 0 does not fit an input of size 3"),
    (lambda: C.Conv2d(1, 1, 5)(np.zeros((1, 1, 3, 3))), r"does not fit an input of size 3"),
    (lambda: init.fans((3,)), r"fans expected a 2-D \(in, out\) or 4-D \(out, in, kh, kw\) weight shape, got \(3,\)"),
    (lambda: init.initialize("glorot", (2, 2), None), r"unknown init 'glorot'; expected one of \["),
    (lambda: init.initialize(lambda s, r: np.ones(3), (2, 2), None), r"init function returned shape \(3,\), expected \(2, 2\)"),
    (lambda: Sequential(), "Sequential expected at least one layer, got none"),
    (lambda: mlp([3]), r"mlp expected at least 2 sizes \(inputs, outputs\), got \[3\]"),
    (lambda: mlp([3, 2], activation="swish"), r"mlp expected activation in \['elu', .*\], got 'swish'"),
    (lambda: O.SGD(lr=0), r"SGD expected lr > 0, got 0"),
    (lambda: O.Adam(lr=-1e-3), r"Adam expected lr > 0, got -0\.001"),
    (lambda: O.SGD(weight_decay=-1), r"SGD expected weight_decay >= 0, got -1"),
    (lambda: O.SGD(momentum=1.0), r"SGD expected momentum in \[0, 1\), got 1\.0"),
    (lambda: O.SGD(nesterov=True), r"SGD with nesterov=True needs a momentum > 0"),
    (lambda: O.RMSProp(rho=1), r"RMSProp expected rho in \[0, 1\), got 1"),
    (lambda: O.Adam(beta2=1.5), r"Adam expected beta2 in \[0, 1\), got 1\.5"),
    (lambda: O.AdaGrad(eps=0), r"AdaGrad expected eps > 0, got 0"),
    (lambda: O.clip_grad_norm({}, 0), r"clip_grad_norm expected max_norm > 0, got 0"),
    (lambda: O.StepLR(0.1, 2)(-1), r"StepLR\(lr=0\.1, step_size=2, gamma=0\.1\) expected t to be an integer >= 0, got -1"),
    (lambda: relative_error(np.zeros(2), np.zeros(3)), r"relative_error expected arrays of the same shape, got \(2,\) and \(3,\)"),
    (lambda: Trainer(mlp([2, 2]), L.MSELoss(), O.SGD(), batch_size=0), r"Trainer expected batch_size to be a positive integer, got 0"),
    (lambda: Trainer(mlp([2, 2]), L.MSELoss(), O.SGD(), early_stopping_patience=0), r"early_stopping_patience >= 1 or None, got 0"),
])
def test_bad_settings(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_sequential_takes_layers_only():
    with pytest.raises(TypeError, match="Sequential expected layers .*, got function at position 1"):
        Sequential(L.ReLU(), lambda x: x)


def test_optimizer_checks_gradients():
    params = {"W": np.zeros((2, 2)), "b": np.zeros(2)}
    with pytest.raises(ValueError, match=r"SGD\.step: no gradient for \['b'\]; call backward before step"):
        O.SGD().step(params, {"W": np.zeros((2, 2))})
    with pytest.raises(ValueError, match=r"Adam\.step: gradient 'b' has shape \(3,\), parameter has shape \(2,\)"):
        O.Adam().step(params, {"W": np.zeros((2, 2)), "b": np.zeros(3)})


def test_load_state_dict_checks_names_and_shapes(tmp_path):
    model = mlp([3, 2], rng=np.random.default_rng(0))
    with pytest.raises(ValueError, match=r"state does not match the model: missing \['0\.b'\], unexpected \['1\.W'\]"):
        model.load_state_dict({"0.W": np.zeros((3, 2)), "1.W": np.zeros(2)})
    with pytest.raises(ValueError, match=r"state\['0\.W'\] has shape \(2, 3\), the model expects \(3, 2\)"):
        model.load_state_dict({"0.W": np.zeros((2, 3)), "0.b": np.zeros(2)})
    mlp([4, 2]).save(tmp_path / "other.npz")
    with pytest.raises(ValueError, match=r"state\['0\.W'\] has shape \(4, 2\)"):
        model.load(tmp_path / "other.npz")


def test_gradient_tools_check_their_input():
    with pytest.raises(TypeError, match="numerical_gradient expected a floating-point numpy array x, got list"):
        numerical_gradient(sum, [1.0, 2.0])
    with pytest.raises(TypeError, match="got ndarray of dtype int64"):
        numerical_gradient(np.sum, np.arange(3))
    with pytest.raises(ValueError, match="needs a contiguous array x"):
        numerical_gradient(np.sum, np.zeros((3, 4)).T)
    with pytest.raises(TypeError, match=r"gradient_check needs float64 parameters, got float32 for \['0\.W', '0\.b'\]"):
        gradient_check(mlp([2, 2]), L.MSELoss(), np.zeros((1, 2)), np.zeros((1, 2)))


def test_fit_checks_data():
    model, loss, opt = mlp([2, 3]), L.SoftmaxCrossEntropy(), O.SGD()
    X, y = np.zeros((10, 2)), np.zeros(10, dtype=int)
    with pytest.raises(ValueError, match="X and y must have the same number of examples, got 10 and 9"):
        fit(model, loss, opt, X, y[:9], epochs=1)
    with pytest.raises(ValueError, match="expected at least one example, got an empty X"):
        fit(model, loss, opt, X[:0], y[:0], epochs=1)
    with pytest.raises(ValueError, match="fit expected epochs to be a positive integer, got 0"):
        fit(model, loss, opt, X, y, epochs=0)
    with pytest.raises(ValueError, match=r"fit expected val=\(X_val, y_val\)"):
        fit(model, loss, opt, X, y, epochs=1, val=(X,))
    with pytest.raises(ValueError, match=r"Linear\(2, 3, init='he'\) expected x of shape \(N, 2\), got \(10, 5\)"):
        fit(model, loss, opt, np.zeros((10, 5)), y, epochs=1)
