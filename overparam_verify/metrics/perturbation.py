"""Measured quantities for the catalogue family 'perturbation' (ZCZG 003 Theorem 5.3 and
Appendix B; AZLS 002 Section 4 Step 2, Theorems 3–4), and the adversarial search over the
perturbation region ``{W̃ : ‖W̃_l − W_l‖₂ ≤ τ for every l}``.

All statements there quantify over *every* W̃ in the region, so every measurement here comes
with a worst-case search:

* random perturbations (:func:`random_perturbation`: Gaussian rescaled to spectral norm exactly
  τ, or random rank one);
* :func:`greedy_flip_perturbation` — a rank-one construction per layer, ``Δ_l = a uᵀ`` (row
  convention), ``a`` along the (mean) input of the targeted samples, ``u`` spending the budget
  ``‖u‖ ≤ τ`` on the pre-activations cheapest to flip (nearest zero). For one sample this is
  the exact maximiser of the number of flips a single layer's perturbation can cause; it is the
  construction that attains 003 Lemma B.3's τ^{2/3};
* :func:`two_layer_flip_perturbation` — layers k−1 and k perturbed jointly (rank one each) so
  that the layer-k pre-activations nearest zero are pushed across: least squares for the
  first-order change of z_k through both layers (layer k−1's budget reaches layer k through
  M_k), the largest target set both budgets afford (issue 14: 1.2–2× the greedy flips);
* :func:`adversarial_patterns` — 003 Lemma B.1's Σ̃ need not be W̃'s own patterns: any binary
  diagonals within s flips of Σ; a greedy search for the worst ones (exact per flip);
* :func:`worst_gram_min` — projected descent on 2λ_min(JJᵀ) over the ω-region (AZLS 002
  Theorem 3's lower bound over every target set and every W̃), from the parked/greedy start;
* :func:`projected_ascent` — projected (normalised) gradient ascent on the perturbations
  ``Δ_l`` of any differentiable objective, each step followed by the Euclidean projection onto
  the spectral ball (:func:`project_spectral_ball`: singular values clipped at τ at every size;
  above min(a, b) = 160 only the few singular triplets above τ are computed, by deterministic
  Lanczos, and the result is verified, with the dense SVD as the fallback).

Networks are :class:`overparam_verify.network.Network` objects in row convention
(``x_l = σ(x_{l-1} M_l)``; ZCZG's ``M_l = W_l``, AZLS's ``M_l = W_lᵀ``); a perturbation is a list
of tensors ``Δ_l`` shaped like the *trainable* ``M_l`` (spectral norms are transpose-invariant).
"""
from __future__ import annotations

import math
from typing import Callable, Sequence

import torch

from ..losses import empirical_loss_and_grad, get_loss
from ..network import Network
from .init_backward import sparse_sup  # one implementation of the exact sparse supremum (003 Lemma A.9)

__all__ = [
    "trainable_indices",
    "perturbed_mats",
    "project_spectral_ball",
    "perturbation_norms",
    "random_perturbation",
    "aligned_perturbation",
    "greedy_flip_perturbation",
    "two_layer_flip_perturbation",
    "projected_ascent",
    "forward_deviations",
    "sign_change_counts",
    "union_sign_changes",
    "perturbed_sparse_sups",
    "sparse_sups_with_patterns",
    "adversarial_patterns",
    "perturbed_gradients",
    "backward_matrix",
    "backward_matrix_change",
    "taylor_residual",
    "worst_forward_deviation",
    "worst_sign_changes",
    "worst_sparse_sup",
    "worst_gradient_ratio",
    "worst_backward_change",
    "residual_gram_extremes",
    "worst_gram_min",
    "worst_taylor_residual",
]


# ---------------------------------------------------------------------------- basic helpers
def trainable_indices(net: Network) -> list[int]:
    """Indices into ``net.mats`` of the trained layers (ZCZG: all; AZLS: all but A)."""
    return [k for k, t in enumerate(net.trainable) if t]


def perturbed_mats(net: Network, deltas: Sequence[torch.Tensor]) -> list[torch.Tensor]:
    """``net.mats`` with ``Δ_l`` added to every trainable matrix (row convention)."""
    if len(deltas) != net.depth:
        raise ValueError(f"need one perturbation per trained layer: got {len(deltas)}, depth is {net.depth}")
    it = iter(deltas)
    return [M + next(it) if t else M for M, t in zip(net.mats, net.trainable)]


def _check_tau(tau: float) -> float:
    tau = float(tau)
    if not (tau >= 0 and math.isfinite(tau)):
        raise ValueError(f"the perturbation radius must be finite and >= 0, got tau={tau!r}")
    return tau


_SVD_BELOW = 160  #: min(a, b) at or below which the dense SVD clip is used (Lanczos: 11 vs 18 ms at 256, 6 vs 8 at 192)
#: ARPACK's relative Ritz-residual tolerance (``‖DᵀDv − λv‖ ≤ tol·λ``): float64 rounding level, but
#: above the width (~1e-16) of a plateau of singular values exactly at τ, which tol = 0 cannot resolve
_LANCZOS_TOL = 1e-13
_ABOVE = 1e-12  #: relative margin: singular values within τ(1 + 1e-12) count as "not above τ" (rounding of a plateau at τ)


def _clip_dense(D: torch.Tensor, tau: float) -> torch.Tensor:
    U, S, Vh = torch.linalg.svd(D, full_matrices=False)
    return (U * S.clamp(max=tau).unsqueeze(-2)) @ Vh


def _v0(n: int, seed: int):
    """A fixed-seed start vector for ARPACK (deterministic Lanczos)."""
    g = torch.Generator().manual_seed(int(seed))
    return torch.randn(n, generator=g, dtype=torch.float64).numpy()


def _top_eig_gram(Dn, k: int, seed: int):
    """The k largest eigenpairs of the smaller Gram matrix of Dn (a, b) — ``DᵀD`` (b, b) if a ≥ b,
    else ``DDᵀ`` — by implicitly restarted Lanczos (ARPACK ``eigsh``, relative Ritz residual ≤ 1e-13:
    float64 rounding level) from a fixed-seed start. Returns (λ descending, vectors) of the *converged* pairs
    (ARPACK stops early on a degenerate cluster, e.g. a plateau of singular values exactly at τ
    left by earlier clips: the pairs it did converge are kept), or None (also when ARPACK fails
    outright, as on a matrix whose Gram maps the start vector to zero)."""
    import numpy as np
    from scipy.sparse.linalg import ArpackError, ArpackNoConvergence, LinearOperator, eigsh

    a, b = Dn.shape
    if a >= b:
        op = LinearOperator((b, b), matvec=lambda v: Dn.T @ (Dn @ v), matmat=lambda V: Dn.T @ (Dn @ V), dtype=Dn.dtype)
    else:
        op = LinearOperator((a, a), matvec=lambda v: Dn @ (Dn.T @ v), matmat=lambda V: Dn @ (Dn.T @ V), dtype=Dn.dtype)
    n = min(a, b)
    try:
        lam, vec = eigsh(op, k=k, which="LA", tol=_LANCZOS_TOL, v0=_v0(n, seed), maxiter=max(100, n))
    except ArpackNoConvergence as e:
        lam, vec = e.eigenvalues, e.eigenvectors
    except ArpackError:  # e.g. "starting vector is zero": the Gram matrix annihilates it (a zero or tiny-rank D)
        return None
    if lam is None or len(lam) == 0:
        return None
    order = np.argsort(lam)[::-1]
    return lam[order], vec[:, order]


