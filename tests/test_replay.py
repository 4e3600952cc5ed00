"""`overparam-verify replay` and `audit-diff` (issue 17): on a small report built here (the JSON
contract of issue 11: parts, control, cell_list with marks) and on one real ``--only`` run."""
from __future__ import annotations

import copy
import io
import json

import pytest

from overparam_verify.cli import main
from overparam_verify.replay import audit_diff, diff_reports, pick_cell, replay

import test_audit


def _report(tmp_path, name="a.json", **over) -> tuple[dict, str]:
    cells = test_audit.s_cells("ci")
    doc = {
        "schema_version": 2, "profile": "ci", "environment": {"git_commit": "abc"}, "controls_rejected": 1,
        "summary": {"holds": 1, "violated": 0, "inconclusive": 0},
        "lemmas": [{
            "id": "ZCZG-A.8", "kind": "S", "verdict": "holds", "figures": {}, "note": "", "cells": len(cells),
            "parts": [{"name": "depth", "kind": "law", "verdict": "holds", "statistic": "y", "variable": "m",
                       "exponent": 0.5, "direction": "upper", "resolution": 0.25, "slope": 0.5, "ci": [0.45, 0.55],
                       "model": "power", "intercept": 1.1, "x": [4, 16, 64], "y": [6, 12, 24], "decides": True},
                      {"name": "b", "kind": "bound", "verdict": "holds", "statistic": "r", "slack": 0.5,
                       "failures": 0, "trials": 6, "delta": 0.1, "detectable_rate": 0.3, "decides": True}],
            "control": {"description": "mis-scaled", "kind": "system", "verdict": "violated", "rejected": True},
            "cell_list": [{"key": f"k{i:02d}" + "0" * 18, "role": "statement", "params": c,
                           "marks": ["worst"] if i == 4 else []} for i, c in enumerate(cells)],
        }],
    }
    for k, v in over.items():
        doc["lemmas"][0][k] = v
    p = tmp_path / name
    p.write_text(json.dumps(doc))
    return doc, str(p)


def test_pick_cell_prefers_failing_then_worst(tmp_path):
    doc, _ = _report(tmp_path)
    row = doc["lemmas"][0]
    c, why = pick_cell(row)
    assert why == "the worst cell" and c["params"] == test_audit.s_cells("ci")[4]
    row["cell_list"][1]["marks"] = ["failing"]
    assert pick_cell(row)[1] == "the failing cell" and pick_cell(row)[0]["params"] == test_audit.s_cells("ci")[1]
    assert pick_cell(row, "k03")[0]["params"] == test_audit.s_cells("ci")[3]
    with pytest.raises(ValueError, match="ambiguous"):
        pick_cell(row, "k0")
    with pytest.raises(ValueError, match="no cell"):
        pick_cell(row, "zz")
    with pytest.raises(ValueError, match="no cell_list"):
        pick_cell({"id": "X"})


def test_replay_reruns_the_cell_in_process(tmp_path):
    _, path = _report(tmp_path)
    test_audit.CALLS.clear()
    out = io.StringIO()
    assert replay("zczg-a.8", report=path, statements=test_audit.fakes(), out=out) == 0
    text = out.getvalue()
    assert test_audit.CALLS["S"] == 1  # one cell, in this process
    want = test_audit.s_run(test_audit.s_cells("ci")[4])["y"]
    assert f"y = {want:.6g}" in text and "the worst cell" in text and '"width": 64' in text
    assert "reported part depth (law): holds" in text


def test_replay_errors_are_one_line(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(["replay", "ZCZG-A.8"]) == 2  # no report
    assert "does not exist" in capsys.readouterr().err
    _, path = _report(tmp_path)
    assert main(["replay", "ZCZG-A.9", "--json", path]) == 2
    assert "not in the report" in capsys.readouterr().err
    assert main(["replay", "ZCZG-A8", "--json", path]) == 2
    assert "did you mean 'ZCZG-A.8'" in capsys.readouterr().err


def test_audit_diff_reports_verdict_and_figure_changes(tmp_path):
    a, pa = _report(tmp_path, "a.json")
    b = copy.deepcopy(a)
    b["lemmas"][0]["verdict"] = "inconclusive"
    b["lemmas"][0]["parts"][0]["slope"] = 0.61
    b["lemmas"][0]["parts"][0]["ci"] = [0.3, 0.9]
    b["lemmas"][0]["control"]["verdict"] = "holds"
    pb = tmp_path / "b.json"
    pb.write_text(json.dumps(b))
    d = diff_reports(a, b)
    assert d["verdicts"] == [("ZCZG-A.8", "holds", "inconclusive")]
    assert ("ZCZG-A.8", "depth", "slope", 0.5, 0.61) in d["figures"]
    assert d["controls"] == [("ZCZG-A.8", "violated", "holds")]
    out = io.StringIO()
    assert audit_diff(pa, str(pb), out=out) == 1
    text = out.getvalue()
    assert "holds → inconclusive" in text and "depth.slope: 0.5 → 0.61" in text and "depth.ci" in text
    out = io.StringIO()
    assert audit_diff(pa, pa, out=out) == 0 and "identical verdicts and figures" in out.getvalue()


def test_audit_diff_bad_input(tmp_path, capsys):
    (tmp_path / "x.json").write_text("[1, 2]")
    _, pa = _report(tmp_path)
    assert main(["audit-diff", pa, str(tmp_path / "x.json")]) == 2
    assert "not an overparam-verify audit report" in capsys.readouterr().err


def test_real_only_run_replays_and_diffs(tmp_path, monkeypatch, capsys):
    """The JSON of a real ``audit --only`` run: cell_list carries every cell with its seed and
    the worst cell marked; replay reruns it to the cached measurement; a second run diffs clean."""
    monkeypatch.chdir(tmp_path)
    args = ["audit", "--profile", "ci", "--workers", "0", "--only", "ZCZG-A.8"]
    assert main(args + ["--json", "a.json"], statements=test_audit.fakes()) == 0
    doc = json.loads((tmp_path / "a.json").read_text())
    row = doc["lemmas"][0]
    assert doc["schema_version"] >= 2 and len(row["cell_list"]) == row["cells"] == 6
    assert all("seed" in c["params"] for c in row["cell_list"])
    out = io.StringIO()
    assert replay("ZCZG-A.8", report="a.json", cell=row["cell_list"][5]["key"], statements=test_audit.fakes(),
                  out=out) == 0
    assert f"y = {test_audit.s_run(row['cell_list'][5]['params'])['y']:.6g}" in out.getvalue()
    assert main(args + ["--json", "b.json"], statements=test_audit.fakes()) == 0
    capsys.readouterr()
    assert main(["audit-diff", "a.json", "b.json"]) == 0
    assert "0 verdict change(s)" in capsys.readouterr().out


def test_replay_of_a_raising_cell_exits_1(tmp_path):
    _, path = _report(tmp_path)
    st = test_audit.fakes()
    st["ZCZG-A.8"] = test_audit._st("ZCZG-A.8", test_audit.s_cells, test_audit.bad_run, test_audit.s_sum)
    out = io.StringIO()
    assert replay("ZCZG-A.8", report=path, statements=st, out=out) == 1
    assert "run_cell raised RuntimeError: boom in run_cell" in out.getvalue()
