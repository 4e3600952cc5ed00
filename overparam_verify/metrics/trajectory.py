"""Measured quantities for the catalogue family 'trajectory' (ZCZG 000 Section 5–6, ZCZG 003
Lemmas 5.5/5.7, C.2, C.3, C.5, Theorems 4.1/4.5; AZLS 002 Theorems 1 and 5).

Training always goes through the engine (:func:`overparam_verify.train`); its :class:`Trace`
records at every step k the loss ``L_S(W⁽ᵏ⁾)``, and per layer ``‖∇_{W_l}L_S(W⁽ᵏ⁾)‖_F`` of the
*full-batch* gradient at the recorded iterate (the same gradient GD then steps along) and the exact
``‖W_l⁽ᵏ⁾ − W_l⁽⁰⁾‖₂``. Where a lemma needs the iterates themselves (C.2, C.3, minibatch B.6), the
path is built one engine step at a time (``train(..., steps=1)``) and the minibatch of each SGD
step is reproduced from its seed exactly as the engine draws it.
"""
from __future__ import annotations

import itertools
import math
from fractions import Fraction
from typing import TYPE_CHECKING, Sequence

import torch

from ..losses import get_loss
from ..network import Network
# ``training`` imports ``metrics`` (the spectral norm), so take the module object, not its names:
# ``from .. import training`` succeeds while either module is still initializing.
from .. import training as _training
from ..theory import trajectory as tt

if TYPE_CHECKING:
    from ..training import Trace

__all__ = [
    "train_until",
    "late_rate",
    "total_grad_sq",
    "descent_gaps",
    "descent_tolerance",
    "descent_ratio",
    "first_violation",
    "breaks_descent",
    "descent_frontier",
    "region_check",
    "engine_minibatch",
    "gd_path",
    "c2_c3_ratios",
    "c3_lower_check",
    "minibatch_b6_ratios",
    "c5_enumerate",
    "multiclass_ce",
    "train_multiclass_ce",
    "accuracy",
    "steps_to_fraction",
]

_EPS = torch.finfo(torch.float64).eps


def train_until(net: Network, X: torch.Tensor, y: torch.Tensor, *, loss: str, lr: float, steps: int,
                max_steps: int, done, batch_size: int | None = None, seed: int = 0) -> list[float]:
    """GD (or minibatch SGD with ``batch_size``; chunk j draws its minibatches from seed
    ``seed + j``) through the engine (``trace=False``) in chunks of ``steps`` until
    ``done(losses)`` is true or ``max_steps`` steps are done; returns the full-batch loss at every
    iterate (chunks joined at their shared iterate). For statements whose iteration count has
    hidden constants (AZLS Theorem 1, AZLS Section 5, ZCZG 000 Theorem 4.4): a fixed step budget
    would test the budget, not the statement."""
    if max_steps < steps:
        raise ValueError(f"max_steps must be >= steps={steps}, got max_steps={max_steps!r}")
    F: list[float] = []
    j = 0
    while True:
        net, tr = _training.train(net, X, y, loss=loss, lr=lr, steps=steps, trace=False, batch_size=batch_size,
                                  seed=int(seed) + j)
        j += 1
        F += tr.loss.tolist()[1 if F else 0:]
        if done(F) or len(F) - 1 >= max_steps:
            return F


def late_rate(loss: Sequence[float], window: int) -> float:
    """The fitted ``d log F/dt`` over the last ``window`` iterates (least squares; ``0.0`` for a
    loss that is exactly flat, ``-inf`` if it reached 0). The decay rate a linear-convergence
    statement (AZLS Theorem 1) is judged by at the end of a run."""
    import numpy as np

    F = np.asarray([float(v) for v in loss], dtype=np.float64)[-int(window):]
    if F.size < 2:
        raise ValueError(f"need at least 2 iterates in the window, got {F.size}")
    if (F <= 0).any():
        return -math.inf
    t = np.arange(F.size, dtype=np.float64)
    return float(np.polyfit(t, np.log(F), 1)[0])


def total_grad_sq(trace: Trace) -> torch.Tensor:
    """``‖∇L_S(W⁽ᵏ⁾)‖_F² = Σ_l ‖∇_{W_l}L_S(W⁽ᵏ⁾)‖_F²`` at every record. (R,)"""
    return (trace.grad_norm.to(torch.float64) ** 2).sum(dim=1)