def _clip_lanczos(D: torch.Tensor, tau: float, rank: int | None) -> torch.Tensor | None:
    """Nearest point of the spectral ball for one matrix D (a, b) from its top singular triplets
    only: ``D − Σ_{σ_i > τ} (σ_i − τ) u_i v_iᵀ``. The triplets come from :func:`_top_eig_gram`
    (Lanczos on the Gram matrix, converged to float64 rounding); k starts at 2 and doubles until
    the smallest converged σ is ≤ τ(1 + 1e-12) (then every singular value above τ is among
    them); ``rank`` (an upper bound on how many exceed τ) caps k at rank + 1. The result is
    verified by the clipped triplets' residuals (≤ 1e-9 σ₁) and by an independent Lanczos
    estimate of its norm from another fixed start (‖result‖₂ ≤ τ(1 + 1e-9)); ``None`` if
    scipy is missing or anything fails (the caller falls back to the dense SVD)."""
    try:
        import numpy as np
    except ImportError:
        return None
    try:
        import scipy.sparse.linalg  # noqa: F401  (an optional dependency: the audit extra)
    except ImportError:
        return None
    a, b = D.shape
    kmax = min(a, b) // 2
    cap = kmax if rank is None else min(kmax, int(rank) + 1)
    k = min(2, cap)
    Dn = D.detach().to("cpu", torch.float64).numpy()
    while True:
        got = _top_eig_gram(Dn, k, 0)
        if got is None:
            return None
        lam, vec = got
        s = np.sqrt(np.clip(lam, 0.0, None))
        if float(s[-1]) <= tau * (1.0 + _ABOVE):
            break
        if k >= cap:
            return None
        k = min(cap, 2 * k)
    big = s > tau
    if big.any():
        s, vec = s[big], vec[:, big]
        if a >= b:  # vec: right singular vectors v (b, k)
            V, U = vec, (Dn @ vec) / s
        else:  # vec: left singular vectors u (a, k)
            U, V = vec, (Dn.T @ vec) / s
        res = max(float(np.abs(Dn @ V - U * s).max()), float(np.abs(Dn.T @ U - V * s).max()))
        if not res <= 1e-9 * float(s[0]):
            return None
        Rn = Dn - (U * (s - tau)) @ V.T
    else:
        Rn = Dn
    got = _top_eig_gram(Rn, 1, 1)
    if got is None or not math.sqrt(max(float(got[0][0]), 0.0)) <= tau * (1.0 + 1e-9):
        return None
    return torch.from_numpy(Rn).to(dtype=D.dtype, device=D.device) if big.any() else D


def _norm2(G: torch.Tensor) -> float:
    """‖G‖₂ of one matrix: the dense ``matrix_norm(ord=2)`` for min(a, b) ≤ 160, above the top
    Ritz value of Lanczos on the Gram matrix (:func:`_top_eig_gram`, converged to float64
    rounding; ~10× cheaper than the SVD at 512), the dense norm if it did not converge."""
    if min(G.shape[-2:]) > _SVD_BELOW:
        try:
            got = _top_eig_gram(G.detach().to("cpu", torch.float64).numpy(), 1, 2)
        except ImportError:
            got = None
        if got is not None and float(got[0][0]) > 0:
            return math.sqrt(float(got[0][0]))
    return float(torch.linalg.matrix_norm(G, ord=2))


def project_spectral_ball(D: torch.Tensor, tau: float, *, rank: int | None = None) -> torch.Tensor:
    """Euclidean (Frobenius-nearest) projection of ``D`` (..., a, b) onto ``{‖D‖₂ ≤ τ}``: every
    singular value clipped at τ, at every size.

    For min(a, b) ≤ 160 by the dense SVD. Above, only the singular values that exceed τ are
    needed: inside :func:`projected_ascent` the iterate is ``P + c·G`` with ``‖P‖₂ ≤ τ`` and
    rank G ≤ r (G = x_{l−1}ᵀδ_l has rank ≤ n), so by Weyl's inequality σ_{r+1} ≤ σ₁(P) ≤ τ and
    at most r of them exceed τ. They are computed by deterministic Lanczos with Rayleigh–Ritz
    (``rank``: an upper bound on r if known, else found by doubling) and clipped; the result is
    verified (‖result‖₂ ≤ τ(1 + 1e-9) by an independent Lanczos estimate, and the triplets'
    residuals) and the dense SVD clip is the fallback if the verification fails. The block
    power iteration of :func:`metrics.core.spectral_norm` is not used for the check: on a
    clipped matrix the top singular values are a cluster at τ and it needs ~1000 iterations
    (measured: 1.4–2 s at 1024, slower than the dense SVD)."""
    tau = _check_tau(tau)
    if rank is not None and (isinstance(rank, bool) or int(rank) != rank or rank < 0):
        raise ValueError(f"rank must be a non-negative integer (an upper bound on the rank of the step), got rank={rank!r}")
    if min(D.shape[-2:]) <= _SVD_BELOW:
        return _clip_dense(D, tau)
    lead = D.shape[:-2]
    flat = D.reshape(-1, *D.shape[-2:])
    out = []
    for Dk in flat:
        R = _clip_lanczos(Dk, tau, rank)
        out.append(_clip_dense(Dk, tau) if R is None else R)
    return torch.stack(out).reshape(*lead, *D.shape[-2:]) if lead else out[0]


def perturbation_norms(deltas: Sequence[torch.Tensor]) -> list[float]:
    """Exact spectral norms ``‖Δ_l‖₂`` (feasibility check: each must be ≤ τ)."""
    return [float(torch.linalg.matrix_norm(D, ord=2)) for D in deltas]


def random_perturbation(net: Network, tau: float, *, seed: int, kind: str = "gaussian") -> list[torch.Tensor]:
    """A random point on the boundary of the region: ``kind="gaussian"`` — i.i.d. Gaussian
    matrices rescaled to ``‖Δ_l‖₂ = τ`` exactly; ``kind="rank1"`` — ``τ a bᵀ`` with a, b
    uniform unit vectors."""
    tau = _check_tau(tau)
    if kind not in ("gaussian", "rank1"):
        raise ValueError(f"kind must be 'gaussian' or 'rank1', got kind={kind!r}")
    g = torch.Generator().manual_seed(int(seed))
    out = []
    for k in trainable_indices(net):
        M = net.mats[k]
        a, b = M.shape[-2:]
        if kind == "gaussian":
            G = torch.randn(a, b, generator=g, dtype=torch.float64)
            G = G * (tau / _norm2(G))
        else:
            u = torch.randn(a, generator=g, dtype=torch.float64)
            w = torch.randn(b, generator=g, dtype=torch.float64)
            G = tau * torch.outer(u / u.norm(), w / w.norm())
        out.append(G.to(dtype=M.dtype, device=M.device))
    return out


