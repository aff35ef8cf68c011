import time

import numpy as np
import pytest

from dlcore import data
from dlcore import layers as L
from dlcore import optim as O
from dlcore.model import mlp
from dlcore.train import History, Trainer, TrainingDiverged, accuracy, evaluate, fit


@pytest.fixture(scope="module")
def spirals():
    rng = np.random.default_rng(0)
    X, y = data.make_spirals(900, rng)
    return data.train_val_split(X, y, 0.2, rng)


def test_small_mlp_learns_spirals_in_a_few_seconds(spirals):
    X, y, X_val, y_val = spirals
    model = mlp([2, 64, 64, 3], rng=np.random.default_rng(1))
    start = time.process_time()  # CPU time: robust to a busy machine
    history = fit(model, L.SoftmaxCrossEntropy(), O.Adam(lr=0.01), X, y, epochs=60, batch_size=32,
                  val=(X_val, y_val))
    assert time.process_time() - start < 10
    assert history["val_acc"][-1] > 0.95 and accuracy(model, X_val, y_val) == history["val_acc"][-1]
    assert history["train_loss"][-1] < history["train_loss"][0]
    assert len(history["train_loss"]) == len(history["val_loss"]) == len(history["train_acc"]) == 60
    assert len(history["step_loss"]) == 60 * int(np.ceil(len(X) / 32))
    assert history.best_epoch is not None and not history.stopped_early
    assert repr(history).startswith("History(epochs=60")


def test_training_is_deterministic_with_a_seed(spirals):
    X, y, _, _ = spirals
    runs = []
    for _ in range(2):
        model = mlp([2, 16, 3], rng=np.random.default_rng(2), dropout=0.1)
        runs.append(fit(model, L.SoftmaxCrossEntropy(), O.SGD(lr=0.1, momentum=0.9), X, y, epochs=3, seed=5))
    assert runs[0]["step_loss"] == runs[1]["step_loss"]
    model = mlp([2, 16, 3], rng=np.random.default_rng(2), dropout=0.1)
    other_seed = fit(model, L.SoftmaxCrossEntropy(), O.SGD(lr=0.1, momentum=0.9), X, y, epochs=3, seed=6)
    assert other_seed["step_loss"] != runs[0]["step_loss"]


def test_early_stopping_restores_the_best_weights(spirals):
    X, y, X_val, y_val = spirals
    model = mlp([2, 64, 3], rng=np.random.default_rng(3))
    trainer = Trainer(model, L.SoftmaxCrossEntropy(), O.SGD(lr=3.0), batch_size=50, early_stopping_patience=2)
    history = trainer.fit(X, y, epochs=50, val=(X_val, y_val))
    assert history.stopped_early and len(history["val_loss"]) < 50
    best = history.best_epoch
    assert history["val_loss"][best] == min(history["val_loss"])
    assert len(history["val_loss"]) == best + 3
    assert evaluate(model, L.SoftmaxCrossEntropy(), X_val, y_val)[0] == pytest.approx(history["val_loss"][best])


def test_divergence_guard_names_epoch_step_and_loss(spirals):
    X, y, _, _ = spirals
    model = mlp([2, 64, 3], rng=np.random.default_rng(4), init=100.0)
    with pytest.raises(TrainingDiverged, match=r"loss became (nan|inf) at epoch 1, step \d+ of 24; "
                                               r"lower the learning rate \(lr=1e\+30\)"), \
            np.errstate(all="ignore"):
        fit(model, L.SoftmaxCrossEntropy(), O.SGD(lr=1e30), X, y, epochs=2, batch_size=30)
    assert issubclass(TrainingDiverged, RuntimeError)


def test_schedule_clipping_and_progress_bar(spirals, capsys):
    X, y, _, _ = spirals
    model = mlp([2, 8, 3], rng=np.random.default_rng(5))
    opt = O.SGD(lr=1.0)
    history = fit(model, L.SoftmaxCrossEntropy(), opt, X, y, epochs=3, lr_schedule=O.StepLR(0.1, 1, 0.5),
                  clip_norm=0.5, progress=True, early_stopping_patience=5)
    assert opt.lr == 0.025
    assert "3/3" in capsys.readouterr().err
    assert history.best_epoch == int(np.argmin(history["train_loss"]))


