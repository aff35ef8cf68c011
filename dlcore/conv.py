"""Convolution and pooling layers. Taught in chapter 10, Convolutional networks.

Images are batches x: (N, C, H, W) (examples, channels, height, width). A convolution
becomes one matrix product through ``im2col``, which copies every receptive field of the
input into a row; ``col2im`` adds rows back into an image (the backward of im2col).

Pooling, ``col2im`` and ``conv_input_grad`` (what Conv2d's backward uses instead of
col2im) loop over the kh * kw offsets of the window (4 for a 2x2 pool), each time touching
a strided slice of the whole batch: few, large array operations. They work on
channels-last (N, H, W, C) views, the memory order a Conv2d output has, so the channels
of one pixel sit side by side.
"""
import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from ._checks import check_size
from .init import initialize
from .layers import Layer


def conv_output_size(n, k, stride=1, padding=0):
    """Output size (n + 2 padding - k) // stride + 1 of a convolution or pooling along one
    axis of size n with window k. Taught in chapter 10."""
    size = (n + 2 * padding - k) // stride + 1
    if size < 1:
        raise ValueError(f"a window of {k} with stride {stride} and padding {padding} does not fit "
                         f"an input of size {n}")
    return size


def _pair(owner, name, value):
    """An int k or a pair (kh, kw) as a pair of positive ints."""
    pair = (value, value) if isinstance(value, (int, np.integer)) else tuple(value)
    if len(pair) != 2:
        raise ValueError(f"{owner} expected {name} to be an int or a pair, got {value!r}")
    return tuple(check_size(owner, name, v) for v in pair)


def _windows(kh, kw, stride, oh, ow):
    """For each position k = i * kw + j inside a kh x kw window: the strided slice of a
    channels-last (N, H, W, C) array that holds element (i, j) of every window."""
    for i in range(kh):
        for j in range(kw):
            yield i * kw + j, (slice(None), slice(i, i + stride * oh, stride), slice(j, j + stride * ow, stride))


def _channels_last(x):
    """The (N, H, W, C) view of x: (N, C, H, W); free when x came from a Conv2d."""
    return x.transpose(0, 2, 3, 1)


def _channels_first(x):
    """The (N, C, H, W) view of x: (N, H, W, C)."""
    return x.transpose(0, 3, 1, 2)


def im2col(x, kh, kw, stride=1, padding=0):
    """Receptive fields as rows: x (N, C, H, W) -> (N * OH * OW, C * kh * kw).

    Row (n, oh, ow) holds the C x kh x kw input window under output pixel (oh, ow) of
    example n. ``sliding_window_view`` makes the windows without copying; one copy then
    writes them in (C * kh * kw, N * OH * OW) order (long contiguous rows, fast) and the
    result is the transposed view of that. Taught in chapter 10.
    """
    if padding:
        x = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    windows = sliding_window_view(x, (kh, kw), axis=(2, 3))[:, :, ::stride, ::stride]  # (N, C, OH, OW, kh, kw)
    N, C, oh, ow = windows.shape[:4]
    col = np.ascontiguousarray(windows.transpose(1, 4, 5, 0, 2, 3))                     # (C, kh, kw, N, OH, OW)
    return col.reshape(C * kh * kw, N * oh * ow).T


def col2im(col, x_shape, kh, kw, stride=1, padding=0):
    """The adjoint of ``im2col``: add each row's values back where they came from.

    col: (N * OH * OW, C * kh * kw) -> (N, C, H, W) with H, W from x_shape. Overlapping
    windows add up. Taught in chapter 10.
    """
    N, C, H, W = x_shape
    oh = conv_output_size(H, kh, stride, padding)
    ow = conv_output_size(W, kw, stride, padding)
    col = col.reshape(N, oh, ow, C, kh * kw)
    x = np.zeros((N, H + 2 * padding, W + 2 * padding, C), dtype=col.dtype)
    for k, window in _windows(kh, kw, stride, oh, ow):
        x[window] += col[..., k]
    return _channels_first(x)[:, :, padding:padding + H, padding:padding + W]


