"""Theory for the catalogue family 'nguyen': Nguyen (2021), "On the Proof of Global Convergence
of Gradient Descent for Deep ReLU Networks with Linear Widths" (``seeds/001``, tag NG).

Setup (001 eq. 1): ``F_0 = X`` (N, n_0), ``F_l = σ(F_{l-1} W_l)`` for l < L, ``F_L = F_{L-1} W_L``,
``W_l ∈ R^{n_{l-1}×n_l}``, ``Φ(θ) = ½‖F_L − Y‖_F²``. Every function here is pure arithmetic on
the scalars the statements name (norms, α₀, λ̄_l, C_l); the measurements live in
:mod:`overparam_verify.metrics.nguyen`. Functions written with ``+``, ``*``, ``/`` and Python
products accept floats *or* torch scalars (so adversarial searches can differentiate through the
bounds); layers are indexed 1..L as in the paper.

Contents (equation numbers of 001):

* eq. (4)  :func:`ng_grad_bound`         — Lemma 2.1, gradient bound (NG-2.1.grad).
* eq. (5)  :func:`ng_lipschitz_bound`    — Lemma 2.1, Lipschitz bound of F_l (NG-2.1.lip).
* eq. (3)  the PL-like inequality and λ_min(K) ≥ λ_min(F_{L−1}F_{L−1}ᵀ) (NG-PL): exact
  statements, see :func:`ng_pl_bound` and :func:`ng_ntk_last_layer_block`.
* eq. (6)  :func:`ng_lambda_bar`, :func:`ng_lambda_prod`  — λ̄_l = ‖W_l⁰‖₂ + C_l, λ̄_{i→j}.
* eqs. (7), (8), (9)  :func:`ng_condition_7`, :func:`ng_condition_8`, :func:`ng_condition_9`.
* eq. (10) :func:`ng_eta_max`; eq. (11) :func:`ng_loss_bound`; :func:`ng_certificate` bundles all.
* eqs. (14), (15) :func:`ng_sec31_conditions`, :func:`ng_min_beta` (NG-3.1).
* Corollary 3.2's C_l: :func:`ng_cor32_C`.  Lemma 3.3's scale: :func:`ng_lemma33_scale`.

Finding (kept visible, see :func:`ng_condition_9`): condition (9) *as printed* reads
``α₀² ≥ 16‖X‖_F² λ̄_L² Σ_{l<L} λ̄_{1→L−1}/λ̄_l²`` (first power of λ̄_{1→L−1}), whereas the proof of
Theorem 2.2 (last display: it needs ``Q₂ = ‖X‖_F² λ̄²_{1→L−1} λ̄_L² Σ_{l<L} λ̄_l⁻² ≤ α₀²/16``) and
Section 3.1's eq. (15) both use ``λ̄²_{1→L−1}``. The printed form is weaker whenever
λ̄_{1→L−1} > 1. Both are available (``as_printed=``); certificates report both. The catalogue's
NG-2.2 runs GD from inits that satisfy the printed (9) but not the proof's (modes ``printed9``,
``contract``) and the induction step at region states with C_l optimised under the printed (9)
(``step_printed``): no counterexample to (11)–(13) found — but the measured one-step decrease is
≥ 40× the promised one, so these runs detect only gross failures (see ``catalogue.nguyen``).

Re-checked against the proof (this review): (7) ⇔ ‖W_l^k − W_l^0‖_F ≤ C_l; (8) ⇔
‖F^k_{L−1} − F^0_{L−1}‖_F ≤ α₀/2; (10)'s second term = Q₂/Q₁² with
Q₁ = ‖X‖_F²λ̄²_{1→L}Σ_{l≤L}λ̄_l⁻², Q₂ = ‖X‖_F²λ̄²_{1→L−1}λ̄_L²Σ_{l<L}λ̄_l⁻² (the underbraces in the
paper label only the sums, but the final display uses the full coefficients). Exact algebra of
the last display gives Φ_{k+1} ≤ [1 − ηα₀²/2 + η²Q₁² + 2ηQ₂]Φ_k, not the printed
[1 − ηα₀²/4 + η²Q₁² + ηQ₂]; the exact one is the smaller whenever Q₂ ≤ α₀²/4, which (9)
(proof version) implies, so the printed chain stays valid. Section 3.1: (14) = (7) and (15) =
(9, proof version) at θ̃₀ with C_l = 1, λ̄_L = 1 (W_L = 0): checked in :func:`ng_sec31_conditions`.
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any, Sequence

__all__ = [
    "NG_SOURCE",
    "NG33_EXPONENT",
    "ng_grad_bound",
    "ng_lipschitz_bound",
    "ng_pl_bound",
    "ng_ntk_last_layer_block",
    "ng_lambda_bar",
    "ng_lambda_prod",
    "ng_condition_7",
    "ng_condition_8",
    "ng_condition_9",
    "ng_eta_max",
    "ng_rate",
    "ng_loss_bound",
    "NGCertificate",
    "ng_certificate",
    "ng_sec31_conditions",
    "ng_min_beta",
    "ng_cor32_C",
    "ng_lemma33_scale",
    "ng_lemma33_regime",
]

NG_SOURCE = "NG 001"
#: Lemma 3.3 (eq. 29): σ_min(F_{L−1})² = Θ(n₀ Π_l n_l β_l²) — exponent 1 in that scale, both ways.
NG33_EXPONENT = 1.0


def _prod(xs) -> Any:
    out = 1.0
    for x in xs:
        out = out * x
    return out


def _check_layer(l: int, L: int) -> None:
    if isinstance(l, bool) or int(l) != l or not (1 <= l <= L):
        raise ValueError(f"the layer index l must be an integer in [1, L={L}], got l={l!r}")


# ---------------------------------------------------------------------- Lemma 2.1
def ng_grad_bound(X_fro, weight_norms: Sequence, l: int, residual_fro) -> Any:
    """001 Lemma 2.1, eq. (4): ``‖∇_{W_l}Φ‖_F ≤ ‖X‖_F Π_{p≠l} ‖W_p‖₂ ‖F_L − Y‖_F``.

    ``X_fro`` = ‖X‖_F, ``weight_norms`` = (‖W_1‖₂, …, ‖W_L‖₂), ``l`` ∈ [1, L] (1-based, the
    paper's index), ``residual_fro`` = ‖F_L − Y‖_F. Holds for every θ (kind E).
    """
    L = len(weight_norms)
    _check_layer(l, L)
    return X_fro * _prod(w for p, w in enumerate(weight_norms, start=1) if p != l) * residual_fro


def ng_lipschitz_bound(X_fro, lam_bar: Sequence, diffs: Sequence, l: int) -> Any:
    """001 Lemma 2.1, eq. (5): for ``max(‖W_p^a‖₂, ‖W_p^b‖₂) ≤ λ̄_p``,

    ``‖F_l(θ_a) − F_l(θ_b)‖_F ≤ ‖X‖_F (Π_{p=1}^l λ̄_p) Σ_{p=1}^l λ̄_p⁻¹ ‖W_p^a − W_p^b‖₂``.

    ``lam_bar`` = (λ̄_1, …) and ``diffs`` = (‖W_1^a − W_1^b‖₂, …) (at least l entries each).
    Evaluated as ``‖X‖_F Σ_p ‖W_p^a − W_p^b‖₂ Π_{q≤l, q≠p} λ̄_q`` — the same number when every
    λ̄_p > 0, and the continuous extension (no 0·∞) when some λ̄_p = 0. The right side is
    nondecreasing in every λ̄_p, so λ̄_p = max(‖W_p^a‖₂, ‖W_p^b‖₂) is the sharpest admissible choice.
    """
    if len(lam_bar) < l or len(diffs) < l:
        raise ValueError(f"lam_bar and diffs need at least l={l} entries")
    _check_layer(l, len(lam_bar))
    total = 0.0
    for p in range(1, l + 1):
        total = total + diffs[p - 1] * _prod(lam_bar[q - 1] for q in range(1, l + 1) if q != p)
    return X_fro * total


# ---------------------------------------------------------------------- eq. (3), the PL-like inequality
def ng_pl_bound(lambda_min_K, phi) -> Any:
    """001 Section 1: ``‖∇Φ(θ)‖₂² ≥ 2 λ_min(K(θ)) Φ(θ)`` with ``K = J Jᵀ`` the NTK Gram matrix,
    ``J = ∂vec(F_L)/∂vec(θ)``. Returns the right side ``2 λ_min(K) Φ``. Exact: ∇Φ = Jᵀ vec(F_L − Y),
    so ‖∇Φ‖² = rᵀ K r ≥ λ_min(K)‖r‖² (kind E). The second half of NG-PL, eq. (3):
    ``λ_min(K) ≥ λ_min(F_{L−1}F_{L−1}ᵀ)`` because ``K = Σ_l J_l J_lᵀ`` (eq. 2) with every term PSD and
    the last one equal to :func:`ng_ntk_last_layer_block`."""
    return 2.0 * lambda_min_K * phi


def ng_ntk_last_layer_block(F_last_hidden, n_out: int, *, vec: str = "col"):
    """001 eq. (2)–(3): the W_L term of the NTK, ``J_L J_Lᵀ = I_{n_L} ⊗ (F_{L−1} F_{L−1}ᵀ)`` for the
    paper's column-stacking ``vec`` (``vec="col"``); with row-major flattening (torch's
    ``reshape(-1)``, ``vec="row"``) it is ``(F_{L−1}F_{L−1}ᵀ) ⊗ I_{n_L}``. Its eigenvalues are those
    of the N×N Gram ``F_{L−1}F_{L−1}ᵀ``, each n_L times. Returns a torch tensor (N n_L, N n_L)."""
    import torch

    G = F_last_hidden @ F_last_hidden.transpose(-1, -2)  # (N, N)
    I = torch.eye(int(n_out), dtype=G.dtype, device=G.device)
    if vec == "col":
        return torch.kron(I, G)
    if vec == "row":
        return torch.kron(G, I)
    raise ValueError(f"vec must be 'col' or 'row', got vec={vec!r}")


# ---------------------------------------------------------------------- Theorem 2.2
def ng_lambda_bar(weight_norms: Sequence[float], C: Sequence[float]) -> list[float]:
    """001 eq. (6): ``λ̄_l = ‖W_l⁰‖₂ + C_l`` for any positive ``C_l``."""
    if len(weight_norms) != len(C):
        raise ValueError(f"need one C_l per layer: {len(weight_norms)} norms, {len(C)} C's")
    for i, c in enumerate(C):
        if not (float(c) > 0 and math.isfinite(float(c))):
            raise ValueError(f"every C_l must be finite and > 0 (Theorem 2.2), got C[{i}]={c!r}")
    return [w + c for w, c in zip(weight_norms, C)]


def ng_lambda_prod(lam_bar: Sequence, i: int, j: int) -> Any:
    """001 eq. (6): ``λ̄_{i→j} = Π_{l=i}^j λ̄_l`` (1-based, inclusive; empty product = 1)."""
    return _prod(lam_bar[l - 1] for l in range(i, j + 1))


def ng_condition_7(alpha0, X_fro, lam_bar: Sequence, C: Sequence, sqrt2phi0) -> tuple[Any, Any]:
    """001 eq. (7): ``α₀² ≥ 16 ‖X‖_F max_{l∈[L]} (λ̄_{1→L} / (λ̄_l C_l)) √(2Φ(θ₀))``.
    Returns ``(lhs, rhs)``; the condition holds iff lhs ≥ rhs."""
    L = len(lam_bar)
    full = ng_lambda_prod(lam_bar, 1, L)
    m = max(float(full / (lam_bar[l] * C[l])) for l in range(L))
    return alpha0**2, 16.0 * X_fro * m * sqrt2phi0


def ng_condition_8(alpha0, X_fro, lam_bar: Sequence, sqrt2phi0) -> tuple[Any, Any]:
    """001 eq. (8): ``α₀³ ≥ 32 ‖X‖_F² λ̄_L Σ_{l=1}^{L−1} (λ̄²_{1→L−1} / λ̄_l²) √(2Φ(θ₀))``.
    Returns ``(lhs, rhs)``."""
    L = len(lam_bar)
    P = ng_lambda_prod(lam_bar, 1, L - 1)
    s = sum(P**2 / lam_bar[l] ** 2 for l in range(L - 1))
    return alpha0**3, 32.0 * X_fro**2 * lam_bar[L - 1] * s * sqrt2phi0


def ng_condition_9(alpha0, X_fro, lam_bar: Sequence, *, as_printed: bool = True) -> tuple[Any, Any]:
    """001 eq. (9). Returns ``(lhs, rhs)``.

    * ``as_printed=True``: ``α₀² ≥ 16 ‖X‖_F² λ̄_L² Σ_{l=1}^{L−1} λ̄_{1→L−1} / λ̄_l²`` (the paper's text).
    * ``as_printed=False``: ``α₀² ≥ 16 ‖X‖_F² λ̄_L² Σ_{l=1}^{L−1} λ̄²_{1→L−1} / λ̄_l²`` — what the
      proof uses (``Q₂ ≤ α₀²/16`` with ``Q₂ = ‖X‖_F² λ̄²_{1→L−1}λ̄_L² Σ_{l<L} λ̄_l⁻²``) and what
      Section 3.1's eq. (15) is (with λ̄_L = C_L = 1). Stronger than the printed one iff
      λ̄_{1→L−1} > 1.
    """
    L = len(lam_bar)
    P = ng_lambda_prod(lam_bar, 1, L - 1)
    P = P if as_printed else P**2
    s = sum(P / lam_bar[l] ** 2 for l in range(L - 1))
    return alpha0**2, 16.0 * X_fro**2 * lam_bar[L - 1] ** 2 * s


def ng_eta_max(alpha0, X_fro, lam_bar: Sequence) -> float:
    """001 eq. (10): the step size must satisfy ``η < η_max`` with

    ``η_max = min(8/α₀², ‖X‖_F⁻² λ̄_{1→L}⁻² [Σ_{l=1}^{L−1} λ̄_l⁻²] [Σ_{l=1}^L λ̄_l⁻²]⁻²)``.
    """
    L = len(lam_bar)
    full = ng_lambda_prod(lam_bar, 1, L)
    s2 = sum(1.0 / lam_bar[l] ** 2 for l in range(L - 1))
    s1 = sum(1.0 / lam_bar[l] ** 2 for l in range(L))
    second = s2 / (X_fro**2 * full**2 * s1**2)
    first = 8.0 / alpha0**2 if alpha0 > 0 else math.inf
    return float(min(first, second))


def ng_rate(eta, alpha0) -> float:
    """001 eq. (11): the per-step contraction factor ``1 − η α₀²/8``."""
    return float(1.0 - eta * alpha0**2 / 8.0)


def ng_loss_bound(phi0, eta, alpha0, k) -> float:
    """001 eq. (11): ``Φ(θ_k) ≤ (1 − η α₀²/8)^k Φ(θ₀)``. ``k`` may be an int or an array."""
    return phi0 * ng_rate(eta, alpha0) ** k


@dataclass
class NGCertificate:
    """Theorem 2.2's quantities and conditions at one initialization (all floats; JSON-able via
    :meth:`as_dict`). ``cond*`` are (lhs, rhs) pairs; ``slack*`` = lhs/rhs (≥ 1 ⇔ satisfied)."""

    alpha0: float
    X_fro: float
    sqrt2phi0: float
    weight_norms: list[float]
    C: list[float]
    lam_bar: list[float]
    cond7: tuple[float, float]
    cond8: tuple[float, float]
    cond9: tuple[float, float]  # as printed
    cond9_proof: tuple[float, float]  # with λ̄²_{1→L−1} (the proof and eq. 15)
    eta_max: float
    wide_enough: bool  # n_{L−1} ≥ N (Theorem 2.2's width)
    extra: dict = field(default_factory=dict)

    @staticmethod
    def _slack(c):
        lhs, rhs = c
        return math.inf if rhs == 0 else lhs / rhs

    @property
    def slack7(self) -> float:
        return self._slack(self.cond7)

    @property
    def slack8(self) -> float:
        return self._slack(self.cond8)

    @property
    def slack9(self) -> float:
        return self._slack(self.cond9)

    @property
    def slack9_proof(self) -> float:
        return self._slack(self.cond9_proof)

    def holds(self, *, as_printed: bool = True) -> bool:
        """Whether (7), (8), (9) hold (and n_{L−1} ≥ N, α₀ > 0). ``as_printed=False`` uses the
        proof's (9) (see :func:`ng_condition_9`)."""
        c9 = self.cond9 if as_printed else self.cond9_proof
        return bool(
            self.wide_enough and self.alpha0 > 0
            and self.cond7[0] >= self.cond7[1] and self.cond8[0] >= self.cond8[1] and c9[0] >= c9[1]
        )

    def as_dict(self) -> dict:
        d = asdict(self)
        d.update(slack7=self.slack7, slack8=self.slack8, slack9=self.slack9,
                 slack9_proof=self.slack9_proof, holds=self.holds(), holds_proof=self.holds(as_printed=False))
        return d


