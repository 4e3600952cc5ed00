"""Issue 12's new primitives: batched draws (target 3), the structured NTK (target 4) and the
analytic kernels (target 5), each against the per-draw / Jacobian path it replaces.

* ``BatchedCell``: a catalogue-style cell of R draws (data from seed s, ZCZG net from s + 1, a
  rank-one perturbation from s + 2), measuring forward norms, patterns, the sparse suprema Γ
  (003 Lemma A.9) and sign changes under the perturbation (Lemma B.3) — the per-draw Python
  loop of the library's per-draw functions against :mod:`overparam_verify.batched`.
  ``track_draw_fraction`` is the share of the per-draw loop spent drawing the weights (the
  per-seed generators, which both paths run identically: the floor of any speedup).
* ``LayerProducts``: Lemma A.8's Λ (every pair l₁ < l₂, every sample) for one draw.
* ``NTK``: ``ntk_gram`` (structured) against ``ntk_gram_jacrev`` at n = 64, d = 16, [m]*3.
* ``Kernels``: the arc-cosine NNGP/NTK recursion.

Shapes are kept small enough for asv's repeats; ``python -m benchmarks.compare --batched``
runs the issue's full R = 100, m = 1024, L = 8 cell once, side by side.
"""
from __future__ import annotations

import time

import torch

import overparam_verify as ov
from overparam_verify import batched as B
from overparam_verify.metrics import init as mi
from overparam_verify.metrics import init_backward as mb
from overparam_verify.metrics import perturbation as mp
from overparam_verify.metrics.core import ntk_gram, ntk_gram_jacrev
from overparam_verify.theory import kernels as tk

from .common import SEED, best_of

N, D, S, TAU = 4, 10, 16, 0.1


# ---------------------------------------------------------------------- the cell, both ways
def loop_cell(seeds, m: int, L: int) -> list[tuple]:
    """The per-draw loop the catalogue cells run today, one small network at a time."""
    out = []
    for s in seeds:
        X, _ = ov.data.separated_sphere(N, D, 0.3, seed=s)
        net = ov.DeepReLUNet.gaussian_init(D, [m] * L, seed=s + 1)
        fwd = net.forward_trace(X)
        norms = mi.layer_norms(net, X)  # (L+1, n)
        U = mb.backward_row_vectors(net.weights, fwd.patterns, net.v)
        gam = torch.stack([mb.sparse_sup(u, S) for u in U])  # (L, n)
        deltas = mp.random_perturbation(net, TAU, seed=s + 2, kind="rank1")
        sc = mp.sign_change_counts(net, X, deltas)  # (L, n)
        out.append((norms, fwd.patterns, gam, sc))
    return out


def batched_cell(seeds, m: int, L: int, chunk: int = 10) -> list[tuple]:
    """The same cell through :mod:`overparam_verify.batched`, ``chunk`` draws at a time."""
    out = []
    for i in range(0, len(seeds), chunk):
        ss = seeds[i: i + chunk]
        Xs, _ = B.sphere_data(N, D, 0.3, ss)
        net = B.zczg_draws(D, [m] * L, [s + 1 for s in ss])
        per = [mp.random_perturbation(B.member(net, r, copy=False), TAU, seed=s + 2, kind="rank1") for r, s in enumerate(ss)]
        deltas = [torch.stack([p[l] for p in per]) for l in range(L)]
        out.append((B.forward_norms(net, Xs), B.patterns(net, Xs), B.sparse_sups(net, Xs, S),
                    B.sign_changes_under(net, Xs, deltas)))
    return out


def draws_only(seeds, m: int, L: int) -> None:
    for s in seeds:
        ov.data.separated_sphere(N, D, 0.3, seed=s)
        ov.DeepReLUNet.gaussian_init(D, [m] * L, seed=s + 1)


