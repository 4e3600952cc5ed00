"""Audit plots: each statement's own ``plot(results, judgement, ax)`` (log-log fit with the
theory's slope beside it), and a generic log-log plot when its figures carry ``x``/``y`` series."""
from __future__ import annotations

from pathlib import Path

from .audit import AuditResult, LemmaResult

__all__ = ["write_plots", "plot_lemma"]


def _safe(sid: str) -> str:
    return "".join(c if c.isalnum() or c in "-._" else "_" for c in sid)


def _generic(row: LemmaResult, ax) -> bool:
    f = row.figures or {}
    x, y = f.get("x"), f.get("y")
    if not (isinstance(x, list) and isinstance(y, list) and len(x) == len(y) and len(x) >= 2):
        return False
    pts = [(float(a), float(b)) for a, b in zip(x, y) if float(a) > 0 and float(b) > 0]
    if len(pts) < 2:
        return False
    xs, ys = zip(*pts)
    ax.loglog(xs, ys, "o", label="measured")
    if isinstance(f.get("slope"), (int, float)) and isinstance(f.get("constant"), (int, float)):
        ax.loglog(xs, [f["constant"] * a ** f["slope"] for a in xs], "-", label=f"fit slope {f['slope']:.2f}")
    if isinstance(f.get("theory_exponent"), (int, float)):
        c0 = ys[0] / xs[0] ** f["theory_exponent"]
        ax.loglog(xs, [c0 * a ** f["theory_exponent"] for a in xs], "--", label=f"theory slope {f['theory_exponent']:.3g}")
    ax.legend(fontsize=8)
    return True


def plot_lemma(row: LemmaResult, plot_fn, path: Path) -> Path | None:
    """Draw one statement's figure into ``path`` (PNG); ``None`` if there is nothing to draw."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5.0, 3.8))
    try:
        if plot_fn is not None and row.judgement is not None:
            plot_fn(row.results, row.judgement, ax)
        elif not _generic(row, ax):
            return None
        ax.set_title(f"{row.id} ({row.verdict})", fontsize=9)
        fig.tight_layout()
        path.parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(path, dpi=100)
        return path
    finally:
        plt.close(fig)


def write_plots(result: AuditResult, out: str | Path, statements=None) -> tuple[dict[str, str], dict[str, str]]:
    """One PNG per statement that has a plot (or x/y series) in ``out``; returns
    ``({id: path}, {id: error})`` — a failing plot never stops the others."""
    out = Path(out)
    done, failed = {}, {}
    for row in result.lemmas:
        st = (statements or {}).get(row.id)
        fn = getattr(st, "plot", None) if st is not None else None
        if fn is None and not row.figures:
            continue
        try:
            p = plot_lemma(row, fn, out / f"{_safe(row.id)}.png")
        except Exception as exc:  # noqa: BLE001
            failed[row.id] = f"{type(exc).__name__}: {exc}"
            continue
        if p is not None:
            done[row.id] = str(p)
    return done, failed
