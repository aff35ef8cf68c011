"""dlcore.metrics and dlcore.plot: counts are right, figures are drawn, bad input is refused."""

import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.figure import Figure

from dlcore import metrics, plot


def test_confusion_matrix_counts():
    m = metrics.confusion_matrix(np.array([0, 0, 1, 2, 2, 2]), np.array([0, 1, 1, 2, 0, 0]), 3)
    assert m.tolist() == [[1, 1, 0], [0, 1, 0], [2, 0, 1]]
    assert m.sum() == 6 and m.dtype == np.int64
    assert metrics.most_confused(m, k=2) == [(2, 0, 2), (0, 1, 1)]


def test_confusion_matrix_rejects_bad_labels():
    with pytest.raises(ValueError, match=r"y_pred must be in 0\.\.2"):
        metrics.confusion_matrix(np.array([0]), np.array([3]), 3)
    with pytest.raises(ValueError, match="same shape"):
        metrics.confusion_matrix(np.array([0, 1]), np.array([0]), 3)
    with pytest.raises(ValueError, match="integer labels"):
        metrics.confusion_matrix(np.array([0.0]), np.array([0]), 3)
    with pytest.raises(ValueError, match="square"):
        metrics.most_confused(np.zeros((2, 3)))


def test_plots_return_figures():
    X = np.array([[0, 0], [1, 1], [0, 1], [1, 0]], dtype=float)
    y = np.array([0, 1, 1, 0])
    figs = [
        plot.decision_boundary(lambda P: (P[:, 1] > 0.5).astype(int), X, y, resolution=20),
        plot.learning_curves({"train_loss": [1.0, 0.5], "val_loss": [1.1, 0.7]}, logy=True),
        plot.image_grid(np.zeros((3, 784)), titles=["a", "b", "c"], ncols=2),
        plot.image_grid(np.zeros((2, 1, 5, 5))),
        plot.confusion_matrix(np.eye(3, dtype=int) * 5, ["a", "b", "c"], log=True),
    ]
    assert all(isinstance(f, Figure) for f in figs)
    plt.close("all")


def test_plots_reject_bad_shapes():
    with pytest.raises(ValueError, match=r"expected X of shape \(N, 2\)"):
        plot.decision_boundary(lambda P: P, np.zeros((3, 3)), np.zeros(3))
    with pytest.raises(ValueError, match="square images"):
        plot.image_grid(np.zeros((2, 10)))
    with pytest.raises(ValueError, match=r"expected images of shape"):
        plot.image_grid(np.zeros(5))
    with pytest.raises(ValueError, match="2 class names for a 3x3 matrix"):
        plot.confusion_matrix(np.eye(3), ["a", "b"])
