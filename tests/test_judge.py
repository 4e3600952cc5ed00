"""The one judge (overparam_verify.judge): declared parts → verdicts, by the rules of issue 11."""
from __future__ import annotations

import math

import numpy as np
import pytest

from overparam_verify import stats
from overparam_verify.judge import (
    Bound, Control, Evidence, Law, combine, final_verdict, judge, judge_bound, judge_law, needs_replicate,
    replicate_cells,
)


def _pts(k, xs, noise=0.0, seed=0, model="power"):
    rng = np.random.default_rng(seed)
    xs = np.asarray(xs, float)
    base = xs**k if model == "power" else np.exp(k * xs)
    return {"x": list(xs), "y": list(base * np.exp(noise * rng.standard_normal(xs.size)))}


M = [32, 64, 128, 256, 512, 1024]


@pytest.mark.parametrize("direction,true_k,verdict", [
    ("upper", -0.5, "holds"), ("upper", 0.0, "violated"), ("upper", -1.0, "holds"),
    ("lower", -0.5, "holds"), ("lower", -1.0, "violated"), ("lower", 0.0, "holds"),
    ("two-sided", -0.5, "holds"), ("two-sided", 0.0, "violated"), ("two-sided", -1.0, "violated"),
])
def test_law_directions(direction, true_k, verdict):
    j = judge_law(Law("w", "s", "m", -0.5, direction=direction), _pts(true_k, M, noise=0.01))
    assert j["verdict"] == verdict, j["reason"]


def test_law_inconclusive_when_interval_cannot_exclude_the_alternative():
    j = judge_law(Law("w", "s", "m", -0.5), _pts(-0.5, [32, 64, 128, 256], noise=0.5, seed=3))
    assert j["verdict"] == "inconclusive"
    assert "cannot exclude" in j["reason"] and j["points_needed"] > 4


@pytest.mark.parametrize("data,reason", [
    (None, "no data"),
    ({"x": [1, 2, 4], "y": [1, 2, 4]}, "short sweep"),
    ({"x": [1, 2, 4, 8], "y": [1, 2, float("nan"), 8]}, "NaN"),
    ({"x": [1, 2, 4, 8], "y": [1, 2, 0.0, 8]}, "non-positive"),
    ({"x": [1, 2, 4, 8], "y": [1, 2, None, 8]}, "NaN"),
])
def test_law_missing_or_bad_data_is_inconclusive(data, reason):
    j = judge_law(Law("w", "s", "m", 1.0), data)
    assert j["verdict"] == "inconclusive" and reason in j["reason"]


def test_law_default_resolution_and_geometric_model():
    assert Law("a", "s", "m", -0.5).resolution == 0.25
    assert Law("a", "s", "m", 0.0).resolution == 0.1
    g = Law("g", "s", "L", math.log(8), model="geometric")
    assert judge_law(g, _pts(math.log(8), [1, 2, 3, 4, 5], noise=0.01, model="geometric"))["verdict"] == "holds"
    assert judge_law(g, _pts(math.log(12), [1, 2, 3, 4, 5], noise=0.01, model="geometric"))["verdict"] == "violated"


def test_bound_rules():
    b = Bound("b", "s", "≤ 1", delta=0.1)
    assert judge_bound(b, {"ratios": [0.5] * 60})["verdict"] == "holds"
    # too few draws to detect 3δ: inconclusive with the R needed
    j = judge_bound(b, {"ratios": [0.5] * 20})
    assert j["verdict"] == "inconclusive" and "underpowered" in j["reason"] and j["trials_needed"] >= 40
    j = judge_bound(b, {"ratios": [1.5] * 20 + [0.5] * 40, "cells": list(range(60))})
    assert j["verdict"] == "violated" and j["slack"] == 1.5 and j["worst_cell"] == 0 and j["failing_cells"][:2] == [0, 1]
    assert judge_bound(b, {"ratios": []})["verdict"] == "inconclusive"
    assert judge_bound(b, {"ratios": [0.5, float("nan")] * 40})["verdict"] == "inconclusive"
    e = Bound("e", "s", "rtol 1e-9", delta=0.0)
    assert judge_bound(e, {"ratios": [1.0 + 1e-12] * 3})["verdict"] == "holds"
    assert judge_bound(e, {"ratios": [1.0] * 9 + [1.0 + 1e-6]})["verdict"] == "violated"
    ge = Bound("g", "s", "≥ 1", delta=0.0, direction="ge")
    assert judge_bound(ge, {"ratios": [2.0, 0.5]})["verdict"] == "violated"
    assert judge_bound(ge, {"ratios": [2.0, 1.5]})["slack"] == 1.5


