"""Audit plots drawn from the judged parts (the numbers of the report's table, nothing refitted).

For every statement with a law or bound part (violated ones included), one PNG with a panel
per deciding part (and "also measured" parts while there is room, :data:`MAX_PANELS`):

* a **law** (:func:`overparam_verify.judge.judge_law`): the measured points, the judged fit
  ``y = exp(intercept)·x^slope`` (``model="power"``, log-log) or ``y = exp(intercept + slope·x)``
  (``"geometric"``, log-linear), its confidence band (the slope's interval pivoted at the
  centroid of the points, where the least-squares line passes), the theory's exponent k and
  the declared resolution — the alternative exponent k+Δ (upper), k−Δ (lower) or both — drawn
  through the same centroid; the sweep variable names the x axis (mathtext);
* a **bound** (:func:`~overparam_verify.judge.judge_bound`): measured/bound per trial against
  the swept variable (or the trial index), with the line at 1.

:func:`write_forest` draws one summary figure: every fitted exponent with its CI against the
theory's, coloured by the part's verdict. Statements without judged parts (the pre-judge
protocol) keep their own ``plot(results, judgement, ax)`` or a generic log-log of ``x``/``y``
figures. Tick labels are thinned until none overlap (:func:`tick_labels_overlap` checks).
"""
from __future__ import annotations

import math
import os
from pathlib import Path
from typing import Any, Mapping

__all__ = ["write_plots", "plot_lemma", "plot_law", "plot_bound", "write_forest", "forest_rows",
           "tick_labels_overlap", "VAR_LABEL"]

#: sweep variable -> mathtext axis label
VAR_LABEL = {
    "m": r"width $m$", "m_l": r"width $m_l$", "m_1": r"width $m_1$", "L": r"depth $L$", "l": r"layer $l$",
    "tau": r"radius $\tau$", "τ": r"radius $\tau$", "phi": r"separation $\phi$", "φ": r"separation $\phi$",
    "n": r"samples $n$", "delta": r"$\delta$", "δ": r"$\delta$", "d": r"input dimension $d$",
    "s": r"sparsity $s$", "beta": r"$\beta$", "β": r"$\beta$", "theta": r"$\theta$", "θ": r"$\theta$",
    "omega": r"$\omega$", "ω": r"$\omega$", "eta": r"step size $\eta$", "η": r"step size $\eta$",
    "k": r"iteration $k$", "t": r"iteration $t$", "M": r"$M$",
}
VERDICT_COLOR = {"holds": "tab:green", "violated": "tab:red", "inconclusive": "tab:orange"}


def _safe(sid: str) -> str:
    return "".join(c if c.isalnum() or c in "-._" else "_" for c in sid)


def _var_label(v: str | None) -> str:
    if not v:
        return "trial"
    return VAR_LABEL.get(v, f"${v}$" if v.replace("_", "").isalnum() and len(v) <= 8 else v)


def _num(v) -> float | None:
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        return None
    v = float(v)
    return v if math.isfinite(v) else None


def _get(obj: Any, name: str, default=None):
    return obj.get(name, default) if isinstance(obj, Mapping) else getattr(obj, name, default)


# ----------------------------------------------------------------------------------------------
# ticks


def tick_labels_overlap(fig, draw: bool = True) -> list[str]:
    """The axes of ``fig`` whose visible tick labels overlap (rendered), as ``"ax{i}.x"``/``.y``.
    ``draw=False`` trusts the last layout pass (``tight_layout`` places the ticks)."""
    if draw:
        fig.canvas.draw()
    r = fig.canvas.get_renderer()
    bad = []
    for i, ax in enumerate(fig.axes):
        for name, axis in (("x", ax.xaxis), ("y", ax.yaxis)):
            boxes = [t.get_window_extent(r) for t in axis.get_ticklabels(minor=False) + axis.get_ticklabels(minor=True)
                     if t.get_visible() and t.get_text()]
            boxes.sort(key=lambda b: (b.x0, b.y0))
            if any(a.overlaps(b) for j, a in enumerate(boxes) for b in boxes[j + 1:]):
                bad.append(f"ax{i}.{name}")
    return bad


