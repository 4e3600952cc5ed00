"""Unit tests of ``overparam_verify.metrics.core``.

* :func:`spectral_norm` (the per-step ``‖W_l⁽ᵏ⁾ − W_l⁽⁰⁾‖₂`` of the trace, 000 Figure 2, the
  radius τ of 003 Theorem 5.3) against ``torch.linalg.matrix_norm(ord=2)``: random, rank-1,
  repeated and nearly repeated top singular values, tiny and zero matrices, tall and wide, both
  the dense path (min side ≤ 48) and the iterative one; float64 to 1e-10 relative, float32 to
  1e-6 relative (issue 2's "exact to 1e-6 relative"); warm-start state; ensemble axis.
* :func:`sign_changes` (003 Lemma B.3's ``Σ_i ‖Σ̃_{l,i} − Σ_{l,i}‖₀``) against a loop.
"""
from __future__ import annotations

import pytest
import torch
from hypothesis import given, settings, strategies as st

from overparam_verify.metrics import SpectralState, sign_changes, spectral_norm

F64, F32 = torch.float64, torch.float32
seeds = st.integers(0, 2**31 - 1)
RTOL = {F64: 1e-10, F32: 1e-6}


def with_singular_values(a: int, b: int, s: list[float], seed: int) -> torch.Tensor:
    """U diag(s) Vᵀ with Haar-random orthonormal U (a×r), V (b×r)."""
    g = torch.Generator().manual_seed(seed)
    r = len(s)
    U = torch.linalg.qr(torch.randn(a, r, generator=g, dtype=F64)).Q
    V = torch.linalg.qr(torch.randn(b, r, generator=g, dtype=F64)).Q
    return U @ torch.diag(torch.tensor(s, dtype=F64)) @ V.T


def ref_norm(D: torch.Tensor) -> torch.Tensor:
    return torch.linalg.matrix_norm(D.to(F64), ord=2)


def check(D: torch.Tensor, **kw):
    got = spectral_norm(D, **kw)
    assert got.dtype == F64 and got.shape == D.shape[:-2]
    ref = ref_norm(D)
    torch.testing.assert_close(got, ref, rtol=RTOL.get(D.dtype, 1e-10), atol=1e-300)
    return got


def _matrix(kind: str, a: int, b: int, seed: int) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    r = min(a, b)
    if kind == "random":
        return torch.randn(a, b, generator=g, dtype=F64)
    if kind == "rank1":
        return torch.randn(a, 1, generator=g, dtype=F64) @ torch.randn(1, b, generator=g, dtype=F64)
    if kind == "repeated2":  # σ1 = σ2
        return with_singular_values(a, b, [3.0, 3.0] + [1.0] * (r - 2), seed)
    if kind == "repeated3":  # σ1 = σ2 = σ3: more than the block of 2
        return with_singular_values(a, b, [2.0, 2.0, 2.0] + [0.5] * (r - 3), seed)
    if kind == "close":  # tiny gap σ1 − σ2 = 1e-7
        return with_singular_values(a, b, [1.0, 1.0 - 1e-7] + list(torch.linspace(0.9, 0.1, r - 2).tolist()), seed)
    if kind == "flat":  # all singular values equal: the slowest case for subspace iteration
        return with_singular_values(a, b, [1.0] * r, seed)
    if kind == "scaled":  # a small-norm difference, like W⁽ᵏ⁾ − W⁽⁰⁾ early in training
        return 1e-9 * torch.randn(a, b, generator=g, dtype=F64)
    raise AssertionError(kind)


KINDS = ["random", "rank1", "repeated2", "repeated3", "close", "flat", "scaled"]


@pytest.mark.parametrize("dtype", [F64, F32])
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("a, b", [(60, 80), (90, 50), (20, 30)])  # iterative, iterative, dense
def test_spectral_norm_matches_matrix_norm(kind, a, b, dtype):
    D = _matrix(kind, a, b, seed=a * b).to(dtype)
    check(D, generator=torch.Generator().manual_seed(5))


@pytest.mark.parametrize("dtype", [F64, F32])
@pytest.mark.parametrize("spread", [1e-3, 1e-2, 0.1, 1.0])
def test_spectral_norm_clustered_top_of_spectrum(spread, dtype):
    """Regression: singular values logspace(0, −spread) (the top ones clustered within
    ~spread/100) made the float32 iteration stall at rounding level up to ~2e-4 off, and the
    float64 one stop at maxiter ~3e-4 off. Now exact (1e-6 float32, 1e-10 float64)."""
    r = 100
    s = torch.logspace(0, -spread, r, dtype=F64).tolist()
    D = with_singular_values(100, 135, s, seed=1).to(dtype)
    check(D)