def test_regression_records_no_accuracy():
    rng = np.random.default_rng(6)
    X, y = data.make_regression_1d(200, rng)
    model = mlp([1, 16, 1], rng=rng)
    history = fit(model, L.MSELoss(), O.Adam(lr=0.01), X, y.reshape(-1, 1), epochs=20, batch_size=20,
                  val=(X, y.reshape(-1, 1)))
    assert history["train_acc"] == [] and history["val_acc"] == []
    assert history["val_loss"][-1] < history["val_loss"][0]
    loss, acc = evaluate(model, L.MSELoss(), X, y.reshape(-1, 1))
    assert acc is None and loss == pytest.approx(history["val_loss"][-1])


def test_binary_classification_accuracy():
    rng = np.random.default_rng(7)
    X, y = data.make_blobs(200, rng)
    model = mlp([2, 8, 1], rng=rng)
    history = fit(model, L.BCEWithLogits(), O.Adam(lr=0.05), X, y, epochs=10, batch_size=20)
    assert history["train_acc"][-1] > 0.9 and accuracy(model, X, y) > 0.9


def test_history_is_a_dict():
    history = History()
    assert set(history) == {"train_loss", "train_acc", "val_loss", "val_acc", "step_loss"}


# ----------------------------------------------------------------------------- divergence

def _blow_up_after(epochs_ok):
    """A schedule that trains sensibly, then takes absurdly large steps."""
    return lambda epoch: 0.1 if epoch < epochs_ok else 1e30


def test_divergence_raises_with_the_history_and_restores_the_best_weights(spirals):
    X, y, X_val, y_val = spirals
    model = mlp([2, 32, 3], rng=np.random.default_rng(8))
    trainer = Trainer(model, L.SoftmaxCrossEntropy(), O.SGD(lr=0.1), batch_size=30,
                      lr_schedule=_blow_up_after(3), early_stopping_patience=5)
    with pytest.raises(TrainingDiverged, match=r"at epoch 4, step \d+ of 24; lower the learning rate "
                                               r"\(lr=1e\+30\)") as caught, np.errstate(all="ignore"):
        trainer.fit(X, y, 10, val=(X_val, y_val))
    history = caught.value.history
    assert isinstance(history, History) and len(history["val_loss"]) == 3
    assert history.diverged_at == len(history["step_loss"]) + 1 > 3 * 24
    assert np.isfinite(history["step_loss"]).all()
    restored = evaluate(model, L.SoftmaxCrossEntropy(), X_val, y_val)[0]
    assert restored == pytest.approx(history["val_loss"][history.best_epoch])


def test_divergence_message_blames_nan_in_the_data_not_the_learning_rate(spirals):
    X, y, _, _ = spirals
    X = X.copy()
    X[5, 0] = np.nan
    model = mlp([2, 8, 3], rng=np.random.default_rng(9))
    with pytest.raises(TrainingDiverged, match=r"data hold nan or inf: "
                                               r"this mini-batch's X has 1 non-finite value; ") as caught:
        fit(model, L.SoftmaxCrossEntropy(), O.SGD(lr=0.1), X, y, epochs=1, batch_size=30)
    assert "lower the learning rate" not in str(caught.value)


class UncheckedSquaredError(L.Loss):
    """A hand-written loss that, unlike dlcore's, does not reject nan targets."""

    def value(self, y_hat, y):
        return float(np.mean((y_hat - y) ** 2))

    def gradient(self, y_hat, y):
        return 2 * (y_hat - y) / y.size


