"""Statistics shared by the property tests and the audit (one implementation of each).

* :func:`binomial_check` — kind W of the catalogue: R independent draws, the number of failures
  tested against the budget δ with an exact one-sided binomial test (``scipy.stats.binomtest``).
* :func:`loglog_fit` — kind S: least-squares fit of ``log y = log C + k log x`` with a
  t-based confidence interval for the exponent k and the fitted constant C.
* :func:`bootstrap_ci` — percentile bootstrap of a statistic, from a seeded generator.
* :func:`family` — a Bonferroni family: inside ``with family(k):`` every test above runs at level
  ``alpha/k``. A property test that checks one statement on k Hypothesis examples asks the same
  question k times; without the correction its chance of a false "violated" grows with k
  (1 − 0.975^k for a one-sided 95% interval at the boundary: 12 % at k = 5). The bounds, their
  exponents and the budgets δ are unchanged; only the error rate of the *test* is held at alpha.
"""
from __future__ import annotations

import contextlib
import contextvars
import math
from dataclasses import dataclass, asdict
from typing import Callable, Sequence

import numpy as np

__all__ = [
    "BinomialResult",
    "binomial_check",
    "SlopeFit",
    "loglog_fit",
    "semilog_fit",
    "bootstrap_ci",
    "detectable_rate",
    "trials_to_detect",
    "family",
    "family_size",
]

_FAMILY: contextvars.ContextVar[int] = contextvars.ContextVar("overparam_verify_family", default=1)


@contextlib.contextmanager
def family(k: int):
    """Run the enclosed checks as one Bonferroni family of ``k`` tests: :func:`binomial_check`,
    :func:`loglog_fit` and :func:`bootstrap_ci` use ``alpha / k`` (nested families multiply).

    The pytest plugin's ``at_most(k)`` wraps a property test in ``family(number of examples)``,
    so a statement checked on k examples is rejected falsely with probability ≤ alpha overall.
    """
    if isinstance(k, bool) or int(k) != k or k < 1:
        raise ValueError(f"k must be a positive integer, got k={k!r}")
    token = _FAMILY.set(_FAMILY.get() * int(k))
    try:
        yield
    finally:
        _FAMILY.reset(token)


def family_size() -> int:
    """The size of the current Bonferroni family (1 outside :func:`family`)."""
    return _FAMILY.get()


@dataclass(frozen=True)
class BinomialResult:
    """Outcome of :func:`binomial_check`. ``holds`` is False when the failure count is
    significantly above the budget (p-value < ``alpha``)."""

    failures: int
    trials: int
    delta: float
    p_value: float
    alpha: float
    holds: bool

    @property
    def failure_rate(self) -> float:
        return self.failures / self.trials if self.trials else math.nan

    def as_dict(self) -> dict:
        return asdict(self) | {"failure_rate": self.failure_rate}


def _is_int(v) -> bool:
    """An integer count (Python or numpy integer, or an integral float), not a bool."""
    if isinstance(v, (bool, np.bool_)):
        return False
    if isinstance(v, (int, np.integer)):
        return True
    return isinstance(v, (float, np.floating)) and math.isfinite(v) and float(v).is_integer()


def binomial_check(failures: int, trials: int, delta: float, *, alpha: float = 0.01) -> BinomialResult:
    """Exact one-sided binomial test of H0: P(failure) ≤ δ against P(failure) > δ.

    A W statement "holds with probability ≥ 1 − δ" is rejected (``holds=False``) when seeing
    ``failures`` or more out of ``trials`` has probability below ``alpha`` under failure rate δ
    (``alpha / k`` inside ``family(k)``; the result's ``alpha`` is the level used).
    """
    if not _is_int(trials) or trials < 1:
        raise ValueError(f"trials must be an integer >= 1, got trials={trials!r}")
    if not _is_int(failures) or not (0 <= failures <= trials):
        raise ValueError(f"failures must be an integer in [0, trials={trials}], got failures={failures!r}")
    if not (0.0 <= delta <= 1.0):
        raise ValueError(f"delta must lie in [0, 1], got delta={delta!r}")
    if not (0.0 < alpha < 1.0):
        raise ValueError(f"alpha must lie in (0, 1), got alpha={alpha!r}")
    alpha = alpha / family_size()
    from scipy.stats import binomtest

    if delta == 0.0:
        p = 1.0 if failures == 0 else 0.0
    elif delta == 1.0:
        p = 1.0
    else:
        p = float(binomtest(int(failures), int(trials), float(delta), alternative="greater").pvalue)
    return BinomialResult(int(failures), int(trials), float(delta), p, float(alpha), p >= alpha)


