"""Property-based tests: Hypothesis searches shapes, dtypes, sizes and settings.

Every public constructor (layers, losses, optimizers, schedules, initializers) is tried on
drawn valid settings (it must work, and work right) and drawn bad ones (it must refuse with
a TypeError/ValueError naming itself); every layer's forward and backward is gradient-checked
in float64 on drawn shapes; optimizers are compared step by step with the formulas they
print. The budget comes from tests/hypothesis_profiles.py (HYPOTHESIS_PROFILE=full searches
longer).
"""
import math

import hypothesis_profiles  # noqa: F401  (loads the settings profile)
import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from dlcore import conv as C
from dlcore import init
from dlcore import layers as L
from dlcore import optim as O
from dlcore.grad import numerical_gradient, relative_error
from dlcore.model import mlp
from dlcore_checks import assert_gradients_match

FLOAT_TYPES = [float, np.float16, np.float32, np.float64]
INT_TYPES = [int, np.int8, np.int16, np.int32, np.int64, np.uint8]


def convert(value_and_type):
    value, to = value_and_type
    with np.errstate(over="ignore"):
        return to(value)


def reals(low, high, *, exclude_low=False, exclude_high=False):
    """Finite reals in a range, as Python floats or numpy scalars of every float width (the
    value is drawn so that it stays in the range after the conversion)."""
    values = st.floats(low, high, exclude_min=exclude_low, exclude_max=exclude_high, allow_nan=False)
    return st.tuples(values, st.sampled_from(FLOAT_TYPES)).map(convert).filter(
        lambda v: math.isfinite(float(v)) and (low < float(v) if exclude_low else low <= float(v))
        and (float(v) < high if exclude_high else float(v) <= high))


def ints(low, high):
    return st.tuples(st.integers(low, high), st.sampled_from(INT_TYPES)).filter(
        lambda v: v[1] is int or np.iinfo(v[1]).min <= v[0] <= np.iinfo(v[1]).max).map(lambda v: v[1](v[0]))


NOT_NUMBERS = st.one_of(st.booleans(), st.just(np.True_), st.none(), st.text(max_size=3),
                        st.lists(st.floats(0, 1), min_size=1, max_size=2), st.just(1 + 2j))
NON_FINITE = st.sampled_from([float("nan"), float("inf"), -float("inf"), np.float32("nan"), np.float64("inf")])


def refused(make, value, owner):
    """``make(value)`` raises TypeError (a wrong type) or ValueError (a wrong value) naming owner.
    (A string is the wrong type for a number, but a possible name for ``init``.)"""
    wrong_type = isinstance(value, (bool, np.bool_, list, complex)) or value is None \
        or (isinstance(value, str) and "init" not in owner)
    with pytest.raises(TypeError if wrong_type else ValueError, match=owner):
        make(value)


# ----------------------------------------------------------------------------- constructors

@given(ints(1, 6), ints(1, 6), st.booleans(), st.sampled_from(["he", "xavier", "he_uniform", "zeros", 0.1]),
       st.sampled_from([np.float16, np.float32, np.float64, "float32"]), st.integers(0, 2 ** 32 - 1))
def test_linear_builds_what_it_is_asked_for(n_in, n_out, bias, method, dtype, seed):
    layer = L.Linear(n_in, n_out, bias=bias, init=method, rng=seed, dtype=dtype)
    assert layer.params["W"].shape == (n_in, n_out) and layer.params["W"].dtype == np.dtype(dtype)
    assert ("b" in layer.params) == bias and set(layer.grads) == set(layer.params)
    assert np.array_equal(layer.params["W"], L.Linear(n_in, n_out, bias=bias, init=method, rng=seed,
                                                      dtype=dtype).params["W"])
    assert layer(np.ones((2, n_in))).shape == (2, n_out)


@given(st.one_of(NOT_NUMBERS, NON_FINITE, st.integers(-3, 0), st.floats(0.5, 9.5).filter(lambda v: v != int(v))))
def test_sizes_must_be_positive_integers(value):
    for make, owner in [(lambda v: L.Linear(v, 2), "Linear expected in_features"),
                        (lambda v: L.Linear(2, v), "Linear expected out_features"),
                        (lambda v: L.BatchNorm1d(v), "BatchNorm1d expected num_features"),
                        (lambda v: L.BatchNorm2d(v), "BatchNorm2d expected num_features"),
                        (lambda v: O.StepLR(0.1, v), "StepLR expected step_size"),
                        (lambda v: O.CosineLR(0.1, v), "CosineLR expected total"),
                        (lambda v: C.Conv2d(1, v, 3), "Conv2d expected out_channels")]:
        integer = isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_))
        with pytest.raises(ValueError if integer else TypeError, match=owner):
            make(value)


