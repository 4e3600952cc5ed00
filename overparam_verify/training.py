"""Gradient descent and minibatch SGD with a full trace of the quantities in the proofs.

GD (000 Algorithm 1, 003 Algorithm 1): ``W_l⁽ᵏ⁺¹⁾ = W_l⁽ᵏ⁾ − η ∇_{W_l} L_S(W⁽ᵏ⁾)``.
SGD (003 Algorithm 2): the gradient of the loss on a minibatch of B samples drawn without
replacement at every step, from a seeded generator. Only the trainable layers move (ZCZG: all
W_l; AZLS: W_1..W_L with A, B fixed; Nguyen: every layer).

The :class:`Trace` holds, at every recorded step k (``W⁽ᵏ⁾`` is the state *before* step k's
update, so index 0 is the initialisation): the loss, training error, minimum margin, and per
trainable layer ``‖W_l⁽ᵏ⁾ − W_l⁽⁰⁾‖₂`` (exact, see :func:`~overparam_verify.metrics.spectral_norm`),
``‖W_l⁽ᵏ⁾ − W_l⁽⁰⁾‖_F``, the full-batch gradient norm ``‖∇_{W_l} L_S(W⁽ᵏ⁾)‖_F`` and the number of
activation signs that differ from initialisation, over all training samples.
"""
from __future__ import annotations

import math
import numbers
from dataclasses import dataclass, field
from typing import Sequence

import numpy as np
import torch

from .losses import empirical_loss_and_grad, get_loss
from .metrics import SpectralState, sign_changes, spectral_norm
from .network import Network

__all__ = ["Trace", "TrainingDivergedError", "train", "train_ensemble"]


@dataclass
class Trace:
    """What a training run recorded. Step-indexed arrays have one row per recorded step
    (``steps``; all of 0..K by default) and, for per-layer quantities, one column per trainable
    layer. All tensors are on the CPU, float64 (``sign_changes`` int64)."""

    steps: torch.Tensor  # (R,) the step index k of each record
    loss: torch.Tensor  # (R,)
    train_error: torch.Tensor  # (R,) fraction of training points misclassified (y·ŷ ≤ 0)
    min_margin: torch.Tensor  # (R,) min_i y_i ŷ_i (NaN for vector outputs)
    dist_spectral: torch.Tensor  # (R, L) ‖W_l⁽ᵏ⁾ − W_l⁽⁰⁾‖₂
    dist_frobenius: torch.Tensor  # (R, L) ‖W_l⁽ᵏ⁾ − W_l⁽⁰⁾‖_F
    grad_norm: torch.Tensor  # (R, L) ‖∇_{W_l} L_S(W⁽ᵏ⁾)‖_F (full batch)
    sign_changes: torch.Tensor  # (R, L) Σ_i ‖Σ⁽ᵏ⁾_{l,i} − Σ⁽⁰⁾_{l,i}‖₀
    config: dict = field(default_factory=dict)

    def __len__(self) -> int:
        return int(self.steps.shape[0])

    def truncated(self, r: int) -> "Trace":
        """The first ``r`` records."""
        return Trace(
            self.steps[:r], self.loss[:r], self.train_error[:r], self.min_margin[:r],
            self.dist_spectral[:r], self.dist_frobenius[:r], self.grad_norm[:r],
            self.sign_changes[:r], dict(self.config),
        )

    def as_dict(self) -> dict:
        """Plain lists, for JSON."""
        return {
            k: getattr(self, k).tolist()
            for k in ("steps", "loss", "train_error", "min_margin", "dist_spectral",
                      "dist_frobenius", "grad_norm", "sign_changes")
        } | {"config": self.config}


class TrainingDivergedError(FloatingPointError, ValueError):
    """The loss became NaN or Inf. ``.trace`` holds the records up to (not including) the
    failure; ``.step`` is the step at which it was detected; ``.traces`` (ensembles) holds one
    trace per member and ``.members`` the indices of those that diverged."""

    def __init__(self, msg: str, trace=None, step: int | None = None, traces=None, members=None):
        super().__init__(msg)
        self.trace = trace
        self.traces = traces
        self.step = step
        self.members = members


