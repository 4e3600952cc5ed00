"""Catalogue family 'nguyen': Nguyen (2021), ``seeds/001`` — Lemma 2.1 (eqs. 4–5), the PL-like
inequality and eq. (3), Theorem 2.2 (conditions 7–10, conclusions 11–12), Section 3.1 (eqs.
14–15) and Lemma 3.3 / Corollary 3.2. See the package docstring for the protocol.

Every ``*_cells(profile, seed=0)`` takes a seed so the property tests run the same cells on
Hypothesis-drawn seeds. Bounds come from :mod:`overparam_verify.theory.nguyen`, measured numbers
from :mod:`overparam_verify.metrics.nguyen`; everything is float64.
"""
from __future__ import annotations

import math

import torch

from . import Judgement, register
from .. import stats
from ..network import NguyenNet
from ..metrics import nguyen as mn
from ..theory import nguyen as tn
from ._cells import check_profile as _profile, sub_seed as _sub_seed, single_thread

Results = list[tuple[dict, dict]]
RTOL = 1e-9  #: rounding tolerance of the E statements (float64)

__all__ = [
    "RTOL", "setup", "single_thread",
    "grad_cells", "grad_run_cell", "grad_summarize",
    "lip_cells", "lip_run_cell", "lip_summarize",
    "pl_cells", "pl_run_cell", "pl_summarize",
    "thm22_cells", "thm22_run_cell", "thm22_summarize",
    "beta_cells", "beta_run_cell", "beta_summarize",
    "lemma33_cells", "lemma33_run_cell", "lemma33_summarize", "lemma33_plot",
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
def grad_cells(profile: str, seed: int = 0) -> list[dict]:
    return _shape_cells(profile, seed, {"adv_steps": 10 if profile == "ci" else (20 if profile == "quick" else 100)})


@single_thread
def grad_run_cell(params: dict) -> dict:
    """001 Lemma 2.1 eq. (4): max over l of ‖∇_{W_l}Φ‖_F / bound at init, at 4 random θ far
    from init (scales 10^{±1}), and the worst ratio an Adam ascent on (θ, Y) finds."""
    X, Y, net = setup(params)
    W = net.weights
    worst = float(mn.ng_grad_ratios(W, X, Y).max())
    for k, s in enumerate((0.1, 1.0, 3.0, 10.0)):
        Wp = _perturbed(W, _sub_seed(int(params["seed"]), 7, k), [s] * len(W))
        worst = max(worst, float(mn.ng_grad_ratios(Wp, X, Y).max()))
    nW = len(W)

    def obj(ps):
        return mn.ng_grad_ratios(ps[:nW], X, ps[nW]).max()

    adv, _ = mn.adversarial_max(obj, list(W) + [Y], steps=int(params.get("adv_steps", 20)))
    return {"max_ratio": worst, "adv_ratio": adv, "examples": 5 * nW}


def grad_summarize(results: Results) -> Judgement:
    r = max(max(m["max_ratio"], m["adv_ratio"]) for _, m in results)
    figs = {"slack": r, "max_violation": max(0.0, r - 1.0), "examples": sum(m["examples"] for _, m in results),
            "adversarial_worst": max(m["adv_ratio"] for _, m in results), "rtol": RTOL}
    return Judgement("holds" if r <= 1.0 + RTOL else "violated", figs,
                     f"max ‖∇_W_lΦ‖_F / (‖X‖_F Π‖W_p‖₂‖F_L−Y‖_F) = {r:.3g} (random + adversarial θ)")


# ============================================================================ NG-2.1.lip (E)
def lip_cells(profile: str, seed: int = 0) -> list[dict]:
    return grad_cells(profile, seed)


@single_thread
def lip_run_cell(params: dict) -> dict:
    """001 Lemma 2.1 eq. (5) with the sharpest λ̄_p = max(‖W_p^a‖₂, ‖W_p^b‖₂): worst ratio over l
    of ‖F_l(θ_a) − F_l(θ_b)‖_F / bound for θ_a = init, θ_b random at several distances, and the
    worst an Adam ascent on (θ_a, θ_b) finds."""
    X, Y, net = setup(params)
    W = net.weights
    nW = len(W)
    worst = 0.0
    for k, s in enumerate((0.01, 0.3, 1.0, 5.0)):
        Wb = _perturbed(W, _sub_seed(int(params["seed"]), 11, k), [1.0] * nW)
        Wb = [a + s * (b - a) for a, b in zip(W, Wb)]
        worst = max(worst, float(mn.ng_lip_ratios(W, Wb, X).max()))
    Wb0 = _perturbed(W, _sub_seed(int(params["seed"]), 13), [1.0] * nW)

    def obj(ps):
        return mn.ng_lip_ratios(ps[:nW], ps[nW:], X).max()

    adv, _ = mn.adversarial_max(obj, list(W) + list(Wb0), steps=int(params.get("adv_steps", 20)))
    return {"max_ratio": worst, "adv_ratio": adv, "examples": 4 * nW}


def lip_summarize(results: Results) -> Judgement:
    r = max(max(m["max_ratio"], m["adv_ratio"]) for _, m in results)
    figs = {"slack": r, "max_violation": max(0.0, r - 1.0), "examples": sum(m["examples"] for _, m in results),
            "adversarial_worst": max(m["adv_ratio"] for _, m in results), "rtol": RTOL}
    return Judgement("holds" if r <= 1.0 + RTOL else "violated", figs,
                     f"max ‖F_l(θ_a)−F_l(θ_b)‖_F / eq.(5) bound = {r:.3g} (random + adversarial pairs)")


# ============================================================================ NG-PL (E)
def pl_cells(profile: str, seed: int = 0) -> list[dict]:
    p = _profile(profile)
    shapes = [(4, 3, [5, 6, 2]), (3, 4, [4, 5, 3, 1])]
    if p != "ci":
        shapes += [(5, 3, [6, 2, 1])]  # n_{L−1} < N: eq. (3) holds trivially (λ_min(FFᵀ) = 0)
    if p == "full":
        shapes += [(6, 5, [4, 4, 8, 2])]
    return [{"N": N, "n0": n0, "widths": w, "seed": _sub_seed(seed, k), "scale": s,
             "adv_steps": 4 if p != "full" else 30}
            for k, (N, n0, w) in enumerate(shapes) for s in ((1.0, 4.0) if p != "full" else (1.0, 0.2, 5.0))]


@single_thread
def pl_run_cell(params: dict) -> dict:
    """001 Section 1 and eq. (3) at θ = init, at a random θ (weights × ``scale`` + noise) and at the
    end of an Adam ascent maximizing 2λ_min(K)Φ/‖∇Φ‖²: relative gaps (≥ −rtol required)."""
    X, Y, net = setup(params)
    W = net.weights
    thetas = [W, _perturbed(W, _sub_seed(int(params["seed"]), 17), [float(params["scale"])] * len(W))]

    def obj(ps):
        return mn.ng_min_eig_ratio(ps, X, Y)

    adv, adv_ps = mn.adversarial_max(obj, thetas[1], steps=int(params.get("adv_steps", 10)))
    thetas.append(adv_ps)
    pl_rel = ntk_rel = math.inf
    grad_err = 0.0
    for th in thetas:
        m = mn.ng_pl_measure(th, X, Y)
        pl_rel = min(pl_rel, m["pl_gap"] / m["pl_scale"])
        ntk_rel = min(ntk_rel, m["ntk_gap"] / m["ntk_scale"])
        grad_err = max(grad_err, abs(m["grad_sq"] - m["grad_sq_closed"]) / max(m["grad_sq"], 1e-300))
    return {"min_pl_rel_gap": pl_rel, "min_ntk_rel_gap": ntk_rel, "grad_rel_error": grad_err,
            "adv_ratio": adv, "examples": len(thetas)}


def pl_summarize(results: Results) -> Judgement:
    pl = min(m["min_pl_rel_gap"] for _, m in results)
    nt = min(m["min_ntk_rel_gap"] for _, m in results)
    ge = max(m["grad_rel_error"] for _, m in results)
    ok = pl >= -RTOL and nt >= -RTOL and ge <= RTOL
    figs = {"max_violation": max(0.0, -pl, -nt), "min_pl_rel_gap": pl, "min_ntk_rel_gap": nt,
            "max_rel_error": ge, "adversarial_worst_ratio": max(m["adv_ratio"] for _, m in results),
            "examples": sum(m["examples"] for _, m in results), "rtol": RTOL}
    return Judgement("holds" if ok else "violated", figs,
                     "‖∇Φ‖² ≥ 2λ_min(K)Φ and λ_min(K) ≥ λ_min(F_{L−1}F_{L−1}ᵀ) at init, random and adversarial θ "
                     "(K exact via torch.func.jacrev)")


# ============================================================================ NG-2.2 (E, conditional)
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
    # Finding check: β* of (14) and (8) only — there the printed (9) holds but the proof's (9)
    # (λ̄²_{1→L−1}) fails; the theorem as printed still claims (11)–(12). Search for a counterexample.
    cells += [{"mode": "printed9", "N": N, "n0": n0, "widths": w, "seed": _sub_seed(seed, k, 77),
               "beta_factor": 1.0, "steps": steps, "eta_frac": 0.99} for k, (N, n0, w) in enumerate(shapes)]
    cells += [{"mode": "lecun", "N": 3, "n0": 4, "widths": [6, n, 1], "seed": _sub_seed(seed, 99, n, r),
               "last_layer": "small", "steps": steps, "eta_frac": 0.99}
              for n in widths for r in range(R)]
    return cells


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


@single_thread
def thm22_run_cell(params: dict) -> dict:
    """001 Theorem 2.2: measure the certificate (α₀, λ̄_l, (7)–(9), η_max of (10)) at θ₀; when it
    holds, run GD with η = eta_frac·η_max (< η_max, eq. 10) and record the worst ratios of
    (11) and (12) over EVERY iterate (``loss_ratio``, ``norm_ratio`` ≤ 1, ``sigma_ratio`` ≥ 1)."""
    N, n0, widths = int(params["N"]), int(params["n0"]), list(params["widths"])
    X, Y = mn.ng_data(N, n0, widths[-1], seed=int(params["seed"]))
    out: dict = {"mode": params["mode"], "n_last": widths[-2]}
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
        net = NguyenNet([w * b for w in W[:-1]] + [W[-1]])
        cert = mn.ng_measure_certificate(net, X, Y, [1.0] * len(widths))
        out.update(beta=b)
    else:
        net = NguyenNet.lecun_init(n0, widths, last_layer=params.get("last_layer", "small"), seed=int(params["seed"]) + 1)
        cert = mn.ng_lecun_best_certificate(net, X, Y)
        out["best_min_slack"] = cert.extra["best_min_slack"]
    out.update(alpha0=cert.alpha0, slack7=cert.slack7, slack8=cert.slack8, slack9=cert.slack9,
               slack9_proof=cert.slack9_proof, eta_max=cert.eta_max,
               certified=cert.holds(), certified_proof=cert.holds(as_printed=False))
    if cert.holds() and cert.eta_max > 0:
        eta = float(params.get("eta_frac", 0.99)) * cert.eta_max
        traj = mn.ng_gd_trajectory(net, X, Y, lr=eta, steps=int(params["steps"]))
        out.update(mn.ng_trajectory_slacks(traj, cert, eta))
        out["eta"] = eta
    return out


def _thm22_fail(m: dict) -> bool:
    return m["loss_ratio"] > 1 + RTOL or m["norm_ratio"] > 1 + RTOL or m["sigma_ratio"] < 1 - RTOL


def thm22_summarize(results: Results) -> Judgement:
    run = [m for _, m in results if "loss_ratio" in m]
    sec = [m for _, m in results if m["mode"] == "sec31"]
    p9 = [m for _, m in results if m["mode"] == "printed9"]
    fails = sum(_thm22_fail(m) for m in run)
    uncert_sec = sum(not m["certified"] for m in sec)
    rate: dict[str, list] = {}
    for p, m in results:
        if m["mode"] == "lecun":
            rate.setdefault(str(m["n_last"]), []).append(m)
    lecun = {k: {"fraction_certified": sum(x["certified"] for x in v) / len(v), "trials": len(v),
                 "median_best_min_slack": sorted(x["best_min_slack"] for x in v)[len(v) // 2]}
             for k, v in sorted(rate.items(), key=lambda kv: int(kv[0]))}
    extrap = None
    pts = [(int(k), v["median_best_min_slack"]) for k, v in lecun.items() if v["median_best_min_slack"] > 0]
    if len(pts) >= 3:  # where LeCun inits would start to be certified (median slack = 1), extrapolated
        fit = stats.loglog_fit([p[0] for p in pts], [p[1] for p in pts])
        if fit.slope > 0:
            extrap = {"slope_in_n_last": fit.slope, "n_last_for_slack_1": math.exp(-math.log(fit.constant) / fit.slope)}
    figs = {"failures": fails, "trajectories": len(run),
            "min_loss_decay": min((m["loss_decay"] for m in run), default=None),
            "lecun_extrapolation": extrap, "examples": sum(m.get("steps", 0) + 1 for m in run),
            "max_loss_ratio": max((m["loss_ratio"] for m in run), default=None),
            "max_norm_ratio": max((m["norm_ratio"] for m in run), default=None),
            "min_sigma_ratio": min((m["sigma_ratio"] for m in run), default=None),
            "sec31_not_certified": uncert_sec, "lecun_by_width": lecun,
            "printed9_only_runs": sum(1 for m in p9 if "loss_ratio" in m and not m["certified_proof"]),
            "printed9_only_failures": sum(1 for m in p9 if "loss_ratio" in m and not m["certified_proof"] and _thm22_fail(m)),
            "max_violation": max([0.0] + [max(m["loss_ratio"] - 1, m["norm_ratio"] - 1, 1 - m["sigma_ratio"]) for m in run])}
    if fails:
        v = "violated"
    elif uncert_sec or not run:
        v = "inconclusive"
    else:
        v = "holds"
    return Judgement(v, figs, "(11) and (12) at every GD iterate from every certified init; "
                     "LeCun inits (Cor. 3.2 'small' last layer, C_l searched) certified fraction per n_{L−1}")


# ============================================================================ NG-3.1 (E)
def beta_cells(profile: str, seed: int = 0) -> list[dict]:
    p = _profile(profile)
    shapes = [(4, 3, [6, 24, 1]), (3, 4, [6, 8, 16, 2]), (4, 3, [8, 8, 8, 24, 1])]
    shapes = shapes[:2] if p == "ci" else shapes
    R = 1 if p == "ci" else (2 if p == "quick" else 10)
    return [{"N": N, "n0": n0, "widths": w, "seed": _sub_seed(seed, k, r)} for k, (N, n0, w) in enumerate(shapes) for r in range(R)]


@single_thread
def beta_run_cell(params: dict) -> dict:
    """001 Section 3.1: β* (bisection on (14), (15), (8)); then the MEASURED certificate of
    Theorem 2.2 (C_l = 1) at the scaled net: holds at β*(1 + ε) (printed and proof (9)) and one
    of (14)/(15)/(8) fails at β*(1 − ε) — β* is the smallest; (14) ⇔ (7) at θ̃₀. ε = max(1e-6,
    1e-12·κ(F_{L−1})): the measured α₀ is only accurate to ~1e-16·κ relative."""
    N, n0, widths = int(params["N"]), int(params["n0"]), list(params["widths"])
    X, Y = mn.ng_data(N, n0, widths[-1], seed=int(params["seed"]))
    base, _, _ = mn.ng_sec31_net(X, Y, widths, seed=int(params["seed"]) + 1, beta_factor=1.0)
    kappa = features_condition(base, X)
    # relative margin in β: rounding of the measured α₀ is ~ ε·κ(F_{L−1}) relative (dense SVD)
    if not kappa <= KAPPA_MAX:  # α₀ is 0 up to rounding: no β certifies (F_{L−1} rank-deficient)
        return {"beta_star": math.inf, "degenerate": True, "kappa": kappa, "L": len(widths), "N": N}
    eps = max(1e-6, 1e-12 * kappa)
    net_hi, _, bstar = mn.ng_sec31_net(X, Y, widths, seed=int(params["seed"]) + 1, beta_factor=1 + eps)
    net_lo, _, _ = mn.ng_sec31_net(X, Y, widths, seed=int(params["seed"]) + 1, beta_factor=1 - eps)
    C = [1.0] * len(widths)
    hi, lo = mn.ng_measure_certificate(net_hi, X, Y, C), mn.ng_measure_certificate(net_lo, X, Y, C)
    lo_ok = lo.cond7[0] >= lo.cond7[1] and lo.cond8[0] >= lo.cond8[1] and lo.cond9_proof[0] >= lo.cond9_proof[1]
    return {"beta_star": bstar, "holds_above": hi.holds() and hi.holds(as_printed=False), "fails_below": not lo_ok,
            "slack7": hi.slack7, "slack8": hi.slack8, "slack9_proof": hi.slack9_proof, "slack9_printed": hi.slack9,
            "L": len(widths), "N": N, "kappa": kappa, "margin": eps}


def beta_summarize(results: Results) -> Judgement:
    degenerate = sum(bool(m.get("degenerate")) for _, m in results)
    results = [(p, m) for p, m in results if not m.get("degenerate")]
    if not results:
        return Judgement("inconclusive", {"degenerate": degenerate}, "every draw had α₀ = 0")
    bad = sum(not (m["holds_above"] and m["fails_below"]) for _, m in results)
    bs = [m["beta_star"] for _, m in results]
    figs = {"failures": bad, "examples": len(results), "degenerate_alpha0": degenerate, "beta_star_min": min(bs), "beta_star_max": max(bs),
            "beta_star": {f"L={m['L']},N={m['N']},seed={p['seed']}": m["beta_star"] for p, m in results},
            "binding": sorted({min((("7", m["slack7"]), ("8", m["slack8"]), ("9", m["slack9_proof"])), key=lambda t: t[1])[0]
                               for _, m in results})}
    return Judgement("holds" if bad == 0 else "violated", figs,
                     "the bisected β* is exactly where the measured (7)–(9) start to hold at θ̃₀ (W_L = 0)")


# ============================================================================ NG-3.3 (S)
def lemma33_cells(profile: str, seed: int = 0) -> list[dict]:
    p = _profile(profile)
    # widths well inside Lemma 3.3's regime (27) (n_{L−1} ≥ N log N log(N/δ) ≈ 73 at constant 1):
    # below ~256 the empirical Gram's λ_min is still pre-asymptotic (fitted slope ≈ 1.2–1.4).
    widths = [256, 512, 1024, 2048] if p == "ci" else ([256, 512, 1024, 2048, 4096] if p == "quick" else [256, 512, 1024, 2048, 4096, 8192, 16384])
    R = 3 if p == "ci" else (5 if p == "quick" else 15)
    return [{"N": 8, "n0": 16, "widths": [64, n, 1], "seed": _sub_seed(seed, n, r)} for n in widths for r in range(R)]


@single_thread
def lemma33_run_cell(params: dict) -> dict:
    """001 Lemma 3.3 (eq. 29) with LeCun β_l² = 1/n_{l−1}: σ_min(F_{L−1})² against the scale
    n₀ Π_{l<L} n_l β_l² (= n_{L−1} for LeCun)."""
    X, Y, net = setup(params)
    F = mn.ng_features(net.weights, X)
    s = float(mn.sigma_min_rows(F[-2])) ** 2
    dims = [int(params["n0"])] + list(params["widths"])
    scale = tn.ng_lemma33_scale(dims[0], dims[1:-1], [1.0 / math.sqrt(d) for d in dims[:-2]])
    reg = tn.ng_lemma33_regime(int(params["N"]), dims[0], dims[1:-1])
    return {"sigma_min_sq": s, "scale": scale, "n_last": dims[-2], "eq27": bool(reg["eq27"])}


def lemma33_summarize(results: Results) -> Judgement:
    by: dict[float, list[float]] = {}
    for _, m in results:
        by.setdefault(m["scale"], []).append(m["sigma_min_sq"])
    xs = sorted(by)
    ys = [sorted(by[x])[len(by[x]) // 2] for x in xs]  # median over seeds
    if len(xs) < 3 or min(ys) <= 0:
        return Judgement("inconclusive", {"points": len(xs)}, "too few widths or σ_min = 0")
    fit = stats.loglog_fit(xs, ys)
    const = fit.constant_at(tn.NG33_EXPONENT)
    figs = {"slope": fit.slope, "ci": list(fit.ci), "theory_exponent": tn.NG33_EXPONENT,
            "constant": [min(const), max(const)], "x": xs, "y": ys}
    ok = fit.consistent_with(tn.NG33_EXPONENT)
    return Judgement("holds" if ok else "violated", figs,
                     f"σ_min(F_L−1)² ∝ scale^{fit.slope:.3f} (CI {fit.ci[0]:.3f}..{fit.ci[1]:.3f}); constant in [{min(const):.3g}, {max(const):.3g}]")


def lemma33_plot(results: Results, judgement: Judgement, ax) -> None:
    xs = [m["scale"] for _, m in results]
    ys = [m["sigma_min_sq"] for _, m in results]
    ax.loglog(xs, ys, "o", label="σ_min(F_{L−1})²")
    f = judgement.figures
    if "slope" in f:
        x0, y0 = f["x"][0], f["y"][0]
        ax.loglog(f["x"], [y0 * (x / x0) ** f["slope"] for x in f["x"]], "-", label=f"fit {f['slope']:.2f}")
        ax.loglog(f["x"], [y0 * (x / x0) for x in f["x"]], "--", label="theory 1")
    ax.set_xlabel("n₀ Π n_l β_l²")
    ax.legend()


register("NG-2.1.grad", source="NG 001, Lemma 2.1 eq. (4)", cells=grad_cells, run_cell=grad_run_cell,
         summarize=grad_summarize)
register("NG-2.1.lip", source="NG 001, Lemma 2.1 eq. (5)", cells=lip_cells, run_cell=lip_run_cell,
         summarize=lip_summarize)
register("NG-PL", source="NG 001, Section 1 and eq. (3)", cells=pl_cells, run_cell=pl_run_cell, summarize=pl_summarize)
register("NG-2.2", source="NG 001, Theorem 2.2 eqs. (6)-(12)", cells=thm22_cells, run_cell=thm22_run_cell,
         summarize=thm22_summarize)
register("NG-3.1", source="NG 001, Section 3.1 eqs. (14)-(15)", cells=beta_cells, run_cell=beta_run_cell,
         summarize=beta_summarize)
register("NG-3.3", source="NG 001, Lemma 3.3 eq. (29)", cells=lemma33_cells, run_cell=lemma33_run_cell,
         summarize=lemma33_summarize, plot=lemma33_plot)
