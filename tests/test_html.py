"""Plots from the judged fit, the forest figure and the HTML report (issue 17), on a fake report
with law and bound parts (violated ones included) and on one real ``audit --only`` run."""
from __future__ import annotations

import io
import json
import math
import shutil
import subprocess

import pytest

from overparam_verify.html_report import to_html, write_html
from overparam_verify.plots import forest_rows, plot_bound, plot_law, plot_lemma, tick_labels_overlap, write_forest

LAW = {"name": "width", "kind": "law", "verdict": "holds", "statistic": "‖x_L‖ deviation", "variable": "m",
       "exponent": -0.5, "direction": "upper", "resolution": 0.25, "slope": -0.52, "ci": [-0.6, -0.44],
       "intercept": 0.7, "model": "power", "x": [16, 16, 32, 32, 64, 64, 128, 128, 256, 256, 512, 512],
       "y": [0.5, 0.52, 0.35, 0.36, 0.25, 0.26, 0.18, 0.17, 0.125, 0.13, 0.09, 0.088], "decides": True}
GEOM = {**LAW, "name": "depth", "variable": "L", "model": "geometric", "exponent": math.log(8), "slope": 1.9,
        "ci": [1.7, 2.1], "intercept": -1.0, "verdict": "violated", "direction": "upper", "resolution": 0.5,
        "x": [1, 2, 3, 4, 5], "y": [2.4, 16.0, 110.0, 800.0, 5000.0]}
BOUND = {"name": "spectral", "kind": "bound", "verdict": "violated", "statistic": "‖W_l‖₂", "bound": "7/2",
         "direction": "le", "variable": "d", "slack": 1.52, "failures": 3, "trials": 20, "delta": 0.1,
         "detectable_rate": 0.3, "x": [64.0] * 10 + [512.0] * 10, "ratios": [0.6] * 10 + [0.9] * 7 + [1.2, 1.5, 1.52],
         "tightness": {"variable": "L", "bound_law": "8^L", "model": "geometric", "slope": 1.2, "ci": [1.0, 1.4],
                       "bound_slope": 2.08}, "decides": True}


def _row(sid, verdict, parts, control=None):
    return {"id": sid, "kind": "S", "verdict": verdict, "figures": {}, "note": "n", "statement": f"text of {sid}",
            "source": "ZCZG 003", "cells": 3, "parts": parts, "control": control}


def _report():
    return {"profile": "ci", "environment": {"python": "3.11", "scheduler": "tcp://127.0.0.1:1", "executor": "dask",
                                             "workers": 2, "worker_environment": {"tcp://a": {"python": "3.11"}}},
            "seconds": 1.0, "lemmas": [
                _row("ZCZG-A.1", "holds", [LAW], {"description": "mis-scaled init", "kind": "system",
                                                  "verdict": "violated", "rejected": True}),
                _row("ZCZG-B.2", "violated", [GEOM, BOUND]),
                _row("ZCZG-A.2", "inconclusive", []),
            ]}


@pytest.fixture
def plt():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    yield plt
    plt.close("all")


def test_law_plot_draws_the_judged_fit_band_theory_and_resolution(plt):
    fig, ax = plt.subplots()
    assert plot_law(ax, LAW)
    lines = {ln.get_label(): ln for ln in ax.get_lines()}
    fit = next(ln for k, ln in lines.items() if k.startswith("fit slope -0.52 [-0.60, -0.44]"))
    xs, ys = fit.get_data()
    for x, y in zip(xs, ys):  # exactly the part's numbers: y = exp(intercept)·x^slope
        assert y == pytest.approx(math.exp(0.7) * x ** -0.52, rel=1e-9)
    assert any(k.startswith("theory exponent ≤ -0.5") for k in lines)
    assert any("alternative -0.25" in k for k in lines)  # k + Δ for an upper bound
    assert ax.collections  # the confidence band
    assert "$m$" in ax.get_xlabel() and ax.get_xscale() == "log"
    assert not tick_labels_overlap(fig)


def test_geometric_law_is_log_linear(plt):
    fig, ax = plt.subplots()
    assert plot_law(ax, GEOM)
    fit = next(ln for ln in ax.get_lines() if ln.get_label().startswith("fit slope"))
    xs, ys = fit.get_data()
    assert ys[-1] == pytest.approx(math.exp(-1.0 + 1.9 * xs[-1]), rel=1e-9)
    assert ax.get_xscale() == "linear" and ax.get_yscale() == "log" and "$L$" in ax.get_xlabel()


def test_bound_plot_ratios_against_the_line_at_one(plt):
    fig, ax = plt.subplots()
    assert plot_bound(ax, BOUND)
    labels = [ln.get_label() for ln in ax.get_lines()]
    assert "failing trial" in labels and "bound (≤ 1)" in labels
    assert "$d$" in ax.get_xlabel() and "slack 1.52" in ax.get_title()


