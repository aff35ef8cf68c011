import numpy as np
import pytest

from dlcore import conv as C
from dlcore_checks import assert_gradients_match


@pytest.fixture
def rng():
    return np.random.default_rng(0)


def direct_convolution(x, W, b, stride, padding):
    """The definition, one output number at a time."""
    x = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    N, _, H, Wd = x.shape
    F, _, kh, kw = W.shape
    oh, ow = (H - kh) // stride + 1, (Wd - kw) // stride + 1
    y = np.zeros((N, F, oh, ow))
    for n in range(N):
        for f in range(F):
            for i in range(oh):
                for j in range(ow):
                    patch = x[n, :, i * stride:i * stride + kh, j * stride:j * stride + kw]
                    y[n, f, i, j] = np.sum(patch * W[f]) + b[f]
    return y


def direct_pool(x, k, stride, reduce):
    N, Ch, H, W = x.shape
    oh, ow = (H - k) // stride + 1, (W - k) // stride + 1
    y = np.zeros((N, Ch, oh, ow))
    for i in range(oh):
        for j in range(ow):
            y[:, :, i, j] = reduce(x[:, :, i * stride:i * stride + k, j * stride:j * stride + k], axis=(2, 3))
    return y


def test_conv_output_size():
    assert C.conv_output_size(28, 5) == 24
    assert C.conv_output_size(28, 5, stride=1, padding=2) == 28   # "same"
    assert C.conv_output_size(7, 3, stride=2) == 3
    assert C.conv_output_size(4, 2, stride=2) == 2


CASES = [  # (input H, W), kernel, stride, padding
    ((5, 5), 3, 1, 0),
    ((6, 7), 3, 2, 1),
    ((4, 4), 2, 2, 0),
    ((5, 6), (2, 3), 1, 2),
    ((7, 5), 1, 3, 0),
]


@pytest.mark.parametrize("hw, k, stride, padding", CASES)
def test_im2col_and_col2im_are_adjoint(hw, k, stride, padding, rng):
    kh, kw = (k, k) if isinstance(k, int) else k
    x = rng.normal(size=(2, 3) + hw)
    col = C.im2col(x, kh, kw, stride, padding)
    oh = C.conv_output_size(hw[0], kh, stride, padding)
    ow = C.conv_output_size(hw[1], kw, stride, padding)
    assert col.shape == (2 * oh * ow, 3 * kh * kw)
    c = rng.normal(size=col.shape)
    # <im2col(x), c> = <x, col2im(c)>: col2im is exactly the backward of im2col
    assert np.sum(col * c) == pytest.approx(np.sum(x * C.col2im(c, x.shape, kh, kw, stride, padding)))


def test_im2col_rows_are_receptive_fields():
    x = np.arange(16.0).reshape(1, 1, 4, 4)
    col = C.im2col(x, 2, 2, stride=2)
    assert np.array_equal(col, [[0, 1, 4, 5], [2, 3, 6, 7], [8, 9, 12, 13], [10, 11, 14, 15]])


@pytest.mark.parametrize("hw, k, stride, padding", CASES)
def test_conv2d_matches_the_definition(hw, k, stride, padding, rng):
    conv = C.Conv2d(3, 4, k, stride, padding, rng=rng, dtype=np.float64)
    conv.params["b"][:] = rng.normal(size=4)
    x = rng.normal(size=(2, 3) + hw)
    expected = direct_convolution(x, conv.params["W"], conv.params["b"], stride, padding)
    assert np.allclose(conv(x), expected)


@pytest.mark.parametrize("hw, k, stride, padding", CASES)
def test_conv2d_gradients(hw, k, stride, padding, rng):
    conv = C.Conv2d(2, 3, k, stride, padding, rng=rng, dtype=np.float64)
    conv.params["b"][:] = rng.normal(size=3)
    assert_gradients_match(conv, rng.normal(size=(2, 2) + hw), rng)


# strides 1, 2, 3 x paddings 0, 1, 2, with square and non-square kernels, on inputs where
# (H + 2 padding - kh) is often not divisible by the stride (rows no window reaches)
GRADIENT_CASES = [((7, 8), k, stride, padding)
                  for k in (3, (2, 3), (3, 1)) for stride in (1, 2, 3) for padding in (0, 1, 2)]


@pytest.mark.parametrize("hw, k, stride, padding", GRADIENT_CASES)
def test_conv2d_gradients_strides_paddings_kernels(hw, k, stride, padding, rng):
    conv = C.Conv2d(2, 3, k, stride, padding, rng=rng, dtype=np.float64)
    conv.params["b"][:] = rng.normal(size=3)
    assert_gradients_match(conv, rng.normal(size=(2, 2) + hw), rng)


def col2im_input_grad(dout, W, x_shape, stride, padding):
    """The chapter's formula dx = col2im(dout @ W.reshape(F, -1)), as the reference."""
    F, _, kh, kw = W.shape
    rows = dout.transpose(0, 2, 3, 1).reshape(-1, F)
    return C.col2im(rows @ W.reshape(F, -1), x_shape, kh, kw, stride, padding)


