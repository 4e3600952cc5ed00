"""Catalogue family 'init_backward': backward products and gradient lower bounds at Gaussian
initialization — ZCZG 003 Theorem 5.1 (iv)-(vii) (Lemmas A.7-A.11) and AZLS 002 Section 4,
Step 1 (backward and intermediate matrices). See the package docstring for the protocol.

Every statement declares its deciding parts (``*_PARTS``: :class:`~overparam_verify.judge.Law`
and :class:`~overparam_verify.judge.Bound`) and a negative control (``*_CONTROL``) here, before
any data; ``*_measure(results)`` only returns each part's data as an
:class:`~overparam_verify.judge.Evidence` — the verdict is :func:`overparam_verify.judge.judge`'s.
No function in this module decides a verdict.

Controls (each a system change under which the statement is false, run through the same cells):

* ZCZG-A.7: every ``W_l`` scaled by 1/2 (He variance 2/m quartered): the pre-activations shrink
  by 2^{-l}, so far more than 2m^{3/2}β of them fall within β;
* ZCZG-A.8, ZCZG-A.9, AZLS-step1.intermediate, AZLS-step1.backward: every ``W_l`` scaled by 1.1
  — the activation patterns are unchanged (ReLU is positively homogeneous) and every product of
  k layers grows by 1.1^k: geometric growth in depth;
* ZCZG-A.10, ZCZG-A.11: the points are only φ²-separated (arc spacing φ² instead of φ) while the
  threshold uses the declared φ — the lemma's hypothesis is false and the worst fraction
  scales like φ² instead of φ.

Every ``*_cells(profile, seed=0)`` takes a ``seed`` so that the property tests can run the same
sweep on a Hypothesis-drawn seed; the registry calls it with the default.
"""
from __future__ import annotations

import math
from typing import Any

import torch

from . import Bound, Control, Evidence, Judgement, Law, register
from .. import data as _data
from .. import stats
from ..network import AZLSNet, DeepReLUNet
from ..metrics import init_backward as mb
from ..theory import init_backward as tb
from ._cells import check_profile as _profile, sub_seed as _sub_seed, loglog_plot, loglog_fit_or_none

__all__ = [
    "a7_cells", "a7_run_cell", "a7_measure", "A7_PARTS", "A7_CONTROL",
    "a8_cells", "a8_run_cell", "a8_measure", "A8_PARTS", "A8_CONTROL",
    "a9_cells", "a9_run_cell", "a9_measure", "A9_PARTS", "A9_CONTROL",
    "a10_cells", "a10_run_cell", "a10_measure", "A10_PARTS", "A10_CONTROL",
    "a11_cells", "a11_run_cell", "a11_measure", "A11_PARTS", "A11_CONTROL",
    "backward_cells", "backward_run_cell", "backward_measure", "BACKWARD_PARTS", "BACKWARD_CONTROL",
    "intermediate_cells", "intermediate_run_cell", "intermediate_measure", "INTERMEDIATE_PARTS",
    "INTERMEDIATE_CONTROL",
]

Results = list[tuple[dict, dict]]

#: the geometric alternative every depth law must exclude: a per-layer factor e^0.05 ≈ 1.05 on
#: the rate-normalised statistic (×23 over 64 layers; half the 1.1-per-layer control's growth)
GEOMETRIC_RESOLUTION = 0.05
#: the per-layer factor of the depth controls (ZCZG-A.8/A.9, AZLS Step 1)
LAYER_SCALE_CONTROL = 1.1
#: Lanczos accuracy of the depth sweeps (relative residual; the norm is then within ~tol/2 of an
#: eigenvalue, far below the draw-to-draw spread). The exactness tests use the default 1e-11.
SWEEP_TOL, SWEEP_KRYLOV = 1e-3, 10  # measured: max relative error 6e-7 against tol 1e-9 (L = 32, m = 128)


def _scaled_zczg(net: DeepReLUNet, c: float) -> DeepReLUNet:
    """``net`` with every W_l multiplied by ``c`` (c = 1: ``net`` itself)."""
    return net if c == 1.0 else DeepReLUNet([W * c for W in net.weights], net.v)


def _scaled_azls(net: AZLSNet, c: float) -> AZLSNet:
    """AZLS ``net`` with every hidden W_l (not A, B) multiplied by ``c``."""
    return net if c == 1.0 else AZLSNet(net.A, [W * c for W in net.weights], net.B)


def _points(rows: Results, var: str, key) -> dict:
    """Law data ``{"x", "y"}``: one point per cell (``key(p, r)``) against ``p[var]``."""
    return {"x": [float(p[var]) for p, _ in rows], "y": [float(key(p, r)) for p, r in rows]}


def _length_fit(results: Results) -> dict | None:
    """Within the deepest networks of a sweep: max norm over pairs vs the number of masked
    factors k (powers of two), all seeds pooled — a less noisy view of the depth growth
    (reported only)."""
    if not results:
        return None
    Lmax = max(p["L"] for p, _ in results)
    xs, ys = [], []
    for p, r in results:
        if p["L"] != Lmax:
            continue
        for k, v in enumerate(r["max_by_length"], start=1):
            if k & (k - 1) == 0 and v > 0:
                xs.append(k)
                ys.append(v)
    f = loglog_fit_or_none(xs, ys)
    return None if f is None else {"L": Lmax, "slope": f.slope, "ci": list(f.ci)}


# ============================================================================ ZCZG-A.7 (W)
A7_DELTA = 0.1
#: Remark 5.2's τ for the proof's β = 4^L τ^{2/3} m^{-1/2} cells (regime m ≥ (log(nL/δ)/(4^Lτ^{2/3}))²)
A7_PROOF_TAU = 1e-5

A7_PARTS = (
    Bound("node_count", statistic="per draw: max over l, i of |S_{l,i}(β)| / (2 m_l^{3/2} β), in-regime cells (C = 1)",
          bound="theory.init_backward.a7_node_count_bound: |S_{l,i}(β)| ≤ 2 m_l^{3/2} β", delta=A7_DELTA,
          variable="m", bound_law="2 m^{3/2} β (worst count/β per width)", bound_exponent=1.5),
)
A7_CONTROL = Control("every W_l scaled by 1/2 (He variance 2/m quartered): pre-activations shrink by 2^{-l} and "
                     "far more than 2m^{3/2}β fall within β", params={"init_scale": 0.5})


