"""dlcore.data: the real-data loader's search order and every error path, and the toy data sets."""

import gzip
import hashlib
from pathlib import Path

import numpy as np
import pytest

from dlcore import _download, data, functions


# ----------------------------------------------------------------------------- helpers

def idx_bytes(array: np.ndarray) -> bytes:
    """Encode a uint8 array as an IDX file (the format of MNIST and Fashion-MNIST)."""
    header = bytes([0, 0, 8, array.ndim]) + b"".join(int(s).to_bytes(4, "big") for s in array.shape)
    return header + array.astype(np.uint8).tobytes()


@pytest.fixture
def fake_dataset(tmp_path, monkeypatch):
    """A tiny 'fashion-mnist' whose checksums are those of files the test writes itself.

    Points $DLCORE_DATA at a temporary folder, empties the cache folder and the Debian folder,
    and replaces the upstream checksums by the ones of the fake files.
    """
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, size=(6, 28, 28), dtype=np.uint8)
    labels = np.array([0, 1, 2, 3, 4, 9], dtype=np.uint8)
    root = tmp_path / "data"
    folder = root / "fashion-mnist"
    folder.mkdir(parents=True)
    monkeypatch.setenv("DLCORE_DATA", str(root))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    files = {}
    for (split, kind), idx in _download._FASHION_MNIST.files.items():
        content = idx_bytes(images if kind == "images" else labels)
        archive = gzip.compress(content, mtime=0)
        (folder / idx.name).write_bytes(archive)
        files[(split, kind)] = _download._IdxFile(idx.name, hashlib.md5(archive).hexdigest(),
                                                  hashlib.sha256(content).hexdigest())
    spec = _download._Dataset("fashion-mnist", "http://127.0.0.1:9/", str(tmp_path / "no-debian"),
                              "dataset-fashion-mnist", files)
    monkeypatch.setattr(_download, "_FASHION_MNIST", spec)
    data._load_raw.cache_clear()
    yield folder, images, labels
    data._load_raw.cache_clear()


# ----------------------------------------------------------------------------- loader

def test_loads_verified_local_files(fake_dataset):
    folder, images, labels = fake_dataset
    X, y = data.load_fashion_mnist("train", download=False)
    assert X.shape == (6, 784) and X.dtype == np.float32
    assert np.allclose(X[0], images[0].ravel() / 255.0)
    assert y.tolist() == labels.tolist() and y.dtype == np.int64
    X4, _ = data.load_fashion_mnist("test", flatten=False, normalize=False, n=2, download=False)
    assert X4.shape == (2, 1, 28, 28) and X4.max() > 1


def test_search_order(fake_dataset, tmp_path):
    folders = data.data_search_path("fashion-mnist")
    assert folders[0] == tmp_path / "data" / "fashion-mnist"
    assert folders[1] == tmp_path / "cache" / "dlcore" / "fashion-mnist"
    assert str(folders[2]).endswith("no-debian")


def test_missing_file_names_file_and_remedy(fake_dataset):
    folder, _, _ = fake_dataset
    (folder / "t10k-labels-idx1-ubyte.gz").unlink()
    with pytest.raises(data.DatasetError, match=r"t10k-labels-idx1-ubyte\.gz not found.*apt-get install dataset-fashion-mnist"):
        data.load_fashion_mnist("test", download=False)


def test_truncated_file(fake_dataset):
    folder, _, _ = fake_dataset
    path = folder / "train-images-idx3-ubyte.gz"
    path.write_bytes(path.read_bytes()[:-40])
    with pytest.raises(data.DatasetError, match=r"train-images-idx3-ubyte\.gz is truncated or not a valid gzip"):
        data.load_fashion_mnist("train", download=False)


def test_corrupt_file_fails_checksum(fake_dataset):
    folder, images, _ = fake_dataset
    altered = images.copy()
    altered[0, 0, 0] ^= 1
    (folder / "train-images-idx3-ubyte.gz").write_bytes(gzip.compress(idx_bytes(altered)))
    with pytest.raises(data.DatasetError, match=r"does not match the checksum.*Delete it"):
        data.load_fashion_mnist("train", download=False)


