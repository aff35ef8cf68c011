"""Chapter 5, Backpropagation: computational-graph nodes and the graph explorer.

The nodes are the smallest possible layers: each has a ``forward`` that remembers what its
``backward`` needs, and a ``backward`` that turns the gradient arriving from above (``dout``)
into gradients for its inputs by the chain rule. They work on numbers and on numpy arrays.

    mul = MulNode()
    price = mul.forward(100, 2)        # 200
    d_apple, d_count = mul.backward(1) # (2, 100): each input gets the *other* input times dout

``neuron_graph`` builds the chapter's small graph from these nodes,
L = 1/2 (act(w1 x1 + w2 x2 + b) - t)^2, and ``make_explorer`` draws its forward values and
gradients on the graph for inputs set by sliders.
"""
from __future__ import annotations

import math

import numpy as np

from .. import functions as F
from ..widgets import Explorer, blit_figure, message_figure

__all__ = ["MulNode", "AddNode", "ReLUNode", "SigmoidNode", "SquaredErrorNode", "neuron_graph",
           "make_explorer"]


class MulNode:
    """z = x * y. Backward: dx = dout * y, dy = dout * x (each input gets the other one)."""

    def forward(self, x, y):
        self.x, self.y = x, y
        return x * y

    def backward(self, dout):
        return dout * self.y, dout * self.x


class AddNode:
    """z = x + y. Backward: dx = dy = dout (the gradient passes through unchanged)."""

    def forward(self, x, y):
        return x + y

    def backward(self, dout):
        return dout, dout


class ReLUNode:
    """a = max(0, z). Backward: dout where z > 0, else 0 (the gate is open or shut)."""

    def forward(self, z):
        self.open = np.asarray(z) > 0
        return np.where(self.open, z, 0.0)

    def backward(self, dout):
        return np.where(self.open, dout, 0.0)


class SigmoidNode:
    """a = 1 / (1 + exp(-z)). Backward: dout * a * (1 - a), at most dout / 4."""

    def forward(self, z):
        self.a = F.sigmoid(z)
        return self.a

    def backward(self, dout):
        return dout * self.a * (1.0 - self.a)


class SquaredErrorNode:
    """L = (a - t)^2 / 2. Backward: dL/da = (a - t) * dout (t is a constant target)."""

    def forward(self, a, t):
        self.diff = a - t
        return 0.5 * self.diff ** 2

    def backward(self, dout=1.0):
        return self.diff * dout


ACTIVATION_NODES = {"sigmoid": SigmoidNode, "relu": ReLUNode}


def _number(name, value):
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)) \
            or not math.isfinite(value):
        raise ValueError(f"neuron_graph expected {name} to be a finite number, got {value!r}")
    return float(value)


def neuron_graph(x1, w1, x2=1.0, w2=-0.5, b=0.2, t=1.0, activation="sigmoid"):
    """Forward and backward pass through L = 1/2 (act(w1 x1 + w2 x2 + b) - t)^2, node by node.

    Returns (values, grads): dicts name -> float. values holds every input and intermediate
    result (u1 = w1 x1, u2 = w2 x2, s = u1 + u2, z = s + b, a = act(z), L); grads holds dL/d of
    each of them (dL/dL = 1). activation: "sigmoid" or "relu".
    """
    if activation not in ACTIVATION_NODES:
        raise ValueError(f"neuron_graph expected activation in {sorted(ACTIVATION_NODES)}, "
                         f"got {activation!r}")
    x1, w1, x2, w2, b, t = (_number(n, v) for n, v in
                            (("x1", x1), ("w1", w1), ("x2", x2), ("w2", w2), ("b", b), ("t", t)))
    mul1, mul2, add1, add2 = MulNode(), MulNode(), AddNode(), AddNode()
    act, loss = ACTIVATION_NODES[activation](), SquaredErrorNode()
    # forward: left to right, each node keeps what its backward needs
    u1 = mul1.forward(w1, x1)
    u2 = mul2.forward(w2, x2)
    s = add1.forward(u1, u2)
    z = add2.forward(s, b)
    a = float(act.forward(z))
    L = loss.forward(a, t)
    # backward: right to left, starting from dL/dL = 1
    dL = 1.0
    da = loss.backward(dL)
    dz = float(act.backward(da))
    ds, db = add2.backward(dz)
    du1, du2 = add1.backward(ds)
    dw1, dx1 = mul1.backward(du1)
    dw2, dx2 = mul2.backward(du2)
    values = dict(x1=x1, w1=w1, x2=x2, w2=w2, b=b, t=t, u1=u1, u2=u2, s=s, z=z, a=a, L=L)
    grads = dict(x1=dx1, w1=dw1, x2=dx2, w2=dw2, b=db, u1=du1, u2=du2, s=ds, z=dz, a=da, L=dL)
    return values, grads


