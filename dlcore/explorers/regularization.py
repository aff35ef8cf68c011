"""Chapter 9, Regularization: small-data runs, image augmentation and the dropout explorer.

The dropout explorer trains one over-sized network (196-128-128-10, ReLU) on only 300
Fashion-MNIST images per setting of the drop rate and the L2 strength, and draws the
training and validation curves. To afford a few dozen trainings in seconds, the images are
shrunk to 14x14 (each output pixel the mean of a 2x2 block):

    data = small_subset()                      # X_train (300, 196), y_train, X_val (500, 196), y_val
    runs = dropout_runs(data=data)             # {(drop_rate, l2): run}
    make_explorer(runs=runs)                   # drop rate x L2 sliders

A run is a dict of per-epoch arrays "train_loss", "train_acc", "val_loss", "val_acc", all
measured in eval mode (dropout off) after each epoch.

``augment`` makes randomly shifted, flipped and noisy copies of images (section on data
augmentation).

Taught in chapter 9, Regularization and model selection.
"""
from __future__ import annotations

import numbers

import numpy as np

from ..data import load_fashion_mnist
from ..layers import SoftmaxCrossEntropy
from ..model import mlp
from ..optim import SGD
from ..train import Trainer
from ..widgets import Explorer, message_figure

__all__ = ["DROP_RATES", "L2_STRENGTHS", "downsample", "small_subset", "augment",
           "train_curves", "dropout_runs", "render_runs", "make_explorer"]

#: The explorer's drop rates (0 = no dropout).
DROP_RATES = (0.0, 0.2, 0.4, 0.6, 0.8)
#: The explorer's L2 strengths (the ``weight_decay`` of ``dlcore.optim.SGD``).
L2_STRENGTHS = (0.0, 0.003, 0.01)


def _positive_int(name, value):
    if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")
    return int(value)


def _images(X, name="X"):
    """View X (N, 784), (N, 28, 28) or (N, 1, 28, 28) as (N, H, W) square images."""
    X = np.asarray(X)
    if X.ndim == 2:
        side = int(round(np.sqrt(X.shape[1])))
        if side * side != X.shape[1]:
            raise ValueError(f"{name}: rows of length {X.shape[1]} are not square images")
        return X.reshape(len(X), side, side)
    if X.ndim == 4 and X.shape[1] == 1:
        return X[:, 0]
    if X.ndim == 3:
        return X
    raise ValueError(f"{name} must have shape (N, H*W), (N, H, W) or (N, 1, H, W), got {X.shape}")


