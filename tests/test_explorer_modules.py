"""The helpers of the chapters' explorer modules: what they compute, and the errors they give
for bad input (each message says what was expected and what came)."""

import numpy as np
import pytest

from dlcore.data import iterate_minibatches
from dlcore.explorers import batch_norm, cnn, gradient_descent, losses, optimizers, regularization
from dlcore.layers import MSELoss, SoftmaxCrossEntropy
from dlcore.model import mlp
from dlcore.optim import SGD
from dlcore.train import Trainer, TrainingDiverged, evaluate


# ----------------------------------------------------------------------------- chapter 3, losses

def test_fit_line_recovers_a_clean_line_under_every_loss():
    x = np.linspace(-2, 2, 21)
    y = 3.0 * x - 1.0
    for loss in ("mse", "mae", "huber"):
        slope, intercept = losses.fit_line(x, y, loss=loss)
        assert slope == pytest.approx(3.0, abs=1e-3) and intercept == pytest.approx(-1.0, abs=1e-3)


def test_mae_and_huber_resist_an_outlier_that_pulls_mse():
    x = np.linspace(-2, 2, 21)
    y = 3.0 * x - 1.0
    y[-1] += 40.0
    mse = losses.fit_line(x, y, "mse")
    mae = losses.fit_line(x, y, "mae")
    assert abs(mae[0] - 3.0) < 0.1 < abs(mse[0] - 3.0)


def test_loss_helpers_reject_bad_input():
    with pytest.raises(ValueError, match="unknown loss 'l3'"):
        losses.fit_line([0, 1], [0, 1], loss="l3")
    with pytest.raises(ValueError, match="delta must be > 0"):
        losses.fit_line([0, 1], [0, 1], loss="huber", delta=0)
    with pytest.raises(ValueError, match="at least two points with different x"):
        losses.fit_line([1, 1], [0, 1])
    with pytest.raises(ValueError, match="finite x and y"):
        losses.fit_line([0, 1], [0, np.nan])
    with pytest.raises(ValueError, match=r"x of shape \(N,\) or \(N, 1\)"):
        losses.fit_line(np.zeros((3, 2)), np.zeros(3))
    with pytest.raises(ValueError, match="unknown loss"):
        losses.pull(np.zeros(3), loss="l3")
    with pytest.raises(ValueError, match="delta must be > 0"):
        losses.pull(np.zeros(3), loss="huber", delta=-1)
    with pytest.raises(TypeError, match="must be a real number"):
        losses.pull(np.zeros(3), loss="huber", delta="big")
    with pytest.raises(ValueError, match="must be finite"):
        losses.pull(np.zeros(3), loss="huber", delta=np.inf)


# ----------------------------------------------------------------------------- chapter 4, gradient descent

def test_train_network_records_the_full_data_loss_after_every_step():
    x, y = gradient_descent.make_data()
    run = gradient_descent.train_network(x, y, 0.1, steps=13, batch_size=8)     # 8 steps per epoch
    assert len(run.losses) == 14 and not run.diverged
    net = mlp([1, 16, 1], activation="tanh", init="xavier", rng=np.random.default_rng(0),
              dtype=np.float64)
    loss, opt, shuffle = MSELoss(), SGD(lr=0.1), np.random.default_rng(0)
    expected = [loss(net(x), y)]
    for _ in range(2):                                            # the same steps by hand
        for xb, yb in iterate_minibatches(x, y, 8, shuffle):
            loss(net(xb), yb)
            net.backward(loss.backward())
            opt.step(net.params, net.grads)
            expected.append(loss(net(x), y))
    assert run.losses == pytest.approx(expected[:14], rel=1e-12)


def test_train_network_stops_where_the_loss_blows_up():
    x, y = gradient_descent.make_data()
    run = gradient_descent.train_network(x, y, 1.0, steps=100)
    assert run.diverged and run.diverged_at == len(run.losses) - 1 < 100
    limit = gradient_descent.BLOWUP * run.losses[0]
    assert not run.losses[-1] <= limit and np.all(run.losses[:-1] <= limit)
    assert gradient_descent.train_network(x, y, 1.0, steps=100, blowup=2.0).diverged_at < run.diverged_at


# ----------------------------------------------------------------------------- chapter 6, optimizers

