"""Hypothesis strategies for the objects of the papers (style of ``hypothesis.extra.numpy``).

Every argument accepts a value or a strategy. Random objects are drawn from *seeds* (never
element by element), so examples shrink and replay. Tie shapes with ``st.shared``::

    d = st.shared(st.integers(2, 8), key="d")
    @given(data=separated_datasets(n=8, d=d, phi=0.1), net=gaussian_inits(d=d, widths=[16, 16]))
    def test_x(data, net): ...
"""
from __future__ import annotations

import math
from typing import Any

from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument

__all__ = [
    "seeds", "separated_datasets", "SeparatedDataset", "network_shapes", "spectral_perturbations",
    "losses", "gaussian_inits", "coefficient_vectors", "PERTURBATION_KINDS", "COEFFICIENT_KINDS",
]

MAX_SEED = 2**31 - 1
PERTURBATION_KINDS = ("random", "low_rank", "flip", "output")
COEFFICIENT_KINDS = ("one_hot", "sparse", "constant", "labels", "gaussian")


# ----------------------------------------------------------------------------- validation
def _as_strategy(name: str, v: Any) -> st.SearchStrategy:
    return v if isinstance(v, st.SearchStrategy) else st.just(v)


def _check_int(name: str, v: Any, lo: int = 1) -> None:
    if isinstance(v, st.SearchStrategy):
        return
    if isinstance(v, bool) or not isinstance(v, int) or v < lo:
        raise InvalidArgument(f"{name}={v!r} must be an integer >= {lo}")


def _check_float(name: str, v: Any, lo: float, hi: float, *, open_lo: bool = True, open_hi: bool = False) -> None:
    if isinstance(v, st.SearchStrategy) or v is None:
        return
    ok = isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)
    if ok:
        ok = (v > lo if open_lo else v >= lo) and (v < hi if open_hi else v <= hi)
    if not ok:
        raise InvalidArgument(f"{name}={v!r} must be in {'(' if open_lo else '['}{lo}, {hi}{')' if open_hi else ']'}")


def _check_order(lo_name: str, lo: Any, hi_name: str, hi: Any) -> None:
    if isinstance(lo, (int, float)) and isinstance(hi, (int, float)) and hi < lo:
        raise InvalidArgument(f"Cannot have {hi_name}={hi!r} < {lo_name}={lo!r}")


# ----------------------------------------------------------------------------- seeds
def seeds() -> st.SearchStrategy[int]:
    """Seeds in ``[0, 2**31 - 1]`` for a ``torch.Generator`` (every random draw of a property
    comes from one, so Hypothesis can shrink and replay it). Shrinks toward 0.

    Example: ``@given(seed=seeds())`` then ``torch.Generator().manual_seed(seed)``."""
    return st.integers(0, MAX_SEED)


# ----------------------------------------------------------------------------- data sets
class SeparatedDataset:
    """A drawn data set: ``X`` (n, d) float64 unit rows, ``y`` (n,) ±1, with ``phi``, ``mu``,
    ``seed``, ``label_aware`` and the measured ``separation``."""

    def __init__(self, X, y, phi: float, mu: float | None, seed: int, label_aware: bool):
        self.X, self.y, self.phi, self.mu, self.seed, self.label_aware = X, y, phi, mu, seed, label_aware

    @property
    def n(self) -> int:
        return int(self.X.shape[0])

    @property
    def d(self) -> int:
        return int(self.X.shape[1])

    def __repr__(self) -> str:
        return (f"SeparatedDataset(n={self.n}, d={self.d}, phi={self.phi!r}, mu={self.mu!r}, "
                f"seed={self.seed}, label_aware={self.label_aware})")