def test_divergence_message_blames_nan_in_the_targets():
    x = np.linspace(0, 1, 40, dtype=np.float32)[:, None]
    targets = 2 * x
    targets[7] = np.inf
    with pytest.raises(TrainingDiverged, match=r"this mini-batch's y has 1 non-finite value; clean the data"):
        fit(mlp([1, 4, 1], rng=np.random.default_rng(9)), UncheckedSquaredError(), O.SGD(lr=0.1),
            x, targets, epochs=1, batch_size=10)


class UncheckedSGD:
    """A hand-written optimizer that, unlike dlcore's, takes any learning rate."""

    def __init__(self, lr):
        self.lr = lr

    def step(self, params, grads):
        for name, p in params.items():
            p -= self.lr * grads[name]


def test_divergence_message_blames_a_bad_learning_rate(spirals):
    X, y, _, _ = spirals
    with pytest.raises(TrainingDiverged, match=r"learning rate is nan \(from lr_schedule\); "
                                               r"expected a finite number > 0"), np.errstate(all="ignore"):
        fit(mlp([2, 8, 3], rng=np.random.default_rng(10)), L.SoftmaxCrossEntropy(), UncheckedSGD(0.1),
            X, y, epochs=2, batch_size=30, lr_schedule=lambda epoch: float("nan"))
    with pytest.raises(TrainingDiverged, match=r"learning rate is -1e\+30 \(from optimizer.lr\)"), \
            np.errstate(all="ignore"):
        fit(mlp([2, 8, 3], rng=np.random.default_rng(10)), L.SoftmaxCrossEntropy(), UncheckedSGD(-1e30),
            X, y, epochs=2, batch_size=30)


def test_divergence_can_stop_training_and_return_the_history(spirals):
    X, y, X_val, y_val = spirals
    model = mlp([2, 32, 3], rng=np.random.default_rng(11))
    trainer = Trainer(model, L.SoftmaxCrossEntropy(), O.SGD(lr=0.1), batch_size=30, on_divergence="stop")
    first = trainer.fit(X, y, 2)
    assert first.diverged_at is None and len(first["train_loss"]) == 2
    trainer.optimizer.lr = 1e30
    with np.errstate(all="ignore"):
        history = trainer.fit(X, y, 5, val=(X_val, y_val))
    assert history.diverged_at is not None
    assert history.diverged_at == 2 * 24 + len(history["step_loss"]) + 1     # counted over the run
    assert history["train_loss"] == [] and history["val_loss"] == []         # the cut epoch is not recorded
    assert "diverged_at=" in repr(history)


def test_trainer_rejects_unknown_options():
    model, loss, opt = mlp([2, 2]), L.MSELoss(), O.SGD()
    with pytest.raises(ValueError, match=r"Trainer expected on_divergence 'raise' or 'stop', got 'ignore'"):
        Trainer(model, loss, opt, on_divergence="ignore")
    with pytest.raises(ValueError, match=r"Trainer expected train_metrics 'running' or 'eval', got 'batch'"):
        Trainer(model, loss, opt, train_metrics="batch")
    with pytest.raises(TypeError, match=r"Trainer expected after_step to be a function or None, got int"):
        Trainer(model, loss, opt, after_step=3)


# ----------------------------------------------------------------------------- epochs and metrics

def test_fit_called_epoch_by_epoch_continues_the_run(spirals):
    X, y, _, _ = spirals
    runs = []
    for calls in ([3], [1, 1, 1]):
        model = mlp([2, 16, 3], rng=np.random.default_rng(12), dropout=0.1)
        trainer = Trainer(model, L.SoftmaxCrossEntropy(), O.SGD(lr=1.0, momentum=0.5), batch_size=50,
                          seed=3, lr_schedule=O.StepLR(0.2, 1, 0.5))
        histories = [trainer.fit(X, y, epochs) for epochs in calls]
        runs.append((model.state_dict(), histories, trainer))
    (whole, [once], _), (split, parts, trainer) = runs
    assert all(np.array_equal(whole[k], split[k]) for k in whole)
    assert sum((h["step_loss"] for h in parts), []) == once["step_loss"]
    assert sum((h["train_loss"] for h in parts), []) == once["train_loss"]
    assert all(len(h["train_loss"]) == 1 for h in parts)                     # each call: its own epochs
    assert trainer.epochs_done == 3 and trainer.steps_done == len(once["step_loss"])
    assert trainer.optimizer.lr == 0.05                                      # the schedule went on: epoch 2


