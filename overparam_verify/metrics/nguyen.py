"""Measured quantities for the catalogue family 'nguyen' (Nguyen 2021, ``seeds/001``).

Everything is float64 and exact (dense SVDs: the matrices here are small, or thin — an N×n
matrix with N ≤ 16 — so a dense SVD costs O(N² n)). The bounds these numbers are compared with
live in :mod:`overparam_verify.theory.nguyen`.

* :func:`ng_data` — data in 001 Assumption 3.1 (rows uniform on the sphere of radius √n₀) and
  labels with ‖Y_i‖ = O(1).
* :func:`ng_features`, :func:`sigma_min_rows`, :func:`ng_measure_certificate` — F_l, α₀, the
  Theorem 2.2 certificate at an initialization.
* :func:`ng_grad_ratios`, :func:`ng_lip_ratios` — measured / bound for Lemma 2.1 (4), (5);
  differentiable in the weights, for the adversarial searches of :func:`adversarial_max`.
* :func:`ng_ntk_gram` — the exact NTK Gram K = J Jᵀ (the engine's structured NTK) and its per-layer blocks.
* :func:`ng_gd_trajectory` — plain GD with every iterate's Φ, ‖W_l‖₂ and σ_min(F_{L−1})
  (Theorem 2.2's (11)–(12) are checked on every iterate), and :func:`ng_trajectory_slacks`.
"""
from __future__ import annotations

import math
from typing import Callable, Sequence

import torch

from ..network import NguyenNet
from ..theory.nguyen import (
    NGCertificate,
    ng_certificate,
    ng_grad_bound,
    ng_lipschitz_bound,
    ng_loss_bound,
)

__all__ = [
    "ng_data",
    "ng_features",
    "sigma_min_rows",
    "spec",
    "ng_measure_certificate",
    "ng_grad_ratios",
    "ng_lip_ratios",
    "adversarial_max",
    "ng_ntk_gram",
    "ng_gd_trajectory",
    "ng_trajectory_slacks",
]

f64 = torch.float64


def ng_data(N: int, n0: int, n_out: int = 1, *, seed: int = 0, dtype=f64) -> tuple[torch.Tensor, torch.Tensor]:
    """Training data in 001 Assumption 3.1: rows of ``X`` (N, n₀) i.i.d. uniform on the sphere of
    radius √n₀ (so ‖x‖ = Θ(√n₀)); labels ``Y`` (N, n_out) with i.i.d. N(0, 1/n_out) entries
    (‖Y_i‖₂ = O(1), Corollary 3.2). Drawn from a seeded ``torch.Generator``."""
    for name, v in (("N", N), ("n0", n0), ("n_out", n_out)):
        if isinstance(v, bool) or int(v) != v or v < 1:
            raise ValueError(f"{name} must be a positive integer, got {name}={v!r}")
    g = torch.Generator().manual_seed(int(seed))
    X = torch.randn(N, n0, generator=g, dtype=f64)
    X = X / X.norm(dim=1, keepdim=True) * math.sqrt(n0)  # (N, n0)
    Y = torch.randn(N, n_out, generator=g, dtype=f64) / math.sqrt(n_out)  # (N, n_out)
    return X.to(dtype), Y.to(dtype)


def ng_features(weights: Sequence[torch.Tensor], X: torch.Tensor) -> list[torch.Tensor]:
    """``[F_0, F_1, …, F_L]`` of 001 eq. (1) for the weights ``W_1..W_L`` (differentiable)."""
    F = [X]
    L = len(weights)
    for l, W in enumerate(weights):
        Z = F[-1] @ W  # (N, n_l)
        F.append(Z if l == L - 1 else torch.relu(Z))
    return F


def sigma_min_rows(F: torch.Tensor) -> torch.Tensor:
    """``σ_min`` of an (N, n) matrix in the sense of 001 (eq. 6, proof of Theorem 2.2):
    ``√λ_min(F Fᵀ)`` = the N-th singular value when n ≥ N, and 0 when n < N."""
    N, n = F.shape[-2], F.shape[-1]
    if n < N:
        return torch.zeros(F.shape[:-2], dtype=F.dtype, device=F.device)
    return torch.linalg.svdvals(F)[..., N - 1]


