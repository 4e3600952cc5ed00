"""Measured quantities for the catalogue family 'resnet' (AZLS ``seeds/002`` Section 5)."""
from __future__ import annotations

import math

import torch

from ..network import ResidualNet
from .trajectory import train_until

__all__ = ["resnet_forward_norms", "resnet_gd"]


def resnet_forward_norms(net: ResidualNet, X: torch.Tensor) -> dict[str, object]:
    """``‖h_{i,l}‖`` for every sample and layer (h_0 = σ(Ax) is layer 0 of the trace):
    ``norms`` (L+1, n), ``max_hL`` = max_i ‖h_{i,L}‖, ``max_any`` = max_{i,l} ‖h_{i,l}‖,
    ``h0_max`` = max_i ‖h_{i,0}‖ and ``residual_spec`` = (‖W_1‖₂, …, ‖W_L‖₂) (exact, dense SVD)."""
    tr = net.forward_trace(X)
    norms = torch.stack([o.norm(dim=-1) for o in tr.outputs])  # (L+1, n)
    spec = [float(torch.linalg.matrix_norm(W, ord=2)) for W in net.weights]
    return {"norms": norms, "max_hL": float(norms[-1].max()), "max_any": float(norms.max()),
            "h0": norms[0], "h0_max": float(norms[0].max()), "residual_spec": spec}


def resnet_gd(net: ResidualNet, X: torch.Tensor, Y: torch.Tensor, *, lr: float, steps: int,
              eps: float | None = None, max_steps: int | None = None):
    """GD on F(W) = Σ_i ½‖B h_{i,L} − y*_i‖² (002 Section 2 objective; W_1..W_L trained, A, B
    fixed) through the engine (``ov.train(..., loss="square")``). Returns the loss per step.

    With ``eps`` and ``max_steps``: GD continues in chunks of ``steps`` until the loss is ≤ eps
    or ``max_steps`` steps are done (the theorem's iteration count has hidden constants, so a
    fixed budget would test the budget, not the statement)."""
    if eps is None or max_steps is None:  # one chunk: the fixed budget ``steps``
        eps, max_steps = -math.inf, steps
    F = train_until(net, X, Y, loss="square", lr=lr, steps=steps, max_steps=max_steps,
                    done=lambda F: min(F) <= eps)
    return torch.tensor(F, dtype=torch.float64)
