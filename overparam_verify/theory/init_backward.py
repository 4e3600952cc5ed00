"""Theory bounds and regimes for the catalogue family 'init_backward': backward products and the
gradient lower bound's node counts at Gaussian initialization — ZCZG 003 Theorem 5.1 (iv)-(vii)
with Lemmas A.7-A.11, and AZLS 002 Section 4, Step 1 (backward and intermediate matrices).

Conventions. ZCZG: ``W_l ∈ R^{m_{l-1}×m_l}`` with i.i.d. N(0, 2/m_l) entries, ``x_{l,i} =
σ(W_lᵀx_{l-1,i})``, ``Σ_{l,i}`` the activation pattern, ``M = max_l m_l``. AZLS:
``h_{i,l} = σ(W_l h_{i,l-1})``, ``D_{i,l}`` the pattern, ``B ∈ R^{d_out×m}`` entries N(0, 1/d_out).

Every explicit bound (kind W) is a function returning the bound; every hidden-constant bound
(kind S) is a *rate* (the bound with its constant set to 1) plus the exponent of the swept
parameter as a module constant; :func:`slope_consistent` says how a fitted exponent is judged
against an upper or lower bound. Regimes are functions.

Findings about the printed proofs recorded here:

* 003 Lemma A.7's proof bounds ``P(|⟨w_{l,j}, x_{l-1,i}⟩| ≤ β) ≤ π^{-1/2} β m_l^{1/2}`` using only
  ``‖x_{l-1,i}‖ ≥ 1/2``; with that assumption the Gaussian density at 0 gives ``2π^{-1/2}β m_l^{1/2}``
  (a factor 2 lost). The statement survives: the expected count is then ≤ 1.13 m_l^{3/2}β < 2
  m_l^{3/2}β, and with ``‖x‖ ≈ 1`` it is ≈ 0.56 m_l^{3/2}β (:func:`a7_expected_count`).
* 003 Lemma A.8 writes ``a ∈ S^{m_{l₁}-1}``; the product acts on ``R^{m_{l₁-1}}`` (the proof's
  ``l₀ = l₁ − 1``). Immaterial for equal widths.
* 003 Lemma A.9's ``√(s log M)``: the backward row vector has entries ≈ N(0, 1) (equal widths),
  so Γ² ≈ 2s log(M/s) — the bound's log M is approached from below and Γ/√(s log M) rises
  slowly towards √2 (1.0 → 1.2 for s = 8, M = 64 → 4096). A power-law fit of that bounded ratio
  reads a small positive exponent in M at any finite M, so the catalogue reports the M sweep
  rather than judging it against exponent 0.
* AZLS Step 1's backward matrix ``‖BA‖₂`` (A = D W⋯D W) for Gaussian B (d_out × m, variance
  1/d_out) is ≈ √(m/d_out)·‖A‖_F/√m + ‖A‖₂: at fixed m the constant ‖BA‖/√(m/d_out) grows with
  d_out by ≈ ‖A‖₂√(d_out/m) (slope ≈ 0.06 in d_out ≤ 8 at m = 2048). It stays bounded for
  d_out ≤ m/L, which the catalogue judges on the ray m ∝ d_out.
"""
from __future__ import annotations

import math

__all__ = [
    # Lemma A.7 / Theorem 5.1(iv)
    "A7_BOUND_FACTOR",
    "a7_node_count_bound",
    "a7_min_width",
    "a7_regime",
    "a7_expected_count",
    "a7_proof_beta",
    "a7_proof_min_width",
    # Lemma A.8 / Theorem 5.1(v)
    "A8_DEPTH_EXPONENT",
    "a8_rate",
    # Lemma A.9 / Theorem 5.1(vi)
    "A9_DEPTH_EXPONENT",
    "A9_SPARSITY_EXPONENT",
    "a9_rate",
    "a9_min_sparsity",
    # Lemma A.10 / Theorem 5.1(vii)
    "A10_WIDTH_EXPONENT",
    "A10_PHI_EXPONENT",
    "A10_N_EXPONENT",
    "a10_threshold",
    "a10_count_rate",
    "a10_min_width",
    # Lemma A.11 (Li & Liang 2018, Lemma A.3)
    "A11_PHI_EXPONENT",
    "A11_N_EXPONENT",
    "a11_threshold",
    "a11_prob_rate",
    # AZLS Step 1
    "AZLS_BACKWARD_WIDTH_EXPONENT",
    "AZLS_BACKWARD_DOUT_EXPONENT",
    "azls_step1_backward_rate",
    "AZLS_INTERMEDIATE_DEPTH_EXPONENT",
    "azls_intermediate_rate",
    # judging a fitted exponent
    "slope_consistent",
    "depth_rate_supported",
]


