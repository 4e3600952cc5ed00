"""Catalogue family 'init_backward': backward products and gradient lower bounds at Gaussian
initialization — ZCZG 003 Theorem 5.1 (iv)-(vii) (Lemmas A.7-A.11) and AZLS 002 Section 4,
Step 1 (backward and intermediate matrices). See the package docstring for the protocol.

Every ``*_cells(profile, seed=0)`` takes a ``seed`` so that the property tests can run the same
sweep on a Hypothesis-drawn seed; the registry calls it with the default.
"""
from __future__ import annotations

import math
from typing import Any

import torch

from . import Judgement, register
from .. import data as _data
from .. import stats
from ..network import AZLSNet, DeepReLUNet
from ..metrics import init_backward as mb
from ..theory import init_backward as tb
from ._cells import check_profile as _profile, sub_seed as _sub_seed, loglog_plot

__all__ = [
    "a7_cells", "a7_run_cell", "a7_summarize",
    "a8_cells", "a8_run_cell", "a8_summarize",
    "a9_cells", "a9_run_cell", "a9_summarize",
    "a10_cells", "a10_run_cell", "a10_summarize",
    "a11_cells", "a11_run_cell", "a11_summarize",
    "backward_cells", "backward_run_cell", "backward_summarize",
    "intermediate_cells", "intermediate_run_cell", "intermediate_summarize",
]

Results = list[tuple[dict, dict]]


def _fit(x, y) -> stats.SlopeFit:
    return stats.loglog_fit(x, y)


def _fit_fig(fit: stats.SlopeFit, exponent: float, bound: str, direction: str) -> dict:
    return {
        "slope": fit.slope,
        "ci": list(fit.ci),
        "theory_exponent": exponent,
        "constant": fit.constant,
        "r2": fit.r2,
        "points": fit.n,
        "consistent": tb.slope_consistent(fit.ci, exponent, bound=bound, direction=direction),
    }


def _loglog_plot(ax, x, y, fit: stats.SlopeFit | None, exponent: float, label: str, xlabel: str) -> None:
    loglog_plot(ax, x, y, exponent, label=label, xlabel=xlabel, fit=fit)


def _length_fit(results: Results) -> dict | None:
    """Within the deepest networks of a sweep: max norm over pairs vs the number of masked
    factors k (powers of two), all seeds pooled — a less noisy view of the depth growth."""
    Lmax = max(p["L"] for p, _ in results)
    xs, ys = [], []
    for p, r in results:
        if p["L"] != Lmax:
            continue
        for k, v in enumerate(r["max_by_length"], start=1):
            if k & (k - 1) == 0:
                xs.append(k)
                ys.append(v)
    if len(set(xs)) < 3:
        return None
    f = _fit(xs, ys)
    return {"L": Lmax, "slope": f.slope, "ci": list(f.ci), "depth_rate_supported": tb.depth_rate_supported(f.ci)}


# ============================================================================ ZCZG-A.7 (W)
A7_DELTA = 0.1


def a7_cells(profile: str, seed: int = 0) -> list[dict]:
    """ZCZG 003 Lemma A.7: widths in the regime (C = 1) with R draws each, and a grid of
    narrower widths (the search for the narrowest width where the bound fails)."""
    p = _profile(profile)
    base = {"n": 4, "d": 10, "phi": 0.3, "L": 3, "delta": A7_DELTA, "C": 1.0}
    betas = [0.02] if p != "full" else [0.005, 0.02, 0.08]
    reps = {"ci": 20, "quick": 30, "full": 200}[p]
    cells = []
    for k, beta in enumerate(betas):
        mw = tb.a7_min_width(beta, base["n"], base["L"], base["delta"], C=1.0)
        even = lambda x: 2 * math.ceil(x / 2)  # noqa: E731  (m_L even: v balanced ±1)
        regime = [even(mw), 2 * even(mw), 4 * even(mw)]
        search = sorted({max(2, even(mw * f)) for f in (0.1, 0.15, 0.2, 0.3, 0.45, 0.6, 0.8)} - set(regime))
        if p == "ci":
            regime = regime[:2]
        for m in regime + search:
            cells.append(base | {"m": m, "beta": beta, "reps": reps, "seed": _sub_seed(seed, k, m)})
    return cells


