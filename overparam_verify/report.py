"""Audit reports: JSON (the schema of issue 7), Markdown, and the rich console table."""
from __future__ import annotations

import json
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
        f"{c['inconclusive']} inconclusive** ({result.seconds:.1f} s)",
        "",
        f"Environment: Python {env.get('python')}, torch {env.get('torch')}, device `{env.get('device')}`, "
        f"{env.get('cpu_count')} CPUs, {env.get('platform')}, commit `{env.get('git_commit')}`.",
        "",
        "| ID | kind | verdict | key figure | source | cells |",
        "|---|---|---|---|---|---|",
    ]
    for r in result.lemmas:
        v = f"**{r.verdict}**" if r.verdict == "violated" else r.verdict
        lines.append(f"| {_md_cell(r.id)} | {r.kind} | {v} | {_md_cell(key_figure(r))} | {_md_cell(r.source)} | {r.cells} |")
    lines += ["", "## Notes", ""]
    for r in result.lemmas:
        lines.append(f"- **{r.id}** ({r.verdict}): {_md_cell(r.note) or '—'}")
        if plots and r.id in plots:
            lines.append(f"  ![{r.id}]({plots[r.id]})")
    return "\n".join(lines) + "\n"


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
