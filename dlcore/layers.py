"""Layers with forward and backward side by side, and losses as layers.

The layer interface (see CONTRIBUTING.md):

    y = layer(x)                  # checks x, then runs forward (caches what backward needs)
    dx = layer.backprop(dout)     # checks dout, then runs backward: returns dL/dx, fills grads
    layer.params, layer.grads     # dicts of arrays with the same keys and shapes
    layer.train(), layer.eval()   # mode flag used by Dropout and BatchNorm

``forward`` and ``backward`` hold the maths alone; the checks live once, in ``__call__``
and ``backprop`` of the base class (and in the constructors, which check every setting).
``backprop(dout, input_grad=False)`` lets a layer with parameters fill its gradients and
skip dL/dx: the first layer of a network needs no dx.

``backprop`` differentiates the last ``layer(x)``: it may be called several times after one
forward (each call overwrites ``grads``, nothing accumulates), and a change of mode by
``train()`` or ``eval()`` in between forgets that forward, so that a backprop after, say,
an eval-mode prediction cannot silently use the prediction's cached values.
"""
import numpy as np

from . import functions as F
from ._checks import (check_array, check_bool, check_float_dtype, check_grad, check_positive, check_real,
                      check_rng, check_size)
from .init import initialize


class Layer:
    """Base class of all layers. Taught in chapter 5, Backpropagation.

    ``params`` and ``grads`` hold the trainable arrays and their gradients; ``buffers``
    holds state that is saved with the model but not trained (BatchNorm's running statistics).
    ``input_shape`` is what ``layer(x)`` checks x against, e.g. ``("N", 784)``; None accepts
    any shape. ``dtype`` is the type x is converted to; None keeps a float x as it is.
    """

    input_shape = None
    dtype = None

    def __init__(self):
        self.params = {}
        self.grads = {}
        self.buffers = {}
        self.training = True
        self.out_shape = None  # shape of the last output of layer(x), checked by backprop

    def __call__(self, x):
        """Check x (a real array of ``input_shape``), then return ``forward(x)``."""
        x = check_array(self, x, self.input_shape, self.dtype)
        y = self.forward(x)
        self.out_shape = y.shape
        return y

    def backprop(self, dout, input_grad=True):
        """Check dout (the shape of the last output), then return ``backward(dout)``, or
        ``backward(dout, input_grad=False)`` when dL/dx is not needed."""
        dout = check_grad(self, dout, self.out_shape)
        if input_grad:
            return self.backward(dout)
        return self.backward(dout, input_grad=False)

    def forward(self, x):
        """y = f(x); caches what backward needs. Called by ``layer(x)``, which checks x."""
        raise NotImplementedError

    def backward(self, dout, input_grad=True):
        """dL/dx from dout = dL/dy; fills ``grads``. With input_grad=False a layer may skip
        dL/dx and return None. Called by ``backprop``, which checks dout."""
        raise NotImplementedError

    def train(self):
        """Training mode: Dropout drops, BatchNorm uses batch statistics."""
        return self._set_mode(True)

    def eval(self):
        """Evaluation mode: Dropout passes through, BatchNorm uses running statistics."""
        return self._set_mode(False)

    def _set_mode(self, training):
        if self.training != training:
            self.out_shape = None  # the last forward ran in the other mode: backprop needs a new one
        self.training = training
        return self

    def extra_repr(self):
        return ""

    def __repr__(self):
        return f"{type(self).__name__}({self.extra_repr()})"