def _check_every_step(trace: Trace) -> None:
    st = trace.steps
    if len(st) < 2 or not bool((st[1:] - st[:-1] == 1).all()):
        raise ValueError("the trace must record every step (record_every=1) with trace=True")
    if bool(torch.isnan(trace.grad_norm).any()):
        raise ValueError("the trace has no gradient norms: train with trace=True")


def descent_gaps(trace: Trace, lr: float) -> torch.Tensor:
    """``L_S(W⁽ᵏ⁺¹⁾) − L_S(W⁽ᵏ⁾) + (η/2)‖∇L_S(W⁽ᵏ⁾)‖_F²`` for k = 0..K−1: ≤ 0 ⇔ 000 eq. (5.5)
    (sufficient descent) holds at step k. (K,)"""
    _check_every_step(trace)
    g2 = total_grad_sq(trace)
    return (trace.loss[1:] - trace.loss[:-1]) + 0.5 * float(lr) * g2[:-1]


def descent_tolerance(trace: Trace) -> torch.Tensor:
    """Rounding tolerance of a loss difference in float64: 64·eps·max(L_k, L_{k+1}). (K,)"""
    return 64 * _EPS * torch.maximum(trace.loss[1:].abs(), trace.loss[:-1].abs())


def descent_ratio(trace: Trace, lr: float) -> float:
    """``min_k (L_S(W⁽ᵏ⁾) − L_S(W⁽ᵏ⁺¹⁾) + tol_k) / ((η/2)‖∇L_S(W⁽ᵏ⁾)‖_F²)`` over the steps of
    ``trace`` with a non-zero gradient: ≥ 1 ⇔ 000 eq. (5.5) (sufficient descent) held at every
    step, up to the float64 rounding ``tol_k`` of :func:`descent_tolerance` (``inf`` if every
    gradient was 0)."""
    _check_every_step(trace)
    g2 = total_grad_sq(trace)[:-1]
    dec = trace.loss[:-1] - trace.loss[1:] + descent_tolerance(trace)
    keep = g2 > 0
    if not bool(keep.any()):
        return math.inf
    return float((dec[keep] / (0.5 * float(lr) * g2[keep])).min())


def first_violation(trace: Trace, lr: float, criterion: str = "sufficient") -> int | None:
    """The first step k at which ``criterion`` fails: ``"sufficient"`` (000 eq. 5.5) or
    ``"monotone"`` (``L_S(W⁽ᵏ⁺¹⁾) > L_S(W⁽ᵏ⁾)``); None if it held at every step."""
    tol = descent_tolerance(trace)
    if criterion == "sufficient":
        bad = descent_gaps(trace, lr) > tol
    elif criterion == "monotone":
        bad = (trace.loss[1:] - trace.loss[:-1]) > tol
    else:
        raise ValueError(f"criterion must be 'sufficient' or 'monotone', got {criterion!r}")
    idx = torch.nonzero(bad).flatten()
    return int(idx[0]) if idx.numel() else None


def breaks_descent(net: Network, X, y, lr: float, steps: int, criterion: str = "monotone",
                   loss: str = "logistic") -> bool:
    """Whether ``steps`` GD steps at step size ``lr`` break ``criterion`` (divergence breaks
    every criterion)."""
    try:
        _, tr = _training.train(net, X, y, loss=loss, lr=lr, steps=steps)
    except _training.TrainingDivergedError:
        return True
    return first_violation(tr, lr, criterion) is not None


def descent_frontier(net: Network, X, y, steps: int, *, criterion: str = "monotone",
                     lo: float = 1e-4, hi: float = 1e2, iters: int = 12,
                     loss: str = "logistic") -> float:
    """The frontier ``η*`` for one (net, data): bisection on log η between ``lo`` (must hold) and
    ``hi`` (must break) of :func:`breaks_descent`; returns the largest η found to hold (the
    frontier up to a factor ``(hi/lo)^{2^{-iters}}``). 000 Theorem 4.4: ``η* = Ω(M⁻¹L⁻³)``."""
    if not (0 < lo < hi):
        raise ValueError(f"need 0 < lo < hi, got lo={lo!r}, hi={hi!r}")
    if breaks_descent(net, X, y, lo, steps, criterion, loss):
        return lo * 0.0  # nothing held: frontier below the bracket
    if not breaks_descent(net, X, y, hi, steps, criterion, loss):
        return hi
    for _ in range(int(iters)):
        mid = math.sqrt(lo * hi)
        if breaks_descent(net, X, y, mid, steps, criterion, loss):
            hi = mid
        else:
            lo = mid
    return lo


