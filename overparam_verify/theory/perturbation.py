"""Theory bounds and regimes for the catalogue family 'perturbation': the perturbation region
``‖W̃_l − W_l‖₂ ≤ τ`` around a Gaussian initialisation (ZCZG 003 Theorem 5.3 and Appendix B,
000 Lemma 5.2; AZLS 002 Section 4 Step 2, Theorems 3 and 4).

Conventions. ZCZG: ``W_l ∈ R^{m_{l-1}×m_l}``, ``x_{l,i} = σ(W_lᵀx_{l-1,i})``, ``M = max_l m_l``,
``L_S = (1/n)Σ ℓ(y_i ŷ_i)``. AZLS: ``W_l ∈ R^{m×m}``, ``h_{i,l} = σ(W_l h_{i,l-1})``, output
``B h_{i,L}`` with ``B ∈ R^{d×m}`` (``d`` = ``d_out`` here), ``F = Σ_i ½‖B h_{i,L} − y*_i‖²``, the
radius is called ω.

Every explicit bound (kind W) is a function returning the bound; every hidden-constant bound
(kind S) is a *rate* function (the bound with its constant set to 1) plus the exponent of the
swept parameter as a module constant. Regimes are functions returning the requirement.

Findings recorded here (they are about the printed proofs, not the statements):

* 003 Lemma B.2's proof sums ``Σ_{i=1}^l 4τ·8^{i-1} = 4τ(8^l − 1)/7`` and then claims
  ``≤ 8^l τ/7`` — off by a factor 4. The statement itself still holds given 003 Theorem 5.1(i)
  and ``τ ≤ 1/2``, by the 1-Lipschitz ReLU: ``d_l ≤ (3/2)τ + 4 d_{l-1}``, ``d_1 ≤ τ``, so
  ``d_l ≤ (3/2)·4^{l-1}τ ≤ 8^l τ/7`` (:func:`b2_lipschitz_bound`).
* 003 Lemma B.6's bound is deterministic given 003 Theorem 5.3(i): every product
  ``Π Σ̃W̃ᵀ`` has spectral norm ≤ 4^{#factors}, so the bound holds with 4^{L−1} in place of 4^L
  (:func:`b6_deterministic_bound`). Lemma B.6 states it for ``‖·‖₂``, Theorem 5.3(vi) for
  ``‖·‖_F``; the proof bounds rank-one terms, whose two norms agree, so the Frobenius form (the
  stronger) is what the suite checks.
* 003 states (iv) in two forms: Lemma B.1 ``C′4^L L(√(s log M) + √M τ)`` and Theorem 5.3(iv)
  ``C′4^L L√(s log m) + 4^L√m τ``; both constants are reported.
* 003 Lemma B.5's proof ends with ``M`` where the statement has ``m_L`` (equal widths: same).
* At L = 1 Lemma B.2 is nearly tight: ``‖x̃_1 − x_1‖ ≤ τ‖x_i‖ = τ`` is attained by a perturbation
  aligned with x_i, against ``8τ/7`` (slack 7/8).
"""
from __future__ import annotations

import math

