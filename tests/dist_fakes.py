"""Fake statements for the distributed tests (imported by the test *and* by the dask workers the
tests start, which get this directory on PYTHONPATH): cheap, deterministic, slow on demand."""
from __future__ import annotations

import time

from overparam_verify.catalogue import Judgement, Statement, entry

SLEEP = {"s": 0.0}


def cells(profile):
    return [{"width": w, "seed": s, "sleep": 0.0} for w in (4, 8, 16, 32) for s in (0, 1)]


def slow_cells(profile, seeds: int = 2):
    return [{"width": w, "seed": s, "sleep": 0.4} for w in (4, 8, 16, 32, 64) for s in range(seeds)]


def slower_cells(profile):
    """30 cells of 0.4 s (~12 s on one worker): the Ctrl-C test's window for its SIGINT on a loaded
    CI machine (10 cells, 4 s, was missed once)."""
    return slow_cells(profile, seeds=6)


def run(params):
    time.sleep(params.get("sleep", 0.0))
    return {"y": 3.0 * params["width"] ** 0.5 * (1 + 0.01 * params["seed"])}


def summarize(results):
    from overparam_verify import stats

    fit = stats.loglog_fit([p["width"] for p, _ in results], [r["y"] for _, r in results])
    return Judgement("holds", {"slope": fit.slope, "ci": list(fit.ci), "theory_exponent": 0.5}, "fake")


def statements(slow: bool = False, slower: bool = False) -> dict[str, Statement]:
    e = entry("ZCZG-A.8")
    which = slower_cells if slower else slow_cells if slow else cells
    return {e["id"]: Statement(e["id"], e["kind"], "fake", which, run, summarize, None,
                               e["statement"])}
