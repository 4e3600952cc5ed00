"""Catalogue family 'nguyen': Nguyen (2021), ``seeds/001`` — Lemma 2.1 (eqs. 4–5), the PL-like
inequality and eq. (3), Theorem 2.2 (conditions 7–10, conclusions 11–12), Section 3.1 (eqs.
14–15) and Lemma 3.3 / Corollary 3.2. See the package docstring for the protocol.

Every ``*_cells(profile, seed=0)`` takes a seed so the property tests run the same cells on
Hypothesis-drawn seeds. Bounds come from :mod:`overparam_verify.theory.nguyen`, measured numbers
from :mod:`overparam_verify.metrics.nguyen`; everything is float64.

Each statement declares its parts (``*_PARTS``: :class:`Bound` with δ = 0 for the E statements,
per-example ratios at rtol 1e-9; a two-sided :class:`Law` for NG-3.3) and a negative control
(``*_CONTROL``) that changes the system; ``*_measure`` returns the parts' data and the one judge
decides (:mod:`overparam_verify.judge`). Draws outside a theorem's hypotheses (α₀ = 0 up to
rounding, uncertified inits) are counted in the figures, never judged, and too few judged draws
leave a part without data (inconclusive).

NG-2.2 checks Theorem 2.2 two ways. (i) GD from certified inits, every iterate: Section 3.1 inits
with C_l = 1 — where η_max of (10) is 1e-14 … 1e-28 and 60 steps barely move Φ — and, where the
loss really contracts, L = 2 inits with the C_l that maximise ηα₀²/8 under the printed (9), run
until (11) guarantees Φ ≤ Φ₀/2 (~500–4000 steps). (ii) The induction step directly: states θ_k
of the proof's region (the path bound ‖W_l − W_l⁰‖_F ≤ B_l(1 − u^k) the proof carries, and (11);
:func:`~overparam_verify.theory.nguyen.ng_region_margin`) — random, top-singular-aligned and found
by Adam searches — one step at 0.99η_max, C_l = ng_best_C(objective="rate"): (13),
‖F^{k+1}_{L−1} − F⁰_{L−1}‖_F ≤ α₀/2 and Φ_{k+1} ≤ (1 − ηα₀²/8)Φ_k. The note reports the steps
(11) needs to halve Φ and the largest η (×2 grid) at which 20 GD steps still keep (11)–(12), over
η_max. (A state that only satisfies (12) is not covered by the induction: one on the boundary
‖W_l‖₂ = λ̄_l can step out; the proof's hypothesis is the path bound.)

What the printed-(9) runs can and cannot test (``step_printed``, ``contract``, ``printed9``): the
printed (9) weakens only the bound on the cross term η·Q₂ of the proof's last display (by the
factor λ̄_{1→L−1}), so it matters only where W_L is large. The C_l optimised under the printed (9)
give λ̄_L ≈ 10²–10³ and region states with W_L at its budget, and GD runs in which W_L grows from 0
to a fit: no failure, but the measured decrease is ≥ 40× the promised one at every state found and
GD's loss falls ~10⁵× faster than (11) — the chained bounds (4)–(5) are far from tight, so a
counterexample to the printed form (if one exists) would need states where they are nearly tight
at once. These runs detect only gross failures; they cannot confirm the printed theorem.
"""
from __future__ import annotations

import math

import torch

from . import Bound, Control, Evidence, Judgement, Law, register
from ..network import NguyenNet
from ..metrics import nguyen as mn
from ..theory import nguyen as tn
from ._cells import check_profile as _profile, loglog_fit_or_none, loglog_plot, sub_seed as _sub_seed, single_thread

Results = list[tuple[dict, dict]]
RTOL = 1e-9  #: rounding tolerance of the E statements (float64)

__all__ = [
    "RTOL", "setup", "single_thread",
    "grad_cells", "grad_run_cell", "grad_measure", "GRAD_PARTS", "GRAD_CONTROL",
    "lip_cells", "lip_run_cell", "lip_measure", "LIP_PARTS", "LIP_CONTROL",
    "pl_cells", "pl_run_cell", "pl_measure", "PL_PARTS", "PL_CONTROL",
    "thm22_cells", "thm22_run_cell", "thm22_measure", "THM22_PARTS", "THM22_CONTROL",
    "beta_cells", "beta_run_cell", "beta_measure", "BETA_PARTS", "BETA_CONTROL",
    "lemma33_cells", "lemma33_run_cell", "lemma33_measure", "lemma33_plot", "LEMMA33_PARTS", "LEMMA33_CONTROL",
]


def setup(params: dict):
    """Data (001 Assumption 3.1, :func:`~overparam_verify.metrics.nguyen.ng_data`) and a LeCun
    net for a cell: ``N, n0, widths (n_1..n_L), seed``, optional ``last_layer`` and ``beta``."""
    N, n0, widths = int(params["N"]), int(params["n0"]), list(params["widths"])
    X, Y = mn.ng_data(N, n0, widths[-1], seed=int(params["seed"]))
    net = NguyenNet.lecun_init(n0, widths, last_layer=params.get("last_layer", "lecun"),
                               beta=float(params.get("beta", 1.0)), seed=int(params["seed"]) + 1)
    return X, Y, net


def _perturbed(weights, seed: int, scales) -> list[torch.Tensor]:
    """θ away from init: each W_l rescaled by ``scales[l]`` plus an independent Gaussian of the
    same spectral size (seeded) — so the checks are not only at initialization."""
    g = torch.Generator().manual_seed(int(seed))
    out = []
    for W, s in zip(weights, scales):
        D = torch.randn(W.shape, generator=g, dtype=W.dtype)
        D = D / mn.spec(D).clamp_min(1e-300) * mn.spec(W).clamp_min(1e-3)
        out.append(s * W + 0.5 * D)
    return out


_SHAPES = [(6, 4, [5, 8, 2]), (5, 3, [7, 6, 9, 1]), (4, 6, [4, 3, 5, 6, 3])]


def _shape_cells(profile: str, seed: int, extra: dict | None = None) -> list[dict]:
    p = _profile(profile)
    shapes = _SHAPES[:2] if p == "ci" else _SHAPES
    if p == "full":
        shapes = shapes + [(10, 8, [16, 12, 32, 4])]
    return [{"N": N, "n0": n0, "widths": w, "seed": _sub_seed(seed, k), **(extra or {})}
            for k, (N, n0, w) in enumerate(shapes)]