__all__ = [
    # ZCZG 003 Theorem 5.3 (i)
    "W_TILDE_NORM_BOUND",
    "w_tilde_norm_bound",
    "zczg_5_1_i_holds",
    # (ii) / B.2
    "b2_forward_deviation_bound",
    "b2_lipschitz_bound",
    # (iii) / B.3 and B.4
    "b3_sign_change_bound",
    "b3_nontrivial_tau",
    "B3_TAU_EXPONENT_WORST",
    "B3_TAU_EXPONENT_RANDOM",
    "b4_union_sign_change_bound",
    # (iv) / B.1
    "b1_sparse_sup_rate",
    "B1_WIDTH_EXPONENT",
    # (v) / B.5
    "b5_rate_003",
    "b5_rate_000",
    "B5_WIDTH_EXPONENT",
    "b5_tau_regime",
    "b5_tau_000",
    # (vi) / B.6
    "b6_gradient_bound",
    "b6_minibatch_bound",
    "b6_rate_000",
    "B6_DEPTH_EXPONENT_000",
    # regimes
    "zczg_5_1_min_width",
    "zczg_5_3_regime",
    # AZLS Step 2 and Theorems 3, 4
    "azls_signs_rate",
    "AZLS_SIGNS_OMEGA_EXPONENT",
    "azls_forward_rate",
    "AZLS_FORWARD_DEPTH_EXPONENT",
    "ZCZG_FORWARD_GROWTH_BASE",
    "azls_backward_rate",
    "AZLS_BACKWARD_OMEGA_EXPONENT",
    "azls_thm3_lower_rate",
    "azls_thm3_upper_rate",
    "AZLS_THM3_WIDTH_EXPONENT",
    "azls_thm4_terms",
    "azls_regime",
    # judging fits
    "slope_consistent",
    "forward_depth_support",
    "b6_deterministic_bound",
    "B1_TAU_FORM_THEOREM",
]

from .init_backward import slope_consistent  # one implementation of "beaten, not exceeded"


def _check_tau(tau: float) -> float:
    tau = float(tau)
    if not (tau >= 0 and math.isfinite(tau)):
        raise ValueError(f"the perturbation radius must be finite and >= 0, got tau={tau!r}")
    return tau


def _check_pos_int(name: str, v) -> int:
    if isinstance(v, bool) or int(v) != v or v < 1:
        raise ValueError(f"{name} must be a positive integer, got {name}={v!r}")
    return int(v)


# ----------------------------------------------------------------------------- (i)
#: 003 Theorem 5.3(i): ‖W̃_l‖₂ ≤ 4.
W_TILDE_NORM_BOUND = 4.0


def w_tilde_norm_bound(W_norm: float, tau: float) -> float:
    """003 Theorem 5.3(i) (proof: first line of Appendix B): ``‖W̃_l‖₂ ≤ ‖W_l‖₂ + τ``, which is
    ≤ 7/2 + 1/2 = 4 when 003 Theorem 5.1(i) (``‖W_l‖₂ ≤ 7/2``) holds and ``τ ≤ 1/2``.
    Returns the triangle-inequality bound ``‖W_l‖₂ + τ``."""
    return float(W_norm) + _check_tau(tau)


def zczg_5_1_i_holds(W_norms, x_norms) -> bool:
    """003 Theorem 5.1(i): ``‖x_{l,i}‖₂ ≤ 3/2`` and ``‖W_l‖₂ ≤ 7/2`` for all l, i (the condition
    of 003 Theorem 5.3). ``W_norms``: iterable over layers; ``x_norms``: iterable of norms."""
    return all(float(w) <= 3.5 for w in W_norms) and all(float(x) <= 1.5 for x in x_norms)


# ----------------------------------------------------------------------------- (ii) / B.2
def b2_forward_deviation_bound(L: int, tau: float) -> float:
    """003 Lemma B.2 / Theorem 5.3(ii): ``‖x̃_{l,i} − x_{l,i}‖₂ ≤ 8^L τ/7`` for all l ≤ L, i."""
    return 8.0 ** _check_pos_int("L", L) * _check_tau(tau) / 7.0


def b2_lipschitz_bound(l: int, tau: float) -> float:
    """The correct recursion behind 003 Lemma B.2 (see the module docstring): with
    ``‖x_{r,i}‖ ≤ 3/2``, ``‖W̃_r‖₂ ≤ 4`` and ReLU 1-Lipschitz, ``d_1 ≤ τ`` (``‖x_i‖ = 1``) and
    ``d_r ≤ (3/2)τ + 4 d_{r-1}``, so ``d_l ≤ τ(4^{l-1} + (4^{l-1} − 1)/2)``."""
    l = _check_pos_int("l", l)
    q = 4.0 ** (l - 1)
    return _check_tau(tau) * (q + (q - 1.0) / 2.0)