def spec(W: torch.Tensor) -> torch.Tensor:
    """Exact spectral norm ‖W‖₂ (dense SVD; differentiable)."""
    return torch.linalg.matrix_norm(W, ord=2)


def ng_measure_certificate(net: NguyenNet, X: torch.Tensor, Y: torch.Tensor, C: Sequence[float]) -> NGCertificate:
    """Theorem 2.2's certificate (001 eqs. 6–10) measured at ``net`` as θ₀: α₀ = σ_min(F⁰_{L−1}),
    ‖W_l⁰‖₂, ‖X‖_F, √(2Φ(θ₀)) = ‖F_L⁰ − Y‖_F, then :func:`~overparam_verify.theory.ng_certificate`."""
    W = net.weights
    F = ng_features(W, X)
    alpha0 = float(sigma_min_rows(F[-2]))
    cert = ng_certificate(
        alpha0, float(X.norm()), [float(spec(w)) for w in W], list(C), float((F[-1] - Y).norm()),
        wide_enough=F[-2].shape[1] >= X.shape[0],
    )
    return cert


def _gained(weights: Sequence[torch.Tensor], act_gain: float) -> list[torch.Tensor]:
    """The ReLU-net weights equivalent to activation ``act_gain·max(x, 0)``: by positive
    homogeneity ``g·σ(F W) = σ(F (gW))``, so W_l → g W_l for l < L (W_L unchanged)."""
    if not (math.isfinite(act_gain) and act_gain > 0):
        raise ValueError(f"act_gain must be finite and > 0, got act_gain={act_gain!r}")
    L = len(weights)
    return [w * act_gain if l < L - 1 else w for l, w in enumerate(weights)]


def ng_grad_ratios(weights: Sequence[torch.Tensor], X: torch.Tensor, Y: torch.Tensor, *,
                   act_gain: float = 1.0) -> torch.Tensor:
    """Lemma 2.1 (4): ``‖∇_{W_l}Φ‖_F / (‖X‖_F Π_{p≠l}‖W_p‖₂ ‖F_L − Y‖_F)`` for l = 1..L, shape (L,).

    The gradient is the closed form of :meth:`NguyenNet.gradients` (square loss, Φ = ½‖F_L−Y‖²);
    the result is differentiable in ``weights`` and ``Y`` (for :func:`adversarial_max`).
    ``act_gain`` g ≠ 1 (the negative control): the net's activation is g·ReLU (Lipschitz g, where
    Lemma 2.1 needs |σ'| ≤ 1); the bound keeps the norms of ``weights``. ∇_{W_l} of the g-net is
    g·∇_{W'_l} of the ReLU net W' = (gW_1, …, gW_{L−1}, W_L) for l < L."""
    Wg = _gained(weights, act_gain)
    G = NguyenNet(list(Wg)).gradients(X, Y, loss="square")
    L = len(weights)
    G = [g * act_gain if l < L - 1 else g for l, g in enumerate(G)]
    res = (ng_features(Wg, X)[-1] - Y).norm()
    norms = [spec(w) for w in weights]
    Xf = X.norm()
    return torch.stack([G[l].norm() / ng_grad_bound(Xf, norms, l + 1, res) for l in range(L)])


def ng_lip_ratios(Wa: Sequence[torch.Tensor], Wb: Sequence[torch.Tensor], X: torch.Tensor, *,
                  act_gain: float = 1.0) -> torch.Tensor:
    """Lemma 2.1 (5) with the sharpest admissible λ̄_p = max(‖W_p^a‖₂, ‖W_p^b‖₂):
    ``‖F_l(θ_a) − F_l(θ_b)‖_F / bound_l`` for l = 1..L, shape (L,) (differentiable).
    ``act_gain`` g ≠ 1 (the negative control): features of the g·ReLU net, bound unchanged."""
    Fa, Fb = ng_features(_gained(Wa, act_gain), X), ng_features(_gained(Wb, act_gain), X)
    lam = [torch.maximum(spec(a), spec(b)) for a, b in zip(Wa, Wb)]
    diffs = [spec(a - b) for a, b in zip(Wa, Wb)]
    Xf = X.norm()
    return torch.stack([(Fa[l] - Fb[l]).norm() / ng_lipschitz_bound(Xf, lam, diffs, l) for l in range(1, len(Wa) + 1)])