def ng_certificate(alpha0: float, X_fro: float, weight_norms: Sequence[float], C: Sequence[float],
                   sqrt2phi0: float, *, wide_enough: bool = True) -> NGCertificate:
    """001 Theorem 2.2 evaluated on the numbers it names: α₀ = σ_min(F⁰_{L−1}) (eq. 6),
    λ̄_l = ‖W_l⁰‖₂ + C_l, conditions (7), (8), (9) (printed and proof version) and η_max (10)."""
    if len(weight_norms) < 2:
        raise ValueError("Theorem 2.2 needs L >= 2 layers (one hidden layer at least)")
    if not (alpha0 >= 0 and X_fro >= 0 and sqrt2phi0 >= 0):
        raise ValueError("alpha0, X_fro and sqrt2phi0 must be >= 0")
    lam = ng_lambda_bar(weight_norms, C)
    return NGCertificate(
        alpha0=float(alpha0), X_fro=float(X_fro), sqrt2phi0=float(sqrt2phi0),
        weight_norms=[float(w) for w in weight_norms], C=[float(c) for c in C], lam_bar=[float(x) for x in lam],
        cond7=tuple(float(v) for v in ng_condition_7(alpha0, X_fro, lam, C, sqrt2phi0)),
        cond8=tuple(float(v) for v in ng_condition_8(alpha0, X_fro, lam, sqrt2phi0)),
        cond9=tuple(float(v) for v in ng_condition_9(alpha0, X_fro, lam, as_printed=True)),
        cond9_proof=tuple(float(v) for v in ng_condition_9(alpha0, X_fro, lam, as_printed=False)),
        eta_max=ng_eta_max(alpha0, X_fro, lam),
        wide_enough=bool(wide_enough),
    )


