"""Chapter 7, Weight initialization: probing a deep network at its first step, and the init-scale explorer.

:func:`probe` builds a fresh multilayer perceptron (``depth`` hidden layers of ``width``
units, every weight drawn by one initializer), pushes one batch forward and the loss gradient
backward, and keeps, per hidden layer, what the chapter looks at:

* the activations h_l (what the layer outputs),
* the gradient dL/dh_l arriving at that output from above (the backward signal),
* the weight gradient dL/dW_l (what the optimizer will use).

The default batch is the setting of Saito's experiment: 1000 standard-normal inputs of
``width`` features (and random labels for the loss: at initialization the sizes of the
gradients do not depend on whether the labels make sense).

    p = probe("sigmoid", 1.0)                 # weights ~ N(0, 1)
    [a.std() for a in p.activations]          # per layer
    p.backward_norms, p.weight_grad_norms     # per layer, from the input side
    make_explorer()                           # init scale x activation: histograms per layer

Taught in chapter 7, Weight initialization.
"""
from __future__ import annotations

import numbers
from dataclasses import dataclass

import numpy as np

from ..layers import SoftmaxCrossEntropy
from ..model import ACTIVATIONS, mlp
from ..widgets import Explorer

__all__ = ["Probe", "probe", "standard_batch", "activation_range", "draw_activation_histograms",
           "draw_gradient_histograms", "render_scale", "SCALES", "EXPLORER_ACTIVATIONS", "make_explorer"]

#: The explorer's weight standard deviations: 9 values, four per decade, from 0.01 to 1.
#: For layers of 100 units Xavier's std is 1/sqrt(100) = 0.1 and He's sqrt(2/100) = 0.14.
SCALES = tuple(float(f"{v:.3g}") for v in np.geomspace(0.01, 1.0, 9))
#: The activations of the explorer.
EXPLORER_ACTIVATIONS = ("sigmoid", "tanh", "relu")
#: The range of log10 |dL/dW| shown by the gradient histograms.
LOG_GRAD_RANGE = (-14.0, 6.0)


@dataclass
class Probe:
    """What one forward and backward pass through a freshly initialized network showed.

    activations: per hidden layer, the outputs h_l, each (N, width);
    backward: per hidden layer, dL/dh_l, each (N, width);
    weight_grads: per hidden layer, dL/dW_l, each (fan_in, width);
    loss: the loss of the batch. Layer lists run from the input side (layer 1) upwards.
    """

    activation: str
    init: object
    activations: list
    backward: list
    weight_grads: list
    loss: float

    @property
    def depth(self):
        return len(self.activations)

    @property
    def activation_stds(self):
        """Standard deviation of each hidden layer's outputs, as floats."""
        return [float(a.std()) for a in self.activations]

    @property
    def backward_norms(self):
        """Frobenius norm of dL/dh_l per hidden layer: the size of the backward signal."""
        return [float(np.linalg.norm(g)) for g in self.backward]

    @property
    def weight_grad_norms(self):
        """Frobenius norm of dL/dW_l per hidden layer."""
        return [float(np.linalg.norm(g)) for g in self.weight_grads]


def standard_batch(n=1000, features=100, num_classes=10, seed=0):
    """The default probe batch: X (n, features) standard normal, float32; y (n,) random labels."""
    for name, value in (("n", n), ("features", features), ("num_classes", num_classes)):
        if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value < 1:
            raise ValueError(f"standard_batch expected {name} to be a positive integer, got {value!r}")
    rng = np.random.default_rng(seed)
    return rng.standard_normal((n, features)).astype(np.float32), rng.integers(0, num_classes, n)