def adversarial_max(objective: Callable[[list[torch.Tensor]], torch.Tensor], params: Sequence[torch.Tensor], *,
                    steps: int = 30, lr: float = 0.05) -> tuple[float, list[torch.Tensor]]:
    """Gradient ascent (Adam, relative step ``lr``) on ``objective(params)`` (a scalar) from
    ``params``; returns the largest value seen and the parameters where it was seen. Every
    evaluated point is a legitimate example, so the maximum over the path is what is reported.
    Deterministic (no random draws)."""
    ps = [p.detach().clone().requires_grad_(True) for p in params]
    opt = torch.optim.Adam(ps, lr=lr)
    best, best_ps = -math.inf, [p.detach().clone() for p in ps]
    for _ in range(steps + 1):
        opt.zero_grad()
        val = objective(ps)
        v = float(val.detach())
        if math.isfinite(v) and v > best:
            best, best_ps = v, [p.detach().clone() for p in ps]
        if not torch.isfinite(val):
            break
        (-val).backward()
        opt.step()
    return best, best_ps


def ng_ntk_gram(weights: Sequence[torch.Tensor], X: torch.Tensor) -> dict[str, torch.Tensor]:
    """001 Section 1: the NTK Gram ``K(θ) = J Jᵀ`` with ``J = ∂vec(F_L)/∂vec(θ)`` (every parameter,
    all layers) of the Nguyen network with these weights — the engine's structured NTK
    (:func:`overparam_verify.metrics.core.ntk_gram`, equal to ``jacrev`` to 1e-12).

    ``vec`` is row-major (torch's ``reshape(-1)``: index i·n_L + j for sample i, output j).
    Returns ``K`` (N n_L, N n_L), the per-layer terms ``K_layers`` (L, N n_L, N n_L) of eq. (2)
    (``K = Σ_l J_l J_lᵀ``), and ``J`` (N n_L, P)."""
    from .core import ntk_gram

    return ntk_gram(NguyenNet([w.detach() for w in weights]), X, trace_outputs=False, jacobian=True)


def ng_gd_trajectory(net: NguyenNet, X: torch.Tensor, Y: torch.Tensor, *, lr: float, steps: int) -> dict[str, torch.Tensor]:
    """Gradient descent ``θ_{k+1} = θ_k − η∇Φ(θ_k)`` (001 Section 2) on Φ = ½‖F_L − Y‖_F², every
    layer trained, with the closed-form gradients of :meth:`NguyenNet.gradients`; records at every
    iterate k = 0..K: ``loss`` Φ(θ_k) (K+1,), ``weight_norms`` ‖W_l^k‖₂ (K+1, L) and
    ``sigma_min`` σ_min(F^k_{L−1}) (K+1,). Raises ``ValueError`` for a bad step size."""
    if not (isinstance(lr, (int, float)) and math.isfinite(lr) and lr > 0):
        raise ValueError(f"the step size must be finite and > 0, got lr={lr!r}")
    if isinstance(steps, bool) or int(steps) != steps or steps < 0:
        raise ValueError(f"steps must be an integer >= 0, got steps={steps!r}")
    W = [w.clone() for w in net.weights]
    losses, norms, smins = [], [], []
    for k in range(int(steps) + 1):
        F = ng_features(W, X)
        R = F[-1] - Y  # (N, n_L)
        losses.append(0.5 * (R * R).sum())
        if not (torch.isfinite(losses[-1]) and all(bool(torch.isfinite(w).all()) for w in W)):
            losses[-1] = torch.tensor(math.inf, dtype=losses[-1].dtype)  # overflowed: stop (no SVD of inf)
            norms.append(torch.full((len(W),), math.nan, dtype=f64))
            smins.append(torch.tensor(math.nan, dtype=f64))
            break
        norms.append(torch.stack([spec(w) for w in W]))
        smins.append(sigma_min_rows(F[-2]))
        if k == steps:
            break
        G = NguyenNet(W).gradients(X, Y, loss="square")
        W = [w - lr * g for w, g in zip(W, G)]
    return {"loss": torch.stack(losses), "weight_norms": torch.stack(norms), "sigma_min": torch.stack(smins),
            "weights": W}


