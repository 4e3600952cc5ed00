"""Property tests for the catalogue family 'init': forward quantities at Gaussian initialization —
ZCZG 003 Theorem 5.1 (i)-(iii) with Lemmas A.1-A.6, 000 Lemma 5.1, AZLS 002 Step 1 (norms and
separations).

Every statement is judged by the one judge (:func:`overparam_verify.judge.evaluate`) on its
declared parts (``catalogue.init.*_PARTS``): one test asserts its verdict, another that its
negative control (``*_CONTROL``) comes out ``violated`` through the same cells, measure and
judge (a control that stops being rejected is a power regression). Seeds are drawn by
Hypothesis. The finer-grained tests below check the measurements themselves against oracles
(SVD, the engine's trace, the closed form, the infinite-width recursion).

Findings (strict xfail): ZCZG-5.1.i — eq. (5.1) puts no condition on d = m₀, and ‖W_1‖₂ ≈
√2(1 + √(d/m₁)) > 7/2 once d > 2.18·m₁ (d = 512, m₁ = 64 fails in every draw).
"""
from __future__ import annotations

import math

import pytest
import torch
from hypothesis import Phase, given, settings
from hypothesis import strategies as st

import overparam_verify as ov
from overparam_verify.catalogue import init as ci
from overparam_verify.judge import evaluate
from overparam_verify.metrics import init as mi
from overparam_verify.metrics import setup as ms
from overparam_verify.pytest_plugin import at_most, sweep_profile
from overparam_verify.strategies import seeds
from overparam_verify.theory import init as ti
from overparam_verify.theory import setup as ts

SWEEP = sweep_profile()

_few = at_most  # at most k examples (×5 under thorough), checked as one Bonferroni family

#: statements whose verdict at the property tests' sweep is "holds"
_HOLD_MARKS = [
    pytest.mark.lemma("ZCZG-A.1"),
    pytest.mark.lemma("ZCZG-A.2"),
    pytest.mark.lemma("ZCZG-A.3"),
    pytest.mark.lemma("ZCZG-A.4"),
    pytest.mark.lemma("ZCZG-A.5"),
    pytest.mark.lemma("ZCZG-A.6"),
    pytest.mark.lemma("ZCZG-init-loss"),
    pytest.mark.lemma("AZLS-step1.norm"),
    pytest.mark.lemma("AZLS-step1.separation"),
]
HOLDS = [m.args[0] for m in _HOLD_MARKS]
_CONTROL_MARKS = _HOLD_MARKS + [pytest.mark.lemma("ZCZG-5.1.i")]


def _note(e) -> str:
    return f"{e.judgement.note} | parts: " + "; ".join(f"{p['name']}: {p['verdict']} ({p['reason']})"
                                                       for p in e.judgement.parts)


def _cnote(e) -> str:
    return f"{e.control.note} | parts: " + "; ".join(f"{p['name']}: {p['verdict']} ({p['reason']})"
                                                     for p in e.control.parts)


# ============================================================================ verdicts and controls
@pytest.mark.parametrize("sid", [pytest.param(m.args[0], marks=m) for m in _HOLD_MARKS])
@_few(1)
@given(seed=seeds())
def test_verdict(sid, seed):
    """The declared parts (catalogue.init.*_PARTS) judged on the catalogue sweep come out "holds"."""
    e = evaluate(sid, SWEEP, seed=seed, control=False)
    print(sid, _note(e))
    assert e.verdict == "holds", _note(e)
    if sid == "ZCZG-A.3":  # the smallest C over the θ grid: ≥ the small-θ limit 1/(6π), ≤ 1/16 (attained at θ = 2)
        f = e.judgement.figures
        assert ts.A3_C_LIMIT - 1e-9 <= f["smallest_C_theta_le_0.5"] <= f["smallest_C_theta_le_2"] <= 1 / 16 + 1e-12


