"""Catalogue family 'init': forward quantities at Gaussian initialization — ZCZG 003 Theorem 5.1
(i)-(iii) with Lemmas A.1-A.6, 000 Lemma 5.1, and AZLS 002 Section 4 Step 1 (norms and
separations). See the package docstring for the protocol.

Every statement declares its parts (``*_PARTS``, :class:`~overparam_verify.judge.Law` /
:class:`~overparam_verify.judge.Bound`) and a negative control (``*_CONTROL``) before any data;
``*_measure(results)`` only returns each part's data (:class:`~overparam_verify.judge.Evidence`)
and the judge (:mod:`overparam_verify.judge`) decides. Nothing here decides a verdict.

Hidden constants: the width conditions' "large enough" C is 1 in the regime cells (see
:mod:`overparam_verify.theory.init`); the W statements also run narrower widths outside the
regime and report (figures, never deciding) the narrowest width at which the explicit bound held
(``min_width_held``) and the constant that width implies (``C_implied``).

Control keys the run_cells honour (merged into every cell by a control's ``params``):

* ``w_scale`` — every ``W_l`` multiplied by this factor (1.1: layers that grow geometrically;
  1/√2: He variance halved);
* ``w1_sqrt_m`` — ``W_1`` not normalised by the width (entries N(0, 2) instead of N(0, 2/m₁)):
  the outputs then grow like √m;
* ``sep_factor`` — the data at separation ``sep_factor·φ`` while the bound is computed for φ;
* ``z2_scale`` — the Gaussian pair of Lemma A.3 with ``Z₂`` scaled (Var Z₂ ≠ 1);
* ``depth_sep_fixed`` — AZLS separation depth cells at a fixed δ instead of δ = κ/L.

Every ``*_cells(profile, seed=0)`` takes a seed for the property tests.
"""
from __future__ import annotations

import math

import numpy as np
import torch

from . import Bound, Control, Evidence, Judgement, Law, register
from .. import data as _data
from .. import stats
from ..network import AZLSNet, DeepReLUNet
from ..metrics import init as mi
from ..metrics import setup as ms
from ..theory import init as ti
from ..theory import setup as ts
from ._cells import check_profile as _profile, sub_seed as _sub_seed, single_thread as _single_thread, loglog_plot

Results = list[tuple[dict, dict]]
DELTA = 0.1  #: failure budget δ (Theorem 5.1 holds w.p. ≥ 1 − δ)
RTOL = 1e-9  #: E identities: rounding only

__all__ = [
    "a1_cells", "a1_run_cell", "a1_measure", "A1_PARTS", "A1_CONTROL",
    "a2_cells", "a2_run_cell", "a2_measure", "A2_PARTS", "A2_CONTROL",
    "t51i_cells", "t51i_run_cell", "t51i_measure", "T51I_PARTS", "T51I_CONTROL",
    "a3_cells", "a3_run_cell", "a3_measure", "A3_PARTS", "A3_CONTROL",
    "a4_cells", "a4_run_cell", "a4_measure", "a5_measure", "A4_PARTS", "A5_PARTS", "A4_CONTROL", "A5_CONTROL",
    "a6_cells", "a6_run_cell", "a6_measure", "init_loss_measure", "A6_PARTS", "INIT_LOSS_PARTS", "A6_CONTROL",
    "azls_norm_cells", "azls_norm_run_cell", "azls_norm_measure", "AZLS_NORM_PARTS", "AZLS_NORM_CONTROL",
    "azls_sep_cells", "azls_sep_run_cell", "azls_sep_measure", "AZLS_SEP_PARTS", "AZLS_SEP_CONTROL",
    "upper_quantile", "lower_quantile", "zczg_net",
]


# ============================================================================ helpers
def upper_quantile(values, delta: float = DELTA) -> float:
    """The empirical (1 − δ)-quantile over independent draws: the level a "w.p. ≥ 1 − δ" upper
    bound must clear (the max for fewer than 1/δ draws)."""
    return float(np.quantile(np.asarray(values, dtype=float), 1.0 - delta, method="higher"))


def lower_quantile(values, delta: float = DELTA) -> float:
    """The empirical δ-quantile (for "w.p. ≥ 1 − δ" lower bounds)."""
    return float(np.quantile(np.asarray(values, dtype=float), delta, method="lower"))


def zczg_net(d: int, widths, seed: int, *, w_scale: float = 1.0, w1_sqrt_m: bool = False) -> DeepReLUNet:
    """003 §3.3's He initialisation (:meth:`DeepReLUNet.gaussian_init`), optionally mis-scaled for
    a control: every ``W_l`` times ``w_scale``; with ``w1_sqrt_m`` ``W_1`` times √m₁ (entries
    N(0, 2), not N(0, 2/m₁))."""
    net = DeepReLUNet.gaussian_init(d, list(widths), seed=seed)
    if float(w_scale) == 1.0 and not w1_sqrt_m:
        return net
    Ws = [W * float(w_scale) for W in net.weights]  # (m_{l-1}, m_l) each
    if w1_sqrt_m:
        Ws[0] = Ws[0] * math.sqrt(Ws[0].shape[1])
    return DeepReLUNet(Ws, net.v)


def _net_kw(params: dict) -> dict:
    return {"w_scale": float(params.get("w_scale", 1.0)), "w1_sqrt_m": bool(params.get("w1_sqrt_m", False))}


def _zczg(n: int, d: int, widths, seed: int, phi: float = 0.3, **kw):
    X, y = _data.separated_sphere(n, d, phi, seed=seed)
    return X, y, zczg_net(d, widths, seed + 1, **kw)


def _azls_net(params: dict, m: int, L: int, seed: int) -> AZLSNet:
    """AZLS 002 §2's init (:meth:`AZLSNet.gaussian_init`); ``w_scale`` multiplies A and every W_l."""
    net = AZLSNet.gaussian_init(params["d"], m, L, seed=seed)
    s = float(params.get("w_scale", 1.0))
    if s == 1.0:
        return net
    return AZLSNet(net.A * s, [W * s for W in net.weights], net.B)


def _plot(ax, x, y, exponent: float, xlabel: str, label: str) -> None:
    loglog_plot(ax, x, y, exponent, label=label, xlabel=xlabel)


def _by(results: Results, key: str) -> dict:
    out: dict = {}
    for p, r in results:
        out.setdefault(p[key], []).append((p, r))
    return out


def _min_width_held(results: Results, key: str, direction: str = "le") -> dict:
    """Figures (never deciding): per tried width outside the regime, the failure rate of the
    per-draw ratios ``r[key]``, and the narrowest width from which on the binomial test against
    δ did not reject at every tried width."""
    out = [(p, r) for p, r in results if p.get("sweep") == "outside"]
    if not out:
        return {"min_width_held": None}
    fail = (lambda v: v > 1.0) if direction == "le" else (lambda v: v < 1.0)
    rates, held = {}, {}
    for p, r in out:
        F, T = sum(fail(v) for v in r[key]), len(r[key])
        rates[p["m"]] = F / T
        held[p["m"]] = stats.binomial_check(int(F), T, DELTA).holds
    mh = None
    for w in sorted(held, reverse=True):
        if not held[w]:
            break
        mh = w
    return {"min_width_held": mh, "outside_regime": {"widths_tried": sorted(rates), "failure_rates": rates}}