def a7_cells(profile: str, seed: int = 0) -> list[dict]:
    """ZCZG 003 Lemma A.7: for each β, widths in the regime (C = 1) with R draws each and a grid of
    narrower widths (the search for the narrowest width where the bound holds; reported). β
    sweep {0.005, 0.02, 0.08} and the proof's β = 4^L τ^{2/3} m^{-1/2} (003 Remark 5.2) in quick
    and full; β = 0.02 at ci (3 regime widths × 20 draws: R = 60 detects 3δ even at α/2)."""
    p = _profile(profile)
    base = {"n": 4, "d": 10, "phi": 0.3, "L": 3, "delta": A7_DELTA, "C": 1.0}
    betas: list[Any] = [0.02] if p == "ci" else [0.005, 0.02, 0.08, "proof"]
    reps = {"ci": 20, "quick": 30, "full": 200}[p]
    even = lambda x: 2 * math.ceil(x / 2)  # noqa: E731  (m_L even: v balanced ±1)
    cells = []
    for k, beta in enumerate(betas):
        if beta == "proof":
            mw = tb.a7_proof_min_width(base["L"], A7_PROOF_TAU, base["n"], base["delta"])
            regime = [even(mw), 2 * even(mw)] + ([4 * even(mw)] if p == "full" else [])
            for m in regime:
                cells.append(base | {"m": m, "beta": tb.a7_proof_beta(base["L"], A7_PROOF_TAU, m), "beta_rule": "proof",
                                     "reps": reps, "seed": _sub_seed(seed, k, m)})
            continue
        mw = tb.a7_min_width(beta, base["n"], base["L"], base["delta"], C=1.0)
        regime = [even(mw), 2 * even(mw), 4 * even(mw)]
        search = sorted({max(2, even(mw * f)) for f in (0.1, 0.15, 0.2, 0.3, 0.45, 0.6, 0.8)} - set(regime))
        for m in regime + search:
            cells.append(base | {"m": m, "beta": beta, "reps": reps, "seed": _sub_seed(seed, k, m)})
    return cells


def a7_run_cell(params: dict) -> dict:
    """R independent draws (data and network) at one width: per draw, max over l, i of
    ``|S_{l,i}(β)| / (2 m^{3/2} β)`` (ZCZG 003 Lemma A.7). ``init_scale`` (the control) scales
    every W_l."""
    m, beta, n, L = int(params["m"]), float(params["beta"]), int(params["n"]), int(params["L"])
    c = float(params.get("init_scale", 1.0))
    bound = tb.a7_node_count_bound(m, beta)
    ratios, counts, ratio_sum, min_xnorm = [], [], 0.0, math.inf
    for r in range(int(params["reps"])):
        s = _sub_seed(params["seed"], r)
        X, _ = _data.separated_sphere(n, params["d"], params["phi"], seed=s)
        net = _scaled_zczg(DeepReLUNet.gaussian_init(params["d"], [m] * L, seed=s + 1), c)
        fwd = net.forward_trace(X)
        cnt = mb.near_zero_counts(fwd.preacts, beta)  # (L, n)
        ratios.append(float(cnt.max()) / bound)
        counts.append(int(cnt.max()))
        ratio_sum += float(cnt.double().mean()) / (m**1.5 * beta)
        xn = [X.norm(dim=1)] + [x.norm(dim=1) for x in fwd.outputs[:-1]]
        min_xnorm = min(min_xnorm, float(torch.stack(xn).min()))
    reg = tb.a7_regime(m, beta, n, L, params["delta"], C=params["C"])
    R = len(ratios)
    return {
        "ratios": ratios,
        "max_counts": counts,
        "failures": sum(v > 1.0 for v in ratios),
        "trials": R,
        "slack": max(ratios),
        "mean_count_over_m32beta": ratio_sum / R,
        "min_x_norm": min_xnorm,
        "in_regime": reg["ok"],
        "regime_min_width": reg["min_width"],
        "t": reg["t"],
    }


def a7_measure(results: Results) -> Evidence:
    """The per-draw ratios of the in-regime cells (the Bound), the worst count/β per width (the
    tightness fit against m^{3/2}), and the outside-regime width search (figures only)."""
    inr = [(i, p, r) for i, (p, r) in enumerate(results) if r["in_regime"]]
    ratios = [v for _, _, r in inr for v in r["ratios"]]
    xs = [float(p["m"]) for _, p, r in inr for _ in r["ratios"]]
    cells = [i for i, _, r in inr for _ in r["ratios"]]
    worst: dict[float, float] = {}
    for _, p, r in inr:
        worst[float(p["m"])] = max(worst.get(float(p["m"]), 0.0), max(r["max_counts"]) / p["beta"])
    wx = sorted(k for k, v in worst.items() if v > 0)
    data = ({"ratios": ratios, "x": xs, "cells": cells, "worst": {"x": wx, "y": [worst[k] for k in wx]}}
            if ratios else None)
    figs: dict[str, Any] = {"trials_in_regime": len(ratios), "cells_in_regime": len(inr)}
    if inr:
        figs["mean_count_over_m32beta"] = sum(r["mean_count_over_m32beta"] for _, _, r in inr) / len(inr)
        figs["expected_at_unit_norm"] = sum(tb.a7_expected_count(p["m"], p["beta"]) / (p["m"] ** 1.5 * p["beta"])
                                            for _, p, _ in inr) / len(inr)
    if results:
        figs["min_x_norm"] = min(r["min_x_norm"] for _, r in results)
    search: dict[str, Any] = {}
    delta = A7_DELTA
    for beta in sorted({p["beta"] for p, _ in results if p.get("beta_rule") != "proof"}):
        rows = sorted((p["m"], r) for p, r in results if p["beta"] == beta)
        held = {m: stats.binomial_check(r["failures"], r["trials"], delta).holds for m, r in rows}
        widths = [m for m, _ in rows]
        min_held = None
        for m in reversed(widths):
            if not held[m]:
                break
            min_held = m
        failing = [m for m in widths if not held[m]]
        search[str(beta)] = {
            "regime_min_width_C1": rows[0][1]["regime_min_width"],
            "min_width_held": min_held,
            "widest_failing_width": max(failing) if failing else None,
            "failure_rate_by_width": {str(m): r["failures"] / r["trials"] for m, r in rows},
        }
    figs["search"] = search
    proof = [(p, r) for p, r in results if p.get("beta_rule") == "proof"]
    if proof:
        figs["proof_beta"] = {str(p["m"]): {"beta": p["beta"], "in_regime": r["in_regime"], "slack": r["slack"]}
                              for p, r in proof}
    note = ""
    if inr:
        note = (f"{len(ratios)} in-regime draws over β ∈ {sorted({round(p['beta'], 5) for _, p, _ in inr})}; mean count "
                f"≈ {figs['mean_count_over_m32beta']:.3f}·m^{{3/2}}β (exact at ‖x‖=1: {figs['expected_at_unit_norm']:.3f}; "
                "bound factor 2). Outside the regime: "
                + "; ".join(f"β={k}: held from m={v['min_width_held']} (regime m≥{v['regime_min_width_C1']:.0f})"
                            for k, v in search.items()))
    return Evidence({"node_count": data}, figs, note)


