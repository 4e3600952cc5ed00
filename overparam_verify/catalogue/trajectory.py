"""Catalogue family 'trajectory': the iterates of GD/SGD (ZCZG 000 Lemma 5.3, eqs. 5.1/5.5, proof
of Theorem 4.4, Section 6 Figures 1–3; ZCZG 003 Lemmas 5.5/5.7, C.2, C.3, C.5, Theorems 4.1/4.5;
AZLS 002 Theorem 1 and Theorem 5 footnote 7). See the package docstring for the protocol.

Common setup (unless a cell says otherwise): ZCZG's :class:`DeepReLUNet` (He init, fixed ±1 v),
logistic (cross-entropy) loss, data ``separated_sphere(n, d, φ, mu=μ)`` (000 Assumptions 4.1–4.2),
GD at the calibrated step rule :func:`~overparam_verify.theory.trajectory.descent_step_size`.
Every ``*_cells(profile, seed=0)`` takes a ``seed`` so the property tests can run the same sweep on a
Hypothesis-drawn seed; the registry calls them with the default.
"""
from __future__ import annotations

import functools
import math
from typing import Any

import numpy as np
import torch

from . import Judgement, register
from .. import data as _data
from .. import stats
from ..losses import get_loss
from ..network import AZLSNet, DeepReLUNet
from ..training import TrainingDivergedError, train
from ..metrics import trajectory as mt
from ..theory import trajectory as tt
from ._cells import check_profile as _profile, loglog_plot

Results = list[tuple[dict, dict]]
DELTA = tt.THM44_DELTA

__all__ = [
    "descent_cells", "descent_run_cell", "descent_summarize", "descent_plot",
    "region_cells", "region_run_cell", "region_summarize",
    "l55_cells", "l55_run_cell", "l55_summarize",
    "c2_cells", "c2_run_cell", "c2_summarize", "c3_run_cell", "c3_summarize",
    "c5_cells", "c5_run_cell", "c5_summarize",
    "thm44_cells", "thm44_run_cell", "thm44_summarize",
    "fig_cells", "fig1_cells", "fig1_run_cell", "fig1_summarize", "fig2_run_cell", "fig2_summarize",
    "fig3_run_cell", "fig3_summarize",
    "azls1_cells", "azls1_run_cell", "azls1_summarize",
    "ce_cells", "ce_run_cell", "ce_summarize",
    "setup",
]


def _sub_seed(seed: int, *parts: int) -> int:
    h = int(seed)
    for q in parts:
        h = (h * 1000003 + int(q) * 7919 + 12345) % (2**31 - 1)
    return h


@functools.lru_cache(maxsize=32)
def _data_cached(n: int, d: int, phi: float, mu: float, seed: int):
    return _data.separated_sphere(n, d, phi, mu=mu, seed=seed)


def setup(params: dict) -> tuple[DeepReLUNet, torch.Tensor, torch.Tensor]:
    """The (net, X, y) of a ZCZG cell: ``n, d, phi, mu, m, L, seed`` (data seed = seed, init seed =
    seed + 1)."""
    X, y = _data_cached(params["n"], params["d"], params["phi"], params.get("mu", 0.5), params["seed"])
    net = DeepReLUNet.gaussian_init(params["d"], [params["m"]] * params["L"], seed=params["seed"] + 1)
    return net, X, y


BASE = {"n": 12, "d": 10, "phi": 0.3, "mu": 0.5}


def _fit(x, y):
    try:
        return stats.loglog_fit(x, y)
    except ValueError:
        return None


def _loglog_plot(ax, x, y, exponent: float | None, label: str, xlabel: str) -> None:
    loglog_plot(ax, x, y, exponent, label=label, xlabel=xlabel)


def _median_by(results: Results, key: str, xkey: str = "m") -> tuple[list[float], list[float]]:
    by: dict[float, list[float]] = {}
    for p, r in results:
        if r.get(key) is not None and math.isfinite(r[key]) and r[key] > 0:
            by.setdefault(p[xkey], []).append(r[key])
    xs = sorted(by)
    return [float(x) for x in xs], [float(np.median(by[x])) for x in xs]


