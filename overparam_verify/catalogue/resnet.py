"""Catalogue family 'resnet': AZLS (``seeds/002``) Section 5 — residual networks
``h_l = σ(h_{l−1} + W_l h_{l−1})`` with small-scale init (τ = 1/L): forward norms bounded in depth
(exact bound Π(1 + ‖W_l‖₂) checked on every input, log-log slope in L vs exponent 0) and GD to
ε training error. See the package docstring for the protocol."""
from __future__ import annotations


from . import Judgement, register
from .. import data as _data
from .. import stats
from ..network import ResidualNet
from ..metrics import resnet as mr
from ..theory import resnet as tr_
from ._cells import single_thread, sub_seed as _sub_seed

Results = list[tuple[dict, dict]]
RTOL = 1e-9

__all__ = ["resnet_cells", "resnet_run_cell", "resnet_summarize", "resnet_plot", "resnet_setup"]


def resnet_setup(params: dict):
    """Data on the unit sphere (AZLS Assumption 2.1, separation 0.2), targets N(0, 1/d_out), and
    a :class:`ResidualNet` with τ = 1/L."""
    n, d, m, L, d_out = (int(params[k]) for k in ("n", "d", "m", "L", "d_out"))
    X, _ = _data.separated_sphere(n, d, 0.2, seed=int(params["seed"]))
    Y = _data.random_targets(n, d_out, seed=int(params["seed"]) + 1)
    net = ResidualNet.gaussian_init(d, m, L, d_out, scale=tr_.resnet_default_scale(L), seed=int(params["seed"]) + 2)
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
        out.update(loss0=float(loss[0]), lossT=float(loss[-1]), eps=reg["eps"], steps=len(loss) - 1,
                   reached=bool(float(loss.min()) <= reg["eps"]))
    return out


def resnet_summarize(results: Results) -> Judgement:
    by: dict[int, list[float]] = {}
    for _, m in results:
        by.setdefault(m["L"], []).append(m["max_hL"] / m["h0_max"])
    Ls = sorted(by)
    ys = [max(by[L]) for L in Ls]
    fit = stats.loglog_fit(Ls, ys)
    br = max(m["bound_ratio"] for _, m in results)
    gd = [m for _, m in results if "reached" in m]
    figs = {"slope": fit.slope, "ci": list(fit.ci), "theory_exponent": tr_.RESNET_DEPTH_EXPONENT,
            "constant": [min(ys), max(ys)], "L": Ls, "max_hL_over_h0": ys, "forward_bound_slack": br,
            "gd_reached_eps": [{"L": m["L"], "loss0": m["loss0"], "lossT": m["lossT"], "steps": m["steps"]} for m in gd]}
    ok = fit.consistent_with(tr_.RESNET_DEPTH_EXPONENT, upper_bound=True) and br <= 1 + RTOL and all(m["reached"] for m in gd)
    return Judgement("holds" if ok else "violated", figs,
                     f"max‖h_L‖/‖h_0‖ ∝ L^{fit.slope:.3f} (CI {fit.ci[0]:.3f}..{fit.ci[1]:.3f}), ≤ {max(ys):.3g} up to L={Ls[-1]}; "
                     f"GD reached ε in {sum(m['reached'] for m in gd)}/{len(gd)} runs")


def resnet_plot(results: Results, judgement: Judgement, ax) -> None:
    f = judgement.figures
    ax.loglog(f["L"], f["max_hL_over_h0"], "o", label="max‖h_L‖/‖h_0‖")
    ax.axhline(1.0, ls="--", label="theory: bounded (L⁰)")
    ax.set_xlabel("L")
    ax.legend()


register("AZLS-resnet", source="AZLS 002, Section 5 (residual nets, Appendix J)", cells=resnet_cells,
         run_cell=resnet_run_cell, summarize=resnet_summarize, plot=resnet_plot)