@given(st.data())
def test_settings_in_range_are_accepted_and_kept(data):
    p = data.draw(reals(0, 1, exclude_high=True))
    assert L.Dropout(p).p == float(p)
    slope, alpha = data.draw(reals(-5, 5)), data.draw(reals(0, 5))
    assert L.LeakyReLU(slope).negative_slope == float(slope) and L.ELU(alpha).alpha == float(alpha)
    momentum, eps = data.draw(reals(0, 1)), data.draw(reals(1e-8, 1, exclude_low=False))
    assume(float(eps) > 0)
    bn = L.BatchNorm2d(data.draw(ints(1, 4)), momentum=momentum, eps=eps)
    assert (bn.momentum, bn.eps) == (float(momentum), float(eps))
    assert L.HuberLoss(eps).delta == float(eps)
    lr, beta1, beta2 = data.draw(reals(1e-6, 10)), data.draw(reals(0, 1, exclude_high=True)), \
        data.draw(reals(0, 1, exclude_high=True))
    adam = O.Adam(lr=lr, beta1=beta1, beta2=beta2, eps=eps, weight_decay=alpha, l1=momentum)
    assert (adam.lr, adam.beta1, adam.beta2, adam.weight_decay) == (float(lr), float(beta1), float(beta2), float(alpha))
    assert O.SGD(lr, momentum=beta1).momentum == float(beta1) and O.RMSProp(lr, rho=beta2).rho == float(beta2)


BAD_SETTINGS = [
    (lambda v: L.Dropout(v), "Dropout expected", st.one_of(reals(1, 5), reals(-5, 0, exclude_high=True))),
    (lambda v: L.ELU(v), "ELU expected alpha", reals(-5, 0, exclude_high=True)),
    (lambda v: L.BatchNorm1d(2, momentum=v), "BatchNorm1d expected momentum", reals(1, 5, exclude_low=True)),
    (lambda v: L.BatchNorm1d(2, eps=v), "BatchNorm1d expected eps", reals(-1, 0)),
    (lambda v: L.HuberLoss(v), "HuberLoss expected delta", reals(-1, 0)),
    (lambda v: O.SGD(lr=v), "SGD expected lr", reals(-1, 0)),
    (lambda v: O.SGD(momentum=v), "SGD expected momentum", reals(1, 3)),
    (lambda v: O.Adam(beta1=v), "Adam expected beta1", st.one_of(reals(1, 3), reals(-3, 0, exclude_high=True))),
    (lambda v: O.RMSProp(rho=v), "RMSProp expected rho", reals(1, 3)),
    (lambda v: O.AdaGrad(weight_decay=v), "AdaGrad expected weight_decay", reals(-3, 0, exclude_high=True)),
    (lambda v: O.StepLR(0.1, 2, gamma=v), "StepLR expected gamma",
     st.one_of(reals(-3, 0), reals(1, 3, exclude_low=True))),
    (lambda v: O.ExponentialLR(v, 0.5), "ExponentialLR expected lr", reals(-3, 0)),
    (lambda v: O.InverseTimeLR(0.1, v), "InverseTimeLR expected decay_rate", reals(-3, 0, exclude_high=True)),
    (lambda v: O.CosineLR(0.1, 5, min_lr=v), "CosineLR expected min_lr",
     st.one_of(reals(-3, 0, exclude_high=True), reals(0.1, 3, exclude_low=True))),
    (lambda v: O.clip_grad_norm({"g": np.ones(2)}, v), "clip_grad_norm expected max_norm", reals(-3, 0)),
    (lambda v: init.normal((2, 2), 0, std=v), "normal expected std", reals(-3, 0, exclude_high=True)),
    (lambda v: L.Linear(2, 2, init=v), "initialize (expected|got an unknown) init", reals(-3, 0, exclude_high=True)),
]


