"""Unit tests of ``overparam_verify.stats``: the exact binomial test (kind W) against scipy, the
log-log slope fit (kind S) on data with a known exponent, the bootstrap, and bad arguments."""
from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, strategies as st
from scipy import stats as sps

from overparam_verify import stats
from overparam_verify.stats import binomial_check, bootstrap_ci, loglog_fit


@pytest.mark.parametrize(
    "failures, trials, delta",
    [(0, 10, 0.1), (1, 10, 0.1), (3, 10, 0.1), (5, 20, 0.05), (12, 100, 0.05), (50, 50, 0.5), (2, 1000, 0.001)],
)
def test_binomial_check_matches_scipy(failures, trials, delta):
    """p-value = P[Bin(trials, δ) ≥ failures], computed by scipy and by summing the pmf."""
    r = binomial_check(failures, trials, delta, alpha=0.01)
    ref = sps.binomtest(failures, trials, delta, alternative="greater").pvalue
    by_hand = float(sum(sps.binom.pmf(k, trials, delta) for k in range(failures, trials + 1)))
    assert r.p_value == pytest.approx(ref, rel=1e-12)
    assert r.p_value == pytest.approx(by_hand, rel=1e-9, abs=1e-300)
    assert r.holds == (r.p_value >= 0.01)
    assert r.failure_rate == failures / trials
    d = r.as_dict()
    assert d["failures"] == failures and d["trials"] == trials and d["failure_rate"] == failures / trials


@given(trials=st.integers(1, 200), delta=st.floats(0.001, 0.999), data=st.data())
def test_binomial_check_monotone_in_failures(trials, delta, data):
    """More failures never make the statement look better (p-value non-increasing)."""
    f = data.draw(st.integers(0, trials - 1))
    a = binomial_check(f, trials, delta)
    b = binomial_check(f + 1, trials, delta)
    assert b.p_value <= a.p_value + 1e-12
    assert binomial_check(0, trials, delta).p_value == pytest.approx(1.0)


def test_binomial_check_edges():
    assert binomial_check(0, 5, 0.0).holds and binomial_check(0, 5, 0.0).p_value == 1.0
    r = binomial_check(1, 5, 0.0)
    assert not r.holds and r.p_value == 0.0
    assert binomial_check(5, 5, 1.0).holds
    # a clear violation: 30 failures out of 100 against δ = 0.05
    assert not binomial_check(30, 100, 0.05).holds
    # within budget
    assert binomial_check(4, 100, 0.05).holds


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(failures=0, trials=0, delta=0.1), "trials"),
        (dict(failures=-1, trials=5, delta=0.1), "failures"),
        (dict(failures=6, trials=5, delta=0.1), "failures"),
        (dict(failures=1, trials=5, delta=-0.1), "delta"),
        (dict(failures=1, trials=5, delta=1.5), "delta"),
        (dict(failures=1, trials=5, delta=math.nan), "delta"),
        (dict(failures=1, trials=5, delta=0.1, alpha=0.0), "alpha"),
        (dict(failures=1, trials=5, delta=0.1, alpha=1.0), "alpha"),
        (dict(failures=1, trials=5, delta=0.1, alpha=math.nan), "alpha"),
        (dict(failures=1.5, trials=5, delta=0.1), "failures"),
        (dict(failures=1, trials=5.5, delta=0.1), "trials"),
        (dict(failures=True, trials=5, delta=0.1), "failures"),
    ],
)
def test_binomial_check_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        binomial_check(**kwargs)


@given(k=st.floats(-3, 3), logc=st.floats(-5, 5), seed=st.integers(0, 2**32 - 1))
def test_loglog_fit_recovers_exact_power_law(k, logc, seed):
    rng = np.random.default_rng(seed)
    x = np.sort(rng.uniform(1, 1000, size=6))
    x[-1] = x[0] * 10  # spread
    y = math.exp(logc) * x**k
    f = loglog_fit(x, y)
    assert f.slope == pytest.approx(k, abs=1e-9)
    assert f.constant == pytest.approx(math.exp(logc), rel=1e-8)
    assert f.ci[0] <= k + 1e-9 and k - 1e-9 <= f.ci[1]
    assert f.r2 == pytest.approx(1.0, abs=1e-9)
    for c in f.constant_at(k):
        assert c == pytest.approx(math.exp(logc), rel=1e-8)


