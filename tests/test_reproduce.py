"""`reproduce` (ZCZG 000 §6 Figures 1–3) at a tiny scale on the digits data."""
from __future__ import annotations

import json

import pytest

from overparam_verify.reproduce import ReproduceConfig, reproduce


def test_tiny_reproduce_writes_figures_and_series(tmp_path):
    cfg = ReproduceConfig(widths=[4, 8], depth=2, steps=6, lr=0.05, record_every=2, max_samples=40)
    payload = reproduce(cfg, tmp_path)
    for f in ("fig1.png", "fig2.png", "fig3.png"):
        assert (tmp_path / f).stat().st_size > 1000
    doc = json.loads((tmp_path / "results.json").read_text())
    assert doc["config"]["widths"] == [4, 8] and doc["config"]["depth"] == 2
    for m in ("4", "8"):
        r = doc[m]
        assert r["steps"] == [0, 2, 4, 6]
        assert len(r["loss"]) == len(r["distance"]) == len(r["activation_change_ratio"]) == 4
        assert r["distance"][0] == 0.0 and r["activation_change_ratio"][0] == 0.0
        assert all(0.0 <= v <= 1.0 for v in r["activation_change_ratio"])
        assert r["loss"][-1] < r["loss"][0]
    assert payload["4"]["loss"] == doc["4"]["loss"]
    # deterministic
    again = reproduce(cfg, tmp_path / "again")
    assert again["8"]["loss"] == payload["8"]["loss"]


@pytest.mark.parametrize(
    "kw, msg",
    [
        (dict(widths=[3]), "even"),
        (dict(widths=[]), "non-empty"),
        (dict(depth=0), "depth"),
        (dict(steps=0), "steps"),
        (dict(lr=-1.0), "step size"),
        (dict(dtype="float16"), "dtype"),
    ],
)
def test_bad_config(tmp_path, kw, msg):
    with pytest.raises(ValueError, match=msg):
        reproduce(ReproduceConfig(**kw), tmp_path / "x")
    assert not (tmp_path / "x").exists()  # nothing half-done
