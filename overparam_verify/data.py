"""Data sets in the papers' assumptions.

* ZCZG (Zou, Cao, Zhou, Gu; seeds 000/003): ``‖x_i‖₂ = 1`` and ``(x_i)_d = μ`` (000 Assumption
  4.1); ``y_i ≠ y_j ⇒ ‖x_i − x_j‖ ≥ φ`` (000 Assumption 4.2, label-aware) or
  ``‖x_i − x_j‖ ≥ φ`` for all ``i ≠ j`` (003 Assumption 3.6).
* AZLS (Allen-Zhu, Li, Song; seed 002): ``‖x_i‖ = 1`` with last coordinate ``1/√2`` and
  ``‖x_i − x_j‖ ≥ δ`` (Assumption 2.1) -- ``separated_sphere(..., mu=AZLS_MU)``.

Everything here is float64 numpy-free torch, drawn from a seeded ``torch.Generator``.
"""
from __future__ import annotations

import math

import torch

__all__ = [
    "AZLS_MU",
    "separated_sphere",
    "min_separation",
    "max_points_bound",
    "random_targets",
    "check_finite",
]

#: AZLS's data normalisation: the last coordinate of every input is 1/√2 (002 Section 2).
AZLS_MU = 1.0 / math.sqrt(2.0)


def check_finite(name: str, t: torch.Tensor) -> None:
    """Raise ``ValueError`` if ``t`` holds NaN or Inf (checked before any work is done)."""
    if not torch.isfinite(t).all():
        raise ValueError(f"{name} must be finite, but it contains NaN or Inf")


def _cap_fraction(k: int, angle: float) -> float:
    """Fraction of the unit sphere S^{k-1} ⊂ R^k within geodesic ``angle`` of a point."""
    from scipy.special import betainc

    if angle >= math.pi:
        return 1.0
    if k == 1:
        return 0.5  # S^0 = {±1}: a cap holds one of the two points
    if angle <= math.pi / 2:
        return 0.5 * float(betainc((k - 1) / 2, 0.5, math.sin(angle) ** 2))
    return 1.0 - _cap_fraction(k, math.pi - angle)


def max_points_bound(d: int, phi: float, *, mu: float | None = None) -> float:
    """Upper bound on how many points of the unit sphere in R^d (last coordinate ``mu`` if given)
    can be pairwise at distance ≥ ``phi``: the spherical-cap packing bound (caps of angular
    radius θ/2 around each point are disjoint, θ = 2 arcsin(φ/2)). ``inf`` when φ = 0."""
    k, r = d, 1.0
    if mu is not None:
        k, r = d - 1, math.sqrt(max(0.0, 1.0 - mu * mu))
    if phi <= 0:
        return math.inf
    if k <= 0 or r == 0.0 or phi > 2 * r:
        return 1.0
    if k == 1:
        return 2.0
    theta = 2 * math.asin(min(1.0, phi / (2 * r)))
    return 1.0 / _cap_fraction(k, theta / 2)


def _validate(n: int, d: int, phi: float, mu: float | None) -> None:
    if int(n) != n or n < 1:
        raise ValueError(f"n must be a positive integer, got n={n!r}")
    if int(d) != d or d < 1:
        raise ValueError(f"d must be a positive integer, got d={d!r}")
    if not (math.isfinite(phi) and phi >= 0):
        raise ValueError(f"phi must be a finite number >= 0, got phi={phi!r}")
    if mu is not None:
        if not (0.0 < mu < 1.0):
            raise ValueError(f"mu must lie in (0, 1) (000 Assumption 4.1), got mu={mu!r}")
        if d < 2:
            raise ValueError(f"a fixed last coordinate mu needs d >= 2, got d={d!r}")


def _unit_rows(g: torch.Generator, c: int, k: int) -> torch.Tensor:
    u = torch.randn(c, k, generator=g, dtype=torch.float64)
    return u / u.norm(dim=1, keepdim=True)


