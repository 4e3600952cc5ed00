"""Findings a reader can rerun and compare: ``overparam-verify replay`` and ``audit-diff``.

* :func:`replay` reads an audit's JSON report (schema ≥ 2: every lemma carries ``cell_list``,
  each cell's ``key``, ``role``, ``params`` — seeds included — and ``marks`` "worst"/"failing"),
  picks one cell of a statement (``--cell KEY``, else the first cell marked "failing", else
  "worst", else the first statement cell, saying which), reruns it in this process through the
  registered statement's ``run_cell`` — the same code the audit ran — and prints the
  parameters and the measurement (and the judged parts the report recorded for the statement).
* :func:`audit_diff` compares two reports: the verdicts that changed, then, per statement,
  the figures of every part (law: slope and CI; bound: slack, failures/trials) that changed,
  the controls, and the environments' commits.

Both are tolerant of reports without the judge's fields (older schema): what is missing is
said, never guessed.
"""
from __future__ import annotations

import json
import math
import sys
from pathlib import Path
from typing import Any, Mapping, TextIO

__all__ = ["load_report", "pick_cell", "replay", "replay_cell", "diff_reports", "audit_diff"]


def load_report(path: str | Path) -> dict:
    """The JSON report at ``path``; ``ValueError`` (one line) if it is not an audit report."""
    p = Path(path)
    if not p.is_file():
        raise ValueError(f"the audit report {str(p)!r} does not exist (write one with: overparam-verify audit --json {p})")
    try:
        doc = json.loads(p.read_text())
    except ValueError as exc:
        raise ValueError(f"{str(p)!r} is not JSON ({exc})") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("lemmas"), list):
        raise ValueError(f"{str(p)!r} is not an overparam-verify audit report (no 'lemmas' list)")
    return doc


def _lemma(doc: Mapping, sid: str, where: str) -> dict:
    for row in doc["lemmas"]:
        if row.get("id") == sid:
            return row
    raise ValueError(f"{sid} is not in the report {where} (run it: overparam-verify audit --only {sid})")


def pick_cell(row: Mapping, key: str | None = None) -> tuple[dict, str]:
    """``(cell, why)``: the cell of ``row["cell_list"]`` whose key starts with ``key``; without a
    key the first "failing", else "worst" statement cell, else the first statement cell."""
    cells = row.get("cell_list")
    if not cells:
        raise ValueError(f"the report has no cell_list for {row.get('id')} (a report of schema_version < 2, or "
                         f"a statement that ran no cell); rerun the audit to record its cells")
    if key:
        hits = [c for c in cells if str(c.get("key", "")).startswith(key)]
        if not hits:
            raise ValueError(f"no cell of {row.get('id')} has a key starting with {key!r} "
                             f"(keys: {', '.join(str(c.get('key'))[:10] for c in cells[:6])}{' …' if len(cells) > 6 else ''})")
        if len({c.get("key") for c in hits}) > 1:
            raise ValueError(f"--cell {key!r} is ambiguous: {len(hits)} cells of {row.get('id')} match; give more of the key")
        return dict(hits[0]), f"cell {hits[0].get('key')}"
    stmt = [c for c in cells if c.get("role", "statement") == "statement"] or list(cells)
    for mark in ("failing", "worst"):
        for c in stmt:
            if mark in (c.get("marks") or []):
                return dict(c), f"the {mark} cell"
    return dict(stmt[0]), "the first cell (the report marks no worst or failing cell)"


def replay_cell(sid: str, params: Mapping, statements: Mapping | None = None) -> dict:
    """Run statement ``sid``'s ``run_cell`` on ``params`` in this process (as an audit worker
    would: through :func:`overparam_verify.audit._run_one`); returns the measurement."""
    from . import audit as au

    if statements is None:
        statements, errors = au.load_statements()
    else:
        errors = {}
    st = statements.get(sid)
    if st is None:
        extra = f" (import errors: {'; '.join(f'{k}: {v}' for k, v in errors.items())})" if errors else ""
        raise ValueError(f"{sid} is not registered in this version of overparam-verify{extra}")
    return au._run_one(st.run_cell, dict(params))


