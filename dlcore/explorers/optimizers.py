"""Chapter 6, Optimizers: the elongated bowl, optimizer paths on it, and the path explorer.

The chapter races every optimizer of :mod:`dlcore.optim` on one small function,

    f(x, y) = x**2 / 20 + y**2,

a bowl forty times more curved across (y) than along (x): plain gradient descent zig-zags
across it and crawls along it. The optimizers update a plain dict ``{"xy": array([x, y])}``
exactly as they update a network's parameters.

    opt = make_optimizer("Adam", lr=0.3)
    path = optimizer_path(opt, steps=30)     # (31, 2): the start and the point after each step
    make_explorer()                          # optimizer x learning rate x beta (or rho)

Taught in chapter 6, Optimizers.
"""
from __future__ import annotations

import numbers

import numpy as np

from ..optim import SGD, AdaGrad, Adam, RMSProp
from ..widgets import Explorer

__all__ = ["bowl", "bowl_grad", "START", "OPTIMIZERS", "make_optimizer", "optimizer_path", "ewa",
           "draw_bowl", "render_path", "LEARNING_RATES", "BETAS", "make_explorer"]

#: Where every path starts (the start used by Saito's book): far out along the flat x axis.
START = (-7.0, 2.0)
#: The optimizers the chapter compares, in the order it teaches them.
OPTIMIZERS = ("SGD", "Momentum", "Nesterov", "AdaGrad", "RMSProp", "Adam")
#: The explorer's learning rates: slow for most, about right, and the edge of stability for SGD.
LEARNING_RATES = (0.1, 0.3, 1.0)
#: The explorer's momentum / rho / beta1 values: a short memory and the usual one.
BETAS = (0.5, 0.9)
#: A path farther than this from the minimum counts as diverged and stops.
BLOWUP = 1e6
_VIEW = (-10.0, 10.0, -5.0, 5.0)            # xmin, xmax, ymin, ymax of the drawn plane
_LEVELS = (0.05, 0.2, 0.5, 1.0, 2.0, 4.0, 8.0, 16.0)


def bowl(x, y):
    """f(x, y) = x**2 / 20 + y**2 (arrays broadcast). Its minimum is f(0, 0) = 0."""
    return np.asarray(x) ** 2 / 20.0 + np.asarray(y) ** 2


def bowl_grad(xy):
    """Gradient (x / 10, 2 y) of :func:`bowl` at xy = (x, y), shape (2,)."""
    xy = np.asarray(xy, dtype=np.float64)
    if xy.shape != (2,):
        raise ValueError(f"bowl_grad expected xy = (x, y) of shape (2,), got {xy.shape}")
    return np.array([xy[0] / 10.0, 2.0 * xy[1]])


def _real(name, value, low=None, high=None):
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not np.isfinite(value):
        raise ValueError(f"{name} must be a finite real number, got {value!r}")
    if (low is not None and value < low) or (high is not None and value >= high):
        raise ValueError(f"{name} must be in [{low}, {high}), got {value!r}")
    return float(value)


def make_optimizer(name, lr, beta=0.9):
    """The dlcore optimizer called ``name`` (one of ``OPTIMIZERS``) with learning rate ``lr``.

    beta is the optimizer's memory: the momentum of Momentum and Nesterov, rho of RMSProp,
    beta1 of Adam (beta2 stays 0.999); SGD and AdaGrad have none and ignore it.
    """
    if name not in OPTIMIZERS:
        raise ValueError(f"unknown optimizer {name!r}; expected one of {OPTIMIZERS}")
    lr = _real("lr", lr)
    beta = _real("beta", beta, 0.0, 1.0)
    if lr <= 0:
        raise ValueError(f"lr must be > 0, got {lr}")
    if name == "SGD":
        return SGD(lr=lr)
    if name in ("Momentum", "Nesterov"):
        if beta == 0:
            return SGD(lr=lr)
        return SGD(lr=lr, momentum=beta, nesterov=name == "Nesterov")
    if name == "AdaGrad":
        return AdaGrad(lr=lr)
    if name == "RMSProp":
        return RMSProp(lr=lr, rho=beta)
    return Adam(lr=lr, beta1=beta)


def optimizer_path(optimizer, steps=30, start=START, grad=bowl_grad):
    """Run ``optimizer`` for ``steps`` updates on ``grad`` (default: the bowl) from ``start``.

    Returns the points visited, shape (steps + 1, 2), float64; row 0 is the start. A path
    that runs off (farther than ``BLOWUP`` from the origin, or nan) stops early, so it may
    have fewer rows.
    """
    if not hasattr(optimizer, "step"):
        raise TypeError(f"optimizer_path expected a dlcore optimizer, got {type(optimizer).__name__}")
    if not isinstance(steps, (int, np.integer)) or isinstance(steps, bool) or steps < 0:
        raise ValueError(f"steps must be a non-negative integer, got {steps!r}")
    point = np.array(start, dtype=np.float64)
    if point.shape != (2,):
        raise ValueError(f"start must be a point (x, y), got shape {point.shape}")
    params = {"xy": point}
    path = [point.copy()]
    with np.errstate(over="ignore", invalid="ignore"):
        for _ in range(steps):
            optimizer.step(params, {"xy": grad(params["xy"])})
            path.append(params["xy"].copy())
            if not np.all(np.isfinite(path[-1])) or np.abs(path[-1]).max() > BLOWUP:
                break
    return np.array(path)


_CONTOURS = {}


