"""Unit tests of ``overparam_verify.data``.

* :func:`separated_sphere` keeps its guarantees on many seeds: float64 unit rows (000 Assumption
  4.1: ``‖x_i‖ = 1``, last coordinate μ when given), φ-separation of every pair (003 Assumption
  3.6, AZLS Assumption 2.1) or of every differently-labelled pair (000 Assumption 4.2, where
  same-label points really are close), labels ±1 with both classes present, determinism;
* impossible requests raise ``ValueError`` quickly (packing bound, or ``max_rounds``);
* :func:`min_separation` against a brute-force loop; :func:`random_targets`.

Speed of :func:`separated_sphere` is measured by ``benchmarks/bench_data.py``, not here.
"""
from __future__ import annotations

import itertools
import math
import time

import pytest
import torch
from hypothesis import given, settings, strategies as st

import overparam_verify as ov
from overparam_verify.data import AZLS_MU, _greedy_accept, max_points_bound, min_separation, random_targets, separated_sphere

F64 = torch.float64
seeds = st.integers(0, 2**31 - 1)


def brute_min_sep(X: torch.Tensor, y: torch.Tensor | None = None) -> float:
    """min ‖x_i − x_j‖ over i < j (with y_i ≠ y_j when y is given), one pair at a time."""
    best = math.inf
    for i, j in itertools.combinations(range(X.shape[0]), 2):
        if y is not None and y[i] == y[j]:
            continue
        best = min(best, float(torch.linalg.vector_norm(X[i] - X[j])))
    return best


def check_guarantees(X, y, n, d, phi, mu, all_pairs):
    assert X.dtype == F64 and y.dtype == F64
    assert X.shape == (n, d) and y.shape == (n,)
    torch.testing.assert_close(torch.linalg.vector_norm(X, dim=1), torch.ones(n, dtype=F64))
    if mu is not None:
        assert bool((X[:, -1] == mu).all())
    assert bool(((y == 1) | (y == -1)).all())
    if n >= 2:
        assert bool((y == 1).any()) and bool((y == -1).any())
        assert abs(int((y == 1).sum()) - int((y == -1).sum())) <= 1  # balanced classes
    sep = min_separation(X, None if all_pairs else y)
    assert sep >= phi, (sep, phi)


CASES = [
    # n, d, phi, mu, all_pairs
    (64, 8, 0.5, None, True),
    (64, 8, 0.5, None, False),
    (64, 8, 0.5, AZLS_MU, True),
    (64, 8, 0.5, AZLS_MU, False),
    (40, 3, 0.3, None, True),  # crowded: many rejections and in-batch conflicts
    (40, 3, 1.2, None, False),  # label-aware with a large φ
    (10, 3, 0.2, AZLS_MU, True),  # crowded circle of radius 1/√2 (at most 22 fit)
    (7, 2, 0.5, None, True),  # the unit circle
    (2, 5, 1.99, None, False),  # two points almost antipodal
    (3, 1, 1.0, None, False),  # S^0 = {±1}
    (1, 4, 0.5, None, True),
    (20, 6, 0.0, None, True),  # no separation asked
]


@pytest.mark.parametrize("n, d, phi, mu, all_pairs", CASES)
def test_separated_sphere_guarantees_on_many_seeds(n, d, phi, mu, all_pairs):
    for seed in range(12):
        X, y = separated_sphere(n, d, phi, mu=mu, all_pairs=all_pairs, seed=seed)
        check_guarantees(X, y, n, d, phi, mu, all_pairs)


@settings(max_examples=min(15, settings().max_examples))
@given(seed=seeds, n=st.integers(1, 80), d=st.integers(2, 12), phi=st.floats(0.0, 1.0),
       use_mu=st.booleans(), all_pairs=st.booleans())
def test_separated_sphere_guarantees_hypothesis(seed, n, d, phi, use_mu, all_pairs):
    mu = AZLS_MU if use_mu else None
    try:
        X, y = separated_sphere(n, d, phi, mu=mu, all_pairs=all_pairs, seed=seed)
    except ValueError as e:  # allowed only for genuinely hard requests, with a clear message
        assert "phi" in str(e)
        return
    check_guarantees(X, y, n, d, phi, mu, all_pairs)