def _check_hparams(lr, steps, batch_size, n, record_every):
    # numbers.Real: Python and numpy scalars alike (np.float32 is not a float subclass).
    if isinstance(lr, (bool, np.bool_)) or not isinstance(lr, numbers.Real) or not math.isfinite(lr) or lr <= 0:
        raise ValueError(f"the step size must be a finite number > 0, got lr={lr!r}")
    if isinstance(steps, bool) or int(steps) != steps or steps < 0:
        raise ValueError(f"steps must be an integer >= 0, got steps={steps!r}")
    if batch_size is not None:
        if isinstance(batch_size, bool) or int(batch_size) != batch_size or not (1 <= batch_size <= n):
            raise ValueError(f"batch_size must be an integer in [1, n={n}], got batch_size={batch_size!r}")
    if isinstance(record_every, bool) or int(record_every) != record_every or record_every < 1:
        raise ValueError(f"record_every must be a positive integer, got record_every={record_every!r}")


def train(
    net: Network,
    X: torch.Tensor,
    y: torch.Tensor,
    *,
    loss: str = "logistic",
    lr: float,
    steps: int,
    batch_size: int | None = None,
    seed: int = 0,
    record_every: int = 1,
    trace: bool = True,
    dtype: torch.dtype | None = None,
    device=None,
) -> tuple[Network, Trace]:
    """Train a copy of ``net`` by GD (``batch_size=None`` or n) or minibatch SGD.

    Parameters
    ----------
    net : the network; never modified (a trained copy is returned).
    X, y : training inputs (n, d) and targets: labels ±1 (n,) for a classification loss,
        (n,) or (n, d_out) for ``loss="square"``.
    loss : "logistic", "hinge", "squared_hinge", "exponential" or "square".
    lr : the step size η > 0.
    steps : the number K ≥ 0 of updates.
    batch_size : B ∈ [1, n] for SGD (without replacement within a step); ``None`` for GD.
    seed : seeds the minibatch generator (and the spectral-norm start vectors).
    record_every : record every this many steps (and always the last).
    trace : ``False`` records only the loss, training error and minimum margin (the per-layer
        columns are NaN, ``sign_changes`` −1): the GEMM-bound mode, for speed.
    dtype, device : convert the network and data first (e.g. ``torch.float32``, ``"cuda"``).

    Returns ``(trained, trace)``. Raises ``ValueError`` for bad input before any work, and
    :class:`TrainingDivergedError` (carrying the trace so far) if the loss becomes NaN/Inf.
    """
    if dtype is not None or device is not None:
        net = net.to(dtype=dtype, device=device)
    X = net.check_input(X)
    y = net.check_targets(y, loss, X)
    if X.dim() != 2:
        raise ValueError(f"X must have shape (n, d), got {tuple(X.shape)}; use train_ensemble for stacks")
    if y.shape[0] != X.shape[0]:
        raise ValueError(f"X and y must have the same number of samples, got {X.shape[0]} and {y.shape[0]}")
    _check_hparams(lr, steps, batch_size, X.shape[0], record_every)
    trained, traces = _train_core(net, X, y, get_loss(loss), float(lr), int(steps), batch_size,
                                  int(seed), int(record_every), ensemble=False, full=bool(trace))
    return trained, traces[0]


def _stack_nets(nets: Sequence[Network]) -> Network:
    first = nets[0]
    for i, nt in enumerate(nets):
        if type(nt) is not type(first) or nt.kinds != first.kinds or [M.shape for M in nt.mats] != [M.shape for M in first.mats]:
            raise ValueError(f"all networks of an ensemble must have one shape; nets[{i}] differs from nets[0]")
        if nt.dtype != first.dtype or nt.device != first.device:
            raise ValueError(f"all networks of an ensemble must share dtype and device; nets[{i}] differs")
        if nt.ensemble_size is not None:
            raise ValueError("train_ensemble takes a list of single networks")
    out = object.__new__(type(first))
    out.__dict__.update(first.__dict__)
    out.mats = [torch.stack([nt.mats[j] for nt in nets]) for j in range(len(first.mats))]
    out.head = None if first.head is None else torch.stack([nt.head for nt in nets])
    return out


