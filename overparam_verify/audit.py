"""The audit: run every catalogue statement (shared/LEMMAS.md) at a profile's scale and judge it.

Each registered :class:`~overparam_verify.catalogue.Statement` contributes its sweep cells
(``cells(profile)``); the cells run on dask.distributed (an embedded ``LocalCluster`` by
default, an existing scheduler with ``scheduler=ADDRESS``, or in-process with
``executor="serial"``), every finished cell is persisted at once in a cache directory
(``.ov-cache/<profile>/<ID>/<hash(params)>.json``) so an interrupted audit can ``resume``, and
``summarize`` turns the results (sorted by cell order: identical whatever ran them) into a
:class:`~overparam_verify.catalogue.Judgement`. The same ``run_cell``/``summarize`` are what
the property tests call: there is no second implementation of any statement here.

Every catalogue ID appears in the result: an unregistered one as ``inconclusive`` with note
"not registered"; a statement whose ``cells``/``run_cell``/``summarize`` raises as
``inconclusive`` with the error in the note.
"""
from __future__ import annotations

import hashlib
import marshal
import importlib
import json
import logging
import math
import os
import platform
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

from .catalogue import CATALOGUE, FAMILIES, PROFILES, Judgement, Statement, canonical_id, entry
from .cluster import ClusterError, DaskExecutor, SerialExecutor
from .judge import SCHEMA_VERSION, final_verdict, needs_replicate, replicate_cells

__all__ = [
    "LemmaResult",
    "AuditResult",
    "load_statements",
    "select_ids",
    "cell_key",
    "run_audit",
    "key_figure",
    "environment",
]

DEFAULT_CACHE = Path(".ov-cache")


@dataclass
class LemmaResult:
    """One row of the audit: the reported verdict (after the control and replicate rules of
    :func:`overparam_verify.judge.final_verdict`), the judged parts, the control and replicate
    judgements, and every cell that ran (``cell_list``)."""

    id: str
    kind: str
    verdict: str
    figures: dict[str, Any]
    source: str
    statement: str
    note: str
    cells: int
    seconds: float = 0.0
    cached: int = 0
    results: list[tuple[dict, dict]] = field(default_factory=list, repr=False)
    judgement: Judgement | None = field(default=None, repr=False)
    parts: list[dict] = field(default_factory=list)
    control: dict | None = None
    replicate: dict | None = None
    raw_verdict: str | None = None
    cell_list: list[dict] = field(default_factory=list, repr=False)

    @property
    def control_rejected(self) -> bool:
        return bool(self.control and self.control.get("rejected"))

    def as_dict(self) -> dict:
        return {
            "id": self.id, "kind": self.kind, "verdict": self.verdict, "figures": _jsonable(self.figures),
            "source": self.source, "statement": self.statement, "note": self.note, "cells": self.cells,
            "seconds": round(self.seconds, 3), "cached_cells": self.cached,
            "judged_verdict": self.raw_verdict or self.verdict,
            "parts": _jsonable(self.parts), "control": _jsonable(self.control), "replicate": _jsonable(self.replicate),
            "cell_list": _jsonable(self.cell_list),
        }


@dataclass
class AuditResult:
    profile: str
    environment: dict
    lemmas: list[LemmaResult]
    seconds: float = 0.0

    def counts(self) -> dict[str, int]:
        c = {"holds": 0, "violated": 0, "inconclusive": 0}
        for r in self.lemmas:
            c[r.verdict] = c.get(r.verdict, 0) + 1
        return c

    def controls_rejected(self) -> int:
        """How many statements' negative controls came out ``violated``."""
        return sum(r.control_rejected for r in self.lemmas)

    def controls_declared(self) -> int:
        return sum(r.control is not None for r in self.lemmas)

    def as_dict(self) -> dict:
        return {
            "schema_version": SCHEMA_VERSION,
            "profile": self.profile,
            "environment": self.environment,
            "summary": self.counts(),
            "controls_rejected": self.controls_rejected(),
            "controls_declared": self.controls_declared(),
            "seconds": round(self.seconds, 3),
            "lemmas": [r.as_dict() for r in self.lemmas],
        }


