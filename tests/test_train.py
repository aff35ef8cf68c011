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
