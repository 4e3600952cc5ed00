"""Theory bounds and regimes for the catalogue family 'trajectory': what the papers say about the
iterates of GD/SGD (ZCZG 000 Lemma 5.3, eqs. 5.1/5.5, proof of Theorem 4.4, Section 6; ZCZG 003
Lemmas 5.5/5.7, C.2, C.3, C.5, Theorems 4.1/4.5; AZLS 002 Theorems 1 and 5, footnote 7).

Conventions (ZCZG): ``W_l ∈ R^{m_{l-1}×m_l}``, ``M = max_l m_l``, ``L`` trained layers,
``L_S = (1/n)Σ ℓ(y_i ŷ_i)``; ``sum_lprime = Σ_i ℓ'(y_i ŷ_i) ≤ 0``.

The step-size rule (:func:`descent_step_size`) is 000 Theorem 4.4's ``η = 1/(4C′ML³)`` with the
hidden constant calibrated: on the calibration grid (n = 16, d = 10, φ = 0.3, μ = 0.5; L ∈ {1, 2,
3, 4}; m ∈ {32, …, 512}; 30 GD steps, logistic loss) the measured sufficient-descent frontier
``η*(m)·M·L³`` ranged over ≈ 70 (L = 1) to ≈ 960 (L = 4); ``DESCENT_C = 16`` keeps a safety
factor ≥ 4 below the smallest. (The calibration is recomputed by the audit's descent figures:
``frontier_times_ML3`` per cell.)
"""
from __future__ import annotations

import math
from fractions import Fraction
from typing import Sequence

__all__ = [
    "DESCENT_C",
    "descent_step_size",
    "sufficient_descent_rhs",
    "DESCENT_FRONTIER_EXPONENT",
    "region_bound",
    "region_bound_init",
    "lemma55_T",
    "lemma55_steps",
    "c_tau_max",
    "c2_bound",
    "c3_bound",
    "c3_lower_coeffs",
    "c5_second_moment",
    "c5_bound",
    "FIG2_EXPONENT",
    "FIG3_EXPONENT",
    "FIG1_EXPONENT",
    "AZLS_THM1_EXPONENT",
    "AZLS_CE_THRESHOLD",
    "AZLS_THM1_MAX_SPREAD",
    "AZLS_THM1_PLATEAU_FACTOR",
    "AZLS_THM1_N_EXPONENT",
    "azls1_plateaued",
    "THM44_STEPS_N_EXPONENT",
    "DESCENT_FRONTIER_L_EXPONENT",
    "ce_sum_accuracy_threshold",
    "ROUNDING_RTOL",
    "THM44_DELTA",
]

#: relative rounding tolerance for the E statements (float64)
ROUNDING_RTOL = 1e-9

#: calibrated constant c of the step rule η = c/(M L³) (see the module docstring)
DESCENT_C = 16.0

#: 000 Theorem 4.4: η = O(M⁻¹L⁻³) — the exponent of m of the largest safe step size. The measured
#: frontier η*(m) may decay *slower* (the rule is then conservative) but not faster.
DESCENT_FRONTIER_EXPONENT = -1.0

#: failure budget δ of the W statements on the trajectory (000 Lemma 5.3 holds w.p.
#: ≥ 1 − exp(−O(mφ/n)); the suite uses a fixed δ = 0.1)
THM44_DELTA = 0.1


def _pos_int(name: str, v) -> int:
    if isinstance(v, bool) or int(v) != v or v < 1:
        raise ValueError(f"{name} must be a positive integer, got {name}={v!r}")
    return int(v)


def _pos(name: str, v) -> float:
    v = float(v)
    if not (v > 0 and math.isfinite(v)):
        raise ValueError(f"{name} must be finite and > 0, got {name}={v!r}")
    return v


def _lprime(s: float) -> float:
    s = float(s)
    if s > 0:
        raise ValueError(f"sum_lprime = Σ ℓ'(y_i ŷ_i) must be <= 0 (ℓ' ≤ 0), got {s!r}")
    return s


def descent_step_size(M: int, L: int, c: float = DESCENT_C) -> float:
    """000 Theorem 4.4 (proof, choice of η): ``η = 1/(4C′ML³) = O(M⁻¹L⁻³)``; returns ``c/(M L³)``
    with the calibrated ``c`` (module docstring)."""
    return _pos("c", c) / (_pos_int("M", M) * _pos_int("L", L) ** 3)


def sufficient_descent_rhs(eta: float, grad_sq: float) -> float:
    """000 eq. (5.1)/(5.5): ``L_S(W⁽ᵏ⁺¹⁾) − L_S(W⁽ᵏ⁾) ≤ −(η/2)‖∇L_S(W⁽ᵏ⁾)‖_F²``; returns the
    right-hand side for ``grad_sq = Σ_l ‖∇_{W_l}L_S‖_F²``."""
    if grad_sq < 0:
        raise ValueError(f"grad_sq must be >= 0, got {grad_sq!r}")
    return -0.5 * _pos("eta", eta) * float(grad_sq)


