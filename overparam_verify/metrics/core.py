"""Measured quantities the proofs talk about.

* :func:`spectral_norm`: exact largest singular value, matrix-free (warm-started block power
  iteration on ``DᵀD`` with Rayleigh–Ritz), for the per-step distance ``‖W_l⁽ᵏ⁾ − W_l⁽⁰⁾‖₂``
  (000 Figure 2, the perturbation radius τ of 003 Theorem 5.3). It accepts a leading ensemble
  axis and a warm start, so recording it at every step of training is cheap.
* :func:`sign_changes`: number of activation signs that differ from initialisation
  (``‖Σ̃_{l,i} − Σ_{l,i}‖₀`` summed over i; 003 Lemma B.3, 000 Figure 3).
* :func:`ntk_gram`: the empirical neural tangent kernel Gram matrix of any :class:`Network`
  over its trained parameters, by the structured formula (Novak et al. 2022, "Fast finite width
  neural tangent kernel", structured derivatives) from one forward and one backward sweep;
  :func:`ntk_gram_jacrev` is the same Gram from the full Jacobian (``torch.func.jacrev``), the
  test oracle.
"""
from __future__ import annotations

import torch

__all__ = ["spectral_norm", "sign_changes", "SpectralState", "ntk_gram", "ntk_gram_jacrev"]

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


# ---------------------------------------------------------------------- empirical NTK
def _check_net(net, who: str):
    from ..network import Network

    if not isinstance(net, Network):
        raise ValueError(
            f"{who} takes a Network (DeepReLUNet, AZLSNet, NguyenNet, ResidualNet), got "
            f"{type(net).__name__}: a bare weight list does not say which function it parameterizes "
            "(wrap Nguyen's weights as NguyenNet(weights), ZCZG's as DeepReLUNet(weights, v))"
        )


def _ntk_output_grad(net, xL: torch.Tensor) -> torch.Tensor:
    """∂ŷ_k/∂x_L for every output k, broadcast over the samples: (..., P, n, m_L), P outputs."""
    lead, n, mL = xL.shape[:-2], xL.shape[-2], xL.shape[-1]
    if net.head_kind == "vector":  # ŷ = x_L v (ZCZG): ∂ŷ/∂x_L = v
        g = net.head.unsqueeze(-2).unsqueeze(-3)  # (..., 1, 1, m_L)
    elif net.head_kind == "matrix":  # ŷ = x_L Bᵀ (AZLS): ∂ŷ_k/∂x_L = B_k
        g = net.head.transpose(-1, -2).unsqueeze(-2)  # (..., P, 1, m_L)
    else:  # ŷ = x_L (Nguyen's linear last layer): ∂ŷ_k/∂x_L = e_k
        g = torch.eye(mL, dtype=xL.dtype, device=xL.device).unsqueeze(-2)  # (P = m_L, 1, m_L)
    return g.expand(*lead, g.shape[-3], n, mL)


