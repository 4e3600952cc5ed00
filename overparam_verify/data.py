"""Data sets in the papers' assumptions.

* ZCZG (Zou, Cao, Zhou, Gu; seeds 000/003): ``‖x_i‖₂ = 1`` and ``(x_i)_d = μ`` (000 Assumption
  4.1); ``y_i ≠ y_j ⇒ ‖x_i − x_j‖ ≥ φ`` (000 Assumption 4.2, label-aware) or
  ``‖x_i − x_j‖ ≥ φ`` for all ``i ≠ j`` (003 Assumption 3.6).
* AZLS (Allen-Zhu, Li, Song; seed 002): ``‖x_i‖ = 1`` with last coordinate ``1/√2`` and
  ``‖x_i − x_j‖ ≥ δ`` (Assumption 2.1) -- ``separated_sphere(..., mu=AZLS_MU)``.

Everything here is float64 torch (no numpy, no scipy: the strategies that use it need neither),
drawn from a seeded ``torch.Generator``.
"""
from __future__ import annotations

import math
import threading
from contextlib import contextmanager
from typing import Iterator

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


def _betacf(a: float, b: float, x: float) -> float:
    """Continued fraction of the incomplete beta function (modified Lentz; Press et al.,
    *Numerical Recipes* §6.4), converging for x < (a + 1)/(a + b + 2)."""
    tiny, eps = 1e-300, 1e-16
    qab, qap, qam = a + b, a + 1.0, a - 1.0
    c, d = 1.0, 1.0 - qab * x / qap
    d = 1.0 / (d if abs(d) > tiny else tiny)
    h = d
    for m in range(1, 100_000):
        m2 = 2 * m
        for aa in (m * (b - m) * x / ((qam + m2) * (a + m2)), -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))):
            d = 1.0 + aa * d
            d = 1.0 / (d if abs(d) > tiny else tiny)
            c = 1.0 + aa / c
            c = c if abs(c) > tiny else tiny
            h *= d * c
        if abs(d * c - 1.0) < eps:
            return h
    raise ArithmeticError(f"incomplete beta continued fraction did not converge (a={a}, b={b}, x={x})")


def _betainc(a: float, b: float, x: float) -> float:
    """Regularized incomplete beta function I_x(a, b) for a, b > 0, x ∈ [0, 1], in pure Python
    (agrees with ``scipy.special.betainc`` to 1e-12 relative for a ≤ 1000, i.e. d ≤ 2000, and
    to 2e-11 at a = 5000: lgamma's cancellation; tests/test_data.py), so that the
    strategies need neither scipy nor numpy."""
    if x <= 0.0:
        return 0.0
    if x >= 1.0:
        return 1.0
    log_front = (math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b)
                 + a * math.log(x) + b * math.log1p(-x))
    if x < (a + 1.0) / (a + b + 2.0):
        return math.exp(log_front) * _betacf(a, b, x) / a
    return 1.0 - math.exp(log_front) * _betacf(b, a, 1.0 - x) / b


def _cap_fraction(k: int, angle: float) -> float:
    """Fraction of the unit sphere S^{k-1} ⊂ R^k within geodesic ``angle`` of a point:
    ½ I_{sin²θ}((k − 1)/2, ½) for θ ≤ π/2 (the cap-area formula)."""
    if angle >= math.pi:
        return 1.0
    if k == 1:
        return 0.5  # S^0 = {±1}: a cap holds one of the two points
    if angle <= math.pi / 2:
        return 0.5 * _betainc((k - 1) / 2, 0.5, math.sin(angle) ** 2)
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
    frac = _cap_fraction(k, theta / 2)
    return 1.0 / frac if frac > 0 else math.inf  # a tiny φ underflows the cap fraction


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


_THREADS_LOCK = threading.Lock()


@contextmanager
def _one_thread() -> Iterator[None]:
    """Run tiny-tensor work on one intra-op thread, then restore the setting.

    The distance matrices here are small (≤ 96 × n); splitting them over threads only adds the
    cost of waking the workers, which on a busy machine is a scheduler tick (4-8 ms) per
    operation and made a 1 ms draw take 100+ ms. The lock keeps concurrent callers from
    restoring each other's setting; one thread also makes the bits independent of the
    machine's thread count.
    """
    with _THREADS_LOCK:
        prev = torch.get_num_threads()
        if prev != 1:
            torch.set_num_threads(1)
        try:
            yield
        finally:
            if prev != 1:
                torch.set_num_threads(prev)


def _unit_rows(g: torch.Generator, c: int, k: int) -> torch.Tensor:
    u = torch.randn(c, k, generator=g, dtype=torch.float64)  # (c, k)
    return u / u.norm(dim=1, keepdim=True)


