"""Measured quantities for the catalogue family 'init_backward': backward products at Gaussian
initialization and the gradient lower bound's node counts (ZCZG 003 Theorem 5.1 (iv)-(vii),
Lemmas A.7-A.11; AZLS 002 Section 4, Step 1).

* Exact spectral norms of products of masked layers, matrix-free: a batched Lanczos iteration
  (full reorthogonalization, restarted on the top Ritz vector) on the Gram operator ``AᵀA`` or
  ``AAᵀ`` (the smaller side), where ``A`` is only ever applied as a chain of mat-vecs
  (:func:`chain_spectral_norm`). Used for ZCZG Lemma A.8 (:func:`zczg_a8_norms`, every
  ``l₁ < l₂``, every sample) and AZLS Step 1 (:func:`azls_intermediate_norms`,
  :func:`azls_backward_norms`). :func:`dense_chain` forms the product (small m only) to verify.
* ZCZG Lemma A.9's sparse supremum Γ exactly: the ℓ₂ norm of the s largest |entries| of the
  backward row vector ``vᵀ Π_{r=l}^L Σ_{r,i}W_rᵀ`` (:func:`sparse_sup`), with a brute-force sup
  over s-subsets for tiny cases (:func:`sparse_sup_bruteforce`).
* ZCZG Lemma A.7's node count ``|{j : |⟨w_{l,j}, x_{l-1,i}⟩| ≤ β}|`` (:func:`near_zero_counts`).
* ZCZG Lemmas A.10 / A.11: for a coefficient vector ``a``, the norms
  ``g_j(a) = ‖Σ_i a_i s_{ji} z_i‖`` over activation patterns ``s_j`` (nodes of layer L for A.10,
  Monte-Carlo draws of ``w`` for A.11), the fraction of patterns above a threshold, and an
  adversarial search for the ``a`` minimising that fraction (:func:`worst_coefficients`).

Conventions: row convention as in :mod:`overparam_verify.network` — a layer factor is a matrix
``M`` (in, out) and an optional 0/1 mask (n, out); applying ``Σ_r W_rᵀ`` to a column vector is
``(v @ W_r) * mask_r`` on a row vector.
"""
from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field
from typing import Callable, Sequence

import torch

__all__ = [
    "lanczos_top_eigenvalue",
    "chain_apply",
    "chain_apply_t",
    "chain_spectral_norm",
    "dense_chain",
    "zczg_a8_norms",
    "zczg_a8_dense_norms",
    "azls_intermediate_norms",
    "azls_backward_norms",
    "azls_chain_factors",
    "backward_row_vectors",
    "sparse_sup",
    "sparse_sup_bruteforce",
    "near_zero_counts",
    "node_gradient_norms",
    "fraction_above",
    "coefficient_candidates",
    "WorstCoefficients",
    "worst_coefficients",
    "li_liang_patterns",
    "arc_points",
]

Factor = tuple[torch.Tensor, "torch.Tensor | None"]