def _declutter(fig) -> None:
    """Hide every other tick label (repeatedly) on any axis whose labels overlap."""
    for i in range(4):
        bad = tick_labels_overlap(fig, draw=i == 0)  # hiding labels moves none: one draw suffices
        if not bad:
            return
        for tag in bad:
            i, name = tag[2:].split(".")
            axis = fig.axes[int(i)].xaxis if name == "x" else fig.axes[int(i)].yaxis
            for t in axis.get_ticklabels(minor=True):
                t.set_visible(False)
            shown = [t for t in axis.get_ticklabels(minor=False) if t.get_visible() and t.get_text()]
            for t in shown[1::2]:
                t.set_visible(False)


def _drop_log_minor_ticks(fig) -> None:
    """No minor ticks on a log axis that shows at least two labelled major ones: each log axis
    carries dozens of minor ticks, and measuring them was most of the layout's time (a report's
    60 figures: 25 → 17 CPU-s per 30). An axis spanning too little for two decade ticks gets
    labelled 1-2-5 (then 1…9) majors instead, so that no log axis is left without numbers."""
    from matplotlib.ticker import NullLocator

    for ax in fig.axes:
        for axis, scale in ((ax.xaxis, ax.get_xscale()), (ax.yaxis, ax.get_yscale())):
            if scale != "log":
                continue
            lo, hi = sorted(axis.get_view_interval())
            shown = lambda: sum(lo <= v <= hi for v in axis.get_majorticklocs())  # noqa: E731
            for subs in ((1.0, 2.0, 5.0), tuple(float(k) for k in range(1, 10))):
                if shown() >= 2:
                    break
                _plain_log_labels(axis, subs)
            if shown() >= 2:
                axis.set_minor_locator(NullLocator())


def _wrap(text: str, width: int = 44) -> str:
    import textwrap

    return "\n".join(textwrap.wrap(str(text), width)[:3])


def _plain_log_labels(axis, subs: tuple[float, ...] | None = None) -> None:
    """Plain-number major labels (``.3g``) and no minor labels (they crowd) on a log axis;
    ``subs``: major ticks at these multiples of every decade (default: the locator's own)."""
    from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

    if subs is not None:
        axis.set_major_locator(LogLocator(base=10, subs=subs))
    axis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:.3g}"))
    axis.set_minor_formatter(NullFormatter())


def _y_log_ticks(ax) -> None:
    """Plain-number labels on a log y axis; 1-2-5 major ticks when the range spans under two
    decades, and no minor labels (they crowd)."""
    lo, hi = ax.get_ylim()
    subs = None
    if 0 < lo < hi and math.log10(hi) - math.log10(lo) < 2:
        subs = (1.0, 2.0, 5.0)
        if sum(lo <= m * 10.0 ** e <= hi for e in range(math.floor(math.log10(lo)), math.ceil(math.log10(hi)) + 1)
               for m in subs) < 2:
            subs = tuple(float(m) for m in range(1, 10))
    _plain_log_labels(ax.yaxis, subs)


def _x_ticks(ax, xs: list[float], log: bool) -> None:
    from matplotlib.ticker import FixedLocator, FuncFormatter, NullFormatter

    vals = sorted(set(xs))
    if 1 <= len(vals) <= 8:
        ok = all((b / a if log else 1.0) >= 1.25 for a, b in zip(vals, vals[1:])) if log else True
        if ok:
            ax.xaxis.set_major_locator(FixedLocator(vals))
            ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
            ax.xaxis.set_minor_formatter(NullFormatter())


# ----------------------------------------------------------------------------------------------
# one part


def _law_points(part: Mapping) -> tuple[list[float], list[float]]:
    x, y = part.get("x") or [], part.get("y") or []
    power = part.get("model", "power") == "power"
    pts = [(float(a), float(b)) for a, b in zip(x, y) if _num(a) is not None and _num(b) is not None
           and b > 0 and (a > 0 or not power)]
    return [a for a, _ in pts], [b for _, b in pts]


