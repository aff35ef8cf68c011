"""Chapter 2, Neural networks and activations: the activation explorer.

Each activation is drawn with its derivative, over a shaded cloud of pre-activations
``z ~ N(shift, 1)``; a second panel shows what the activation does to that cloud: the
distribution of its outputs, their mean (zero-centred or not) and the share of inputs whose
derivative is below 0.01 (saturated sigmoid/tanh units, dead ReLU units).
Sliders: the activation, its parameter ``alpha`` (the negative slope of Leaky ReLU, the
``alpha`` of ELU; the other activations ignore it) and the shift of the pre-activations.

Taught in chapter 2, Neural networks and activations.
"""

from __future__ import annotations

import numpy as np

from dlcore._checks import check_real
from dlcore import functions as F
from dlcore.widgets import Explorer

__all__ = ["ACTIVATIONS", "activation_and_derivative", "preactivation_summary",
           "render_activation", "make_explorer"]

#: The elementwise activations of chapter 2, by the name the explorer's slider shows.
ACTIVATIONS = ("step", "sigmoid", "tanh", "relu", "leaky_relu", "elu", "identity")

#: Activations that take the parameter alpha (Leaky ReLU's negative slope, ELU's alpha).
TAKES_ALPHA = ("leaky_relu", "elu")

#: An input counts as giving "no gradient" when |f'(z)| is below this.
SMALL_GRADIENT = 0.01

_DEFAULT_ACTIVATIONS = ("sigmoid", "tanh", "relu", "leaky_relu", "elu")
_DEFAULT_ALPHAS = (0.01, 0.3, 1.0)
_DEFAULT_SHIFTS = (-3.0, 0.0, 3.0)
_X = np.linspace(-6, 6, 601)
_N_SAMPLES = 20_000


def _check_name(name):
    if name not in ACTIVATIONS:
        raise ValueError(f"unknown activation {name!r}; expected one of {list(ACTIVATIONS)}")
    return name


def activation_and_derivative(name, x, alpha=0.01):
    """(f(x), f'(x)) for the activation ``name`` (one of ``ACTIVATIONS``), using
    ``dlcore.functions``. x: any shape. ``alpha`` is the negative slope of ``leaky_relu`` and
    the alpha of ``elu`` (must be >= 0); the other activations ignore it."""
    name = _check_name(name)
    alpha = check_real("alpha", alpha)
    if alpha < 0:
        raise ValueError(f"alpha must be >= 0, got {alpha}")
    x = np.asarray(x, dtype=np.float64)
    if name in TAKES_ALPHA:
        f, df = getattr(F, name), getattr(F, name + "_grad")
        return f(x, alpha), df(x, alpha)
    return getattr(F, name)(x), getattr(F, name + "_grad")(x)


def preactivation_summary(name, alpha=0.01, shift=0.0, n=_N_SAMPLES, seed=0):
    """What the activation does to pre-activations z ~ N(shift, 1) (n samples, seeded).

    Returns a dict: ``mean_output`` (0 for a zero-centred output), ``small_gradient``
    (fraction of samples with |f'(z)| < 0.01) and ``mean_gradient`` (mean of f'(z)).
    """
    shift = check_real("shift", shift)
    z = np.random.default_rng(seed).normal(shift, 1.0, size=n)
    y, dy = activation_and_derivative(name, z, alpha)
    return {"mean_output": float(y.mean()),
            "small_gradient": float(np.mean(np.abs(dy) < SMALL_GRADIENT)),
            "mean_gradient": float(dy.mean()),
            "outputs": y}


def _formula(name, alpha):
    return {"step": "step: 1 if z > 0 else 0", "sigmoid": "sigmoid 1 / (1 + exp(-z))",
            "tanh": "tanh(z)", "relu": "ReLU max(0, z)",
            "leaky_relu": f"Leaky ReLU, slope {alpha:g} for z < 0",
            "elu": f"ELU, alpha = {alpha:g}", "identity": "identity z"}[name]


