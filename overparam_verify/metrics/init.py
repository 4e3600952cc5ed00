"""Measured quantities for the catalogue family 'init': forward norms, norm changes, output sizes
and separations at Gaussian initialization (ZCZG 003 Theorem 5.1 (i)-(iii), Lemmas A.1-A.6,
000 Lemma 5.1; AZLS 002 Step 1), and a data set whose separation is exactly φ.
"""
from __future__ import annotations

import math

import torch

__all__ = [
    "tight_arc_data",
    "layer_norms",
    "a1_relative_changes",
    "a2_deviations",
    "pairwise_min_separations",
    "weight_spectral_norms",
    "weight_spectral_norms_lanczos",
    "azls_hidden",
    "relu_moment_quad_scaled",
    "relu_moment_mc_scaled",
]


def tight_arc_data(n: int, d: int, phi: float, *, mu: float | None = None, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """``n`` unit vectors in R^d on a random great circle (of the sphere of radius √(1−μ²) in the
    first d−1 coordinates, last coordinate μ, when ``mu`` is given) with consecutive chord
    distance exactly φ, so ``min_{i≠j} ‖x_i − x_j‖ = φ`` (003 Assumption 3.6 / AZLS Assumption
    2.1 at equality — the hardest data for the separation lemmas). Labels alternate ±1.
    ``ValueError`` if the n points do not fit on the circle (n·angle > 2π)."""
    if int(n) != n or n < 2:
        raise ValueError(f"n must be an integer >= 2, got n={n!r}")
    k = d - 1 if mu is not None else d
    if k < 2:
        raise ValueError(f"need at least 2 free coordinates for a circle, got d={d!r}")
    r = math.sqrt(1.0 - mu * mu) if mu is not None else 1.0
    if not (0 < phi < 2 * r):
        raise ValueError(f"phi must lie in (0, {2 * r:.4g}), got phi={phi!r}")
    ang = 2.0 * math.asin(phi / (2.0 * r))
    if (n - 1) * ang >= math.pi * (2 - 1e-9) or (n > 2 and n * ang > 2 * math.pi):
        raise ValueError(f"n={n} points at angle {ang:.4g} do not fit on a circle: need n·angle ≤ 2π")
    g = torch.Generator().manual_seed(int(seed))
    Q = torch.linalg.qr(torch.randn(k, 2, generator=g, dtype=torch.float64)).Q  # (k, 2)
    t = torch.arange(n, dtype=torch.float64) * ang
    U = torch.stack([torch.cos(t), torch.sin(t)], 1) @ Q.T * r  # (n, k)
    X = U if mu is None else torch.cat([U, torch.full((n, 1), float(mu), dtype=torch.float64)], 1)
    y = torch.tensor([1.0 if i % 2 == 0 else -1.0 for i in range(n)], dtype=torch.float64)
    return X, y


def layer_norms(net, X: torch.Tensor) -> torch.Tensor:
    """``‖x_{l,i}‖`` for l = 0..L (row 0 the inputs): (L+1, n)."""
    tr = net.forward_trace(X)
    return torch.stack([X.to(torch.float64).norm(dim=-1)] + [x.to(torch.float64).norm(dim=-1) for x in tr.outputs])


def a1_relative_changes(net, X: torch.Tensor) -> torch.Tensor:
    """003 Lemma A.1: ``(‖x_{l,i}‖² − ‖x_{l-1,i}‖²)/‖x_{l-1,i}‖²`` for l = 1..L: (L, n)."""
    N2 = layer_norms(net, X) ** 2
    return (N2[1:] - N2[:-1]) / N2[:-1]


def a2_deviations(net, X: torch.Tensor) -> torch.Tensor:
    """003 Corollary A.2: ``|‖x_{l,i}‖ − 1|`` for l = 1..L: (L, n)."""
    return (layer_norms(net, X)[1:] - 1.0).abs()


def _min_pair_dist(H: torch.Tensor) -> float:
    n = H.shape[0]
    D = torch.cdist(H, H)
    iu = torch.triu_indices(n, n, 1)
    return float(D[iu[0], iu[1]].min())


def pairwise_min_separations(outputs: list[torch.Tensor]) -> dict[str, list[float]]:
    """Per layer, ``min_{i≠i'} ‖x_{l,i} − x_{l,i'}‖`` (``raw``) and the same for the normalized
    ``x̄ = x/‖x‖`` (``normalized``) — 003 Lemma A.4, Corollary A.5, Theorem 5.1(ii), AZLS Step 1."""
    raw, nor = [], []
    for H in outputs:
        H = H.to(torch.float64)
        raw.append(_min_pair_dist(H))
        nor.append(_min_pair_dist(H / H.norm(dim=-1, keepdim=True).clamp_min(1e-300)))
    return {"raw": raw, "normalized": nor}


def weight_spectral_norms(net) -> list[float]:
    """``‖W_l‖₂`` for every trained layer (dense, exact; 003 Theorem 5.1(i))."""
    return [float(torch.linalg.matrix_norm(W.to(torch.float64), ord=2)) for W in net.weights]


def weight_spectral_norms_lanczos(net, *, tol: float = 1e-12, seed: int = 0) -> list[float]:
    """``‖W_l‖₂`` for every trained layer, matrix-free: ``√λ_max(W_lᵀW_l)`` by Lanczos
    (:func:`~overparam_verify.metrics.init_backward.lanczos_top_eigenvalue`, residual ≤ tol·λ).
    Equal to :func:`weight_spectral_norms` to ~tol; for the wide layers of 003 Theorem 5.1(i)'s
    depth cells (m_{l−1} = 2m_l = 3072), where a dense SVD per draw costs seconds."""
    from .init_backward import lanczos_top_eigenvalue

    out = []
    for W in net.weights:
        W = W.to(torch.float64)  # (m_{l-1}, m_l)
        G = W if W.shape[0] >= W.shape[1] else W.T  # tall: λ_max(GᵀG) on the smaller side
        theta, _ = lanczos_top_eigenvalue(lambda Q, G=G: (Q @ G.T) @ G, (), G.shape[1], tol=tol,
                                          generator=torch.Generator().manual_seed(int(seed)))
        out.append(math.sqrt(float(theta)))
    return out


def azls_hidden(net, X: torch.Tensor) -> list[torch.Tensor]:
    """AZLS's ``h_{i,0} = σ(Ax_i), h_{i,l} = σ(W_l h_{i,l−1})``, l = 0..L, each (n, m)."""
    return net.forward_trace(X).outputs


def relu_moment_quad_scaled(rho: float, scale: float = 1.0) -> float:
    """``E[σ(Z₁)σ(s·Z₂)]`` by quadrature (003 Lemma A.3; s ≠ 1 is its control): the one
    implementation, :func:`overparam_verify.metrics.setup.relu_moment_quad`."""
    from .setup import relu_moment_quad

    return relu_moment_quad(rho, scale)


def relu_moment_mc_scaled(rho: float, scale: float, samples: int, seed: int) -> tuple[float, float]:
    """Monte Carlo ``E[σ(Z₁)σ(s·Z₂)]`` (correlation ρ, ``s = scale``) from a seeded
    ``torch.Generator``: (estimate, standard error). At s = 1 the same draws as
    :func:`~overparam_verify.metrics.setup.relu_moment_mc`."""
    g = torch.Generator().manual_seed(int(seed))
    U = torch.randn(2, int(samples), generator=g, dtype=torch.float64)  # (2, samples)
    Z1 = U[0]
    Z2 = float(rho) * U[0] + math.sqrt(max(0.0, 1 - float(rho) ** 2)) * U[1]
    p = torch.relu(Z1) * torch.relu(float(scale) * Z2)
    return float(p.mean()), float(p.std() / math.sqrt(int(samples)))