def _bound_data(trials: list[tuple[int, float, float]]) -> dict | None:
    """Bound evidence from ``(cell index, x, ratio)`` per trial."""
    if not trials:
        return None
    return {"ratios": [t[2] for t in trials], "x": [t[1] for t in trials], "cells": [t[0] for t in trials]}


# ============================================================================ A.1 (S)
A1_PARTS = (
    Law("width", statistic="max_{l,i} |‖x_{l,i}‖² − ‖x_{l−1,i}‖²|/‖x_{l−1,i}‖² per draw (every draw a point; "
        "two-sided, implies the one-sided statement), L = 3, n = 4", variable="m",
        exponent=ti.A1_WIDTH_EXPONENT, direction="upper"),
)
#: layers that grow geometrically: ‖x_l‖² ≈ 1.21‖x_{l−1}‖², a relative change that does not decay
#: (at 1.1 the bias 0.21 is below the finite-width term C√(log(nL/δ)/m) ≈ 0.28 at m = 512; with
#: He variance halved the change is negative and the one-sided statement still holds)
A1_CONTROL = Control("every W_l scaled by 1.2 (layers grow geometrically): the relative change → 0.44, not O(m^{-1/2})",
                     params={"w_scale": 1.2})


def a1_cells(profile: str, seed: int = 0) -> list[dict]:
    """003 Lemma A.1: widths geometric (×2), R draws each, n = 4, L = 3."""
    p = _profile(profile)
    ms_ = {"ci": [32, 64, 128, 256], "quick": [32, 64, 128, 256, 512], "full": [32, 64, 128, 256, 512, 1024, 2048, 4096]}[p]
    reps = {"ci": 10, "quick": 20, "full": 100}[p]
    return [{"m": m, "L": 3, "n": 4, "d": 10, "reps": reps, "seed": _sub_seed(seed, 1, m)} for m in ms_]


@_single_thread
def a1_run_cell(params: dict) -> dict:
    """Per draw, ``max_{l,i} |‖x_{l,i}‖² − ‖x_{l−1,i}‖²|/‖x_{l−1,i}‖²`` (the proof's two-sided
    version of 003 Lemma A.1) and the one-sided max (the statement)."""
    two, one = [], []
    for r in range(int(params["reps"])):
        X, _, net = _zczg(params["n"], params["d"], [params["m"]] * params["L"], _sub_seed(params["seed"], r),
                          **_net_kw(params))
        ch = mi.a1_relative_changes(net, X)
        two.append(float(ch.abs().max()))
        one.append(float(ch.max()))
    return {"abs_change": two, "change": one}


def a1_measure(results: Results) -> Evidence:
    """003 Lemma A.1's width law: the (1−δ)-quantile per width; C = quantile/√(log(nL/δ)/m)."""
    m = [p["m"] for p, _ in results]
    y = [upper_quantile(r["abs_change"]) for _, r in results]
    C = [a / ti.a1_rate(p["m"], p["n"], p["L"], DELTA) for a, (p, _) in zip(y, results)]
    figs = {"constant": max(C) if C else None, "constants": C, "widths": m, "quantiles": y, "delta": DELTA}
    xs = [p["m"] for p, r in results for _ in r["abs_change"]]
    ys = [v for _, r in results for v in r["abs_change"]]
    return Evidence({"width": {"x": xs, "y": ys}}, figs,
                    f"(1−δ)-quantile of max relative change of ‖x_l‖²; C = quantile/√(log(nL/δ)/m) ≤ {max(C, default=math.nan):.2f}")


def a1_plot(results: Results, judgement: Judgement, ax) -> None:
    _plot(ax, judgement.figures["widths"], judgement.figures["quantiles"], ti.A1_WIDTH_EXPONENT, "width m",
          "(1−δ)-quantile of max |Δ‖x‖²|/‖x‖²")


register("ZCZG-A.1", source="ZCZG 003, Lemma A.1", cells=a1_cells, run_cell=a1_run_cell, measure=a1_measure,
         parts=A1_PARTS, control=A1_CONTROL, plot=a1_plot)


# ============================================================================ A.2 (S, in m and in l)
A2_PARTS = (
    Law("width", statistic="max_{l,i} |‖x_{l,i}‖ − 1| / √log(nL/δ) per draw (every draw a point), L = 4",
        variable="m", exponent=ti.A2_WIDTH_EXPONENT, direction="upper"),
    Law("depth", statistic="max_i |‖x_{L,i}‖ − 1| / √(log(nL/δ)/m) per draw (every draw a point): one independent "
        "network of depth L per depth (l = L), m = 128", variable="l", exponent=ti.A2_DEPTH_EXPONENT,
        direction="upper"),
)
A2_CONTROL = Control("every W_l scaled by 1.1 (layers grow geometrically): |‖x_l‖ − 1| → 1.1^l − 1, not O(m^{-1/2})",
                     params={"w_scale": 1.1})
A2_DEPTHS = {"ci": [1, 2, 4, 8, 16], "quick": [1, 2, 4, 8, 16], "full": [1, 2, 4, 8, 16, 32]}


def a2_cells(profile: str, seed: int = 0) -> list[dict]:
    """003 Corollary A.2: a width sweep (L = 4) and a depth sweep: one independent network per
    depth L ∈ {1, 2, 4, 8, 16} (m = 128; full: to 32, m = 512), measured at its last layer."""
    p = _profile(profile)
    ms_ = {"ci": [32, 64, 128, 256], "quick": [32, 64, 128, 256, 512], "full": [32, 64, 128, 256, 512, 1024, 2048]}[p]
    reps = {"ci": 10, "quick": 20, "full": 100}[p]
    cells = [{"sweep": "width", "m": m, "L": 4, "n": 4, "d": 10, "reps": reps, "seed": _sub_seed(seed, 2, m)} for m in ms_]
    cells += [{"sweep": "depth", "m": 128 if p != "full" else 512, "L": L, "n": 4, "d": 10, "reps": reps,
               "seed": _sub_seed(seed, 3, L)} for L in A2_DEPTHS[p]]
    return cells


@_single_thread
def a2_run_cell(params: dict) -> dict:
    """Per draw and layer l, ``max_i |‖x_{l,i}‖ − 1|`` — a list over draws of lists over l."""
    dev = []
    for r in range(int(params["reps"])):
        X, _, net = _zczg(params["n"], params["d"], [params["m"]] * params["L"], _sub_seed(params["seed"], r),
                          **_net_kw(params))
        dev.append([float(v) for v in mi.a2_deviations(net, X).max(dim=1).values])
    return {"deviation": dev}


