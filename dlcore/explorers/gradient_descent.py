"""Chapter 4, Gradient descent: the toy problem, gradient-descent runs and the learning-rate explorer.

The chapter fits one small data set two ways:

* a straight line y = w x + b, whose mean squared error L(w, b) is a 2-D bowl we can draw;
* a small network 1-16-1 (tanh), whose 49 parameters we cannot draw, so we watch its loss.

Both are trained by (mini-batch) gradient descent with the same learning rate, so the explorer
shows side by side how the learning rate decides between crawling, converging, oscillating
and diverging.

    x, y = make_data()
    run = fit_line(x, y, lr=0.1, steps=100)          # a Run: path, losses, diverged_at
    run.message                                       # "converged: ..." or "diverged at step 7 ..."
    make_explorer()                                   # learning rate x batch size
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from ..data import iterate_minibatches
from ..layers import MSELoss
from ..model import mlp
from ..optim import SGD
from ..train import Trainer, evaluate
from ..widgets import Explorer, blit_figure, message_figure

__all__ = ["make_data", "line_loss", "line_grad", "line_curvatures", "least_squares", "Run", "fit_line",
           "train_network", "LEARNING_RATES", "BATCH_SIZES", "make_explorer"]

#: The learning rates of the explorer's slider: 11 values, five per decade, from 0.01 to 1.
LEARNING_RATES = tuple(float(f"{v:.3g}") for v in np.logspace(-2, 0, 11))
#: The batch sizes of the explorer: the whole data set (64), a mini-batch of 8, online (1).
BATCH_SIZES = (64, 8, 1)
#: A loss this many times larger than where it started counts as diverged.
BLOWUP = 1e6
#: Where every run on the line's surface starts: far from the minimum, across the valley.
START = (-2.0, 1.0)


def make_data(n=64, seed=0):
    """The chapter's data: n points on a wavy curve y = sin(2x) + x/2 + noise, x in [-0.5, 2.5].

    Returns x: (n, 1) and y: (n, 1), float64, sorted by x.
    """
    if not isinstance(n, (int, np.integer)) or n < 2:
        raise ValueError(f"make_data expected n to be an integer >= 2, got {n!r}")
    rng = np.random.default_rng(seed)
    x = np.sort(rng.uniform(-0.5, 2.5, size=n))[:, None]
    y = np.sin(2 * x) + 0.5 * x + 0.15 * rng.standard_normal(x.shape)
    return x, y


def _check_xy(owner, x, y):
    x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    if x.ndim != 2 or x.shape[1] != 1 or y.shape != x.shape:
        raise ValueError(f"{owner} expected x and y of the same shape (N, 1), got {x.shape} and {y.shape}")
    return x, y


def line_loss(w, b, x, y):
    """Mean squared error of the line w x + b on (x, y); w and b may be arrays (a grid).

    L(w, b) = mean_i (w x_i + b - y_i)^2. x, y: (N, 1). Returns an array of w's broadcast shape.
    """
    x, y = _check_xy("line_loss", x, y)
    w, b = np.asarray(w, dtype=np.float64), np.asarray(b, dtype=np.float64)
    # expand the mean of squares so a whole grid of (w, b) costs a few array operations
    sx, sxx, sy, syy, sxy = x.mean(), (x * x).mean(), y.mean(), (y * y).mean(), (x * y).mean()
    return w * w * sxx + b * b + syy + 2 * w * b * sx - 2 * w * sxy - 2 * b * sy


def line_grad(wb, x, y):
    """Gradient (dL/dw, dL/db) of ``line_loss`` at wb = (w, b): mean(2 r x), mean(2 r), r = w x + b - y."""
    x, y = _check_xy("line_grad", x, y)
    wb = np.asarray(wb, dtype=np.float64)
    if wb.shape != (2,):
        raise ValueError(f"line_grad expected wb = (w, b) of shape (2,), got {wb.shape}")
    r = wb[0] * x + wb[1] - y
    return np.array([np.mean(2 * r * x), np.mean(2 * r)])


def line_curvatures(x):
    """Eigenvalues of the Hessian of ``line_loss``, 2 mean(a a^T) with a = (x, 1), ascending.

    Gradient descent on the line converges for lr < 2 / (the largest) and diverges above.
    """
    x = np.asarray(x, dtype=np.float64)
    A = np.c_[x.reshape(len(x), -1), np.ones(len(x))]
    return np.linalg.eigvalsh(2 * A.T @ A / len(A))


def least_squares(x, y):
    """The minimum of ``line_loss``: (w*, b*) and L(w*, b*), from the normal equations."""
    x, y = _check_xy("least_squares", x, y)
    A = np.c_[x, np.ones_like(x)]
    wb = np.linalg.lstsq(A, y[:, 0], rcond=None)[0]
    return wb, float(line_loss(wb[0], wb[1], x, y))


@dataclass
class Run:
    """One gradient-descent run: where it went and whether it blew up.

    losses: the loss after 0, 1, 2, ... updates (the full-data loss, also for mini-batches);
    path: the parameters after each update, (steps + 1, 2), for 2-D problems (else None);
    diverged_at: the update after which the loss exceeded ``BLOWUP`` times its start (or
    became nan/inf), else None. The run stops there.
    minimum, argmin: the lowest possible loss and where it is (when known);
    zigzags: how often a full-batch path crossed the valley's floor (oscillation).
    Taught in chapter 4, Gradient descent.
    """

    lr: float
    batch_size: int
    losses: np.ndarray
    path: np.ndarray | None = None
    diverged_at: int | None = None
    minimum: float | None = field(default=None, repr=False)
    zigzags: int = 0
    argmin: np.ndarray | None = field(default=None, repr=False)

    @property
    def diverged(self):
        return self.diverged_at is not None

    @property
    def progress(self):
        """Fraction of the way to the minimum: of the distance to ``argmin`` when known,
        else of the drop from the starting loss to ``minimum``; None if neither is known."""
        if self.diverged:
            return None
        if self.argmin is not None and self.path is not None:
            start, end = (np.linalg.norm(p - self.argmin) for p in (self.path[0], self.path[-1]))
            return float(1 - end / start)
        if self.minimum is None:
            return None
        return float((self.losses[0] - self.losses[-1]) / (self.losses[0] - self.minimum))

    @property
    def rises(self):
        """How many updates made the loss go up (a sign of oscillation, or of noise)."""
        return int(np.sum(np.diff(self.losses) > 1e-12 * np.abs(self.losses[:-1])))

    @property
    def message(self):
        """One line saying what happened, e.g. "diverged at step 12: the loss reached 3.1e+06"."""
        steps = len(self.losses) - 1
        first, last = self.losses[0], self.losses[-1]
        if self.diverged:
            shown = "nan/inf" if not np.isfinite(last) else f"{last:.2g}"
            return f"diverged at step {self.diverged_at}: the loss reached {shown}"
        if last > first:
            return f"unstable: the loss grew from {first:.3g} to {last:.3g} in {steps} steps"
        text = f"loss {first:.3g} → {last:.3g} in {steps} steps"
        noisy = self.rises > 0.2 * steps
        if self.progress is not None:
            if self.progress > 0.99 and not noisy:
                text = "converged: " + text
            elif self.progress > 0.9 and noisy:
                text = "jitters near the minimum: " + text
            else:
                text = f"{100 * self.progress:.0f}% of the way down: " + text
        if self.rises > 0.05 * steps:
            text += f"; it rose in {self.rises} of them"
        elif self.zigzags > 0.05 * steps:
            text += "; zig-zagging across the valley"
        return text


def _check_lr_steps(owner, lr, steps):
    if not isinstance(lr, (int, float, np.integer, np.floating)) or isinstance(lr, bool) or not lr > 0:
        raise ValueError(f"{owner} expected a learning rate lr > 0, got {lr!r}")
    if not isinstance(steps, (int, np.integer)) or isinstance(steps, bool) or steps < 1:
        raise ValueError(f"{owner} expected steps to be a positive integer, got {steps!r}")


def _check_batch(owner, batch_size, n):
    if not isinstance(batch_size, (int, np.integer)) or isinstance(batch_size, bool) \
            or not 1 <= batch_size <= n:
        raise ValueError(f"{owner} expected batch_size to be an integer from 1 to {n}, got {batch_size!r}")


def _batches(x, y, batch_size, rng):
    """Mini-batches forever: reshuffle the data at every epoch."""
    while True:
        yield from iterate_minibatches(x, y, batch_size, rng)


def _blew_up(loss, start, blowup):
    """The runs' stopping rule: the loss is nan or inf, or ``blowup`` times its start."""
    return not math.isfinite(loss) or loss > blowup * start