# ---------------------------------------------------------------------- Section 3.1
def ng_sec31_conditions(beta: float, alpha0: float, X_fro: float, Y_fro: float,
                        norms: Sequence[float]) -> dict[str, tuple[float, float]]:
    """001 Section 3.1 at ``θ̃₀ = (βW_1⁰, …, βW_{L−1}⁰, W_L = 0)`` with C_l = 1, where
    ``alpha0 = σ_min(F_{L−1}(θ₀))`` and ``norms = (‖W_1⁰‖₂, …, ‖W_{L−1}⁰‖₂)`` are those of the
    *unscaled* θ₀ (ReLU is positively homogeneous, so α₀(θ̃₀) = β^{L−1} α₀ and √(2Φ(θ̃₀)) = ‖Y‖_F).

    * ``"14"``: ``β^{2(L−1)} α₀² ≥ 16 ‖X‖_F ‖Y‖_F Π_{l=1}^{L−1} (β‖W_l⁰‖₂ + 1)``  (= eq. 7 there)
    * ``"15"``: ``β^{2(L−1)} α₀² ≥ 16 ‖X‖_F² Σ_{l=1}^{L−1} Π_{p≤L−1, p≠l} (β‖W_p⁰‖₂ + 1)²``  (= eq. 9
      with λ̄²_{1→L−1}, the proof's version)
    * ``"8"``: eq. (8) at θ̃₀ (the paper: "the same argument applies to (8)"):
      ``β^{3(L−1)} α₀³ ≥ 32 ‖X‖_F² Σ_{l=1}^{L−1} Π_{p≤L−1, p≠l} (β‖W_p⁰‖₂ + 1)² ‖Y‖_F``.

    Returns ``{name: (lhs, rhs)}``. Each ratio lhs/rhs is increasing in β (each factor
    β/(β a + 1) is), so the set of admissible β is an interval [β*, ∞): see :func:`ng_min_beta`.
    """
    Lm1 = len(norms)
    if Lm1 < 1:
        raise ValueError("need the norms of W_1..W_{L-1} (L >= 2)")
    if not (beta > 0):
        raise ValueError(f"beta must be > 0, got beta={beta!r}")
    lam = [beta * a + 1.0 for a in norms]
    a2 = (beta ** (Lm1)) ** 2 * alpha0**2
    s = sum(_prod(lam[p] ** 2 for p in range(Lm1) if p != l) for l in range(Lm1))
    return {
        "14": (a2, 16.0 * X_fro * Y_fro * _prod(lam)),
        "15": (a2, 16.0 * X_fro**2 * s),
        "8": ((beta**Lm1 * alpha0) ** 3, 32.0 * X_fro**2 * s * Y_fro),
    }