def a7_run_cell(params: dict) -> dict:
    """R independent draws (data and network) at one width: failures of
    ``|S_{l,i}(β)| ≤ 2 m^{3/2} β`` for all l, i (ZCZG 003 Lemma A.7)."""
    m, beta, n, L = int(params["m"]), float(params["beta"]), int(params["n"]), int(params["L"])
    bound = tb.a7_node_count_bound(m, beta)
    fails, worst, ratio_sum, cnt, min_xnorm = 0, 0.0, 0.0, 0, math.inf
    for r in range(int(params["reps"])):
        s = _sub_seed(params["seed"], r)
        X, _ = _data.separated_sphere(n, params["d"], params["phi"], seed=s)
        net = DeepReLUNet.gaussian_init(params["d"], [m] * L, seed=s + 1)
        fwd = net.forward_trace(X)
        counts = mb.near_zero_counts(fwd.preacts, beta)  # (L, n)
        fails += int((counts > bound).any())
        worst = max(worst, float(counts.max()) / bound)
        ratio_sum += float(counts.double().mean()) / (m**1.5 * beta)
        cnt += 1
        xn = [X.norm(dim=1)] + [x.norm(dim=1) for x in fwd.outputs[:-1]]
        min_xnorm = min(min_xnorm, float(torch.stack(xn).min()))
    reg = tb.a7_regime(m, beta, n, L, params["delta"], C=params["C"])
    return {
        "failures": fails,
        "trials": cnt,
        "slack": worst,
        "mean_count_over_m32beta": ratio_sum / cnt,
        "min_x_norm": min_xnorm,
        "in_regime": reg["ok"],
        "regime_min_width": reg["min_width"],
        "t": reg["t"],
    }


def a7_summarize(results: Results) -> Judgement:
    """Binomial test of the failures in the regime; the narrowest held width outside it."""
    inr = [(p, r) for p, r in results if r["in_regime"]]
    if not inr:
        return Judgement("inconclusive", {}, "no cell in the regime")
    delta = inr[0][0]["delta"]
    F = sum(r["failures"] for _, r in inr)
    T = sum(r["trials"] for _, r in inr)
    b = stats.binomial_check(F, T, delta)
    figs: dict[str, Any] = {
        "slack": max(r["slack"] for _, r in inr),
        "failures": F,
        "trials": T,
        "delta": delta,
        "p_value": b.p_value,
        "mean_count_over_m32beta": sum(r["mean_count_over_m32beta"] for _, r in inr) / len(inr),
        "expected_at_unit_norm": sum(tb.a7_expected_count(p["m"], p["beta"]) / (p["m"] ** 1.5 * p["beta"]) for p, _ in inr) / len(inr),
        "min_x_norm": min(r["min_x_norm"] for _, r in results),
    }
    search: dict[str, Any] = {}
    for beta in sorted({p["beta"] for p, _ in results}):
        rows = sorted((p["m"], r) for p, r in results if p["beta"] == beta)
        held = {m: stats.binomial_check(r["failures"], r["trials"], delta).holds for m, r in rows}
        widths = [m for m, _ in rows]
        min_held = None
        for m in reversed(widths):
            if held[m]:
                min_held = m
            else:
                break
        failing = [m for m in widths if not held[m]]
        mw = rows[0][1]["regime_min_width"]
        search[str(beta)] = {
            "regime_min_width_C1": mw,
            "min_width_held": min_held,
            "widest_failing_width": max(failing) if failing else None,
            "implied_C": (min_held / mw) if min_held else None,
            "failure_rate_by_width": {str(m): r["failures"] / r["trials"] for m, r in rows},
        }
    figs["search"] = search
    helds = [v["min_width_held"] for v in search.values() if v["min_width_held"]]
    figs["min_width_held"] = min(helds) if helds else None
    verdict = "holds" if b.holds else "violated"
    note = (
        f"{F}/{T} failures in the regime (C=1), p={b.p_value:.3g}; max count/bound {figs['slack']:.3f}; "
        f"mean count in the regime ≈ {figs['mean_count_over_m32beta']:.3f}·m^{{3/2}}β "
        f"(exact at ‖x‖=1: {figs['expected_at_unit_norm']:.3f}; bound factor 2). "
        "Outside the regime: "
        + "; ".join(
            f"β={k}: held from m={v['min_width_held']} (regime m≥{v['regime_min_width_C1']:.0f}), "
            f"widest failing m={v['widest_failing_width']}"
            for k, v in search.items()
        )
    )
    return Judgement(verdict, figs, note)


register("ZCZG-A.7", source="ZCZG 003, Lemma A.7 (Theorem 5.1(iv))", cells=a7_cells, run_cell=a7_run_cell, summarize=a7_summarize)


# ============================================================================ ZCZG-A.8 (S in L)
def a8_cells(profile: str, seed: int = 0) -> list[dict]:
    """ZCZG 003 Lemma A.8: depth sweep L ∈ {2, 4, 8, 16} (×2 in full), every pair l₁ < l₂ and
    sample. d = m so that pairs with l₁ = 1 act on an m-dimensional space too."""
    p = _profile(profile)
    m = {"ci": 64, "quick": 128, "full": 256}[p]
    Ls = [2, 4, 8, 16] if p != "full" else [2, 4, 8, 16, 32]
    nseeds = {"ci": 1, "quick": 2, "full": 4}[p]
    return [{"m": m, "L": L, "n": 2, "phi": 0.3, "seed": _sub_seed(seed, L, r)} for L in Ls for r in range(nseeds)]


