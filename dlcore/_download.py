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
Nothing is downloaded at import time.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import tempfile
import urllib.request
import zlib
from dataclasses import dataclass
from pathlib import Path


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


# ----------------------------------------------------------------------------- checking and downloading

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


def _fetch(url: str, target: Path, timeout: float = 60.0) -> None:
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


def idx_content(dataset: str, split: str, kind: str, download: bool) -> bytes:
    """The verified, decompressed bytes of one IDX file of ``dataset`` ("fashion-mnist" or "mnist").

    ``split`` is "train" or "test", ``kind`` "images" or "labels". The file is taken from the
    first folder of :func:`data_search_path` that has it, else downloaded into the user cache
    when ``download`` is True; otherwise :class:`DatasetError` says where it looked.
    """
    spec = _dataset(dataset)
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
        _fetch(spec.url + idx.name, target)
    except OSError as err:
        raise DatasetError(f"could not download {spec.url}{idx.name} ({err}). "
                           "Check the network, or: " + _how_to_get(spec, idx)) from None
    try:
        return _verified_content(target, spec, idx)
    except DatasetError:
        target.unlink(missing_ok=True)
        raise