def test_label_aware_data_has_close_same_label_points():
    """000 Assumption 4.2 only separates different labels; the generator must exercise that:
    some same-label pairs are far closer than φ (the all-pairs separation fails)."""
    for seed in range(5):
        X, y = separated_sphere(256, 32, 0.5, all_pairs=False, seed=seed)
        assert min_separation(X, y) >= 0.5
        assert min_separation(X) < 0.1 * 0.5


def test_separated_sphere_is_deterministic():
    for kw in [dict(), dict(all_pairs=False), dict(mu=AZLS_MU), dict(mu=0.3, all_pairs=False)]:
        a = separated_sphere(50, 6, 0.4, seed=11, **kw)
        b = separated_sphere(50, 6, 0.4, seed=11, **kw)
        c = separated_sphere(50, 6, 0.4, seed=12, **kw)
        assert torch.equal(a[0], b[0]) and torch.equal(a[1], b[1])
        assert not torch.equal(a[0], c[0])


def test_separated_sphere_does_not_touch_global_rng():
    torch.manual_seed(0)
    before = torch.rand(3)
    torch.manual_seed(0)
    separated_sphere(30, 5, 0.3, seed=1)
    assert torch.equal(torch.rand(3), before)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(n=100, d=3, phi=0.5), "packing bound allows at most"),
        (dict(n=300, d=3, phi=0.3), "packing bound"),
        (dict(n=8, d=2, phi=1.0), "packing bound"),
        (dict(n=40, d=3, phi=0.6, mu=AZLS_MU), "last coordinate mu"),
        (dict(n=2, d=3, phi=2.5), "at most 2 apart"),
        (dict(n=2, d=3, phi=1.5, mu=AZLS_MU), "impossible"),
        (dict(n=2, d=3, phi=2.5, all_pairs=False), "impossible"),
        (dict(n=5, d=2, phi=1.0), "could not place n=5 points .* max_rounds=200"),
        (dict(n=4, d=2, phi=1.3, max_rounds=3), "max_rounds=3"),
        (dict(n=0, d=3, phi=0.1), "n must be a positive integer"),
        (dict(n=2.5, d=3, phi=0.1), "n must be a positive integer"),
        (dict(n=3, d=0, phi=0.1), "d must be a positive integer"),
        (dict(n=3, d=3, phi=-0.1), "phi must be a finite number >= 0"),
        (dict(n=3, d=3, phi=math.nan), "phi must be a finite number"),
        (dict(n=3, d=3, phi=math.inf), "phi must be a finite number"),
        (dict(n=3, d=3, phi=0.1, mu=1.0), r"mu must lie in \(0, 1\)"),
        (dict(n=3, d=3, phi=0.1, mu=0.0), r"mu must lie in \(0, 1\)"),
        (dict(n=3, d=1, phi=0.1, mu=0.5), "d >= 2"),
        (dict(n=3, d=3, phi=0.1, max_rounds=0), "max_rounds must be a positive integer"),
    ],
)
def test_separated_sphere_bad_requests(kwargs, match):
    """Impossible or malformed requests: ValueError naming the requirement, never an endless
    loop (the whole table runs in well under a second)."""
    t = time.perf_counter()
    with pytest.raises(ValueError, match=match):
        separated_sphere(**kwargs)
    assert time.perf_counter() - t < 30  # generous: a hang would be caught, not a slow machine


def test_max_points_bound():
    assert max_points_bound(5, 0.0) == math.inf
    assert max_points_bound(1, 1.0) == 2.0  # S^0
    assert max_points_bound(3, 2.5) == 1.0  # farther than the diameter
    # The circle: caps of angle θ/2 around each of N points, θ = 2 arcsin(φ/2): N ≤ π/(θ/2)·...
    phi = 2 * math.sin(math.pi / 7)  # seven equally spaced points are exactly φ apart
    assert max_points_bound(2, phi) == pytest.approx(7.0)
    # A regular simplex in R^d has d+1 points at distance √(2(d+1)/d): the bound allows them.
    for d in (2, 3, 5, 10):
        assert max_points_bound(d, math.sqrt(2 * (d + 1) / d)) >= d + 1 - 1e-9