def ng_min_beta(alpha0: float, X_fro: float, Y_fro: float, norms: Sequence[float], *,
                which: Sequence[str] = ("14", "15", "8"), rtol: float = 1e-12) -> float:
    """NG-3.1: the smallest β at which the Section 3.1 conditions ``which`` (default (14), (15)
    and (8)) all hold at θ̃₀ (see :func:`ng_sec31_conditions`), by bisection on log β.

    Exact up to ``rtol`` (relative, in β) because every condition is monotone in β. ``inf`` when
    α₀ = 0 (no β works: F_{L−1} does not have full row rank)."""
    if alpha0 <= 0:
        return math.inf

    def ok(b):
        c = ng_sec31_conditions(b, alpha0, X_fro, Y_fro, norms)
        return all(c[k][0] >= c[k][1] for k in which)

    lo, hi = 1.0, 1.0
    while ok(lo):
        lo /= 2.0
        if lo < 1e-300:
            return 0.0
    while not ok(hi):
        hi *= 2.0
        if hi > 1e300:
            return math.inf
    while hi / lo - 1.0 > rtol:
        mid = math.sqrt(lo * hi)
        if ok(mid):
            hi = mid
        else:
            lo = mid
    return hi


# ---------------------------------------------------------------------- Section 3.3
def ng_cor32_C(n_last_hidden: int, L: int) -> list[float]:
    """The C_l of the proof of 001 Corollary 3.2 (a = 4/3, b = −1/6, c = 1/2):
    ``C_l = 1`` for l ≤ L−2, ``C_{L−1} = n_{L−1}^{1/2}``, ``C_L = n_{L−1}^{−1/6}``."""
    if L < 2:
        raise ValueError(f"L must be >= 2, got L={L!r}")
    n = float(n_last_hidden)
    return [1.0] * (L - 2) + [n**0.5, n ** (-1.0 / 6.0)]


