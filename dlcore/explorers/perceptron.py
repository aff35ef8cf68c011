"""Chapter 1, Perceptron: logic gates on two inputs and the decision-boundary explorer.

A perceptron with two inputs fires (outputs 1) when ``w1*x1 + w2*x2 + b > 0``. On the four
inputs of a logic gate it therefore computes one of the 16 Boolean functions of two variables;
:func:`which_gate` names it. :func:`make_explorer` puts ``w1``, ``w2`` and ``b`` on sliders
and draws the boundary line, the two half-planes and the four gate inputs.

Taught in chapter 1, Perceptron.
"""

from __future__ import annotations

import numpy as np

from dlcore._checks import check_real
from dlcore.widgets import Explorer

__all__ = ["INPUTS", "BOOLEAN_FUNCTIONS", "NAMED_GATES", "gate_outputs", "which_gate", "draw_boundary",
           "render_boundary", "make_explorer"]

#: The four inputs of a two-input gate, in truth-table order: rows (x1, x2).
INPUTS = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float64)

#: All 16 Boolean functions of two inputs, keyed by their outputs on ``INPUTS``.
BOOLEAN_FUNCTIONS = {
    (0, 0, 0, 0): "always 0",
    (0, 0, 0, 1): "AND",
    (0, 0, 1, 0): "x1 AND NOT x2",
    (0, 0, 1, 1): "x1",
    (0, 1, 0, 0): "NOT x1 AND x2",
    (0, 1, 0, 1): "x2",
    (0, 1, 1, 0): "XOR",
    (0, 1, 1, 1): "OR",
    (1, 0, 0, 0): "NOR",
    (1, 0, 0, 1): "XNOR",
    (1, 0, 1, 0): "NOT x2",
    (1, 0, 1, 1): "x1 OR NOT x2",
    (1, 1, 0, 0): "NOT x1",
    (1, 1, 0, 1): "NOT x1 OR x2",
    (1, 1, 1, 0): "NAND",
    (1, 1, 1, 1): "always 1",
}

#: The gates that have a name of their own (the others are described by a formula).
NAMED_GATES = ("AND", "OR", "NAND", "NOR", "XOR", "XNOR")

_FIRE, _QUIET = "#f4a261", "#8ecae6"      # colours of output 1 and output 0
_W_VALUES = (-1.0, 0.0, 1.0)
_B_VALUES = (-1.25, -0.75, -0.25, 0.25, 0.75, 1.25)
_VIEW = (-0.6, 1.6)                         # the square of the (x1, x2) plane that is drawn


def gate_outputs(w1, w2, b) -> np.ndarray:
    """Outputs (4,) int of the perceptron step(w1*x1 + w2*x2 + b) on ``INPUTS``.

    The step function fires only for a strictly positive sum: a point exactly on the line
    outputs 0 (the convention of ``dlcore.functions.step``).
    """
    w = np.array([check_real("w1", w1), check_real("w2", w2)])
    return (INPUTS @ w + check_real("b", b) > 0).astype(np.int64)


def which_gate(w1, w2, b) -> str:
    """Name of the Boolean function the perceptron (w1, w2, b) computes on two binary inputs.

    >>> which_gate(0.5, 0.5, -0.7)
    'AND'
    """
    return BOOLEAN_FUNCTIONS[tuple(int(v) for v in gate_outputs(w1, w2, b))]