def ng_trajectory_slacks(traj: dict, cert: NGCertificate, eta: float) -> dict[str, float]:
    """Theorem 2.2's conclusions on every iterate of ``traj`` (from :func:`ng_gd_trajectory`):

    * ``loss_ratio`` = max_{k≥1} Φ(θ_k) / [(1 − ηα₀²/8)^k Φ(θ₀)]    (eq. 11; ≤ 1 required)
    * ``norm_ratio`` = max_{k,l} ‖W_l^k‖₂ / λ̄_l                     (eq. 12; ≤ 1 required)
    * ``norm_excess`` = max_{k,l} (‖W_l^k‖₂ − ‖W_l⁰‖₂) / C_l        (the same inequality, ≤ 1: how
      much of the budget C_l is used — informative where C_l ≪ ‖W_l⁰‖₂)
    * ``sigma_ratio`` = min_k σ_min(F^k_{L−1}) / (α₀/2)               (eq. 12; ≥ 1 required)
    plus ``loss_decay`` = Φ(θ_K)/Φ(θ₀) and ``bound_decay`` = (1 − ηα₀²/8)^K.

    A run whose loss overflowed (``diverged``: GD stopped at a non-finite Φ) is judged on its
    finite iterates, and its ``loss_ratio`` is at least ``DIVERGED_RATIO`` (an overflowed Φ_k
    exceeds any finite bound (1 − ηα₀²/8)^k Φ(θ₀))."""
    loss = traj["loss"]
    fin = torch.isfinite(loss)
    diverged = not bool(fin.all())
    n = int(fin.sum()) if not diverged else int(torch.nonzero(~fin)[0])
    loss = loss[:n]
    K = loss.shape[0] - 1
    ks = torch.arange(K + 1, dtype=f64)
    phi0 = float(loss[0])
    bound = torch.tensor([ng_loss_bound(phi0, eta, cert.alpha0, int(k)) for k in ks], dtype=f64)
    lam = torch.tensor(cert.lam_bar, dtype=f64)
    w0 = torch.tensor(cert.weight_norms, dtype=f64)
    Cs = torch.tensor(cert.C, dtype=f64)
    # k = 0 is the identity Φ(θ₀)/Φ(θ₀) = 1: the ratio is taken over k ≥ 1 (when there are steps)
    loss_ratio = float((loss / bound)[1 if K >= 1 else 0:].max()) if phi0 > 0 else 0.0
    return {
        "loss_ratio": max(loss_ratio, DIVERGED_RATIO) if diverged else loss_ratio,
        "norm_ratio": float((traj["weight_norms"][:n] / lam).max()),
        "norm_excess": float(((traj["weight_norms"][:n] - w0) / Cs).max()),
        "sigma_ratio": float(traj["sigma_min"][:n].min() / (cert.alpha0 / 2)),
        "loss_decay": float(loss[-1] / loss[0]) if phi0 > 0 else 0.0,
        "bound_decay": float(bound[-1] / bound[0]),
        "steps": int(K),
        "diverged": diverged,
    }


#: the loss ratio reported for an overflowed GD run (a finite stand-in for +∞)
DIVERGED_RATIO = 1e300


# ---------------------------------------------------------------------- NG-PL (eq. 3) measured
def _objective_weight(objective: str, N: int) -> float:
    """The factor c of the objective c·½‖F_L − Y‖_F²: 1 for 001's sum (Φ), 1/N for the mean."""
    if objective == "sum":
        return 1.0
    if objective == "mean":
        return 1.0 / N
    raise ValueError(f"objective must be 'sum' or 'mean', got objective={objective!r}")


