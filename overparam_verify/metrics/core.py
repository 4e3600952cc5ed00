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


#: Stopping rule: the top Ritz pair's residual ‖DᵀD u − θ u‖ ≤ tol·θ. The Ritz value's error is
#: quadratic in the residual (≈ res²/gap), so tol = 1e-5 in float32 leaves σ exact to well below
#: the 1e-6 relative the trace promises (float32 rounding of the products, ~1e-7, dominates), and
#: tol = 1e-10 in float64 leaves it exact to rounding. A float32 iteration can stall at rounding
#: level before meeting its tolerance; three non-increasing Ritz values in a row stop it too.
_TOL = {torch.float64: 1e-10, torch.float32: 1e-5}


def spectral_norm(
    D: torch.Tensor,
    state: SpectralState | None = None,
    *,
    block: int = 2,
    maxiter: int = 1000,
    generator: torch.Generator | None = None,
    return_frobenius: bool = False,
) -> torch.Tensor | tuple[torch.Tensor, torch.Tensor]:
    """Largest singular value ``‖D‖₂`` of ``D`` (shape (..., a, b)), shape (...).

    Matrix-free: subspace iteration on ``DᵀD`` with ``block`` vectors and a Rayleigh–Ritz step,
    iterated until the top Ritz pair's residual ``‖DᵀD u − θ u‖`` is below ``tol·θ`` (1e-10 in
    float64, 1e-5 in float32: the Ritz value's error is quadratic in the residual, so σ comes out
    exact to rounding, ~1e-7 relative in float32). Returned in float64. ``state`` carries the subspace from one call to the next: along a training run
    ``W⁽ᵏ⁾ − W⁽⁰⁾`` changes slowly, so one or two iterations usually suffice. Small matrices
    (min(a, b) ≤ 48) use a dense SVD. With ``return_frobenius=True`` returns ``(‖D‖₂, ‖D‖_F)``
    (the iteration needs ‖D‖_F anyway; the trainer records both).
    """
    a, b = D.shape[-2], D.shape[-1]
    if D.dtype not in _TOL:
        D = D.to(torch.float64)
    fro = torch.linalg.matrix_norm(D)  # (...)
    if min(a, b) <= _EXACT_BELOW:
        sigma = torch.linalg.matrix_norm(D, ord=2).to(torch.float64)
        return (sigma, fro.to(torch.float64)) if return_frobenius else sigma
    p = min(block, b)
    # The block is kept as rows, Vt (..., p, b): products of a thin matrix on the left with D or
    # Dᵀ in either memory layout are fast GEMMs, while D.mT @ V (a transposed big operand on the
    # left) is several times slower on CPU.
    Vt = None if state is None else state.V
    if Vt is None or Vt.shape[:-2] != D.shape[:-2] or Vt.shape[-1] != b or Vt.dtype != D.dtype:
        g = generator if generator is not None else torch.Generator().manual_seed(0)
        V0 = torch.randn(*D.shape[:-2], b, p, generator=g, dtype=torch.float64).to(D)
        Vt = torch.linalg.qr(V0).Q.transpose(-1, -2)
    tol = _TOL[D.dtype]
    stalls = 0
    Dt = D.transpose(-1, -2)
    theta = None
    for _ in range(maxiter):
        Zt = (Vt @ Dt) @ D  # (..., p, b) = (DᵀD V)ᵀ
        H = Zt @ Vt.transpose(-1, -2)  # (..., p, p) Rayleigh quotient matrix VᵀDᵀDV
        H = 0.5 * (H + H.transpose(-1, -2))
        evals, evecs = torch.linalg.eigh(H)
        prev = theta
        theta = evals[..., -1].clamp_min(0)  # (...) top Ritz value ≈ σ²
        c = evecs[..., -1:].transpose(-1, -2)  # (..., 1, p)
        r = c @ Zt - theta[..., None, None] * (c @ Vt)  # (..., 1, b) residual of the top Ritz pair
        res = torch.linalg.vector_norm(r, dim=(-2, -1))
        # Re-orthonormalise the block, ordered by Ritz value (top first).
        Vt = torch.linalg.qr((evecs.flip(-1).transpose(-1, -2) @ Zt).transpose(-1, -2)).Q.transpose(-1, -2)
        if bool((res <= tol * theta + tol * tol * fro * fro).all()):
            break
        if prev is not None and bool((theta <= prev).all()):
            stalls += 1
            if stalls >= 3:
                break
        else:
            stalls = 0
    if state is not None:
        state.V = Vt
    sigma = theta.sqrt().to(torch.float64)
    return (sigma, fro.to(torch.float64)) if return_frobenius else sigma


def sign_changes(patterns: torch.Tensor, patterns0: torch.Tensor) -> torch.Tensor:
    """Number of entries where two activation patterns differ, summed over the last two axes
    (samples × nodes): ``Σ_i ‖Σ_{l,i} − Σ⁽⁰⁾_{l,i}‖₀`` (003 Lemma B.3)."""
    return (patterns != patterns0).sum(dim=(-2, -1))
