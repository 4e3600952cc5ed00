"""Catalogue family 'setup': ZCZG's network identities (003 §3.4), the He initialisation (003
§3.3), the data and shape assumptions (000 Assumptions 4.1-4.2; 003 Assumptions 3.6-3.7) and the
loss assumptions (003 Assumptions 3.1-3.4, 000 proof of Theorem 4.4 and Remark 4.1).
See the package docstring for the protocol. Every ``*_cells(profile, seed=0)`` takes a seed so
that the property tests can run the same cells on Hypothesis-drawn seeds.
"""
from __future__ import annotations

import math

import torch

from . import Judgement, register
from .. import data as _data
from .. import stats
from ..losses import CLASSIFICATION_LOSSES, get_loss
from ..network import DeepReLUNet
from ..metrics import setup as ms
from ..theory import setup as ts
from ._cells import check_profile as _profile, sub_seed as _sub_seed

Results = list[tuple[dict, dict]]
DELTA = 0.1  #: failure budget δ of the W statement (the He-init moment tests)
RTOL = 1e-9  #: rounding tolerance of the E statements (float64)

__all__ = [
    "forward_cells", "forward_run_cell", "forward_summarize",
    "gradient_cells", "gradient_run_cell", "gradient_summarize",
    "init_cells", "init_run_cell", "init_summarize", "init_moment_failure",
    "data_cells", "data_run_cell", "data_summarize",
    "shape_cells", "shape_run_cell", "shape_summarize",
    "loss31_cells", "loss31_run_cell", "loss31_summarize",
    "loss32_run_cell", "loss32_summarize", "loss_grid",
    "loss34_run_cell", "loss34_summarize",
    "cemin_run_cell", "cemin_summarize",
    "cor44_cells", "cor44_run_cell", "cor44_summarize",
]


def _rel(a: torch.Tensor, b: torch.Tensor) -> float:
    return float((a - b).abs().max() / b.abs().max().clamp_min(1e-300))


# ============================================================================ setup.forward / .gradient (E)
def _shape_cells(profile: str, seed: int) -> list[dict]:
    p = _profile(profile)
    shapes = [(5, [6, 4]), (3, [8, 8, 6]), (7, [5, 9, 7, 6])]
    if p != "ci":
        shapes += [(10, [16, 12, 10, 16, 8]), (4, [32, 20])]
    if p == "full":
        shapes += [(12, [64, 48, 64, 40, 64, 32])]
    return [{"d": d, "widths": w, "n": 4, "seed": _sub_seed(seed, k)} for k, (d, w) in enumerate(shapes)]


def _net_data(params: dict):
    X, y = _data.separated_sphere(int(params["n"]), int(params["d"]), 0.1, seed=int(params["seed"]))
    net = DeepReLUNet.gaussian_init(int(params["d"]), params["widths"], seed=int(params["seed"]) + 1)
    return X, y, net


def forward_cells(profile: str, seed: int = 0) -> list[dict]:
    """Small shapes (dense products are formed)."""
    return _shape_cells(profile, seed)


def forward_run_cell(params: dict) -> dict:
    """003 §3.4: max relative error of ``(Π_{r≤l}Σ_{r,i}W_rᵀ)x_i`` against the engine's x_{l,i}
    and of ``vᵀ(Π_{r=l}^LΣ_{r,i}W_rᵀ)x_{l−1,i}`` against f_W(x_i), over l."""
    X, _, net = _net_data(params)
    tr = net.forward_trace(X)
    e1 = max(_rel(a, b) for a, b in zip(ms.forward_by_products(net, X), tr.outputs))
    f = net.forward(X)
    e2 = max(_rel(row, f) for row in ms.tail_outputs_by_products(net, X))
    return {"max_rel_error_outputs": e1, "max_rel_error_f": e2, "examples": len(net.weights) * int(params["n"])}