def ng_lemma33_scale(n0: int, widths: Sequence[int], betas: Sequence[float]) -> float:
    """001 Lemma 3.3, eq. (29): the scale ``n₀ Π_{l=1}^{L−1} n_l β_l²`` of σ_min(F_{L−1})², for
    ``(W_l)_{ij} ~ N(0, β_l²)``; ``widths = (n_1, …, n_{L−1})``, ``betas = (β_1, …, β_{L−1})``."""
    if len(widths) != len(betas):
        raise ValueError("need one beta_l per hidden width")
    return float(n0) * _prod(float(n) * float(b) ** 2 for n, b in zip(widths, betas))


def ng_lemma33_regime(N: int, n0: int, widths: Sequence[int], delta: float = 0.1) -> dict:
    """001 Lemma 3.3's width conditions, with the hidden constants set to 1 (they are not given):
    (27) ``n_{L−1} ≥ N log N log(N/δ)`` and (28) ``Π_{l=1}^{L−3} log n_l ≤ min_{l∈[0,L−2]} n_l``
    (an o(·) read at constant 1). Returns the flags and the required n_{L−1}."""
    req = N * math.log(max(N, 2)) * math.log(N / delta)
    mids = list(widths[:-1])
    prodlog = _prod(math.log(n) for n in widths[: max(0, len(widths) - 2)])
    return {
        "eq27": widths[-1] >= req,
        "eq28": prodlog <= min([n0] + mids),
        "required_n_last": req,
    }