def test_loglog_fit_with_noise_ci_covers_and_matches_scipy():
    rng = np.random.default_rng(0)
    x = np.geomspace(16, 4096, 8)
    y = 3.0 * x**-0.5 * np.exp(rng.normal(0, 0.05, x.size))
    f = loglog_fit(x, y, alpha=0.05)
    res = sps.linregress(np.log(x), np.log(y))
    t = sps.t.ppf(0.975, x.size - 2)
    assert f.slope == pytest.approx(res.slope, rel=1e-12)
    assert f.ci == pytest.approx((res.slope - t * res.stderr, res.slope + t * res.stderr), rel=1e-12)
    assert f.ci[0] < -0.5 < f.ci[1]
    assert f.consistent_with(-0.5)
    assert not f.consistent_with(0.5)
    # an upper bound O(x^k) may be beaten (fitted slope smaller) but not exceeded
    assert f.consistent_with(0.5, upper_bound=True)
    assert not f.consistent_with(-2.0, upper_bound=True)
    assert f.n == 8 and len(f.as_dict()["x"]) == 8


@pytest.mark.parametrize(
    "x, y, match",
    [
        ([1, 2], [1, 2], "at least 3"),
        ([1, 2, 3], [1, 2], "one length"),
        ([[1, 2, 3]], [[1, 2, 3]], "1-D"),
        ([1, 2, 0], [1, 2, 3], "positive"),
        ([1, 2, 3], [1, -2, 3], "positive"),
        ([1, 2, math.nan], [1, 2, 3], "positive"),
        ([1, 2, 3], [1, 2, math.inf], "positive"),
        ([2, 2, 2], [1, 2, 3], "distinct x"),
    ],
)
def test_loglog_fit_bad_arguments(x, y, match):
    with pytest.raises(ValueError, match=match):
        loglog_fit(x, y)


@pytest.mark.parametrize("alpha", [0.0, 1.0, -0.1, math.nan])
def test_loglog_fit_bad_alpha(alpha):
    with pytest.raises(ValueError, match="alpha"):
        loglog_fit([1, 2, 4], [1, 2, 4], alpha=alpha)


def test_counts_accept_numpy_integers_and_integral_floats():
    assert binomial_check(np.int64(2), np.int64(10), 0.1).failures == 2
    assert binomial_check(2.0, 10.0, 0.1).trials == 10


def test_bootstrap_ci_seeded_and_covers_mean():
    rng = np.random.default_rng(1)
    s = rng.normal(2.0, 1.0, 400)
    a = bootstrap_ci(s, reps=500, seed=7)
    b = bootstrap_ci(s, reps=500, seed=7)
    assert a == b
    assert a[0] < s.mean() < a[1]
    assert a[1] - a[0] == pytest.approx(2 * 1.96 / 20, rel=0.25)
    with pytest.raises(ValueError, match="at least 2"):
        bootstrap_ci([1.0])


def test_family_divides_alpha_and_nests():
    """Inside family(k) every check runs at alpha/k (Bonferroni); families nest; the level
    returns to alpha afterwards."""
    x = [1.0, 2.0, 4.0, 8.0, 16.0]
    y = [1.0, 2.2, 3.9, 8.5, 15.0]
    plain = stats.loglog_fit(x, y)
    assert stats.family_size() == 1
    with stats.family(5):
        assert stats.family_size() == 5
        wide = stats.loglog_fit(x, y)
        assert stats.binomial_check(1, 10, 0.1).alpha == pytest.approx(0.01 / 5)
        with stats.family(2):
            assert stats.family_size() == 10
            nested = stats.loglog_fit(x, y, alpha=0.1)
    assert stats.family_size() == 1
    assert nested.ci == pytest.approx(stats.loglog_fit(x, y, alpha=0.01).ci)
    assert wide.slope == plain.slope
    assert wide.ci[0] < plain.ci[0] and wide.ci[1] > plain.ci[1]
    assert stats.loglog_fit(x, y, alpha=0.01).ci == pytest.approx(wide.ci)


@pytest.mark.parametrize("k", [0, -1, 1.5, True])
def test_family_rejects_bad_size(k):
    with pytest.raises(ValueError, match="k must be a positive integer"):
        with stats.family(k):
            pass


def test_familywise_false_keeps_the_per_example_level():
    """Detection checks (a trend that must be significant) opt out of the Bonferroni widening."""
    x = [1.0, 2.0, 4.0, 8.0, 16.0]
    y = [1.0, 0.7, 0.45, 0.36, 0.2]
    plain = stats.loglog_fit(x, y)
    with stats.family(10):
        assert stats.loglog_fit(x, y, familywise=False).ci == plain.ci
        assert stats.loglog_fit(x, y).ci != plain.ci
