"""Catalogue family 'perturbation': the perturbation region ``‖W̃_l − W_l‖₂ ≤ τ`` around a
Gaussian initialisation — ZCZG 003 Theorem 5.3 with Lemmas B.1-B.6 (and 000 Lemma 5.2), AZLS 002
Section 4 Step 2 and Theorems 3, 4. See the package docstring for the protocol.

Every statement quantifies over *every* W̃ in the region, so every cell measures the worst case
found by an adversarial search (:mod:`overparam_verify.metrics.perturbation`: the greedy
sign-flip construction, projected gradient ascent under ``‖Δ_l‖₂ ≤ τ``) next to random
perturbations, and reports both, with the kind of candidate that won and the gain of the worst
case over the best random one and over the greedy construction.

Each statement declares its parts (``PARTS[ID]``, :class:`~overparam_verify.judge.Law` /
:class:`~overparam_verify.judge.Bound`) and its negative control (``CONTROLS[ID]``) at
registration; the ``*_measure`` functions only turn cell results into
:class:`~overparam_verify.judge.Evidence` and the one judge (:mod:`overparam_verify.judge`)
decides. Control keys the run_cells honour (merged into the cells' parameters):

* ``radius_factor`` — the search runs at radius ``radius_factor·τ`` while the bound and the
  regime are computed at τ (a perturbation radius beyond the region);
* ``omega_floor`` — the search runs at radius ``ω + omega_floor`` (the region never shrinks as
  ω → 0);
* ``weight_scale`` / ``weight_scale_power`` — every trained ``W_l`` multiplied by
  ``weight_scale · m^{weight_scale_power}`` (a mis-scaled initialisation; ``weight_scale = 2``
  makes the layers grow geometrically);
* ``head_scale`` — the fixed output layer (ZCZG's ``v``) multiplied by it.

Every ``*_cells(profile, seed=0)`` takes a ``seed`` so that the property tests can run the same
sweep on a Hypothesis-drawn seed; the registry calls it with the default.
"""
from __future__ import annotations

import math
from collections import Counter
from typing import Any

import torch

from . import Bound, Control, Evidence, Judgement, Law, register
from .. import data as _data
from ..network import AZLSNet, DeepReLUNet
from ..metrics import perturbation as mp
from ..theory import perturbation as tp
from ._cells import check_profile as _profile, sub_seed as _sub_seed, single_thread as _single_thread, loglog_plot

Results = list[tuple[dict, dict]]

__all__ = [
    "PARTS", "CONTROLS", "DELTA",
    "w_tilde_cells", "w_tilde_run_cell", "w_tilde_measure",
    "b2_cells", "b2_run_cell", "b2_measure",
    "b3_cells", "b3_run_cell", "b3_measure",
    "b4_cells", "b4_run_cell", "b4_measure",
    "b1_cells", "b1_run_cell", "b1_measure",
    "b5_cells", "b5_run_cell", "b5_measure",
    "b6_cells", "b6_run_cell", "b6_measure",
    "signs_cells", "signs_run_cell", "signs_measure",
    "forward_cells", "forward_run_cell", "forward_measure",
    "backward_cells", "backward_run_cell", "backward_measure",
    "thm3_cells", "thm3_run_cell", "thm3_measure",
    "thm4_cells", "thm4_run_cell", "thm4_measure",
]

DELTA = 0.1  #: failure budget δ for the W statements (Theorem 5.1 holds w.p. ≥ 1 − δ)
LOG8, LOG4 = math.log(8.0), math.log(4.0)
#: trials in the regime every W bound needs so that the judge can detect a failure rate 3δ
#: (stats.trials_to_detect(0.3, 0.1) = 40)
R_REGIME = 40


# ============================================================================ helpers
def _controlled(net, params: dict):
    """``net`` with the control keys applied (see the module docstring); ``net`` itself if none."""
    c = float(params.get("weight_scale", 1.0)) * float(params["m"]) ** float(params.get("weight_scale_power", 0.0))
    if c != 1.0:
        net = net.with_trainable([M * c for M in net.trainable_mats()])
    h = float(params.get("head_scale", 1.0))
    if h != 1.0:
        net = net.clone()
        net.head = net.head * h
    return net


def _radius(params: dict, nominal: float) -> float:
    """The radius the search actually runs at: ``radius_factor·nominal + omega_floor``."""
    return float(nominal) * float(params.get("radius_factor", 1.0)) + float(params.get("omega_floor", 0.0))


