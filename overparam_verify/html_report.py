"""The audit as one self-contained HTML page, beside the Markdown report.

Sections: the verdict counts and controls rejected, the environment (client, scheduler and
workers), the forest figure of every fitted exponent, the summary table (ID, kind, verdict,
key figure, control), the tightness table (statement, bound, the bound's law, the measured
law of the worst case, worst slack), then one section per statement: its text and source,
verdict and note, the judged parts (law: slope [CI] against the exponent and the resolution;
bound: slack, failures/trials, δ, the detectable rate), its control and replicate, and its
plot. Images are linked by the relative paths the caller gives (the PNGs stay files).
Works on an :class:`~overparam_verify.audit.AuditResult` or on a loaded JSON report.
"""
from __future__ import annotations

import html
import math
from pathlib import Path
from typing import Any, Mapping

__all__ = ["to_html", "write_html"]

_CSS = """
body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;margin:1.5em auto;max-width:1150px;color:#222;
line-height:1.4;padding:0 1em}
h1{font-size:1.5em}h2{font-size:1.2em;margin-top:1.6em;border-bottom:1px solid #ddd}
h3{font-size:1.02em;margin:1.2em 0 .3em}
table{border-collapse:collapse;font-size:.86em;margin:.5em 0}td,th{border:1px solid #ddd;padding:3px 6px;
vertical-align:top;text-align:left}th{background:#f4f4f4}
.holds{color:#17803d;font-weight:600}.violated{color:#c62828;font-weight:700}.inconclusive{color:#b26a00;font-weight:600}
.stmt{background:#fafafa;border-left:3px solid #bbb;padding:.3em .7em;margin:.3em 0}
.small{font-size:.85em;color:#555}img{max-width:100%;border:1px solid #eee}
section.lemma{border-top:1px solid #eee;margin-top:1em}code{font-size:.9em}
"""


def _g(obj: Any, name: str, default=None):
    if isinstance(obj, Mapping):
        return obj.get(name, default)
    return getattr(obj, name, default)


def _e(s: Any) -> str:
    return html.escape("" if s is None else str(s))


def _n(v, spec=".3g") -> str:
    if isinstance(v, bool) or v is None:
        return "—" if v is None else str(v)
    if isinstance(v, (int, float)) and math.isfinite(v):
        return format(v, spec)
    return _e(v)


def _ci(ci) -> str:
    return f"[{_n(ci[0], '.2f')}, {_n(ci[1], '.2f')}]" if isinstance(ci, (list, tuple)) and len(ci) == 2 else "—"


def _verdict(v: str | None) -> str:
    return f'<span class="{_e(v)}">{_e(v)}</span>'


def _key_figure(row) -> str:
    from .audit import LemmaResult, key_figure

    if isinstance(row, LemmaResult):
        return key_figure(row)
    try:
        r = LemmaResult(row.get("id", ""), row.get("kind", ""), row.get("verdict", ""), row.get("figures") or {},
                        "", "", "", 0, parts=list(row.get("parts") or []))
        return key_figure(r)
    except Exception:  # noqa: BLE001 - a report figure, never fatal
        return ""


def _parts_table(parts) -> str:
    if not parts:
        return ""
    rows = ["<table><tr><th>part</th><th>kind</th><th>statistic</th><th>verdict</th><th>figure</th>"
            "<th>decides</th><th>reason</th></tr>"]
    for p in parts:
        if p.get("kind") == "law":
            rel = {"upper": "≤", "lower": "≥", "two-sided": "="}.get(p.get("direction"), "")
            fig = (f"slope {_n(p.get('slope'), '.3f')} {_ci(p.get('ci'))} in {_e(p.get('variable'))} vs {rel} "
                   f"{_n(p.get('exponent'))} (resolution Δ {_n(p.get('resolution'), '.2g')}, {_e(p.get('model'))})")
        else:
            fig = (f"slack {_n(p.get('slack'))}, {_n(p.get('failures'))}/{_n(p.get('trials'))} fail, "
                   f"δ {_n(p.get('delta'))}, detects {_n(p.get('detectable_rate'), '.2g')}; bound {_e(p.get('bound'))}")
        rows.append(f"<tr><td>{_e(p.get('name'))}</td><td>{_e(p.get('kind'))}</td><td>{_e(p.get('statistic'))}</td>"
                    f"<td>{_verdict(p.get('verdict'))}</td><td>{fig}</td><td>{'yes' if p.get('decides', True) else 'no'}</td>"
                    f"<td class=small>{_e(p.get('reason'))}</td></tr>")
    rows.append("</table>")
    return "".join(rows)


def _tightness_rows(lemmas) -> list[str]:
    out = []
    for row in lemmas:
        for p in _g(row, "parts") or []:
            t = p.get("tightness") if p.get("kind") == "bound" else None
            if p.get("kind") != "bound" or (t is None and p.get("slack") is None):
                continue
            law = "—"
            if isinstance(t, Mapping) and t.get("slope") is not None:
                law = f"slope {_n(t.get('slope'), '.2f')} {_ci(t.get('ci'))} in {_e(t.get('variable'))}"
            bl = _e(t.get("bound_law")) if isinstance(t, Mapping) else "—"
            if isinstance(t, Mapping) and t.get("bound_slope") is not None:
                bl += f" (slope {_n(t.get('bound_slope'), '.3g')})"
            out.append(f"<tr><td>{_e(_g(row, 'id'))}</td><td>{_e(p.get('name'))}: {_e(p.get('bound'))}</td>"
                       f"<td>{bl}</td><td>{law}</td><td>{_n(p.get('slack'))}</td></tr>")
    return out