# ============================================================================ ZCZG-descent (W + frontier)
def descent_cells(profile: str, seed: int = 0) -> list[dict]:
    """000 Lemma 5.3 / eq. (5.5): GD at η = descent_step_size(M, L) for ``steps`` steps, and the
    monotonicity frontier η*(m) by bisection (``frontier_steps`` steps) — widths ≥ 4 geometric."""
    p = _profile(profile)
    widths = {"ci": [32, 64, 128, 256], "quick": [32, 64, 128, 256], "full": [32, 64, 128, 256, 512, 1024, 2048]}[p]
    # ≥ 2 draws per width: the frontier slope is fitted on every draw (not on one draw per width,
    # whose 4-point fit had 2 degrees of freedom and, by chance, over-narrow intervals)
    reps = {"ci": 2, "quick": 3, "full": 8}[p]
    Ls = {"ci": [2], "quick": [2], "full": [1, 2, 3]}[p]
    steps = {"ci": 20, "quick": 30, "full": 100}[p]
    iters = {"ci": 7, "quick": 8, "full": 12}[p]
    return [BASE | {"m": m, "L": L, "seed": _sub_seed(seed, m, L, r), "steps": steps, "frontier_steps": 20,
                    "iters": iters} for L in Ls for m in widths for r in range(reps)]


def descent_run_cell(params: dict) -> dict:
    net, X, y = setup(params)
    M, L = params["m"], params["L"]
    eta = tt.descent_step_size(M, L)
    _, tr = train(net, X, y, lr=eta, steps=params["steps"])
    gaps = mt.descent_gaps(tr, eta)
    tol = mt.descent_tolerance(tr)
    g2 = mt.total_grad_sq(tr)[:-1]
    viol = mt.first_violation(tr, eta, "sufficient")
    # worst gap relative to the guaranteed decrease (η/2)‖∇‖²: ≤ 0 holds
    rel = float(((gaps - tol) / (0.5 * eta * g2).clamp_min(1e-300)).max())
    front = mt.descent_frontier(net, X, y, params["frontier_steps"], criterion="monotone",
                                lo=1e-3 * eta, hi=1e3 * eta, iters=params["iters"])
    return {"eta": eta, "failed": int(viol is not None), "first_violation": viol, "worst_rel_gap": rel,
            "frontier": front, "frontier_times_ML3": front * M * L**3,
            "final_loss": float(tr.loss[-1]), "initial_loss": float(tr.loss[0])}


def descent_summarize(results: Results) -> Judgement:
    F = sum(r["failed"] for _, r in results)
    T = len(results)
    b = stats.binomial_check(F, T, DELTA)
    figs: dict[str, Any] = {"failures": F, "trials": T, "delta": DELTA, "p_value": b.p_value,
                            "slack": 1.0 + max(r["worst_rel_gap"] for _, r in results),
                            "step_rule": f"eta = {tt.DESCENT_C:g}/(M L^3)",
                            "min_frontier_times_ML3": min(r["frontier_times_ML3"] for _, r in results)}
    note = "sufficient descent at every step in the regime"
    for L in sorted({p["L"] for p, _ in results}):
        sub = [(p, r) for p, r in results if p["L"] == L]
        xs, ys = _median_by(sub, "frontier")
        figs[f"frontier_L{L}"] = dict(zip([int(x) for x in xs], ys))  # medians, for the report
        pts = [(p["m"], r["frontier"]) for p, r in sub if r["frontier"] > 0 and math.isfinite(r["frontier"])]
        fit = _fit([a for a, _ in pts], [b for _, b in pts])  # every draw
        if fit is not None:
            ok = fit.ci[1] >= tt.DESCENT_FRONTIER_EXPONENT  # not significantly faster than m^{-1}
            figs[f"frontier_slope_L{L}"] = fit.slope
            figs[f"frontier_ci_L{L}"] = list(fit.ci)
            figs[f"frontier_consistent_L{L}"] = bool(ok)
            if L == min(p["L"] for p, _ in results):
                figs |= {"slope": fit.slope, "ci": list(fit.ci), "theory_exponent": tt.DESCENT_FRONTIER_EXPONENT,
                         "constant": fit.constant}
    if any(v is False for k, v in figs.items() if k.startswith("frontier_consistent")):
        note += "; the monotonicity frontier η*(m) decays faster than m^{-1} (rule η ∝ 1/M not safe as m grows)"
    return Judgement("holds" if b.holds else "violated", figs, note)


def descent_plot(results: Results, judgement: Judgement, ax) -> None:
    """The monotonicity frontier η*(m) per width (log-log), its fit and the theory's m^{-1}."""
    L = min(p["L"] for p, _ in results)
    xs, ys = _median_by([(p, r) for p, r in results if p["L"] == L], "frontier")
    _loglog_plot(ax, xs, ys, tt.DESCENT_FRONTIER_EXPONENT, f"η*(m), L={L}", "m")
    ax.loglog(xs, [tt.descent_step_size(int(x), L) for x in xs], ":", label="step rule c/(ML³)")
    ax.legend(fontsize=7)


register("ZCZG-descent", source="ZCZG 000, Lemma 5.3 and eqs. (5.1)/(5.5); Theorem 4.4 (η = O(M⁻¹L⁻³))",
         cells=descent_cells, run_cell=descent_run_cell, summarize=descent_summarize, plot=descent_plot)


