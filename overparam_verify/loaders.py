"""Binary classification data for the ZCZG experiments (000 Section 6).

ZCZG 000 §6 trains on MNIST digits 3 vs 8 and CIFAR-10 "cat" vs "ship". This module loads

* ``digits`` — scikit-learn's bundled 8×8 handwritten digits (real data, no download), 3 vs 8;
* ``mnist-file`` — MNIST IDX files (``*-idx3-ubyte`` / ``*-idx1-ubyte``, optionally ``.gz``)
  from a local path;
* ``cifar-file`` — CIFAR-10 python pickled batches (``data_batch_*`` / ``test_batch``) from a
  local path;

and preprocesses inputs to the papers' assumptions: ‖x_i‖₂ = 1 with last coordinate
``x_{i,d} = μ`` (003 Assumption 3.6 / 000 Assumption 4.1; AZLS footnote: μ = 1/√2).
Malformed files raise ``ValueError`` naming the problem.
"""
from __future__ import annotations

import gzip
import math
import pickle
import struct
from pathlib import Path

import numpy as np

__all__ = [
    "DATASETS",
    "CIFAR_CLASSES",
    "load_idx",
    "load_mnist",
    "load_cifar10",
    "load_digits_binary",
    "to_binary",
    "preprocess",
    "load_binary",
]

DATASETS = ("digits", "mnist-file", "cifar-file")
#: CIFAR-10 label names (index = label)
CIFAR_CLASSES = ("airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck")

_IDX_DTYPES = {
    0x08: np.dtype(np.uint8),
    0x09: np.dtype(np.int8),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}


def _read_bytes(path: Path) -> bytes:
    path = Path(path)
    if not path.is_file():
        raise ValueError(f"data file {str(path)!r} does not exist")
    raw = path.read_bytes()
    if path.suffix == ".gz" or raw[:2] == b"\x1f\x8b":
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError) as exc:
            raise ValueError(f"{str(path)!r}: corrupt gzip data ({exc})") from None
    return raw


def load_idx(path: str | Path) -> np.ndarray:
    """Read one IDX file (the MNIST format: 2 zero bytes, a type code, the number of dimensions,
    the big-endian int32 sizes, then the data); ``.gz`` is decompressed."""
    raw = _read_bytes(Path(path))
    if len(raw) < 4:
        raise ValueError(f"{str(path)!r}: not an IDX file (shorter than the 4-byte magic number)")
    zero, code, ndim = struct.unpack(">HBB", raw[:4])
    if zero != 0:
        raise ValueError(f"{str(path)!r}: not an IDX file (magic number must start with two zero bytes)")
    if code not in _IDX_DTYPES:
        raise ValueError(f"{str(path)!r}: unknown IDX data type code 0x{code:02x}")
    if ndim < 1:
        raise ValueError(f"{str(path)!r}: IDX file with 0 dimensions")
    head = 4 + 4 * ndim
    if len(raw) < head:
        raise ValueError(f"{str(path)!r}: truncated IDX header ({ndim} dimensions announced)")
    dims = struct.unpack(">" + "I" * ndim, raw[4:head])
    dt = _IDX_DTYPES[code]
    need = int(np.prod(dims)) * dt.itemsize
    if len(raw) - head != need:
        raise ValueError(
            f"{str(path)!r}: IDX payload has {len(raw) - head} bytes but the header's shape {dims} "
            f"needs {need}"
        )
    return np.frombuffer(raw, dtype=dt, offset=head).reshape(dims).astype(dt.newbyteorder("="))


def _find(directory: Path, stems: list[str]) -> Path:
    for stem in stems:
        for cand in (directory / stem, directory / (stem + ".gz")):
            if cand.is_file():
                return cand
    raise ValueError(f"no file named {' or '.join(stems)} (optionally .gz) in {str(directory)!r}")


def load_mnist(path: str | Path, *, split: str = "train") -> tuple[np.ndarray, np.ndarray]:
    """MNIST images ``(n, 784)`` float64 in [0, 255] and labels ``(n,)`` from a directory holding
    ``{split}-images-idx3-ubyte[.gz]`` and ``{split}-labels-idx1-ubyte[.gz]`` (``split`` is
    "train" or "t10k")."""
    d = Path(path)
    if not d.is_dir():
        raise ValueError(f"MNIST path {str(d)!r} must be a directory holding the IDX files")
    imgs = load_idx(_find(d, [f"{split}-images-idx3-ubyte", f"{split}-images.idx3-ubyte"]))
    labs = load_idx(_find(d, [f"{split}-labels-idx1-ubyte", f"{split}-labels.idx1-ubyte"]))
    if imgs.ndim != 3:
        raise ValueError(f"MNIST images must be a 3-dimensional IDX array (n, rows, cols), got shape {imgs.shape}")
    if labs.ndim != 1:
        raise ValueError(f"MNIST labels must be a 1-dimensional IDX array, got shape {labs.shape}")
    if imgs.shape[0] != labs.shape[0]:
        raise ValueError(f"MNIST images ({imgs.shape[0]}) and labels ({labs.shape[0]}) differ in number")
    return imgs.reshape(imgs.shape[0], -1).astype(np.float64), labs.astype(np.int64)


