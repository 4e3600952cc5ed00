"""Loss functions and their constants from ZCZG 003 Assumptions 3.1–3.4.

Binary classification losses act on the margin ``x = y·ŷ`` and the empirical loss is the mean
``L_S(W) = (1/n) Σ_i ℓ(y_i ŷ_i)`` (003 eq. 3.1). The square loss is AZLS's and Nguyen's
``F = Σ_i ½‖ŷ_i − y_i‖²`` (a sum, as in 002 Section 2 and 001 eq. 1).

Constants of 003 Assumption 3.2 (``|ℓ'(x)| ≥ α₀`` for ``x < x₀`` and ``≥ α₁ ℓ^p(x)`` for
``x ≥ x₀``), 3.3 (ρ-Lipschitz) and 3.4 (λ-smooth). They are derived here from the closed forms,
since 003 lists the four losses (below Assumption 3.2) without their constants:

==============  =====================  ====  ======  ==========  =====  ======
loss            ℓ(x)                   x₀    α₀      α₁          p      ρ, λ
==============  =====================  ====  ======  ==========  =====  ======
hinge           max(0, 1−x)            1     1       1 (any)     1      1, ∞
squared hinge   max(0, 1−x)²           −∞    —       2           1/2    ∞, 2
exponential     e^{−x}                 −∞    —       1           1      ∞, ∞
cross-entropy   log(1+e^{−x})          0     1/2     1/(2 log 2) 1      1, 1/4
==============  =====================  ====  ======  ==========  =====  ======

(For the hinge loss ℓ = 0 on ``x ≥ 1``, so any α₁ with any p > 0 works; the subgradient
convention is ℓ'(1) = 0 (as σ'(0) = 0 for the ReLU), matching autograd on ``relu(1 − x)``. Cross-entropy's row is the inequality
``−ℓ'(x) ≥ min{1/2, ℓ(x)/(2 log 2)}`` used in the proof of 000 Theorem 4.4.)
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

import torch

__all__ = ["Loss", "LOSSES", "get_loss", "CLASSIFICATION_LOSSES", "transformed_loss"]


@dataclass(frozen=True)
class Loss:
    """A loss with its closed-form derivatives and its constants from 003 Assumptions 3.2–3.4.

    ``value(x)``, ``deriv(x)`` and ``deriv2(x)`` act elementwise on margins ``x = y·ŷ`` for a
    classification loss, and on residuals ``ŷ − y`` for the square loss (then ``value`` is
    ``½ r²``).
    """

    name: str
    value: Callable[[torch.Tensor], torch.Tensor]
    deriv: Callable[[torch.Tensor], torch.Tensor]
    deriv2: Callable[[torch.Tensor], torch.Tensor]
    classification: bool
    x0: float  #: 003 Assumption 3.2's threshold (−inf when the α₁ℓ^p branch holds everywhere)
    alpha0: float  #: lower bound on |ℓ'| below x₀ (nan when x₀ = −inf)
    alpha1: float
    p: float
    rho: float  #: Lipschitz constant, 003 Assumption 3.3 (inf: not Lipschitz)
    lam: float  #: smoothness constant, 003 Assumption 3.4 (inf: not smooth)

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        return self.value(x)

    def ell0(self) -> float:
        """ℓ(0): the threshold of 003 Corollary 4.4 (``L_S ≤ ℓ(0)/n`` ⇒ no training error)."""
        return float(self.value(torch.zeros((), dtype=torch.float64)))

    def deriv_lower_bound(self, x: torch.Tensor) -> torch.Tensor:
        """The right-hand side of 003 Assumption 3.2: α₀ for x < x₀, α₁ ℓ^p(x) for x ≥ x₀."""
        tail = self.alpha1 * self.value(x) ** self.p
        if self.x0 == -math.inf:
            return tail
        return torch.where(x < self.x0, torch.full_like(x, self.alpha0), tail)


def _softplus_neg(x: torch.Tensor) -> torch.Tensor:
    # log(1 + e^{-x}) computed without overflow for large |x|.
    return torch.nn.functional.softplus(-x)


LOSSES: dict[str, Loss] = {
    "logistic": Loss(
        "logistic",
        value=_softplus_neg,
        deriv=lambda x: -torch.sigmoid(-x),  # ℓ'(x) = −1/(1+eˣ)
        deriv2=lambda x: torch.sigmoid(x) * torch.sigmoid(-x),
        classification=True,
        x0=0.0,
        alpha0=0.5,
        alpha1=1.0 / (2.0 * math.log(2.0)),
        p=1.0,
        rho=1.0,
        lam=0.25,
    ),
    "hinge": Loss(
        "hinge",
        # relu, not clamp: autograd of relu(1 − x) gives the subgradient ℓ'(1) = 0 like
        # ``deriv`` (autograd of clamp(1 − x, min=0) would give −1 at the kink).
        value=lambda x: torch.relu(1.0 - x),
        deriv=lambda x: -(x < 1.0).to(x.dtype),
        deriv2=lambda x: torch.zeros_like(x),
        classification=True,
        x0=1.0,
        alpha0=1.0,
        alpha1=1.0,
        p=1.0,
        rho=1.0,
        lam=math.inf,
    ),
    "squared_hinge": Loss(
        "squared_hinge",
        value=lambda x: torch.relu(1.0 - x) ** 2,
        deriv=lambda x: -2.0 * torch.relu(1.0 - x),
        deriv2=lambda x: 2.0 * (x < 1.0).to(x.dtype),
        classification=True,
        x0=-math.inf,
        alpha0=math.nan,
        alpha1=2.0,
        p=0.5,
        rho=math.inf,
        lam=2.0,
    ),
    "exponential": Loss(
        "exponential",
        value=lambda x: torch.exp(-x),
        deriv=lambda x: -torch.exp(-x),
        deriv2=lambda x: torch.exp(-x),
        classification=True,
        x0=-math.inf,
        alpha0=math.nan,
        alpha1=1.0,
        p=1.0,
        rho=math.inf,
        lam=math.inf,
    ),
    "square": Loss(
        "square",
        value=lambda r: 0.5 * r * r,
        deriv=lambda r: r,
        deriv2=lambda r: torch.ones_like(r),
        classification=False,
        x0=math.nan,
        alpha0=math.nan,
        alpha1=math.nan,
        p=math.nan,
        rho=math.inf,
        lam=1.0,
    ),
}

CLASSIFICATION_LOSSES = tuple(k for k, v in LOSSES.items() if v.classification)


def get_loss(loss: str | Loss) -> Loss:
    """Look a loss up by name; ``ValueError`` naming the known losses otherwise."""
    if isinstance(loss, Loss):
        return loss
    try:
        return LOSSES[loss]
    except (KeyError, TypeError):
        raise ValueError(f"unknown loss={loss!r}; expected one of {sorted(LOSSES)}") from None


def transformed_loss(loss: str | Loss, *, scale: float = 1.0, margin_scale: float = 1.0) -> Loss:
    """``x ↦ scale · ℓ(margin_scale · x)`` with ``ℓ``'s constants (x₀, α₀, α₁, p, ρ, λ) kept as they
    are: the negative controls of the loss assumptions (a loss of another scale or temperature, or
    mirrored with ``margin_scale = −1``, for which the printed constants are false)."""
    lo = get_loss(loss)
    c, a = float(scale), float(margin_scale)
    if not (math.isfinite(c) and c > 0 and math.isfinite(a) and a != 0):
        raise ValueError(f"scale must be > 0 and margin_scale finite and non-zero, got scale={scale!r}, "
                         f"margin_scale={margin_scale!r}")
    from dataclasses import replace

    return replace(lo, name=f"{lo.name}[{c:g}·ℓ({a:g}x)]", value=lambda x: c * lo.value(a * x),
                   deriv=lambda x: (c * a) * lo.deriv(a * x), deriv2=lambda x: (c * a * a) * lo.deriv2(a * x))


def empirical_loss_and_grad(loss: Loss, out: torch.Tensor, y: torch.Tensor, *, vector_output: bool = False):
    """Return ``(L, dL/dout, margins)`` for network outputs ``out`` and targets ``y``.

    Classification: ``L = mean_i ℓ(y_i out_i)`` over the sample axis (003 eq. 3.1), margins
    ``y·out``. Square: ``L = Σ_i ½‖out_i − y_i‖²`` (002 Section 2, 001 eq. 1), summed over the
    sample axis and, when ``vector_output``, the output axis too; margins ``y·out`` for scalar
    outputs and ``None`` for vector outputs. Leading axes (an ensemble) are kept.
    """
    if loss.classification:
        margin = y * out  # (..., n)
        n = out.shape[-1]
        L = loss.value(margin).mean(dim=-1)
        g = y * loss.deriv(margin) / n
        return L, g, margin
    r = out - y
    v = loss.value(r)
    L = v.flatten(-2).sum(dim=-1) if vector_output else v.sum(dim=-1)
    return L, loss.deriv(r), (None if vector_output else y * out)
