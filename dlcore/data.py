"""Data: Fashion-MNIST and MNIST loaders, toy data sets, splits and mini-batches.

Real data (taught from chapter 4 on) comes from IDX files. The loader looks for each file,
in this order:

1. the folder named by the environment variable ``DLCORE_DATA`` (``$DLCORE_DATA/<dataset>/``),
2. the user cache (``$XDG_CACHE_HOME/dlcore/<dataset>/``, by default ``~/.cache/dlcore/<dataset>/``),
3. the Debian package (``/usr/share/datasets/fashion-mnist/`` from ``dataset-fashion-mnist``),
4. the upstream URL, downloaded into the user cache (Colab, Binder), only when ``download=True``.

Every file found is verified before use: it must be byte-identical to the upstream archive
(MD5 published upstream) or decompress to the upstream content (SHA-256 of the IDX bytes, which
is what Debian's repacked archives match). A missing, truncated or corrupt file raises
:class:`DatasetError` naming the file and how to get a good copy; garbage is never returned.
Nothing is downloaded at import time.

Toy data sets (XOR, blobs, moons, spirals, 1-D regression with outliers) are generated from a
seeded ``numpy.random.Generator`` and need no files.
"""

from __future__ import annotations

import functools
import gzip
import hashlib
import os
import tempfile
import urllib.request
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

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
    "one_hot",
]

FASHION_MNIST_CLASSES = (
    "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
    "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
)


class DatasetError(OSError):
    """A data file is missing, truncated or corrupt. The message says which file and what to do."""


@dataclass(frozen=True)
class _IdxFile:
    """One upstream file: its name, the MD5 of the .gz archive and the SHA-256 of its content."""

    name: str
    archive_md5: str
    content_sha256: str | None  # None where no repacked copy is known


@dataclass(frozen=True)
class _Dataset:
    name: str
    url: str
    debian_dir: str | None
    debian_package: str | None
    files: dict  # (split, "images" | "labels") -> _IdxFile


_FASHION_MNIST = _Dataset(
    name="fashion-mnist",
    url="http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
    debian_dir="/usr/share/datasets/fashion-mnist",
    debian_package="dataset-fashion-mnist",
    files={
        ("train", "images"): _IdxFile(
            "train-images-idx3-ubyte.gz", "8d4fb7e6c68d591d4c3dfef9ec88bf0d",
            "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888"),
        ("train", "labels"): _IdxFile(
            "train-labels-idx1-ubyte.gz", "25c81989df183df01b3e8a0aad5dffbe",
            "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9"),
        ("test", "images"): _IdxFile(
            "t10k-images-idx3-ubyte.gz", "bef4ecab320f06d8554ea6380940ec79",
            "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b"),
        ("test", "labels"): _IdxFile(
            "t10k-labels-idx1-ubyte.gz", "bb300cfdad3c16e7a12a480ee83cd310",
            "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34"),
    },
)

_MNIST = _Dataset(
    name="mnist",
    url="https://storage.googleapis.com/cvdf-datasets/mnist/",
    debian_dir=None,
    debian_package=None,
    files={
        ("train", "images"): _IdxFile("train-images-idx3-ubyte.gz", "f68b3c2dcbeaaa9fbdd348bbdeb94873", None),
        ("train", "labels"): _IdxFile("train-labels-idx1-ubyte.gz", "d53e105ee54ea40749a09fcbcd1e9432", None),
        ("test", "images"): _IdxFile("t10k-images-idx3-ubyte.gz", "9fb629c4189551a2d022fa330f9573f3", None),
        ("test", "labels"): _IdxFile("t10k-labels-idx1-ubyte.gz", "ec29112dd5afa0611ce80d1b7f02629c", None),
    },
)


# ----------------------------------------------------------------------------- finding files

def _cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "dlcore"


def data_search_path(dataset: str = "fashion-mnist") -> list[Path]:
    """The folders searched for ``dataset`` ("fashion-mnist" or "mnist"), in order."""
    spec = _dataset(dataset)
    folders = []
    if os.environ.get("DLCORE_DATA"):
        folders.append(Path(os.environ["DLCORE_DATA"]) / spec.name)
    folders.append(_cache_dir() / spec.name)
    if spec.debian_dir:
        folders.append(Path(spec.debian_dir))
    return folders