# ----------------------------------------------------------------------------- (iii) / B.3, B.4
#: τ-exponent of the sign-change count for a worst-case perturbation (003 Lemma B.3's 2/3,
#: attained by flipping the pre-activations nearest zero).
B3_TAU_EXPONENT_WORST = 2.0 / 3.0
#: τ-exponent for a random (isotropic) perturbation: each pre-activation moves by ~τ/√m, and a
#: fraction ~τ of the ~1/√m-sized pre-activations flips.
B3_TAU_EXPONENT_RANDOM = 1.0


def b3_sign_change_bound(L: int, m_l: int, tau: float) -> float:
    """003 Lemma B.3 / Theorem 5.3(iii): ``‖Σ̃_{l,i} − Σ_{l,i}‖₀ ≤ 3·4^L m_l τ^{2/3}``.
    (Proof: β = 4^L τ^{2/3}/√m_l in ``2m_l^{3/2}β + 8^{2L}τ²/β²``.)"""
    return 3.0 * 4.0 ** _check_pos_int("L", L) * _check_pos_int("m_l", m_l) * _check_tau(tau) ** (2.0 / 3.0)


def b3_nontrivial_tau(L: int) -> float:
    """The radius below which 003 Lemma B.3's bound is smaller than m_l (non-vacuous):
    ``τ < (3·4^L)^{-3/2}``."""
    return (3.0 * 4.0 ** _check_pos_int("L", L)) ** (-1.5)


def b4_union_sign_change_bound(n: int, L: int, m_L: int, tau: float) -> float:
    """003 Lemma B.4: ``|S̃_L| = |{j : ∃i, (Σ̃_{L,i} − Σ_{L,i})_{jj} ≠ 0}| ≤ 3n·4^L m_L τ^{2/3}``."""
    return _check_pos_int("n", n) * b3_sign_change_bound(L, m_L, tau)


# ----------------------------------------------------------------------------- (iv) / B.1
#: B.1 at fixed s, τ: Γ̃ ≤ C′4^L L(√(s log M) + √M τ) grows at most like M^{1/2} in the width.
B1_WIDTH_EXPONENT = 0.5


def b1_sparse_sup_rate(L: int, s: int, M: int, tau: float) -> float:
    """003 Lemma B.1 / Theorem 5.3(iv) without its constant C′:
    ``Γ̃_{i,l,s} = sup_{‖a‖₂=1, ‖a‖₀≤s} vᵀ(Π_{r=l}^L Σ̃_{r,i}W̃_rᵀ)a ≤ C′·4^L·L·(√(s log M) + √M τ)``.
    Returns ``4^L L (√(s log M) + √M τ)``."""
    L, s, M = _check_pos_int("L", L), _check_pos_int("s", s), _check_pos_int("M", M)
    return 4.0**L * L * (math.sqrt(s * math.log(max(M, 2))) + math.sqrt(M) * _check_tau(tau))


# ----------------------------------------------------------------------------- (v) / B.5
#: ‖∇_{W_L}L_S(W̃)‖_F² is lower-bounded linearly in the width m_L (003 B.5 and 000 Lemma 5.2).
B5_WIDTH_EXPONENT = 1.0


def b5_rate_003(m_L: int, phi: float, n: int, sum_lprime: float) -> float:
    """003 Lemma B.5 / Theorem 5.3(v) without c₀:
    ``‖∇_{W_L}L_S(W̃)‖_F² ≥ c₀ m_L φ³/n⁷ (Σ_i ℓ'(y_i ỹ_i))²``. Returns ``m_L φ³ (Σℓ')²/n⁷``."""
    return _check_pos_int("m_L", m_L) * float(phi) ** 3 / _check_pos_int("n", n) ** 7 * float(sum_lprime) ** 2


def b5_rate_000(m: int, phi: float, n: int, sum_lprime: float) -> float:
    """000 Lemma 5.2 (first inequality) without C: ``‖∇_{W_L}L_S(W̃)‖_F² ≥ C mφ/n⁵ (Σℓ')²``.
    Returns ``m φ (Σℓ')²/n⁵``."""
    return _check_pos_int("m", m) * float(phi) / _check_pos_int("n", n) ** 5 * float(sum_lprime) ** 2


