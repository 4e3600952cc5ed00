"""Property tests for the catalogue family 'perturbation': ZCZG 003 Theorem 5.3 (Lemmas B.1-B.6,
000 Lemma 5.2) and AZLS 002 Section 4 Step 2, Theorems 3 and 4.

Every statement holds "for every W̃ with ‖W̃_l − W_l‖₂ ≤ τ", so every measurement is the worst
case of an adversarial search (greedy sign-flip construction, projected gradient ascent under
the spectral constraint, the strategies' adversarial perturbation kinds when available) next to
random perturbations. Kinds (shared/LEMMAS.md): ZCZG-5.3.i is E; B.2, B.3, B.4, B.6 are W
(binomial test of the failures in the regime, with depth or τ laws beside the bound); the rest
are S (declared laws). For every statement one test asserts the judge's verdict on the
catalogue's declared parts (``catalogue.perturbation.PARTS``) and one asserts that its declared
control (``CONTROLS``) is rejected, both through :func:`overparam_verify.judge.evaluate` on
Hypothesis-drawn seeds; the finer tests below check the search and the exact identities.
"""
from __future__ import annotations

import pytest
import torch
from hypothesis import Phase, given, settings
from hypothesis import strategies as st

import overparam_verify as ov
from overparam_verify import strategies as _ovst
from overparam_verify.catalogue import perturbation as cp
from overparam_verify.judge import evaluate
from overparam_verify.metrics import perturbation as mp
from overparam_verify.pytest_plugin import at_most, sweep_profile
from overparam_verify.strategies import seeds
from overparam_verify.theory import perturbation as tp

_spectral = _ovst.spectral_perturbations


SWEEP_PROFILE = sweep_profile()


_few = at_most  # at most k examples (×5 under the ov-thorough profile), checked as one Bonferroni family


def _verdict(sid: str, seed: int, *, may_stay_unresolved: tuple[str, ...] = ()) -> None:
    """The statement holds on the catalogue sweep. ``may_stay_unresolved``: deciding parts whose true exponent sits
    at the theory's, so that whether their interval excludes the alternative depends on the draws (the audit's
    fixed seed resolves them at quick) — for an arbitrary seed they may be inconclusive, never violated, while
    every other deciding part holds."""
    e = evaluate(sid, SWEEP_PROFILE, seed=seed, control=False)
    if not may_stay_unresolved:
        assert e.verdict == "holds", e.judgement.note
        return
    parts = {p["name"]: p for p in e.judgement.parts if p.get("decides", True)}
    assert set(may_stay_unresolved) <= set(parts), sorted(parts)
    for name, p in parts.items():
        ok = ("holds", "inconclusive") if name in may_stay_unresolved else ("holds",)
        assert p["verdict"] in ok, f"{name}: {p['verdict']} ({p['reason']})"


def _control(sid: str, seed: int) -> None:
    e = evaluate(sid, SWEEP_PROFILE, seed=seed, statement=False)
    assert e.control_verdict == "violated", e.control.note


def _net(seed: int, m: int, L: int, n: int = 4, phi: float = 0.5):
    X, y = ov.data.separated_sphere(n, 10, phi, seed=seed)
    return X, y, ov.DeepReLUNet.gaussian_init(10, [m] * L, seed=seed + 1)


def _candidates(net, X, tau: float, seed: int) -> list[list[torch.Tensor]]:
    """Perturbations with ‖Δ_l‖₂ ≤ τ: random, rank one, aligned, greedy flips (per sample and
    all samples), the two-layer least-squares attack per sample (L ≥ 2) and, when present, the
    strategies' adversarial kinds "flip"/"output"."""
    out = [mp.random_perturbation(net, tau, seed=seed), mp.random_perturbation(net, tau, seed=seed, kind="rank1"),
           mp.aligned_perturbation(net, tau), mp.greedy_flip_perturbation(net, X, tau)]
    out += [mp.greedy_flip_perturbation(net, X, tau, samples=[i]) for i in range(X.shape[0])]
    out += [d for d in (mp.two_layer_flip_perturbation(net, X, tau, sample=i) for i in range(X.shape[0])) if d is not None]
    return out