def ng_pl_measure(weights: Sequence[torch.Tensor], X: torch.Tensor, Y: torch.Tensor, *,
                  objective: str = "sum") -> dict[str, float]:
    """001 Section 1 / eq. (3) at an arbitrary θ: ``grad_sq`` = ‖∇Φ(θ)‖² (from ``J``: ∇Φ = Jᵀr,
    r = vec(F_L − Y)), ``grad_sq_closed`` (the engine's closed-form gradients, a cross-check),
    ``phi`` = Φ(θ), ``lam_K`` = λ_min(K(θ)), ``lam_F`` = λ_min(F_{L−1}F_{L−1}ᵀ), and the two
    gaps ``pl_gap`` = ‖∇Φ‖² − 2λ_min(K)Φ and ``ntk_gap`` = λ_min(K) − λ_min(F_{L−1}F_{L−1}ᵀ)
    (both ≥ 0 up to rounding), with ``scale`` a rounding scale for each.

    ``objective="mean"`` (the negative control): Φ is the mean ½‖F_L − Y‖²/N instead of 001's
    sum, so ∇Φ = Jᵀr/N and the PL inequality with the unnormalised K can fail by a factor N."""
    from ..theory.nguyen import ng_pl_bound

    weights = [w.detach() for w in weights]
    F = ng_features(weights, X)
    c = _objective_weight(objective, X.shape[0])
    R = F[-1] - Y  # (N, n_L)
    r = R.reshape(-1)  # row-major, as ntk_gram's J
    g = ng_ntk_gram(weights, X)
    K, J = g["K"], g["J"]
    grad = c * (J.T @ r)
    grad_sq = float(grad @ grad)
    G = NguyenNet(weights).gradients(X, Y, loss="square")
    grad_sq_closed = float(sum((gg * gg).sum() for gg in G)) * c * c
    phi = 0.5 * c * float(r @ r)
    lam_K = float(torch.linalg.eigvalsh(K)[0])
    Gram = F[-2] @ F[-2].T  # (N, N)
    lam_F = float(torch.linalg.eigvalsh(Gram)[0])
    kn = float(torch.linalg.matrix_norm(K, ord=2))
    return {
        "grad_sq": grad_sq, "grad_sq_closed": grad_sq_closed, "phi": phi, "lam_K": lam_K, "lam_F": lam_F,
        "pl_gap": grad_sq - float(ng_pl_bound(lam_K, phi)), "pl_scale": kn * 2 * phi + 1e-300,
        "ntk_gap": lam_K - lam_F, "ntk_scale": kn + 1e-300,
    }


def ng_pl_tight_labels(weights: Sequence[torch.Tensor], X: torch.Tensor) -> torch.Tensor:
    """Labels for the equality case of 001 Section 1's ‖∇Φ‖² ≥ 2λ_min(K)Φ: ``Y = F_L(θ) − v`` with
    v the unit bottom eigenvector of K(θ) (reshaped row-major to (N, n_L)), so that the residual
    r = vec(F_L − Y) = v and ‖∇Φ‖² = vᵀKv = λ_min(K) = 2λ_min(K)Φ."""
    weights = [w.detach() for w in weights]
    K = ng_ntk_gram(weights, X)["K"]
    v = torch.linalg.eigh(K).eigenvectors[:, 0]
    FL = ng_features(weights, X)[-1]  # (N, n_L)
    return FL - v.reshape(FL.shape)


def ng_min_eig_ratio(weights: Sequence[torch.Tensor], X: torch.Tensor, Y: torch.Tensor, *,
                     objective: str = "sum") -> torch.Tensor:
    """Differentiable ``2λ_min(K)Φ / ‖∇Φ‖²`` (≤ 1 by NG-PL) for the adversarial search of θ
    (``objective="mean"``: Φ and ∇Φ of the mean objective, see :func:`ng_pl_measure`)."""
    c = _objective_weight(objective, X.shape[0])
    from torch.func import jacrev

    def f(*ws):
        return ng_features(ws, X)[-1].reshape(-1)

    Js = jacrev(f, argnums=tuple(range(len(weights))))(*weights)
    J = torch.cat([j.reshape(j.shape[0], -1) for j in Js], dim=1)  # (N n_L, P)
    r = (ng_features(weights, X)[-1] - Y).reshape(-1)
    K = J @ J.T
    lam = torch.linalg.eigvalsh(K)[0]
    g = c * (J.T @ r)
    return 2 * lam * 0.5 * c * (r @ r) / (g @ g)


