"""Loaders for the ZCZG 000 §6 data: IDX (MNIST) and CIFAR-10 python batches written by the tests."""
from __future__ import annotations

import gzip
import math
import pickle
import struct

import numpy as np
import pytest

from overparam_verify import loaders


def write_idx(path, arr: np.ndarray, gz: bool = False) -> None:
    head = struct.pack(">HBB", 0, 0x08, arr.ndim) + struct.pack(">" + "I" * arr.ndim, *arr.shape)
    blob = head + arr.astype(np.uint8).tobytes()
    path.write_bytes(gzip.compress(blob) if gz else blob)


def tiny_mnist(tmp_path, gz=False, n=12):
    rng = np.random.default_rng(0)
    imgs = rng.integers(0, 256, size=(n, 4, 4), dtype=np.uint8)
    labs = np.array([3, 8, 1] * (n // 3), dtype=np.uint8)
    sfx = ".gz" if gz else ""
    write_idx(tmp_path / f"train-images-idx3-ubyte{sfx}", imgs, gz)
    write_idx(tmp_path / f"train-labels-idx1-ubyte{sfx}", labs, gz)
    return imgs, labs


@pytest.mark.parametrize("gz", [False, True])
def test_mnist_idx_roundtrip(tmp_path, gz):
    imgs, labs = tiny_mnist(tmp_path, gz)
    X, y = loaders.load_mnist(tmp_path)
    np.testing.assert_array_equal(X, imgs.reshape(len(imgs), -1).astype(float))
    np.testing.assert_array_equal(y, labs)
    Xb, yb = loaders.load_binary("mnist-file", tmp_path)
    assert Xb.shape == (8, 17) and set(yb.tolist()) == {1.0, -1.0}


def test_idx_malformed(tmp_path):
    p = tmp_path / "bad"
    p.write_bytes(b"\x01\x00\x08\x01" + struct.pack(">I", 3) + b"abc")
    with pytest.raises(ValueError, match="two zero bytes"):
        loaders.load_idx(p)
    p.write_bytes(b"\x00\x00\x08\x01" + struct.pack(">I", 5) + b"abc")
    with pytest.raises(ValueError, match="needs 5"):
        loaders.load_idx(p)
    p.write_bytes(b"\x00\x00\x42\x01" + struct.pack(">I", 1) + b"a")
    with pytest.raises(ValueError, match="type code"):
        loaders.load_idx(p)
    p.write_bytes(b"\x00\x00")
    with pytest.raises(ValueError, match="magic"):
        loaders.load_idx(p)
    with pytest.raises(ValueError, match="does not exist"):
        loaders.load_idx(tmp_path / "missing")
    with pytest.raises(ValueError, match="no file named"):
        loaders.load_mnist(tmp_path)


def write_cifar(path, n=10, labels=None):
    rng = np.random.default_rng(1)
    data = rng.integers(0, 256, size=(n, 3072), dtype=np.uint8)
    labels = labels if labels is not None else [3, 8, 0, 3, 8, 5, 3, 8, 1, 2][:n]
    with open(path, "wb") as fh:
        pickle.dump({b"data": data, b"labels": labels, b"batch_label": b"test"}, fh)
    return data, labels


def test_cifar_batches(tmp_path):
    d1, l1 = write_cifar(tmp_path / "data_batch_1")
    d2, l2 = write_cifar(tmp_path / "data_batch_2")
    X, y = loaders.load_cifar10(tmp_path)
    assert X.shape == (20, 3072) and list(y) == list(l1) + list(l2)
    X1, _ = loaders.load_cifar10(tmp_path / "data_batch_1")
    np.testing.assert_array_equal(X1, d1.astype(float))
    Xb, yb = loaders.load_binary("cifar-file", tmp_path)
    assert Xb.shape == (12, 3073)
    assert (yb == 1).sum() == 6  # cat (3) → +1


def test_cifar_malformed(tmp_path):
    (tmp_path / "data_batch_1").write_bytes(b"not a pickle")
    with pytest.raises(ValueError, match="unpickling failed"):
        loaders.load_cifar10(tmp_path)
    with open(tmp_path / "data_batch_1", "wb") as fh:
        pickle.dump({b"data": np.zeros((2, 10))}, fh)
    with pytest.raises(ValueError, match="'labels'"):
        loaders.load_cifar10(tmp_path)
    with open(tmp_path / "data_batch_1", "wb") as fh:
        pickle.dump({b"data": np.zeros((2, 10)), b"labels": [1, 2]}, fh)
    with pytest.raises(ValueError, match=r"\(n, 3072\)"):
        loaders.load_cifar10(tmp_path)
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(ValueError, match="no data_batch"):
        loaders.load_cifar10(empty)
    with pytest.raises(ValueError, match="does not exist"):
        loaders.load_cifar10(tmp_path / "missing")


def test_digits_preprocessed_to_the_assumptions():
    X, y = loaders.load_binary("digits")
    n, d = X.shape
    assert d == 65 and 300 < n < 400
    np.testing.assert_allclose(X.norm(dim=1).numpy(), 1.0, rtol=0, atol=1e-12)
    np.testing.assert_allclose(X[:, -1].numpy(), 1 / math.sqrt(2), rtol=0, atol=1e-15)
    assert set(y.tolist()) == {1.0, -1.0}
    Xs, _ = loaders.load_binary("digits", max_samples=50, seed=3)
    assert Xs.shape == (50, 65)


def test_bad_requests():
    with pytest.raises(ValueError, match="unknown data set"):
        loaders.load_binary("imagenet")
    with pytest.raises(ValueError, match="data path"):
        loaders.load_binary("mnist-file")
    with pytest.raises(ValueError, match="mu"):
        loaders.preprocess(np.ones((3, 2)), mu=1.5)
    with pytest.raises(ValueError, match="both classes"):
        loaders.to_binary(np.ones((2, 2)), np.array([3, 3]), (3, 8))