# ============================================================================ NG-2.1.grad (E)
#: NG-2.1.grad's deciding part, declared before any data
GRAD_PARTS = (
    Bound("grad", statistic="max_l ‖∇_{W_l}Φ‖_F / (‖X‖_F Π_{p≠l}‖W_p‖₂ ‖F_L−Y‖_F) per θ (init, 4 random θ "
          "at scales 0.1…10, the worst θ of an Adam ascent on (θ, Y))",
          bound="theory.nguyen.ng_grad_bound (eq. 4; every θ)", delta=0.0, rtol=RTOL),
)
#: activation 2·ReLU: Lemma 2.1 uses |σ'| ≤ 1; with σ = 2·max(x, 0) the gradient picks up 2^{L−1}
GRAD_CONTROL = Control("activation 2·ReLU (Lipschitz 2; Lemma 2.1 needs |σ'| ≤ 1), bound (4) unchanged",
                       params={"act_gain": 2.0})


def grad_cells(profile: str, seed: int = 0) -> list[dict]:
    return _shape_cells(profile, seed, {"adv_steps": 10 if profile == "ci" else (20 if profile == "quick" else 100)})


@single_thread
def grad_run_cell(params: dict) -> dict:
    """001 Lemma 2.1 eq. (4): max over l of ‖∇_{W_l}Φ‖_F / bound at init, at 4 random θ far
    from init (scales 10^{±1}), and the worst ratio an Adam ascent on (θ, Y) finds — one ratio
    per θ (``ratios``). ``act_gain`` (the control): the activation is act_gain·ReLU."""
    X, Y, net = setup(params)
    W = net.weights
    g = float(params.get("act_gain", 1.0))
    ratios = [float(mn.ng_grad_ratios(W, X, Y, act_gain=g).max())]
    for k, s in enumerate((0.1, 1.0, 3.0, 10.0)):
        Wp = _perturbed(W, _sub_seed(int(params["seed"]), 7, k), [s] * len(W))
        ratios.append(float(mn.ng_grad_ratios(Wp, X, Y, act_gain=g).max()))
    nW = len(W)

    def obj(ps):
        return mn.ng_grad_ratios(ps[:nW], X, ps[nW], act_gain=g).max()

    adv, _ = mn.adversarial_max(obj, list(W) + [Y], steps=int(params.get("adv_steps", 20)))
    ratios.append(adv)
    return {"ratios": ratios, "max_ratio": max(ratios[:-1]), "adv_ratio": adv, "L": nW}


def _e_measure(part: str, what: str):
    def measure(results: Results) -> Evidence:
        r = [x for _, m in results for x in m["ratios"]]
        cells = [i for i, (_, m) in enumerate(results) for _ in m["ratios"]]
        figs = {"slack": max(r) if r else None, "examples": len(r), "rtol": RTOL,
                "adversarial_worst": max((m["adv_ratio"] for _, m in results), default=None)}
        return Evidence({part: {"ratios": r, "cells": cells, "x": [m["L"] for _, m in results for _ in m["ratios"]]}},
                        figs, f"max {what} = {max(r):.3g} over {len(r)} θ (random + adversarial)" if r else "no examples")
    measure.__name__ = f"{part}_measure"
    return measure


grad_measure = _e_measure("grad", "‖∇_W_lΦ‖_F / (‖X‖_F Π‖W_p‖₂‖F_L−Y‖_F)")


# ============================================================================ NG-2.1.lip (E)
LIP_PARTS = (
    Bound("lip", statistic="max_l ‖F_l(θ_a) − F_l(θ_b)‖_F / eq.(5) bound per pair, λ̄_p = max(‖W_p^a‖₂, ‖W_p^b‖₂) "
          "(θ_a = init, θ_b at 4 distances, the worst pair of an Adam ascent)",
          bound="theory.nguyen.ng_lipschitz_bound (eq. 5; every pair)", delta=0.0, rtol=RTOL),
)
LIP_CONTROL = Control("activation 2·ReLU (Lipschitz 2; Lemma 2.1 needs a 1-Lipschitz σ), bound (5) unchanged",
                      params={"act_gain": 2.0})


def lip_cells(profile: str, seed: int = 0) -> list[dict]:
    return grad_cells(profile, seed)


@single_thread
def lip_run_cell(params: dict) -> dict:
    """001 Lemma 2.1 eq. (5) with the sharpest λ̄_p = max(‖W_p^a‖₂, ‖W_p^b‖₂): worst ratio over l
    of ‖F_l(θ_a) − F_l(θ_b)‖_F / bound for θ_a = init, θ_b random at several distances, and the
    worst an Adam ascent on (θ_a, θ_b) finds (one ratio per pair). ``act_gain``: the control."""
    X, Y, net = setup(params)
    W = net.weights
    nW = len(W)
    g = float(params.get("act_gain", 1.0))
    ratios = []
    for k, s in enumerate((0.01, 0.3, 1.0, 5.0)):
        Wb = _perturbed(W, _sub_seed(int(params["seed"]), 11, k), [1.0] * nW)
        Wb = [a + s * (b - a) for a, b in zip(W, Wb)]
        ratios.append(float(mn.ng_lip_ratios(W, Wb, X, act_gain=g).max()))
    Wb0 = _perturbed(W, _sub_seed(int(params["seed"]), 13), [1.0] * nW)

    def obj(ps):
        return mn.ng_lip_ratios(ps[:nW], ps[nW:], X, act_gain=g).max()

    adv, _ = mn.adversarial_max(obj, list(W) + list(Wb0), steps=int(params.get("adv_steps", 20)))
    ratios.append(adv)
    return {"ratios": ratios, "max_ratio": max(ratios[:-1]), "adv_ratio": adv, "L": nW}


lip_measure = _e_measure("lip", "‖F_l(θ_a)−F_l(θ_b)‖_F / eq.(5) bound")


# ============================================================================ NG-PL (E)
PL_PARTS = (
    Bound("pl", statistic="1 + (‖∇Φ‖² − 2λ_min(K)Φ)/(2‖K‖₂Φ) per θ (init, random, Adam ascent of 2λ_min(K)Φ/‖∇Φ‖²); "
          "K = JJᵀ exact (jacrev)", bound="≥ 1 (Section 1: ‖∇Φ‖² ≥ 2λ_min(K)Φ)", delta=0.0, direction="ge", rtol=RTOL),
    Bound("ntk", statistic="1 + (λ_min(K) − λ_min(F_{L−1}F_{L−1}ᵀ))/‖K‖₂ per θ",
          bound="≥ 1 (eq. 3: λ_min(K) ≥ λ_min(F_{L−1}F_{L−1}ᵀ))", delta=0.0, direction="ge", rtol=RTOL),
    Bound("grad_identity", statistic="|‖Jᵀr‖² − ‖engine ∇Φ‖²| / ‖Jᵀr‖² / 1e-9 per θ (∇Φ = Jᵀr)",
          bound="≤ 1 (rounding)", delta=0.0, decides=False),
)
PL_CONTROL = Control("mean objective ½‖F_L−Y‖²/N instead of 001's sum (∇Φ shrinks by N, Φ by N): "
                     "‖∇Φ‖² ≥ 2λ_min(K)Φ fails by up to a factor N", params={"objective": "mean"})


