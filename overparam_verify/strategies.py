"""Hypothesis strategies for the objects of the papers (style of ``hypothesis.extra.numpy``).

Every argument accepts a value or a strategy; options are keyword-only. A fixed value is
checked when the strategy is built, a drawn one when it is drawn: either way a bad value raises
``InvalidArgument`` naming the argument and the value (``"Cannot have max_width=8 <
min_width=16"``, ``"tau=-0.5 (drawn) must be a finite number >= 0"``). No strategy changes a
requested size: an infeasible combination of fixed arguments raises ``InvalidArgument``, one of
drawn arguments is rejected (like a filter; Hypothesis's ``filter_too_much`` health check then
reports a strategy that rejects nearly everything).

Random objects are drawn from *seeds* (never element by element), so examples shrink and replay.
Everything drawn is float64 on the CPU (move it with ``.to(device, dtype)``). Tie shapes with
``st.shared``::

    d = st.shared(st.integers(2, 8), key="d")
    @given(data=separated_datasets(n=8, d=d, phi=0.1), net=gaussian_inits(d=d, widths=[16, 16]))
    def test_x(data, net): ...

and give drawn objects to ``spectral_perturbations`` by sharing and mapping them::

    ds = st.shared(separated_datasets(n=8, d=4, phi=0.2), key="ds")
    net = st.shared(gaussian_inits(d=4, widths=[16, 16]), key="net")
    @given(ds=ds, net=net, deltas=spectral_perturbations(
        net.map(lambda n: n.weights), 0.1, kind="flip", X=ds.map(lambda d: d.X), net=net))
    def test_y(ds, net, deltas): ...
"""
from __future__ import annotations

import functools
import math
from typing import Any, Callable

from hypothesis import reject
from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument

__all__ = [
    "seeds", "separated_datasets", "SeparatedDataset", "network_shapes", "spectral_perturbations",
    "losses", "gaussian_inits", "coefficient_vectors", "PERTURBATION_KINDS", "COEFFICIENT_KINDS",
    "NETWORK_KINDS", "SHAPE_KINDS",
]

MAX_SEED = 2**31 - 1  # what seeds() draws; any seed in [0, 2**63 - 1] is accepted
_SEED_LIMIT = 2**63 - 1
PERTURBATION_KINDS = ("random", "low_rank", "flip", "output")
COEFFICIENT_KINDS = ("one_hot", "sparse", "constant", "labels", "gaussian")
SHAPE_KINDS = ("zczg", "nguyen")
NETWORK_KINDS = ("zczg", "azls", "nguyen")
#: relative margin under τ of every drawn perturbation: far above the rounding error of the
#: norm computations (≤ n·ε·‖G‖_F²/‖G‖₂² ≈ 1e-11 at 512 × 512), so ‖Δ_l‖₂ ≤ τ holds exactly
_MARGIN = 1e-9


# ----------------------------------------------------------------------------- validation
def _is_strategy(v: Any) -> bool:
    return isinstance(v, st.SearchStrategy)


def _where(drawn: bool) -> str:
    return " (drawn)" if drawn else ""


def _check_integer(name: str, v: Any, lo: int | None = None, hi: int | None = None, *, drawn: bool = False) -> int:
    """``v`` as an int in [lo, hi], else ``InvalidArgument`` naming ``name`` and ``v``."""
    if isinstance(v, bool) or not isinstance(v, int):
        try:  # numpy / torch integer scalars
            import operator

            v = operator.index(v)
        except TypeError:
            raise InvalidArgument(f"{name}={v!r}{_where(drawn)} must be an integer") from None
    if (lo is not None and v < lo) or (hi is not None and v > hi):
        rng = f">= {lo}" if hi is None else (f"<= {hi}" if lo is None else f"in [{lo}, {hi}]")
        raise InvalidArgument(f"{name}={v!r}{_where(drawn)} must be an integer {rng}")
    return int(v)


def _check_number(name: str, v: Any, lo: float, hi: float, *, open_lo: bool = False, open_hi: bool = False,
                  drawn: bool = False) -> float:
    """``v`` as a finite float in the interval, else ``InvalidArgument``."""
    ok = isinstance(v, (int, float)) and not isinstance(v, bool)
    if not ok:
        try:
            v = float(v)  # numpy / torch scalars
            ok = True
        except (TypeError, ValueError):
            ok = False
    if ok:
        v = float(v)
        ok = math.isfinite(v) and (v > lo if open_lo else v >= lo) and (v < hi if open_hi else v <= hi)
    if not ok:
        if hi == math.inf:
            rng = f"{'>' if open_lo else '>='} {lo:g}"
        else:
            rng = f"in {'(' if open_lo else '['}{lo:g}, {hi:g}{')' if open_hi else ']'}"
        raise InvalidArgument(f"{name}={v!r}{_where(drawn)} must be a finite number {rng}")
    return v


def _check_bool(name: str, v: Any, *, drawn: bool = False) -> bool:
    if not isinstance(v, bool):
        raise InvalidArgument(f"{name}={v!r}{_where(drawn)} must be a bool")
    return v