def test_bound_tightness_fit():
    b = Bound("b", "s", "≤ C 8^L", delta=0.0, variable="L", bound_law="8^L", bound_model="geometric",
              bound_exponent=math.log(8))
    j = judge_bound(b, {"ratios": [0.1] * 4, "worst": {"x": [1, 2, 3, 4], "y": [2.0, 4.0, 8.0, 16.0]}})
    assert j["tightness"]["slope"] == pytest.approx(math.log(2))


def test_detectable_rate():
    assert stats.detectable_rate(40, 0.1) < 0.3 < stats.detectable_rate(20, 0.1)
    assert stats.detectable_rate(10, 0.0) == pytest.approx(1 - 0.2 ** 0.1, rel=1e-4)
    assert stats.trials_to_detect(0.3, 0.1) <= 60


def test_statement_combination_and_final_verdict():
    assert combine(["holds", "holds"]) == "holds"
    assert combine(["holds", "inconclusive"]) == "inconclusive"
    assert combine(["inconclusive", "violated"]) == "violated"
    assert combine([]) == "inconclusive"
    parts = (Law("w", "s", "m", -0.5), Law("extra", "s", "m", 3.0, direction="lower", decides=False))
    j = judge(parts, Evidence({"w": _pts(-0.5, M, 0.01), "extra": _pts(0.0, M, 0.01)}))
    assert j.verdict == "holds" and j.part("extra")["verdict"] == "violated"
    with pytest.raises(ValueError, match="undeclared"):
        judge(parts, Evidence({"nope": {}}))
    assert final_verdict("S", "holds", control="violated", replicate=None) == ("holds", "")
    assert final_verdict("S", "holds", control="holds", replicate=None)[0] == "inconclusive"
    assert final_verdict("S", "holds", control=None, replicate=None)[0] == "inconclusive"
    assert final_verdict("W", "violated", control="violated", replicate="holds")[0] == "inconclusive"
    assert final_verdict("W", "violated", control="violated", replicate="violated")[0] == "violated"
    assert final_verdict("E", "violated", control="violated", replicate=None)[0] == "violated"
    assert needs_replicate("S (x)", "violated") and not needs_replicate("E", "violated")


def test_replicate_cells_reseeds_only_seeds():
    cells = [{"m": 4, "seed": 7, "data_seed": 3, "flag": True}]
    r = replicate_cells(cells)
    assert r[0]["m"] == 4 and r[0]["flag"] is True and r[0]["seed"] != 7 and r[0]["data_seed"] != 3


@pytest.mark.parametrize("make,match", [
    (lambda: Law("", "s", "m", 1.0), "name"),
    (lambda: Law("a", "s", "m", 1.0, direction="up"), "direction"),
    (lambda: Law("a", "s", "m", 1.0, model="poly"), "model"),
    (lambda: Law("a", "s", "m", float("nan")), "exponent"),
    (lambda: Law("a", "s", "m", 1.0, resolution=0.0), "resolution"),
    (lambda: Law("a", "s", "m", 1.0, min_points=2), "min_points"),
    (lambda: Bound("a", "s", "b", delta=1.0), "delta"),
    (lambda: Bound("a", "s", "b", delta=0.1, direction="lt"), "direction"),
    (lambda: Control("", params={"a": 1}), "description"),
    (lambda: Control("c"), "exactly one"),
    (lambda: Control("c", params={}), "non-empty"),
    (lambda: Control("c", params={"a": 1}, kind="formula"), "why"),
])
def test_bad_declarations(make, match):
    with pytest.raises(ValueError, match=match):
        make()