def forward_summarize(results: Results) -> Judgement:
    e = max(max(r["max_rel_error_outputs"], r["max_rel_error_f"]) for _, r in results)
    figs = {"max_rel_error": e, "examples": sum(r["examples"] for _, r in results), "rtol": RTOL}
    return Judgement("holds" if e <= RTOL else "violated", figs,
                     f"explicit Σ-products reproduce x_l and f_W at every l (max rel. error {e:.1e})")


def gradient_cells(profile: str, seed: int = 0) -> list[dict]:
    return _shape_cells(profile, seed)


def gradient_run_cell(params: dict) -> dict:
    """003 §3.4: ``(1/n)Σ_i ℓ'(y_iŷ_i)y_i x_{l−1,i}vᵀ(Π_{r>l}Σ_{r,i}W_rᵀ)Σ_{l,i}`` against the
    engine's ``net.gradients`` and against autograd of a plain-torch L_S, for every loss."""
    X, y, net = _net_data(params)
    e_eng = e_ag = 0.0
    for loss in CLASSIFICATION_LOSSES:
        G = ms.loss_gradient_by_products(net, X, y, loss)
        e_eng = max(e_eng, max(_rel(a, b) for a, b in zip(G, net.gradients(X, y, loss))))
        e_ag = max(e_ag, max(_rel(a, b) for a, b in zip(G, ms.autograd_loss_gradients(net.weights, net.v, X, y, loss))))
    return {"max_rel_error_engine": e_eng, "max_rel_error_autograd": e_ag,
            "examples": len(CLASSIFICATION_LOSSES) * len(net.weights)}


def gradient_summarize(results: Results) -> Judgement:
    e = max(max(r["max_rel_error_engine"], r["max_rel_error_autograd"]) for _, r in results)
    figs = {"max_rel_error": e, "examples": sum(r["examples"] for _, r in results), "rtol": RTOL}
    return Judgement("holds" if e <= RTOL else "violated", figs,
                     f"explicit gradient products = engine = autograd (max rel. error {e:.1e})")


register("ZCZG-setup.forward", source="ZCZG 003, §3.4 (forward as Σ-products)", cells=forward_cells,
         run_cell=forward_run_cell, summarize=forward_summarize)
register("ZCZG-setup.gradient", source="ZCZG 003, §3.4 (gradient formula)", cells=gradient_cells,
         run_cell=gradient_run_cell, summarize=gradient_summarize)


# ============================================================================ setup.init (W)
def init_moment_failure(net, delta: float = DELTA) -> tuple[bool, dict]:
    """One draw of 003 §3.3's He init: ``True`` (a failure) when v is not exactly balanced ±1 or
    any exact moment test of any W_l (:func:`ms.init_moment_pvalues`, variance 2/m_l) rejects at
    the Bonferroni level (δ/4)/(#tests): a correct initialisation fails w.p. ≤ δ/4, which leaves
    the binomial test against δ a margin (a test calibrated at exactly δ would flag 1% of runs)."""
    v = net.v
    v_ok = bool(((v == 1) | (v == -1)).all()) and float(v.sum()) == 0.0
    pv = {}
    for l, W in enumerate(net.weights):
        for k, p in ms.init_moment_pvalues(W, 2.0 / W.shape[1]).items():
            pv[f"{k}_{l + 1}"] = p
    fail = (not v_ok) or min(pv.values()) < delta / 4 / len(pv)
    return fail, {"v_balanced": v_ok, "min_p": min(pv.values()), "tests": len(pv)}


def init_cells(profile: str, seed: int = 0) -> list[dict]:
    """Widths 4..256 (the statement has no width regime: it holds at every width)."""
    p = _profile(profile)
    ms_ = [4, 16, 64] if p == "ci" else [4, 16, 64, 256] if p == "quick" else [4, 16, 64, 256, 1024]
    reps = {"ci": 5, "quick": 10, "full": 50}[p]
    return [{"m": m, "L": 2, "d": 8, "reps": reps, "seed": _sub_seed(seed, m)} for m in ms_]