def ng_best_C(alpha0: float, X_fro: float, weight_norms: Sequence[float], sqrt2phi0: float, *,
              as_printed: bool = True, sweeps: int = 3, grid: Sequence[float] | None = None,
              objective: str = "slack") -> tuple[list[float], float]:
    """Theorem 2.2 lets the C_l be *any* positive numbers: search them (coordinate ascent over a
    log grid, ``grid`` = exponents of 10, default −6..6 step 1/8).

    * ``objective="slack"``: maximise the smallest slack ``min(lhs/rhs)`` of (7), (8), (9).
      Returns ``(C, min_slack)``; the conditions are satisfiable with this C iff ``min_slack ≥ 1``.
    * ``objective="rate"``: maximise the guaranteed per-step decrease η_max·α₀²/8 of (10)–(11)
      among the C that satisfy (7)–(9) (started from the slack-optimal C; ``as_printed`` picks the
      (9)). Returns ``(C, η_max α₀²/8)``, or the slack search's result when no C satisfies them.

    A lower bound on what the best C achieves (a search)."""
    if objective not in ("slack", "rate"):
        raise ValueError(f"objective must be 'slack' or 'rate', got objective={objective!r}")
    L = len(weight_norms)
    grid = [k / 8.0 for k in range(-48, 49)] if grid is None else list(grid)

    def worst(C):
        lam = ng_lambda_bar(weight_norms, C)
        cs = (ng_condition_7(alpha0, X_fro, lam, C, sqrt2phi0), ng_condition_8(alpha0, X_fro, lam, sqrt2phi0),
              ng_condition_9(alpha0, X_fro, lam, as_printed=as_printed))
        return min((l / r if r > 0 else math.inf) for l, r in cs)

    def rate(C):
        if worst(C) < 1.0:
            return -math.inf
        return ng_eta_max(alpha0, X_fro, ng_lambda_bar(weight_norms, C)) * alpha0**2 / 8.0

    def ascend(score, C, best):
        for _ in range(sweeps):
            for l in range(L):
                for e in grid:
                    trial = list(C)
                    trial[l] = 10.0**e
                    v = score(trial)
                    if v > best:
                        best, C = v, trial
        return C, best

    C, best = ascend(worst, [1.0] * L, worst([1.0] * L))
    if objective == "slack" or best < 1.0:
        return C, best
    # the rate: (7) couples the C_l (raising one C_l tightens (7) at every other layer), so one
    # coordinate at a time stalls; a Nelder–Mead search on log10 C with a penalty for leaving
    # (7)–(9) moves them jointly; the best feasible point seen is kept, then refined on the grid
    from scipy.optimize import minimize

    seen = {"C": list(C), "v": rate(C)}

    def f(x):
        Cx = [10.0 ** float(min(max(v, -12.0), 12.0)) for v in x]
        w = worst(Cx)
        if w >= 1.0:
            r = rate(Cx)
            if r > seen["v"]:
                seen.update(C=Cx, v=r)
            return -math.log(r)
        return -math.log(max(seen["v"], 1e-300)) + 1e3 * (-math.log(max(w, 1e-300)))

    x0 = [math.log10(c) for c in C]
    minimize(f, x0, method="Nelder-Mead", options={"xatol": 1e-3, "fatol": 1e-6, "maxfev": 400 * L})
    return ascend(rate, seen["C"], seen["v"])


