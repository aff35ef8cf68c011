"""The training loop: mini-batches, validation, history, early stopping, a divergence guard.

Taught in chapter 5, Backpropagation (the loop) and chapter 9, Regularization (validation
and early stopping).

    history = fit(model, SoftmaxCrossEntropy(), SGD(lr=0.1), X, y, epochs=5, val=(X_val, y_val))
    history["val_acc"][-1], history.best_epoch
"""
import math

import numpy as np

from ._checks import check_size
from .data import iterate_minibatches
from .optim import clip_grad_norm


class TrainingDiverged(RuntimeError):
    """The loss became nan or inf: the learning rate is usually too large."""


class History(dict):
    """What happened during ``fit``: a dict of lists, plus two attributes.

    Per epoch: "train_loss", "train_acc", "val_loss", "val_acc" (the accuracies only when
    y holds integer class labels, the validation entries only with validation data);
    per step: "step_loss". ``best_epoch`` is the index (from 0) of the epoch with the lowest
    validation loss (training loss without validation data); ``stopped_early`` tells
    whether early stopping ended the run.
    """

    def __init__(self):
        super().__init__(train_loss=[], train_acc=[], val_loss=[], val_acc=[], step_loss=[])
        self.best_epoch = None
        self.stopped_early = False

    def __repr__(self):
        epochs = len(self["train_loss"])
        return f"History(epochs={epochs}, best_epoch={self.best_epoch}, stopped_early={self.stopped_early})"


def _is_labels(y):
    return np.issubdtype(np.asarray(y).dtype, np.integer) and np.ndim(y) == 1


def _predicted_classes(out):
    """Class indices from outputs: argmax of (N, K) scores, or score > 0 for one column."""
    return out.argmax(axis=1) if out.ndim == 2 and out.shape[1] > 1 else (out.reshape(len(out)) > 0).astype(int)


def _progress_bar(epochs):
    from tqdm import tqdm  # optional: only needed for progress=True
    return tqdm(total=epochs, unit="epoch")


def _check_data(X, y):
    if len(X) != len(y):
        raise ValueError(f"X and y must have the same number of examples, got {len(X)} and {len(y)}")
    if len(X) == 0:
        raise ValueError("expected at least one example, got an empty X")


def accuracy(model, X, y, batch_size=1000):
    """Fraction of examples whose predicted class equals the integer label y. Chapter 5."""
    _check_data(X, y)
    if not _is_labels(y):
        raise TypeError(f"accuracy expected integer class labels of shape (N,), "
                        f"got dtype {np.asarray(y).dtype} and shape {np.shape(y)}")
    return float(np.mean(_predicted_classes(model.predict(X, batch_size)) == y))


def evaluate(model, loss, X, y, batch_size=1000):
    """(loss, accuracy) of the model on X, y in eval mode; accuracy is None unless y holds
    integer class labels. Chapter 9."""
    _check_data(X, y)
    out = model.predict(X, batch_size)
    acc = float(np.mean(_predicted_classes(out) == y)) if _is_labels(y) else None
    return loss.forward(out, y), acc


class Trainer:
    """Trains a model by mini-batch gradient descent. Taught in chapters 5 and 9.

    model: a ``Sequential``; loss: a loss layer; optimizer: from ``dlcore.optim``.
    batch_size: examples per step. seed: seeds the shuffling of every epoch.
    lr_schedule: a function of the epoch (from 0) setting ``optimizer.lr`` at its start.
    clip_norm: clip the gradients' joint norm to this value (``optim.clip_grad_norm``).
    early_stopping_patience: stop after this many epochs without a lower validation loss
    (training loss without validation data) and restore the best weights.
    progress: show a tqdm progress bar over the epochs.
    """

    def __init__(self, model, loss, optimizer, *, batch_size=100, seed=0, lr_schedule=None,
                 clip_norm=None, early_stopping_patience=None, progress=False):
        check_size("Trainer", "batch_size", batch_size)
        if early_stopping_patience is not None and early_stopping_patience < 1:
            raise ValueError(f"Trainer expected early_stopping_patience >= 1 or None, "
                             f"got {early_stopping_patience!r}")
        self.model, self.loss, self.optimizer = model, loss, optimizer
        self.batch_size = batch_size
        self.rng = np.random.default_rng(seed)
        self.lr_schedule = lr_schedule
        self.clip_norm = clip_norm
        self.patience = early_stopping_patience
        self.progress = progress

    def fit(self, X, y, epochs, val=None):
        """Train for ``epochs`` passes over X, y; val = (X_val, y_val) is evaluated after
        each epoch. Returns a ``History``. Raises ``TrainingDiverged`` on a nan/inf loss."""
        _check_data(X, y)
        check_size("fit", "epochs", epochs)
        if val is not None:
            if len(val) != 2:
                raise ValueError("fit expected val=(X_val, y_val)")
            _check_data(*val)
        history = History()
        bar = _progress_bar(epochs) if self.progress else None
        best, best_state, waited = math.inf, None, 0
        for epoch in range(epochs):
            if self.lr_schedule is not None:
                self.optimizer.lr = self.lr_schedule(epoch)
            self._train_epoch(X, y, epoch, history)
            if val is not None:
                val_loss, val_acc = evaluate(self.model, self.loss, *val)
                history["val_loss"].append(val_loss)
                if val_acc is not None:
                    history["val_acc"].append(val_acc)
            if bar is not None:
                bar.set_postfix({k: f"{v[-1]:.4f}" for k, v in history.items() if v and k != "step_loss"})
                bar.update()
            monitored = history["val_loss" if val is not None else "train_loss"][-1]
            if monitored < best:
                best, history.best_epoch, waited = monitored, epoch, 0
                if self.patience:
                    best_state = self.model.state_dict()
            else:
                waited += 1
                if self.patience and waited >= self.patience:
                    history.stopped_early = True
                    break
        if bar is not None:
            bar.close()
        if best_state is not None:
            self.model.load_state_dict(best_state)
        return history

    def _train_epoch(self, X, y, epoch, history):
        """One pass over the shuffled data; appends the epoch's loss and accuracy."""
        self.model.train()
        total_loss, correct, n_steps = 0.0, 0, -(-len(X) // self.batch_size)
        labels = _is_labels(y)
        for step, (xb, yb) in enumerate(iterate_minibatches(X, y, self.batch_size, self.rng)):
            out = self.model(xb)
            loss = self.loss.forward(out, yb)
            if not math.isfinite(loss):
                raise TrainingDiverged(
                    f"the loss became {loss} at epoch {epoch + 1}, step {step + 1} of {n_steps}; "
                    f"lower the learning rate (lr={self.optimizer.lr}) or clip the gradients (clip_norm)")
            self.model.backward(self.loss.backward(), input_grad=False)
            grads = self.model.grads
            if self.clip_norm is not None:
                clip_grad_norm(grads, self.clip_norm)
            self.optimizer.step(self.model.params, grads)
            history["step_loss"].append(loss)
            total_loss += loss * len(xb)
            if labels:
                correct += int(np.sum(_predicted_classes(out) == yb))
        history["train_loss"].append(total_loss / len(X))
        if labels:
            history["train_acc"].append(correct / len(X))


def fit(model, loss, optimizer, X, y, *, epochs, batch_size=100, val=None, seed=0, **options):
    """Train ``model`` with a ``Trainer`` and return the ``History``; ``options`` are the
    Trainer's (lr_schedule, clip_norm, early_stopping_patience, progress). Chapter 5."""
    trainer = Trainer(model, loss, optimizer, batch_size=batch_size, seed=seed, **options)
    return trainer.fit(X, y, epochs, val=val)