def aligned_perturbation(net: Network, tau: float) -> list[torch.Tensor]:
    """``Δ_l = τ u₁v₁ᵀ`` along the top singular pair of ``W_l``: the perturbation that attains
    ``‖W̃_l‖₂ = ‖W_l‖₂ + τ`` (the worst case of 003 Theorem 5.3(i))."""
    tau = _check_tau(tau)
    out = []
    for k in trainable_indices(net):
        U, S, Vh = torch.linalg.svd(net.mats[k], full_matrices=False)
        out.append(tau * torch.outer(U[:, 0], Vh[0]))
    return out


def greedy_flip_perturbation(
    net: Network,
    X: torch.Tensor,
    tau: float,
    *,
    samples: Sequence[int] | None = None,
    margin: float = 1e-6,
) -> list[torch.Tensor]:
    """Rank-one, layer-by-layer perturbation aimed at the pre-activations nearest zero.

    At trained layer l, with ``x̃_{l-1}`` the perturbed inputs of the targeted samples S,
    ``Δ_l = a uᵀ`` (row convention) with ``a`` the unit mean of ``x̃_{l-1,i}``, i ∈ S, so the
    pre-activations move by ``c_i u`` with ``c_i = ⟨x̃_{l-1,i}, a⟩``. Flipping node j (relative to
    the *unperturbed* network's sign) for sample i costs ``|u_j| = max(±z̃_{ij}, 0)/c_i``; each node
    takes its cheapest sample, and nodes are bought cheapest first while ``‖u‖₂ ≤ τ``.
    For |S| = 1 this maximises the number of sign flips that layer's perturbation can cause for
    that sample (003 Lemma B.3's worst case). ``‖Δ_l‖₂ ≤ τ`` exactly by construction.
    """
    tau = _check_tau(tau)
    X = net.check_input(X)
    S = list(range(X.shape[0])) if samples is None else [int(i) for i in samples]
    if not S:
        raise ValueError("samples must name at least one sample")
    zs0 = net._forward(X)[0]
    deltas = []
    x = X
    for k, (M, kind, tr) in enumerate(zip(net.mats, net.kinds, net.trainable)):
        if tr:
            xs = x[S]  # (s, m_{l-1})
            a = xs.sum(0)
            if float(a.norm()) == 0.0:
                a = torch.ones_like(a)
            a = a / a.norm()
            c = xs @ a  # (s,)
            z = xs @ M if kind != "res" else xs + xs @ M  # (s, m_l)
            pos0 = zs0[k][S] > 0  # (s, m_l) original pattern
            # signed distance to the other side, in units of u_j; direction -1 for pos0 (push down)
            need = torch.where(pos0, z.clamp(min=0.0), (-z).clamp(min=0.0))
            cost = torch.where(c[:, None] > 0, need / c.clamp(min=1e-300)[:, None], torch.full_like(need, math.inf))
            cost = cost * (1.0 + margin) + 1e-12
            best, arg = cost.min(dim=0)  # (m_l,)
            direction = torch.where(pos0[arg, torch.arange(z.shape[1])], -1.0, 1.0).to(z.dtype)
            order = torch.argsort(best)
            cum = torch.cumsum(best[order] ** 2, 0)
            take = order[cum <= tau * tau]
            u = torch.zeros(z.shape[1], dtype=z.dtype, device=z.device)
            u[take] = direction[take] * best[take]
            D = torch.outer(a, u)
            deltas.append(D)
            Mp = M + D
        else:
            Mp = M
        z = x + x @ Mp if kind == "res" else x @ Mp
        x = z if kind == "linear" else torch.relu(z)
    return deltas


def two_layer_flip_perturbation(
    net: Network,
    X: torch.Tensor,
    tau: float,
    *,
    sample: int = 0,
    layer: int | None = None,
    margin: float = 0.05,
    weights: Sequence[float] = (0.25, 1.0, 4.0),
) -> list[torch.Tensor] | None:
    """Two-layer least-squares flip attack (issue 14): layers k−1 and k (``layer`` = k, 1-based
    among the trained layers, default the last) are perturbed *jointly* so that the layer-k
    pre-activations of ``sample`` nearest zero are pushed across.

    With ``Δ_{k−1} = a₁u₁ᵀ`` (a₁ the unit input of layer k−1) and ``Δ_k = a₂u₂ᵀ`` (a₂ the unit
    x_{k−1}), the first-order change of the layer-k pre-activations is
    ``δz_k = ‖x_{k−2}‖(Σ_{k−1}u₁)ᵀM_k + ‖x_{k−1}‖u₂`` — layer k−1's budget reaches layer k
    through M_k. For the target set T (the |T| nodes nearest zero) the least-squares solution of
    ``δz_{k,T} = −(1 + margin)z_{k,T}`` minimising ``‖u₁‖² + λ‖u₂‖²`` is
    ``u₁ = Σ_{k−1}M_{k,T}·‖x_{k−2}‖y``, ``u₂,T = ‖x_{k−1}‖y/λ`` with
    ``(AᵀA + ‖x_{k−1}‖²/λ·I)y = t``; |T| is the largest (bisection) with ‖u₁‖, ‖u₂‖ ≤ τ, over λ in
    ``weights``. Both Δ are rank one with ‖Δ‖₂ = ‖u‖ ≤ τ. Returns the perturbation list (zero at
    the other layers), or None if the two layers are not consecutive trained ReLU layers."""
    tau = _check_tau(tau)
    X = net.check_input(X)
    idx = trainable_indices(net)
    if len(idx) < 2:
        return None
    pos = len(idx) - 1 if layer is None else int(layer) - 1
    if not (1 <= pos < len(idx)):
        raise ValueError(f"layer must lie in [2, L={len(idx)}], got layer={layer!r}")
    k2 = idx[pos]
    k1 = k2 - 1
    if k1 not in idx or net.kinds[k1] != "relu" or net.kinds[k2] != "relu":
        return None
    i = int(sample)
    with torch.no_grad():
        zs, xs, _ = net._forward(X[i : i + 1])
        x0 = (X if k1 == 0 else xs[k1 - 1])[i if k1 == 0 else 0]  # (m_{k-2},)
        z1, x1, z2 = zs[k1][0], xs[k1][0], zs[k2][0]  # (m_{k-1},), (m_{k-1},), (m_k,)
        n0, n1 = float(x0.norm()), float(x1.norm())
        if n0 == 0.0 or n1 == 0.0:
            return None
        D1 = (z1 > 0).to(z1.dtype)
        M2 = net.mats[k2]  # (m_{k-1}, m_k)
        A_full = n0 * D1[:, None] * M2  # (m_{k-1}, m_k): δz_k = u₁ᵀ A_full + n1 u₂
        G = A_full.T @ A_full  # (m_k, m_k)
        order = torch.argsort(z2.abs())
        t_all = -(1.0 + margin) * z2 - torch.sign(z2) * 1e-12
        K = z2.shape[0]

        def solve(T, lam):
            GT = G[T][:, T] + (n1 * n1 / lam) * torch.eye(len(T), dtype=G.dtype)
            y = torch.linalg.solve(GT, t_all[T])
            return A_full[:, T] @ y, n1 * y / lam  # u1 (m_{k-1},), u2_T (|T|,)

        def feasible(k, lam):
            u1, u2 = solve(order[:k], lam)
            return float(u1.norm()) <= tau and float(u2.norm()) <= tau

        best = None
        for lam in weights:
            lo, hi = 0, 1  # galloping, then bisection: the largest feasible |T|
            while hi <= K and feasible(hi, lam):
                lo, hi = hi, 2 * hi
            hi = min(hi, K + 1) - 1
            while lo < hi:
                mid = (lo + hi + 1) // 2
                if feasible(mid, lam):
                    lo = mid
                else:
                    hi = mid - 1
            if lo > 0 and (best is None or lo > best[0]):
                best = (lo, lam)
        out = [torch.zeros_like(net.mats[k]) for k in idx]
        if best is None:
            return out
        T = order[: best[0]]
        u1, u2T = solve(T, best[1])
        u2 = torch.zeros_like(z2)
        u2[T] = u2T
        u1 = u1 * min(1.0, tau / max(float(u1.norm()), 1e-300))
        u2 = u2 * min(1.0, tau / max(float(u2.norm()), 1e-300))
        out[pos - 1] = torch.outer(x0 / n0, u1)
        out[pos] = torch.outer(x1 / n1, u2)
    return out


