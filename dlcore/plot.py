"""Shared figures, so that notebooks stay short and draw things the same way.

Every function returns the matplotlib Figure it drew (assign it: ``fig = plot_...(...)``).
"""

from __future__ import annotations

import numpy as np

__all__ = ["decision_boundary", "learning_curves", "image_grid", "confusion_matrix"]


def _grid(X: np.ndarray, margin: float, resolution: int):
    lo, hi = X.min(axis=0) - margin, X.max(axis=0) + margin
    xs, ys = np.meshgrid(np.linspace(lo[0], hi[0], resolution), np.linspace(lo[1], hi[1], resolution))
    return xs, ys, np.c_[xs.ravel(), ys.ravel()]


def decision_boundary(predict, X: np.ndarray, y: np.ndarray, *, ax=None, title: str = "",
                      margin: float = 0.5, resolution: int = 200):
    """Colour the plane by ``predict`` and scatter the points (chapter 1 on).

    Args:
        predict: function mapping points (M, 2) to integer classes (M,).
        X: (N, 2) points; y: (N,) integer labels.
    """
    import matplotlib.pyplot as plt

    X = np.asarray(X)
    if X.ndim != 2 or X.shape[1] != 2:
        raise ValueError(f"decision_boundary draws 2-D points: expected X of shape (N, 2), got {X.shape}")
    fig, ax = (ax.figure, ax) if ax is not None else plt.subplots(figsize=(4.5, 4))
    xs, ys, points = _grid(X, margin, resolution)
    classes = np.asarray(predict(points)).reshape(xs.shape)
    ax.contourf(xs, ys, classes, alpha=0.25, cmap="coolwarm", levels=np.arange(classes.max() + 2) - 0.5)
    ax.scatter(X[:, 0], X[:, 1], c=y, cmap="coolwarm", edgecolors="k", s=30)
    ax.set(xlabel="$x_1$", ylabel="$x_2$", title=title)
    return fig


def learning_curves(history, *, keys=("train_loss", "val_loss"), ax=None, title: str = "", logy: bool = False):
    """Plot per-epoch curves from a training history (a dict of lists), one line per key."""
    import matplotlib.pyplot as plt

    fig, ax = (ax.figure, ax) if ax is not None else plt.subplots(figsize=(5.5, 3.5))
    for key in keys:
        values = history[key]
        if len(values):
            ax.plot(np.arange(1, len(values) + 1), values, marker="o", ms=3, label=key.replace("_", " "))
    ax.set(xlabel="epoch", title=title)
    if logy:
        ax.set_yscale("log")
    ax.legend()
    ax.grid(alpha=0.3)
    return fig


def image_grid(images: np.ndarray, titles=None, *, ncols: int = 8, size: float = 1.3, cmap: str = "gray_r"):
    """Show images (N, 28, 28), (N, 784) or (N, 1, H, W) in a grid, with optional titles."""
    import matplotlib.pyplot as plt

    images = np.asarray(images)
    if images.ndim == 2:
        side = int(round(np.sqrt(images.shape[1])))
        if side * side != images.shape[1]:
            raise ValueError(f"cannot reshape rows of length {images.shape[1]} into square images")
        images = images.reshape(-1, side, side)
    elif images.ndim == 4:
        images = images[:, 0]
    if images.ndim != 3:
        raise ValueError(f"expected images of shape (N, H, W), (N, H*W) or (N, 1, H, W), got {images.shape}")
    n = len(images)
    nrows = max(1, -(-n // ncols))
    fig, axes = plt.subplots(nrows, ncols, figsize=(size * ncols, size * nrows * 1.15), squeeze=False)
    for k, ax in enumerate(axes.ravel()):
        ax.axis("off")
        if k < n:
            ax.imshow(images[k], cmap=cmap)
            if titles is not None:
                ax.set_title(str(titles[k]), fontsize=8)
    fig.tight_layout()
    return fig


def confusion_matrix(matrix: np.ndarray, class_names=None, *, ax=None, log: bool = False, title: str = ""):
    """Draw a confusion matrix (K, K) of counts (rows: true class, columns: predicted class).

    Compute it with ``dlcore.metrics.confusion_matrix``. ``log`` colours by log(1 + count), so
    that the off-diagonal mistakes stay visible next to a large diagonal.
    """
    import matplotlib.pyplot as plt

    matrix = np.asarray(matrix)
    if matrix.ndim != 2 or matrix.shape[0] != matrix.shape[1]:
        raise ValueError(f"expected a square confusion matrix, got shape {matrix.shape}")
    k = len(matrix)
    names = list(class_names) if class_names is not None else [str(i) for i in range(k)]
    if len(names) != k:
        raise ValueError(f"{len(names)} class names for a {k}x{k} matrix")
    fig, ax = (ax.figure, ax) if ax is not None else plt.subplots(figsize=(6.5, 5.5))
    ax.imshow(np.log1p(matrix) if log else matrix, cmap="Blues")
    for i in range(k):
        for j in range(k):
            ax.text(j, i, str(matrix[i, j]), ha="center", va="center", fontsize=7,
                    color="white" if matrix[i, j] > matrix.max() / 2 else "black")
    ax.set_xticks(range(k), names, rotation=45, ha="right", fontsize=8)
    ax.set_yticks(range(k), names, fontsize=8)
    ax.set(xlabel="predicted class", ylabel="true class", title=title)
    fig.tight_layout()
    return fig
