import numpy as np
import pytest

from dlcore import init


def test_fans_for_linear_and_conv_shapes():
    assert init.fans((784, 100)) == (784, 100)
    assert init.fans((30, 3, 5, 5)) == (75, 750)


@pytest.mark.parametrize("f, std", [
    (init.he_normal, np.sqrt(2 / 400)),
    (init.xavier_normal, np.sqrt(2 / (400 + 300))),
    (init.he_uniform, np.sqrt(2 / 400)),           # uniform on [-a, a] has std a / sqrt(3)
    (init.xavier_uniform, np.sqrt(2 / (400 + 300))),
])
def test_scaled_initializers_have_the_right_std(f, std):
    W = f((400, 300), np.random.default_rng(0))
    assert W.dtype == np.float32 and W.shape == (400, 300)
    assert W.std() == pytest.approx(std, rel=0.02) and abs(W.mean()) < 0.1 * std


def test_conv_weights_use_the_receptive_field():
    W = init.he_normal((64, 16, 3, 3), np.random.default_rng(0))
    assert W.std() == pytest.approx(np.sqrt(2 / (16 * 9)), rel=0.03)


def test_simple_initializers():
    rng = np.random.default_rng(0)
    assert np.all(init.zeros((2, 3)) == 0)
    assert np.all(init.constant((2,), value=0.5) == 0.5)
    assert init.normal((500, 500), rng, std=0.01).std() == pytest.approx(0.01, rel=0.02)
    u = init.uniform((1000,), rng, low=-1, high=2, dtype=np.float64)
    assert u.dtype == np.float64 and u.min() >= -1 and u.max() < 2
    assert init.xavier_normal((20, 20), rng, gain=2.0).std() == pytest.approx(2 * np.sqrt(1 / 20), rel=0.15)


def test_same_seed_same_weights():
    a = init.he_normal((5, 4), np.random.default_rng(3))
    b = init.he_normal((5, 4), np.random.default_rng(3))
    assert np.array_equal(a, b)


def test_initialize_accepts_names_numbers_and_functions():
    rng = np.random.default_rng(0)
    assert init.initialize("xavier", (3, 4), rng).shape == (3, 4)
    assert init.initialize(1.0, (300, 300), rng).std() == pytest.approx(1.0, rel=0.02)
    assert init.initialize(lambda shape, rng: np.ones(shape), (2, 2), rng, np.float64).dtype == np.float64


def test_fans_of_non_square_kernels():
    assert init.fans((30, 3, 5, 2)) == (3 * 5 * 2, 30 * 5 * 2)
    assert init.fans((8, 4, 1, 7)) == (28, 56)
    assert init.fans([6, 2]) == (6, 2)


@pytest.mark.parametrize("shape", [(64, 16, 3, 5), (64, 16, 5, 3), (48, 32, 1, 7)])
def test_conv_stds_with_non_square_kernels(shape):
    fan_in, fan_out = shape[1] * shape[2] * shape[3], shape[0] * shape[2] * shape[3]
    rng = np.random.default_rng(0)
    assert init.he_normal(shape, rng).std() == pytest.approx(np.sqrt(2 / fan_in), rel=0.03)
    assert init.xavier_normal(shape, rng).std() == pytest.approx(np.sqrt(2 / (fan_in + fan_out)), rel=0.03)
    a = np.sqrt(6 / fan_in)
    W = init.he_uniform(shape, rng)
    assert np.abs(W).max() <= a and np.abs(W).max() > 0.99 * a
    a = np.sqrt(6 / (fan_in + fan_out))
    W = init.xavier_uniform(shape, rng, gain=2.0)
    assert np.abs(W).max() <= 2 * a and np.abs(W).max() > 0.99 * 2 * a


def test_default_settings_are_pinned():
    rng = np.random.default_rng(0)
    assert init.normal((400, 500), rng).std() == pytest.approx(0.01, rel=0.02)        # std = 0.01
    assert abs(init.normal((400, 500), rng).mean()) < 1e-4                           # mean = 0
    u = init.uniform((400, 500), rng)
    assert -0.05 <= u.min() < -0.0499 and 0.0499 < u.max() < 0.05                    # [-0.05, 0.05)
    assert np.array_equal(init.xavier_normal((30, 20), 1), init.xavier_normal((30, 20), 1, gain=1.0))
    assert np.all(init.constant((3,)) == 0.0)
    assert all(f((2, 3), 0).dtype == np.float32 for f in (init.zeros, init.normal, init.he_normal, init.xavier_uniform))
