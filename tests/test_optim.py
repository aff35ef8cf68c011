import math

import numpy as np
import pytest

from dlcore import optim as O


def run(opt, x0=1.0, steps=2, grad=lambda x: x):
    """Steps of opt on f(x) = x**2 / 2 (gradient x); returns the iterates after x0."""
    params = {"x": np.array([x0])}
    path = []
    for _ in range(steps):
        opt.step(params, {"x": grad(params["x"])})
        path.append(float(params["x"][0]))
    return path


def test_sgd():
    assert run(O.SGD(lr=0.1)) == pytest.approx([0.9, 0.81])


def test_momentum():
    # v1 = 1, x1 = 1 - 0.1 * 1 = 0.9; v2 = 0.9 * 1 + 0.9 = 1.8, x2 = 0.9 - 0.18
    assert run(O.SGD(lr=0.1, momentum=0.9)) == pytest.approx([0.9, 0.72])
    assert run(O.SGD(lr=0.1, momentum=0.9)) == pytest.approx([0.9, 0.72])


def test_nesterov():
    # v1 = 1, x1 = 1 - 0.1 (1 + 0.9) = 0.81; v2 = 0.9 + 0.81 = 1.71, x2 = 0.81 - 0.1 (0.81 + 0.9 * 1.71)
    assert run(O.SGD(lr=0.1, momentum=0.9, nesterov=True)) == pytest.approx([0.81, 0.81 - 0.1 * (0.81 + 1.539)])


def test_adagrad():
    # h1 = 1, x1 = 1 - 0.1; h2 = 1 + 0.81, x2 = 0.9 - 0.1 * 0.9 / sqrt(1.81)
    assert run(O.AdaGrad(lr=0.1)) == pytest.approx([0.9, 0.9 - 0.09 / math.sqrt(1.81)])


def test_rmsprop():
    # h1 = 0.1, x1 = 1 - 0.01 / sqrt(0.1); h2 = 0.09 + 0.1 x1**2
    x1 = 1 - 0.01 / math.sqrt(0.1)
    x2 = x1 - 0.01 * x1 / math.sqrt(0.09 + 0.1 * x1 ** 2)
    assert run(O.RMSProp(lr=0.01, rho=0.9)) == pytest.approx([x1, x2])


def test_adam_bias_correction_on_the_first_steps():
    # step 1: m = 0.1, v = 0.001; corrected m_hat = 1, v_hat = 1: a step of exactly lr
    # step 2 (g = 0.9): m = 0.09 + 0.09 = 0.18, v = 0.000999 + 0.00081 = 0.001809
    m_hat, v_hat = 0.18 / (1 - 0.9 ** 2), 0.001809 / (1 - 0.999 ** 2)
    expected = [0.9, 0.9 - 0.1 * m_hat / math.sqrt(v_hat)]
    assert run(O.Adam(lr=0.1)) == pytest.approx(expected, rel=1e-6)
    # the first step has size lr whatever the gradient's scale
    assert run(O.Adam(lr=0.1), grad=lambda x: 1e-4 * x, steps=1) == pytest.approx([0.9], rel=1e-3)


def test_weight_decay_and_l1():
    zero = lambda x: np.zeros_like(x)  # noqa: E731
    assert run(O.SGD(lr=0.1, weight_decay=0.5), grad=zero, steps=1) == pytest.approx([0.95])
    assert run(O.SGD(lr=0.1, l1=0.2), grad=zero, steps=1) == pytest.approx([0.98])
    assert run(O.SGD(lr=0.1, l1=0.2), x0=-1.0, grad=zero, steps=1) == pytest.approx([-0.98])
    for opt in (O.AdaGrad(weight_decay=0.1), O.RMSProp(l1=0.1), O.Adam(weight_decay=0.1)):
        assert abs(run(opt, grad=zero, steps=3)[-1]) < 1


@pytest.mark.parametrize("opt", [O.SGD(lr=0.95), O.SGD(lr=0.1, momentum=0.9), O.SGD(lr=0.1, momentum=0.9, nesterov=True),
                                 O.AdaGrad(lr=1.5), O.RMSProp(lr=0.1), O.Adam(lr=0.3)], ids=repr)
def test_optimizers_minimize_the_chapter_6_function(opt):
    # f(x, y) = x**2 / 20 + y**2, from (-7, 2)
    params = {"xy": np.array([-7.0, 2.0])}
    for _ in range(200):
        x, y = params["xy"]
        opt.step(params, {"xy": np.array([x / 10, 2 * y])})
    assert np.linalg.norm(params["xy"]) < 0.5


def test_state_is_kept_by_name_and_lr_can_be_set():
    opt = O.Adam(lr=0.1)
    params = {"a": np.ones(2), "b": np.ones((2, 3))}
    opt.step(params, {"a": np.ones(2), "b": np.zeros((2, 3))})
    assert set(opt.state) == {"a", "b"} and opt.state["a"]["t"] == 1
    assert np.allclose(params["a"], 0.9) and np.allclose(params["b"], 1)
    opt.lr = 0.0
    opt.step(params, {"a": np.ones(2), "b": np.ones((2, 3))})
    assert np.allclose(params["a"], 0.9)
    assert repr(O.SGD(lr=0.1)) == "SGD(lr=0.1, weight_decay=0.0, l1=0.0, momentum=0.0, nesterov=False)"


def test_clip_grad_norm():
    grads = {"a": np.array([3.0]), "b": np.array([[4.0]])}
    assert O.clip_grad_norm(grads, 1.0) == pytest.approx(5.0)
    assert grads["a"][0] == pytest.approx(0.6) and grads["b"][0, 0] == pytest.approx(0.8)
    assert O.clip_grad_norm(grads, 10.0) == pytest.approx(1.0)
    assert grads["a"][0] == pytest.approx(0.6)


