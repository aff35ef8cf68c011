"""dlcore.data: the real-data loader's search order and every error path, and the toy data sets."""

import errno
import gzip
import hashlib
import http.client
import os
import tracemalloc
import urllib.error
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
                                                  hashlib.sha256(content).hexdigest(), len(archive), len(content))
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


# ----------------------------------------------------------------------------- fail-safe: local files

LABELS = "train-labels-idx1-ubyte.gz"
IMAGES = "train-images-idx3-ubyte.gz"


def use_file(folder, monkeypatch, name, content):
    """Write ``content`` gzipped as file ``name`` and make it the upstream file."""
    archive = gzip.compress(content, compresslevel=1, mtime=0)
    (folder / name).write_bytes(archive)
    spec = _download._FASHION_MNIST
    files = {key: (_download._IdxFile(name, hashlib.md5(archive).hexdigest(), hashlib.sha256(content).hexdigest(),
                                      len(archive), len(content)) if idx.name == name else idx)
             for key, idx in spec.files.items()}
    monkeypatch.setattr(_download, "_FASHION_MNIST", _download._Dataset(**{**spec.__dict__, "files": files}))


def test_multi_member_padded_archive_is_accepted_by_content_checksum(fake_dataset):
    folder, images, _ = fake_dataset
    content = idx_bytes(images)
    (folder / IMAGES).write_bytes(gzip.compress(content[:1000]) + gzip.compress(content[1000:]) + bytes(512))
    X, _ = data.load_fashion_mnist("train", download=False, normalize=False)
    assert np.array_equal(X.reshape(6, 28, 28), images)


def test_gzip_bomb_is_refused_at_the_promised_size(fake_dataset):
    folder, images, _ = fake_dataset
    bomb = gzip.compress(idx_bytes(images) + bytes(32 << 20), mtime=0)    # 32 MB of zeros after 6 images
    assert len(bomb) < 64 << 10
    (folder / IMAGES).write_bytes(bomb)
    tracemalloc.start()
    try:
        with pytest.raises(data.DatasetError, match=r"train-images-idx3-ubyte\.gz decompresses to more than the "
                                                    r"4,720 bytes its IDX header promises.*gzip bomb"):
            data.load_fashion_mnist("train", download=False)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 2 << 20                                  # the old loader held all 32 MB (and more)


def test_zeros_bomb_is_not_an_idx_file(fake_dataset):
    folder, _, _ = fake_dataset
    (folder / IMAGES).write_bytes(gzip.compress(bytes(4 << 20)))
    with pytest.raises(data.DatasetError, match=r"does not hold an IDX file of unsigned bytes.*b'\\x00\\x00\\x00\\x00'"):
        data.load_fashion_mnist("train", download=False)


def test_header_must_promise_the_upstream_size(fake_dataset):
    folder, _, _ = fake_dataset
    (folder / IMAGES).write_bytes(gzip.compress(idx_bytes(np.zeros((7, 28, 28), np.uint8))))
    with pytest.raises(data.DatasetError, match=r"is not the upstream fashion-mnist file train-images.*shape "
                                                r"\(7, 28, 28\) \(5,504 bytes\), the upstream file has 4,720 bytes"):
        data.load_fashion_mnist("train", download=False)


def test_header_of_unrecorded_size_is_capped(fake_dataset, monkeypatch):
    folder, _, _ = fake_dataset
    huge = bytes([0, 0, 8, 3]) + b"".join(s.to_bytes(4, "big") for s in (100_000_000, 28, 28))
    (folder / IMAGES).write_bytes(gzip.compress(huge + bytes(1000)))
    files = dict(_download._FASHION_MNIST.files)
    files[("train", "images")] = _download._IdxFile(IMAGES, "0" * 32, None)    # no sizes recorded
    monkeypatch.setattr(_download, "_FASHION_MNIST", _download._Dataset(**{**_download._FASHION_MNIST.__dict__,
                                                                         "files": files}))
    with pytest.raises(data.DatasetError, match=r"promises shape \(100000000, 28, 28\).*more than the "
                                                r"67,108,864 bytes accepted"):
        data.load_fashion_mnist("train", download=False)


def test_content_shorter_than_its_header_is_truncated(fake_dataset):
    folder, images, _ = fake_dataset
    (folder / IMAGES).write_bytes(gzip.compress(idx_bytes(images)[:-100]))
    with pytest.raises(data.DatasetError, match=r"is truncated: it decompresses to 4,620 bytes, but its IDX header "
                                                r"promises shape \(6, 28, 28\) \(4,720 bytes\)"):
        data.load_fashion_mnist("train", download=False)


