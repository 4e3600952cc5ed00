"""The audit engine on small fake statements (real catalogue IDs, never registered)."""
from __future__ import annotations

import json
from collections import Counter

import pytest

from overparam_verify import audit as au
from overparam_verify.catalogue import CATALOGUE, Judgement, Statement, entry
from overparam_verify.plots import write_plots
from overparam_verify.report import to_markdown, write_json, write_markdown

CALLS: Counter = Counter()


def e_cells(profile):
    return [{"k": k} for k in range(3 if profile == "ci" else 4)]


def e_run(params):
    CALLS["E"] += 1
    return {"err": 1e-16 * params["k"]}


def e_sum(results):
    return Judgement("holds", {"max_rel_error": max(r["err"] for _, r in results)}, "exact")


def s_cells(profile):
    return [{"width": w, "seed": s} for w in (4, 16, 64) for s in (0, 1)]


def s_run(params):
    CALLS["S"] += 1
    return {"y": 3.0 * params["width"] ** 0.5 * (1 + 0.01 * params["seed"])}


def s_sum(results):
    from overparam_verify import stats

    fit = stats.loglog_fit([p["width"] for p, _ in results], [r["y"] for _, r in results])
    return Judgement("holds", {"slope": fit.slope, "ci": list(fit.ci), "theory_exponent": 0.5,
                               "constant": fit.constant, "x": [p["width"] for p, _ in results],
                               "y": [r["y"] for _, r in results]}, "fit")


def s_plot(results, judgement, ax):
    ax.loglog([p["width"] for p, _ in results], [r["y"] for _, r in results], "o")


def w_run(params):
    CALLS["W"] += 1
    return {"slack": 1.5 if params["width"] == 4 else 0.5}


def w_sum(results):
    return Judgement("violated", {"slack": max(r["slack"] for _, r in results), "failures": 2, "trials": 6,
                                  "min_width_held": 16}, "fails at m=4")


def bad_run(params):
    raise RuntimeError("boom in run_cell")


def bad_sum(results):
    raise ZeroDivisionError("boom in summarize")


def bad_cells(profile):
    raise KeyError("no such profile")


def _st(sid, cells, run, summ, plot=None):
    e = entry(sid)
    return Statement(e["id"], e["kind"], f"fake, {sid}", cells, run, summ, plot, e["statement"])


def fakes() -> dict[str, Statement]:
    return {
        "ZCZG-setup.forward": _st("ZCZG-setup.forward", e_cells, e_run, e_sum),
        "ZCZG-A.8": _st("ZCZG-A.8", s_cells, s_run, s_sum, s_plot),
        "ZCZG-B.4": _st("ZCZG-B.4", s_cells, w_run, w_sum),
        "ZCZG-A.9": _st("ZCZG-A.9", s_cells, bad_run, s_sum),
        "ZCZG-A.10": _st("ZCZG-A.10", s_cells, s_run, bad_sum),
        "ZCZG-A.11": _st("ZCZG-A.11", bad_cells, s_run, s_sum),
    }


@pytest.fixture
def audit_serial(tmp_path):
    CALLS.clear()
    return au.run_audit("ci", statements=fakes(), executor="serial", cache_dir=tmp_path / "cache")


def test_every_catalogue_id_appears_in_order(audit_serial):
    assert [r.id for r in audit_serial.lemmas] == [e["id"] for e in CATALOGUE]
    by = {r.id: r for r in audit_serial.lemmas}
    assert by["ZCZG-loss.3.1"].verdict == "inconclusive"
    assert by["ZCZG-loss.3.1"].note.startswith("not registered")