def init_run_cell(params: dict) -> dict:
    fails, minp = 0, 1.0
    for r in range(int(params["reps"])):
        net = DeepReLUNet.gaussian_init(int(params["d"]), [int(params["m"])] * int(params["L"]),
                                        seed=_sub_seed(params["seed"], r))
        f, info = init_moment_failure(net)
        fails += f
        minp = min(minp, info["min_p"])
    return {"failures": int(fails), "trials": int(params["reps"]), "min_p": minp}


def init_summarize(results: Results) -> Judgement:
    F = sum(r["failures"] for _, r in results)
    T = sum(r["trials"] for _, r in results)
    b = stats.binomial_check(F, T, DELTA)
    held = [p["m"] for p, r in results if stats.binomial_check(r["failures"], r["trials"], DELTA).holds]
    figs = {"failures": F, "trials": T, "delta": DELTA, "p_value": b.p_value,
            "slack": F / T / DELTA, "min_width_held": min(held) if held else None,
            "min_p": min(r["min_p"] for _, r in results)}
    return Judgement("holds" if b.holds else "violated", figs,
                     "He init: exact mean/variance/normality/column-scale/column-independence tests "
                     f"reject {F}/{T} draws at Bonferroni level (δ/4)/#tests, δ={DELTA}; v exactly balanced ±1")


register("ZCZG-setup.init", source="ZCZG 003, §3.3 (Gaussian initialization)", cells=init_cells,
         run_cell=init_run_cell, summarize=init_summarize)


# ============================================================================ data assumptions (E)
def data_cells(profile: str, seed: int = 0) -> list[dict]:
    p = _profile(profile)
    base = [(4, 5, 0.5, 0.3), (16, 8, 0.4, None), (32, 12, 0.8, 0.5), (6, 3, 0.5, 0.7071067811865476)]
    if p != "ci":
        base += [(64, 16, 0.9, 0.2), (10, 2, 0.3, None)]
    return [{"n": n, "d": d, "phi": ph, "mu": mu, "seed": _sub_seed(seed, k)} for k, (n, d, ph, mu) in enumerate(base)]


def data_run_cell(params: dict) -> dict:
    """ov.data.separated_sphere, all-pairs and label-aware: max |‖x_i‖ − 1|, max |(x_i)_d − μ|
    and the separation shortfall ``φ − min_sep`` (over all pairs / different-label pairs)."""
    out = {}
    for mode, all_pairs in (("all", True), ("label", False)):
        mu = params["mu"]
        X, y = _data.separated_sphere(params["n"], params["d"], params["phi"], mu=mu, all_pairs=all_pairs,
                                      seed=params["seed"])
        out[f"norm_err_{mode}"] = float((X.norm(dim=1) - 1).abs().max())
        out[f"mu_err_{mode}"] = float((X[:, -1] - mu).abs().max()) if mu is not None else 0.0
        sep = _data.min_separation(X, None if all_pairs else y)
        out[f"sep_shortfall_{mode}"] = (params["phi"] - sep) / params["phi"]
        out[f"min_sep_{mode}"] = sep
    return out


def _data_summary(results: Results, keys: list[str], what: str) -> Judgement:
    v = max(r[k] for _, r in results for k in keys)
    return Judgement("holds" if v <= RTOL else "violated", {"max_violation": v, "examples": len(results)},
                     f"{what}: max violation {v:.1e}")


def data_summarize_41(results: Results) -> Judgement:
    return _data_summary(results, ["norm_err_all", "norm_err_label", "mu_err_all", "mu_err_label"],
                         "‖x_i‖ = 1 and (x_i)_d = μ")


def data_summarize_42(results: Results) -> Judgement:
    return _data_summary(results, ["sep_shortfall_label"], "label-aware φ-separation (relative shortfall)")


def data_summarize(results: Results) -> Judgement:
    """003 Assumption 3.6 (all pairs) — the default summary of the data cells."""
    return _data_summary(results, ["sep_shortfall_all"], "all-pairs φ-separation (relative shortfall)")