def _pos(name: str, v: float) -> float:
    if not (isinstance(v, (int, float)) and math.isfinite(v) and v > 0):
        raise ValueError(f"{name} must be a finite number > 0, got {name}={v!r}")
    return float(v)


def _posint(name: str, v) -> int:
    if isinstance(v, bool) or int(v) != v or v < 1:
        raise ValueError(f"{name} must be a positive integer, got {name}={v!r}")
    return int(v)


def _delta(delta: float) -> float:
    if not (0.0 < delta < 1.0):
        raise ValueError(f"delta must lie in (0, 1), got delta={delta!r}")
    return float(delta)


# ----------------------------------------------------------------------------- A.7
#: the explicit factor in ZCZG 003 Lemma A.7 / Theorem 5.1(iv): |S_{l,i}(β)| ≤ 2 m_l^{3/2} β
A7_BOUND_FACTOR = 2.0


def a7_node_count_bound(m_l: int, beta: float) -> float:
    """ZCZG 003 Lemma A.7 (Theorem 5.1(iv)): ``|{j : |⟨w_{l,j}, x_{l-1,i}⟩| ≤ β}| ≤ 2 m_l^{3/2} β``."""
    m_l = _posint("m_l", m_l)
    if not (math.isfinite(beta) and beta >= 0):
        raise ValueError(f"beta must be finite and >= 0, got beta={beta!r}")
    return A7_BOUND_FACTOR * m_l**1.5 * beta


def a7_min_width(beta: float, n: int, L: int, delta: float, *, C: float = 1.0) -> float:
    """The width ZCZG 003 Lemma A.7 requires, ``m_l ≥ C max{[β⁻¹ log(nL/δ)]^{2/3},
    L² log(nL/δ)}``, with the unspecified "large enough" C as a parameter (default 1: the least
    demanding natural choice; the suite reports where the bound really starts to hold)."""
    beta = _pos("beta", beta)
    n, L = _posint("n", n), _posint("L", L)
    lg = math.log(n * L / _delta(delta))
    return _pos("C", C) * max((lg / beta) ** (2.0 / 3.0), L * L * lg)


def a7_regime(m_l: int, beta: float, n: int, L: int, delta: float, *, C: float = 1.0) -> dict:
    """Whether ``m_l`` is in ZCZG 003 Lemma A.7's regime: ``{"ok", "min_width", "t"}`` with
    ``t = m_l^{3/2}β`` (the Bernstein exponent, which the proof needs ≥ C log(nL/δ))."""
    mw = a7_min_width(beta, n, L, delta, C=C)
    return {"ok": bool(m_l >= mw), "min_width": mw, "t": float(m_l) ** 1.5 * beta}


def a7_expected_count(m_l: int, beta: float, x_norm: float = 1.0) -> float:
    """Exact ``E|S_{l,i}(β)|`` given ``‖x_{l-1,i}‖``: ⟨w_{l,j}, x⟩ ~ N(0, 2‖x‖²/m_l), so
    ``m_l · erf(β √m_l / (2‖x‖))`` ≈ ``π^{-1/2} m_l^{3/2} β/‖x‖`` for small β (see the module
    note on the proof's factor 2)."""
    m_l = _posint("m_l", m_l)
    return m_l * math.erf(beta * math.sqrt(m_l) / (2.0 * _pos("x_norm", x_norm)))