def test_verdicts_and_errors_are_inconclusive(audit_serial):
    by = {r.id: r for r in audit_serial.lemmas}
    assert by["ZCZG-setup.forward"].verdict == "holds"
    assert by["ZCZG-A.8"].verdict == "holds"
    assert by["ZCZG-A.8"].figures["slope"] == pytest.approx(0.5, abs=0.02)
    assert by["ZCZG-B.4"].verdict == "violated"
    assert "held from m=16" in au.key_figure(by["ZCZG-B.4"])
    assert by["ZCZG-A.9"].verdict == "inconclusive" and "boom in run_cell" in by["ZCZG-A.9"].note
    assert by["ZCZG-A.10"].verdict == "inconclusive" and "boom in summarize" in by["ZCZG-A.10"].note
    assert by["ZCZG-A.11"].verdict == "inconclusive" and "cells" in by["ZCZG-A.11"].note
    assert by["ZCZG-setup.forward"].cells == 3  # the ci profile's cells
    assert CALLS["E"] == 3 and CALLS["S"] == 6  # A.8 and A.10 share s_run and its cells: each cell runs once


def test_json_schema_markdown_and_plots(audit_serial, tmp_path):
    p = write_json(audit_serial, tmp_path / "out" / "a.json")
    doc = json.loads(p.read_text())
    assert doc["profile"] == "ci"
    for k in ("python", "torch", "platform", "device", "cpu_count", "git_commit", "versions"):
        assert k in doc["environment"]
    assert len(doc["lemmas"]) == len(CATALOGUE)
    for row in doc["lemmas"]:
        assert {"id", "kind", "verdict", "figures", "source", "statement", "note", "cells"} <= set(row)
        assert row["verdict"] in ("holds", "violated", "inconclusive")
    assert sum(doc["summary"].values()) == len(CATALOGUE)
    md = to_markdown(audit_serial)
    assert "| ZCZG-A.8 | S | holds |" in md and "**violated**" in md and "inconclusive" in md
    write_markdown(audit_serial, tmp_path / "out" / "a.md")
    plots, errors = write_plots(audit_serial, tmp_path / "plots", fakes())
    assert not errors
    assert set(plots) == {"ZCZG-A.8", "ZCZG-setup.forward", "ZCZG-B.4"} - {"ZCZG-setup.forward", "ZCZG-B.4"}
    assert (tmp_path / "plots" / "ZCZG-A.8.png").stat().st_size > 1000


def test_resume_reuses_cached_cells(tmp_path):
    CALLS.clear()
    cache = tmp_path / "cache"
    first = au.run_audit("ci", only=["ZCZG-A.8", "ZCZG-setup.forward"], statements=fakes(), executor="serial",
                         cache_dir=cache)
    assert CALLS["S"] == 6 and CALLS["E"] == 3
    again = au.run_audit("ci", only=["ZCZG-A.8", "ZCZG-setup.forward"], statements=fakes(), executor="serial",
                         cache_dir=cache, resume=True)
    assert CALLS["S"] == 6 and CALLS["E"] == 3  # nothing recomputed
    assert [r.figures for r in again.lemmas] == [r.figures for r in first.lemmas]
    assert [r.cached for r in again.lemmas] == [3, 6]
    # a partial cache (an interrupted run): only the missing cells run
    files = sorted((cache / "ci" / "ZCZG-A.8").glob("*.json"))
    files[0].unlink()
    au.run_audit("ci", only=["ZCZG-A.8"], statements=fakes(), executor="serial", cache_dir=cache, resume=True)
    assert CALLS["S"] == 7
    # without --resume everything runs again
    au.run_audit("ci", only=["ZCZG-A.8"], statements=fakes(), executor="serial", cache_dir=cache)
    assert CALLS["S"] == 13


def test_only_accepts_aliases_and_rejects_unknown():
    alias = next(e for e in CATALOGUE if e["aliases"])
    assert au.select_ids([alias["aliases"][0]]) == [alias["id"]]
    with pytest.raises(ValueError, match="unknown catalogue ID"):
        au.select_ids(["ZCZG-A.8", "no-such-lemma"])
    res = au.run_audit("ci", only=["ZCZG-A.8"], statements=fakes(), executor="serial", cache_dir=None)
    assert [r.id for r in res.lemmas] == ["ZCZG-A.8"]


