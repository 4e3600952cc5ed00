"""Infinite-width kernels of ZCZG's network (003 §3.1: He init, no bias, ReLU, v fixed).

The network ``f_W(x) = vᵀσ(W_Lᵀ⋯σ(W_1ᵀx))`` with ``(W_l)_{ab} ~ N(0, 2/m_l)`` (003 §3.3; the
variance is over the *output* width m_l) and ``v ∈ {±1}^{m_L}`` fixed. As every width grows:

* **NNGP** (Neal 1996; Lee et al. 2018; Cho & Saul 2009's arc-cosine kernel of degree 1):
  ``⟨x_l, x'_l⟩ → K_l(x, x')`` with ``K_0 = x·x'`` and

      ``K_l = (√(K_{l−1}(x,x) K_{l−1}(x',x')) / π) · (sin θ + (π − θ) cos θ)``,
      ``θ = arccos(K_{l−1}(x,x') / √(K_{l−1}(x,x) K_{l−1}(x',x')))``

  (= 2·E[σ(u)σ(u')] for (u, u') Gaussian with covariance K_{l−1}; He init keeps the norm:
  K_l(x, x) = ‖x‖²).
* **Derivative kernel**: ``Ṡ_l = 2·E[σ'(u)σ'(u')] = (π − θ_l)/π`` with θ_l the angle above
  (the fraction of shared active units, doubled).
* **NTK** (Jacot et al. 2018; Arora et al. 2019), with v fixed, over W_1..W_L, in the engine's
  parameterization (no 1/√m factors: :func:`overparam_verify.metrics.core.ntk_gram`): from
  ``Θ_l = ⟨x_{l−1}, x'_{l−1}⟩⟨δ_l, δ'_l⟩`` and ``⟨δ_l, δ'_l⟩ → (m_l/2) Π_{r=l}^L Ṡ_r``,

      ``Θ(x, x') ≈ Σ_{l=1}^L (m_l/2) K_{l−1}(x, x') Π_{r=l}^L Ṡ_r(x, x')``,

  so for equal widths m, ``Θ/m → Θ_∞ = ½ Σ_l K_{l−1} Π_{r≥l} Ṡ_r``.

Scaling to neural-tangents (``stax.serial([Dense(W_std=√2), Relu]·L, Dense(1, W_std=1))``,
NTK parameterization, no bias, input kernel ``x·x'/d``): its NNGP of the last hidden layer is
``K_L/d`` and its NTK is ``K_L/d + Σ_l (K_{l−1}/d) Π_{r≥l} Ṡ_r`` (the first term is the readout's,
i.e. v trained), hence ``Θ/m → (d/2)(NTK_nt − NNGP_nt)``. The empirical kernels deviate from
these limits by O(m^{−1/2}) (fluctuations of the finite sums), which the tests measure.
"""
from __future__ import annotations

import math

import torch

__all__ = ["relu_nngp", "relu_derivative_kernels", "zczg_ntk", "zczg_ntk_limit"]

f64 = torch.float64


def _check(X: torch.Tensor, Xp: torch.Tensor | None, depth: int):
    if isinstance(depth, bool) or int(depth) != depth or depth < 1:
        raise ValueError(f"depth must be a positive integer, got depth={depth!r}")
    X = torch.as_tensor(X).to(f64)
    Xp = X if Xp is None else torch.as_tensor(Xp).to(f64)
    if X.dim() != 2 or Xp.dim() != 2 or X.shape[1] != Xp.shape[1]:
        raise ValueError(f"X and X' must have shapes (n, d) and (n', d), got {tuple(X.shape)} and {tuple(Xp.shape)}")
    if not (torch.isfinite(X).all() and torch.isfinite(Xp).all()):
        raise ValueError("X must be finite, but it contains NaN or Inf")
    if bool((X.norm(dim=1) == 0).any()) or bool((Xp.norm(dim=1) == 0).any()):
        raise ValueError("every input must be nonzero (the arc-cosine angle is undefined at x = 0)")
    return X, Xp, int(depth)