register("ZCZG-asm4.1", source="ZCZG 000, Assumption 4.1", cells=data_cells, run_cell=data_run_cell,
         summarize=data_summarize_41)
register("ZCZG-asm4.2", source="ZCZG 000, Assumption 4.2", cells=data_cells, run_cell=data_run_cell,
         summarize=data_summarize_42)
register("ZCZG-asm3.6", source="ZCZG 003, Assumption 3.6; AZLS 002, Assumption 2.1", cells=data_cells,
         run_cell=data_run_cell, summarize=data_summarize)


# ============================================================================ Assumption 3.7 (E)
def shape_cells(profile: str, seed: int = 0) -> list[dict]:
    p = _profile(profile)
    return [{"m": m, "L": L, "seed": _sub_seed(seed, m, L)} for m in ([4, 64] if p == "ci" else [2, 4, 16, 64, 256])
            for L in (1, 3, 6)]


def balanced_widths(m: int, L: int, seed: int) -> list[int]:
    """Widths drawn uniformly in [m, 2m] (003 Assumption 3.7), the last one even (balanced v)."""
    g = torch.Generator().manual_seed(int(seed))
    w = [int(v) for v in torch.randint(m, 2 * m + 1, (L,), generator=g)]
    w[-1] += w[-1] % 2
    if w[-1] > 2 * m:
        w[-1] -= 2
    return w


def shape_run_cell(params: dict) -> dict:
    """Shapes with M ≤ 2m build networks whose widths report M ≤ 2m (003 Assumption 3.7)."""
    w = balanced_widths(params["m"], params["L"], params["seed"])
    net = DeepReLUNet.gaussian_init(5, w, seed=params["seed"])
    return {"ratio": max(net.widths) / min(net.widths), "holds": ts.asm3_7_holds(net.widths)}


def shape_summarize(results: Results) -> Judgement:
    r = max(m["ratio"] for _, m in results)
    ok = all(m["holds"] for _, m in results) and r <= ts.ASM3_7_RATIO
    return Judgement("holds" if ok else "violated", {"max_violation": r - ts.ASM3_7_RATIO, "max_ratio": r,
                                                     "examples": len(results)}, f"max M/m = {r:.3f} ≤ 2")


register("ZCZG-asm3.7", source="ZCZG 003, Assumption 3.7 (000 Assumption 4.3)", cells=shape_cells,
         run_cell=shape_run_cell, summarize=shape_summarize)


# ============================================================================ losses (E)
def loss_grid(lo: float = -50.0, hi: float = 50.0, k: int = 200001) -> torch.Tensor:
    """A dense float64 grid of margins, including every loss's kink/threshold exactly."""
    g = torch.linspace(lo, hi, k, dtype=torch.float64)
    return torch.sort(torch.cat([g, torch.tensor([0.0, 1.0, -1e-12, 1e-12, 1 - 1e-12, 1 + 1e-12], dtype=torch.float64)])).values


def loss31_cells(profile: str, seed: int = 0) -> list[dict]:
    """One cell per classification loss; the grid of margins in [−50, 50] has 20 001 points in
    ``ci`` and 200 001 otherwise (plus the kinks)."""
    k = 20001 if _profile(profile) == "ci" else 200001
    return [{"loss": name, "grid": k} for name in CLASSIFICATION_LOSSES]


def loss31_run_cell(params: dict) -> dict:
    """003 Assumption 3.1 for one loss: ℓ'(−50) (the printed clause wants → 0), ℓ'(50) and
    ℓ(50) (the intent), max ℓ' on the grid (≤ 0), and the largest jump of ℓ between neighbouring
    grid points relative to the spacing (continuity)."""
    lo = get_loss(params["loss"])
    x = loss_grid(k=int(params.get("grid", 200001)))
    far = torch.tensor([-50.0, 50.0, -1e3, 1e3], dtype=torch.float64)
    d, v = lo.deriv(far), lo.value(far)
    vals = lo.value(x)
    return {"deriv_at_minus_50": float(d[0]), "deriv_at_minus_1000": float(d[2]),
            "deriv_at_plus_50": float(d[1]), "value_at_plus_50": float(v[1]), "deriv_at_plus_1000": float(d[3]),
            "max_deriv": float(lo.deriv(x).max()),
            "max_jump": float((vals[1:] - vals[:-1]).abs().max()), "max_step": float((x[1:] - x[:-1]).max())}


