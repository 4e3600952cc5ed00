"""Audit reports: JSON (the schema of issue 7), Markdown, and the rich console table."""
from __future__ import annotations

import json
import math
from pathlib import Path

from .audit import AuditResult, LemmaResult, key_figure

__all__ = ["write_json", "to_markdown", "write_markdown", "console_table", "VERDICT_STYLE"]

VERDICT_STYLE = {"holds": "green", "violated": "bold red", "inconclusive": "yellow"}


def write_json(result: AuditResult, path: str | Path) -> Path:
    """``{"profile", "environment", "summary", "lemmas": [{"id", "kind", "verdict", "figures",
    "source", "statement", "note", "cells"}, ...]}``."""
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(json.dumps(result.as_dict(), indent=1, ensure_ascii=False))
    return p


def _md_cell(s: str) -> str:
    return str(s).replace("|", "\\|").replace("\n", " ")


def to_markdown(result: AuditResult, *, plots: dict[str, str] | None = None) -> str:
    """A readable report: environment, verdict counts, the table, then the notes."""
    c = result.counts()
    env = result.environment
    lines = [
        f"# overparam-verify audit — profile `{result.profile}`",
        "",
        f"**{len(result.lemmas)} statements: {c['holds']} holds, {c['violated']} violated, "
        f"{c['inconclusive']} inconclusive** ({result.seconds:.1f} s); "
        f"**controls rejected: {result.controls_rejected()}/{result.controls_declared()}**",
        "",
        f"Environment: Python {env.get('python')}, torch {env.get('torch')}, device `{env.get('device')}`, "
        f"{env.get('cpu_count')} CPUs, {env.get('platform')}, commit `{env.get('git_commit')}`.",
        "",
        "| ID | kind | verdict | control | key figure | source | cells |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in result.lemmas:
        v = f"**{r.verdict}**" if r.verdict == "violated" else r.verdict
        lines.append(f"| {_md_cell(r.id)} | {r.kind} | {v} | {_control_cell(r)} | {_md_cell(key_figure(r))} | "
                     f"{_md_cell(r.source)} | {r.cells} |")
    tight = tightness_rows(result)
    if tight:
        lines += ["", "## Tightness", "",
                  "The worst measured/bound ratio of every explicit bound and, where the bound carries a factor in a "
                  "swept variable, the law of the measured worst case fitted in that variable beside the bound's own.",
                  "", "| ID | part | bound | bound's law | measured law | worst slack | failures |", "|---|---|---|---|---|---|---|"]
        for t in tight:
            lines.append("| " + " | ".join(_md_cell(t[k]) for k in ("id", "part", "bound", "bound_law", "measured_law",
                                                                     "slack", "failures")) + " |")
    controls = [r for r in result.lemmas if r.control]
    if controls:
        lines += ["", "## Controls", "", "Each statement's negative control: a setting in which it is false, run "
                  "through the same cells and judge; it must come out `violated`.", "",
                  "| ID | control | kind | verdict | rejected |", "|---|---|---|---|---|"]
        for r in controls:
            cv = r.control
            lines.append(f"| {_md_cell(r.id)} | {_md_cell(cv.get('description'))} | {cv.get('kind')} | {cv.get('verdict')} | "
                         f"{'yes' if cv.get('rejected') else '**no**'} |")
    lines += ["", "## Notes", ""]
    for r in result.lemmas:
        lines.append(f"- **{r.id}** ({r.verdict}): {_md_cell(r.note) or '—'}")
        if plots and r.id in plots:
            lines.append(f"  ![{r.id}]({plots[r.id]})")
    return "\n".join(lines) + "\n"


def _control_cell(r: LemmaResult) -> str:
    if not r.control:
        return "—"
    return "rejected" if r.control.get("rejected") else f"**not rejected** ({r.control.get('verdict')})"


def _law_text(model: str | None, variable: str | None, slope: float | None) -> str:
    if slope is None or variable is None:
        return "—"
    if model == "geometric":
        return f"{math.exp(slope):.3g}^{variable}"
    return f"{variable}^{slope:.2f}"


def tightness_rows(result: AuditResult) -> list[dict]:
    """One row per judged bound part: bound, the bound's law in its variable, the measured law of
    the worst case (fitted slope and CI), worst slack, failures/trials."""
    rows = []
    for r in result.lemmas:
        for p in r.parts or []:
            if p.get("kind") != "bound" or p.get("slack") is None:
                continue
            t = p.get("tightness") or {}
            ml = "—"
            if t.get("slope") is not None:
                ci = t.get("ci") or [None, None]
                ml = _law_text(t.get("model"), t.get("variable"), t["slope"])
                if ci[0] is not None:
                    ml += f" (slope CI [{ci[0]:.2f}, {ci[1]:.2f}])"
            rows.append({"id": r.id, "part": p["name"], "bound": p.get("bound", ""),
                         "bound_law": t.get("bound_law") or "—", "measured_law": ml,
                         "slack": f"{p['slack']:.3g}", "failures": f"{p['failures']}/{p['trials']}"})
    return rows


def write_markdown(result: AuditResult, path: str | Path, *, plots: dict[str, str] | None = None) -> Path:
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(to_markdown(result, plots=plots))
    return p


def console_table(rows: list[LemmaResult], title: str = "audit"):
    """The rich table: ID, kind, verdict, key figure."""
    from rich.table import Table

    t = Table(title=title, show_lines=False)
    t.add_column("ID", no_wrap=True)
    t.add_column("kind")
    t.add_column("verdict")
    t.add_column("key figure")
    for r in rows:
        t.add_row(r.id, r.kind, f"[{VERDICT_STYLE.get(r.verdict, '')}]{r.verdict}[/]", key_figure(r))
    return t