def a8_run_cell(params: dict) -> dict:
    """max over samples and pairs l₁ < l₂ of ``‖W_{l₂}ᵀ(Π_{r=l₁}^{l₂−1} Σ_{r,i}W_rᵀ)‖₂``."""
    m, L, n = int(params["m"]), int(params["L"]), int(params["n"])
    X, _ = _data.separated_sphere(n, m, params["phi"], seed=params["seed"])
    net = DeepReLUNet.gaussian_init(m, [m] * L, seed=params["seed"] + 1)
    fwd = net.forward_trace(X)
    lam = mb.zczg_a8_norms(net.weights, fwd.patterns, seed=params["seed"])  # (n, L, L)
    lam0 = lam.nan_to_num(0.0)
    by_len = [float(torch.diagonal(lam0, k, dim1=1, dim2=2).max()) for k in range(1, L)]
    return {"max_norm": float(lam0.max()), "max_by_length": by_len, "ratio_to_rate": float(lam0.max()) / tb.a8_rate(L)}


def a8_summarize(results: Results) -> Judgement:
    x = [p["L"] for p, _ in results]
    y = [r["max_norm"] for _, r in results]
    fit = _fit(x, y)
    figs = _fit_fig(fit, tb.A8_DEPTH_EXPONENT, "upper", "up")
    ratios = [r["ratio_to_rate"] for _, r in results]
    figs |= {
        "constant_max": max(ratios),
        "constant_by_L": {str(L): max(r["ratio_to_rate"] for p, r in results if p["L"] == L) for L in sorted(set(x))},
        "depth_rate_supported": tb.depth_rate_supported(fit.ci),
        "sqrt_L_consistent": tb.slope_consistent(fit.ci, 0.5, bound="upper"),
        "by_chain_length": _length_fit(results),
    }
    verdict = "holds" if figs["consistent"] else "violated"
    note = (
        f"max_(l1<l2,i) Λ ~ L^{fit.slope:.2f} (95% CI {fit.ci[0]:.2f}..{fit.ci[1]:.2f}) vs ZCZG's O(L); "
        f"C′ = max Λ/L ≤ {figs['constant_max']:.2f}; data support: {figs['depth_rate_supported']}"
    )
    return Judgement(verdict, figs, note)


def a8_plot(results: Results, judgement: Judgement, ax) -> None:
    x = [p["L"] for p, _ in results]
    y = [r["max_norm"] for _, r in results]
    _loglog_plot(ax, x, y, _fit(x, y), tb.A8_DEPTH_EXPONENT, "max Λ", "L")


register("ZCZG-A.8", source="ZCZG 003, Lemma A.8 (Theorem 5.1(v))", cells=a8_cells, run_cell=a8_run_cell, summarize=a8_summarize, plot=a8_plot)


# ============================================================================ ZCZG-A.9 (S)
A9_S_LIST = [8, 16, 32, 64]


def a9_cells(profile: str, seed: int = 0) -> list[dict]:
    """ZCZG 003 Lemma A.9: depth sweep L ∈ {2, 4, 8, 16} and, in each cell, s ∈ {8, …, 64}."""
    p = _profile(profile)
    m = {"ci": 128, "quick": 128, "full": 512}[p]
    Ls = [2, 4, 8, 16] if p != "full" else [2, 4, 8, 16, 32]
    nseeds = {"ci": 1, "quick": 2, "full": 4}[p]
    return [
        {"m": m, "L": L, "n": 4, "phi": 0.3, "d": 10, "s_list": A9_S_LIST, "seed": _sub_seed(seed, L, r)}
        for L in Ls
        for r in range(nseeds)
    ]


def a9_run_cell(params: dict) -> dict:
    """max over (l, i) of Γ_{i,l,s} (exact, the ℓ₂ norm of the s largest entries of
    ``vᵀΠ_{r=l}^L Σ_{r,i}W_rᵀ``) and of Γ/(L√(s log M)), for each s."""
    m, L, n = int(params["m"]), int(params["L"]), int(params["n"])
    X, _ = _data.separated_sphere(n, params["d"], params["phi"], seed=params["seed"])
    net = DeepReLUNet.gaussian_init(params["d"], [m] * L, seed=params["seed"] + 1)
    fwd = net.forward_trace(X)
    U = mb.backward_row_vectors(net.weights, fwd.patterns, net.v)  # list of (n, m_{l-1})
    M = max(net.widths)
    gam, rat = [], []
    for s in params["s_list"]:
        g = max(float(mb.sparse_sup(u, s).max()) for u in U)  # max over l and i
        gam.append(g)
        rat.append(g / tb.a9_rate(L, s, M))
    full = max(float(u.norm(dim=-1).max()) for u in U)
    return {"gamma_max": gam, "ratio_to_rate": rat, "full_norm_max": full, "M": M}


