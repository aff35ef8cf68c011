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

ON_DIVERGENCE = ("raise", "stop")
TRAIN_METRICS = ("running", "eval")


class TrainingDiverged(RuntimeError):
    """The training loss became nan or inf; the message names the likely cause.

    ``history``: the ``History`` recorded until then (set by ``Trainer.fit``), whose
    ``diverged_at`` is the step of the nan/inf loss.
    """

    def __init__(self, message, history=None):
        super().__init__(message)
        self.history = history


class History(dict):
    """What happened during one call of ``fit``: a dict of lists, plus three attributes.

    Per epoch: "train_loss", "train_acc", "val_loss", "val_acc" (the accuracies only when
    y holds integer class labels, the validation entries only with validation data);
    per step: "step_loss", the mini-batch loss of every update. An epoch cut short (by a
    divergence or ``after_step``) has step losses but no per-epoch entries.
    ``best_epoch`` is the index (from 0) of the epoch with the lowest validation loss
    (training loss without validation data); ``stopped_early`` tells whether early stopping
    ended the run; ``diverged_at`` is the step (from 1, counted over the Trainer's whole
    run) whose loss became nan or inf, else None.
    """

    def __init__(self):
        super().__init__(train_loss=[], train_acc=[], val_loss=[], val_acc=[], step_loss=[])
        self.best_epoch = None
        self.stopped_early = False
        self.diverged_at = None

    def __repr__(self):
        epochs = len(self["train_loss"])
        return (f"History(epochs={epochs}, best_epoch={self.best_epoch}, "
                f"stopped_early={self.stopped_early}, diverged_at={self.diverged_at})")


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