def test_optimizer_paths_and_ewa():
    path = optimizers.optimizer_path(optimizers.make_optimizer("SGD", 0.1), steps=5)
    assert path.shape == (6, 2)
    assert optimizers.bowl_grad(np.array([10.0, 2.0])).tolist() == pytest.approx([1.0, 4.0])
    for name in optimizers.OPTIMIZERS:
        assert optimizers.make_optimizer(name, 0.1, beta=0.5) is not None
    smoothed = optimizers.ewa(np.ones(5), beta=0.9)
    assert np.allclose(smoothed, 1.0)                                   # bias correction removes the pull to 0
    assert optimizers.ewa(np.ones(5), beta=0.9, bias_correction=False)[0] == pytest.approx(0.1)


def test_optimizer_helpers_reject_bad_input():
    with pytest.raises(ValueError, match="unknown optimizer 'Adamax'"):
        optimizers.make_optimizer("Adamax", 0.1)
    with pytest.raises(ValueError, match="lr must be > 0"):
        optimizers.make_optimizer("SGD", 0.0)
    with pytest.raises(ValueError, match=r"beta must be in \[0.0, 1.0\)"):
        optimizers.make_optimizer("Adam", 0.1, beta=1.5)
    with pytest.raises(ValueError, match="finite real number"):
        optimizers.make_optimizer("Adam", np.nan)
    with pytest.raises(ValueError, match=r"bowl_grad expected xy = \(x, y\) of shape \(2,\)"):
        optimizers.bowl_grad(np.zeros(3))
    with pytest.raises(TypeError, match="expected a dlcore optimizer"):
        optimizers.optimizer_path("SGD")
    with pytest.raises(ValueError, match="steps must be a non-negative integer"):
        optimizers.optimizer_path(SGD(lr=0.1), steps=-1)
    with pytest.raises(ValueError, match=r"start must be a point \(x, y\)"):
        optimizers.optimizer_path(SGD(lr=0.1), start=np.zeros(3))
    with pytest.raises(ValueError, match="ewa expected a 1-D sequence"):
        optimizers.ewa(np.zeros((2, 2)))


# ----------------------------------------------------------------------------- chapter 8, batch norm

def _random_classes(n_train=90, n_val=30, features=16, seed=0):
    """(X_train, y_train, X_val, y_val): random inputs and 10 random classes."""
    rng = np.random.default_rng(seed)
    X = rng.random((n_train + n_val, features), dtype=np.float32)
    y = rng.integers(0, 10, n_train + n_val)
    return X[:n_train], y[:n_train], X[n_train:], y[n_train:]


def test_train_run_records_every_step_and_epoch():
    run = batch_norm.train_run(True, 0.1, _random_classes(), epochs=3, batch_size=30, hidden=(16, 16))
    assert run["diverged_at"] is None and run["steps_per_epoch"] == 3
    assert len(run["step_loss"]) == 9 and len(run["train_acc"]) == len(run["val_acc"]) == 3
    assert np.all((0 <= run["val_acc"]) & (run["val_acc"] <= 1))


def test_train_run_stops_at_a_divergence():
    run = batch_norm.train_run(False, 1.0, _random_classes(), epochs=3, lr=1e6, batch_size=30,
                               hidden=(64, 64))
    assert run["diverged_at"] == len(run["step_loss"]) + 1 <= 9
    assert np.isfinite(run["step_loss"]).all()
    assert len(run["val_acc"]) == (run["diverged_at"] - 1) // run["steps_per_epoch"]


# ----------------------------------------------------------------------------- chapter 9, regularization

def test_downsample_and_augment():
    X = np.arange(2 * 16, dtype=np.float32).reshape(2, 16)             # two 4x4 images
    small = regularization.downsample(X, factor=2)
    assert small.shape == (2, 4)
    assert small[0, 0] == pytest.approx(np.mean([0, 1, 4, 5]))
    rng = np.random.default_rng(0)
    augmented = regularization.augment(np.ones((3, 1, 4, 4), np.float32), rng, max_shift=1, noise=0.1)
    assert augmented.shape[0] == 3 and not np.allclose(augmented, 1.0)


