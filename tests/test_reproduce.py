"""`reproduce` (ZCZG 000 §6 Figures 1–3) at a tiny scale on the digits data."""
from __future__ import annotations

import json
import math

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from overparam_verify.reproduce import FULL, QUICK, ReproduceConfig, at_loss, compare, loss_levels, reproduce


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
        (dict(seeds=0), "seeds"),
        (dict(seeds=1.5), "seeds"),
        (dict(loss_levels=[]), "loss_levels"),
        (dict(loss_levels=[0.1, -0.2]), "loss_levels"),
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


def test_seeds_bands_and_per_seed_runs_match_train(tmp_path):
    """Several initialisations per width, trained as one ensemble: each seed's curves equal a
    plain ``train`` of that seed's net, and the band is the min–max across them."""
    import overparam_verify as ov
    from overparam_verify.loaders import load_binary

    cfg = ReproduceConfig(widths=[6, 10], depth=2, steps=8, lr=0.05, record_every=4, max_samples=30, seeds=3,
                          seed=5, dtype="float64")
    payload = reproduce(cfg, tmp_path)
    X, y = load_binary("digits", max_samples=30, seed=5)
    for m in ("6", "10"):
        r = payload[m]
        assert r["seeds"] == [5, 6, 7] and [s["seed"] for s in r["per_seed"]] == [5, 6, 7]
        for key in ("loss", "distance", "activation_change_ratio"):
            for j in range(len(r["steps"])):
                vals = [s[key][j] for s in r["per_seed"]]
                assert r[key + "_min"][j] == min(vals) and r[key + "_max"][j] == max(vals)
                assert r[key][j] == pytest.approx(sum(vals) / 3, rel=1e-12, abs=1e-15)
        assert len({s["loss"][0] for s in r["per_seed"]}) == 3  # three different W⁽⁰⁾
        for s in r["per_seed"]:
            net = ov.DeepReLUNet.gaussian_init(X.shape[1], [int(m)] * 2, seed=s["seed"])
            _, tr = ov.train(net, X, y, loss="logistic", lr=0.05, steps=8, record_every=4, dtype=torch.float64)
            assert s["loss"] == pytest.approx(tr.loss.tolist(), rel=1e-9)
            dist = torch.sqrt((tr.dist_frobenius ** 2).sum(1)).tolist()
            assert s["distance"] == pytest.approx(dist, rel=1e-9, abs=1e-12)
        assert r["loss_monotone"] == all(s["max_loss_increase"] <= 0 for s in r["per_seed"])
    cmp = payload["comparisons"]
    assert cmp["matched_loss"] and cmp["matched_iteration"]
    assert json.loads((tmp_path / "results.json").read_text())["comparisons"] == json.loads(json.dumps(cmp))


def test_at_loss_interpolates_in_log_loss_and_reports_never():
    steps, loss = [0, 10, 20], [1.0, 0.1, 0.01]
    hit = at_loss(steps, loss, {"d": [0.0, 2.0, 3.0]}, 10 ** -1.5)  # halfway in log between 0.1 and 0.01
    assert hit["k"] == pytest.approx(15.0) and hit["d"] == pytest.approx(2.5)
    assert at_loss(steps, loss, {"d": [0.0, 2.0, 3.0]}, 0.1) == {"k": 10.0, "d": 2.0}
    assert at_loss(steps, loss, {"d": [0.0, 2.0, 3.0]}, 2.0) == {"k": 0.0, "d": 0.0}
    assert at_loss(steps, loss, {"d": [0.0, 2.0, 3.0]}, 0.005) is None
    # the *first* crossing, not a later one
    assert at_loss([0, 1, 2, 3], [1.0, 0.4, 0.6, 0.3], {"d": [0, 1, 2, 3]}, 0.5)["k"] < 1.0


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**31 - 1), R=st.integers(2, 12), frac=st.floats(0.0, 1.0))
def test_at_loss_lands_between_the_bracketing_records(seed, R, frac):
    g = torch.Generator().manual_seed(seed)
    loss = torch.cumprod(torch.rand(R, generator=g, dtype=torch.float64) * 0.9 + 0.05, 0).tolist()  # decreasing
    d = torch.cumsum(torch.rand(R, generator=g, dtype=torch.float64), 0).tolist()  # increasing
    steps = [5 * j for j in range(R)]
    level = math.exp(math.log(loss[0]) + frac * (math.log(loss[-1]) - math.log(loss[0])))
    hit = at_loss(steps, loss, {"d": d}, level)
    assert hit is not None
    j = next(i for i, v in enumerate(loss) if v <= level)
    lo_k, hi_k = (steps[j - 1], steps[j]) if j else (0, 0)
    assert lo_k - 1e-9 <= hit["k"] <= hi_k + 1e-9
    lo_d, hi_d = (d[j - 1], d[j]) if j else (d[0], d[0])
    assert lo_d - 1e-9 <= hit["d"] <= hi_d + 1e-9


