"""Optimizers, gradient clipping and learning-rate schedules.

Taught in chapter 6, Optimizers (clipping in chapter 7, weight decay and L1 in chapter 9).

Every optimizer has one method, ``opt.step(params, grads)``: it updates the arrays of the
``params`` dict in place using ``grads`` (same keys), keeping its state (velocities, squared
gradient averages) by name. It works on a model (``opt.step(model.params, model.grads)``)
and on a plain dict such as ``{"xy": np.array([-7.0, 2.0])}`` alike.

``opt.lr`` is a plain attribute, so a schedule can set it: ``opt.lr = schedule(epoch)``.
"""
import math

import numpy as np

from ._checks import check_positive


class Optimizer:
    """Base class: applies weight decay and L1, then the rule of ``update``.

    weight_decay (L2): adds weight_decay * p to the gradient, the gradient of
    (weight_decay / 2) * sum(p**2). l1: adds l1 * sign(p), the gradient of l1 * sum(|p|).
    """

    def __init__(self, lr, weight_decay=0.0, l1=0.0):
        name = type(self).__name__
        self.lr = check_positive(name, "lr", lr)
        self.weight_decay = check_positive(name, "weight_decay", weight_decay, allow_zero=True)
        self.l1 = check_positive(name, "l1", l1, allow_zero=True)
        self.state = {}

    def step(self, params, grads):
        """Update every array of ``params`` in place from ``grads`` (same keys and shapes)."""
        missing = sorted(set(params) - set(grads))
        if missing:
            raise ValueError(f"{type(self).__name__}.step: no gradient for {missing}; "
                             "call backward before step")
        for name, p in params.items():
            g = grads[name]
            if g.shape != p.shape:
                raise ValueError(f"{type(self).__name__}.step: gradient {name!r} has shape {g.shape}, "
                                 f"parameter has shape {p.shape}")
            if self.weight_decay:
                g = g + self.weight_decay * p
            if self.l1:
                g = g + self.l1 * np.sign(p)
            self.update(name, p, g)

    def update(self, name, p, g):
        raise NotImplementedError

    def __repr__(self):
        settings = ", ".join(f"{k}={v}" for k, v in vars(self).items() if k != "state")
        return f"{type(self).__name__}({settings})"


class SGD(Optimizer):
    """Stochastic gradient descent p -= lr * g, optionally with momentum. Chapters 4 and 6.

    With momentum (PyTorch's form): v = momentum * v + g, then p -= lr * v.
    Nesterov: p -= lr * (g + momentum * v), a look-ahead step.
    """

    def __init__(self, lr=0.01, momentum=0.0, nesterov=False, weight_decay=0.0, l1=0.0):
        super().__init__(lr, weight_decay, l1)
        if not 0 <= momentum < 1:
            raise ValueError(f"SGD expected momentum in [0, 1), got {momentum!r}")
        if nesterov and not momentum:
            raise ValueError("SGD with nesterov=True needs a momentum > 0")
        self.momentum = momentum
        self.nesterov = nesterov

    def update(self, name, p, g):
        if not self.momentum:
            p -= self.lr * g
            return
        v = self.state.get(name)
        if v is None:
            v = self.state[name] = np.zeros_like(p)
        v *= self.momentum
        v += g
        p -= self.lr * (g + self.momentum * v if self.nesterov else v)


class Momentum(SGD):
    """SGD with momentum 0.9 by default: a ball rolling downhill. Taught in chapter 6."""

    def __init__(self, lr=0.01, momentum=0.9, nesterov=False, weight_decay=0.0, l1=0.0):
        super().__init__(lr, momentum, nesterov, weight_decay, l1)


class AdaGrad(Optimizer):
    """Per-parameter step sizes shrinking with the sum of squared gradients. Chapter 6.

    h += g**2;  p -= lr * g / (sqrt(h) + eps)
    """

    def __init__(self, lr=0.01, eps=1e-10, weight_decay=0.0, l1=0.0):
        super().__init__(lr, weight_decay, l1)
        self.eps = check_positive("AdaGrad", "eps", eps)

    def update(self, name, p, g):
        h = self.state.setdefault(name, np.zeros_like(p))
        h += g * g
        p -= self.lr * g / (np.sqrt(h) + self.eps)


class RMSProp(Optimizer):
    """AdaGrad with a forgetting (exponentially weighted) average of g**2. Chapter 6.

    h = rho * h + (1 - rho) * g**2;  p -= lr * g / (sqrt(h) + eps)
    """

    def __init__(self, lr=0.01, rho=0.9, eps=1e-8, weight_decay=0.0, l1=0.0):
        super().__init__(lr, weight_decay, l1)
        if not 0 <= rho < 1:
            raise ValueError(f"RMSProp expected rho in [0, 1), got {rho!r}")
        self.rho = rho
        self.eps = check_positive("RMSProp", "eps", eps)

    def update(self, name, p, g):
        h = self.state.setdefault(name, np.zeros_like(p))
        h *= self.rho
        h += (1 - self.rho) * g * g
        p -= self.lr * g / (np.sqrt(h) + self.eps)