def region_check(trace: Trace, lr: float) -> dict:
    """000 proof of Theorem 4.4 on the prefix of ``trace`` where sufficient descent held:
    ``max_l ‖W_l⁽ᵏ⁾ − W_l⁽⁰⁾‖₂`` against ``√(2kη(L_S⁽⁰⁾ − L_S⁽ᵏ⁾))`` and ``√(2kηL_S⁽⁰⁾)``.
    Returns ``prefix`` (steps checked), ``max_ratio`` (measured/bound; ≤ 1 + rtol holds) and
    ``max_violation`` (measured − bound, relative)."""
    K = len(trace) - 1
    v = first_violation(trace, lr, "sufficient")
    prefix = K if v is None else v  # W⁽ᵏ⁾ for k ≤ v are covered (steps t < k all held)
    L0 = float(trace.loss[0])
    worst_ratio, worst_viol, worst_ratio0 = 0.0, -math.inf, 0.0
    for k in range(1, prefix + 1):
        meas = float(trace.dist_spectral[k].max())
        b = tt.region_bound(k, lr, L0, float(trace.loss[k]))
        b0 = tt.region_bound_init(k, lr, L0)
        worst_ratio = max(worst_ratio, meas / b if b > 0 else (0.0 if meas == 0 else math.inf))
        worst_ratio0 = max(worst_ratio0, meas / b0)
        worst_viol = max(worst_viol, (meas - b) / max(b, 1e-300))
    return {"prefix": prefix, "steps": K, "max_ratio": worst_ratio, "max_ratio_init": worst_ratio0,
            "max_violation": worst_viol if prefix else 0.0}


def engine_minibatch(n: int, batch_size: int, seed: int) -> torch.Tensor:
    """The minibatch indices of the first SGD step of ``train(..., batch_size, seed=seed)``
    (the engine draws ``randperm(n)[:B]`` from ``Generator().manual_seed(seed)``)."""
    g = torch.Generator().manual_seed(int(seed))
    return torch.randperm(int(n), generator=g)[: int(batch_size)]


def gd_path(net: Network, X, y, lr: float, steps: int, *, batch_size: int | None = None,
            seed: int = 0, loss: str = "logistic") -> tuple[list[Network], list[torch.Tensor | None]]:
    """The iterates ``W⁽⁰⁾..W⁽ᴷ⁾`` of GD (``batch_size=None``) or SGD, one engine step at a time
    (step k of SGD uses seed ``seed + k``); returns ``(nets, batches)`` with the minibatch index
    tensor of every step (None for GD)."""
    nets, batches = [net], []
    cur = net
    for k in range(int(steps)):
        cur, _ = _training.train(cur, X, y, loss=loss, lr=lr, steps=1, batch_size=batch_size, seed=seed + k,
                       trace=False)
        nets.append(cur)
        batches.append(None if batch_size is None or batch_size >= X.shape[0]
                       else engine_minibatch(X.shape[0], batch_size, seed + k))
    return nets, batches


def c2_c3_ratios(nets: Sequence[Network], X, y, lr: float, loss: str = "logistic") -> dict:
    """003 Lemmas C.2 and C.3 along a GD path: per step k, ``max_{l,i} ‖x⁽ᵏ⁺¹⁾_{l,i} − x⁽ᵏ⁾_{l,i}‖``
    and ``max_i |Δ_i⁽ᵏ⁾|`` over their bounds; also the radius ``max_{k,l} ‖W_l⁽ᵏ⁾ − W_l⁽⁰⁾‖₂``
    (the lemmas assume it ≤ 3.5·8^{-L}) and the largest ‖x_{l,i}⁽ᵏ⁾‖."""
    lo = get_loss(loss)
    X = nets[0].check_input(X)
    y = nets[0].check_targets(y, loss, X)
    n = X.shape[0]
    L = nets[0].depth
    M = max(nets[0].widths)
    W0 = nets[0].weights
    traces = [nt.forward_trace(X) for nt in nets]
    c2, c3, radius, xmax = 0.0, 0.0, 0.0, 0.0
    for k in range(len(nets) - 1):
        a, b = traces[k], traces[k + 1]
        s = float(lo.deriv(y * a.out).sum())
        dx = max(float((xb - xa).norm(dim=1).max()) for xa, xb in zip(a.outputs, b.outputs))
        dy = float((y * (b.out - a.out)).abs().max())
        c2 = max(c2, dx / tt.c2_bound(L, M, lr, n, s))
        c3 = max(c3, dy / tt.c3_bound(L, M, lr, n, s))
        radius = max(radius, max(float(torch.linalg.matrix_norm(Wk - Wz, ord=2))
                                 for Wk, Wz in zip(nets[k + 1].weights, W0)))
        xmax = max(xmax, max(float(xo.norm(dim=1).max()) for xo in a.outputs))
    return {"c2_ratio": c2, "c3_ratio": c3, "radius": radius, "x_norm_max": xmax}