# ------------------------------------------------------------------------------------------ explorer

# where each node of the graph sits (x, y in axes units)
_NODES = {"x1": (0.05, 0.88), "w1": (0.05, 0.60), "x2": (0.05, 0.38), "w2": (0.05, 0.10),
          "mul1": (0.27, 0.74), "mul2": (0.27, 0.24), "add1": (0.46, 0.49), "b": (0.46, 0.10),
          "add2": (0.62, 0.49), "act": (0.77, 0.49), "t": (0.77, 0.10), "loss": (0.93, 0.49)}
# edges: (from node, to node, name of the value carried)
_EDGES = [("x1", "mul1", "x1"), ("w1", "mul1", "w1"), ("x2", "mul2", "x2"), ("w2", "mul2", "w2"),
          ("mul1", "add1", "u1"), ("mul2", "add1", "u2"), ("add1", "add2", "s"), ("b", "add2", "b"),
          ("add2", "act", "z"), ("act", "loss", "a"), ("t", "loss", "t")]
_OPS = {"mul1": "×", "mul2": "×", "add1": "+", "add2": "+", "loss": "½(a−t)²"}
_VALUE_COLOR, _GRAD_COLOR = "#1f5fa8", "#c0392b"


def _fmt(v):
    return f"{v + 0.0:.3g}"   # + 0.0 turns -0.0 into 0.0