@dataclass(frozen=True)
class SlopeFit:
    """Fit of ``y ≈ C x^k`` on a log-log scale. ``ci`` is the (1 − alpha) confidence interval
    of the exponent k; ``constant`` is C = exp(intercept); ``ratios`` are y/x^k_theory per point
    (the constant against the theory's exponent, which must stay bounded for an S statement)."""

    slope: float
    slope_se: float
    ci: tuple[float, float]
    intercept: float
    constant: float
    r2: float
    n: int
    x: tuple[float, ...]
    y: tuple[float, ...]

    def consistent_with(self, exponent: float, *, upper_bound: bool = False) -> bool:
        """Whether the theory's exponent is compatible with the fit: inside the CI, or, for an
        upper bound (``O(x^k)``), the fitted slope may be smaller (beaten) but not larger."""
        lo, hi = self.ci
        if upper_bound:
            return lo <= exponent
        return lo <= exponent <= hi

    def constant_at(self, exponent: float) -> list[float]:
        """``y_i / x_i^exponent`` for each point: the hidden constant under the theory's rate."""
        return [yi / xi**exponent for xi, yi in zip(self.x, self.y)]

    def as_dict(self) -> dict:
        return asdict(self)


def loglog_fit(x: Sequence[float], y: Sequence[float], *, alpha: float = 0.05, familywise: bool = True) -> SlopeFit:
    """Least-squares line through ``(log x, log y)`` with a t confidence interval on the slope
    (level 1 − alpha, or 1 − alpha/k inside ``family(k)`` unless ``familywise=False``).

    The Bonferroni correction protects *bound* checks (a false "violated" when the bound holds).
    A check that needs a trend to be *detected* (e.g. "the loss falls with m": CI below 0) asks
    for significance, which a wider interval would make harder: such checks fit with
    ``familywise=False`` and keep the per-example level 1 − alpha.

    Needs at least 3 points with finite positive x and y, not all x equal, and alpha in (0, 1);
    ``ValueError`` otherwise. With exactly collinear points the interval has zero width.
    """
    x, y = _xy(x, y)
    if not (np.all(x > 0) and np.all(y > 0) and np.all(np.isfinite(x)) and np.all(np.isfinite(y))):
        raise ValueError("loglog_fit needs finite positive x and y")
    return _line_fit(np.log(x), np.log(y), x, y, alpha, familywise)


def semilog_fit(x: Sequence[float], y: Sequence[float], *, alpha: float = 0.05, familywise: bool = True) -> SlopeFit:
    """Least-squares line through ``(x, log y)``: the geometric model ``y ≈ C·e^{b x}``, whose
    slope ``b`` is the log of the per-unit growth factor (``e^b`` per layer when x is the depth).
    Same interval, checks and family rule as :func:`loglog_fit` (x may be any finite value)."""
    x, y = _xy(x, y)
    if not (np.all(y > 0) and np.all(np.isfinite(x)) and np.all(np.isfinite(y))):
        raise ValueError("semilog_fit needs finite x and finite positive y")
    return _line_fit(x.copy(), np.log(y), x, y, alpha, familywise)


def _xy(x, y) -> tuple[np.ndarray, np.ndarray]:
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    if x.shape != y.shape or x.ndim != 1:
        raise ValueError(f"x and y must be 1-D of one length, got shapes {x.shape} and {y.shape}")
    if x.size < 3:
        raise ValueError(f"a slope with a confidence interval needs at least 3 points, got {x.size}")
    return x, y