def downsample(X, factor=2):
    """Shrink square images by averaging factor x factor blocks: (N, 784) -> (N, 196) for 2.

    Accepts (N, H*W), (N, H, W) or (N, 1, H, W) and returns the same layout, smaller.
    """
    factor = _positive_int("factor", factor)
    images = _images(X)
    n, h, w = images.shape
    if h % factor or w % factor:
        raise ValueError(f"image size {h}x{w} is not divisible by factor {factor}")
    small = images.reshape(n, h // factor, factor, w // factor, factor).mean(axis=(2, 4))
    X = np.asarray(X)
    if X.ndim == 2:
        return small.reshape(n, -1)
    return small[:, None] if X.ndim == 4 else small


def small_subset(n_train=300, n_val=500, factor=2):
    """The explorer's data: the first ``n_train`` Fashion-MNIST training images and the next
    ``n_val`` as validation, shrunk by ``factor`` (14x14 = 196 pixels for the default 2).

    Returns X_train (n_train, 196), y_train, X_val (n_val, 196), y_val for the default factor 2.
    """
    n_train, n_val = _positive_int("n_train", n_train), _positive_int("n_val", n_val)
    X, y = load_fashion_mnist("train", n=n_train + n_val)
    X = downsample(X, factor)
    return X[:n_train], y[:n_train], X[n_train:], y[n_train:]


def augment(X, rng, *, max_shift=2, flip=True, noise=0.0):
    """Randomly changed copies of images: shifts, horizontal flips and Gaussian pixel noise.

    X: (N, H*W), (N, H, W) or (N, 1, H, W) with pixels in [0, 1]; the result has X's shape.
    Each image moves by a random whole number of pixels in [-max_shift, max_shift] along
    each axis (filled with 0, the background), is mirrored left-right with probability 1/2
    when ``flip``, and gets N(0, noise**2) noise, clipped back to [0, 1].
    rng: a seeded ``numpy.random.Generator``.
    """
    if not isinstance(rng, np.random.Generator):
        raise TypeError(f"rng must be a numpy.random.Generator, got {type(rng).__name__}")
    if not isinstance(max_shift, (int, np.integer)) or isinstance(max_shift, bool) or max_shift < 0:
        raise ValueError(f"max_shift must be an integer >= 0, got {max_shift!r}")
    if isinstance(noise, bool) or not isinstance(noise, numbers.Real) or not noise >= 0:
        raise ValueError(f"noise must be a number >= 0, got {noise!r}")
    images = _images(X)
    n, h, w = images.shape
    s = int(max_shift)
    padded = np.pad(images, ((0, 0), (s, s), (s, s)))
    dy, dx = rng.integers(-s, s + 1, size=(2, n))
    rows = (s - dy)[:, None] + np.arange(h)          # output row r reads padded row r + s - dy
    cols = (s - dx)[:, None] + np.arange(w)
    if flip:
        mirror = rng.random(n) < 0.5
        cols = np.where(mirror[:, None], cols[:, ::-1], cols)
    out = padded[np.arange(n)[:, None, None], rows[:, :, None], cols[:, None, :]]
    if noise:
        out = np.clip(out + rng.normal(0.0, noise, size=out.shape), 0.0, 1.0)
    return out.astype(np.asarray(X).dtype, copy=False).reshape(np.shape(X))


def train_curves(drop_rate, l2, data, *, epochs=30, lr=0.05, momentum=0.9, batch_size=100,
                 hidden=(128, 128), seed=0):
    """Train the over-sized network once; return its per-epoch curves (eval mode).

    drop_rate: dropout after each hidden ReLU; l2: SGD's ``weight_decay``.
    data: (X_train, y_train, X_val, y_val), e.g. from :func:`small_subset`.
    A ``Trainer`` with ``train_metrics="eval"`` trains it, so the training curves, like the
    validation curves, are measured with dropout off. Raises ``TrainingDiverged`` when the
    loss becomes nan or inf.
    """
    if isinstance(drop_rate, bool) or not isinstance(drop_rate, numbers.Real) or not 0 <= drop_rate < 1:
        raise ValueError(f"drop_rate must be in [0, 1), got {drop_rate!r}")
    if isinstance(l2, bool) or not isinstance(l2, numbers.Real) or not l2 >= 0:
        raise ValueError(f"l2 must be a number >= 0, got {l2!r}")
    if len(data) != 4:
        raise ValueError("data must be (X_train, y_train, X_val, y_val)")
    X, y, X_val, y_val = data
    model = mlp([X.shape[1], *hidden, 10], rng=np.random.default_rng(seed), dropout=float(drop_rate))
    optimizer = SGD(lr=lr, momentum=momentum, weight_decay=float(l2))
    trainer = Trainer(model, SoftmaxCrossEntropy(), optimizer, batch_size=batch_size, seed=seed,
                      train_metrics="eval")
    history = trainer.fit(X, y, _positive_int("epochs", epochs), val=(X_val, y_val))
    return {key: np.array(history[key]) for key in ("train_loss", "train_acc", "val_loss", "val_acc")}


def dropout_runs(drop_rates=DROP_RATES, l2_strengths=L2_STRENGTHS, data=None, **options):
    """Curves for every (drop_rate, l2) pair: {(drop_rate, l2): run}. ``options`` go to
    :func:`train_curves`; data defaults to :func:`small_subset`."""
    drop_rates, l2_strengths = list(drop_rates), list(l2_strengths)
    if not drop_rates or not l2_strengths:
        raise ValueError("give at least one drop rate and one L2 strength")
    data = small_subset() if data is None else data
    return {(p, l2): train_curves(p, l2, data, **options) for p in drop_rates for l2 in l2_strengths}


def render_runs(runs, drop_rate, l2):
    """Left: training and validation loss per epoch of one run, the gap shaded; right:
    final training and validation accuracy against the drop rate at this L2 strength."""
    import matplotlib.pyplot as plt

    run = runs.get((drop_rate, l2))
    if run is None:
        return message_figure(f"no run for drop rate {drop_rate}, L2 {l2}")
    fig, (ax, ax2) = plt.subplots(1, 2, figsize=(8.4, 3.5), gridspec_kw={"width_ratios": [1.2, 1]})
    epochs = np.arange(1, len(run["train_loss"]) + 1)
    ax.plot(epochs, run["train_loss"], "o-", ms=3, color="tab:blue", label="training")
    ax.plot(epochs, run["val_loss"], "o-", ms=3, color="tab:orange", label="validation")
    ax.fill_between(epochs, run["train_loss"], run["val_loss"], color="tab:orange", alpha=0.15)
    best = int(np.argmin(run["val_loss"]))
    ax.plot(epochs[best], run["val_loss"][best], "*", color="k", ms=10, label="lowest validation loss")
    top = max(1.6, min(3.0, 1.1 * max(np.max(r["val_loss"]) for r in runs.values())))
    ax.set(xlabel="epoch", ylabel="loss (cross-entropy)", ylim=(0, top),
           title=f"drop rate {drop_rate:g}, L2 {l2:g}")
    ax.legend(fontsize=8, loc="upper right")
    ax.grid(alpha=0.3)

    rates = sorted({p for (p, s) in runs if s == l2})
    train = np.array([runs[(p, l2)]["train_acc"][-1] for p in rates])
    val = np.array([runs[(p, l2)]["val_acc"][-1] for p in rates])
    ax2.plot(rates, train, "o-", ms=4, color="tab:blue", label="training")
    ax2.plot(rates, val, "o-", ms=4, color="tab:orange", label="validation")
    ax2.fill_between(rates, val, train, color="tab:orange", alpha=0.15)
    gap = run["train_acc"][-1] - run["val_acc"][-1]
    for value in (run["train_acc"][-1], run["val_acc"][-1]):
        ax2.plot(drop_rate, value, "o", ms=11, mfc="none", mec="k", mew=1.3)
    ax2.set(xlabel="drop rate", ylabel="accuracy after the last epoch", ylim=(0.4, 1.0),
            title=f"gap {gap:+.3f} (L2 {l2:g})")
    ax2.legend(fontsize=8, loc="lower left")
    ax2.grid(alpha=0.3)
    fig.subplots_adjust(left=0.08, right=0.98, bottom=0.14, top=0.9, wspace=0.28)
    return fig


def make_explorer(runs=None, **options):
    """The dropout explorer: drop rate x L2 strength sliders, train/validation curves and gap.

    runs: the result of :func:`dropout_runs` (trained here when None, with ``options``).
    """
    if runs is None:
        runs = dropout_runs(**options)
    elif options:
        raise ValueError("give either runs or training options, not both")
    if not isinstance(runs, dict) or not runs:
        raise ValueError("runs must be the non-empty dict returned by dropout_runs()")
    rates = sorted({p for p, _ in runs})
    strengths = sorted({s for _, s in runs})
    missing = [(p, s) for p in rates for s in strengths if (p, s) not in runs]
    if missing:
        raise ValueError(f"runs must cover every (drop rate, L2) pair; missing {missing}")

    def render(drop_rate, l2):
        return render_runs(runs, drop_rate, l2)

    return Explorer(render, {"drop_rate": rates, "l2": strengths},
                    initial={"drop_rate": rates[0], "l2": strengths[0]},
                    title="Dropout and L2: training vs validation",
                    labels={"drop_rate": "drop rate", "l2": "L2 strength"})