def test_repacked_archive_accepted_by_content_checksum(fake_dataset):
    folder, images, _ = fake_dataset
    path = folder / "train-images-idx3-ubyte.gz"
    path.write_bytes(gzip.compress(idx_bytes(images), compresslevel=1, mtime=12345))
    X, _ = data.load_fashion_mnist("train", download=False)
    assert X.shape == (6, 784)


def test_failed_download_says_what_to_do(fake_dataset):
    folder, _, _ = fake_dataset
    (folder / "train-labels-idx1-ubyte.gz").unlink()
    with pytest.raises(data.DatasetError, match=r"could not download .*train-labels.*apt-get install"):
        data.load_fashion_mnist("train", download=True)


def test_download_is_atomic_and_verified(fake_dataset, tmp_path, monkeypatch):
    folder, _, labels = fake_dataset
    good = (folder / "train-labels-idx1-ubyte.gz").read_bytes()
    (folder / "train-labels-idx1-ubyte.gz").unlink()
    cache = tmp_path / "cache" / "dlcore" / "fashion-mnist"

    class Response:
        def __init__(self, payload): self.payload = payload
        def __enter__(self): return self
        def __exit__(self, *exc): return False
        def read(self, size): out, self.payload = self.payload[:size], self.payload[size:]; return out

    monkeypatch.setattr(_download.urllib.request, "urlopen", lambda url, timeout: Response(good[:100] + b"x" * 50))
    with pytest.raises(data.DatasetError):
        data.load_fashion_mnist("train", download=True)
    assert list(cache.iterdir()) == []            # the bad download was removed, no partial file left

    def broken(url, timeout):
        raise OSError("connection reset")
    monkeypatch.setattr(_download.urllib.request, "urlopen", broken)
    with pytest.raises(data.DatasetError, match="connection reset"):
        data.load_fashion_mnist("train", download=True)
    assert list(cache.iterdir()) == []

    monkeypatch.setattr(_download.urllib.request, "urlopen", lambda url, timeout: Response(good))
    _, y = data.load_fashion_mnist("train", download=True)
    assert y.tolist() == labels.tolist()
    assert [p.name for p in cache.iterdir()] == ["train-labels-idx1-ubyte.gz"]


def test_read_idx_rejects_bad_headers():
    with pytest.raises(data.DatasetError, match="not an IDX file"):
        data.read_idx(b"\x00\x00\x0d\x01abcd", "x")
    good = idx_bytes(np.zeros((3, 2), np.uint8))
    with pytest.raises(data.DatasetError, match=r"truncated or padded.*\(3, 2\)"):
        data.read_idx(good[:-1], "x")


def test_images_labels_count_mismatch(fake_dataset, monkeypatch):
    folder, images, _ = fake_dataset
    content = idx_bytes(np.zeros(5, np.uint8))
    archive = gzip.compress(content)
    files = dict(_download._FASHION_MNIST.files)
    files[("train", "labels")] = _download._IdxFile("train-labels-idx1-ubyte.gz", hashlib.md5(archive).hexdigest(), None)
    (folder / "train-labels-idx1-ubyte.gz").write_bytes(archive)
    monkeypatch.setattr(_download, "_FASHION_MNIST",
                        _download._Dataset(**{**_download._FASHION_MNIST.__dict__, "files": files}))
    with pytest.raises(data.DatasetError, match="6 images but 5 labels"):
        data.load_fashion_mnist("train", download=False)


def test_bad_arguments(fake_dataset):
    with pytest.raises(ValueError, match="split must be 'train' or 'test'"):
        data.load_fashion_mnist("validation")
    with pytest.raises(ValueError, match="n must be between 1 and 6"):
        data.load_fashion_mnist("train", n=7, download=False)
    with pytest.raises(ValueError, match="unknown dataset"):
        data.data_search_path("cifar")


def test_mnist_missing_without_download(tmp_path, monkeypatch):
    monkeypatch.setenv("DLCORE_DATA", str(tmp_path))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    data._load_raw.cache_clear()
    with pytest.raises(data.DatasetError, match=r"mnist file train-images-idx3-ubyte\.gz not found.*download=True"):
        data.load_mnist("train", download=False)


@pytest.mark.skipif(not Path("/usr/share/datasets/fashion-mnist").is_dir(),
                    reason="Debian package dataset-fashion-mnist not installed")