register("ZCZG-A.7", source="ZCZG 003, Lemma A.7 (Theorem 5.1(iv))", cells=a7_cells, run_cell=a7_run_cell,
         measure=a7_measure, parts=A7_PARTS, control=A7_CONTROL)


# ============================================================================ depth sweeps (A.8, AZLS)
def _depth_grid(p: str) -> tuple[list[int], Any, int]:
    """Depths, the width rule m(L) (m scaled with L: m = 4L, at least 32) and draws per depth,
    for the depth laws of ZCZG-A.8 and AZLS-step1.intermediate (two samples per draw: the
    Lanczos sweeps cost ≈ L³m² per draw, reading the weights, whatever the number of samples)."""
    if p == "ci":
        return [2, 4, 8, 16, 32], (lambda L: max(32, 4 * L)), 2
    if p == "quick":
        return [2, 4, 8, 16, 32], (lambda L: max(32, 4 * L)), 3
    return [2, 4, 8, 16, 32, 64], (lambda L: max(32, 4 * L)), 4


def _depth_parts(stat: str, exponent: float, rate: str, competing: tuple[str, float]) -> tuple:
    cname, ck = competing
    return (
        Law("depth", statistic=f"per draw: {stat}", variable="L", exponent=exponent, direction="upper"),
        Law("depth_geometric", statistic=f"per draw: {stat} / {rate} (log of the per-layer factor)", variable="L",
            exponent=0.0, direction="upper", resolution=GEOMETRIC_RESOLUTION, model="geometric"),
        Law(f"depth_{cname}", statistic=f"per draw: {stat} (the competing rate {cname})", variable="L", exponent=ck,
            direction="upper", decides=False),
        Law("depth_geometric_raw", statistic=f"per draw: {stat} (per-layer factor of the raw norm)", variable="L",
            exponent=0.0, direction="upper", resolution=GEOMETRIC_RESOLUTION, model="geometric", decides=False),
    )


def _depth_evidence(results: Results, exponent: float, competing: str, what: str) -> Evidence:
    rows = list(results)
    if not rows:
        return Evidence({})
    pts = _points(rows, "L", lambda p, r: r["max_norm"])
    norm = _points(rows, "L", lambda p, r: r["max_norm"] / p["L"] ** exponent)
    by_L = {}
    for p, r in rows:
        by_L.setdefault(int(p["L"]), []).append(r["max_norm"] / p["L"] ** exponent)
    figs = {"L": sorted(by_L), "m_by_L": {str(p["L"]): p["m"] for p, _ in rows},
            "constant_by_L": {str(L): max(v) for L, v in sorted(by_L.items())},
            "constant_max": max(max(v) for v in by_L.values()), "by_chain_length": _length_fit(rows)}
    Ls = sorted(by_L)
    note = (f"{what} over L = {Ls[0]}..{Ls[-1]} (m = {figs['m_by_L'][str(Ls[0])]}..{figs['m_by_L'][str(Ls[-1])]}): "
            f"constant ≤ {figs['constant_max']:.2f}; competing models fitted: L^k (power), c^L (geometric), {competing}")
    return Evidence({"depth": pts, "depth_geometric": norm, f"depth_{competing}": pts, "depth_geometric_raw": pts},
                    figs, note)


def _depth_control_cells(cells_fn, *, max_L: int = 16):
    """A depth control's cells: the statement's with every W_l scaled by
    ``LAYER_SCALE_CONTROL``, up to L = ``max_L`` (AZLS-step1.intermediate: 1.1 per layer is
    rejected by L = 16 already, per-layer slope ≈ 0.09–0.10 against the resolution 0.05, so the
    deepest draws, costing ∝ L³m², add cost, not power; the statement keeps its whole sweep.
    ZCZG-A.8's Λ, normalised by L, needs L = 32 to reject it: it keeps the whole sweep)."""
    def cells(profile: str, seed: int = 0) -> list[dict]:
        return [c | {"layer_scale": LAYER_SCALE_CONTROL} for c in cells_fn(profile, seed) if c["L"] <= max_L]

    return cells


# ============================================================================ ZCZG-A.8 (S in L)
A8_PARTS = _depth_parts("max over i and l₁ < l₂ of Λ_{i,l₁,l₂}", tb.A8_DEPTH_EXPONENT, "L",
                        ("sqrtL", tb.AZLS_INTERMEDIATE_DEPTH_EXPONENT))
A8_CONTROL = Control(f"every W_l scaled by {LAYER_SCALE_CONTROL} (same patterns; a product of k layers grows by "
                     f"{LAYER_SCALE_CONTROL}^k: geometric in depth)", params={"layer_scale": LAYER_SCALE_CONTROL})


def a8_cells(profile: str, seed: int = 0) -> list[dict]:
    """ZCZG 003 Lemma A.8: depth sweep L ∈ {2, 4, 8, 16, 32} (64 in full) with m scaled with L (see
    :func:`_depth_grid`), every pair l₁ < l₂ and sample. d = m so that pairs with l₁ = 1 act on
    an m-dimensional space too."""
    Ls, mrule, R = _depth_grid(_profile(profile))
    return [{"m": mrule(L), "L": L, "n": 2, "phi": 0.3, "tol": SWEEP_TOL, "krylov": SWEEP_KRYLOV,
             "seed": _sub_seed(seed, L, r)} for L in Ls for r in range(R)]


def a8_run_cell(params: dict) -> dict:
    """max over samples and pairs l₁ < l₂ of ``‖W_{l₂}ᵀ(Π_{r=l₁}^{l₂−1} Σ_{r,i}W_rᵀ)‖₂``
    (``layer_scale``, the control, multiplies every W_l)."""
    m, L, n = int(params["m"]), int(params["L"]), int(params["n"])
    X, _ = _data.separated_sphere(n, m, params["phi"], seed=params["seed"])
    net = _scaled_zczg(DeepReLUNet.gaussian_init(m, [m] * L, seed=params["seed"] + 1), float(params.get("layer_scale", 1.0)))
    fwd = net.forward_trace(X)
    lam = mb.zczg_a8_norms(net.weights, fwd.patterns, seed=params["seed"], tol=float(params.get("tol", 1e-11)),
                           krylov=int(params.get("krylov", 64)))  # (n, L, L)
    lam0 = lam.nan_to_num(0.0)
    by_len = [float(torch.diagonal(lam0, k, dim1=1, dim2=2).max()) for k in range(1, L)]
    return {"max_norm": float(lam0.max()), "max_by_length": by_len, "ratio_to_rate": float(lam0.max()) / tb.a8_rate(L)}