def b5_tau_regime(n: int, phi: float, L: int) -> float:
    """003 Lemma B.5's radius (its proof, last display before "Note that"): with C₁ = C₂ = 1,
    ``τ ≤ φ^{3/2}/(4^{3(L+2)/2} n³) ∧ 3.5φ/(8^L n²)``."""
    n, L = _check_pos_int("n", n), _check_pos_int("L", L)
    return min(phi**1.5 / (4.0 ** (1.5 * (L + 2)) * n**3), 3.5 * phi / (8.0**L * n**2))


def b5_tau_000(n: int, phi: float, L: int) -> float:
    """000 Lemma 5.2's radius ``τ = O(φ^{3/2} n^{−3} L^{−2})`` with the constant set to 1 (much
    larger than 003 Lemma B.5's, where the region is nearly a point)."""
    n, L = _check_pos_int("n", n), _check_pos_int("L", L)
    return float(phi) ** 1.5 / (n**3 * L**2)


# ----------------------------------------------------------------------------- (vi) / B.6
#: 000 Lemma 5.2 (second inequality): the constant grows at most linearly in L.
B6_DEPTH_EXPONENT_000 = 1.0


def b6_gradient_bound(L: int, M: int, n: int, sum_lprime: float) -> float:
    """003 Lemma B.6 / Theorem 5.3(vi): ``‖∇_{W_l}L_S(W̃)‖_F ≤ −(4^L M^{1/2}/n) Σ_i ℓ'(y_i ỹ_i)``.
    ``sum_lprime`` = ``Σ_i ℓ'(y_i ỹ_i)`` (≤ 0)."""
    if float(sum_lprime) > 0:
        raise ValueError(f"sum_lprime = Σ ℓ'(y_i ỹ_i) must be <= 0 (ℓ' ≤ 0), got {sum_lprime!r}")
    return -(4.0 ** _check_pos_int("L", L)) * math.sqrt(_check_pos_int("M", M)) / _check_pos_int("n", n) * float(sum_lprime)


def b6_minibatch_bound(L: int, M: int, B: int, sum_lprime_batch: float) -> float:
    """003 Lemma B.6, stochastic part: ``‖G̃_l‖_F ≤ −(4^L M^{1/2}/B) Σ_{i∈B} ℓ'(y_i ỹ_i)``."""
    return b6_gradient_bound(L, M, B, sum_lprime_batch)


def b6_rate_000(L: int, M: int, n: int, sum_lprime: float) -> float:
    """000 Lemma 5.2 (second inequality) without C′: ``−(L M^{1/2}/n) Σℓ'``."""
    return -_check_pos_int("L", L) * math.sqrt(_check_pos_int("M", M)) / _check_pos_int("n", n) * float(sum_lprime)


# ----------------------------------------------------------------------------- regimes
def zczg_5_1_min_width(n: int, L: int, phi: float, delta: float, tau: float) -> float:
    """003 eq. (5.1) with C̄ = 1 and β = 4^L τ^{2/3} m^{-1/2} (Remark 5.2): the smallest m with
    ``m ≥ max{L⁴φ⁻⁴ log(n²L/δ), [β⁻¹ log(nL/δ)]^{2/3}, n²φ⁻¹ log(n²/φ)}``. The middle term
    depends on m through β; solved in closed form: ``m ≥ (log(nL/δ)/(4^Lτ^{2/3}))^{2/3} m^{1/3}``
    ⇔ ``m ≥ (log(nL/δ)/(4^L τ^{2/3}))``."""
    n, L = _check_pos_int("n", n), _check_pos_int("L", L)
    tau = _check_tau(tau)
    t1 = L**4 * phi**-4 * math.log(n * n * L / delta)
    t2 = math.log(n * L / delta) / (4.0**L * tau ** (2.0 / 3.0)) if tau > 0 else math.inf
    t3 = n * n / phi * math.log(n * n / phi)
    return max(t1, t2, t3)