@pytest.mark.parametrize("sid", [pytest.param(m.args[0], marks=m) for m in _CONTROL_MARKS])
@_few(1)
@given(seed=seeds())
def test_control_rejected(sid, seed):
    """The declared control (a mis-scaled init, geometric layers, data closer than φ, a pair that
    is not standard, δ not ≲ 1/L) through the same cells and judge comes out "violated".
    ZCZG-5.1.i: its finding (wide input) makes every run violated, so the control must be
    rejected by the part it targets, the in-regime draws."""
    e = evaluate(sid, SWEEP, seed=seed, statement=False)
    print(sid, _cnote(e))
    assert e.control_verdict == "violated", _cnote(e)
    if sid == "ZCZG-5.1.i":
        assert e.control.part("regime")["verdict"] == "violated", _cnote(e)


# ============================================================================ A.1, A.2 (S)
@pytest.mark.lemma("ZCZG-A.1")
@_few(10)
@given(seed=seeds(), L=st.integers(1, 4), m=st.integers(2, 40))
def test_norm_metrics_match_trace(seed, L, m):
    """The measured norms/changes are those of the engine's trace (exact)."""
    X, _ = ov.data.separated_sphere(3, 5, 0.1, seed=seed)
    net = ov.DeepReLUNet.gaussian_init(5, [2 * (m // 2 + 1)] * L, seed=seed + 1)
    N = mi.layer_norms(net, X)
    tr = net.forward_trace(X)
    torch.testing.assert_close(N[-1], tr.outputs[-1].norm(dim=1), rtol=1e-12, atol=0)
    ch = mi.a1_relative_changes(net, X)
    torch.testing.assert_close(ch[0], tr.outputs[0].norm(dim=1) ** 2 - 1.0, rtol=1e-9, atol=1e-12)


@pytest.mark.lemma("ZCZG-A.2")
@_few(5)
@given(seed=seeds(), s=st.floats(0.5, 2.0), m=st.integers(1, 20).map(lambda k: 2 * k))
def test_control_scaling_is_exact(seed, s, m):
    """The controls' mis-scaled init (``catalogue.init.zczg_net``) is the He init times ``s``:
    ReLU is positively homogeneous, so ‖x_{l,i}‖ scales by s^l and the output by s^L exactly."""
    X, _ = ov.data.separated_sphere(3, 5, 0.2, seed=seed)
    base = ci.zczg_net(5, [m, m], seed)
    scaled = ci.zczg_net(5, [m, m], seed, w_scale=s)
    torch.testing.assert_close(mi.layer_norms(scaled, X)[2], s**2 * mi.layer_norms(base, X)[2], rtol=1e-12, atol=1e-300)
    torch.testing.assert_close(scaled.forward(X), s**2 * base.forward(X), rtol=1e-12, atol=1e-300)


# ============================================================================ Theorem 5.1(i) (W)
@pytest.mark.lemma("ZCZG-5.1.i")
@pytest.mark.xfail(strict=True, reason="finding: 003 Theorem 5.1(i)'s ‖W_l‖₂ ≤ 7/2 fails when d = m₀ > 2.18·m₁, "
                   "which eq. (5.1) does not exclude (d = 512, m₁ = 64: every draw fails; the audit reports 'violated')")
@settings(max_examples=1, phases=[Phase.generate])  # no shrinking of an expected failure (each replay is a sweep)
@given(seed=seeds())
def test_t51_i_verdict(seed):
    """The statement as printed, judged on all its parts (in-regime hard shapes and the wide
    input eq. (5.1) allows): strict xfail, the wide-input part is violated."""
    e = evaluate("ZCZG-5.1.i", SWEEP, seed=seed, control=False)
    assert e.verdict == "holds", _note(e)


@pytest.mark.lemma("ZCZG-5.1.i")
@_few(1)
@given(seed=seeds())
def test_t51_i_parts(seed):
    """In eq. (5.1)'s regime on Assumption 3.7's hard shape d = 2m₁ the bound holds (binomial,
    δ = 0.1, R ≥ 40), and the wide input d = 8m₁ fails in every draw with slack > 1.3 (the
    finding, ‖W_1‖₂ ≈ √2(1 + √8) ≈ 5.4)."""
    e = evaluate("ZCZG-5.1.i", SWEEP, seed=seed, control=False)
    j = e.judgement
    assert j.part("regime")["verdict"] == "holds", _note(e)
    w = j.part("wide_input")
    assert w["verdict"] == "violated" and w["failures"] == w["trials"] and min(w["ratios"]) > 1.3, _note(e)
    if SWEEP != "ci":  # the L = 2 cells (m₁ = 2m₂ = 3072) run from the quick profile on
        assert j.part("regime_depth")["verdict"] in ("holds", "inconclusive"), _note(e)


@pytest.mark.lemma("ZCZG-5.1.i")
@_few(1)
@given(seed=seeds())
def test_t51_i_narrowest_width_search(seed):
    """Outside the regime (m ≤ 32, d = 2m): very narrow nets do fail (m = 2, 4: ‖x‖ > 3/2 or
    ‖W‖₂ > 7/2 in about half the draws); the narrowest width held is reported."""
    cells = [c for c in ci.t51i_cells(SWEEP, seed=seed) if c["sweep"] == "outside"]
    ev = ci.t51i_measure([(c, ci.t51i_run_cell(c)) for c in cells])
    print("min_width_held:", ev.figures["min_width_held"], ev.figures["outside_regime"])
    rates = ev.figures["outside_regime"]["failure_rates"]
    assert rates[2] + rates[4] > 0


@pytest.mark.lemma("ZCZG-5.1.i")
@_few(5)
@given(seed=seeds(), m=st.integers(2, 64), d=st.integers(1, 80))
def test_spectral_norm_metric_exact(seed, m, d):
    """‖W_l‖₂ as measured equals the largest singular value (SVD); the matrix-free Lanczos
    version (the wide L = 2 cells) agrees to 1e-9."""
    net = ov.DeepReLUNet.gaussian_init(d, [2 * m], seed=seed)
    s = float(torch.linalg.svdvals(net.weights[0])[0])
    assert abs(mi.weight_spectral_norms(net)[0] - s) <= 1e-12 * s
    assert abs(mi.weight_spectral_norms_lanczos(net, seed=seed)[0] - s) <= 1e-9 * s


@pytest.mark.lemma("ZCZG-5.1.i")
@_few(10)
@given(seed=seeds(), m=st.integers(1, 48).map(lambda k: 2 * k))
def test_t51_i_cell_slack_matches_oracle(seed, m):
    """The cell's per-draw slack is max(σ_max(W_1)/(7/2), max_i ‖x_{1,i}‖/(3/2)) with σ_max from
    the SVD and ‖x_1‖ from the engine's trace of the same draw (a Hypothesis search, ``target``
    on the width of failing draws, reports the widest failing width on the hard shape d = 2m)."""
    from hypothesis import event, target

    c = {"sweep": "outside", "m": m, "widths": [m], "d": 2 * m, "phi": 1.0, "n": 4, "reps": 1, "seed": seed % (2**31 - 2)}
    r = ci.t51i_run_cell(c)
    s = ci._sub_seed(c["seed"], 0)
    X, _ = ov.data.separated_sphere(4, 2 * m, 1.0, seed=s)
    net = ov.DeepReLUNet.gaussian_init(2 * m, [m], seed=s + 1)
    oracle = max(float(torch.linalg.svdvals(net.weights[0])[0]) / 3.5,
                 float(net.forward_trace(X).outputs[0].norm(dim=1).max()) / 1.5)
    assert abs(r["slacks"][0] - oracle) <= 1e-12 * oracle
    if r["slacks"][0] > 1:
        target(float(m), label="failing width")
        event(f"fails at m={m}")


# ============================================================================ A.3 (E + S)
@pytest.mark.lemma("ZCZG-A.3")
@_few(10)
@given(rho=st.floats(-1.0, 1.0, allow_nan=False))
def test_a3_quadrature_equals_closed_form(rho):
    """E[σ(Z₁)σ(Z₂)] by scipy quadrature = (sin t + (π − t)cos t)/(2π), t = arccos ρ (both
    quadratures: the setup family's and the scaled one the control uses, at s = 1)."""
    q, c = ms.relu_moment_quad(rho), ts.relu_gaussian_moment(rho)
    assert abs(q - c) <= 1e-9 * abs(c) + 1e-15
    assert abs(mi.relu_moment_quad_scaled(rho, 1.0) - c) <= 1e-9 * abs(c) + 1e-15


@pytest.mark.lemma("ZCZG-A.3")
@_few(10)
@given(rho=st.floats(-0.99, 0.99), s=st.floats(0.1, 4.0))
def test_a3_scaled_quadrature_homogeneous(rho, s):
    """The control's pair (Z₁, sZ₂): ReLU is positively homogeneous, so the quadrature of
    E[σ(Z₁)σ(sZ₂)] equals s times the closed form."""
    c = ts.relu_gaussian_moment(rho)
    assert abs(mi.relu_moment_quad_scaled(rho, s) - s * c) <= 1e-9 * s * abs(c) + 1e-15


@pytest.mark.lemma("ZCZG-A.3")
@_few(4)
@given(seed=seeds(), rho=st.floats(-0.99, 0.999))
def test_a3_monte_carlo_matches_closed_form(seed, rho):
    """Seeded Monte Carlo (200 000 samples) within 5 standard errors of the closed form; the
    scaled sampler at s = 1 draws the same samples."""
    e, se = ms.relu_moment_mc(rho, 200_000, seed)
    assert abs(e - ts.relu_gaussian_moment(rho)) <= 5 * se
    assert mi.relu_moment_mc_scaled(rho, 1.0, 200_000, seed) == (e, se)


@pytest.mark.lemma("ZCZG-A.3")
@_few(10)
@given(theta=st.floats(1e-3, 2.0), alpha_gap=st.floats(0.0, 1.0))
def test_a3_inequality_with_smallest_constant(theta, alpha_gap):
    """For every correlation α ≤ 1 − θ²/2 (the moment is increasing in α):
    E[σ(Z₁)σ(Z₂)] ≤ 1/2 − θ²/4 + Cθ³ with C = 1/16, the smallest C valid for all θ ≤ 2."""
    rho_max = ts.a3_rho(theta)
    rho = rho_max - alpha_gap * (rho_max + 1.0)
    assert ts.relu_gaussian_moment(rho) <= ts.relu_gaussian_moment(rho_max) + 1e-15
    assert ms.relu_moment_quad(rho) <= ts.a3_bound(theta, 1.0 / 16.0) + 1e-12


# ============================================================================ A.4, A.5 (W)
@pytest.mark.lemma("ZCZG-A.4")
@_few(1)
@given(seed=seeds())
def test_a4_a5_narrowest_width_search(seed):
    """Outside the regime (L = 2, φ = 1/2, m below the 1832 the regime asks): the narrowest width
    at which each bound held is reported (the implied C too); at the narrowest width A.4 fails often."""
    cells = [c for c in ci.a4_cells(SWEEP, seed=seed) if c["sweep"] == "outside"]
    res = [(c, ci.a4_run_cell(c)) for c in cells]
    e4, e5 = ci.a4_measure(res), ci.a5_measure(res)
    print("A.4:", e4.note, "\nA.5:", e5.note)
    rates = e4.figures["outside_regime"]["failure_rates"]
    assert rates[min(rates)] > 0.2


@pytest.mark.lemma("ZCZG-A.4")
@_few(5)
@given(phi=st.floats(0.01, 1.9), L=st.integers(1, 6))
def test_a4_infinite_width_limit(phi, L):
    """At infinite width the separation follows the arc-cosine recursion; it never grows, and it
    satisfies Lemma A.4 whenever φL ≤ the computed κ-limit."""
    s = ti.a4_infinite_width_separation(phi, L)
    assert all(b <= a + 1e-12 for a, b in zip(s, s[1:]))
    if phi * L <= ti.a4_kappa_limit(L) * (1 - 1e-6):
        assert all(s[l] >= ti.a4_bound(phi, l, L) * (1 - 1e-9) for l in range(1, L + 1))


@pytest.mark.lemma("ZCZG-A.4")
@_few(10)
@given(seed=seeds(), m=st.integers(2, 128).map(lambda k: 2 * k), L=st.integers(1, 3))
def test_a4_cell_ratio_matches_oracle(seed, m, L):
    """The cell's per-draw A.4 / A.5 ratios are the min over layers and pairs of the separations
    of the engine's trace (torch.cdist of x̄ and x), over [1 − log 2/(2L)]^l φ and φ/2."""
    from hypothesis import target

    c = {"m": m, "L": L, "phi": 0.5, "n": 3, "d": 10, "reps": 1, "seed": seed % (2**31 - 2)}
    r = ci.a4_run_cell(c)
    s = ci._sub_seed(c["seed"], 0)
    X, _ = mi.tight_arc_data(3, 10, 0.5, seed=s)
    outs = ov.DeepReLUNet.gaussian_init(10, [m] * L, seed=s + 1).forward_trace(X).outputs
    iu = torch.triu_indices(3, 3, 1)

    def mind(H):
        return float(torch.cdist(H, H)[iu[0], iu[1]].min())

    nor = [mind(H / H.norm(dim=1, keepdim=True).clamp_min(1e-300)) for H in outs]
    raw = [mind(H) for H in outs]
    o4 = min(nor[l - 1] / ((1 - math.log(2) / (2 * L)) ** l * 0.5) for l in range(1, L + 1))
    o5 = min(min(a, b) for a, b in zip(nor, raw)) / 0.25
    assert abs(r["ratio_a4"][0] - o4) <= 1e-9 * max(o4, 1e-300) and abs(r["ratio_a5"][0] - o5) <= 1e-9 * max(o5, 1e-300)
    if r["ratio_a4"][0] < 1:
        target(float(m), label="failing width")


@pytest.mark.lemma("ZCZG-A.5")
@_few(5)
@given(seed=seeds(), n=st.integers(2, 8), phi=st.floats(0.05, 0.5), mu=st.one_of(st.none(), st.just(ov.data.AZLS_MU)))
def test_tight_data_has_exact_separation(seed, n, phi, mu):
    """The separation-lemma data: unit rows (last coordinate μ), min separation exactly φ."""
    X, _ = mi.tight_arc_data(n, 6, phi, mu=mu, seed=seed)
    torch.testing.assert_close(X.norm(dim=1), torch.ones(n, dtype=X.dtype), rtol=1e-12, atol=0)
    assert abs(ov.data.min_separation(X) - phi) <= 1e-12


# ============================================================================ AZLS Step 1 (S)
@pytest.mark.lemma("AZLS-step1.separation")
@_few(5)
@given(L=st.integers(2, 64))
def test_azls_separation_infinite_width_at_kappa_over_L(L):
    """At δ = κ/L (κ = 1/2) the infinite-width recursion keeps sep_L/δ ≥ 0.9 for every L (the
    depth-free constant the depth part measures), while at the control's fixed δ = 1/2 it falls
    below 0.9 from L = 2 on and keeps falling."""
    s = ti.a4_infinite_width_separation(ci.AZLS_SEP_KAPPA / L, L)
    assert min(s[1:]) / (ci.AZLS_SEP_KAPPA / L) >= 0.9
    f = ti.a4_infinite_width_separation(0.5, L)
    g = ti.a4_infinite_width_separation(0.5, L + 1)
    assert min(f[1:]) / 0.5 < 0.9 and min(g[1:]) < min(f[1:])