class Linear(Layer):
    """Fully connected (affine) layer y = x W + b. Taught in chapter 5, Backpropagation.

    x: (N, in_features) -> y: (N, out_features).
    params: W (in_features, out_features), b (out_features,) unless bias=False (a bias
    right before BatchNorm is useless: the normalization subtracts it again).
    init: "he" (default, for ReLU), "xavier" (for tanh), any name of
    ``dlcore.init.INITIALIZERS``, a std such as 0.01, or a function f(shape, rng).
    rng: a seeded ``numpy.random.Generator`` (or an int seed) for reproducible weights.
    """

    def __init__(self, in_features, out_features, *, bias=True, init="he", rng=None, dtype=np.float32):
        super().__init__()
        self.in_features = check_size("Linear", "in_features", in_features)
        self.out_features = check_size("Linear", "out_features", out_features)
        bias = check_bool("Linear", "bias", bias)
        self.input_shape = ("N", self.in_features)
        self.dtype = dtype = check_float_dtype("Linear", dtype)
        self.init = init
        W = initialize(init, (self.in_features, self.out_features), check_rng("Linear", rng), dtype)
        self.params = {"W": W, "b": np.zeros(self.out_features, dtype=dtype)} if bias else {"W": W}
        self.grads = {k: np.zeros_like(v) for k, v in self.params.items()}

    def forward(self, x):
        self.x = x
        y = x @ self.params["W"]                   # (N, in) @ (in, out)
        if "b" in self.params:
            y += self.params["b"]
        return y

    def backward(self, dout, input_grad=True):
        self.grads["W"] = self.x.T @ dout          # (in, N) @ (N, out)
        if "b" in self.params:
            self.grads["b"] = dout.sum(axis=0)
        return dout @ self.params["W"].T if input_grad else None

    def extra_repr(self):
        bias = "" if "b" in self.params else ", bias=False"
        return f"{self.in_features}, {self.out_features}{bias}, init={self.init!r}"


class ReLU(Layer):
    """max(0, x) elementwise; backward passes dout where x > 0. Chapters 2 and 5. x: any shape."""

    def forward(self, x):
        self.mask = x > 0
        return x * self.mask

    def backward(self, dout, input_grad=True):
        return dout * self.mask


class Sigmoid(Layer):
    """1 / (1 + exp(-x)) elementwise; backward dout * y (1 - y). Chapters 2 and 5."""

    def forward(self, x):
        self.y = F.sigmoid(x)
        return self.y

    def backward(self, dout, input_grad=True):
        return dout * self.y * (1.0 - self.y)


class Tanh(Layer):
    """tanh(x) elementwise; backward dout * (1 - y**2). Taught in chapter 2."""

    def forward(self, x):
        self.y = np.tanh(x)
        return self.y

    def backward(self, dout, input_grad=True):
        return dout * (1.0 - self.y ** 2)


class LeakyReLU(Layer):
    """x where x > 0, else negative_slope * x. Taught in chapter 2."""

    def __init__(self, negative_slope=0.01):
        super().__init__()
        self.negative_slope = check_real("LeakyReLU", "negative_slope", negative_slope)

    def forward(self, x):
        self.x = x
        return F.leaky_relu(x, self.negative_slope)

    def backward(self, dout, input_grad=True):
        return dout * F.leaky_relu_grad(self.x, self.negative_slope)

    def extra_repr(self):
        return f"negative_slope={self.negative_slope}"


class ELU(Layer):
    """x where x > 0, else alpha * (exp(x) - 1). Taught in chapter 2."""

    def __init__(self, alpha=1.0):
        super().__init__()
        self.alpha = check_positive("ELU", "alpha", alpha, allow_zero=True)

    def forward(self, x):
        self.x = x
        return F.elu(x, self.alpha)

    def backward(self, dout, input_grad=True):
        return dout * F.elu_grad(self.x, self.alpha)

    def extra_repr(self):
        return f"alpha={self.alpha}"


class Identity(Layer):
    """Returns its input; the output activation of a regression network. Chapter 2."""

    def forward(self, x):
        return x

    def backward(self, dout, input_grad=True):
        return dout


class Softmax(Layer):
    """Softmax over the last axis: x (N, K) -> probabilities (N, K). Chapters 2 and 5.

    For training a classifier use ``SoftmaxCrossEntropy`` on the scores instead: it is
    stabler and its backward is simply (p - t) / N.
    """

    input_shape = ("N", "K")

    def forward(self, x):
        self.y = F.softmax(x)
        return self.y

    def backward(self, dout, input_grad=True):
        # Jacobian-vector product: dx_i = y_i (dout_i - sum_j dout_j y_j)
        return self.y * (dout - np.sum(dout * self.y, axis=-1, keepdims=True))