def zczg_5_3_regime(m: int, n: int, L: int, phi: float, tau: float, delta: float = 0.1) -> dict:
    """The regime of 003 Theorem 5.3 with every hidden constant set to 1: Theorem 5.1's width
    (eq. 5.1), ``φ ≤ 1/L``, ``τ ≤ κ`` (κ = 1/2, the value Theorem 5.3(i) needs), and for (v)
    the radius of Lemma B.5. Returns a JSON-able dict with ``regime_met`` and
    ``required_width``."""
    req = zczg_5_1_min_width(n, L, phi, delta, tau)
    b5 = b5_tau_regime(n, phi, L)
    return {
        "required_width": req,
        "width_ok": m >= req,
        "phi_ok": phi <= 1.0 / L,
        "tau_ok": tau <= 0.5,
        "b5_tau_max": b5,
        "b5_tau_ok": tau <= b5,
        "regime_met": bool(m >= req and phi <= 1.0 / L and tau <= 0.5),
    }


# ----------------------------------------------------------------------------- AZLS
#: AZLS Step 2(a): sign changes O(m ω^{2/3} L) — exponent of ω.
AZLS_SIGNS_OMEGA_EXPONENT = 2.0 / 3.0
#: AZLS Step 2(b): forward perturbation O(ω L^{5/2}) — exponent of L.
AZLS_FORWARD_DEPTH_EXPONENT = 2.5
#: ZCZG 003 Lemma B.2: forward perturbation 8^L τ/7 — growth factor per layer.
ZCZG_FORWARD_GROWTH_BASE = 8.0
#: AZLS Step 2 (backward): change O(ω^{1/3} L² √(m/d)) — exponent of ω.
AZLS_BACKWARD_OMEGA_EXPONENT = 1.0 / 3.0
#: AZLS Theorem 3: both gradient bounds are linear in m.
AZLS_THM3_WIDTH_EXPONENT = 1.0


def azls_signs_rate(m: int, omega: float, L: int) -> float:
    """AZLS (002) Section 4, Step 2(a) (Appendix B): ``‖D_{i,l} − D⁽⁰⁾_{i,l}‖₀ ≤ O(m ω^{2/3} L)``.
    Returns ``m ω^{2/3} L``."""
    return _check_pos_int("m", m) * _check_tau(omega) ** (2.0 / 3.0) * _check_pos_int("L", L)


def azls_forward_rate(omega: float, L: int) -> float:
    """AZLS Step 2(b): ``‖h_{i,l} − h⁽⁰⁾_{i,l}‖ ≤ O(ω L^{5/2})``. Returns ``ω L^{5/2}``."""
    return _check_tau(omega) * _check_pos_int("L", L) ** 2.5


def azls_backward_rate(omega: float, L: int, m: int, d_out: int) -> float:
    """AZLS Step 2 (last paragraph): the backward matrix ``B D_{i,L}W_L ⋯ D_{i,a}W_a`` changes by
    ``O(ω^{1/3} L² √(m/d))`` in spectral norm. Returns ``ω^{1/3} L² √(m/d_out)``."""
    return (_check_tau(omega) ** (1.0 / 3.0) * _check_pos_int("L", L) ** 2
            * math.sqrt(_check_pos_int("m", m) / _check_pos_int("d_out", d_out)))


def azls_thm3_lower_rate(F: float, delta: float, m: int, d: int, n: int) -> float:
    """AZLS Theorem 3 (lower): ``‖∇F(W)‖_F² ≥ Ω(F(W) δ m/(d n²))``. Returns ``F δ m/(d n²)``."""
    return float(F) * float(delta) * _check_pos_int("m", m) / (_check_pos_int("d", d) * _check_pos_int("n", n) ** 2)


def azls_thm3_upper_rate(F: float, L: int, n: int, m: int, d: int) -> float:
    """AZLS Theorem 3 (upper): ``‖∇F(W)‖_F² ≤ O(F(W) L n m/d)``. Returns ``F L n m/d``."""
    return float(F) * _check_pos_int("L", L) * _check_pos_int("n", n) * _check_pos_int("m", m) / _check_pos_int("d", d)