def c3_lower_check(nets: Sequence[Network], X, y, lr: float, loss: str = "logistic") -> dict:
    """003 Lemma C.3 eq. (C.3) along a GD path, with ``τ`` = the path's radius
    ``max_{k,l} ‖W_l⁽ᵏ⁾ − W_l⁽⁰⁾‖₂`` (the smallest τ the lemma's hypothesis allows). The linear term
    ``Σ_l y_i vᵀu_{l,i} = −η y_i ⟨∇_W ŷ_i, ∇L_S(W⁽ᵏ⁾)⟩ = −(η/n) y_i Σ_j Θ_ij ℓ'_j y_j`` comes from
    the NTK Gram Θ of :func:`~overparam_verify.metrics.core.ntk_gram` (u_{l,i} is the change of
    x_{L,i} by layer l's GD step at frozen activation patterns). Returns ``ratio_c0_zero`` =
    ``max_{i,k} (Δ_i − U_i)/(b Σℓ')`` (≤ 1 ⇔ (C.3) holds with C₀ = 0, hence for every C₀ ≥ 0) and
    ``needed_C0`` = ``max_{i,k} (Δ_i − U_i − bΣℓ')/(aΣℓ')`` (the smallest C₀ for which (C.3) held)."""
    from .core import ntk_gram

    lo = get_loss(loss)
    X = nets[0].check_input(X)
    y = nets[0].check_targets(y, loss, X)
    n, L, M = X.shape[0], nets[0].depth, max(nets[0].widths)
    W0 = nets[0].weights
    tau = max(float(torch.linalg.matrix_norm(Wk - Wz, ord=2)) for nt in nets for Wk, Wz in zip(nt.weights, W0))
    ratio, need = -math.inf, -math.inf
    for k in range(len(nets) - 1):
        f0, f1 = nets[k].forward(X), nets[k + 1].forward(X)  # (n,)
        lp = lo.deriv(y * f0)  # ℓ'(y_i ŷ_i) ≤ 0, (n,)
        S = float(lp.sum())
        if S >= 0:
            continue
        K = ntk_gram(nets[k], X)["K"]  # (n, n)
        U = -float(lr) * y * (K @ (lp * y)) / n
        D = y * (f1 - f0)
        a, b = tt.c3_lower_coeffs(L, M, lr, n, tau, lo.rho)
        ratio = max(ratio, float(((D - U) / (b * S)).max()))
        if a > 0:
            need = max(need, float(((D - U - b * S) / (a * S)).max()))
    return {"ratio_c0_zero": ratio, "needed_C0": need, "tau": tau}


def minibatch_b6_ratios(nets: Sequence[Network], batches, X, y, lr: float,
                        loss: str = "logistic") -> dict:
    """003 Theorem 5.3(vi), stochastic part, along an SGD path: ``max_{k,l} ‖G_l⁽ᵏ⁾‖_F`` over
    :func:`~overparam_verify.theory.perturbation.b6_minibatch_bound`, with ``G_l⁽ᵏ⁾`` the minibatch
    gradient of step k; also checks that the engine's step was ``W⁽ᵏ⁺¹⁾ = W⁽ᵏ⁾ − ηG⁽ᵏ⁾``
    (``max_update_error``, relative) and the path length ``η Σ_t max_l ‖G_l⁽ᵗ⁾‖_F``."""
    from ..theory.perturbation import b6_minibatch_bound

    lo = get_loss(loss)
    X = nets[0].check_input(X)
    y = nets[0].check_targets(y, loss, X)
    L, M = nets[0].depth, max(nets[0].widths)
    worst, upd_err, path = 0.0, 0.0, 0.0
    for k, idx in enumerate(batches):
        Xb, yb = (X, y) if idx is None else (X[idx], y[idx])
        G = nets[k].gradients(Xb, yb, loss)
        s = float(lo.deriv(yb * nets[k].forward(Xb)).sum())
        bnd = b6_minibatch_bound(L, M, Xb.shape[0], s)
        gmax = max(float(g.norm()) for g in G)
        worst = max(worst, gmax / bnd if bnd > 0 else 0.0)
        path += lr * gmax
        for Wn, Wo, g in zip(nets[k + 1].weights, nets[k].weights, G):
            upd_err = max(upd_err, float((Wn - (Wo - lr * g)).norm()) / max(float(Wo.norm()), 1e-300))
    return {"b6_ratio": worst, "max_update_error": upd_err, "path_length": path}