def projected_ascent(
    net: Network,
    objective: Callable[[list[torch.Tensor]], torch.Tensor],
    tau: float,
    init: Sequence[torch.Tensor],
    *,
    steps: int = 25,
    step: float = 0.5,
    maximize: bool = True,
) -> tuple[list[torch.Tensor], float]:
    """Projected normalised gradient ascent (``maximize=False``: descent) of
    ``objective(mats)`` over perturbations ``Δ_l`` with ``‖Δ_l‖₂ ≤ τ``.

    Each step moves every ``Δ_l`` by ``step·τ·(decay)`` along its normalised gradient and
    projects onto the spectral ball (:func:`project_spectral_ball`). Returns the best feasible
    point met (the projected ``init`` included) and its objective value.
    """
    tau = _check_tau(tau)
    sgn = 1.0 if maximize else -1.0
    cur = [project_spectral_ball(d.detach().clone(), tau) for d in init]
    best_val, best = -math.inf, [d.clone() for d in cur]
    for t in range(steps + 1):
        ds = [d.clone().requires_grad_(True) for d in cur]
        val = objective(perturbed_mats(net, ds))
        v = sgn * float(val.detach())
        if math.isfinite(v) and v > best_val:
            best_val, best = v, [d.detach().clone() for d in ds]
        if t == steps or not val.requires_grad:
            break
        grads = torch.autograd.grad(val, ds, allow_unused=True)
        lr = step * tau / math.sqrt(1.0 + t / 5.0)
        new = []
        for d, g in zip(ds, grads):
            d = d.detach()
            if g is not None:
                gn = float(g.norm())
                if gn > 0 and math.isfinite(gn):
                    d = d + sgn * lr * g / gn
            new.append(project_spectral_ball(d, tau))
        cur = new
    return best, sgn * best_val


# ---------------------------------------------------------------------------- measurements
def _trace(net: Network, X: torch.Tensor, mats):
    zs, xs, out = net._forward(X, mats)
    idx = trainable_indices(net)
    return [zs[k] for k in idx], [xs[k] for k in idx], out


def forward_deviations(net: Network, X: torch.Tensor, deltas: Sequence[torch.Tensor]) -> torch.Tensor:
    """``‖x̃_{l,i} − x_{l,i}‖₂`` for every trained layer l and sample i, shape (L, n)
    (003 Lemma B.2; AZLS Step 2(b) ``‖h_{i,l} − h⁽⁰⁾_{i,l}‖``)."""
    X = net.check_input(X)
    _, xs0, _ = _trace(net, X, net.mats)
    _, xs1, _ = _trace(net, X, perturbed_mats(net, deltas))
    return torch.stack([(a - b).norm(dim=-1) for a, b in zip(xs1, xs0)])


def sign_change_counts(net: Network, X: torch.Tensor, deltas: Sequence[torch.Tensor]) -> torch.Tensor:
    """``‖Σ̃_{l,i} − Σ_{l,i}‖₀`` for every trained layer l and sample i, shape (L, n), int
    (003 Lemma B.3; AZLS Step 2(a) ``‖D_{i,l} − D⁽⁰⁾_{i,l}‖₀``)."""
    X = net.check_input(X)
    zs0, _, _ = _trace(net, X, net.mats)
    zs1, _, _ = _trace(net, X, perturbed_mats(net, deltas))
    return torch.stack([((a > 0) != (b > 0)).sum(dim=-1) for a, b in zip(zs1, zs0)])


def union_sign_changes(net: Network, X: torch.Tensor, deltas: Sequence[torch.Tensor]) -> int:
    """003 Lemma B.4's ``|S̃_L| = |{j ∈ [m_L] : ∃i, (Σ̃_{L,i} − Σ_{L,i})_{jj} ≠ 0}|``."""
    X = net.check_input(X)
    zs0, _, _ = _trace(net, X, net.mats)
    zs1, _, _ = _trace(net, X, perturbed_mats(net, deltas))
    return int(((zs1[-1] > 0) != (zs0[-1] > 0)).any(dim=0).sum())


def perturbed_sparse_sups(net: Network, X: torch.Tensor, mats, s: int, l: int = 1) -> torch.Tensor:
    """003 Lemma B.1's ``Γ̃_{i,l,s} = sup vᵀ(Π_{r=l}^L Σ̃_{r,i}W̃_rᵀ)a`` over s-sparse unit a, for
    every sample i, shape (n,), for ZCZG's scalar-head network. ``mats`` are the (perturbed)
    row-convention matrices; the patterns Σ̃ are the ones of ``mats``; l is 1-based."""
    if net.head_kind != "vector":
        raise ValueError("the sparse supremum of 003 Lemma B.1 needs ZCZG's scalar-head network (vᵀ…)")
    L = len(mats)
    if not (1 <= l <= L):
        raise ValueError(f"l must lie in [1, L={L}], got l={l!r}")
    zs, _, _ = net._forward(X, mats)
    n = X.shape[0]
    u = net.head.unsqueeze(0).expand(n, -1)  # (n, m_L)
    for r in range(L - 1, l - 2, -1):
        u = (u * (zs[r] > 0)) @ mats[r].transpose(-1, -2)  # (n, m_{r-1})
    return sparse_sup(u, s)