def test_memory_stays_near_the_file_size(fake_dataset, monkeypatch):
    folder, _, _ = fake_dataset
    content = idx_bytes(np.random.default_rng(1).integers(0, 256, (10_000, 28, 28), dtype=np.uint8))
    use_file(folder, monkeypatch, IMAGES, content)
    tracemalloc.start()
    try:
        loaded = _download.idx_content("fashion-mnist", "train", "images", download=False)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert loaded == content and loaded.readonly
    assert peak < len(content) + (3 << 19)              # one copy plus a 1 MiB chunk; the old loader held 2 copies


def test_file_too_large_to_be_upstream_is_refused_unread(fake_dataset):
    folder, _, _ = fake_dataset
    (folder / LABELS).write_bytes(bytes(100_000))
    with pytest.raises(data.DatasetError, match=r"train-labels-idx1-ubyte\.gz has 100,000 bytes, more than the "
                                                r"65,536 accepted.*so it is not that file. Delete it"):
        data.load_fashion_mnist("train", download=False)


def test_empty_file(fake_dataset):
    folder, _, _ = fake_dataset
    (folder / LABELS).write_bytes(b"")
    with pytest.raises(data.DatasetError, match=r"train-labels-idx1-ubyte\.gz is empty \(0 bytes\); the upstream "
                                                r"archive has \d+ bytes\. Delete it"):
        data.load_fashion_mnist("train", download=False)


def test_html_page_saved_as_data_file(fake_dataset):
    folder, _, _ = fake_dataset
    (folder / LABELS).write_bytes(b"\n<!DOCTYPE html><html><body>Access denied</body></html>")
    with pytest.raises(data.DatasetError, match=r"not a valid gzip file .*like an HTML page.*Delete it"):
        data.load_fashion_mnist("train", download=False)


def test_trailing_garbage_after_the_gzip_stream(fake_dataset):
    folder, _, _ = fake_dataset
    path = folder / LABELS
    path.write_bytes(path.read_bytes() + b"garbage")
    with pytest.raises(data.DatasetError, match="not a valid gzip file"):
        data.load_fashion_mnist("train", download=False)


def test_folder_in_place_of_a_file_is_reported_not_skipped(fake_dataset, tmp_path):
    folder, _, _ = fake_dataset
    cache = tmp_path / "cache" / "dlcore" / "fashion-mnist"
    cache.mkdir(parents=True)
    (cache / LABELS).write_bytes((folder / LABELS).read_bytes())    # a good copy further down the search path
    (folder / LABELS).unlink()
    (folder / LABELS).mkdir()
    with pytest.raises(data.DatasetError, match=r"train-labels-idx1-ubyte\.gz is a folder, expected the gzip file"):
        data.load_fashion_mnist("train", download=True)


def test_fifo_in_place_of_a_file(fake_dataset):
    folder, _, _ = fake_dataset
    (folder / LABELS).unlink()
    os.mkfifo(folder / LABELS)                              # opening it would block forever
    with pytest.raises(data.DatasetError, match=r"train-labels-idx1-ubyte\.gz is not a regular file"):
        data.load_fashion_mnist("train", download=False)


@pytest.mark.parametrize("target, reason", [("self", "Too many levels of symbolic links"),
                                            ("missing.gz", "No such file or directory")])
def test_broken_symbolic_link(fake_dataset, target, reason):
    folder, _, _ = fake_dataset
    path = folder / LABELS
    path.unlink()
    path.symlink_to(path if target == "self" else folder / target)
    with pytest.raises(data.DatasetError, match=rf"train-labels-idx1-ubyte\.gz is a symbolic link to .* that cannot "
                                                rf"be followed \({reason}\). Remove or fix the link"):
        data.load_fashion_mnist("train", download=False)


def test_unreadable_file(fake_dataset, monkeypatch):
    open_path = Path.open

    def unreadable(path, *args, **kwargs):          # chmod 0 would not stop root
        if path.name == LABELS:
            raise PermissionError(errno.EACCES, "Permission denied", str(path))
        return open_path(path, *args, **kwargs)
    monkeypatch.setattr(Path, "open", unreadable)
    with pytest.raises(data.DatasetError, match=r"could not read .*train-labels-idx1-ubyte\.gz \(Permission denied\)\. "
                                                r"Make it readable"):
        data.load_fashion_mnist("train", download=False)


def test_missing_data_folder_is_named(fake_dataset, tmp_path, monkeypatch):
    monkeypatch.setenv("DLCORE_DATA", str(tmp_path / "typo"))
    with pytest.raises(data.DatasetError, match=r"searched .*typo/fashion-mnist \(no such folder\)"):
        data.load_fashion_mnist("train", download=False)


# ----------------------------------------------------------------------------- fail-safe: downloads

