"""Batched draws: R independent initialisations of one shape, measured as one computation.

The W and S statements are checked over R seeded draws (the catalogue cells). A draw here is
exactly the network ``DeepReLUNet.gaussian_init(d, widths, seed=s)`` (or any other factory's)
— the weights come from the same per-seed generator, so nothing changes in the numbers — and
the R networks are stacked along a leading axis, which every :class:`~overparam_verify.Network`
computation accepts (the same ensemble axis :func:`~overparam_verify.train_ensemble` uses). The
primitives below then measure all R draws at once; each returns a tensor whose leading axis is
the draw, and equals the per-draw library function on draw r (float64: to rounding, 1e-12).

Primitives (``net`` a stacked network (R, …); ``X`` (n, d) shared by every draw or (R, n, d)):

* :func:`zczg_draws`, :func:`draws` (any factory), :func:`sphere_data` — the draws; :func:`member`.
* :func:`forward_norms` — ``‖x_{l,i}‖``, l = 0..L (003 Lemmas A.1–A.2, Theorem 5.1(iii)): (R, L+1, n).
* :func:`patterns` — Σ_{l,i} of every layer (003 §3.4): list of (R, n, m_l) bool.
* :func:`weight_spectral_norms` — ``‖W_l‖₂`` (003 Theorem 5.1(i)): (R, L).
* :func:`layer_product_norms` — ``Λ_{i,l₁,l₂} = ‖W_{l₂}ᵀ(Π_{r=l₁}^{l₂−1} Σ_{r,i}W_rᵀ)‖₂``
  (003 Lemma A.8, Theorem 5.1(v)): (R, n, L, L), NaN where l₁ ≥ l₂.
* :func:`sparse_sups` — ``Γ_{i,l,s} = sup_{‖a‖₂=1,‖a‖₀≤s} vᵀ(Π_{r=l}^L Σ_{r,i}W_rᵀ)a`` (003
  Lemma A.9; with perturbed weights, Lemma B.1): (R, L, n).
* :func:`sign_changes_under` — ``‖Σ̃_{l,i} − Σ_{l,i}‖₀`` under perturbations Δ_l (003 Lemma
  B.3): (R, L, n) int64.
* :func:`train_draws` — per-draw GD/SGD with the full trace (000 Algorithm 1), one batched run.
* :func:`over_draws` — runs any of these over many seeds in chunks (bounded memory).

:func:`layer_product_norms` is also the fast path for one draw: its chains of every length are
swept layer by layer, so each ``W_r`` is read once per Lanczos step for all the chains through
it (the per-draw :func:`~overparam_verify.metrics.init_backward.zczg_a8_norms` reads it once per
chain).

Replacing a per-draw loop (``catalogue/init.py``'s A.1 cell) by the batched call::

    # before: one small network at a time
    out = []
    for r in range(reps):
        s = sub_seed(seed, r)
        X, _ = data.separated_sphere(n, d, 0.3, seed=s)
        net = DeepReLUNet.gaussian_init(d, [m] * L, seed=s + 1)
        out.append(metrics.init.layer_norms(net, X))          # (L+1, n)

    # after: the same draws, the same numbers, one computation
    ss = [sub_seed(seed, r) for r in range(reps)]
    Xs, _ = batched.sphere_data(n, d, 0.3, ss)                 # (R, n, d)
    nets = batched.zczg_draws(d, [m] * L, [s + 1 for s in ss])  # W_l: (R, m_{l-1}, m_l)
    out = batched.forward_norms(nets, Xs)                      # (R, L+1, n); out[r] == loop's

For many wide draws (memory), ``batched.over_draws(make, measure, seeds, chunk=8)`` builds and
measures ``chunk`` draws at a time and concatenates along the draw axis.
"""
from __future__ import annotations

import math
from typing import Callable, Sequence

import torch

from . import data as _data
from .metrics.init_backward import lanczos_top_eigenvalue, sparse_sup
from .network import DeepReLUNet, Network, _check_positive_int, _check_widths
from .training import Trace, _check_hparams, _stack_nets, _train_core, _unstack
from .losses import get_loss

__all__ = [
    "draws",
    "zczg_draws",
    "sphere_data",
    "member",
    "forward_norms",
    "patterns",
    "weight_spectral_norms",
    "layer_product_norms",
    "sparse_sups",
    "sign_changes_under",
    "train_draws",
    "over_draws",
]

f64 = torch.float64