def sparse_sups_with_patterns(net: Network, mats, masks: Sequence[torch.Tensor], s: int, l: int = 1) -> torch.Tensor:
    """003 Lemma B.1's ``Γ̃_{i,l,s} = sup vᵀ(Π_{r=l}^L Σ̃_{r,i}W̃_rᵀ)a`` over s-sparse unit a with
    the binary diagonals Σ̃ given explicitly (the lemma lets them be *any* binary diagonals with
    ``‖Σ̃_{r,i} − Σ_{r,i}‖₀ ≤ s``, not only the patterns of W̃): ``masks[k]`` is (n, m_k), 0/1,
    for the 0-based layers k = l−1, …, L−1 (``masks[k]`` for k < l−1 is ignored). Shape (n,)."""
    if net.head_kind != "vector":
        raise ValueError("the sparse supremum of 003 Lemma B.1 needs ZCZG's scalar-head network (vᵀ…)")
    L = len(mats)
    if not (1 <= l <= L):
        raise ValueError(f"l must lie in [1, L={L}], got l={l!r}")
    if len(masks) != L:
        raise ValueError(f"need one mask per layer: got {len(masks)}, L is {L}")
    n = masks[-1].shape[0]
    u = net.head.unsqueeze(0).expand(n, -1)  # (n, m_L)
    for r in range(L - 1, l - 2, -1):
        u = (u * masks[r].to(u.dtype)) @ mats[r].transpose(-1, -2)  # (n, m_{r-1})
    return sparse_sup(u, s)


def adversarial_patterns(net: Network, X: torch.Tensor, mats, s: int, l: int = 1, *,
                         allowed: Sequence[torch.Tensor] | None = None) -> list[torch.Tensor]:
    """Greedy worst binary diagonals Σ̃ for 003 Lemma B.1: for every sample i and every layer
    r = L, …, l (top down, one sweep), flip (relative to the *unperturbed* pattern Σ_{r,i}) up
    to ``s`` coordinates, one at a time, each time the coordinate whose flip increases
    ``Γ̃_{i,l,s}`` (at the matrices ``mats``) the most, while some flip increases it. The change
    of the vector ``u = vᵀΠΣ̃W̃ᵀ`` that a flip at layer r causes is linear in that flip (the
    other diagonals fixed), so every candidate is evaluated exactly. ``allowed[k]`` (n, m_k)
    bool restricts the flips (e.g. to W̃'s own flips: the pattern of W̃ capped to s flips).
    Returns masks (list over layers, (n, m_k) float 0/1) with ``‖Σ̃_{r,i} − Σ_{r,i}‖₀ ≤ s``."""
    X = net.check_input(X)
    if int(s) != s or s < 1:
        raise ValueError(f"the sparsity s must be a positive integer, got s={s!r}")
    L = len(mats)
    if not (1 <= l <= L):
        raise ValueError(f"l must lie in [1, L={L}], got l={l!r}")
    zs0 = net._forward(X, net.mats)[0]
    base = [(z > 0).to(X.dtype) for z in zs0]  # Σ_{r,i}: (n, m_r)
    masks = [b.clone() for b in base]
    n = X.shape[0]
    v = net.head.detach()
    with torch.no_grad():
        for i in range(n):
            for k in range(L - 1, l - 2, -1):
                c = v.clone()  # vector arriving at layer k from above: (m_k,)
                for r in range(L - 1, k, -1):
                    c = (c * masks[r][i]) @ mats[r].transpose(-1, -2)
                R = mats[k].transpose(-1, -2)  # (m_k, m_{k-1}): rows pushed down the chain below k
                for r in range(k - 1, l - 2, -1):
                    R = (R * masks[r][i]) @ mats[r].transpose(-1, -2)
                ok = torch.ones_like(masks[k][i], dtype=torch.bool) if allowed is None else allowed[k][i].clone()
                for _ in range(int(s)):
                    u = ((c * masks[k][i]) @ R)  # (m_{l-2},)
                    cur = float(sparse_sup(u, s))
                    sign = 1.0 - 2.0 * masks[k][i]  # flipping j adds (1 − 2σ̃_j) c_j R_j
                    cand = sparse_sup(u.unsqueeze(0) + (sign * c).unsqueeze(1) * R, s)  # (m_k,)
                    cand = torch.where(ok, cand, torch.full_like(cand, -math.inf))
                    j = int(cand.argmax())
                    if not float(cand[j]) > cur:
                        break
                    masks[k][i, j] = 1.0 - masks[k][i, j]
                    ok[j] = False
    return masks


def perturbed_gradients(net: Network, X: torch.Tensor, y: torch.Tensor, loss, mats):
    """Closed-form gradients of the empirical loss at the (perturbed) ``mats`` w.r.t. every
    trained matrix (row convention, list over layers), and ``Σ_i ℓ'(y_i ỹ_i)`` (classification)
    or ``F(W̃)`` (square loss). Differentiable in ``mats`` (for the adversarial search)."""
    lo = get_loss(loss)
    zs, xs, out = net._forward(X, mats)
    Lval, g, margin = empirical_loss_and_grad(lo, out, y, vector_output=net.vector_output)
    grads = net._backward(X, zs, xs, g, mats)
    extra = lo.deriv(margin).sum() if lo.classification else Lval
    return grads, extra


def backward_matrix(net: Network, X: torch.Tensor, mats, i: int, a: int = 1) -> torch.Tensor:
    """AZLS's backward matrix ``B D_{i,L}W_L ⋯ D_{i,a}W_a`` (d_out × m) for sample i at ``mats``
    (AZLS 002 Section 4, Step 1/2; a is 1-based among the trained layers)."""
    if net.head_kind != "matrix":
        raise ValueError("the backward matrix B D W ⋯ needs AZLS's matrix head B")
    idx = trainable_indices(net)
    zs, _, _ = net._forward(X[i : i + 1], mats)
    R = net.head.transpose(-1, -2)  # (d_out, m) = B
    for k in reversed(idx[a - 1 :]):
        R = (R * (zs[k][0] > 0)) @ mats[k].transpose(-1, -2)  # (d_out, m): ... D_k W_k
    return R


def backward_matrix_change(net: Network, X: torch.Tensor, deltas, i: int, a: int = 1) -> torch.Tensor:
    """``‖Back_{i,a}(W̃) − Back_{i,a}(W)‖₂`` (AZLS Step 2, backward stability)."""
    X = net.check_input(X)
    D = backward_matrix(net, X, perturbed_mats(net, deltas), i, a) - backward_matrix(net, X, net.mats, i, a)
    return torch.linalg.matrix_norm(D, ord=2)


def taylor_residual(net: Network, X: torch.Tensor, y: torch.Tensor, mats_breve, W_prime, loss="square") -> float:
    """AZLS Theorem 4's left side minus its first-order part:
    ``F(W̆ + W′) − F(W̆) − ⟨∇F(W̆), W′⟩`` (``W′`` a list over trained layers, row convention)."""
    lo = get_loss(loss)
    zs, xs, out = net._forward(X, mats_breve)
    F0, g, _ = empirical_loss_and_grad(lo, out, y, vector_output=net.vector_output)
    grads = net._backward(X, zs, xs, g, mats_breve)
    it = iter(W_prime)
    mats1 = [M + next(it) if t else M for M, t in zip(mats_breve, net.trainable)]
    F1 = empirical_loss_and_grad(lo, net._forward(X, mats1, keep=False)[2], y, vector_output=net.vector_output)[0]
    ip = sum(float((G * W).sum()) for G, W in zip(grads, W_prime))
    return float(F1) - float(F0) - ip