def _jsonable(x: Any, *, keep_nonfinite: bool = False) -> Any:
    """Make figures JSON-safe (tuples → lists, numpy/torch scalars → float, NaN/inf → str).
    ``keep_nonfinite``: NaN/±inf stay floats — the cells' results, which the measure functions
    read as numbers (Python's json writes and reads them as NaN/Infinity in the cache)."""
    if isinstance(x, dict):
        return {str(k): _jsonable(v, keep_nonfinite=keep_nonfinite) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_jsonable(v, keep_nonfinite=keep_nonfinite) for v in x]
    if isinstance(x, bool) or x is None or isinstance(x, str):
        return x
    if isinstance(x, int):
        return x
    if hasattr(x, "item") and callable(x.item):
        try:
            x = x.item()
        except (ValueError, RuntimeError):
            return str(x)
        return _jsonable(x, keep_nonfinite=keep_nonfinite)
    if isinstance(x, float):
        return x if (keep_nonfinite or math.isfinite(x)) else str(x)
    try:
        return float(x)
    except (TypeError, ValueError):
        return str(x)


# ----------------------------------------------------------------------------------------------
# statements


def load_statements() -> tuple[dict[str, Statement], dict[str, str]]:
    """Import every family module (each separately: one broken family does not hide the
    others) and return ``(registered statements by canonical ID, {family: import error})``."""
    from . import catalogue

    errors: dict[str, str] = {}
    for fam in FAMILIES:
        try:
            importlib.import_module(f"{catalogue.__name__}.{fam}")
        except Exception as exc:  # noqa: BLE001 - reported per family
            errors[fam] = f"{type(exc).__name__}: {exc}"
    reg = dict(getattr(catalogue, "_REGISTRY", {}))
    order = {e["id"]: i for i, e in enumerate(CATALOGUE)}
    return dict(sorted(reg.items(), key=lambda kv: order.get(kv[0], 10**6))), errors


#: where the catalogue lives in the installed package (named in messages)
CATALOGUE_SOURCE = "the catalogue embedded in overparam_verify/catalogue/ids.py (list it: overparam-verify audit --list)"


def _id_index() -> dict[str, str]:
    """lower-cased ID or alias -> canonical ID."""
    idx: dict[str, str] = {}
    for e in CATALOGUE:
        for a in [e["id"], *e["aliases"]]:
            idx.setdefault(a.lower(), e["id"])
    return idx


def resolve_id(name: str) -> str:
    """The canonical ID of ``name`` (an ID or alias, any letter case). ``ValueError`` with the
    closest IDs (difflib) when it is unknown."""
    idx = _id_index()
    key = str(name).strip().lower()
    if key in idx:
        return idx[key]
    import difflib

    close = difflib.get_close_matches(key, list(idx), n=3, cutoff=0.6)
    if not close:  # "a8" for "ZCZG-A.8": match on the part after the paper prefix
        tails = {k.split("-", 1)[-1].replace(".", ""): k for k in idx}
        close = [tails[t] for t in difflib.get_close_matches(key.replace(".", "").split("-", 1)[-1], list(tails), n=3, cutoff=0.75)]
    hint = f" — did you mean {' or '.join(repr(idx[c]) for c in dict.fromkeys(close))}?" if close else ""
    raise ValueError(f"unknown catalogue ID {name!r}{hint}")


def select_ids(only: Sequence[str] | None) -> list[str]:
    """Canonical IDs in catalogue order: all of them, or those named in ``only`` (IDs or
    aliases, case-insensitive). ``ValueError`` (one line) naming each unknown name with the
    closest IDs, and where the catalogue is."""
    if not only:
        return [e["id"] for e in CATALOGUE]
    problems, want = [], set()
    for s in only:
        try:
            want.add(resolve_id(s))
        except ValueError as exc:
            problems.append(str(exc))
    if problems:
        raise ValueError(f"{'; '.join(problems)} (IDs and aliases: {CATALOGUE_SOURCE})")
    return [e["id"] for e in CATALOGUE if e["id"] in want]