@pytest.mark.parametrize("make, owner, out_of_range", BAD_SETTINGS, ids=[b[1] for b in BAD_SETTINGS])
@given(data=st.data())
def test_bad_settings_are_refused_naming_the_owner(make, owner, out_of_range, data):
    refused(make, data.draw(st.one_of(out_of_range, NON_FINITE, NOT_NUMBERS)), owner)


@given(st.sampled_from([np.int8, np.int64, np.uint8, bool, complex, np.complex64, "U3", object]))
def test_non_float_dtypes_are_refused(dtype):
    for make in (lambda: L.Linear(2, 2, dtype=dtype), lambda: L.BatchNorm2d(2, dtype=dtype),
                 lambda: init.zeros((2,), dtype=dtype), lambda: C.Conv2d(1, 1, 1, dtype=dtype)):
        with pytest.raises(TypeError, match="expected dtype to be a floating-point type"):
            make()


# ----------------------------------------------------------------------------- layers: gradients

def normal(rng, shape):
    x = rng.normal(size=shape)
    x[np.abs(x) < 1e-2] = 0.5     # central differences fail on the kinks of ReLU-like functions
    return x


@given(st.data(), st.integers(0, 1000))
def test_activation_layers_match_numerical_gradients_on_any_shape(data, seed):
    rng = np.random.default_rng(seed)
    layer = data.draw(st.sampled_from([
        L.ReLU(), L.Sigmoid(), L.Tanh(), L.Identity(),
        L.LeakyReLU(data.draw(st.floats(-2, 2))), L.ELU(data.draw(st.floats(0, 3)))]))
    shape = data.draw(st.lists(st.integers(1, 4), min_size=1, max_size=4).map(tuple))
    assert_gradients_match(layer, normal(rng, shape), rng)


@given(st.integers(1, 5), st.integers(1, 5), st.integers(1, 4), st.booleans(), st.integers(0, 1000))
def test_linear_matches_numerical_gradients(n, n_in, n_out, bias, seed):
    rng = np.random.default_rng(seed)
    layer = L.Linear(n_in, n_out, bias=bias, rng=rng, dtype=np.float64)
    if bias:
        layer.params["b"][:] = rng.normal(size=n_out)
    assert_gradients_match(layer, rng.normal(size=(n, n_in)), rng)


@given(st.integers(1, 4), st.integers(2, 5), st.integers(0, 1000))
def test_softmax_matches_numerical_gradients(n, k, seed):
    rng = np.random.default_rng(seed)
    x, d, softmax = rng.normal(size=(n, k)) * 3, rng.normal(size=(n, k)), L.Softmax()
    softmax(x)
    numeric = numerical_gradient(lambda v: float(np.sum(softmax(v) * d)), x)
    softmax(x)
    # absolute tolerance too: a saturated softmax has a gradient near 0, all rounding noise
    assert np.allclose(softmax.backprop(d), numeric, rtol=1e-6, atol=1e-9)