# ---------------------------------------------------------------------------- worst-case searches
def _randoms(net, tau, seed, R):
    return [random_perturbation(net, tau, seed=seed + r, kind="gaussian") for r in range(R)] + [
        random_perturbation(net, tau, seed=seed + 7919 + r, kind="rank1") for r in range(max(1, R // 2))
    ]


def _ascent_starts(vals: Sequence[float], restarts: int, *, keep: int | None = None, maximize: bool = True) -> list[int]:
    """Indices of the ``restarts`` most extreme candidates (largest ``vals`` first; smallest with
    ``maximize=False``) that projected ascent starts from; with ``restarts ≥ 2`` the candidate
    ``keep`` (the greedy/parked construction) is always one of them, in place of the last."""
    order = sorted(range(len(vals)), key=lambda j: -vals[j] if maximize else vals[j])
    starts = order[: max(1, int(restarts))]
    if keep is not None and restarts >= 2 and keep not in starts:
        starts[-1] = keep
    return starts


def _winner(by_kind: dict, maximize: bool = True) -> str:
    """The kind of candidate (random, greedy, ascent, ...) that attained the extreme value; ties
    go to the cheapest kind (the first in ``by_kind``)."""
    pick = max if maximize else min
    best = pick(by_kind.values())
    return next(k for k, v in by_kind.items() if v == best)


def worst_forward_deviation(net: Network, X: torch.Tensor, tau: float, *, seed: int = 0, R: int = 4,
                            steps: int = 20, restarts: int = 1) -> dict:
    """Largest ``max_i ‖x̃_{L,i} − x_{L,i}‖`` (and per layer) over: R random perturbations, the
    greedy flip construction (multi-layer: each layer targets the pre-activations of the already
    perturbed inputs), and projected gradient ascent on ``max_i ‖x̃_{L,i} − x_{L,i}‖`` from the
    ``restarts`` best of those (``restarts ≥ 2`` always includes the greedy start). Returns
    worst/random values and ratio, per-layer worst, the value per kind and the winning kind."""
    X = net.check_input(X)
    rnd = _randoms(net, tau, seed, R)
    rnd_dev = [forward_deviations(net, X, d) for d in rnd]
    random_worst = max(float(d[-1].max()) for d in rnd_dev)
    cands = rnd + [greedy_flip_perturbation(net, X, tau)]
    devs = rnd_dev + [forward_deviations(net, X, cands[-1])]
    x0 = _trace(net, X, net.mats)[1][-1].detach()

    def obj(mats):
        xL = _trace(net, X, mats)[1][-1]
        return (xL - x0).norm(dim=-1).max()

    # the greedy (multi-layer) construction is always one start
    starts = _ascent_starts([float(d[-1].max()) for d in devs], restarts, keep=len(rnd))
    nc = len(devs)
    for k in starts:
        best, _ = projected_ascent(net, obj, tau, cands[k], steps=steps)
        devs.append(forward_deviations(net, X, best))
    per_layer = torch.stack(devs).amax(dim=(0, 2))  # (L,)
    worst = float(per_layer[-1])
    allmax = [float(d.max()) for d in devs]  # max over (l, i) per candidate
    by_kind = {"random": max(allmax[: len(rnd)]), "greedy": allmax[len(rnd)], "ascent": max(allmax[nc:])}
    return {
        "by_kind": by_kind,
        "winner": _winner(by_kind),
        "worst": worst,
        "random": random_worst,
        "ratio_worst_random": worst / random_worst if random_worst > 0 else math.inf,
        "per_layer_worst": [float(v) for v in per_layer],
        "per_layer_max_over_l": float(per_layer.max()),
        "max_delta_norm": max(perturbation_norms(best)),
    }


def worst_sign_changes(net: Network, X: torch.Tensor, tau: float, *, seed: int = 0, R: int = 4,
                       steps: int = 0) -> dict:
    """Sign-change counts ``‖Σ̃_{l,i} − Σ_{l,i}‖₀`` (max over i, per layer) and the union count
    at the last layer (003 Lemma B.4): random perturbations vs the greedy flip construction aimed
    at each sample (and at all samples at once, for the union), optionally refined by
    projected ascent on a smooth surrogate (sigmoid of the sign-crossing distance), and the
    two-layer least-squares attack on the last layer aimed at each sample
    (:func:`two_layer_flip_perturbation`, kind ``two_layer``; L ≥ 2). ``by_kind``: the max
    count over (l, i) per kind; ``last_layer_by_kind`` and ``union_by_kind`` the same for the
    last layer's count and the union."""
    X = net.check_input(X)
    n = X.shape[0]
    rnd = _randoms(net, tau, seed, R)
    rc = torch.stack([sign_change_counts(net, X, d).amax(dim=1) for d in rnd])  # (R', L)
    ru = max(union_sign_changes(net, X, d) for d in rnd)
    adv = [greedy_flip_perturbation(net, X, tau, samples=[i]) for i in range(n)]
    allg = greedy_flip_perturbation(net, X, tau)
    adv.append(allg)
    two = [d for d in (two_layer_flip_perturbation(net, X, tau, sample=i) for i in range(n)) if d is not None]
    if steps > 0:
        zs0 = [z.detach() for z in _trace(net, X, net.mats)[0]]
        sgn0 = [torch.where(z > 0, 1.0, -1.0).to(z.dtype) for z in zs0]
        scale = [float(z.std()) * 0.05 + 1e-12 for z in zs0]

        def obj(mats):
            zs = _trace(net, X, mats)[0]
            return sum(torch.sigmoid(-(z * s) / sc).sum() for z, s, sc in zip(zs, sgn0, scale))

        refined, _ = projected_ascent(net, obj, tau, allg, steps=steps)
        adv.append(refined)
    na = len(adv)
    adv += two
    acs = torch.stack([sign_change_counts(net, X, d) for d in adv])  # (A, L, n)
    ac = acs.amax(dim=2)  # (A, L)
    aus = [union_sign_changes(net, X, d) for d in adv]
    au = max(aus)
    worst_l = torch.maximum(ac.amax(0), rc.amax(0))
    by_kind = {"random": int(rc.max()), "greedy": int(ac[: n + 1].max())}
    if steps > 0:
        by_kind["ascent"] = int(ac[n + 1 : na].max())
    if two:
        by_kind["two_layer"] = int(ac[na:].max())
    union_by_kind = {"random": int(ru), "greedy": max(aus[: n + 1]), **({"ascent": max(aus[n + 1 : na])} if steps > 0 else {}),
                     **({"two_layer": max(aus[na:])} if two else {})}
    return {
        "by_kind": by_kind,
        "winner": _winner(by_kind),
        "union_by_kind": union_by_kind,
        "last_layer_by_kind": {"random": int(rc[:, -1].max()), "greedy": int(ac[: n + 1, -1].max()),
                               **({"ascent": int(ac[n + 1 : na, -1].max())} if steps > 0 else {}),
                               **({"two_layer": int(ac[na:, -1].max())} if two else {})},
        "per_layer_worst": [int(v) for v in worst_l],
        "per_layer_random": [int(v) for v in rc.amax(0)],
        "per_layer_adversarial": [int(v) for v in ac.amax(0)],
        "per_sample_adversarial": [int(v) for v in acs.amax(dim=(0, 1))],  # (n,): max over layers and candidates
        "per_layer_sample_adversarial": [[int(v) for v in row] for row in acs.amax(dim=0)],  # (L, n)
        "union_worst": int(max(au, ru)),
        "union_random": int(ru),
        "union_adversarial": int(au),
    }


def _own_patterns(net: Network, X: torch.Tensor, mats) -> list[torch.Tensor]:
    return [(z > 0).to(X.dtype) for z in net._forward(X, mats)[0]]


def worst_sparse_sup(net: Network, X: torch.Tensor, tau: float, s: int, *, l: int = 1, seed: int = 0,
                     R: int = 3, steps: int = 15) -> dict:
    """Largest perturbed sparse supremum ``max_i Γ̃_{i,l,s}`` (003 Lemma B.1) over the lemma's
    hypotheses: ‖W̃_l − W_l‖₂ ≤ τ and *any* binary diagonals Σ̃ with ``‖Σ̃_{r,i} − Σ_{r,i}‖₀ ≤ s``.

    Candidates: R random W̃ and projected ascent on ``max_i Γ̃`` with W̃'s own patterns (the
    old search: ``worst_own``, reported, its patterns may differ from Σ in more than s places);
    then, within the hypotheses, at the best random W̃ and at the ascent's W̃: W̃'s own pattern
    capped to s flips (:func:`adversarial_patterns` restricted to W̃'s flips), the greedy
    adversarial flips (:func:`adversarial_patterns`, any coordinates), and one alternation —
    projected ascent on W̃ with the greedy Σ̃ fixed, then the greedy flips again. Returns
    ``worst`` (within the hypotheses), ``gamma0`` (Γ at W, Σ), ``increment = worst − gamma0``,
    the values per kind, the winner, ``own_flips_max`` (the most flips of W̃'s own pattern)."""
    X = net.check_input(X)
    L = len(net.mats)
    gamma0 = float(perturbed_sparse_sups(net, X, net.mats, s, l).max())
    base = _own_patterns(net, X, net.mats)
    rnd = _randoms(net, tau, seed, R)
    rv = [float(perturbed_sparse_sups(net, X, perturbed_mats(net, d), s, l).max()) for d in rnd]
    kr = max(range(len(rnd)), key=lambda k: rv[k])
    best, bv = projected_ascent(net, lambda mats: perturbed_sparse_sups(net, X, mats, s, l).max(), tau, rnd[kr],
                                steps=steps)
    vals: dict[str, float] = {}
    own_flips = 0
    for name, D in (("random", rnd[kr]), ("ascent", best)):
        mats = perturbed_mats(net, D)
        own = _own_patterns(net, X, mats)
        allowed = [o != b for o, b in zip(own, base)]
        own_flips = max([own_flips] + [int(a.sum(-1).max()) for a in allowed[l - 1:]])
        capped = adversarial_patterns(net, X, mats, s, l, allowed=allowed)
        vals[f"{name}_own_capped"] = float(sparse_sups_with_patterns(net, mats, capped, s, l).max())
        flips = adversarial_patterns(net, X, mats, s, l)
        vals[f"{name}_flips"] = float(sparse_sups_with_patterns(net, mats, flips, s, l).max())
    # alternation: W̃ ascended with the greedy Σ̃ fixed, then the greedy flips at the new W̃
    fixed = adversarial_patterns(net, X, perturbed_mats(net, best), s, l)
    alt, av = projected_ascent(net, lambda mats: sparse_sups_with_patterns(net, mats, fixed, s, l).max(), tau, best,
                               steps=steps)
    mats = perturbed_mats(net, alt)
    again = adversarial_patterns(net, X, mats, s, l)
    vals["alternation"] = max(av, float(sparse_sups_with_patterns(net, mats, again, s, l).max()))
    by_kind = {"random": vals["random_own_capped"], "own_capped": vals["ascent_own_capped"],
               "greedy": max(vals["random_flips"], vals["ascent_flips"]), "ascent": vals["alternation"]}
    worst = max(by_kind.values())
    return {"gamma0": gamma0, "worst": worst, "increment": worst - gamma0, "random": by_kind["random"],
            "worst_own": max(max(rv), bv), "random_own": max(rv), "by_kind": by_kind, "winner": _winner(by_kind),
            "values": vals, "own_flips_max": own_flips, "depth": L,
            "ratio_worst_random": worst / by_kind["random"] if by_kind["random"] > 0 else math.inf}


def worst_gradient_ratio(net: Network, X: torch.Tensor, y: torch.Tensor, tau: float, ratio: Callable,
                         *, loss="logistic", maximize: bool = True, seed: int = 0, R: int = 3,
                         steps: int = 15) -> dict:
    """Extreme value of ``ratio(grads, extra)`` (a differentiable scalar of
    :func:`perturbed_gradients`' output) over the region: random perturbations, the greedy flip
    construction, the unperturbed point, and projected ascent/descent from the most extreme.
    Returns worst (max if ``maximize`` else min), the random extreme and the value at W."""
    X = net.check_input(X)
    y = net.check_targets(y, loss)

    def f(mats):
        return ratio(*perturbed_gradients(net, X, y, loss, mats))

    at_init = float(f(net.mats))
    rnd = _randoms(net, tau, seed, R)
    rv = [float(f(perturbed_mats(net, d))) for d in rnd]
    pick = max if maximize else min
    random_ext = pick(rv)
    cands = rnd + [greedy_flip_perturbation(net, X, tau)]
    vals = rv + [float(f(perturbed_mats(net, cands[-1])))]
    k = (max if maximize else min)(range(len(cands)), key=lambda j: vals[j])
    best, bv = projected_ascent(net, f, tau, cands[k], steps=steps, maximize=maximize)
    worst = pick(pick(vals), bv, at_init)
    by_kind = {"at_init": at_init, "random": random_ext, "greedy": vals[-1], "ascent": bv}
    return {"worst": worst, "random": random_ext, "at_init": at_init, "by_kind": by_kind,
            "winner": _winner(by_kind, maximize),
            "ratio_worst_random": worst / random_ext if random_ext != 0 else math.inf,
            "deltas": best}


def worst_backward_change(net: Network, X: torch.Tensor, tau: float, *, i: int = 0, a: int = 1, seed: int = 0,
                          R: int = 3, steps: int = 15, restarts: int = 1) -> dict:
    """Largest ``‖Back_{i,a}(W̃) − Back_{i,a}(W)‖₂`` (AZLS Step 2 backward stability): random
    perturbations, the greedy flip construction for sample i, and projected ascent."""
    X = net.check_input(X)
    B0 = backward_matrix(net, X, net.mats, i, a).detach()

    def f(mats):
        return torch.linalg.matrix_norm(backward_matrix(net, X, mats, i, a) - B0, ord=2)

    rnd = _randoms(net, tau, seed, R)
    rv = [float(f(perturbed_mats(net, d))) for d in rnd]
    cands = rnd + [greedy_flip_perturbation(net, X, tau, samples=[i])]
    vals = rv + [float(f(perturbed_mats(net, cands[-1])))]
    starts = _ascent_starts(vals, restarts, keep=len(cands) - 1)  # the greedy construction always one start
    bv = max(projected_ascent(net, f, tau, cands[k], steps=steps)[1] for k in starts)
    worst = max(max(vals), bv)
    by_kind = {"random": max(rv), "greedy": vals[-1], "ascent": bv}
    return {"worst": worst, "random": max(rv), "by_kind": by_kind, "winner": _winner(by_kind),
            "ratio_worst_random": worst / max(rv) if max(rv) > 0 else math.inf}


def _gram_eigs(net: Network, X: torch.Tensor, mats) -> torch.Tensor:
    """Eigenvalues (ascending) of ``JJᵀ`` (n·d_out, n·d_out), J the Jacobian of the outputs w.r.t.
    the trained matrices at ``mats`` (closed-form backward per output: differentiable in mats)."""
    zs, xs, out = net._forward(X, mats)
    n = X.shape[0]
    d_out = out.shape[-1] if out.dim() > 1 else 1
    rows = []
    for i in range(n):
        for k in range(d_out):
            g = torch.zeros_like(out)
            if out.dim() > 1:
                g[i, k] = 1.0
            else:
                g[i] = 1.0
            grads = net._backward(X, zs, xs, g, mats)
            rows.append(torch.cat([G.reshape(-1) for G in grads]))  # one Jacobian row per (i, k)
    J = torch.stack(rows)  # (n·d_out, P)
    return torch.linalg.eigvalsh(J @ J.transpose(-1, -2))


def residual_gram_extremes(net: Network, X: torch.Tensor, mats=None) -> tuple[float, float]:
    """Extremes of ``‖∇F(W)‖_F²/F(W)`` over every target set y* at fixed W (square loss,
    ``F = Σ_i ½‖ŷ_i − y*_i‖²``): with the residuals ``r = ŷ − y*`` (n·d_out) and the Jacobian J of
    the outputs w.r.t. the trained matrices, ``‖∇F‖² = rᵀ(JJᵀ)r`` and ``F = ½‖r‖²``, so the ratio
    ranges exactly over ``[2λ_min(JJᵀ), 2λ_max(JJᵀ)]`` (AZLS 002 Theorem 3 quantifies over the loss
    vectors through an ε-net; Section 4, Step 3). Returns ``(2λ_min, 2λ_max)``."""
    X = net.check_input(X)
    mats = net.mats if mats is None else mats
    ev = _gram_eigs(net, X, mats)
    return 2.0 * float(ev[0]), 2.0 * float(ev[-1])


def worst_gram_min(net: Network, X: torch.Tensor, omega: float, *, seed: int = 0, R: int = 2, steps: int = 10,
                   restarts: int = 1) -> dict:
    """Smallest ``2λ_min(JJᵀ)`` over the ω-region — the minimum of ``‖∇F‖²/F`` over every target
    set *and* every W̃ with ‖W̃_l − W_l‖₂ ≤ ω (AZLS 002 Theorem 3's lower bound holds for all of
    them): R random W̃, the greedy flip construction parking every reachable pre-activation just
    past zero (all samples), and projected descent on 2λ_min from the ``restarts`` lowest of
    those (``restarts ≥ 2`` always includes the parked start). Returns the minimum, the value at
    W and per kind, and the winner."""
    X = net.check_input(X)
    omega = _check_tau(omega)

    def f(mats):
        return 2.0 * _gram_eigs(net, X, mats)[0]

    at_init = float(f(net.mats))
    rnd = _randoms(net, omega, seed, R)
    parked = greedy_flip_perturbation(net, X, omega)
    cands = rnd + [parked]
    vals = [float(f(perturbed_mats(net, d))) for d in cands]
    starts = _ascent_starts(vals, restarts, keep=len(rnd), maximize=False)  # the parked construction always one start
    dv = min(projected_ascent(net, f, omega, cands[k], steps=steps, maximize=False)[1] for k in starts)
    by_kind = {"at_init": at_init, "random": min(vals[: len(rnd)]), "greedy": vals[-1], "descent": dv}
    worst = min(by_kind.values())
    return {"worst": worst, "at_init": at_init, "by_kind": by_kind, "winner": _winner(by_kind, maximize=False),
            "ratio_worst_init": worst / at_init if at_init > 0 else math.inf}


def worst_taylor_residual(net: Network, X: torch.Tensor, y: torch.Tensor, mats_breve, t: float, *,
                          seed: int = 0, R: int = 2, steps: int = 10, restarts: int = 1, loss="square") -> dict:
    """Largest first-order Taylor residual ``F(W̆+W′) − F(W̆) − ⟨∇F(W̆), W′⟩`` over
    ``‖W′_l‖₂ ≤ t`` (AZLS 002 Theorem 4): R random directions (Gaussian, rescaled to spectral
    norm t), ``±t·∇F/‖∇F‖₂``-type aligned directions, and projected gradient ascent from the
    ``restarts`` best of those. Returns worst, random, the value per kind (random, gradient,
    ascent), the winning kind and the value of F(W̆)."""
    X = net.check_input(X)
    y = net.check_targets(y, loss, X)
    lo = get_loss(loss)
    t = _check_tau(t)
    zs, xs, out = net._forward(X, mats_breve)
    F0, g, _ = empirical_loss_and_grad(lo, out, y, vector_output=net.vector_output)
    grads = [G.detach() for G in net._backward(X, zs, xs, g, mats_breve)]
    F0 = F0.detach()
    base = net.with_trainable([M for M, tr in zip(mats_breve, net.trainable) if tr])

    def resid(mats):
        F1 = empirical_loss_and_grad(lo, net._forward(X, mats, keep=False)[2], y, vector_output=net.vector_output)[0]
        it = [M1 - M0 for M1, M0, tr in zip(mats, mats_breve, net.trainable) if tr]
        ip = sum((G * W).sum() for G, W in zip(grads, it))
        return F1 - F0 - ip

    rnd = _randoms(base, t, seed, R)
    rv = [float(resid(perturbed_mats(base, d))) for d in rnd]
    grad_dir = [project_spectral_ball(G * (t / max(float(torch.linalg.matrix_norm(G, ord=2)), 1e-300)), t) for G in grads]
    cands = rnd + [grad_dir, [-d for d in grad_dir]]
    vals = rv + [float(resid(perturbed_mats(base, d))) for d in cands[-2:]]
    asc = [projected_ascent(base, resid, t, cands[k], steps=steps)[1] for k in _ascent_starts(vals, restarts)]
    by_kind = {"random": max(rv), "gradient": max(vals[len(rnd):]), "ascent": max(asc)}
    return {"worst": max(by_kind.values()), "random": max(rv), "F": float(F0), "by_kind": by_kind,
            "winner": _winner(by_kind)}