def a2_measure(results: Results) -> Evidence:
    """003 Corollary A.2: the width law at L = 4 and the depth law over independent networks."""
    wid = [(p, r) for p, r in results if p["sweep"] == "width"]
    m = [p["m"] for p, _ in wid]
    yw = [upper_quantile([max(d) for d in r["deviation"]]) / math.sqrt(math.log(p["n"] * p["L"] / DELTA))
          for p, r in wid]
    # the statement's C: max over l of dev_l / (l · rate), its (1−δ)-quantile over draws
    Cs = [upper_quantile([max(v / ti.a2_rate(l + 1, p["m"], p["n"], p["L"], DELTA) for l, v in enumerate(d))
                          for d in r["deviation"]]) for p, r in wid]
    dep = sorted([(p, r) for p, r in results if p["sweep"] == "depth"], key=lambda t: t[0]["L"])
    ls = [p["L"] for p, _ in dep]
    yl = [upper_quantile([d[-1] for d in r["deviation"]]) / ti.a1_rate(p["m"], p["n"], p["L"], DELTA) for p, r in dep]
    figs = {"constant": max(Cs, default=None), "constants": Cs, "widths": m, "quantiles": yw, "depths": ls,
            "depth_constants": yl, "delta": DELTA}
    wx = [p["m"] for p, r in wid for _ in r["deviation"]]
    wy = [max(d) / math.sqrt(math.log(p["n"] * p["L"] / DELTA)) for p, r in wid for d in r["deviation"]]
    dx = [p["L"] for p, r in dep for _ in r["deviation"]]
    dy = [d[-1] / ti.a1_rate(p["m"], p["n"], p["L"], DELTA) for p, r in dep for d in r["deviation"]]
    return Evidence({"width": {"x": wx, "y": wy} if wid else None, "depth": {"x": dx, "y": dy} if dep else None}, figs,
                    f"C = max_l quantile/(l·√(log(nL/δ)/m)) ≤ {max(Cs, default=math.nan):.2f}; depth constants "
                    f"(l·rate units): {', '.join(f'{v:.2f}' for v in yl)}")


def a2_plot(results: Results, judgement: Judgement, ax) -> None:
    _plot(ax, judgement.figures["widths"], judgement.figures["quantiles"], ti.A2_WIDTH_EXPONENT, "width m",
          "(1−δ)-quantile of max |‖x_l‖−1| / √log(nL/δ)")


register("ZCZG-A.2", source="ZCZG 003, Corollary A.2", cells=a2_cells, run_cell=a2_run_cell, measure=a2_measure,
         parts=A2_PARTS, control=A2_CONTROL, plot=a2_plot)


# ============================================================================ Theorem 5.1(i) (W)
#: ‖W_1‖₂ ≈ √2(1 + √(d/m_1)) ≤ 7/2 needs d ≤ (7/(2√2) − 1)² m_1 ≈ 2.18 m_1.
T51I_INPUT_RATIO = (ti.W_NORM_BOUND / math.sqrt(2.0) - 1.0) ** 2
_T51I_STAT = "max(max_l ‖W_l‖₂/(7/2), max_{l,i} ‖x_{l,i}‖/(3/2)) per draw"
T51I_PARTS = (
    Bound("regime", statistic=_T51I_STAT + "; L = 1, d = 2m₁ (Assumption 3.7's hard input shape), φ = 1, n = 4",
          bound="1 (‖x_{l,i}‖ ≤ 3/2 and ‖W_l‖₂ ≤ 7/2) in eq. (5.1)'s regime, C̄ = 1", delta=DELTA),
    Bound("regime_depth", statistic=_T51I_STAT + "; L = 2, hidden shape m₁ = 2m₂ = 2304 (Assumption 3.7's M = 2m), "
          "φ = 1/2, n = 2 (n = 2 keeps the regime's width, and the cost, lowest)",
          bound="1 in eq. (5.1)'s regime, C̄ = 1 (m ≥ 1122)", delta=DELTA),
    Bound("wide_input", statistic=_T51I_STAT + "; L = 1, d = 512 = 8m₁, m₁ = 64 (inside eq. 5.1: m ≥ 45)",
          bound="1: eq. (5.1) puts no condition on d = m₀", delta=DELTA),
)
def _t51i_control_cells(profile: str, seed: int = 0) -> list[dict]:
    """The control's cells: the statement's with every W_l scaled by 1.1, without the costly
    L = 2 cells (the L = 1 regime cells already carry the failure)."""
    return [c | {"w_scale": 1.1} for c in t51i_cells(profile, seed) if c["sweep"] != "regime_depth"]


T51I_CONTROL = Control("every W_l scaled by 1.1 (‖W_l‖₂ → 1.1·3.41 = 3.75 > 7/2 on the hard shapes); the L = 2 "
                       "cells are left out of the control (cost)", cells=_t51i_control_cells)


def t51i_cells(profile: str, seed: int = 0) -> list[dict]:
    """003 Theorem 5.1(i). The hard shapes of Assumption 3.7: (a) regime (C̄ = 1), L = 1, d = 2m₁,
    φ = 1, n = 4 (m ≥ 45): m ∈ {64, 256}; (a') quick/full: L = 2 with m₁ = 2m₂ (m₂ = 1152 ≥ 1122 at
    n = 2, φ = 1/2, d = 10: ‖W_2‖₂ → √2(1+√2) ≈ 3.41); (b) outside: m ∈ {2..32} (figures only);
    (c) eq. (5.1) puts no condition on d: d = 8m₁ = 512 (the finding)."""
    p = _profile(profile)
    reps = {"ci": 22, "quick": 30, "full": 100}[p]
    cells = [{"sweep": "regime", "m": m, "widths": [m], "d": 2 * m, "phi": 1.0, "n": 4, "reps": reps,
              "seed": _sub_seed(seed, 4, m)} for m in (64, 256)]
    if p != "ci":
        for k in range({"quick": 2, "full": 5}[p]):  # 2 × 20 (5 × 20) draws: two cells to spread the cost
            cells.append({"sweep": "regime_depth", "m": 1152, "widths": [2304, 1152], "d": 10, "phi": 0.5, "n": 2,
                          "reps": 20, "seed": _sub_seed(seed, 14, k)})
    cells += [{"sweep": "outside", "m": m, "widths": [m], "d": 2 * m, "phi": 1.0, "n": 4, "reps": 20,
               "seed": _sub_seed(seed, 5, m)} for m in ([2, 4, 8, 16, 32] if p != "ci" else [2, 4, 16])]
    cells.append({"sweep": "wide_input", "m": 64, "widths": [64], "d": 512, "phi": 1.0, "n": 4, "reps": 10,
                  "seed": _sub_seed(seed, 6)})
    return cells


