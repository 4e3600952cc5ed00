"""Measured quantities the proofs talk about.

* :func:`spectral_norm`: exact largest singular value, matrix-free (warm-started block power
  iteration on ``DᵀD`` with Rayleigh–Ritz), for the per-step distance ``‖W_l⁽ᵏ⁾ − W_l⁽⁰⁾‖₂``
  (000 Figure 2, the perturbation radius τ of 003 Theorem 5.3). It accepts a leading ensemble
  axis and a warm start, so recording it at every step of training is cheap.
* :func:`sign_changes`: number of activation signs that differ from initialisation
  (``‖Σ̃_{l,i} − Σ_{l,i}‖₀`` summed over i; 003 Lemma B.3, 000 Figure 3).
"""
from __future__ import annotations

import torch

__all__ = ["spectral_norm", "sign_changes", "SpectralState"]

_EXACT_BELOW = 48  # min(a, b) at or below which a dense SVD is cheaper than iterating


class SpectralState:
    """Warm-start state for :func:`spectral_norm`: the current top right-singular subspace."""

    __slots__ = ("V",)

    def __init__(self):
        self.V: torch.Tensor | None = None


def _tol(dtype: torch.dtype) -> float:
    return 1e-13 if dtype == torch.float64 else 2e-7


def spectral_norm(
    D: torch.Tensor,
    state: SpectralState | None = None,
    *,
    block: int = 4,
    maxiter: int = 1000,
    generator: torch.Generator | None = None,
) -> torch.Tensor:
    """Largest singular value ``‖D‖₂`` of ``D`` (shape (..., a, b)), shape (...).

    Matrix-free: subspace iteration on ``DᵀD`` with ``block`` vectors and a Rayleigh–Ritz step,
    iterated until the top Ritz pair's residual ``‖DᵀD u − θ u‖`` is below ``tol·θ`` (1e-13 in
    float64, 2e-7 in float32, i.e. σ exact to about 1e-6 relative in float32 and to rounding in
    float64). ``state`` carries the subspace from one call to the next: along a training run
    ``W⁽ᵏ⁾ − W⁽⁰⁾`` changes slowly, so one or two iterations usually suffice. Small matrices
    (min(a, b) ≤ 48) use a dense SVD.
    """
    a, b = D.shape[-2], D.shape[-1]
    if min(a, b) <= _EXACT_BELOW:
        return torch.linalg.matrix_norm(D, ord=2)
    fro = torch.linalg.matrix_norm(D)  # (...)
    p = min(block, b)
    V = None if state is None else state.V
    if V is None or V.shape[:-2] != D.shape[:-2] or V.shape[-2] != b:
        g = generator if generator is not None else torch.Generator().manual_seed(0)
        V = torch.randn(*D.shape[:-2], b, p, generator=g, dtype=torch.float64).to(D)
        V = torch.linalg.qr(V).Q
    tol = _tol(D.dtype)
    Dt = D.transpose(-1, -2)
    theta = None
    for _ in range(maxiter):
        Z = Dt @ (D @ V)  # (..., b, p) = DᵀD V
        H = V.transpose(-1, -2) @ Z  # (..., p, p) Rayleigh quotient matrix
        H = 0.5 * (H + H.transpose(-1, -2))
        evals, evecs = torch.linalg.eigh(H)
        theta = evals[..., -1].clamp_min(0)  # (...) top Ritz value ≈ σ²
        u = (V @ evecs[..., -1:])  # (..., b, 1) top Ritz vector
        r = Z @ evecs[..., -1:] - theta[..., None, None] * u
        res = torch.linalg.vector_norm(r, dim=(-2, -1))
        # Re-orthonormalise the block, ordered by Ritz value (top first).
        V = torch.linalg.qr(Z @ evecs.flip(-1)).Q
        if bool((res <= tol * theta + tol * tol * fro * fro).all()):
            break
    if state is not None:
        state.V = V
    return theta.sqrt()


def sign_changes(patterns: torch.Tensor, patterns0: torch.Tensor) -> torch.Tensor:
    """Number of entries where two activation patterns differ, summed over the last two axes
    (samples × nodes): ``Σ_i ‖Σ_{l,i} − Σ⁽⁰⁾_{l,i}‖₀`` (003 Lemma B.3)."""
    return (patterns != patterns0).sum(dim=(-2, -1))