# ============================================================================ ZCZG-thm4.4-region (E)
REGION_MULTS = (1.0, 4.0, 16.0, 64.0)


def region_cells(profile: str, seed: int = 0) -> list[dict]:
    """000 proof of Theorem 4.4: on the sufficient-descent prefix of GD runs at η = mult × rule
    (inside and outside the regime), ``‖W_l⁽ᵏ⁾ − W_l⁽⁰⁾‖₂ ≤ √(2kη(L_S⁽⁰⁾ − L_S⁽ᵏ⁾))``."""
    p = _profile(profile)
    widths = {"ci": [32, 128], "quick": [32, 128], "full": [32, 128, 512]}[p]
    reps = {"ci": 1, "quick": 1, "full": 4}[p]
    return [BASE | {"m": m, "L": 2, "mult": c, "steps": 20, "seed": _sub_seed(seed, m, r, int(c))}
            for m in widths for c in REGION_MULTS for r in range(reps)]


def region_run_cell(params: dict) -> dict:
    net, X, y = setup(params)
    eta = params["mult"] * tt.descent_step_size(params["m"], params["L"])
    try:
        _, tr = train(net, X, y, lr=eta, steps=params["steps"])
    except TrainingDivergedError as e:
        tr = e.trace
    if tr is None or len(tr) < 2:
        return {"prefix": 0, "max_violation": 0.0, "max_ratio": 0.0, "max_ratio_init": 0.0, "steps": 0}
    return mt.region_check(tr, eta)


def region_summarize(results: Results) -> Judgement:
    worst = max(r["max_violation"] for _, r in results)
    checked = sum(r["prefix"] for _, r in results)
    figs = {"max_violation": worst, "examples": len(results), "iterates_checked": checked,
            "max_ratio": max(r["max_ratio"] for _, r in results),
            "max_ratio_init": max(r["max_ratio_init"] for _, r in results)}
    ok = worst <= tt.ROUNDING_RTOL
    return Judgement("holds" if ok else "violated", figs,
                     "checked on every iterate of the sufficient-descent prefix (E, float64)")


register("ZCZG-thm4.4-region", source="ZCZG 000, proof of Theorem 4.4 (after eq. 5.5)", cells=region_cells,
         run_cell=region_run_cell, summarize=region_summarize)


# ============================================================================ ZCZG-5.5 / 5.7 (E given B.6)
def l55_cells(profile: str, seed: int = 0) -> list[dict]:
    """003 Lemmas 5.5 (GD) and 5.7 (SGD, minibatch B = n/2): τ = 1/2, T = τ/(4^L M^{1/2} ρ),
    η = T/steps so that kη ≤ T for every k ≤ steps."""
    p = _profile(profile)
    widths = {"ci": [64], "quick": [64, 256], "full": [64, 256, 1024]}[p]
    return [BASE | {"m": m, "L": 2, "tau": 0.5, "steps": 10, "batch": b, "seed": _sub_seed(seed, m, b or 0)}
            for m in widths for b in (None, 6)]


def l55_run_cell(params: dict) -> dict:
    net, X, y = setup(params)
    L, M = params["L"], params["m"]
    rho = get_loss("logistic").rho
    T = tt.lemma55_T(params["tau"], L, M, rho)
    eta = T / params["steps"]
    nets, batches = mt.gd_path(net, X, y, eta, params["steps"], batch_size=params["batch"], seed=params["seed"])
    b6 = mt.minibatch_b6_ratios(nets, batches, X, y, eta)
    W0 = net.weights
    dist = max(float(torch.linalg.matrix_norm(Wk - Wz, ord=2)) for nt in nets for Wk, Wz in zip(nt.weights, W0))
    return {"eta": eta, "T": T, "max_dist": dist, "over_tau": dist / params["tau"],
            "b6_ratio": b6["b6_ratio"], "b6_held": bool(b6["b6_ratio"] <= 1 + tt.ROUNDING_RTOL),
            "path_length": b6["path_length"], "path_excess": dist - b6["path_length"],
            "update_error": b6["max_update_error"]}


def l55_summarize(results: Results) -> Judgement:
    cond = [(p, r) for p, r in results if r["b6_held"]]
    figs = {"examples": len(results), "b6_held_cells": len(cond),
            "slack": max((r["over_tau"] for _, r in results), default=math.nan),
            "max_violation": max((r["over_tau"] - 1 for _, r in cond), default=-1.0),
            "max_path_excess": max(r["path_excess"] for _, r in results),
            "max_b6_ratio": max(r["b6_ratio"] for _, r in results),
            "max_update_error": max(r["update_error"] for _, r in results)}
    ok = all(r["over_tau"] <= 1 + tt.ROUNDING_RTOL for _, r in cond) and all(
        r["path_excess"] <= tt.ROUNDING_RTOL * max(1.0, r["path_length"]) for _, r in results)
    if not cond:
        return Judgement("inconclusive", figs, "B.6 failed on every path: the lemma's hypothesis never held")
    return Judgement("holds" if ok else "violated", figs,
                     "GD and SGD (minibatch B.6 bound from theory.perturbation) stay in B(W⁽⁰⁾, τ) for kη ≤ T")


