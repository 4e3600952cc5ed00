"""Catalogue family 'resnet': AZLS (``seeds/002``) Section 5 — residual networks
``h_l = σ(h_{l−1} + W_l h_{l−1})`` with small-scale init (τ = 1/L): forward norms bounded in depth
(exact bound Π(1 + ‖W_l‖₂) checked on every input, log-log slope in L vs exponent 0) and GD to ε
training error up to L = 20 (steps against log(1/ε) also measured). The critical scale τ = 1/√L
is swept too and reported ("also measured", see PARTS). See the package docstring for the protocol."""
from __future__ import annotations


import math

from . import Bound, Control, Evidence, Judgement, Law, register
from .. import data as _data
from ..network import ResidualNet
from ..metrics import resnet as mr
from ..theory import resnet as tr_
from ._cells import single_thread, sub_seed as _sub_seed

Results = list[tuple[dict, dict]]
RTOL = 1e-9

__all__ = ["resnet_cells", "resnet_run_cell", "resnet_measure", "resnet_plot", "resnet_setup", "PARTS", "CONTROL"]

#: the parts that decide AZLS-resnet's verdict, declared before any data
PARTS = (
    Law("depth", statistic="max_i ‖h_{i,L}‖/‖h_{i,0}‖ per draw", variable="L",
        exponent=tr_.RESNET_DEPTH_EXPONENT, direction="upper", resolution=0.1),
    # bounded in depth also excludes geometric growth c^L: log of the per-layer factor ≤ 0, with the
    # alternative c = e^0.05 (×12 over 50 layers) to exclude
    Law("depth_geometric", statistic="max_i ‖h_{i,L}‖/‖h_{i,0}‖ per draw (per-layer factor)", variable="L",
        exponent=0.0, direction="upper", resolution=0.05, model="geometric"),
    # the critical scale τ = 1/√L (issue 15), also measured: E‖h_L‖² ≤ (1 + 2/L)^L‖h_0‖² ≤ e²‖h_0‖²
    # is bounded, but approached from below over L ≤ 100 — measured (quick, every draw): slope 0.11
    # [0.05, 0.16], per-layer log factor 0.003 [0.001, 0.006]; a power or geometric fit over a finite
    # sweep cannot tell that saturation from growth, so these parts do not decide
    Law("depth_critical", statistic="max_i ‖h_{i,L}‖/‖h_{i,0}‖ per draw at τ = 1/√L", variable="L",
        exponent=tr_.RESNET_DEPTH_EXPONENT, direction="upper", resolution=0.1, decides=False),
    Law("depth_critical_geometric", statistic="max_i ‖h_{i,L}‖/‖h_{i,0}‖ per draw at τ = 1/√L (per-layer factor)",
        variable="L", exponent=0.0, direction="upper", resolution=0.05, model="geometric", decides=False),
    Bound("forward_product", statistic="‖h_{i,L}‖ / (‖h_{i,0}‖ Π_l(1 + ‖W_l‖₂)) per draw (max over i)",
          bound="theory.resnet.resnet_forward_bound (exact)", delta=0.0),
    Bound("gd", statistic="min_k F(W⁽ᵏ⁾)/ε per GD run", bound="F ≤ ε = 1e-3 within theory.resnet.resnet_gd_regime",
          delta=0.0),
    # AZLS Theorem 7: T = Õ(poly(n, L)/δ² · log 1/ε) — also measured (a power fit of T in log(1/ε)
    # sees GD's slowing modes, see catalogue.trajectory AZLS-thm1)
    Law("gd_steps", statistic="GD steps to F ≤ ε per run, ε = 10⁻², 10⁻⁴, …, 10⁻¹⁰ (absolute)", variable="log(1/ε)",
        exponent=1.0, direction="upper", decides=False),
)
#: the ε of the steps-against-log(1/ε) figure (GD continues to the smallest)
GD_EPS = (1e-2, 1e-4, 1e-6, 1e-8, 1e-10)
#: τ = O(1) residual init: the forward norms then grow geometrically in L (AZLS Section 5 needs τ small)
CONTROL = Control("residual init at scale τ = 1 (O(1), not 1/L): ‖h_L‖ grows geometrically in depth",
                  params={"scale": 1.0, "train": False})


def resnet_setup(params: dict):
    """Data on the unit sphere (AZLS Assumption 2.1, separation 0.2), targets N(0, 1/d_out), and
    a :class:`ResidualNet` with τ = 1/L (``theory.resnet.resnet_default_scale``; ``"critical":
    True``: τ = 1/√L; ``"scale"``: the control's τ)."""
    n, d, m, L, d_out = (int(params[k]) for k in ("n", "d", "m", "L", "d_out"))
    X, _ = _data.separated_sphere(n, d, 0.2, seed=int(params["seed"]))
    Y = _data.random_targets(n, d_out, seed=int(params["seed"]) + 1)
    scale = float(params.get("scale") or (tr_.resnet_critical_scale(L) if params.get("critical")
                                          else tr_.resnet_default_scale(L)))  # "scale": the control's τ
    net = ResidualNet.gaussian_init(d, m, L, d_out, scale=scale, seed=int(params["seed"]) + 2)
    return X, Y, net