def fit_line(x, y, lr, steps, batch_size=None, seed=0, start=START, blowup=BLOWUP):
    """(Mini-batch) gradient descent on the line's parameters (w, b), from ``start``.

    Each step uses the gradient of one mini-batch of ``batch_size`` points (the data are
    reshuffled every epoch; None or N means full batch). Records the full-data loss and
    (w, b) after every step. Returns a ``Run`` (with ``minimum`` set).
    """
    x, y = _check_xy("fit_line", x, y)
    _check_lr_steps("fit_line", lr, steps)
    batch_size = len(x) if batch_size is None else batch_size
    _check_batch("fit_line", batch_size, len(x))
    rng = np.random.default_rng(seed)
    batches = _batches(x, y, batch_size, rng)
    p = np.array(start, dtype=np.float64)
    path, losses, diverged_at = [p.copy()], [float(line_loss(p[0], p[1], x, y))], None
    with np.errstate(over="ignore", invalid="ignore"):
        for step in range(1, steps + 1):
            xb, yb = next(batches)
            p = p - lr * line_grad(p, xb, yb)
            path.append(p.copy())
            losses.append(float(line_loss(p[0], p[1], x, y)))
            if _blew_up(losses[-1], losses[0], blowup):
                diverged_at = step
                break
    wb_star, l_star = least_squares(x, y)
    path = np.array(path)
    zigzags = 0
    if batch_size == len(x):  # count how often the path crosses the valley's floor
        across = (path - wb_star) @ np.linalg.eigh(2 * np.c_[x, np.ones_like(x)].T
                                                   @ np.c_[x, np.ones_like(x)] / len(x))[1][:, -1]
        zigzags = int(np.sum(across[1:] * across[:-1] < 0))
    return Run(lr=float(lr), batch_size=batch_size, losses=np.array(losses), path=path,
               diverged_at=diverged_at, minimum=l_star, zigzags=zigzags, argmin=wb_star)


