"""Theory for the catalogue family 'setup': ZCZG's network, initialisation, data and loss
assumptions (003 §3, Assumptions 3.1-3.7; 000 Assumptions 4.1-4.3, Remark 4.1, proof of
Theorem 4.4) and the Gaussian ReLU moment of 003 Lemma A.3 (the arc-cosine kernel).

Findings recorded here:

* 003 Assumption 3.1 as printed asks ``lim_{x→−∞} ℓ'(x) = 0``. This fails for every loss the
  paper lists below Assumption 3.2 that is not constant on the left: cross-entropy has
  ``ℓ'(x) → −1``, hinge ``ℓ' = −1``, squared hinge and exponential ``ℓ' → −∞``. The evident
  intent (and what the proofs use) is ``lim_{x→+∞} ℓ'(x) = 0``: :func:`assumption_3_1_intent`.
* 003 Lemma A.3's constant: with ``ρ = 1 − θ²/2`` the closed form gives
  ``E[σ(Z₁)σ(Z₂)] = 1/2 − θ²/4 + θ³/(6π) + O(θ⁵)`` (:data:`A3_C_LIMIT`), so the lemma's C must be
  at least 1/(6π) ≈ 0.0531; over all θ ∈ (0, 2] the smallest C is :func:`a3_smallest_C`.
"""
from __future__ import annotations

import math
from typing import Sequence

__all__ = [
    "ASM3_7_RATIO",
    "asm3_7_holds",
    "ASSUMPTION_3_1_PRINTED_LIMIT",
    "assumption_3_1_intent",
    "ce_min_bound",
    "cor4_4_threshold",
    "relu_gaussian_moment",
    "a3_rho",
    "a3_bound",
    "a3_excess",
    "A3_C_LIMIT",
    "A3_THETA_EXPONENT",
    "a3_smallest_C",
]

# ----------------------------------------------------------------------------- Assumption 3.7
#: 003 Assumption 3.7 / 000 Assumption 4.3: ``M = max m_l ≤ 2 min m_l``.
ASM3_7_RATIO = 2.0


def asm3_7_holds(widths: Sequence[int]) -> bool:
    """003 Assumption 3.7: ``max_l m_l ≤ 2 min_l m_l`` over the hidden widths ``m_1..m_L``."""
    w = [int(m) for m in widths]
    if not w or min(w) < 1:
        raise ValueError(f"widths must be a non-empty list of positive integers, got {widths!r}")
    return max(w) <= ASM3_7_RATIO * min(w)


# ----------------------------------------------------------------------------- losses
#: 003 Assumption 3.1 as printed: ``lim_{x→−∞} ℓ'(x) = 0`` (false for cross-entropy: −1).
ASSUMPTION_3_1_PRINTED_LIMIT = 0.0


def assumption_3_1_intent() -> dict:
    """The evident intent of 003 Assumption 3.1: ℓ continuous, ``ℓ' ≤ 0``,
    ``lim_{x→+∞} ℓ(x) = 0`` and ``lim_{x→+∞} ℓ'(x) = 0`` (the printed −∞ is a typo)."""
    return {"deriv_sign": "<= 0", "value_limit_plus_inf": 0.0, "deriv_limit_plus_inf": 0.0}


def ce_min_bound(ell_x, alpha0: float = 0.5, alpha1: float = 1.0 / (2.0 * math.log(2.0))):
    """000 proof of Theorem 4.4: ``−ℓ'(x) = 1/(1+eˣ) ≥ min{α₀, α₁ ℓ(x)}`` with α₀ = 1/2,
    α₁ = 1/(2 log 2) for cross-entropy. Returns ``min{α₀, α₁ ℓ(x)}`` (elementwise for tensors)."""
    try:
        import torch

        if isinstance(ell_x, torch.Tensor):
            return torch.minimum(torch.full_like(ell_x, alpha0), alpha1 * ell_x)
    except ImportError:  # pragma: no cover
        pass
    return min(alpha0, alpha1 * float(ell_x))


def cor4_4_threshold(ell0: float, n: int) -> float:
    """000 Remark 4.1 / 003 Corollary 4.4: ``L_S(W) ≤ ℓ(0)/n`` implies ``y_i ŷ_i ≥ 0`` for all i
    (ℓ ≥ 0 and strictly decreasing). Returns ``ℓ(0)/n``."""
    if isinstance(n, bool) or int(n) != n or n < 1:
        raise ValueError(f"n must be a positive integer, got n={n!r}")
    return float(ell0) / int(n)


# ----------------------------------------------------------------------------- Lemma A.3
def relu_gaussian_moment(rho: float) -> float:
    """``E[σ(Z₁)σ(Z₂)]`` for standard Gaussians with correlation ρ (the degree-1 arc-cosine
    kernel, Cho & Saul 2009): ``(sin t + (π − t) cos t)/(2π)``, ``t = arccos ρ``. Used by 003
    Lemma A.3 (``ρ = α``) and A.4."""
    rho = float(rho)
    if not (-1.0 - 1e-15 <= rho <= 1.0 + 1e-15):
        raise ValueError(f"rho must be a correlation in [-1, 1], got rho={rho!r}")
    t = math.acos(max(-1.0, min(1.0, rho)))
    return (math.sin(t) + (math.pi - t) * math.cos(t)) / (2.0 * math.pi)


def a3_rho(theta: float) -> float:
    """003 Lemma A.3: the worst-case correlation ``α = 1 − θ²/2`` (the moment is increasing in
    α, so the maximum under ``E Z₁Z₂ ≤ 1 − θ²/2`` is attained there). Needs ``0 < θ ≤ 2``."""
    theta = float(theta)
    if not (0.0 < theta <= 2.0):
        raise ValueError(f"theta must lie in (0, 2] (a correlation 1 − θ²/2 ≥ −1), got theta={theta!r}")
    return 1.0 - theta * theta / 2.0


def a3_bound(theta: float, C: float) -> float:
    """003 Lemma A.3: ``E[σ(Z₁)σ(Z₂)] ≤ 1/2 − θ²/4 + Cθ³``; returns the right-hand side."""
    return 0.5 - theta * theta / 4.0 + float(C) * theta**3


def a3_excess(theta: float) -> float:
    """``E[σ(Z₁)σ(Z₂)] − (1/2 − θ²/4)`` at ``ρ = 1 − θ²/2`` from the closed form: the O(θ³) term
    of 003 Lemma A.3 (≈ θ³/(6π) for small θ)."""
    return relu_gaussian_moment(a3_rho(theta)) - (0.5 - theta * theta / 4.0)


#: lim_{θ→0} a3_excess(θ)/θ³ = 1/(6π): the least C that can work for small θ.
A3_C_LIMIT = 1.0 / (6.0 * math.pi)
#: the excess of 003 Lemma A.3 is O(θ³): exponent of θ as θ → 0.
A3_THETA_EXPONENT = 3.0


def a3_smallest_C(thetas: Sequence[float], moments: Sequence[float]) -> float:
    """The smallest C with ``moments[k] ≤ 1/2 − θ_k²/4 + Cθ_k³`` for every k (003 Lemma A.3):
    ``max_k (moments[k] − 1/2 + θ_k²/4)/θ_k³``."""
    if len(thetas) != len(moments) or not len(thetas):
        raise ValueError("thetas and moments must be non-empty and of one length")
    return max((float(e) - 0.5 + t * t / 4.0) / t**3 for t, e in zip(thetas, moments))