def draw_boundary(ax, w1, w2, b, *, targets=None, title=None, arrow=True):
    """Draw a two-input perceptron on ``ax``: shaded half-planes, the line, w, the four inputs.

    The half-plane where w1*x1 + w2*x2 + b > 0 (the perceptron fires) is shaded orange, the
    other blue; the arrow is the weight vector w, which points into the firing side. The four
    gate inputs are coloured by the perceptron's output and labelled with it; with
    ``targets`` (4 values, in the order of ``INPUTS``) they are labelled with the wanted output
    instead, and an input the perceptron gets wrong is ringed in red. Returns the outputs (4,).
    """
    import matplotlib.pyplot as plt

    w1, w2, b = check_real("w1", w1), check_real("w2", w2), check_real("b", b)
    outputs = gate_outputs(w1, w2, b)
    if targets is not None:
        targets = np.asarray(targets)
        if targets.shape != (4,) or not np.isin(targets, (0, 1)).all():
            raise ValueError(f"targets must be 4 values in {{0, 1}} (one per row of INPUTS), got {targets!r}")
    lo, hi = _VIEW
    # Shade the silent side as the background and the firing side as a polygon on top of it
    # (cheaper to draw than an image of the plane, which matters when every frame is rendered).
    ax.set_facecolor(_blend(_QUIET))
    firing = _half_plane(w1, w2, b)
    if len(firing):
        ax.add_patch(plt.Polygon(firing, closed=True, facecolor=_blend(_FIRE), edgecolor="none"))
    norm = np.hypot(w1, w2)
    if norm > 0:
        # The boundary: all points x with w.x + b = 0, drawn through its point nearest the origin.
        foot = -b * np.array([w1, w2]) / norm**2
        direction = np.array([-w2, w1]) / norm
        ends = np.array([foot + t * direction for t in (-5, 5)])
        ax.plot(ends[:, 0], ends[:, 1], color="k", lw=2)
        if arrow:
            vector = 0.4 * np.array([w1, w2]) / norm
            start = _arrow_start(foot, direction, vector)
            ax.arrow(*start, *vector, width=0.012, head_width=0.07, head_length=0.08,
                     length_includes_head=True, color="k")
            ax.text(*(start + 1.3 * vector), "w", fontsize=11, ha="center", va="center", style="italic")
    shown = outputs if targets is None else targets
    wrong = outputs != shown if targets is not None else np.zeros(4, dtype=bool)
    ax.scatter(INPUTS[:, 0], INPUTS[:, 1], s=330, c=[_FIRE if v else _QUIET for v in shown], zorder=3,
               edgecolors=["red" if bad else "k" for bad in wrong], linewidths=np.where(wrong, 3.0, 1.0))
    for (x1, x2), label in zip(INPUTS, shown):
        ax.text(x1, x2, str(int(label)), ha="center", va="center", fontsize=11, fontweight="bold", zorder=4)
    # Axis ticks are slow to draw (an explorer renders every frame); plain text is enough here.
    ax.set(xlim=_VIEW, ylim=_VIEW, xticks=[], yticks=[])
    for v in (0, 1):
        ax.text(v, lo - 0.04, str(v), ha="center", va="top", fontsize=9, clip_on=False)
        ax.text(lo - 0.04, v, str(v), ha="right", va="center", fontsize=9, clip_on=False)
    ax.text(hi, lo - 0.04, "x\u2081", ha="right", va="top", fontsize=11, clip_on=False)
    ax.text(lo - 0.04, hi, "x\u2082", ha="right", va="top", fontsize=11, clip_on=False)
    if title is not None:
        ax.set_title(title, fontsize=11)
    return outputs


def render_boundary(w1, w2, b):
    """Figure (about 6 x 3.5 inches) of the perceptron (w1, w2, b) on the four gate inputs.

    Left: :func:`draw_boundary`. Right: the gate it computes and the weighted sum
    z = w1*x1 + w2*x2 + b of each input, with the output step(z).
    """
    import matplotlib.pyplot as plt

    w1, w2, b = check_real("w1", w1), check_real("w2", w2), check_real("b", b)
    fig = plt.figure(figsize=(6.0, 3.5))
    ax = fig.add_axes((0.08, 0.13, 0.5, 0.8))
    outputs = draw_boundary(ax, w1, w2, b, title=f"w\u2081 = {w1:g},  w\u2082 = {w2:g},  b = {b:g}")
    name = which_gate(w1, w2, b)

    # The right-hand side is figure text, not a second Axes: an Axes is costly to create, and
    # every frame of the explorer is rendered.
    kind = "gate" if name in NAMED_GATES else "function"
    fig.text(0.62, 0.93, f"computes the {kind}", fontsize=10, va="top")
    fig.text(0.62, 0.85, name, fontsize=15, fontweight="bold", va="top")
    sums = INPUTS @ np.array([w1, w2]) + b
    lines = ["z = w\u2081x\u2081 + w\u2082x\u2082 + b"] + [
        f"x = ({int(x1)}, {int(x2)}): z = {z:+.2f} \u2192 {y}" for (x1, x2), z, y in zip(INPUTS, sums, outputs)]
    fig.text(0.62, 0.69, "\n".join(lines), family="monospace", fontsize=9, va="top", linespacing=1.6)
    if w1 == 0 and w2 == 0:
        fig.text(0.62, 0.13, f"w = 0: no line; the output\nis step(b) = {int(b > 0)} for every input",
                 fontsize=9, color="0.3")
    elif not _line_in_view(w1, w2, b):
        fig.text(0.62, 0.13, "the line lies outside\nthis square", fontsize=9, color="0.3")
    return fig