def pl_cells(profile: str, seed: int = 0) -> list[dict]:
    p = _profile(profile)
    # (4, 3, [8, 8, 2]): wider layers, so that λ_min(K) > 0 (no sample with a dead layer) on most draws
    # — where λ_min(K) = 0 the PL inequality is trivial and its control cannot fail
    shapes = [(4, 3, [5, 6, 2]), (3, 4, [4, 5, 3, 1]), (4, 3, [8, 8, 2])]
    if p != "ci":
        shapes += [(5, 3, [6, 2, 1])]  # n_{L−1} < N: eq. (3) holds trivially (λ_min(FFᵀ) = 0)
    if p == "full":
        shapes += [(6, 5, [4, 4, 8, 2])]
    return [{"N": N, "n0": n0, "widths": w, "seed": _sub_seed(seed, k), "scale": s,
             "adv_steps": 4 if p != "full" else 30}
            for k, (N, n0, w) in enumerate(shapes) for s in ((1.0, 4.0) if p != "full" else (1.0, 0.2, 5.0))]


@single_thread
def pl_run_cell(params: dict) -> dict:
    """001 Section 1 and eq. (3) at θ = init, at a random θ (weights × ``scale`` + noise), at the
    end of an Adam ascent maximizing 2λ_min(K)Φ/‖∇Φ‖², and at init and the random θ with the
    labels of the equality case (r = bottom eigenvector of K): per example, the relative gaps as
    ratios 1 + gap/scale (≥ 1 − rtol required). ``objective`` (the control): "sum" (001) or "mean"."""
    X, Y, net = setup(params)
    W = net.weights
    obj_kind = params.get("objective", "sum")
    thetas = [W, _perturbed(W, _sub_seed(int(params["seed"]), 17), [float(params["scale"])] * len(W))]

    def obj(ps):
        return mn.ng_min_eig_ratio(ps, X, Y, objective=obj_kind)

    adv, adv_ps = mn.adversarial_max(obj, thetas[1], steps=int(params.get("adv_steps", 10)))
    thetas.append(adv_ps)
    # the equality case: labels Y' = F_L(θ) − v with v the bottom eigenvector of K(θ) (Y is arbitrary
    # in the statement), so that r = v and ‖∇Φ‖² = 2λ_min(K)Φ exactly (for 001's sum objective)
    examples = [(th, Y) for th in thetas] + [(th, mn.ng_pl_tight_labels(th, X)) for th in thetas[:2]]
    pl, ntk, ge = [], [], []
    for th, Yx in examples:
        m = mn.ng_pl_measure(th, X, Yx, objective=obj_kind)
        pl.append(1.0 + m["pl_gap"] / m["pl_scale"])
        ntk.append(1.0 + m["ntk_gap"] / m["ntk_scale"])
        ge.append(abs(m["grad_sq"] - m["grad_sq_closed"]) / max(m["grad_sq"], 1e-300) / 1e-9)
    return {"pl": pl, "ntk": ntk, "grad_identity": ge, "adv_ratio": adv, "L": len(W)}


def pl_measure(results: Results) -> Evidence:
    parts = {}
    for name in ("pl", "ntk", "grad_identity"):
        parts[name] = {"ratios": [x for _, m in results for x in m[name]],
                       "cells": [i for i, (_, m) in enumerate(results) for _ in m[name]]}
    pl, nt = parts["pl"]["ratios"], parts["ntk"]["ratios"]
    figs = {"min_pl_rel_gap": min(pl) - 1.0, "min_ntk_rel_gap": min(nt) - 1.0,
            "max_rel_error": max(parts["grad_identity"]["ratios"]) * 1e-9,
            "adversarial_worst_ratio": max(m["adv_ratio"] for _, m in results), "examples": len(pl), "rtol": RTOL}
    return Evidence(parts, figs, "‖∇Φ‖² ≥ 2λ_min(K)Φ and λ_min(K) ≥ λ_min(F_{L−1}F_{L−1}ᵀ) at init, random and "
                    f"adversarial θ (K exact via torch.func.jacrev); worst 2λ_min(K)Φ/‖∇Φ‖² = "
                    f"{figs['adversarial_worst_ratio']:.3g}")


# ============================================================================ NG-2.2 (E, conditional)
#: fewer certified Section 3.1 / printed-(9) runs than this → no data (inconclusive), never "holds"
MIN_CERTIFIED = 4

THM22_PARTS = (
    Bound("loss", statistic="max_k Φ(θ_k) / [(1 − ηα₀²/8)^k Φ(θ₀)] per certified GD run (every iterate)",
          bound="eq. (11)", delta=0.0, rtol=RTOL),
    Bound("norm", statistic="max_{k,l} (‖W_l^k‖₂ − ‖W_l⁰‖₂) / C_l per certified GD run (⇔ ‖W_l^k‖₂ ≤ λ̄_l)",
          bound="eq. (12), first line", delta=0.0, rtol=RTOL),
    Bound("sigma", statistic="min_k σ_min(F^k_{L−1}) / (α₀/2) per certified GD run", bound="eq. (12), second line",
          delta=0.0, direction="ge", rtol=RTOL),
    # the induction step (issue 15): states θ_k of the proof's region (path bound + (11)) around
    # certified Section 3.1 inits, C_l = ng_best_C(objective="rate"), proof's (9); one step at 0.99η_max
    Bound("step_norm13", statistic="max_l (‖W_l^{k+1}‖₂ − ‖W_l⁰‖₂) / C_l per region state (random + "
          "adversarial; ⇔ ‖W_l^{k+1}‖₂ ≤ λ̄_l)",
          bound="eq. (13)", delta=0.0, rtol=RTOL),
    Bound("step_features", statistic="‖F^{k+1}_{L−1} − F⁰_{L−1}‖_F / (α₀/2) per region state",
          bound="≤ 1 (the display after (13), by (5) and (8))", delta=0.0, rtol=RTOL),
    Bound("step_descent", statistic="(Φ_k − Φ_{k+1}) / ((ηα₀²/8) Φ_k) per region state",
          bound="≥ 1 (Φ_{k+1} ≤ (1 − ηα₀²/8)Φ_k, the proof's last display)", delta=0.0, direction="ge", rtol=RTOL),
    Bound("step_invariant", statistic="1 + region margin of θ_{k+1} per region state",
          bound="≥ 1 (the region is invariant: the proof's induction closes)", delta=0.0, direction="ge", rtol=RTOL,
          decides=False),
    # the same with C_l optimised under the printed (9) only (λ̄_L may then be large, so W_L in the
    # region is large): the proof's step needs the proof's (9); reported, not deciding — a failure
    # here would break the proof's induction under the printed (9), not the theorem's GD claim
    Bound("printed_step_norm13", statistic="as step_norm13, C_l optimised under the printed (9)",
          bound="eq. (13)", delta=0.0, rtol=RTOL, decides=False),
    Bound("printed_step_features", statistic="as step_features, printed (9)", bound="≤ 1", delta=0.0, rtol=RTOL,
          decides=False),
    Bound("printed_step_descent", statistic="as step_descent, printed (9)", bound="≥ 1", delta=0.0, direction="ge",
          rtol=RTOL, decides=False),
)
#: a step beyond (10): η = 4/α₀² is half of (10)'s first term 8/α₀² — so (11)'s rate 1 − ηα₀²/8 = 1/2
#: stays positive — but far above its second term; GD overshoots and Φ grows
THM22_CONTROL = Control("GD step η = 4/α₀² (inside (10)'s 8/α₀², far above its second term): (11) with rate 1/2 "
                        "fails", params={"eta_alpha2": 4.0})