def train_network(x, y, lr, steps, batch_size=None, hidden=16, seed=0, blowup=BLOWUP):
    """Train a 1-hidden-layer tanh network (1-hidden-1, float64) by plain SGD on MSE.

    Same data, batches and stopping rule as ``fit_line``. A ``Trainer`` takes the steps
    (seeded like fit_line's shuffling); its ``after_step`` records the full-data loss after
    every step and ends training after ``steps`` updates or when that loss blows up.
    The weights start the same for every lr (``seed``). Returns a ``Run``
    (no path: the network has 3 * hidden + 1 parameters).
    """
    x, y = _check_xy("train_network", x, y)
    _check_lr_steps("train_network", lr, steps)
    batch_size = len(x) if batch_size is None else batch_size
    _check_batch("train_network", batch_size, len(x))
    model = mlp([1, hidden, 1], activation="tanh", init="xavier", rng=np.random.default_rng(seed),
                dtype=np.float64)
    loss = MSELoss()
    losses = [evaluate(model, loss, x, y)[0]]

    def record_loss(step, batch_loss):
        """Append the full-data loss; a true result ends training."""
        losses.append(evaluate(model, loss, x, y)[0])
        return step == steps or _blew_up(losses[-1], losses[0], blowup)

    trainer = Trainer(model, loss, SGD(lr=lr), batch_size=batch_size, seed=seed,
                      after_step=record_loss)
    epochs = math.ceil(steps / math.ceil(len(x) / batch_size))    # enough for `steps` updates
    with np.errstate(over="ignore", invalid="ignore"):
        trainer.fit(x, y, epochs)
    diverged_at = len(losses) - 1 if _blew_up(losses[-1], losses[0], blowup) else None
    return Run(lr=float(lr), batch_size=batch_size, losses=np.array(losses), diverged_at=diverged_at)


# ------------------------------------------------------------------------------------------ explorer