def test_every_statement_with_parts_gets_a_plot_without_overlaps(tmp_path, plt):
    import matplotlib.image

    doc = _report()
    for row in doc["lemmas"][:2]:  # a holding and a violated statement
        p = plot_lemma(row, None, tmp_path / f"{row['id']}.png")
        assert p is not None and p.stat().st_size > 5000
        assert matplotlib.image.imread(p).shape[0] > 300
    assert plot_lemma(doc["lemmas"][2], None, tmp_path / "none.png") is None  # nothing to draw


def test_dense_ticks_are_thinned(plt):
    from overparam_verify.plots import _declutter

    fig, ax = plt.subplots(figsize=(2.0, 2.0))
    ax.plot(range(100), range(100))
    ax.set_xticks(range(0, 100, 2))
    assert tick_labels_overlap(fig)
    _declutter(fig)
    assert not tick_labels_overlap(fig)


def test_forest_rows_and_figure(tmp_path):
    rows = forest_rows(_report())
    labels = [r["label"] for r in rows]
    assert labels[0].startswith("ZCZG-A.1 · width (m)") and rows[0]["alternatives"] == [-0.25]
    assert any("worst case (L) vs 8^L" in lbl for lbl in labels)  # the bound's tightness fit
    assert len(rows) == 3
    p = write_forest(_report(), tmp_path / "forest.png")
    assert p is not None and p.stat().st_size > 5000
    assert write_forest({"lemmas": [_row("ZCZG-A.2", "inconclusive", [])]}, tmp_path / "f2.png") is None


def test_html_report_content(tmp_path):
    doc = _report()
    html = to_html(doc, plots={"ZCZG-A.1": "plots/ZCZG-A.1.png"}, forest="plots/forest.png")
    assert html.startswith("<!doctype html>") and "</html>" in html
    assert "width: slope -0.52 [-0.60, -0.44] in m" in html  # the key figure from the judged parts
    assert "text of ZCZG-A.1" in html and 'src="plots/ZCZG-A.1.png"' in html and 'src="plots/forest.png"' in html
    assert "controls rejected 1/1" in html and "mis-scaled init" in html
    assert "Tightness of the explicit bounds" in html and "8^L" in html
    assert "tcp://127.0.0.1:1" in html and "2 worker(s)" in html
    assert html.count('<section class=lemma') == 3
    assert "<script" not in html  # static
    write_html(doc, tmp_path / "x" / "a.html")
    assert (tmp_path / "x" / "a.html").read_text(encoding="utf-8") == to_html(doc)


def test_real_only_run_report_plots_replay(tmp_path, monkeypatch, capsys):
    """One real statement end to end (AZLS-resnet, ci profile, in-process): JSON parts and
    cell_list, the plot and forest figure, the HTML beside the Markdown, replay of its worst
    cell through the registry (same measurement as a direct run), audit-diff reads it."""
    from overparam_verify.catalogue import registry
    from overparam_verify.cli import main
    from overparam_verify.replay import replay

    monkeypatch.chdir(tmp_path)
    args = ["audit", "--profile", "ci", "--workers", "0", "--only", "azls-resnet"]
    assert main(args) == 0
    doc = json.loads((tmp_path / "audit-out" / "audit.json").read_text())
    row = doc["lemmas"][0]
    assert row["id"] == "AZLS-resnet" and row["parts"] and row["control"]["rejected"] is True
    html = (tmp_path / "audit-out" / "audit.html").read_text(encoding="utf-8")
    assert "AZLS-resnet.png" in html and "forest.png" in html and row["statement"][:30] in html
    assert (tmp_path / "audit-out" / "plots" / "AZLS-resnet.png").stat().st_size > 5000
    assert (tmp_path / "audit-out" / "plots" / "forest.png").exists()
    worst = [c for c in row["cell_list"] if "worst" in c["marks"]]
    assert worst
    out = io.StringIO()
    assert replay("AZLS-resnet", report="audit-out/audit.json", out=out) == 0
    direct = registry()["AZLS-resnet"].run_cell(dict(worst[0]["params"]))
    assert f"bound_ratio = {direct['bound_ratio']:.6g}" in out.getvalue()
    capsys.readouterr()
    assert main(["audit-diff", "audit-out/audit.json", "audit-out/audit.json"]) == 0
    assert "identical verdicts and figures" in capsys.readouterr().out


@pytest.mark.skipif(not (shutil.which("chromium") or shutil.which("chromium-browser")), reason="no chromium")
def test_html_renders_in_headless_chromium(tmp_path):
    doc = _report()
    page = write_html(doc, tmp_path / "a.html")
    shot = tmp_path / "shot.png"
    exe = shutil.which("chromium") or shutil.which("chromium-browser")
    subprocess.run([exe, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                    f"--screenshot={shot}", "--window-size=1200,900", page.as_uri()],
                   capture_output=True, timeout=120, check=False)
    assert shot.exists() and shot.stat().st_size > 10000