def _load_cifar_batch(f: Path) -> tuple[np.ndarray, np.ndarray]:
    try:
        with open(f, "rb") as fh:
            obj = pickle.load(fh, encoding="bytes")
    except Exception as exc:  # noqa: BLE001 - any unpickling failure is a malformed file
        raise ValueError(f"{str(f)!r}: not a CIFAR-10 python batch (unpickling failed: {exc})") from None
    if not isinstance(obj, dict):
        raise ValueError(f"{str(f)!r}: a CIFAR-10 batch must be a pickled dict, got {type(obj).__name__}")
    obj = {(k.decode() if isinstance(k, bytes) else k): v for k, v in obj.items()}
    if "data" not in obj or "labels" not in obj:
        raise ValueError(f"{str(f)!r}: a CIFAR-10 batch needs the keys 'data' and 'labels', got {sorted(obj)}")
    data = np.asarray(obj["data"])
    labels = np.asarray(obj["labels"], dtype=np.int64)
    if data.ndim != 2 or data.shape[1] != 3072:
        raise ValueError(f"{str(f)!r}: CIFAR-10 'data' must have shape (n, 3072), got {data.shape}")
    if labels.shape != (data.shape[0],):
        raise ValueError(f"{str(f)!r}: {labels.shape[0]} labels for {data.shape[0]} images")
    return data.astype(np.float64), labels


def load_cifar10(path: str | Path) -> tuple[np.ndarray, np.ndarray]:
    """CIFAR-10 images ``(n, 3072)`` float64 in [0, 255] and labels from a python batch file or a
    directory of ``data_batch_*`` files (``cifar-10-batches-py``)."""
    p = Path(path)
    if p.is_file():
        files = [p]
    elif p.is_dir():
        files = sorted(p.glob("data_batch_*"))
        if not files:
            raise ValueError(f"no data_batch_* files in {str(p)!r}")
    else:
        raise ValueError(f"CIFAR-10 path {str(p)!r} does not exist")
    parts = [_load_cifar_batch(f) for f in files]
    return np.concatenate([a for a, _ in parts]), np.concatenate([b for _, b in parts])


def load_digits_binary() -> tuple[np.ndarray, np.ndarray]:
    """scikit-learn's handwritten digits (8×8, 0..16), all ten classes."""
    from sklearn.datasets import load_digits

    ds = load_digits()
    return np.asarray(ds.data, dtype=np.float64), np.asarray(ds.target, dtype=np.int64)


def to_binary(X: np.ndarray, labels: np.ndarray, classes: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    """Keep the two ``classes``; labels become +1 (first class) / −1 (second)."""
    a, b = classes
    keep = (labels == a) | (labels == b)
    if not keep.any() or not (labels == a).any() or not (labels == b).any():
        raise ValueError(f"the data must contain both classes {a} and {b}")
    return X[keep], np.where(labels[keep] == a, 1.0, -1.0)


def preprocess(X: np.ndarray, *, mu: float = 1.0 / math.sqrt(2.0)) -> np.ndarray:
    """Map raw inputs to the papers' assumptions: centre the features, scale each row to norm
    √(1−μ²) and append the coordinate μ, so ‖x_i‖₂ = 1 and x_{i,d} = μ (003 Assumption 3.6;
    AZLS footnote 4 uses μ = 1/√2). Rows that are zero after centring get a unit first entry."""
    if not 0.0 < mu < 1.0:
        raise ValueError(f"mu must lie in (0, 1), got mu={mu!r}")
    X = np.asarray(X, dtype=np.float64)
    if X.ndim != 2 or X.shape[0] == 0:
        raise ValueError(f"X must be a non-empty (n, D) array, got shape {X.shape}")
    Z = X - X.mean(axis=0, keepdims=True)
    nrm = np.linalg.norm(Z, axis=1, keepdims=True)
    zero = nrm[:, 0] == 0
    Z[zero, 0] = 1.0
    nrm[zero] = 1.0
    Z = Z / nrm * math.sqrt(1.0 - mu * mu)
    return np.concatenate([Z, np.full((X.shape[0], 1), mu)], axis=1)


def load_binary(
    name: str = "digits",
    path: str | Path | None = None,
    *,
    max_samples: int | None = None,
    mu: float = 1.0 / math.sqrt(2.0),
    seed: int = 0,
):
    """The binary task of ZCZG 000 §6 as float64 tensors ``(X (n, d), y (n,) ∈ {±1})``:
    digits/MNIST 3 vs 8, CIFAR-10 cat (3) vs ship (8); at most ``max_samples`` rows (a seeded
    random subset), preprocessed by :func:`preprocess`."""
    import torch

    if name not in DATASETS:
        raise ValueError(f"unknown data set {name!r}; choose one of {DATASETS}")
    if name == "digits":
        raw, labels = load_digits_binary()
    else:
        if path is None:
            raise ValueError(f"--data {name} needs a data path (--data-path)")
        raw, labels = load_mnist(path) if name == "mnist-file" else load_cifar10(path)
    X, y = to_binary(raw, labels, (3, 8))
    if max_samples is not None:
        if max_samples < 2:
            raise ValueError(f"max_samples must be ≥ 2, got {max_samples}")
        if X.shape[0] > max_samples:
            idx = np.sort(np.random.default_rng(seed).choice(X.shape[0], max_samples, replace=False))
            X, y = X[idx], y[idx]
    Xp = preprocess(X, mu=mu)
    return torch.from_numpy(Xp), torch.from_numpy(np.ascontiguousarray(y))