# ---------------------------------------------------------------------- Section 3.1 / Corollary 3.2 nets
def ng_sec31_net(X: torch.Tensor, Y: torch.Tensor, widths: Sequence[int], *, seed: int,
                 beta_factor: float = 1.0, last_layer: str = "zero") -> tuple[NguyenNet, float, float]:
    """001 Section 3.1: LeCun ``W_1..W_{L−1}`` (seeded), ``W_L = 0``, scaled by
    ``β = beta_factor · β*`` with β* the smallest β satisfying (14), (15) and (8)
    (:func:`~overparam_verify.theory.nguyen.ng_min_beta`). Returns ``(net, β, β*)``.
    ``last_layer="lecun"``/``"small"`` (the NG-3.1 control): W_L ≠ 0, outside Section 3.1 —
    β* is still computed from (14), (15), (8), which assume W_L = 0."""
    from ..theory.nguyen import ng_min_beta

    n0 = X.shape[1]
    base = NguyenNet.lecun_init(n0, list(widths), last_layer=last_layer, seed=seed)
    W = base.weights
    alpha0 = float(sigma_min_rows(ng_features(W, X)[-2]))
    bstar = ng_min_beta(alpha0, float(X.norm()), float(Y.norm()), [float(spec(w)) for w in W[:-1]])
    if not math.isfinite(bstar) or bstar <= 0:
        return base, bstar, bstar
    beta = beta_factor * bstar
    Ws = [w * beta for w in W[:-1]] + [W[-1]]
    return NguyenNet(Ws), beta, bstar


def ng_lecun_best_certificate(net: NguyenNet, X: torch.Tensor, Y: torch.Tensor, *, as_printed: bool = True) -> NGCertificate:
    """Theorem 2.2 at a random (LeCun) init with the C_l chosen by
    :func:`~overparam_verify.theory.nguyen.ng_best_C` (a search; the theorem allows any C_l > 0),
    starting from Corollary 3.2's choice. The returned certificate's ``extra`` holds the C search's
    best min-slack."""
    from ..theory.nguyen import ng_best_C

    W = net.weights
    F = ng_features(W, X)
    alpha0 = float(sigma_min_rows(F[-2]))
    norms = [float(spec(w)) for w in W]
    s2p = float((F[-1] - Y).norm())
    C, best = ng_best_C(alpha0, float(X.norm()), norms, s2p, as_printed=as_printed, sweeps=2,
                        grid=[k / 4.0 for k in range(-24, 25)])
    cert = ng_measure_certificate(net, X, Y, C)
    cert.extra["best_min_slack"] = best
    return cert


# ---------------------------------------------------------------------- Theorem 2.2's induction step
def ng_region_state(W0: Sequence[torch.Tensor], X: torch.Tensor, Y: torch.Tensor, budgets: Sequence[float], *,
                    q, fracs, dirs: Sequence[torch.Tensor], null_dir: torch.Tensor | None = None) -> list[torch.Tensor]:
    """A state θ = (W_1, …, W_L) built to lie in the induction region of 001 Theorem 2.2's proof
    (:func:`~overparam_verify.theory.nguyen.ng_region_margin`) around θ⁰ = ``W0``, for a loss
    level ``q`` = √(Φ(θ)/Φ(θ₀)) ∈ (0, 1]:

    * W_l = W_l⁰ + f_l(1 − q)B_l·D_l/‖D_l‖_F for l < L (``fracs`` f_l ∈ [0, 1], ``dirs`` D_l);
    * W_L = W_L⁰ + s·F⁺(Y − F W_L⁰) + E: the least-squares move on the new features F = F_{L−1}(θ)
      that brings the residual to (1 − s)(F W_L⁰ − Y), with s the smallest that makes Φ(θ) ≤ q²Φ(θ₀),
      plus E = ``null_dir`` projected on null(F) (F E = 0: the loss is unchanged) scaled to the rest
      of the layer's budget f_L(1 − q)B_L.

    Differentiable in ``q``, ``fracs``, ``dirs`` and ``null_dir`` (for the adversarial search).
    Membership is *not* assumed: the caller measures the margin (:func:`ng_step_check`)."""
    L = len(W0)
    W = [W0[l] + fracs[l] * (1 - q) * budgets[l] * dirs[l] / dirs[l].norm().clamp_min(1e-300) for l in range(L - 1)]
    phi0 = 0.5 * float(((ng_features(list(W0), X)[-1] - Y) ** 2).sum())
    F = ng_features(W + [W0[-1]], X)[-2]  # (N, n_{L-1})
    r0 = F @ W0[-1] - Y  # (N, n_L)
    phiF = 0.5 * (r0 * r0).sum()
    s = (1 - q * torch.sqrt(phi0 / phiF.clamp_min(1e-300))).clamp(0.0, 1.0)
    P = torch.linalg.pinv(F)  # (n_{L-1}, N)
    LS = -(P @ r0)  # (n_{L-1}, n_L): F·LS = −r0
    WL = W0[-1] + s * LS
    if null_dir is not None:
        Z = null_dir - P @ (F @ null_dir)  # the component in null(F)
        room = (fracs[L - 1] * (1 - q) * budgets[L - 1]) ** 2 - (s * LS).pow(2).sum()
        WL = WL + torch.sqrt(room.clamp_min(0.0)) * Z / Z.norm().clamp_min(1e-300)
    return W + [WL]