class FakeResponse:
    """Stands in for what urllib.request.urlopen returns: serves ``payload``, counting the reads."""

    def __init__(self, payload=b"", headers=None, status=200, url=None):
        self.payload, self.headers, self.status, self.reads = payload, headers or {}, status, 0
        if url:
            self.url = url

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def read(self, size):
        self.reads += 1
        out, self.payload = self.payload[:size], self.payload[size:]
        return out


class EndlessResponse(FakeResponse):
    """Sends gzip-looking bytes far beyond any limit (ends at 64 MiB, so that a broken limit fails a test
    instead of filling the disk)."""

    def read(self, size):
        self.reads += 1
        return b"\x1f\x8b" + bytes(size - 2) if self.reads * size <= 64 << 20 else b""


def serve(monkeypatch, answer):
    """Make urlopen return ``answer`` or, if it is an exception, raise it."""
    def urlopen(url, timeout):
        if isinstance(answer, BaseException):
            raise answer
        return answer
    monkeypatch.setattr(_download.urllib.request, "urlopen", urlopen)


@pytest.fixture
def needs_download(fake_dataset, tmp_path):
    """The fake data set without its train labels: loading the train split downloads them into the cache."""
    folder, _, labels = fake_dataset
    good = (folder / LABELS).read_bytes()
    (folder / LABELS).unlink()
    return good, tmp_path / "cache" / "dlcore" / "fashion-mnist", labels


def test_endless_download_is_cut_at_the_limit(needs_download, monkeypatch):
    _, cache, _ = needs_download
    response = EndlessResponse()
    serve(monkeypatch, response)
    with pytest.raises(data.DatasetError, match=r"refused to download http://127\.0\.0\.1:9/train-labels-idx1-ubyte"
                                                r"\.gz: the server sent 1,048,576 bytes or more, but at most 65,536 "
                                                r"bytes are accepted.*Nothing was saved"):
        data.load_fashion_mnist("train", download=True)
    assert response.reads == 1 and list(cache.iterdir()) == []


def test_download_announced_too_large_is_not_read(needs_download, monkeypatch):
    _, cache, _ = needs_download
    response = EndlessResponse(headers={"Content-Length": str(10 ** 10)})
    serve(monkeypatch, response)
    with pytest.raises(data.DatasetError, match=r"the server announces 10,000,000,000 bytes, but at most 65,536"):
        data.load_fashion_mnist("train", download=True)
    assert response.reads == 0 and list(cache.iterdir()) == []


def test_real_limits_are_twice_the_upstream_archives():
    idx = _download._FASHION_MNIST.files[("train", "images")]
    assert idx.max_archive_size == 2 * 26_421_880 and idx.max_content_size == 47_040_016
    for spec in (_download._FASHION_MNIST, _download._MNIST):
        sizes = {key: idx.content_size for key, idx in spec.files.items()}
        assert sizes == {("train", "images"): 47_040_016, ("test", "images"): 7_840_016,
                         ("train", "labels"): 60_008, ("test", "labels"): 10_008}
        assert all(idx.archive_size < idx.content_size for idx in spec.files.values())


def test_download_is_verified_before_it_takes_its_name(needs_download, monkeypatch):
    good, cache, labels = needs_download
    serve(monkeypatch, FakeResponse(good))
    verify = _download._verified_content

    def spy(path, *args, **kwargs):
        if path.parent == cache:                            # the download, not the local images
            assert path.name.endswith(".part") and not (cache / LABELS).exists()
            checked.append(path)
        return verify(path, *args, **kwargs)
    checked = []
    monkeypatch.setattr(_download, "_verified_content", spy)
    _, y = data.load_fashion_mnist("train", download=True)
    assert len(checked) == 1 and y.tolist() == labels.tolist() and [p.name for p in cache.iterdir()] == [LABELS]


@pytest.mark.parametrize("error, message", [
    (urllib.error.HTTPError("http://127.0.0.1:9/x", 404, "Not Found", {}, None),
     r"the server answered HTTP 404 Not Found\. The file may have moved"),
    (urllib.error.URLError(TimeoutError("timed out")), r"\(no answer within 60 s\)\. Check the network connection"),
    (TimeoutError("timed out"), r"\(no answer within 60 s\)"),
    (urllib.error.URLError(ConnectionRefusedError(111, "Connection refused")), r"Connection refused.*Check the network"),
    (http.client.RemoteDisconnected("Remote end closed connection without response"), "Remote end closed"),
])
def test_network_failures_name_the_url(needs_download, monkeypatch, error, message):
    _, cache, _ = needs_download
    serve(monkeypatch, error)
    with pytest.raises(data.DatasetError, match=r"could not download http://127\.0\.0\.1:9/train-labels-idx1-ubyte"
                                                r"\.gz.*" + message + r".*apt-get install"):
        data.load_fashion_mnist("train", download=True)
    assert list(cache.iterdir()) == []