def _dataset(name: str) -> _Dataset:
    datasets = {"fashion-mnist": _FASHION_MNIST, "mnist": _MNIST}
    if name not in datasets:
        raise ValueError(f"unknown dataset {name!r}; expected one of {sorted(datasets)}")
    return datasets[name]


def _how_to_get(spec: _Dataset, idx: _IdxFile) -> str:
    ways = []
    if spec.debian_package:
        ways.append(f"install the Debian package (`apt-get install {spec.debian_package}`)")
    ways.append(f"call the loader with download=True (fetches {spec.url}{idx.name})")
    ways.append(f"or put the upstream file into $DLCORE_DATA/{spec.name}/")
    return "; ".join(ways)


def _verified_content(path: Path, spec: _Dataset, idx: _IdxFile) -> bytes:
    """Return the decompressed IDX bytes of ``path`` after checking them against upstream."""
    raw = path.read_bytes()
    try:
        content = gzip.decompress(raw)
    except (OSError, EOFError, zlib.error) as err:
        raise DatasetError(
            f"{path} is truncated or not a valid gzip file ({err}). Delete it and get a fresh copy: "
            + _how_to_get(spec, idx)) from None
    same_archive = hashlib.md5(raw, usedforsecurity=False).hexdigest() == idx.archive_md5
    same_content = (idx.content_sha256 is not None
                    and hashlib.sha256(content).hexdigest() == idx.content_sha256)
    if not (same_archive or same_content):
        raise DatasetError(
            f"{path} does not match the checksum of the upstream {spec.name} file {idx.name} "
            "(corrupt or a different data set). Delete it and get a fresh copy: " + _how_to_get(spec, idx))
    return content


def _download(url: str, target: Path, timeout: float = 60.0) -> None:
    """Download ``url`` to ``target`` atomically: a partial download never takes its name."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(dir=target.parent, prefix=target.name, suffix=".part")
    try:
        with os.fdopen(fd, "wb") as tmp, urllib.request.urlopen(url, timeout=timeout) as response:
            while chunk := response.read(1 << 20):
                tmp.write(chunk)
        os.replace(tmp_name, target)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise


def _idx_content(spec: _Dataset, split: str, kind: str, download: bool) -> bytes:
    idx = spec.files[(split, kind)]
    for folder in data_search_path(spec.name):
        if (folder / idx.name).is_file():
            return _verified_content(folder / idx.name, spec, idx)
    if not download:
        searched = ", ".join(str(f) for f in data_search_path(spec.name))
        raise DatasetError(f"{spec.name} file {idx.name} not found (searched {searched}). To get it: "
                           + _how_to_get(spec, idx))
    target = _cache_dir() / spec.name / idx.name
    try:
        _download(spec.url + idx.name, target)
    except OSError as err:
        raise DatasetError(f"could not download {spec.url}{idx.name} ({err}). "
                           "Check the network, or: " + _how_to_get(spec, idx)) from None
    try:
        return _verified_content(target, spec, idx)
    except DatasetError:
        target.unlink(missing_ok=True)
        raise


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
    spec = _dataset(dataset)
    images = read_idx(_idx_content(spec, split, "images", download), f"{spec.name} {split} images")
    labels = read_idx(_idx_content(spec, split, "labels", download), f"{spec.name} {split} labels")
    if images.shape[0] != labels.shape[0]:
        raise DatasetError(f"{spec.name} {split}: {images.shape[0]} images but {labels.shape[0]} labels")
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


def one_hot(y: np.ndarray, num_classes: int) -> np.ndarray:
    """Integer labels (N,) -> one-hot float32 matrix (N, num_classes). Chapter 3."""
    y = np.asarray(y)
    if y.ndim != 1 or not np.issubdtype(y.dtype, np.integer):
        raise ValueError(f"expected integer labels of shape (N,), got dtype {y.dtype} shape {y.shape}")
    if y.size and (y.min() < 0 or y.max() >= num_classes):
        raise ValueError(f"labels must be in 0..{num_classes - 1}, got values from {y.min()} to {y.max()}")
    out = np.zeros((len(y), num_classes), dtype=np.float32)
    out[np.arange(len(y)), y] = 1.0
    return out