class _GraphFrames:
    """Draws the graph once per activation (nodes, arrows, names) and each frame's numbers on top."""

    SIZE, DPI = (9.0, 4.0), 72

    def __init__(self):
        self.backgrounds = {}

    def _background(self, activation):
        if activation in self.backgrounds:
            return self.backgrounds[activation]
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure

        fig = Figure(figsize=self.SIZE, dpi=self.DPI)
        FigureCanvasAgg(fig)
        ax = fig.add_axes((0.01, 0.07, 0.98, 0.83))
        ax.set(xlim=(0, 1), ylim=(0, 1))
        ax.axis("off")
        act = "σ" if activation == "sigmoid" else "ReLU"
        ops = dict(_OPS, act=act)
        for src, dst, _ in _EDGES:
            (x0, y0), (x1, y1) = _NODES[src], _NODES[dst]
            ax.annotate("", xy=(x1, y1), xytext=(x0, y0),
                        arrowprops=dict(arrowstyle="-|>", color="0.6", lw=1.2, shrinkA=14, shrinkB=16))
        for name, (x, y) in _NODES.items():
            if name in ops:
                round_ = len(ops[name]) < 3
                ax.text(x, y, ops[name], ha="center", va="center", fontsize=13 if round_ else 10,
                        bbox=dict(boxstyle="circle,pad=0.3" if round_ else "round,pad=0.4",
                                  facecolor="#fdf2d0", edgecolor="0.35"))
            else:
                ax.text(x, y, name, ha="center", va="center", fontsize=11, fontweight="bold",
                        bbox=dict(boxstyle="round,pad=0.3", facecolor="#e8eef7", edgecolor="0.35"))
        lx, ly = _NODES["loss"]
        ax.text(lx, ly - 0.09, "∂L/∂L = 1", ha="center", va="top", color=_GRAD_COLOR, fontsize=10)
        fig.text(0.01, 0.955, f"L = ½ ({act}(w1·x1 + w2·x2 + b) − t)²", fontsize=12, va="center")
        fig.text(0.99, 0.955, "blue: forward value    red: gradient ∂L/∂(value)", fontsize=10,
                 ha="right", va="center", color="0.3")
        fig.canvas.draw()
        self.backgrounds[activation] = (fig, ax, fig.canvas.copy_from_bbox(fig.bbox))
        return self.backgrounds[activation]

    def render(self, x1, w1, activation):
        values, grads = neuron_graph(x1, w1, activation=activation)
        fig, ax, pixels = self._background(activation)
        artists = []
        for src, dst, carried in _EDGES:
            (x0, y0), (x1_, y1) = _NODES[src], _NODES[dst]
            f = 0.35 if src in ("x1", "w1", "x2", "w2") else 0.5   # keep the inputs' labels apart
            xm, ym = x0 + f * (x1_ - x0), y0 + f * (y1 - y0)
            artists.append(ax.text(xm, ym + 0.025, _fmt(values[carried]), ha="center", va="bottom",
                                   color=_VALUE_COLOR, fontsize=11))
            if carried in grads:
                artists.append(ax.text(xm, ym - 0.025, _fmt(grads[carried]), ha="center", va="top",
                                       color=_GRAD_COLOR, fontsize=11))
        lx, ly = _NODES["loss"]
        artists.append(ax.text(lx, ly + 0.09, f"L = {_fmt(values['L'])}", ha="center", va="bottom",
                               color=_VALUE_COLOR, fontsize=11, fontweight="bold"))
        if activation == "relu":
            note = ("z ≤ 0: the ReLU gate is shut, every gradient before it is 0" if values["z"] <= 0
                    else "z > 0: the ReLU gate is open, the gradient passes through unchanged")
        else:
            note = (f"σ'(z) = a(1 − a) = {values['a'] * (1 - values['a']):.3f}: "
                    "the sigmoid passes on at most a quarter of the gradient")
        artists.append(fig.text(0.5, 0.025, note, ha="center", va="bottom", fontsize=10, color="0.2"))
        return blit_figure(fig, pixels, artists)


def make_explorer(x1_values=(-2.0, -1.0, 0.0, 1.0, 2.0), w1_values=(-1.0, 0.5, 1.0),
                  activations=("sigmoid", "relu")):
    """The graph explorer: sliders for x1, w1 and the activation; the graph shows every
    forward value (blue, above an arrow) and gradient dL/d(.) (red, below it)."""
    for name, values in (("x1_values", x1_values), ("w1_values", w1_values)):
        if not values:
            raise ValueError(f"make_explorer expected at least one value in {name}")
        for v in values:
            _number(name, v)
    for a in activations:
        if a not in ACTIVATION_NODES:
            raise ValueError(f"make_explorer expected activations from {sorted(ACTIVATION_NODES)}, got {a!r}")
    frames = _GraphFrames()

    def render(x1, w1, activation):
        try:
            return frames.render(x1, w1, activation)
        except Exception as error:  # never a traceback in the book: say what went wrong
            return message_figure(f"could not draw x1 = {x1}, w1 = {w1}, {activation}: {error}")

    grid = {"x1": list(x1_values), "w1": list(w1_values), "activation": list(activations)}
    initial = {"x1": grid["x1"][len(grid["x1"]) * 3 // 4], "w1": grid["w1"][len(grid["w1"]) * 3 // 4],
               "activation": grid["activation"][0]}
    return Explorer(render, grid, initial=initial, title="Forward values and gradients on a graph",
                    labels={"x1": "input x1", "w1": "weight w1", "activation": "activation"})
