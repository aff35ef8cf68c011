"""Chapter 8, Batch normalization: training with and without BN across weight-init scales.

The chapter repeats the classic experiment of Saito's book: a deep, narrow network
(784-100-100-100-100-100-10, ReLU) trained with plain SGD on 1000 Fashion-MNIST images,
once as it is and once with a ``BatchNorm1d`` before every ReLU, for weights drawn from
N(0, std**2) with std from 0.001 to 1.

    runs = init_scale_runs()                 # {(batchnorm, std): run}, about 14 short trainings
    runs[(True, 0.01)]["val_acc"][-1]        # validation accuracy after the last epoch
    make_explorer(runs=runs)                 # BN off/on x init std, training curves

A run is a dict with "step_loss" (training loss of every step), "train_acc" and "val_acc"
(per epoch, measured in eval mode) and "diverged_at" (the step whose loss became nan or
inf, or None).

Taught in chapter 8, Normalization and batch normalization.
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

__all__ = ["INIT_STDS", "HIDDEN", "init_scale_data", "train_run", "init_scale_runs",
           "render_runs", "make_explorer"]

#: The explorer's weight-init standard deviations (half-decade steps from 0.001 to 1).
INIT_STDS = (0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0)
#: Hidden layer sizes of the network (five hidden layers of 100 units, as in Saito's book).
HIDDEN = (100, 100, 100, 100, 100)
_LOSS_TOP = 3.0     # y-limit of the loss panel: the loss of a 10-class guess is ln 10 = 2.3


def init_scale_data(n_train=1000, n_val=500):
    """The first ``n_train`` Fashion-MNIST training images and the next ``n_val`` as validation.

    Returns X_train (n_train, 784), y_train, X_val (n_val, 784), y_val.
    """
    for name, value in (("n_train", n_train), ("n_val", n_val)):
        if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value < 1:
            raise ValueError(f"{name} must be a positive integer, got {value!r}")
    X, y = load_fashion_mnist("train", n=n_train + n_val)
    return X[:n_train], y[:n_train], X[n_train:], y[n_train:]


def _check_std(std):
    if isinstance(std, bool) or not isinstance(std, numbers.Real) or not np.isfinite(std) or std <= 0:
        raise ValueError(f"init std must be a finite number > 0, got {std!r}")
    return float(std)


def train_run(batchnorm, std, data, *, epochs=10, lr=0.05, batch_size=100, hidden=HIDDEN, seed=0):
    """Train the network once and return its run (see the module docstring).

    batchnorm: insert ``BatchNorm1d`` before every hidden activation. std: the weights'
    init standard deviation. data: (X_train, y_train, X_val, y_val) as from
    :func:`init_scale_data`. Optimizer: plain SGD with learning rate ``lr``. A
    ``Trainer`` with ``on_divergence="stop"`` trains it: a run whose loss becomes nan or
    inf stops there (``diverged_at`` tells the step).
    """
    std = _check_std(std)
    if len(data) != 4:
        raise ValueError("data must be (X_train, y_train, X_val, y_val)")
    X, y, X_val, y_val = data
    model = mlp([X.shape[1], *hidden, 10], init=std, rng=np.random.default_rng(seed), batchnorm=bool(batchnorm))
    trainer = Trainer(model, SoftmaxCrossEntropy(), SGD(lr=lr), batch_size=batch_size, seed=seed,
                      train_metrics="eval", on_divergence="stop")
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        history = trainer.fit(X, y, epochs, val=(X_val, y_val))
    run = {key: np.array(history[key]) for key in ("step_loss", "train_acc", "val_acc")}
    return {**run, "diverged_at": history.diverged_at, "steps_per_epoch": -(-len(X) // batch_size)}


def init_scale_runs(stds=INIT_STDS, data=None, **options):
    """Train with and without batch norm at every init std: {(batchnorm, std): run}.

    data defaults to :func:`init_scale_data`; ``options`` go to :func:`train_run`.
    """
    stds = [_check_std(s) for s in stds]
    if not stds:
        raise ValueError("stds must name at least one init standard deviation")
    data = init_scale_data() if data is None else data
    return {(bn, std): train_run(bn, std, data, **options) for bn in (False, True) for std in stds}


def _final_val(run):
    return run["val_acc"][-1] if len(run["val_acc"]) and run["diverged_at"] is None else np.nan


def render_runs(runs, batchnorm, std):
    """Left: the training loss of the chosen run (the other BN setting in grey);
    right: final validation accuracy against init std, with and without BN."""
    import matplotlib.pyplot as plt

    key = (batchnorm, std)
    if key not in runs:
        return message_figure(f"no run for batchnorm={batchnorm}, std={std}")
    fig, (ax, ax2) = plt.subplots(1, 2, figsize=(8.4, 3.5), gridspec_kw={"width_ratios": [1.25, 1]})
    colors = {False: "tab:red", True: "tab:blue"}
    names = {False: "no BN", True: "with BN"}
    for bn in (not batchnorm, batchnorm):
        run = runs.get((bn, std))
        if run is None:
            continue
        chosen = bn == batchnorm
        loss = np.asarray(run["step_loss"], dtype=float)
        steps = np.arange(1, len(loss) + 1)
        ax.plot(steps, np.clip(loss, 0, _LOSS_TOP), color=colors[bn] if chosen else "0.7",
                lw=1.6 if chosen else 1.0, label=names[bn], zorder=3 if chosen else 2)
        if run["diverged_at"] is not None:
            ax.plot(run["diverged_at"], _LOSS_TOP * 0.97, "x", color=colors[bn] if chosen else "0.6", ms=9, mew=2)
            if chosen:
                ax.text(run["diverged_at"], _LOSS_TOP * 0.9, f"  loss = nan at step {run['diverged_at']}",
                        color=colors[bn], fontsize=8, va="top")
    ax.axhline(np.log(10), color="0.5", ls=":", lw=0.8)
    ax.text(1, np.log(10) + 0.05, "ln 10: guessing", fontsize=7, color="0.4")
    run = runs[key]
    total = run["steps_per_epoch"] * max(len(r["val_acc"]) for r in runs.values())
    ax.set(xlim=(0, total), ylim=(0, _LOSS_TOP), xlabel="step", ylabel="training loss",
           title=f"{names[batchnorm]}, init std {std:g}")
    ax.legend(loc="lower left", fontsize=8)
    ax.grid(alpha=0.3)

    stds = sorted({s for (_, s) in runs})
    for bn in (False, True):
        acc = [_final_val(runs[(bn, s)]) if (bn, s) in runs else np.nan for s in stds]
        ax2.plot(stds, acc, "o-", color=colors[bn], label=names[bn], ms=4)
    final = _final_val(run)
    ax2.plot(std, 0.02 if np.isnan(final) else final, "o", ms=13, mfc="none", mec="k", mew=1.5)
    ax2.axvline(np.sqrt(2 / 100), color="0.5", ls="--", lw=0.8)
    ax2.text(np.sqrt(2 / 100), 0.03, " He", fontsize=8, color="0.4")
    ax2.axhline(0.1, color="0.5", ls=":", lw=0.8)
    ax2.set(xscale="log", ylim=(0, 1), xlabel="init std", ylabel="validation accuracy",
            title="after the last epoch" if not np.isnan(final) else "this run diverged")
    ax2.set_xticks(stds, [f"{s:g}" for s in stds], fontsize=8)
    ax2.minorticks_off()
    ax2.legend(loc="upper left", fontsize=8)
    ax2.grid(alpha=0.3)
    fig.subplots_adjust(left=0.08, right=0.98, bottom=0.14, top=0.9, wspace=0.28)
    return fig


def make_explorer(runs=None, **options):
    """Explorer: batch norm off/on x init std (log slider); training curves and accuracies.

    runs: the result of :func:`init_scale_runs` (trained here when None, with ``options``).
    """
    if runs is None:
        runs = init_scale_runs(**options)
    elif options:
        raise ValueError("give either runs or training options, not both")
    if not isinstance(runs, dict) or not runs:
        raise ValueError("runs must be the non-empty dict returned by init_scale_runs()")
    stds = sorted({s for (_, s) in runs})

    def render(batchnorm, init_std):
        return render_runs(runs, batchnorm == "on", init_std)

    initial_std = min(stds, key=lambda s: abs(np.log(s / 0.01)))
    return Explorer(render, {"batchnorm": ["off", "on"], "init_std": stds},
                    initial={"batchnorm": "off", "init_std": initial_std},
                    title="Batch normalization and the weight-init scale",
                    labels={"batchnorm": "batch norm", "init_std": "init std (log)"})
