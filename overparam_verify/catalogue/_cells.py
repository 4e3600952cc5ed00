"""Helpers shared by the catalogue families: profile names, child seeds, the one-thread cell
decorator and the log-log plot every S statement draws (measured points, fitted slope, and the
theory's slope through the highest point)."""
from __future__ import annotations

import functools
import math
from typing import Any, Callable

from .. import stats

PROFILES = ("ci", "quick", "full")


def check_profile(profile: str) -> str:
    """``profile`` itself, or a ``ValueError`` naming the allowed values."""
    if profile not in PROFILES:
        raise ValueError(f"profile must be 'ci', 'quick' or 'full', got {profile!r}")
    return profile


def sub_seed(seed: int, *parts: int) -> int:
    """A deterministic child seed in [0, 2³¹): cells stay independent and reproducible."""
    h = int(seed) & 0x7FFFFFFF
    for p in parts:
        h = (h * 1000003 + int(p) * 7919 + 12345) & 0x7FFFFFFF
    return h


def single_thread(fn: Callable) -> Callable:
    """Run ``fn`` on one intra-op torch thread (restored afterwards). The matrices of a cell are
    small; on a shared machine torch's thread pool makes them slower (up to 50×), not faster, and
    the audit runs cells side by side in worker processes anyway."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any):
        import torch

        old = torch.get_num_threads()
        torch.set_num_threads(1)
        try:
            return fn(*args, **kwargs)
        finally:
            torch.set_num_threads(old)

    return wrapper


def loglog_fit_or_none(x, y) -> stats.SlopeFit | None:
    """The log-log fit of the positive, finite points, or ``None`` with fewer than 3 distinct x."""
    pts = [(float(a), float(b)) for a, b in zip(x, y) if b is not None and math.isfinite(b) and b > 0 and a > 0]
    if len({a for a, _ in pts}) < 3:
        return None
    try:
        return stats.loglog_fit([a for a, _ in pts], [b for _, b in pts])
    except ValueError:
        return None


def loglog_plot(ax, x, y, exponent: float | None, *, label: str, xlabel: str, ylabel: str | None = None,
                fit: stats.SlopeFit | None | str = "auto") -> None:
    """Measured points, the fitted line (``fit="auto"`` fits here) and the theory's slope drawn
    through the highest point (so an upper bound's line lies on or above every point)."""
    import numpy as np

    pts = [(float(a), float(b)) for a, b in zip(x, y) if b is not None and math.isfinite(b) and b > 0 and a > 0]
    if not pts:
        return
    xv, yv = [a for a, _ in pts], [b for _, b in pts]
    ax.loglog(xv, yv, "o", label=f"measured ({label})")
    if fit == "auto":
        fit = loglog_fit_or_none(xv, yv)
    xs = np.geomspace(min(xv), max(xv), 50)
    if fit is not None:
        ax.loglog(xs, fit.constant * xs**fit.slope, "-", label=f"fit slope {fit.slope:.2f}")
    if exponent is not None and len(set(xv)) >= 2:
        c = max(b / a**exponent for a, b in pts)
        ax.loglog(xs, c * xs**exponent, "--", label=f"theory slope {exponent:.3g}")
    # tick the swept values themselves (widths, depths, τ): readable, and never crowded minor labels
    from matplotlib.ticker import NullFormatter

    ticks = sorted(set(xv))
    if len(ticks) <= 10:
        ax.set_xticks(ticks)
        ax.set_xticklabels([f"{t:g}" for t in ticks])
        ax.xaxis.set_minor_formatter(NullFormatter())
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel or label)
    ax.legend(fontsize=7)