def thm22_cells(profile: str, seed: int = 0) -> list[dict]:
    """Section 3.1 inits (W_L = 0, β = factor·β*) for several shapes and factors, plus LeCun
    inits (last layer ``"small"``, C_l searched) at growing n_{L−1} for the satisfaction rate."""
    p = _profile(profile)
    shapes = [(4, 3, [6, 24, 1]), (3, 4, [6, 8, 16, 2])]
    factors = (1.0, 2.0) if p == "ci" else (1.0, 1.5, 4.0)
    steps = 30 if p == "ci" else 60
    cells = [{"mode": "sec31", "N": N, "n0": n0, "widths": w, "seed": _sub_seed(seed, k, j),
              "beta_factor": f, "steps": steps, "eta_frac": 0.99}
             for k, (N, n0, w) in enumerate(shapes) for j, f in enumerate(factors)]
    widths = [16, 64, 256] if p == "ci" else ([16, 64, 256, 1024, 4096] if p == "quick" else [16, 64, 256, 1024, 4096, 16384])
    R = 2 if p == "ci" else (5 if p == "quick" else 20)
    # β* of (14) and (8) only — there the printed (9) holds but the proof's (9) (λ̄²_{1→L−1}) may
    # fail; the theorem as printed still claims (11)–(12): these runs are trials of the printed form.
    cells += [{"mode": "printed9", "N": N, "n0": n0, "widths": w, "seed": _sub_seed(seed, k, 77),
               "beta_factor": 1.0, "steps": steps, "eta_frac": 0.99} for k, (N, n0, w) in enumerate(shapes)]
    cells += [{"mode": "lecun", "N": 3, "n0": 4, "widths": [6, n, 1], "seed": _sub_seed(seed, 99, n, r),
               "last_layer": "small", "steps": steps, "eta_frac": 0.99}
              for n in widths for r in range(R)]
    # GD where the loss really contracts: L = 2, C_l chosen for the largest rate ηα₀²/8 under the
    # printed (9) (≈ 3e-4: the guaranteed halving takes ~2e3 steps), run until (11) guarantees Φ ≤ Φ₀/2
    Rc = 1 if p == "ci" else (2 if p == "quick" else 6)
    cells += [{"mode": "contract", "N": N, "n0": n0, "widths": w, "seed": _sub_seed(seed, k, 55, r),
               "beta_factor": 1.0, "eta_frac": 0.99, "max_steps": 4000 if p != "full" else 40000}
              for k, (N, n0, w) in enumerate(_STEP_SHAPES[:2]) for r in range(Rc)]
    # the induction step directly (issue 15): region states around certified Section 3.1 inits,
    # C_l chosen by ng_best_C for the largest ηα₀²/8, one step at η = 0.99 η_max
    Rs = 1 if p == "ci" else (2 if p == "quick" else 8)
    for mode in ("step", "step_printed"):
        cells += [{"mode": mode, "N": N, "n0": n0, "widths": w, "seed": _sub_seed(seed, k, 33, r),
                   "beta_factor": f, "eta_frac": 0.99, "states": 6, "adv_steps": 8 if p == "ci" else 15}
                  for k, (N, n0, w) in enumerate(_STEP_SHAPES if p != "ci" else _STEP_SHAPES[:2])
                  for r in range(Rs) for f in ((1.0,) if p != "full" else (1.0, 4.0))]
    return cells


#: shapes of the induction-step and contraction cells: L = 2 (where ηα₀²/8 is largest) and one L = 3
_STEP_SHAPES = [(4, 3, [24, 1]), (3, 4, [16, 2]), (4, 3, [6, 24, 1])]
#: fewer in-region states of certified inits than this → no data for the step parts
MIN_STEP_STATES = 8


#: above this condition number of F_{L−1} the measured α₀ = σ_min(F_{L−1}) is 0 up to rounding
#: (float64 SVD: ~1e-16·κ relative): no β can be certified, Theorem 2.2's hypothesis (7) fails
KAPPA_MAX = 1e8


def features_condition(net: NguyenNet, X: torch.Tensor) -> float:
    """κ(F_{L−1}) = σ_max/σ_N of the last hidden features (∞ when rank-deficient or n_{L−1} < N);
    invariant under Section 3.1's scaling by β (ReLU is positively homogeneous)."""
    N = X.shape[0]
    F = mn.ng_features(net.weights, X)[-2]
    sv = torch.linalg.svdvals(F)
    return float(sv[0] / sv[N - 1]) if F.shape[-1] >= N and float(sv[N - 1]) > 0 else math.inf


def _steps_to_halve(eta: float, alpha0: float) -> float:
    return tn.ng_steps_to_halve(eta, alpha0) if 0 < eta * alpha0**2 / 8 < 1 else math.nan


def _thm22_eta(params: dict, cert) -> float:
    """η of a cell: ``eta_frac``·η_max (10) — or, for the control, ``eta_alpha2``/α₀²."""
    if params.get("eta_alpha2") is not None:
        return float(params["eta_alpha2"]) / cert.alpha0**2
    return float(params.get("eta_frac", 0.99)) * cert.eta_max