def to_html(result, *, plots: Mapping[str, str] | None = None, forest: str | None = None) -> str:
    """The report as an HTML string (``plots``: {id: image path relative to the page})."""
    plots = plots or {}
    lemmas = list(_g(result, "lemmas") or [])
    counts = {"holds": 0, "violated": 0, "inconclusive": 0}
    for r in lemmas:
        counts[_g(r, "verdict")] = counts.get(_g(r, "verdict"), 0) + 1
    declared = sum(_g(r, "control") is not None for r in lemmas)
    rejected = sum(bool((_g(r, "control") or {}).get("rejected")) for r in lemmas)
    env = _g(result, "environment") or {}
    profile = _g(result, "profile")
    secs = _g(result, "seconds") or 0.0
    h = [f"<!doctype html><html lang=en><head><meta charset=utf-8><title>overparam-verify audit ({_e(profile)})"
         f"</title><style>{_CSS}</style></head><body>",
         f"<h1>overparam-verify audit — profile <code>{_e(profile)}</code></h1>",
         f"<p><b>{len(lemmas)} statements: <span class=holds>{counts['holds']} holds</span>, "
         f"<span class=violated>{counts['violated']} violated</span>, <span class=inconclusive>"
         f"{counts['inconclusive']} inconclusive</span></b>; controls rejected {rejected}/{declared}; "
         f"{_n(secs, '.1f')} s.</p>"]
    envl = [f"Python {_e(env.get('python'))}, torch {_e(env.get('torch'))}, device <code>{_e(env.get('device'))}</code>, "
            f"{_e(env.get('cpu_count'))} CPUs, {_e(env.get('platform'))}, commit <code>{_e(env.get('git_commit'))}</code>"]
    if env.get("executor"):
        envl.append(f"executor {_e(env.get('executor'))}" + (f", scheduler <code>{_e(env.get('scheduler'))}</code>, "
                                                             f"{_e(env.get('workers'))} worker(s)" if env.get("scheduler") else ""))
    we = env.get("worker_environment")
    if isinstance(we, Mapping) and we:
        envl.append("workers: " + "; ".join(
            f"<code>{_e(a)}</code>: Python {_e(w.get('python'))}, torch {_e(w.get('torch'))}, {_e(w.get('platform'))}"
            if isinstance(w, Mapping) else f"{_e(a)}: {_e(w)}" for a, w in we.items()))
    for w in env.get("warnings") or []:
        envl.append(f"<span class=inconclusive>{_e(w)}</span>")
    h.append("<p class=small>Environment: " + "<br>".join(envl) + "</p>")
    if forest:
        h.append(f"<h2>Every fitted exponent</h2><p><img src=\"{_e(forest)}\" alt=\"forest figure of every fitted "
                 f"exponent with its confidence interval against the theory's\"></p>")
    h.append("<h2>Verdicts</h2><table><tr><th>ID</th><th>kind</th><th>verdict</th><th>key figure</th>"
             "<th>control</th><th>source</th><th>cells</th></tr>")
    for r in lemmas:
        c = _g(r, "control")
        ctl = "—" if not c else (f"<span class=holds>rejected</span> <span class=small>(control {_e(c.get('verdict'))})</span>"
                                 if c.get("rejected") else
                                 f"<span class=violated>not rejected</span> <span class=small>(control {_e(c.get('verdict'))})</span>")
        sid = _g(r, "id")
        h.append(f"<tr><td><a href=\"#{_e(sid)}\">{_e(sid)}</a></td><td>{_e(_g(r, 'kind'))}</td>"
                 f"<td>{_verdict(_g(r, 'verdict'))}</td><td>{_e(_key_figure(r))}</td><td>{ctl}</td>"
                 f"<td class=small>{_e(_g(r, 'source'))}</td><td>{_e(_g(r, 'cells'))}</td></tr>")
    h.append("</table>")
    tight = _tightness_rows(lemmas)
    if tight:
        h.append("<h2>Tightness of the explicit bounds</h2><table><tr><th>statement</th><th>bound</th>"
                 "<th>bound's law</th><th>measured law (worst case)</th><th>worst slack</th></tr>"
                 + "".join(tight) + "</table>")
    h.append("<h2>Statements</h2>")
    for r in lemmas:
        sid = _g(r, "id")
        h.append(f"<section class=lemma id=\"{_e(sid)}\"><h3>{_e(sid)} ({_e(_g(r, 'kind'))}) — "
                 f"{_verdict(_g(r, 'verdict'))}</h3>")
        h.append(f"<div class=stmt>{_e(_g(r, 'statement'))}</div><p class=small>{_e(_g(r, 'source'))}</p>")
        kf = _key_figure(r)
        if kf:
            h.append(f"<p>{_e(kf)}</p>")
        if _g(r, "note"):
            h.append(f"<p class=small>{_e(_g(r, 'note'))}</p>")
        h.append(_parts_table(_g(r, "parts")))
        c = _g(r, "control")
        if c:
            h.append(f"<p><b>Control</b> ({_e(c.get('kind'))}): {_e(c.get('description'))} — {_verdict(c.get('verdict'))}"
                     f"{', rejected' if c.get('rejected') else ', <b>not rejected</b>'}</p>")
            h.append(_parts_table(c.get("parts")))
        rep = _g(r, "replicate")
        if rep:
            h.append(f"<p><b>Replicate</b> (fresh seeds): {_verdict(rep.get('verdict'))}</p>")
        if sid in plots:
            h.append(f"<p><img src=\"{_e(plots[sid])}\" alt=\"{_e(sid)} plot\"></p>")
        h.append("</section>")
    h.append("</body></html>")
    return "\n".join(h) + "\n"


def write_html(result, path: str | Path, *, plots: Mapping[str, str] | None = None, forest: str | None = None) -> Path:
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(to_html(result, plots=plots, forest=forest), encoding="utf-8")
    return p