def statement_code_hash(st: Statement) -> str:
    """A hash of the code that measures a statement: the source of the module(s) defining its
    ``run_cell`` (unwrapping decorators) and of ``_run_one``'s module. Part of every cache key,
    so a code change invalidates ``--resume`` instead of reusing stale results."""
    import inspect

    fn = getattr(st, "run_cell", None)
    h = hashlib.sha256()
    seen = set()
    while fn is not None:
        mod = sys.modules.get(getattr(fn, "__module__", None) or "")
        if mod is not None and mod.__name__ in seen:  # a decorator's wrapper in a module hashed already
            fn = getattr(fn, "__wrapped__", None)
            continue
        try:
            src = inspect.getsource(mod).encode() if mod is not None else None
        except (OSError, TypeError):
            src = None
        if mod is not None:
            seen.add(mod.__name__)
        if src is None:  # no source: the compiled code (marshal: no memory addresses, unlike repr)
            code = getattr(fn, "__code__", None)
            src = getattr(fn, "__qualname__", repr(fn)).encode() + (marshal.dumps(code) if code else b"")
        h.update(src)
        fn = getattr(fn, "__wrapped__", None)
    return h.hexdigest()[:16]


def cell_key(params: Mapping, code: str = "") -> str:
    """A stable hash of a cell's parameters and of its statement's code hash (the cache file name)."""
    blob = json.dumps(_jsonable(dict(params)), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256((blob + "|" + code if code else blob).encode()).hexdigest()[:20]


def _cache_path(cache_dir: Path, profile: str, sid: str, params: Mapping, code: str = "") -> Path:
    safe = "".join(c if c.isalnum() or c in "-._" else "_" for c in sid)
    return cache_dir / profile / safe / f"{cell_key(params, code)}.json"


def _read_cache(p: Path, params: Mapping) -> dict | None:
    try:
        obj = json.loads(p.read_text())
    except (OSError, ValueError):
        return None
    if not isinstance(obj, dict) or obj.get("params") != _jsonable(dict(params)) or "result" not in obj:
        return None
    return obj["result"]


def _write_cache(p: Path, params: Mapping, result: dict) -> None:
    p.parent.mkdir(parents=True, exist_ok=True)
    tmp = p.with_suffix(".tmp")
    tmp.write_text(json.dumps({"params": _jsonable(dict(params)), "result": _jsonable(result, keep_nonfinite=True)}))
    os.replace(tmp, p)  # atomic: an interrupt never leaves half a file


# ----------------------------------------------------------------------------------------------
# executing cells


def _run_one(run_cell: Callable[[dict], dict], params: dict, threads: int | None = None) -> dict:
    """Run one cell (on a dask worker or in-process); ``threads`` caps torch's intra-op threads."""
    if threads:
        torch = sys.modules.get("torch")
        if torch is None:  # not imported yet: whatever imports it starts with this many threads
            os.environ["OMP_NUM_THREADS"] = str(threads)
        elif torch.get_num_threads() != threads:
            torch.set_num_threads(threads)
    out = run_cell(dict(params))
    if not isinstance(out, dict):
        raise TypeError(f"run_cell must return a dict, got {type(out).__name__}")
    return out


class _Serial(SerialExecutor):
    """In-process executor (:class:`overparam_verify.cluster.SerialExecutor` running :func:`_run_one`)."""

    def __init__(self, log: Callable[[str], None] | None = None):
        super().__init__(_run_one, log)


class _Dask(DaskExecutor):
    """dask.distributed (:class:`overparam_verify.cluster.DaskExecutor` running :func:`_run_one`):
    an embedded LocalCluster (processes, 1 thread each) or ``scheduler``; connection and worker
    timeouts, lost-worker warnings and the cluster's description for the report live there."""

    def __init__(self, scheduler: str | None, workers: int, processes: bool = True, **kw):
        super().__init__(_run_one, scheduler, workers, processes, **kw)


# ----------------------------------------------------------------------------------------------
# the audit


def _inconclusive(sid: str, note: str, source: str = "", n: int = 0) -> LemmaResult:
    e = entry(sid)
    return LemmaResult(sid, e["kind"], "inconclusive", {}, source or e.get("ref", ""), e["statement"], note, n)


def _judge(st: Statement, results: list[tuple[dict, dict]]) -> tuple[Judgement | None, str | None]:
    try:
        j = st.summarize(results)
    except KeyboardInterrupt:
        raise
    except Exception as exc:  # noqa: BLE001
        return None, f"summarize raised {type(exc).__name__}: {exc}"
    if not isinstance(j, Judgement):
        return None, f"summarize returned {type(j).__name__}, not a Judgement"
    return j, None


def _judged_dict(j: Judgement | None, err: str | None) -> dict:
    if j is None:
        return {"verdict": "inconclusive", "parts": [], "note": err or ""}
    return {"verdict": j.verdict, "parts": j.parts, "note": j.note}


def _row(st: Statement, sid: str, plan: Mapping, got: Mapping, j: Judgement | None, err: str | None,
         cj: Judgement | None, cerr: str | None, rep: tuple[Judgement | None, str | None] | None, n_cached: int,
         secs: float) -> LemmaResult:
    """The audit row of one statement: its judgement, control, replicate and the reported verdict."""
    cells = plan[(sid, "statement")]
    results = list(zip(cells, got[(sid, "statement")]))
    n_all = sum(len(c) for (s, _), c in plan.items() if s == sid)
    control = None
    if getattr(st, "control", None) is not None:
        control = st.control.as_dict() | _judged_dict(cj, cerr)
        control["rejected"] = control["verdict"] == "violated"
    replicate = _judged_dict(*rep) if rep is not None else None
    if j is None:
        verdict, note, figures, parts = "inconclusive", err or "", {}, []
    else:
        figures, parts = dict(j.figures), list(j.parts)
        if getattr(st, "measure", None) is None:  # pre-judge protocol (injected fakes): no control rules
            verdict, note = j.verdict, j.note
        else:
            verdict, why = final_verdict(st.kind, j.verdict, control=control and control["verdict"],
                                         replicate=replicate and replicate["verdict"])
            note = j.note + (f" — reported {verdict}: {why}" if why else "")
    marks: dict[int, list[str]] = {}
    for p in parts:
        if p.get("worst_cell") is not None:
            marks.setdefault(int(p["worst_cell"]), []).append("worst")
        for c in p.get("failing_cells") or []:
            marks.setdefault(int(c), []).append("failing")
    cell_list = []
    for (s, role), cs in plan.items():
        if s != sid:
            continue
        for i, c in enumerate(cs):
            cell_list.append({"key": cell_key(c), "role": role, "index": i, "params": c,
                              "marks": sorted(set(marks.get(i, []))) if role == "statement" else []})
    return LemmaResult(sid, st.kind, verdict, figures, st.source, entry(sid)["statement"], note, n_all, secs,
                       n_cached, results, j, parts, control, replicate, j.verdict if j is not None else None, cell_list)


def run_audit(
    profile: str = "quick",
    *,
    only: Sequence[str] | None = None,
    statements: Mapping[str, Statement] | None = None,
    executor: str = "dask",
    scheduler: str | None = None,
    workers: int = 2,
    processes: bool = True,
    device: str = "cpu",
    cache_dir: str | Path | None = DEFAULT_CACHE,
    resume: bool = False,
    on_start: Callable[[list[tuple[str, int]]], None] | None = None,
    on_cell: Callable[[str, int, int], None] | None = None,
    on_lemma: Callable[[LemmaResult], None] | None = None,
    on_event: Callable[[str], None] | None = None,
    connect_timeout: float = 30.0,
    worker_timeout: float = 60.0,
) -> AuditResult:
    """Run the audit at ``profile`` ("ci", "quick", "full").

    ``statements`` maps canonical IDs to statements (default: the registry; tests inject fakes).
    ``executor`` is "dask" (LocalCluster with ``workers`` workers, or ``scheduler``) or
    "serial" (in-process). ``device`` other than "cpu" is passed to every cell as
    ``params["device"]``. Finished cells are cached under ``cache_dir`` (``None``: no cache);
    ``resume`` reuses them. Callbacks: ``on_start([(id, n_cells)])``, ``on_cell(id, done, n)``,
    ``on_lemma(row)`` (rows arrive in completion order; the result is in catalogue order),
    ``on_event(message)`` (one-line cluster progress and warnings: started, connected, worker
    lost, "reused N cached cells"). ``connect_timeout``/``worker_timeout`` (seconds): connecting
    to ``scheduler``; waiting for a first worker, or for one after every worker was lost
    (:class:`~overparam_verify.cluster.ClusterError`). Cache keys include
    :func:`statement_code_hash`, so ``resume`` never reuses results of changed code.
    """
    if profile not in PROFILES:
        raise ValueError(f"profile must be one of {PROFILES}, got {profile!r}")
    if executor not in ("dask", "serial"):
        raise ValueError(f"executor must be 'dask' or 'serial', got {executor!r}")
    if int(workers) != workers or workers < 1:
        raise ValueError(f"workers must be a positive integer, got {workers!r}")
    if device != "cpu":
        import torch

        if not str(device).startswith("cuda"):
            raise ValueError(f"device must be 'cpu' or 'cuda', got {device!r}")
        if not torch.cuda.is_available():
            raise ValueError("--device cuda: CUDA is not available (torch.cuda.is_available() is False)")
    ids = select_ids(only)
    t_start = time.perf_counter()
    family_errors: dict[str, str] = {}
    if statements is None:
        statements, family_errors = load_statements()
    statements = {canonical_id(k): v for k, v in statements.items()}
    cache = Path(cache_dir) if cache_dir is not None else None

    rows: dict[str, LemmaResult] = {}
    # (statement ID, role) -> cells; roles: "statement", "control" (wave 1), "replicate" (wave 2)
    plan: dict[tuple[str, str], list[dict]] = {}
    for sid in ids:
        st = statements.get(sid)
        if st is None:
            fam_note = "; ".join(f"{f}: {e}" for f, e in family_errors.items())
            rows[sid] = _inconclusive(sid, "not registered" + (f" (import errors — {fam_note})" if fam_note else ""))
            continue
        try:
            groups = {"statement": [dict(c) for c in st.cells(profile)]}
            if getattr(st, "control", None) is not None:
                groups["control"] = [dict(c) for c in st.control_cells(profile)]
        except KeyboardInterrupt:
            raise
        except Exception as exc:  # noqa: BLE001
            rows[sid] = _inconclusive(sid, f"cells({profile!r}) raised {type(exc).__name__}: {exc}", st.source)
            continue
        for role, cells in groups.items():
            plan[(sid, role)] = [{**c, "device": device} for c in cells] if device != "cpu" else cells
    sids = list(dict.fromkeys(sid for sid, _ in plan))

    if on_start is not None:
        on_start([(sid, sum(len(c) for (s, _), c in plan.items() if s == sid)) for sid in ids])

    got: dict[tuple[str, str], list[dict | None]] = {}
    errs: dict[tuple[str, str], list[str]] = {}
    cached: dict[str, int] = {sid: 0 for sid in sids}
    done_count: dict[str, int] = {sid: 0 for sid in sids}
    total: dict[str, int] = {sid: sum(len(c) for (s, _), c in plan.items() if s == sid) for sid in sids}
    t_first: dict[str, float] = {}
    pending_replicate: dict[str, tuple[Judgement | None, str | None, Judgement | None, str | None]] = {}
    ex_box: list = []
    code = {sid: statement_code_hash(statements[sid]) for sid in sids}  # part of every cache key

    def group_judgement(sid: str, role: str) -> tuple[Judgement | None, str | None]:
        cells = plan[(sid, role)]
        if errs[(sid, role)]:
            return None, f"{len(errs[(sid, role)])}/{len(cells)} {role} cell(s) raised: {errs[(sid, role)][0]}"
        return _judge(statements[sid], list(zip(cells, got[(sid, role)])))

    def finish(sid: str, replicate: tuple[Judgement | None, str | None] | None = None) -> None:
        st = statements[sid]
        j, err, cj, cerr = pending_replicate.pop(sid, None) or (*group_judgement(sid, "statement"),
                                                               *(group_judgement(sid, "control")
                                                                 if (sid, "control") in plan else (None, None)))
        if replicate is None and j is not None and needs_replicate(st.kind, j.verdict):
            pending_replicate[sid] = (j, err, cj, cerr)
            return
        rows[sid] = _row(st, sid, plan, got, j, err, cj, cerr, replicate, cached[sid],
                         time.perf_counter() - t_first.get(sid, time.perf_counter()))
        if on_lemma is not None:
            on_lemma(rows[sid])

    # A cell that several statements share (the same ``run_cell`` code and parameters, e.g.
    # A.4/A.5, C.2/C.3, fig2/fig3) runs once and its result serves each of them.
    primary: dict[tuple, tuple[tuple[str, str], int]] = {}  # shared-cell identity -> the tag that runs it
    sharers: dict[tuple[tuple[str, str], int], list[tuple[tuple[str, str], int]]] = {}
    finished: dict[tuple[tuple[str, str], int], tuple[dict | None, str | None]] = {}  # tag -> (value, error)
    left: dict[str, int] = {}

    def deliver(recipients, value, err) -> list[str]:
        """Hand one cell's outcome to ``recipients`` (the (key, index) of each statement sharing
        it); the statements it completes."""
        complete = []
        for (sid, role), i in recipients:
            c = plan[(sid, role)][i]
            if err is not None:
                errs[(sid, role)].append(f"cell {i} {json.dumps(_jsonable(c))}: {err}")
            else:
                got[(sid, role)][i] = value
                if cache is not None:
                    _write_cache(_cache_path(cache, profile, sid, c, code[sid]), c, value)
            left[sid] -= 1
            done_count[sid] += 1
            if on_cell is not None:
                on_cell(sid, done_count[sid], total[sid])
            if left[sid] == 0:
                complete.append(sid)
        return complete

    def done(sid: str) -> None:
        """All of a statement's planned cells are in: judge it (with its replicate, once planned)."""
        finish(sid, group_judgement(sid, "replicate")) if (sid, "replicate") in plan else finish(sid)

    def prepare(keys: list[tuple[str, str]]) -> tuple[list, list[str]]:
        """The jobs of ``keys`` (cached cells read, shared ones joined to the job that runs them);
        also the statements already complete (every cell cached, or shared with a finished job)."""
        jobs = []
        for key in keys:
            sid, _ = key
            cells = plan[key]
            got[key] = [None] * len(cells)
            errs[key] = []
            left[sid] = left.get(sid, 0) + len(cells)
            t_first.setdefault(sid, time.perf_counter())
            for i, c in enumerate(cells):
                if resume and cache is not None:
                    r = _read_cache(_cache_path(cache, profile, sid, c, code[sid]), c)
                    if r is not None:
                        got[key][i] = r
                        cached[sid] += 1
                        done_count[sid] += 1
                        left[sid] -= 1
                        continue
                fn = statements[sid].run_cell
                jkey = (getattr(fn, "__module__", ""), getattr(fn, "__qualname__", repr(fn)), code[sid], cell_key(c))
                if jkey in primary:
                    tag = primary[jkey]
                    if tag in finished:  # its job ran already (before a replicate was planned): reuse
                        deliver([(key, i)], *finished[tag])
                    else:
                        sharers[tag].append((key, i))
                    continue
                primary[jkey] = (key, i)
                sharers[(key, i)] = [(key, i)]
                jobs.append(((key, i), fn, c))
        return jobs, [sid for sid in dict.fromkeys(k[0] for k in keys) if left[sid] == 0]

    def get_executor():
        if not ex_box:
            ex_box.append(_Serial(on_event) if executor == "serial" else
                          _Dask(scheduler, int(workers), processes, connect_timeout=connect_timeout,
                                worker_timeout=worker_timeout, log=on_event))
        return ex_box[0]

    def start_replicates() -> list:
        """Plan the replicate of every statement whose verdict asks for one (a violated S or W:
        fresh seeds, same cells); their jobs join the running ones at once."""
        keys = []
        for sid in list(pending_replicate):
            if (sid, "replicate") in plan:
                continue
            plan[(sid, "replicate")] = replicate_cells(plan[(sid, "statement")])
            total[sid] += len(plan[(sid, "replicate")])
            keys.append((sid, "replicate"))
        if not keys:
            return []
        jobs, ready = prepare(keys)
        for sid in ready:
            done(sid)
        return jobs

    for sid in ids:  # rows known before any cell runs
        if sid in rows and on_lemma is not None:
            on_lemma(rows[sid])
    complete = False
    try:
        jobs, ready = prepare(list(plan))
        for sid in ready:
            done(sid)
        jobs += start_replicates()
        if jobs:
            ex = get_executor()
            ex.submit_all(jobs)
            for tag, res, err in ex.as_completed():
                value = None if err is not None else _jsonable(res, keep_nonfinite=True)
                finished[tag] = (value, err)
                for sid in deliver(sharers[tag], value, err):
                    done(sid)
                more = start_replicates()
                if more:
                    ex.add(more)
        complete = True
    finally:
        if ex_box:
            try:
                ex_box[0].close()
            except KeyboardInterrupt:
                if not complete:  # Ctrl-C while shutting down after the last cell: keep the result
                    raise

    lemmas = [rows[sid] for sid in ids]
    if resume and on_event is not None:
        on_event(f"reused {sum(cached.values())} cached cell(s) from {cache}/{profile}/")
    info = ex_box[0].info() if ex_box else {"executor": executor if executor == "serial" else "none (every cell cached)"}
    return AuditResult(profile, environment(device, info), lemmas, time.perf_counter() - t_start)


# ----------------------------------------------------------------------------------------------
# reporting helpers


def _fmt(x: Any, spec: str = ".3g") -> str:
    if isinstance(x, bool) or x is None:
        return str(x)
    if isinstance(x, (int, float)):
        return format(x, spec)
    return str(x)


def key_figure(row: LemmaResult) -> str:
    """The figure that matters (issue 7): W → slack measured/bound and the smallest width at
    which it held; S → fitted slope [CI] vs the theory's exponent, and the constant; E → the
    largest violation / relative error; ZCZG-descent → the step-size frontier. A statement with
    judged parts shows each deciding part's line (:func:`overparam_verify.judge.part_summary`)."""
    if row.parts:
        from .judge import part_summary

        def line(p) -> str:
            try:
                return part_summary(p)
            except (TypeError, ValueError, KeyError):  # e.g. a JSON-ified "inf" slack: show it as it is
                keys = ("slope", "ci", "exponent") if p.get("kind") == "law" else ("slack", "failures", "trials")
                return f"{p.get('name')}: " + ", ".join(f"{k} {_fmt(p.get(k))}" for k in keys)

        return "; ".join(line(p) for p in row.parts if p.get("decides", True))
    f = row.figures or {}
    parts: list[str] = []
    fdicts = [k for k in f if "frontier" in k.lower() and isinstance(f[k], dict) and f[k]]
    fnums = [k for k in f if "frontier" in k.lower() and isinstance(f[k], (int, float))
             and not isinstance(f[k], bool) and "slope" not in k and "ci" not in k]
    if fdicts:
        items = list(f[fdicts[0]].items())
        lo, hi = items[0], items[-1]
        parts.append(f"η frontier ({fdicts[0]}) m={lo[0]}: {_fmt(lo[1])} … m={hi[0]}: {_fmt(hi[1])}")
    elif fnums:
        parts.append(f"η frontier {_fmt(f[fnums[0]])}")
    if fnums and fdicts:
        parts.append(f"{fnums[0]} {_fmt(f[fnums[0]])}")
    if row.kind == "W" or "slack" in f:
        if "slack" in f:
            parts.append(f"slack {_fmt(f['slack'])}")
        if "failures" in f and "trials" in f:
            parts.append(f"{_fmt(f['failures'])}/{_fmt(f['trials'])} fail")
        if f.get("min_width_held") is not None:
            parts.append(f"held from m={_fmt(f['min_width_held'])}")
    ce = f.get("counterexample_wide_input")
    if isinstance(ce, dict) and ce.get("failures"):
        parts.insert(0, f"counterexample d={ce.get('d')}, m₁={ce.get('m_1')}: {ce['failures']}/{ce.get('trials')} fail, "
                        f"slack {_fmt(ce.get('slack'))}; at d = 2m₁")
    if "ce_deriv_at_minus_50" in f:
        parts.append(f"printed clause: cross-entropy ℓ'(−50) = {_fmt(f['ce_deriv_at_minus_50'])} (≠ 0); "
                     f"intent holds: {f.get('intent_holds')}")
    if "beta_star_min" in f:
        parts.append(f"smallest β* {_fmt(f['beta_star_min'])} … {_fmt(f.get('beta_star_max'))}, "
                     f"{_fmt(f.get('failures'))}/{_fmt(f.get('examples'))} fail")
    if "slope" in f:
        ci = f.get("ci")
        ci_s = f" [{_fmt(ci[0], '.2f')}, {_fmt(ci[1], '.2f')}]" if isinstance(ci, (list, tuple)) and len(ci) == 2 else ""
        s = f"slope {_fmt(f['slope'], '.2f')}{ci_s}"
        if "theory_exponent" in f:
            s += f" vs {_fmt(f['theory_exponent'], '.3g')}"
        parts.append(s)
        c = f.get("constant")
        if isinstance(c, (list, tuple)) and len(c) == 2:
            parts.append(f"C ∈ [{_fmt(c[0])}, {_fmt(c[1])}]")
        elif c is not None:
            parts.append(f"C {_fmt(c)}")
    for k in ("max_violation", "max_rel_error", "max_abs_error"):
        if k in f and "ce_deriv_at_minus_50" not in f:
            parts.append(f"{k.replace('_', ' ')} {_fmt(f[k])}")
            break
    return ", ".join(parts) if parts else ""


def _git_commit() -> str | None:
    try:
        root = Path(__file__).resolve().parent.parent
        out = subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True, timeout=5)
        return out.stdout.strip() or None if out.returncode == 0 else None
    except (OSError, subprocess.SubprocessError):
        return None