def _contour_segments(levels):
    """The contour lines of the bowl as line segments, computed once per set of levels."""
    key = tuple(levels)
    if key not in _CONTOURS:
        # each level set x^2/20 + y^2 = c is an ellipse with semi-axes sqrt(20 c) and sqrt(c)
        t = np.linspace(0, 2 * np.pi, 121)
        _CONTOURS[key] = [np.c_[np.sqrt(20 * c) * np.cos(t), np.sqrt(c) * np.sin(t)] for c in levels]
    return _CONTOURS[key]


def ewa(values, beta=0.9, bias_correction=True):
    """Exponentially weighted average of a sequence, the smoothing of chapter 6.

    v_0 = 0, v_t = beta * v_{t-1} + (1 - beta) * values[t-1]; with ``bias_correction`` each
    v_t is divided by 1 - beta**t, which removes the pull towards the starting 0.
    values: (T,) numbers (e.g. ``history["step_loss"]``). Returns (T,) float64.
    """
    values = np.asarray(values, dtype=np.float64)
    if values.ndim != 1:
        raise ValueError(f"ewa expected a 1-D sequence of values, got shape {values.shape}")
    beta = _real("beta", beta, 0.0, 1.0)
    out = np.empty_like(values)
    v = 0.0
    for t, value in enumerate(values):
        v = beta * v + (1.0 - beta) * value
        out[t] = v / (1.0 - beta ** (t + 1)) if bias_correction else v
    return out


def draw_bowl(ax, *, levels=_LEVELS, view=_VIEW):
    """Contour lines (ellipses) of the bowl on ``ax`` and a cross at its minimum; returns ax."""
    from matplotlib.collections import LineCollection

    ax.add_collection(LineCollection(_contour_segments(levels), colors="0.75", linewidths=0.7))
    ax.plot(0, 0, "+", color="k", ms=9, mew=1.5)
    ax.set(xlim=view[:2], ylim=view[2:], xlabel="x", ylabel="y")
    return ax


def render_path(optimizer="Adam", lr=0.3, beta=0.9, steps=30):
    """One frame of the explorer: the path on the contours (left) and f along it (right).

    Plain SGD with the same learning rate is drawn in grey for comparison.
    """
    import matplotlib.pyplot as plt

    path = optimizer_path(make_optimizer(optimizer, lr, beta), steps)
    reference = optimizer_path(make_optimizer("SGD", lr), steps) if optimizer != "SGD" else None
    # fixed margins, few ticks and plain-text labels (no tight_layout, no mathtext): every
    # frame of the static page is rendered in advance, so a frame must be cheap
    fig, (ax, ax_f) = plt.subplots(1, 2, figsize=(7.2, 3.2), gridspec_kw={"width_ratios": [1.6, 1]})
    fig.subplots_adjust(left=0.07, right=0.98, bottom=0.14, top=0.9, wspace=0.25)
    draw_bowl(ax)
    if reference is not None:
        ax.plot(reference[:, 0], reference[:, 1], "-", color="0.6", lw=0.8)
    ax.plot(path[:, 0], path[:, 1], "o-", color="C3", ms=2.5, lw=1.2)
    ax.set_xticks([-10, -5, 0, 5, 10])
    ax.set_yticks([-4, 0, 4])
    uses_beta = optimizer in ("Momentum", "Nesterov", "RMSProp", "Adam")
    name = {"RMSProp": "ρ", "Adam": "β₁"}.get(optimizer, "β")
    setting = f"η = {lr:g}, " + (f"{name} = {beta:g}" if uses_beta else f"β = {beta:g} unused")
    ax.set_title(f"{optimizer}, {setting}" + ("   (grey: SGD, same η)" if reference is not None else ""),
                 fontsize=10)

    values = bowl(path[:, 0], path[:, 1])
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        if reference is not None:
            ax_f.plot(np.log10(bowl(reference[:, 0], reference[:, 1])), color="0.6", lw=0.8)
        ax_f.plot(np.log10(values), color="C3", lw=1.2)
    ax_f.set(xlabel="step", ylabel="f(x, y)", xlim=(0, steps), ylim=(-6, 3))
    ax_f.set_xticks([0, steps // 2, steps])
    ax_f.set_yticks([-6, -3, 0, 3], ["1e-6", "0.001", "1", "1000"])
    ax_f.grid(alpha=0.3)
    if len(path) <= steps or not np.isfinite(values[-1]) or values[-1] > 1e3:
        ax_f.set_title("diverged", fontsize=10, color="C3")
    else:
        ax_f.set_title(f"f after {steps} steps: {values[-1]:.2g}", fontsize=10)
    return fig


def make_explorer(steps=30):
    """Optimizer paths on the bowl: optimizer x learning rate x beta (or rho), 36 frames."""
    if not isinstance(steps, (int, np.integer)) or isinstance(steps, bool) or not 1 <= steps <= 200:
        raise ValueError(f"steps must be an integer in [1, 200], got {steps!r}")

    def render(optimizer, lr, beta):
        return render_path(optimizer, lr, beta, steps)

    return Explorer(render, {"optimizer": OPTIMIZERS, "lr": LEARNING_RATES, "beta": BETAS},
                    initial={"optimizer": "Momentum", "lr": 0.3, "beta": 0.9},
                    title="Optimizer paths on f(x, y) = x²/20 + y²",
                    labels={"optimizer": "optimizer", "lr": "learning rate η",
                            "beta": "β (momentum, ρ, β₁)"})
