"""Chapter 3, Losses: fitting a line under MSE, MAE and Huber losses, and the outlier explorer.

:func:`fit_line` finds the line y = slope * x + intercept that minimises the mean of a loss
of the residuals, quickly and without a learning rate: least squares for MSE, an exact search
over the lines through two data points for MAE (an optimal MAE line always passes through two
of the points), and iteratively reweighted least squares for Huber. :func:`make_explorer`
puts a cluster of outliers on sliders (where along x, how far off the line) together with
Huber's threshold delta, and draws the three fitted lines and how hard each loss lets a point
pull on its line.

Taught in chapter 3, Losses.
"""

from __future__ import annotations

import numpy as np

from dlcore._checks import check_real
from dlcore.data import make_regression_1d
from dlcore.widgets import Explorer

__all__ = ["LOSSES", "fit_line", "pull", "outlier_data", "render_outlier_fits", "make_explorer"]

#: The regression losses :func:`fit_line` knows.
LOSSES = ("mse", "mae", "huber")

TRUE_SLOPE, TRUE_INTERCEPT = 2.0, 1.0    # the line the explorer's data come from
_COLORS = {"mse": "C3", "mae": "C2", "huber": "C0"}
_DEFAULT_POSITIONS = (-2.0, 0.0, 2.0)
_DEFAULT_SIZES = (0.0, 5.0, 10.0, 20.0)
_DEFAULT_DELTAS = (0.5, 1.0, 3.0)
_MAX_PAIRS_N = 200   # exact MAE search over all pairs up to this many points


def _xy(x, y):
    x = np.asarray(x, dtype=np.float64).reshape(-1) if np.ndim(x) == 2 and np.shape(x)[1] == 1 \
        else np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    if x.ndim != 1 or y.shape != x.shape:
        raise ValueError(f"fit_line expected x of shape (N,) or (N, 1) and y of shape (N,), "
                         f"got {np.shape(x)} and {np.shape(y)}")
    if len(x) < 2 or np.ptp(x) == 0:
        raise ValueError("fit_line needs at least two points with different x")
    if not (np.all(np.isfinite(x)) and np.all(np.isfinite(y))):
        raise ValueError("fit_line expected finite x and y")
    return x, y


def _weighted_lstsq(x, y, w):
    A = np.c_[x, np.ones_like(x)] * np.sqrt(w)[:, None]
    return np.linalg.lstsq(A, y * np.sqrt(w), rcond=None)[0]


def _mae_line(x, y):
    if len(x) <= _MAX_PAIRS_N:
        i, j = np.triu_indices(len(x), k=1)
        keep = x[i] != x[j]
        i, j = i[keep], j[keep]
        slopes = (y[j] - y[i]) / (x[j] - x[i])
        intercepts = y[i] - slopes * x[i]
        costs = np.zeros(len(i))
        for start in range(0, len(i), 4000):   # chunks keep memory small
            s = slice(start, start + 4000)
            costs[s] = np.abs(y[None, :] - slopes[s, None] * x[None, :] - intercepts[s, None]).sum(axis=1)
        best = int(np.argmin(costs))
        return np.array([slopes[best], intercepts[best]])
    theta = _weighted_lstsq(x, y, np.ones_like(x))
    for _ in range(200):   # iteratively reweighted least squares, weights 1 / |r|
        r = y - (theta[0] * x + theta[1])
        theta = _weighted_lstsq(x, y, 1.0 / np.maximum(np.abs(r), 1e-8))
    return theta


def fit_line(x, y, loss="mse", delta=1.0):
    """(slope, intercept) of the line minimising mean(loss(slope * x + intercept - y)).

    x: (N,) or (N, 1); y: (N,). loss: "mse", "mae" or "huber" (with threshold ``delta`` > 0,
    as ``dlcore.functions.huber``). MSE is solved by least squares, MAE exactly by trying
    every line through two points (for N <= 200; iteratively reweighted least squares
    beyond), Huber by iteratively reweighted least squares with weights min(1, delta / |r|).
    """
    if loss not in LOSSES:
        raise ValueError(f"unknown loss {loss!r}; expected one of {list(LOSSES)}")
    delta = check_real("delta", delta)
    if delta <= 0:
        raise ValueError(f"delta must be > 0, got {delta}")
    x, y = _xy(x, y)
    theta = _weighted_lstsq(x, y, np.ones_like(x))
    if loss == "mae":
        theta = _mae_line(x, y)
    elif loss == "huber":
        for _ in range(500):
            r = np.abs(y - (theta[0] * x + theta[1]))
            new = _weighted_lstsq(x, y, np.minimum(1.0, delta / np.maximum(r, 1e-12)))
            if np.max(np.abs(new - theta)) < 1e-12:
                theta = new
                break
            theta = new
    return float(theta[0]), float(theta[1])


def pull(residual, loss="mse", delta=1.0):
    """How hard a point pulls on the fit: the derivative rho'(r) of its loss with respect to its
    prediction, as a function of the residual r = prediction - target. MSE, written as r**2 / 2
    (the same minimiser as r**2, and Huber's quadratic part): r, which grows without bound;
    MAE: sign(r); Huber: clip(r, -delta, delta)."""
    if loss not in LOSSES:
        raise ValueError(f"unknown loss {loss!r}; expected one of {list(LOSSES)}")
    r = np.asarray(residual, dtype=np.float64)
    if loss == "mse":
        return r
    if loss == "mae":
        return np.sign(r)
    delta = check_real("delta", delta)
    if delta <= 0:
        raise ValueError(f"delta must be > 0, got {delta}")
    return np.clip(r, -delta, delta)


