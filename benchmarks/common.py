"""Shared builders for the benchmarks: fixed seeds, cached data and networks, and the plain
PyTorch baselines the engine is compared with (as in numpy's ``benchmarks/common.py``).

The configurations are the ones named in the benchmark issue:

* ``WIDE``: one wide net — float32, n = 256, d = 32, L = 5, m = 1024, logistic loss, full-batch
  GD. Big enough that GEMMs dominate (each step is ≈ 6.5 GFLOP), small enough to time on 2 cores.
* ``SMALL``: the per-member shape of an ensemble — n = 20, d = 8, L = 3, m = 128 — where a single
  net is dominated by per-call overhead, which is what batching 32 of them removes.
"""
from __future__ import annotations

import functools
import time

import torch

import overparam_verify as ov

SEED = 1234
WIDE = dict(n=256, d=32, L=5, m=1024, dtype=torch.float32)
SMALL = dict(n=20, d=8, L=3, m=128, dtype=torch.float32)
LR = 0.05


@functools.lru_cache(maxsize=None)
def dataset(n: int, d: int, phi: float = 0.1, seed: int = SEED):
    return ov.data.separated_sphere(n, d, phi, seed=seed)


@functools.lru_cache(maxsize=None)
def network(d: int, L: int, m: int, dtype=torch.float32, seed: int = SEED) -> ov.DeepReLUNet:
    return ov.DeepReLUNet.gaussian_init(d, [m] * L, seed=seed, dtype=dtype)


def plain_model(net: ov.DeepReLUNet) -> tuple[torch.nn.Sequential, torch.Tensor]:
    """The baseline: ``nn.Sequential`` of bias-free Linear+ReLU with the same weights, and v."""
    layers = []
    for W in net.weights:
        lin = torch.nn.Linear(W.shape[0], W.shape[1], bias=False, dtype=W.dtype)
        with torch.no_grad():
            lin.weight.copy_(W.T)
        layers += [lin, torch.nn.ReLU()]
    return torch.nn.Sequential(*layers), net.v.clone()


def plain_loop(model, v, X, y, steps: int, lr: float = LR) -> float:
    """Plain PyTorch GD (autograd + optim.SGD) on the logistic loss, recording nothing."""
    opt = torch.optim.SGD(model.parameters(), lr=lr)
    for _ in range(steps):
        opt.zero_grad(set_to_none=True)
        out = model(X) @ v
        loss = torch.nn.functional.softplus(-y * out).mean()
        loss.backward()
        opt.step()
    return float(loss.detach())


def bare_gemms(net: ov.DeepReLUNet, X: torch.Tensor, steps: int) -> None:
    """Only the matrix products of ``steps`` GD steps of ``net`` on ``X`` (forward: x_{l-1}W_l;
    backward: x_{l-1}ᵀδ_l and δ_l W_lᵀ), on preallocated operands: the GEMM floor."""
    Ws = [W.clone() for W in net.weights]
    xs = [X] + [torch.relu(torch.randn(X.shape[0], W.shape[1], dtype=X.dtype)) for W in Ws]
    for _ in range(steps):
        for l, W in enumerate(Ws):
            torch.matmul(xs[l], W)
        for l in range(len(Ws) - 1, -1, -1):
            torch.matmul(xs[l].T, xs[l + 1])
            if l:
                torch.matmul(xs[l + 1], Ws[l].T)


def gemm_flops(net: ov.DeepReLUNet, n: int, steps: int) -> float:
    """Floating-point operations of :func:`bare_gemms`."""
    f = 0
    for l, W in enumerate(net.weights):
        a, b = W.shape
        f += 2 * n * a * b * (3 if l else 2)
    return float(f * steps)


def best_of(fn, repeat: int = 3) -> float:
    """Smallest wall time of ``repeat`` calls (seconds)."""
    best = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t)
    return best
