"""Unit tests of ``overparam_verify.theory.kernels`` (issue 12 target 5): the infinite-width
NNGP (arc-cosine recursion) and NTK (v fixed) of ZCZG's network against independent checks —
Gaussian integrals by quadrature, neural-tangents' recursion written out in its normalisation
(Θ/m → (d/2)(NTK − NNGP), input kernel x·x'/d) — and against the empirical kernels of real
draws, whose relative deviation must fall like m^{−1/2} (fitted log-log slope, 95% CI ∋ −1/2)."""
from __future__ import annotations

import math

import pytest
import torch
from hypothesis import given, settings, strategies as st

import overparam_verify as ov
from overparam_verify import stats
from overparam_verify.metrics.core import ntk_gram
from overparam_verify.metrics.setup import relu_moment_quad
from overparam_verify.pytest_plugin import thorough
from overparam_verify.theory import kernels as tk

F64 = torch.float64


def _unit(n, d, seed):
    X = torch.randn(n, d, generator=torch.Generator().manual_seed(seed), dtype=F64)
    return X / X.norm(dim=1, keepdim=True)


@settings(max_examples=5)
@given(seed=st.integers(0, 2**31 - 1), depth=st.integers(1, 6))
def test_nngp_keeps_norms_and_first_layer_is_the_gaussian_integral(seed, depth):
    X = _unit(4, 5, seed) * torch.tensor([[1.0], [2.0], [0.5], [3.0]], dtype=F64)
    Ks = tk.relu_nngp(X, depth=depth)
    assert len(Ks) == depth + 1
    for l, K in enumerate(Ks):  # He init: K_l(x, x) = ‖x‖²
        torch.testing.assert_close(torch.diagonal(K), (X * X).sum(1), rtol=1e-13, atol=0)
        assert torch.allclose(K, K.T, rtol=0, atol=1e-14)
        assert l == 0 or bool((K >= 0).all())  # a ReLU layer's kernel is nonnegative
    # K_1(x, x') = 2‖x‖‖x'‖ E[σ(Z₁)σ(Z₂)], corr(Z₁, Z₂) = cos∠(x, x') (quadrature, 003 Lemma A.3)
    nx = X.norm(dim=1)
    for i in range(3):
        for j in (i + 1,):
            rho = float(X[i] @ X[j] / (nx[i] * nx[j]))
            want = 2 * float(nx[i] * nx[j]) * relu_moment_quad(max(-1.0, min(1.0, rho)))
            assert math.isclose(float(Ks[1][i, j]), want, rel_tol=1e-8, abs_tol=1e-12)
    Sd = tk.relu_derivative_kernels(X, depth=depth)
    for S in Sd:
        torch.testing.assert_close(torch.diagonal(S), torch.ones(4, dtype=F64), rtol=0, atol=0)
        assert bool(((S >= 0) & (S <= 1 + 1e-12)).all())


def _neural_tangents_ntk(X, depth):
    """neural-tangents' stax.serial([Dense(W_std=√2), Relu]·L, Dense(1, W_std=1)) kernels, NTK
    parameterization, no bias, written out: nngp_0 = x·x'/d; Dense: nngp ← W²·nngp,
    ntk ← nngp + W²·ntk; Relu: nngp ← E[σσ'], ntk ← ntk·E[σ'σ'] (Gaussian of covariance nngp)."""
    d = X.shape[1]
    nngp = X @ X.T / d
    ntk = torch.zeros_like(nngp)
    for _ in range(depth):
        nngp = 2.0 * nngp  # Dense(W_std² = 2)
        ntk = nngp + 2.0 * ntk
        q = torch.diagonal(nngp)
        s = torch.sqrt(q[:, None] * q[None, :])
        th = torch.arccos((nngp / s).clamp(-1, 1))
        relu_nngp = s / (2 * math.pi) * (torch.sin(th) + (math.pi - th) * torch.cos(th))
        relu_dot = (math.pi - th) / (2 * math.pi)
        nngp, ntk = relu_nngp, ntk * relu_dot
    # readout Dense(1, W_std = 1): nngp ← nngp, ntk ← nngp + ntk
    return nngp, nngp + ntk