def ng_step_check(W0: Sequence[torch.Tensor], W: Sequence[torch.Tensor], X: torch.Tensor, Y: torch.Tensor,
                  cert: NGCertificate, eta: float, budgets: Sequence[float]) -> dict[str, torch.Tensor]:
    """One GD step θ' = θ − η∇Φ(θ) from a state θ (``W``) of the induction region around θ⁰
    (``W0``, certificate ``cert``): the proof of 001 Theorem 2.2's induction step. Returns
    (torch scalars, differentiable in ``W``):

    * ``margin``: the state's region margin (≥ 0: θ is a possible GD iterate; see
      :func:`~overparam_verify.theory.nguyen.ng_region_margin`);
    * ``state_norm`` = max_l ‖W_l‖₂/λ̄_l and ``state_sigma`` = σ_min(F_{L−1}(θ))/(α₀/2): θ in (12);
    * ``norm13`` = max_l (‖W'_l‖₂ − ‖W_l⁰‖₂)/C_l (eq. 13 ⇔ ≤ 1; the share of the budget C_l used,
      informative where C_l ≪ ‖W_l⁰‖₂), ``features`` = ‖F_{L−1}(θ') − F⁰_{L−1}‖_F/(α₀/2)
      (≤ 1, the bound before "σ_min(F^{k+1}_{L−1}) ≥ α₀/2"), ``descent`` =
      (Φ(θ) − Φ(θ'))/((ηα₀²/8)Φ(θ)) (≥ 1: Φ(θ') ≤ (1 − ηα₀²/8)Φ(θ), the last display);
    * ``margin_next``: the margin of θ' (≥ 0: the region is invariant).
    """
    L = len(W)
    lam = torch.tensor(cert.lam_bar, dtype=W[0].dtype)
    B = torch.tensor(list(budgets), dtype=W[0].dtype)
    F0 = ng_features(list(W0), X)
    phi0 = 0.5 * ((F0[-1] - Y) ** 2).sum()
    F = ng_features(list(W), X)
    phi = 0.5 * ((F[-1] - Y) ** 2).sum()
    G = NguyenNet(list(W)).gradients(X, Y, loss="square")
    Wn = [w - eta * g for w, g in zip(W, G)]
    Fn = ng_features(Wn, X)
    phin = 0.5 * ((Fn[-1] - Y) ** 2).sum()

    def margin(Ws, ph):
        d = torch.stack([(a - b).norm() for a, b in zip(Ws, W0)])
        return (1 - d / B).min() - torch.sqrt(ph.clamp_min(0) / phi0)

    rate = eta * cert.alpha0**2 / 8.0
    return {
        "margin": margin(W, phi), "margin_next": margin(Wn, phin),
        "state_norm": (torch.stack([spec(w) for w in W]) / lam).max(),
        "state_sigma": sigma_min_rows(F[-2]) / (cert.alpha0 / 2),
        "norm13": ((torch.stack([spec(w) for w in Wn]) - torch.tensor(cert.weight_norms, dtype=W[0].dtype))
                   / torch.tensor(cert.C, dtype=W[0].dtype)).max(),
        "features": (Fn[-2] - F0[-2]).norm() / (cert.alpha0 / 2),
        "descent": (phi - phin) / (rate * phi),
        "phi_ratio": phi / phi0,
    }