def _unstack(net: Network, k: int) -> Network:
    out = object.__new__(type(net))
    out.__dict__.update(net.__dict__)
    out.mats = [M[k].clone() for M in net.mats]
    out.head = None if net.head is None else net.head[k].clone()
    return out


def train_ensemble(
    nets: Sequence[Network],
    X: torch.Tensor,
    y: torch.Tensor,
    *,
    loss: str = "logistic",
    lr: float,
    steps: int,
    batch_size: int | None = None,
    seed: int = 0,
    record_every: int = 1,
    trace: bool = True,
    dtype: torch.dtype | None = None,
    device=None,
) -> list[tuple[Network, Trace]]:
    """Train K networks of one shape, each on its own data set, as one batched computation.

    ``X`` is (K, n, d) and ``y`` (K, n) or (K, n, d_out). Member k gets the same trained network
    and trace as ``train(nets[k], X[k], y[k], **same_kwargs)`` (same minibatch sequence, same
    seed), up to floating-point reassociation in batched matrix products.
    """
    nets = list(nets)
    if not nets:
        raise ValueError("train_ensemble needs at least one network")
    if dtype is not None or device is not None:
        nets = [nt.to(dtype=dtype, device=device) for nt in nets]
    stacked = _stack_nets(nets)
    K = len(nets)
    X = torch.as_tensor(X)
    if X.dim() != 3 or X.shape[0] != K:
        raise ValueError(f"X must have shape (K={K}, n, d), got {tuple(X.shape)}")
    X = stacked.check_input(X)
    y = stacked.check_targets(y, loss, X)
    if y.shape[0] != K or y.shape[1] != X.shape[1]:
        raise ValueError(f"y must have shape (K={K}, n={X.shape[1]}, ...), got {tuple(y.shape)}")
    _check_hparams(lr, steps, batch_size, X.shape[1], record_every)
    trained, traces = _train_core(stacked, X, y, get_loss(loss), float(lr), int(steps), batch_size,
                                  int(seed), int(record_every), ensemble=True, full=bool(trace))
    return [(_unstack(trained, k), traces[k]) for k in range(K)]


