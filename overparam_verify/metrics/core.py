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
    tol: float | None = None,
) -> torch.Tensor | tuple[torch.Tensor, torch.Tensor]:
    """Largest singular value ``‖D‖₂`` of ``D`` (shape (..., a, b)), shape (...).

    Matrix-free: subspace iteration on ``DᵀD`` with ``block`` vectors and a Rayleigh–Ritz step,
    iterated until the top Ritz pair's residual ``‖DᵀD u − θ u‖`` is below ``tol·θ`` (1e-10 in
    float64, 1e-5 in float32: the Ritz value's error is quadratic in the residual, so σ comes out
    exact to rounding, ~1e-7 relative in float32). Returned in float64. ``state`` carries the subspace from one call to the next: along a training run
    ``W⁽ᵏ⁾ − W⁽⁰⁾`` changes slowly, so one or two iterations usually suffice. Small matrices
    (min(a, b) ≤ 48) use a dense SVD. With ``return_frobenius=True`` returns ``(‖D‖₂, ‖D‖_F)``
    (the iteration needs ‖D‖_F anyway; the trainer records both). ``tol`` overrides the
    stopping tolerance of the dtype.

    Exactness safeguards: a float32 run that stalls at rounding level before meeting its
    tolerance (clustered top singular values) is refined in float64 from its subspace, with the
    float32 tolerance, which float64 products resolve; a float64 run that reaches ``maxiter``
    without converging returns the dense ``matrix_norm(ord=2)``.
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
    tol = _TOL[D.dtype] if tol is None else float(tol)
    stalls = 0
    converged = False
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
            converged = True
            break
        if prev is not None and bool((theta <= prev).all()):
            stalls += 1
            if stalls >= 3:
                break
        else:
            stalls = 0
    if not converged and D.dtype == torch.float32:
        # float32 products cannot always resolve the residual (top singular values clustered
        # within a few per cent): the stall or maxiter exit can leave σ off by up to ~1e-4
        # relative. Refine in float64 from the current subspace with the float32 tolerance
        # (σ's error is ≈ res²/gap, far below 1e-6), usually in a few iterations.
        tmp = SpectralState()
        tmp.V = Vt.to(torch.float64)
        sigma = spectral_norm(D.to(torch.float64), tmp, block=block, maxiter=maxiter, generator=generator,
                              tol=tol)
        if state is not None:
            state.V = None if tmp.V is None else tmp.V.to(D.dtype)
        return (sigma, fro.to(torch.float64)) if return_frobenius else sigma
    if not converged and stalls < 3:
        # float64 and maxiter reached without meeting the tolerance (a very flat top of the
        # spectrum): fall back to the dense answer rather than return an inexact σ.
        if state is not None:
            state.V = Vt if bool((theta > 0).all()) else None
        sigma = torch.linalg.matrix_norm(D, ord=2).to(torch.float64)
        return (sigma, fro.to(torch.float64)) if return_frobenius else sigma
    if state is not None:
        # Keep the subspace only when it carries information: for D = 0 (step 0 of training)
        # the block is an arbitrary basis of the null space (QR of a zero matrix gives e_1, e_2),
        # and warm-starting from it would report ‖D'‖₂ = 0 for any later D' whose first columns
        # vanish (dead neurons) -- an exactly invariant subspace the iteration cannot leave.
        state.V = Vt if bool((theta > 0).all()) else None
    sigma = theta.sqrt().to(torch.float64)
    return (sigma, fro.to(torch.float64)) if return_frobenius else sigma


def sign_changes(patterns: torch.Tensor, patterns0: torch.Tensor) -> torch.Tensor:
    """Number of entries where two activation patterns differ, summed over the last two axes
    (samples × nodes): ``Σ_i ‖Σ_{l,i} − Σ⁽⁰⁾_{l,i}‖₀`` (003 Lemma B.3)."""
    return (patterns != patterns0).sum(dim=(-2, -1))
