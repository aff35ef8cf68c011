"""A textbook-style numpy network, the way most from-scratch books write it.

float64 everywhere; im2col and col2im loop over the filter window; pooling goes through
im2col and an argmax; every layer computes its input gradient, the first one included.
It is here only as a point of comparison for the benchmarks: what dlcore's engineering buys.
"""
import numpy as np


def im2col(x, fh, fw, stride=1, pad=0):
    N, C, H, W = x.shape
    oh, ow = (H + 2 * pad - fh) // stride + 1, (W + 2 * pad - fw) // stride + 1
    img = np.pad(x, [(0, 0), (0, 0), (pad, pad), (pad, pad)])
    col = np.zeros((N, C, fh, fw, oh, ow))
    for y in range(fh):
        for x_ in range(fw):
            col[:, :, y, x_, :, :] = img[:, :, y:y + stride * oh:stride, x_:x_ + stride * ow:stride]
    return col.transpose(0, 4, 5, 1, 2, 3).reshape(N * oh * ow, -1)


def col2im(col, shape, fh, fw, stride=1, pad=0):
    N, C, H, W = shape
    oh, ow = (H + 2 * pad - fh) // stride + 1, (W + 2 * pad - fw) // stride + 1
    col = col.reshape(N, oh, ow, C, fh, fw).transpose(0, 3, 4, 5, 1, 2)
    img = np.zeros((N, C, H + 2 * pad + stride - 1, W + 2 * pad + stride - 1))
    for y in range(fh):
        for x_ in range(fw):
            img[:, :, y:y + stride * oh:stride, x_:x_ + stride * ow:stride] += col[:, :, y, x_, :, :]
    return img[:, :, pad:H + pad, pad:W + pad]


class Affine:
    def __init__(self, W, b):
        self.params = {"W": W, "b": b}
        self.grads = {}

    def forward(self, x):
        self.shape = x.shape
        self.x = x.reshape(x.shape[0], -1)
        return self.x @ self.params["W"] + self.params["b"]

    def backward(self, dout):
        self.grads = {"W": self.x.T @ dout, "b": dout.sum(axis=0)}
        return (dout @ self.params["W"].T).reshape(self.shape)


class Relu:
    params = grads = {}

    def forward(self, x):
        self.mask = x <= 0
        out = x.copy()
        out[self.mask] = 0
        return out

    def backward(self, dout):
        dx = dout.copy()
        dx[self.mask] = 0
        return dx


class Convolution:
    def __init__(self, W, b, pad=0):
        self.params = {"W": W, "b": b}
        self.grads = {}
        self.pad = pad

    def forward(self, x):
        FN, C, FH, FW = self.params["W"].shape
        N, _, H, W = x.shape
        oh, ow = H + 2 * self.pad - FH + 1, W + 2 * self.pad - FW + 1
        self.x, self.col = x, im2col(x, FH, FW, pad=self.pad)
        self.col_W = self.params["W"].reshape(FN, -1).T
        out = self.col @ self.col_W + self.params["b"]
        return out.reshape(N, oh, ow, -1).transpose(0, 3, 1, 2)

    def backward(self, dout):
        FN, C, FH, FW = self.params["W"].shape
        dout = dout.transpose(0, 2, 3, 1).reshape(-1, FN)
        self.grads = {"W": (self.col.T @ dout).transpose(1, 0).reshape(FN, C, FH, FW), "b": dout.sum(axis=0)}
        return col2im(dout @ self.col_W.T, self.x.shape, FH, FW, pad=self.pad)


class Pooling:
    params = grads = {}

    def __init__(self, size):
        self.size = size

    def forward(self, x):
        N, C, H, W = x.shape
        oh, ow = H // self.size, W // self.size
        col = im2col(x, self.size, self.size, self.size).reshape(-1, self.size * self.size)
        self.x, self.arg_max = x, np.argmax(col, axis=1)
        return np.max(col, axis=1).reshape(N, oh, ow, C).transpose(0, 3, 1, 2)

    def backward(self, dout):
        dout = dout.transpose(0, 2, 3, 1)
        area = self.size * self.size
        dmax = np.zeros((dout.size, area))
        dmax[np.arange(self.arg_max.size), self.arg_max.flatten()] = dout.flatten()
        dcol = dmax.reshape(dout.shape + (area,)).reshape(dout.shape[0] * dout.shape[1] * dout.shape[2], -1)
        return col2im(dcol, self.x.shape, self.size, self.size, self.size)


class SoftmaxWithLoss:
    def forward(self, x, t):
        x = x - x.max(axis=1, keepdims=True)
        self.y = np.exp(x) / np.sum(np.exp(x), axis=1, keepdims=True)
        self.t = t
        return -np.sum(np.log(self.y[np.arange(len(t)), t] + 1e-7)) / len(t)

    def backward(self):
        dx = self.y.copy()
        dx[np.arange(len(self.t)), self.t] -= 1
        return dx / len(self.t)


class Net:
    def __init__(self, layers):
        self.layers, self.loss = layers, SoftmaxWithLoss()
        self.params = {f"{key}{i}": value for i, layer in enumerate(layers) for key, value in layer.params.items()}

    def grads(self):
        return {f"{key}{i}": value for i, layer in enumerate(self.layers) for key, value in layer.grads.items()}

    def predict(self, x):
        for layer in self.layers:
            x = layer.forward(x)
        return x

    def gradient(self, x, t):
        loss = self.loss.forward(self.predict(x), t)
        dout = self.loss.backward()
        for layer in reversed(self.layers):
            dout = layer.backward(dout)
        return loss


def he(rng, fan_in, shape):
    return rng.standard_normal(shape) * np.sqrt(2.0 / fan_in)


def mlp(rng):
    return Net([Affine(he(rng, 784, (784, 100)), np.zeros(100)), Relu(),
                Affine(he(rng, 100, (100, 100)), np.zeros(100)), Relu(),
                Affine(he(rng, 100, (100, 10)), np.zeros(10))])


def cnn(rng):
    return Net([Convolution(he(rng, 25, (30, 1, 5, 5)), np.zeros(30)), Relu(), Pooling(2),
                Affine(he(rng, 4320, (4320, 100)), np.zeros(100)), Relu(),
                Affine(he(rng, 100, (100, 10)), np.zeros(10))])


def cnn2(rng):
    return Net([Convolution(he(rng, 25, (16, 1, 5, 5)), np.zeros(16), pad=2), Relu(), Pooling(2),
                Convolution(he(rng, 400, (32, 16, 5, 5)), np.zeros(32), pad=2), Relu(), Pooling(2),
                Affine(he(rng, 1568, (1568, 100)), np.zeros(100)), Relu(),
                Affine(he(rng, 100, (100, 10)), np.zeros(10))])


class SGD:
    def __init__(self, lr):
        self.lr = lr

    def update(self, params, grads):
        for key in params:
            params[key] -= self.lr * grads[key]


def train_step(net, optimizer, x, t):
    loss = net.gradient(x, t)
    optimizer.update(net.params, net.grads())
    return loss