def test_bad_arguments():
    with pytest.raises(ValueError, match="profile"):
        au.run_audit("huge", statements={}, executor="serial", cache_dir=None)
    with pytest.raises(ValueError, match="executor"):
        au.run_audit("ci", statements={}, executor="mpi", cache_dir=None)


def test_device_is_passed_to_cells_or_refused():
    import torch

    if torch.cuda.is_available():
        res = au.run_audit("ci", only=["ZCZG-setup.forward"], statements=fakes(), executor="serial",
                           cache_dir=None, device="cuda")
        assert res.environment["device"] == "cuda"
    else:
        with pytest.raises(ValueError, match="CUDA is not available"):
            au.run_audit("ci", statements=fakes(), executor="serial", cache_dir=None, device="cuda")


def test_dask_local_cluster_and_scheduler_give_identical_results(tmp_path):
    from dask.distributed import LocalCluster

    only = ["ZCZG-A.8", "ZCZG-B.4", "ZCZG-A.9"]
    serial = au.run_audit("ci", only=only, statements=fakes(), executor="serial", cache_dir=None)
    local = au.run_audit("ci", only=only, statements=fakes(), executor="dask", workers=2, processes=False,
                         cache_dir=tmp_path / "c1")
    with LocalCluster(n_workers=1, threads_per_worker=2, processes=False, dashboard_address=None) as cluster:
        remote = au.run_audit("ci", only=only, statements=fakes(), executor="dask",
                              scheduler=cluster.scheduler_address, cache_dir=tmp_path / "c2")
    for res in (local, remote):
        assert [(r.id, r.verdict, r.figures) for r in res.lemmas] == [(r.id, r.verdict, r.figures) for r in serial.lemmas]
        assert [p for p, _ in res.lemmas[0].results] == s_cells("ci")  # sorted by cell order
    assert "boom in run_cell" in {r.id: r for r in remote.lemmas}["ZCZG-A.9"].note


def test_key_figure_descent_frontier():
    row = au.LemmaResult("ZCZG-descent", "W", "holds", {"slack": 0.9, "failures": 0, "trials": 4,
                         "min_frontier_times_ML3": 12.0, "frontier_L2": {"4": 0.5, "16": 0.1},
                         "frontier_slope_L2": -1.1}, "", "", "", 4)
    k = au.key_figure(row)
    assert "η frontier" in k and "m=4: 0.5" in k and "m=16: 0.1" in k and "slack 0.9" in k
    assert "min_frontier_times_ML3 12" in k


def interrupting_run(params):
    CALLS["I"] += 1
    if CALLS["I"] == 3 and not CALLS["resumed"]:
        raise KeyboardInterrupt  # Ctrl-C while the third cell runs
    return s_run(params)


def test_ctrl_c_keeps_finished_cells_and_resume_continues(tmp_path):
    CALLS.clear()
    st = {"ZCZG-A.8": _st("ZCZG-A.8", s_cells, interrupting_run, s_sum, s_plot)}
    with pytest.raises(KeyboardInterrupt):
        au.run_audit("ci", only=["ZCZG-A.8"], statements=st, executor="serial", cache_dir=tmp_path)
    assert len(list((tmp_path / "ci" / "ZCZG-A.8").glob("*.json"))) == 2
    CALLS["resumed"] = 1
    res = au.run_audit("ci", only=["ZCZG-A.8"], statements=st, executor="serial", cache_dir=tmp_path, resume=True)
    assert CALLS["I"] == 3 + 4 and res.lemmas[0].cached == 2 and res.lemmas[0].verdict == "holds"
    full = au.run_audit("ci", only=["ZCZG-A.8"], statements=fakes(), executor="serial", cache_dir=None)
    assert res.lemmas[0].figures == full.lemmas[0].figures