@_single_thread
def t51i_run_cell(params: dict) -> dict:
    """Per draw, the slack ``max(‖W_l‖₂/(7/2), ‖x_{l,i}‖/(3/2))`` (> 1 is a failure). Layers
    wider than 1024 use the matrix-free Lanczos norm (residual ≤ 1e-7·λ)."""
    slacks = []
    for r in range(int(params["reps"])):
        s = _sub_seed(params["seed"], r)
        X, _, net = _zczg(params["n"], params["d"], params["widths"], s, phi=min(params["phi"], 1.0), **_net_kw(params))
        big = max(params["widths"]) > 1024
        # Ritz values never exceed ‖W‖₂²: tol 1e-7 under-reads ‖W‖₂ by ≤ 5e-8 relative
        Wn = mi.weight_spectral_norms_lanczos(net, tol=1e-7, seed=s) if big else mi.weight_spectral_norms(net)
        slacks.append(ti.t51_i_slack(Wn, mi.layer_norms(net, X)[1:].flatten().tolist()))
    reg = ti.zczg_5_1_regime(min(params["widths"]), params["n"], len(params["widths"]), params["phi"], DELTA)
    return {"slacks": slacks, "trials": len(slacks), "in_regime": reg["ok"], "required_width": reg["min_width"]}


def t51i_measure(results: Results) -> Evidence:
    """Each in-regime draw's slack (only cells inside eq. (5.1)'s regime count)."""
    parts = {}
    for name in ("regime", "regime_depth", "wide_input"):
        parts[name] = _bound_data([(i, p["d"] if name == "wide_input" else p["m"], s)
                                   for i, (p, r) in enumerate(results) if p["sweep"] == name and r["in_regime"]
                                   for s in r["slacks"]])
    figs = _min_width_held([(p, r | {"ratio": r["slacks"]}) for p, r in results], "ratio")
    figs |= {"input_ratio_limit": T51I_INPUT_RATIO, "delta": DELTA,
             "out_of_regime_cells": [p["sweep"] + f" m={p['m']}" for p, r in results
                                     if p["sweep"] != "outside" and not r["in_regime"]]}
    wide = [r for p, r in results if p["sweep"] == "wide_input"]
    note = f"narrowest width held (d = 2m, outside the regime) {figs['min_width_held']}"
    if wide:
        note += (f"; eq. (5.1) does not bound d, but ‖W_1‖₂ ≈ √2(1+√(d/m₁)) > 7/2 once d > {T51I_INPUT_RATIO:.2f}·m₁ "
                 f"(d = 512, m₁ = 64: min slack {min(wide[0]['slacks']):.2f})")
    return Evidence(parts, figs, note)


register("ZCZG-5.1.i", source="ZCZG 003, Theorem 5.1(i) (Vershynin Cor. 5.35, Corollary A.2)", cells=t51i_cells,
         run_cell=t51i_run_cell, measure=t51i_measure, parts=T51I_PARTS, control=T51I_CONTROL)


# ============================================================================ A.3 (E + S for C)
A3_PARTS = (
    Bound("closed_form", statistic="|quadrature − closed form| / max(|closed form|, 1e-6) per θ, over 1e-9",
          bound="1: E[σ(Z₁)σ(Z₂)] = (sin t + (π − t)cos t)/(2π), t = arccos ρ, ρ = 1 − θ²/2 (every θ)", delta=0.0),
    Bound("monte_carlo", statistic="|Monte Carlo − closed form| / (5 standard errors) per θ",
          bound="1 (a 5-SE band: false alarm ≈ 6e-7 per θ)", delta=0.0),
    Bound("monotone", statistic="number of decreasing steps of E[σ(Z₁)σ(Z₂)] (quadrature) over ρ ∈ [−1, 1] (41 points)",
          bound="0: the moment is increasing in ρ, so E Z₁Z₂ ≤ 1 − θ²/2 is covered by ρ = 1 − θ²/2", delta=0.0),
    Law("excess", statistic="E[σ(Z₁)σ(Z₂)] − (1/2 − θ²/4) by quadrature at ρ = 1 − θ²/2, θ ≤ 1/2", variable="theta",
        exponent=ts.A3_THETA_EXPONENT, direction="lower"),
)
A3_CONTROL = Control("Z₂ scaled by 1.1 (Var Z₂ = 1.21, not a standard Gaussian): the moment is 1.1× the closed form "
                     "and the excess tends to 0.05, not O(θ³)", params={"z2_scale": 1.1})


def a3_cells(profile: str, seed: int = 0) -> list[dict]:
    """θ on a geometric grid in [0.02, 2] (ρ = 1 − θ²/2 from 0.9998 to −1), MC sample size."""
    p = _profile(profile)
    k = {"ci": 12, "quick": 20, "full": 60}[p]
    return [{"thetas": [float(t) for t in np.geomspace(0.02, 2.0, k)],
             "mc_samples": {"ci": 50_000, "quick": 100_000, "full": 4_000_000}[p], "seed": _sub_seed(seed, 7)}]


@_single_thread
def a3_run_cell(params: dict) -> dict:
    """For each θ: E[σ(Z₁)σ(sZ₂)] (s = ``z2_scale``, 1 for the statement) at ρ = 1 − θ²/2 by
    scipy quadrature and by Monte Carlo (estimate, standard error), and the closed form."""
    s2 = float(params.get("z2_scale", 1.0))
    q, c, mc, se = [], [], [], []
    for k, t in enumerate(params["thetas"]):
        rho = ts.a3_rho(t)
        q.append(mi.relu_moment_quad_scaled(rho, s2))
        c.append(ts.relu_gaussian_moment(rho))
        e, s = mi.relu_moment_mc_scaled(rho, s2, params["mc_samples"], _sub_seed(params["seed"], k))
        mc.append(e)
        se.append(s)
    rhos = np.linspace(-1, 1, 41)
    mono = [mi.relu_moment_quad_scaled(float(r), s2) for r in rhos]
    return {"quad": q, "closed": c, "mc": mc, "mc_se": se, "monotone_steps": [float(v) for v in np.diff(mono)]}


def a3_measure(results: Results) -> Evidence:
    """003 Lemma A.3: per-θ relative error / 1e-9, MC z-scores / 5, monotonicity, the excess law;
    the smallest C (figures)."""
    p, r = results[0]
    th = p["thetas"]
    # relative error, absolute below 1e-6: at θ = 2 (ρ = −1) the moment is 0 and the closed form
    # rounds to ~1e-17
    rel = [abs(a - b) / max(abs(b), 1e-6) / RTOL for a, b in zip(r["quad"], r["closed"])]
    z = [abs(a - b) / max(s, 1e-15) / 5.0 for a, b, s in zip(r["mc"], r["closed"], r["mc_se"])]
    steps = r["monotone_steps"]
    C_all = ts.a3_smallest_C(th, r["quad"])
    small = [(t, e) for t, e in zip(th, r["quad"]) if t <= 0.5]
    C_small = ts.a3_smallest_C([t for t, _ in small], [e for _, e in small])
    ex = [(t, e - 0.5 + t * t / 4) for t, e in small]
    figs = {"max_rel_error": max(rel) * RTOL, "max_mc_z": max(z) * 5.0, "examples": len(th),
            "smallest_C_theta_le_2": C_all, "smallest_C_theta_le_0.5": C_small, "C_limit_theta_to_0": ts.A3_C_LIMIT,
            "min_monotone_step": min(steps), "constant": C_small, "thetas": [t for t, _ in ex],
            "excess": [e for _, e in ex]}
    return Evidence(
        {"closed_form": {"ratios": rel, "x": th}, "monotone": {"failures": int(sum(s < 0 for s in steps)),
                                                               "trials": len(steps), "slack": 0.0},
         "monte_carlo": {"ratios": z, "x": th}, "excess": {"x": [t for t, _ in ex], "y": [e for _, e in ex]}},
        figs, f"quadrature vs closed form: max rel {max(rel) * RTOL:.1e}; MC max {max(z) * 5:.1f} SE; smallest C: "
              f"{C_small:.4f} for θ ≤ 1/2, {C_all:.4f} for θ ≤ 2 (limit 1/(6π) = {ts.A3_C_LIMIT:.4f})")


