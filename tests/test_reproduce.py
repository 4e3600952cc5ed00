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


def test_out_is_checked_before_training_and_results_written_per_width(tmp_path, monkeypatch):
    import overparam_verify.reproduce as rp

    (tmp_path / "file").write_text("x")
    called = []
    monkeypatch.setattr(rp, "run", lambda *a, **k: called.append(1))
    with pytest.raises(ValueError, match="not a writable directory"):
        reproduce(ReproduceConfig(widths=[4], depth=2, steps=2, max_samples=20), tmp_path / "file" / "out")
    assert not called  # nothing trained
    monkeypatch.undo()

    seen, steps = [], []
    out = tmp_path / "new" / "dir"

    def progress(m, r):  # results.json already holds this width when the callback runs
        doc = json.loads((out / "results.json").read_text())
        seen.append((m, sorted(k for k in doc if k.isdigit()), doc["complete"]))

    cfg = ReproduceConfig(widths=[4, 6], depth=2, steps=10, lr=0.05, record_every=5, max_samples=20)
    reproduce(cfg, out, progress=progress, on_step=lambda m, k, n, s: steps.append((m, k, n)))
    assert seen == [(4, ["4"], False), (6, ["4", "6"], False)]
    assert json.loads((out / "results.json").read_text())["complete"] is True
    assert (4, 1, 10) in steps and (6, 10, 10) in steps  # every tenth of the steps, per width
    assert not list(out.glob("*.tmp"))


def test_reproduce_cli_unwritable_out_and_step_lines(tmp_path, monkeypatch, capsys):
    from overparam_verify.cli import main

    monkeypatch.chdir(tmp_path)
    (tmp_path / "f").write_text("x")
    assert main(["reproduce", "--out", "f/x", "--widths", "4", "--depth", "2", "--steps", "2"]) == 2
    err = capsys.readouterr().err
    assert "--out" in err and len(err.strip().splitlines()) == 1
    assert main(["reproduce", "--out", "r", "--widths", "4", "--depth", "2", "--steps", "4", "--max-samples", "20",
                 "--lr", "0.05", "--record-every", "2"]) == 0
    out = capsys.readouterr().out
    assert "m=    4: step 2/4" in out and "results.json updated" in out
