"""Measured quantities for the catalogue family 'setup': the explicit matrix products of ZCZG 003
§3.4 (forward outputs, outputs through the tail of the network, per-sample gradients), an
independent autograd reference, statistical tests of the He initialisation (003 §3.3), and the
Gaussian ReLU moment of 003 Lemma A.3 by numerical integration and by Monte Carlo.
"""
from __future__ import annotations

import math
from typing import Sequence

import torch

__all__ = [
    "sigma_product",
    "forward_by_products",
    "tail_outputs_by_products",
    "per_sample_gradient_by_products",
    "loss_gradient_by_products",
    "autograd_loss_gradients",
    "init_moment_pvalues",
    "relu_moment_quad",
    "relu_moment_mc",
]


def sigma_product(weights: Sequence[torch.Tensor], patterns: Sequence[torch.Tensor], i: int, l1: int, l2: int) -> torch.Tensor:
    """003 eq. (3.1) with ``A_r = Σ_{r,i}W_rᵀ``: ``Π_{r=l1}^{l2} Σ_{r,i}W_rᵀ = A_{l2}⋯A_{l1}``,
    dense, shape (m_{l2}, m_{l1−1}); the identity (of size m_{l1−1}) when l1 > l2. Layers are
    1-based as in the paper; ``patterns[r-1][i]`` is the diagonal of Σ_{r,i}."""
    if l1 > l2:
        m = weights[l1 - 1].shape[0] if l1 - 1 < len(weights) else weights[-1].shape[1]
        return torch.eye(m, dtype=weights[0].dtype)
    P = None
    for r in range(l1, l2 + 1):
        A = patterns[r - 1][i].to(weights[r - 1].dtype)[:, None] * weights[r - 1].T  # (m_r, m_{r-1})
        P = A if P is None else A @ P
    return P


def _patterns(tr, drop_mask: bool) -> list[torch.Tensor]:
    """The engine's Σ_{l,i} diagonals, or all ones with ``drop_mask`` (the identities' negative
    control: the products of a *linear* network, which the ReLU network must not match)."""
    return [torch.ones_like(p) for p in tr.patterns] if drop_mask else tr.patterns


def forward_by_products(net, X: torch.Tensor, *, drop_mask: bool = False) -> list[torch.Tensor]:
    """003 §3.4: ``x_{l,i} = (Π_{r=1}^l Σ_{r,i}W_rᵀ) x_i`` for l = 1..L, with the Σ's taken from
    the engine's activation patterns. Returns a list over l of (n, m_l)."""
    tr = net.forward_trace(X)
    W = net.weights
    X = X.to(W[0].dtype)
    P = _patterns(tr, drop_mask)
    return [torch.stack([sigma_product(W, P, i, 1, l) @ X[i] for i in range(X.shape[0])])
            for l in range(1, len(W) + 1)]


def tail_outputs_by_products(net, X: torch.Tensor, *, drop_mask: bool = False) -> torch.Tensor:
    """003 §3.4: ``f_W(x_i) = vᵀ(Π_{r=l}^L Σ_{r,i}W_rᵀ) x_{l−1,i}`` for every l = 1..L (x_{0,i} =
    x_i), with x_{l−1,i} from the engine's trace. Returns (L, n)."""
    tr = net.forward_trace(X)
    W, L = net.weights, len(net.weights)
    X = X.to(W[0].dtype)
    xs = [X] + tr.outputs
    P = _patterns(tr, drop_mask)
    return torch.stack([torch.stack([net.v @ (sigma_product(W, P, i, l, L) @ xs[l - 1][i])
                                     for i in range(X.shape[0])]) for l in range(1, L + 1)])


def per_sample_gradient_by_products(net, X: torch.Tensor, i: int, *, drop_mask: bool = False) -> list[torch.Tensor]:
    """003 §3.4: ``∇_{W_l} f_W(x_i) = x_{l−1,i} vᵀ(Π_{r=l+1}^L Σ_{r,i}W_rᵀ) Σ_{l,i}``, each
    (m_{l−1}, m_l), l = 1..L."""
    tr = net.forward_trace(X)
    W, L = net.weights, len(net.weights)
    xs = [X.to(W[0].dtype)] + tr.outputs
    P = _patterns(tr, drop_mask)
    out = []
    for l in range(1, L + 1):
        row = net.v @ sigma_product(W, P, i, l + 1, L) if l < L else net.v.clone()  # (m_l,)
        row = row * P[l - 1][i].to(row.dtype)
        out.append(torch.outer(xs[l - 1][i], row))
    return out


def loss_gradient_by_products(net, X: torch.Tensor, y: torch.Tensor, loss: str = "logistic", *,
                              drop_mask: bool = False) -> list[torch.Tensor]:
    """``∇_{W_l} L_S = (1/n) Σ_i ℓ'(y_i ŷ_i) y_i ∇_{W_l} f_W(x_i)`` (003 eq. 3.2) from the explicit
    products of :func:`per_sample_gradient_by_products`."""
    from ..losses import get_loss

    lo = get_loss(loss)
    yhat = net.forward(X)
    y = torch.as_tensor(y, dtype=yhat.dtype)
    coef = lo.deriv(y * yhat) * y / X.shape[0]
    grads = None
    for i in range(X.shape[0]):
        g = per_sample_gradient_by_products(net, X, i, drop_mask=drop_mask)
        grads = [c * coef[i] for c in g] if grads is None else [a + c * coef[i] for a, c in zip(grads, g)]
    return grads