def _check_choice(name: str, v: Any, choices: tuple, *, drawn: bool = False) -> Any:
    if not isinstance(v, str) or v not in choices:
        raise InvalidArgument(f"{name}={v!r}{_where(drawn)} must be one of {choices}")
    return v


def _check_order(lo_name: str, lo: Any, hi_name: str, hi: Any, *, drawn: bool = False) -> None:
    if hi < lo:
        raise InvalidArgument(f"Cannot have {hi_name}={hi!r} < {lo_name}={lo!r}{_where(drawn)}")


def _arg(name: str, v: Any, check: Callable[..., Any]) -> st.SearchStrategy:
    """A strategy for argument ``name``: a fixed value is checked now (``check(v)``), a strategy's
    draws when they are drawn (``check(v, drawn=True)``)."""
    if _is_strategy(v):
        return v.map(lambda x: check(x, drawn=True))
    return st.just(check(v))


def _seed_arg(seed: Any) -> st.SearchStrategy:
    if seed is None:
        return seeds()
    return _arg("seed", seed, lambda v, drawn=False: _check_integer("seed", v, 0, _SEED_LIMIT, drawn=drawn))


# ----------------------------------------------------------------------------- seeds
def seeds() -> st.SearchStrategy[int]:
    """Seeds in ``[0, 2**31 - 1]`` for a ``torch.Generator`` (every random draw of a property
    comes from one, so Hypothesis can shrink and replay it). Shrinks toward 0.

    Example: ``@given(seed=seeds())`` then ``torch.Generator().manual_seed(seed)``."""
    return st.integers(0, MAX_SEED)


# ----------------------------------------------------------------------------- data sets
class SeparatedDataset:
    """A drawn data set: ``X`` (n, d) float64 unit rows on the CPU, ``y`` (n,) ±1, with the
    requested ``phi`` and ``mu``, the ``seed`` it was drawn from, ``label_aware`` and, when
    label-aware, ``close_pairs``: the (i, j) pairs made near-duplicates (x_i within 0.05 φ of
    x_j up to the renormalization's factor 1 + O(φ²), same label), shown in the repr so a failing example says what it contains.

    The measured separation is ``ov.data.min_separation(ds.X)`` (all pairs) or
    ``min_separation(ds.X, ds.y)`` (label-aware). ``to_numpy()`` gives numpy copies of
    ``(X, y)``; ``np.asarray(ds)`` gives ``X``."""

    def __init__(self, X, y, phi: float, mu: float | None, seed: int, label_aware: bool,
                 close_pairs: tuple[tuple[int, int], ...] = ()):
        self.X, self.y, self.phi, self.mu, self.seed, self.label_aware = X, y, phi, mu, seed, label_aware
        self.close_pairs = tuple(close_pairs)

    @property
    def n(self) -> int:
        return int(self.X.shape[0])

    @property
    def d(self) -> int:
        return int(self.X.shape[1])

    def to_numpy(self):
        """``(X, y)`` as numpy float64 arrays (copies; shapes (n, d) and (n,))."""
        return self.X.detach().cpu().numpy().copy(), self.y.detach().cpu().numpy().copy()

    def __array__(self, dtype=None, copy=None):
        """``np.asarray(ds)``: the (n, d) inputs ``X``."""
        a = self.X.detach().cpu().numpy()
        return a.astype(dtype) if dtype is not None else a.copy()

    def __repr__(self) -> str:
        extra = f", close_pairs={list(self.close_pairs)!r}" if self.label_aware else ""
        return (f"SeparatedDataset(n={self.n}, d={self.d}, phi={self.phi!r}, mu={self.mu!r}, "
                f"seed={self.seed}, label_aware={self.label_aware}{extra})")