# ---------------------------------------------------------------------- draws
def _check_seeds(seeds) -> list[int]:
    seeds = [int(s) for s in seeds]
    if not seeds:
        raise ValueError("need at least one seed (R ≥ 1 draws)")
    return seeds


def draws(factory: Callable[..., Network], seeds: Sequence[int]) -> Network:
    """``factory(seed=s)`` for every seed, stacked along a leading draw axis (R, …): the
    weights are those of the R separate calls, bit for bit. E.g.
    ``draws(lambda seed: AZLSNet.gaussian_init(d, m, L, seed=seed), seeds)``."""
    return _stack_nets([factory(seed=s) for s in _check_seeds(seeds)])


def zczg_draws(d: int, widths: Sequence[int], seeds: Sequence[int], *, dtype: torch.dtype = f64,
               device="cpu") -> DeepReLUNet:
    """R draws of ZCZG's He initialisation (003 §3.3), ``DeepReLUNet.gaussian_init(d, widths,
    seed=s)`` for s in ``seeds``, stacked: ``W_l`` (R, m_{l-1}, m_l), ``v`` (R, m_L).

    In float64 on the CPU each draw's generator writes straight into its slice of the stacked
    weights (the same calls, in the same order, as ``gaussian_init``: bit-identical, without a
    second copy of every matrix); otherwise the R networks are drawn and stacked."""
    seeds = _check_seeds(seeds)
    if dtype != f64 or torch.device(device).type != "cpu":
        return draws(lambda seed: DeepReLUNet.gaussian_init(d, widths, seed=seed, dtype=dtype, device=device), seeds)
    d, widths = _check_positive_int("d", d), _check_widths(widths)  # as gaussian_init, before any work
    if widths[-1] % 2:
        raise ValueError(f"the last width m_L={widths[-1]} must be even for a balanced ±1 output vector v")
    dims, L, mL = [d] + widths, len(widths), widths[-1]
    Ws = [torch.empty(len(seeds), dims[l], dims[l + 1], dtype=f64) for l in range(L)]  # (R, m_{l-1}, m_l)
    V = torch.empty(len(seeds), mL, dtype=f64)  # (R, m_L)
    half = torch.ones(mL, dtype=f64)
    half[mL // 2:] = -1.0
    for r, s in enumerate(seeds):  # gaussian_init's draws, in its order, from its generator
        g = torch.Generator().manual_seed(int(s))
        for l in range(L):
            torch.randn(dims[l], dims[l + 1], generator=g, dtype=f64, out=Ws[l][r])
            Ws[l][r].mul_(math.sqrt(2.0 / dims[l + 1]))  # entries N(0, 2/m_l)
        V[r] = half[torch.randperm(mL, generator=g)]
    return DeepReLUNet(Ws, V)


def sphere_data(n: int, d: int, phi: float, seeds: Sequence[int], **kw) -> tuple[torch.Tensor, torch.Tensor]:
    """``data.separated_sphere(n, d, phi, seed=s, **kw)`` for every seed, stacked: X (R, n, d),
    y (R, n)."""
    out = [_data.separated_sphere(n, d, phi, seed=s, **kw) for s in _check_seeds(seeds)]
    return torch.stack([o[0] for o in out]), torch.stack([o[1] for o in out])


def member(net: Network, r: int, *, copy: bool = True) -> Network:
    """Draw r of a stacked network, as a single network: a copy, or with ``copy=False`` views
    into the stack (no memory traffic; writing to them writes the stack)."""
    R = _check_stacked(net)
    if not (int(r) == r and -R <= r < R):
        raise ValueError(f"r must be a draw index in [0, R={R}), got r={r!r}")
    if copy:
        return _unstack(net, int(r))
    out = object.__new__(type(net))
    out.__dict__.update(net.__dict__)
    out.mats = [M[int(r)] for M in net.mats]
    out.head = None if net.head is None else net.head[int(r)]
    return out


def _check_stacked(net) -> int:
    if not isinstance(net, Network):
        raise ValueError(f"need a stacked Network (from zczg_draws/draws), got {type(net).__name__}")
    if net.ensemble_size is None:
        raise ValueError("need a stacked network with a leading draw axis (zczg_draws/draws), got a single network")
    return net.ensemble_size


def _inputs(net: Network, X: torch.Tensor) -> torch.Tensor:
    """X (n, d) for every draw, or (R, n, d) per draw, validated (before any work) → (R, n, d)."""
    R = _check_stacked(net)
    X = torch.as_tensor(X)
    if X.dim() == 2:
        X = X.unsqueeze(0).expand(R, *X.shape)
    if X.dim() != 3 or X.shape[0] != R:
        raise ValueError(f"X must have shape (n, d) or (R={R}, n, d), got {tuple(X.shape)}")
    return net.check_input(X)


# ---------------------------------------------------------------------- forward quantities
def forward_norms(net: Network, X: torch.Tensor) -> torch.Tensor:
    """``‖x_{l,i}‖₂`` for l = 0..L (row 0 the inputs) of every draw: (R, L+1, n) float64
    (003 Lemma A.1, Corollary A.2, Theorem 5.1(iii)); draw r equals
    ``metrics.init.layer_norms(member(net, r), X[r])``."""
    X = _inputs(net, X)
    _, xs, _ = net._forward(X, keep="outputs")
    return torch.stack([X.to(f64).norm(dim=-1)] + [x.to(f64).norm(dim=-1) for x in xs], dim=1)


def patterns(net: Network, X: torch.Tensor) -> list[torch.Tensor]:
    """The activation patterns Σ_{l,i} (diagonals, True where z_{l,i} > 0; 003 §3.4) of every
    layer and draw: list over l of (R, n, m_l) bool (as ``forward_trace(X).patterns``)."""
    return net.forward_trace(_inputs(net, X)).patterns


def weight_spectral_norms(net: Network) -> torch.Tensor:
    """``‖W_l‖₂`` of every trained layer and draw (dense, exact; 003 Theorem 5.1(i)): (R, L)
    float64, equal to ``metrics.init.weight_spectral_norms(member(net, r))``."""
    _check_stacked(net)
    return torch.stack([torch.linalg.matrix_norm(M.to(f64), ord=2) for M in net.trainable_mats()], dim=1)


# ---------------------------------------------------------------------- layer products (A.8)
def _chain_sweep(Ws, masks, chains, V, *, adjoint: bool):
    """Apply A_c (or A_cᵀ) of every chain c = (l₁, l₂) to its rows, all chains at once.

    ``A_c = W_{l₂}ᵀ Σ_{l₂−1} W_{l₂−1}ᵀ ⋯ Σ_{l₁} W_{l₁}ᵀ`` (column form). In row convention the
    forward sweep runs r = l₁..l₂: ``v ← v W_r`` then ``⊙ Σ_r`` for r < l₂. Layer by layer,
    every chain through layer r is stacked into one (R, C_r·n, m_{r−1}) @ (R, m_{r−1}, m_r)
    product, so each W_r is read once per sweep. ``V`` is a list over chains of (R, n, dim_c)
    rows; returns the list of outputs."""
    C = len(chains)
    R, n = V[0].shape[0], V[0].shape[1]
    vec: list = [None] * C
    out: list = [None] * C
    lo, hi = min(c[0] for c in chains), max(c[1] for c in chains)
    layers = range(hi, lo - 1, -1) if adjoint else range(lo, hi + 1)
    for r in layers:  # r is 1-based
        if adjoint:
            for c, (l1, l2) in enumerate(chains):
                if l2 == r:
                    vec[c] = V[c]  # enters at its last factor W_{l₂}ᵀ (no Σ)
                elif l1 <= r < l2:
                    vec[c] = vec[c] * masks[r - 1]  # ⊙ Σ_r
        else:
            for c, (l1, l2) in enumerate(chains):
                if l1 == r:
                    vec[c] = V[c]
        act = [c for c, (l1, l2) in enumerate(chains) if l1 <= r <= l2]
        S = torch.stack([vec[c] for c in act], dim=1)  # (R, C_r, n, m)
        W = Ws[r - 1]  # (R, m_{r−1}, m_r)
        S = S.reshape(R, len(act) * n, S.shape[-1]) @ (W.transpose(-1, -2) if adjoint else W)
        S = S.reshape(R, len(act), n, S.shape[-1])
        for j, c in enumerate(act):
            l1, l2 = chains[c]
            if adjoint:
                if l1 == r:
                    out[c], vec[c] = S[:, j], None
                else:
                    vec[c] = S[:, j]
            elif l2 == r:
                out[c], vec[c] = S[:, j], None
            else:
                vec[c] = S[:, j] * masks[r - 1]  # ⊙ Σ_r
    return out


def layer_product_norms(
    net: DeepReLUNet,
    X: torch.Tensor,
    *,
    krylov: int = 64,
    tol: float = 1e-11,
    seed: int = 0,
) -> torch.Tensor:
    """``Λ_{i,l₁,l₂} = ‖W_{l₂}ᵀ(Π_{r=l₁}^{l₂−1} Σ_{r,i}W_rᵀ)‖₂`` (ZCZG 003 Lemma A.8, Theorem
    5.1(v)) for every draw, sample i and pair 1 ≤ l₁ < l₂ ≤ L, matrix-free: (R, n, L, L)
    float64, entry ``[r, i, l₁−1, l₂−1]``, NaN where l₁ ≥ l₂ — draw r equals
    ``metrics.init_backward.zczg_a8_norms(member.weights, member patterns)``.

    Lanczos on ``AᵀA`` (or ``AAᵀ``, the smaller side; restarted until the top Ritz residual is
    ≤ ``tol``·θ, as :func:`~overparam_verify.metrics.init_backward.lanczos_top_eigenvalue`) for
    all chains of one Gram dimension jointly; the Gram is applied by two layer sweeps that read
    each W_r once for all chains (and draws) through it."""
    X = _inputs(net, X)
    if net.head_kind != "vector" or not all(k == "relu" for k in net.kinds):
        raise ValueError("layer_product_norms is ZCZG's Lemma A.8: it needs a DeepReLUNet (stacked)")
    Ws = net.trainable_mats()  # (R, m_{l−1}, m_l)
    L = len(Ws)
    R, n = X.shape[0], X.shape[1]
    out = torch.full((R, n, L, L), math.nan, dtype=f64, device=X.device)
    if L < 2:
        return out
    masks = [P.to(Ws[0].dtype) for P in net.forward_trace(X).patterns]  # (R, n, m_l)
    dims = [Ws[0].shape[-2]] + [W.shape[-1] for W in Ws]  # m_0 = d, m_1..m_L
    groups: dict[tuple, list[tuple[int, int]]] = {}
    for l1 in range(1, L):
        for l2 in range(l1 + 1, L + 1):
            side = ("in", dims[l1 - 1]) if dims[l1 - 1] <= dims[l2] else ("out", dims[l2])
            groups.setdefault(side, []).append((l1, l2))
    g = torch.Generator().manual_seed(int(seed))
    for (side, dim), chains in groups.items():
        fwd = lambda V: _chain_sweep(Ws, masks, chains, V, adjoint=False)  # noqa: E731
        adj = lambda V: _chain_sweep(Ws, masks, chains, V, adjoint=True)  # noqa: E731
        first, second = (fwd, adj) if side == "in" else (adj, fwd)
        gram = lambda V: torch.stack(second(first(list(V.unbind(1)))), dim=1)  # noqa: E731
        # lanczos works on (*batch, dim) vectors; our layout is (R, C, n, dim)
        theta, _ = lanczos_top_eigenvalue(gram, (R, len(chains), n), dim, dtype=Ws[0].dtype, device=X.device,
                                          krylov=krylov, tol=tol, generator=g)
        sig = theta.clamp_min(0).sqrt()  # (R, C, n)
        for c, (l1, l2) in enumerate(chains):
            out[:, :, l1 - 1, l2 - 1] = sig[:, c]
    return out


# ---------------------------------------------------------------------- sparse suprema (A.9)
def sparse_sups(net: DeepReLUNet, X: torch.Tensor, s: int, *, deltas: Sequence[torch.Tensor] | None = None) -> torch.Tensor:
    """``Γ_{i,l,s} = sup_{‖a‖₂=1, ‖a‖₀≤s} vᵀ(Π_{r=l}^L Σ_{r,i}W_rᵀ)a`` — the ℓ₂ norm of the s
    largest |entries| of the backward row vector ``u_{l,i}`` (ZCZG 003 Lemma A.9) — for every
    draw, layer l = 1..L and sample i: (R, L, n) float64. With ``deltas`` (list over layers of
    (R, m_{l−1}, m_l)) the weights and patterns are the perturbed ones, W̃ = W + Δ (003 Lemma
    B.1's Γ̃). Draw r equals ``sparse_sup(backward_row_vectors(...)[l−1], s)``."""
    if int(s) != s or s < 1:
        raise ValueError(f"the sparsity s must be a positive integer, got s={s!r}")
    X = _inputs(net, X)
    if net.head_kind != "vector":
        raise ValueError("the sparse supremum of 003 Lemma A.9 needs ZCZG's scalar-head network (vᵀ…)")
    Ws = net.trainable_mats() if deltas is None else _perturbed(net, deltas)
    zs, _, _ = net._forward(X, Ws)
    u = net.head.unsqueeze(-2).expand(X.shape[0], X.shape[1], -1)  # (R, n, m_L)
    out = [None] * len(Ws)
    for l in range(len(Ws), 0, -1):
        u = (u * (zs[l - 1] > 0).to(u.dtype)) @ Ws[l - 1].transpose(-1, -2)  # u_{l,i}: (R, n, m_{l−1})
        out[l - 1] = sparse_sup(u, s).to(f64)
    return torch.stack(out, dim=1)


# ---------------------------------------------------------------------- perturbations (B.3)
def _perturbed(net: Network, deltas: Sequence[torch.Tensor]) -> list[torch.Tensor]:
    W = net.trainable_mats()
    if len(deltas) != len(W):
        raise ValueError(f"need one perturbation per trained layer: {len(W)} layers, {len(deltas)} deltas")
    for l, (M, D) in enumerate(zip(W, deltas)):
        if tuple(D.shape) != tuple(M.shape):
            raise ValueError(f"deltas[{l}] must have the stacked shape {tuple(M.shape)}, got {tuple(D.shape)}")
    it = iter([M + D.to(M) for M, D in zip(W, deltas)])
    return [next(it) if t else M for M, t in zip(net.mats, net.trainable)]


def sign_changes_under(net: Network, X: torch.Tensor, deltas: Sequence[torch.Tensor]) -> torch.Tensor:
    """``‖Σ̃_{l,i} − Σ_{l,i}‖₀`` between the patterns at W and at W̃ = W + Δ for every draw,
    trained layer l and sample i: (R, L, n) int64 (003 Lemma B.3; AZLS Step 2(a)). ``deltas``
    (list over trained layers of (R, …) in row convention, the storage of ``trainable_mats``);
    draw r equals ``metrics.perturbation.sign_change_counts(member(net, r), X[r], deltas_r)``."""
    X = _inputs(net, X)
    mats1 = _perturbed(net, deltas)
    zs0, _, _ = net._forward(X)
    zs1, _, _ = net._forward(X, mats1)
    idx = [k for k, t in enumerate(net.trainable) if t]
    return torch.stack([((zs1[k] > 0) != (zs0[k] > 0)).sum(dim=-1) for k in idx], dim=1)


# ---------------------------------------------------------------------- training
def train_draws(net: Network, X: torch.Tensor, y: torch.Tensor, *, loss: str = "logistic", lr: float, steps: int,
                batch_size: int | None = None, seed: int = 0, record_every: int = 1,
                trace: bool = True) -> list[tuple[Network, Trace]]:
    """GD/SGD (000 Algorithm 1, 003 Algorithm 2) of every draw of a stacked network, each on
    its own data ``X`` (R, n, d) (or one (n, d) for all), as one batched run: returns, per draw,
    ``(trained, trace)`` — the same as ``train(member(net, r), X[r], y[r], ...)``, up to
    reassociation in the batched products."""
    X = _inputs(net, X)
    R = X.shape[0]
    y = torch.as_tensor(y)
    if y.dim() == 1 or (net.vector_output and y.dim() == 2 and y.shape[0] != R):
        y = y.unsqueeze(0).expand(R, *y.shape)
    y = net.check_targets(y, loss, X)
    _check_hparams(lr, steps, batch_size, X.shape[1], record_every)
    trained, traces = _train_core(net, X, y, get_loss(loss), float(lr), int(steps), batch_size, int(seed),
                                  int(record_every), ensemble=True, full=bool(trace))
    return [(_unstack(trained, r), traces[r]) for r in range(R)]


# ---------------------------------------------------------------------- chunking
def over_draws(make: Callable[[list[int]], tuple], measure: Callable[..., torch.Tensor], seeds: Sequence[int], *,
               chunk: int = 8) -> torch.Tensor:
    """``measure(*make(seed_chunk))`` over the seeds, ``chunk`` draws at a time, concatenated
    along the draw axis (R, …): bounded memory for many wide draws. ``make`` returns the
    arguments (e.g. ``(zczg_draws(d, widths, ss), X)``)."""
    seeds = _check_seeds(seeds)
    if int(chunk) != chunk or chunk < 1:
        raise ValueError(f"chunk must be a positive integer, got chunk={chunk!r}")
    parts = [measure(*make(seeds[i: i + int(chunk)])) for i in range(0, len(seeds), int(chunk))]
    return torch.cat(parts, dim=0)