@pytest.mark.parametrize("depth", [1, 2, 5])
def test_ntk_limit_in_neural_tangents_normalisation(depth):
    X = _unit(5, 7, depth)
    nngp, ntk = _neural_tangents_ntk(X, depth)
    torch.testing.assert_close(tk.zczg_ntk_limit(X, depth=depth), X.shape[1] / 2 * (ntk - nngp), rtol=1e-12, atol=1e-14)
    torch.testing.assert_close(tk.relu_nngp(X, depth=depth)[-1], X.shape[1] * nngp, rtol=1e-12, atol=1e-14)
    # widths version at equal widths m is m·Θ_∞, per layer as ntk_gram's blocks
    th = tk.zczg_ntk(X, widths=[64] * depth)
    torch.testing.assert_close(th["K"] / 64, tk.zczg_ntk_limit(X, depth=depth), rtol=1e-13, atol=0)
    assert th["K_layers"].shape == (depth, 5, 5)


def _deviations(ms, depth, draws, n=6, d=8):
    X, _ = ov.data.separated_sphere(n, d, 0.3, seed=11)
    K_inf = tk.relu_nngp(X, depth=depth)[-1]
    T_inf = tk.zczg_ntk_limit(X, depth=depth)
    xs, dn, dt = [], [], []
    for m in ms:
        for r in range(draws):
            net = ov.DeepReLUNet.gaussian_init(d, [m] * depth, seed=1000 * m + r)
            xL = net.forward_trace(X).outputs[-1]  # (n, m)
            K = xL @ xL.T
            T = ntk_gram(net, X)["K"] / m
            xs.append(m)
            dn.append(float((K - K_inf).norm() / K_inf.norm()))
            dt.append(float((T - T_inf).norm() / T_inf.norm()))
    return xs, dn, dt


def _check_rate(xs, dev):
    fit = stats.loglog_fit(xs, dev, familywise=False)
    assert fit.ci[0] <= -0.5 <= fit.ci[1], (fit.slope, fit.ci)
    assert fit.ci[1] < 0, (fit.slope, fit.ci)  # the deviation falls


def test_empirical_kernels_approach_the_limit_like_inverse_sqrt_width():
    """Relative Frobenius deviation of x_Lx_Lᵀ from K_L and of Θ/m from Θ_∞ over m ∈ {64, 256,
    1024}, 6 seeded draws each (CI scale; the m = 4096 sweep is the thorough test below)."""
    xs, dn, dt = _deviations([64, 256, 1024], depth=3, draws=6)
    _check_rate(xs, dn)
    _check_rate(xs, dt)


@pytest.mark.skipif(not thorough(), reason="m = 4096 sweep: thorough profile only (OV_THOROUGH=1)")
def test_empirical_kernels_rate_up_to_width_4096():
    xs, dn, dt = _deviations([256, 1024, 4096], depth=3, draws=8)
    _check_rate(xs, dn)
    _check_rate(xs, dt)


@pytest.mark.parametrize("call, match", [
    (lambda: tk.relu_nngp(torch.ones(2, 3), depth=0), "depth"),
    (lambda: tk.relu_nngp(torch.ones(2, 3), torch.ones(2, 4), depth=1), "shapes"),
    (lambda: tk.relu_nngp(torch.zeros(2, 3), depth=1), "nonzero"),
    (lambda: tk.relu_nngp(torch.full((2, 3), math.nan), depth=1), "finite"),
    (lambda: tk.zczg_ntk(torch.ones(2, 3), widths=[]), "widths"),
    (lambda: tk.zczg_ntk_limit(torch.ones(2, 3), depth=True), "depth"),
])
def test_bad_input(call, match):
    with pytest.raises(ValueError, match=match):
        call()