def a9_summarize(results: Results) -> Judgement:
    s_list = results[0][0]["s_list"]
    x = [p["L"] for p, _ in results]
    y = [r["gamma_max"][0] for _, r in results]
    fitL = _fit(x, y)
    figs = _fit_fig(fitL, tb.A9_DEPTH_EXPONENT, "upper", "up")
    figs["s_for_depth_fit"] = s_list[0]
    # sparsity sweep: every cell contributes its s-curve
    xs = [s for _ in results for s in s_list]
    ys = [g for _, r in results for g in r["gamma_max"]]
    fitS = _fit(xs, ys)
    figs["sparsity"] = _fit_fig(fitS, tb.A9_SPARSITY_EXPONENT, "upper", "up")
    figs["constant_max"] = max(max(r["ratio_to_rate"]) for _, r in results)
    ok = figs["consistent"] and figs["sparsity"]["consistent"]
    note = (
        f"Γ (s={s_list[0]}) ~ L^{fitL.slope:.2f} (CI {fitL.ci[0]:.2f}..{fitL.ci[1]:.2f}; theory ≤ 1); "
        f"Γ ~ s^{fitS.slope:.2f} (CI {fitS.ci[0]:.2f}..{fitS.ci[1]:.2f}; theory ≤ 1/2); "
        f"C′ = max Γ/(L√(s log M)) = {figs['constant_max']:.3f}"
    )
    return Judgement("holds" if ok else "violated", figs, note)


def a9_plot(results: Results, judgement: Judgement, ax) -> None:
    x = [p["L"] for p, _ in results]
    y = [r["gamma_max"][0] for _, r in results]
    _loglog_plot(ax, x, y, _fit(x, y), tb.A9_DEPTH_EXPONENT, "max Γ", "L")


register("ZCZG-A.9", source="ZCZG 003, Lemma A.9 (Theorem 5.1(vi))", cells=a9_cells, run_cell=a9_run_cell, summarize=a9_summarize, plot=a9_plot)


# ============================================================================ ZCZG-A.10 (S)
def a10_cells(profile: str, seed: int = 0) -> list[dict]:
    """ZCZG 003 Lemma A.10: three sweeps — width m (= m_{L-1} = m_L), φ and n — each cell with
    an adversarial search for the worst coefficient vector a."""
    p = _profile(profile)
    steps = {"ci": 30, "quick": 30, "full": 150}[p]
    base = {"L": 2, "d": 16, "C3": 1.0, "steps": steps}
    ms = {"ci": [128, 256, 512, 1024], "quick": [128, 256, 512, 1024], "full": [256, 512, 1024, 2048, 4096]}[p]
    mfix = {"ci": 512, "quick": 512, "full": 2048}[p]
    cells = [base | {"sweep": "m", "m": m, "n": 8, "phi": 0.5, "seed": _sub_seed(seed, 1, m)} for m in ms]
    cells += [base | {"sweep": "phi", "m": mfix, "n": 4, "phi": f, "seed": _sub_seed(seed, 2, int(f * 1000))} for f in (0.125, 0.25, 0.5, 1.0)]
    cells += [base | {"sweep": "n", "m": mfix, "n": k, "phi": 0.5, "seed": _sub_seed(seed, 3, k)} for k in (4, 8, 16, 32)]
    return cells