@given(a=st.sampled_from([0.5, 1.0, 1.5, 4.0, 15.5, 100.0, 999.5]), b=st.sampled_from([0.5, 1.0, 3.0]),
       x=st.floats(0.0, 1.0), power=st.sampled_from([1, 4, 16]))
def test_betainc_matches_scipy(a, b, x, power):
    """The pure-Python regularized incomplete beta behind :func:`max_points_bound` (so that the
    lean install needs no scipy) against ``scipy.special.betainc``, also deep in the tails."""
    from scipy.special import betainc

    from overparam_verify.data import _betainc

    x = x**power
    assert _betainc(a, b, x) == pytest.approx(float(betainc(a, b, x)), rel=1e-12, abs=1e-300)


def test_max_points_bound_does_not_import_scipy():
    import subprocess
    import sys

    code = "import sys; from overparam_verify.data import max_points_bound as m; m(32, 1.15); print('scipy' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False", out.stdout + out.stderr


@given(seed=seeds, n=st.integers(1, 12), d=st.integers(1, 5))
def test_min_separation_matches_brute_force(seed, n, d):
    g = torch.Generator().manual_seed(seed)
    X = torch.randn(n, d, generator=g, dtype=F64)
    y = torch.where(torch.rand(n, generator=g) < 0.5, 1.0, -1.0).to(F64)
    assert min_separation(X) == pytest.approx(brute_min_sep(X), rel=1e-12, abs=1e-12)
    assert min_separation(X, y) == pytest.approx(brute_min_sep(X, y), rel=1e-12, abs=1e-12)


def test_min_separation_without_pairs_is_inf():
    X = torch.eye(3, dtype=F64)
    assert min_separation(X[:1]) == math.inf
    assert min_separation(X, torch.ones(3)) == math.inf


def test_random_targets():
    Y = random_targets(4000, 5, scale=2.0, seed=3)
    assert Y.shape == (4000, 5) and Y.dtype == F64
    assert torch.equal(Y, random_targets(4000, 5, scale=2.0, seed=3))
    # E‖y_i‖² = scale² = 4; SE of the mean of ‖y_i‖² (a 4/5·χ²_5) is 4·√(2/5)/√4000 ≈ 0.04
    assert abs(float((Y**2).sum(1).mean()) - 4.0) < 6 * 4 * math.sqrt(2 / 5) / math.sqrt(4000)


def test_check_finite():
    ov.data.check_finite("X", torch.zeros(3))
    with pytest.raises(ValueError, match="X must be finite"):
        ov.data.check_finite("X", torch.tensor([0.0, math.nan]))


@given(seed=seeds, s=st.integers(1, 40), p=st.floats(0.0, 1.0))
def test_greedy_accept_is_the_sequential_greedy(seed, s, p):
    """The vectorised fixed point equals the plain loop: accept c iff no accepted j < c
    conflicts with it."""
    g = torch.Generator().manual_seed(seed)
    A = torch.rand(s, s, generator=g) < p
    C = (A | A.T).tril(diagonal=-1)
    acc = []
    for c in range(s):
        acc.append(not any(bool(C[c, j]) and acc[j] for j in range(c)))
    assert _greedy_accept(C).tolist() == acc


def test_separated_sphere_restores_the_thread_setting():
    """The sampler runs on one intra-op thread and restores the caller's setting, also when it
    raises."""
    prev = torch.get_num_threads()
    try:
        torch.set_num_threads(2)
        separated_sphere(40, 6, 0.4, seed=0)
        assert torch.get_num_threads() == 2
        with pytest.raises(ValueError):
            separated_sphere(5, 2, 1.0, seed=0)
        assert torch.get_num_threads() == 2
    finally:
        torch.set_num_threads(prev)