def test_regularization_helpers_reject_bad_input():
    with pytest.raises(ValueError, match="not square images"):
        regularization.downsample(np.zeros((2, 10)))
    with pytest.raises(ValueError, match="must have shape"):
        regularization.downsample(np.zeros(5))
    with pytest.raises(ValueError, match="not divisible by factor 3"):
        regularization.downsample(np.zeros((1, 16)), factor=3)
    with pytest.raises(ValueError, match="factor must be a positive integer"):
        regularization.downsample(np.zeros((1, 16)), factor=0)
    with pytest.raises(TypeError, match="numpy.random.Generator"):
        regularization.augment(np.zeros((1, 16)), rng=0)
    with pytest.raises(ValueError, match="max_shift must be an integer >= 0"):
        regularization.augment(np.zeros((1, 16)), np.random.default_rng(0), max_shift=-1)
    with pytest.raises(ValueError, match="noise must be a number >= 0"):
        regularization.augment(np.zeros((1, 16)), np.random.default_rng(0), noise=-0.5)
    data = (np.zeros((4, 4)), np.zeros(4, int), np.zeros((4, 4)), np.zeros(4, int))
    with pytest.raises(ValueError, match=r"drop_rate must be in \[0, 1\)"):
        regularization.train_curves(1.0, 0.0, data)
    with pytest.raises(ValueError, match="l2 must be a number >= 0"):
        regularization.train_curves(0.5, -1.0, data)
    with pytest.raises(ValueError, match=r"data must be \(X_train, y_train, X_val, y_val\)"):
        regularization.train_curves(0.5, 0.0, data[:2])
    with pytest.raises(ValueError, match="at least one drop rate"):
        regularization.dropout_runs(drop_rates=())
    with pytest.raises(ValueError, match="either runs or training options"):
        regularization.make_explorer(runs={(0.0, 0.0): None}, epochs=3)
    with pytest.raises(ValueError, match="non-empty dict"):
        regularization.make_explorer(runs={})


def test_train_curves_are_measured_in_eval_mode_after_every_epoch():
    data = _random_classes(features=20)
    run = regularization.train_curves(0.5, 0.01, data, epochs=4, hidden=(32,))
    X, y, X_val, y_val = data
    model = mlp([20, 32, 10], rng=np.random.default_rng(0), dropout=0.5)
    loss = SoftmaxCrossEntropy()
    trainer = Trainer(model, loss, SGD(lr=0.05, momentum=0.9, weight_decay=0.01), batch_size=100)
    for epoch in range(4):                                        # the same run, evaluated by hand
        trainer.fit(X, y, 1)
        for part, (Xp, yp) in (("train", (X, y)), ("val", (X_val, y_val))):
            value, acc = evaluate(model, loss, Xp, yp)
            assert run[f"{part}_loss"][epoch] == value and run[f"{part}_acc"][epoch] == acc


def test_train_curves_raise_when_the_loss_becomes_nan():
    X, y, X_val, y_val = _random_classes()
    X[3, 0] = np.nan
    with pytest.raises(TrainingDiverged, match="the data hold nan or inf"):
        regularization.train_curves(0.0, 0.0, (X, y, X_val, y_val), epochs=3, hidden=(8,))


# ----------------------------------------------------------------------------- chapter 10, CNN

def test_convolve_image_shapes_follow_the_formula():
    image = np.arange(36, dtype=np.float32).reshape(6, 6)
    out = cnn.convolve_image(image, cnn.kernel_array("sharpen"), stride=2, padding=1)
    assert out.shape == (3, 3)
    identity = np.zeros((3, 3), np.float32)
    identity[1, 1] = 1.0
    assert np.allclose(cnn.convolve_image(image, identity, padding=1), image)


def test_cnn_helpers_reject_bad_input():
    with pytest.raises(ValueError, match="unknown kernel 'wobble'"):
        cnn.kernel_array("wobble")
    with pytest.raises(ValueError, match=r"grey image of shape \(H, W\)"):
        cnn.convolve_image(np.zeros((1, 6, 6)), np.zeros((3, 3)))
    with pytest.raises(ValueError, match=r"kernel of shape \(kh, kw\)"):
        cnn.convolve_image(np.zeros((6, 6)), np.zeros(3))
    with pytest.raises(ValueError, match="square kernel"):
        cnn.convolve_image(np.zeros((6, 6)), np.zeros((3, 2)))
    with pytest.raises(ValueError, match="stride to be a positive integer, got 1.5"):
        cnn.convolve_image(np.zeros((6, 6)), np.zeros((3, 3)), stride=1.5)
    with pytest.raises(ValueError, match="at least one value"):
        cnn.make_explorer(strides=())
