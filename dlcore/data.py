"""Data: Fashion-MNIST and MNIST loaders, toy data sets, splits and mini-batches.

Real data (taught from chapter 4 on) comes from IDX files. The loaders take each file from
``$DLCORE_DATA/<dataset>/``, the user cache ``~/.cache/dlcore/<dataset>/`` or the Debian package
``dataset-fashion-mnist``, or download it into the user cache (``download=True``). Every file is
checked against the upstream checksums first; a missing, truncated or corrupt file raises
:class:`DatasetError` naming the file and how to get a good copy. (Finding, checking and
downloading live in ``dlcore/_download.py``.) Nothing is downloaded at import time.

Toy data sets (XOR, blobs, moons, spirals, 1-D regression with outliers) are generated from a
seeded ``numpy.random.Generator`` and need no files.
"""

from __future__ import annotations

import functools

import numpy as np

from ._download import DatasetError, data_search_path, idx_content

__all__ = [
    "DatasetError",
    "FASHION_MNIST_CLASSES",
    "load_fashion_mnist",
    "load_mnist",
    "read_idx",
    "data_search_path",
    "make_xor",
    "make_blobs",
    "make_moons",
    "make_spirals",
    "make_regression_1d",
    "train_val_split",
    "iterate_minibatches",
]

FASHION_MNIST_CLASSES = (
    "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
    "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
)


# ----------------------------------------------------------------------------- real data

def read_idx(content: bytes, source: str = "IDX data") -> np.ndarray:
    """Parse the bytes of an (uncompressed) IDX file into a read-only uint8 array.

    Format: 2 zero bytes, a type byte (0x08 = uint8), the number of dimensions, then one
    big-endian uint32 size per dimension, then the data. Images: (N, 28, 28); labels: (N,).
    """
    if len(content) < 4 or content[:3] != b"\x00\x00\x08":
        raise DatasetError(f"{source} is not an IDX file of unsigned bytes (header {content[:4]!r})")
    ndim = content[3]
    header = 4 + 4 * ndim
    shape = tuple(int(s) for s in np.frombuffer(content[4:header], dtype=">u4"))
    expected = header + int(np.prod(shape))
    if len(content) != expected:
        raise DatasetError(f"{source} is truncated or padded: its header promises shape {shape} "
                           f"({expected} bytes) but it has {len(content)} bytes")
    return np.frombuffer(content, dtype=np.uint8, offset=header).reshape(shape)


@functools.lru_cache(maxsize=8)
def _load_raw(dataset: str, split: str, download: bool) -> tuple[np.ndarray, np.ndarray]:
    images = read_idx(idx_content(dataset, split, "images", download), f"{dataset} {split} images")
    labels = read_idx(idx_content(dataset, split, "labels", download), f"{dataset} {split} labels")
    if images.shape[0] != labels.shape[0]:
        raise DatasetError(f"{dataset} {split}: {images.shape[0]} images but {labels.shape[0]} labels")
    return images, labels


def _load(dataset, split, n, flatten, normalize, dtype, download):
    if split not in ("train", "test"):
        raise ValueError(f"split must be 'train' or 'test', got {split!r}")
    images, labels = _load_raw(dataset, split, download)
    if n is not None:
        if not 0 < n <= len(labels):
            raise ValueError(f"n must be between 1 and {len(labels)}, got {n}")
        images, labels = images[:n], labels[:n]
    X = images.astype(dtype)
    if normalize:
        X /= 255.0
    X = X.reshape(len(X), -1) if flatten else X.reshape(len(X), 1, 28, 28)
    return X, labels.astype(np.int64)


def load_fashion_mnist(split: str = "train", *, n: int | None = None, flatten: bool = True,
                       normalize: bool = True, dtype=np.float32, download: bool = True):
    """Load Fashion-MNIST (Xiao et al., 2017): 28x28 grey images of 10 kinds of clothing.

    Args:
        split: "train" (60,000 images) or "test" (10,000 images).
        n: keep only the first ``n`` examples (the files are already shuffled).
        flatten: True gives X of shape (N, 784); False gives (N, 1, 28, 28) for convolutions.
        normalize: scale pixels from 0..255 to 0..1.
        download: fetch from upstream into the user cache when no local copy exists.

    Returns:
        X: (N, 784) or (N, 1, 28, 28) ``dtype``; y: (N,) int64 labels 0..9
        (names in ``FASHION_MNIST_CLASSES``).

    First used in chapter 4, Gradient descent.
    """
    return _load("fashion-mnist", split, n, flatten, normalize, dtype, download)


def load_mnist(split: str = "train", *, n: int | None = None, flatten: bool = True,
               normalize: bool = True, dtype=np.float32, download: bool = True):
    """Load MNIST handwritten digits; same arguments and shapes as :func:`load_fashion_mnist`."""
    return _load("mnist", split, n, flatten, normalize, dtype, download)


# ----------------------------------------------------------------------------- toy data sets

def _check_rng(rng) -> np.random.Generator:
    if not isinstance(rng, np.random.Generator):
        raise TypeError(f"rng must be a numpy.random.Generator (np.random.default_rng(seed)), "
                        f"got {type(rng).__name__}")
    return rng