def a8_measure(results: Results) -> Evidence:
    """max Λ per draw against L: the power law (≤ L), the per-layer factor of max Λ / L (≤ 1),
    and, reported, AZLS's √L and the raw per-layer factor."""
    return _depth_evidence(results, tb.A8_DEPTH_EXPONENT, "sqrtL", "max Λ")


def a8_plot(results: Results, judgement: Judgement, ax) -> None:
    x = [p["L"] for p, _ in results]
    y = [r["max_norm"] for _, r in results]
    loglog_plot(ax, x, y, tb.A8_DEPTH_EXPONENT, label="max Λ", xlabel="L")


register("ZCZG-A.8", source="ZCZG 003, Lemma A.8 (Theorem 5.1(v))", cells=a8_cells, run_cell=a8_run_cell,
         measure=a8_measure, parts=A8_PARTS, control=A8_CONTROL, plot=a8_plot)


# ============================================================================ ZCZG-A.9 (S)
A9_S_LIST = [8, 16, 32, 64]
A9_S0 = 8  # the sparsity of the depth and width laws (s ≥ log(nL/δ) ≈ 5–8 for n = 4, L ≤ 64, δ = 0.1)

A9_PARTS = (
    Law("depth", statistic=f"per draw: max over l, i of Γ_{{i,l,s}} at s = {A9_S0}", variable="L",
        exponent=tb.A9_DEPTH_EXPONENT, direction="upper"),
    Law("sparsity", statistic="per draw and s: max over l, i of Γ_{i,l,s} (L = 4, m = 256)", variable="s",
        exponent=tb.A9_SPARSITY_EXPONENT, direction="upper"),
    # the √log M factor: a bounded, slowly increasing ratio (Γ² ≈ 2s log(M/s) → 2s log M from below);
    # a power-law fit of such a ratio reads a small positive exponent at any finite M, so this part
    # is reported, not judged (see the module docstring of theory.init_backward)
    Law("width", statistic=f"per draw: max over l, i of Γ_{{i,l,s}} / √(s log M) at s = {A9_S0}, L = 4", variable="M",
        exponent=0.0, direction="upper", decides=False),
)
A9_CONTROL = Control(f"every W_l scaled by {LAYER_SCALE_CONTROL}: Γ grows like {LAYER_SCALE_CONTROL}^L in depth",
                     params={"layer_scale": LAYER_SCALE_CONTROL})


def a9_cells(profile: str, seed: int = 0) -> list[dict]:
    """ZCZG 003 Lemma A.9: a depth sweep L ∈ {4, 8, 16, 32} (64 in quick/full) at m = 128 (256),
    a sparsity sweep s ∈ {8, …, 64} at L = 4, m = 256, and a width sweep M = m ∈ {64, …, 2048}
    (4096 in full) at L = 4 (s = 8 ≤ m/8: below saturation)."""
    p = _profile(profile)
    m = {"ci": 128, "quick": 256, "full": 512}[p]
    Ls = [4, 8, 16, 32, 64]
    R = {"ci": 2, "quick": 2, "full": 4}[p]
    base = {"n": 4, "phi": 0.3, "d": 10}
    cells = [base | {"sweep": "L", "m": m, "L": L, "s_list": [A9_S0], "seed": _sub_seed(seed, 1, L, r)}
             for L in Ls for r in range(R)]
    cells += [base | {"sweep": "s", "m": 256, "L": 4, "s_list": A9_S_LIST, "seed": _sub_seed(seed, 2, r)}
              for r in range({"ci": 2, "quick": 4, "full": 8}[p])]
    Ms = [64, 128, 256, 512] if p == "ci" else ([64, 256, 1024, 2048] if p == "quick" else [64, 256, 1024, 4096])
    cells += [base | {"sweep": "M", "m": M, "L": 4, "s_list": [A9_S0], "seed": _sub_seed(seed, 3, M, r)}
              for M in Ms for r in range(R)]
    return cells


def a9_run_cell(params: dict) -> dict:
    """max over (l, i) of Γ_{i,l,s} (exact, the ℓ₂ norm of the s largest entries of
    ``vᵀΠ_{r=l}^L Σ_{r,i}W_rᵀ``) and of Γ/(L√(s log M)), for each s (``layer_scale``: the control)."""
    m, L, n = int(params["m"]), int(params["L"]), int(params["n"])
    X, _ = _data.separated_sphere(n, params["d"], params["phi"], seed=params["seed"])
    net = _scaled_zczg(DeepReLUNet.gaussian_init(params["d"], [m] * L, seed=params["seed"] + 1),
                       float(params.get("layer_scale", 1.0)))
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


def a9_measure(results: Results) -> Evidence:
    """Γ at s = s₀ per draw against L, Γ per draw and s against s, and Γ/√(s log M) against M."""
    dep = [(p, r) for p, r in results if p.get("sweep") == "L"]
    sp = [(p, r) for p, r in results if p.get("sweep") == "s"]
    wd = [(p, r) for p, r in results if p.get("sweep") == "M"]
    parts: dict[str, dict | None] = {
        "depth": _points(dep, "L", lambda p, r: r["gamma_max"][0]) if dep else None,
        "sparsity": ({"x": [float(s) for p, _ in sp for s in p["s_list"]], "y": [g for _, r in sp for g in r["gamma_max"]]}
                     if sp else None),
        "width": (_points(wd, "m", lambda p, r: r["gamma_max"][0] / math.sqrt(A9_S0 * math.log(r["M"]))) if wd else None),
    }
    figs: dict[str, Any] = {}
    if results:
        figs["constant_max"] = max(max(r["ratio_to_rate"]) for _, r in results)
    if wd:
        by = {}
        for p, r in wd:
            by.setdefault(str(p["m"]), []).append(r["gamma_max"][0] / math.sqrt(A9_S0 * math.log(r["M"])))
        figs["gamma_over_sqrt_s_logM_by_M"] = {k: [min(v), max(v)] for k, v in by.items()}
    note = (f"C′ = max Γ/(L√(s log M)) = {figs['constant_max']:.3f}" if results else "")
    if wd:
        note += "; Γ/√(s log M) by M: " + ", ".join(f"{k}: {v[1]:.3f}" for k, v in figs["gamma_over_sqrt_s_logM_by_M"].items())
    return Evidence(parts, figs, note)