def test_real_fashion_mnist_from_debian_package(monkeypatch, tmp_path):
    monkeypatch.delenv("DLCORE_DATA", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))     # empty cache: the Debian copy is used
    data._load_raw.cache_clear()
    X, y = data.load_fashion_mnist("test", download=False)
    assert X.shape == (10000, 784) and 0.0 <= X.min() and X.max() <= 1.0
    assert np.bincount(y).tolist() == [1000] * 10
    assert len(data.FASHION_MNIST_CLASSES) == 10


# ----------------------------------------------------------------------------- toy data

@pytest.mark.parametrize("make", [data.make_xor, data.make_blobs, data.make_moons, data.make_spirals])
def test_toy_classification_sets_are_seeded(make):
    X1, y1 = make(50, np.random.default_rng(3))
    X2, y2 = make(50, np.random.default_rng(3))
    X3, _ = make(50, np.random.default_rng(4))
    assert X1.shape == (50, 2) and X1.dtype == np.float32 and y1.dtype == np.int64
    assert np.array_equal(X1, X2) and np.array_equal(y1, y2) and not np.array_equal(X1, X3)


def test_xor_labels_follow_corners():
    X, y = data.make_xor(200, np.random.default_rng(0), noise=0.0)
    assert np.array_equal(y, (X[:, 0].astype(int) ^ X[:, 1].astype(int)))


def test_blobs_are_linearly_separable():
    X, y = data.make_blobs(300, np.random.default_rng(0), std=0.3)
    assert np.all((X.sum(axis=1) > 0) == (y == 1))


def test_spirals_classes():
    _, y = data.make_spirals(300, np.random.default_rng(0), classes=4)
    assert set(y.tolist()) == {0, 1, 2, 3}


def test_regression_outliers():
    x, y = data.make_regression_1d(40, np.random.default_rng(0), noise=0.0, n_outliers=3, outlier_shift=10.0)
    residual = y - (2.0 * x[:, 0] + 1.0)
    assert x.shape == (40, 1) and np.allclose(residual[:37], 0, atol=1e-5) and np.allclose(residual[37:], 10)
    with pytest.raises(ValueError, match="n_outliers must be between 0 and n=40"):
        data.make_regression_1d(40, np.random.default_rng(0), n_outliers=41)


def test_toy_bad_arguments():
    with pytest.raises(TypeError, match="numpy.random.Generator"):
        data.make_xor(10, rng=0)
    with pytest.raises(ValueError, match="integer >= 1"):
        data.make_moons(0, np.random.default_rng(0))


# ----------------------------------------------------------------------------- splits and batches

def test_train_val_split_partitions_the_data():
    X = np.arange(20).reshape(10, 2)
    y = np.arange(10)
    Xt, yt, Xv, yv = data.train_val_split(X, y, 0.3, np.random.default_rng(0))
    assert len(yv) == 3 and len(yt) == 7
    assert sorted(np.r_[yt, yv].tolist()) == list(range(10))
    assert np.array_equal(Xt[:, 0] // 2, yt)
    with pytest.raises(ValueError, match="val_fraction"):
        data.train_val_split(X, y, 1.0, np.random.default_rng(0))
    with pytest.raises(ValueError, match="same number of examples, got 10 and 9"):
        data.train_val_split(X, y[:9], 0.5, np.random.default_rng(0))


def test_iterate_minibatches_covers_each_example_once():
    X = np.arange(10)[:, None]
    y = np.arange(10)
    batches = list(data.iterate_minibatches(X, y, 4, np.random.default_rng(1)))
    assert [len(b[1]) for b in batches] == [4, 4, 2]
    seen = np.concatenate([b[1] for b in batches])
    assert sorted(seen.tolist()) == list(range(10)) and seen.tolist() != list(range(10))
    assert [b[1].tolist() for b in data.iterate_minibatches(X, y, 5)] == [[0, 1, 2, 3, 4], [5, 6, 7, 8, 9]]
    with pytest.raises(ValueError, match="batch_size must be a positive integer"):
        list(data.iterate_minibatches(X, y, 0))


def test_one_hot():
    assert functions.one_hot(np.array([2, 0]), 3).tolist() == [[0, 0, 1], [1, 0, 0]]
    with pytest.raises(ValueError, match=r"labels must be in 0\.\.2"):
        functions.one_hot(np.array([3]), 3)
    with pytest.raises(ValueError, match="integer labels"):
        functions.one_hot(np.array([0.5]), 3)