#: Candidates per acceptance block of :func:`separated_sphere`: keeps the distance matrices
#: (block × accepted, block × block) small.
_BLOCK = 96


def _greedy_accept(C: torch.Tensor) -> torch.Tensor:
    """Sequential greedy selection, vectorised: candidate c is accepted iff no *accepted*
    earlier candidate j < c conflicts with it. ``C`` (s, s) bool has ``C[c, j]`` true iff c and
    j conflict and j < c (strictly lower triangular). Fixed-point iteration: a candidate whose
    earlier conflicts are all rejected is accepted, one conflicting with an accepted candidate is
    rejected; every sweep decides at least the first undecided candidate, so it ends after at
    most s sweeps (usually two or three) and gives exactly the sequential greedy result."""
    s = C.shape[0]
    acc = torch.zeros(s, dtype=torch.bool)
    rej = torch.zeros(s, dtype=torch.bool)
    if not bool(C.any()):
        return ~acc
    while True:
        rej = rej | (C & acc[None, :]).any(dim=1)
        acc = acc | (~rej & ~(C & ~rej[None, :]).any(dim=1))
        if bool((acc | rej).all()):
            return acc


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
        different labels do (000 Assumption 4.2), and about half the points are drawn as
        near-copies (within 0.05 φ) of other points of the same label, so the weaker assumption
        is really exercised (the first two points are an antipodal pair with opposite labels,
        so that neither label can crowd the other out).
    mu : if given, the last coordinate of every point equals μ ∈ (0, 1) (000 Assumption 4.1);
        ``mu=AZLS_MU`` gives AZLS's normalisation. The free coordinates are scaled by
        ``√(1 − μ²)`` so that ``‖x_i‖ = 1``.
    seed : seed of the ``torch.Generator`` every draw comes from (same seed, same bits).
    max_rounds : rounds of batched rejection sampling before giving up with ``ValueError``.

    Returns ``(X, y)``: ``X`` float64 of shape (n, d), ``y`` float64 of shape (n,), values ±1,
    both classes present when n ≥ 2.

    Raises ``ValueError`` for an impossible request (the spherical-cap packing bound
    :func:`max_points_bound` says n such points cannot exist) or when rejection sampling fails
    to find them within ``max_rounds`` rounds.

    Algorithm: each round draws a batch of candidates, tests them against the accepted points
    with one Gram-matrix product (``‖u − w‖² = ‖u‖² + ‖w‖² − 2u·w``), and accepts the survivors
    greedily in batch order (:func:`_greedy_accept`). Distances are tested with a small safety
    margin (relative 1e-9 and absolute 1e-14 on the squared distance), so that the returned
    points satisfy the separation when re-measured by :func:`min_separation`.
    """
    _validate(n, d, phi, mu)
    if isinstance(max_rounds, bool) or int(max_rounds) != max_rounds or max_rounds < 1:
        raise ValueError(f"max_rounds must be a positive integer, got max_rounds={max_rounds!r}")
    n = int(n)
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
    with _one_thread():
        return _draw(n, d, k, r, phi, phi_u, bound, mu, all_pairs, int(seed), int(max_rounds))


def _draw(
    n: int, d: int, k: int, r: float, phi: float, phi_u: float, bound: float,
    mu: float | None, all_pairs: bool, seed: int, max_rounds: int,
) -> tuple[torch.Tensor, torch.Tensor]:
    """The sampler behind :func:`separated_sphere` (arguments validated there): free parts u
    are unit vectors in R^k (k = d, or d − 1 with a fixed last coordinate), separated by
    φ_u = φ / r, then scaled by r = √(1 − μ²)."""
    g = torch.Generator().manual_seed(int(seed))
    labels = torch.ones(n, dtype=torch.float64)
    labels[n // 2 :] = -1.0
    labels = labels[torch.randperm(n, generator=g)]
    # Squared-distance threshold with a safety margin (conflict iff ‖u − w‖² < thr).
    thr = phi_u * phi_u * (1.0 + 1e-9) + 1e-14 if phi > 0 else -1.0
    quota = {1.0: int((labels == 1).sum()), -1.0: int((labels == -1).sum())}
    U = torch.empty(0, k, dtype=torch.float64)  # accepted free parts, in acceptance order
    lab = torch.empty(0, dtype=torch.float64)  # their labels (label-aware mode)
    chunk = max(64, 2 * n)  # even: the fresh and near halves interleave
    for _ in range(max_rounds):
        got = U.shape[0]
        if got == n:
            break
        if all_pairs:
            cand = _unit_rows(g, chunk, k)  # (chunk, k)
            cl = torch.zeros(chunk, dtype=torch.float64)
        else:
            # Half fresh points with alternating labels (so that neither label covers the sphere
            # first), half near-copies (same label, within 0.05 φ) of a fresh or an accepted
            # point: same-label points are deliberately close (000 Assumption 4.2). One in four
            # near-copies is of the antipode -u with the other label instead, which makes
            # large φ (up to 2) reachable.
            h = chunk // 2
            fresh = _unit_rows(g, h, k)  # (h, k)
            fl = torch.ones(h, dtype=torch.float64)
            fl[1::2] = -1.0
            pool = torch.cat([U, fresh])  # (got + h, k)
            pool_l = torch.cat([lab, fl])
            c2 = chunk - h
            idx = torch.randint(0, pool.shape[0], (c2,), generator=g)
            anti = torch.rand(c2, generator=g) < 0.25
            sgn = torch.where(anti, -1.0, 1.0).to(torch.float64)
            jitter = 0.05 * phi_u * torch.rand(c2, 1, generator=g, dtype=torch.float64)
            close = sgn[:, None] * pool[idx] + jitter * _unit_rows(g, c2, k)
            close = close / close.norm(dim=1, keepdim=True)
            # Interleave (fresh, near, fresh, near, ...) so both kinds get accepted.
            cand = torch.stack([fresh, close], dim=1).reshape(chunk, k)
            cl = torch.stack([fl, sgn * pool_l[idx]], dim=1).reshape(chunk)
            if got == 0:
                # Anchor pair (a, −a) first: both labels get a point before either can cover
                # the sphere (for any φ < 2); the later points grow around them.
                cand = torch.cat([fresh[:1], -fresh[:1], cand])
                cl = torch.cat([torch.tensor([1.0, -1.0], dtype=torch.float64), cl])
        # Accept greedily in candidate order, in blocks: each block is tested against every
        # point accepted so far (including earlier blocks) and within itself, which gives
        # exactly the sequential greedy result while keeping every tensor small, and stops
        # drawing distances as soon as n points are in.
        for b0 in range(0, cand.shape[0], _BLOCK):
            got = U.shape[0]
            if got == n:
                break
            cb, lb = cand[b0 : b0 + _BLOCK], cl[b0 : b0 + _BLOCK]
            if not all_pairs:
                # Candidates of a label whose quota is full are useless: drop them first.
                left_p = quota[1.0] - int((lab == 1).sum())
                left_m = quota[-1.0] - int((lab == -1).sum())
                keep = ((lb == 1) & (left_p > 0)) | ((lb == -1) & (left_m > 0))
                cb, lb = cb[keep], lb[keep]
            if thr > 0:
                sq = (cb * cb).sum(dim=1)  # (c,)
                if got:
                    sqU = (U * U).sum(dim=1)  # (got,)
                    d2 = sq[:, None] + sqU[None, :] - 2.0 * (cb @ U.T)  # (c, got)
                    bad = d2 < thr
                    if not all_pairs:
                        bad &= lb[:, None] != lab[None, :]
                    ok = ~bad.any(dim=1)
                    cb, lb, sq = cb[ok], lb[ok], sq[ok]
                d2c = sq[:, None] + sq[None, :] - 2.0 * (cb @ cb.T)  # (c, c)
                C = (d2c < thr).tril(diagonal=-1)
                if not all_pairs:
                    C &= lb[:, None] != lb[None, :]
                acc = _greedy_accept(C)
                cb, lb = cb[acc], lb[acc]
            if all_pairs:
                cb, lb = cb[: n - got], lb[: n - got]
            else:
                take_p = torch.nonzero(lb == 1).flatten()[:left_p]
                take_m = torch.nonzero(lb == -1).flatten()[:left_m]
                sel = torch.sort(torch.cat([take_p, take_m])).values
                cb, lb = cb[sel], lb[sel]
            U = torch.cat([U, cb])
            lab = torch.cat([lab, lb])
    if U.shape[0] < n:
        raise ValueError(
            f"could not place n={n} points in d={d} dimensions with separation phi={phi!r} "
            f"after max_rounds={max_rounds} rounds of rejection sampling; phi is too large "
            f"for this n and d to be reached by random sampling (the packing bound alone "
            f"would allow {math.floor(bound) if math.isfinite(bound) else 'any number of'} points)"
        )
    if not all_pairs:
        # Put the accepted points of each label on the slots that carry that label.
        V = torch.empty(n, k, dtype=torch.float64)
        V[labels == 1] = U[lab == 1]
        V[labels == -1] = U[lab == -1]
        U = V
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