def region_bound(k: int, eta: float, loss0: float, lossk: float) -> float:
    """000 proof of Theorem 4.4 (after eq. 5.5): if every step t < k had sufficient descent,
    ``‖W_l⁽ᵏ⁾ − W_l⁽⁰⁾‖₂ ≤ √(2kη(L_S(W⁽⁰⁾) − L_S(W⁽ᵏ⁾)))``."""
    if int(k) != k or k < 0:
        raise ValueError(f"k must be an integer >= 0, got k={k!r}")
    return math.sqrt(max(0.0, 2.0 * k * _pos("eta", eta) * (float(loss0) - float(lossk))))


def region_bound_init(k: int, eta: float, loss0: float) -> float:
    """The last step of the same chain: ``≤ √(2kη L_S(W⁽⁰⁾))`` (ℓ ≥ 0)."""
    return region_bound(k, eta, loss0, 0.0)


def lemma55_T(tau: float, L: int, M: int, rho: float) -> float:
    """003 Lemmas 5.5/5.7: ``T = τ/(4^L M^{1/2} ρ)``; for ``kη ≤ T`` the GD/SGD iterates stay in
    ``B(W⁽⁰⁾, τ)`` (proof C.1/C.3: ``‖W⁽ᵏ⁾ − W⁽⁰⁾‖₂ ≤ η Σ_t ‖G_t‖_F ≤ kη 4^L M^{1/2} ρ``)."""
    return _pos("tau", tau) / (4.0 ** _pos_int("L", L) * math.sqrt(_pos_int("M", M)) * _pos("rho", rho))


def lemma55_steps(tau: float, L: int, M: int, rho: float, eta: float) -> int:
    """The largest k with ``kη ≤ T`` (003 Lemma 5.5)."""
    return int(math.floor(lemma55_T(tau, L, M, rho) / _pos("eta", eta) * (1 + 1e-12)))


def c_tau_max(L: int) -> float:
    """003 Lemmas C.2/C.3: the radius condition ``τ ≤ 3.5 × 8^{-L}``."""
    return 3.5 * 8.0 ** (-_pos_int("L", L))


def c2_bound(L: int, M: int, eta: float, n: int, sum_lprime: float) -> float:
    """003 Lemma C.2: ``‖x⁽ᵏ⁺¹⁾_{l,i} − x⁽ᵏ⁾_{l,i}‖₂ ≤ −(2^{5L} M^{1/2} η/(7n)) Σ_i ℓ'(y_i ŷ_i⁽ᵏ⁾)``."""
    return -(2.0 ** (5 * _pos_int("L", L))) * math.sqrt(_pos_int("M", M)) * _pos("eta", eta) / (7.0 * _pos_int("n", n)) * _lprime(sum_lprime)


def c3_bound(L: int, M: int, eta: float, n: int, sum_lprime: float) -> float:
    """003 Lemma C.3, eq. (C.2): ``|Δ_i⁽ᵏ⁾| ≤ −(2^{5L} M η/(7n)) Σ_i ℓ'(y_i ŷ_i⁽ᵏ⁾)``."""
    return -(2.0 ** (5 * _pos_int("L", L))) * _pos_int("M", M) * _pos("eta", eta) / (7.0 * _pos_int("n", n)) * _lprime(sum_lprime)


def c3_lower_coeffs(L: int, M: int, eta: float, n: int, tau: float, rho: float) -> tuple[float, float]:
    """003 Lemma C.3, eq. (C.3): ``Δ_i⁽ᵏ⁾ ≥ (a·C₀ + b)·Σ_i ℓ'(y_i ŷ_i⁽ᵏ⁾) + Σ_l y_i vᵀu_{l,i}`` with
    ``a = 2^{9L+3} L τ^{1/3} M √(log M) η / n`` and ``b = 2^{9L} L M^{3/2} ρ η² / (7n)``; returns
    ``(a, b)`` (C₀ is the hidden constant of Lemma B.1)."""
    L, M, n = _pos_int("L", L), _pos_int("M", M), _pos_int("n", n)
    eta, rho = _pos("eta", eta), _pos("rho", rho)
    if not (tau >= 0 and math.isfinite(tau)):
        raise ValueError(f"tau must be finite and >= 0, got tau={tau!r}")
    a = 2.0 ** (9 * L + 3) * L * float(tau) ** (1.0 / 3.0) * M * math.sqrt(math.log(M)) * eta / n
    b = 2.0 ** (9 * L) * L * M**1.5 * rho * eta**2 / (7.0 * n)
    return a, b


def _check_c5(u: Sequence, B: int, centered: bool = True) -> tuple[list[Fraction], int]:
    u = [Fraction(x) for x in u]
    n = len(u)
    if n < 2:
        raise ValueError(f"Lemma C.5 needs n >= 2 variables, got n={n}")
    B = _pos_int("B", B)
    if B > n:
        raise ValueError(f"the minibatch size B={B} must be <= n={n}")
    if centered and sum(u) != 0:
        raise ValueError("Lemma C.5 needs Σ_i u_i = 0")
    return u, B