class BatchedCell:
    params = [[10, 100], [128, 512]]
    param_names = ["R", "m"]
    timeout = 600

    def setup(self, R, m):
        torch.set_num_threads(1)  # as the catalogue cells run (catalogue._cells.single_thread)
        self.seeds = list(range(SEED, SEED + R))
        self.L = 4

    def time_per_draw_loop(self, R, m):
        loop_cell(self.seeds, m, self.L)

    def time_batched(self, R, m):
        batched_cell(self.seeds, m, self.L)

    def time_draws_only(self, R, m):
        draws_only(self.seeds, m, self.L)

    def peakmem_batched(self, R, m):
        batched_cell(self.seeds, m, self.L)

    def track_speedup(self, R, m):
        """Per-draw loop time / batched time (target 3: ≥ 5 at R = 100, m = 1024, L = 8)."""
        a = best_of(lambda: loop_cell(self.seeds, m, self.L), 2)
        b = best_of(lambda: batched_cell(self.seeds, m, self.L), 2)
        return a / b

    track_speedup.unit = "ratio"

    def track_draw_fraction(self, R, m):
        """Share of the per-draw loop spent in the per-seed draws (the speedup's floor)."""
        a = best_of(lambda: loop_cell(self.seeds, m, self.L), 2)
        return best_of(lambda: draws_only(self.seeds, m, self.L), 2) / a

    track_draw_fraction.unit = "fraction"


class LayerProducts:
    params = [[256, 512], [4, 8]]
    param_names = ["m", "L"]
    timeout = 600

    def setup(self, m, L):
        torch.set_num_threads(2)
        X, _ = ov.data.separated_sphere(2, D, 0.3, seed=SEED)
        self.one = ov.DeepReLUNet.gaussian_init(D, [m] * L, seed=SEED)
        self.pats = self.one.forward_trace(X).patterns
        self.net = B.draws(lambda seed: ov.DeepReLUNet.gaussian_init(D, [m] * L, seed=seed), [SEED])
        self.X = X

    def time_per_draw_a8(self, m, L):
        mb.zczg_a8_norms(self.one.weights, self.pats)

    def time_batched_a8(self, m, L):
        B.layer_product_norms(self.net, self.X)

    def track_speedup(self, m, L):
        """zczg_a8_norms time / batched.layer_product_norms time, one draw."""
        a = best_of(lambda: self.time_per_draw_a8(m, L), 1)
        return a / best_of(lambda: self.time_batched_a8(m, L), 1)

    track_speedup.unit = "ratio"


class NTK:
    params = [[64, 256]]
    param_names = ["m"]
    timeout = 300

    def setup(self, m):
        torch.set_num_threads(2)
        self.X, _ = ov.data.separated_sphere(64, 16, 0.1, seed=SEED)
        self.nets = {
            "zczg": ov.DeepReLUNet.gaussian_init(16, [m] * 3, seed=SEED),
            "azls": ov.AZLSNet.gaussian_init(16, m, 3, 2, seed=SEED),
            "nguyen": ov.NguyenNet.lecun_init(16, [m, m, 2], seed=SEED),
        }

    def time_structured_zczg(self, m):
        ntk_gram(self.nets["zczg"], self.X)

    def time_jacrev_zczg(self, m):
        ntk_gram_jacrev(self.nets["zczg"], self.X)

    def time_structured_azls_full(self, m):
        ntk_gram(self.nets["azls"], self.X, trace_outputs=False)

    def time_structured_nguyen_full(self, m):
        ntk_gram(self.nets["nguyen"], self.X, trace_outputs=False)

    def peakmem_structured_zczg(self, m):
        ntk_gram(self.nets["zczg"], self.X)

    def peakmem_jacrev_zczg(self, m):
        ntk_gram_jacrev(self.nets["zczg"], self.X)

    def track_speedup(self, m):
        """jacrev time / structured time (target 4: ≥ 50 at m = 256)."""
        a = best_of(lambda: ntk_gram_jacrev(self.nets["zczg"], self.X), 3)
        return a / best_of(lambda: ntk_gram(self.nets["zczg"], self.X), 10)

    track_speedup.unit = "ratio"


class Kernels:
    params = [[64, 512], [3, 16]]
    param_names = ["n", "L"]

    def setup(self, n, L):
        self.X, _ = ov.data.separated_sphere(n, 16, 0.05, seed=SEED)

    def time_nngp(self, n, L):
        tk.relu_nngp(self.X, depth=L)

    def time_ntk_limit(self, n, L):
        tk.zczg_ntk_limit(self.X, depth=L)


def timed(fn) -> float:
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t