def _fake(rates, seeds=2, steps=100, every=10):
    """Width m: loss e^{−rate_m·k}, distance 0.01·√k (the same path at every width)."""
    out = {}
    for m, rate in rates.items():
        per = []
        for j in range(seeds):
            ks = list(range(0, steps + 1, every))
            per.append({"seed": j, "steps": ks, "loss": [0.7 * math.exp(-rate * (1 + 0.1 * j) * k) for k in ks],
                        **{q: [0.01 * math.sqrt(k) for k in ks] for q in ("distance", "distance_spectral")},
                        "activation_change_ratio": [0.001 * k for k in ks], "train_error": [0.0] * len(ks)})
        out[str(m)] = {"per_seed": per}
    return out


def test_compare_matched_loss_reads_each_width_at_its_own_iteration():
    """Twice the width, twice the rate: at matched loss k* halves and the distance 0.01√k*
    falls by √2 (slope −1/2 in log m), while at a matched iteration the wider net has moved the
    same distance (the fake moves every width along one path)."""
    res = _fake({100: 0.01, 200: 0.02, 400: 0.04})
    cmp = compare(res, levels=[0.7 * math.exp(-0.5)])
    row = cmp["matched_loss"][0]
    k = {m: row["widths"][m]["k"]["max"] for m in ("100", "200", "400")}  # seed 0 is the slowest
    assert k["100"] == pytest.approx(50, rel=0.02) and k["400"] == pytest.approx(12.5, rel=0.03)
    assert row["trend"]["k"]["decreasing_in_m"] and row["trend"]["distance"]["decreasing_in_m"]
    assert row["trend"]["k"]["slope_log_m"] == pytest.approx(-1.0, abs=0.03)
    assert row["trend"]["distance"]["slope_log_m"] == pytest.approx(-0.5, abs=0.05)
    at_it = cmp["matched_iteration"]
    assert [r["k"] for r in at_it] == [20, 30, 70, 100]
    last = at_it[-1]
    assert not last["trend"]["distance"]["decreasing_in_m"] and last["trend"]["loss"]["decreasing_in_m"]
    # a level only some runs reach is reported as such and left out of the trend
    slow = compare(res, levels=[0.7 * math.exp(-1.5)])["matched_loss"][0]
    assert slow["widths"]["100"]["reached"] == 0 and slow["widths"]["400"]["reached"] == 2


def test_automatic_levels_are_reached_by_every_run():
    res = _fake({100: 0.01, 200: 0.02, 400: 0.04}, seeds=3)
    levels = loss_levels(res)
    assert levels and all(lv < 0.7 for lv in levels)
    for row in compare(res)["matched_loss"]:
        assert all(w["reached"] == w["of"] == 3 for w in row["widths"].values())


def test_profiles_follow_the_paper_protocol():
    """000 §6: L = 15 hidden layers, GD, cross-entropy, one step size fixed for every width."""
    for prof in (QUICK, FULL):
        cfg = ReproduceConfig(**prof)
        cfg.validate()
        assert cfg.depth == 15 and isinstance(cfg.lr, float) and cfg.seeds >= 3
        assert "depth" not in prof and len(cfg.widths) >= 4


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**31 - 1), S=st.integers(1, 4), R=st.integers(2, 10))
def test_matched_loss_grid_is_reached_by_every_seed(seed, S, R):
    """Regression: exp(log ℓ) rounding once put the last grid level an ulp below a seed's
    lowest loss, so at_loss returned None and plotting crashed after all training was done."""
    from overparam_verify.reproduce import _loss_grid

    g = torch.Generator().manual_seed(seed)
    per = []
    for _ in range(S):
        loss = torch.cumprod(torch.rand(R, generator=g, dtype=torch.float64) * 0.9 + 0.05, 0).tolist()
        per.append({"steps": list(range(R)), "loss": loss, "d": list(range(R))})
    for lv in _loss_grid(per):
        assert all(at_loss(s["steps"], s["loss"], {"d": s["d"]}, lv) is not None for s in per)
    # the exact case that crashed (m = 128 of the quick run): lo·hi far apart, 40 points
    lo, hi = 0.19530, 0.669
    grid = _loss_grid([{"steps": [0, 1], "loss": [hi, lo]}, {"steps": [0, 1], "loss": [0.7, 0.05]}])
    assert grid[0] == hi and grid[-1] == lo