def probe(activation="sigmoid", init=1.0, *, depth=5, width=100, X=None, y=None, seed=0):
    """Forward one batch through a fresh ``mlp`` and backward its loss; see :class:`Probe`.

    activation: a name of ``dlcore.model.ACTIVATIONS`` ("sigmoid", "tanh", "relu", ...).
    init: what ``Linear(init=...)`` accepts: a std such as 0.01, "xavier", "he", "zeros",
    or a function f(shape, rng). Every layer, the output layer too, uses it.
    X: (N, D) inputs, y: (N,) integer labels (default: :func:`standard_batch` with D = width).
    seed: seeds the weights.
    """
    if activation not in ACTIVATIONS:
        raise ValueError(f"probe expected activation in {sorted(ACTIVATIONS)}, got {activation!r}")
    for name, value in (("depth", depth), ("width", width)):
        if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value < 1:
            raise ValueError(f"probe expected {name} to be a positive integer, got {value!r}")
    if (X is None) != (y is None):
        raise ValueError("probe expected both X and y, or neither (for the standard batch)")
    if X is None:
        X, y = standard_batch(features=width)
    X = np.asarray(X)
    if X.ndim != 2:
        raise ValueError(f"probe expected X of shape (N, D), got {X.shape}")
    y = np.asarray(y)
    num_classes = int(y.max()) + 1 if np.issubdtype(y.dtype, np.integer) and y.size else 10
    model = mlp([X.shape[1]] + [width] * depth + [max(num_classes, 2)], activation=activation,
                init=init, rng=np.random.default_rng(seed))
    loss = SoftmaxCrossEntropy()
    activations = []
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        h = X
        for i, layer in enumerate(model.layers):
            h = layer(h)
            if i % 2 == 1:                        # Linear, activation, Linear, activation, ...
                activations.append(h)
        value = loss.forward(h, y)
        d = loss.backward()
        backward = [None] * depth
        for i in reversed(range(len(model.layers))):
            if i % 2 == 1:
                backward[i // 2] = d
            d = model.layers[i].backprop(d)
    weight_grads = [model[2 * k].grads["W"] for k in range(depth)]
    return Probe(activation, init, activations, backward, weight_grads, float(value))


def activation_range(activation, probe_result=None):
    """The x-range of an activation histogram: the activation's own range, or for an
    unbounded one (ReLU) from 0 to the 99.5th percentile of the largest layer's outputs, one
    range for all layers so that growth and shrinking from layer to layer show."""
    if activation == "sigmoid":
        return (0.0, 1.0)
    if activation == "tanh":
        return (-1.0, 1.0)
    top = 1.0
    if probe_result is not None:
        tops = [float(np.percentile(np.abs(a[np.isfinite(a)]), 99.5))
                for a in probe_result.activations if np.isfinite(a).any()]
        top = max(tops + [1e-30])
    return (0.0 if activation == "relu" else -top, top)


def _histogram_strip(ax, arrays, value_range, color, titles, ticks, bins=30, gap=0.25):
    """Draw one histogram per array side by side in a single axis (far cheaper than one
    axis each). Each panel is scaled to its own highest bar; ticks are in data units."""
    from matplotlib.patches import Rectangle

    lo, hi = value_range
    positions = []
    for k, values in enumerate(arrays):
        x0 = k * (1 + gap)
        values = np.asarray(values, dtype=np.float64).ravel()
        values = values[np.isfinite(values)]
        counts, edges = np.histogram(np.clip(values, lo, hi), bins=bins, range=(lo, hi))
        if counts.max() > 0:
            ax.stairs(0.92 * counts / counts.max(), x0 + (edges - lo) / (hi - lo), fill=True,
                      color=color, alpha=0.85)
        ax.add_patch(Rectangle((x0, 0), 1, 1, fill=False, lw=0.6, ec="0.6"))
        ax.text(x0 + 0.5, 1.04, titles[k], ha="center", va="bottom", fontsize=8)
        for t in ticks:
            positions.append(x0 + (t - lo) / (hi - lo))
            ax.text(positions[-1], -0.05, f"{t:g}", ha="center", va="top", fontsize=7)
    # tick marks and labels drawn by hand: matplotlib's tick machinery is slow for many ticks
    ax.vlines(positions, -0.03, 0, color="0.4", lw=0.6)
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_xlim(-0.05, len(arrays) * (1 + gap) - gap + 0.05)
    ax.set_ylim(-0.03, 1.22)
    for side in ("top", "right", "left", "bottom"):
        ax.spines[side].set_visible(False)


def draw_activation_histograms(ax, probe_result, value_range=None, color="C0"):
    """Histograms of each hidden layer's outputs side by side on ``ax``; titles give the std.

    For ReLU only the positive outputs are counted (about half are exactly 0)."""
    activation = probe_result.activation
    value_range = value_range or activation_range(activation, probe_result)
    arrays = [a[a > 0] if activation == "relu" else a for a in probe_result.activations]
    lo, hi = value_range
    ticks = (0.0, float(f"{0.7 * hi:.1g}")) if activation == "relu" else (lo, (lo + hi) / 2, hi)
    titles = [f"layer {k}: std {a.std():.2g}" for k, a in enumerate(probe_result.activations, start=1)]
    _histogram_strip(ax, arrays, value_range, color, titles, ticks)


def draw_gradient_histograms(ax, probe_result, color="C1"):
    """Histograms of log10 |dL/dW| per hidden layer side by side on ``ax`` (left = vanishing,
    right = exploding); titles give the norm of dL/dW."""
    with np.errstate(divide="ignore"):
        logs = [np.log10(np.abs(g)) for g in probe_result.weight_grads]
    titles = [f"|dL/dW| {norm:.1g}" for norm in probe_result.weight_grad_norms]
    _histogram_strip(ax, logs, LOG_GRAD_RANGE, color, titles, (-12, -6, 0, 6))


def render_scale(activation="tanh", scale=0.1, *, depth=5, width=100):
    """One explorer frame: per-layer activation histograms (top) and log10 |dL/dW| (bottom)."""
    import matplotlib.pyplot as plt

    result = probe(activation, float(scale), depth=depth, width=width)
    fig, axes = plt.subplots(2, 1, figsize=(7.5, 3.6))
    fig.subplots_adjust(left=0.1, right=0.99, bottom=0.07, top=0.84, hspace=0.45)
    draw_activation_histograms(axes[0], result)
    draw_gradient_histograms(axes[1], result)
    axes[0].set_ylabel("outputs h", fontsize=8)
    axes[1].set_ylabel("log10 |dL/dW|", fontsize=8)
    xavier = 1 / np.sqrt(width)
    fig.suptitle(f"{activation}, weights ~ N(0, {float(scale):.3g}²)  "
                 f"(Xavier {xavier:.2g}, He {np.sqrt(2) * xavier:.2g}),  loss {result.loss:.3g}",
                 fontsize=9)
    return fig


def make_explorer(depth=5, width=100):
    """The init-scale explorer: weight std (log slider, 9 values) x activation, 27 frames."""
    for name, value, top in (("depth", depth, 8), ("width", width, 1000)):
        if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or not 1 <= value <= top:
            raise ValueError(f"make_explorer expected {name} to be an integer in [1, {top}] "
                             f"(one histogram panel per layer), got {value!r}")

    def render(activation, scale):
        return render_scale(activation, scale, depth=depth, width=width)

    return Explorer(render, {"activation": EXPLORER_ACTIVATIONS, "scale": SCALES},
                    initial={"activation": "sigmoid", "scale": 1.0},
                    title="Activations and weight gradients per layer at initialization",
                    labels={"activation": "activation", "scale": "weight std"})