def ng_path_budget(eta: float, alpha0: float, X_fro: float, lam_bar: Sequence[float], sqrt2phi0: float) -> list[float]:
    """The proof of 001 Theorem 2.2 (the triangle-inequality chain before (13)): along GD,
    ``‖W_l^k − W_l^0‖_F ≤ A_l Σ_{s<k} u^s = B_l (1 − u^k)`` with ``u = √(1 − ηα₀²/8)``,
    ``A_l = η‖X‖_F λ̄_{1→L} λ̄_l⁻¹ √(2Φ(θ₀))`` and ``B_l = A_l/(1 − u)`` (≤ 16‖X‖_F λ̄_{1→L}
    λ̄_l⁻¹√(2Φ₀)/α₀² ≤ C_l by (7)). Returns ``[B_1, …, B_L]``."""
    if not (eta > 0 and alpha0 > 0 and eta * alpha0**2 / 8.0 < 1.0):
        raise ValueError(f"need η > 0, α₀ > 0 and ηα₀²/8 < 1 (eq. 10), got eta={eta!r}, alpha0={alpha0!r}")
    L = len(lam_bar)
    u = math.sqrt(1.0 - eta * alpha0**2 / 8.0)
    full = ng_lambda_prod(lam_bar, 1, L)
    return [eta * X_fro * full / lam_bar[l] * sqrt2phi0 / (1.0 - u) for l in range(L)]