def ng_step_adversarial(W0: Sequence[torch.Tensor], X: torch.Tensor, Y: torch.Tensor, cert: NGCertificate,
                        eta: float, budgets: Sequence[float], target: str, *, seed: int, steps: int = 20,
                        lr: float = 0.1) -> tuple[dict[str, float], int]:
    """Adam ascent over region states (:func:`ng_region_state`: loss level q, layer fractions,
    directions) of one conclusion of :func:`ng_step_check` — ``target`` ∈ {"norm13", "features"}
    maximised, "descent" minimised — from a seeded random start. Only states with margin ≥ 0
    count (the rest are outside the theorem's induction). Returns the worst state's measurements
    (floats) and the number of in-region states evaluated."""
    if target not in ("norm13", "features", "descent"):
        raise ValueError(f"target must be 'norm13', 'features' or 'descent', got target={target!r}")
    g = torch.Generator().manual_seed(int(seed))
    L = len(W0)
    dt = W0[0].dtype
    ps = {"q": torch.tensor(0.0, dtype=dt), "f": torch.full((L,), 2.0, dtype=dt),
          "dirs": [torch.randn(w.shape, generator=g, dtype=dt) for w in W0[:-1]],
          "null": torch.randn(W0[-1].shape, generator=g, dtype=dt)}
    leaves = [ps["q"], ps["f"], *ps["dirs"], ps["null"]]
    for t in leaves:
        t.requires_grad_(True)
    opt = torch.optim.Adam(leaves, lr=lr)
    sign = -1.0 if target == "descent" else 1.0
    best, best_m, inside = -math.inf, None, 0
    for _ in range(steps + 1):
        opt.zero_grad()
        W = ng_region_state(W0, X, Y, budgets, q=torch.sigmoid(ps["q"]), fracs=torch.sigmoid(ps["f"]),
                            dirs=ps["dirs"], null_dir=ps["null"])
        m = ng_step_check(W0, W, X, Y, cert, eta, budgets)
        val = sign * m[target]
        if not torch.isfinite(val):
            break
        if float(m["margin"].detach()) >= 0:
            inside += 1
            if float(val.detach()) > best:
                best, best_m = float(val.detach()), {k: float(v.detach()) for k, v in m.items()}
        obj = val + 1e3 * torch.minimum(m["margin"], torch.zeros((), dtype=dt))  # stay inside
        (-obj).backward()
        opt.step()
    return best_m, inside


def ng_safe_eta(net: NguyenNet, X: torch.Tensor, Y: torch.Tensor, cert: NGCertificate, *, steps: int = 30,
                max_doublings: int = 60) -> float:
    """How conservative (10) is: the largest t = 2^j (j = 0, 1, …) such that GD at η = t·η_max
    for ``steps`` steps keeps (11) (at that η's rate) and (12) at every iterate, for every
    t' = 2^{j'} ≤ t; stops where ηα₀²/8 would reach 1. Returns t (≥ 1 when η_max itself is safe,
    0 when not)."""
    t_ok = 0.0
    for j in range(max_doublings + 1):
        t = 2.0**j
        eta = t * cert.eta_max
        if eta * cert.alpha0**2 / 8.0 >= 1.0:
            break
        s = ng_trajectory_slacks(ng_gd_trajectory(net, X, Y, lr=eta, steps=steps), cert, eta)
        if not (s["loss_ratio"] <= 1 + 1e-9 and s["norm_ratio"] <= 1 + 1e-9 and s["sigma_ratio"] >= 1 - 1e-9):
            break
        t_ok = t
    return t_ok


__all__ += ["ng_region_state", "ng_step_check", "ng_step_adversarial", "ng_safe_eta", "ng_pl_tight_labels"]