def test_eval_train_metrics_are_the_whole_training_set_in_eval_mode(spirals):
    X, y, _, _ = spirals
    loss = L.SoftmaxCrossEntropy()
    model = mlp([2, 32, 3], rng=np.random.default_rng(13), dropout=0.5)
    trainer = Trainer(model, loss, O.SGD(lr=0.3), batch_size=40, train_metrics="eval")
    running = Trainer(mlp([2, 32, 3], rng=np.random.default_rng(13), dropout=0.5), loss, O.SGD(lr=0.3),
                      batch_size=40)
    for _ in range(3):
        history = trainer.fit(X, y, 1)
        true_loss, true_acc = evaluate(model, loss, X, y)
        assert history["train_loss"] == [true_loss] and history["train_acc"] == [true_acc]
        assert history["train_acc"] == [accuracy(model, X, y)]
        other = running.fit(X, y, 1)
        assert other["step_loss"] == history["step_loss"]                    # the same training...
        assert other["train_loss"][0] != pytest.approx(true_loss, abs=1e-3)  # ...measured differently


def test_running_train_metrics_match_a_hand_written_loop(spirals):
    X, y, _, _ = spirals
    history = fit(mlp([2, 16, 3], rng=np.random.default_rng(14)), L.SoftmaxCrossEntropy(),
                  O.SGD(lr=0.5), X, y, epochs=3, batch_size=100, seed=4)    # 720 rows: last batch 20
    model = mlp([2, 16, 3], rng=np.random.default_rng(14))
    loss, opt = L.SoftmaxCrossEntropy(), O.SGD(lr=0.5)
    shuffle = np.random.default_rng(4)
    for epoch in range(3):
        total, correct = 0.0, 0
        for xb, yb in data.iterate_minibatches(X, y, 100, shuffle):
            out = model(xb)
            total += loss(out, yb) * len(xb)
            correct += int(np.sum(out.argmax(axis=1) == yb))
            model.backward(loss.backward())
            opt.step(model.params, model.grads)
        assert history["train_loss"][epoch] == pytest.approx(total / len(X), rel=1e-6)
        assert history["train_acc"][epoch] == correct / len(X)


def test_after_step_sees_every_step_and_can_end_training(spirals):
    X, y, _, _ = spirals
    seen = []

    def five_steps(step, loss):
        seen.append((step, loss))
        return step == 5

    history = fit(mlp([2, 8, 3], rng=np.random.default_rng(15)), L.SoftmaxCrossEntropy(), O.SGD(lr=0.1),
                  X, y, epochs=3, batch_size=30, after_step=five_steps)
    assert [s for s, _ in seen] == [1, 2, 3, 4, 5]
    assert [value for _, value in seen] == history["step_loss"]
    assert history["train_loss"] == []                                       # the cut epoch is not recorded


def test_clip_norm_limits_the_size_of_the_update(spirals):
    X, y, _, _ = spirals
    moves = {}
    for clip_norm in (None, 0.01):
        model = mlp([2, 16, 3], rng=np.random.default_rng(16))
        before = model.state_dict()
        fit(model, L.SoftmaxCrossEntropy(), O.SGD(lr=1.0), X, y, epochs=1, batch_size=len(X),
            clip_norm=clip_norm)                                             # one full-batch step
        moves[clip_norm] = np.sqrt(sum(np.sum((p - before[k]) ** 2) for k, p in model.params.items()))
    assert moves[0.01] == pytest.approx(1.0 * 0.01, rel=1e-4)                # lr * clip_norm
    assert moves[None] > 10 * moves[0.01]