def separated_sphere(
    n: int,
    d: int,
    phi: float,
    *,
    mu: float | None = None,
    all_pairs: bool = True,
    seed: int = 0,
    max_rounds: int = 200,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Draw ``n`` unit vectors in R^d with labels ±1, φ-separated.

    Parameters
    ----------
    n, d : number of points and dimension.
    phi : the separation φ. With ``all_pairs=True`` every pair satisfies ``‖x_i − x_j‖ ≥ φ``
        (003 Assumption 3.6, AZLS Assumption 2.1); with ``all_pairs=False`` only pairs with
        different labels do (000 Assumption 4.2), and same-label points are deliberately drawn
        close to each other, so the weaker assumption is really exercised.
    mu : if given, the last coordinate of every point equals μ ∈ (0, 1) (000 Assumption 4.1);
        ``mu=AZLS_MU`` gives AZLS's normalisation.
    seed : seed of the ``torch.Generator`` every draw comes from.

    Returns ``(X, y)``: ``X`` float64 of shape (n, d), ``y`` float64 of shape (n,), values ±1,
    both classes present when n ≥ 2.

    Raises ``ValueError`` for an impossible request (the spherical-cap packing bound
    :func:`max_points_bound` says n such points cannot exist) or when rejection sampling fails
    to find them within ``max_rounds`` rounds.
    """
    _validate(n, d, phi, mu)
    k = d - 1 if mu is not None else d
    r = math.sqrt(1.0 - mu * mu) if mu is not None else 1.0
    # Separation between the free parts u (unit vectors in R^k, scaled by r).
    phi_u = phi / r
    need = n if all_pairs else min(n, 2)
    if phi_u > 2.0 + 1e-15 and need > 1:
        raise ValueError(
            f"phi={phi!r} is impossible: points on a sphere of radius {r:.6g} are at most "
            f"{2 * r:.6g} apart"
        )
    bound = max_points_bound(d, phi, mu=mu)
    if need > bound:
        raise ValueError(
            f"phi={phi!r} is too large for n={n} points in d={d} dimensions"
            f"{'' if mu is None else f' with last coordinate mu={mu!r}'}: the spherical-cap "
            f"packing bound allows at most {math.floor(bound)} phi-separated points"
        )
    g = torch.Generator().manual_seed(int(seed))
    labels = torch.ones(n, dtype=torch.float64)
    labels[n // 2 :] = -1.0
    labels = labels[torch.randperm(n, generator=g)]
    U = torch.empty(n, k, dtype=torch.float64)
    got = 0
    chunk = max(64, 2 * n)
    for _ in range(max_rounds):
        if got == n:
            break
        cand = _unit_rows(g, chunk, k)
        if not all_pairs and got > 0:
            # Half the candidates are placed near an accepted point: same-label near-duplicates.
            near = torch.rand(chunk, generator=g) < 0.5
            idx = torch.randint(0, got, (chunk,), generator=g)
            jitter = 0.05 * phi_u * torch.rand(chunk, 1, generator=g, dtype=torch.float64)
            close = U[idx] + jitter * _unit_rows(g, chunk, k)
            close = close / close.norm(dim=1, keepdim=True)
            cand = torch.where(near[:, None], close, cand)
            cand_lab = torch.where(near, labels[idx], torch.zeros(chunk, dtype=torch.float64))
        else:
            cand_lab = torch.zeros(chunk, dtype=torch.float64)
        ok_prev = torch.ones(chunk, dtype=torch.bool)
        if got:
            dist_prev = torch.cdist(cand, U[:got])  # (chunk, got)
            if all_pairs:
                ok_prev = (dist_prev >= phi_u).all(dim=1)
        d_cc = torch.cdist(cand, cand)  # (chunk, chunk)
        for c in range(chunk):
            if got == n:
                break
            i = got  # the slot this candidate would fill, with label labels[i]
            if not all_pairs and cand_lab[c] != 0 and cand_lab[c] != labels[i]:
                continue
            if all_pairs:
                if not ok_prev[c]:
                    continue
            elif got:
                other = labels[:got] != labels[i]
                if other.any() and (torch.cdist(cand[c : c + 1], U[:got][other]) < phi_u).any():
                    continue
            U[i] = cand[c]
            got += 1
            if all_pairs:
                ok_prev &= d_cc[c] >= phi_u
    if got < n:
        raise ValueError(
            f"could not place n={n} points in d={d} dimensions with separation phi={phi!r} "
            f"after {max_rounds} rounds of rejection sampling; phi is too large for this n and d"
        )
    X = U * r
    if mu is not None:
        X = torch.cat([X, torch.full((n, 1), float(mu), dtype=torch.float64)], dim=1)
    return X, labels


def min_separation(X: torch.Tensor, y: torch.Tensor | None = None) -> float:
    """Smallest distance ``‖x_i − x_j‖`` over pairs i < j (003 Assumption 3.6); over pairs with
    ``y_i ≠ y_j`` when ``y`` is given (000 Assumption 4.2). ``inf`` when there is no such pair."""
    X = torch.as_tensor(X, dtype=torch.float64)
    n = X.shape[0]
    if n < 2:
        return math.inf
    D = torch.cdist(X, X)
    mask = torch.triu(torch.ones(n, n, dtype=torch.bool), diagonal=1)
    if y is not None:
        y = torch.as_tensor(y)
        mask &= y[:, None] != y[None, :]
    if not mask.any():
        return math.inf
    return float(D[mask].min())


def random_targets(n: int, d_out: int, *, scale: float = 1.0, seed: int = 0) -> torch.Tensor:
    """Regression targets ``y*_i`` for AZLS's ℓ₂ regression and Nguyen's square loss:
    i.i.d. N(0, scale²/d_out) entries, so ``E‖y*_i‖² = scale²``. float64, shape (n, d_out)."""
    g = torch.Generator().manual_seed(int(seed))
    return torch.randn(n, d_out, generator=g, dtype=torch.float64) * (scale / math.sqrt(d_out))