def test_spectral_norm_maxiter_falls_back_to_dense():
    D = with_singular_values(80, 80, torch.logspace(0, -0.01, 80, dtype=F64).tolist(), seed=3)
    st_ = SpectralState()
    got = spectral_norm(D, st_, maxiter=3)
    torch.testing.assert_close(got, ref_norm(D), rtol=1e-10, atol=0.0)
    assert st_.V is not None and st_.V.shape == (2, 80)


@pytest.mark.parametrize("dtype", [F64, F32])
def test_spectral_norm_along_a_training_like_path(dtype):
    """W⁽ᵏ⁾ − W⁽⁰⁾ along SGD-like steps (low-rank updates plus noise), warm-started: every value
    within 1e-6 relative (float32 used to drift to ~2e-6 at m = 1024)."""
    m = 200
    g = torch.Generator().manual_seed(0)
    D = torch.zeros(m, m, dtype=F64)
    st_ = SpectralState()
    for _ in range(8):
        D = D + 0.01 * torch.randn(m, 4, generator=g, dtype=F64) @ torch.randn(4, m, generator=g, dtype=F64) / m**0.5
        D = D + 1e-3 * torch.randn(m, m, generator=g, dtype=F64) / m**0.5
        Dk = D.to(dtype)
        torch.testing.assert_close(spectral_norm(Dk, st_), ref_norm(Dk), rtol=RTOL[dtype], atol=0.0)
        assert st_.V.dtype == dtype


@pytest.mark.parametrize("shape", [(1, 1), (1, 7), (7, 1), (2, 2), (3, 100), (100, 3), (49, 49), (1, 200)])
@pytest.mark.parametrize("dtype", [F64, F32])
def test_spectral_norm_tiny_and_thin(shape, dtype):
    D = torch.randn(*shape, generator=torch.Generator().manual_seed(1), dtype=F64).to(dtype)
    check(D)


@pytest.mark.parametrize("shape", [(5, 5), (60, 70)])
def test_spectral_norm_of_zero_is_zero(shape):
    D = torch.zeros(*shape, dtype=F64)
    assert float(spectral_norm(D)) == 0.0
    s, f = spectral_norm(D, return_frobenius=True)
    assert float(s) == 0.0 and float(f) == 0.0


@settings(max_examples=min(10, settings().max_examples))
@given(seed=seeds, a=st.integers(49, 90), b=st.integers(49, 90), rank=st.integers(1, 4))
def test_spectral_norm_low_rank_hypothesis(seed, a, b, rank):
    g = torch.Generator().manual_seed(seed)
    D = torch.randn(a, rank, generator=g, dtype=F64) @ torch.randn(rank, b, generator=g, dtype=F64)
    check(D)


@pytest.mark.parametrize("dtype", [F64, F32])
def test_return_frobenius(dtype):
    D = _matrix("random", 60, 70, 3).to(dtype)
    s, f = spectral_norm(D, return_frobenius=True)
    torch.testing.assert_close(s, ref_norm(D), rtol=RTOL[dtype], atol=0.0)
    torch.testing.assert_close(f, torch.linalg.matrix_norm(D.to(F64)), rtol=RTOL[dtype], atol=0.0)
    assert f.dtype == F64


@pytest.mark.parametrize("dtype", [F64, F32])
def test_warm_start_state(dtype):
    """Along a path D_t that changes slowly (like W⁽ᵏ⁾ − W⁽⁰⁾), a carried state gives the same
    exact answers; the state adopts the block's shape and is reset for a new shape or dtype."""
    g = torch.Generator().manual_seed(0)
    base = torch.randn(60, 70, generator=g, dtype=F64)
    step = torch.randn(60, 70, generator=g, dtype=F64)
    st_ = SpectralState()
    assert st_.V is None
    for t in range(5):
        D = (base + 0.05 * t * step).to(dtype)
        got = spectral_norm(D, st_)
        torch.testing.assert_close(got, ref_norm(D), rtol=RTOL[dtype], atol=0.0)
        assert st_.V is not None and st_.V.shape == (2, 70) and st_.V.dtype == dtype
    # Same state, different shape: re-initialised, still exact.
    D2 = torch.randn(55, 64, generator=g, dtype=F64).to(dtype)
    torch.testing.assert_close(spectral_norm(D2, st_), ref_norm(D2), rtol=RTOL[dtype], atol=0.0)
    assert st_.V.shape == (2, 64)
    # Other dtype: re-initialised too.
    other = F32 if dtype == F64 else F64
    D3 = D2.to(other)
    torch.testing.assert_close(spectral_norm(D3, st_), ref_norm(D3), rtol=RTOL[other], atol=0.0)
    assert st_.V.dtype == other
    # A warm state from a converged run answers a repeated question identically.
    st2 = SpectralState()
    D4 = base.to(dtype)
    a = spectral_norm(D4, st2)
    b = spectral_norm(D4, st2)
    torch.testing.assert_close(a, b, rtol=RTOL[dtype], atol=0.0)