def plot_law(ax, part: Mapping) -> bool:
    """Draw one judged law on ``ax`` (see the module docstring). ``False`` if it has no points."""
    import numpy as np

    xs, ys = _law_points(part)
    if len(xs) < 1:
        return False
    power = part.get("model", "power") == "power"
    verdict = part.get("verdict", "inconclusive")
    ax.plot(xs, ys, "o", ms=4, alpha=0.75, color="tab:blue", label="measured", zorder=3)
    u = np.log(np.asarray(xs)) if power else np.asarray(xs)  # the fit's abscissa
    grid_u = np.linspace(u.min(), u.max(), 60) if len(set(xs)) > 1 else u
    grid_x = np.exp(grid_u) if power else grid_u
    slope, icpt, ci = _num(part.get("slope")), _num(part.get("intercept")), part.get("ci")
    if slope is not None and icpt is not None:
        ubar = float(u.mean())
        cbar = icpt + slope * ubar  # the fitted log y at the centroid
        ax.plot(grid_x, np.exp(icpt + slope * grid_u), "-", color=VERDICT_COLOR.get(verdict, "k"), lw=1.6,
                label=f"fit slope {slope:.2f}" + (f" [{ci[0]:.2f}, {ci[1]:.2f}]" if ci else ""), zorder=4)
        if ci and _num(ci[0]) is not None and _num(ci[1]) is not None:
            lo = np.exp(cbar + ci[0] * (grid_u - ubar))
            hi = np.exp(cbar + ci[1] * (grid_u - ubar))
            ax.fill_between(grid_x, np.minimum(lo, hi), np.maximum(lo, hi), color=VERDICT_COLOR.get(verdict, "k"),
                            alpha=0.15, lw=0, label="95% CI of the slope")
        k, d = _num(part.get("exponent")), _num(part.get("resolution"))
        if k is not None:
            rel = {"upper": "≤", "lower": "≥", "two-sided": "="}.get(part.get("direction"), "")
            ax.plot(grid_x, np.exp(cbar + k * (grid_u - ubar)), "--", color="k", lw=1.1,
                    label=f"theory exponent {rel} {k:.3g}")
            if d is not None:
                alts = {"upper": [k + d], "lower": [k - d], "two-sided": [k - d, k + d]}.get(part.get("direction"), [])
                for j, a in enumerate(alts):
                    ax.plot(grid_x, np.exp(cbar + a * (grid_u - ubar)), ":", color="0.45", lw=1.1,
                            label=(f"resolution: alternative {a:.3g} (Δ {d:.2g})" if j == 0 else f"alternative {a:.3g}"))
    if power:
        ax.set_xscale("log")
    ax.set_yscale("log")
    _y_log_ticks(ax)
    _x_ticks(ax, xs, power)
    ax.set_xlabel(_var_label(part.get("variable")))
    ax.set_ylabel(_wrap(part.get("statistic") or part.get("name")), fontsize=7)
    ax.set_title(f"{part.get('name')}: {verdict}", fontsize=8, color=VERDICT_COLOR.get(verdict, "k"))
    ax.grid(alpha=0.25, which="both")
    ax.legend(fontsize=6, loc="best")
    return True