def _fmt(v: Any) -> str:
    if isinstance(v, float):
        return f"{v:.6g}"
    if isinstance(v, list) and len(v) > 8:
        return "[" + ", ".join(_fmt(x) for x in v[:8]) + f", … ({len(v)} values)]"
    if isinstance(v, list):
        return "[" + ", ".join(_fmt(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{" + ", ".join(f"{k}: {_fmt(x)}" for k, x in v.items()) + "}"
    return str(v)


def replay(sid: str, *, report: str | Path = "audit-out/audit.json", cell: str | None = None,
           device: str | None = None, statements: Mapping | None = None, out: TextIO | None = None) -> int:
    """``overparam-verify replay``: rerun one cell of ``sid`` from ``report``; print the
    measurement. Returns 0, or 1 when the cell raises (the error is printed). ``ValueError``
    for an unknown ID, a missing report or cell."""
    from . import audit as au

    out = out or sys.stdout
    cid = au.resolve_id(sid)
    doc = load_report(report)
    row = _lemma(doc, cid, str(report))
    c, why = pick_cell(row, cell)
    params = dict(c.get("params") or {})
    if device:
        params = {**params, "device": device} if device != "cpu" else {k: v for k, v in params.items() if k != "device"}
    print(f"{cid} ({row.get('kind')}, reported {row.get('verdict')}) — replaying {why} "
          f"[{c.get('role', 'statement')}, marks: {', '.join(c.get('marks') or []) or 'none'}] "
          f"from {report} (profile {doc.get('profile')}, commit {(doc.get('environment') or {}).get('git_commit')})",
          file=out)
    print(f"params: {json.dumps(params, sort_keys=True)}", file=out)
    import time

    t0 = time.perf_counter()
    try:
        res = replay_cell(cid, params, statements)
    except ValueError as exc:
        if "not registered" in str(exc):
            raise
        res, err = None, exc
    except Exception as exc:  # noqa: BLE001 - the cell's own failure is the finding
        res, err = None, exc
    secs = time.perf_counter() - t0
    if res is None:
        print(f"run_cell raised {type(err).__name__}: {err}  [{secs:.2f} s]", file=out)
        out.flush()
        return 1
    print(f"measurement ({secs:.2f} s):", file=out)
    for k in sorted(res):
        print(f"  {k} = {_fmt(res[k])}", file=out)
    for p in row.get("parts") or []:
        print(f"reported part {p.get('name')} ({p.get('kind')}): {p.get('verdict')}"
              + (f" — {p.get('reason')}" if p.get("reason") else ""), file=out)
    out.flush()
    return 0


# ----------------------------------------------------------------------------------------------
# audit-diff


def _num(v) -> float | None:
    return float(v) if isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(float(v)) else None


def _part_figures(p: Mapping) -> dict[str, Any]:
    if p.get("kind") == "law":
        return {"slope": p.get("slope"), "ci": p.get("ci"), "verdict": p.get("verdict")}
    return {"slack": p.get("slack"), "failures": p.get("failures"), "trials": p.get("trials"),
            "verdict": p.get("verdict")}


def _changed(a, b, rtol: float) -> bool:
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        return any(_changed(x, y, rtol) for x, y in zip(a, b))
    na, nb = _num(a), _num(b)
    if na is not None and nb is not None:
        return abs(na - nb) > rtol * max(abs(na), abs(nb), 1e-300)
    return a != b


def _show(v) -> str:
    if isinstance(v, list):
        return "[" + ", ".join(_show(x) for x in v) + "]"
    n = _num(v)
    return f"{n:.4g}" if n is not None and not isinstance(v, int) else str(v)


def diff_reports(a: Mapping, b: Mapping, rtol: float = 1e-9) -> dict:
    """``{"verdicts": [(id, A, B)], "figures": [(id, part, field, A, B)], "controls": [(id, A, B)],
    "only_a": [...], "only_b": [...]}``: what differs between reports ``a`` and ``b``. Numbers
    differ when their relative difference exceeds ``rtol`` (1e-9: a replayed audit is identical)."""
    ra = {r["id"]: r for r in a["lemmas"]}
    rb = {r["id"]: r for r in b["lemmas"]}
    out: dict[str, list] = {"verdicts": [], "figures": [], "controls": [], "only_a": [], "only_b": []}
    out["only_a"] = [i for i in ra if i not in rb]
    out["only_b"] = [i for i in rb if i not in ra]
    for sid in [i for i in ra if i in rb]:
        x, y = ra[sid], rb[sid]
        if x.get("verdict") != y.get("verdict"):
            out["verdicts"].append((sid, x.get("verdict"), y.get("verdict")))
        pa = {p.get("name"): p for p in x.get("parts") or []}
        pb = {p.get("name"): p for p in y.get("parts") or []}
        if pa or pb:
            for name in list(dict.fromkeys([*pa, *pb])):
                fa = _part_figures(pa[name]) if name in pa else {}
                fb = _part_figures(pb[name]) if name in pb else {}
                for k in dict.fromkeys([*fa, *fb]):
                    if _changed(fa.get(k), fb.get(k), rtol):
                        out["figures"].append((sid, name, k, fa.get(k), fb.get(k)))
        else:  # reports without parts: the numeric figures
            fa, fb = x.get("figures") or {}, y.get("figures") or {}
            for k in dict.fromkeys([*fa, *fb]):
                va, vb = fa.get(k), fb.get(k)
                if (_num(va) is not None or _num(vb) is not None or isinstance(va, list)) and _changed(va, vb, rtol):
                    out["figures"].append((sid, None, k, va, vb))
        ca, cb = (x.get("control") or {}).get("verdict"), (y.get("control") or {}).get("verdict")
        if ca != cb:
            out["controls"].append((sid, ca, cb))
    return out


def audit_diff(path_a: str | Path, path_b: str | Path, out: TextIO | None = None) -> int:
    """``overparam-verify audit-diff A.json B.json``: print the changes; 1 if a verdict changed, else 0."""
    out = out or sys.stdout
    a, b = load_report(path_a), load_report(path_b)
    d = diff_reports(a, b)
    ea, eb = a.get("environment") or {}, b.get("environment") or {}
    print(f"A: {path_a} (profile {a.get('profile')}, commit {ea.get('git_commit')}, {a.get('summary')})", file=out)
    print(f"B: {path_b} (profile {b.get('profile')}, commit {eb.get('git_commit')}, {b.get('summary')})", file=out)
    if a.get("profile") != b.get("profile"):
        print(f"note: the profiles differ ({a.get('profile')} vs {b.get('profile')}): figures are not comparable", file=out)
    print(f"{len(d['verdicts'])} verdict change(s):", file=out)
    for sid, va, vb in d["verdicts"]:
        print(f"  {sid:<26} {va} → {vb}", file=out)
    print(f"{len(d['figures'])} figure change(s):", file=out)
    for sid, part, k, va, vb in d["figures"]:
        print(f"  {sid:<26} {part + '.' if part else ''}{k}: {_show(va)} → {_show(vb)}", file=out)
    if d["controls"]:
        print(f"{len(d['controls'])} control change(s):", file=out)
        for sid, va, vb in d["controls"]:
            print(f"  {sid:<26} control {va} → {vb}", file=out)
    for side, ids in (("only in A", d["only_a"]), ("only in B", d["only_b"])):
        if ids:
            print(f"{side}: {', '.join(ids)}", file=out)
    if not any(d.values()):
        print("identical verdicts and figures", file=out)
    out.flush()
    return 1 if d["verdicts"] else 0