def ng_region_margin(dists: Sequence[float], budgets: Sequence[float], phi: float, phi0: float) -> float:
    """Membership of a state θ in the induction region of 001 Theorem 2.2's proof: θ is a
    possible k-th GD iterate for some k ≥ 0 iff, with d_l = ‖W_l − W_l^0‖_F,
    ``‖W_l − W_l^0‖_F ≤ B_l(1 − u^k)`` for every l and ``Φ(θ) ≤ u^{2k}Φ(θ₀)`` (the hypotheses the
    induction carries: the path bound and (11)), i.e. iff the margin
    ``min_l (1 − d_l/B_l) − √(Φ(θ)/Φ(θ₀))`` is ≥ 0 (k real: the chain holds for real k). Such a θ
    satisfies (12) (‖W_l‖₂ ≤ λ̄_l; σ_min(F_{L−1}) ≥ α₀/2 by (5) and (8)), and the proof's step
    maps it to a state of margin ≥ 0 with (13), ‖F^{k+1}_{L−1} − F^0_{L−1}‖_F ≤ α₀/2 and
    Φ(θ_{k+1}) ≤ (1 − ηα₀²/8)Φ(θ_k). (A state that only satisfies (12) — e.g. ‖W_l‖₂ = λ̄_l
    exactly — is not covered: the proof needs the path bound, not (12) alone.)"""
    if len(dists) != len(budgets):
        raise ValueError(f"need one distance per budget: {len(dists)} vs {len(budgets)}")
    if not (phi0 > 0):
        raise ValueError(f"phi0 must be > 0, got phi0={phi0!r}")
    return min(1.0 - d / b for d, b in zip(dists, budgets)) - math.sqrt(max(phi, 0.0) / phi0)


def ng_steps_to_halve(eta: float, alpha0: float) -> float:
    """Steps after which (11) guarantees Φ ≤ Φ(θ₀)/2: ``ln 2 / −ln(1 − ηα₀²/8)``."""
    r = eta * alpha0**2 / 8.0
    if not (0.0 < r < 1.0):
        raise ValueError(f"need 0 < ηα₀²/8 < 1, got {r!r}")
    return math.log(2.0) / -math.log1p(-r)


__all__ += ["ng_path_budget", "ng_region_margin", "ng_steps_to_halve"]


__all__.append("ng_best_C")