def plot_bound(ax, part: Mapping) -> bool:
    """Draw one judged bound: measured/bound per trial against its variable, the line at 1."""
    r = [_num(v) for v in part.get("ratios") or []]
    if not r or all(v is None for v in r):
        return False
    x = part.get("x")
    var = part.get("variable")
    has_x = isinstance(x, list) and len(x) == len(r) and all(_num(v) is not None for v in x)
    if has_x:
        xs = [float(v) for v in x]
    else:
        xs, var = [float(i) for i in range(len(r))], None
    pts = [(a, b) for a, b in zip(xs, r) if b is not None]
    xv, rv = [a for a, _ in pts], [b for _, b in pts]
    le = part.get("direction", "le") == "le"
    fail = [(b > 1.0) if le else (b < 1.0) for b in rv]
    verdict = part.get("verdict", "inconclusive")
    ok = [(a, b) for (a, b), f in zip(pts, fail) if not f]
    bad = [(a, b) for (a, b), f in zip(pts, fail) if f]
    if ok:
        ax.plot([a for a, _ in ok], [b for _, b in ok], "o", ms=4, alpha=0.7, color="tab:blue",
                label="measured / bound")
    if bad:
        ax.plot([a for a, _ in bad], [b for _, b in bad], "x", ms=6, color="tab:red", label="failing trial")
    ax.axhline(1.0, color="tab:red", lw=1.2, ls="--", label=f"bound ({'≤' if le else '≥'} 1)")
    logx = has_x and min(xv) > 0 and max(xv) / min(xv) >= 8
    if logx:
        ax.set_xscale("log")
    if min(rv) > 0 and math.log10(max(rv)) - math.log10(min(rv)) >= math.log10(30):
        ax.set_yscale("log")
        _y_log_ticks(ax)
    _x_ticks(ax, xv, logx)
    ax.set_xlabel(_var_label(var) if var else ("the swept value of each trial" if has_x else "trial"))
    ax.set_ylabel(_wrap(f"{part.get('statistic') or part.get('name')} / bound"), fontsize=7)
    slack, F, T = _num(part.get("slack")), part.get("failures"), part.get("trials")
    extra = (f", slack {slack:.3g}" if slack is not None else "") + (f", {F}/{T} fail" if T else "")
    dropped = sum(v is None for v in r)
    if dropped:
        extra += f"; {dropped} non-finite ratio(s) not drawn"
    ax.set_title(f"{part.get('name')}: {verdict}{extra}", fontsize=8, color=VERDICT_COLOR.get(verdict, "k"))
    ax.grid(alpha=0.25, which="both")
    ax.legend(fontsize=6, loc="best")
    return True


#: panels per statement figure: every deciding part, then "also measured" parts while room is left
MAX_PANELS = 4


def _plottable(parts) -> list[Mapping]:
    out = []
    for p in parts or []:
        if p.get("kind") == "law" and _law_points(p)[0]:
            out.append(p)
        elif p.get("kind") == "bound" and any(_num(v) is not None for v in p.get("ratios") or []):
            out.append(p)
    deciding = [p for p in out if p.get("decides", True)]
    also = [p for p in out if not p.get("decides", True)]
    return deciding + also[:max(0, MAX_PANELS - len(deciding))]


def _generic(row, ax) -> bool:
    f = _get(row, "figures") or {}
    x, y = f.get("x"), f.get("y")
    if not (isinstance(x, list) and isinstance(y, list) and len(x) == len(y) and len(x) >= 2):
        return False
    pts = [(float(a), float(b)) for a, b in zip(x, y) if _num(a) and _num(b) and a > 0 and b > 0]
    if len(pts) < 2:
        return False
    xs, ys = zip(*pts)
    ax.loglog(xs, ys, "o", label="measured")
    if _num(f.get("slope")) is not None and _num(f.get("constant")) is not None:
        ax.loglog(xs, [f["constant"] * a ** f["slope"] for a in xs], "-", label=f"fit slope {f['slope']:.2f}")
    if _num(f.get("theory_exponent")) is not None:
        c0 = ys[0] / xs[0] ** f["theory_exponent"]
        ax.loglog(xs, [c0 * a ** f["theory_exponent"] for a in xs], "--", label=f"theory slope {f['theory_exponent']:.3g}")
    ax.legend(fontsize=8)
    return True