def _strategy_candidates(data, net, X, tau: float) -> list[list[torch.Tensor]]:
    """The strategies' adversarial kinds ``spectral_perturbations(weights, tau, kind="flip" /
    "output", X=X, net=net)`` (ZCZG nets: weights = row matrices); none without ``data``."""
    if data is None:
        return []
    out = []
    for kind in ("flip", "output"):
        strat = _spectral(net.weights, tau, kind=kind, X=X, net=net)
        D = [torch.as_tensor(d, dtype=torch.float64) for d in data.draw(strat, label=f"strategies:{kind}")]
        assert len(D) == net.depth and all(d.shape == M.shape for d, M in zip(D, net.trainable_mats()))
        out.append(D)
    return out


# ============================================================================ metrics: exactness
@pytest.mark.lemma("ZCZG-B.3")
@_few(10)
@given(seed=seeds(), a=st.integers(2, 40), b=st.integers(2, 40), tau=st.floats(1e-3, 2.0))
def test_projection_onto_spectral_ball(seed, a, b, tau):
    """The projection clips singular values at τ: feasible, idempotent, identity inside the ball,
    and no farther (Frobenius) than the radial rescaling."""
    g = torch.Generator().manual_seed(seed)
    D = torch.randn(a, b, generator=g, dtype=torch.float64)
    P = mp.project_spectral_ball(D, tau)
    assert float(torch.linalg.matrix_norm(P, ord=2)) <= tau * (1 + 1e-12)
    torch.testing.assert_close(mp.project_spectral_ball(P, tau), P, rtol=1e-10, atol=1e-12)
    radial = D * min(1.0, tau / float(torch.linalg.matrix_norm(D, ord=2)))
    assert float((P - D).norm()) <= float((radial - D).norm()) + 1e-10
    small = D * (0.5 * tau / float(torch.linalg.matrix_norm(D, ord=2)))
    torch.testing.assert_close(mp.project_spectral_ball(small, tau), small, rtol=1e-10, atol=1e-12)


@pytest.mark.lemma("ZCZG-B.3")
@_few(10)
@given(seed=seeds(), m=st.sampled_from([16, 64, 256]), L=st.integers(1, 3), tau=st.sampled_from([1e-3, 1e-2, 0.1]), data=st.data())
def test_adversarial_perturbations_are_feasible(seed, m, L, tau, data):
    """Every candidate of the worst-case search lies in the region ‖Δ_l‖₂ ≤ τ, and the greedy
    construction flips at least as many signs of its target sample as a random perturbation."""
    X, _, net = _net(seed, m, L)
    for D in _candidates(net, X, tau, seed) + _strategy_candidates(data, net, X, tau):
        assert max(mp.perturbation_norms(D)) <= tau * (1 + 1e-9)
    g1 = mp.sign_change_counts(net, X, mp.greedy_flip_perturbation(net, X, tau, samples=[0]))[0, 0]
    r1 = mp.sign_change_counts(net, X, mp.random_perturbation(net, tau, seed=seed))[0, 0]
    assert int(g1) >= int(r1)


@pytest.mark.lemma("AZLS-thm3")
@_few(6)
@given(seed=seeds(), m=st.sampled_from([8, 24]), L=st.integers(1, 3), d_out=st.sampled_from([1, 2]))
def test_gradient_over_loss_lies_in_gram_range(seed, m, L, d_out):
    """For any targets, ‖∇F‖²/F lies in [2λ_min(JJᵀ), 2λ_max(JJᵀ)] (the exact worst case over
    loss vectors used by AZLS-thm3), and the gradient equals autograd's."""
    X, _ = ov.data.separated_sphere(3, 6, 0.3, mu=ov.data.AZLS_MU, seed=seed)
    net = ov.AZLSNet.gaussian_init(6, m, L, d_out, seed=seed + 1)
    y = ov.data.random_targets(3, d_out, seed=seed + 2)
    lo, hi = mp.residual_gram_extremes(net, X)
    G = net.gradients(X, y, loss="square")
    F = float(net.loss(X, y, loss="square"))
    r = sum(float((g**2).sum()) for g in G) / F
    assert lo * (1 - 1e-9) - 1e-12 <= r <= hi * (1 + 1e-9) + 1e-12
    Ws = [W.clone().requires_grad_(True) for W in net.weights]
    Fa = ov.AZLSNet(net.A, Ws, net.B).loss(X, y, loss="square")
    for g, ga in zip(G, torch.autograd.grad(Fa, Ws)):
        torch.testing.assert_close(g, ga, rtol=1e-9, atol=1e-12)


