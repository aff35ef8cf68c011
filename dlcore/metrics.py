"""Metrics computed from labels: where a classifier goes wrong (chapters 10 and 11)."""

from __future__ import annotations

import numpy as np

from ._checks import IntegerTypeError, check_int

__all__ = ["confusion_matrix", "most_confused"]


def _labels(name: str, y, num_classes: int) -> np.ndarray:
    y = np.asarray(y)
    if y.ndim != 1 or not np.issubdtype(y.dtype, np.integer):
        error = ValueError if np.issubdtype(y.dtype, np.integer) else IntegerTypeError
        raise error(f"{name} must be integer labels of shape (N,), got dtype {y.dtype} shape {y.shape}")
    if y.size and (y.min() < 0 or y.max() >= num_classes):
        raise ValueError(f"{name} must be in 0..{num_classes - 1}, got values from {y.min()} to {y.max()}")
    return y


def confusion_matrix(y_true, y_pred, num_classes: int) -> np.ndarray:
    """Counts (K, K) int64: row = true class, column = predicted class; the diagonal is correct.

    y_true, y_pred: (N,) integer labels in 0..num_classes-1.
    """
    num_classes = check_int("confusion_matrix", "num_classes", num_classes, low=1)
    y_true = _labels("y_true", y_true, num_classes)
    y_pred = _labels("y_pred", y_pred, num_classes)
    if y_true.shape != y_pred.shape:
        raise ValueError(f"y_true and y_pred must have the same shape, got {y_true.shape} and {y_pred.shape}")
    counts = np.bincount(y_true * num_classes + y_pred, minlength=num_classes * num_classes)
    return counts.reshape(num_classes, num_classes).astype(np.int64)


def most_confused(matrix: np.ndarray, k: int = 5) -> list[tuple[int, int, int]]:
    """The ``k`` largest off-diagonal cells as (true class, predicted class, count), largest first."""
    k = check_int("most_confused", "k", k, low=0)
    matrix = np.asarray(matrix)
    if matrix.ndim != 2 or matrix.shape[0] != matrix.shape[1]:
        raise ValueError(f"most_confused expected a square confusion matrix, got shape {matrix.shape}")
    if not np.issubdtype(matrix.dtype, np.integer):
        raise TypeError(f"most_confused expected a matrix of integer counts, got dtype {matrix.dtype}")
    off = matrix.copy()
    np.fill_diagonal(off, -1)
    order = np.argsort(off, axis=None, kind="stable")[::-1][:k]
    return [(int(i), int(j), int(off[i, j])) for i, j in zip(*np.unravel_index(order, off.shape)) if off[i, j] > 0]
