"""Theory for the catalogue family 'init': forward quantities at Gaussian initialization — ZCZG
003 Theorem 5.1 (i)-(iii) with Lemmas A.1-A.6, 000 Lemma 5.1, and AZLS 002 Section 4 Step 1
(forward norms and separations).

Conventions as in 003 §3: ``W_l ∈ R^{m_{l-1}×m_l}`` with columns N(0, 2/m_l·I), ``x_{l,i} =
σ(W_lᵀx_{l-1,i})``, ``x̄ = x/‖x‖``. Explicit bounds (kind W) are functions returning the bound;
hidden-constant bounds (kind S) are rates with the constant set to 1, plus the exponent of the
swept parameter. Regimes are functions with the unspecified constants as parameters:

* ``C`` ("large enough absolute constant" in the width conditions) defaults to 1 — the least
  demanding natural choice, as elsewhere in the suite; the audit reports where the bounds really
  start to hold (``min_width_held``).
* ``kappa`` ("small enough absolute constant" in ``φ ≤ κ/L``) defaults to 1. At infinite width
  (the arc-cosine kernel recursion, :func:`a4_infinite_width_separation`) Lemma A.4 holds for
  every ``φL ≤`` :func:`a4_kappa_limit` ≈ 3.2, so κ = 1 is inside the limit's range.
"""
from __future__ import annotations

import math

from .setup import relu_gaussian_moment

__all__ = [
    "a1_rate", "A1_WIDTH_EXPONENT",
    "a2_rate", "A2_WIDTH_EXPONENT", "A2_DEPTH_EXPONENT",
    "X_NORM_BOUND", "W_NORM_BOUND", "t51_i_slack",
    "zczg_5_1_regime",
    "a4_factor", "a4_bound", "a4_min_width", "a4_regime", "a4_infinite_width_separation", "a4_kappa_limit",
    "a5_bound",
    "a6_rate", "A6_WIDTH_EXPONENT", "init_loss_rate",
    "AZLS_SEPARATION_EXPONENT",
]


def _posint(name: str, v) -> int:
    if isinstance(v, bool) or int(v) != v or v < 1:
        raise ValueError(f"{name} must be a positive integer, got {name}={v!r}")
    return int(v)


def _delta(delta: float) -> float:
    if not (0.0 < float(delta) < 1.0):
        raise ValueError(f"delta must lie in (0, 1), got delta={delta!r}")
    return float(delta)


def _phi(phi: float) -> float:
    if not (math.isfinite(phi) and 0.0 < phi <= 2.0):
        raise ValueError(f"phi must lie in (0, 2] (a separation of unit vectors), got phi={phi!r}")
    return float(phi)


# ----------------------------------------------------------------------------- A.1 / A.2
#: 003 Lemma A.1: the relative change of ‖x_{l,i}‖² is O(m_l^{-1/2}).
A1_WIDTH_EXPONENT = -0.5
#: 003 Corollary A.2: |‖x_{l,i}‖ − 1| ≤ C l √(log(nL/δ)/m): exponent −1/2 in m, 1 in l.
A2_WIDTH_EXPONENT = -0.5
A2_DEPTH_EXPONENT = 1.0


def a1_rate(m_l: int, n: int, L: int, delta: float) -> float:
    """003 Lemma A.1: ``‖x_{l,i}‖² − ‖x_{l-1,i}‖² ≤ C‖x_{l-1,i}‖² √(log(nL/δ)/m_l)`` (for
    ``m_l ≥ C² log(nL/δ)``); returns the rate ``√(log(nL/δ)/m_l)`` (C = 1)."""
    return math.sqrt(math.log(_posint("n", n) * _posint("L", L) / _delta(delta)) / _posint("m_l", m_l))


def a2_rate(l: int, m: int, n: int, L: int, delta: float) -> float:
    """003 Corollary A.2: ``|‖x_{l,i}‖ − 1| ≤ C l √(log(nL/δ)/m)``, m = min_l m_l; the rate
    with C = 1."""
    return _posint("l", l) * a1_rate(m, n, L, delta)


# ----------------------------------------------------------------------------- Theorem 5.1(i)
#: 003 Theorem 5.1(i): ‖x_{l,i}‖₂ ≤ 3/2 and ‖W_l‖₂ ≤ 7/2.
X_NORM_BOUND = 1.5
W_NORM_BOUND = 3.5


def t51_i_slack(W_norms, x_norms) -> float:
    """003 Theorem 5.1(i): ``max(max_l ‖W_l‖₂/(7/2), max_{l,i} ‖x_{l,i}‖/(3/2))`` — the bound
    holds iff this slack is ≤ 1."""
    return max(max(float(w) for w in W_norms) / W_NORM_BOUND, max(float(x) for x in x_norms) / X_NORM_BOUND)