# ----------------------------------------------------------------------------- Lanczos
def lanczos_top_eigenvalue(
    gram: Callable[[torch.Tensor], torch.Tensor],
    batch_shape: Sequence[int],
    dim: int,
    *,
    dtype: torch.dtype = torch.float64,
    device="cpu",
    krylov: int = 64,
    tol: float = 1e-11,
    max_restarts: int = 50,
    generator: torch.Generator | None = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Largest eigenvalue of a batch of symmetric PSD operators, matrix-free.

    ``gram(Q)`` applies the operators to ``Q`` of shape (*batch_shape, dim). Lanczos with full
    reorthogonalization (classical Gram–Schmidt, twice) builds a Krylov basis of size
    ``min(max(krylov, 2), dim)``; the top Ritz pair (θ, y) has residual ``‖Gy − θy‖ = |β_K s_K|``; the
    iteration restarts from y until that residual is ≤ ``tol``·θ for every problem of the batch
    (then θ is within ``tol``·θ of an eigenvalue, and Ritz values never exceed λ_max). With
    ``krylov ≥ dim`` the basis spans the whole space and θ = λ_max up to rounding.

    Returns ``(theta, residual)`` of shape batch_shape (float64). ``ValueError`` for bad sizes.
    """
    if dim < 1:
        raise ValueError(f"dim must be >= 1, got dim={dim}")
    if krylov < 1:
        raise ValueError(f"krylov must be >= 1, got krylov={krylov}")
    batch_shape = tuple(int(b) for b in batch_shape)
    g = generator if generator is not None else torch.Generator().manual_seed(0)
    K = min(max(int(krylov), 2), int(dim))  # K = 1 would restart from its own start vector
    q = torch.randn(*batch_shape, dim, generator=g, dtype=torch.float64).to(dtype=dtype, device=device)
    q = q / q.norm(dim=-1, keepdim=True)
    eps = torch.finfo(dtype).eps
    best = torch.zeros(batch_shape, dtype=dtype, device=device)
    res_out = torch.full(batch_shape, math.inf, dtype=dtype, device=device)
    for _ in range(max_restarts):
        Q = torch.zeros(*batch_shape, K, dim, dtype=dtype, device=device)
        alpha = torch.zeros(*batch_shape, K, dtype=dtype, device=device)
        beta = torch.zeros(*batch_shape, K, dtype=dtype, device=device)
        scale = torch.zeros(batch_shape, dtype=dtype, device=device)
        for j in range(K):
            Q[..., j, :] = q
            w = gram(q)  # (*B, dim)
            alpha[..., j] = (w * q).sum(-1)
            scale = torch.maximum(scale, alpha[..., j].abs())
            Qj = Q[..., : j + 1, :]  # (*B, j+1, dim)
            for _rep in range(2):  # full reorthogonalization, twice is enough
                w = w - ((Qj @ w.unsqueeze(-1)).transpose(-1, -2) @ Qj).squeeze(-2)
            b = w.norm(dim=-1)
            beta[..., j] = b
            if j == K - 1:
                break
            # breakdown (invariant Krylov subspace): continue with a fresh orthogonal direction;
            # the tiny β then only perturbs T by rounding
            bad = b <= 1e3 * eps * torch.clamp(scale, min=torch.finfo(dtype).tiny)
            if bool(bad.any()):
                r = torch.randn(*batch_shape, dim, generator=g, dtype=torch.float64).to(dtype=dtype, device=device)
                for _rep in range(2):
                    r = r - ((Qj @ r.unsqueeze(-1)).transpose(-1, -2) @ Qj).squeeze(-2)
                w = torch.where(bad.unsqueeze(-1), r, w)
                b = w.norm(dim=-1)
            q = w / b.unsqueeze(-1)
        T = torch.diag_embed(alpha) + torch.diag_embed(beta[..., : K - 1], 1) + torch.diag_embed(beta[..., : K - 1], -1)
        evals, evecs = torch.linalg.eigh(T)
        theta = evals[..., -1]
        s = evecs[..., -1]  # (*B, K)
        res = (beta[..., K - 1] * s[..., K - 1]).abs()
        if K == dim:
            res = torch.zeros_like(res)  # the Krylov basis spans the whole space: exact
        y = (s.unsqueeze(-2) @ Q).squeeze(-2)
        y = y / y.norm(dim=-1, keepdim=True)
        better = theta >= best
        best = torch.where(better, theta, best)
        res_out = torch.where(better, res, res_out)
        if bool((res_out <= tol * best.clamp_min(torch.finfo(dtype).tiny)).all()):
            break
        q = y
    return best.to(torch.float64), res_out.to(torch.float64)


# ----------------------------------------------------------------------------- chains
def chain_apply(factors: Sequence[Factor], V: torch.Tensor) -> torch.Tensor:
    """Apply ``A = … Σ_2 M_2ᵀ Σ_1 M_1ᵀ`` (column form) to the rows of ``V``: for each factor
    ``(M, mask)`` in order, ``V ← (V @ M) * mask`` (mask omitted when None). ``M`` (in, out) or
    batched (P, in, out); ``mask`` (…, out) broadcastable against ``V @ M``."""
    for M, mask in factors:
        V = V @ M
        if mask is not None:
            V = V * mask
    return V


def chain_apply_t(factors: Sequence[Factor], U: torch.Tensor) -> torch.Tensor:
    """Apply ``Aᵀ`` (the adjoint of :func:`chain_apply`) to the rows of ``U``."""
    for M, mask in reversed(list(factors)):
        if mask is not None:
            U = U * mask
        U = U @ M.transpose(-1, -2)
    return U


def chain_spectral_norm(
    factors: Sequence[Factor],
    batch_shape: Sequence[int],
    *,
    krylov: int = 64,
    tol: float = 1e-11,
    generator: torch.Generator | None = None,
) -> torch.Tensor:
    """Exact ``‖A‖₂`` of the chain ``A`` (see :func:`chain_apply`) for every problem of a batch
    (``batch_shape`` = the leading shape of the vectors, e.g. (n,) samples or (P, n) pairs ×
    samples), matrix-free: Lanczos on ``AᵀA`` or ``AAᵀ``, whichever is smaller. float64 (…)."""
    if len(factors) == 0:
        raise ValueError("a chain needs at least one factor")
    d_in = factors[0][0].shape[-2]
    d_out = factors[-1][0].shape[-1]
    M0 = factors[0][0]
    if d_in <= d_out:
        gram = lambda V: chain_apply_t(factors, chain_apply(factors, V))  # noqa: E731
        dim = d_in
    else:
        gram = lambda U: chain_apply(factors, chain_apply_t(factors, U))  # noqa: E731
        dim = d_out
    theta, _ = lanczos_top_eigenvalue(
        gram, batch_shape, dim, dtype=M0.dtype, device=M0.device, krylov=krylov, tol=tol, generator=generator
    )
    return theta.clamp_min(0).sqrt()


def dense_chain(factors: Sequence[Factor], i: int | None = None) -> torch.Tensor:
    """The product matrix of a chain (column form, shape (out, in)) for sample ``i`` of the masks
    — for verification on small widths only (it forms the product)."""
    M0 = factors[0][0]
    E = torch.eye(M0.shape[-2], dtype=M0.dtype, device=M0.device)
    out = E
    for M, mask in factors:
        out = out @ M
        if mask is not None:
            out = out * (mask if i is None else mask[i])
    return out.transpose(-1, -2)


def _check_patterns(weights, patterns) -> None:
    if len(weights) != len(patterns):
        raise ValueError(f"need one pattern per layer: {len(weights)} weights, {len(patterns)} patterns")
    for l, (W, P) in enumerate(zip(weights, patterns)):
        if P.shape[-1] != W.shape[-1]:
            raise ValueError(f"pattern {l + 1} has {P.shape[-1]} nodes but W_{l + 1} has {W.shape[-1]} columns")


def zczg_a8_norms(
    weights: Sequence[torch.Tensor],
    patterns: Sequence[torch.Tensor],
    *,
    krylov: int = 64,
    tol: float = 1e-11,
    seed: int = 0,
) -> torch.Tensor:
    """``Λ_{i,l₁,l₂} = ‖W_{l₂}ᵀ(Π_{r=l₁}^{l₂−1} Σ_{r,i}W_rᵀ)‖₂`` (ZCZG 003 Lemma A.8, Theorem
    5.1(v)) for every sample i and every ``1 ≤ l₁ < l₂ ≤ L``, matrix-free.

    ``weights`` are ZCZG's ``W_l`` (m_{l-1}, m_l); ``patterns[l-1]`` (n, m_l) the diagonals of
    ``Σ_{l,i}`` (``net.forward_trace(X).patterns``). Returns (n, L, L) float64 with entry
    ``[i, l₁-1, l₂-1]`` and NaN where ``l₁ ≥ l₂``. Pairs of one length ``l₂ − l₁`` whose layers
    have equal shapes are computed as one batched Lanczos run.
    """
    _check_patterns(weights, patterns)
    L = len(weights)
    n = patterns[0].shape[0]
    out = torch.full((n, L, L), math.nan, dtype=torch.float64)
    g = torch.Generator().manual_seed(int(seed))
    masks = [P.to(weights[0].dtype) for P in patterns]
    for k in range(1, L):  # l₂ = l₁ + k
        starts = list(range(1, L - k + 1))
        # group the starts whose chains have identical factor shapes
        groups: dict[tuple, list[int]] = {}
        for l1 in starts:
            key = tuple(tuple(weights[r - 1].shape) for r in range(l1, l1 + k + 1))
            groups.setdefault(key, []).append(l1)
        for key, l1s in groups.items():
            factors = []
            for t in range(k + 1):
                Ms = torch.stack([weights[l1 - 1 + t] for l1 in l1s])  # (P, in, out)
                if t < k:
                    mk = torch.stack([masks[l1 - 1 + t] for l1 in l1s])  # (P, n, out)
                else:
                    mk = None  # the last factor W_{l₂}ᵀ has no Σ
                factors.append((Ms, mk))
            sig = chain_spectral_norm(factors, (len(l1s), n), krylov=krylov, tol=tol, generator=g)  # (P, n)
            for p, l1 in enumerate(l1s):
                out[:, l1 - 1, l1 - 1 + k] = sig[p]
    return out


def zczg_a8_dense_norms(weights: Sequence[torch.Tensor], patterns: Sequence[torch.Tensor]) -> torch.Tensor:
    """Same as :func:`zczg_a8_norms` by forming every product and a dense SVD (small m only)."""
    _check_patterns(weights, patterns)
    L = len(weights)
    n = patterns[0].shape[0]
    out = torch.full((n, L, L), math.nan, dtype=torch.float64)
    masks = [P.to(weights[0].dtype) for P in patterns]
    for l1 in range(1, L):
        for l2 in range(l1 + 1, L + 1):
            factors = [(weights[r - 1], masks[r - 1]) for r in range(l1, l2)] + [(weights[l2 - 1], None)]
            for i in range(n):
                out[i, l1 - 1, l2 - 1] = torch.linalg.matrix_norm(dense_chain(factors, i), ord=2).double()
    return out


def azls_chain_factors(net, patterns: Sequence[torch.Tensor], a: int, b: int) -> list[Factor]:
    """Factors of AZLS's ``D_{i,a}W_a ⋯ D_{i,b}W_b`` (002 Section 4, Step 1), ``1 ≤ b ≤ a ≤ L``,
    in row convention (``net.mats[l] = W_lᵀ``, ``patterns[l]`` = diagonal of ``D_{i,l}``)."""
    L = net.depth
    if not (1 <= b <= a <= L):
        raise ValueError(f"need 1 <= b <= a <= L={L}, got a={a}, b={b}")
    return [(net.mats[r], patterns[r].to(net.dtype)) for r in range(b, a + 1)]


def azls_intermediate_norms(net, X: torch.Tensor, *, krylov: int = 64, tol: float = 1e-11, seed: int = 0) -> torch.Tensor:
    """``‖D_{i,a}W_a ⋯ D_{i,b}W_b‖₂`` (AZLS 002 Section 4, Step 1, "intermediate matrix") for
    every sample i and every ``1 ≤ b ≤ a ≤ L``, matrix-free (batched over b for each length).
    ``net`` is an :class:`~overparam_verify.AZLSNet`. Returns (n, L, L) float64, entry
    ``[i, a-1, b-1]``, NaN where ``a < b``."""
    fwd = net.forward_trace(X)
    L = net.depth
    n = X.shape[0]
    out = torch.full((n, L, L), math.nan, dtype=torch.float64)
    g = torch.Generator().manual_seed(int(seed))
    masks = [P.to(net.dtype) for P in fwd.patterns]
    for k in range(1, L + 1):  # number of factors a − b + 1
        bs = list(range(1, L - k + 2))
        factors = []
        for t in range(k):
            Ms = torch.stack([net.mats[b + t] for b in bs])  # (P, m, m) = W_{b+t}ᵀ
            mk = torch.stack([masks[b + t] for b in bs])  # (P, n, m)
            factors.append((Ms, mk))
        sig = chain_spectral_norm(factors, (len(bs), n), krylov=krylov, tol=tol, generator=g)
        for p, b in enumerate(bs):
            out[:, b + k - 2, b - 1] = sig[p]
    return out


def azls_backward_norms(net, X: torch.Tensor, *, krylov: int = 64, tol: float = 1e-11, seed: int = 0) -> torch.Tensor:
    """``‖B D_{i,L}W_L ⋯ D_{i,a}W_a‖₂`` (AZLS 002 Section 4, Step 1, "backward matrix") for every
    sample i and every ``a ∈ [L]``. Returns (n, L) float64, column a−1.

    The product has ``d_out`` rows: for ``d_out ≤ 48`` it is built by one backward sweep
    (``G ← (G ⊙ D_r) W_r`` from ``G = B``: ``d_out`` mat-vecs per layer, never an m×m product)
    and its norm taken by a thin SVD; otherwise matrix-free Lanczos per a."""
    fwd = net.forward_trace(X)
    L = net.depth
    n = X.shape[0]
    B = net.B  # (d_out, m)
    d_out = B.shape[0]
    out = torch.empty(n, L, dtype=torch.float64)
    masks = [P.to(net.dtype) for P in fwd.patterns]
    if d_out <= 48:
        G = B.unsqueeze(0).expand(n, *B.shape)  # (n, d_out, m)
        for a in range(L, 0, -1):
            G = (G * masks[a].unsqueeze(1)) @ net.mats[a].transpose(-1, -2)  # ⋅ D_a W_a
            out[:, a - 1] = torch.linalg.matrix_norm(G, ord=2).double()
        return out
    g = torch.Generator().manual_seed(int(seed))
    for a in range(1, L + 1):
        factors = azls_chain_factors(net, fwd.patterns, L, a) + [(net.head, None)]
        out[:, a - 1] = chain_spectral_norm(factors, (n,), krylov=krylov, tol=tol, generator=g)
    return out


# ----------------------------------------------------------------------------- Lemma A.9
def backward_row_vectors(weights: Sequence[torch.Tensor], patterns: Sequence[torch.Tensor], v: torch.Tensor) -> list[torch.Tensor]:
    """``u_{l,i} = vᵀ(Π_{r=l}^L Σ_{r,i}W_rᵀ)`` for every l (ZCZG 003 Lemma A.9), one backward
    sweep: list over l = 1..L of (n, m_{l-1}) tensors."""
    _check_patterns(weights, patterns)
    L = len(weights)
    n = patterns[0].shape[0]
    U = v.to(weights[0].dtype).unsqueeze(0).expand(n, -1)  # (n, m_L)
    out: list[torch.Tensor] = [None] * L  # type: ignore[list-item]
    for l in range(L, 0, -1):
        U = (U * patterns[l - 1].to(U.dtype)) @ weights[l - 1].transpose(-1, -2)  # (n, m_{l-1})
        out[l - 1] = U
    return out


def sparse_sup(u: torch.Tensor, s: int) -> torch.Tensor:
    """``sup_{‖a‖₂=1, ‖a‖₀≤s} uᵀa`` = ℓ₂ norm of the s largest |entries| of ``u`` (last axis)
    (ZCZG 003 Lemma A.9's Γ_{i,l,s}). ``ValueError`` if s < 1."""
    if int(s) != s or s < 1:
        raise ValueError(f"the sparsity s must be a positive integer, got s={s!r}")
    s = min(int(s), u.shape[-1])
    top = u.abs().topk(s, dim=-1).values
    return top.norm(dim=-1)


def sparse_sup_bruteforce(u: torch.Tensor, s: int) -> float:
    """The same supremum by enumerating every support of size ≤ s (the sup over unit a on a
    support S is ‖u_S‖₂ by Cauchy–Schwarz): for tiny 1-D ``u`` only."""
    if u.dim() != 1:
        raise ValueError("sparse_sup_bruteforce takes one vector")
    m = u.shape[0]
    best = 0.0
    for k in range(1, min(int(s), m) + 1):
        for S in itertools.combinations(range(m), k):
            best = max(best, float(u[list(S)].norm()))
    return best


# ----------------------------------------------------------------------------- Lemma A.7
def near_zero_counts(preacts: Sequence[torch.Tensor], beta: float) -> torch.Tensor:
    """``|S_{l,i}(β)| = |{j : |⟨w_{l,j}, x_{l-1,i}⟩| ≤ β}|`` (ZCZG 003 Lemma A.7) for every layer
    and sample, from the pre-activations (``forward_trace(X).preacts``). Returns (L, n) int64."""
    if not (math.isfinite(beta) and beta >= 0):
        raise ValueError(f"beta must be finite and >= 0, got beta={beta!r}")
    return torch.stack([(z.abs() <= beta).sum(-1) for z in preacts])


# ----------------------------------------------------------------------------- Lemmas A.10, A.11
def node_gradient_norms(S: torch.Tensor, K: torch.Tensor, a: torch.Tensor) -> torch.Tensor:
    """``g_j(a) = ‖Σ_i a_i S_{ji} z_i‖₂`` for every pattern row j, through the Gram matrix
    ``K = Z Zᵀ`` (n, n): ``g_j² = (a ⊙ S_j)ᵀ K (a ⊙ S_j)``. ``S`` (J, n) 0/1, ``a`` (n,) or (B, n).
    Returns (J,) or (B, J).

    ZCZG 003 Lemma A.10: S_{ji} = σ'(⟨w_{L,j}, x_{L−1,i}⟩), ``K = X_{L−1}X_{L−1}ᵀ/n²`` (the 1/n
    of the statement inside). Lemma A.11: S_{ji} = σ'(⟨w_j, z_i⟩) for Monte-Carlo draws w_j."""
    Sd = S.to(K.dtype)
    Q = Sd * a.unsqueeze(-2)  # (…, J, n)
    g2 = ((Q @ K) * Q).sum(-1)
    return g2.clamp_min(0).sqrt()


def fraction_above(S: torch.Tensor, K: torch.Tensor, a: torch.Tensor, thr: float, *, chunk: int = 16) -> torch.Tensor:
    """Fraction of rows j with ``g_j(a) ≥ thr·‖a‖_∞`` (scale-free in a). (…,) — a batch of
    coefficient vectors (B, n) is scored ``chunk`` rows at a time (memory (chunk, J, n))."""
    if a.dim() == 2 and a.shape[0] > chunk:
        return torch.cat([fraction_above(S, K, a[k : k + chunk], thr, chunk=chunk) for k in range(0, a.shape[0], chunk)])
    g = node_gradient_norms(S, K, a)
    amax = a.abs().amax(-1, keepdim=True)
    return (g >= thr * amax).to(torch.float64).mean(-1)


def coefficient_candidates(
    Z: torch.Tensor, y: torch.Tensor | None = None, *, n_random: int = 8, max_cluster: int = 5, seed: int = 0
) -> dict[str, torch.Tensor]:
    """Adversarial starting points for the "every a ∈ Rⁿ" of ZCZG 003 Lemmas A.10/A.11, for the
    unit vectors ``Z`` (n, d): one-hot e_k; label signs; differences of the nearest pairs; for
    the nearest clusters of 3..``max_cluster`` points the bottom singular vector of the cluster
    (a null vector when size > rank, so that Σ a_i z_i = 0 (the cancellation that makes ‖h(w)‖ vanish whenever the cluster is all
    active)); random signs, Gaussian and sparse vectors. Each entry (c, n), rows ‖·‖_∞ = 1."""
    n = Z.shape[0]
    g = torch.Generator().manual_seed(int(seed))
    out: dict[str, torch.Tensor] = {"one_hot": torch.eye(n, dtype=torch.float64)}
    if y is not None:
        yy = torch.as_tensor(y, dtype=torch.float64).reshape(1, n)
        out["labels"] = yy
    D = torch.cdist(Z, Z)
    D.fill_diagonal_(math.inf)
    pairs, clusters = [], []
    for i in range(n):
        j = int(D[i].argmin())
        a = torch.zeros(n, dtype=torch.float64)
        a[i], a[j] = 1.0, -1.0
        pairs.append(a)
        order = torch.argsort(D[i])
        for size in range(3, min(n, Z.shape[1] + 2, max_cluster) + 1):
            idx = torch.cat([torch.tensor([i]), order[: size - 1]])
            Zs = Z[idx].to(torch.float64)  # (size, d)
            # null vector of Zsᵀ (size > rank): smallest right singular vector of Zsᵀ
            _, Vh = torch.linalg.eigh(Zs @ Zs.T)  # (size, size) Gram: its bottom eigenvector
            c = Vh[:, 0]
            a = torch.zeros(n, dtype=torch.float64)
            a[idx] = c
            clusters.append(a)
    out["pair_diff"] = torch.stack(pairs)
    if clusters:
        out["cluster_null"] = torch.stack(clusters)
    out["random_sign"] = torch.randint(0, 2, (n_random, n), generator=g).to(torch.float64) * 2 - 1
    out["gaussian"] = torch.randn(n_random, n, generator=g, dtype=torch.float64)
    sp = torch.randn(n_random, n, generator=g, dtype=torch.float64)
    keep = torch.rand(n_random, n, generator=g) < 0.25
    keep[torch.arange(n_random), torch.randint(0, n, (n_random,), generator=g)] = True
    out["sparse"] = sp * keep
    return {k: v / v.abs().amax(-1, keepdim=True) for k, v in out.items()}


@dataclass
class WorstCoefficients:
    """Result of :func:`worst_coefficients`: the smallest fraction found, its ``a`` (‖a‖_∞ = 1),
    the strategy that found it, and the best fraction per strategy."""

    fraction: float
    a: torch.Tensor
    strategy: str
    by_strategy: dict[str, float] = field(default_factory=dict)


def worst_coefficients(
    S: torch.Tensor,
    K: torch.Tensor,
    thr: float,
    candidates: dict[str, torch.Tensor],
    *,
    steps: int = 60,
    n_starts: int = 6,
    lr: float = 0.05,
    S_eval: torch.Tensor | None = None,
) -> WorstCoefficients:
    """Adversarial search for ``a`` minimising the fraction of rows with ``g_j(a) ≥ thr·‖a‖_∞``
    (ZCZG 003 Lemma A.10/A.11's "for any a"). Every candidate is scored; the ``n_starts`` best
    are refined by a normalised-gradient descent on a soft count (sigmoid of
    ``(g_j/‖a‖_∞ − thr)/T`` with the temperature T annealed geometrically from the median g to
    thr/8), projected back to ‖a‖_∞ = 1 after each step (strategy ``"optimizer"``).

    Selection uses the patterns ``S``; with ``S_eval`` (fresh Monte-Carlo draws) the selected
    ``a`` is then scored on ``S_eval`` alone, so the reported fraction is an unbiased estimate
    for that ``a`` (taking the minimum over many candidates on the same draws would bias it
    down). ``by_strategy`` holds each strategy's best fraction on ``S``."""
    by: dict[str, float] = {}
    allc, names = [], []
    for name, C in candidates.items():
        if C.numel() == 0:
            continue
        C = C.to(K.dtype)
        by[name] = float(fraction_above(S, K, C, thr).min())
        allc.append(C)
        names += [name] * C.shape[0]
    if not allc:
        raise ValueError("worst_coefficients needs at least one candidate vector")
    A = torch.cat(allc)
    f_all = fraction_above(S, K, A, thr)
    order = torch.argsort(f_all)[:n_starts]
    best_f, best_i = float(f_all[order[0]]), int(order[0])
    best_a, best_name = A[best_i].clone(), names[best_i]
    # refine
    Sd = S.to(K.dtype)
    a = A[order].clone().requires_grad_(True)
    with torch.no_grad():
        g0 = node_gradient_norms(Sd, K, a / a.abs().amax(-1, keepdim=True))
        T0 = float(g0.median().clamp_min(thr))
    T1 = max(thr / 8, 1e-300)
    refined_best = math.inf
    for t in range(steps):
        T = T0 * (T1 / T0) ** (t / max(steps - 1, 1))
        an = a / a.abs().amax(-1, keepdim=True)
        Q = Sd * an.unsqueeze(-2)
        gj = (((Q @ K) * Q).sum(-1).clamp_min(0) + (1e-3 * thr) ** 2).sqrt()  # smooth at g = 0
        soft = torch.sigmoid((gj - thr) / T).mean(-1).sum()
        (grad,) = torch.autograd.grad(soft, a)
        with torch.no_grad():
            if not bool(torch.isfinite(grad).all()):
                break
            step = grad / grad.norm(dim=-1, keepdim=True).clamp_min(1e-300)
            a -= lr * step
            a.clamp_(-1.0, 1.0)
            a /= a.abs().amax(-1, keepdim=True).clamp_min(1e-300)
            f = fraction_above(S, K, a, thr)
            k = int(f.argmin())
            refined_best = min(refined_best, float(f[k]))
            if float(f[k]) < best_f:
                best_f, best_a, best_name = float(f[k]), a[k].detach().clone(), "optimizer"
    by["optimizer"] = refined_best
    if S_eval is not None:
        best_f = float(fraction_above(S_eval, K, best_a, thr))
    return WorstCoefficients(best_f, best_a, best_name, by)


def li_liang_patterns(Z: torch.Tensor, draws: int, *, seed: int = 0) -> torch.Tensor:
    """Activation patterns ``σ'(⟨w, z_i⟩)`` for ``draws`` i.i.d. ``w ~ N(0, I_d)`` (ZCZG 003
    Lemma A.11, after Li & Liang 2018 Lemma A.3), from a seeded generator: (draws, n) bool."""
    if draws < 1:
        raise ValueError(f"draws must be >= 1, got draws={draws}")
    g = torch.Generator().manual_seed(int(seed))
    W = torch.randn(draws, Z.shape[1], generator=g, dtype=torch.float64)
    return (W @ Z.to(torch.float64).T) > 0


def arc_points(n: int, phi: float, d: int = 2) -> torch.Tensor:
    """The tightest φ-separated configuration for ZCZG 003 Lemma A.11 (an adversarial choice of
    the z_i): n unit vectors on a great-circle arc of R^d, consecutive chords exactly φ
    (angle 2 arcsin(φ/2)). ``ValueError`` if the arc would wrap (then separation < φ)."""
    if int(n) != n or n < 1:
        raise ValueError(f"n must be a positive integer, got n={n!r}")
    if not (0 < phi <= 2) or d < 2:
        raise ValueError(f"need 0 < phi <= 2 and d >= 2, got phi={phi!r}, d={d!r}")
    theta = 2 * math.asin(phi / 2)
    if (n - 1) * theta > 2 * math.pi - theta + 1e-12:
        raise ValueError(f"n={n} points at separation phi={phi} do not fit on a circle")
    ang = torch.arange(n, dtype=torch.float64) * theta
    Z = torch.zeros(n, d, dtype=torch.float64)
    Z[:, 0], Z[:, 1] = torch.cos(ang), torch.sin(ang)
    return Z