@given(st.data(), st.booleans(), st.integers(0, 1000))
def test_batchnorm_matches_numerical_gradients(data, training, seed):
    rng = np.random.default_rng(seed)
    images = data.draw(st.booleans())
    c = data.draw(st.integers(1, 3))
    shape = (data.draw(st.integers(1, 3)), c, data.draw(st.integers(1, 3)), data.draw(st.integers(1, 3))) \
        if images else (data.draw(st.integers(2, 6)), c)
    # with two values per feature the output is +-gamma + beta whatever x: dx ~ eps, all rounding noise
    assume(not training or np.prod(shape) // c >= 3)
    bn = (L.BatchNorm2d if images else L.BatchNorm1d)(c, eps=data.draw(st.floats(1e-5, 1.0)), dtype=np.float64)
    bn.params["gamma"][:] = rng.uniform(0.5, 2, size=c)
    bn.params["beta"][:] = rng.normal(size=c)
    bn.buffers["running_var"][:] = rng.uniform(0.5, 2, size=c)
    if not training:
        bn.eval()
    assert_gradients_match(bn, rng.normal(size=shape), rng)


@given(st.data(), st.integers(0, 1000))
def test_dropout_backward_uses_the_forward_mask(data, seed):
    rng = np.random.default_rng(seed)
    p = data.draw(st.floats(0, 0.95))
    shape = data.draw(st.lists(st.integers(1, 5), min_size=1, max_size=3).map(tuple))
    drop = L.Dropout(p, rng=rng)
    x = rng.normal(size=shape)
    y = drop(x)
    kept = y != 0
    assert np.allclose(y[kept], x[kept] / (1 - p))
    dout = rng.normal(size=shape)
    assert np.allclose(drop.backprop(dout), np.where(kept, dout / (1 - p), 0))
    drop.eval()
    assert np.array_equal(drop(x), x) and np.array_equal(drop.backprop(dout), dout)


def window_fits(draw, kh, kw, stride, padding):
    h = draw(st.integers(max(1, kh - 2 * padding), kh - 2 * padding + 2 * stride + 1))
    w = draw(st.integers(max(1, kw - 2 * padding), kw - 2 * padding + 2 * stride + 1))
    return h, w


@given(st.data(), st.integers(0, 1000))
def test_conv2d_matches_numerical_gradients_with_non_square_kernels(data, seed):
    rng = np.random.default_rng(seed)
    kh, kw = data.draw(st.integers(1, 3)), data.draw(st.integers(1, 3))
    stride, padding = data.draw(st.integers(1, 2)), data.draw(st.integers(0, 1))
    c_in, c_out = data.draw(st.integers(1, 2)), data.draw(st.integers(1, 2))
    h, w = window_fits(data.draw, kh, kw, stride, padding)
    conv = C.Conv2d(c_in, c_out, (kh, kw), stride, padding, rng=rng, dtype=np.float64)
    conv.params["b"][:] = rng.normal(size=c_out)
    x = rng.normal(size=(data.draw(st.integers(1, 2)), c_in, h, w))
    assert conv(x).shape[2:] == ((h + 2 * padding - kh) // stride + 1, (w + 2 * padding - kw) // stride + 1)
    assert_gradients_match(conv, x, rng)


def pool_reference(x, kh, kw, stride, reduce):
    n, c, h, w = x.shape
    oh, ow = (h - kh) // stride + 1, (w - kw) // stride + 1
    out = np.empty((n, c, oh, ow))
    for i in range(oh):
        for j in range(ow):
            out[:, :, i, j] = reduce(x[:, :, i * stride:i * stride + kh, j * stride:j * stride + kw], axis=(2, 3))
    return out


@given(st.data(), st.sampled_from([(C.MaxPool2d, np.max), (C.AvgPool2d, np.mean)]), st.integers(0, 1000))
def test_pooling_with_non_square_windows_matches_a_loop_and_numerical_gradients(data, pool, seed):
    cls, reduce = pool
    rng = np.random.default_rng(seed)
    kh, kw = data.draw(st.integers(1, 3)), data.draw(st.integers(1, 3))
    stride = data.draw(st.integers(1, 3))
    h, w = window_fits(data.draw, kh, kw, stride, 0)
    layer = cls((kh, kw), stride=stride)
    x = rng.permutation(2 * 2 * h * w).reshape(2, 2, h, w) / 7.0   # distinct values: no ties at a maximum
    assert np.allclose(layer(x), pool_reference(x, kh, kw, stride, reduce))
    assert_gradients_match(layer, x, rng)


@given(st.data(), st.integers(0, 1000))
def test_flatten_round_trips(data, seed):
    rng = np.random.default_rng(seed)
    shape = (data.draw(st.integers(1, 3)),) + data.draw(st.lists(st.integers(1, 4), min_size=1, max_size=3).map(tuple))
    assert_gradients_match(C.Flatten(), rng.normal(size=shape), rng)


@given(st.sampled_from([L.MSELoss(), L.MAELoss(), L.HuberLoss(0.7), L.BCEWithLogits(), L.SoftmaxCrossEntropy()]),
       st.integers(1, 4), st.integers(2, 4), st.integers(0, 1000))
def test_losses_match_numerical_gradients(loss, n, k, seed):
    rng = np.random.default_rng(seed)
    y_hat = rng.normal(size=(n, k)) * 2
    if isinstance(loss, L.SoftmaxCrossEntropy):
        y = rng.dirichlet(np.ones(k), size=n)            # soft labels: rows that sum to 1
    elif isinstance(loss, L.BCEWithLogits):
        y = rng.uniform(0, 1, size=(n, k))
    else:
        y = rng.normal(size=(n, k))
        y_hat[np.abs(y_hat - y) < 1e-2] += 0.1           # off the kinks of MAE and Huber
        y_hat[np.abs(np.abs(y_hat - y) - 0.7) < 1e-2] += 0.1
    numeric = numerical_gradient(lambda v: loss.forward(v, y), y_hat)
    assert isinstance(loss(y_hat, y), float)
    assert relative_error(loss.backward(), numeric) < 1e-6


# ----------------------------------------------------------------------------- optimizers: the formulas

def reference_steps(kind, settings, p, grads):
    """The update rules as the book prints them, written again in plain float64 numpy."""
    p, lr = p.copy(), settings["lr"]
    wd, l1 = settings.get("weight_decay", 0.0), settings.get("l1", 0.0)
    v = h = m = np.zeros_like(p)
    for t, g in enumerate(grads, 1):
        g = g + wd * p + l1 * np.sign(p)
        if kind == "SGD":
            mu = settings.get("momentum", 0.0)
            v = mu * v + g
            p = p - lr * ((g + mu * v) if settings.get("nesterov") else (v if mu else g))
        elif kind == "AdaGrad":
            h = h + g * g
            p = p - lr * g / (np.sqrt(h) + settings["eps"])
        elif kind == "RMSProp":
            h = settings["rho"] * h + (1 - settings["rho"]) * g * g
            p = p - lr * g / (np.sqrt(h) + settings["eps"])
        else:
            b1, b2 = settings["beta1"], settings["beta2"]
            m, v = b1 * m + (1 - b1) * g, b2 * v + (1 - b2) * g * g
            p = p - lr * (m / (1 - b1 ** t)) / (np.sqrt(v / (1 - b2 ** t)) + settings["eps"])
    return p


@given(st.data(), st.sampled_from(["SGD", "AdaGrad", "RMSProp", "Adam"]), st.integers(0, 1000))
def test_optimizers_follow_their_formulas_with_any_settings(data, kind, seed):
    rng = np.random.default_rng(seed)
    settings = {"lr": data.draw(st.floats(1e-3, 2.0)), "weight_decay": data.draw(st.sampled_from([0.0, 0.3])),
                "l1": data.draw(st.sampled_from([0.0, 0.05]))}
    if kind == "SGD":
        settings["momentum"] = data.draw(st.sampled_from([0.0, 0.5, 0.9]))
        settings["nesterov"] = settings["momentum"] > 0 and data.draw(st.booleans())
    if kind in ("AdaGrad", "RMSProp", "Adam"):
        settings["eps"] = data.draw(st.sampled_from([1e-8, 0.1, 1.0, 10.0]))   # large eps shows in the step
    if kind == "RMSProp":
        settings["rho"] = data.draw(st.floats(0.0, 0.99))
    if kind == "Adam":
        settings["beta1"], settings["beta2"] = data.draw(st.floats(0.0, 0.99)), data.draw(st.floats(0.0, 0.999))
    shape = data.draw(st.lists(st.integers(1, 3), min_size=1, max_size=2).map(tuple))
    p0 = rng.normal(size=shape) * 2                                         # far from 1: * p and / p differ
    grads = [rng.normal(size=shape) for _ in range(3)]
    params = {"w": p0.copy()}
    opt = getattr(O, kind)(**settings)
    for g in grads:
        opt.step(params, {"w": g.copy()})
    assert np.allclose(params["w"], reference_steps(kind, settings, p0, grads), rtol=1e-10, atol=1e-12)


# ----------------------------------------------------------------------------- schedules

SCHEDULES = st.one_of(
    st.builds(O.StepLR, reals(1e-4, 10), ints(1, 20), reals(0, 1, exclude_low=True)),
    st.builds(O.ExponentialLR, reals(1e-4, 10), reals(0, 1, exclude_low=True)),
    st.builds(O.InverseTimeLR, reals(1e-4, 10), reals(0, 10)),
    st.builds(lambda lr, total, f: O.CosineLR(lr, total, min_lr=f * float(lr)), reals(1e-4, 10), ints(1, 500),
              st.floats(0, 1)),
)


@given(SCHEDULES, st.lists(st.integers(0, 10 ** 7), min_size=2, max_size=6))
def test_decaying_schedules_give_finite_non_increasing_rates(schedule, ts):
    ts = sorted(ts)
    rates = [schedule(t) for t in ts]
    assert all(math.isfinite(r) and 0 <= r <= schedule.lr * (1 + 1e-12) for r in rates)
    assert all(a >= b - 1e-12 * schedule.lr for a, b in zip(rates, rates[1:]))
    assert schedule(0) == pytest.approx(schedule.lr)


@given(st.one_of(reals(1e-4, 10), SCHEDULES), ints(0, 50), st.integers(0, 10 ** 6))
def test_warmup_climbs_to_the_schedule_it_starts(after, warmup, t):
    schedule = O.WarmupLR(after, warmup)
    start = after(0) if callable(after) else float(after)
    rate = schedule(t)
    assert math.isfinite(rate) and rate >= 0
    if t < warmup:
        assert rate == pytest.approx(start * (t + 1) / int(warmup)) and rate <= start * (1 + 1e-12)
    else:
        assert rate == pytest.approx(after(t - int(warmup)) if callable(after) else start)


# ----------------------------------------------------------------------------- initializers

@given(st.lists(st.integers(1, 6), min_size=4, max_size=4), st.integers(0, 1000))
def test_fans_of_non_square_conv_kernels(shape, seed):
    out_c, in_c, kh, kw = shape
    assert init.fans(shape) == (in_c * kh * kw, out_c * kh * kw)
    assert init.fans((in_c, out_c)) == (in_c, out_c)
    for f in (init.he_normal, init.he_uniform, init.xavier_normal, init.xavier_uniform, init.normal, init.uniform):
        a, b = f(tuple(shape), seed), f(tuple(shape), np.random.default_rng(seed))
        assert a.shape == tuple(shape) and a.dtype == np.float32 and np.array_equal(a, b)
    bound = np.sqrt(6 / (in_c * kh * kw))
    assert np.all(np.abs(init.he_uniform(tuple(shape), seed, dtype=np.float64)) <= bound)
    bound = np.sqrt(6 / (in_c * kh * kw + out_c * kh * kw))
    assert np.all(np.abs(init.xavier_uniform(tuple(shape), seed, dtype=np.float64)) <= bound)


@given(st.sampled_from([init.he_normal, init.xavier_normal]),
       st.sampled_from([(7, 3, 1, 5), (2, 11, 5, 1), (300, 200)]), st.integers(0, 1000))
def test_normal_initializers_scale_by_the_right_fans(f, shape, seed):
    fan_in, fan_out = init.fans(shape)
    expected = np.sqrt(2 / fan_in) if f is init.he_normal else np.sqrt(2 / (fan_in + fan_out))
    repeats = max(1, 20000 // int(np.prod(shape)))
    draws = np.concatenate([f(shape, seed + i, dtype=np.float64).ravel() for i in range(repeats)])
    assert draws.std() == pytest.approx(expected, rel=4 / np.sqrt(len(draws)))


# ----------------------------------------------------------------------------- the vocabulary and files

@given(st.one_of(reals(-1e6, 1e6), ints(-100, 100)))
def test_any_finite_real_of_any_numpy_type_is_a_number(value):
    assert L.LeakyReLU(value).negative_slope == float(value)
    assert O.ExponentialLR(1.0, 0.5)(abs(int(value)) % 50) == 0.5 ** (abs(int(value)) % 50)


@given(st.lists(st.integers(1, 5), min_size=2, max_size=4), st.booleans(), st.booleans(), st.integers(0, 1000))
def test_save_then_load_gives_the_same_model(tmp_path_factory, sizes, batchnorm, suffix, seed):
    folder = tmp_path_factory.mktemp("weights")
    model = mlp(sizes, rng=seed, batchnorm=batchnorm)
    for name, b in model.buffers.items():
        b[...] = np.random.default_rng(seed).uniform(0.5, 2, size=b.shape)
    path = model.save(folder / ("w.npz" if suffix else "w"))
    assert path.name == "w.npz" and [p.name for p in folder.iterdir()] == ["w.npz"]
    other = mlp(sizes, rng=seed + 1, batchnorm=batchnorm).load(folder / ("w.npz" if suffix else "w"))
    for name, value in model.state_dict().items():
        assert np.array_equal(other.state_dict()[name], value), name