register("ZCZG-5.5", source="ZCZG 003, Lemmas 5.5 and 5.7 (proofs C.1, C.3)", cells=l55_cells,
         run_cell=l55_run_cell, summarize=l55_summarize)


# ============================================================================ ZCZG-C.2 and C.3 (W)
def c2_cells(profile: str, seed: int = 0) -> list[dict]:
    """003 Lemmas C.2/C.3: GD at η = rule/4 for a few steps (the lemmas need the iterates within
    τ ≤ 3.5·8^{-L} of W⁽⁰⁾: ``in_regime``)."""
    p = _profile(profile)
    widths = {"ci": [64, 256], "quick": [64, 128, 256], "full": [64, 128, 256, 512, 1024]}[p]
    reps = {"ci": 2, "quick": 3, "full": 10}[p]
    return [BASE | {"m": m, "L": 2, "steps": 5, "seed": _sub_seed(seed, m, r)} for m in widths for r in range(reps)]


@functools.lru_cache(maxsize=64)
def _c23(key: tuple) -> dict:
    params = dict(key)
    net, X, y = setup(params)
    eta = tt.descent_step_size(params["m"], params["L"]) / 4
    nets, _ = mt.gd_path(net, X, y, eta, params["steps"])
    out = mt.c2_c3_ratios(nets, X, y, eta)
    out["in_regime"] = bool(out["radius"] <= tt.c_tau_max(params["L"]))
    return out


def c2_run_cell(params: dict) -> dict:
    r = _c23(tuple(sorted(params.items())))
    return {"ratio": r["c2_ratio"], "in_regime": r["in_regime"], "radius": r["radius"], "x_norm_max": r["x_norm_max"]}


def c3_run_cell(params: dict) -> dict:
    r = _c23(tuple(sorted(params.items())))
    return {"ratio": r["c3_ratio"], "in_regime": r["in_regime"], "radius": r["radius"], "x_norm_max": r["x_norm_max"]}


def _w_ratio_summary(results: Results, what: str) -> Judgement:
    inr = [(p, r) for p, r in results if r["in_regime"]]
    figs: dict[str, Any] = {"slack_all": max(r["ratio"] for _, r in results)}
    if not inr:
        return Judgement("inconclusive", figs, "no cell within τ ≤ 3.5·8^{-L}")
    F = sum(int(r["ratio"] > 1) for _, r in inr)
    b = stats.binomial_check(F, len(inr), DELTA)
    figs |= {"slack": max(r["ratio"] for _, r in inr), "failures": F, "trials": len(inr), "delta": DELTA,
             "p_value": b.p_value, "min_width_held": min(p["m"] for p, r in inr if r["ratio"] <= 1)
             if any(r["ratio"] <= 1 for _, r in inr) else None}
    return Judgement("holds" if b.holds else "violated", figs, f"{what}: slack = max measured/bound (2^{{5L}} is very loose)")


def c2_summarize(results: Results) -> Judgement:
    return _w_ratio_summary(results, "C.2 ‖x⁽ᵏ⁺¹⁾_{l,i} − x⁽ᵏ⁾_{l,i}‖")


def c3_summarize(results: Results) -> Judgement:
    return _w_ratio_summary(results, "C.3 |Δ_i⁽ᵏ⁾|")


register("ZCZG-C.2", source="ZCZG 003, Lemma C.2 (proof D.2)", cells=c2_cells, run_cell=c2_run_cell,
         summarize=c2_summarize)
register("ZCZG-C.3", source="ZCZG 003, Lemma C.3 eq. (C.2) (proof D.3)", cells=c2_cells, run_cell=c3_run_cell,
         summarize=c3_summarize)


# ============================================================================ ZCZG-C.5 (E)
def c5_cells(profile: str, seed: int = 0) -> list[dict]:
    """003 Lemma C.5 by enumeration of all C(n, B) minibatches, exact rationals."""
    p = _profile(profile)
    ns = {"ci": [2, 5, 8], "quick": [2, 5, 8, 10], "full": [2, 5, 8, 10, 12, 14]}[p]
    return [{"n": n, "B": B, "seed": _sub_seed(seed, n, B)} for n in ns for B in range(1, n + 1)]


def c5_values(n: int, seed: int) -> list:
    """Integers with Σ u_i = 0 (drawn from a seeded generator, last one balances the sum)."""
    from fractions import Fraction

    g = torch.Generator().manual_seed(int(seed))
    u = [int(v) for v in torch.randint(-50, 51, (n - 1,), generator=g)]
    return [Fraction(v) for v in u] + [Fraction(-sum(u))]