def phi_pairs(n: int, d: int, phi: float, *, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """``n`` unit vectors in R^d made of n/2 opposite-label pairs at distance exactly φ (the
    separation of 003 Assumption 3.6 / 000 Assumption 4.2 binds: ``min_separation(X) = φ``). The
    anchors are drawn 3φ-separated (``data.separated_sphere``), each partner is its anchor rotated
    by θ = 2 arcsin(φ/2) towards a random orthogonal direction. Returns ``(X, y)``, y = +1, −1, …"""
    if n < 2 or n % 2:
        raise ValueError(f"phi_pairs needs an even n >= 2, got n={n!r}")
    if not (0.0 < phi <= 0.5):
        raise ValueError(f"phi_pairs needs 0 < phi <= 0.5, got phi={phi!r}")
    A, _ = _data.separated_sphere(n // 2, d, 3.0 * phi, seed=seed)  # (n/2, d), unit rows
    g = torch.Generator().manual_seed(int(seed) + 7)
    U = torch.randn(n // 2, d, generator=g, dtype=torch.float64)
    U = U - (U * A).sum(1, keepdim=True) * A
    U = U / U.norm(dim=1, keepdim=True)
    th = 2.0 * math.asin(phi / 2.0)
    B = math.cos(th) * A + math.sin(th) * U  # (n/2, d), ‖B_k − A_k‖ = φ
    X = torch.stack([A, B], dim=1).reshape(n, d)
    y = torch.tensor([1.0, -1.0] * (n // 2), dtype=torch.float64)
    return X, y


def _zczg(params: dict, seed: int):
    if params.get("pairs"):
        X, y = phi_pairs(int(params["n"]), int(params["d"]), float(params["phi"]), seed=seed)
        net = DeepReLUNet.gaussian_init(int(params["d"]), [int(params["m"])] * int(params["L"]), seed=seed + 1)
        return X, y, _controlled(net, params)
    X, y = _data.separated_sphere(int(params["n"]), int(params["d"]), float(params["phi"]), seed=seed)
    net = DeepReLUNet.gaussian_init(int(params["d"]), [int(params["m"])] * int(params["L"]), seed=seed + 1)
    return X, y, _controlled(net, params)


def _azls(params: dict, seed: int):
    X, _ = _data.separated_sphere(int(params["n"]), int(params["d"]), float(params["phi"]), mu=_data.AZLS_MU, seed=seed)
    net = AZLSNet.gaussian_init(int(params["d"]), int(params["m"]), int(params["L"]), int(params.get("d_out", 1)), seed=seed + 1)
    ystar = _data.random_targets(int(params["n"]), int(params.get("d_out", 1)), seed=seed + 2)
    return X, ystar, _controlled(net, params)


def _thm51_i(net, X) -> bool:
    """003 Theorem 5.1(i) at the drawn initialisation (the hypothesis of Theorem 5.3)."""
    Wn = [float(torch.linalg.matrix_norm(W, ord=2)) for W in net.weights]
    xn = [float(x.norm(dim=-1).max()) for x in net.forward_trace(X).outputs]
    return tp.zczg_5_1_i_holds(Wn, xn)


def _gains(by_kind: dict, maximize: bool = True) -> dict:
    """Gain of the search's extreme over the best random candidate and over the greedy one (> 1:
    the search found a worse case), and which kind won."""
    worst = (max if maximize else min)(by_kind.values())

    def gain(k):
        v = by_kind.get(k)
        if v is None:
            return None
        if maximize:  # None: the candidate found nothing (a ratio over 0), kept JSON-finite
            return worst / v if v > 0 else (None if worst > 0 else 1.0)
        return v / worst if worst > 0 else (None if v > 0 else 1.0)

    return {"gain_random": gain("random"), "gain_greedy": gain("greedy"), "winner": mp._winner(by_kind, maximize)}


def _gain_figures(rows: list[dict]) -> dict:
    """Per statement: the candidates that won (counts) and the median/max gain over random and
    over greedy across all searches."""
    import statistics

    out: dict[str, Any] = {"winners": dict(Counter(r["winner"] for r in rows))}
    for k in ("gain_random", "gain_greedy"):
        v = [r[k] for r in rows if r.get(k) is not None and math.isfinite(r[k])]
        if v:
            out[k] = {"median": statistics.median(v), "max": max(v)}
    return out


def _two_layer_figures(rows: list[dict]) -> dict | None:
    """The two-layer least-squares attack against the greedy one at the last layer (per search:
    two_layer/greedy count where greedy > 0), and how often it won there."""
    import statistics

    r = [b["two_layer"] / b["greedy"] for b in rows if "two_layer" in b and b["greedy"] > 0]
    if not r:
        return None
    won = sum(b["two_layer"] >= max(b.values()) for b in rows if "two_layer" in b)
    return {"two_layer_over_greedy_median": statistics.median(r), "two_layer_over_greedy_max": max(r),
            "two_layer_best_at_last_layer": f"{won}/{sum('two_layer' in b for b in rows)}"}


def _bound_data(results: Results, key: str, select=lambda p, r: bool(r.get("in_regime")), xkey: str = "m") -> dict | None:
    """A Bound part's data: every trial's ratio of the selected cells (``r[key]`` is a list, one
    ratio per draw), the swept variable and the cell index per trial."""
    ratios, xs, cells = [], [], []
    for i, (p, r) in enumerate(results):
        if not select(p, r):
            continue
        for v in r[key]:
            ratios.append(v)
            xs.append(p[xkey])
            cells.append(i)
    return {"ratios": ratios, "x": xs, "cells": cells} if ratios else None


def _law_data(results: Results, sweep: str, xkey: str, ykey: str) -> dict | None:
    """A Law part's data: one point per draw (``r[ykey]`` a number or a list over draws)."""
    x, y = [], []
    for p, r in results:
        if p.get("sweep") != sweep:
            continue
        vals = r[ykey] if isinstance(r[ykey], list) else [r[ykey]]
        for v in vals:
            x.append(float(p[xkey]))
            y.append(v)
    return {"x": x, "y": y} if x else None


def _worst_by(data: dict | None) -> dict | None:
    """The measured worst case (max over draws) per value of the variable (tightness fit)."""
    if not data:
        return None
    best: dict[float, float] = {}
    for a, b in zip(data["x"], data["y"]):
        best[a] = max(best.get(a, -math.inf), b)
    xs = sorted(best)
    return {"x": xs, "y": [best[a] for a in xs]}


def _outside(results: Results, fails_key: str = "ratios") -> dict:
    """Outside the regime (reported, never judged): widths tried, the narrowest width at which no
    draw exceeded the bound, the widths at which some draw did, and the worst ratio."""
    out = [(p, r) for p, r in results if p.get("sweep") == "outside"]
    if not out:
        return {}
    clean = sorted({p["m"] for p, r in out if max(r[fails_key]) <= 1.0})
    failing = sorted({p["m"] for p, r in out if max(r[fails_key]) > 1.0})
    return {"widths_tried": sorted({p["m"] for p, _ in out}), "narrowest_width_without_failure": min(clean) if clean else None,
            "widths_with_failures": failing, "narrowest_failing_width": min(failing) if failing else None, "failures": sum(sum(v > 1.0 for v in r[fails_key]) for _, r in out),
            "trials": sum(len(r[fails_key]) for _, r in out), "max_ratio": max(max(r[fails_key]) for _, r in out)}


def _regime_cells(cells_fn, reps: int, keep=lambda c: c.get("sweep") == "regime" and int(c["L"]) == 1):
    """A control's cells: the statement's in-regime L = 1 cells with ``reps`` draws each (a
    control is violated on every draw, so a few suffice)."""
    def cells(profile: str, seed: int = 0) -> list[dict]:
        return [c | {"reps": min(int(c.get("reps", reps)), reps)} for c in cells_fn(profile, seed=seed) if keep(c)]
    return cells


def _loglog_plot(ax, x, y, exponent: float, label: str, xlabel: str) -> None:
    loglog_plot(ax, x, y, exponent, label=label, xlabel=xlabel)


def _reps(profile: str, total: int) -> int:
    """Draws per in-regime cell so that two cells give at least ``total`` trials."""
    return int(math.ceil(total / 2))


# ============================================================================ ZCZG-5.3.i (E)
def w_tilde_cells(profile: str, seed: int = 0) -> list[dict]:
    """003 Theorem 5.3(i): widths × depths × radii τ ≤ 1/2."""
    p = _profile(profile)
    ms = [16, 64] if p == "ci" else [16, 64, 128] if p == "quick" else [16, 64, 256, 1024]
    return [{"m": m, "L": L, "tau": t, "n": 3, "d": 8, "phi": 0.3, "seed": _sub_seed(seed, m, L, int(t * 100))}
            for m in ms for L in (1, 3) for t in (0.1, 0.5)]


@_single_thread
def w_tilde_run_cell(params: dict) -> dict:
    """Per (candidate, layer): ``‖W̃_l‖₂/(‖W_l‖₂ + τ)`` over random, rank-one and aligned
    perturbations (the aligned one attains equality), and ``‖W̃_l‖₂/4`` when 003 Theorem 5.1(i)
    holds. The candidates have radius ``radius_factor·τ`` (1 unless a control sets it)."""
    X, _, net = _zczg(params, int(params["seed"]))
    tau = float(params["tau"])
    rho = _radius(params, tau)
    W0 = [float(torch.linalg.matrix_norm(W, ord=2)) for W in net.trainable_mats()]
    cands = [mp.random_perturbation(net, rho, seed=params["seed"], kind="gaussian"),
             mp.random_perturbation(net, rho, seed=params["seed"], kind="rank1"), mp.aligned_perturbation(net, rho)]
    tri, four, wmax, by_kind = [], [], 0.0, {}
    ok51 = _thm51_i(net, X)
    for kind, D in zip(("random", "rank1", "aligned"), cands):
        Wt = [float(torch.linalg.matrix_norm(M, ord=2)) for M in mp.perturbed_mats(net, D) if M is not None][-len(W0):]
        for w0, wt in zip(W0, Wt):
            tri.append(wt / tp.w_tilde_norm_bound(w0, tau))
            wmax = max(wmax, wt)
            if ok51 and tau <= 0.5:
                four.append(wt / tp.W_TILDE_NORM_BOUND)
        by_kind[kind] = max(Wt)
    return {"triangle_ratios": tri, "four_ratios": four, "max_W_tilde": wmax,
            "aligned_ratio_min": min(tri[-len(W0):]), "thm51_i": ok51, "examples": len(tri), "gains": [_gains(by_kind)]}


def w_tilde_measure(results: Results) -> Evidence:
    def cat(key):
        r, c = [], []
        for i, (_, m) in enumerate(results):
            r += m[key]
            c += [i] * len(m[key])
        return {"ratios": r, "cells": c} if r else None

    figs = {"max_W_tilde": max(r["max_W_tilde"] for _, r in results),
            "aligned_ratio_min": min(r["aligned_ratio_min"] for _, r in results),
            "examples": sum(r["examples"] for _, r in results),
            "cells_with_thm51_i": sum(r["thm51_i"] for _, r in results),
            "search": _gain_figures([g for _, r in results for g in r.get("gains", [])])}  # max ‖W̃_l‖₂ per candidate
    return Evidence({"triangle": cat("triangle_ratios"), "four": cat("four_ratios")}, figs,
                    f"max ‖W̃‖₂ = {figs['max_W_tilde']:.3f}; the aligned perturbation attains ‖W‖₂ + τ (min ratio "
                    f"{figs['aligned_ratio_min']:.12g}), so the triangle bound is tight")


# ============================================================================ ZCZG-B.2 (W + depth laws)
def b2_cells(profile: str, seed: int = 0) -> list[dict]:
    """003 Lemma B.2: (a) in the regime of Theorem 5.3 with C̄ = 1 (L = 1, φ = 1/2: m ≥ 111),
    R_REGIME draws over two widths, plus (full) L = 2 at m = 1536 (m ≥ 1477); (b) outside (deeper,
    narrower), reported; (c) a depth sweep L ∈ {1, 2, 4, 8} of the worst
    ``max_i ‖x̃_{L,i} − x_{L,i}‖/τ`` (several draws per depth), judged as laws."""
    p = _profile(profile)
    reps = _reps(p, R_REGIME)
    steps = {"ci": 6, "quick": 10, "full": 40}[p]
    base = {"n": 4, "d": 10, "phi": 0.5, "tau": 0.01, "reps": reps, "steps": steps}
    cells = [base | {"sweep": "regime", "m": m, "L": 1, "seed": _sub_seed(seed, 1, m)} for m in (128, 256)]
    if p == "full":  # L = 2 in the regime: m ≥ 1477 (C̄ = 1); ~8 CPU-s a draw (exact norms of 1536² matrices)
        cells.append(base | {"sweep": "regime", "m": 1536, "L": 2, "steps": 20, "reps": 10, "seed": _sub_seed(seed, 1, 1536)})
    cells += [base | {"sweep": "outside", "m": m, "L": 3, "phi": 0.3, "reps": 4, "seed": _sub_seed(seed, 2, m)}
              for m in ([8, 32] if p == "ci" else [4, 8, 16, 32, 64] if p == "quick" else [4, 8, 16, 32, 64, 128])]
    mdep = {"ci": 64, "quick": 128, "full": 1024}[p]
    nd = {"ci": 2, "quick": 3, "full": 4}[p]
    cells += [base | {"sweep": "depth", "m": mdep, "L": L, "tau": 1e-3, "phi": 0.3, "reps": nd, "restarts": 2,
                      "seed": _sub_seed(seed, 3, L)} for L in (1, 2, 4, 8)]
    return cells


@_single_thread
def b2_run_cell(params: dict) -> dict:
    """Per draw: the worst ``max_{l,i} ‖x̃_{l,i} − x_{l,i}‖`` over random, greedy-flip and
    projected-ascent perturbations of radius ``radius_factor·τ``, over ``8^L τ/7``; the last
    layer's worst over τ (depth laws); the corrected recursion's ratio given Theorem 5.1(i)."""
    L, tau = int(params["L"]), float(params["tau"])
    rho = _radius(params, tau)
    bound = tp.b2_forward_deviation_bound(L, tau)
    ratios, dev, lip, gains = [], [], [], []
    for r in range(int(params["reps"])):
        s = _sub_seed(params["seed"], r)
        X, _, net = _zczg(params, s)
        w = mp.worst_forward_deviation(net, X, rho, seed=s, R=2, steps=int(params["steps"]), restarts=int(params.get("restarts", 1)))
        ratios.append(w["per_layer_max_over_l"] / bound)
        dev.append(w["worst"] / tau)
        if _thm51_i(net, X):
            lip.append(max(v / tp.b2_lipschitz_bound(l + 1, tau) for l, v in enumerate(w["per_layer_worst"])))
        gains.append(_gains(w["by_kind"]))
    reg = tp.zczg_5_3_regime(int(params["m"]), int(params["n"]), L, float(params["phi"]), tau, DELTA)
    return {"ratios": ratios, "dev_over_tau": dev, "lipschitz_ratios": lip, "gains": gains,
            "in_regime": bool(reg["regime_met"]) and params.get("sweep") == "regime", "required_width": reg["required_width"]}


def b2_measure(results: Results) -> Evidence:
    reg = _bound_data(results, "ratios")
    depth = _law_data(results, "depth", "L", "dev_over_tau")
    if reg is not None:
        reg["worst"] = _worst_by(depth)
    lip = _bound_data(results, "lipschitz_ratios", select=lambda p, r: bool(r["lipschitz_ratios"]))
    figs = {"outside_regime": _outside(results), "search": _gain_figures([g for _, r in results for g in r["gains"]]),
            "bound_8L_over_7_over_tau": {L: 8.0**L / 7 for L in (1, 2, 4, 8)},
            "lipschitz_bound_over_tau": {L: tp.b2_lipschitz_bound(L, 1.0) for L in (1, 2, 4, 8)}}
    return Evidence({"regime": reg, "depth_8L": depth, "depth_4L_recursion": depth, "depth_azls_L52": depth,
                     "lipschitz_recursion": lip}, figs,
                    "the depth laws fit the per-draw worst ‖x̃_L − x_L‖/τ: log of the per-layer factor against log 8 "
                    "(003) and log 4 (the corrected recursion), log-log slope against AZLS's 5/2")


def b2_plot(results: Results, judgement: Judgement, ax) -> None:
    d = _law_data(results, "depth", "L", "dev_over_tau") or {"x": [], "y": []}
    _loglog_plot(ax, d["x"], d["y"], tp.AZLS_FORWARD_DEPTH_EXPONENT, "max ‖x̃−x‖/τ", "L")


# ============================================================================ ZCZG-B.3 / B.4 (W + τ and depth laws)
B3_TAU_ADV = [5e-4 * 3.0**k for k in range(5)]  # 5e-4 … 0.0405
B3_TAU_RAND = [2e-2, 5e-2, 0.125, 0.3125]


def b3_cells(profile: str, seed: int = 0) -> list[dict]:
    """003 Lemma B.3: in-regime cells (L = 1, φ = 1/2, C̄ = 1) with R_REGIME draws, outside
    cells (reported), the τ sweep (layer 1 at m = 4096, several draws per τ, gradient steps on
    the flip surrogate; separate grids at L = 2 for adversarial and random perturbations: a
    random perturbation flips nothing at the adversarial grid's small τ) and a depth sweep."""
    p = _profile(profile)
    reps = _reps(p, R_REGIME)
    steps = {"ci": 6, "quick": 10, "full": 30}[p]
    base = {"n": 4, "d": 10, "phi": 0.5, "reps": reps, "steps": steps}
    cells = [base | {"sweep": "regime", "m": m, "L": 1, "tau": 1e-3, "seed": _sub_seed(seed, 1, m)} for m in (128, 256)]
    if p == "full":  # L = 2 in the regime: m ≥ 1477 (C̄ = 1)
        cells.append(base | {"sweep": "regime", "m": 1536, "L": 2, "tau": 1e-3, "reps": 10, "steps": 10,
                             "seed": _sub_seed(seed, 1, 1536)})
    # outside the regime (reported): L = 1, τ = 1e-3 at narrow widths, many cheap draws (counterexamples to the
    # explicit bound exist there: a 400-seed brute force finds 6/400 at m = 2 and 22/400 at m = 8)
    cells += [base | {"sweep": "outside", "m": m, "L": 1, "phi": 0.3, "tau": 1e-3, "reps": {"ci": 10, "quick": 50, "full": 200}[p],
                      "seed": _sub_seed(seed, 2, m)} for m in ([2, 8] if p == "ci" else [2, 4, 8, 16, 32, 64])]
    cells += [base | {"sweep": "tau", "mode": "adversarial", "m": 4096 if p != "full" else 16384, "L": 1, "phi": 0.3, "tau": t,
                      "reps": 3, "steps": steps, "seed": _sub_seed(seed, 5, k)} for k, t in enumerate(B3_TAU_ADV)]
    if p != "ci":
        msw = {"quick": 512, "full": 1024}[p]
        # the random mode judges random counts only: no ascent there (its cost was half the sweep's)
        for mode, grid in (("adversarial_L2", B3_TAU_ADV), ("random", B3_TAU_RAND)):
            cells += [base | {"sweep": "tau", "mode": mode, "m": msw, "L": 2, "phi": 0.3, "tau": t, "reps": 2 if p == "quick" else 6,
                              "steps": 0 if mode == "random" else steps, "seed": _sub_seed(seed, 3, k)} for k, t in enumerate(grid)]
    cells += _flip_depth_cells(p, seed, base)
    return cells


def _flip_depth_cells(p: str, seed: int, base: dict) -> list[dict]:
    m = {"ci": 128, "quick": 128, "full": 1024}[p]
    nd = {"ci": 2, "quick": 3, "full": 4}[p]
    return [base | {"sweep": "depth", "m": m, "L": L, "tau": 1e-2, "phi": 0.3, "reps": nd, "steps": min(int(base["steps"]), 6),
                    "seed": _sub_seed(seed, 7, L)} for L in (1, 2, 4, 8)]


@_single_thread
def b3_run_cell(params: dict) -> dict:
    """Per draw: sign changes ``max_{l,i} ‖Σ̃_{l,i} − Σ_{l,i}‖₀`` (random and adversarial: the
    greedy flip construction per sample and for all samples, refined by projected ascent on a
    smooth surrogate of the flip count) over ``3·4^L m τ^{2/3}`` (B.3), and the union count at
    layer L over ``3n·4^L m τ^{2/3}`` (B.4). The search runs at ``radius_factor·τ``."""
    L, m, n, tau = int(params["L"]), int(params["m"]), int(params["n"]), float(params["tau"])
    rho = _radius(params, tau)
    bnd = tp.b3_sign_change_bound(L, m, tau)
    ub = tp.b4_union_sign_change_bound(n, L, m, tau)
    out: dict[str, list] = {k: [] for k in ("ratios", "union_ratios", "count", "union", "random", "union_random",
                                            "layer1_max", "sample_mean", "gains", "per_sample", "union_gains",
                                            "last_layer_by_kind")}
    for r in range(int(params["reps"])):
        s = _sub_seed(params["seed"], r)
        X, _, net = _zczg(params, s)
        w = mp.worst_sign_changes(net, X, rho, seed=s, R=2, steps=int(params.get("steps", 10)))
        out["ratios"].append(max(w["per_layer_worst"]) / bnd)
        out["union_ratios"].append(w["union_worst"] / ub)
        out["count"].append(max(w["per_layer_adversarial"]))
        out["union"].append(w["union_worst"])
        out["random"].append(max(w["per_layer_random"]))
        out["union_random"].append(w["union_random"])
        out["layer1_max"].append(w["per_layer_worst"][0])
        out["gains"].append(_gains(w["by_kind"]))
        out["union_gains"].append(_gains(w["union_by_kind"]))
        out["last_layer_by_kind"].append(w["last_layer_by_kind"])
        out["per_sample"] += w["per_sample_adversarial"]
        out["sample_mean"].append(sum(w["per_sample_adversarial"]) / len(w["per_sample_adversarial"]))
    reg = tp.zczg_5_3_regime(m, n, L, float(params["phi"]), tau, DELTA)
    return out | {"bound": bnd, "union_bound": ub, "azls_rate": tp.azls_signs_rate(m, tau, L),
                  "in_regime": bool(reg["regime_met"]) and params.get("sweep") == "regime", "required_width": reg["required_width"]}


def _tau_law(results: Results, mode: str, key: str) -> dict | None:
    x, y = [], []
    for p, r in results:
        if p.get("sweep") == "tau" and p.get("mode") == mode:
            x += [p["tau"]] * len(r[key])
            y += [float(v) for v in r[key]]
    return {"x": x, "y": y} if x else None


def b3_measure(results: Results) -> Evidence:
    reg = _bound_data(results, "ratios")
    tau = _tau_law(results, "adversarial", "sample_mean")
    if reg is not None and tau is not None:
        reg["worst"] = _worst_by(_tau_law(results, "adversarial", "layer1_max"))
    rows = [(p, r) for p, r in results if p.get("sweep") == "tau" and p.get("mode") == "adversarial"]
    figs: dict[str, Any] = {"outside_regime": _outside(results),
                            "search": _gain_figures([g for _, r in results for g in r["gains"]]),
                            "two_layer_attack": _two_layer_figures([b for _, r in results for b in r["last_layer_by_kind"]])}
    if rows:
        figs["tau_sweep"] = {"m": rows[0][0]["m"], "tau": [p["tau"] for p, _ in rows],
                             "max_count": [max(r["layer1_max"]) for _, r in rows],
                             "max_over_bound": [max(r["ratios"]) for _, r in rows],
                             "greedy_theory_count": [(3 * p["tau"] ** 2 / math.pi) ** (1 / 3) * p["m"] for p, _ in rows],
                             "azls_constant": [max(r["layer1_max"]) / r["azls_rate"] for _, r in rows]}
    return Evidence({"regime": reg, "tau_exponent": tau, "tau_exponent_max": _tau_law(results, "adversarial", "layer1_max"),
                     "tau_exponent_L2": _tau_law(results, "adversarial_L2", "sample_mean"),
                     "tau_random": _tau_law(results, "random", "random"),
                     "depth_4L": _law_data(results, "depth", "L", "count")}, figs,
                    "τ law: per draw, the mean over samples of each sample's worst layer-1 count (greedy + surrogate "
                    "ascent); the max over samples (an extreme value, flattened at small τ) and random counts reported")


def b3_plot(results: Results, judgement: Judgement, ax) -> None:
    d = _tau_law(results, "adversarial", "layer1_max") or {"x": [], "y": []}
    _loglog_plot(ax, d["x"], d["y"], tp.B3_TAU_EXPONENT_WORST, "adversarial flips", "τ")


def b4_cells(profile: str, seed: int = 0) -> list[dict]:
    """003 Lemma B.4 with n = 8 samples: in the regime (L = 1, φ = 1/2, τ = 1e-4, where the
    bound 3n·4m τ^{2/3} ≈ 0.21 m is not vacuous: m ≥ 621 with C̄ = 1; m = 640 and 1024),
    R_REGIME draws; outside (L = 2, narrow widths), reported; a depth sweep of the union count."""
    p = _profile(profile)
    reps = _reps(p, R_REGIME)
    base = {"n": 8, "d": 10, "phi": 0.5, "reps": reps, "steps": {"ci": 6, "quick": 10, "full": 30}[p]}
    cells = [base | {"sweep": "regime", "m": m, "L": 1, "tau": 1e-4, "seed": _sub_seed(seed, 41, m)} for m in (640, 1024)]
    cells += [base | {"sweep": "outside", "m": m, "L": 2, "phi": 0.3, "tau": 1e-4, "reps": 4, "seed": _sub_seed(seed, 42, m)}
              for m in ([4, 16] if p == "ci" else [2, 4, 8, 16, 32, 64])]
    cells += _flip_depth_cells(p, seed + 1, base)
    return cells


@_single_thread
def b4_run_cell(params: dict) -> dict:
    """As :func:`b3_run_cell`; the union count |S̃_L| is judged."""
    return b3_run_cell(params)


def b4_measure(results: Results) -> Evidence:
    reg = _bound_data(results, "union_ratios")
    depth = _law_data(results, "depth", "L", "union")
    if reg is not None:
        reg["worst"] = _worst_by(depth)
    rr = [max(r["union_random"]) / r["union_bound"] for _, r in results if r["in_regime"]]
    figs = {"outside_regime": _outside(results, "union_ratios"), "slack_random": max(rr) if rr else None,
            "search": _gain_figures([g for _, r in results for g in r["union_gains"]]),
            "two_layer_attack": _two_layer_figures([b for _, r in results for b in r["last_layer_by_kind"]])}
    return Evidence({"regime": reg, "depth_4L": depth}, figs, "union count |S̃_L| with all samples targeted at once")


# ============================================================================ ZCZG-B.1 (S in M)
def b1_cells(profile: str, seed: int = 0) -> list[dict]:
    """003 Lemma B.1: width sweep M at fixed L = 2, l = 2 (so that the sparse vector a ∈ R^m, not
    the input space R^d), s = 8, τ = 1/4 (the √M τ term matters), several draws per width."""
    p = _profile(profile)
    ms = [32, 64, 128, 256] if p != "full" else [64, 128, 256, 512, 1024]
    steps = {"ci": 6, "quick": 10, "full": 30}[p]
    nseeds = {"ci": 3, "quick": 4, "full": 6}[p]
    return [{"sweep": "width", "m": m, "L": 2, "l": 2, "n": 3, "d": 10, "phi": 0.3, "s": 8, "tau": 0.25, "steps": steps,
             "draw": r, "seed": _sub_seed(seed, m, r)} for m in ms for r in range(nseeds)]


@_single_thread
def b1_run_cell(params: dict) -> dict:
    """Worst ``max_i Γ̃_{i,l,s}`` within Lemma B.1's hypotheses (‖W̃_r − W_r‖₂ ≤ τ and any binary
    Σ̃ with ‖Σ̃_{r,i} − Σ_{r,i}‖₀ ≤ s: greedy adversarial flips, W̃'s own pattern capped to s,
    projected ascent with Σ̃ fixed), Γ at W, the increment Γ̃ − Γ, and the old search's worst with
    W̃'s own (unbounded) patterns."""
    X, _, net = _zczg(params, int(params["seed"]))
    L, s, tau = int(params["L"]), int(params["s"]), float(params["tau"])
    w = mp.worst_sparse_sup(net, X, _radius(params, tau), s, l=int(params.get("l", 1)), seed=int(params["seed"]), R=2,
                            steps=int(params["steps"]))
    M = max(net.widths)
    rate = tp.b1_sparse_sup_rate(L, s, M, tau)
    thm = 4.0**L * L * math.sqrt(s * math.log(M)) + 4.0**L * math.sqrt(M) * tau
    return {"worst": w["worst"], "random": w["random"], "gamma0": w["gamma0"], "M": M, "increment": w["increment"],
            "worst_own": w["worst_own"], "own_flips_max": w["own_flips_max"], "by_kind": w["by_kind"],
            "increment_over_sqrtM_tau": w["increment"] / (math.sqrt(M) * tau),
            "C_lemma": w["worst"] / rate, "C_theorem": w["worst"] / thm, "gains": [_gains(w["by_kind"])]}


def b1_measure(results: Results) -> Evidence:
    import statistics

    figs = {"C_lemma_max": max(r["C_lemma"] for _, r in results), "C_theorem_max": max(r["C_theorem"] for _, r in results),
            "search": _gain_figures([g for _, r in results for g in r["gains"]]),
            "gain_over_own_patterns": {"median": statistics.median(r["worst"] / r["worst_own"] for _, r in results),
                                       "max": max(r["worst"] / r["worst_own"] for _, r in results)},
            "own_pattern_flips_max": max(r["own_flips_max"] for _, r in results),
            "increment_over_sqrtM_tau_max": max(r["increment_over_sqrtM_tau"] for _, r in results)}
    return Evidence({"width": _law_data(results, "width", "m", "worst"), "width_random": _law_data(results, "width", "m", "random"),
                     "width_own": _law_data(results, "width", "m", "worst_own"),
                     "increment": _law_data(results, "width", "m", "increment")},
                    figs, f"adversarial Σ̃ (≤ s flips) gains ×{figs['gain_over_own_patterns']['median']:.3g} (median) over W̃'s "
                    f"own patterns; C′ = Γ̃/(4^L L(√(s log M)+√M τ)) ≤ {figs['C_lemma_max']:.3g} (Theorem 5.3(iv) form: "
                    f"{figs['C_theorem_max']:.3g}); (Γ̃ − Γ)/(√M τ) ≤ {figs['increment_over_sqrtM_tau_max']:.3g}")


def b1_plot(results: Results, judgement: Judgement, ax) -> None:
    _loglog_plot(ax, [r["M"] for _, r in results], [r["worst"] for _, r in results], tp.B1_WIDTH_EXPONENT, "worst Γ̃", "M")


# ============================================================================ ZCZG-B.5 (S in m_L)
def _grad_sq_last(grads, sum_lprime):
    return (grads[-1] ** 2).sum() / sum_lprime**2


def b5_cells(profile: str, seed: int = 0) -> list[dict]:
    """003 Lemma B.5 / 000 Lemma 5.2 on opposite-label pairs at distance exactly φ
    (:func:`phi_pairs`): a width sweep m_L at Lemma B.5's radius (C₁ = C₂ = 1: the region is
    nearly a point) and at 000's radius φ^{3/2}/(n³L²) (where the search matters), a φ sweep and
    an n sweep at both radii, several draws per point; τ = 0.05 reported beside them."""
    p = _profile(profile)
    ms = [32, 64, 128, 256] if p != "full" else [64, 128, 256, 512, 1024]
    nseeds = {"ci": 3, "quick": 4, "full": 6}[p]
    steps = {"ci": 6, "quick": 8, "full": 30}[p]
    gen = {"L": 2, "n": 4, "d": 10, "phi": 0.5, "steps": steps}
    base = {"L": 2, "n": 4, "d": 10, "phi": 0.2, "steps": steps, "pairs": True}
    cells = []
    for radius in ("003", "000"):
        def tau(n, phi, L=2):
            return tp.b5_tau_regime(n, phi, L) if radius == "003" else tp.b5_tau_000(n, phi, L)
        # at 003's radius (τ ≈ 1e-6 … 1e-9) the region is a point: the search moves the ratio by < 1e-4 relative
        # (min/init = 1.0000), so two ascent steps there (reported as such), the full budget at 000's radius
        st = min(steps, 2) if radius == "003" else steps
        gen, base = gen | {"steps": st}, base | {"steps": st}
        # width: the generator's φ-separated data (φ = 1/2), and pairs at distance exactly φ = 0.2 (reported)
        cells += [gen | {"sweep": f"width_{radius}", "m": m, "tau": tau(4, 0.5), "seed": _sub_seed(seed, m, r)}
                  for m in ms for r in range(nseeds)]
        cells += [base | {"sweep": f"width_pairs_{radius}", "m": m, "tau": tau(4, 0.2), "seed": _sub_seed(seed, 8, m, r)}
                  for m in ms for r in range(nseeds)]
        cells += [base | {"sweep": f"phi_{radius}", "m": 128, "phi": ph, "tau": tau(4, ph), "seed": _sub_seed(seed, 5, k, r)}
                  for k, ph in enumerate((0.05, 0.1, 0.2, 0.4)) for r in range(nseeds)]
        cells += [base | {"sweep": f"n_{radius}", "m": 128, "n": n, "tau": tau(n, 0.2), "seed": _sub_seed(seed, 6, n, r)}
                  for n in (2, 4, 8, 16) for r in range(nseeds)]
    cells += [gen | {"sweep": "large_tau", "m": m, "tau": 0.05, "seed": _sub_seed(seed, m, 99)} for m in ms]
    return cells


@_single_thread
def b5_run_cell(params: dict) -> dict:
    """Smallest ``‖∇_{W_L}L_S(W̃)‖_F²/(Σ_i ℓ'(y_i ỹ_i))²`` over the region (random, greedy flip,
    projected descent), with c₀ = ratio·n⁷/(m φ³) (003) and C = ratio·n⁵/(m φ) (000)."""
    X, y, net = _zczg(params, int(params["seed"]))
    m, n, phi = int(params["m"]), int(params["n"]), float(params["phi"])
    w = mp.worst_gradient_ratio(net, X, y, _radius(params, float(params["tau"])), _grad_sq_last, maximize=False,
                                seed=int(params["seed"]), R=2, steps=int(params["steps"]))
    return {"worst": w["worst"], "random": w["random"], "at_init": w["at_init"],
            "c0_003": w["worst"] / tp.b5_rate_003(m, phi, n, 1.0), "C_000": w["worst"] / tp.b5_rate_000(m, phi, n, 1.0),
            "gains": [_gains(w["by_kind"], maximize=False)]}


def b5_measure(results: Results) -> Evidence:
    reg = [r for p, r in results if p["sweep"] == "width_003"]
    r000 = [r for p, r in results if p["sweep"] == "width_000"]
    at003 = [r for p, r in results if p["sweep"].endswith("_003")]
    figs = {"region_003_max_relative_change": max((1.0 - r["worst"] / r["at_init"] for r in at003), default=None),
            "tau_003_range": [min((p["tau"] for p, _ in results if p["sweep"].endswith("_003")), default=None),
                              max((p["tau"] for p, _ in results if p["sweep"].endswith("_003")), default=None)],
            "c0_003_min": min(r["c0_003"] for p, r in results if p["sweep"] != "large_tau"),
            "C_000_min": min(r["C_000"] for p, r in results if p["sweep"] != "large_tau"),
            "min_over_init_003_radius": min(r["worst"] / r["at_init"] for r in reg) if reg else None,
            "min_over_init_000_radius": min(r["worst"] / r["at_init"] for r in r000) if r000 else None,
            "search": _gain_figures([g for _, r in results for g in r["gains"]])}
    parts = {"width": _law_data(results, "width_003", "m", "worst"), "width_000": _law_data(results, "width_000", "m", "worst"),
             "width_pairs": _law_data(results, "width_pairs_000", "m", "worst"),
             "phi_003": _law_data(results, "phi_003", "phi", "worst"), "phi_000": _law_data(results, "phi_000", "phi", "worst"),
             "n_003": _law_data(results, "n_003", "n", "worst"), "n_000": _law_data(results, "n_000", "n", "worst"),
             "width_large_tau": _law_data(results, "large_tau", "m", "worst")}
    return Evidence(parts, figs,
                    f"pairs at distance exactly φ; c₀ (003, φ³/n⁷) ≥ {figs['c0_003_min']:.3g}, C (000, φ/n⁵) ≥ "
                    f"{figs['C_000_min']:.3g}; region min/init ≥ {figs['min_over_init_003_radius']} at 003's radius, "
                    f"{figs['min_over_init_000_radius']} at 000's. At 003's radius (τ in {figs['tau_003_range']}) the "
                    f"region is a point: the search lowers the ratio by at most {figs['region_003_max_relative_change']:.2g} "
                    f"(relative), so the laws judged there (width, phi_003, n_003) are laws of the initialisation, "
                    f"not of the region; the region is exercised at 000's radius")


def b5_plot(results: Results, judgement: Judgement, ax) -> None:
    d = _law_data(results, "width_003", "m", "worst") or {"x": [], "y": []}
    _loglog_plot(ax, d["x"], d["y"], tp.B5_WIDTH_EXPONENT, "min ‖∇_{W_L}‖²/(Σℓ')²", "m_L")


# ============================================================================ ZCZG-B.6 (W + depth laws)
def _grad_ratio_full(grads, sum_lprime):
    return torch.stack([G.norm() for G in grads]).max() / (-sum_lprime)


def b6_cells(profile: str, seed: int = 0) -> list[dict]:
    """003 Lemma B.6: in-regime (L = 1, φ = 1/2) cells with R_REGIME draws, outside cells
    (reported), and the depth sweep L ∈ {1, 2, 4, 8} (several draws per depth) for 003's 4^L and
    000 Lemma 5.2's C′L M^{1/2}."""
    p = _profile(profile)
    reps = _reps(p, R_REGIME)
    steps = {"ci": 6, "quick": 8, "full": 30}[p]
    base = {"n": 4, "d": 10, "phi": 0.5, "tau": 0.05, "reps": reps, "steps": steps, "batch": 2}
    cells = [base | {"sweep": "regime", "m": m, "L": 1, "seed": _sub_seed(seed, 1, m)} for m in (128, 256)]
    cells += [base | {"sweep": "outside", "m": m, "L": 3, "phi": 0.3, "reps": 4, "seed": _sub_seed(seed, 2, m)}
              for m in ([8, 32] if p != "full" else [4, 8, 16, 32, 64])]
    nd = {"ci": 2, "quick": 3, "full": 5}[p]
    mdep = {"ci": 64, "quick": 64, "full": 256}[p]
    cells += [base | {"sweep": "depth", "m": mdep, "L": L, "phi": 0.3, "reps": nd, "seed": _sub_seed(seed, 3, L)} for L in (1, 2, 4, 8)]
    return cells


@_single_thread
def b6_run_cell(params: dict) -> dict:
    """Per draw: the largest ``max_l ‖∇_{W_l}L_S(W̃)‖_F · n/(−Σℓ' · 4^L M^{1/2})`` over the region
    (random, greedy flip, projected ascent), the minibatch version on a random batch, and the raw
    ``‖∇‖n/(−Σℓ'√M)`` (depth laws)."""
    L, n, tau = int(params["L"]), int(params["n"]), float(params["tau"])
    out: dict[str, list] = {k: [] for k in ("ratios", "minibatch_ratios", "raw", "random_ratios", "gains")}
    for r in range(int(params["reps"])):
        s = _sub_seed(params["seed"], r)
        X, y, net = _zczg(params, s)
        M = max(net.widths)
        w = mp.worst_gradient_ratio(net, X, y, _radius(params, tau), _grad_ratio_full, maximize=True, seed=s, R=2,
                                    steps=int(params["steps"]))
        unit = tp.b6_gradient_bound(L, M, n, -1.0)  # the ratio is ‖G‖_F/(−Σℓ'); the bound is 4^L M^{1/2}/n
        out["ratios"].append(w["worst"] / unit)
        out["random_ratios"].append(w["random"] / unit)
        out["raw"].append(w["worst"] * n / math.sqrt(M))
        out["gains"].append(_gains(w["by_kind"]))
        g = torch.Generator().manual_seed(s)
        Bidx = torch.randperm(n, generator=g)[: int(params["batch"])]
        gb, ext = mp.perturbed_gradients(net, X[Bidx], y[Bidx], "logistic", mp.perturbed_mats(net, w["deltas"]))
        out["minibatch_ratios"].append(float(_grad_ratio_full(gb, ext)) / tp.b6_minibatch_bound(L, M, len(Bidx), -1.0))
    reg = tp.zczg_5_3_regime(int(params["m"]), n, L, float(params["phi"]), tau, DELTA)
    return out | {"in_regime": bool(reg["regime_met"]) and params.get("sweep") == "regime"}


def b6_measure(results: Results) -> Evidence:
    reg = _bound_data(results, "ratios")
    depth = _law_data(results, "depth", "L", "raw")
    if reg is not None:
        reg["worst"] = _worst_by(depth)
    rr = [v for _, r in results if r["in_regime"] for v in r["random_ratios"]]
    dep = [(p, r) for p, r in results if p.get("sweep") == "depth"]
    figs = {"outside_regime": _outside(results), "slack_random": max(rr) if rr else None,
            "C_prime_000_max": max((max(r["raw"]) / p["L"] for p, r in dep), default=None),
            "search": _gain_figures([g for _, r in results for g in r["gains"]])}
    return Evidence({"regime": reg, "minibatch": _bound_data(results, "minibatch_ratios"), "depth_4L": depth,
                     "depth_000": depth}, figs,
                    "depth laws on the per-draw worst ‖∇_{W_l}L_S‖_F n/(−Σℓ' M^{1/2}): per-layer factor against 4 (003), "
                    "log-log slope against 000's L")


# ============================================================================ AZLS Step 2 (a): signs
AZLS_OMEGAS = [1e-3 * 3.0**k for k in range(5)]  # 1e-3 … 0.081


def signs_cells(profile: str, seed: int = 0) -> list[dict]:
    """AZLS Step 2(a): an ω sweep (5 geometric values, m = 512, L = 2), a width sweep
    (ω = 0.01, L = 2) and a depth sweep (ω = 0.01, m = 256), several draws per point."""
    p = _profile(profile)
    nd = {"ci": 3, "quick": 3, "full": 8}[p]  # quick 4 -> 3 (issue 14: the two-layer attack's cost; a violated verdict is replicated)
    steps = {"ci": 4, "quick": 3, "full": 20}[p]  # quick 5 -> 3: the surrogate ascent wins 2/52 searches (the two-layer attack 38)
    base = {"n": 4, "d": 10, "phi": 0.3, "d_out": 2, "steps": steps}
    mo = {"ci": 512, "quick": 512, "full": 1024}[p]  # counts of a few flips at small ω bias the slope down
    cells = [base | {"sweep": "omega", "m": mo, "L": 2, "omega": w, "draw": r, "seed": _sub_seed(seed, 2, k, r)}
             for k, w in enumerate(AZLS_OMEGAS) for r in range(nd)]
    # the m and L sweeps are cheap (m ≤ 512 at ω = 0.01; m = 128): 5 draws per point at quick, the fit's interval is
    # across draws
    nd2 = {"ci": 3, "quick": 5, "full": 8}[p]
    ms = [64, 128, 256, 512] if p != "full" else [128, 256, 512, 1024, 2048]
    cells += [base | {"sweep": "width", "m": m, "L": 2, "omega": 0.01, "draw": r, "seed": _sub_seed(seed, 3, m, r)}
              for m in ms for r in range(nd2)]
    Ls = [1, 2, 4, 8] if p != "full" else [1, 2, 4, 8, 16]
    cells += [base | {"sweep": "depth", "m": 128 if p != "full" else 512, "L": L, "omega": 0.01, "draw": r,
                      "seed": _sub_seed(seed, 4, L, r)} for L in Ls for r in range(nd2)]
    return cells


@_single_thread
def signs_run_cell(params: dict) -> dict:
    """``max_{l,i} ‖D_{i,l} − D⁽⁰⁾_{i,l}‖₀`` for random and adversarial (greedy flip, surrogate
    ascent) perturbations of radius ``ω + omega_floor``."""
    X, _, net = _azls(params, int(params["seed"]))
    om = float(params["omega"])
    w = mp.worst_sign_changes(net, X, _radius(params, om), seed=int(params["seed"]), R=2, steps=int(params["steps"]))
    rate = tp.azls_signs_rate(int(params["m"]), om, int(params["L"]))
    worst = max(w["per_layer_worst"])
    ps = w["per_sample_adversarial"]
    return {"worst": worst, "sample_mean": sum(ps) / len(ps), "random": max(w["per_layer_random"]), "constant": worst / rate,
            "gains": [_gains(w["by_kind"])], "last_layer_by_kind": [w["last_layer_by_kind"]]}


def signs_measure(results: Results) -> Evidence:
    figs = {"constant_max": max(r["constant"] for _, r in results),
            "search": _gain_figures([g for _, r in results for g in r["gains"]]),
            "two_layer_attack": _two_layer_figures([b for _, r in results for b in r["last_layer_by_kind"]])}
    return Evidence({"omega": _law_data(results, "omega", "omega", "sample_mean"),
                     "omega_max": _law_data(results, "omega", "omega", "worst"),
                     "width": _law_data(results, "width", "m", "worst"), "depth": _law_data(results, "depth", "L", "worst")}, figs,
                    f"per draw: the mean over samples of each sample's worst count over l (ω law; the max over (l, i) "
                    f"reported), the worst over (l, i) (m and L laws); constant count/(mω^{{2/3}}L) ≤ {figs['constant_max']:.3g}")


def signs_plot(results: Results, judgement: Judgement, ax) -> None:
    d = _law_data(results, "omega", "omega", "worst") or {"x": [], "y": []}
    _loglog_plot(ax, d["x"], d["y"], tp.AZLS_SIGNS_OMEGA_EXPONENT, "adversarial flips", "ω")


# ============================================================================ AZLS Step 2 (b): forward
def forward_cells(profile: str, seed: int = 0) -> list[dict]:
    """AZLS Step 2(b): depth sweep L ∈ {2, 4, 8, 16} at m = 64 (full 256) and width sweep
    m ∈ {32, …, 256} at L = 4 (full 128 … 1024), ω = 10⁻³, several draws per point."""
    p = _profile(profile)
    m = {"ci": 64, "quick": 64, "full": 256}[p]
    steps = {"ci": 6, "quick": 10, "full": 30}[p]
    nd = {"ci": 3, "quick": 5, "full": 8}[p]
    Ls = [2, 4, 8, 16] if p != "full" else [2, 4, 8, 16, 32]
    base = {"n": 3, "d": 10, "phi": 0.3, "d_out": 2, "omega": 1e-3, "steps": steps, "restarts": 2}
    cells = [base | {"sweep": "depth", "m": m, "L": L, "draw": r, "seed": _sub_seed(seed, L, r)} for L in Ls for r in range(nd)]
    # width sweep at L = 4 (issue 14: m and L both swept): Step 2(b)'s O(ωL^{5/2}) has no m
    ms = [32, 64, 128, 256] if p != "full" else [128, 256, 512, 1024]
    cells += [base | {"sweep": "width", "m": mm, "L": 4, "draw": r, "seed": _sub_seed(seed, 41, mm, r)}
              for mm in ms for r in range(nd)]
    return cells


@_single_thread
def forward_run_cell(params: dict) -> dict:
    """Worst ``max_{l,i} ‖h_{i,l} − h⁽⁰⁾_{i,l}‖/ω`` (random, greedy flip, projected ascent)."""
    X, _, net = _azls(params, int(params["seed"]))
    om = float(params["omega"])
    w = mp.worst_forward_deviation(net, X, _radius(params, om), seed=int(params["seed"]), R=2, steps=int(params["steps"]),
                                   restarts=int(params.get("restarts", 1)))
    return {"worst_over_omega": w["per_layer_max_over_l"] / om, "random_over_omega": w["random"] / om,
            "constant": w["per_layer_max_over_l"] / tp.azls_forward_rate(om, int(params["L"])), "gains": [_gains(w["by_kind"])]}


def forward_measure(results: Results) -> Evidence:
    d = _law_data(results, "depth", "L", "worst_over_omega")
    figs = {"constant_max": max(r["constant"] for _, r in results),
            "search": _gain_figures([g for _, r in results for g in r["gains"]])}
    return Evidence({"depth": d, "depth_8L": d, "depth_random": _law_data(results, "depth", "L", "random_over_omega"),
                     "width": _law_data(results, "width", "m", "worst_over_omega")}, figs,
                    f"per draw worst ‖h−h⁽⁰⁾‖/ω; constant/(ωL^{{5/2}}) ≤ {figs['constant_max']:.3g}")


def forward_plot(results: Results, judgement: Judgement, ax) -> None:
    dp = [(p, r) for p, r in results if p["sweep"] == "depth"]
    _loglog_plot(ax, [p["L"] for p, _ in dp], [r["worst_over_omega"] for _, r in dp], tp.AZLS_FORWARD_DEPTH_EXPONENT,
                 "worst ‖h−h0‖/ω", "L")


# ============================================================================ AZLS Step 2: backward
def backward_cells(profile: str, seed: int = 0) -> list[dict]:
    """AZLS Step 2 (backward): ω sweep (5 geometric values) at m = 64 (full 256), L = 3,
    d_out = 2, several draws per ω."""
    p = _profile(profile)
    m = {"ci": 64, "quick": 64, "full": 256}[p]
    steps = {"ci": 6, "quick": 10, "full": 30}[p]
    nseeds = {"ci": 4, "quick": 6, "full": 8}[p]
    cells = [{"sweep": "omega", "m": m, "L": 3, "n": 2, "d": 10, "phi": 0.3, "d_out": 2, "omega": w, "steps": steps,
              "seed": _sub_seed(seed, k, r)} for k, w in enumerate(AZLS_OMEGAS) for r in range(nseeds)]
    # where mω^{2/3} ≥ 30 (issue 14: the ω^{1/3} term of ‖ΔBack‖ needs flips to dominate; the sweep above has
    # mω^{2/3} ≤ 12): m = 256 (full 1024), ω = 0.04 … 0.32 (≤ 1/L), mω^{2/3} = 30 … 120 (full 120 … 480)
    ml = {"ci": 256, "quick": 256, "full": 1024}[p]
    nl = {"ci": 2, "quick": 2, "full": 4}[p]
    cells += [{"sweep": "omega_large", "m": ml, "L": 3, "n": 2, "d": 10, "phi": 0.3, "d_out": 2, "omega": w,
               "steps": {"ci": 4, "quick": 5, "full": 20}[p], "seed": _sub_seed(seed, 31, k, r)}
              for k, w in enumerate(AZLS_OMEGAS_LARGE) for r in range(nl)]
    # width and depth sweeps at ω = 0.01 (issue 14: m and L both swept, ≥ 5 draws): the bound's √m and L²
    nd = {"ci": 3, "quick": 5, "full": 8}[p]
    base = {"n": 2, "d": 10, "phi": 0.3, "d_out": 2, "omega": 0.01, "steps": steps}
    ms = [32, 64, 128, 256] if p != "full" else [64, 128, 256, 512, 1024]
    cells += [base | {"sweep": "width", "m": mm, "L": 3, "draw": r, "seed": _sub_seed(seed, 32, mm, r)} for mm in ms for r in range(nd)]
    cells += [base | {"sweep": "depth", "m": m, "L": L, "draw": r, "seed": _sub_seed(seed, 33, L, r)}
              for L in (1, 2, 4, 8) for r in range(nd)]
    return cells


AZLS_OMEGAS_LARGE = [0.04, 0.08, 0.16, 0.32]


@_single_thread
def backward_run_cell(params: dict) -> dict:
    """Worst ``‖Back_{i,1}(W̃) − Back_{i,1}(W)‖₂`` over random, greedy flip and projected ascent."""
    X, _, net = _azls(params, int(params["seed"]))
    om = float(params["omega"])
    w = mp.worst_backward_change(net, X, _radius(params, om), i=0, a=1, seed=int(params["seed"]), R=2, steps=int(params["steps"]),
                                 restarts=int(params.get("restarts", 1)))
    rate = tp.azls_backward_rate(om, int(params["L"]), int(params["m"]), int(params["d_out"]))
    return {"worst": w["worst"], "random": w["random"], "constant": w["worst"] / rate, "gains": [_gains(w["by_kind"])],
            "m_omega_23": int(params["m"]) * om ** (2.0 / 3.0)}


def backward_measure(results: Results) -> Evidence:
    lg = [p for p, _ in results if p.get("sweep") == "omega_large"]
    figs = {"constant_max": max(r["constant"] for _, r in results),
            "m_omega_23_range": {s_: [min((r["m_omega_23"] for p, r in results if p.get("sweep") == s_), default=None),
                                      max((r["m_omega_23"] for p, r in results if p.get("sweep") == s_), default=None)]
                                 for s_ in ("omega", "omega_large")},
            "omega_large_m": lg[0]["m"] if lg else None,
            "search": _gain_figures([g for _, r in results for g in r["gains"]])}
    return Evidence({"omega": _law_data(results, "omega", "omega", "worst"),
                     "omega_random": _law_data(results, "omega", "omega", "random"),
                     "omega_large": _law_data(results, "omega_large", "omega", "worst"),
                     "width": _law_data(results, "width", "m", "worst"), "depth": _law_data(results, "depth", "L", "worst")}, figs,
                    f"per draw worst ‖ΔBack‖₂; constant/(ω^{{1/3}}L²√(m/d)) ≤ {figs['constant_max']:.3g}")


def backward_plot(results: Results, judgement: Judgement, ax) -> None:
    d = _law_data(results, "omega", "omega", "worst") or {"x": [], "y": []}  # the m = 64 sweep (one width per plot)
    _loglog_plot(ax, d["x"], d["y"], tp.AZLS_BACKWARD_OMEGA_EXPONENT, "worst ‖ΔBack‖₂", "ω")


# ============================================================================ AZLS Theorem 3
def _gsq_over_F(grads, F):
    return sum((G**2).sum() for G in grads) / F


def thm3_cells(profile: str, seed: int = 0) -> list[dict]:
    """AZLS Theorem 3: width sweep m ∈ {32, …, 512} (full: 64 … 1024), L = 2, d_out = 2, ω = 0.01,
    several draws per width (the scatter of ‖∇F‖²/(Fm) between draws does not shrink with m); an
    n sweep (n ∈ {2, 4, 8, 16}) and a depth sweep (L ∈ {1, 2, 4, 8}) at m = 128."""
    p = _profile(profile)
    ms = [32, 64, 128, 256, 512] if p != "full" else [64, 128, 256, 512, 1024]
    if p == "ci":
        ms = [64, 128, 256, 512]
    steps = {"ci": 5, "quick": 6, "full": 30}[p]
    nseeds = {"ci": 4, "quick": 4, "full": 6}[p]
    base = {"L": 2, "n": 3, "d": 10, "phi": 0.3, "d_out": 2, "omega": 0.01, "steps": steps}
    cells = [base | {"sweep": "width", "m": m, "draw": r, "seed": _sub_seed(seed, m, r)} for m in ms for r in range(nseeds)]
    nd = {"ci": 3, "quick": 3, "full": 5}[p]
    st2 = steps if p == "full" else min(steps, 3)  # n and depth sweeps: 3 ascent steps (quick, ci)
    cells += [base | {"sweep": "n", "m": 128, "n": n, "draw": r, "steps": st2, "seed": _sub_seed(seed, 11, n, r)}
              for n in (2, 4, 8, 16) for r in range(nd)]
    cells += [base | {"sweep": "depth", "m": 128, "L": L, "draw": r, "steps": st2, "seed": _sub_seed(seed, 12, L, r)}
              for L in (1, 2, 4, 8) for r in range(nd)]
    # the minimum of 2λ_min(JJᵀ) over the region (projected descent from the parked/greedy start): width cells up to
    # m = 256 (quick; the descent costs ~1.8 CPU-s a draw at 512) and every width cell under full
    mg = {"ci": 512, "quick": 256, "full": 1024}[p]  # ≥ 4 widths (a law's min_points); ci: two draws per width
    cells = [c | {"gram_region": True} if c["sweep"] == "width" and c["m"] <= mg and (p != "ci" or c["draw"] < 2) else c
             for c in cells]
    # δ sweep (002 Theorem 3's Ω(F δ m/(d n²))): one pair of the data at distance exactly δ (min separation = δ). The
    # theorem needs m ≥ poly(δ⁻¹) and ω ≤ 1/poly(δ⁻¹) (unspecified): declared m = ⌈16/δ⌉ (δm ≈ 16: the pair's ReLU
    # patterns differ in ~δm/π nodes, the source of the δ¹; at fixed m = 128 2λ_min falls like δ² — no node differs)
    # and ω = 0.01(δ/0.1)^{3/2} (the φ^{3/2} of 000's and 003's radii); the statistic is divided by m. The draws
    # scatter by a factor 3–6 at one δ (which of the pair's nodes differ is random), so the sweep spans 8× in δ (the
    # other points 0.64-separated, δ ≤ 0.32) with 5 draws per δ at quick
    ndl = {"ci": 3, "quick": 5, "full": 8}[p]
    cells += [base | {"sweep": "delta", "phi": THM3_DELTA_PHI, "m": int(math.ceil(16 / dl)), "delta": dl,
                      "omega": 0.01 * (dl / 0.1) ** 1.5, "gram_region": True, "draw": r, "seed": _sub_seed(seed, 13, k, r)}
              for k, dl in enumerate(THM3_DELTAS) for r in range(ndl)]
    return cells


THM3_DELTAS = [0.04, 0.08, 0.16, 0.32]
THM3_DELTA_PHI = 0.64  #: the δ sweep's other points are this far apart (≥ 2δ: the pair stays the closest)


def _delta_pair(X: torch.Tensor, delta: float, seed: int, phi: float = THM3_DELTA_PHI) -> torch.Tensor:
    """X with its second point replaced by one at distance exactly δ from the first, on the same
    AZLS sphere (last coordinate μ kept): the data's minimum separation becomes δ when the
    others are ≥ 2δ apart (``separated_sphere`` with separation ``phi`` and δ ≤ phi/2)."""
    if not (0.0 < delta <= phi / 2):
        raise ValueError(f"the pair distance must lie in (0, phi/2] (the others are phi-separated), got delta={delta!r}, "
                         f"phi={phi!r}")
    X = X.clone()
    mu = float(X[0, -1])
    r = math.sqrt(max(1.0 - mu * mu, 0.0))
    a = X[0, :-1] / r
    g = torch.Generator().manual_seed(int(seed) + 13)
    b = torch.randn(a.shape[0], generator=g, dtype=X.dtype)
    b = b - (b @ a) * a
    b = b / b.norm()
    th = 2.0 * math.asin(delta / (2.0 * r))
    X[1, :-1] = r * (math.cos(th) * a + math.sin(th) * b)
    X[1, -1] = mu
    return X


@_single_thread
def thm3_run_cell(params: dict) -> dict:
    """``‖∇F‖_F²/F`` at init, its min and max over the ω-region (random, greedy flip, projected
    descent/ascent), and its exact range over every target set at init (``2λ(JJᵀ)``)."""
    X, ystar, net = _azls(params, int(params["seed"]))
    if "delta" in params:
        X = _delta_pair(X, float(params["delta"]), int(params["seed"]), float(params["phi"]))
    m, L, n, d_out = (int(params[k]) for k in ("m", "L", "n", "d_out"))
    om = _radius(params, float(params["omega"]))
    lo = mp.worst_gradient_ratio(net, X, ystar, om, _gsq_over_F, loss="square", maximize=False, seed=int(params["seed"]), R=2, steps=int(params["steps"]))
    hi = mp.worst_gradient_ratio(net, X, ystar, om, _gsq_over_F, loss="square", maximize=True, seed=int(params["seed"]), R=2, steps=int(params["steps"]))
    emin, emax = mp.residual_gram_extremes(net, X)
    sep = float(_data.min_separation(X))
    out = {"min_ratio": lo["worst"], "max_ratio": hi["worst"], "at_init": lo["at_init"], "gram_min": emin, "gram_max": emax,
           "C_lower": lo["worst"] / tp.azls_thm3_lower_rate(1.0, sep, m, d_out, n),
           "C_upper": hi["worst"] / tp.azls_thm3_upper_rate(1.0, L, n, m, d_out), "separation": sep,
           "gains": [_gains(lo["by_kind"], maximize=False), _gains(hi["by_kind"])]}
    if params.get("gram_region"):
        g = mp.worst_gram_min(net, X, om, seed=int(params["seed"]), R=2, steps=int(params["steps"]),
                              restarts=int(params.get("restarts", 2)))
        out |= {"gram_min_region": g["worst"], "gram_region_over_init": g["ratio_worst_init"],
                "C_lower_gram": g["worst"] / tp.azls_thm3_lower_rate(1.0, sep, m, d_out, n)}
        out["gains"].append(_gains(g["by_kind"], maximize=False))
    if "delta" in params:  # the δ sweep's statistics per unit width
        out |= {"gram_min_over_m": emin / m, "gram_min_region_over_m": out["gram_min_region"] / m}
    return out


def thm3_measure(results: Results) -> Evidence:
    gr = [r for _, r in results if "gram_min_region" in r]
    figs = {"C_lower_min": min(r["C_lower"] for _, r in results), "C_upper_max": max(r["C_upper"] for _, r in results),
            "C_lower_gram_region_min": min((r["C_lower_gram"] for r in gr), default=None),
            "gram_region_over_init_min": min((r["gram_region_over_init"] for r in gr), default=None),
            "search": _gain_figures([g for _, r in results for g in r["gains"]])}
    parts = {k: _law_data(results, "width", "m", key) for k, key in
             (("lower", "min_ratio"), ("upper", "max_ratio"), ("lower_gram", "gram_min"), ("upper_gram", "gram_max"))}
    parts |= {"lower_gram_region": _law_data([(p, r) for p, r in results if "gram_min_region" in r], "width", "m",
                                             "gram_min_region"),
              "lower_gram_delta": _law_data(results, "delta", "delta", "gram_min_region_over_m"),
              "lower_gram_init_delta": _law_data(results, "delta", "delta", "gram_min_over_m"),
              "lower_n": _law_data(results, "n", "n", "min_ratio"), "upper_n": _law_data(results, "n", "n", "max_ratio"),
              "lower_gram_n": _law_data(results, "n", "n", "gram_min"),
              "lower_L": _law_data(results, "depth", "L", "min_ratio"), "upper_L": _law_data(results, "depth", "L", "max_ratio")}
    return Evidence(parts,
                    figs, f"constants: lower ≥ {figs['C_lower_min']:.3g}, upper ≤ {figs['C_upper_max']:.3g}")


def thm3_plot(results: Results, judgement: Judgement, ax) -> None:
    _loglog_plot(ax, [p["m"] for p, _ in results], [r["min_ratio"] for _, r in results], 1.0, "min ‖∇F‖²/F", "m")


# ============================================================================ AZLS Theorem 4
THM4_T = [1e-3 * 2.5**k for k in range(6)]  # 1e-3 … 0.098
#: the parked cells' ‖W′‖₂: R(t)/t is constant from t = 1e-5 to 1e-2 there (measured, m = 32 … 512), so one small
#: t gives the first-order coefficient without a fit that the t² term (∝ m) would swamp at large m
THM4_T_PARKED = [1e-4]


def thm4_cells(profile: str, seed: int = 0) -> list[dict]:
    """AZLS Theorem 4, the two terms measured apart.

    * Second order — width sweep m ∈ {32, …, 256} (full: to 1024): W̆ = W⁽⁰⁾ + a random
      ω-perturbation (the residual is then second order: no pre-activation sits near zero) and
      ‖W′‖₂ = t ≤ ω over geometric t (Theorem 4 bounds both W̆ − W⁽⁰⁾ and W′ by ω: ω = max t ≈ 0.1);
      the t² coefficient against m.
    * First order — W̆ parked by the flip construction (every pre-activation the ω budget reaches
      pushed just past zero), m ∈ {32, …, 512} (full: to 1024), ‖W′‖₂ = 10⁻⁴: the worst R(t)/t
      against m.

    W′ is searched by random and ±gradient directions and ≥ 20 steps of projected ascent from the
    best ``restarts`` of them."""
    p = _profile(profile)
    ms = [32, 64, 128, 256] if p != "full" else [64, 128, 256, 512, 1024]
    steps = {"ci": 20, "quick": 20, "full": 40}[p]
    restarts = {"ci": 2, "quick": 2, "full": 3}[p]
    nseeds = {"ci": 2, "quick": 3, "full": 8}[p]  # quick: the second-order law resolves with margin (≈ 1.0 ± 0.25 vs 2)
    # quick and ci: the three largest t, 0.016 … 0.098, where both terms show (the ascent finds a first-order part
    # even at a random W̆: a ≠ 0, so two t would be an exact, noisy split)
    t_list = THM4_T if p == "full" else THM4_T[3:]
    base = {"L": 2, "n": 3, "d": 10, "phi": 0.3, "d_out": 2, "omega": THM4_T[-1], "t_list": t_list, "steps": steps,
            "restarts": restarts}
    cells = [base | {"sweep": "width", "m": m, "draw": r, "seed": _sub_seed(seed, m, r)} for m in ms for r in range(nseeds)]
    # parked W̆: the residual has a first-order part (declared: 4 draws × 5 widths at quick — the draws scatter by a
    # factor ~2.5, and the law needs a half-width under 0.25 at a slope near ½)
    mpk = [32, 64, 128, 256, 512] if p != "full" else [32, 64, 128, 256, 512, 1024]
    npk = {"ci": 3, "quick": 4, "full": 8}[p]
    cells += [base | {"sweep": "parked", "breve": "parked", "m": m, "draw": r, "t_list": THM4_T_PARKED,
                      "seed": _sub_seed(seed, 21, m, r)} for m in mpk for r in range(npk)]
    return cells


@_single_thread
def thm4_run_cell(params: dict) -> dict:
    """Worst Taylor residual ``R(t) = F(W̆+W′) − F(W̆) − ⟨∇F(W̆), W′⟩`` for each t (random
    directions, ±gradient directions, projected ascent with restarts) and its largest ratio to the
    bound's two terms ``nL²m/d t² + √(nm log m/d) t √F``.

    Random W̆: non-negative least squares ``R(t) ≈ a t + b t²``, c₂ = b/(nL²m/d). Parked W̆: the
    first-order coefficient ``a = max_t R(t)/t`` at small t, c₁ = a/(√(nm log m/d)√F)."""
    from scipy.optimize import nnls
    import numpy as np

    X, ystar, net = _azls(params, int(params["seed"]))
    m, L, n, d_out = int(params["m"]), int(params["L"]), int(params["n"]), int(params["d_out"])
    s = int(params["seed"])
    parked = params.get("breve") == "parked"
    if parked:  # every pre-activation the ω budget can reach pushed just past zero
        Dbreve = mp.greedy_flip_perturbation(net, X, float(params["omega"]))
    else:
        Dbreve = mp.random_perturbation(net, float(params["omega"]), seed=s + 5)
    mats_b = mp.perturbed_mats(net, Dbreve)
    res, F, gains = [], None, []
    for k, t in enumerate(params["t_list"]):
        w = mp.worst_taylor_residual(net, X, ystar, mats_b, t, seed=s + 11 * k, R=2, steps=int(params["steps"]),
                                     restarts=int(params.get("restarts", 1)))
        res.append(max(w["worst"], 0.0))
        F = w["F"]
        gains.append(_gains(w["by_kind"]))
    ts = np.asarray(params["t_list"], dtype=float)
    T2, T1 = tp.azls_thm4_terms(n, L, m, d_out, 1.0, F)
    ratio = max(r / (sum(tp.azls_thm4_terms(n, L, m, d_out, t, F))) for r, t in zip(res, params["t_list"]))
    out = {"residual": res, "F": F, "residual_over_terms": ratio, "gains": gains}
    if parked:
        a = float(max(np.asarray(res) / ts))
        return out | {"a": a, "c1": a / T1 if T1 > 0 else math.inf, "a_over_sqrtF_log": a / math.sqrt(max(F, 1e-300) * math.log(m))}
    A = np.stack([ts, ts**2], axis=1)
    wts = 1.0 / np.maximum(np.asarray(res), 1e-300)  # relative least squares
    coef, _ = nnls(A * wts[:, None], np.asarray(res) * wts)
    a, b = float(coef[0]), float(coef[1])
    tm = float(ts[len(ts) // 2])
    return out | {"a": a, "b": b, "c2": b / T2, "first_order_share": a * tm / (a * tm + b * tm**2) if a + b > 0 else 0.0}


def thm4_measure(results: Results) -> Evidence:
    import statistics

    pk = [r for p, r in results if p["sweep"] == "parked"]
    wd = [r for p, r in results if p["sweep"] == "width"]
    figs = {"constant_max": max(r["residual_over_terms"] for _, r in results),
            "c1_max": max((r["c1"] for r in pk), default=None), "c2_max": max((r["c2"] for r in wd), default=None),
            "first_order_share_random": [round(r["first_order_share"], 3) for r in wd],
            "search": _gain_figures([g for _, r in results for g in r["gains"]])}
    # the W̆ candidates side by side: the first-order coefficient per unit √F, parked over random (median per draw)
    if pk and wd:
        ar = statistics.median(r["a"] / math.sqrt(max(r["F"], 1e-300)) for r in wd)
        ap = statistics.median(r["a"] / math.sqrt(max(r["F"], 1e-300)) for r in pk)
        figs["breve_parked_over_random_first_order"] = ap / ar if ar > 0 else None
    c1 = figs["c1_max"]
    return Evidence({"constant": _law_data(results, "width", "m", "residual_over_terms"),
                     "second_order": _law_data(results, "width", "m", "b"), "first_order": _law_data(results, "width", "m", "a"),
                     "first_order_parked": _law_data(results, "parked", "m", "a_over_sqrtF_log")},
                    figs,
                    f"residual/(nL²m/d t² + √(nm log m/d) t √F) ≤ {figs['constant_max']:.3g}; fitted c₂ ≤ {figs['c2_max']:.3g}, "
                    f"parked c₁ ≤ " + (f"{c1:.3g}" if c1 is not None else "n/a"))


def thm4_plot(results: Results, judgement: Judgement, ax) -> None:
    """Worst residual against t for each width (random W̆, one draw), with slopes 1 and 2 drawn for
    reference; the parked draws' R(t) at t = 1e-4 as crosses (first order: on the slope-1 line's side)."""
    import numpy as np

    wd = [(p, r) for p, r in results if p["sweep"] == "width"]
    for m in sorted({p["m"] for p, _ in wd}):
        p, r = next((p, r) for p, r in wd if p["m"] == m)
        ax.loglog(p["t_list"], [max(v, 1e-300) for v in r["residual"]], "o-", label=f"m={m}")
    pk = [(p, r) for p, r in results if p["sweep"] == "parked"]
    if pk:
        ax.loglog([p["t_list"][0] for p, _ in pk], [max(r["residual"][0], 1e-300) for _, r in pk], "kx", ms=4,
                  label="parked W̆ (m 32–512)")
    t = np.asarray([THM4_T_PARKED[0]] + list(wd[0][0]["t_list"]))
    y0 = max(max(r["residual"]) for _, r in wd)
    ax.loglog(t, y0 * (t / t[-1]) ** 2, "--", label="slope 2")
    ax.loglog(t, y0 * (t / t[-1]), ":", label="slope 1")
    ax.set_xlabel("‖W′‖₂ = t")
    ax.legend(fontsize=7)


# ============================================================================ declared parts and controls
_REG_STAT = "per draw, the search's worst (random, greedy flip, projected ascent) over the bound, in the regime of 003 Theorem 5.3 (C̄ = 1)"

PARTS: dict[str, tuple] = {
    "ZCZG-5.3.i": (
        Bound("triangle", statistic="‖W̃_l‖₂/(‖W_l‖₂ + τ) per (candidate, layer): random, rank one, aligned",
              bound="theory.perturbation.w_tilde_norm_bound (exact)", delta=0.0),
        Bound("four", statistic="‖W̃_l‖₂/4 per (candidate, layer) where 003 Theorem 5.1(i) holds and τ ≤ 1/2",
              bound="003 Theorem 5.3(i): 4", delta=0.0),
    ),
    "ZCZG-B.2": (
        Bound("regime", statistic="max_{l≤L,i}‖x̃_{l,i} − x_{l,i}‖ " + _REG_STAT, bound="8^L τ/7", delta=DELTA,
              variable="L", bound_law="8^L", bound_model="geometric", bound_exponent=LOG8),
        Law("depth_8L", statistic="per draw, the worst max_i ‖x̃_{L,i} − x_{L,i}‖/τ (per-layer growth factor)", variable="L",
            exponent=LOG8, direction="upper", model="geometric"),
        Law("depth_4L_recursion", statistic="as depth_8L, against the corrected recursion 1.5·4^{L−1}τ", variable="L",
            exponent=LOG4, direction="upper", model="geometric", decides=False),
        Law("depth_azls_L52", statistic="as depth_8L, log-log in L (AZLS Step 2(b)'s L^{5/2})", variable="L",
            exponent=tp.AZLS_FORWARD_DEPTH_EXPONENT, direction="upper", decides=False),
        Bound("lipschitz_recursion", statistic="per draw, max_l worst ‖x̃_l − x_l‖/(τ(4^{l−1} + (4^{l−1}−1)/2)) given 003 Theorem 5.1(i)",
              bound="theory.perturbation.b2_lipschitz_bound (deterministic)", delta=0.0, decides=False),
    ),
    "ZCZG-B.3": (
        Bound("regime", statistic="max_{l,i}‖Σ̃_{l,i} − Σ_{l,i}‖₀ " + _REG_STAT, bound="3·4^L m_l τ^{2/3}", delta=DELTA,
              variable="tau", bound_law="τ^{2/3}", bound_exponent=tp.B3_TAU_EXPONENT_WORST),
        Law("tau_exponent", statistic="per draw, the mean over samples i of the worst ‖Σ̃_{1,i} − Σ_{1,i}‖₀ (greedy + "
            "surrogate ascent) at L = 1, m = 4096", variable="tau", exponent=tp.B3_TAU_EXPONENT_WORST, direction="lower"),
        Law("tau_exponent_max", statistic="as tau_exponent, max over samples instead of the mean (an extreme value of "
            "small counts: its slope is flattened at small τ)", variable="tau", exponent=tp.B3_TAU_EXPONENT_WORST,
            direction="lower", decides=False),
        Law("tau_exponent_L2", statistic="per draw, the mean over samples of the worst count over l at L = 2", variable="tau",
            exponent=tp.B3_TAU_EXPONENT_WORST, direction="lower", decides=False),
        Law("tau_random", statistic="per draw, max_{l,i} count under random perturbations at L = 2 (expected exponent ≈ 1)",
            variable="tau", exponent=tp.B3_TAU_EXPONENT_WORST, direction="lower", decides=False),
        Law("depth_4L", statistic="per draw, max_{l,i} adversarial count at τ = 1e-2 (per-layer growth factor)", variable="L",
            exponent=LOG4, direction="upper", model="geometric"),
    ),
    "ZCZG-B.4": (
        Bound("regime", statistic="|S̃_L| (all samples targeted at once) " + _REG_STAT, bound="3n·4^L m_L τ^{2/3}", delta=DELTA,
              variable="L", bound_law="4^L", bound_model="geometric", bound_exponent=LOG4),
        Law("depth_4L", statistic="per draw, the worst |S̃_L| at τ = 1e-2 (per-layer growth factor)", variable="L",
            exponent=LOG4, direction="upper", model="geometric"),
    ),
    "ZCZG-B.1": (
        Law("width", statistic="per draw, the worst max_i Γ̃_{i,2,s} within Lemma B.1's hypotheses (any binary Σ̃ with "
            "‖Σ̃ − Σ‖₀ ≤ s: greedy adversarial flips, W̃'s own pattern capped to s, ascent with Σ̃ fixed), s = 8, τ = 1/4, "
            "L = 2", variable="M", exponent=tp.B1_WIDTH_EXPONENT, direction="upper"),
        Law("width_random", statistic="per draw, the best random W̃ with its own pattern capped to s flips", variable="M",
            exponent=tp.B1_WIDTH_EXPONENT, direction="upper", decides=False),
        Law("width_own", statistic="per draw, the previous search: random and ascent W̃ with W̃'s own patterns (flips not "
            "bounded by s)", variable="M", exponent=tp.B1_WIDTH_EXPONENT, direction="upper", decides=False),
        # I₁ + I₂ of the proof: the flips' C₂4^L L√(s log M) and the perturbation's C₃4^L L√M τ
        Law("increment", statistic="per draw, Γ̃ − Γ (the worst within the hypotheses minus Γ at W, Σ) against the "
            "proof's I₁ + I₂ = O(√(s log M) + √M τ)", variable="M", exponent=tp.B1_WIDTH_EXPONENT, direction="upper"),
    ),
    "ZCZG-B.5": (
        Law("width", statistic="per draw, the smallest ‖∇_{W_L}L_S(W̃)‖_F²/(Σℓ')² over the region at Lemma B.5's radius "
            "(φ = 1/2-separated data, n = 4)", variable="m", exponent=tp.B5_WIDTH_EXPONENT, direction="lower"),
        Law("width_000", statistic="as width, at 000 Lemma 5.2's radius φ^{3/2}/(n³L²)", variable="m",
            exponent=tp.B5_WIDTH_EXPONENT, direction="lower"),
        Law("width_pairs", statistic="as width_000, on opposite-label pairs at distance exactly φ = 0.2 (heavy-tailed: "
            "the ratio is ≈ tanh²(f/2)·m/2 with f the output at the pair)", variable="m", exponent=tp.B5_WIDTH_EXPONENT,
            direction="lower", decides=False),
        # y = Ω(φ³) as φ → 0: the true φ-exponent is at most 3 (Law direction "upper")
        Law("phi_003", statistic="as width, m = 128, against φ (pairs at distance exactly φ), at Lemma B.5's radius",
            variable="phi", exponent=3.0, direction="upper"),
        Law("phi_000", statistic="as phi_003, at 000's radius, against 000's φ¹", variable="phi", exponent=1.0,
            direction="upper", decides=False),
        # y = Ω(n⁻⁷) as n grows: the true n-exponent is at least −7
        Law("n_003", statistic="as width, m = 128, φ = 0.2, against n (n/2 pairs), at Lemma B.5's radius", variable="n",
            exponent=-7.0, direction="lower"),
        Law("n_000", statistic="as n_003, at 000's radius, against 000's n⁻⁵", variable="n", exponent=-5.0,
            direction="lower", decides=False),
        Law("width_large_tau", statistic="as width, at τ = 0.05 (outside both radii)", variable="m",
            exponent=tp.B5_WIDTH_EXPONENT, direction="lower", decides=False),
    ),
    "ZCZG-B.6": (
        Bound("regime", statistic="max_l ‖∇_{W_l}L_S(W̃)‖_F " + _REG_STAT, bound="−(4^L M^{1/2}/n)Σℓ'", delta=DELTA,
              variable="L", bound_law="4^L", bound_model="geometric", bound_exponent=LOG4),
        Bound("minibatch", statistic="max_l ‖G̃_l‖_F on a random batch of 2 at the worst W̃, per draw, in the regime",
              bound="−(4^L M^{1/2}/B)Σ_{i∈B}ℓ'", delta=DELTA),
        Law("depth_4L", statistic="per draw, the worst ‖∇_{W_l}L_S‖_F n/(−Σℓ' M^{1/2}) at m = 64 (per-layer factor)",
            variable="L", exponent=LOG4, direction="upper", model="geometric"),
        Law("depth_000", statistic="as depth_4L, log-log in L (000 Lemma 5.2's C′L M^{1/2})", variable="L",
            exponent=tp.B6_DEPTH_EXPONENT_000, direction="upper"),
    ),
    "AZLS-step2.signs": (
        Law("omega", statistic="per draw, the mean over samples i of max_l ‖D_{i,l} − D⁽⁰⁾_{i,l}‖₀ (greedy + surrogate "
            "ascent), m = 512, L = 2", variable="omega", exponent=tp.AZLS_SIGNS_OMEGA_EXPONENT, direction="lower"),
        Law("omega_max", statistic="as omega, max over (l, i) (an extreme value of small counts)", variable="omega",
            exponent=tp.AZLS_SIGNS_OMEGA_EXPONENT, direction="lower", decides=False),
        Law("width", statistic="per draw, max_{l,i} adversarial count at ω = 0.01, L = 2, against m", variable="m",
            exponent=1.0, direction="upper"),
        Law("depth", statistic="per draw, max_{l,i} adversarial count at ω = 0.01, m = 128, against L", variable="L",
            exponent=1.0, direction="upper"),
    ),
    "AZLS-step2.forward": (
        Law("depth", statistic="per draw, the worst max_{l,i}‖h_{i,l} − h⁽⁰⁾_{i,l}‖/ω, m = 64, ω = 1e-3", variable="L",
            exponent=tp.AZLS_FORWARD_DEPTH_EXPONENT, direction="upper"),
        Law("depth_8L", statistic="as depth, per-layer growth factor against ZCZG's 8", variable="L", exponent=LOG8,
            direction="upper", model="geometric", decides=False),
        Law("depth_random", statistic="as depth, random perturbations only", variable="L",
            exponent=tp.AZLS_FORWARD_DEPTH_EXPONENT, direction="upper", decides=False),
        # O(ωL^{5/2}) has no m: the worst deviation does not grow with the width (alternative m^{0.25}, the
        # resolution a 2× growth over 64 … 512 would show)
        Law("width", statistic="per draw, the worst max_{l,i}‖h_{i,l} − h⁽⁰⁾_{i,l}‖/ω, L = 4, ω = 1e-3, against m",
            variable="m", exponent=0.0, direction="upper", resolution=0.25),
    ),
    "AZLS-step2.backward": (
        Law("omega", statistic="per draw, the worst ‖Back_{0,1}(W̃) − Back_{0,1}(W)‖₂, m = 64, L = 3", variable="omega",
            exponent=tp.AZLS_BACKWARD_OMEGA_EXPONENT, direction="lower"),
        Law("omega_random", statistic="as omega, random perturbations only", variable="omega",
            exponent=tp.AZLS_BACKWARD_OMEGA_EXPONENT, direction="lower", decides=False),
        Law("omega_large", statistic="as omega, where mω^{2/3} ≥ 30 (the flips' ω^{1/3} term): m = 256 (full 1024), "
            "L = 3, ω = 0.04 … 0.32", variable="omega", exponent=tp.AZLS_BACKWARD_OMEGA_EXPONENT, direction="lower"),
        # O(ω^{1/3}L²√(m/d)): the change grows at most like √m and like L²
        Law("width", statistic="per draw, the worst ‖ΔBack_{0,1}‖₂ at ω = 0.01, L = 3, against m", variable="m",
            exponent=0.5, direction="upper"),
        Law("depth", statistic="per draw, the worst ‖ΔBack_{0,1}‖₂ at ω = 0.01, m = 64 (full 256), against L", variable="L",
            exponent=2.0, direction="upper"),
    ),
    "AZLS-thm3": (
        Law("lower", statistic="per draw, min over the ω-region of ‖∇F‖²/F", variable="m",
            exponent=tp.AZLS_THM3_WIDTH_EXPONENT, direction="lower"),
        Law("upper", statistic="per draw, max over the ω-region of ‖∇F‖²/F", variable="m",
            exponent=tp.AZLS_THM3_WIDTH_EXPONENT, direction="upper"),
        Law("lower_gram", statistic="per draw, 2λ_min(JJᵀ) at init: min of ‖∇F‖²/F over every target set", variable="m",
            exponent=tp.AZLS_THM3_WIDTH_EXPONENT, direction="lower"),
        Law("upper_gram", statistic="per draw, 2λ_max(JJᵀ) at init: max of ‖∇F‖²/F over every target set", variable="m",
            exponent=tp.AZLS_THM3_WIDTH_EXPONENT, direction="upper"),
        # Ω(F δ m/(d n²)): the lower bound falls like n⁻² (true n-exponent ≥ −2) and does not fall with L (≥ 0);
        # O(F L n m/d): the upper bound grows like n and like L (exponents ≤ 1)
        Law("lower_gram_region", statistic="per draw, min over the ω-region of 2λ_min(JJᵀ) (every target set and every W̃: "
            "random, parked/greedy, projected descent on λ_min), m ≤ 256 (quick)", variable="m",
            exponent=tp.AZLS_THM3_WIDTH_EXPONENT, direction="lower"),
        # Ω(F δ m/(d n²)) as δ → 0: the ratio falls at most like δ (the true δ-exponent is at most 1)
        Law("lower_gram_delta", statistic="per draw, min over the ω-region of 2λ_min(JJᵀ)/m (as lower_gram_region), n = 3, "
            "one pair at distance exactly δ, m = ⌈16/δ⌉ and ω = 0.01(δ/0.1)^{3/2} (Theorem 3's m ≥ poly(δ⁻¹), "
            "ω ≤ 1/poly(δ⁻¹)), against δ", variable="delta", exponent=1.0, direction="upper"),
        Law("lower_gram_init_delta", statistic="as lower_gram_delta, 2λ_min(JJᵀ)/m at init (ω = 0)", variable="delta",
            exponent=1.0, direction="upper", decides=False),
        Law("lower_n", statistic="as lower, m = 128, L = 2, against n", variable="n", exponent=-2.0, direction="lower"),
        Law("upper_n", statistic="as upper, m = 128, L = 2, against n", variable="n", exponent=1.0, direction="upper"),
        Law("lower_gram_n", statistic="as lower_gram, m = 128, against n", variable="n", exponent=-2.0, direction="lower"),
        Law("lower_L", statistic="as lower, m = 128, n = 3, against L", variable="L", exponent=0.0, direction="lower"),
        Law("upper_L", statistic="as upper, m = 128, n = 3, against L", variable="L", exponent=1.0, direction="upper"),
    ),
    "AZLS-thm4": (
        # the ratio to the sum of the two terms with both constants set to 1 is not the theorem's claim (the
        # constants C₁, C₂ are independent: R = C₂T₂t² gives R/(T₁t + T₂t²) = C₂/(1 + T₁/(T₂t)), which rises
        # with m towards C₂); reported only — the t² coefficient against T₂'s m decides
        Law("constant", statistic="per draw, max_t worst residual/(nL²m/d t² + √(nm log m/d) t √F(W̆)) (both constants 1)",
            variable="m", exponent=0.0, direction="upper", decides=False),
        Law("second_order", statistic="per draw, the t² coefficient b of R(t) ≈ a t + b t² (non-negative least squares)",
            variable="m", exponent=1.0, direction="upper"),
        Law("first_order", statistic="per draw, the t coefficient a at a random W̆ (NNLS; 0 when the search finds no "
            "first-order part, so it is reported, not fitted against the bound)",
            variable="m", exponent=0.5, direction="upper", decides=False),
        Law("first_order_parked", statistic="per draw, a/√(F(W̆) log m), a = worst R(t)/t at ‖W′‖₂ = 1e-4, W̆ parked by "
            "the flip construction (pre-activations just past zero): the first-order term's √(m log m) √F", variable="m",
            exponent=0.5,
            direction="upper"),
    ),
}

def _draws(cells_fn, k: int):
    """The statement's cells with draw index < k (a control needs fewer draws)."""
    def cells(profile: str, seed: int = 0) -> list[dict]:
        return [c for c in cells_fn(profile, seed=seed) if c.get("draw", 0) < k]
    return cells


def _with(cells_fn, extra: dict):
    def cells(profile: str, seed: int = 0) -> list[dict]:
        return [c | extra for c in cells_fn(profile, seed=seed)]
    return cells


CONTROLS: dict[str, Control] = {
    "ZCZG-5.3.i": Control("perturbations of spectral norm 2τ (beyond the region ‖W̃ − W‖₂ ≤ τ the bound is computed for)",
                          params={"radius_factor": 2.0}),
    "ZCZG-B.2": Control("search at radius 2τ, bound 8^Lτ/7 at τ (a radius beyond the region): at L = 1 the aligned "
                        "deviation 2τ exceeds 8τ/7", cells=_with(_regime_cells(b2_cells, 5), {"radius_factor": 2.0})),
    "ZCZG-B.3": Control("search at radius 100τ, bound 3·4m τ^{2/3} at τ (a radius beyond the region)",
                        cells=_with(_regime_cells(b3_cells, 5), {"radius_factor": 100.0})),
    "ZCZG-B.4": Control("search at radius 1000τ (= 0.1), bound 3n·4m τ^{2/3} at τ = 1e-4 (a radius beyond the region)",
                        cells=_with(_regime_cells(b4_cells, 5), {"radius_factor": 1000.0})),
    "ZCZG-B.1": Control("a region that grows with the width, radius τ·M/32 (beyond the region ‖W̃ − W‖₂ ≤ τ): the "
                        "increment's √M τ term becomes M^{3/2}τ/32 and Γ̃ grows faster than M^{1/2}",
                        cells=lambda profile, seed=0: [c | {"radius_factor": c["m"] / 32} for c in b1_cells(profile, seed)
                                                       if c["draw"] < 2]),
    "ZCZG-B.5": Control("mis-scaled initialisation: W_l entries N(0, 2/m²) (W_l × m^{−1/2}): ‖x_{L−1}‖² ∝ 1/m, the gradient "
                        "no longer grows with m (width sweeps only)",
                        cells=_with(lambda profile, seed=0: [c for c in b5_cells(profile, seed) if c["sweep"] in ("width_003", "width_000")],
                                    {"weight_scale_power": -0.5})),
    "ZCZG-B.6": Control("mis-scaled output layer: v with entries ±16 instead of ±1", cells=_with(_regime_cells(b6_cells, 5),
                                                                                            {"head_scale": 16.0})),
    "AZLS-step2.signs": Control("radius ω + 0.05: the region does not shrink as ω → 0 (beyond the region)",
                                cells=_with(lambda profile, seed=0: [c for c in signs_cells(profile, seed) if c["sweep"] == "omega" and c["draw"] < 1],
                                            {"omega_floor": 0.05})),
    "AZLS-step2.forward": Control("layers that grow geometrically: every W_l × 2 (‖h_l‖ doubles per layer), on the depth sweep",
                                  cells=_with(lambda profile, seed=0: [c for c in forward_cells(profile, seed) if c["sweep"] == "depth"],
                                              {"weight_scale": 2.0})),
    "AZLS-step2.backward": Control("radius ω + 0.05: the region does not shrink as ω → 0 (beyond the region; the m = 64 "
                                   "sweep, where it is cheap)",
                                   cells=_with(lambda profile, seed=0: [c for c in backward_cells(profile, seed)
                                                                        if c["sweep"] == "omega"], {"omega_floor": 0.05})),
    "AZLS-thm3": Control("mis-scaled initialisation: W_l × m^{−1/2} (entries N(0, 2/m²)): ‖∇F‖²/F no longer grows with m",
                         cells=lambda profile, seed=0: [{k: v for k, v in c.items() if k != "gram_region"}
                                                        | {"m": m, "weight_scale_power": -0.5, "seed": _sub_seed(c["seed"], m)}
                                                        for c in thm3_cells(profile, seed)[:4] for m in (32, 64, 128, 256)]),
    "AZLS-thm4": Control("mis-scaled initialisation: W_l × m^{1/2} (entries N(0, 2)): the output and its curvature grow with m",
                         cells=_with(lambda profile, seed=0: [c for c in thm4_cells(profile, seed)
                                                              if c["sweep"] == "width" or c["draw"] < 1],
                                     {"weight_scale_power": 0.5})),
}


def _reg(sid, source, cells, run_cell, measure, plot=None):
    register(sid, source=source, cells=cells, run_cell=run_cell, measure=measure, parts=PARTS[sid], control=CONTROLS[sid],
             plot=plot)


_reg("ZCZG-5.3.i", "ZCZG 003, Theorem 5.3(i) (Appendix B, first line)", w_tilde_cells, w_tilde_run_cell, w_tilde_measure)
_reg("ZCZG-B.2", "ZCZG 003, Lemma B.2 (Theorem 5.3(ii))", b2_cells, b2_run_cell, b2_measure, b2_plot)
_reg("ZCZG-B.3", "ZCZG 003, Lemma B.3 (Theorem 5.3(iii))", b3_cells, b3_run_cell, b3_measure, b3_plot)
_reg("ZCZG-B.4", "ZCZG 003, Lemma B.4", b4_cells, b4_run_cell, b4_measure)
_reg("ZCZG-B.1", "ZCZG 003, Lemma B.1 (Theorem 5.3(iv))", b1_cells, b1_run_cell, b1_measure, b1_plot)
_reg("ZCZG-B.5", "ZCZG 003, Lemma B.5 (Theorem 5.3(v)); 000 Lemma 5.2", b5_cells, b5_run_cell, b5_measure, b5_plot)
_reg("ZCZG-B.6", "ZCZG 003, Lemma B.6 (Theorem 5.3(vi)); 000 Lemma 5.2", b6_cells, b6_run_cell, b6_measure)
_reg("AZLS-step2.signs", "AZLS 002, Section 4 Step 2(a) (Appendix B)", signs_cells, signs_run_cell, signs_measure, signs_plot)
_reg("AZLS-step2.forward", "AZLS 002, Section 4 Step 2(b)", forward_cells, forward_run_cell, forward_measure, forward_plot)
_reg("AZLS-step2.backward", "AZLS 002, Section 4 Step 2 (backward matrix)", backward_cells, backward_run_cell, backward_measure,
     backward_plot)
_reg("AZLS-thm3", "AZLS 002, Theorem 3", thm3_cells, thm3_run_cell, thm3_measure, thm3_plot)
_reg("AZLS-thm4", "AZLS 002, Theorem 4 (semi-smoothness)", thm4_cells, thm4_run_cell, thm4_measure, thm4_plot)
