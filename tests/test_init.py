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