def _rate_certificate(net, X, Y, *, printed: bool):
    """Theorem 2.2's certificate with C_l = ng_best_C(objective="rate") (the largest ηα₀²/8 under
    the printed (9) or the proof's)."""
    W = net.weights
    F = mn.ng_features(W, X)
    a0 = float(mn.sigma_min_rows(F[-2]))
    norms = [float(mn.spec(w)) for w in W]
    C, _ = tn.ng_best_C(a0, float(X.norm()), norms, float((F[-1] - Y).norm()), objective="rate", as_printed=printed,
                        sweeps=2, grid=[k / 4.0 for k in range(-24, 25)])
    return mn.ng_measure_certificate(net, X, Y, C)


def _step_cell(params: dict, X, Y, net, cert, printed: bool) -> dict:
    """The induction step at region states around θ⁰ = ``net``: ``states`` random states (loss
    level q, layer fractions, Gaussian or top-singular-pair directions) and one Adam search per
    conclusion; per in-region state the ratios of :func:`metrics.nguyen.ng_step_check`."""
    W0 = net.weights
    eta = _thm22_eta(params, cert)
    out = {"eta": eta, "eta_max": cert.eta_max, "rate": eta * cert.alpha0**2 / 8.0, "C": cert.C,
           "steps_to_halve": _steps_to_halve(cert.eta_max, cert.alpha0)}
    B = tn.ng_path_budget(eta, cert.alpha0, cert.X_fro, cert.lam_bar, cert.sqrt2phi0)
    g = torch.Generator().manual_seed(_sub_seed(int(params["seed"]), 21))
    L = len(W0)
    states, outside = [], 0
    for r in range(int(params.get("states", 6))):
        q = (0.9, 0.5, 0.1)[r % 3]
        fr = torch.rand(L, generator=g, dtype=W0[0].dtype)
        if r % 2:  # aligned: the top singular pair of W_l⁰ (pushes ‖W_l‖₂ to ‖W_l⁰‖₂ + the move)
            dirs = []
            for w in W0[:-1]:
                U, _, Vh = torch.linalg.svd(w, full_matrices=False)
                dirs.append(torch.outer(U[:, 0], Vh[0]))
        else:
            dirs = [torch.randn(w.shape, generator=g, dtype=w.dtype) for w in W0[:-1]]
        W = mn.ng_region_state(W0, X, Y, B, q=q, fracs=fr, dirs=dirs,
                               null_dir=torch.randn(W0[-1].shape, generator=g, dtype=W0[-1].dtype))
        m = {k: float(v) for k, v in mn.ng_step_check(W0, W, X, Y, cert, eta, B).items()}
        if m["margin"] >= 0:
            states.append(m)
        else:
            outside += 1
    for k, target in enumerate(("norm13", "features", "descent")):
        m, _ = mn.ng_step_adversarial(W0, X, Y, cert, eta, B, target, seed=_sub_seed(int(params["seed"]), 23, k),
                                      steps=int(params.get("adv_steps", 15)))
        if m is not None:
            states.append(m)
    out.update(states=states, outside=outside)
    if not printed and len(W0) == 2 and params.get("eta_alpha2") is None:
        out["safe_eta_over_eta_max"] = mn.ng_safe_eta(net, X, Y, cert, steps=20, max_doublings=24)
    return out


@single_thread
def thm22_run_cell(params: dict) -> dict:
    """001 Theorem 2.2: measure the certificate (α₀, λ̄_l, (7)–(9), η_max of (10)) at θ₀; when it
    holds, run GD with η = eta_frac·η_max (< η_max, eq. 10) and record the worst ratios of
    (11) and (12) over EVERY iterate (``loss_ratio``, ``norm_ratio`` ≤ 1, ``sigma_ratio`` ≥ 1)."""
    N, n0, widths = int(params["N"]), int(params["n0"]), list(params["widths"])
    X, Y = mn.ng_data(N, n0, widths[-1], seed=int(params["seed"]))
    out: dict = {"mode": params["mode"], "n_last": widths[-2]}
    if params["mode"] in ("step", "step_printed", "contract"):
        printed = params["mode"] != "step"
        net, beta, bstar = mn.ng_sec31_net(X, Y, widths, seed=int(params["seed"]) + 1,
                                           beta_factor=float(params["beta_factor"]))
        out.update(beta=beta, beta_star=bstar, kappa=features_condition(net, X), L=len(widths))
        if not (math.isfinite(bstar) and bstar > 0 and out["kappa"] <= KAPPA_MAX):
            return {**out, "alpha0": 0.0, "certified": False, "certified_proof": False}
        cert = _rate_certificate(net, X, Y, printed=printed)
        out.update(alpha0=cert.alpha0, certified=cert.holds(as_printed=printed),
                   certified_proof=cert.holds(as_printed=False), slack9_proof=cert.slack9_proof)
        if not out["certified"]:
            return out
        if params["mode"] != "contract":
            out.update(_step_cell(params, X, Y, net, cert, printed))
            return out
        eta = _thm22_eta(params, cert)
        h = _steps_to_halve(eta, cert.alpha0)
        steps = int(min(int(params["max_steps"]), math.ceil(h) if math.isfinite(h) else 1))
        traj = mn.ng_gd_trajectory(net, X, Y, lr=eta, steps=steps)
        out.update(mn.ng_trajectory_slacks(traj, cert, eta))
        out.update(eta=eta, eta_over_eta_max=eta / cert.eta_max, eta_max=cert.eta_max,
                   steps_to_halve=_steps_to_halve(cert.eta_max, cert.alpha0))
        return out
    if params["mode"] == "sec31":
        net, beta, bstar = mn.ng_sec31_net(X, Y, widths, seed=int(params["seed"]) + 1,
                                           beta_factor=float(params["beta_factor"]))
        cert = mn.ng_measure_certificate(net, X, Y, [1.0] * len(widths))
        out.update(beta=beta, beta_star=bstar, kappa=features_condition(net, X))
    elif params["mode"] == "printed9":
        base = NguyenNet.lecun_init(n0, widths, last_layer="zero", seed=int(params["seed"]) + 1)
        W = base.weights
        a0 = float(mn.sigma_min_rows(mn.ng_features(W, X)[-2]))
        b = tn.ng_min_beta(a0, float(X.norm()), float(Y.norm()), [float(mn.spec(w)) for w in W[:-1]],
                           which=("14", "8")) * (1 + 1e-6)
        if not (math.isfinite(b) and b > 0):  # α₀ = 0: no β certifies (outside Theorem 2.2)
            return {**out, "alpha0": a0, "kappa": math.inf, "certified": False, "certified_proof": False}
        net = NguyenNet([w * b for w in W[:-1]] + [W[-1]])
        cert = mn.ng_measure_certificate(net, X, Y, [1.0] * len(widths))
        out.update(beta=b, kappa=features_condition(net, X))
    else:
        net = NguyenNet.lecun_init(n0, widths, last_layer=params.get("last_layer", "small"), seed=int(params["seed"]) + 1)
        cert = mn.ng_lecun_best_certificate(net, X, Y)
        out["best_min_slack"] = cert.extra["best_min_slack"]
    out.update(alpha0=cert.alpha0, slack7=cert.slack7, slack8=cert.slack8, slack9=cert.slack9,
               slack9_proof=cert.slack9_proof, eta_max=cert.eta_max,
               certified=cert.holds(), certified_proof=cert.holds(as_printed=False))
    if cert.holds() and cert.eta_max > 0:
        eta = _thm22_eta(params, cert)
        traj = mn.ng_gd_trajectory(net, X, Y, lr=eta, steps=int(params["steps"]))
        out.update(mn.ng_trajectory_slacks(traj, cert, eta))
        out["eta"] = eta
        out["eta_over_eta_max"] = eta / cert.eta_max
    return out


