"""Optimizers, gradient clipping and learning-rate schedules.

Taught in chapter 6, Optimizers (clipping in chapter 7, weight decay and L1 in chapter 9).

Every optimizer has one method, ``opt.step(params, grads)``: it updates the arrays of the
``params`` dict in place using ``grads`` (same keys), keeping its state (velocities, squared
gradient averages) by name. It works on a model (``opt.step(model.params, model.grads)``)
and on a plain dict such as ``{"xy": np.array([-7.0, 2.0])}`` alike.

``opt.lr`` is a plain attribute, so a schedule can set it: ``opt.lr = schedule(epoch)``;
``step`` refuses a rate that is nan, inf or negative (0 is allowed: a step that changes
nothing). Every setting is checked at construction: a finite lr > 0, decay strengths >= 0,
momentum and betas in [0, 1), a finite eps > 0.
"""
import math
from collections.abc import Mapping

import numpy as np

from ._checks import check_bool, check_int, check_positive, check_real


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
        self._check_step(params, grads)
        for name, p in params.items():
            g = grads[name]
            if self.weight_decay:
                g = g + self.weight_decay * p
            if self.l1:
                g = g + self.l1 * np.sign(p)
            self.update(name, p, g)

    def _check_step(self, params, grads):
        """Everything ``step`` relies on, checked before any parameter changes."""
        owner = f"{type(self).__name__}.step"
        check_real(owner, "lr (the optimizer's lr attribute)", self.lr, low=0)
        for what, d in (("params", params), ("grads", grads)):
            if not isinstance(d, Mapping):
                raise TypeError(f"{owner} expected {what} to be a dict of arrays by name, got {type(d).__name__}")
        missing = sorted(set(params) - set(grads))
        if missing:
            raise ValueError(f"{owner}: no gradient for {missing}; call backward before step")
        for name, p in params.items():
            if not isinstance(p, np.ndarray) or not np.issubdtype(p.dtype, np.floating):
                got = f"dtype {p.dtype}" if isinstance(p, np.ndarray) else type(p).__name__
                raise TypeError(f"{owner} updates parameters in place and expected {name!r} to be a "
                                f"floating-point numpy array, got {got}")
            if not p.flags.writeable:
                raise ValueError(f"{owner}: parameter {name!r} is read-only")
            g = grads[name]
            if not isinstance(g, np.ndarray) or not (np.issubdtype(g.dtype, np.floating)
                                                     or np.issubdtype(g.dtype, np.integer)):
                got = f"dtype {g.dtype}" if isinstance(g, np.ndarray) else type(g).__name__
                raise TypeError(f"{owner} expected gradient {name!r} to be a real-valued numpy array, got {got}")
            if g.shape != p.shape:
                raise ValueError(f"{owner}: gradient {name!r} has shape {g.shape}, parameter has shape {p.shape}")
            state = self.state.get(name)
            shapes = {a.shape for a in (state.values() if isinstance(state, dict) else [state])
                      if isinstance(a, np.ndarray)}
            if shapes and shapes != {p.shape}:
                raise ValueError(f"{owner}: parameter {name!r} has shape {p.shape}, but the optimizer's state "
                                 f"for it has shape {shapes.pop()}: use a new optimizer for a new model")

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
        momentum = check_real("SGD", "momentum", momentum, low=0, high=1, high_open=True)
        nesterov = check_bool("SGD", "nesterov", nesterov)
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
        self.rho = check_real("RMSProp", "rho", rho, low=0, high=1, high_open=True)
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
        self.beta1 = check_real("Adam", "beta1", beta1, low=0, high=1, high_open=True)
        self.beta2 = check_real("Adam", "beta2", beta2, low=0, high=1, high_open=True)
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
    """Base class: a function of t = 0, 1, 2, ... giving the learning rate.

    The constructors check their settings so that every rate is finite and >= 0: a rate
    lr > 0, decay factors gamma in (0, 1], step counts >= 1.
    """

    def __call__(self, t):
        return self.lr_at(check_int(self, "t", t, low=0))

    def __repr__(self):
        return f"{type(self).__name__}({', '.join(f'{k}={v}' for k, v in vars(self).items())})"


class StepLR(Schedule):
    """lr * gamma ** (t // step_size): divide by 1/gamma every step_size epochs; gamma in (0, 1]."""

    def __init__(self, lr, step_size, gamma=0.1):
        self.lr = _check_lr("StepLR", lr)
        self.step_size = check_int("StepLR", "step_size", step_size, low=1)
        self.gamma = _check_gamma("StepLR", gamma)

    def lr_at(self, t):
        return self.lr * self.gamma ** (t // self.step_size)


class ExponentialLR(Schedule):
    """lr * gamma ** t: exponential decay; gamma in (0, 1]."""

    def __init__(self, lr, gamma):
        self.lr, self.gamma = _check_lr("ExponentialLR", lr), _check_gamma("ExponentialLR", gamma)

    def lr_at(self, t):
        return self.lr * self.gamma ** t


class InverseTimeLR(Schedule):
    """lr / (1 + decay_rate * t): the 1/t decay."""

    def __init__(self, lr, decay_rate=1.0):
        self.lr = _check_lr("InverseTimeLR", lr)
        self.decay_rate = check_positive("InverseTimeLR", "decay_rate", decay_rate, allow_zero=True)

    def lr_at(self, t):
        return self.lr / (1 + self.decay_rate * t)


class CosineLR(Schedule):
    """Half a cosine from lr down to min_lr (in [0, lr]) over total steps, then min_lr."""

    def __init__(self, lr, total, min_lr=0.0):
        self.lr = _check_lr("CosineLR", lr)
        self.total = check_int("CosineLR", "total", total, low=1)
        self.min_lr = check_real("CosineLR", "min_lr", min_lr, low=0, high=self.lr)

    def lr_at(self, t):
        progress = min(t, self.total) / self.total
        return self.min_lr + 0.5 * (self.lr - self.min_lr) * (1 + math.cos(math.pi * progress))


class WarmupLR(Schedule):
    """Linear warm-up over the first ``warmup`` steps, then ``after``.

    after: a number (constant rate) or another schedule, started at t = warmup.
    During warm-up the rate climbs as after(0) * (t + 1) / warmup.
    """

    def __init__(self, after, warmup):
        self.after = after if callable(after) else _check_lr("WarmupLR", after, "after")
        self.warmup = check_int("WarmupLR", "warmup", warmup, low=0)

    def lr_at(self, t):
        after = self.after if callable(self.after) else (lambda _: self.after)
        if t < self.warmup:
            return after(0) * (t + 1) / self.warmup
        return after(t - self.warmup)


def _check_lr(owner, lr, name="lr"):
    return check_positive(owner, name, lr)


def _check_gamma(owner, gamma):
    """A decay factor: in (0, 1], so that lr * gamma ** k stays finite and > 0 for every k."""
    return check_real(owner, "gamma", gamma, low=0, high=1, low_open=True)