def loss31_summarize(results: Results) -> Judgement:
    by = {p["loss"]: r for p, r in results}
    printed_fails = {k: r["deriv_at_minus_50"] for k, r in by.items() if abs(r["deriv_at_minus_50"]) > 1e-6}
    intent_ok = all(r["max_deriv"] <= 0 and abs(r["deriv_at_plus_50"]) < 1e-6 * max(1, abs(r["deriv_at_minus_50"]))
                    and r["value_at_plus_50"] < 1e-6 for r in by.values())
    figs = {"ce_deriv_at_minus_50": by.get("logistic", {}).get("deriv_at_minus_50"),
            "printed_clause_fails_for": printed_fails, "intent_holds": intent_ok,
            "max_violation": max(abs(v) for v in printed_fails.values()) if printed_fails else 0.0,
            "examples": len(by)}
    verdict = "violated" if printed_fails else "holds"
    return Judgement(verdict, figs,
                     f"as printed, lim_(x→−∞) ℓ'(x) = 0 fails: cross-entropy ℓ'(−50) = {figs['ce_deriv_at_minus_50']:.6f} "
                     f"(→ −1); also fails for {sorted(printed_fails)}. The intent ℓ' ≤ 0, ℓ, ℓ' → 0 as x → +∞ "
                     f"{'holds' if intent_ok else 'FAILS'} for every loss")


register("ZCZG-loss.3.1", source="ZCZG 003, Assumption 3.1", cells=loss31_cells, run_cell=loss31_run_cell,
         summarize=loss31_summarize)


def loss32_run_cell(params: dict) -> dict:
    """003 Assumption 3.2 on the dense grid with the library's constants: the worst ratio
    ``|ℓ'(x)| / RHS(x)`` (≥ 1 means it holds; ≈ 1 means the constant is tight), where RHS = α₀
    for x < x₀ and α₁ℓ^p(x) for x ≥ x₀, and the side conditions α₀, α₁ > 0, p ≤ 1."""
    lo = get_loss(params["loss"])
    x = loss_grid(k=int(params.get("grid", 200001)))
    lhs = lo.deriv(x).abs()
    below = x < lo.x0
    tail = lo.alpha1 * lo.value(x) ** lo.p
    rhs = torch.where(below, torch.full_like(x, lo.alpha0 if below.any() else 0.0), tail)
    viol = torch.clamp(rhs - lhs, min=0) / rhs.abs().clamp_min(1e-300)
    pos = rhs > 0
    ratio = float((lhs[pos] / rhs[pos]).min()) if pos.any() else math.inf
    consts_ok = lo.alpha1 > 0 and 0 < lo.p <= 1 and (lo.x0 == -math.inf or lo.alpha0 > 0)
    return {"max_rel_violation": float(viol.max()), "min_ratio": ratio, "constants_ok": bool(consts_ok),
            "x0": lo.x0, "alpha0": lo.alpha0, "alpha1": lo.alpha1, "p": lo.p}


def loss32_summarize(results: Results) -> Judgement:
    v = max(r["max_rel_violation"] for _, r in results)
    ok = v <= RTOL and all(r["constants_ok"] for _, r in results)
    figs = {"max_violation": v, "examples": sum(int(p.get("grid", 200001)) for p, _ in results),
            "tightness": {p["loss"]: r["min_ratio"] for p, r in results}}
    return Judgement("holds" if ok else "violated", figs,
                     "|ℓ'| ≥ α₀ / α₁ℓ^p with the library's constants; min |ℓ'|/RHS per loss (1 = tight): "
                     + ", ".join(f"{k} {t:.4g}" for k, t in figs["tightness"].items()))