def a3_plot(results: Results, judgement: Judgement, ax) -> None:
    f = judgement.figures
    _plot(ax, f["thetas"], f["excess"], 3.0, "θ", "E[σσ] − (1/2 − θ²/4)")


register("ZCZG-A.3", source="ZCZG 003, Lemma A.3", cells=a3_cells, run_cell=a3_run_cell, measure=a3_measure,
         parts=A3_PARTS, control=A3_CONTROL, plot=a3_plot)


# ============================================================================ A.4 / A.5 (W)
def _depth_width_law(what: str) -> Law:
    return Law("depth_width", statistic=f"narrowest width (×2 grid 8..1024) from which on the observed failure rate of "
               f"{what} is ≤ δ at every wider tried width, at φ = 1/L, n = 3, R draws per width (C = 1/κ = 1 shape)",
               variable="L", exponent=A4_DEPTH_WIDTH_EXPONENT, direction="upper", decides=False)


#: the regime's width L⁴φ⁻⁴ log(4n²L/δ) at φ = κ/L grows like L⁸ (up to the log): the narrowest
#: width at which the bound holds must grow no faster for the regime to suffice up to its constant.
#: Reported, not deciding: a ×2-grid search with R = 10 per width over L ≤ 4 measures where C = 1
#: is more than enough (the infinite-width margin of A.4's first layer is only 1 + 0.26/L, so the
#: search's cutoff grows like L², and at L = 4 it can lie beyond the grid: then "no data").
A4_DEPTH_WIDTH_EXPONENT = 8.0
A4_DEPTHS = (1, 2, 3, 4)
A4_DEPTH_WIDTHS = (8, 16, 32, 64, 128, 256, 512, 1024)

A4_PARTS = (
    Bound("regime", statistic="min_{l, i≠i'} ‖x̄_{l,i} − x̄_{l,i'}‖ / ([1 − log 2/(2L)]^l φ) per draw, data at "
          "separation exactly φ, n = 3; L = 1, φ = 1 (m = 64, 256) and L = 2, φ = 1/2 (m = 2048)",
          bound="≥ 1 in the regime φ ≤ κ/L, m ≥ C L⁴φ⁻⁴ log(4n²L/δ) (C = κ = 1)", delta=DELTA, direction="ge"),
    _depth_width_law("‖x̄_{l,i} − x̄_{l,i'}‖ ≥ [1 − log 2/(2L)]^l φ"),
)
A5_PARTS = (
    Bound("regime", statistic="min_{l, i≠i'} min(‖x̄_{l,i} − x̄_{l,i'}‖, ‖x_{l,i} − x_{l,i'}‖) / (φ/2) per draw, "
          "data at separation exactly φ, n = 3; L = 1, φ = 1 (m = 64, 256) and L = 2, φ = 1/2 (m = 2048)",
          bound="≥ 1 in Lemma A.4's regime (C = κ = 1)", delta=DELTA, direction="ge"),
    _depth_width_law("min(‖x̄_{l,i} − x̄_{l,i'}‖, ‖x_{l,i} − x_{l,i'}‖) ≥ φ/2"),
)
def _a45_control_cells(extra: dict):
    def cells(profile: str, seed: int = 0) -> list[dict]:
        """The control's cells: the statement's regime and outside cells with ``extra`` merged
        (the depth-width search is left out: cost)."""
        return [c | extra for c in a4_cells(profile, seed) if c["sweep"] != "depth_width"]

    return cells


A4_CONTROL = Control("data at separation 0.8φ while the bound is computed for φ (Assumption 3.6 broken)",
                     cells=_a45_control_cells({"sep_factor": 0.8}))
A5_CONTROL = Control("He variance halved (every W_l scaled by 1/√2): the raw separation shrinks by 2^{-l/2}",
                     cells=_a45_control_cells({"w_scale": 1.0 / math.sqrt(2.0)}))


def a4_cells(profile: str, seed: int = 0) -> list[dict]:
    """003 Lemma A.4 / Corollary A.5 on data at separation exactly φ (:func:`mi.tight_arc_data`),
    n = 3. Regime (C = 1, κ = 1): L = 1, φ = 1 (m ≥ 6; m = 64, 256 — at m = 16 about one draw in
    six fails: C = 1 is near the edge for L = 1) and L = 2, φ = 1/2 at m = 2048 (≥ 1832);
    outside (figures only): L = 2, φ = 1/2 at m ∈ {4..512}; the depth-width search: at φ = 1/L,
    L ∈ {1, 2, 3, 4}, widths 8..1024 (×2), R = 10 (full: 40) draws each (reported only)."""
    p = _profile(profile)
    reps = {"ci": 16, "quick": 20, "full": 100}[p]
    base = {"n": 3, "d": 10}
    cells = [base | {"sweep": "regime", "m": m, "L": 1, "phi": 1.0, "reps": reps, "seed": _sub_seed(seed, 8, m)}
             for m in (64, 256)]
    cells.append(base | {"sweep": "regime", "m": 2048, "L": 2, "phi": 0.5, "reps": {"ci": 10, "quick": 20, "full": 60}[p],
                         "seed": _sub_seed(seed, 8, 2048)})
    ws = {"ci": [8, 64], "quick": [4, 16, 64, 256], "full": [4, 8, 16, 32, 64, 128, 256, 512, 1024]}[p]
    cells += [base | {"sweep": "outside", "m": m, "L": 2, "phi": 0.5, "reps": reps, "seed": _sub_seed(seed, 9, m)}
              for m in ws]
    if p != "ci":
        cells += [base | {"sweep": "depth_width", "m": m, "L": L, "phi": 1.0 / L, "reps": {"quick": 10, "full": 40}[p],
                          "seed": _sub_seed(seed, 17, L, m)} for L in A4_DEPTHS for m in A4_DEPTH_WIDTHS]
    return cells