def _check_choice(name, value, choices):
    if value not in choices:
        expected = " or ".join(repr(c) for c in choices)
        raise ValueError(f"Trainer expected {name} {expected}, got {value!r}")


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
    """Trains a model by mini-batch gradient descent. Taught in chapter 9, Regularization.

    ``fit`` is its one-call form, which chapter 5 uses.

    model: a ``Sequential``; loss: a loss layer; optimizer: from ``dlcore.optim``.
    batch_size: examples per step. seed: seeds the shuffling of every epoch.
    lr_schedule: a function of the epoch (from 0, counted over the whole run) setting
    ``optimizer.lr`` at the epoch's start.
    clip_norm: clip the gradients' joint norm to this value (``optim.clip_grad_norm``).
    early_stopping_patience: stop after this many epochs without a lower validation loss
    (training loss without validation data) and restore the best weights.
    train_metrics: how "train_loss" and "train_acc" are measured. "running" (default): the
    mean over the epoch's mini-batches, in training mode, while the weights change;
    "eval": on the whole training set in eval mode (dropout off) after the epoch.
    on_divergence: what a nan or inf training loss does. "raise" (default): raise
    ``TrainingDiverged`` (after restoring the best weights, with early stopping);
    "stop": end training and return the history, with ``history.diverged_at`` set.
    after_step: None or a function called after every update as ``after_step(step, loss)``
    (the run's step from 1, the mini-batch loss); a true result ends training.
    progress: show a tqdm progress bar over the epochs.

    A Trainer is one run: calling ``fit`` again continues it (the shuffling, the epoch
    count of ``lr_schedule`` and the step count go on), so ``fit(X, y, 1)`` three times
    trains like ``fit(X, y, 3)``. Each call returns a new ``History`` of its own epochs;
    early stopping and ``best_epoch`` look at those epochs only.
    """

    def __init__(self, model, loss, optimizer, *, batch_size=100, seed=0, lr_schedule=None,
                 clip_norm=None, early_stopping_patience=None, train_metrics="running",
                 on_divergence="raise", after_step=None, progress=False):
        check_size("Trainer", "batch_size", batch_size)
        if early_stopping_patience is not None and early_stopping_patience < 1:
            raise ValueError(f"Trainer expected early_stopping_patience >= 1 or None, "
                             f"got {early_stopping_patience!r}")
        _check_choice("train_metrics", train_metrics, TRAIN_METRICS)
        _check_choice("on_divergence", on_divergence, ON_DIVERGENCE)
        if after_step is not None and not callable(after_step):
            raise TypeError(f"Trainer expected after_step to be a function or None, "
                            f"got {type(after_step).__name__}")
        self.model, self.loss, self.optimizer = model, loss, optimizer
        self.batch_size = batch_size
        self.rng = np.random.default_rng(seed)
        self.lr_schedule = lr_schedule
        self.clip_norm = clip_norm
        self.patience = early_stopping_patience
        self.train_metrics = train_metrics
        self.on_divergence = on_divergence
        self.after_step = after_step
        self.progress = progress
        self.epochs_done = 0    # the run so far, over all calls of fit
        self.steps_done = 0

    def fit(self, X, y, epochs, val=None):
        """Train for ``epochs`` more passes over X, y; val = (X_val, y_val) is evaluated after
        each epoch. Returns a ``History`` of these epochs. On a nan/inf loss: see
        ``on_divergence``."""
        _check_data(X, y)
        check_size("fit", "epochs", epochs)
        if val is not None:
            if len(val) != 2:
                raise ValueError("fit expected val=(X_val, y_val)")
            _check_data(*val)
        history = History()
        try:
            self._train(X, y, epochs, val, history)
        except TrainingDiverged as error:
            error.history = history
            if self.on_divergence == "raise":
                raise
        return history

    def _train(self, X, y, epochs, val, history):
        """The epochs of ``fit`` with early stopping; the best weights are restored at the
        end, also when a divergence ends the run."""
        bar = _progress_bar(epochs) if self.progress else None
        best, best_state, waited = math.inf, None, 0
        try:
            for epoch in range(epochs):
                if self.lr_schedule is not None:
                    self.optimizer.lr = self.lr_schedule(self.epochs_done)
                running = self._train_epoch(X, y, history)
                if running is None:
                    return  # after_step asked to stop
                self.epochs_done += 1
                self._record_epoch(X, y, val, running, history)
                if bar is not None:
                    bar.set_postfix({k: f"{v[-1]:.4f}" for k, v in history.items()
                                     if v and k != "step_loss"})
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
                        return
        finally:
            if bar is not None:
                bar.close()
            if best_state is not None:
                self.model.load_state_dict(best_state)

    def _train_epoch(self, X, y, history):
        """One pass over the shuffled data, an update per mini-batch; appends the step losses.

        Returns the running (mean batch loss, accuracy or None) of the epoch, or None when
        ``after_step`` ended training. Raises ``TrainingDiverged`` on a nan/inf loss.
        """
        self.model.train()
        total_loss, correct, n_steps = 0.0, 0, -(-len(X) // self.batch_size)
        labels = _is_labels(y)
        for step, (xb, yb) in enumerate(iterate_minibatches(X, y, self.batch_size, self.rng), 1):
            out = self.model(xb)
            loss = self.loss.forward(out, yb)
            if not math.isfinite(loss):
                history.diverged_at = self.steps_done + 1
                raise TrainingDiverged(
                    f"the loss became {loss} at epoch {self.epochs_done + 1}, "
                    f"step {step} of {n_steps}; {self._divergence_cause(xb, yb)}")
            self._update()
            self.steps_done += 1
            history["step_loss"].append(loss)
            total_loss += loss * len(xb)
            if labels:
                correct += int(np.sum(_predicted_classes(out) == yb))
            if self.after_step is not None and self.after_step(self.steps_done, loss):
                return None
        return total_loss / len(X), (correct / len(X) if labels else None)

    def _update(self):
        """Backpropagate the last loss and let the optimizer step (clipping first)."""
        self.model.backward(self.loss.backward(), input_grad=False)
        grads = self.model.grads
        if self.clip_norm is not None:
            clip_grad_norm(grads, self.clip_norm)
        self.optimizer.step(self.model.params, grads)

    def _divergence_cause(self, xb, yb):
        """What to do about a nan/inf loss: fix the data, fix the learning rate, or take
        smaller steps."""
        for name, array in (("X", xb), ("y", yb)):
            bad = int(np.size(array) - np.count_nonzero(np.isfinite(array)))
            if bad:
                noun = "value" if bad == 1 else "values"
                return (f"the data hold nan or inf: this mini-batch's {name} has {bad} "
                        f"non-finite {noun}; clean the data (np.isfinite finds them), "
                        f"a lower learning rate will not help")
        lr = self.optimizer.lr
        if not (math.isfinite(lr) and lr > 0):
            source = "lr_schedule" if self.lr_schedule is not None else "optimizer.lr"
            return f"the learning rate is {lr} (from {source}); expected a finite number > 0"
        return f"lower the learning rate (lr={lr}) or clip the gradients (clip_norm)"

    def _record_epoch(self, X, y, val, running, history):
        """Append the epoch's training metrics (see ``train_metrics``) and validation metrics."""
        if self.train_metrics == "running":
            measured = {"train": running}
        else:
            measured = {"train": evaluate(self.model, self.loss, X, y)}
        if val is not None:
            measured["val"] = evaluate(self.model, self.loss, *val)
        for part, (loss, acc) in measured.items():
            history[f"{part}_loss"].append(loss)
            if acc is not None:
                history[f"{part}_acc"].append(acc)


def fit(model, loss, optimizer, X, y, *, epochs, batch_size=100, val=None, seed=0, **options):
    """Train ``model`` with a ``Trainer`` and return the ``History``; ``options`` are the
    Trainer's (lr_schedule, clip_norm, early_stopping_patience, train_metrics,
    on_divergence, after_step, progress). Chapter 5."""
    trainer = Trainer(model, loss, optimizer, batch_size=batch_size, seed=seed, **options)
    return trainer.fit(X, y, epochs, val=val)