def a10_run_cell(params: dict) -> dict:
    """Worst (adversarial) fraction of last-layer nodes with
    ``‖(1/n)Σ_i a_i σ'(⟨w_{L,j}, x_{L−1,i}⟩) x_{L−1,i}‖ ≥ C‴‖a‖_∞ φ/n²``, plus the fractions for
    each candidate family (one-hot, labels, pairs, clusters, random, sparse, optimizer)."""
    m, n, L, phi = int(params["m"]), int(params["n"]), int(params["L"]), float(params["phi"])
    X, y = _data.separated_sphere(n, params["d"], phi, seed=params["seed"])
    net = DeepReLUNet.gaussian_init(params["d"], [m] * L, seed=params["seed"] + 1)
    fwd = net.forward_trace(X)
    Z = fwd.outputs[L - 2] if L >= 2 else X  # x_{L-1,i} (n, m_{L-1})
    S = fwd.patterns[L - 1].T  # (m_L, n): σ'(⟨w_{L,j}, x_{L-1,i}⟩)
    K = (Z @ Z.T) / n**2  # the 1/n inside the norm
    thr = tb.a10_threshold(1.0, phi, n, C3=params["C3"])
    cand = mb.coefficient_candidates(Z, y, seed=params["seed"])
    for extra in params.get("extra_a", []) or []:
        cand.setdefault("extra", torch.empty(0, n, dtype=torch.float64))
        a = torch.tensor(extra, dtype=torch.float64).reshape(1, n)
        if float(a.abs().max()) > 0:
            cand["extra"] = torch.cat([cand["extra"], a / a.abs().max()])
    worst = mb.worst_coefficients(S, K, thr, cand, steps=int(params["steps"]))
    mL = S.shape[0]
    return {
        "worst_fraction": worst.fraction,
        "worst_count": worst.fraction * mL,
        "worst_strategy": worst.strategy,
        "by_strategy": worst.by_strategy,
        "rate": tb.a10_count_rate(mL, phi, n),
        "C2_estimate": worst.fraction * mL / tb.a10_count_rate(mL, phi, n),
        "in_regime": bool(m >= tb.a10_min_width(n, phi)),
        "worst_a": worst.a.tolist(),
    }


def a10_summarize(results: Results) -> Judgement:
    figs: dict[str, Any] = {}
    ok = True
    spec = {"m": ("worst_count", tb.A10_WIDTH_EXPONENT, "up"), "phi": ("worst_fraction", tb.A10_PHI_EXPONENT, "down"), "n": ("worst_fraction", tb.A10_N_EXPONENT, "up")}
    for sw, (key, k, direction) in spec.items():
        rows = [(p, r) for p, r in results if p["sweep"] == sw]
        if len(rows) < 3:
            continue
        x = [p[sw] for p, _ in rows]
        yv = [max(r[key], 1e-300) for _, r in rows]
        if min(r[key] for _, r in rows) <= 0:
            figs[sw] = {"consistent": False, "note": "a coefficient vector with no node above the threshold was found"}
            ok = False
            continue
        fit = _fit(x, yv)
        figs[sw] = _fit_fig(fit, k, "lower", direction)
        ok = ok and figs[sw]["consistent"]
    w = min(results, key=lambda pr: pr[1]["C2_estimate"])
    figs["C2_min"] = w[1]["C2_estimate"]
    figs["worst_fraction_min"] = min(r["worst_fraction"] for _, r in results)
    figs["worst_case"] = {"params": {k: w[0][k] for k in ("sweep", "m", "n", "phi")}, "fraction": w[1]["worst_fraction"], "strategy": w[1]["worst_strategy"], "a": w[1]["worst_a"]}
    figs["strategies_best"] = {}
    for _, r in results:
        for k, v in r["by_strategy"].items():
            figs["strategies_best"][k] = min(v, figs["strategies_best"].get(k, math.inf))
    figs["in_regime_cells"] = sum(r["in_regime"] for _, r in results)
    # headline figures for the audit: the width sweep
    if "m" in figs and isinstance(figs["m"], dict) and "slope" in figs["m"]:
        figs |= {kk: figs["m"][kk] for kk in ("slope", "ci", "theory_exponent")}
    figs["constant"] = figs["C2_min"]
    note = (
        f"worst node fraction over adversarial a: {figs['worst_fraction_min']:.3f} (threshold C‴=1: ‖a‖_∞φ/n²); "
        f"C″ = fraction·n/φ ≥ {figs['C2_min']:.2f}; worst a found by '{figs['worst_case']['strategy']}'"
    )
    return Judgement("holds" if ok else "violated", figs, note)


def a10_plot(results: Results, judgement: Judgement, ax) -> None:
    rows = [(p, r) for p, r in results if p["sweep"] == "m"]
    x = [p["m"] for p, _ in rows]
    y = [r["worst_count"] for _, r in rows]
    _loglog_plot(ax, x, y, _fit(x, y) if len(x) >= 3 else None, tb.A10_WIDTH_EXPONENT, "worst node count", "m_L")


register("ZCZG-A.10", source="ZCZG 003, Lemma A.10 (Theorem 5.1(vii))", cells=a10_cells, run_cell=a10_run_cell, summarize=a10_summarize, plot=a10_plot)