def a9_plot(results: Results, judgement: Judgement, ax) -> None:
    rows = [(p, r) for p, r in results if p.get("sweep") == "L"]
    loglog_plot(ax, [p["L"] for p, _ in rows], [r["gamma_max"][0] for _, r in rows], tb.A9_DEPTH_EXPONENT,
                label=f"max Γ (s={A9_S0})", xlabel="L")


register("ZCZG-A.9", source="ZCZG 003, Lemma A.9 (Theorem 5.1(vi))", cells=a9_cells, run_cell=a9_run_cell,
         measure=a9_measure, parts=A9_PARTS, control=A9_CONTROL, plot=a9_plot)


# ============================================================================ ZCZG-A.10 (S)
A10_PARTS = (
    Law("width", statistic="worst (adversarial a) count of last-layer nodes above C‴‖a‖_∞φ/n², in-regime cells",
        variable="m", exponent=tb.A10_WIDTH_EXPONENT, direction="lower"),
    Law("phi", statistic="worst node fraction (count/m_L), in-regime cells", variable="phi",
        exponent=tb.A10_PHI_EXPONENT, direction="upper"),
    Law("n", statistic="worst node fraction (count/m_L), in-regime cells", variable="n",
        exponent=tb.A10_N_EXPONENT, direction="lower"),
    Law("width_L2", statistic="worst count at L = 2 on d = 16 data (all cells; reported)", variable="m",
        exponent=tb.A10_WIDTH_EXPONENT, direction="lower", decides=False),
    # the C‴ sweep: the largest threshold t* = C‴φ/n² (C‴ on a ×4 grid) at which the worst fraction
    # still reaches A10_C2_REF·φ/n; the lemma says t* ≥ C‴φ/n² (reported, not judged: grid-quantised)
    Law("threshold_phi", statistic="t*: largest grid threshold with worst fraction ≥ C″φ/n (C″ = 1/2)", variable="phi",
        exponent=tb.A10_PHI_EXPONENT, direction="upper", decides=False),
    Law("threshold_n", statistic="t*: largest grid threshold with worst fraction ≥ C″φ/n (C″ = 1/2)", variable="n",
        exponent=-2.0, direction="lower", decides=False),
)
#: the C″ of the threshold sweep and its C‴ grid (units of φ/n²)
A10_C2_REF = 0.5
A10_C3_GRID = [1.0, 4.0, 16.0, 64.0, 256.0, 1024.0]
A10_CONTROL = Control("points only φ²-separated (arc spacing φ², threshold and regime from the declared φ): "
                      "the worst fraction scales like φ²", params={"sep_power": 2.0})


def a10_cells(profile: str, seed: int = 0) -> list[dict]:
    """ZCZG 003 Lemma A.10 at L = 1 on the tightest φ-separated points (an arc of the circle,
    d = 2, where Σ a_i x_i = 0 is possible), widths in the regime m ≥ n²/φ·log(4n²/φ) (C = 1):
    sweeps of m, φ and n, each cell with an adversarial search for the worst a. Also an L = 2
    width sweep on d = 16 data (reported)."""
    p = _profile(profile)
    steps = {"ci": 30, "quick": 30, "full": 150}[p]
    base = {"L": 1, "d": 2, "layout": "arc", "C3": 1.0, "steps": steps}
    pow2 = lambda x: 2 ** math.ceil(math.log2(x))  # noqa: E731
    cells = []
    ms = [512, 1024, 2048, 4096] if p != "full" else [512, 2048, 8192, 32768]
    cells += [base | {"sweep": "m", "m": m, "n": 4, "phi": 0.2, "seed": _sub_seed(seed, 1, m)} for m in ms]
    phis = [0.05, 0.1, 0.2, 0.4]
    mphi = pow2(max(tb.a10_min_width(4, f) for f in phis))
    grid = {"c3_grid": A10_C3_GRID} if p != "ci" else {}
    cells += [base | grid | {"sweep": "phi", "m": mphi, "n": 4, "phi": f, "seed": _sub_seed(seed, 2, int(f * 1000))} for f in phis]
    ns = [3, 4, 6, 8] if p != "full" else [3, 4, 8, 16]  # n ≥ 3: a 3-point cluster can cancel (n = 2 cannot)
    cells += [base | grid | {"sweep": "n", "m": pow2(tb.a10_min_width(k, 0.1)), "n": k, "phi": 0.1, "seed": _sub_seed(seed, 3, k)}
              for k in ns]
    if p != "ci":
        b2 = {"L": 2, "d": 16, "C3": 1.0, "steps": steps, "layout": "sphere"}
        cells += [b2 | {"sweep": "m_L2", "m": m, "n": 8, "phi": 0.5, "seed": _sub_seed(seed, 4, m)} for m in (128, 256, 512, 1024)]
    return cells


def a10_run_cell(params: dict) -> dict:
    """Worst (adversarial) fraction of last-layer nodes with
    ``‖(1/n)Σ_i a_i σ'(⟨w_{L,j}, x_{L−1,i}⟩) x_{L−1,i}‖ ≥ C‴‖a‖_∞ φ/n²``, plus the fractions for
    each candidate family (one-hot, labels, pairs, clusters, random, sparse, optimizer).
    ``layout="arc"``: the points are :func:`~overparam_verify.metrics.init_backward.arc_points`
    at spacing φ^``sep_power`` (1 = the lemma's φ-separation; 2 = the control)."""
    m, n, L, phi = int(params["m"]), int(params["n"]), int(params["L"]), float(params["phi"])
    if params.get("layout") == "arc":
        X, y = mb.arc_points(n, phi ** float(params.get("sep_power", 1.0)), int(params["d"])), None
        X = X.to(torch.float64)
    else:
        X, y = _data.separated_sphere(n, params["d"], phi, seed=params["seed"])
    net = DeepReLUNet.gaussian_init(int(params["d"]), [m] * L, seed=params["seed"] + 1)
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
    t_star = None
    if params.get("c3_grid"):  # the C‴ sweep: largest threshold whose worst fraction reaches C″φ/n
        target = A10_C2_REF * phi / n
        for c3 in params["c3_grid"]:
            t = tb.a10_threshold(1.0, phi, n, C3=c3)
            if mb.worst_coefficients(S, K, t, cand, steps=10).fraction >= target:
                t_star = t
            else:
                break
    return {
        "threshold_star": t_star,
        "worst_fraction": worst.fraction,
        "worst_count": worst.fraction * mL,
        "worst_strategy": worst.strategy,
        "by_strategy": worst.by_strategy,
        "rate": tb.a10_count_rate(mL, phi, n),
        "C2_estimate": worst.fraction * mL / tb.a10_count_rate(mL, phi, n),
        "in_regime": bool(m >= tb.a10_min_width(n, phi)),
        "worst_a": worst.a.tolist(),
    }


