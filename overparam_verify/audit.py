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
    """One row of the audit."""

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

    def as_dict(self) -> dict:
        return {
            "id": self.id, "kind": self.kind, "verdict": self.verdict, "figures": _jsonable(self.figures),
            "source": self.source, "statement": self.statement, "note": self.note, "cells": self.cells,
            "seconds": round(self.seconds, 3), "cached_cells": self.cached,
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

    def as_dict(self) -> dict:
        return {
            "profile": self.profile,
            "environment": self.environment,
            "summary": self.counts(),
            "seconds": round(self.seconds, 3),
            "lemmas": [r.as_dict() for r in self.lemmas],
        }


def _jsonable(x: Any) -> Any:
    """Make figures JSON-safe (tuples → lists, numpy/torch scalars → float, NaN/inf → str)."""
    if isinstance(x, dict):
        return {str(k): _jsonable(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_jsonable(v) for v in x]
    if isinstance(x, bool) or x is None or isinstance(x, str):
        return x
    if isinstance(x, int):
        return x
    if hasattr(x, "item") and callable(x.item):
        try:
            x = x.item()
        except (ValueError, RuntimeError):
            return str(x)
        return _jsonable(x)
    if isinstance(x, float):
        return x if math.isfinite(x) else str(x)
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


def select_ids(only: Sequence[str] | None) -> list[str]:
    """Canonical IDs in catalogue order: all of them, or those named in ``only`` (IDs or
    aliases). ``ValueError`` listing the unknown names."""
    if not only:
        return [e["id"] for e in CATALOGUE]
    unknown, want = [], set()
    for s in only:
        try:
            want.add(canonical_id(s))
        except ValueError:
            unknown.append(s)
    if unknown:
        raise ValueError(
            f"unknown catalogue ID(s): {', '.join(map(repr, unknown))} "
            f"(IDs and aliases are listed in shared/LEMMAS.md, e.g. {CATALOGUE[0]['id']!r})"
        )
    return [e["id"] for e in CATALOGUE if e["id"] in want]


def cell_key(params: Mapping) -> str:
    """A stable hash of a cell's parameters (the cache file name)."""
    blob = json.dumps(_jsonable(dict(params)), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(blob.encode()).hexdigest()[:20]


def _cache_path(cache_dir: Path, profile: str, sid: str, params: Mapping) -> Path:
    safe = "".join(c if c.isalnum() or c in "-._" else "_" for c in sid)
    return cache_dir / profile / safe / f"{cell_key(params)}.json"


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
    tmp.write_text(json.dumps({"params": _jsonable(dict(params)), "result": _jsonable(result)}))
    os.replace(tmp, p)  # atomic: an interrupt never leaves half a file


# ----------------------------------------------------------------------------------------------
# executing cells


def _run_one(run_cell: Callable[[dict], dict], params: dict, threads: int | None = None) -> dict:
    """Run one cell (on a dask worker or in-process); ``threads`` caps torch's intra-op threads."""
    if threads:
        import torch

        if torch.get_num_threads() != threads:
            torch.set_num_threads(threads)
    out = run_cell(dict(params))
    if not isinstance(out, dict):
        raise TypeError(f"run_cell must return a dict, got {type(out).__name__}")
    return out


class _Serial:
    """In-process executor with the subset of the dask Client API the audit uses."""

    def __init__(self):
        self.jobs: list = []

    def submit_all(self, jobs):
        self.jobs = list(jobs)

    def as_completed(self):
        for tag, fn, params in self.jobs:
            try:
                yield tag, _run_one(fn, params), None
            except KeyboardInterrupt:
                raise
            except Exception as exc:  # noqa: BLE001
                yield tag, None, f"{type(exc).__name__}: {exc}"

    def close(self):
        pass


class _Dask:
    """dask.distributed: an embedded LocalCluster (processes, 1 thread each) or ``scheduler``."""

    def __init__(self, scheduler: str | None, workers: int, processes: bool = True):
        from dask.distributed import Client, LocalCluster

        self.cluster = None
        if scheduler:
            try:
                self.client = Client(scheduler, timeout="20s")
            except (OSError, TimeoutError) as exc:
                raise ValueError(f"cannot connect to the dask scheduler at {scheduler!r}: {exc}") from None
        else:
            self.cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=processes,
                                        dashboard_address=None, silence_logs=logging.ERROR)
            self.client = Client(self.cluster)
        self.futures: dict = {}

    def submit_all(self, jobs):
        self.futures = {}
        for tag, fn, params in jobs:
            fut = self.client.submit(_run_one, fn, params, 1, pure=False)
            self.futures[fut] = tag

    def as_completed(self):
        from dask.distributed import as_completed

        for fut in as_completed(list(self.futures)):
            tag = self.futures[fut]
            try:
                yield tag, fut.result(), None
            except KeyboardInterrupt:
                raise
            except Exception as exc:  # noqa: BLE001
                yield tag, None, f"{type(exc).__name__}: {exc}"

    def close(self):
        for fut in self.futures:
            fut.cancel()
        self.client.close()
        if self.cluster is not None:
            self.cluster.close()


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
) -> AuditResult:
    """Run the audit at ``profile`` ("ci", "quick", "full").

    ``statements`` maps canonical IDs to statements (default: the registry; tests inject fakes).
    ``executor`` is "dask" (LocalCluster with ``workers`` workers, or ``scheduler``) or
    "serial" (in-process). ``device`` other than "cpu" is passed to every cell as
    ``params["device"]``. Finished cells are cached under ``cache_dir`` (``None``: no cache);
    ``resume`` reuses them. Callbacks: ``on_start([(id, n_cells)])``, ``on_cell(id, done, n)``,
    ``on_lemma(row)`` (rows arrive in completion order; the result is in catalogue order).
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
    plan: dict[str, list[dict]] = {}
    for sid in ids:
        st = statements.get(sid)
        if st is None:
            fam_note = "; ".join(f"{f}: {e}" for f, e in family_errors.items())
            rows[sid] = _inconclusive(sid, "not registered" + (f" (import errors — {fam_note})" if fam_note else ""))
            continue
        try:
            cells = [dict(c) for c in st.cells(profile)]
        except KeyboardInterrupt:
            raise
        except Exception as exc:  # noqa: BLE001
            rows[sid] = _inconclusive(sid, f"cells({profile!r}) raised {type(exc).__name__}: {exc}", st.source)
            continue
        if device != "cpu":
            cells = [{**c, "device": device} for c in cells]
        plan[sid] = cells

    if on_start is not None:
        on_start([(sid, len(plan.get(sid, []))) for sid in ids])

    # cached cells first
    got: dict[str, list[dict | None]] = {sid: [None] * len(cells) for sid, cells in plan.items()}
    errs: dict[str, list[str]] = {sid: [] for sid in plan}
    cached: dict[str, int] = {sid: 0 for sid in plan}
    t_first: dict[str, float] = {}
    jobs = []
    for sid, cells in plan.items():
        for i, c in enumerate(cells):
            if resume and cache is not None:
                r = _read_cache(_cache_path(cache, profile, sid, c), c)
                if r is not None:
                    got[sid][i] = r
                    cached[sid] += 1
                    continue
            jobs.append(((sid, i), statements[sid].run_cell, c))
    remaining = {sid: sum(1 for r in got[sid] if r is None) for sid in plan}
    done_count = {sid: cached[sid] for sid in plan}

    def finish(sid: str) -> None:
        st = statements[sid]
        cells = plan[sid]
        secs = time.perf_counter() - t_first.get(sid, time.perf_counter())
        if errs[sid]:
            row = LemmaResult(sid, st.kind, "inconclusive", {}, st.source, entry(sid)["statement"],
                              f"{len(errs[sid])}/{len(cells)} cell(s) raised: {errs[sid][0]}", len(cells), secs,
                              cached[sid])
        else:
            results = list(zip(cells, got[sid]))
            j, err = _judge(st, results)
            if j is None:
                row = LemmaResult(sid, st.kind, "inconclusive", {}, st.source, entry(sid)["statement"], err,
                                  len(cells), secs, cached[sid], results)
            else:
                row = LemmaResult(sid, st.kind, j.verdict, dict(j.figures), st.source, entry(sid)["statement"],
                                  j.note, len(cells), secs, cached[sid], results, j)
        rows[sid] = row
        if on_lemma is not None:
            on_lemma(row)

    for sid in ids:  # rows known before any cell runs
        if sid in rows and on_lemma is not None:
            on_lemma(rows[sid])
    for sid in plan:
        if remaining[sid] == 0:
            t_first[sid] = time.perf_counter()
            finish(sid)

    if jobs:
        ex = _Serial() if executor == "serial" else _Dask(scheduler, int(workers), processes)
        complete = False
        try:
            for sid in plan:
                t_first.setdefault(sid, time.perf_counter())
            ex.submit_all(jobs)
            for (sid, i), res, err in ex.as_completed():
                if err is not None:
                    errs[sid].append(f"cell {i} {json.dumps(_jsonable(plan[sid][i]))}: {err}")
                else:
                    got[sid][i] = _jsonable(res)
                    if cache is not None:
                        _write_cache(_cache_path(cache, profile, sid, plan[sid][i]), plan[sid][i], got[sid][i])
                remaining[sid] -= 1
                done_count[sid] += 1
                if on_cell is not None:
                    on_cell(sid, done_count[sid], len(plan[sid]))
                if remaining[sid] == 0:
                    finish(sid)
            complete = True
        finally:
            try:
                ex.close()
            except KeyboardInterrupt:
                if not complete:  # Ctrl-C while shutting down after the last cell: keep the result
                    raise

    lemmas = [rows[sid] for sid in ids]
    return AuditResult(profile, environment(device), lemmas, time.perf_counter() - t_start)


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
    largest violation / relative error; ZCZG-descent → the step-size frontier."""
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


def environment(device: str = "cpu") -> dict:
    """Python, torch, platform, device, CPU count, git commit and library versions."""
    import torch

    vers = {}
    for mod in ("numpy", "scipy", "dask", "distributed", "hypothesis", "matplotlib", "sklearn", "rich"):
        try:
            vers[mod] = importlib.import_module(mod).__version__
        except Exception:  # noqa: BLE001
            vers[mod] = None
    env = {
        "python": sys.version.split()[0],
        "torch": torch.__version__,
        "platform": platform.platform(),
        "device": device,
        "cpu_count": os.cpu_count(),
        "git_commit": _git_commit(),
        "versions": vers,
    }
    if str(device).startswith("cuda") and torch.cuda.is_available():
        env["cuda_device"] = torch.cuda.get_device_name(0)
    return env