def test_code_hash_changes_with_the_statement_source(tmp_path, monkeypatch):
    """The cache key includes a hash of the measuring module's source: editing it invalidates
    --resume; the same code hashes the same."""
    import importlib
    import sys

    mod = tmp_path / "fake_family_mod.py"
    mod.write_text("def run(params):\n    return {'y': 1.0}\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    m = importlib.import_module("fake_family_mod")
    st = _st("ZCZG-A.8", s_cells, m.run, s_sum)
    h1 = au.statement_code_hash(st)
    assert h1 == au.statement_code_hash(_st("ZCZG-A.8", s_cells, m.run, s_sum))
    mod.write_text("def run(params):\n    return {'y': 2.0}  # changed\n")
    importlib.invalidate_caches()
    m = importlib.reload(m)
    h2 = au.statement_code_hash(_st("ZCZG-A.8", s_cells, m.run, s_sum))
    assert h1 != h2
    assert au.cell_key({"a": 1}, h1) != au.cell_key({"a": 1}, h2) != au.cell_key({"a": 1})
    sys.modules.pop("fake_family_mod", None)


def test_code_hash_is_the_same_in_every_process():
    """--resume reads cells cached by another process: a decorated run_cell (the catalogue's
    ``@_single_thread``) must hash the same there (a repr of its code objects held memory
    addresses, and every A.4/A.5 cell was recomputed)."""
    import subprocess
    import sys

    from overparam_verify.catalogue import registry

    here = {sid: au.statement_code_hash(st) for sid, st in registry().items()}
    out = subprocess.run([sys.executable, "-c", "from overparam_verify import audit; from overparam_verify.catalogue "
                          "import registry; print({s: audit.statement_code_hash(t) for s, t in registry().items()})"],
                         capture_output=True, text=True, check=True).stdout
    assert eval(out) == here  # noqa: S307 - our own printed dict


def test_environment_records_the_executor(tmp_path):
    res = au.run_audit("ci", only=["ZCZG-A.8"], statements=fakes(), executor="serial", cache_dir=None)
    assert res.environment["executor"] == "serial"
    res = au.run_audit("ci", only=["ZCZG-A.8"], statements=fakes(), executor="dask", workers=1, processes=False,
                       cache_dir=None)
    env = res.environment
    assert env["executor"] == "dask" and env["workers"] == 1 and env["scheduler"].startswith("inproc://")
    assert len(env["worker_environment"]) == 1


def test_write_plots_in_processes_accepts_unpicklable_plot_functions(tmp_path):
    """The forked plot processes inherit the jobs: a statement's plot may be a closure."""
    from overparam_verify import plots

    def make():
        def plot(results, judgement, ax):  # a local function: not picklable
            ax.plot([1, 2], [1, 2])
        return plot

    class St:
        plot = staticmethod(make())

    rows = [{"id": f"ZCZG-A.{k}", "verdict": "holds", "figures": {"x": 1}, "parts": []} for k in range(1, 7)]
    sts = {r["id"]: St() for r in rows}
    par = plots.write_plots({"lemmas": rows}, tmp_path / "par", sts, processes=2)
    assert par == plots.write_plots({"lemmas": rows}, tmp_path / "par", sts, processes=1)


@pytest.mark.parametrize("kind", ["serial", "dask"])
def test_executor_takes_jobs_while_running(kind):
    """A violated statement's replicate joins the running cells at once (``add`` during
    ``as_completed``), instead of waiting for every other statement's cells."""
    ex = au._Serial() if kind == "serial" else au._Dask(None, 1, processes=False)
    try:
        ex.submit_all([((("a", "statement"), i), s_run, {"width": 4, "seed": i}) for i in range(3)])
        seen = []
        for tag, res, err in ex.as_completed():
            assert err is None
            seen.append(tag)
            if tag[0][0] == "a" and len(seen) == 1:
                ex.add([((("b", "replicate"), 0), s_run, {"width": 16, "seed": 0})])
        assert sorted(seen) == [(("a", "statement"), 0), (("a", "statement"), 1), (("a", "statement"), 2),
                                (("b", "replicate"), 0)]
    finally:
        ex.close()