@pytest.mark.parametrize("dtype, rtol", [(np.float64, 1e-12), (np.float32, 1e-5)])
def test_conv_input_grad_equals_col2im(dtype, rtol, rng):
    for _ in range(20):
        N, C_in, F = rng.integers(1, 4, size=3)
        kh, kw = rng.integers(1, 5, size=2)
        stride, padding = rng.integers(1, 4), rng.integers(0, 3)
        H, W = rng.integers(max(kh, kw), 10, size=2)
        x_shape = (N, C_in, H, W)
        oh = C.conv_output_size(H, kh, stride, padding)
        ow = C.conv_output_size(W, kw, stride, padding)
        dout = rng.normal(size=(N, F, oh, ow)).astype(dtype)
        W_ = rng.normal(size=(F, C_in, kh, kw)).astype(dtype)
        dx = C.conv_input_grad(dout, W_, x_shape, stride, padding)
        expected = col2im_input_grad(dout, W_, x_shape, stride, padding)
        assert dx.shape == x_shape and dx.dtype == dtype
        np.testing.assert_allclose(dx, expected, rtol=rtol, atol=rtol * np.abs(expected).max())


def test_conv_input_grad_is_zero_where_no_window_reaches():
    # H = W = 8, kernel 3, stride 3: the windows cover rows and columns 0..5, never 6 and 7
    dx = C.conv_input_grad(np.ones((1, 1, 2, 2)), np.ones((1, 1, 3, 3)), (1, 1, 8, 8), stride=3)
    assert np.all(dx[..., :6, :6] == 1)
    assert np.all(dx[..., 6:, :] == 0) and np.all(dx[..., :, 6:] == 0)


def test_conv2d_backward_is_float32_and_matches_col2im(rng):
    conv = C.Conv2d(16, 32, 5, padding=2, rng=rng)
    x = rng.normal(size=(4, 16, 14, 14)).astype(np.float32)
    dout = rng.normal(size=conv(x).shape).astype(np.float32)
    dx = conv.backprop(dout)
    expected = col2im_input_grad(dout, conv.params["W"], x.shape, 1, 2)
    assert dx.dtype == conv.grads["W"].dtype == conv.grads["b"].dtype == np.float32
    np.testing.assert_allclose(dx, expected, rtol=1e-5, atol=1e-5 * np.abs(expected).max())


def test_conv2d_shapes_repr_and_first_layer_backward(rng):
    conv = C.Conv2d(1, 30, 5, rng=rng)
    assert conv.params["W"].shape == (30, 1, 5, 5) and conv.params["b"].shape == (30,)
    y = conv(rng.normal(size=(2, 1, 28, 28)))
    assert y.shape == (2, 30, 24, 24) and y.dtype == np.float32
    assert conv.backward(np.ones(y.shape, dtype=np.float32), input_grad=False) is None
    assert conv.grads["W"].shape == (30, 1, 5, 5)
    assert repr(conv) == "Conv2d(1, 30, kernel_size=(5, 5), stride=1, padding=0)"
    no_bias = C.Conv2d(2, 3, 3, bias=False, dtype=np.float64)
    assert list(no_bias.params) == ["W"] and "bias=False" in repr(no_bias)
    assert_gradients_match(no_bias, rng.normal(size=(1, 2, 4, 4)), rng)


@pytest.mark.parametrize("k, stride", [(2, None), (3, 2), (2, 1), (3, 3)])
def test_pooling_matches_the_definition(k, stride, rng):
    x = rng.normal(size=(2, 3, 7, 8))
    s = k if stride is None else stride
    assert np.allclose(C.MaxPool2d(k, stride)(x), direct_pool(x, k, s, np.max))
    assert np.allclose(C.AvgPool2d(k, stride)(x), direct_pool(x, k, s, np.mean))


@pytest.mark.parametrize("pool", [C.MaxPool2d, C.AvgPool2d])
@pytest.mark.parametrize("k, stride, hw", [(2, None, (4, 6)), (3, 2, (7, 7)), (2, 1, (5, 4)), (3, None, (7, 8))])
def test_pooling_gradients(pool, k, stride, hw, rng):
    assert_gradients_match(pool(k, stride), rng.normal(size=(2, 3) + hw), rng)


def test_max_pool_sends_the_gradient_to_the_first_maximum():
    x = np.zeros((1, 1, 2, 2))
    pool = C.MaxPool2d(2)
    pool(x)
    assert np.array_equal(pool.backward(np.ones((1, 1, 1, 1))), [[[[1, 0], [0, 0]]]])
    assert repr(pool) == "MaxPool2d(kernel_size=(2, 2), stride=2)"


def test_flatten(rng):
    x = rng.normal(size=(2, 3, 4, 5))
    flat = C.Flatten()
    y = flat(x)
    assert y.shape == (2, 60) and np.array_equal(y[1], x[1].ravel())
    assert np.array_equal(flat.backward(y), x)