@_single_thread
def a4_run_cell(params: dict) -> dict:
    """Per draw: ``min_{l, i≠i'} ‖x̄_{l,i} − x̄_{l,i'}‖ / ([1 − log 2/(2L)]^l φ)`` (A.4; < 1 fails)
    and ``min_{l,i≠i'} min(‖x̄_l,i − x̄_l,i'‖, ‖x_l,i − x_l,i'‖)/(φ/2)`` (A.5). The data sit at
    separation ``sep_factor·φ`` (1 for the statement)."""
    L, phi = int(params["L"]), float(params["phi"])
    data_phi = phi * float(params.get("sep_factor", 1.0))
    r4, r5 = [], []
    for r in range(int(params["reps"])):
        s = _sub_seed(params["seed"], r)
        X, _ = mi.tight_arc_data(params["n"], params["d"], data_phi, seed=s)
        net = zczg_net(params["d"], [params["m"]] * L, s + 1, **_net_kw(params))
        sep = mi.pairwise_min_separations(net.forward_trace(X).outputs)
        r4.append(min(sep["normalized"][l - 1] / ti.a4_bound(phi, l, L) for l in range(1, L + 1)))
        r5.append(min(min(a, b) for a, b in zip(sep["normalized"], sep["raw"])) / ti.a5_bound(phi))
    reg = ti.a4_regime(params["m"], params["n"], L, phi, DELTA)
    return {"ratio_a4": r4, "ratio_a5": r5, "in_regime": reg["ok"], "required_width": reg["min_width"],
            "trials": len(r4)}


def _a45_measure(results: Results, key: str, what: str) -> Evidence:
    reg = [(i, p, r) for i, (p, r) in enumerate(results) if p["sweep"] == "regime" and r["in_regime"]]
    data = _bound_data([(i, p["L"], v) for i, p, r in reg for v in r[key]])
    figs = _min_width_held(results, key, direction="ge")
    if figs["min_width_held"] is not None:
        p0 = next(p for p, _ in results if p["sweep"] == "outside")
        figs["C_implied"] = figs["min_width_held"] / ti.a4_min_width(p0["n"], p0["L"], p0["phi"], DELTA)
    figs["infinite_width_kappa_limit_L2"] = ti.a4_kappa_limit(2)
    figs["worst_ratio_by_depth"] = {L: min(v for _, p, r in reg if p["L"] == L for v in r[key])
                                    for L in sorted({p["L"] for _, p, _ in reg})}
    figs["delta"] = DELTA
    # the depth-width search: per L, the narrowest width from which on every tried width had an
    # observed failure rate ≤ δ (None: no tried width held)
    fail = (lambda v: v < 1.0)
    dw: dict = {}
    for p, r in results:
        if p["sweep"] == "depth_width":
            dw.setdefault(p["L"], {})[p["m"]] = sum(fail(v) for v in r[key]) / len(r[key])
    narrowest = {}
    for L, rates in sorted(dw.items()):
        mh = None
        for w in sorted(rates, reverse=True):
            if rates[w] > DELTA:
                break
            mh = w
        narrowest[L] = mh
    if dw:
        figs["depth_width"] = {"narrowest_width": narrowest, "failure_rates": dw,
                               "C_implied": {L: (w / ti.a4_min_width(3, L, 1.0 / L, DELTA) if w else None)
                                             for L, w in narrowest.items()}}
    dwd = ({"x": list(narrowest), "y": [float(w) if w else math.nan for w in narrowest.values()]} if dw else None)
    note = (f"{what}; outside (L = 2, φ = 1/2) held from width {figs['min_width_held']} "
            f"(C ≈ {figs.get('C_implied', float('nan')):.3g})")
    if dw:
        note += "; at φ = 1/L the bound held from width " + ", ".join(f"{w} (L = {L})" for L, w in narrowest.items())
    return Evidence({"regime": data, "depth_width": dwd}, figs, note)


def a4_measure(results: Results) -> Evidence:
    return _a45_measure(results, "ratio_a4", "‖x̄_l,i − x̄_l,i'‖ ≥ [1 − log2/(2L)]^l φ")


def a5_measure(results: Results) -> Evidence:
    return _a45_measure(results, "ratio_a5", "‖x̄_l,i − x̄_l,i'‖, ‖x_l,i − x_l,i'‖ ≥ φ/2")


register("ZCZG-A.4", source="ZCZG 003, Lemma A.4", cells=a4_cells, run_cell=a4_run_cell, measure=a4_measure,
         parts=A4_PARTS, control=A4_CONTROL)
register("ZCZG-A.5", source="ZCZG 003, Corollary A.5 (Theorem 5.1(ii))", cells=a4_cells, run_cell=a4_run_cell,
         measure=a5_measure, parts=A5_PARTS, control=A5_CONTROL)


# ============================================================================ A.6 and 000 Lemma 5.1 (S)
#: why the tail law cannot decide: the (1−δ)-quantile of a max of n sub-Gaussians is about
#: σ√(2 log(2n/δ) − log(4π log(2n/δ))): bounded by C√log(n/δ), but its local log-slope in
#: √log(n/δ) exceeds 1 at every finite n/δ (→ 1 from above), so an exponent test over a finite
#: sweep rejects 1 while the bound holds. The constant quantile/√log(n/δ) is reported beside it.
_TAIL_WHY = ("also measured: the max of n sub-Gaussians has quantile ≈ σ√(2log(2n/δ) − log(4π log(2n/δ))), whose "
             "local slope in √log(n/δ) exceeds 1 at every finite n/δ; the bounded constant is the figure")
A6_PARTS = (
    Law("width", statistic="max_i |ŷ_i| / √log(n/δ) per draw (every draw a point), L = 2, n = 8", variable="m",
        exponent=ti.A6_WIDTH_EXPONENT, direction="upper"),
    Law("tail", statistic="(1−δ)-quantile over R ≥ 10/δ draws of max_i |ŷ_i| at m = 256, L = 2; n ∈ {1..128} at "
        "δ = 0.1 and δ ∈ {0.3, 0.1, 0.03} at n = 8 (" + _TAIL_WHY + ")", variable="sqrt_log_n_over_delta",
        exponent=1.0, direction="upper", decides=False),
)
INIT_LOSS_PARTS = (
    Law("width", statistic="L_S(W⁽⁰⁾) (cross-entropy) / √log(n/δ) per draw (every draw a point), L = 2, n = 8",
        variable="m", exponent=ti.A6_WIDTH_EXPONENT, direction="upper"),
    Law("tail", statistic="(1−δ)-quantile over R ≥ 10/δ draws of L_S(W⁽⁰⁾) at m = 256, L = 2, the (n, δ) grid of "
        "ZCZG-A.6's tail (" + _TAIL_WHY + ")", variable="sqrt_log_n_over_delta", exponent=1.0, direction="upper",
        decides=False),
)


def _a6_control_cells(profile: str, seed: int = 0) -> list[dict]:
    """The control's cells: the width sweep with W_1 not normalised (the tail cells, which decide
    nothing, are left out)."""
    return [c | {"w1_sqrt_m": True} for c in a6_cells(profile, seed) if c["sweep"] == "width"]


A6_CONTROL = Control("W_1 not normalised by the width (entries N(0, 2), not N(0, 2/m₁)): ŷ grows like √m",
                     cells=_a6_control_cells)
#: the tail sweep's (n, δ) grid
A6_TAIL = {"ci": [], "quick": [(1, 0.1), (2, 0.1), (8, 0.1), (32, 0.1), (128, 0.1), (8, 0.3), (8, 0.03)],
           "full": [(1, 0.1), (2, 0.1), (8, 0.1), (32, 0.1), (128, 0.1), (512, 0.1), (8, 0.3), (8, 0.03), (8, 0.01),
                    (128, 0.01)]}


