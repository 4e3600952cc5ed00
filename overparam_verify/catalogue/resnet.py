"""Catalogue family 'resnet': AZLS (``seeds/002``) Section 5 — residual networks
``h_l = σ(h_{l−1} + W_l h_{l−1})`` with small-scale init (τ = 1/L): forward norms bounded in depth
(exact bound Π(1 + ‖W_l‖₂) checked on every input, log-log slope in L vs exponent 0) and GD to
ε training error. See the package docstring for the protocol."""
from __future__ import annotations


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
    Law("depth", statistic="max over draws of max_i ‖h_{i,L}‖/‖h_{i,0}‖", variable="L",
        exponent=tr_.RESNET_DEPTH_EXPONENT, direction="upper", resolution=0.1),
    # bounded in depth also excludes geometric growth c^L: log of the per-layer factor ≤ 0, with the
    # alternative c = e^0.05 (×12 over 50 layers) to exclude
    Law("depth_geometric", statistic="max over draws of max_i ‖h_{i,L}‖/‖h_{i,0}‖ (per-layer factor)", variable="L",
        exponent=0.0, direction="upper", resolution=0.05, model="geometric"),
    Bound("forward_product", statistic="‖h_{i,L}‖ / (‖h_{i,0}‖ Π_l(1 + ‖W_l‖₂)) per draw (max over i)",
          bound="theory.resnet.resnet_forward_bound (exact)", delta=0.0),
    Bound("gd", statistic="min_k F(W⁽ᵏ⁾)/ε per GD run", bound="F ≤ ε = 1e-3 within theory.resnet.resnet_gd_regime",
          delta=0.0),
)
#: τ = O(1) residual init: the forward norms then grow geometrically in L (AZLS Section 5 needs τ small)
CONTROL = Control("residual init at scale τ = 1 (O(1), not 1/L): ‖h_L‖ grows geometrically in depth",
                  params={"scale": 1.0, "train": False})


def resnet_setup(params: dict):
    """Data on the unit sphere (AZLS Assumption 2.1, separation 0.2), targets N(0, 1/d_out), and
    a :class:`ResidualNet` with τ = 1/L."""
    n, d, m, L, d_out = (int(params[k]) for k in ("n", "d", "m", "L", "d_out"))
    X, _ = _data.separated_sphere(n, d, 0.2, seed=int(params["seed"]))
    Y = _data.random_targets(n, d_out, seed=int(params["seed"]) + 1)
    scale = float(params.get("scale") or tr_.resnet_default_scale(L))  # "scale": the control's τ
    net = ResidualNet.gaussian_init(d, m, L, d_out, scale=scale, seed=int(params["seed"]) + 2)
    return X, Y, net


def resnet_cells(profile: str, seed: int = 0) -> list[dict]:
    """Depths L ∈ {2, 5, 10, 20, 50} (forward norms) and GD at L ∈ {2, 5} (``train``)."""
    if profile not in ("ci", "quick", "full"):
        raise ValueError(f"profile must be 'ci', 'quick' or 'full', got {profile!r}")
    Ls = [2, 5, 10, 20, 50] if profile != "full" else [2, 5, 10, 20, 50, 100, 200]
    R = 1 if profile == "ci" else (2 if profile == "quick" else 10)
    gd = {2} if profile == "ci" else ({2, 5} if profile == "quick" else {2, 5, 10, 20})
    return [{"n": 8, "d": 6, "m": 32, "d_out": 2, "L": L, "seed": _sub_seed(seed, L, r), "train": L in gd and r == 0}
            for L in Ls for r in range(R)]


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
        loss = mr.resnet_gd(net, X, Y, lr=reg["lr"], steps=reg["steps"], eps=reg["eps"], max_steps=reg["max_steps"])
        out.update(loss0=float(loss[0]), lossT=float(loss[-1]), best_loss=float(loss.min()), eps=reg["eps"],
                   steps=len(loss) - 1, reached=bool(float(loss.min()) <= reg["eps"]))
    return out


def resnet_measure(results: Results) -> Evidence:
    """AZLS-resnet's evidence: the depth sweep of max‖h_L‖/‖h_0‖, the exact product bound per draw,
    and every GD run's best loss over ε."""
    by: dict[int, list[float]] = {}
    for _, m in results:
        by.setdefault(m["L"], []).append(m["max_hL"] / m["h0_max"])
    Ls = sorted(by)
    ys = [max(by[L]) for L in Ls]
    gd = [m for _, m in results if "reached" in m]
    cells = [i for i, (_, m) in enumerate(results)]
    figs = {"L": Ls, "max_hL_over_h0": ys,
            "gd_reached_eps": [{"L": m["L"], "loss0": m["loss0"], "lossT": m["lossT"], "steps": m["steps"]} for m in gd]}
    return Evidence(
        {"depth": {"x": Ls, "y": ys}, "depth_geometric": {"x": Ls, "y": ys},
         "forward_product": {"ratios": [m["bound_ratio"] for _, m in results], "x": [m["L"] for _, m in results],
                             "cells": cells},
         "gd": ({"ratios": [m["best_loss"] / m["eps"] for m in gd], "x": [m["L"] for m in gd],
                 "cells": [i for i, (_, m) in enumerate(results) if "reached" in m]} if gd else None)},
        figs, f"max‖h_L‖/‖h_0‖ ≤ {max(ys):.3g} up to L={Ls[-1]}; GD reached ε in {sum(m['reached'] for m in gd)}/{len(gd)} runs")


def resnet_plot(results: Results, judgement: Judgement, ax) -> None:
    f = judgement.figures
    ax.loglog(f["L"], f["max_hL_over_h0"], "o", label="max‖h_L‖/‖h_0‖")
    ax.axhline(1.0, ls="--", label="theory: bounded (L⁰)")
    ax.set_xlabel("L")
    ax.legend()


register("AZLS-resnet", source="AZLS 002, Section 5 (residual nets, Appendix J)", cells=resnet_cells,
         run_cell=resnet_run_cell, measure=resnet_measure, parts=PARTS, control=CONTROL, plot=resnet_plot)