def zczg_5_1_regime(m: int, n: int, L: int, phi: float, delta: float, *, C: float = 1.0, kappa: float = 1.0,
                    beta: float | None = None) -> dict:
    """003 Theorem 5.1's regime, eq. (5.1): ``m ≥ C̄ max{L⁴φ⁻⁴ log(n²L/δ), [β⁻¹ log(nL/δ)]^{2/3},
    n²φ⁻¹ log(n²/φ)}`` (the β term only when ``beta`` is given) and ``φ ≤ κ/L``. Returns
    ``{"ok", "min_width", "phi_ok", "width_ok"}`` (JSON-able)."""
    m, n, L = _posint("m", m), _posint("n", n), _posint("L", L)
    phi, delta = _phi(phi), _delta(delta)
    terms = [L**4 * phi**-4 * math.log(n * n * L / delta), n * n / phi * math.log(n * n / phi)]
    if beta is not None:
        terms.append((math.log(n * L / delta) / float(beta)) ** (2.0 / 3.0))
    mw = float(C) * max(terms)
    phi_ok = phi <= kappa / L
    return {"ok": bool(m >= mw and phi_ok), "min_width": mw, "phi_ok": bool(phi_ok), "width_ok": bool(m >= mw)}


# ----------------------------------------------------------------------------- A.4 / A.5
def a4_factor(l: int, L: int) -> float:
    """003 Lemma A.4's contraction ``[1 − log 2/(2L)]^l``."""
    return (1.0 - math.log(2.0) / (2.0 * _posint("L", L))) ** int(l)


def a4_bound(phi: float, l: int, L: int) -> float:
    """003 Lemma A.4: ``‖x̄_{l,i} − x̄_{l,i'}‖ ≥ [1 − log 2/(2L)]^l φ``; returns the bound."""
    return a4_factor(l, L) * _phi(phi)


def a4_min_width(n: int, L: int, phi: float, delta: float, *, C: float = 1.0) -> float:
    """003 Lemma A.4's width ``m ≥ C L⁴ φ⁻⁴ log(4n²L/δ)``."""
    n, L = _posint("n", n), _posint("L", L)
    return float(C) * L**4 * _phi(phi) ** -4 * math.log(4 * n * n * L / _delta(delta))


def a4_regime(m: int, n: int, L: int, phi: float, delta: float, *, C: float = 1.0, kappa: float = 1.0) -> dict:
    """003 Lemma A.4 / Corollary A.5's regime: ``φ ≤ κ/L`` and ``m ≥ C L⁴φ⁻⁴ log(4n²L/δ)``."""
    mw = a4_min_width(n, L, phi, delta, C=C)
    phi_ok = phi <= kappa / _posint("L", L)
    return {"ok": bool(m >= mw and phi_ok), "min_width": mw, "phi_ok": bool(phi_ok), "width_ok": bool(m >= mw)}


def a4_infinite_width_separation(phi: float, L: int) -> list[float]:
    """The m → ∞ limit of ``‖x̄_{l,i} − x̄_{l,i'}‖`` for l = 0..L, for two unit inputs at distance
    φ: the correlation follows ``ρ_l = 2E[σ(Z₁)σ(Z₂)]`` at ``ρ_{l−1}`` (003 Lemma A.3's moment,
    He scaling), and the distance is ``√(2 − 2ρ_l)``."""
    rho = 1.0 - _phi(phi) ** 2 / 2.0
    out = [float(phi)]
    for _ in range(_posint("L", L)):
        rho = min(1.0, 2.0 * relu_gaussian_moment(rho))
        out.append(math.sqrt(max(0.0, 2.0 - 2.0 * rho)))
    return out


def a4_kappa_limit(L: int) -> float:
    """The largest κ such that 003 Lemma A.4 holds at infinite width for every ``φ ≤ κ/L``
    (bisection on φL; the limiting separation is compared with ``[1 − log 2/(2L)]^l φ``)."""
    L = _posint("L", L)

    def ok(phi: float) -> bool:
        s = a4_infinite_width_separation(phi, L)
        return all(s[l] >= a4_bound(phi, l, L) * (1 - 1e-12) for l in range(1, L + 1))

    lo, hi = 1e-6, min(2.0, 1e3)
    if ok(hi):
        return hi * L
    for _ in range(60):
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if all(ok(p) for p in (mid * 0.5, mid)) else (lo, mid)
    return lo * L


def a5_bound(phi: float) -> float:
    """003 Corollary A.5 / Theorem 5.1(ii): ``‖x̄_{l,i} − x̄_{l,i'}‖ ≥ φ/2`` and
    ``‖x_{l,i} − x_{l,i'}‖ ≥ φ/2``; returns φ/2."""
    return _phi(phi) / 2.0


# ----------------------------------------------------------------------------- A.6, 000 Lemma 5.1
#: 003 Lemma A.6: |ŷ_i| ≤ C√log(n/δ), independent of the width: exponent 0 in m.
A6_WIDTH_EXPONENT = 0.0


def a6_rate(n: int, delta: float) -> float:
    """003 Lemma A.6 / Theorem 5.1(iii): ``|ŷ_i| ≤ C √log(n/δ)`` for all i; rate with C = 1."""
    return math.sqrt(math.log(_posint("n", n) / _delta(delta)))


def init_loss_rate(n: int, delta: float) -> float:
    """000 Lemma 5.1: ``L_S(W⁽⁰⁾) ≤ C √log(n/δ)``; rate with C = 1 (exponent 0 in m too)."""
    return a6_rate(n, delta)


# ----------------------------------------------------------------------------- AZLS Step 1
#: AZLS 002 Step 1: ‖h_{i,l} − h_{j,l}‖ ≥ Ω(δ): a lower bound linear in the data separation δ.
AZLS_SEPARATION_EXPONENT = 1.0