def _blend(colour, alpha=0.45):
    """``colour`` drawn with ``alpha`` over white, as an opaque RGB tuple."""
    from matplotlib.colors import to_rgb

    return tuple(alpha * c + (1 - alpha) for c in to_rgb(colour))


def _line_in_view(w1, w2, b):
    """Whether the line w1*x1 + w2*x2 + b = 0 crosses the drawn square."""
    lo, hi = _VIEW
    corners = np.array([(lo, lo), (hi, lo), (hi, hi), (lo, hi)])
    z = corners @ np.array([w1, w2]) + b
    return z.min() < 0 < z.max()


def _half_plane(w1, w2, b):
    """Corners (K, 2) of the part of the view square where w1*x1 + w2*x2 + b > 0 (K may be 0)."""
    lo, hi = _VIEW
    square = [(lo, lo), (hi, lo), (hi, hi), (lo, hi)]
    corners = []
    for p, q in zip(square, square[1:] + square[:1]):       # clip each edge of the square
        sp, sq = w1 * p[0] + w2 * p[1] + b, w1 * q[0] + w2 * q[1] + b
        if sp > 0:
            corners.append(p)
        if (sp > 0) != (sq > 0):
            t = sp / (sp - sq)
            corners.append((p[0] + t * (q[0] - p[0]), p[1] + t * (q[1] - p[1])))
    return np.array(corners).reshape(-1, 2)


def _arrow_start(foot, direction, arrow):
    """A point of the boundary line from which the arrow of w stays inside the view and clear
    of the four gate inputs (so it hides none of them)."""
    centre = np.array([0.5, 0.5])
    t0 = (centre - foot) @ direction
    best, best_score = foot + t0 * direction, -np.inf
    for t in t0 + np.linspace(-1.0, 1.0, 21):
        start = foot + t * direction
        points = start + np.outer([0.0, 0.5, 1.0, 1.3], arrow)
        inside = np.all((points > _VIEW[0] + 0.08) & (points < _VIEW[1] - 0.08))
        clearance = np.min(np.linalg.norm(points[:, None, :] - INPUTS[None], axis=-1))
        score = min(clearance, 0.3) - 0.1 * abs(t - t0) + (0 if inside else -10)
        if score > best_score:
            best, best_score = start, score
    return best


def make_explorer(w_values=_W_VALUES, b_values=_B_VALUES) -> Explorer:
    """The decision-boundary explorer: sliders for w1 and w2 (``w_values``) and b (``b_values``).

    The default grid is 3 x 3 x 6 = 54 frames: each weight -1, 0 or 1 (inhibitory, ignored,
    excitatory), the bias from -1.25 to 1.25 in steps of 0.5. The biases are odd multiples of
    0.25, so no gate input ever lies exactly on the line, and every function a single
    perceptron can compute on two inputs (AND, OR, NAND, NOR and 10 more) appears on the grid.
    """
    w = _grid_values("w_values", w_values)
    bs = _grid_values("b_values", b_values)
    initial = {"w1": _closest(w, 1.0), "w2": _closest(w, 1.0), "b": _closest(bs, -1.25)}
    return Explorer(render_boundary, {"w1": w, "w2": w, "b": bs}, initial=initial,
                    title="A perceptron on two inputs: y = step(w1 x1 + w2 x2 + b)",
                    labels={"w1": "weight w1", "w2": "weight w2", "b": "bias b"})


def _grid_values(name, values):
    """Sorted distinct finite numbers from a non-empty 1-D sequence, with a clear error otherwise."""
    if isinstance(values, (str, bytes)) or np.ndim(values) != 1 or len(values) == 0:
        raise ValueError(f"{name} must be a non-empty 1-D sequence of numbers, got {values!r}")
    return sorted({check_real(f"{name}[{i}]", v) for i, v in enumerate(values)})


def _closest(values, target):
    return min(values, key=lambda v: abs(v - target))