def c5_run_cell(params: dict) -> dict:
    u = c5_values(params["n"], params["seed"])
    e = mt.c5_enumerate(u, params["B"])
    exact = tt.c5_second_moment(u, params["B"])
    bound = tt.c5_bound(u, params["B"])
    return {"enumerated": float(e), "closed_form_equal": bool(e == exact), "bound": float(bound),
            "holds": bool(e <= bound), "ratio": float(e / bound) if bound else 0.0}


def c5_summarize(results: Results) -> Judgement:
    bad = [p for p, r in results if not (r["holds"] and r["closed_form_equal"])]
    figs = {"examples": len(results), "max_violation": max(r["enumerated"] - r["bound"] for _, r in results),
            "max_ratio": max(r["ratio"] for _, r in results), "failing": bad[:5]}
    return Judgement("violated" if bad else "holds", figs,
                     "exact (Fraction) enumeration; equals (n−B)/(B(n−1))·E[u²] (proof D.5)")


register("ZCZG-C.5", source="ZCZG 003, Lemma C.5 (proof D.5)", cells=c5_cells, run_cell=c5_run_cell,
         summarize=c5_summarize)


# ============================================================================ ZCZG-thm4.4 / 4.1 / 4.5 (W)
def thm44_cells(profile: str, seed: int = 0) -> list[dict]:
    """000 Theorem 4.4 / 003 Theorem 4.1 (GD, last iterate) and 003 Theorem 4.5 (SGD, best
    iterate, B = n/2): reach ε = ℓ(0)/n (⇒ zero training error, 003 Corollary 4.4) within K steps at
    the step rule, m = 256, L = 2."""
    p = _profile(profile)
    reps = {"ci": 3, "quick": 5, "full": 20}[p]
    return [BASE | {"m": 256, "L": 2, "steps": 600, "batch": b, "seed": _sub_seed(seed, r, b or 0)}
            for r in range(reps) for b in (None, 6)]


def thm44_run_cell(params: dict) -> dict:
    net, X, y = setup(params)
    eta = tt.descent_step_size(params["m"], params["L"])
    eps = get_loss("logistic").ell0() / params["n"]
    _, tr = train(net, X, y, lr=eta, steps=params["steps"], batch_size=params["batch"], seed=params["seed"],
                  trace=False)
    best = int(torch.argmin(tr.loss))
    L_used = float(tr.loss[-1]) if params["batch"] is None else float(tr.loss[best])
    err = float(tr.train_error[-1]) if params["batch"] is None else float(tr.train_error[best])
    return {"eps": eps, "loss": L_used, "train_error": err, "reached": bool(L_used <= eps),
            "zero_error": bool(err == 0.0), "eta": eta}


def thm44_summarize(results: Results) -> Judgement:
    figs: dict[str, Any] = {}
    ok = True
    for name, sel in (("gd", lambda p: p["batch"] is None), ("sgd", lambda p: p["batch"] is not None)):
        sub = [r for p, r in results if sel(p)]
        if not sub:
            continue
        F = sum(int(not (r["reached"] and r["zero_error"])) for r in sub)
        b = stats.binomial_check(F, len(sub), DELTA)
        figs |= {f"{name}_failures": F, f"{name}_trials": len(sub), f"{name}_p_value": b.p_value,
                 f"{name}_max_loss_over_eps": max(r["loss"] / r["eps"] for r in sub)}
        ok &= b.holds
    figs |= {"failures": figs.get("gd_failures", 0) + figs.get("sgd_failures", 0),
             "trials": len(results), "delta": DELTA,
             "slack": max(r["loss"] / r["eps"] for _, r in results)}
    return Judgement("holds" if ok else "violated", figs,
                     "GD last iterate / SGD best iterate reach ε = ℓ(0)/n and zero training error")


register("ZCZG-thm4.4", source="ZCZG 000 Theorem 4.4; 003 Theorems 4.1 and 4.5, Corollaries 4.4/4.7",
         cells=thm44_cells, run_cell=thm44_run_cell, summarize=thm44_summarize)


# ============================================================================ ZCZG-fig1/2/3 (S)
def fig_cells(profile: str, seed: int = 0) -> list[dict]:
    """000 Section 6, Figures 2–3: GD at the step rule η = c/(ML³) (so the dynamics in function
    space do not depend on m), stopped at the first step with L_S ≤ ``target`` (else at ``steps``)."""
    p = _profile(profile)
    widths = {"ci": [32, 64, 128, 256], "quick": [32, 64, 128, 256, 512], "full": [32, 64, 128, 256, 512, 1024, 2048]}[p]
    reps = {"ci": 1, "quick": 2, "full": 6}[p]
    return [BASE | {"m": m, "L": 2, "steps": 150, "target": 0.2, "seed": _sub_seed(seed, r)}
            for m in widths for r in range(reps)]


