"""Finding, verifying and downloading the IDX files behind :mod:`dlcore.data`'s loaders.

Each file is looked for in this order:

1. the folder named by the environment variable ``DLCORE_DATA`` (``$DLCORE_DATA/<dataset>/``),
2. the user cache (``$XDG_CACHE_HOME/dlcore/<dataset>/``, by default ``~/.cache/dlcore/<dataset>/``),
3. the Debian package (``/usr/share/datasets/fashion-mnist/`` from ``dataset-fashion-mnist``),
4. the upstream URL, downloaded into the user cache (Colab, Binder), only when ``download=True``.

Every file found is verified before use: it must be byte-identical to the upstream archive
(MD5 published upstream) or decompress to the upstream content (SHA-256 of the IDX bytes, which
is what Debian's repacked archives match). A missing, truncated or corrupt file raises
:class:`DatasetError` naming the file and how to get a good copy; garbage is never returned.
Something else under a data file's name (a folder, a broken or looping link, an empty file) is
reported too, never skipped.

Memory and disk stay bounded by the known sizes of the upstream files. A file is read as a
stream: its MD5 is computed on the way and it is decompressed into a buffer of exactly the size
its IDX header promises (which must be the recorded upstream size), so a gzip bomb is refused
after that many bytes. A file larger than twice the upstream archive is refused unread, and a
download is cut off at that size. A download goes to a temporary file next to its target, is
verified, and only then takes the target's name: a failed download leaves no file behind.
Nothing is downloaded at import time.
"""

from __future__ import annotations

import contextlib
import errno
import gzip
import hashlib
import http.client
import math
import os
import stat
import tempfile
import urllib.error
import urllib.request
import zlib
from dataclasses import dataclass
from pathlib import Path

_CHUNK = 1 << 20                 # bytes read, written or decompressed at a time
_UNRECORDED_LIMIT = 64 << 20     # size cap for an archive or content whose upstream size is not recorded
_MIN_ARCHIVE_LIMIT = 1 << 16     # a repacked small archive (labels) may well be more than twice as big
_TIMEOUT = 60.0                  # seconds without an answer before a download is given up


class DatasetError(OSError):
    """A data file is missing, truncated or corrupt. The message says which file and what to do."""


@dataclass(frozen=True)
class _IdxFile:
    """One upstream file: its name, the MD5 and size of the .gz archive, the SHA-256 and size of its content.

    A size or the SHA-256 is None where it is not recorded; sizes are in bytes.
    """

    name: str
    archive_md5: str
    content_sha256: str | None  # None where no repacked copy is known
    archive_size: int | None = None
    content_size: int | None = None

    @property
    def max_archive_size(self) -> int:
        """The largest .gz file accepted (on disk or as a download): twice the upstream archive."""
        if self.archive_size is None:
            return _UNRECORDED_LIMIT
        return max(2 * self.archive_size, _MIN_ARCHIVE_LIMIT)

    @property
    def max_content_size(self) -> int:
        """The largest decompressed IDX file accepted: the upstream size when it is recorded."""
        return _UNRECORDED_LIMIT if self.content_size is None else self.content_size


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
            "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888", 26_421_880, 47_040_016),
        ("train", "labels"): _IdxFile(
            "train-labels-idx1-ubyte.gz", "25c81989df183df01b3e8a0aad5dffbe",
            "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9", 29_515, 60_008),
        ("test", "images"): _IdxFile(
            "t10k-images-idx3-ubyte.gz", "bef4ecab320f06d8554ea6380940ec79",
            "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b", 4_422_102, 7_840_016),
        ("test", "labels"): _IdxFile(
            "t10k-labels-idx1-ubyte.gz", "bb300cfdad3c16e7a12a480ee83cd310",
            "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34", 5_148, 10_008),
    },
)