def _degenerate(m: dict) -> bool:
    """α₀ = 0 up to rounding (κ(F_{L−1}) > KAPPA_MAX): outside Theorem 2.2 (hypothesis α₀ > 0)."""
    return m["alpha0"] == 0 or not m.get("kappa", 0.0) <= KAPPA_MAX


def thm22_measure(results: Results) -> Evidence:
    """NG-2.2's evidence: per certified Section 3.1 / printed-(9) GD run, the worst ratio of (11)
    and of each line of (12) over every iterate. Uncertified and degenerate draws are counted
    (figures) and never pass silently; fewer than MIN_CERTIFIED runs → no data (inconclusive)."""
    idx = [i for i, (_, m) in enumerate(results) if m["mode"] in _TRAJ_MODES and "loss_ratio" in m]
    run = [results[i][1] for i in idx]
    sec = [m for _, m in results if m["mode"] in _TRAJ_MODES + _STEP_MODES]
    uncert = sum(not m["certified"] and not _degenerate(m) for m in sec)
    degen = sum(_degenerate(m) and not m["certified"] for m in sec)
    rate: dict[str, list] = {}
    for _, m in results:
        if m["mode"] == "lecun":
            rate.setdefault(str(m["n_last"]), []).append(m)
    lecun = {k: {"fraction_certified": sum(x["certified"] for x in v) / len(v), "trials": len(v),
                 "median_best_min_slack": sorted(x["best_min_slack"] for x in v)[len(v) // 2]}
             for k, v in sorted(rate.items(), key=lambda kv: int(kv[0]))}
    extrap = None
    pts = [(int(k), v["median_best_min_slack"]) for k, v in lecun.items() if v["median_best_min_slack"] > 0]
    fit = loglog_fit_or_none([p[0] for p in pts], [p[1] for p in pts])
    if fit is not None and fit.slope > 0:  # where LeCun inits would start to be certified (median slack 1)
        extrap = {"slope_in_n_last": fit.slope, "n_last_for_slack_1": math.exp(-math.log(fit.constant) / fit.slope)}
    lecun_runs = [m for _, m in results if m["mode"] == "lecun" and "loss_ratio" in m]
    enough = len(run) >= MIN_CERTIFIED

    def part(key):
        if not enough:
            return None
        return {"ratios": [m[key] for m in run], "cells": idx, "x": [m["n_last"] for m in run]}

    def step_part(mode, key, shift=0.0):
        rows = [(i, st) for i, (_, m) in enumerate(results) if m["mode"] == mode for st in m.get("states", [])]
        if len(rows) < MIN_STEP_STATES:
            return None
        return {"ratios": [st[key] + shift for _, st in rows], "cells": [i for i, _ in rows]}

    steps = {mode: [m for _, m in results if m["mode"] == mode and "states" in m] for mode in _STEP_MODES}
    contract = [m for _, m in results if m["mode"] == "contract" and "loss_ratio" in m]
    n_states = {mode: sum(len(m["states"]) for m in v) for mode, v in steps.items()}

    allst = [st for m in steps["step"] for st in m["states"]]
    figs = {"step_states": n_states["step"], "step_printed_states": n_states["step_printed"],
            "step_outside_region": sum(m["outside"] for v in steps.values() for m in v),
            "step_rate": [m["rate"] for m in steps["step"]],
            "step_steps_to_halve": [m["steps_to_halve"] for m in steps["step"]],
            "step_printed_steps_to_halve": [m["steps_to_halve"] for m in steps["step_printed"]],
            "step_min_descent": min((st["descent"] for st in allst), default=None),
            "step_max_norm13": max((st["norm13"] for st in allst), default=None),
            "step_max_features": max((st["features"] for st in allst), default=None),
            "step_states_in_12": sum(st["state_norm"] <= 1 + RTOL and st["state_sigma"] >= 1 - RTOL for st in allst),
            "safe_eta_over_eta_max": [m["safe_eta_over_eta_max"] for m in steps["step"] if "safe_eta_over_eta_max" in m],
            "contract_runs": len(contract), "contract_steps": [m["steps"] for m in contract],
            "contract_loss_decay": [m["loss_decay"] for m in contract],
            "contract_bound_decay": [m["bound_decay"] for m in contract],
            "certified_runs": len(run), "uncertified_draws": uncert, "degenerate_draws": degen,
            "min_certified": MIN_CERTIFIED,
            "min_loss_decay": min((m["loss_decay"] for m in run), default=None),
            "max_eta_over_eta_max": max((m["eta_over_eta_max"] for m in run), default=None),
            "eta_max": [m["eta_max"] for m in run],
            "diverged_runs": sum(bool(m.get("diverged")) for m in run),
            "lecun_extrapolation": extrap, "lecun_by_width": lecun, "lecun_certified_runs": len(lecun_runs),
            "examples": sum(m.get("steps", 0) + 1 for m in run),
            "printed9_only_runs": sum(1 for m in run if m["mode"] == "printed9" and not m["certified_proof"])}
    note = (f"(11) and (12) at every GD iterate of {len(run)} certified runs ({len(contract)} run until (11) "
            f"guarantees Φ ≤ Φ₀/2), {uncert} uncertified and {degen} degenerate draws; induction step at "
            f"{n_states['step']} region states (proof's (9)) and {n_states['step_printed']} (printed (9)); "
            f"LeCun inits certified per n_(L−1): " + ", ".join(f"{k}: {v['fraction_certified']:.2f}" for k, v in lecun.items()))
    if figs["step_steps_to_halve"]:
        note += (f"; steps for (11) to halve Φ: {min(figs['step_steps_to_halve']):.3g} … "
                 f"{max(figs['step_steps_to_halve']):.3g} (printed (9): {min(figs['step_printed_steps_to_halve'], default=math.nan):.3g} … "
                 f"{max(figs['step_printed_steps_to_halve'], default=math.nan):.3g})")
    if figs["safe_eta_over_eta_max"]:
        note += f"; largest safe η / η_max (L = 2, GD 20 steps): {min(figs['safe_eta_over_eta_max']):.3g} … {max(figs['safe_eta_over_eta_max']):.3g}"
    if not enough:
        note += f"; only {len(run)} certified runs, {MIN_CERTIFIED} needed"
    return Evidence({"loss": part("loss_ratio"), "norm": part("norm_excess"), "sigma": part("sigma_ratio"),
                     "step_norm13": step_part("step", "norm13"), "step_features": step_part("step", "features"),
                     "step_descent": step_part("step", "descent"),
                     "step_invariant": step_part("step", "margin_next", 1.0),
                     "printed_step_norm13": step_part("step_printed", "norm13"),
                     "printed_step_features": step_part("step_printed", "features"),
                     "printed_step_descent": step_part("step_printed", "descent")}, figs, note)


_TRAJ_MODES = ("sec31", "printed9", "contract")
_STEP_MODES = ("step", "step_printed")


# ============================================================================ NG-3.1 (E)
#: fewer non-degenerate draws than this → no data (inconclusive)
MIN_BETA_DRAWS = 2

BETA_PARTS = (
    Bound("above", statistic="min of the measured (7), (8), (9) (printed and proof) slacks at β*(1+ε), C_l = 1, "
          "per draw", bound="≥ 1 (Section 3.1: β ≥ β* certifies Theorem 2.2)", delta=0.0, direction="ge", rtol=RTOL),
    Bound("below", statistic="min of the measured (7), (8), (9 proof) slacks at β*(1−ε) per draw",
          bound="≤ 1 (β* is the smallest: one condition fails below it)", delta=0.0, rtol=RTOL),
)
#: W_L ≠ 0 (LeCun last layer): Section 3.1's (14)–(15) assume √(2Φ(θ̃₀)) = ‖Y‖_F, λ̄_L = 1
BETA_CONTROL = Control("LeCun last layer W_L⁰ ≠ 0 (Section 3.1 needs W_L⁰ = 0): the β* of (14), (15), (8) "
                       "no longer certifies the measured (7)–(9)", params={"last_layer": "lecun"})


def beta_cells(profile: str, seed: int = 0) -> list[dict]:
    p = _profile(profile)
    shapes = [(4, 3, [6, 24, 1]), (3, 4, [6, 8, 16, 2]), (4, 3, [8, 8, 8, 24, 1])]
    shapes = shapes[:2] if p == "ci" else shapes
    # R ≥ 3 at ci: about one draw in five has κ(F_{L−1}) > KAPPA_MAX (a sample with every unit of
    # the 6-wide first layer dead) and is counted as degenerate, not judged
    R = 3 if p == "ci" else (3 if p == "quick" else 10)
    return [{"N": N, "n0": n0, "widths": w, "seed": _sub_seed(seed, k, r)} for k, (N, n0, w) in enumerate(shapes) for r in range(R)]


@single_thread
def beta_run_cell(params: dict) -> dict:
    """001 Section 3.1: β* (bisection on (14), (15), (8)); then the MEASURED certificate of
    Theorem 2.2 (C_l = 1) at the scaled net: its smallest slack at β*(1 + ε) (≥ 1: printed and
    proof (9)) and at β*(1 − ε) (≤ 1: β* is the smallest); (14) ⇔ (7) at θ̃₀. ε = max(1e-6,
    1e-12·κ(F_{L−1})): the measured α₀ is only accurate to ~1e-16·κ relative. ``last_layer``
    (the control): W_L⁰ drawn instead of 0."""
    N, n0, widths = int(params["N"]), int(params["n0"]), list(params["widths"])
    X, Y = mn.ng_data(N, n0, widths[-1], seed=int(params["seed"]))
    last = params.get("last_layer", "zero")
    base, _, _ = mn.ng_sec31_net(X, Y, widths, seed=int(params["seed"]) + 1, beta_factor=1.0, last_layer=last)
    kappa = features_condition(base, X)
    # relative margin in β: rounding of the measured α₀ is ~ ε·κ(F_{L−1}) relative (dense SVD)
    if not kappa <= KAPPA_MAX:  # α₀ is 0 up to rounding: no β certifies (F_{L−1} rank-deficient)
        return {"beta_star": math.inf, "degenerate": True, "kappa": kappa, "L": len(widths), "N": N}
    eps = max(1e-6, 1e-12 * kappa)
    net_hi, _, bstar = mn.ng_sec31_net(X, Y, widths, seed=int(params["seed"]) + 1, beta_factor=1 + eps, last_layer=last)
    net_lo, _, _ = mn.ng_sec31_net(X, Y, widths, seed=int(params["seed"]) + 1, beta_factor=1 - eps, last_layer=last)
    C = [1.0] * len(widths)
    hi, lo = mn.ng_measure_certificate(net_hi, X, Y, C), mn.ng_measure_certificate(net_lo, X, Y, C)
    above = min(hi.slack7, hi.slack8, hi.slack9, hi.slack9_proof) if hi.wide_enough and hi.alpha0 > 0 else 0.0
    below = min(lo.slack7, lo.slack8, lo.slack9_proof)
    return {"beta_star": bstar, "above": above, "below": below, "degenerate": False,
            "slack7": hi.slack7, "slack8": hi.slack8, "slack9_proof": hi.slack9_proof, "slack9_printed": hi.slack9,
            "L": len(widths), "N": N, "kappa": kappa, "margin": eps}


def beta_measure(results: Results) -> Evidence:
    degenerate = sum(bool(m.get("degenerate")) for _, m in results)
    idx = [i for i, (_, m) in enumerate(results) if not m.get("degenerate")]
    ok = [results[i] for i in idx]
    enough = len(ok) >= MIN_BETA_DRAWS
    parts = {k: ({"ratios": [m[k] for _, m in ok], "cells": idx, "x": [m["L"] for _, m in ok]} if enough else None)
             for k in ("above", "below")}
    bs = [m["beta_star"] for _, m in ok]
    figs = {"examples": len(ok), "degenerate_alpha0": degenerate, "beta_star_min": min(bs, default=None),
            "beta_star_max": max(bs, default=None),
            "beta_star": {f"L={m['L']},N={m['N']},seed={p['seed']}": m["beta_star"] for p, m in ok},
            "binding": sorted({min((("7", m["slack7"]), ("8", m["slack8"]), ("9", m["slack9_proof"])), key=lambda t: t[1])[0]
                               for _, m in ok})}
    note = (f"the bisected β* against the measured (7)–(9) at θ̃₀ (W_L = 0): {len(ok)} draws, {degenerate} degenerate"
            + ("" if enough else f"; fewer than {MIN_BETA_DRAWS} non-degenerate draws"))
    return Evidence(parts, figs, note)


# ============================================================================ NG-3.3 (S)
LEMMA33_PARTS = (
    Law("sigma_min_sq", statistic="σ_min(F_{L−1})² per draw (LeCun β_l² = 1/n_{l−1}, every draw a point)",
        variable="n₀Π_{l<L} n_lβ_l² (= n_{L−1})", exponent=tn.NG33_EXPONENT, direction="two-sided"),
)
#: only 64 of the n_{L−1} last-hidden units live (W_{L−1}'s other columns zero): the i.i.d. Gaussian
#: init of Lemma 3.3 is broken and σ_min(F_{L−1})² stays flat in n_{L−1}
LEMMA33_CONTROL = Control("only 64 units of the last hidden layer live (W_{L−1}'s other columns 0; Lemma 3.3 "
                          "needs i.i.d. N(0, β²) entries): σ_min(F_{L−1})² flat in n_{L−1}", params={"live_units": 64})


def lemma33_cells(profile: str, seed: int = 0) -> list[dict]:
    p = _profile(profile)
    # widths well inside Lemma 3.3's regime (27) (n_{L−1} ≥ N log N log(N/δ) ≈ 73 at constant 1).
    # Below ~1024 σ_min(F_{L−1})²/n_{L−1} is still rising towards its limit (a finite-n correction
    # ~ (1 − c/√n)², as Bai–Yin's (√n − √N)²): measured on 40 draws with common X, W_1, the local
    # log-log slope is 1.08 at n = 256→512, 1.04 at 512→1024, 1.00–1.03 from 1024 to 32768. A Θ(·)
    # statement is asymptotic, so the sweep starts at 1024 (before: 256, slope 1.06 [0.82, 1.30]).
    widths = [1024, 2048, 4096, 8192] if p == "ci" else ([1024, 2048, 4096, 8192, 16384] if p == "quick" else [1024, 2048, 4096, 8192, 16384, 32768, 65536])
    R = 3 if p == "ci" else (5 if p == "quick" else 15)
    return [{"N": 8, "n0": 16, "widths": [64, n, 1], "seed": _sub_seed(seed, n, r)} for n in widths for r in range(R)]


@single_thread
def lemma33_run_cell(params: dict) -> dict:
    """001 Lemma 3.3 (eq. 29) with LeCun β_l² = 1/n_{l−1}: σ_min(F_{L−1})² against the scale
    n₀ Π_{l<L} n_l β_l² (= n_{L−1} for LeCun). ``live_units`` (the control): only that many
    columns of W_{L−1} kept."""
    X, Y, net = setup(params)
    W = list(net.weights)
    if params.get("live_units") is not None:
        k = int(params["live_units"])
        mask = torch.zeros(W[-2].shape[1], dtype=W[-2].dtype)
        mask[:k] = 1.0
        W[-2] = W[-2] * mask
    F = mn.ng_features(W, X)
    s = float(mn.sigma_min_rows(F[-2])) ** 2
    dims = [int(params["n0"])] + list(params["widths"])
    scale = tn.ng_lemma33_scale(dims[0], dims[1:-1], [1.0 / math.sqrt(d) for d in dims[:-2]])
    reg = tn.ng_lemma33_regime(int(params["N"]), dims[0], dims[1:-1])
    return {"sigma_min_sq": s, "scale": scale, "n_last": dims[-2], "eq27": bool(reg["eq27"])}


def lemma33_measure(results: Results) -> Evidence:
    xs = [m["scale"] for _, m in results]
    ys = [m["sigma_min_sq"] for _, m in results]
    by: dict[float, list[float]] = {}
    for x, y in zip(xs, ys):
        by.setdefault(x, []).append(y)
    const = [y / x for x, y in zip(xs, ys) if x > 0]
    figs = {"x": xs, "y": ys, "constant": [min(const), max(const)] if const else None,
            "in_regime_27": sum(m["eq27"] for _, m in results), "draws": len(results),
            "median_by_scale": {f"{x:g}": sorted(v)[len(v) // 2] for x, v in sorted(by.items())}}
    return Evidence({"sigma_min_sq": {"x": xs, "y": ys}}, figs,
                    f"σ_min(F_L−1)² / (n₀Π n_lβ_l²) in [{min(const):.3g}, {max(const):.3g}]" if const else "no draws")


def lemma33_plot(results: Results, judgement: Judgement, ax) -> None:
    p = judgement.part("sigma_min_sq")
    loglog_plot(ax, p["x"], p["y"], tn.NG33_EXPONENT, label="σ_min(F_{L−1})²", xlabel="n₀ Π n_l β_l²")


register("NG-2.1.grad", source="NG 001, Lemma 2.1 eq. (4)", cells=grad_cells, run_cell=grad_run_cell,
         measure=grad_measure, parts=GRAD_PARTS, control=GRAD_CONTROL)
register("NG-2.1.lip", source="NG 001, Lemma 2.1 eq. (5)", cells=lip_cells, run_cell=lip_run_cell,
         measure=lip_measure, parts=LIP_PARTS, control=LIP_CONTROL)
register("NG-PL", source="NG 001, Section 1 and eq. (3)", cells=pl_cells, run_cell=pl_run_cell,
         measure=pl_measure, parts=PL_PARTS, control=PL_CONTROL)
register("NG-2.2", source="NG 001, Theorem 2.2 eqs. (6)-(12)", cells=thm22_cells, run_cell=thm22_run_cell,
         measure=thm22_measure, parts=THM22_PARTS, control=THM22_CONTROL)
register("NG-3.1", source="NG 001, Section 3.1 eqs. (14)-(15)", cells=beta_cells, run_cell=beta_run_cell,
         measure=beta_measure, parts=BETA_PARTS, control=BETA_CONTROL)
register("NG-3.3", source="NG 001, Lemma 3.3 eq. (29)", cells=lemma33_cells, run_cell=lemma33_run_cell,
         measure=lemma33_measure, parts=LEMMA33_PARTS, control=LEMMA33_CONTROL, plot=lemma33_plot)