def test_warm_start_from_a_stale_state():
    """A state left by an unrelated matrix (not an invariant subspace of D) still converges."""
    g = torch.Generator().manual_seed(2)
    st_ = SpectralState()
    spectral_norm(torch.randn(60, 60, generator=g, dtype=F64), st_)
    D = with_singular_values(60, 60, [5.0, 1.0] + [0.5] * 58, seed=2)
    torch.testing.assert_close(spectral_norm(D, st_), torch.tensor(5.0, dtype=F64), rtol=1e-10, atol=0.0)


def test_state_after_zero_matrix_is_not_kept():
    """Regression: ‖0‖₂ left the state at (e_1, e_2) (QR of a zero block), and a later D whose
    first two columns vanish (two dead neurons in training) was reported as ‖D‖₂ = 0."""
    st_ = SpectralState()
    assert float(spectral_norm(torch.zeros(60, 70, dtype=F64), st_)) == 0.0
    D = torch.randn(60, 70, generator=torch.Generator().manual_seed(0), dtype=F64)
    D[:, :2] = 0.0
    torch.testing.assert_close(spectral_norm(D, st_), ref_norm(D), rtol=1e-10, atol=0.0)


@pytest.mark.xfail(strict=True, reason="finding (limitation): a warm state spanning an exactly "
                   "invariant, non-top singular subspace is accepted as converged (the residual "
                   "test certifies an eigenpair, not the top one); training never produces one")
def test_warm_start_from_an_invariant_non_top_subspace():
    D = with_singular_values(60, 60, [5.0, 1.0] + [0.5] * 58, seed=2)
    V = torch.linalg.svd(D).Vh  # rows: right singular vectors
    st_ = SpectralState()
    st_.V = V[-2:].clone()  # the bottom two
    torch.testing.assert_close(spectral_norm(D, st_), torch.tensor(5.0, dtype=F64), rtol=1e-10, atol=0.0)


@pytest.mark.parametrize("a, b", [(60, 70), (10, 12)])
def test_ensemble_axis(a, b):
    g = torch.Generator().manual_seed(4)
    D = torch.randn(3, a, b, generator=g, dtype=F64)
    D[1] = _matrix("repeated2", a, b, 1)
    st_ = SpectralState()
    got = spectral_norm(D, st_)
    assert got.shape == (3,)
    torch.testing.assert_close(got, ref_norm(D), rtol=1e-10, atol=0.0)
    again = spectral_norm(D * 1.001, st_)
    torch.testing.assert_close(again, ref_norm(D * 1.001), rtol=1e-10, atol=0.0)


def test_spectral_norm_is_deterministic():
    D = _matrix("close", 70, 60, 9)
    a = spectral_norm(D, generator=torch.Generator().manual_seed(3))
    b = spectral_norm(D, generator=torch.Generator().manual_seed(3))
    assert torch.equal(a, b)


def test_spectral_norm_other_dtype_goes_float64():
    D = torch.randn(60, 50, generator=torch.Generator().manual_seed(0), dtype=F64).to(torch.bfloat16)
    got = spectral_norm(D)
    torch.testing.assert_close(got, ref_norm(D), rtol=1e-10, atol=0.0)


# ----------------------------------------------------------------------------- sign_changes
@given(seed=seeds, n=st.integers(1, 6), m=st.integers(1, 9))
def test_sign_changes_matches_loop(seed, n, m):
    g = torch.Generator().manual_seed(seed)
    P0 = torch.randn(n, m, generator=g) > 0
    P = torch.randn(n, m, generator=g) > 0
    count = sum(int(P[i, j] != P0[i, j]) for i in range(n) for j in range(m))
    out = sign_changes(P, P0)
    assert int(out) == count and out.dtype == torch.int64
    assert int(sign_changes(P0, P0)) == 0
    assert int(sign_changes(P, P0)) == int(sign_changes(P0, P))


def test_sign_changes_ensemble_axis():
    g = torch.Generator().manual_seed(0)
    P0 = torch.randn(4, 5, 6, generator=g) > 0
    P = torch.randn(4, 5, 6, generator=g) > 0
    out = sign_changes(P, P0)
    assert out.shape == (4,)
    for k in range(4):
        assert int(out[k]) == int(sign_changes(P[k], P0[k]))
    assert int(sign_changes(~P0, P0).sum()) == P0.numel()  # every sign flipped