_MNIST = _Dataset(
    name="mnist",
    url="https://storage.googleapis.com/cvdf-datasets/mnist/",
    debian_dir=None,
    debian_package=None,
    files={
        ("train", "images"): _IdxFile("train-images-idx3-ubyte.gz", "f68b3c2dcbeaaa9fbdd348bbdeb94873", None,
                                      9_912_422, 47_040_016),
        ("train", "labels"): _IdxFile("train-labels-idx1-ubyte.gz", "d53e105ee54ea40749a09fcbcd1e9432", None,
                                      28_881, 60_008),
        ("test", "images"): _IdxFile("t10k-images-idx3-ubyte.gz", "9fb629c4189551a2d022fa330f9573f3", None,
                                     1_648_877, 7_840_016),
        ("test", "labels"): _IdxFile("t10k-labels-idx1-ubyte.gz", "ec29112dd5afa0611ce80d1b7f02629c", None,
                                     4_542, 10_008),
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


def _replace_advice(spec: _Dataset, idx: _IdxFile) -> str:
    return "Delete it and get a fresh copy: " + _how_to_get(spec, idx)


def _is_present(path: Path, spec: _Dataset, idx: _IdxFile) -> bool:
    """True if ``path`` is a regular file (or a link to one), False if nothing has that name.

    Anything else under that name is a bad input, not a reason to look elsewhere: a folder, a
    device, a broken or looping symbolic link, or a folder that may not be looked into each
    raise :class:`DatasetError` naming ``path``.
    """
    try:
        path.lstat()
    except (FileNotFoundError, NotADirectoryError):
        return False
    except OSError as err:
        raise DatasetError(f"cannot look for {path} ({err.strerror}). Make {path.parent} readable, "
                           "or get the file elsewhere: " + _how_to_get(spec, idx)) from None
    try:
        mode = path.stat().st_mode
    except OSError as err:
        raise DatasetError(f"{path} is a symbolic link to {_link_target(path)} that cannot be followed "
                           f"({err.strerror}). Remove or fix the link, then: "
                           + _how_to_get(spec, idx)) from None
    if stat.S_ISREG(mode):
        return True
    kind = "a folder" if stat.S_ISDIR(mode) else "not a regular file"
    raise DatasetError(f"{path} is {kind}, expected the gzip file {idx.name}. Move it away, then: "
                       + _how_to_get(spec, idx))


def _link_target(path: Path) -> str:
    try:
        return repr(os.readlink(path))
    except OSError:
        return "an unreadable target"


def _describe_folder(folder: Path) -> str:
    return str(folder) if folder.is_dir() else f"{folder} (no such folder)"


# ----------------------------------------------------------------------------- reading and checking

class _HashingReader:
    """A binary file opened for reading that feeds every byte read through it into ``digest``."""

    def __init__(self, file, digest):
        self._file = file
        self.digest = digest

    def read(self, size: int = -1) -> bytes:
        data = self._file.read(size)
        self.digest.update(data)
        return data


def _verified_content(path: Path, spec: _Dataset, idx: _IdxFile, what: str | None = None,
                      advice: str | None = None) -> memoryview:
    """The decompressed IDX bytes of ``path`` (read-only), after checking them against upstream.

    ``path`` is read once, in chunks, and its MD5 computed on the way; the content is never
    larger than the size its IDX header promises (see :func:`_decompress_idx`). ``what`` names
    the file in messages (default: its path) and ``advice`` says what to do about a bad one.
    """
    what = what or str(path)
    advice = advice or _replace_advice(spec, idx)
    md5 = hashlib.md5(usedforsecurity=False)
    try:
        _check_archive_size(path.stat().st_size, what, idx, advice)
        with path.open("rb") as file:
            reader = _HashingReader(file, md5)
            with gzip.GzipFile(fileobj=reader, mode="rb") as archive:
                content = _decompress_idx(archive, what, spec, idx, advice)
            while reader.read(_CHUNK):  # whatever follows the gzip stream counts for the MD5 too
                pass
    except (gzip.BadGzipFile, EOFError, zlib.error) as err:
        raise DatasetError(f"{what} is truncated or not a valid gzip file ({err}{_html_hint(path)}). "
                           + advice) from None
    except DatasetError:
        raise
    except OSError as err:
        raise DatasetError(f"could not read {what} ({err.strerror or err}). Make it readable, or delete it and "
                           "get a fresh copy: " + _how_to_get(spec, idx)) from None
    if md5.hexdigest() != idx.archive_md5 and not _content_matches(content, idx):
        raise DatasetError(f"{what} does not match the checksum of the upstream {spec.name} file {idx.name} "
                           "(corrupt or a different data set). " + advice)
    return content


def _content_matches(content: memoryview, idx: _IdxFile) -> bool:
    return idx.content_sha256 is not None and hashlib.sha256(content).hexdigest() == idx.content_sha256


def _check_archive_size(size: int, what: str, idx: _IdxFile, advice: str) -> None:
    """Refuse an empty archive, or one too large to be the upstream file, before reading it."""
    expected = (f"the upstream archive has {idx.archive_size:,} bytes" if idx.archive_size
                else "expected a gzip file")
    if size == 0:
        raise DatasetError(f"{what} is empty (0 bytes); {expected}. " + advice)
    if size > idx.max_archive_size:
        raise DatasetError(f"{what} has {size:,} bytes, more than the {idx.max_archive_size:,} accepted for "
                           f"{idx.name} ({expected}), so it is not that file. " + advice)


def _html_hint(path: Path) -> str:
    """A hint for a file that starts like an HTML page (an error or network login page saved as data)."""
    try:
        with path.open("rb") as file:
            start = file.read(512).lstrip()
    except OSError:
        return ""
    return "; it starts with '<' like an HTML page, not gzip data" if start.startswith(b"<") else ""


def _decompress_idx(archive: gzip.GzipFile, what: str, spec: _Dataset, idx: _IdxFile,
                    advice: str) -> memoryview:
    """Decompress an IDX file into a buffer of exactly the size its header promises.

    The promised size must be the recorded upstream size (or at most 64 MiB when none is
    recorded). Decompression stops one byte past it: more data is a gzip bomb or a corrupt
    file, less is a truncated one; both raise :class:`DatasetError`.
    """
    header, shape = _read_idx_header(archive, what, advice)
    size = _promised_size(header, shape, what, spec, idx, advice)
    buffer = bytearray(size)
    view = memoryview(buffer)
    view[:len(header)] = header
    filled = len(header)
    while filled < size:
        count = archive.readinto(view[filled:filled + _CHUNK])
        if not count:
            raise DatasetError(f"{what} is truncated: it decompresses to {filled:,} bytes, but its IDX header "
                               f"promises shape {shape} ({size:,} bytes). " + advice)
        filled += count
    if archive.read(1):
        raise DatasetError(f"{what} decompresses to more than the {size:,} bytes its IDX header promises "
                           f"(shape {shape}): it is corrupt or a gzip bomb, and was not decompressed further. "
                           + advice)
    return view.toreadonly()


def _read_idx_header(archive: gzip.GzipFile, what: str, advice: str) -> tuple[bytes, tuple[int, ...]]:
    """Read an IDX header (0, 0, type 0x08, ndim, then ndim big-endian uint32 sizes); return it, the shape."""
    magic = archive.read(4)
    if len(magic) < 4 or magic[:3] != b"\x00\x00\x08":
        raise DatasetError(f"{what} does not hold an IDX file of unsigned bytes: its content starts with "
                           f"{magic!r}, expected b'\\x00\\x00\\x08' and the number of dimensions. " + advice)
    sizes = archive.read(4 * magic[3])
    if len(sizes) < 4 * magic[3]:
        raise DatasetError(f"{what} is truncated inside its IDX header (expected {magic[3]} dimensions). "
                           + advice)
    shape = tuple(int.from_bytes(sizes[i:i + 4], "big") for i in range(0, len(sizes), 4))
    return magic + sizes, shape


def _promised_size(header: bytes, shape: tuple[int, ...], what: str, spec: _Dataset, idx: _IdxFile,
                   advice: str) -> int:
    """The size of the IDX file ``header`` describes, refused if it is not the expected one."""
    size = len(header) + math.prod(shape)
    if idx.content_size is not None and size != idx.content_size:
        raise DatasetError(f"{what} is not the upstream {spec.name} file {idx.name}: its IDX header promises "
                           f"shape {shape} ({size:,} bytes), the upstream file has {idx.content_size:,} bytes. "
                           + advice)
    if size > idx.max_content_size:
        raise DatasetError(f"{what}: its IDX header promises shape {shape} ({size:,} bytes), more than the "
                           f"{idx.max_content_size:,} bytes accepted. " + advice)
    return size


# ----------------------------------------------------------------------------- downloading

def _choose_folder_advice(spec: _Dataset) -> str:
    return (f"Make it writable, or choose another folder: set the environment variable XDG_CACHE_HOME "
            f"to a writable folder (downloads go to $XDG_CACHE_HOME/dlcore/{spec.name}/), or put the "
            f"upstream files into a folder <dir>/{spec.name}/ yourself and set DLCORE_DATA=<dir>.")


@contextlib.contextmanager
def _folder_errors(folder: Path, spec: _Dataset):
    """Turn a failure to create or write into the download folder into a DatasetError naming it."""
    try:
        yield
    except OSError as err:
        if err.errno in (errno.ENOSPC, errno.EDQUOT):
            problem = "is on a full disk"
        elif isinstance(err, PermissionError) or err.errno == errno.EROFS:
            problem = "is not writable"
        else:
            problem = "cannot be created or written to"
        raise DatasetError(f"the download folder {folder} {problem} ({err}). "
                           + _choose_folder_advice(spec)) from None


@contextlib.contextmanager
def _network_errors(url: str, spec: _Dataset, idx: _IdxFile):
    """Turn a failure to reach the server or to receive the answer into a DatasetError naming ``url``."""
    try:
        yield
    except DatasetError:
        raise
    except urllib.error.HTTPError as err:
        err.close()
        raise DatasetError(f"could not download {url}: the server answered HTTP {err.code} {err.reason}. "
                           "The file may have moved or the server be down; try again later, or: "
                           + _how_to_get(spec, idx)) from None
    except (OSError, http.client.HTTPException) as err:
        reason = err.reason if isinstance(err, urllib.error.URLError) else err
        if isinstance(reason, TimeoutError):
            reason = f"no answer within {_TIMEOUT:.0f} s"
        raise DatasetError(f"could not download {url} ({reason}). Check the network connection, or: "
                           + _how_to_get(spec, idx)) from None


def _download_into_cache(spec: _Dataset, idx: _IdxFile) -> memoryview:
    """Download one file into the user cache and return its verified content.

    The download is written to a temporary file next to its target, verified, and only then
    renamed to the target (``os.replace``): a failed, cut off or wrong download leaves no file.
    """
    url = spec.url + idx.name
    folder = _cache_dir() / spec.name
    with _folder_errors(folder, spec):
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(dir=folder, prefix=idx.name, suffix=".part")
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb", buffering=0) as file:  # unbuffered: a write error shows at the write
            _fetch(url, file, folder, spec, idx)
        content = _verified_content(tmp, spec, idx, what=f"the file downloaded from {url}",
                                    advice="It was not saved. Try again later, or: " + _how_to_get(spec, idx))
        with _folder_errors(folder, spec):
            os.replace(tmp, folder / idx.name)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return content


def _fetch(url: str, file, folder: Path, spec: _Dataset, idx: _IdxFile) -> None:
    """Copy the answer for ``url`` into the unbuffered ``file``, at most ``idx.max_archive_size`` bytes."""
    with _network_errors(url, spec, idx):
        response = urllib.request.urlopen(url, timeout=_TIMEOUT)
    with response:
        announced = _check_response(response, url, spec, idx)
        received = 0
        while True:
            with _network_errors(url, spec, idx):
                chunk = response.read(_CHUNK)
            if not chunk:
                break
            received += len(chunk)
            if received > idx.max_archive_size:
                raise _too_large(url, f"the server sent {received:,} bytes or more", spec, idx)
            with _folder_errors(folder, spec):
                _write_all(file, chunk)
    _check_received(received, announced, url, spec, idx)


def _write_all(file, data: bytes) -> None:
    """Write all of ``data`` to the unbuffered ``file`` (a raw write may take only part of it)."""
    view = memoryview(data)
    while view:
        view = view[file.write(view):]


def _check_response(response, url: str, spec: _Dataset, idx: _IdxFile) -> int | None:
    """Refuse an answer that cannot be the file, before reading it; return the announced length.

    Refused: an HTTP status other than 200, an HTML page (a network login page, or a moved URL
    redirected to a web page) and an announced length above ``idx.max_archive_size``.
    """
    status = getattr(response, "status", None)
    final_url = getattr(response, "url", None) or url
    moved = f" (redirected to {final_url})" if final_url != url else ""
    if status is not None and status != 200:
        raise DatasetError(f"could not download {url}{moved}: the server answered HTTP {status}, expected 200. "
                           "Try again later, or: " + _how_to_get(spec, idx))
    headers = getattr(response, "headers", None) or {}
    content_type = headers.get("Content-Type") or ""
    if content_type.split(";")[0].strip().lower() in ("text/html", "application/xhtml+xml"):
        raise DatasetError(f"could not download {url}{moved}: the server sent a web page (Content-Type "
                           f"{content_type}), not the gzip file. A network login page (hotel or campus Wi-Fi) "
                           "or a moved URL does this: log in to the network and try again, or: "
                           + _how_to_get(spec, idx))
    try:
        announced = int(headers.get("Content-Length"))
    except (TypeError, ValueError):
        return None
    if announced > idx.max_archive_size:
        raise _too_large(url, f"the server announces {announced:,} bytes", spec, idx)
    return announced


def _too_large(url: str, what_came: str, spec: _Dataset, idx: _IdxFile) -> DatasetError:
    upstream = f" (the upstream file has {idx.archive_size:,})" if idx.archive_size else ""
    return DatasetError(f"refused to download {url}: {what_came}, but at most {idx.max_archive_size:,} bytes "
                        f"are accepted for {idx.name}{upstream}, so the server is not sending that file. "
                        "Nothing was saved. Get the file another way: " + _how_to_get(spec, idx))


def _check_received(received: int, announced: int | None, url: str, spec: _Dataset, idx: _IdxFile) -> None:
    """Refuse an empty answer, or one shorter than the length the server announced."""
    if received == 0:
        raise DatasetError(f"could not download {url}: the server sent an empty answer (0 bytes). "
                           "Try again later, or: " + _how_to_get(spec, idx))
    if announced is not None and received != announced:
        raise DatasetError(f"the download of {url} was cut off: {received:,} of the {announced:,} bytes the "
                           "server announced arrived. Try again, or: " + _how_to_get(spec, idx))


# ----------------------------------------------------------------------------- entry point

def idx_content(dataset: str, split: str, kind: str, download: bool) -> memoryview:
    """The verified, decompressed bytes of one IDX file of ``dataset`` ("fashion-mnist" or "mnist").

    ``split`` is "train" or "test", ``kind`` "images" or "labels". The file is taken from the
    first folder of :func:`data_search_path` that has it, else downloaded into the user cache
    when ``download`` is True; otherwise :class:`DatasetError` says where it looked. The bytes
    come as a read-only memoryview, so that they are held in memory only once.
    """
    spec = _dataset(dataset)
    idx = spec.files[(split, kind)]
    for folder in data_search_path(spec.name):
        if _is_present(folder / idx.name, spec, idx):
            return _verified_content(folder / idx.name, spec, idx)
    if not download:
        searched = ", ".join(_describe_folder(f) for f in data_search_path(spec.name))
        raise DatasetError(f"{spec.name} file {idx.name} not found (searched {searched}). To get it: "
                           + _how_to_get(spec, idx))
    return _download_into_cache(spec, idx)