class Adam(Optimizer):
    """Momentum and RMSProp together, with bias correction. Taught in chapter 6.

    m = beta1 m + (1 - beta1) g;  v = beta2 v + (1 - beta2) g**2   (both start at 0)
    m_hat = m / (1 - beta1**t);  v_hat = v / (1 - beta2**t)        (t = 1, 2, ...)
    p -= lr * m_hat / (sqrt(v_hat) + eps)
    """

    def __init__(self, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=0.0, l1=0.0):
        super().__init__(lr, weight_decay, l1)
        for key, beta in (("beta1", beta1), ("beta2", beta2)):
            if not 0 <= beta < 1:
                raise ValueError(f"Adam expected {key} in [0, 1), got {beta!r}")
        self.beta1, self.beta2 = beta1, beta2
        self.eps = check_positive("Adam", "eps", eps)

    def update(self, name, p, g):
        s = self.state.setdefault(name, {"t": 0, "m": np.zeros_like(p), "v": np.zeros_like(p)})
        s["t"] += 1
        s["m"] *= self.beta1
        s["m"] += (1 - self.beta1) * g
        s["v"] *= self.beta2
        s["v"] += (1 - self.beta2) * g * g
        m_hat = s["m"] / (1 - self.beta1 ** s["t"])
        v_hat = s["v"] / (1 - self.beta2 ** s["t"])
        p -= self.lr * m_hat / (np.sqrt(v_hat) + self.eps)


def clip_grad_norm(grads, max_norm):
    """Scale all gradients in place so that their joint L2 norm is at most max_norm.

    Returns the norm before clipping. A cure for exploding gradients, chapter 7.
    """
    check_positive("clip_grad_norm", "max_norm", max_norm)
    total = math.sqrt(sum(float(np.sum(g * g)) for g in grads.values()))
    if total > max_norm:
        for g in grads.values():
            g *= max_norm / total
    return total


# ----------------------------------------------------------------------------------------
# Learning-rate schedules: lr = schedule(t), t = epoch (or step) counted from 0. Chapter 6.

class Schedule:
    """Base class: a function of t = 0, 1, 2, ... giving the learning rate."""

    def __call__(self, t):
        if t < 0:
            raise ValueError(f"{self} expected t >= 0, got {t}")
        return self.lr_at(t)

    def __repr__(self):
        return f"{type(self).__name__}({', '.join(f'{k}={v}' for k, v in vars(self).items())})"


class StepLR(Schedule):
    """lr * gamma ** (t // step_size): divide by 1/gamma every step_size epochs."""

    def __init__(self, lr, step_size, gamma=0.1):
        self.lr, self.step_size, self.gamma = lr, step_size, gamma

    def lr_at(self, t):
        return self.lr * self.gamma ** (t // self.step_size)


class ExponentialLR(Schedule):
    """lr * gamma ** t: exponential decay."""

    def __init__(self, lr, gamma):
        self.lr, self.gamma = lr, gamma

    def lr_at(self, t):
        return self.lr * self.gamma ** t


class InverseTimeLR(Schedule):
    """lr / (1 + decay_rate * t): the 1/t decay."""

    def __init__(self, lr, decay_rate=1.0):
        self.lr, self.decay_rate = lr, decay_rate

    def lr_at(self, t):
        return self.lr / (1 + self.decay_rate * t)


class CosineLR(Schedule):
    """Half a cosine from lr down to min_lr over total steps, then min_lr."""

    def __init__(self, lr, total, min_lr=0.0):
        self.lr, self.total, self.min_lr = lr, total, min_lr

    def lr_at(self, t):
        progress = min(t, self.total) / self.total
        return self.min_lr + 0.5 * (self.lr - self.min_lr) * (1 + math.cos(math.pi * progress))


class WarmupLR(Schedule):
    """Linear warm-up over the first ``warmup`` steps, then ``after``.

    after: a number (constant rate) or another schedule, started at t = warmup.
    During warm-up the rate climbs as after(0) * (t + 1) / warmup.
    """

    def __init__(self, after, warmup):
        self.after, self.warmup = after, warmup

    def lr_at(self, t):
        after = self.after if callable(self.after) else (lambda _: self.after)
        if t < self.warmup:
            return after(0) * (t + 1) / self.warmup
        return after(t - self.warmup)