def fig1_cells(profile: str, seed: int = 0) -> list[dict]:
    """000 Figure 1: one fixed small step size (the rule at the widest m) for every width; the
    loss after ``steps`` steps."""
    cells = fig_cells(profile, seed)
    mmax = max(c["m"] for c in cells)
    return [c | {"fixed_eta": tt.descent_step_size(mmax, c["L"]), "steps": 60} for c in cells]


@functools.lru_cache(maxsize=64)
def _fig_run(key: tuple) -> dict:
    params = dict(key)
    net, X, y = setup(params)
    eta = params.get("fixed_eta") or tt.descent_step_size(params["m"], params["L"])
    _, tr = train(net, X, y, lr=eta, steps=params["steps"], trace="fixed_eta" not in params)
    hit = torch.nonzero(tr.loss <= params.get("target", -1.0)).flatten()
    k = int(hit[0]) if hit.numel() else len(tr) - 1
    total = params["n"] * params["m"] * params["L"]
    return {"k": k, "loss": float(tr.loss[k]), "final_loss": float(tr.loss[-1]),
            "dist": float(tr.dist_spectral[k].max()), "dist_frobenius": float(tr.dist_frobenius[k].max()),
            "sign_ratio": float(tr.sign_changes[k].sum()) / total,
            "reached": bool(hit.numel()), "eta": eta}


def fig1_run_cell(params: dict) -> dict:
    return _fig_run(tuple(sorted(params.items())))


def fig2_run_cell(params: dict) -> dict:
    return _fig_run(tuple(sorted(params.items())))


fig3_run_cell = fig2_run_cell


def _s_summary(results: Results, key: str, exponent: float, what: str, *, need_falling: bool = True) -> Judgement:
    xs, ys = _median_by(results, key)
    fit = _fit(xs, ys)
    if fit is None:
        return Judgement("inconclusive", {"points": len(xs)}, "fewer than 3 widths")
    # the falling trend must be *detected*: per-example level, no Bonferroni widening (which
    # would make detection harder, not the check more careful); the bound uses the family level
    falling = stats.loglog_fit(xs, ys, familywise=False).ci[1] < 0
    consistent = fit.consistent_with(exponent, upper_bound=True)
    monotone = all(b < a for a, b in zip(ys, ys[1:]))
    figs = {"slope": fit.slope, "ci": list(fit.ci), "theory_exponent": exponent, "constant": fit.constant,
            "constants_at_theory": fit.constant_at(exponent), "monotone": monotone, "r2": fit.r2,
            "per_width": dict(zip([int(x) for x in xs], ys))}
    ok = (falling or not need_falling) and consistent
    return Judgement("holds" if ok else "violated", figs, what)


def fig1_summarize(results: Results) -> Judgement:
    return _s_summary(results, "final_loss", tt.FIG1_EXPONENT,
                      "loss after a fixed number of steps at one fixed η falls with m (slope CI < 0)")


def fig2_summarize(results: Results) -> Judgement:
    return _s_summary(results, "dist", tt.FIG2_EXPONENT,
                      "max_l ‖W_l − W_l⁽⁰⁾‖₂ when L_S first ≤ target; theory Õ(m^{-1/2}) (upper bound)")


def fig3_summarize(results: Results) -> Judgement:
    return _s_summary(results, "sign_ratio", tt.FIG3_EXPONENT,
                      "fraction of activation signs changed since init; B.3 with τ ∝ m^{-1/2} gives O(m^{-1/3})")


def _fig_plot(key: str, exponent: float | None, label: str):
    def plot(results: Results, judgement: Judgement, ax) -> None:
        xs, ys = _median_by(results, key)
        _loglog_plot(ax, xs, ys, exponent, label, "m")
    return plot


register("ZCZG-fig1", source="ZCZG 000, Section 6, Figure 1", cells=fig1_cells, run_cell=fig1_run_cell,
         summarize=fig1_summarize, plot=_fig_plot("final_loss", None, "L_S after K steps"))
register("ZCZG-fig2", source="ZCZG 000, Section 6, Figure 2; proof of Theorem 4.4", cells=fig_cells,
         run_cell=fig2_run_cell, summarize=fig2_summarize, plot=_fig_plot("dist", tt.FIG2_EXPONENT, "‖W−W⁽⁰⁾‖₂"))
register("ZCZG-fig3", source="ZCZG 000, Section 6, Figure 3", cells=fig_cells, run_cell=fig3_run_cell,
         summarize=fig3_summarize, plot=_fig_plot("sign_ratio", tt.FIG3_EXPONENT, "sign-change ratio"))