def a10_measure(results: Results) -> Evidence:
    """In-regime cells only: worst count against m, worst fraction against φ and against n."""
    inr = [(p, r) for p, r in results if r["in_regime"]]
    sw = lambda name, rows=inr: [(p, r) for p, r in rows if p.get("sweep") == name]  # noqa: E731
    parts = {
        "width": _points(sw("m"), "m", lambda p, r: r["worst_count"]) if sw("m") else None,
        "phi": _points(sw("phi"), "phi", lambda p, r: r["worst_fraction"]) if sw("phi") else None,
        "n": _points(sw("n"), "n", lambda p, r: r["worst_fraction"]) if sw("n") else None,
        "width_L2": (_points(sw("m_L2", results), "m", lambda p, r: r["worst_count"]) if sw("m_L2", results) else None),
    }
    for name, var in (("threshold_phi", "phi"), ("threshold_n", "n")):
        rows = [(p, r) for p, r in sw(var) if r.get("threshold_star") is not None]
        parts[name] = _points(rows, var, lambda p, r: r["threshold_star"]) if rows else None
    figs: dict[str, Any] = {"in_regime_cells": len(inr), "cells": len(results)}
    ts = [(p, r) for p, r in inr if p.get("c3_grid")]
    if ts:  # t* in units of φ/n²: the C‴ the data allow at C″ = 1/2
        figs["threshold_C3_star"] = {f"{p['sweep']}:n={p['n']},phi={p['phi']}": (
            None if r["threshold_star"] is None else r["threshold_star"] * p["n"] ** 2 / p["phi"]) for p, r in ts}
    if inr:
        w = min(inr, key=lambda pr: pr[1]["C2_estimate"])
        figs["C2_min"] = w[1]["C2_estimate"]
        figs["worst_fraction_min"] = min(r["worst_fraction"] for _, r in inr)
        figs["worst_case"] = {"params": {k: w[0][k] for k in ("sweep", "m", "n", "phi")}, "fraction": w[1]["worst_fraction"],
                              "strategy": w[1]["worst_strategy"], "a": w[1]["worst_a"]}
        figs["strategies_best"] = _strategies_best(inr)
    note = (f"{len(inr)}/{len(results)} cells in the regime (C = 1); worst node fraction {figs['worst_fraction_min']:.3g}; "
            f"C″ = fraction·n/φ ≥ {figs['C2_min']:.2f}; worst a found by '{figs['worst_case']['strategy']}'"
            if inr else "no cell in the regime")
    return Evidence(parts, figs, note)


def _strategies_best(rows: Results) -> dict[str, float]:
    """The lowest value each search strategy for the adversarial a reached over ``rows`` (each
    result's ``by_strategy``): which candidate the worst cases of A.10/A.11 came from."""
    best: dict[str, float] = {}
    for _, r in rows:
        for k, v in r["by_strategy"].items():
            best[k] = min(v, best.get(k, math.inf))
    return best


def a10_plot(results: Results, judgement: Judgement, ax) -> None:
    rows = [(p, r) for p, r in results if p.get("sweep") == "m" and r["in_regime"]]
    loglog_plot(ax, [p["m"] for p, _ in rows], [r["worst_count"] for _, r in rows], tb.A10_WIDTH_EXPONENT,
                label="worst node count", xlabel="m_L")


register("ZCZG-A.10", source="ZCZG 003, Lemma A.10 (Theorem 5.1(vii))", cells=a10_cells, run_cell=a10_run_cell,
         measure=a10_measure, parts=A10_PARTS, control=A10_CONTROL, plot=a10_plot)


# ============================================================================ ZCZG-A.11 (S)
A11_PARTS = (
    Law("phi", statistic="P_w[‖h(w)‖ ≥ Cāφ/n] for the worst a found (scored on fresh draws), arc layout",
        variable="phi", exponent=tb.A11_PHI_EXPONENT, direction="upper"),
    Law("n", statistic="P_w[‖h(w)‖ ≥ Cāφ/n] for the worst a found, arc layout", variable="n",
        exponent=tb.A11_N_EXPONENT, direction="lower"),
    Law("phi_random", statistic="the same on random φ-separated layouts (full profile; reported)", variable="phi",
        exponent=tb.A11_PHI_EXPONENT, direction="upper", decides=False),
)
A11_CONTROL = Control("points only φ²-separated (arc spacing φ², threshold from the declared φ): P scales like φ²",
                      params={"sep_power": 2.0, "draws": 8192, "train_draws": 4096})


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
        cells += [base | {"sweep": "phi_random", "layout": "random", "n": 6, "phi": f, "seed": _sub_seed(seed, 4, int(f * 1000))}
                  for f in (0.05, 0.1, 0.2, 0.4)]
    return cells


def a11_run_cell(params: dict) -> dict:
    """Monte-Carlo ``P[‖Σ_i a_i σ'(⟨w, z_i⟩) z_i‖ ≥ C ā φ/n]`` for the worst a found (selected and
    optimised on ``train_draws`` draws of w, then scored on ``draws`` fresh ones: an unbiased
    estimate for that a), with a Clopper–Pearson interval. ``sep_power``: arc spacing φ^power."""
    from scipy.stats import binomtest

    n, phi = int(params["n"]), float(params["phi"])
    if params.get("layout", "random") == "arc":  # the tightest φ-separated z (adversarial)
        Z, y = mb.arc_points(n, phi ** float(params.get("sep_power", 1.0)), params["d"]), None
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