# ============================================================================ ZCZG-A.11 (S)
def a11_cells(profile: str, seed: int = 0) -> list[dict]:
    """ZCZG 003 Lemma A.11 (Li–Liang): φ sweep and n sweep with adversarial z — the tightest
    φ-separated points on an arc of the circle (d = 2, where cancellation Σ a_i z_i = 0 is
    possible) — and adversarial a; Monte Carlo over w. Full adds random layouts (d = 2, 3)."""
    p = _profile(profile)
    draws = {"ci": 4096, "quick": 4096, "full": 65536}[p]
    steps = {"ci": 30, "quick": 40, "full": 150}[p]
    base = {"d": 2, "layout": "arc", "C": 1.0, "draws": draws, "train_draws": draws // 2, "steps": steps}
    cells = [base | {"sweep": "phi", "n": 6, "phi": f, "seed": _sub_seed(seed, 1, int(f * 1000))} for f in (0.05, 0.1, 0.2, 0.4)]
    cells += [base | {"sweep": "n", "n": k, "phi": 0.1, "seed": _sub_seed(seed, 2, k)} for k in (4, 8, 16, 32)]
    if p == "full":
        cells += [base | {"sweep": "phi3", "d": 3, "layout": "random", "n": 8, "phi": f, "seed": _sub_seed(seed, 3, int(f * 1000))} for f in (0.05, 0.1, 0.2, 0.4)]
        cells += [base | {"sweep": "phi_random", "layout": "random", "n": 6, "phi": f, "seed": _sub_seed(seed, 4, int(f * 1000))} for f in (0.05, 0.1, 0.2, 0.4)]
    return cells


def a11_run_cell(params: dict) -> dict:
    """Monte-Carlo ``P[‖Σ_i a_i σ'(⟨w, z_i⟩) z_i‖ ≥ C ā φ/n]`` for the worst a found (selected and
    optimised on ``train_draws`` draws of w, then scored on ``draws`` fresh ones: an unbiased
    estimate for that a), with a Clopper–Pearson interval."""
    from scipy.stats import binomtest

    n, phi = int(params["n"]), float(params["phi"])
    if params.get("layout", "random") == "arc":  # the tightest φ-separated z (adversarial)
        Z, y = mb.arc_points(n, phi, params["d"]), None
    else:
        Z, y = _data.separated_sphere(n, params["d"], phi, seed=params["seed"])
    K = Z @ Z.T
    thr = tb.a11_threshold(1.0, phi, n, C=params["C"])
    S_train = mb.li_liang_patterns(Z, int(params["train_draws"]), seed=_sub_seed(params["seed"], 1))
    S_eval = mb.li_liang_patterns(Z, int(params["draws"]), seed=_sub_seed(params["seed"], 2))
    cand = mb.coefficient_candidates(Z, y, seed=params["seed"])
    for extra in params.get("extra_a", []) or []:
        a = torch.tensor(extra, dtype=torch.float64).reshape(1, n)
        if float(a.abs().max()) > 0:
            cand["extra"] = torch.cat([cand.get("extra", torch.empty(0, n, dtype=torch.float64)), a / a.abs().max()])
    worst = mb.worst_coefficients(S_train, K, thr, cand, steps=int(params["steps"]), S_eval=S_eval)
    N = S_eval.shape[0]
    k = int(round(worst.fraction * N))
    ci = binomtest(k, N).proportion_ci(0.95)
    rate = tb.a11_prob_rate(phi, n)
    return {
        "worst_prob": worst.fraction,
        "prob_ci": [float(ci.low), float(ci.high)],
        "worst_strategy": worst.strategy,
        "by_strategy": worst.by_strategy,
        "rate": rate,
        "C1_estimate": worst.fraction / rate,
        "C1_lower": float(ci.low) / rate,
        "worst_a": worst.a.tolist(),
    }


def a11_summarize(results: Results) -> Judgement:
    figs: dict[str, Any] = {}
    ok = True
    sweeps = (("phi", "phi", tb.A11_PHI_EXPONENT, "down"), ("n", "n", tb.A11_N_EXPONENT, "up"),
              ("phi3", "phi", tb.A11_PHI_EXPONENT, "down"), ("phi_random", "phi", tb.A11_PHI_EXPONENT, "down"))
    for sw, key, k, direction in sweeps:
        rows = [(p, r) for p, r in results if p["sweep"] == sw]
        if len(rows) < 3:
            continue
        if min(r["worst_prob"] for _, r in rows) <= 0:
            figs[sw] = {"consistent": False, "note": "an a with P = 0 was found"}
            ok = False
            continue
        fit = _fit([p[key] for p, _ in rows], [r["worst_prob"] for _, r in rows])
        figs[sw] = _fit_fig(fit, k, "lower", direction)
        ok = ok and figs[sw]["consistent"]
    w = min(results, key=lambda pr: pr[1]["C1_estimate"])
    figs["C1_min"] = w[1]["C1_estimate"]
    figs["C1_lower_min"] = min(r["C1_lower"] for _, r in results)
    figs["worst_case"] = {"params": {k: w[0][k] for k in ("sweep", "n", "phi", "d")}, "prob": w[1]["worst_prob"], "strategy": w[1]["worst_strategy"], "a": w[1]["worst_a"]}
    figs["strategies_best"] = {}
    for _, r in results:
        for k2, v in r["by_strategy"].items():
            figs["strategies_best"][k2] = min(v, figs["strategies_best"].get(k2, math.inf))
    if "phi" in figs and "slope" in figs["phi"]:
        figs |= {kk: figs["phi"][kk] for kk in ("slope", "ci", "theory_exponent")}
    figs["constant"] = figs["C1_min"]
    note = (
        f"worst P over adversarial a (threshold C=1: āφ/n): C′ = P·n/φ ≥ {figs['C1_min']:.2f} "
        f"(95% lower {figs['C1_lower_min']:.2f}); found by '{figs['worst_case']['strategy']}'"
    )
    return Judgement("holds" if ok else "violated", figs, note)


def a11_plot(results: Results, judgement: Judgement, ax) -> None:
    rows = [(p, r) for p, r in results if p["sweep"] == "phi"]
    x = [p["phi"] for p, _ in rows]
    y = [r["worst_prob"] for _, r in rows]
    _loglog_plot(ax, x, y, _fit(x, y) if len(x) >= 3 else None, tb.A11_PHI_EXPONENT, "worst P", "φ")


register("ZCZG-A.11", source="ZCZG 003, Lemma A.11 (Li & Liang 2018, Lemma A.3)", cells=a11_cells, run_cell=a11_run_cell, summarize=a11_summarize, plot=a11_plot)


# ============================================================================ AZLS Step 1: backward
def backward_cells(profile: str, seed: int = 0) -> list[dict]:
    """AZLS 002 Step 1 backward matrix: width sweep (judged), and d_out and depth sweeps
    (reported: the hidden constant across them)."""
    p = _profile(profile)
    nseeds = {"ci": 1, "quick": 2, "full": 4}[p]
    ms = [64, 128, 256, 512] if p != "full" else [128, 256, 512, 1024, 2048]
    base = {"n": 3, "d": 10, "phi": 0.3}
    cells = [base | {"sweep": "m", "m": m, "L": 4, "d_out": 2, "seed": _sub_seed(seed, 1, m, r)} for m in ms for r in range(nseeds)]
    mfix = 256 if p != "full" else 1024
    cells += [base | {"sweep": "d_out", "m": mfix, "L": 4, "d_out": k, "seed": _sub_seed(seed, 2, k, r)} for k in (1, 2, 4, 8) for r in range(nseeds)]
    cells += [base | {"sweep": "L", "m": mfix, "L": L, "d_out": 2, "seed": _sub_seed(seed, 3, L, r)} for L in (2, 4, 8, 16) for r in range(nseeds)]
    return cells


def backward_run_cell(params: dict) -> dict:
    """max over samples i and a ∈ [L] of ``‖B D_{i,L}W_L ⋯ D_{i,a}W_a‖₂`` and its ratio to
    √(m/d_out)."""
    m, L, d_out, n = int(params["m"]), int(params["L"]), int(params["d_out"]), int(params["n"])
    X, _ = _data.separated_sphere(n, params["d"], params["phi"], mu=_data.AZLS_MU, seed=params["seed"])
    net = AZLSNet.gaussian_init(params["d"], m, L, d_out, seed=params["seed"] + 1)
    nb = mb.azls_backward_norms(net, X)  # (n, L)
    rate = tb.azls_step1_backward_rate(m, d_out)
    return {"max_norm": float(nb.max()), "ratio_to_rate": float(nb.max()) / rate, "B_norm": float(torch.linalg.matrix_norm(net.B, ord=2))}


def backward_summarize(results: Results) -> Judgement:
    figs: dict[str, Any] = {}
    rows = [(p, r) for p, r in results if p["sweep"] == "m"]
    fit = _fit([p["m"] for p, _ in rows], [r["max_norm"] for _, r in rows])
    figs |= _fit_fig(fit, tb.AZLS_BACKWARD_WIDTH_EXPONENT, "upper", "up")
    figs["constant_max"] = max(r["ratio_to_rate"] for _, r in results)
    for sw, k in (("d_out", tb.AZLS_BACKWARD_DOUT_EXPONENT), ("L", 0.0)):
        rr = [(p, r) for p, r in results if p["sweep"] == sw]
        if len(rr) >= 3:
            f2 = _fit([p[sw] for p, _ in rr], [r["max_norm"] for _, r in rr])
            figs[sw] = _fit_fig(f2, k, "upper", "up") | {
                "constant_by_value": {str(v): max(r["ratio_to_rate"] for p, r in rr if p[sw] == v) for v in sorted({p[sw] for p, _ in rr})}
            }
    verdict = "holds" if figs["consistent"] else "violated"
    note = (
        f"max_(a,i) ‖B D W⋯D W‖ ~ m^{fit.slope:.2f} (CI {fit.ci[0]:.2f}..{fit.ci[1]:.2f}; theory ≤ 1/2); "
        f"constant ‖·‖/√(m/d_out) ≤ {figs['constant_max']:.2f} over all sweeps"
    )
    if "L" in figs:
        note += f"; at fixed m the norm grows like L^{figs['L']['slope']:.2f} (AZLS needs m ≥ poly(L); reported, not judged)"
    return Judgement(verdict, figs, note)


def backward_plot(results: Results, judgement: Judgement, ax) -> None:
    rows = [(p, r) for p, r in results if p["sweep"] == "m"]
    x = [p["m"] for p, _ in rows]
    y = [r["max_norm"] for _, r in rows]
    _loglog_plot(ax, x, y, _fit(x, y), tb.AZLS_BACKWARD_WIDTH_EXPONENT, "max ‖B D W⋯‖", "m")


register("AZLS-step1.backward", source="AZLS 002, Section 4 Step 1 (backward matrix)", cells=backward_cells, run_cell=backward_run_cell, summarize=backward_summarize, plot=backward_plot)


# ============================================================================ AZLS Step 1: intermediate
def intermediate_cells(profile: str, seed: int = 0) -> list[dict]:
    """AZLS 002 Step 1 intermediate matrix: depth sweep L ∈ {2, 4, 8, 16} (32 in full)."""
    p = _profile(profile)
    m = {"ci": 128, "quick": 128, "full": 256}[p]
    Ls = [2, 4, 8, 16] if p != "full" else [2, 4, 8, 16, 32]
    nseeds = {"ci": 1, "quick": 2, "full": 4}[p]
    return [{"m": m, "L": L, "n": 2, "d": 10, "phi": 0.3, "seed": _sub_seed(seed, L, r)} for L in Ls for r in range(nseeds)]


def intermediate_run_cell(params: dict) -> dict:
    """max over samples and 1 ≤ b ≤ a ≤ L of ``‖D_{i,a}W_a ⋯ D_{i,b}W_b‖₂``."""
    m, L, n = int(params["m"]), int(params["L"]), int(params["n"])
    X, _ = _data.separated_sphere(n, params["d"], params["phi"], mu=_data.AZLS_MU, seed=params["seed"])
    net = AZLSNet.gaussian_init(params["d"], m, L, 1, seed=params["seed"] + 1)
    nm = mb.azls_intermediate_norms(net, X, seed=params["seed"]).nan_to_num(0.0)  # (n, L, L)
    by_len = [float(torch.diagonal(nm, -(k - 1), dim1=1, dim2=2).max()) for k in range(1, L + 1)]
    return {"max_norm": float(nm.max()), "max_by_length": by_len}


def intermediate_summarize(results: Results) -> Judgement:
    x = [p["L"] for p, _ in results]
    y = [r["max_norm"] for _, r in results]
    fit = _fit(x, y)
    figs = _fit_fig(fit, tb.AZLS_INTERMEDIATE_DEPTH_EXPONENT, "upper", "up")
    figs["zczg_L_consistent"] = tb.slope_consistent(fit.ci, tb.A8_DEPTH_EXPONENT, bound="upper")
    figs["depth_rate_supported"] = tb.depth_rate_supported(fit.ci)
    figs["constant_max"] = max(yy / math.sqrt(xx) for xx, yy in zip(x, y))
    figs["by_chain_length"] = _length_fit(results)
    verdict = "holds" if figs["consistent"] else "violated"
    note = (
        f"max_(a≥b,i) ‖D W⋯D W‖ ~ L^{fit.slope:.2f} (CI {fit.ci[0]:.2f}..{fit.ci[1]:.2f}); "
        f"AZLS O(√L) consistent: {figs['consistent']}, ZCZG O(L) consistent: {figs['zczg_L_consistent']}; "
        f"data support: {figs['depth_rate_supported']}; constant ‖·‖/√L ≤ {figs['constant_max']:.2f}"
    )
    return Judgement(verdict, figs, note)


def intermediate_plot(results: Results, judgement: Judgement, ax) -> None:
    x = [p["L"] for p, _ in results]
    y = [r["max_norm"] for _, r in results]
    _loglog_plot(ax, x, y, _fit(x, y), tb.AZLS_INTERMEDIATE_DEPTH_EXPONENT, "max ‖D W⋯D W‖", "L")


register("AZLS-step1.intermediate", source="AZLS 002, Section 4 Step 1 (intermediate matrix)", cells=intermediate_cells, run_cell=intermediate_run_cell, summarize=intermediate_summarize, plot=intermediate_plot)