def conv_input_grad(dout, W, x_shape, stride=1, padding=0):
    """dL/dx of a convolution: col2im(delta @ W.reshape(F, -1)) without that large matrix.

    dout: (N, F, OH, OW), filters W: (F, C, kh, kw) -> dx: (N, C, H, W) = x_shape;
    delta is dout as an (N*OH*OW, F) matrix. Element k = (i, j) of every window was
    multiplied by W[:, :, i, j], so the pixels at that offset receive
    delta @ W[:, :, i, j], (N*OH*OW, C): kh * kw small products, each added to one strided
    slice of dx. col2im reads the same numbers from kh * kw strided slices of the
    (N*OH*OW, C*kh*kw) matrix delta @ W.reshape(F, -1), several times slower.
    Pixels that no window reaches (with stride > 1) get gradient 0.
    """
    N, C, height, width = x_shape
    F, _, kh, kw = W.shape
    oh, ow = dout.shape[2:]
    delta = _channels_last(dout).reshape(-1, F)                     # (N*OH*OW, F)
    weights = W.reshape(F, C, kh * kw)                               # [:, :, k] = W[:, :, i, j]
    dx = np.zeros((N, height + 2 * padding, width + 2 * padding, C),  # padded, channels last
                  dtype=np.result_type(delta, W))
    for k, window in _windows(kh, kw, stride, oh, ow):
        dx[window] += (delta @ weights[:, :, k]).reshape(N, oh, ow, C)  # (N*OH*OW, F) @ (F, C)
    return _channels_first(dx)[:, :, padding:padding + height, padding:padding + width]


class Conv2d(Layer):
    """2-D convolution (cross-correlation, as in every framework). Taught in chapter 10.

    x: (N, in_channels, H, W) -> y: (N, out_channels, OH, OW), with
    OH = conv_output_size(H, kh, stride, padding) and the same for OW.
    params: W (out_channels, in_channels, kh, kw), b (out_channels,).
    init, rng, dtype: as for ``Linear`` ("he" by default).

    Computed as one matrix product im2col(x) @ W.reshape(out_channels, -1).T; the output
    is returned as a (N, F, OH, OW) view of the product's (N, OH, OW, F) memory.
    Backward, with delta = dout as an (N*OH*OW, F) matrix: dW = delta.T @ im2col(x) and
    dx = col2im(delta @ W.reshape(F, -1)), which ``conv_input_grad`` computes.
    """

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, *,
                 bias=True, init="he", rng=None, dtype=np.float32):
        super().__init__()
        self.in_channels = check_size("Conv2d", "in_channels", in_channels)
        self.out_channels = check_size("Conv2d", "out_channels", out_channels)
        self.kernel_size = _pair("Conv2d", "kernel_size", kernel_size)
        self.stride = check_size("Conv2d", "stride", stride)
        if not isinstance(padding, (int, np.integer)) or padding < 0:
            raise ValueError(f"Conv2d expected padding to be an integer >= 0, got {padding!r}")
        self.padding = int(padding)
        self.input_shape = ("N", self.in_channels, "H", "W")
        self.dtype = np.dtype(dtype)
        self.init = init
        shape = (self.out_channels, self.in_channels) + self.kernel_size
        W = initialize(init, shape, np.random.default_rng(rng), dtype)
        self.params = {"W": W, "b": np.zeros(self.out_channels, dtype=dtype)} if bias else {"W": W}
        self.grads = {k: np.zeros_like(v) for k, v in self.params.items()}

    def forward(self, x):
        kh, kw = self.kernel_size
        N, _, H, W = x.shape
        oh = conv_output_size(H, kh, self.stride, self.padding)
        ow = conv_output_size(W, kw, self.stride, self.padding)
        self.x_shape = x.shape
        self.col = im2col(x, kh, kw, self.stride, self.padding)      # (N*OH*OW, C*kh*kw)
        y = self.col @ self.params["W"].reshape(self.out_channels, -1).T  # (N*OH*OW, F)
        if "b" in self.params:
            y += self.params["b"]
        return _channels_first(y.reshape(N, oh, ow, self.out_channels))

    def backward(self, dout, input_grad=True):
        delta = _channels_last(dout).reshape(-1, self.out_channels)  # (N*OH*OW, F)
        # dW = delta.T @ im2col(x): (F, N*OH*OW) @ (N*OH*OW, C*kh*kw), as (F, C, kh, kw)
        self.grads["W"] = (delta.T @ self.col).reshape(self.params["W"].shape)
        if "b" in self.params:
            # db: the sum of delta's rows, written as a product with a row of ones:
            # numpy's delta.sum(axis=0) is several times slower on such a tall, narrow array
            self.grads["b"] = np.ones(len(delta), dtype=delta.dtype) @ delta
        if not input_grad:
            return None
        # dx = col2im(delta @ W.reshape(F, -1)): (N, C, H, W)
        return conv_input_grad(dout, self.params["W"], self.x_shape, self.stride, self.padding)

    def extra_repr(self):
        bias = "" if "b" in self.params else ", bias=False"
        return (f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
                f"stride={self.stride}, padding={self.padding}{bias}")