def ntk_gram(net, X: torch.Tensor, *, trace_outputs: bool = True, jacobian: bool = False) -> dict[str, torch.Tensor]:
    """Empirical NTK Gram of ``net`` at ``X`` over its **trained** parameters only.

    ``Θ = Σ_l J_l J_lᵀ`` with ``J_l = ∂ŷ/∂vec(W_l)``, l over the trained layers: ZCZG's
    ``W_1..W_L`` (``v`` fixed, 003 §3.1), AZLS's ``W_1..W_L`` (``A``, ``B`` fixed, 002 §2) and
    the residual variant's (002 §5), every layer of Nguyen's net (001 Section 1, eq. 2). The
    parameterization is the network's own (no 1/√m NTK scaling: the He / LeCun variances sit in
    the weights), and ``Θ`` is invariant to the transposed storage of AZLS's ``W_l``.

    Structured formula (Novak, Sohl-Dickstein, Schoenholz 2022, structured derivatives): since
    ``∂ŷ_k(x_i)/∂W_l = x_{l−1,i} δ_{l,i}^{(k)ᵀ}`` with ``δ_{l,i}^{(k)} = ∂ŷ_k(x_i)/∂z_{l,i}``
    (003 §3.4: ``δ_{l,i} = Σ_{l,i}W_{l+1}Σ_{l+1,i}⋯W_LΣ_{L,i}v``),

        ``Θ_l[(i,k), (j,k')] = ⟨x_{l−1,i}, x_{l−1,j}⟩ · ⟨δ_{l,i}^{(k)}, δ_{l,j}^{(k')}⟩``,

    i.e. ``Θ_l = (X_{l−1}X_{l−1}ᵀ) ⊙ (Δ_lΔ_lᵀ)`` from the forward trace and one backward sweep
    of the P output directions — O(L·(nP)²·m) instead of the Jacobian's O(nP·#params).

    Output convention: with ``trace_outputs=True`` (neural-tangents' ``trace_axes=(-1,)``) the
    Gram is summed over the P outputs, ``Θ[i,j] = Σ_k ⟨∂ŷ_k(x_i), ∂ŷ_k(x_j)⟩``, shape (n, n);
    with ``trace_outputs=False`` it is the full ``J Jᵀ`` (nP, nP), row-major (index ``i·P + k``,
    torch's ``reshape(-1)`` of the (n, P) output — 001 Section 1's ``vec(F_L)``). A scalar-output
    net (ZCZG) has P = 1 and both are (n, n).

    Returns ``{"K": (…, N, N), "K_layers": (…, L, N, N)}`` (L trained layers, in order; a
    leading ensemble axis of ``net`` carries through) and, with ``jacobian=True`` (only with
    ``trace_outputs=False``), ``"J"`` (…, nP, #params): the Jacobian, layer blocks
    concatenated, each vec'd row-major in the storage of :meth:`Network.trainable_mats`.
    ``ValueError`` for a bare weight list (a list does not say v, A, B or the last ReLU).
    """
    _check_net(net, "ntk_gram")
    if jacobian and trace_outputs:
        raise ValueError("jacobian=True needs trace_outputs=False (J has one row per sample and output)")
    X = net.check_input(X)
    zs, xs, _ = net._forward(X, keep="outputs")  # xs[l] = x_l (…, n, m_l)
    delta = _ntk_output_grad(net, xs[-1])  # ∂ŷ_k/∂x_L (…, P, n, m_L)
    first = net.trainable.index(True)
    blocks, jac = [], []
    for l in range(len(net.mats) - 1, first - 1, -1):
        kind = net.kinds[l]
        x_l = xs[l].unsqueeze(-3)  # (…, 1, n, m_l)
        # δ_l = (∂ŷ/∂x_l) ⊙ σ'(z_l); σ'(z) = 1[x_l > 0] (σ'(0) = 0, as the engine's backward)
        dz = delta if kind == "linear" else delta * (x_l > 0).to(delta.dtype)  # (…, P, n, m_l)
        if net.trainable[l]:
            x_prev = X if l == 0 else xs[l - 1]  # (…, n, m_{l−1})
            G_in = x_prev @ x_prev.transpose(-1, -2)  # (…, n, n)
            P, n = dz.shape[-3], dz.shape[-2]
            if trace_outputs:
                D = dz.transpose(-3, -2).reshape(*dz.shape[:-3], n, P * dz.shape[-1])  # (…, n, P m_l)
                blocks.append(G_in * (D @ D.transpose(-1, -2)))  # (…, n, n)
            else:
                D = dz.transpose(-3, -2).reshape(*dz.shape[:-3], n * P, dz.shape[-1])  # (…, nP, m_l)
                G = G_in.repeat_interleave(P, dim=-1).repeat_interleave(P, dim=-2)  # (…, nP, nP)
                blocks.append(G * (D @ D.transpose(-1, -2)))
                if jacobian:  # ∂ŷ_k(x_i)/∂M_l = x_{l−1,i} ⊗ δ_{l,i}^{(k)}, vec row-major
                    Jl = x_prev.unsqueeze(-2).unsqueeze(-1) * dz.transpose(-3, -2).unsqueeze(-2)
                    jac.append(Jl.reshape(*Jl.shape[:-5], n * P, -1))  # (…, nP, m_{l−1} m_l)
        if l > first:
            nxt = dz @ net.mats[l].transpose(-1, -2).unsqueeze(-3)  # ∂ŷ/∂x_{l−1} (…, P, n, m_{l−1})
            delta = nxt + dz if kind == "res" else nxt
    blocks.reverse()
    jac.reverse()
    K_layers = torch.stack(blocks, dim=-3)  # (…, L, N, N)
    out = {"K": K_layers.sum(-3), "K_layers": K_layers}
    if jacobian:
        out["J"] = torch.cat(jac, dim=-1)
    return out


def ntk_gram_jacrev(net, X: torch.Tensor, *, trace_outputs: bool = True) -> dict[str, torch.Tensor]:
    """The same Gram as :func:`ntk_gram` from the full parameter Jacobian
    ``J = torch.func.jacrev(net.apply)`` (every trained layer, nothing structured): the oracle
    the structured formula is tested against, and the slow path (O(nP·#params) memory).
    Same conventions and return value (plus ``"J"`` when ``trace_outputs=False``); single
    networks only (no ensemble axis)."""
    from torch.func import jacrev

    _check_net(net, "ntk_gram_jacrev")
    if net.ensemble_size is not None:
        raise ValueError("ntk_gram_jacrev takes a single network, not an ensemble")
    X = net.check_input(X)
    W = [M.detach() for M in net.trainable_mats()]
    n = X.shape[-2]
    f = lambda *ws: net.apply(ws, X).reshape(n, -1)  # (n, P)
    Js = jacrev(f, argnums=tuple(range(len(W))))(*W)  # each (n, P, a, b)
    Js = [j.reshape(n, j.shape[1], -1) for j in Js]  # (n, P, |W_l|)
    if trace_outputs:
        K_layers = torch.stack([torch.einsum("ikp,jkp->ij", j, j) for j in Js])
        return {"K": K_layers.sum(0), "K_layers": K_layers}
    Js = [j.reshape(-1, j.shape[-1]) for j in Js]  # (nP, |W_l|), row i·P + k
    K_layers = torch.stack([j @ j.T for j in Js])
    return {"K": K_layers.sum(0), "K_layers": K_layers, "J": torch.cat(Js, dim=1)}