def _check_n(n: int, minimum: int = 1) -> None:
    if not isinstance(n, (int, np.integer)) or n < minimum:
        raise ValueError(f"n must be an integer >= {minimum}, got {n!r}")


def make_xor(n: int, rng: np.random.Generator, noise: float = 0.1):
    """Points around the four corners of the unit square, labelled by XOR of the corner.

    Returns X: (n, 2) float32, y: (n,) int64 with y = x1 XOR x2 of the corner. Chapter 1.
    """
    _check_n(n)
    corners = _check_rng(rng).integers(0, 2, size=(n, 2))
    X = corners + noise * rng.standard_normal((n, 2))
    return X.astype(np.float32), (corners[:, 0] ^ corners[:, 1]).astype(np.int64)


def make_blobs(n: int, rng: np.random.Generator, centers=((-1.0, -1.0), (1.0, 1.0)), std: float = 0.4):
    """Gaussian blobs, one per centre; with the default centres the classes are linearly separable.

    Returns X: (n, 2) float32, y: (n,) int64 with the index of the centre. Chapter 1.
    """
    _check_n(n)
    centers = np.asarray(centers, dtype=float)
    y = _check_rng(rng).integers(0, len(centers), size=n)
    X = centers[y] + std * rng.standard_normal((n, centers.shape[1]))
    return X.astype(np.float32), y.astype(np.int64)


def make_moons(n: int, rng: np.random.Generator, noise: float = 0.1):
    """Two interleaving half circles. Returns X: (n, 2) float32, y: (n,) int64."""
    _check_n(n)
    y = _check_rng(rng).integers(0, 2, size=n)
    angle = rng.uniform(0, np.pi, size=n)
    X = np.where(y[:, None] == 0,
                 np.c_[np.cos(angle), np.sin(angle)],
                 np.c_[1 - np.cos(angle), 0.5 - np.sin(angle)])
    X = X + noise * rng.standard_normal((n, 2))
    return X.astype(np.float32), y.astype(np.int64)


def make_spirals(n: int, rng: np.random.Generator, classes: int = 3, noise: float = 0.2):
    """``classes`` interleaved spiral arms (the classic not-linearly-separable toy problem).

    Returns X: (n, 2) float32, y: (n,) int64 in 0..classes-1.
    """
    _check_n(n)
    y = _check_rng(rng).integers(0, classes, size=n)
    radius = rng.uniform(0.05, 1.0, size=n)
    angle = 2 * np.pi * y / classes + 4.0 * radius + noise * rng.standard_normal(n)
    X = radius[:, None] * np.c_[np.sin(angle), np.cos(angle)]
    return X.astype(np.float32), y.astype(np.int64)


def make_regression_1d(n: int, rng: np.random.Generator, slope: float = 2.0, intercept: float = 1.0,
                       noise: float = 0.5, n_outliers: int = 0, outlier_shift: float = 15.0):
    """Points on a line y = slope * x + intercept with Gaussian noise, plus optional outliers.

    The last ``n_outliers`` points are moved up by ``outlier_shift``. Chapter 3 fits them with
    MSE, MAE and Huber losses.
    Returns x: (n, 1) float32, y: (n,) float32.
    """
    _check_n(n)
    if not 0 <= n_outliers <= n:
        raise ValueError(f"n_outliers must be between 0 and n={n}, got {n_outliers}")
    x = np.sort(_check_rng(rng).uniform(-2, 2, size=n))
    y = slope * x + intercept + noise * rng.standard_normal(n)
    if n_outliers:
        y[n - n_outliers:] += outlier_shift
    return x[:, None].astype(np.float32), y.astype(np.float32)


# ----------------------------------------------------------------------------- splits and batches

def _check_pair(X: np.ndarray, y: np.ndarray) -> None:
    if len(X) != len(y):
        raise ValueError(f"X and y must have the same number of examples, got {len(X)} and {len(y)}")


def train_val_split(X: np.ndarray, y: np.ndarray, val_fraction: float, rng: np.random.Generator):
    """Shuffle and split into a training and a validation part (chapter 9).

    Returns X_train, y_train, X_val, y_val; the validation part has round(val_fraction * N) examples.
    """
    _check_pair(X, y)
    if not 0 < val_fraction < 1:
        raise ValueError(f"val_fraction must be between 0 and 1 (exclusive), got {val_fraction}")
    order = _check_rng(rng).permutation(len(X))
    n_val = int(round(val_fraction * len(X)))
    val, train = order[:n_val], order[n_val:]
    return X[train], y[train], X[val], y[val]


def iterate_minibatches(X: np.ndarray, y: np.ndarray, batch_size: int, rng: np.random.Generator | None = None):
    """Yield (X_batch, y_batch) pairs covering the data once (one epoch).

    With ``rng`` the order is shuffled; the last batch may be smaller. Chapter 4.
    """
    _check_pair(X, y)
    if not isinstance(batch_size, (int, np.integer)) or batch_size < 1:
        raise ValueError(f"batch_size must be a positive integer, got {batch_size!r}")
    order = np.arange(len(X)) if rng is None else _check_rng(rng).permutation(len(X))
    for start in range(0, len(X), batch_size):
        idx = order[start:start + batch_size]
        yield X[idx], y[idx]