def separated_datasets(
    *,
    n: Any = st.integers(2, 32),
    d: Any = st.integers(2, 16),
    phi: Any = None,
    mu: Any = None,
    label_aware: Any = False,
    close_pairs: Any = None,
    seed: Any = None,
) -> st.SearchStrategy[SeparatedDataset]:
    """φ-separated data sets on the unit sphere (``ov.data.separated_sphere``).

    * ``n``: number of points (int ≥ 2).
    * ``d``: input dimension (int ≥ 2).
    * ``phi``: separation φ ∈ (0, 2] (003 Asm 3.6, AZLS Asm 2.1); default: φ ∈ [0.05, 0.5]
      shrinking toward 0.5 (to shrink a custom range toward large φ, pass
      ``st.floats(0, hi - lo).map(lambda o: hi - o)``).
    * ``mu``: last coordinate μ ∈ (0, 1) of every point (000 Asm 4.1); ``ov.data.AZLS_MU`` gives
      AZLS's form (last coordinate 1/√2). ``None``: no constraint.
    * ``label_aware``: only different-label pairs are φ-separated (000 Asm 4.2); then the
      strategy also *produces* close same-label pairs (near-duplicates at distance ≈ 0.05 φ).
    * ``close_pairs``: how many near-duplicates to try to add to a label-aware data set
      (default: drawn in [1, n/4]); only with ``label_aware=True`` (with a drawn
      ``label_aware`` it applies to the label-aware draws).
    * ``seed``: an int in [0, 2**63 − 1] (default ``seeds()``).

    ``n`` is never changed. The request is feasible when the sampler
    (``ov.data.separated_sphere``) places the points: it refuses at once beyond the
    spherical-cap packing bound (``ov.data.max_points_bound``) and gives up after its
    rejection-sampling rounds below it (e.g. φ = 1.15 at n = 256, d = 32, where the bound, only
    an upper bound, allows 3e8 points). A feasible-by-the-bound fixed request is checked against
    the bound when the strategy is built and, at the first draw, by the sampler itself at seed 0
    (``InvalidArgument`` with the sampler's reason if it fails); any later draw the sampler
    cannot meet (drawn arguments, or another seed) is rejected.

    Example: ``separated_datasets(n=16, d=8, phi=0.2, mu=ov.data.AZLS_MU)``.
    Shrinks toward fewer points, lower dimension, larger φ (drawn as φ_max − shrinking offset)
    and seed 0.
    """
    chk_n = lambda v, drawn=False: _check_integer("n", v, 2, drawn=drawn)  # noqa: E731
    chk_d = lambda v, drawn=False: _check_integer("d", v, 2, drawn=drawn)  # noqa: E731
    chk_phi = lambda v, drawn=False: _check_number("phi", v, 0.0, 2.0, open_lo=True, drawn=drawn)  # noqa: E731

    def chk_mu(v, drawn=False):
        return None if v is None else _check_number("mu", v, 0.0, 1.0, open_lo=True, open_hi=True, drawn=drawn)

    chk_la = lambda v, drawn=False: _check_bool("label_aware", v, drawn=drawn)  # noqa: E731
    chk_cp = lambda v, drawn=False: _check_integer("close_pairs", v, 0, drawn=drawn)  # noqa: E731
    ns, ds, ms, las = _arg("n", n, chk_n), _arg("d", d, chk_d), _arg("mu", mu, chk_mu), _arg("label_aware", label_aware, chk_la)
    phis = st.floats(0.0, 0.45).map(lambda o: 0.5 - o) if phi is None else _arg("phi", phi, chk_phi)
    cps = None if close_pairs is None else _arg("close_pairs", close_pairs, chk_cp)
    if close_pairs is not None and label_aware is False:
        raise InvalidArgument(f"close_pairs={close_pairs!r} needs label_aware=True (got label_aware=False)")
    seed_s = _seed_arg(seed)
    fixed = not any(_is_strategy(v) for v in (n, d, phi, mu, label_aware)) and phi is not None
    if fixed:
        from . import data as _data

        need = n if not label_aware else 2
        bound = _data.max_points_bound(d, phi, mu=mu)
        if need > bound:
            raise InvalidArgument(
                f"Cannot place n={n!r} points with phi={phi!r} in d={d!r} (mu={mu!r}, label_aware={label_aware!r}): "
                f"the spherical-cap packing bound allows at most {math.floor(bound)}")

    probe: dict[str, str | None] = {}  # fixed arguments: the sampler's verdict at seed 0, once

    @st.composite
    def _ds(draw):
        from . import data as _data

        n_ = draw(ns)
        d_ = draw(ds)
        phi_ = draw(phis)
        mu_ = draw(ms)
        la = draw(las)
        if fixed and "error" not in probe:
            try:
                _data.separated_sphere(n_, d_, phi_, mu=mu_, all_pairs=not la, seed=0)
                probe["error"] = None
            except ValueError as exc:
                probe["error"] = str(exc)
        if fixed and probe["error"] is not None:
            raise InvalidArgument(f"Cannot draw separated_datasets(n={n_!r}, d={d_!r}, phi={phi_!r}, "
                                  f"mu={mu_!r}, label_aware={la!r}): {probe['error']}")
        s = draw(seed_s)
        try:
            X, y = _data.separated_sphere(n_, d_, phi_, mu=mu_, all_pairs=not la, seed=s)
        except ValueError:
            reject()  # arguments (or a seed) the sampler cannot satisfy: not this example
        pairs: tuple = ()
        if la:
            k = draw(st.integers(1, max(1, n_ // 4))) if cps is None else draw(cps)
            X, y, pairs = _label_aware_close(X, y, s, k, eps=phi_ * 0.05, mu=mu_, phi=phi_)
        return SeparatedDataset(X, y, float(phi_), mu_, s, la, pairs)

    return _ds()


def _label_aware_close(X, y, seed: int, k: int, eps: float, mu: float | None, phi: float):
    """Make up to ``k`` points near-duplicates (distance ≤ eps) of a same-label neighbour,
    keeping unit norm and the last coordinate μ; returns ``(X, y, pairs)``. A copy is kept only
    if it stays ≥ φ from every point of the other label (checked), so 000 Assumption 4.2 holds
    exactly."""
    import torch

    n, d = X.shape
    g = torch.Generator().manual_seed(seed ^ 0x5EED)
    X, y = X.clone(), y.clone()
    pairs = []
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
        pairs = [(a, b) for a, b in pairs if i not in (a, b)] + [(i, j)]  # x_i moved: older pairs with it are gone
    return X, y, tuple(pairs)


# ----------------------------------------------------------------------------- shapes
def network_shapes(
    *,
    min_depth: Any = 1,
    max_depth: Any = 4,
    min_width: Any = 8,
    max_width: Any = 64,
    kind: Any = "zczg",
    wide_factor: Any = 4,
) -> st.SearchStrategy[list[int]]:
    """Widths ``[m_1, …, m_L]``.

    * ``min_depth``/``max_depth``: range of L (ints ≥ 1).
    * ``min_width``/``max_width``: range of every hidden width m_l (ints ≥ 1).
    * ``kind``: ``"zczg"`` — M = max m_l ≤ 2 min m_l (003 Asm 3.7) and an even last width (the
      balanced ±1 output v); ``"nguyen"`` — NG Section 3 shapes with one wide layer (width =
      ``wide_factor`` × the others, all within [min_width, max_width]) and a last width 1 (the
      scalar output, appended).
    * ``wide_factor``: int ≥ 1, for ``"nguyen"``.

    Example: ``network_shapes(min_depth=2, max_depth=3, min_width=16, max_width=32)``.
    Shrinks toward shallower, narrower networks.
    """
    chk_depth = {nm: (lambda v, drawn=False, nm=nm: _check_integer(nm, v, 1, drawn=drawn)) for nm in ("min_depth", "max_depth")}
    chk_width = {nm: (lambda v, drawn=False, nm=nm: _check_integer(nm, v, 1, drawn=drawn)) for nm in ("min_width", "max_width")}
    chk_kind = lambda v, drawn=False: _check_choice("kind", v, SHAPE_KINDS, drawn=drawn)  # noqa: E731
    chk_wf = lambda v, drawn=False: _check_integer("wide_factor", v, 1, drawn=drawn)  # noqa: E731
    s_lo_d, s_hi_d = _arg("min_depth", min_depth, chk_depth["min_depth"]), _arg("max_depth", max_depth, chk_depth["max_depth"])
    s_lo, s_hi = _arg("min_width", min_width, chk_width["min_width"]), _arg("max_width", max_width, chk_width["max_width"])
    s_kind, s_wf = _arg("kind", kind, chk_kind), _arg("wide_factor", wide_factor, chk_wf)

    def consistent(lo_d, hi_d, lo, hi, k, wf, drawn):
        _check_order("min_depth", lo_d, "max_depth", hi_d, drawn=drawn)
        _check_order("min_width", lo, "max_width", hi, drawn=drawn)
        if k == "zczg" and lo == hi and lo % 2:
            raise InvalidArgument(f"min_width=max_width={lo!r}{_where(drawn)} leaves no even last width (kind='zczg')")
        if k == "nguyen" and wf * lo > hi:
            raise InvalidArgument(f"Cannot have max_width={hi!r} < wide_factor*min_width={wf}*{lo}={wf * lo}"
                                  f"{_where(drawn)} (kind='nguyen': the wide layer must fit)")

    if not any(_is_strategy(v) for v in (min_depth, max_depth, min_width, max_width, kind, wide_factor)):
        consistent(min_depth, max_depth, min_width, max_width, kind, wide_factor, False)

    @st.composite
    def _shapes(draw):
        lo_d, hi_d = draw(s_lo_d), draw(s_hi_d)
        lo, hi = draw(s_lo), draw(s_hi)
        k = draw(s_kind)
        wf = draw(s_wf) if k == "nguyen" else 1
        consistent(lo_d, hi_d, lo, hi, k, wf, True)
        L = draw(st.integers(lo_d, hi_d))
        if k == "nguyen":
            base = draw(st.integers(lo, hi // wf))
            j = draw(st.integers(0, L - 1))
            return [base * wf if i == j else base for i in range(L)] + [1]
        # the last width first: even, in [lo, hi]; then the smallest width m with 2m ≥ it
        e = 2 * draw(st.integers((lo + 1) // 2, hi // 2))
        if L == 1:
            return [e]
        m = draw(st.integers(max(lo, (e + 1) // 2), e))  # the smallest width
        top = min(hi, 2 * m)
        widths = [draw(st.integers(m, top)) for _ in range(L - 1)] + [e]
        widths[draw(st.integers(0, L - 2))] = m
        return widths

    return _shapes()


# ----------------------------------------------------------------------------- networks
def _check_widths(name: str, w: Any, kind: str, *, drawn: bool = False) -> list[int]:
    try:
        w = list(w)
    except TypeError:
        raise InvalidArgument(f"{name}={w!r}{_where(drawn)} must be a list of positive ints") from None
    if not w or any(isinstance(m, bool) or not isinstance(m, int) or m < 1 for m in w):
        raise InvalidArgument(f"{name}={w!r}{_where(drawn)} must be a non-empty list of positive ints")
    if kind == "zczg" and w[-1] % 2:
        raise InvalidArgument(f"{name}={w!r}{_where(drawn)} must have an even last width (kind='zczg': balanced ±1 v)")
    if kind == "azls" and len(set(w)) != 1:
        raise InvalidArgument(f"{name}={w!r}{_where(drawn)} must be equal widths for kind='azls' (AZLS's square W_l, m × m)")
    if kind == "nguyen" and len(w) < 2:
        raise InvalidArgument(f"{name}={w!r}{_where(drawn)} needs a hidden layer and the output width for kind='nguyen'")
    return w


def gaussian_inits(*, d: Any = st.integers(2, 8), widths: Any = None, seed: Any = None, kind: Any = "zczg",
                   **kw) -> st.SearchStrategy:
    """A network drawn by seed.

    * ``d``: input dimension (int ≥ 1).
    * ``widths``: list of ints or strategy; default ``network_shapes(max_width=32, kind=...)``
      (``"nguyen"`` shapes for ``kind="nguyen"``, equal widths for ``"azls"``).
    * ``seed``: an int in [0, 2**63 − 1] (default ``seeds()``).
    * ``kind``: ``"zczg"`` (He init, ``DeepReLUNet.gaussian_init``, 003 §3.3; even last
      width), ``"azls"`` (``AZLSNet.gaussian_init(d, m, depth=len(widths))``, 002 §2; all
      widths equal to m), ``"nguyen"`` (``NguyenNet.lecun_init``, NG Section 3; the last width
      is the output dimension).
    * further keywords (values or strategies) go to the constructor (``dtype=``, ``beta=``, …).

    Shrinks toward seed 0 and the shape strategy's shrinking. The drawn network's repr names
    its class, d, widths, seed and dtype.
    """
    chk_d = lambda v, drawn=False: _check_integer("d", v, 1, drawn=drawn)  # noqa: E731
    chk_kind = lambda v, drawn=False: _check_choice("kind", v, NETWORK_KINDS, drawn=drawn)  # noqa: E731
    s_d, s_kind, seed_s = _arg("d", d, chk_d), _arg("kind", kind, chk_kind), _seed_arg(seed)
    if widths is not None and not _is_strategy(widths) and not _is_strategy(kind):
        _check_widths("widths", widths, kind)
    kw_s = {k: (v if _is_strategy(v) else st.just(v)) for k, v in kw.items()}

    def default_widths(k):
        if k == "azls":
            return st.tuples(st.integers(8, 32), st.integers(1, 4)).map(lambda t: [t[0]] * t[1])
        return network_shapes(max_width=32, kind=k)

    @st.composite
    def _net(draw):
        from .network import AZLSNet, DeepReLUNet, NguyenNet

        d_ = draw(s_d)
        k = draw(s_kind)
        if widths is None:
            w = draw(default_widths(k))
        else:
            w = _check_widths("widths", draw(widths) if _is_strategy(widths) else widths, k, drawn=_is_strategy(widths))
        s = draw(seed_s)
        extra = {name: draw(v) for name, v in kw_s.items()}
        try:
            if k == "zczg":
                net = DeepReLUNet.gaussian_init(d_, w, seed=s, **extra)
            elif k == "azls":
                net = AZLSNet.gaussian_init(d_, w[0], len(w), seed=s, **extra)
            else:
                net = NguyenNet.lecun_init(d_, w, seed=s, **extra)
        except (ValueError, TypeError) as exc:
            raise InvalidArgument(f"gaussian_inits(kind={k!r}, d={d_!r}, widths={w!r}, seed={s}, {extra!r}): {exc}") from None
        net.seed = s  # shown by the network's repr
        return net

    return _net()


# ----------------------------------------------------------------------------- perturbations
def _one_thread():
    """One intra-op torch thread for the draw's linear algebra (``ov.data._one_thread``): on a
    busy 2-core machine two threads made a 512 × 512 eigvalsh 5-10× slower."""
    from .data import _one_thread as one

    return one()


def _top_sigma(G) -> float:
    """‖G‖₂ from the eigenvalues of the smaller Gram matrix (GᵀG or GGᵀ): about 2× faster than
    an SVD at 512 × 512 and exact to ≤ n·ε·‖G‖_F²/‖G‖₂² relative, far inside :data:`_MARGIN`."""
    import torch

    A = G.T @ G if G.shape[0] >= G.shape[1] else G @ G.T
    return float(torch.linalg.eigvalsh(A)[-1].clamp_min(0.0).sqrt())


def _scaled(D, sigma: float, target: float, dtype):
    """D · target/σ in ``dtype``, shrunk by :data:`_MARGIN` so that ‖·‖₂ ≤ target despite
    rounding; a lower precision adds its entrywise rounding (≤ eps·‖|D|‖₂ ≤ eps·√r·‖D‖₂, r the
    smaller dimension) to the margin."""
    import torch

    if sigma <= 0.0 or target <= 0.0:
        return torch.zeros_like(D, dtype=dtype)
    margin = _MARGIN
    if dtype != torch.float64:
        margin += 4 * torch.finfo(dtype).eps * math.sqrt(min(D.shape))
    return (D * (target * (1.0 - margin) / sigma)).to(dtype)


#: above this cost (min(m, p)² · max(m, p), a Gram GEMM plus its eigvalsh) a "random" direction
#: is a random signed permutation of one cached Gaussian matrix instead of a fresh one
_FRESH_GAUSSIAN_MAX_COST = 256**3


@functools.lru_cache(maxsize=8)
def _gaussian_basis(m: int, p: int):
    """One Gaussian (m, p) matrix per shape (fixed seed) and its exact ‖·‖₂, computed once."""
    import torch

    g = torch.Generator().manual_seed(0x0F5EED + 7919 * m + p)
    G0 = torch.randn(m, p, generator=g, dtype=torch.float64)
    return G0, _top_sigma(G0)


def _direction(shape, kind: str, rank: int | None, g):
    """A random direction D of ``shape`` and its exact ‖D‖₂.

    * ``"random"``: a fresh Gaussian matrix, its norm from the eigenvalues of its Gram matrix;
      for large shapes (min(m, p)² · max(m, p) > 256³, e.g. 512 × 512, where that costs tens
      of ms a layer) a random signed permutation S_r P_r G₀ P_c S_c of a Gaussian G₀ drawn once
      per shape: signs and permutations are exact, so ‖D‖₂ = ‖G₀‖₂ to the bit; the singular
      vectors are random (one of 2^(m+p)·m!·p! signed permutations), the spectrum is G₀'s
      (Marchenko–Pastur-like, as any Gaussian's).
    * ``"low_rank"``: the product AB of Gaussian factors of inner dimension ``rank``, whose norm
      ‖AB‖₂ = ‖R_A R_Bᵀ‖₂ (thin QR of both factors) is an r × r problem."""
    import torch

    m, p = int(shape[0]), int(shape[1])
    if kind == "random":
        if min(m, p) ** 2 * max(m, p) <= _FRESH_GAUSSIAN_MAX_COST:
            D = torch.randn(m, p, generator=g, dtype=torch.float64)
            return D, _top_sigma(D)
        G0, sigma = _gaussian_basis(m, p)
        rows, cols = torch.randperm(m, generator=g), torch.randperm(p, generator=g)
        sr = torch.randint(0, 2, (m, 1), generator=g).to(torch.float64) * 2 - 1
        sc = torch.randint(0, 2, (1, p), generator=g).to(torch.float64) * 2 - 1
        return G0[rows][:, cols] * sr * sc, sigma
    r = min(rank, m, p)
    A = torch.randn(m, r, generator=g, dtype=torch.float64)
    B = torch.randn(r, p, generator=g, dtype=torch.float64)
    core = torch.linalg.qr(A).R @ torch.linalg.qr(B.T).R.T
    return A @ B, float(torch.linalg.svdvals(core)[0])


def _check_weights(W: Any, *, drawn: bool = False) -> list:
    import torch

    try:
        W = [w if isinstance(w, torch.Tensor) else torch.as_tensor(w) for w in W]
    except (TypeError, ValueError, RuntimeError):
        raise InvalidArgument(f"weights={W!r}{_where(drawn)} must be a list of 2-D tensors or arrays") from None
    if not W or any(w.dim() != 2 or not w.is_floating_point() for w in W):
        raise InvalidArgument(f"weights{_where(drawn)} must be a non-empty list of 2-D float tensors, got shapes "
                              f"{[tuple(w.shape) for w in W]}")
    return W


def spectral_perturbations(weights: Any, tau: Any, *, kind: Any = "random", X: Any = None, net: Any = None,
                           layer: Any = None, rank: Any = 1, seed: Any = None) -> st.SearchStrategy[list]:
    """Lists ``[Δ_1, …, Δ_L]`` with ‖Δ_l‖₂ ≤ τ (003 Theorem 5.3's perturbation region
    ‖W̃_l − W_l‖₂ ≤ τ; AZLS Step 2), each of the shape and dtype of ``W_l``.

    * ``weights``: list of W_l (tensors or numpy arrays; the shapes of the Δ_l).
    * ``tau``: radius τ ≥ 0.
    * ``kind``: ``"random"`` (Gaussian direction, norm u·τ with u ∈ (0, 1] drawn, or τ; above
      256 × 256 a random signed permutation of one Gaussian matrix per shape, see
      :func:`_direction`);
      ``"low_rank"`` (rank-``rank`` Gaussian product); ``"flip"`` (adversarial: rank-1
      Δ_l = τ x̂ sᵀ with x̂ = x_{l-1,i}/‖x_{l-1,i}‖, s = −sign on the k smallest |preacts| of
      input i, k and i chosen to flip the most; needs ``X`` and ``net``); ``"output"``
      (adversarial: τ × top singular direction of each ∇_{W_l} Σ_i f(x_i), the sign that
      increases the output; needs ``X`` and ``net``).
    * ``X`` (n, d) inputs and ``net`` the network whose ``weights`` these are (shapes checked).
    * ``layer``: for ``"flip"`` only, the layer (1-based) to perturb (default: every layer, each
      with its own best input).
    * ``rank``: for ``"low_rank"``, int ≥ 1 (capped by the matrix's own dimensions).
    * ``seed``: an int in [0, 2**63 − 1] (default ``seeds()``).

    The norm is exact, not estimated: every Δ_l is scaled by τ/‖D_l‖₂ (times 1 − 1e-9, far more
    than the rounding error of the norm computation), with ‖D_l‖₂ from the eigenvalues of a
    Gram matrix (random), of an r × r core (low-rank) or the two factor norms (rank-1 kinds).
    Two 512 × 512 layers: a permutation and sign flip per layer on one intra-op thread,
    ≈ 1.5 ms a layer when the process has a core (measured; 30–45 ms when preempted at load 13
    on 2 cores), after a first draw that computes G₀'s norm once per shape; the old exact-SVD
    clip loop took 10–13 s a draw at load 11 and failed Hypothesis's ``too_slow`` health check
    (``benchmarks/bench_strategies.py``).

    Shrinks toward norm exactly τ (u = 1; a drawn flag enables u < 1), seed 0, and the first
    kind of a kind strategy (pass ``st.sampled_from(PERTURBATION_KINDS)`` to start at "random").
    """
    chk_tau = lambda v, drawn=False: _check_number("tau", v, 0.0, math.inf, drawn=drawn)  # noqa: E731
    chk_kind = lambda v, drawn=False: _check_choice("kind", v, PERTURBATION_KINDS, drawn=drawn)  # noqa: E731
    chk_rank = lambda v, drawn=False: _check_integer("rank", v, 1, drawn=drawn)  # noqa: E731
    chk_layer = lambda v, drawn=False: _check_integer("layer", v, 1, drawn=drawn)  # noqa: E731
    s_w = _arg("weights", weights, _check_weights)
    s_tau, s_kind, s_rank = _arg("tau", tau, chk_tau), _arg("kind", kind, chk_kind), _arg("rank", rank, chk_rank)
    s_layer = None if layer is None else _arg("layer", layer, chk_layer)
    seed_s = _seed_arg(seed)

    def needs(k, drawn):
        if k in ("flip", "output") and (X is None or net is None):
            raise InvalidArgument(f"kind={k!r}{_where(drawn)} needs X= and net=")
        if layer is not None and k != "flip":
            raise InvalidArgument(f"layer={layer!r} is only for kind='flip', got kind={k!r}{_where(drawn)}")

    if not _is_strategy(kind):
        needs(kind, False)

    @st.composite
    def _pert(draw):
        import torch

        W = draw(s_w)
        t = draw(s_tau)
        k = draw(s_kind)
        needs(k, _is_strategy(kind))
        s = draw(seed_s)
        g = torch.Generator().manual_seed(s)
        if k in ("random", "low_rank"):
            full = draw(st.booleans())
            r_ = draw(s_rank) if k == "low_rank" else None
            us = [1.0 if not full else draw(st.floats(0.0, 1.0, exclude_min=True)) for _ in W]
            with _one_thread():
                return [_scaled(*_direction(Wl.shape, k, r_, g), u * t, Wl.dtype) for Wl, u in zip(W, us)]
        Xv = draw(X) if _is_strategy(X) else X
        nt = draw(net) if _is_strategy(net) else net
        lv = None if s_layer is None else draw(s_layer)
        Xv = torch.as_tensor(Xv)
        shapes = [tuple(w.shape) for w in W]
        if [tuple(w.shape) for w in nt.weights] != shapes:
            raise InvalidArgument(f"net's weights have shapes {[tuple(w.shape) for w in nt.weights]}, "
                                  f"but weights= has {shapes}")
        if Xv.dim() != 2 or Xv.shape[1] != shapes[0][0]:
            raise InvalidArgument(f"X of shape {tuple(Xv.shape)} must be (n, {shapes[0][0]}) for these weights")
        L = len(W)
        if lv is not None and lv > L:
            raise InvalidArgument(f"layer={lv!r}{_where(_is_strategy(layer))} must be in [1, {L}]")
        with _one_thread():
            if k == "flip":
                fwd = nt.forward_trace(Xv)
                out = [torch.zeros_like(Wl) for Wl in W]
                for l in (range(1, L + 1) if lv is None else [lv]):
                    a, b = _flip_factors(Xv if l == 1 else fwd.outputs[l - 2], fwd.preacts[l - 1], t)
                    out[l - 1] = _scaled(torch.outer(a, b), float(a.norm() * b.norm()), t, W[l - 1].dtype)
                return out
            # output: gradient of the summed output, top singular direction per layer
            out = []
            for G, Wl in zip(_output_grads(nt, Xv), W):
                # first-order change of Σ_i f(x_i) is ⟨G_l, Δ_l⟩ ≤ τ‖G_l‖_* ; for a rank-1 Δ of norm
                # τ the maximizer is τ u₁v₁ᵀ (top singular pair of G_l), sign making it an increase
                a, b = _top_pair(G.detach(), Xv.shape[0], g)
                out.append(_scaled(torch.outer(a, b), float(a.norm() * b.norm()), t, Wl.dtype))
            return out

    return _pert()


def _top_pair(G, rank_bound: int, g):
    """Top singular pair (u₁, v₁) of G (m × p) with ⟨u₁v₁ᵀ, G⟩ = σ₁ > 0. ∇_{W_l} Σ_i f(x_i) has
    rank ≤ n (one outer product per input), so when n + 8 < min(m, p) the range of G Ω (Ω a
    seeded Gaussian p × (n + 8)) is the range of G, and the pair comes from a small SVD."""
    import torch

    q = rank_bound + 8
    if q >= min(G.shape):
        U, _, Vh = torch.linalg.svd(G, full_matrices=False)
        return U[:, 0], Vh[0]
    Om = torch.randn(G.shape[1], q, generator=g, dtype=torch.float64).to(G.dtype)
    Q = torch.linalg.qr(G @ Om).Q  # (m, q)
    Ub, _, Vh = torch.linalg.svd(Q.T @ G, full_matrices=False)
    return Q @ Ub[:, 0], Vh[0]


def _flip_factors(xprev, z, tau: float):
    """Factors (x̂_i, s) of Δ = τ x̂_i sᵀ flipping the most pre-activations of one input i.

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
    return xh, sv  # (m_{l-1},), (m_l,)


def _output_grads(net, X):
    """∇_{W_l} Σ_i f(x_i) (autograd), shapes of ``net.weights``."""
    import torch

    Ws = [W.detach().clone().requires_grad_(True) for W in net.weights]
    f = net.with_trainable(Ws).forward(X).sum()
    return list(torch.autograd.grad(f, Ws))


# ----------------------------------------------------------------------------- losses & coefficients
def losses(*, classification_only: Any = False) -> st.SearchStrategy:
    """``Loss`` objects of ``ov.LOSSES`` (003 Assumptions 3.1–3.4 with their constants α₀, α₁,
    p, x₀, ρ, λ). ``classification_only`` (bool) drops the square loss. The losses are sampled
    in alphabetical order of their names, so examples shrink toward ``"exponential"``."""
    from .losses import LOSSES

    def names(flag):
        return sorted(k for k, v in LOSSES.items() if v.classification or not flag)

    chk = lambda v, drawn=False: _check_bool("classification_only", v, drawn=drawn)  # noqa: E731
    if not _is_strategy(classification_only):
        return st.sampled_from([LOSSES[k] for k in names(chk(classification_only))])
    return _arg("classification_only", classification_only, chk).flatmap(
        lambda flag: st.sampled_from([LOSSES[k] for k in names(flag)]))


def coefficient_vectors(n: Any, *, y: Any = None, kind: Any = None, seed: Any = None) -> st.SearchStrategy:
    """float64 vectors a ∈ Rⁿ, a ≠ 0, as quantified over in ZCZG Lemma A.10 ("for every a").

    * ``n``: length (int ≥ 1).
    * ``y``: labels, a length-n vector of ±1 (tensor, array or list); the ``"labels"`` kind is
      then a = ±y (aligned sign pattern), else a random ±1 pattern.
    * ``kind``: one of ``COEFFICIENT_KINDS`` (default: drawn) — ``one_hot``, ``sparse``,
      ``constant``, ``labels``, ``gaussian``.
    * ``seed``: an int in [0, 2**63 − 1] (default ``seeds()``).

    Shrinks toward one-hot vectors at index 0.
    """
    chk_n = lambda v, drawn=False: _check_integer("n", v, 1, drawn=drawn)  # noqa: E731
    chk_kind = lambda v, drawn=False: _check_choice("kind", v, COEFFICIENT_KINDS, drawn=drawn)  # noqa: E731

    def chk_y(v, drawn=False):
        import torch

        try:
            t = torch.as_tensor(v, dtype=torch.float64).clone()
        except (TypeError, ValueError, RuntimeError):
            raise InvalidArgument(f"y={v!r}{_where(drawn)} must be a vector of ±1 labels") from None
        if t.dim() != 1 or not bool(((t == 1) | (t == -1)).all()):
            raise InvalidArgument(f"y={v!r}{_where(drawn)} must be a 1-D vector of ±1 labels")
        return t

    s_n = _arg("n", n, chk_n)
    kinds = st.sampled_from(COEFFICIENT_KINDS) if kind is None else _arg("kind", kind, chk_kind)
    s_y = None if y is None else _arg("y", y, chk_y)
    if y is not None and not _is_strategy(y) and not _is_strategy(n) and len(chk_y(y)) != n:
        raise InvalidArgument(f"y has length {len(chk_y(y))} but n={n!r}")
    seed_s = _seed_arg(seed)

    @st.composite
    def _a(draw):
        import torch

        n_ = draw(s_n)
        k = draw(kinds)
        yy = None if s_y is None else draw(s_y)
        if yy is not None and len(yy) != n_:
            raise InvalidArgument(f"y has length {len(yy)} but n={n_!r} (drawn)")
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
            if yy is None:
                return sign * torch.where(torch.rand(n_, generator=g) < 0.5, -1.0, 1.0).to(torch.float64)
            return sign * yy
        return torch.randn(n_, generator=g, dtype=torch.float64)

    return _a()