def azls_thm4_terms(n: int, L: int, m: int, d: int, t: float, F: float) -> tuple[float, float]:
    """AZLS Theorem 4 (semi-smoothness), the two terms of the bound on the first-order Taylor
    residual ``F(W̆+W′) − F(W̆) − ⟨∇F(W̆), W′⟩`` with ``t = ‖W′‖₂``, constants set to 1 and
    poly(L) = 1: ``(nL²m/d · t², √(n m log m)/√d · t · √F(W̆))``."""
    n, L, m, d = (_check_pos_int(k, v) for k, v in (("n", n), ("L", L), ("m", m), ("d", d)))
    t = _check_tau(t)
    return n * L * L * m / d * t * t, math.sqrt(n * m * math.log(max(m, 2)) / d) * t * math.sqrt(max(F, 0.0))


def azls_regime(m: int, n: int, L: int, omega: float) -> dict:
    """AZLS's regime: m ≥ poly(n, L, δ⁻¹)·d (Assumption 2.4) and ω ≤ 1/poly(n, L, δ⁻¹); the
    polynomials are unspecified, so whether a finite configuration is "in the regime" is
    undecidable. Reported with the smallest check we can state: ω ≤ 1/L (Step 2 needs
    ``ω ≤ 1/poly(L)``), ``regime_met=None``."""
    return {"regime_met": None, "omega_le_1_over_L": omega <= 1.0 / L,
            "note": "AZLS's polynomials are unspecified (Assumption 2.4, Step 2: ω ≤ 1/poly(L))"}


# ----------------------------------------------------------------------------- comparisons
#: 003 states (iv) twice: Lemma B.1 ``C′4^L L(√(s log M) + √M τ)`` and Theorem 5.3(iv)
#: ``C′4^L L√(s log m) + 4^L√m τ`` (no L and no C′ on the τ term). The suite judges B.1's form
#: (the weaker one) and reports the constant under both.
B1_TAU_FORM_THEOREM = "C'4^L L sqrt(s log m) + 4^L sqrt(m) tau"


def b6_deterministic_bound(L: int, M: int, n: int, sum_lprime: float) -> float:
    """What 003 Lemma B.6's proof actually gives, deterministically once ‖W̃_r‖₂ ≤ 4 and
    ‖x_i‖ = 1: ``‖∇_{W_l}L_S‖_F ≤ −(4^{L−1}M^{1/2}/n)Σℓ'`` (L − 1 factors W̃ in each rank-one term)."""
    return b6_gradient_bound(L, M, n, sum_lprime) / 4.0


def forward_depth_support(loglin_ci: tuple[float, float], loglog_ci: tuple[float, float]) -> dict:
    """Which depth rate of the forward perturbation ``‖x̃_{L} − x_L‖/τ`` the data support:
    003 Lemma B.2's ``8^L`` (log-linear slope ≤ log 8, i.e. a per-layer growth factor ≤ 8) and/or
    AZLS Step 2(b)'s ``L^{5/2}`` (log-log slope ≤ 5/2). A bound is *supported* when the fit's CI
    does not exceed it (``lo ≤ exponent``) and *tight* when the CI contains it."""
    loglin_ci = (float(loglin_ci[0]), float(loglin_ci[1]))
    loglog_ci = (float(loglog_ci[0]), float(loglog_ci[1]))
    b8 = math.log(ZCZG_FORWARD_GROWTH_BASE)
    return {
        "growth_factor_per_layer": [math.exp(loglin_ci[0]), math.exp(loglin_ci[1])],
        "8^L_supported": loglin_ci[0] <= b8,
        "8^L_tight": loglin_ci[0] <= b8 <= loglin_ci[1],
        "L^2.5_supported": loglog_ci[0] <= AZLS_FORWARD_DEPTH_EXPONENT,
        "L^2.5_tight": loglog_ci[0] <= AZLS_FORWARD_DEPTH_EXPONENT <= loglog_ci[1],
    }