class Dropout(Layer):
    """Inverted dropout. Taught in chapter 9, Regularization.

    In training each unit is zeroed with probability p and the survivors are scaled by
    1 / (1 - p), so the expected output equals the input and evaluation needs no rescaling.
    In eval mode it passes x through. x: any shape.
    """

    def __init__(self, p=0.5, rng=None):
        super().__init__()
        self.p = check_real("Dropout", "a drop probability p", p, low=0, high=1, high_open=True)
        self.rng = check_rng("Dropout", rng)

    def forward(self, x):
        if not self.training or self.p == 0:
            self.mask = None
            return x
        keep = self.rng.random(x.shape, dtype=np.float32) >= self.p
        self.mask = keep.astype(x.dtype) / x.dtype.type(1 - self.p)
        return x * self.mask

    def backward(self, dout, input_grad=True):
        return dout if self.mask is None else dout * self.mask

    def extra_repr(self):
        return f"p={self.p}"


class BatchNorm1d(Layer):
    """Batch normalization over the batch axis. Taught in chapter 8, Batch Normalization.

    x: (N, C) -> y = gamma * (x - mean) / sqrt(var + eps) + beta, statistics per feature.
    In training mean and var come from the batch and update the running statistics
    running = (1 - momentum) * running + momentum * batch; in eval mode the running
    statistics are used. params: gamma (C,), beta (C,); buffers: running_mean, running_var.
    """

    axes = (0,)  # the axes averaged over

    def __init__(self, num_features, momentum=0.1, eps=1e-5, dtype=np.float32):
        super().__init__()
        name = type(self).__name__
        self.num_features = check_size(name, "num_features", num_features)
        self.momentum = check_real(name, "momentum", momentum, low=0, high=1)
        self.eps = check_positive(name, "eps", eps)
        self.input_shape = ("N", self.num_features)
        self.dtype = dtype = check_float_dtype(name, dtype)
        C = self.num_features
        self.params = {"gamma": np.ones(C, dtype=dtype), "beta": np.zeros(C, dtype=dtype)}
        self.grads = {k: np.zeros_like(v) for k, v in self.params.items()}
        self.buffers = {"running_mean": np.zeros(C, dtype=dtype), "running_var": np.ones(C, dtype=dtype)}

    def __call__(self, x):
        """``layer(x)``; in training mode it refuses a batch with at most one value per
        feature: its variance is 0, every output would be beta, and the running statistics
        would be dragged towards 0 (nan for an empty batch)."""
        shape = np.shape(x)
        if self.training and len(shape) == len(self.input_shape) and shape[1:2] == (self.num_features,):
            values = int(np.prod(shape)) // self.num_features
            if values < 2:
                raise ValueError(
                    f"{self} in training mode expected more than one value per feature to compute batch "
                    f"statistics, got x of shape {shape} ({values} per feature); use a larger batch, "
                    f"or call eval() to use the running statistics")
        return super().__call__(x)

    def _per_feature(self, v):
        """A (C,) vector shaped to broadcast against x: (1, C) or (1, C, 1, 1)."""
        return v.reshape((1, -1) + (1,) * (len(self.axes) - 1))

    def forward(self, x):
        self.batch_stats = self.training
        if self.training:
            mean, var = x.mean(axis=self.axes), x.var(axis=self.axes)
            for name, value in (("running_mean", mean), ("running_var", var)):
                self.buffers[name] *= 1 - self.momentum
                self.buffers[name] += self.momentum * value
        else:
            mean, var = self.buffers["running_mean"], self.buffers["running_var"]
        self.std = np.sqrt(var + self.eps)
        self.x_hat = (x - self._per_feature(mean)) / self._per_feature(self.std)
        return self._per_feature(self.params["gamma"]) * self.x_hat + self._per_feature(self.params["beta"])

    def backward(self, dout, input_grad=True):
        self.grads["gamma"] = np.sum(dout * self.x_hat, axis=self.axes)
        self.grads["beta"] = np.sum(dout, axis=self.axes)
        if not input_grad:
            return None
        scale = self._per_feature(self.params["gamma"] / self.std)
        if not self.batch_stats:  # running statistics are constants
            return scale * dout
        # the batch mean and variance depend on x too; m values share each statistic
        m = dout.size // self.num_features
        return scale * (dout - (self._per_feature(self.grads["beta"])
                                + self.x_hat * self._per_feature(self.grads["gamma"])) / m)

    def extra_repr(self):
        return f"{self.num_features}, momentum={self.momentum}, eps={self.eps}"


