"""Train chapter 10's convolutional network on Fashion-MNIST and save its weights.

Run from the repository root:

    OPENBLAS_NUM_THREADS=1 python book/models/train_cnn.py

(about 20 minutes on one CPU core; one BLAS thread fixes the order of the sums, so the run is
deterministic; with more threads it is equally valid but may differ in the last digits).
It writes ``dlcore/pretrained/cnn_fashion.npz`` (float32 weights, read with ``Sequential.load``;
shipped inside the dlcore package so that every reader's install has them),
which the chapter ``book/10_cnn.ipynb`` loads to check the test accuracy. Everything is
seeded (weights, shuffling). The run that made the committed file printed
"test accuracy 0.9194".

Recipe, fixed before looking at the test set: the network of
``dlcore.model.fashion_cnn``; 55,000 training images and the last 5,000 of the
training file held out for validation; Adam (lr 1e-3, decayed along half a cosine towards 0
over the run), batch 100, 12 epochs; the weights of the epoch with the lowest validation loss are
kept. The test set is used once, at the end, to report the accuracy.
"""
import argparse
import sys
from pathlib import Path

import numpy as np

from dlcore.data import load_fashion_mnist
from dlcore.layers import SoftmaxCrossEntropy
from dlcore.model import FASHION_CNN_WEIGHTS, fashion_cnn
from dlcore.optim import Adam, CosineLR
from dlcore.train import Trainer, evaluate

DEFAULT_OUT = FASHION_CNN_WEIGHTS


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=12)
    parser.add_argument("--batch-size", type=int, default=100)
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--val", type=int, default=5000, help="training images held out for validation")
    parser.add_argument("--n-train", type=int, default=None, help="use only this many training images (quick tests)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args(argv)

    X, y = load_fashion_mnist("train", flatten=False)
    X_test, y_test = load_fashion_mnist("test", flatten=False)
    X_train, y_train = X[:-args.val], y[:-args.val]
    X_val, y_val = X[-args.val:], y[-args.val:]
    if args.n_train is not None:
        X_train, y_train = X_train[:args.n_train], y_train[:args.n_train]
    print(f"train {X_train.shape}, validation {X_val.shape}, test {X_test.shape}", flush=True)

    model = fashion_cnn(rng=np.random.default_rng(args.seed))
    print(model, f"\n{model.num_params():,} parameters", flush=True)
    loss = SoftmaxCrossEntropy()
    optimizer = Adam(lr=args.lr)
    # keep the weights of the epoch with the lowest validation loss: early stopping whose
    # patience is the whole run never stops early, and restores the best epoch at the end
    trainer = Trainer(model, loss, optimizer, batch_size=args.batch_size, seed=args.seed,
                      lr_schedule=CosineLR(args.lr, total=args.epochs),
                      early_stopping_patience=args.epochs, progress=True)
    history = trainer.fit(X_train, y_train, args.epochs, val=(X_val, y_val))
    best_epoch = history.best_epoch
    print(f"kept epoch {best_epoch + 1} (lowest validation loss {history['val_loss'][best_epoch]:.4f})")
    test_loss, test_acc = evaluate(model, loss, X_test, y_test)
    print(f"test loss {test_loss:.4f}  test accuracy {test_acc:.4f}")
    model.save(args.out)
    print(f"saved {args.out} ({args.out.stat().st_size / 1e6:.2f} MB)")
    return test_acc


if __name__ == "__main__":
    sys.exit(0 if main() >= 0.90 else 1)