def autograd_loss_gradients(weights: Sequence[torch.Tensor], v: torch.Tensor, X: torch.Tensor, y: torch.Tensor,
                            loss: str = "logistic") -> list[torch.Tensor]:
    """An independent reference: ``L_S(W) = (1/n) Σ ℓ(y_i vᵀσ(W_Lᵀ⋯σ(W_1ᵀx_i)))`` written with
    plain torch ops and differentiated by autograd."""
    from ..losses import get_loss

    Ws = [W.detach().clone().requires_grad_(True) for W in weights]
    h = X.to(Ws[0].dtype)
    for W in Ws:
        h = torch.relu(h @ W)
    L_S = get_loss(loss).value(torch.as_tensor(y, dtype=h.dtype) * (h @ v)).mean()
    return list(torch.autograd.grad(L_S, Ws))


def init_moment_pvalues(W: torch.Tensor, var: float) -> dict[str, float]:
    """p-values of exact tests that ``W`` (a, b) has i.i.d. N(0, var) entries (003 §3.3: columns
    N(0, 2/m_l·I)): entry mean (z-test), entry variance (χ²_{ab}, two-sided), normality of the
    entries (KS), column scale (KS of ‖w_j‖²/var against χ²_a) and column independence (the
    cosines of disjoint column pairs: √(a−1)·c/√(1−c²) ~ t_{a−1}, KS)."""
    from scipy import stats as ss

    a, b = W.shape
    Z = (W.detach().to(torch.float64) / math.sqrt(var)).cpu().numpy()
    N = Z.size
    out = {"mean": float(2 * ss.norm.sf(abs(Z.mean()) * math.sqrt(N)))}
    q = float((Z * Z).sum())
    out["variance"] = float(min(1.0, 2 * min(ss.chi2.cdf(q, N), ss.chi2.sf(q, N))))
    out["normality"] = float(ss.kstest(Z.ravel(), "norm").pvalue)
    out["column_scale"] = float(ss.kstest((Z * Z).sum(axis=0), ss.chi2(a).cdf).pvalue) if b >= 2 else 1.0
    if a >= 3 and b >= 4:
        k = b // 2
        u, w = Z[:, 0 : 2 * k : 2], Z[:, 1 : 2 * k : 2]
        c = (u * w).sum(0) / ((u * u).sum(0) * (w * w).sum(0)) ** 0.5
        c = c.clip(-1 + 1e-15, 1 - 1e-15)  # identical columns: |c| = 1 (t = ±huge, rejected)
        t = math.sqrt(a - 1) * c / (1 - c * c) ** 0.5
        out["column_independence"] = float(ss.kstest(t, ss.t(a - 1).cdf).pvalue)
    return out


def _phi(x: float) -> float:
    """Standard normal density (math only: scipy.stats' scalar calls cost ~50 µs each, and
    quadrature evaluates the integrand hundreds of times)."""
    return math.exp(-0.5 * x * x) / math.sqrt(2.0 * math.pi)


def _Phi(x: float) -> float:
    """Standard normal CDF, ``erfc(−x/√2)/2`` (accurate in both tails, like scipy's ndtr)."""
    return 0.5 * math.erfc(-x / math.sqrt(2.0))


def relu_moment_quad(rho: float, scale: float = 1.0) -> float:
    """``E[σ(Z₁)σ(s·Z₂)]`` for standard Gaussians with correlation ρ and ``s = scale`` by numerical
    integration (scipy.integrate.quad): ``∫₀^∞ z φ(z) E[σ(a + bU)] dz`` with ``a = sρz``,
    ``b = s√(1−ρ²)`` and the inner Gaussian expectation ``E σ(a + bU) = aΦ(a/b) + bφ(a/b)`` in
    closed form (003 Lemma A.3 at s = 1; s ≠ 1 is that lemma's control, a pair that is not
    standard). ``ValueError`` unless ρ ∈ [−1, 1] and s > 0."""
    from scipy import integrate

    rho, s = float(rho), float(scale)
    if not (-1.0 <= rho <= 1.0):
        raise ValueError(f"rho must lie in [-1, 1], got rho={rho!r}")
    if not (s > 0 and math.isfinite(s)):
        raise ValueError(f"scale must be finite and > 0, got scale={scale!r}")
    b = s * math.sqrt(max(0.0, 1.0 - rho * rho))

    def f(z: float) -> float:
        a = s * rho * z
        inner = max(a, 0.0) if b == 0.0 else a * _Phi(a / b) + b * _phi(a / b)
        return z * _phi(z) * inner

    val, _ = integrate.quad(f, 0.0, math.inf, epsabs=1e-14, epsrel=1e-12, limit=200)
    return float(val)


def relu_moment_mc(rho: float, samples: int, seed: int) -> tuple[float, float]:
    """Monte Carlo ``E[σ(Z₁)σ(Z₂)]`` (correlation ρ) from a seeded ``torch.Generator``: returns
    (estimate, standard error)."""
    g = torch.Generator().manual_seed(int(seed))
    U = torch.randn(2, int(samples), generator=g, dtype=torch.float64)
    Z1 = U[0]
    Z2 = float(rho) * U[0] + math.sqrt(max(0.0, 1 - float(rho) ** 2)) * U[1]
    p = torch.relu(Z1) * torch.relu(Z2)
    return float(p.mean()), float(p.std() / math.sqrt(int(samples)))