def _train_core(net, X, y, lo, lr, steps, batch_size, seed, record_every, *, ensemble, full=True):
    torch.set_float32_matmul_precision("highest")  # honest float32: TF32 stays off
    n = X.shape[-2]
    K = X.shape[0] if ensemble else 1
    sgd = batch_size is not None and batch_size < n
    W0 = [M.clone() for M in net.trainable_mats()]
    W = [M.clone() for M in W0]
    idx_tr = [j for j, t in enumerate(net.trainable) if t]
    L = len(W0)
    g_batch = torch.Generator().manual_seed(seed)
    g_spec = torch.Generator().manual_seed(seed + 1)
    spec_states = [SpectralState() for _ in range(L)]
    rec_steps = sorted(set(range(0, steps + 1, record_every)) | {steps})
    R = len(rec_steps)
    dev, f64 = X.device, torch.float64
    loss_t = torch.empty(R, K, dtype=f64, device=dev)
    err_t = torch.empty(R, K, dtype=f64, device=dev)
    marg_t = torch.full((R, K), math.nan, dtype=f64, device=dev)
    dspec = torch.empty(R, K, L, dtype=f64, device=dev)
    dfro = torch.empty(R, K, L, dtype=f64, device=dev)
    gnorm = torch.empty(R, K, L, dtype=f64, device=dev)
    signs = torch.empty(R, K, L, dtype=torch.int64, device=dev)
    vec = net.vector_output
    config = dict(loss=lo.name, lr=lr, steps=steps, batch_size=batch_size, seed=seed,
                  record_every=record_every, trace=full, dtype=str(net.dtype), device=str(dev))

    def mats_of(Wt):
        it = iter(Wt)
        return [next(it) if t else M for M, t in zip(net.mats, net.trainable)]

    pats0 = None
    r = 0

    def fail(k, Lval):
        bad = [i for i in range(K) if not math.isfinite(float(Lval.reshape(-1)[i]))]
        traces = _make_traces(rec_steps[:r], loss_t[:r], err_t[:r], marg_t[:r], dspec[:r], dfro[:r],
                              gnorm[:r], signs[:r], K, config)
        who = f" (ensemble members {bad})" if ensemble else ""
        raise TrainingDivergedError(
            f"the loss became NaN/Inf at step {k}{who}; lr={lr!r} is probably too large. "
            f"The trace up to step {rec_steps[r - 1] if r else 'none'} is attached as .trace",
            trace=traces[0] if not ensemble else None, step=k, traces=traces if ensemble else None,
            members=bad,
        )

    for k in range(steps + 1):
        record = r < R and rec_steps[r] == k
        last = k == steps
        mats = mats_of(W)
        need_full = record or not sgd
        if need_full:
            zs, xs, out = net._forward(X, mats, keep="outputs")
            Lval, g, margin = empirical_loss_and_grad(lo, out, y, vector_output=vec)
            if not bool(torch.isfinite(Lval).all()):
                fail(k, Lval)
            grads = net._backward(X, zs, xs, g, mats) if ((record and full) or not last) else None
            if record:
                pats = [xs[j] > 0 for j in idx_tr] if full else None  # Σ_l: x_l > 0 ⇔ z_l > 0
                if pats0 is None:
                    pats0 = pats
                loss_t[r] = Lval.reshape(K)
                if vec:
                    err_t[r] = (out.argmax(-1) != y.argmax(-1)).to(f64).mean(-1).reshape(K)
                else:
                    err_t[r] = (margin <= 0).to(f64).mean(-1).reshape(K)
                    marg_t[r] = margin.min(-1).values.reshape(K).to(f64)
                if not full:
                    dspec[r] = dfro[r] = gnorm[r] = math.nan
                    signs[r] = -1
                for l in range(L if full else 0):
                    D = W[l] - W0[l]
                    s2, sf = spectral_norm(D, spec_states[l], generator=g_spec, return_frobenius=True)
                    dspec[r, :, l] = s2.reshape(K)
                    dfro[r, :, l] = sf.reshape(K)
                    gnorm[r, :, l] = torch.linalg.matrix_norm(grads[l]).reshape(K)
                    if net.kinds[idx_tr[l]] == "linear":
                        signs[r, :, l] = 0
                    else:
                        signs[r, :, l] = sign_changes(pats[l], pats0[l]).reshape(K)
                r += 1
        if last:
            break
        if sgd:
            idx = torch.randperm(n, generator=g_batch)[:batch_size].to(dev)
            Xb, yb = X.index_select(-2, idx), y.index_select(X.dim() - 2, idx)
            zs, xs, out = net._forward(Xb, mats, keep="outputs")
            Lb, gb, _ = empirical_loss_and_grad(lo, out, yb, vector_output=vec)
            if not bool(torch.isfinite(Lb).all()):
                fail(k, Lb)
            if not lo.classification:
                # L_S is a mean over the minibatch already (003 Algorithm 2); the square loss is
                # a sum over samples, so rescale to an unbiased estimate of the full gradient.
                gb = gb * (n / batch_size)
            grads = net._backward(Xb, zs, xs, gb, mats)
        for Wl, Gl in zip(W, grads):
            Wl.sub_(Gl, alpha=lr)  # W are private copies: update in place
    trained = net.with_trainable(W)
    return trained, _make_traces(rec_steps, loss_t, err_t, marg_t, dspec, dfro, gnorm, signs, K, config)


def _make_traces(rec_steps, loss_t, err_t, marg_t, dspec, dfro, gnorm, signs, K, config):
    cpu = lambda t: t.detach().to("cpu")
    loss_t, err_t, marg_t, dspec, dfro, gnorm, signs = map(cpu, (loss_t, err_t, marg_t, dspec, dfro, gnorm, signs))
    steps_t = torch.tensor(list(rec_steps), dtype=torch.int64)
    return [
        Trace(steps_t.clone(), loss_t[:, k].clone(), err_t[:, k].clone(), marg_t[:, k].clone(),
              dspec[:, k].clone(), dfro[:, k].clone(), gnorm[:, k].clone(), signs[:, k].clone(),
              dict(config))
        for k in range(K)
    ]