@pytest.mark.lemma("AZLS-thm4")
@_few(6)
@given(seed=seeds(), m=st.sampled_from([8, 24]), t=st.sampled_from([1e-4, 1e-2]))
def test_taylor_residual_matches_definition(seed, m, t):
    """``taylor_residual`` is F(W̆+W′) − F(W̆) − ⟨∇F(W̆), W′⟩ computed from the public API, and
    the worst-case search returns at least the value of any random direction it tried."""
    X, _ = ov.data.separated_sphere(3, 6, 0.3, mu=ov.data.AZLS_MU, seed=seed)
    net = ov.AZLSNet.gaussian_init(6, m, 2, 2, seed=seed + 1)
    y = ov.data.random_targets(3, 2, seed=seed + 2)
    Wp = mp.random_perturbation(net, t, seed=seed)
    got = mp.taylor_residual(net, X, y, net.mats, Wp)
    F0 = float(net.loss(X, y, loss="square"))
    net1 = net.with_trainable([M + D for M, D in zip(net.trainable_mats(), Wp)])
    ip = sum(float((G * D).sum()) for G, D in zip(net.raw_gradients(X, y, loss="square"), Wp))
    assert got == pytest.approx(float(net1.loss(X, y, loss="square")) - F0 - ip, rel=1e-9, abs=1e-12)
    w = mp.worst_taylor_residual(net, X, y, net.mats, t, seed=seed, R=2, steps=2)
    assert w["worst"] >= w["random"] - 1e-15


# ============================================================================ ZCZG-5.3.i (E)
@pytest.mark.lemma("ZCZG-5.3.i")
@_few(10)
@given(seed=seeds(), m=st.sampled_from([8, 32, 128]), L=st.integers(1, 4), tau=st.floats(0.0, 0.5))
def test_w_tilde_norm_at_most_4(seed, m, L, tau):
    """‖W̃_l‖₂ ≤ ‖W_l‖₂ + τ for every candidate (equality for the aligned one), hence ≤ 4 when
    003 Theorem 5.1(i) holds and τ ≤ 1/2 (rtol 1e-12)."""
    r = cp.w_tilde_run_cell({"m": m, "L": L, "tau": tau, "n": 3, "d": 8, "phi": 0.3, "seed": seed})
    assert max(r["triangle_ratios"]) <= 1 + 1e-12
    assert r["aligned_ratio_min"] >= 1 - 1e-12
    assert r["thm51_i"] == bool(r["four_ratios"])
    assert all(v <= 1 + 1e-12 for v in r["four_ratios"])


# ============================================================================ ZCZG-B.2 (W)
@pytest.mark.lemma("ZCZG-B.2")
@_few(8)
@given(seed=seeds(), m=st.sampled_from([16, 64]), L=st.integers(1, 4), tau=st.sampled_from([1e-3, 1e-2, 0.1, 0.5]), data=st.data())
def test_b2_corrected_recursion_on_every_candidate(seed, m, L, tau, data):
    """Given 003 Theorem 5.1(i), every candidate perturbation satisfies the 1-Lipschitz recursion
    d_l ≤ (3/2)τ·4^{l−1} − τ/2 (the correct version of Lemma B.2's proof), which is ≤ 8^L τ/7."""
    X, _, net = _net(seed, m, L)
    if not cp._thm51_i(net, X):
        return
    for D in _candidates(net, X, tau, seed) + _strategy_candidates(data, net, X, tau):
        dev = mp.forward_deviations(net, X, D).amax(dim=1)  # (L,)
        for l, v in enumerate(dev.tolist(), start=1):
            assert v <= tp.b2_lipschitz_bound(l, tau) * (1 + 1e-9) + 1e-15
            assert v <= tp.b2_forward_deviation_bound(L, tau)