def _angles(K, qa, qb, same: bool):
    """θ = arccos(K/√(q q')) (clamped to [0, π] against rounding) and √(q q'): (n, n').
    arccos is ill-conditioned at 1 (a rounding error ε in the cosine moves θ by √(2ε) ≈ 1e-8),
    so for one set of inputs (X' = X) the diagonal, where x = x', is set to θ = 0 exactly."""
    s = torch.sqrt(qa[:, None] * qb[None, :])
    th = torch.arccos((K / s).clamp(-1.0, 1.0))
    if same:
        th = th.clone()
        th.diagonal().zero_()
    return th, s


def relu_nngp(X: torch.Tensor, Xp: torch.Tensor | None = None, *, depth: int) -> list[torch.Tensor]:
    """The arc-cosine NNGP recursion ``K_0 = XX'ᵀ``, ``K_l`` as in the module docstring, for
    l = 0..depth: list of (n, n') float64 — the limit of ``x_l x'_lᵀ`` (layer outputs of a
    He-initialised ZCZG net, 003 §3.3) as the widths grow."""
    same = Xp is None
    X, Xp, L = _check(X, Xp, depth)
    K = X @ Xp.T  # (n, n')
    qa, qb = (X * X).sum(1), (Xp * Xp).sum(1)  # K_l(x, x) = ‖x‖² for every l (He init)
    out = [K]
    for _ in range(L):
        th, s = _angles(K, qa, qb, same)
        K = s / math.pi * (torch.sin(th) + (math.pi - th) * torch.cos(th))
        out.append(K)
    return out


def relu_derivative_kernels(X: torch.Tensor, Xp: torch.Tensor | None = None, *, depth: int) -> list[torch.Tensor]:
    """``Ṡ_l = (π − θ_l)/π`` for l = 1..depth (θ_l the angle of K_{l−1}): list of (n, n') —
    the limit of ``(2/m_l) Σ_j σ'(z_{l,j}) σ'(z'_{l,j})``."""
    same = Xp is None
    X, Xp, L = _check(X, Xp, depth)
    Ks = relu_nngp(X, None if same else Xp, depth=L)
    qa, qb = (X * X).sum(1), (Xp * Xp).sum(1)
    return [(math.pi - _angles(K, qa, qb, same)[0]) / math.pi for K in Ks[:-1]]


def zczg_ntk(X: torch.Tensor, Xp: torch.Tensor | None = None, *, widths) -> dict[str, torch.Tensor]:
    """The infinite-width NTK of ZCZG's net over W_1..W_L (v fixed), at the scale of the
    engine's :func:`~overparam_verify.metrics.core.ntk_gram` for these widths:
    ``Θ ≈ Σ_l (m_l/2) K_{l−1} Π_{r=l}^L Ṡ_r``. Returns ``{"K": (n, n'), "K_layers": (L, n, n')}``
    (layer l's term, as ntk_gram's per-layer blocks)."""
    widths = [int(m) for m in widths]
    if not widths or any(m < 1 for m in widths):
        raise ValueError(f"widths must be a non-empty list of positive integers, got {widths!r}")
    L = len(widths)
    Ks = relu_nngp(X, Xp, depth=L)
    Sd = relu_derivative_kernels(X, Xp, depth=L)
    terms = []
    for l in range(1, L + 1):
        P = torch.ones_like(Ks[0])
        for r in range(l, L + 1):
            P = P * Sd[r - 1]
        terms.append(0.5 * widths[l - 1] * Ks[l - 1] * P)
    K_layers = torch.stack(terms)
    return {"K": K_layers.sum(0), "K_layers": K_layers}


def zczg_ntk_limit(X: torch.Tensor, Xp: torch.Tensor | None = None, *, depth: int) -> torch.Tensor:
    """``Θ_∞ = lim Θ/m = ½ Σ_l K_{l−1} Π_{r≥l} Ṡ_r`` for equal widths m (n, n'); in
    neural-tangents' normalisation ``Θ_∞ = (d/2)(NTK_nt − NNGP_nt)``."""
    _check(X, Xp, depth)
    return zczg_ntk(X, Xp, widths=[1] * int(depth))["K"]