def a11_measure(results: Results) -> Evidence:
    """The worst P against φ (arc), against n (arc), and against φ on random layouts (reported)."""
    sw = lambda name: [(p, r) for p, r in results if p.get("sweep") == name]  # noqa: E731
    parts = {
        "phi": _points(sw("phi"), "phi", lambda p, r: r["worst_prob"]) if sw("phi") else None,
        "n": _points(sw("n"), "n", lambda p, r: r["worst_prob"]) if sw("n") else None,
        "phi_random": _points(sw("phi_random"), "phi", lambda p, r: r["worst_prob"]) if sw("phi_random") else None,
    }
    figs: dict[str, Any] = {}
    if results:
        w = min(results, key=lambda pr: pr[1]["C1_estimate"])
        figs["C1_min"] = w[1]["C1_estimate"]
        figs["C1_lower_min"] = min(r["C1_lower"] for _, r in results)
        figs["worst_case"] = {"params": {k: w[0][k] for k in ("sweep", "n", "phi", "d")}, "prob": w[1]["worst_prob"],
                              "strategy": w[1]["worst_strategy"], "a": w[1]["worst_a"]}
        figs["strategies_best"] = _strategies_best(results)
    note = (f"worst P over adversarial a (threshold C=1: āφ/n): C′ = P·n/φ ≥ {figs['C1_min']:.2f} "
            f"(95% lower {figs['C1_lower_min']:.2f}); found by '{figs['worst_case']['strategy']}'" if results else "")
    return Evidence(parts, figs, note)


def a11_plot(results: Results, judgement: Judgement, ax) -> None:
    rows = [(p, r) for p, r in results if p.get("sweep") == "phi"]
    loglog_plot(ax, [p["phi"] for p, _ in rows], [r["worst_prob"] for _, r in rows], tb.A11_PHI_EXPONENT,
                label="worst P", xlabel="φ")


register("ZCZG-A.11", source="ZCZG 003, Lemma A.11 (Li & Liang 2018, Lemma A.3)", cells=a11_cells,
         run_cell=a11_run_cell, measure=a11_measure, parts=A11_PARTS, control=A11_CONTROL, plot=a11_plot)


# ============================================================================ AZLS Step 1: backward
#: the d_out sweep runs on the ray m = BACKWARD_DOUT_RAY·d_out (d_out ≪ m/L at every point): at
#: fixed m the constant ‖·‖/√(m/d_out) carries the finite-width term ≈ ‖D W⋯D W‖₂·√(d_out/m)
#: (‖BA‖ ≈ √(m/d_out)·c + ‖A‖₂ for Gaussian B), which grows with d_out and vanishes only as m → ∞.
#: The judged ray starts at d_out = 2: a one-row B (d_out = 1) has no maximisation over output
#: directions, so its constant sits one step lower (≈ 0.97 against ≈ 1.2 for d_out ≥ 2 at
#: m = 256·d_out, quick seed 0) — a step, not growth; the ray including d_out = 1 is reported.
BACKWARD_DOUT_RAY = 128
BACKWARD_DOUTS = [2, 4, 8, 16]
#: the depth sweep runs at m = BACKWARD_DEPTH_WIDTH·L (m = poly(L), d_out = 2 ≪ m/L)
BACKWARD_DEPTH_WIDTH = 64

BACKWARD_PARTS = (
    Law("width", statistic="per draw: max over i, a of ‖B D_{i,L}W_L⋯D_{i,a}W_a‖₂ (L = 4, d_out = 2)", variable="m",
        exponent=tb.AZLS_BACKWARD_WIDTH_EXPONENT, direction="upper"),
    Law("d_out", statistic=f"per draw: max over i, a of ‖·‖₂ / √(m/d_out) on the ray m = {BACKWARD_DOUT_RAY}·d_out (L = 4), "
        f"d_out ∈ {BACKWARD_DOUTS}", variable="d_out", exponent=0.0, direction="upper",
        # the theory's d_out exponent is −1/2 (‖·‖ ∝ d_out^{-1/2}); its default resolution |−1/2|/2 = 0.25,
        # carried over to the constant ‖·‖/√(m/d_out) (exponent shifted by +1/2)
        resolution=0.25),
    Law("d_out_ray_with_1", statistic="the same ray including d_out = 1 (reported: the one-row step)",
        variable="d_out", exponent=0.0, direction="upper", decides=False),
    Law("depth", statistic=f"per draw: max over i, a of ‖·‖₂ / √(m/d_out) at m = {BACKWARD_DEPTH_WIDTH}·L (d_out = 2)",
        variable="L", exponent=0.0, direction="upper"),
    Law("d_out_fixed_m", statistic="per draw: max ‖·‖₂ at m = 256 (L = 4) against d_out (reported: finite-width term)",
        variable="d_out", exponent=tb.AZLS_BACKWARD_DOUT_EXPONENT, direction="upper", decides=False),
)
BACKWARD_CONTROL = Control(f"every hidden W_l scaled by {LAYER_SCALE_CONTROL}: ‖B D W⋯D W_a‖ grows like "
                           f"{LAYER_SCALE_CONTROL}^(L−a+1) in depth", params={"layer_scale": LAYER_SCALE_CONTROL})


def backward_cells(profile: str, seed: int = 0) -> list[dict]:
    """AZLS 002 Step 1 backward matrix: width sweep m ∈ {64, …, 512} at L = 4, d_out = 2; d_out
    sweep d_out ∈ {2, 4, 8, 16} (and 1, reported) on the ray m = 128·d_out; depth sweep L ∈ {2, 4, 8, 16} at
    m = 64L; and the old fixed-m d_out sweep (m = 256, reported)."""
    p = _profile(profile)
    R = {"ci": 3, "quick": 3, "full": 6}[p]
    ms = [64, 128, 256, 512] if p != "full" else [128, 256, 512, 1024, 2048]
    base = {"n": 3, "d": 10, "phi": 0.3}
    cells = [base | {"sweep": "m", "m": m, "L": 4, "d_out": 2, "seed": _sub_seed(seed, 1, m, r)} for m in ms for r in range(R)]
    douts = [1, *BACKWARD_DOUTS] if p != "ci" else BACKWARD_DOUTS
    cells += [base | {"sweep": "d_out", "m": BACKWARD_DOUT_RAY * k, "L": 4, "d_out": k, "seed": _sub_seed(seed, 2, k, r)}
              for k in douts for r in range(R)]
    cells += [base | {"sweep": "L", "m": BACKWARD_DEPTH_WIDTH * L, "L": L, "d_out": 2, "seed": _sub_seed(seed, 3, L, r)}
              for L in (2, 4, 8, 16) for r in range(R)]
    if p != "ci":
        cells += [base | {"sweep": "d_out_fixed_m", "m": 256, "L": 4, "d_out": k, "seed": _sub_seed(seed, 4, k, r)}
                  for k in (1, 2, 4, 8) for r in range(R)]
    return cells