def separated_datasets(
    n: Any = st.integers(2, 32),
    d: Any = st.integers(2, 16),
    phi: Any = None,
    mu: Any = None,
    label_aware: bool = False,
    close_pairs: Any = None,
    seed: Any = None,
) -> st.SearchStrategy[SeparatedDataset]:
    """φ-separated data sets on the unit sphere (``ov.data.separated_sphere``).

    * ``n``: number of points (int ≥ 2 or strategy).
    * ``d``: input dimension (int ≥ 2 or strategy).
    * ``phi``: separation φ ∈ (0, 2] (003 Asm 3.6, AZLS Asm 2.1); default: φ ∈ [0.05, 0.5]
      shrinking toward 0.5 (to shrink a custom range toward large φ, pass
      ``st.floats(0, hi - lo).map(lambda o: hi - o)``).
    * ``mu``: last coordinate μ ∈ (0, 1) of every point (000 Asm 4.1); ``ov.data.AZLS_MU`` gives
      AZLS's form (last coordinate 1/√2). ``None``: no constraint.
    * ``label_aware``: only different-label pairs are φ-separated (000 Asm 4.2); then the
      strategy also *produces* close same-label pairs (near-duplicates at distance ≪ φ).
    * ``close_pairs``: how many near-duplicates to add in the label-aware case (default ≥ 1).
    * ``seed``: seed for the generator (default ``seeds()``).

    When drawn arguments make ``n`` exceed half the spherical-cap packing bound
    (``ov.data.max_points_bound``), ``n`` is capped there; fixed arguments that are infeasible
    raise ``InvalidArgument`` at draw time.

    Example: ``separated_datasets(n=16, d=8, phi=0.2, mu=ov.data.AZLS_MU)``.
    Shrinks toward fewer points, lower dimension, larger φ (drawn as φ_max − shrinking offset)
    and seed 0.
    """
    _check_int("n", n, 2)
    _check_int("d", d, 2)
    _check_float("phi", phi, 0.0, 2.0)
    _check_float("mu", mu, 0.0, 1.0, open_hi=True)
    if not isinstance(label_aware, bool):
        raise InvalidArgument(f"label_aware={label_aware!r} must be a bool")
    if close_pairs is not None:
        _check_int("close_pairs", close_pairs, 0)
    ns, ds, ms = _as_strategy("n", n), _as_strategy("d", d), _as_strategy("mu", mu)
    seed_s = seeds() if seed is None else _as_strategy("seed", seed)
    if phi is None:  # default: φ ∈ [0.05, 0.5], shrinking toward the larger φ = 0.5
        phis = st.floats(0.0, 0.45).map(lambda o: 0.5 - o)
    else:
        phis = _as_strategy("phi", phi)

    @st.composite
    def _ds(draw):
        from . import data as _data

        n_ = draw(ns)
        d_ = draw(ds)
        phi_ = draw(phis)
        mu_ = draw(ms)
        s = draw(seed_s)
        cap = _data.max_points_bound(d_, phi_, mu=mu_)
        if n_ > max(2.0, 0.5 * cap):
            if not any(isinstance(v, st.SearchStrategy) for v in (n, d, phi, mu)):
                raise InvalidArgument(
                    f"n={n_!r} points with phi={phi_!r} in d={d_!r} (mu={mu_!r}) exceed half the packing bound {cap:.3g}")
            n_ = max(2, int(0.5 * cap))  # drawn arguments: cap n (documented)
        X, y = _data.separated_sphere(n_, d_, phi_, mu=mu_, all_pairs=not label_aware, seed=s)
        if label_aware:
            k = draw(st.integers(1, max(1, n_ // 4))) if close_pairs is None else draw(_as_strategy("close_pairs", close_pairs))
            X, y = _label_aware_close(X, y, s, k, eps=phi_ * 0.05, mu=mu_, phi=phi_)
        return SeparatedDataset(X, y, float(phi_), mu_, s, label_aware)

    return _ds()


def _label_aware_close(X, y, seed: int, k: int, eps: float, mu: float | None, phi: float):
    """Make ``k`` points near-duplicates (distance ≤ eps) of a same-label neighbour, keeping unit
    norm and the last coordinate μ. A copy is kept only if it stays ≥ φ from every point of the
    other label (checked), so 000 Assumption 4.2 holds exactly."""
    import torch

    n, d = X.shape
    g = torch.Generator().manual_seed(seed ^ 0x5EED)
    X, y = X.clone(), y.clone()
    for _ in range(k):
        i, j = torch.randint(0, n, (2,), generator=g).tolist()
        if i == j:
            continue
        noise = torch.randn(d, generator=g, dtype=X.dtype)
        if mu is not None:
            noise[-1] = 0.0
            base = X[j, :-1] + eps * noise[:-1] / noise[:-1].norm().clamp_min(1e-300)
            z = torch.cat([base / base.norm() * math.sqrt(1 - mu * mu), X.new_tensor([mu])])
        else:
            z = X[j] + eps * noise / noise.norm()
            z = z / z.norm()
        # x_i becomes z with label y_j: keep z at distance ≥ φ from every other-label point
        other = y != y[j]
        other[i] = False
        if other.any() and bool((torch.cdist(z[None], X[other]) < phi).any()):
            continue
        X[i], y[i] = z, y[j]
    return X, y


# ----------------------------------------------------------------------------- shapes
def network_shapes(
    min_depth: Any = 1,
    max_depth: Any = 4,
    min_width: Any = 8,
    max_width: Any = 64,
    kind: str = "zczg",
    wide_factor: Any = 4,
) -> st.SearchStrategy[list[int]]:
    """Widths ``[m_1, …, m_L]``.

    * ``min_depth``/``max_depth``: range of L (ints ≥ 1 or strategies).
    * ``min_width``/``max_width``: range of each m_l.
    * ``kind``: ``"zczg"`` — M = max m_l ≤ 2 min m_l (003 Asm 3.7) and an even last width (the
      balanced ±1 output v); ``"nguyen"`` — NG Section 3 pyramid shapes with one wide layer
      (width ≥ ``wide_factor`` × the others), last width 1 (scalar output).

    Example: ``network_shapes(min_depth=2, max_depth=3, min_width=16, max_width=32)``.
    Shrinks toward shallower, narrower networks.
    """
    for nm, v in (("min_depth", min_depth), ("max_depth", max_depth)):
        _check_int(nm, v, 1)
    for nm, v in (("min_width", min_width), ("max_width", max_width)):
        _check_int(nm, v, 2)
    _check_order("min_depth", min_depth, "max_depth", max_depth)
    _check_order("min_width", min_width, "max_width", max_width)
    if kind not in ("zczg", "nguyen"):
        raise InvalidArgument(f"kind={kind!r} must be one of ('zczg', 'nguyen')")
    if kind == "zczg" and isinstance(min_width, int) and isinstance(max_width, int) and max_width == min_width and min_width % 2:
        raise InvalidArgument(f"min_width=max_width={min_width!r} leaves no even last width")

    @st.composite
    def _shapes(draw):
        L = draw(st.integers(draw(_as_strategy("min_depth", min_depth)), draw(_as_strategy("max_depth", max_depth))))
        lo = draw(_as_strategy("min_width", min_width))
        hi = draw(_as_strategy("max_width", max_width))
        if kind == "nguyen":
            wf = draw(_as_strategy("wide_factor", wide_factor))
            base = draw(st.integers(lo, hi))
            k = draw(st.integers(0, L - 1))
            return [base * wf if i == k else base for i in range(L)] + [1]
        m = draw(st.integers(lo, hi))  # the smallest width
        top = min(hi, 2 * m)
        widths = [draw(st.integers(m, top)) for _ in range(L)]
        widths[draw(st.integers(0, L - 1))] = m
        if widths[-1] % 2:
            widths[-1] += -1 if widths[-1] - 1 >= max(lo, (max(widths) + 1) // 2) else 1
        if widths[-1] % 2 or max(widths) > 2 * min(widths):
            widths = [2 * ((m + 1) // 2)] * L
        return widths

    return _shapes()


# ----------------------------------------------------------------------------- networks
def gaussian_inits(d: Any = st.integers(2, 8), widths: Any = None, seed: Any = None, kind: str = "zczg", **kw) -> st.SearchStrategy:
    """A network drawn by seed.

    * ``d``: input dimension. ``widths``: list or strategy (default ``network_shapes(max_width=32)``).
    * ``seed``: default ``seeds()``.
    * ``kind``: ``"zczg"`` (He init, ``DeepReLUNet.gaussian_init``, 003 §3.3), ``"azls"``
      (``AZLSNet.gaussian_init(d, m=widths[0], depth=len(widths))``), ``"nguyen"``
      (``NguyenNet.lecun_init``, NG Section 3).

    Shrinks toward seed 0 and the shape strategy's shrinking.
    """
    _check_int("d", d, 1)
    if kind not in ("zczg", "azls", "nguyen"):
        raise InvalidArgument(f"kind={kind!r} must be one of ('zczg', 'azls', 'nguyen')")
    if widths is None:
        widths = network_shapes(max_width=32, kind="nguyen" if kind == "nguyen" else "zczg")
    elif not isinstance(widths, st.SearchStrategy):
        if not widths or any((not isinstance(w, int)) or w < 1 for w in widths):
            raise InvalidArgument(f"widths={widths!r} must be a non-empty list of positive ints")
        if kind == "zczg" and widths[-1] % 2:
            raise InvalidArgument(f"widths={widths!r} must have an even last width")
    seed_s = seeds() if seed is None else _as_strategy("seed", seed)

    @st.composite
    def _net(draw):
        from .network import AZLSNet, DeepReLUNet, NguyenNet

        d_ = draw(_as_strategy("d", d))
        w = list(draw(_as_strategy("widths", widths)))
        s = draw(seed_s)
        if kind == "zczg":
            return DeepReLUNet.gaussian_init(d_, w, seed=s, **kw)
        if kind == "azls":
            return AZLSNet.gaussian_init(d_, w[0], len(w), seed=s, **kw)
        return NguyenNet.lecun_init(d_, w, seed=s, **kw)

    return _net()


# ----------------------------------------------------------------------------- perturbations
def _exact_norm(D) -> float:
    import torch

    return float(torch.linalg.matrix_norm(D, ord=2))


def _clip(D, tau: float):
    """Rescale so that the exact ‖D‖₂ ≤ τ (rounding may overshoot by an ulp)."""
    for _ in range(5):
        s = _exact_norm(D)
        if s <= tau:
            return D
        D = D * (tau / s) * (1 - 1e-12)
    return D * 0.0


def spectral_perturbations(weights: Any, tau: Any, kind: Any = "random", X: Any = None, net: Any = None,
                           layer: Any = None, rank: Any = 1, seed: Any = None) -> st.SearchStrategy[list]:
    """Lists ``[Δ_1, …, Δ_L]`` with ‖Δ_l‖₂ ≤ τ verified by an exact SVD (003 Theorem 5.3's
    perturbation region ‖W̃_l − W_l‖₂ ≤ τ; AZLS Step 2).

    * ``weights``: list of W_l (shapes of the Δ_l), or a strategy.
    * ``tau``: radius τ ≥ 0 (float or strategy).
    * ``kind``: ``"random"`` (Gaussian direction, norm u·τ with u ∈ (0, 1] drawn, or τ);
      ``"low_rank"`` (rank-``rank`` Gaussian); ``"flip"`` (adversarial: rank-1 Δ_l = τ x̂ sᵀ with
      x̂ = x_{l-1,i}/‖x_{l-1,i}‖, s = −sign on the k smallest |preacts| of input i, k and i
      chosen to flip the most; needs ``X`` and ``net``); ``"output"`` (adversarial: τ × top singular
      direction of each ∇_{W_l} f summed over X, with the sign that increases the output;
      needs ``X`` and ``net``).
    * ``layer``: for ``"flip"``, the layer (1-based) to perturb (default: every layer, each
      with its own best input).
    * ``seed``: default ``seeds()``.

    Shrinks toward norm exactly τ (u = 1; a drawn flag enables u < 1), seed 0, and the first
    kind of a kind strategy (pass ``st.sampled_from(PERTURBATION_KINDS)`` to start at "random").
    """
    if not isinstance(tau, st.SearchStrategy):
        _check_float("tau", tau, 0.0, math.inf, open_lo=False)
    kinds = kind if isinstance(kind, st.SearchStrategy) else st.just(kind)
    if not isinstance(kind, st.SearchStrategy) and kind not in PERTURBATION_KINDS:
        raise InvalidArgument(f"kind={kind!r} must be one of {PERTURBATION_KINDS}")
    if not isinstance(kind, st.SearchStrategy) and kind in ("flip", "output") and (X is None or net is None):
        raise InvalidArgument(f"kind={kind!r} needs X= and net=")
    _check_int("rank", rank, 1)
    seed_s = seeds() if seed is None else _as_strategy("seed", seed)

    @st.composite
    def _pert(draw):
        import torch

        W = list(draw(_as_strategy("weights", weights)))
        t = float(draw(_as_strategy("tau", tau)))
        k = draw(kinds)
        s = draw(seed_s)
        g = torch.Generator().manual_seed(s)
        out = []
        if k in ("random", "low_rank"):
            full = draw(st.booleans())
            for Wl in W:
                u = 1.0 if not full else draw(st.floats(0.0, 1.0, exclude_min=True))
                if k == "random":
                    D = torch.randn(Wl.shape, generator=g, dtype=Wl.dtype)
                else:
                    r = min(draw(_as_strategy("rank", rank)), *Wl.shape)
                    D = torch.randn(Wl.shape[0], r, generator=g, dtype=Wl.dtype) @ torch.randn(r, Wl.shape[1], generator=g, dtype=Wl.dtype)
                D = D * (u * t / max(_exact_norm(D), 1e-300))
                out.append(_clip(D, t))
            return out
        Xv = draw(_as_strategy("X", X))
        nt = draw(_as_strategy("net", net))
        if k == "flip":
            fwd = nt.forward_trace(Xv)
            L = len(W)
            layers = range(1, L + 1) if layer is None else [draw(_as_strategy("layer", layer))]
            for l in layers:
                if not 1 <= l <= L:
                    raise InvalidArgument(f"layer={l!r} must be in [1, {L}]")
            out = [torch.zeros_like(Wl) for Wl in W]
            for l in layers:
                out[l - 1] = _clip(_flip_direction(Xv if l == 1 else fwd.outputs[l - 2], fwd.preacts[l - 1], t), t)
            return out
        # output: gradient of the summed output, top singular direction per layer
        grads = _output_grads(nt, Xv)
        for G in grads:
            # first-order change of Σ_i f(x_i) is ⟨G_l, Δ_l⟩ ≤ τ‖G_l‖_* ; for a rank-1 Δ of norm τ
            # the maximizer is τ u₁v₁ᵀ (top singular pair of G_l), sign making it an increase
            U, _, Vh = torch.linalg.svd(G, full_matrices=False)
            D = t * torch.outer(U[:, 0], Vh[0])  # (m_{l-1}, m_l)
            out.append(_clip(D, t))
        return out

    return _pert()


def _flip_direction(xprev, z, tau: float):
    """Rank-1 Δ = τ x̂_{i} sᵀ flipping the most pre-activations of one input i (the best one).

    Moving z_{i,j} by τ‖x_i‖ s_j with s = −sign(z_{i,·}) on the k smallest |z_{i,j}|, normalized
    (s_j = ∓1/√k), flips all k of them iff the k-th smallest |z_{i,j}| < τ‖x_i‖/√k; the largest
    such k is chosen for every input, and the input with the most flips wins."""
    import torch

    r = tau * xprev.norm(dim=1)  # (n,)
    a, idx = torch.sort(z.abs(), dim=1)  # (n, m_l)
    ks = torch.arange(1, z.shape[1] + 1, dtype=z.dtype)
    ok = a < r[:, None] / ks.sqrt()[None, :]  # (n, m_l)
    kbest = torch.where(ok, ks[None, :], torch.zeros_like(ok, dtype=z.dtype)).max(dim=1).values
    i = int(torch.argmax(kbest))
    k = max(1, int(kbest[i]))
    sv = torch.zeros_like(z[i])
    sel = idx[i, :k]
    sv[sel] = -torch.where(z[i, sel] >= 0, 1.0, -1.0).to(z.dtype)
    sv = sv / sv.norm()
    xh = xprev[i] / xprev[i].norm().clamp_min(1e-300)
    return tau * torch.outer(xh, sv)  # (m_{l-1}, m_l)


def _output_grads(net, X):
    """∇_{W_l} Σ_i f(x_i) (autograd), shapes of ``net.weights``."""
    import torch

    Ws = [W.detach().clone().requires_grad_(True) for W in net.weights]
    f = net.with_trainable(Ws).forward(X).sum()
    return list(torch.autograd.grad(f, Ws))


# ----------------------------------------------------------------------------- losses & coefficients
def losses(classification_only: bool = False) -> st.SearchStrategy:
    """``Loss`` objects of ``ov.LOSSES`` (003 Assumptions 3.1–3.4 with their constants α₀, α₁,
    p, x₀, ρ, λ). ``classification_only`` drops the square loss. Shrinks toward the first
    registered loss."""
    if not isinstance(classification_only, bool):
        raise InvalidArgument(f"classification_only={classification_only!r} must be a bool")
    from .losses import LOSSES

    names = sorted(k for k, v in LOSSES.items() if v.classification or not classification_only)
    return st.sampled_from([LOSSES[k] for k in names])


def coefficient_vectors(n: Any, y: Any = None, kind: Any = None, seed: Any = None) -> st.SearchStrategy:
    """float64 vectors a ∈ Rⁿ, a ≠ 0, as quantified over in ZCZG Lemma A.10 ("for every a").

    * ``n``: length (int ≥ 1 or strategy).
    * ``y``: labels; enables the ``"labels"`` kind a = ±y (aligned sign pattern).
    * ``kind``: one of ``COEFFICIENT_KINDS`` (default: drawn) — ``one_hot``, ``sparse``,
      ``constant``, ``labels`` (or a random ±1 pattern without y), ``gaussian``.

    Shrinks toward one-hot vectors at index 0.
    """
    _check_int("n", n, 1)
    if kind is not None and not isinstance(kind, st.SearchStrategy) and kind not in COEFFICIENT_KINDS:
        raise InvalidArgument(f"kind={kind!r} must be one of {COEFFICIENT_KINDS}")
    kinds = st.sampled_from(COEFFICIENT_KINDS) if kind is None else _as_strategy("kind", kind)
    seed_s = seeds() if seed is None else _as_strategy("seed", seed)

    @st.composite
    def _a(draw):
        import torch

        n_ = draw(_as_strategy("n", n))
        k = draw(kinds)
        a = torch.zeros(n_, dtype=torch.float64)
        # drawn for every kind, so that shrinking (shortlex on choices) ends at one-hot e_0
        i, sign = draw(st.integers(0, n_ - 1)), draw(st.sampled_from([1.0, -1.0]))
        if k == "one_hot":
            a[i] = sign
            return a
        if k == "constant":
            return a + sign
        g = torch.Generator().manual_seed(draw(seed_s))
        if k == "sparse":
            s = draw(st.integers(1, n_))
            idx = torch.randperm(n_, generator=g)[:s]
            a[idx] = torch.randn(s, generator=g, dtype=torch.float64)
            return a
        if k == "labels":
            yy = draw(_as_strategy("y", y)) if y is not None else torch.where(torch.rand(n_, generator=g) < 0.5, -1.0, 1.0)
            return sign * torch.as_tensor(yy, dtype=torch.float64).clone()
        return torch.randn(n_, generator=g, dtype=torch.float64)

    return _a()