class BatchNorm2d(BatchNorm1d):
    """Batch normalization per channel of images. Taught in chapter 8, Batch Normalization.

    x: (N, C, H, W); each channel is normalized over N, H and W (see ``BatchNorm1d``).
    """

    axes = (0, 2, 3)

    def __init__(self, num_features, momentum=0.1, eps=1e-5, dtype=np.float32):
        super().__init__(num_features, momentum, eps, dtype)
        self.input_shape = ("N", self.num_features, "H", "W")


# ----------------------------------------------------------------------------------------
# Losses as layers: loss.forward(y_hat, y) -> float, loss.backward() -> d loss / d y_hat

class Loss:
    """Base class of loss layers. Taught in chapter 3, Losses (backward in chapter 5).

    ``forward(y_hat, y)`` returns the loss averaged over the batch and remembers its inputs;
    ``backward()`` returns the gradient with respect to y_hat (same shape as y_hat).
    """

    def __call__(self, y_hat, y):
        return self.forward(y_hat, y)

    def forward(self, y_hat, y):
        self.y_hat, self.y = y_hat, y
        return self.value(y_hat, y)

    def backward(self):
        if not hasattr(self, "y_hat"):
            raise RuntimeError(f"{self}: call forward before backward")
        return self.gradient(self.y_hat, self.y)

    def __repr__(self):
        return f"{type(self).__name__}()"


class SoftmaxCrossEntropy(Loss):
    """Softmax followed by cross-entropy, on raw scores. Taught in chapter 5, Backpropagation.

    y_hat: (N, K) scores (logits); y: (N,) integer labels or (N, K) one-hot rows.
    The gradient of the pair is simply (softmax(y_hat) - t) / N.
    """

    def forward(self, y_hat, y):
        self.shape = np.shape(y_hat)
        y_hat, self.t = F._class_targets(self, y_hat, y)
        log_p = F.log_softmax(y_hat)
        self.p = np.exp(log_p)
        return float(-np.sum(self.t * log_p) / len(self.t))

    def backward(self):
        if not hasattr(self, "p"):
            raise RuntimeError(f"{self}: call forward before backward")
        return ((self.p - self.t) / len(self.t)).reshape(self.shape)


class MSELoss(Loss):
    """Mean squared error, ``functions.mse``. y_hat, y: same shape. Chapter 3."""

    def value(self, y_hat, y):
        return F.mse(y_hat, y)

    def gradient(self, y_hat, y):
        return F.mse_grad(y_hat, y)


class MAELoss(Loss):
    """Mean absolute error, ``functions.mae``. y_hat, y: same shape. Chapter 3."""

    def value(self, y_hat, y):
        return F.mae(y_hat, y)

    def gradient(self, y_hat, y):
        return F.mae_grad(y_hat, y)


class HuberLoss(Loss):
    """Huber loss with threshold delta, ``functions.huber``. y_hat, y: same shape. Chapter 3."""

    def __init__(self, delta=1.0):
        self.delta = check_positive("HuberLoss", "delta", delta)

    def value(self, y_hat, y):
        return F.huber(y_hat, y, self.delta)

    def gradient(self, y_hat, y):
        return F.huber_grad(y_hat, y, self.delta)

    def __repr__(self):
        return f"HuberLoss(delta={self.delta})"


class BCEWithLogits(Loss):
    """Sigmoid followed by binary cross-entropy, on raw scores: the loss layer for a
    single-output classifier, built on ``functions.binary_cross_entropy_with_logits``.

    y_hat: scores of any shape; y: targets in [0, 1] (usually 0 or 1) of the same shape, or
    labels (N,) for scores (N, 1).
    """

    def forward(self, y_hat, y):
        y = np.asarray(y)
        if np.shape(y_hat) == y.shape + (1,):
            y = y[..., None]
        return super().forward(y_hat, y)

    def value(self, y_hat, y):
        return F.binary_cross_entropy_with_logits(y_hat, y)

    def gradient(self, y_hat, y):
        return F.binary_cross_entropy_with_logits_grad(y_hat, y)