def resnet_cells(profile: str, seed: int = 0) -> list[dict]:
    """Depths L ∈ {2, 5, 10, 20, 50(, 100, 200)} × draws (forward norms) at τ = 1/L and at the
    critical τ = 1/√L, and GD at L ∈ {2, 5, 10, 20} (``train``; ci: {2, 5}) at τ = 1/L."""
    if profile not in ("ci", "quick", "full"):
        raise ValueError(f"profile must be 'ci', 'quick' or 'full', got {profile!r}")
    Ls = {"ci": [2, 5, 10, 20, 50], "quick": [2, 5, 10, 20, 50, 100], "full": [2, 5, 10, 20, 50, 100, 200]}[profile]
    R = {"ci": 4, "quick": 6, "full": 10}[profile]
    gd = {2, 5} if profile == "ci" else {2, 5, 10, 20}
    return [{"n": 8, "d": 6, "m": 32, "d_out": 2, "L": L, "seed": _sub_seed(seed, L, r, int(crit)),
             "train": L in gd and r == 0 and not crit, "critical": crit}
            for crit in (False, True) for L in Ls for r in range(R)]


@single_thread
def resnet_run_cell(params: dict) -> dict:
    X, Y, net = resnet_setup(params)
    f = mr.resnet_forward_norms(net, X)
    bound_ratio = max(float(hl) / tr_.resnet_forward_bound(float(h0), f["residual_spec"])
                      for hl, h0 in zip(f["norms"][-1], f["h0"]))
    out = {"L": int(params["L"]), "max_hL": f["max_hL"], "max_any": f["max_any"], "h0_max": f["h0_max"],
           "bound_ratio": bound_ratio}
    if params.get("train"):
        reg = tr_.resnet_gd_regime(int(params["L"]), int(params["m"]))
        # chunks of ≤ 250 steps (the done check runs per chunk), to the smallest GD_EPS
        loss = mr.resnet_gd(net, X, Y, lr=reg["lr"], steps=min(250, reg["steps"]), eps=GD_EPS[-1],
                            max_steps=reg["max_steps"])
        F = loss.tolist()
        out.update(loss0=F[0], lossT=F[-1], best_loss=min(F), eps=reg["eps"], steps=len(F) - 1,
                   reached=bool(min(F) <= reg["eps"]),
                   steps_to=[next((t for t, v in enumerate(F) if v <= e), None) for e in GD_EPS])
    return out


def resnet_measure(results: Results) -> Evidence:
    """AZLS-resnet's evidence: the depth sweep of max‖h_L‖/‖h_0‖, the exact product bound per draw,
    and every GD run's best loss over ε."""
    by: dict[int, list[float]] = {}
    for p, m in results:
        if not p.get("critical"):
            by.setdefault(m["L"], []).append(m["max_hL"] / m["h0_max"])
    Ls = sorted(by)
    ys = [max(by[L]) for L in Ls]

    def depth(crit: bool) -> dict | None:  # every draw
        d = [(m["L"], m["max_hL"] / m["h0_max"]) for p, m in results if bool(p.get("critical")) == crit]
        return {"x": [a for a, _ in d], "y": [b for _, b in d]} if d else None
    gd = [m for _, m in results if "reached" in m]
    cells = [i for i, (_, m) in enumerate(results)]
    steps = [(math.log(1 / e), T) for m in gd for e, T in zip(GD_EPS, m["steps_to"]) if T]
    crit: dict[int, list[float]] = {}
    for p, m in results:
        if p.get("critical"):
            crit.setdefault(m["L"], []).append(m["max_hL"] / m["h0_max"])
    figs = {"L": Ls, "max_hL_over_h0": ys,
            "critical_max_hL_over_h0": {int(L): max(v) for L, v in sorted(crit.items())},
            "gd_reached_eps": [{"L": m["L"], "loss0": m["loss0"], "lossT": m["lossT"], "steps": m["steps"],
                                "steps_to": dict(zip([f"{e:g}" for e in GD_EPS], m["steps_to"]))} for m in gd]}
    return Evidence(
        {"depth": depth(False), "depth_geometric": depth(False), "depth_critical": depth(True),
         "depth_critical_geometric": depth(True),
         "forward_product": {"ratios": [m["bound_ratio"] for _, m in results], "x": [m["L"] for _, m in results],
                             "cells": cells},
         "gd": ({"ratios": [m["best_loss"] / m["eps"] for m in gd], "x": [m["L"] for m in gd],
                 "cells": [i for i, (_, m) in enumerate(results) if "reached" in m]} if gd else None),
         "gd_steps": ({"x": [a for a, _ in steps], "y": [float(b) for _, b in steps]} if steps else None)},
        figs, f"max‖h_L‖/‖h_0‖ ≤ {max(ys) if ys else math.nan:.3g} up to L={Ls[-1] if Ls else None} (τ = 1/L); GD reached ε in {sum(m['reached'] for m in gd)}/{len(gd)} runs")


def resnet_plot(results: Results, judgement: Judgement, ax) -> None:
    f = judgement.figures
    ax.loglog(f["L"], f["max_hL_over_h0"], "o", label="max‖h_L‖/‖h_0‖")
    ax.axhline(1.0, ls="--", label="theory: bounded (L⁰)")
    ax.set_xlabel("L")
    ax.legend()


register("AZLS-resnet", source="AZLS 002, Section 5 (residual nets, Appendix J)", cells=resnet_cells,
         run_cell=resnet_run_cell, measure=resnet_measure, parts=PARTS, control=CONTROL, plot=resnet_plot)