def backward_run_cell(params: dict) -> dict:
    """max over samples i and a ∈ [L] of ``‖B D_{i,L}W_L ⋯ D_{i,a}W_a‖₂`` and its ratio to
    √(m/d_out) (``layer_scale``: the control)."""
    m, L, d_out, n = int(params["m"]), int(params["L"]), int(params["d_out"]), int(params["n"])
    X, _ = _data.separated_sphere(n, params["d"], params["phi"], mu=_data.AZLS_MU, seed=params["seed"])
    net = _scaled_azls(AZLSNet.gaussian_init(params["d"], m, L, d_out, seed=params["seed"] + 1),
                       float(params.get("layer_scale", 1.0)))
    nb = mb.azls_backward_norms(net, X)  # (n, L)
    rate = tb.azls_step1_backward_rate(m, d_out)
    return {"max_norm": float(nb.max()), "ratio_to_rate": float(nb.max()) / rate, "B_norm": float(torch.linalg.matrix_norm(net.B, ord=2))}


def backward_measure(results: Results) -> Evidence:
    """The norm against m, the constant against d_out (on the ray) and against L (m = 64L)."""
    sw = lambda name: [(p, r) for p, r in results if p.get("sweep") == name]  # noqa: E731
    parts = {
        "width": _points(sw("m"), "m", lambda p, r: r["max_norm"]) if sw("m") else None,
        "d_out": (_points([(p, r) for p, r in sw("d_out") if p["d_out"] >= 2], "d_out", lambda p, r: r["ratio_to_rate"])
                  if sw("d_out") else None),
        "d_out_ray_with_1": (_points(sw("d_out"), "d_out", lambda p, r: r["ratio_to_rate"])
                             if any(p["d_out"] == 1 for p, _ in sw("d_out")) else None),
        "depth": _points(sw("L"), "L", lambda p, r: r["ratio_to_rate"]) if sw("L") else None,
        "d_out_fixed_m": _points(sw("d_out_fixed_m"), "d_out", lambda p, r: r["max_norm"]) if sw("d_out_fixed_m") else None,
    }
    figs: dict[str, Any] = {}
    if results:
        figs["constant_max"] = max(r["ratio_to_rate"] for _, r in results)
        for name, var in (("d_out", "d_out"), ("L", "L"), ("d_out_fixed_m", "d_out")):
            rr = sw(name)
            if rr:
                figs[f"constant_by_{name}"] = {str(v): max(r["ratio_to_rate"] for p, r in rr if p[var] == v)
                                              for v in sorted({p[var] for p, _ in rr})}
    note = f"constant ‖·‖/√(m/d_out) ≤ {figs['constant_max']:.2f} over all sweeps" if results else ""
    return Evidence(parts, figs, note)


def backward_plot(results: Results, judgement: Judgement, ax) -> None:
    rows = [(p, r) for p, r in results if p.get("sweep") == "m"]
    loglog_plot(ax, [p["m"] for p, _ in rows], [r["max_norm"] for _, r in rows], tb.AZLS_BACKWARD_WIDTH_EXPONENT,
                label="max ‖B D W⋯‖", xlabel="m")


register("AZLS-step1.backward", source="AZLS 002, Section 4 Step 1 (backward matrix)", cells=backward_cells,
         run_cell=backward_run_cell, measure=backward_measure, parts=BACKWARD_PARTS, control=BACKWARD_CONTROL,
         plot=backward_plot)


# ============================================================================ AZLS Step 1: intermediate
INTERMEDIATE_PARTS = _depth_parts("max over i and 1 ≤ b ≤ a ≤ L of ‖D_{i,a}W_a⋯D_{i,b}W_b‖₂",
                                  tb.AZLS_INTERMEDIATE_DEPTH_EXPONENT, "√L", ("L_zczg", tb.A8_DEPTH_EXPONENT))
INTERMEDIATE_CONTROL = Control(f"every hidden W_l scaled by {LAYER_SCALE_CONTROL} (same patterns; a product of k "
                               f"layers grows by {LAYER_SCALE_CONTROL}^k), L ≤ 16",
                               cells=_depth_control_cells(lambda p, s: intermediate_cells(p, s)))


def intermediate_cells(profile: str, seed: int = 0) -> list[dict]:
    """AZLS 002 Step 1 intermediate matrix: depth sweep L ∈ {2, 4, 8, 16, 32} (64 in full) with m
    scaled with L (see :func:`_depth_grid`)."""
    Ls, mrule, R = _depth_grid(_profile(profile))
    return [{"m": mrule(L), "L": L, "n": 2, "d": 10, "phi": 0.3, "tol": SWEEP_TOL, "krylov": SWEEP_KRYLOV,
             "seed": _sub_seed(seed, L, r)} for L in Ls for r in range(R)]


def intermediate_run_cell(params: dict) -> dict:
    """max over samples and 1 ≤ b ≤ a ≤ L of ``‖D_{i,a}W_a ⋯ D_{i,b}W_b‖₂`` (``layer_scale``:
    the control)."""
    m, L, n = int(params["m"]), int(params["L"]), int(params["n"])
    X, _ = _data.separated_sphere(n, params["d"], params["phi"], mu=_data.AZLS_MU, seed=params["seed"])
    net = _scaled_azls(AZLSNet.gaussian_init(params["d"], m, L, 1, seed=params["seed"] + 1),
                       float(params.get("layer_scale", 1.0)))
    nm = mb.azls_intermediate_norms(net, X, seed=params["seed"], tol=float(params.get("tol", 1e-11)),
                                    krylov=int(params.get("krylov", 64))).nan_to_num(0.0)  # (n, L, L)
    by_len = [float(torch.diagonal(nm, -(k - 1), dim1=1, dim2=2).max()) for k in range(1, L + 1)]
    return {"max_norm": float(nm.max()), "max_by_length": by_len}


def intermediate_measure(results: Results) -> Evidence:
    """max ‖D W⋯D W‖ per draw against L: the power law (≤ √L), the per-layer factor of
    max‖·‖/√L (≤ 1), and, reported, ZCZG's L and the raw per-layer factor."""
    return _depth_evidence(results, tb.AZLS_INTERMEDIATE_DEPTH_EXPONENT, "L_zczg", "max ‖D W⋯D W‖")


def intermediate_plot(results: Results, judgement: Judgement, ax) -> None:
    loglog_plot(ax, [p["L"] for p, _ in results], [r["max_norm"] for _, r in results],
                tb.AZLS_INTERMEDIATE_DEPTH_EXPONENT, label="max ‖D W⋯D W‖", xlabel="L")


register("AZLS-step1.intermediate", source="AZLS 002, Section 4 Step 1 (intermediate matrix)", cells=intermediate_cells,
         run_cell=intermediate_run_cell, measure=intermediate_measure, parts=INTERMEDIATE_PARTS,
         control=INTERMEDIATE_CONTROL, plot=intermediate_plot)