@pytest.mark.parametrize("failure, message", [
    (TimeoutError("timed out"), r"no answer within 60 s"),
    (http.client.IncompleteRead(b"x" * 10, 90), r"IncompleteRead\(10 bytes read, 90 more expected\)"),
])
def test_failure_while_receiving(needs_download, monkeypatch, failure, message):
    good, cache, _ = needs_download

    class Failing(FakeResponse):
        def read(self, size):
            if self.reads:
                raise failure
            return super().read(10)
    serve(monkeypatch, Failing(good))
    with pytest.raises(data.DatasetError, match=r"could not download http://.*train-labels.*" + message):
        data.load_fashion_mnist("train", download=True)
    assert list(cache.iterdir()) == []


def test_redirect_to_a_login_page(needs_download, monkeypatch):
    _, cache, _ = needs_download
    serve(monkeypatch, FakeResponse(b"<html>Please log in</html>", {"Content-Type": "text/html; charset=utf-8"},
                                    url="http://portal.example/login"))
    with pytest.raises(data.DatasetError, match=r"could not download http://127\.0\.0\.1:9/train-labels-idx1-ubyte\.gz "
                                                r"\(redirected to http://portal\.example/login\): the server sent a web "
                                                r"page \(Content-Type text/html; charset=utf-8\), not the gzip file"):
        data.load_fashion_mnist("train", download=True)
    assert list(cache.iterdir()) == []


def test_html_page_without_content_type(needs_download, monkeypatch):
    _, cache, _ = needs_download
    serve(monkeypatch, FakeResponse(b"<!DOCTYPE html><title>404</title>"))
    with pytest.raises(data.DatasetError, match=r"the file downloaded from http://127\.0\.0\.1:9/train-labels.* is "
                                                r"truncated or not a valid gzip file .*like an HTML page.*It was not saved"):
        data.load_fashion_mnist("train", download=True)
    assert list(cache.iterdir()) == []


@pytest.mark.parametrize("response, message", [
    (FakeResponse(b""), r"could not download http://.*: the server sent an empty answer \(0 bytes\)"),
    (FakeResponse(b"\x1f\x8b" * 50, {"Content-Length": "5000"}),
     r"the download of http://.*train-labels.* was cut off: 100 of the 5,000 bytes the server announced arrived"),
    (FakeResponse(b"\x1f\x8b", status=206), r"the server answered HTTP 206, expected 200"),
])
def test_bad_answers(needs_download, monkeypatch, response, message):
    _, cache, _ = needs_download
    serve(monkeypatch, response)
    with pytest.raises(data.DatasetError, match=message):
        data.load_fashion_mnist("train", download=True)
    assert list(cache.iterdir()) == []


@pytest.mark.parametrize("error, problem", [
    (PermissionError(errno.EACCES, "Permission denied"), "is not writable"),
    (OSError(errno.EROFS, "Read-only file system"), "is not writable"),
])
def test_unwritable_cache_folder_is_not_a_network_problem(needs_download, monkeypatch, error, problem):
    _, cache, _ = needs_download
    serve(monkeypatch, AssertionError("nothing should be downloaded"))

    def mkstemp(**kwargs):
        raise error
    monkeypatch.setattr(_download.tempfile, "mkstemp", mkstemp)
    with pytest.raises(data.DatasetError) as caught:
        data.load_fashion_mnist("train", download=True)
    message = str(caught.value)
    assert f"the download folder {cache} {problem}" in message and "network" not in message
    assert "XDG_CACHE_HOME" in message and "DLCORE_DATA=<dir>" in message


def test_cache_folder_that_cannot_be_created(needs_download, tmp_path, monkeypatch):
    (tmp_path / "not-a-folder").write_text("")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "not-a-folder"))
    with pytest.raises(data.DatasetError, match=r"the download folder .*not-a-folder/dlcore/fashion-mnist cannot be "
                                                r"created or written to .*XDG_CACHE_HOME"):
        data.load_fashion_mnist("train", download=True)


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
def test_full_disk(needs_download, monkeypatch):
    good, cache, _ = needs_download
    serve(monkeypatch, FakeResponse(good))
    made = []

    def mkstemp(dir, prefix, suffix):
        made.append(Path(dir) / (prefix + "1" + suffix))
        made[-1].write_bytes(b"")
        return os.open("/dev/full", os.O_WRONLY), str(made[-1])
    monkeypatch.setattr(_download.tempfile, "mkstemp", mkstemp)
    with pytest.raises(data.DatasetError, match=rf"the download folder {cache} is on a full disk \(.*No space left"):
        data.load_fashion_mnist("train", download=True)
    assert list(cache.iterdir()) == []


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