def test_schedules():
    assert [O.StepLR(1.0, step_size=2, gamma=0.5)(t) for t in range(5)] == [1, 1, 0.5, 0.5, 0.25]
    assert O.ExponentialLR(2.0, gamma=0.5)(3) == 0.25
    assert O.InverseTimeLR(1.0, decay_rate=0.5)(2) == 0.5
    cosine = O.CosineLR(1.0, total=10, min_lr=0.1)
    assert cosine(0) == 1.0 and cosine(5) == pytest.approx(0.55) and cosine(10) == cosine(20) == pytest.approx(0.1)
    warm = O.WarmupLR(0.4, warmup=4)
    assert [warm(t) for t in range(6)] == pytest.approx([0.1, 0.2, 0.3, 0.4, 0.4, 0.4])
    warm_then_decay = O.WarmupLR(O.ExponentialLR(1.0, 0.5), warmup=2)
    assert [warm_then_decay(t) for t in range(4)] == pytest.approx([0.5, 1.0, 1.0, 0.5])
    assert repr(O.StepLR(1.0, 3)) == "StepLR(lr=1.0, step_size=3, gamma=0.1)"


def test_the_base_optimizer_has_no_rule():
    with pytest.raises(NotImplementedError):
        O.Optimizer(lr=0.1).step({"x": np.ones(1)}, {"x": np.ones(1)})


# --------------------------------------------------------------------- settings that must matter

def test_weight_decay_and_l1_away_from_p_equal_1():
    zero = lambda x: np.zeros_like(x)  # noqa: E731
    # at p = 1, weight_decay * p equals weight_decay / p: test at p = 4 and p = -3
    assert run(O.SGD(lr=0.1, weight_decay=0.5), x0=4.0, grad=zero, steps=1) == pytest.approx([4 - 0.1 * 0.5 * 4])
    assert run(O.SGD(lr=0.1, weight_decay=0.5), x0=-3.0, grad=zero, steps=1) == pytest.approx([-3 + 0.1 * 0.5 * 3])
    assert run(O.SGD(lr=0.1, l1=0.2), x0=4.0, grad=zero, steps=1) == pytest.approx([4 - 0.1 * 0.2])
    # both on top of the gradient g = x at x = 2: 2 + 0.5 * 2 + 0.2 = 3.2
    assert run(O.SGD(lr=0.1, weight_decay=0.5, l1=0.2), x0=2.0, steps=1) == pytest.approx([2 - 0.1 * 3.2])
    # adaptive rules see the decayed gradient: Adam with eps = 1 steps lr * g / (|g| + 1)
    g = 0.5 * 3
    assert run(O.Adam(lr=0.1, eps=1.0, weight_decay=0.5), x0=3.0, grad=zero, steps=1) == \
        pytest.approx([3 - 0.1 * g / (g + 1)])
    assert run(O.AdaGrad(lr=0.1, eps=1.0, l1=0.3), x0=3.0, grad=zero, steps=1) == pytest.approx([3 - 0.1 * 0.3 / 1.3])


def test_eps_matters():
    # a large eps makes the adaptive step visibly smaller: step = lr * g / (sqrt(h) + eps)
    assert run(O.AdaGrad(lr=0.1, eps=1.0), x0=2.0, steps=1) == pytest.approx([2 - 0.1 * 2 / (2 + 1)])
    h = 0.5 * 4
    assert run(O.RMSProp(lr=0.1, rho=0.5, eps=1.0), x0=2.0, steps=1) == \
        pytest.approx([2 - 0.1 * 2 / (math.sqrt(h) + 1)])
    assert run(O.Adam(lr=0.1, eps=1.0), x0=2.0, steps=1) == pytest.approx([2 - 0.1 * 2 / (2 + 1)])
    # eps is added to the square root, not under it
    assert run(O.AdaGrad(lr=0.1, eps=5.0), x0=2.0, steps=1) != pytest.approx([2 - 0.1 * 2 / math.sqrt(4 + 5)])


def test_default_settings_are_pinned():
    assert (O.SGD().lr, O.SGD().momentum, O.SGD().nesterov, O.SGD().weight_decay, O.SGD().l1) == (0.01, 0, False, 0, 0)
    assert (O.AdaGrad().lr, O.AdaGrad().eps) == (0.01, 1e-10)
    assert (O.RMSProp().lr, O.RMSProp().rho, O.RMSProp().eps) == (0.01, 0.9, 1e-8)
    adam = O.Adam()
    assert (adam.lr, adam.beta1, adam.beta2, adam.eps, adam.weight_decay, adam.l1) == (0.001, 0.9, 0.999, 1e-8, 0, 0)
    # and the defaults behave as the same values given explicitly
    assert run(O.Adam(), steps=3) == run(O.Adam(lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8), steps=3)
    assert run(O.RMSProp(), steps=3) == run(O.RMSProp(lr=0.01, rho=0.9, eps=1e-8), steps=3)
    assert run(O.SGD(), steps=2) == pytest.approx([0.99, 0.99 ** 2])
    assert O.StepLR(1.0, 1)(1) == pytest.approx(0.1)                 # gamma = 0.1
    assert O.InverseTimeLR(1.0)(1) == 0.5                             # decay_rate = 1
    assert O.CosineLR(1.0, 4)(4) == 0.0                               # min_lr = 0
    assert O.clip_grad_norm({"g": np.array([3.0, 4.0])}, 5.0) == 5.0  # at the limit: unchanged