_RED, _ORANGE, _GREEN, _BLUE = "#c0392b", "#d68910", "#1e8449", "#2e86c1"


def _status_color(run, good):
    """Red: diverged or growing; orange: the loss often rose (oscillation or noise);
    green: reached a good loss; blue: still on its way (too slow)."""
    if run.diverged or run.losses[-1] > run.losses[0]:
        return _RED
    if max(run.rises, run.zigzags) > 0.05 * (len(run.losses) - 1):
        return _ORANGE
    return _GREEN if good else _BLUE


def _network_message(run, best, n):
    """The network's status: diverged, unsteady (or noisy), too slow, or good."""
    if run.diverged:
        return run.message
    steps = len(run.losses) - 1
    text = f"loss {run.losses[0]:.2f} → {run.losses[-1]:.3f} in {steps} steps"
    if run.rises > 0.05 * steps:
        kind = "noisy" if run.batch_size < n else "unsteady"
        return f"{kind}: {text}; it rose in {run.rises} of them"
    return ("too slow: " if run.losses[-1] > 2 * best else "good: ") + text


def make_explorer(steps=100, learning_rates=LEARNING_RATES, batch_sizes=BATCH_SIZES):
    """The learning-rate explorer: learning rate (log slider) x batch size.

    Left: the path of (w, b) on the line's loss surface. Middle: that loss per step.
    Right: the loss of the small network trained with the same learning rate and batch size.
    Every run is computed here once (11 x 3 runs of 100 steps); frames only draw.
    """
    _check_lr_steps("make_explorer", 1.0, steps)
    if not learning_rates or not batch_sizes:
        raise ValueError("make_explorer expected at least one learning rate and one batch size")
    x, y = make_data()
    for lr in learning_rates:
        _check_lr_steps("make_explorer", lr, steps)
    for bs in batch_sizes:
        _check_batch("make_explorer", bs, len(x))
    lines = {(lr, bs): fit_line(x, y, lr, steps, bs) for lr in learning_rates for bs in batch_sizes}
    nets = {(lr, bs): train_network(x, y, lr, steps, bs) for lr in learning_rates for bs in batch_sizes}
    frames = _LearningRateFrames(x, y, lines, nets, steps)

    def render(lr, batch_size):
        try:
            return frames.render(lr, batch_size)
        except Exception as error:  # never a traceback in the book: say what went wrong
            return message_figure(f"could not draw η = {lr}, batch size {batch_size}: {error}")

    return Explorer(render, {"lr": list(learning_rates), "batch_size": list(batch_sizes)},
                    initial={"lr": learning_rates[len(learning_rates) // 2], "batch_size": batch_sizes[0]},
                    title="Learning rate: crawl, converge, oscillate, diverge",
                    labels={"lr": "learning rate η (log scale)", "batch_size": "batch size"})


class _LearningRateFrames:
    """Draws the explorer's frames fast: what stays the same for a batch size (contours, axes,
    ticks, the grey curves of the other learning rates) is drawn once; a frame only adds the
    run of its learning rate on top ("blitting") and returns the picture as a figure."""

    SIZE, DPI = (9, 4.1), 72

    def __init__(self, x, y, lines, nets, steps):
        self.x, self.y, self.lines, self.nets, self.steps = x, y, lines, nets, steps
        (self.w_star, self.b_star), self.l_star = least_squares(x, y)
        self.best_net = min(float(r.losses[-1]) for r in nets.values() if not r.diverged)
        self.lr_max = 2 / line_curvatures(x).max()
        self.backgrounds = {}

    def _background(self, batch_size):
        """The static part of every frame with this batch size: a figure, its axes, its pixels."""
        if batch_size in self.backgrounds:
            return self.backgrounds[batch_size]
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
        from matplotlib.ticker import NullLocator

        fig = Figure(figsize=self.SIZE, dpi=self.DPI)
        FigureCanvasAgg(fig)
        grid = fig.add_gridspec(1, 3, width_ratios=[1.05, 1, 1])
        axes = [fig.add_subplot(grid[0, i]) for i in range(3)]
        ws = np.linspace(self.w_star - 3.2, self.w_star + 3.2, 120)
        bs = np.linspace(self.b_star - 3.2, self.b_star + 3.2, 120)
        W, B = np.meshgrid(ws, bs)
        Z = line_loss(W, B, self.x, self.y)
        levels = self.l_star + (Z.max() - self.l_star) * np.linspace(0, 1, 13) ** 2
        ax0 = axes[0]
        ax0.contour(W, B, Z, levels=levels, colors="0.7", linewidths=0.6)
        ax0.plot(*START, "ko", ms=5)
        ax0.plot(self.w_star, self.b_star, "k*", ms=11, zorder=5)
        ax0.set(xlim=(ws[0], ws[-1]), ylim=(bs[0], bs[-1]))
        ax0.set_xlabel("slope w", fontsize=10, labelpad=1)
        ax0.set_ylabel("intercept b", fontsize=10, labelpad=0)
        ax0.set_title("line: path of (w, b)", fontsize=11)
        for ax, runs, title, floor, bottom in (
                (axes[1], self.lines, "line: loss − min", self.l_star, 1e-4),
                (axes[2], self.nets, "network 1-16-1: loss", 0.0, 1e-2)):
            for (_, other_bs), other in runs.items():
                if other_bs == batch_size:
                    ax.plot(np.maximum(other.losses - floor, bottom), color="0.88", lw=0.8)
            ax.set_yscale("log")
            ax.set(xlim=(0, self.steps), ylim=(bottom, 1e4))
            ax.set_xlabel("step", fontsize=10, labelpad=1)
            ticks = [t for t in (1e-4, 1e-2, 1.0, 1e2, 1e4) if t >= bottom]
            ax.set_yticks(ticks, [f"{t:g}" for t in ticks])
            ax.yaxis.set_minor_locator(NullLocator())
            ax.set_title(title, fontsize=11)
            ax.grid(alpha=0.3)
        fig.text(0.99, 0.955, f"grey: other η;  full batch: line stable for η < {self.lr_max:.2f}",
                 ha="right", va="center", fontsize=9, color="0.35")
        for ax in axes:
            ax.tick_params(labelsize=9, pad=2)
        fig.subplots_adjust(left=0.07, right=0.985, bottom=0.11, top=0.66, wspace=0.32)
        fig.canvas.draw()
        self.backgrounds[batch_size] = (fig, axes, fig.canvas.copy_from_bbox(fig.bbox))
        return self.backgrounds[batch_size]

    def render(self, lr, batch_size):
        line, net = self.lines[(lr, batch_size)], self.nets[(lr, batch_size)]
        fig, (ax0, ax1, ax2), pixels = self._background(batch_size)
        line_color = _status_color(line, line.progress is not None and line.progress > 0.99)
        net_color = _status_color(net, net.losses[-1] <= 2 * self.best_net)
        kind = {len(self.x): "full batch", 1: "online"}.get(batch_size, "mini-batch")
        artists = [fig.text(0.01, 0.955, f"η = {lr:g},  batch size {batch_size} ({kind})",
                            ha="left", va="center", fontsize=12, fontweight="bold"),
                   fig.text(0.01, 0.865, "line:  " + line.message, ha="left", va="center",
                            fontsize=10.5, color=line_color),
                   fig.text(0.01, 0.785, "network:  " + _network_message(net, self.best_net, len(self.x)),
                            ha="left", va="center", fontsize=10.5, color=net_color)]
        artists += ax0.plot(line.path[:, 0], line.path[:, 1], "-", color=line_color, lw=1.1,
                            marker=".", ms=3)
        if line.diverged:
            artists.append(ax0.text(0.5, 0.06, f"diverged at step {line.diverged_at}",
                                    transform=ax0.transAxes, ha="center", color="white", fontsize=10,
                                    fontweight="bold", bbox=dict(facecolor=_RED, edgecolor="none")))
        for ax, run, color, floor, bottom in ((ax1, line, line_color, self.l_star, 1e-4),
                                              (ax2, net, net_color, 0.0, 1e-2)):
            artists += ax.plot(np.maximum(run.losses - floor, bottom), color=color, lw=1.8)
            if run.diverged:
                artists += ax.plot(run.diverged_at, 1e4, marker="X", color=_RED, ms=11, clip_on=False)
        return blit_figure(fig, pixels, artists)