def a6_cells(profile: str, seed: int = 0) -> list[dict]:
    """Width sweep (L = 2, n = 8), R draws: |ŷ_i| and L_S(W⁽⁰⁾) must not grow with m; from quick on
    a tail sweep over n and δ at m = 256 (R ≥ 10/δ draws per cell, data at separation 0.3)."""
    p = _profile(profile)
    ms_ = {"ci": [16, 64, 256, 1024], "quick": [16, 64, 256, 1024], "full": [16, 64, 256, 1024, 4096]}[p]
    reps = {"ci": 20, "quick": 30, "full": 200}[p]
    cells = [{"sweep": "width", "m": m, "L": 2, "n": 8, "d": 10, "reps": reps, "seed": _sub_seed(seed, 10, m)} for m in ms_]
    cells += [{"sweep": "tail", "m": 256, "L": 2, "n": n, "d": 10, "delta": dl, "reps": max(100, int(round(10 / dl))),
               "seed": _sub_seed(seed, 16, n, int(dl * 1000))} for n, dl in A6_TAIL[p]]
    return cells


@_single_thread
def a6_run_cell(params: dict) -> dict:
    """Per draw, ``max_i |ŷ_i|`` (003 Lemma A.6) and the cross-entropy ``L_S(W⁽⁰⁾)`` (000 Lemma 5.1)."""
    yh, ls = [], []
    for r in range(int(params["reps"])):
        X, y, net = _zczg(params["n"], params["d"], [params["m"]] * params["L"], _sub_seed(params["seed"], r),
                          **_net_kw(params))
        yh.append(float(net.forward(X).abs().max()))
        ls.append(float(net.loss(X, y, loss="logistic")))
    return {"max_abs_output": yh, "loss": ls}


def _width_const(results: Results, key: str, what: str) -> Evidence:
    wid = [(p, r) for p, r in results if p.get("sweep", "width") == "width"]
    m = [p["m"] for p, _ in wid]
    y = [upper_quantile(r[key]) / ti.a6_rate(p["n"], DELTA) for p, r in wid]
    figs = {"constant": max(y, default=None), "constants": y, "widths": m, "quantiles": y, "delta": DELTA}
    xs = [p["m"] for p, r in wid for _ in r[key]]
    ys = [v / ti.a6_rate(p["n"], DELTA) for p, r in wid for v in r[key]]
    tail = [(p, r) for p, r in results if p.get("sweep") == "tail"]
    tx = [ti.a6_rate(p["n"], p["delta"]) for p, _ in tail]
    ty = [upper_quantile(r[key], p["delta"]) for p, r in tail]
    if tail:
        figs["tail"] = {"n": [p["n"] for p, _ in tail], "delta": [p["delta"] for p, _ in tail], "sqrt_log_n_over_delta": tx,
                        "quantiles": ty, "constants": [a / b for a, b in zip(ty, tx)]}
    note = f"{what}: C = (1−δ)-quantile/√log(n/δ) ≤ {max(y, default=math.nan):.3f} over m"
    if tail:
        c = figs["tail"]["constants"]
        note += f"; over the (n, δ) grid C ∈ [{min(c):.2f}, {max(c):.2f}]"
    return Evidence({"width": {"x": xs, "y": ys} if wid else None, "tail": {"x": tx, "y": ty} if tail else None}, figs,
                    note)


def a6_measure(results: Results) -> Evidence:
    return _width_const(results, "max_abs_output", "max_i |ŷ_i|")


def init_loss_measure(results: Results) -> Evidence:
    return _width_const(results, "loss", "L_S(W⁽⁰⁾) (cross-entropy)")


def a6_plot(results: Results, judgement: Judgement, ax) -> None:
    _plot(ax, judgement.figures["widths"], judgement.figures["quantiles"], 0.0, "width m", "(1−δ)-quantile / √log(n/δ)")


register("ZCZG-A.6", source="ZCZG 003, Lemma A.6 (Theorem 5.1(iii))", cells=a6_cells, run_cell=a6_run_cell,
         measure=a6_measure, parts=A6_PARTS, control=A6_CONTROL, plot=a6_plot)
register("ZCZG-init-loss", source="ZCZG 000, Lemma 5.1", cells=a6_cells, run_cell=a6_run_cell,
         measure=init_loss_measure, parts=INIT_LOSS_PARTS, control=A6_CONTROL, plot=a6_plot)


# ============================================================================ AZLS Step 1 (S)
AZLS_NORM_PARTS = (
    Law("width", statistic="max_{i,l} |‖h_{i,l}‖ − 1| over l = 0..L per draw (every draw a point), L = 3, n = 4",
        variable="m", exponent=-0.5, direction="upper"),
)
AZLS_NORM_CONTROL = Control("A and every W_l scaled by 1.1 (layers grow geometrically): ‖h_L‖ → 1.1^{L+1}, not ≈ 1",
                            params={"w_scale": 1.1})


def azls_norm_cells(profile: str, seed: int = 0) -> list[dict]:
    p = _profile(profile)
    # widths from 64: below it the deviation is O(1) and the fit leaves the m^(-1/2) regime
    ms_ = {"ci": [64, 128, 256, 512], "quick": [64, 128, 256, 512, 1024], "full": [64, 128, 256, 512, 1024, 2048, 4096]}[p]
    reps = {"ci": 8, "quick": 20, "full": 100}[p]
    return [{"m": m, "L": 3, "n": 4, "d": 10, "reps": reps, "seed": _sub_seed(seed, 11, m)} for m in ms_]


@_single_thread
def azls_norm_run_cell(params: dict) -> dict:
    """Per draw, ``max_{i,l} |‖h_{i,l}‖ − 1|`` over l = 0..L (AZLS data: last coordinate 1/√2)."""
    dev = []
    for r in range(int(params["reps"])):
        s = _sub_seed(params["seed"], r)
        X, _ = _data.separated_sphere(params["n"], params["d"], 0.3, mu=_data.AZLS_MU, seed=s)
        net = _azls_net(params, params["m"], params["L"], s + 1)
        dev.append(max(float((h.norm(dim=-1) - 1).abs().max()) for h in mi.azls_hidden(net, X)))
    return {"deviation": dev}


def azls_norm_measure(results: Results) -> Evidence:
    x = [p["m"] for p, r in results for _ in r["deviation"]]
    y = [v for _, r in results for v in r["deviation"]]
    q = [upper_quantile(r["deviation"]) for _, r in results]
    m = [p["m"] for p, _ in results]
    C = [v * math.sqrt(w) for v, w in zip(q, m)]
    figs = {"constant": max(C, default=None), "widths": m, "quantiles": q, "delta": DELTA}
    return Evidence({"width": {"x": x, "y": y}}, figs, f"√m·(1−δ)-quantile of max |‖h_l‖−1| ≤ {max(C, default=math.nan):.2f}")