class _Pool2d(Layer):
    """Shared set-up of the pooling layers: windows of kernel_size moved by stride."""

    def __init__(self, kernel_size, stride=None):
        super().__init__()
        name = type(self).__name__
        self.kernel_size = _pair(name, "kernel_size", kernel_size)
        self.stride = self.kernel_size[0] if stride is None else check_size(name, "stride", stride)

    input_shape = ("N", "C", "H", "W")

    def _output_size(self, x):
        """(OH, OW) of the pooled x; remembers x's shape for backward."""
        (kh, kw), (H, W) = self.kernel_size, x.shape[2:]
        self.x_shape = x.shape
        return conv_output_size(H, kh, self.stride), conv_output_size(W, kw, self.stride)

    def extra_repr(self):
        return f"kernel_size={self.kernel_size}, stride={self.stride}"


class MaxPool2d(_Pool2d):
    """Maximum of each kh x kw window. Taught in chapter 10.

    x: (N, C, H, W) -> (N, C, OH, OW); stride defaults to the kernel size.
    Forward remembers which offset of each window held the maximum (the first one when
    several are equal); backward sends each output's gradient there.
    """

    def forward(self, x):
        oh, ow = self._output_size(x)
        x = _channels_last(x)
        windows = _windows(*self.kernel_size, self.stride, oh, ow)
        _, first = next(windows)
        y = x[first].copy()
        # position k = i * kw + j of the maximum, in the smallest integer type that holds kh * kw
        index = np.min_scalar_type(self.kernel_size[0] * self.kernel_size[1] - 1)
        self.argmax = np.zeros(y.shape, dtype=index)
        for k, window in windows:
            larger = x[window] > y  # strictly: the first maximum keeps ties
            np.maximum(y, x[window], out=y)
            np.maximum(self.argmax, larger * index.type(k), out=self.argmax)  # argmax = k where larger
        return _channels_first(y)

    def backward(self, dout, input_grad=True):
        dout = np.ascontiguousarray(_channels_last(dout))
        N, C, H, W = self.x_shape
        dx = np.zeros((N, H, W, C), dtype=dout.dtype)
        overlapping = self.stride < max(self.kernel_size)
        for k, window in _windows(*self.kernel_size, self.stride, *dout.shape[1:3]):
            if overlapping:  # an input may be the maximum of several windows: add up
                dx[window] += dout * (self.argmax == k)
            else:            # each input belongs to one window: write in place, no temporary
                np.multiply(dout, self.argmax == k, out=dx[window])
        return _channels_first(dx)


class AvgPool2d(_Pool2d):
    """Mean of each kh x kw window. Taught in chapter 10.

    x: (N, C, H, W) -> (N, C, OH, OW); backward spreads each output's gradient evenly
    over its window.
    """

    def forward(self, x):
        oh, ow = self._output_size(x)
        x = _channels_last(x)
        y = np.zeros((x.shape[0], oh, ow, x.shape[3]), dtype=x.dtype)
        for _, window in _windows(*self.kernel_size, self.stride, oh, ow):
            y += x[window]
        y /= self.kernel_size[0] * self.kernel_size[1]
        return _channels_first(y)

    def backward(self, dout, input_grad=True):
        dout = _channels_last(dout) / (self.kernel_size[0] * self.kernel_size[1])
        N, C, H, W = self.x_shape
        dx = np.zeros((N, H, W, C), dtype=dout.dtype)
        for _, window in _windows(*self.kernel_size, self.stride, *dout.shape[1:3]):
            dx[window] += dout
        return _channels_first(dx)


class Flatten(Layer):
    """Flattens each example: x (N, C, H, W) (or any (N, ...)) -> (N, C * H * W). Chapter 10."""

    input_shape = ("N", ...)

    def forward(self, x):
        self.x_shape = x.shape
        return x.reshape(len(x), -1)

    def backward(self, dout, input_grad=True):
        return dout.reshape(self.x_shape)