def render_activation(activation, alpha=0.01, shift=0.0):
    """Figure (6 x 3.5 inches). Left: f and f' with the pre-activations N(shift, 1) shaded.
    Right: histogram of the outputs f(z), their mean, and the share with |f'(z)| < 0.01."""
    import matplotlib.pyplot as plt

    name = _check_name(activation)
    alpha, shift = check_real("alpha", alpha), check_real("shift", shift)
    f, df = activation_and_derivative(name, _X, alpha)
    summary = preactivation_summary(name, alpha, shift)

    fig = plt.figure(figsize=(6.0, 3.5))
    ax = fig.add_axes((0.07, 0.14, 0.52, 0.76))
    hist = fig.add_axes((0.64, 0.14, 0.33, 0.76))
    density = np.exp(-0.5 * (_X - shift) ** 2)
    ax.fill_between(_X, -1.5, -1.5 + 1.2 * density, color="0.85", label="pre-activations")
    ax.plot(_X, f, color="C0", lw=2, label="f(z)")
    ax.plot(_X, df, color="C3", lw=1.5, ls="--", label="f'(z)")
    ax.axhline(0, color="0.6", lw=0.6)
    ax.axvline(0, color="0.6", lw=0.6)
    ax.set(xlim=(-6, 6), ylim=(-1.5, 2.5), xlabel="pre-activation z",
           xticks=[-6, -3, 0, 3, 6], yticks=[-1, 0, 1, 2])   # few ticks: text is slow to draw
    unused = "" if name in TAKES_ALPHA else f"   (alpha = {alpha:g} unused)"
    ax.set_title(_formula(name, alpha) + unused, fontsize=10)
    ax.legend(loc="upper left", fontsize=8, frameon=False)

    y = summary["outputs"]
    lo, hi = np.percentile(y, [0.5, 99.5])
    if hi - lo < 1e-6:
        lo, hi = lo - 0.5, hi + 0.5
    counts, edges = np.histogram(np.clip(y, lo, hi), bins=40, range=(lo, hi))
    hist.stairs(counts, edges, fill=True, color="C0", alpha=0.7)
    hist.set_ylim(0, 1.7 * counts.max())   # room for the numbers above the bars
    hist.axvline(summary["mean_output"], color="k", lw=1.5)
    hist.set_yticks([])
    hist.set_xticks(np.round(np.linspace(lo, hi, 3), 1))
    hist.set_xlabel("output f(z)")
    hist.set_title(f"outputs for z ~ N({shift:g}, 1)", fontsize=10)
    hist.text(0.03, 0.97, f"mean output {summary['mean_output']:+.2f}\n"
                          f"mean f' {summary['mean_gradient']:.3f}\n"
                          f"|f'| < {SMALL_GRADIENT}: {100 * summary['small_gradient']:.0f} %",
              transform=hist.transAxes, va="top", fontsize=9,
              bbox=dict(facecolor="white", alpha=0.8, edgecolor="none"))
    return fig


def make_explorer(activations=_DEFAULT_ACTIVATIONS, alphas=_DEFAULT_ALPHAS, shifts=_DEFAULT_SHIFTS) -> Explorer:
    """The activation explorer: sliders for the activation, alpha and the pre-activation shift.

    The default grid is 5 x 3 x 3 = 45 frames (the step function, whose derivative is 0
    everywhere, and the identity can be added through ``activations``). ``activations`` are names from
    ``ACTIVATIONS``; ``alphas`` are >= 0; ``shifts`` are the means of the pre-activations.
    """
    activations = list(activations) if not isinstance(activations, str) else [activations]
    if not activations:
        raise ValueError("activations must name at least one activation")
    for name in activations:
        _check_name(name)
    grids = {}
    for key, values in (("alphas", alphas), ("shifts", shifts)):
        if np.ndim(values) != 1 or len(values) == 0:
            raise ValueError(f"{key} must be a non-empty 1-D sequence of numbers, got {values!r}")
        grids[key] = sorted({check_real(f"{key}[{i}]", v) for i, v in enumerate(values)})
    if grids["alphas"][0] < 0:
        raise ValueError(f"alphas must be >= 0, got {grids['alphas'][0]}")

    # start on an activation that uses every slider
    initial = {"activation": next((a for a in activations if a in TAKES_ALPHA), activations[0]),
               "alpha": min(grids["alphas"], key=lambda v: abs(v - 0.3)),
               "shift": min(grids["shifts"], key=abs)}
    return Explorer(render_activation,
                    {"activation": activations, "alpha": grids["alphas"], "shift": grids["shifts"]},
                    initial=initial,
                    title="An activation f and its derivative f', applied to pre-activations z ~ N(shift, 1)",
                    labels={"activation": "activation", "alpha": "alpha (Leaky slope / ELU)",
                            "shift": "pre-activation shift"})