def plot_lemma(row, plot_fn, path: Path) -> Path | None:
    """Draw one statement's figure into ``path`` (PNG): a panel per judged part, else its own
    ``plot_fn`` or the generic log-log; ``None`` if there is nothing to draw."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    parts = _plottable(_get(row, "parts"))
    n = len(parts)
    ncols = min(max(n, 1), 2)
    nrows = max(1, math.ceil(n / 2))
    fig, axes = plt.subplots(nrows, ncols, figsize=(5.2 * ncols, 3.9 * nrows), squeeze=False)
    flat = [ax for rowax in axes for ax in rowax]
    try:
        if n:
            for ax, p in zip(flat, parts):
                (plot_law if p.get("kind") == "law" else plot_bound)(ax, p)
            for ax in flat[n:]:
                ax.set_visible(False)
        elif plot_fn is not None and _get(row, "judgement") is not None:
            plot_fn(_get(row, "results"), _get(row, "judgement"), axes[0][0])
        elif not _generic(row, axes[0][0]):
            return None
        verdict = _get(row, "verdict")
        fig.suptitle(f"{_get(row, 'id')} ({_get(row, 'kind')}): {verdict}", fontsize=10,
                     color=VERDICT_COLOR.get(verdict, "k"))
        _drop_log_minor_ticks(fig)
        fig.tight_layout(rect=(0, 0, 1, 0.96))
        path.parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(path, dpi=100)  # draws: tick positions are final now
        if tick_labels_overlap(fig, draw=False):  # rare: thin the labels and save again
            _declutter(fig)
            fig.savefig(path, dpi=100)
        return path
    finally:
        plt.close(fig)


_JOBS: list = []  # the jobs of write_plots, inherited by its forked processes (plot functions need not pickle)


def _plot_index(i: int):
    return _plot_one(_JOBS[i])


def _plot_one(job):
    sid, row, fn, path = job
    try:
        p = plot_lemma(row, fn, path)
    except Exception as exc:  # noqa: BLE001
        return sid, None, f"{type(exc).__name__}: {exc}"
    return sid, (str(p) if p is not None else None), None


def write_plots(result, out: str | Path, statements=None, *, processes: int | None = None) -> tuple[dict[str, str], dict[str, str]]:
    """One PNG per statement that has a judged law/bound part, its own plot, or x/y series, in
    ``out``; returns ``({id: path}, {id: error})`` — a failing plot never stops the others.
    The figures are drawn in ``processes`` forked processes (default: the CPU count, at most 4)
    when there are more than a few: drawing is the slow part of writing an audit's report."""
    out = Path(out)
    jobs = []
    for row in _get(result, "lemmas"):
        sid = _get(row, "id")
        st = (statements or {}).get(sid)
        fn = getattr(st, "plot", None) if st is not None else None
        if fn is None and not _get(row, "figures") and not _plottable(_get(row, "parts")):
            continue
        jobs.append((sid, row, fn, out / f"{_safe(sid)}.png"))
    n = processes if processes is not None else min(4, os.cpu_count() or 1)
    outcomes = None
    if n > 1 and len(jobs) > 4:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        _JOBS[:] = jobs
        try:
            with ProcessPoolExecutor(n, mp_context=multiprocessing.get_context("fork")) as pool:
                outcomes = list(pool.map(_plot_index, range(len(jobs)), chunksize=max(1, len(jobs) // (4 * n))))
        except Exception:  # noqa: BLE001 - no fork here, or a broken pool: draw in-process
            outcomes = None
        finally:
            _JOBS.clear()
    if outcomes is None:
        outcomes = [_plot_one(j) for j in jobs]
    done = {sid: p for sid, p, err in outcomes if p is not None}
    failed = {sid: err for sid, _, err in outcomes if err is not None}
    return done, failed


# ----------------------------------------------------------------------------------------------
# the forest figure


def forest_rows(result) -> list[dict]:
    """Every fitted exponent of the audit: ``{"label", "slope", "ci", "theory", "alternatives",
    "verdict", "what"}`` for each law part with a fit (and each bound's tightness fit), or the
    legacy ``figures`` slope/ci/theory_exponent of a statement without parts."""
    rows = []
    for row in _get(result, "lemmas"):
        sid, parts = _get(row, "id"), _get(row, "parts") or []
        for p in parts:
            if p.get("kind") == "law" and _num(p.get("slope")) is not None and p.get("ci"):
                k, d = _num(p.get("exponent")), _num(p.get("resolution")) or 0.0
                alts = {"upper": [k + d], "lower": [k - d], "two-sided": [k - d, k + d]}.get(p.get("direction"), []) \
                    if k is not None else []
                also = "" if p.get("decides", True) else ", also measured"
                rows.append({"label": f"{sid} · {p.get('name')} ({p.get('variable')}{also})", "slope": p["slope"],
                             "ci": list(p["ci"]), "theory": k, "alternatives": alts,
                             "verdict": p.get("verdict", "inconclusive"), "what": "law",
                             "decides": bool(p.get("decides", True))})
            t = p.get("tightness") if p.get("kind") == "bound" else None
            if isinstance(t, Mapping) and _num(t.get("slope")) is not None and t.get("ci"):
                rows.append({"label": f"{sid} · {p.get('name')} worst case ({t.get('variable')}) vs {t.get('bound_law')}",
                             "slope": t["slope"], "ci": list(t["ci"]), "theory": _num(t.get("bound_slope")),
                             "alternatives": [], "verdict": p.get("verdict", "inconclusive"), "what": "tightness",
                             "decides": False})
        if not parts:
            f = _get(row, "figures") or {}
            ci = f.get("ci")
            if _num(f.get("slope")) is not None and isinstance(ci, list) and len(ci) == 2:
                rows.append({"label": f"{sid}", "slope": f["slope"], "ci": ci, "theory": _num(f.get("theory_exponent")),
                             "alternatives": [], "verdict": _get(row, "verdict"), "what": "figures", "decides": True})
    return rows


def write_forest(result, path: str | Path) -> Path | None:
    """The forest figure: each fitted exponent (point) with its 95% CI (bar) against the theory's
    (black mark) and the declared alternative (grey marks). ``None`` when nothing was fitted."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = forest_rows(result)
    if not rows:
        return None
    path = Path(path)
    n = len(rows)
    fig, ax = plt.subplots(figsize=(8.5, 0.26 * n + 1.4))
    try:
        for i, r in enumerate(rows):
            y = n - 1 - i
            c = VERDICT_COLOR.get(r["verdict"], "k")
            a = 1.0 if r.get("decides", True) else 0.45  # "also measured": never decides, drawn pale
            lo, hi = r["ci"]
            ax.plot([lo, hi], [y, y], "-", color=c, lw=2.2, solid_capstyle="butt", alpha=a)
            ax.plot([r["slope"]], [y], "s" if r["what"] == "tightness" else "o", color=c, ms=4, alpha=a)
            if r["theory"] is not None:
                ax.plot([r["theory"]], [y], "|", color="k", ms=11, mew=1.8)
            for a in r["alternatives"]:
                ax.plot([a], [y], "|", color="0.6", ms=8, mew=1.2)
        ax.set_yticks(range(n))
        ax.set_yticklabels([r["label"] for r in reversed(rows)], fontsize=6)
        ax.set_ylim(-0.8, n - 0.2)
        ax.set_xlabel("fitted exponent (95% CI); black: the theory's, grey: the declared alternative", fontsize=8)
        from matplotlib.lines import Line2D

        handles = [Line2D([], [], color=c, lw=2.2, label=v) for v, c in VERDICT_COLOR.items()]
        handles += [Line2D([], [], color="k", marker="|", ls="", ms=10, label="theory"),
                    Line2D([], [], color="0.6", marker="|", ls="", ms=8, label="alternative k±Δ"),
                    Line2D([], [], color="0.3", marker="s", ls="", ms=4, label="bound tightness fit")]
        ax.legend(handles=handles, fontsize=6, loc="upper center", bbox_to_anchor=(0.5, -0.9 / (0.26 * n + 1.4) - 0.06),
                  ncol=6, frameon=False)
        ax.grid(axis="x", alpha=0.3)
        ax.set_title("every fitted exponent against the theory's (pale: also measured, not deciding)", fontsize=9)
        fig.tight_layout()
        _declutter(fig)
        path.parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(path, dpi=110, bbox_inches="tight")
        return path
    finally:
        plt.close(fig)