def c5_second_moment(u: Sequence, B: int, *, centered: bool = True) -> Fraction:
    """003 Lemma C.5 (proof, D.5): for a uniform B-subset (without replacement) of values with
    ``Σ u_i = 0``, ``E[(B⁻¹Σ_{i∈B}u_i)²] = (n − B)/(B(n − 1)) · E[u_i²]`` — exact (``Fraction``).
    ``centered=False`` evaluates the same formula without requiring Σ u_i = 0 (outside the lemma:
    the negative control of ZCZG-C.5, where the formula and the bound are expected to fail)."""
    u, B = _check_c5(u, B, centered)
    n = len(u)
    Eu2 = sum(x * x for x in u) / n
    return Fraction(n - B, B * (n - 1)) * Eu2


def c5_bound(u: Sequence, B: int, *, centered: bool = True) -> Fraction:
    """003 Lemma C.5: ``E[(B⁻¹Σ_{i∈B}u_i)²] ≤ E[u_i²]/B`` (E[u_i²] = (1/n)Σ u_i², i uniform).
    ``centered=False``: the same right-hand side without requiring Σ u_i = 0 (outside the lemma)."""
    u, B = _check_c5(u, B, centered)
    return sum(x * x for x in u) / (len(u) * B)


#: 000 proof of Theorem 4.4: ‖W⁽ᵏ⁾ − W⁽⁰⁾‖₂ = Õ(m^{-1/2}) — an upper bound on the exponent
FIG2_EXPONENT = -0.5
#: activation-change ratio: 003 Lemma B.3 ``≤ 3·4^L τ^{2/3}`` with τ ∝ m^{-1/2} ⇒ O(m^{-1/3})
FIG3_EXPONENT = -1.0 / 3.0
#: 000 Figure 1 / Lemmas 5.2–5.3: at a fixed small η the loss after K steps decreases in m
#: (no rate is claimed: the exponent must be < 0)
FIG1_EXPONENT = 0.0
#: AZLS Theorem 1: T ∝ log(1/ε) — the exponent of T in log(F₀/ε)
AZLS_THM1_EXPONENT = 1.0
#: AZLS Theorem 1, how "T = O(log 1/ε)" is judged: the constant (T(ε) − T(ε₀))/log(ε₀/ε) may vary
#: by at most this factor across ε₀/ε = 10^3 … 10^12 (a sublinear T ∝ ε^{-a} changes it by 10^{9a})
AZLS_THM1_MAX_SPREAD = 1.5
#: AZLS footnote 7: cross-entropy objective ≤ 1/4 suffices for 100 % training accuracy
AZLS_CE_THRESHOLD = 0.25
#: AZLS Theorem 1, how a *plateau* is told from slow convergence: a run that has not reached ε
#: within its budget has plateaued when, at its late rate r = d log F/dt (last chunk), reaching ε
#: would take more than this many times the whole budget (or r ≥ 0). Theorem 1 then fails.
AZLS_THM1_PLATEAU_FACTOR = 10.0
#: AZLS Theorem 1: T = O(n⁶L²δ⁻² log 1/ε) — the steps per e-fold of F grow at most like n⁶
AZLS_THM1_N_EXPONENT = 6.0
#: 000 Theorem 4.4: K = Õ(n⁵L³/φ + n³L³ε⁻¹/φ); at ε = ℓ(0)/n (zero training error) the first term
#: dominates: the steps to ε grow at most like n⁵ (an upper bound on the exponent of n)
THM44_STEPS_N_EXPONENT = 5.0
#: 000 Theorem 4.4 (step size η = O(M⁻¹L⁻³)): the exponent of L of the largest safe step size
#: (the frontier may decay slower in L than L⁻³, the rule is then conservative, but not faster)
DESCENT_FRONTIER_L_EXPONENT = -3.0


def azls1_plateaued(F0: float, F_final: float, rate: float, eps_fraction: float, max_steps: int) -> bool:
    """Whether a run that ended at ``F_final > eps_fraction·F0`` has plateaued
    (:data:`AZLS_THM1_PLATEAU_FACTOR`): ``rate ≥ 0``, or the steps still needed at ``rate``,
    ``log(F_final/(eps_fraction·F0))/|rate|``, exceed the factor times ``max_steps``."""
    target = float(eps_fraction) * float(F0)
    if not (F_final > target):
        return False
    if not (rate < 0):
        return True
    return math.log(F_final / target) / abs(rate) > AZLS_THM1_PLATEAU_FACTOR * _pos_int("max_steps", max_steps)


def ce_sum_accuracy_threshold(n: int, *, mean: bool = False) -> float:
    """The exact objective level below which cross-entropy forces 100 % training accuracy: every
    sample's ``−log p_{y_i} ≤ F < log 2`` ⇒ ``p_{y_i} > 1/2`` ⇒ the label is the unique arg-max.
    For the sum objective (AZLS's F = Σ_i f_i) that is ``log 2`` for every n (so 1/4 suffices);
    for a mean objective it is ``log 2 / n`` (then 1/4 fails for n ≥ 3)."""
    n = _pos_int("n", n)
    return math.log(2.0) / n if mean else math.log(2.0)