# ============================================================================ ZCZG-B.3 (W + S in τ)
@pytest.mark.lemma("ZCZG-B.3")
@_few(10)
@given(seed=seeds(), m=st.integers(2, 64), L=st.integers(1, 3), tau=st.sampled_from([1e-5, 1e-4, 1e-3]), data=st.data())
def test_b3_search_narrow_widths(seed, m, L, tau, data):
    """Outside the regime (any width ≥ 2): a targeted Hypothesis search (``target`` maximises
    measured/bound) for a width where the explicit bound 3·4^L m τ^{2/3} fails under the
    adversarial candidates. A failure outside the regime is reported (``event``), not hidden; a
    failure inside the regime fails the test. Counterexamples outside the regime exist: a
    400-seed brute force (L = 1, τ = 1e-3) finds 6/400 at m = 2 (first seed 104) and 22/400 at
    m = 8 (first seed 18); the narrowest width the audit finds is reported in its figures
    (``outside_regime``)."""
    from hypothesis import event, target

    m = 2 * ((m + 1) // 2)
    X, _, net = _net(seed, m, L)
    cands = _candidates(net, X, tau, seed) + _strategy_candidates(data, net, X, tau)
    worst = max(int(mp.sign_change_counts(net, X, D).max()) for D in cands)
    bound = tp.b3_sign_change_bound(L, m, tau)
    target(worst / bound, label="measured/bound")
    if worst > bound:
        event(f"B.3 bound fails at m={m}, L={L}, tau={tau}")
        assert not tp.zczg_5_3_regime(m, X.shape[0], L, 0.5, tau, cp.DELTA)["regime_met"]


@pytest.mark.lemma("ZCZG-B.3")
def test_b3_counterexample_at_m2_outside_the_regime():
    """The brute-force counterexample of issue 14 (m = 2, L = 1, τ = 1e-3, seed 104): the greedy
    candidates exceed 3·4^L m τ^{2/3}, and the configuration is outside the regime."""
    X, _, net = _net(104, 2, 1)
    worst = max(int(mp.sign_change_counts(net, X, D).max()) for D in _candidates(net, X, 1e-3, 104))
    bound = tp.b3_sign_change_bound(1, 2, 1e-3)
    assert not tp.zczg_5_3_regime(2, X.shape[0], 1, 0.5, 1e-3, cp.DELTA)["regime_met"]
    assert worst > bound, (worst, bound)


# ============================================================================ ZCZG-B.6 (W)
@pytest.mark.lemma("ZCZG-B.6")
@_few(8)
@given(seed=seeds(), m=st.sampled_from([8, 32]), L=st.integers(1, 4), tau=st.sampled_from([1e-3, 0.1, 0.5]), data=st.data())
def test_b6_deterministic_on_every_candidate(seed, m, L, tau, data):
    """Given 003 Theorem 5.1(i) and τ ≤ 1/2 the bound is deterministic, with 4^{L−1} in place of
    4^L: checked on every candidate perturbation, full gradient and every minibatch of size 2."""
    X, y, net = _net(seed, m, L)
    if not cp._thm51_i(net, X):
        return
    M = max(net.widths)
    for D in _candidates(net, X, tau, seed) + _strategy_candidates(data, net, X, tau):
        mats = mp.perturbed_mats(net, D)
        grads, s = mp.perturbed_gradients(net, X, y, "logistic", mats)
        b = tp.b6_deterministic_bound(L, M, X.shape[0], float(s))
        assert max(float(G.norm()) for G in grads) <= b * (1 + 1e-9)
        gb, sb = mp.perturbed_gradients(net, X[:2], y[:2], "logistic", mats)
        assert max(float(G.norm()) for G in gb) <= tp.b6_minibatch_bound(L, M, 2, float(sb)) / 4 * (1 + 1e-9)


# ============================================================================ verdicts and controls
@pytest.mark.lemma("ZCZG-5.3.i")
@_few(1)
@given(seed=seeds())
def test_w_tilde_verdict(seed):
    """The declared parts judged on the catalogue sweep: ‖W̃_l‖₂ ≤ ‖W_l‖₂ + τ and ≤ 4 on every example (E, rtol 1e-9)."""
    _verdict("ZCZG-5.3.i", seed)


@pytest.mark.lemma("ZCZG-5.3.i")
@_few(1)
@given(seed=seeds())
def test_w_tilde_control_rejected(seed):
    """The control through the same cells and judge comes out violated: perturbations of norm 2τ break the triangle bound."""
    _control("ZCZG-5.3.i", seed)


@pytest.mark.lemma("ZCZG-B.2")
@_few(1)
@given(seed=seeds())
def test_b2_verdict(seed):
    """The declared parts judged on the catalogue sweep: the bound in the regime (R ≥ 40, δ = 0.1) and the depth law against 8^L."""
    _verdict("ZCZG-B.2", seed)


@pytest.mark.lemma("ZCZG-B.2")
@_few(1)
@given(seed=seeds())
def test_b2_control_rejected(seed):
    """The control through the same cells and judge comes out violated: the search at radius 2τ exceeds 8τ/7 on every draw."""
    _control("ZCZG-B.2", seed)


@pytest.mark.lemma("ZCZG-B.3")
@_few(1)
@given(seed=seeds())
def test_b3_verdict(seed):
    """The declared parts judged on the catalogue sweep: the bound in the regime (R ≥ 40), the τ-exponent ≥ 2/3 (CI excludes 1/3) and the depth law against 4^L."""
    _verdict("ZCZG-B.3", seed)


@pytest.mark.lemma("ZCZG-B.3")
@_few(1)
@given(seed=seeds())
def test_b3_control_rejected(seed):
    """The control through the same cells and judge comes out violated: the search at radius 100τ exceeds the bound at τ."""
    _control("ZCZG-B.3", seed)


@pytest.mark.lemma("ZCZG-B.4")
@_few(1)
@given(seed=seeds())
def test_b4_verdict(seed):
    """The declared parts judged on the catalogue sweep: the union bound in the regime at τ = 1e-4 (R ≥ 40) and the depth law against 4^L."""
    _verdict("ZCZG-B.4", seed)


@pytest.mark.lemma("ZCZG-B.4")
@_few(1)
@given(seed=seeds())
def test_b4_control_rejected(seed):
    """The control through the same cells and judge comes out violated: the search at radius 1000τ exceeds the bound at τ."""
    _control("ZCZG-B.4", seed)


@pytest.mark.lemma("ZCZG-B.1")
@_few(1)
@given(seed=seeds())
def test_b1_verdict(seed):
    """The declared parts judged on the catalogue sweep: the worst Γ̃_{i,2,s} (a ∈ R^m) within Lemma B.1's
    hypotheses (any Σ̃ with ‖Σ̃ − Σ‖₀ ≤ s: greedy adversarial flips) and the increment Γ̃ − Γ both grow at most like
    M^{1/2} (CI excludes 3/4)."""
    _verdict("ZCZG-B.1", seed)


@pytest.mark.lemma("ZCZG-B.1")
@_few(1)
@given(seed=seeds())
def test_b1_control_rejected(seed):
    """The control through the same cells and judge comes out violated: a radius τ·M/32 makes Γ̃ and its
    increment grow faster than M^{1/2}."""
    _control("ZCZG-B.1", seed)


@pytest.mark.lemma("ZCZG-B.5")
@_few(1)
@given(seed=seeds())
def test_b5_verdict(seed):
    """The declared parts judged on the catalogue sweep: min over the region of ‖∇_{W_L}‖²/(Σℓ')² grows at least
    linearly in m (CI excludes 1/2) at 003's and 000's radius, and on pairs at distance exactly φ it falls no faster
    than φ³ as φ → 0 and than n⁻⁷ in n."""
    _verdict("ZCZG-B.5", seed)


@pytest.mark.lemma("ZCZG-B.5")
@_few(1)
@given(seed=seeds())
def test_b5_control_rejected(seed):
    """The control through the same cells and judge comes out violated: W_l × m^{−1/2} stops the growth."""
    _control("ZCZG-B.5", seed)


@pytest.mark.lemma("ZCZG-B.6")
@_few(1)
@given(seed=seeds())
def test_b6_verdict(seed):
    """The declared parts judged on the catalogue sweep: the gradient bound and its minibatch form in the regime (R ≥ 40), depth laws against 4^L and 000's L."""
    _verdict("ZCZG-B.6", seed)


@pytest.mark.lemma("ZCZG-B.6")
@_few(1)
@given(seed=seeds())
def test_b6_control_rejected(seed):
    """The control through the same cells and judge comes out violated: the output vector ±16 exceeds the bound."""
    _control("ZCZG-B.6", seed)


@pytest.mark.lemma("AZLS-step2.signs")
@pytest.mark.xfail(strict=True, reason=(
    "a finding of issue 14's two-layer least-squares attack: with it among the candidates (it wins 46/48 last-layer "
    "searches, 1.36x the greedy flips median, 2.0x max) the ω-law of the worst count fits 0.61 [0.57, 0.65] at ci and "
    "0.615 [0.58, 0.65] at quick (m = 512, ω = 1e-3 … 0.081), wholly below 2/3: violated. Its gain over the greedy "
    "attack falls from 1.6x at ω = 1e-3 to 1.2x at ω = 0.081 (|T|/m grows and the layer-(k−1) map A_T loses rank), so "
    "the slope over this range is pre-asymptotic; the bound with its constant is not contradicted "
    "(count/(mω^{2/3}L) ≤ 1.35)"))
@settings(max_examples=1, phases=(Phase.explicit, Phase.reuse, Phase.generate))  # an expected failure: no shrinking
@given(seed=seeds())
def test_azls_signs_verdict(seed):
    """The declared parts judged on the catalogue sweep: sign changes: ω-exponent ≥ 2/3, at most linear in m and L."""
    _verdict("AZLS-step2.signs", seed)


@pytest.mark.lemma("AZLS-step2.signs")
@_few(1)
@given(seed=seeds())
def test_azls_signs_control_rejected(seed):
    """The control through the same cells and judge comes out violated: a radius ω + 0.05 that does not shrink flattens the ω law."""
    _control("AZLS-step2.signs", seed)


@pytest.mark.lemma("AZLS-step2.forward")
@_few(1)
@given(seed=seeds())
def test_azls_forward_verdict(seed):
    """The declared parts judged on the catalogue sweep: worst ‖h − h⁽⁰⁾‖/ω grows at most like L^{5/2}, and not
    with m (L = 4, m = 32 … 256)."""
    _verdict("AZLS-step2.forward", seed)


@pytest.mark.lemma("AZLS-step2.forward")
@_few(1)
@given(seed=seeds())
def test_azls_forward_control_rejected(seed):
    """The control through the same cells and judge comes out violated: layers scaled by 2 grow geometrically."""
    _control("AZLS-step2.forward", seed)


@pytest.mark.lemma("AZLS-step2.backward")
@_few(1)
@given(seed=seeds())
def test_azls_backward_verdict(seed):
    """The declared parts judged on the catalogue sweep: the backward change decays at least like ω^{1/3}, at m = 64
    and where mω^{2/3} ≥ 30 (m = 256, ω = 0.04 … 0.32: the flips' ω^{1/3} term); it grows at most like √m and like
    L² (ω = 0.01)."""
    _verdict("AZLS-step2.backward", seed)


@pytest.mark.lemma("AZLS-step2.backward")
@_few(1)
@given(seed=seeds())
def test_azls_backward_control_rejected(seed):
    """The control through the same cells and judge comes out violated: a radius ω + 0.05 that does not shrink flattens the ω law."""
    _control("AZLS-step2.backward", seed)


@pytest.mark.lemma("AZLS-thm3")
@_few(1)
@given(seed=seeds())
def test_azls_thm3_verdict(seed):
    """The declared parts judged on the catalogue sweep: min and max of ‖∇F‖²/F over the region, and over every
    target set (2λ_min at init and minimised over the region by projected descent), scale like m; the lower bound
    falls no faster than n⁻², not with L, and no faster than δ (one pair at distance δ, m = ⌈16/δ⌉, ω ∝ δ^{3/2});
    the upper grows at most like n and like L.

    The δ law sits at its exponent (the slope is ≈ 1.0–1.1, the draws scatter by 3–6× at one δ), so whether its
    interval excludes the alternative 1.5 depends on the draws: quick seed 0 (the audit's) 0.99 [0.55, 1.44], seed 1
    1.09 [0.66, 1.52], ci (12 points) often not, full 0.97 [0.68, 1.27]. For the drawn seed it may stay
    inconclusive, never violated, and every other deciding part must hold."""
    _verdict("AZLS-thm3", seed, may_stay_unresolved=("lower_gram_delta",))


@pytest.mark.lemma("AZLS-thm3")
@_few(1)
@given(seed=seeds())
def test_azls_thm3_control_rejected(seed):
    """The control through the same cells and judge comes out violated: W_l × m^{−1/2} stops the growth in m."""
    _control("AZLS-thm3", seed)


@pytest.mark.lemma("AZLS-thm4")
@_few(1)
@given(seed=seeds())
def test_azls_thm4_verdict(seed):
    """The declared parts judged on the catalogue sweep: the residual's t² coefficient grows at most like m
    (nL²m/d), and with W̆ parked its t coefficient (worst R(t)/t at t = 1e-4, 20 ascent steps from 2 starts) at
    most like √(m log m)·√F (measured: ci 0.46 [0.34, 0.58], quick 0.52 [0.39, 0.64] against ≤ ½, Δ ¼)."""
    _verdict("AZLS-thm4", seed)


@pytest.mark.lemma("AZLS-thm4")
@_few(1)
@given(seed=seeds())
def test_azls_thm4_control_rejected(seed):
    """The control through the same cells and judge comes out violated: W_l × m^{1/2} makes the t² coefficient
    grow like m² (and the parked first-order one faster than √m)."""
    _control("AZLS-thm4", seed)


# ============================================================================ ZCZG-B.1: adversarial Σ̃
@pytest.mark.lemma("ZCZG-B.1")
@_few(6)
@given(seed=seeds(), m=st.sampled_from([8, 16]), L=st.integers(2, 3), s=st.integers(1, 3), tau=st.sampled_from([0.0, 0.1]))
def test_b1_adversarial_patterns_within_the_hypotheses(seed, m, L, s, tau):
    """The greedy Σ̃ flips at most s coordinates per (layer, sample) relative to Σ, never lowers Γ̃ below the
    unflipped pattern, and with own patterns it reproduces ``perturbed_sparse_sups``; it is at least as good
    as every single flip at the top layer L (its first greedy step is the best of those, later steps only
    increase Γ̃)."""
    import itertools

    X, _, net = _net(seed, m, L, n=2)
    l = 2
    mats = mp.perturbed_mats(net, mp.random_perturbation(net, tau, seed=seed))
    base = mp._own_patterns(net, X, net.mats)
    own = mp._own_patterns(net, X, mats)
    torch.testing.assert_close(mp.sparse_sups_with_patterns(net, mats, own, s, l), mp.perturbed_sparse_sups(net, X, mats, s, l))
    adv = mp.adversarial_patterns(net, X, mats, s, l)
    for k in range(l - 1, L):
        assert int((adv[k] != base[k]).sum(-1).max()) <= s
    g_adv = mp.sparse_sups_with_patterns(net, mats, adv, s, l)
    g_base = mp.sparse_sups_with_patterns(net, mats, base, s, l)
    assert bool((g_adv >= g_base - 1e-12).all())
    for k, j in itertools.product([L - 1], range(m)):  # every single flip at layer L
        one = [b.clone() for b in base]
        one[k][:, j] = 1 - one[k][:, j]
        assert bool((g_adv >= mp.sparse_sups_with_patterns(net, mats, one, s, l) - 1e-12).all())


@pytest.mark.lemma("AZLS-thm3")
@_few(4)
@given(seed=seeds(), m=st.sampled_from([8, 24]), L=st.integers(1, 2), omega=st.sampled_from([1e-3, 0.05]))
def test_gram_min_over_the_region(seed, m, L, omega):
    """The region's minimum of 2λ_min(JJᵀ) is at most its value at W (W is in the region) and at least 0 (JJᵀ is
    positive semi-definite), and at W it equals residual_gram_extremes' lower end."""
    X, _ = ov.data.separated_sphere(3, 6, 0.3, mu=ov.data.AZLS_MU, seed=seed)
    net = ov.AZLSNet.gaussian_init(6, m, L, 2, seed=seed + 1)
    w = mp.worst_gram_min(net, X, omega, seed=seed, R=2, steps=2)
    assert -1e-12 <= w["worst"] <= w["at_init"] + 1e-12
    assert w["at_init"] == pytest.approx(mp.residual_gram_extremes(net, X)[0], rel=1e-12, abs=1e-15)