def azls_norm_plot(results: Results, judgement: Judgement, ax) -> None:
    _plot(ax, judgement.figures["widths"], judgement.figures["quantiles"], -0.5, "width m", "max |‖h‖−1|")


register("AZLS-step1.norm", source="AZLS 002, Section 4 Step 1 (forward norms)", cells=azls_norm_cells,
         run_cell=azls_norm_run_cell, measure=azls_norm_measure, parts=AZLS_NORM_PARTS, control=AZLS_NORM_CONTROL,
         plot=azls_norm_plot)


#: κ of the depth sweep's δ = κ/L (ZCZG's φ ≤ κ/L; at infinite width sep_L/δ ≈ 0.95 for every L)
AZLS_SEP_KAPPA = 0.5
AZLS_SEP_PARTS = (
    Law("delta", statistic="δ-quantile over R draws of min_{l, i≠j} ‖h_{i,l} − h_{j,l}‖, L = 3, m = 256, data at "
        "separation exactly δ", variable="delta", exponent=ti.AZLS_SEPARATION_EXPONENT, direction="upper"),
    Law("width", statistic="min_{l, i≠j} ‖h_{i,l} − h_{j,l}‖ / δ per draw (every draw a point) at δ = 0.2, L = 3",
        variable="m",
        exponent=0.0, direction="lower"),
    Law("depth", statistic=f"min_{{l, i≠j}} ‖h_{{i,l}} − h_{{j,l}}‖ / δ at δ = {AZLS_SEP_KAPPA}/L "
        "per draw (every draw a point; one network per depth), m = 32L", variable="L", exponent=0.0, direction="lower"),
)
AZLS_SEP_CONTROL = Control("depth cells at a fixed δ = 1/2 (not ≲ 1/L): the infinite-width recursion gives "
                           "sep_L/δ = 0.90, 0.81, 0.69, 0.53 at L = 2, 4, 8, 16 — a depth-dependent constant",
                           params={"depth_sep_fixed": 0.5})


def azls_sep_depth_width(L: int) -> int:
    """The depth sweep's width, m = 32L: AZLS's m ≥ poly(L). (At a fixed m the finite-width spread
    of log‖h_i − h_j‖ grows like √(L/m): at m = 256 the ratio falls from 0.77 at L = 2 to 0.33 at
    L = 32 even at δ = 1/(2L), where the infinite-width recursion gives 0.95 for every L.)"""
    return 32 * int(L)


AZLS_SEP_DEPTHS = {"ci": [2, 4, 8, 16], "quick": [2, 4, 8, 16], "full": [2, 4, 8, 16, 32, 64]}


def azls_sep_cells(profile: str, seed: int = 0) -> list[dict]:
    """A δ sweep (m = 256, L = 3, data at separation exactly δ), a width sweep at δ = 0.2, and a
    depth sweep at δ = κ/L (κ = 1/2), m = 32L, L ∈ {2, 4, 8, 16} (full: to 64)."""
    p = _profile(profile)
    reps = {"ci": 8, "quick": 16, "full": 100}[p]
    base = {"n": 3, "d": 10, "L": 3, "reps": reps}
    cells = [base | {"sweep": "delta", "m": 256, "sep": s, "seed": _sub_seed(seed, 12, int(s * 1000))}
             for s in (0.025, 0.05, 0.1, 0.2, 0.4)]
    cells += [base | {"sweep": "width", "m": m, "sep": 0.2, "seed": _sub_seed(seed, 13, m)}
              for m in ([32, 64, 128, 256] if p != "full" else [32, 64, 128, 256, 512, 1024])]
    cells += [base | {"sweep": "depth", "m": azls_sep_depth_width(L), "L": L, "sep": AZLS_SEP_KAPPA / L,
                      "reps": {"ci": 16, "quick": 16, "full": 100}[p], "seed": _sub_seed(seed, 15, L)}
              for L in AZLS_SEP_DEPTHS[p]]
    return cells


@_single_thread
def azls_sep_run_cell(params: dict) -> dict:
    """Per draw, ``min_{l, i≠j} ‖h_{i,l} − h_{j,l}‖`` over l = 0..L, data at separation ``sep``
    (depth cells: ``depth_sep_fixed`` when a control sets it)."""
    sep = float(params["sep"])
    if params.get("sweep") == "depth" and params.get("depth_sep_fixed"):
        sep = float(params["depth_sep_fixed"])
    out = []
    for r in range(int(params["reps"])):
        s = _sub_seed(params["seed"], r)
        X, _ = mi.tight_arc_data(params["n"], params["d"], sep, mu=_data.AZLS_MU, seed=s)
        net = _azls_net(params, params["m"], params["L"], s + 1)
        out.append(min(mi.pairwise_min_separations(mi.azls_hidden(net, X))["raw"]))
    return {"min_sep": out, "sep": sep}


def azls_sep_measure(results: Results) -> Evidence:
    dl = [(p, r) for p, r in results if p["sweep"] == "delta"]
    x = [r.get("sep", p["sep"]) for p, r in dl]
    y = [lower_quantile(r["min_sep"]) for _, r in dl]
    wd = [(p, r) for p, r in results if p["sweep"] == "width"]
    yw = [lower_quantile(r["min_sep"]) / r.get("sep", p["sep"]) for p, r in wd]
    dp = sorted([(p, r) for p, r in results if p["sweep"] == "depth"], key=lambda t: t[0]["L"])
    yd = [lower_quantile(r["min_sep"]) / r.get("sep", p["sep"]) for p, r in dp]
    xd_all = [p["L"] for p, r in dp for _ in r["min_sep"]]
    yd_all = [v / r.get("sep", p["sep"]) for p, r in dp for v in r["min_sep"]]
    const = min([a / b for a, b in zip(y, x)] + yw + yd, default=None)
    figs = {"constant": const, "seps": x, "quantiles": y, "width_ratios": yw, "depths": [p["L"] for p, _ in dp],
            "depth_ratios": yd, "depth_seps": [r.get("sep", p["sep"]) for p, r in dp], "delta": DELTA}
    return Evidence({"delta": {"x": x, "y": y} if dl else None,
                     "width": {"x": [p["m"] for p, r in wd for _ in r["min_sep"]],
                               "y": [v / r.get("sep", p["sep"]) for p, r in wd for v in r["min_sep"]]} if wd else None,
                     "depth": {"x": xd_all, "y": yd_all} if dp else None}, figs,
                    f"min over sweeps of δ-quantile/δ: {const if const is not None else math.nan:.3f}; along L: "
                    + ", ".join(f"{v:.2f}" for v in yd))


def azls_sep_plot(results: Results, judgement: Judgement, ax) -> None:
    _plot(ax, judgement.figures["seps"], judgement.figures["quantiles"], 1.0, "separation δ", "min ‖h_i − h_j‖")


register("AZLS-step1.separation", source="AZLS 002, Section 4 Step 1 (separation)", cells=azls_sep_cells,
         run_cell=azls_sep_run_cell, measure=azls_sep_measure, parts=AZLS_SEP_PARTS, control=AZLS_SEP_CONTROL,
         plot=azls_sep_plot)