def a7_proof_beta(L: int, tau: float, m_l: int) -> float:
    """The β the later proofs use (ZCZG 003 Remark 5.2): ``β = 4^L τ^{2/3} m_l^{-1/2}``."""
    return 4.0 ** _posint("L", L) * _pos("tau", tau) ** (2.0 / 3.0) / math.sqrt(_posint("m_l", m_l))


def a7_proof_min_width(L: int, tau: float, n: int, delta: float, *, C: float = 1.0) -> float:
    """Lemma A.7's regime with Remark 5.2's β = c m^{-1/2}, c = 4^L τ^{2/3}: the condition
    m ≥ C[β⁻¹ log(nL/δ)]^{2/3} = C(log(nL/δ)/c)^{2/3} m^{1/3} becomes m ≥ C^{3/2} log(nL/δ)/c,
    so ``m ≥ max{C^{3/2} log(nL/δ)/c, C L² log(nL/δ)}``."""
    L, n = _posint("L", L), _posint("n", n)
    lg = math.log(n * L / _delta(delta))
    c = 4.0**L * _pos("tau", tau) ** (2.0 / 3.0)
    C = _pos("C", C)
    return max(C**1.5 * lg / c, C * L * L * lg)


# ----------------------------------------------------------------------------- A.8
#: ZCZG 003 Lemma A.8: Λ_{i,l₁,l₂} ≤ C′ L — exponent of L in the upper bound
A8_DEPTH_EXPONENT = 1.0


def a8_rate(L: int) -> float:
    """ZCZG 003 Lemma A.8 / Theorem 5.1(v): ``‖W_{l₂}ᵀ(Π_{r=l₁}^{l₂−1} Σ_{r,i}W_rᵀ)‖₂ ≤ C′L``;
    the rate with C′ = 1."""
    return float(_posint("L", L))


# ----------------------------------------------------------------------------- A.9
A9_DEPTH_EXPONENT = 1.0
A9_SPARSITY_EXPONENT = 0.5


def a9_rate(L: int, s: int, M: int) -> float:
    """ZCZG 003 Lemma A.9 / Theorem 5.1(vi): ``Γ_{i,l,s} ≤ C′ L √(s log M)``; the rate with C′ = 1."""
    L, s, M = _posint("L", L), _posint("s", s), _posint("M", M)
    if M < 2:
        raise ValueError(f"M must be >= 2 (log M > 0), got M={M}")
    return L * math.sqrt(s * math.log(M))


def a9_min_sparsity(n: int, L: int, delta: float, *, C: float = 1.0) -> float:
    """ZCZG 003 Lemma A.9's regime ``s ≥ C log(nL/δ)`` (C unspecified; a parameter)."""
    return _pos("C", C) * math.log(_posint("n", n) * _posint("L", L) / _delta(delta))


# ----------------------------------------------------------------------------- A.10
#: count ≥ C″ m_L φ/n: a lower bound, exponent 1 in m_L (m_L → ∞), 1 in φ (φ → 0), −1 in n
A10_WIDTH_EXPONENT = 1.0
A10_PHI_EXPONENT = 1.0
A10_N_EXPONENT = -1.0


def a10_threshold(a_inf: float, phi: float, n: int, *, C3: float = 1.0) -> float:
    """ZCZG 003 Lemma A.10 / Theorem 5.1(vii): the node-norm threshold ``C‴‖a‖_∞ φ/n²``."""
    return _pos("C3", C3) * float(a_inf) * _pos("phi", phi) / _posint("n", n) ** 2


def a10_count_rate(m_L: int, phi: float, n: int) -> float:
    """ZCZG 003 Lemma A.10: at least ``C″ m_L φ/n`` nodes exceed the threshold; rate with C″ = 1."""
    return _posint("m_L", m_L) * _pos("phi", phi) / _posint("n", n)


def a10_min_width(n: int, phi: float, *, C: float = 1.0) -> float:
    """ZCZG 003 Lemma A.10's regime ``m ≥ C n²/φ · log(4n²/φ)`` (C unspecified; a parameter)."""
    n, phi = _posint("n", n), _pos("phi", phi)
    return _pos("C", C) * n * n / phi * math.log(4 * n * n / phi)


# ----------------------------------------------------------------------------- A.11
A11_PHI_EXPONENT = 1.0
A11_N_EXPONENT = -1.0