def _line_fit(lx: np.ndarray, ly: np.ndarray, x: np.ndarray, y: np.ndarray, alpha: float, familywise: bool) -> SlopeFit:
    from scipy import stats

    if not (0.0 < alpha < 1.0):
        raise ValueError(f"alpha must lie in (0, 1), got alpha={alpha!r}")
    sxx = float(np.sum((lx - lx.mean()) ** 2))
    if not sxx > 0:
        raise ValueError("a fitted slope needs at least 2 distinct x values")
    # Ordinary least squares by the textbook formulas (scipy.stats.linregress returns a NaN
    # standard error when y is exactly constant, i.e. for a fitted slope of exactly 0).
    slope = float(np.sum((lx - lx.mean()) * (ly - ly.mean())) / sxx)
    intercept = float(ly.mean() - slope * lx.mean())
    dof = x.size - 2
    if familywise:
        alpha = alpha / family_size()  # Bonferroni inside family(k)
    t = stats.t.ppf(1 - alpha / 2, dof)
    resid = ly - (intercept + slope * lx)
    sse = float(np.sum(resid**2))
    se = math.sqrt(sse / dof / sxx)
    ss_tot = float(np.sum((ly - ly.mean()) ** 2))
    r2 = 1.0 - sse / ss_tot if ss_tot > 0 else 1.0
    return SlopeFit(
        slope=slope,
        slope_se=se,
        ci=(float(slope - t * se), float(slope + t * se)),
        intercept=intercept,
        constant=float(math.exp(intercept)),
        r2=r2,
        n=int(x.size),
        x=tuple(float(v) for v in x),
        y=tuple(float(v) for v in y),
    )


def _critical_count(trials: int, delta: float, alpha: float) -> int:
    """The smallest failure count c that :func:`binomial_check` rejects at level alpha
    (``P(X ≥ c | δ) < alpha``); ``trials + 1`` when no count is rejected."""
    from scipy.stats import binom

    if delta <= 0.0:
        return 1
    # P(X >= c) = sf(c - 1)
    for c in range(0, trials + 1):
        if binom.sf(c - 1, trials, delta) < alpha:
            return c
    return trials + 1


def detectable_rate(trials: int, delta: float, *, alpha: float = 0.01, power: float = 0.8) -> float:
    """The failure rate that :func:`binomial_check` (R = ``trials`` draws, budget δ, level
    alpha, or alpha/k inside ``family(k)``) detects with probability ``power``: the smallest p
    with ``P(Binomial(R, p) ≥ c) ≥ power``, c the critical count. 1.0 when even p = 1 is not
    detected (too few trials)."""
    from scipy.optimize import brentq
    from scipy.stats import binom

    if not _is_int(trials) or trials < 1:
        raise ValueError(f"trials must be an integer >= 1, got trials={trials!r}")
    if not (0.0 <= delta <= 1.0):
        raise ValueError(f"delta must lie in [0, 1], got delta={delta!r}")
    if not (0.0 < power < 1.0):
        raise ValueError(f"power must lie in (0, 1), got power={power!r}")
    alpha = alpha / family_size()
    c = _critical_count(int(trials), float(delta), alpha)
    if c > trials:
        return 1.0
    f = lambda p: float(binom.sf(c - 1, trials, p)) - power  # noqa: E731 - increasing in p
    lo = max(float(delta), 1e-15)
    if f(lo) >= 0:
        return lo
    return float(brentq(f, lo, 1.0, xtol=1e-6))


def trials_to_detect(rate: float, delta: float, *, alpha: float = 0.01, power: float = 0.8, limit: int = 100_000) -> int:
    """The smallest R at which :func:`binomial_check` detects a true failure rate ``rate`` with
    probability ``power`` (see :func:`detectable_rate`); ``limit`` if none up to it does."""
    if not (delta < rate <= 1.0):
        raise ValueError(f"rate must lie in (delta, 1], got rate={rate!r} with delta={delta!r}")
    lo, hi = 1, 1
    while detectable_rate(hi, delta, alpha=alpha, power=power) > rate:
        lo, hi = hi, hi * 2
        if hi > limit:
            return limit
    while lo < hi:  # detectable_rate is non-increasing in R up to the critical count's steps
        mid = (lo + hi) // 2
        if detectable_rate(mid, delta, alpha=alpha, power=power) <= rate:
            hi = mid
        else:
            lo = mid + 1
    return hi


def bootstrap_ci(
    samples: Sequence[float],
    statistic: Callable[[np.ndarray], float] = np.mean,
    *,
    reps: int = 2000,
    alpha: float = 0.05,
    seed: int = 0,
) -> tuple[float, float]:
    """Percentile bootstrap interval of ``statistic`` over ``samples`` (seeded, reproducible);
    level 1 − alpha/k inside ``family(k)``."""
    alpha = alpha / family_size()
    a = np.asarray(samples, dtype=float)
    if a.size < 2:
        raise ValueError(f"bootstrap needs at least 2 samples, got {a.size}")
    rng = np.random.default_rng(seed)
    stats_ = np.array([statistic(a[rng.integers(0, a.size, a.size)]) for _ in range(reps)])
    return float(np.quantile(stats_, alpha / 2)), float(np.quantile(stats_, 1 - alpha / 2))