def c5_enumerate(u: Sequence, B: int) -> Fraction:
    """``E[(B⁻¹Σ_{i∈B}u_i)²]`` over all ``C(n, B)`` subsets, exactly (``Fraction``)."""
    u = [Fraction(x) for x in u]
    n = len(u)
    if not (1 <= int(B) <= n):
        raise ValueError(f"B must be in [1, n={n}], got B={B!r}")
    tot, cnt = Fraction(0), 0
    for S in itertools.combinations(range(n), int(B)):
        s = sum(u[i] for i in S)
        tot += s * s
        cnt += 1
    return tot / (cnt * int(B) ** 2)


def multiclass_ce(logits: torch.Tensor, labels: torch.Tensor, *, mean: bool = False) -> torch.Tensor:
    """Multi-class cross-entropy ``F = Σ_i −log softmax(z_i)_{y_i}`` (AZLS's objectives are sums
    over samples, 002 Section 2; ``mean=True`` divides by n). ``logits`` (n, K), ``labels`` (n,)."""
    logits = torch.as_tensor(logits, dtype=torch.float64)
    labels = torch.as_tensor(labels, dtype=torch.int64)
    if logits.dim() != 2 or labels.shape != logits.shape[:1]:
        raise ValueError(f"need logits (n, K) and labels (n,), got {tuple(logits.shape)}, {tuple(labels.shape)}")
    f = -torch.log_softmax(logits, dim=1).gather(1, labels[:, None]).squeeze(1)  # (n,)
    return f.mean() if mean else f.sum()


def accuracy(logits: torch.Tensor, labels: torch.Tensor) -> float:
    """Fraction of samples whose label is the *unique* arg-max of the logits (a tie counts as an
    error)."""
    logits = torch.as_tensor(logits, dtype=torch.float64)
    labels = torch.as_tensor(labels, dtype=torch.int64)
    zy = logits.gather(1, labels[:, None])  # (n, 1)
    others = logits.clone()
    others.scatter_(1, labels[:, None], -math.inf)
    return float((zy.squeeze(1) > others.max(dim=1).values).to(torch.float64).mean())


def train_multiclass_ce(net: Network, X, labels, *, lr: float, steps: int, stop_below: float | None = None):
    """GD on AZLS's network (fixed A, B) with the multi-class cross-entropy objective
    ``F = Σ_i −log softmax(B h_{i,L})_{y_i}``, using the network's closed-form backward pass with
    ``dF/dŷ_i = softmax(ŷ_i) − e_{y_i}``. Returns ``(net, F history, accuracy history)``."""
    X = net.check_input(X)
    labels = torch.as_tensor(labels, dtype=torch.int64)
    W = [M.clone() for M in net.trainable_mats()]
    Fs, accs = [], []
    for k in range(int(steps) + 1):
        cur = net.with_trainable(W)
        zs, xs, out = cur._forward(X)
        F = multiclass_ce(out, labels)
        Fs.append(float(F))
        accs.append(accuracy(out, labels))
        if k == steps or (stop_below is not None and Fs[-1] <= stop_below):
            break
        g = torch.softmax(out, dim=1)
        g[torch.arange(len(labels)), labels] -= 1.0
        grads = cur._backward(X, zs, xs, g)
        W = [Wl - lr * Gl for Wl, Gl in zip(W, grads)]
    return net.with_trainable(W), Fs, accs


def steps_to_fraction(loss: Sequence[float], fractions: Sequence[float]) -> list[int | None]:
    """For each ``r`` in ``fractions``: the first step t with ``loss[t] ≤ r·loss[0]`` (None if
    never) — AZLS Theorem 1's ``T(ε)`` at ``ε = r F(W⁽⁰⁾)``."""
    loss = [float(v) for v in loss]
    out = []
    for r in fractions:
        hit = next((t for t, v in enumerate(loss) if v <= r * loss[0]), None)
        out.append(hit)
    return out