# ============================================================================ AZLS-thm1 (S)
AZLS_FRACTIONS = (1e-3, 1e-6, 1e-9, 1e-12, 1e-15)


def azls1_cells(profile: str, seed: int = 0) -> list[dict]:
    """AZLS Theorem 1: ℓ₂ regression with :class:`AZLSNet` (A, B fixed), GD at η = c/(n m);
    T(ε) at ε = r·F(W⁽⁰⁾) for r = 10^{-3}, …, 10^{-15}. Linear convergence: past the transient
    (r₀ = 10^{-3}), ``T(ε) − T(ε₀) ∝ log(ε₀/ε)`` (log-log slope 1; an affine T(log 1/ε) with
    an intercept would bias a plain log-log fit of T against log(1/ε))."""
    p = _profile(profile)
    reps = {"ci": 1, "quick": 2, "full": 6}[p]
    return [{"n": 12, "d": 10, "phi": 0.3, "m": 128, "L": 2, "c": 4.0, "steps": 800, "seed": _sub_seed(seed, r)}
            for r in range(reps)]


def azls1_run_cell(params: dict) -> dict:
    X, _ = _data.separated_sphere(params["n"], params["d"], params["phi"], mu=_data.AZLS_MU, seed=params["seed"])
    Y = _data.random_targets(params["n"], 1, seed=params["seed"] + 7)
    net = AZLSNet.gaussian_init(params["d"], params["m"], params["L"], 1, seed=params["seed"] + 1)
    eta = params["c"] / (params["n"] * params["m"])
    # GD in chunks of ``steps`` until the smallest fraction is reached (a slow draw — rate 0.015
    # per step — needs ≈ 2300 steps for 10⁻¹⁵), at most ``max_steps``: the statement is about the
    # rate, not about a step budget chosen here.
    F = mt.train_until(net, X, Y, loss="square", lr=eta, steps=params["steps"],
                       max_steps=int(params.get("max_steps", 8 * params["steps"])),
                       done=lambda F: mt.steps_to_fraction(F, AZLS_FRACTIONS[-1:])[0] is not None)
    T = mt.steps_to_fraction(F, AZLS_FRACTIONS)
    t = np.arange(len(F))
    keep = np.array(F) > 1e-25
    rate = float(np.polyfit(t[keep], np.log(np.array(F)[keep]), 1)[0])
    return {"T": T, "rate": rate, "F0": F[0], "F_final": F[-1]}


def azls1_summarize(results: Results) -> Judgement:
    xs, ys = [], []
    for _, r in results:
        T0 = r["T"][0]
        for f, T in zip(AZLS_FRACTIONS[1:], r["T"][1:]):
            if T is not None and T0 is not None and T > T0:
                xs.append(math.log(AZLS_FRACTIONS[0] / f))
                ys.append(float(T - T0))
    fit = _fit(xs, ys)
    missing = sum(T is None for _, r in results for T in r["T"])
    figs: dict[str, Any] = {"missing": missing, "rates": [r["rate"] for _, r in results]}
    if any(r["rate"] >= 0 for _, r in results):
        return Judgement("violated", figs, "the loss did not decrease geometrically (fitted rate ≥ 0)")
    if fit is None or missing:
        return Judgement("inconclusive", figs, "ε not reached within max_steps although the loss decreased")
    consts = fit.constant_at(tt.AZLS_THM1_EXPONENT)  # (T − T₀)/log(ε₀/ε) per point
    x0 = [math.log(AZLS_FRACTIONS[0] / f) for f in AZLS_FRACTIONS[1:]]
    per_seed = [[(T - r["T"][0]) / x for x, T in zip(x0, r["T"][1:])] for _, r in results]
    spread = max(max(c) / min(c) for c in per_seed)  # per draw: the constant of one trajectory
    # Linear convergence: the constant C in T(ε) − T(ε₀) ≤ C log(ε₀/ε) stays bounded across a 4×
    # range of log(ε₀/ε) (spread ≤ AZLS_THM1_MAX_SPREAD); any sublinear rate T ∝ ε^{-a} would
    # multiply it by e^{a·(x_max − x_min)} ≥ 10^{9a}. The slope CI is reported; a small excess
    # over 1 is the intercept of an affine T(log 1/ε) (a late-ending transient).
    ok = spread <= tt.AZLS_THM1_MAX_SPREAD and all(r["rate"] < 0 for _, r in results)
    figs |= {"slope": fit.slope, "ci": list(fit.ci), "theory_exponent": tt.AZLS_THM1_EXPONENT,
             "constant": fit.constant, "r2": fit.r2, "constants_at_theory": consts, "constant_spread": spread,
             "slope_consistent": fit.consistent_with(tt.AZLS_THM1_EXPONENT, upper_bound=True)}
    return Judgement("holds" if ok else "violated", figs,
                     "T(ε) − T(ε₀) vs log(ε₀/ε): constant bounded (linear convergence); 'rates' = fitted d log F/dt")