def environment(device: str = "cpu", cluster: Mapping | None = None) -> dict:
    """Python, torch, platform, device, CPU count, git commit and library versions of the
    client; with ``cluster`` (an executor's ``info()``) also ``"executor"``, ``"scheduler"``
    (address), ``"workers"`` (count), ``"worker_environment"`` ({address: python, torch,
    platform, host, cpu_count}), ``"lost_workers"`` and ``"warnings"``."""
    from importlib.metadata import PackageNotFoundError, version

    def _version(module: str, dist: str) -> str | None:  # installed metadata: no import (seconds for torch)
        mod = sys.modules.get(module)
        if mod is not None and getattr(mod, "__version__", None):
            return str(mod.__version__)
        try:
            return version(dist)
        except PackageNotFoundError:
            return None

    vers = {}
    for mod, dist in (("numpy", "numpy"), ("scipy", "scipy"), ("dask", "dask"), ("distributed", "distributed"),
                      ("hypothesis", "hypothesis"), ("matplotlib", "matplotlib"), ("sklearn", "scikit-learn"),
                      ("rich", "rich")):
        vers[mod] = _version(mod, dist)
    env = {
        "python": sys.version.split()[0],
        "torch": _version("torch", "torch"),
        "platform": platform.platform(),
        "device": device,
        "cpu_count": os.cpu_count(),
        "git_commit": _git_commit(),
        "versions": vers,
    }
    if str(device).startswith("cuda"):
        import torch

        if torch.cuda.is_available():
            env["cuda_device"] = torch.cuda.get_device_name(0)
    if cluster is not None:
        env.update(_jsonable(dict(cluster)))
    return env