def outlier_data(position=2.0, size=10.0, n=30, n_outliers=3, seed=0):
    """Points on y = 2x + 1 with noise 0.5 (``dlcore.data.make_regression_1d``) plus a cluster of
    ``n_outliers`` points near x = ``position`` lifted by ``size`` above the line.
    Returns x (n + n_outliers,), y (n + n_outliers,) and a boolean mask of the outliers."""
    position, size = check_real("position", position), check_real("size", size)
    if not isinstance(n_outliers, (int, np.integer)) or n_outliers < 0:
        raise ValueError(f"n_outliers must be an integer >= 0, got {n_outliers!r}")
    x, y = make_regression_1d(n, np.random.default_rng(seed), slope=TRUE_SLOPE,
                              intercept=TRUE_INTERCEPT, noise=0.5)
    xo = position + 0.12 * (np.arange(n_outliers) - (n_outliers - 1) / 2)
    yo = TRUE_SLOPE * xo + TRUE_INTERCEPT + size
    x_all = np.r_[x[:, 0].astype(np.float64), xo]
    y_all = np.r_[y.astype(np.float64), yo]
    return x_all, y_all, np.r_[np.zeros(n, bool), np.ones(n_outliers, bool)]


def render_outlier_fits(position, size, delta, fits=None):
    """Figure (6 x 3.5 inches). Left: the data, the true line and the lines fitted under MSE, MAE
    and Huber(delta). Right: the pull d loss / d prediction of a point against its residual,
    with the outliers' residual under each fit marked. ``fits`` may hold precomputed lines."""
    import matplotlib.pyplot as plt

    position, size, delta = check_real("position", position), check_real("size", size), check_real("delta", delta)
    x, y, is_out = outlier_data(position, size)
    if fits is None:
        fits = {loss: fit_line(x, y, loss, delta) for loss in LOSSES}
    names = {"mse": "MSE", "mae": "MAE", "huber": f"Huber, delta={delta:g}"}

    fig = plt.figure(figsize=(6.0, 3.5))
    ax = fig.add_axes((0.08, 0.14, 0.5, 0.76))
    side = fig.add_axes((0.67, 0.14, 0.31, 0.76))
    xs = np.array([-2.6, 2.6])
    ax.scatter(x[~is_out], y[~is_out], s=12, color="0.35", zorder=3)
    ax.scatter(x[is_out], y[is_out], s=30, color="k", marker="x", zorder=3, label="outliers")
    ax.plot(xs, TRUE_SLOPE * xs + TRUE_INTERCEPT, color="0.6", ls=":", lw=2, label="true line")
    for loss in LOSSES:
        slope, intercept = fits[loss]
        ax.plot(xs, slope * xs + intercept, color=_COLORS[loss], lw=1.8,
                label=f"{names[loss]}: {slope:.2f}x{intercept:+.2f}")
    ax.set(xlim=xs, ylim=(-6, 28), xlabel="x", ylabel="y", xticks=[-2, 0, 2], yticks=[0, 10, 20])
    ax.set_title(f"3 outliers at x = {position:g}, {size:g} above the line", fontsize=10)
    ax.legend(loc="upper left", fontsize=7, frameon=False)

    r = np.linspace(-22, 22, 441)
    for loss in LOSSES:
        side.plot(r, pull(r, loss, delta), color=_COLORS[loss], lw=1.5)
        slope, intercept = fits[loss]
        r_out = float(np.mean(slope * x[is_out] + intercept - y[is_out]))
        style = dict(mfc="none", ms=10, mew=1.5) if loss == "mae" else dict(ms=6)
        side.plot([r_out], [pull(r_out, loss, delta)], "o", color=_COLORS[loss], **style)
    side.axhline(0, color="0.6", lw=0.6)
    side.axvline(0, color="0.6", lw=0.6)
    side.set(xlim=(-22, 22), ylim=(-22, 22), xlabel="residual r = prediction - y",
             xticks=[-20, 0, 20], yticks=[-20, 0, 20])   # few ticks: text is slow to draw
    side.set_title("pull of a point, rho'(r)", fontsize=10)
    return fig


def make_explorer(positions=_DEFAULT_POSITIONS, sizes=_DEFAULT_SIZES, deltas=_DEFAULT_DELTAS) -> Explorer:
    """The outlier explorer: sliders for where the outliers sit along x (``positions``), how far
    above the line (``sizes``) and Huber's threshold (``deltas`` > 0). The default grid is
    3 x 4 x 3 = 36 frames; the fits of every frame are computed once, here."""
    grids = {}
    for key, values in (("positions", positions), ("sizes", sizes), ("deltas", deltas)):
        if np.ndim(values) != 1 or len(values) == 0:
            raise ValueError(f"{key} must be a non-empty 1-D sequence of numbers, got {values!r}")
        grids[key] = sorted({check_real(f"{key}[{i}]", v) for i, v in enumerate(values)})
    if grids["deltas"][0] <= 0:
        raise ValueError(f"deltas must be > 0, got {grids['deltas'][0]}")

    fits = {}
    for position in grids["positions"]:
        for size in grids["sizes"]:
            x, y, _ = outlier_data(position, size)
            for delta in grids["deltas"]:
                fits[position, size, delta] = {loss: fit_line(x, y, loss, delta) for loss in LOSSES}

    def render(position, size, delta):
        return render_outlier_fits(position, size, delta, fits[position, size, delta])

    initial = {"position": grids["positions"][-1], "size": min(grids["sizes"], key=lambda v: abs(v - 10)),
               "delta": min(grids["deltas"], key=lambda v: abs(v - 1))}
    return Explorer(render, {"position": grids["positions"], "size": grids["sizes"], "delta": grids["deltas"]},
                    initial=initial, title="Fitting a line under MSE, MAE and Huber losses, with outliers",
                    labels={"position": "outliers at x =", "size": "outliers above line by",
                            "delta": "Huber delta"})