def azls1_plot(results: Results, judgement: Judgement, ax) -> None:
    xs = [math.log(AZLS_FRACTIONS[0] / f) for f in AZLS_FRACTIONS[1:]]
    for _, r in results:
        pts = [(x, T - r["T"][0]) for x, T in zip(xs, r["T"][1:]) if T and r["T"][0] is not None]
        ax.loglog([a for a, _ in pts], [b for _, b in pts], "o-")
    ax.set_xlabel("log(eps0/eps)")
    ax.set_ylabel("T(eps) - T(eps0)")


register("AZLS-thm1", source="AZLS 002, Theorem 1", cells=azls1_cells, run_cell=azls1_run_cell,
         summarize=azls1_summarize, plot=azls1_plot)


# ============================================================================ AZLS-thm5.ce (E)
def ce_cells(profile: str, seed: int = 0) -> list[dict]:
    """AZLS Theorem 5, footnote 7: random logits pushed until F = Σ_i CE ≤ 1/4 (check accuracy
    100 %), and an AZLSNet trained by GD on multi-class CE (every iterate with F ≤ 1/4)."""
    p = _profile(profile)
    reps = {"ci": 10, "quick": 30, "full": 200}[p]
    cells = [{"kind": "logits", "n": 2 + r % 7, "K": 2 + r % 4, "seed": _sub_seed(seed, r)} for r in range(reps)]
    cells.append({"kind": "trained", "n": 9, "K": 3, "m": 64, "L": 2, "seed": _sub_seed(seed, 999)})
    return cells


def ce_logits(n: int, K: int, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Random logits (n, K) and labels, then the label logit raised until F = Σ CE ≤ 1/4 — the
    raise is the smallest uniform one found by bisection, so F lands just below 1/4."""
    g = torch.Generator().manual_seed(int(seed))
    Z = torch.randn(n, K, generator=g, dtype=torch.float64) * 3
    lab = torch.randint(0, K, (n,), generator=g)
    onehot = torch.nn.functional.one_hot(lab, K).to(torch.float64)
    lo, hi = 0.0, 100.0
    for _ in range(60):
        mid = 0.5 * (lo + hi)
        if float(mt.multiclass_ce(Z + mid * onehot, lab)) <= tt.AZLS_CE_THRESHOLD:
            hi = mid
        else:
            lo = mid
    return Z + hi * onehot, lab


def ce_run_cell(params: dict) -> dict:
    if params["kind"] == "logits":
        Z, lab = ce_logits(params["n"], params["K"], params["seed"])
        F = float(mt.multiclass_ce(Z, lab))
        return {"F": F, "accuracy": mt.accuracy(Z, lab), "checked": int(F <= tt.AZLS_CE_THRESHOLD)}
    X, _ = _data.separated_sphere(params["n"], 10, 0.3, mu=_data.AZLS_MU, seed=params["seed"])
    lab = torch.arange(params["n"]) % params["K"]
    net = AZLSNet.gaussian_init(10, params["m"], params["L"], params["K"], seed=params["seed"] + 1)
    _, Fs, accs = mt.train_multiclass_ce(net, X, lab, lr=1.0 / params["m"], steps=400, stop_below=0.2)
    sel = [a for F, a in zip(Fs, accs) if F <= tt.AZLS_CE_THRESHOLD]
    return {"F": min(Fs), "accuracy": min(sel) if sel else math.nan, "checked": len(sel)}


def ce_summarize(results: Results) -> Judgement:
    checked = [(p, r) for p, r in results if r["checked"]]
    bad = [p for p, r in checked if r["accuracy"] < 1.0]
    figs = {"examples": len(checked), "iterates_checked": sum(r["checked"] for _, r in results),
            "max_violation": 0.0 if not bad else 1.0 - min(r["accuracy"] for _, r in checked),
            "exact_threshold_sum": tt.ce_sum_accuracy_threshold(2),
            "trained_reached": any(p["kind"] == "trained" and r["checked"] for p, r in results)}
    return Judgement("violated" if bad else "holds", figs,
                     "F = Σ_i CE ≤ 1/4 ⇒ every p_{y_i} ≥ e^{-1/4} > 1/2 ⇒ 100 % accuracy; with a *mean* "
                     "objective the claim fails for n ≥ 3 (threshold log 2/n)")


register("AZLS-thm5.ce", source="AZLS 002, Theorem 5 (cross-entropy bullet) and footnote 7", cells=ce_cells,
         run_cell=ce_run_cell, summarize=ce_summarize)