register("ZCZG-loss.3.2", source="ZCZG 003, Assumption 3.2", cells=loss31_cells, run_cell=loss32_run_cell,
         summarize=loss32_summarize)


def loss34_run_cell(params: dict) -> dict:
    """003 Assumptions 3.3/3.4: sup |ℓ'| and sup |ℓ''| on the grid against ρ and λ (finite
    constants must bound them, infinite ones must be unbounded: the difference quotients of ℓ
    resp. ℓ' exceed 1e3 somewhere), and the derivatives against autograd of ℓ resp. ℓ'."""
    lo = get_loss(params["loss"])
    x = loss_grid(k=int(params.get("grid", 200001)))
    d1, d2 = lo.deriv(x), lo.deriv2(x)
    xa = x.clone().requires_grad_(True)
    # reference value for autograd: the closed form, with cross-entropy as the exact logaddexp
    # (torch's softplus switches to the linear asymptote beyond 20: an error up to e^-20 in ℓ')
    ref = torch.logaddexp(torch.zeros_like(xa), -xa) if params["loss"] == "logistic" else lo.value(xa)
    (ga,) = torch.autograd.grad(ref.sum(), xa)
    value_err = _rel(lo.value(x), ref.detach())
    smooth = (x - 1.0).abs() > 1e-9 if params["loss"] in ("hinge", "squared_hinge") else torch.ones_like(x, dtype=torch.bool)
    xb = x.clone().requires_grad_(True)
    db = lo.deriv(xb)  # piecewise constant (hinge): no graph, derivative 0 off the kink
    gb = torch.autograd.grad(db.sum(), xb)[0] if db.requires_grad else torch.zeros_like(x)
    h = 1e-6
    xs = torch.tensor([0.999999, -50.0, 50.0, 1.0 - h / 2], dtype=torch.float64)
    far = torch.tensor([-700.0, -600.0], dtype=torch.float64)
    dq1 = float(((lo.value(far[1]) - lo.value(far[0])) / (far[1] - far[0])).abs())
    dq2 = max(float(((lo.deriv(x[1:]) - lo.deriv(x[:-1])) / (x[1:] - x[:-1])).abs().max()),
              float(((lo.deriv(xs + h) - lo.deriv(xs)) / h).abs().max()))
    return {"sup_abs_deriv": float(d1.abs().max()), "sup_abs_deriv2": float(d2.abs().max()),
            "rho": lo.rho, "lam": lo.lam,
            "rho_ok": (float(d1.abs().max()) <= lo.rho * (1 + RTOL)) if math.isfinite(lo.rho) else dq1 > 1e3,
            "lam_ok": (float(d2.abs().max()) <= lo.lam * (1 + RTOL)) if math.isfinite(lo.lam) else dq2 > 1e3,
            "deriv_vs_autograd": _rel(d1[smooth], ga[smooth]), "deriv2_vs_autograd": _rel(d2[smooth], gb[smooth]),
            "value_vs_closed_form": value_err}


def loss34_summarize(results: Results) -> Judgement:
    e = max(max(r["deriv_vs_autograd"], r["deriv2_vs_autograd"]) for _, r in results)
    ok = all(r["rho_ok"] and r["lam_ok"] for _, r in results) and e <= RTOL
    figs = {"max_rel_error": e, "examples": len(results),
            "value_vs_closed_form": max(r["value_vs_closed_form"] for _, r in results),
            "sup": {p["loss"]: [r["sup_abs_deriv"], r["sup_abs_deriv2"], r["rho"], r["lam"]] for p, r in results}}
    return Judgement("holds" if ok else "violated", figs,
                     "sup|ℓ'| ≤ ρ and sup|ℓ''| ≤ λ where finite (cross-entropy: 1, 1/4), unbounded where ∞")