def a11_threshold(a_bar: float, phi: float, n: int, *, C: float = 1.0) -> float:
    """ZCZG 003 Lemma A.11 (Li & Liang 2018, Lemma A.3): the threshold ``C ā φ/n`` on
    ``‖h(w)‖ = ‖Σ_i a_i σ'(⟨w, z_i⟩) z_i‖``."""
    return _pos("C", C) * float(a_bar) * _pos("phi", phi) / _posint("n", n)


def a11_prob_rate(phi: float, n: int) -> float:
    """ZCZG 003 Lemma A.11: ``P[‖h(w)‖ ≥ C ā φ/n] ≥ C′ φ/n``; the rate with C′ = 1."""
    return _pos("phi", phi) / _posint("n", n)


# ----------------------------------------------------------------------------- AZLS Step 1
AZLS_BACKWARD_WIDTH_EXPONENT = 0.5
AZLS_BACKWARD_DOUT_EXPONENT = -0.5
AZLS_INTERMEDIATE_DEPTH_EXPONENT = 0.5


def azls_step1_backward_rate(m: int, d_out: int) -> float:
    """AZLS 002 Section 4, Step 1: ``‖B D_{i,L}W_L ⋯ D_{i,a}W_a‖₂ ≤ O(√(m/d_out))``; rate with
    constant 1."""
    return math.sqrt(_posint("m", m) / _posint("d_out", d_out))


def azls_intermediate_rate(L: int) -> float:
    """AZLS 002 Section 4, Step 1: ``‖D_{i,a}W_a ⋯ D_{i,b}W_b‖₂ ≤ O(√L)`` for all a, b ∈ [L];
    rate with constant 1 (ZCZG 003 Lemma A.8's rate for a similar product is :func:`a8_rate`)."""
    return math.sqrt(_posint("L", L))


# ----------------------------------------------------------------------------- judging
def slope_consistent(ci: tuple[float, float], exponent: float, *, bound: str, direction: str = "up") -> bool:
    """Whether a fitted log-log exponent (confidence interval ``ci``) is compatible with a bound
    ``y ≤ C x^k`` (``bound="upper"``) or ``y ≥ C x^k`` (``"lower"``) as x grows (``direction="up"``,
    e.g. widths, depth) or shrinks (``"down"``, e.g. φ, τ). A bound may be beaten, not exceeded:
    an upper bound as x → ∞ fails only if the whole CI lies above k; as x → 0 only if it lies
    below k; a lower bound the other way round. ``"exact"`` asks for k inside the CI."""
    lo, hi = float(ci[0]), float(ci[1])
    if lo > hi:
        raise ValueError(f"ci must be (lo, hi) with lo <= hi, got {ci!r}")
    if direction not in ("up", "down"):
        raise ValueError(f"direction must be 'up' or 'down', got {direction!r}")
    if bound == "exact":
        return lo <= exponent <= hi
    if bound not in ("upper", "lower"):
        raise ValueError(f"bound must be 'upper', 'lower' or 'exact', got {bound!r}")
    if (bound == "upper") == (direction == "up"):
        return lo <= exponent
    return hi >= exponent


def depth_rate_supported(ci: tuple[float, float]) -> str:
    """Which depth rate a fitted exponent of L supports for the intermediate products: AZLS
    Step 1's ``O(√L)`` or ZCZG 003 Lemma A.8's ``O(L)``. Returns one of ``"sqrt(L) (AZLS)"``
    (CI ≤ 1/2 or contains 1/2 and excludes 1: the tighter bound holds and ZCZG's is loose),
    ``"both"`` (CI contains 1/2 and 1), ``"L (ZCZG) only"`` (CI above 1/2 but not above 1),
    ``"neither"`` (CI above 1)."""
    lo, hi = float(ci[0]), float(ci[1])
    if lo > AZLS_INTERMEDIATE_DEPTH_EXPONENT:
        return "L (ZCZG) only" if lo <= A8_DEPTH_EXPONENT else "neither"
    if hi >= A8_DEPTH_EXPONENT:
        return "both"
    return "sqrt(L) (AZLS)"