register("ZCZG-loss.3.3-3.4", source="ZCZG 003, Assumptions 3.3-3.4", cells=loss31_cells, run_cell=loss34_run_cell,
         summarize=loss34_summarize)


def _ce_cells(profile: str, seed: int = 0) -> list[dict]:
    return [{"loss": "logistic", "grid": 20001 if _profile(profile) == "ci" else 200001}]


def cemin_run_cell(params: dict) -> dict:
    """000 proof of Theorem 4.4: ``−ℓ'(x) = 1/(1+eˣ) ≥ min{1/2, ℓ(x)/(2 log 2)}`` on the grid."""
    lo = get_loss("logistic")
    x = loss_grid(k=int(params.get("grid", 200001)))
    lhs = -lo.deriv(x)
    ident = _rel(lhs, 1.0 / (1.0 + torch.exp(x)))
    rhs = ts.ce_min_bound(lo.value(x))
    viol = float((torch.clamp(rhs - lhs, min=0) / rhs).max())
    return {"max_rel_violation": viol, "identity_rel_error": ident, "min_ratio": float((lhs / rhs).min()),
            "examples": x.numel()}


def cemin_summarize(results: Results) -> Judgement:
    v = max(max(r["max_rel_violation"], r["identity_rel_error"]) for _, r in results)
    return Judgement("holds" if v <= RTOL else "violated",
                     {"max_violation": v, "min_ratio": min(r["min_ratio"] for _, r in results),
                      "examples": sum(r["examples"] for _, r in results)},
                     "−ℓ' = 1/(1+eˣ) ≥ min{1/2, ℓ/(2 log 2)}; equality at x = 0 (ratio 1)")


register("ZCZG-loss.ce-min", source="ZCZG 000, proof of Theorem 4.4", cells=_ce_cells, run_cell=cemin_run_cell,
         summarize=cemin_summarize)


# ============================================================================ Corollary 4.4 (E)
def cor44_cells(profile: str, seed: int = 0) -> list[dict]:
    p = _profile(profile)
    return [{"loss": name, "n": n, "draws": {"ci": 200, "quick": 500, "full": 5000}[p], "seed": _sub_seed(seed, n, k)}
            for k, name in enumerate(CLASSIFICATION_LOSSES) for n in (1, 3, 10)]


def cor44_run_cell(params: dict) -> dict:
    """Margin vectors z ∈ Rⁿ (random, and adversarial: one margin slightly negative, the rest
    huge): whenever ``mean ℓ(z) ≤ ℓ(0)/n``, ``min z ≥ 0`` must hold. Returns the count of
    premises met and of violations."""
    lo = get_loss(params["loss"])
    n = int(params["n"])
    g = torch.Generator().manual_seed(int(params["seed"]))
    Z = torch.randn(int(params["draws"]), n, generator=g, dtype=torch.float64) * 10 + 5
    eps = torch.logspace(-12, 0, 13, dtype=torch.float64)
    adv = torch.full((eps.numel(), n), 1e3, dtype=torch.float64)
    adv[:, 0] = -eps
    Z = torch.cat([Z, adv])
    thr = ts.cor4_4_threshold(lo.ell0(), n)
    prem = lo.value(Z).mean(dim=1) <= thr
    viol = prem & (Z.min(dim=1).values < 0)
    return {"premises": int(prem.sum()), "violations": int(viol.sum()), "examples": int(Z.shape[0])}


def cor44_summarize(results: Results) -> Judgement:
    v = sum(r["violations"] for _, r in results)
    return Judgement("holds" if v == 0 else "violated",
                     {"max_violation": v, "premises_met": sum(r["premises"] for _, r in results),
                      "examples": sum(r["examples"] for _, r in results)},
                     "L_S ≤ ℓ(0)/n ⇒ every margin ≥ 0, for every loss with ℓ(0) > 0")


register("ZCZG-cor4.4", source="ZCZG 000, Remark 4.1; 003 Corollary 4.4", cells=cor44_cells, run_cell=cor44_run_cell,
         summarize=cor44_summarize)
