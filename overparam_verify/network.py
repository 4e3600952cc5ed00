"""Deep fully-connected ReLU networks in the papers' exact setups.

All networks are stored in *row convention*: a batch of inputs is a matrix ``X`` of shape
(n, d) whose rows are the ``x_i``, and a layer maps ``x_{l-1}`` (n, m_{l-1}) to
``x_l = σ(x_{l-1} M_l)`` (n, m_l). For ZCZG this is literally the paper's
``x_{l,i} = σ(W_lᵀ x_{l-1,i})`` with ``M_l = W_l`` (003 §3.1); for AZLS (``h_l = σ(W_l h_{l-1})``)
``M_l = W_lᵀ``, and the public ``weights``/``gradients`` are transposed back to the paper's
convention; Nguyen's ``F_l = σ(F_{l-1} W_l)`` (001 Section 2) is row convention already.

One generic core (:class:`Network`) does the forward pass (with pre-activations, outputs and
activation patterns Σ_l, 003 §3.4) and the closed-form backward pass; it accepts a leading
ensemble axis on every tensor, which is how :func:`overparam_verify.train_ensemble` trains many
networks as one batched computation.

Layer kinds: ``"relu"`` (x_l = σ(x_{l-1} M_l)), ``"linear"`` (x_l = x_{l-1} M_l, Nguyen's last
layer), ``"res"`` (x_l = σ(x_{l-1} + x_{l-1} M_l), AZLS Section 5 / Appendix J).
Heads: ``"vector"`` (ŷ = x_L v, ZCZG's fixed ±1 vector), ``"matrix"`` (ŷ = x_L Bᵀ, AZLS's fixed
B) or ``None`` (the last layer is the output, Nguyen).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Sequence

import torch

from .losses import get_loss, empirical_loss_and_grad

__all__ = [
    "Network",
    "ForwardTrace",
    "DeepReLUNet",
    "AZLSNet",
    "NguyenNet",
    "ResidualNet",
]


@dataclass
class ForwardTrace:
    """Everything the proofs talk about in one forward pass (lists over layers).

    ``preacts[l]`` (n, m) are the pre-activations, ``outputs[l]`` (n, m) the layer outputs
    ``x_{l,i}`` (003 §3.4) and ``patterns[l]`` (n, m) the activation patterns — the diagonals of
    ``Σ_{l,i}`` as booleans (``True`` where the pre-activation is > 0; σ'(0) = 0 as in autograd).
    ``out`` is the network output ŷ: (n,) for a scalar head, (n, d_out) otherwise.
    For a linear layer the pattern is all ``True``.
    """

    preacts: list[torch.Tensor]
    outputs: list[torch.Tensor]
    patterns: list[torch.Tensor]
    out: torch.Tensor


def _as_device(device) -> torch.device:
    return torch.device(device) if not isinstance(device, torch.device) else device


def _is_traced(X: torch.Tensor) -> bool:
    """Whether ``X`` is wrapped by a ``torch.func`` transform (vmap's BatchedTensor, grad's
    GradTrackingTensor): then its values cannot steer Python control flow."""
    try:
        return bool(torch._C._functorch.is_functorch_wrapped_tensor(X))
    except AttributeError:  # pragma: no cover - very old torch
        return False


def _check_positive_int(name: str, v) -> int:
    if isinstance(v, bool) or int(v) != v or v < 1:
        raise ValueError(f"{name} must be a positive integer, got {name}={v!r}")
    return int(v)


class Network:
    """Generic stack of layers in row convention; see the module docstring.

    Parameters are plain tensors (no ``nn.Module``): ``mats`` (the layer matrices ``M_l``),
    ``kinds``, ``trainable`` flags and an optional fixed head. Subclasses give the papers' names
    and conventions. Every tensor may carry a leading ensemble axis of size K.
    """

    def __init__(
        self,
        mats: Sequence[torch.Tensor],
        kinds: Sequence[str],
        trainable: Sequence[bool],
        head: torch.Tensor | None,
        head_kind: str | None,
    ):
        if not (len(mats) == len(kinds) == len(trainable)):
            raise ValueError("mats, kinds and trainable must have the same length")
        for k in kinds:
            if k not in ("relu", "linear", "res"):
                raise ValueError(f"unknown layer kind {k!r}")
        # numpy arrays (or nested lists) are accepted: torch.as_tensor keeps their dtype
        self.mats = [M if isinstance(M, torch.Tensor) else torch.as_tensor(M) for M in mats]
        self.kinds = tuple(kinds)
        self.trainable = tuple(bool(t) for t in trainable)
        self.head = head if head is None or isinstance(head, torch.Tensor) else torch.as_tensor(head)
        self.head_kind = head_kind

    def __repr__(self) -> str:
        """Class, input dimension d, widths, the seed it was drawn from (when known: set by
        ``gaussian_init``/``lecun_init`` callers such as the strategies) and dtype."""
        extra = "" if self.device.type == "cpu" else f", device={str(self.device)!r}"
        if self.ensemble_size is not None:
            extra += f", K={self.ensemble_size}"
        return (f"{type(self).__name__}(d={self.input_dim}, widths={self.widths}, "
                f"seed={getattr(self, 'seed', None)!r}, dtype={self.dtype}{extra})")

    # ------------------------------------------------------------------ basic properties
    @property
    def dtype(self) -> torch.dtype:
        return self.mats[0].dtype

    @property
    def device(self) -> torch.device:
        return self.mats[0].device

    @property
    def input_dim(self) -> int:
        return self.mats[0].shape[-2]

    @property
    def widths(self) -> list[int]:
        """Output widths of every layer (m_1, ..., m_L)."""
        return [M.shape[-1] for M in self.mats]

    @property
    def depth(self) -> int:
        """Number of trainable layers L."""
        return sum(self.trainable)

    @property
    def vector_output(self) -> bool:
        """Whether ŷ_i is a vector (AZLS's B, Nguyen's last layer) rather than a scalar."""
        return self.head_kind != "vector"

    @property
    def ensemble_size(self) -> int | None:
        """K when this object holds an ensemble (leading axis on every tensor), else None."""
        return self.mats[0].shape[0] if self.mats[0].dim() == 3 else None

    def trainable_mats(self) -> list[torch.Tensor]:
        return [M for M, t in zip(self.mats, self.trainable) if t]

    def with_trainable(self, new: Sequence[torch.Tensor]) -> "Network":
        """A copy of this network whose trainable matrices (row convention) are ``new``."""
        it = iter(new)
        mats = [next(it) if t else M for M, t in zip(self.mats, self.trainable)]
        out = object.__new__(type(self))
        out.__dict__.update(self.__dict__)
        out.mats = mats
        return out

    def clone(self) -> "Network":
        out = object.__new__(type(self))
        out.__dict__.update(self.__dict__)
        out.mats = [M.clone() for M in self.mats]
        out.head = None if self.head is None else self.head.clone()
        return out

    def to(self, dtype=None, device=None) -> "Network":
        out = object.__new__(type(self))
        out.__dict__.update(self.__dict__)
        out.mats = [M.to(dtype=dtype, device=device) for M in self.mats]
        out.head = None if self.head is None else self.head.to(dtype=dtype, device=device)
        return out

    # ------------------------------------------------------------------ input checks
    def check_input(self, X: torch.Tensor) -> torch.Tensor:
        """Validate ``X`` (finite, right width) and move it to the network's dtype/device.

        Under a ``torch.func`` transform (``vmap``, ``jacrev``, ``grad`` over ``X``) only the
        static checks run (shape): a data-dependent ``if`` cannot be traced, so the finiteness
        check belongs outside the transform — call ``net.check_input(Xs)`` on the whole stack
        first (``torch.func.vmap(net.forward)(net.check_input(Xs))``)."""
        X = torch.as_tensor(X)
        if not _is_traced(X) and not torch.isfinite(X).all():
            raise ValueError("X must be finite, but it contains NaN or Inf")
        if X.dim() < 2 or X.shape[-1] != self.input_dim:
            raise ValueError(
                f"X must have shape (n, d) with d={self.input_dim} (the network's input width), "
                f"got shape {tuple(X.shape)}"
            )
        return X.to(dtype=self.dtype, device=self.device)

    # ------------------------------------------------------------------ core math
    def _forward(self, X: torch.Tensor, mats=None, keep: bool | str = True):
        """Return (zs, xs, out). ``xs`` holds every layer's output when ``keep`` is truthy (the
        backward pass needs them); ``zs`` the pre-activations only when ``keep=True`` —
        ``keep="outputs"`` (training) skips them: Σ_l is recovered from x_l > 0, since
        x_l = σ(z_l) > 0 exactly when z_l > 0, which halves the activation memory."""
        mats = self.mats if mats is None else mats
        zs, xs = [], []
        x = X  # (..., n, d)
        for M, kind in zip(mats, self.kinds):
            if kind == "res":
                z = x + x @ M  # (..., n, m)
            else:
                z = x @ M  # (..., n, m_l)
            if kind == "linear":
                x = z
            elif keep is True:
                x = torch.relu(z)
            else:
                x = z.relu_()  # z is not kept: rectify in place
            if keep:
                if keep is True:
                    zs.append(z)
                xs.append(x)
        if self.head_kind == "vector":
            out = (x @ self.head.unsqueeze(-1)).squeeze(-1)  # (..., n)
        elif self.head_kind == "matrix":
            out = x @ self.head  # (..., n, d_out); head is Bᵀ (m, d_out)
        else:
            out = x
        return zs, xs, out

    def _backward(self, X, zs, xs, g, mats=None) -> list[torch.Tensor]:
        """Closed-form gradients of the loss w.r.t. the trainable ``M_l`` (row convention),
        given ``g = dLoss/dŷ``. This is 003 §3.4's
        ``∇_{W_l} f(x_i) = x_{l-1,i} vᵀ(Π_{r=l+1}^L Σ_{r,i}W_rᵀ) Σ_{l,i}`` summed over samples
        with weights g_i, evaluated right to left (AZLS Fact 2.6 is the same recursion)."""
        mats = self.mats if mats is None else mats
        if self.head_kind == "vector":
            delta = g.unsqueeze(-1) * self.head.unsqueeze(-2)  # (..., n, m_L)
        elif self.head_kind == "matrix":
            delta = g @ self.head.transpose(-1, -2)  # (..., n, m_L)
        else:
            delta = g
        first = self.trainable.index(True)
        grads: list[torch.Tensor] = []
        for l in range(len(mats) - 1, first - 1, -1):
            kind = self.kinds[l]
            # Σ_{l,i} applied: keep δ where x_l > 0 (⇔ z_l > 0; σ'(0) = 0 as in autograd)
            dz = delta if kind == "linear" else torch.ops.aten.threshold_backward(delta, xs[l], 0)
            x_prev = X if l == 0 else xs[l - 1]
            if self.trainable[l]:
                grads.append(x_prev.transpose(-1, -2) @ dz)  # (..., m_{l-1}, m_l)
            if l > first:
                delta = dz @ mats[l].transpose(-1, -2)
                if kind == "res":
                    delta = delta + dz
        grads.reverse()
        return grads

    # ------------------------------------------------------------------ public API
    def forward(self, X: torch.Tensor) -> torch.Tensor:
        """Network outputs ŷ for the rows of ``X``: (n,) or (n, d_out)."""
        X = self.check_input(X)
        return self._forward(X, keep=False)[2]

    __call__ = forward

    def apply(self, trainable: Sequence[torch.Tensor], X: torch.Tensor) -> torch.Tensor:
        """ŷ as a pure function of the trainable matrices (row convention, as
        :meth:`trainable_mats`) and ``X``, with no input checks: the form ``torch.func``
        transforms take (``jacrev(net.apply)(net.trainable_mats(), X)`` is the parameter
        Jacobian; ``vmap`` maps it over draws). Fixed layers and the head are this network's.
        Validate ``X`` first with :meth:`check_input` (outside the transform)."""
        it = iter(trainable)
        mats = [next(it) if t else M for M, t in zip(self.mats, self.trainable)]
        return self._forward(X, mats, keep=False)[2]

    def forward_trace(self, X: torch.Tensor) -> ForwardTrace:
        """Forward pass that also returns per-layer pre-activations, outputs and patterns."""
        X = self.check_input(X)
        zs, xs, out = self._forward(X)
        pats = [z > 0 if k != "linear" else torch.ones_like(z, dtype=torch.bool) for z, k in zip(zs, self.kinds)]
        return ForwardTrace(preacts=zs, outputs=xs, patterns=pats, out=out)

    def output_shape(self, X: torch.Tensor) -> tuple[int, ...]:
        """Shape of ``forward(X)``: ``X.shape[:-1]`` for ZCZG's scalar output, plus ``(d_out,)``
        for a vector output (AZLS's B, Nguyen's last layer)."""
        lead = tuple(X.shape[:-1])
        if self.head_kind == "vector":
            return lead
        d_out = self.head.shape[-1] if self.head_kind == "matrix" else self.mats[-1].shape[-1]
        return lead + (int(d_out),)

    def check_targets(self, y, loss, X: torch.Tensor | None = None) -> torch.Tensor:
        """Validate the targets ``y`` for ``loss`` (finite; ±1 labels for a classification loss;
        when ``X`` is given, the shape of ``forward(X)``, where ``(n,)`` targets are accepted for
        a vector output with ``d_out = 1``) and move them to the network's dtype/device."""
        loss = get_loss(loss)
        y = torch.as_tensor(y)
        if not torch.isfinite(y).all():
            raise ValueError("y must be finite, but it contains NaN or Inf")
        y = y.to(dtype=self.dtype, device=self.device)
        if loss.classification:
            if self.vector_output:
                raise ValueError(
                    f"loss={loss.name!r} is a binary classification loss on y·ŷ and needs a "
                    "scalar-output network (ZCZG's DeepReLUNet)"
                )
            if not ((y == 1) | (y == -1)).all():
                raise ValueError(f"labels must be in {{-1, +1}} for the classification loss {loss.name!r}")
        if X is not None:
            want = self.output_shape(X)
            if self.vector_output and want[-1] == 1 and tuple(y.shape) == want[:-1]:
                y = y.unsqueeze(-1)  # (n,) regression targets for a d_out = 1 network
            if tuple(y.shape) != want:
                raise ValueError(
                    f"y must have the shape of the network's output for X, {want}, "
                    f"got shape {tuple(y.shape)}"
                )
        return y

    def loss(self, X, y, loss="logistic") -> torch.Tensor:
        """The empirical loss: ``L_S`` (mean) for classification, ``Σ ½‖ŷ−y‖²`` for square."""
        X = self.check_input(X)
        y = self.check_targets(y, loss, X)
        out = self._forward(X, keep=False)[2]
        return empirical_loss_and_grad(get_loss(loss), out, y, vector_output=self.vector_output)[0]

    def raw_gradients(self, X, y, loss="logistic") -> list[torch.Tensor]:
        """Closed-form gradients w.r.t. the trainable matrices in row convention."""
        X = self.check_input(X)
        y = self.check_targets(y, loss, X)
        lo = get_loss(loss)
        zs, xs, out = self._forward(X)
        _, g, _ = empirical_loss_and_grad(lo, out, y, vector_output=self.vector_output)
        return self._backward(X, zs, xs, g)

    def gradients(self, X, y, loss="logistic") -> list[torch.Tensor]:
        """Closed-form ``∇_{W_l}`` of the empirical loss, in the shapes of ``self.weights``."""
        return self._from_row(self.raw_gradients(X, y, loss))

    # Subclasses whose paper convention is transposed override these two.
    def _from_row(self, mats: list[torch.Tensor]) -> list[torch.Tensor]:
        return list(mats)

    @property
    def weights(self) -> list[torch.Tensor]:
        """The trained weight matrices in the paper's convention."""
        return self._from_row(self.trainable_mats())


# ---------------------------------------------------------------------- the papers' networks
def _gen(seed: int, device) -> torch.Generator:
    # Draws happen on CPU from a seeded generator, then move: identical weights on CPU and CUDA.
    return torch.Generator().manual_seed(int(seed))


def _normal(g, shape, std, dtype, device) -> torch.Tensor:
    return (torch.randn(*shape, generator=g, dtype=torch.float64) * std).to(dtype=dtype, device=device)


def _check_widths(widths) -> list[int]:
    widths = list(widths)
    if len(widths) < 1:
        raise ValueError("widths must list at least one layer width")
    for i, m in enumerate(widths):
        _check_positive_int(f"widths[{i}]", m)
    return [int(m) for m in widths]


class DeepReLUNet(Network):
    """ZCZG's network ``f_W(x) = vᵀσ(W_Lᵀ ⋯ σ(W_1ᵀx))`` (003 §3.1, 000 §3).

    ``W_l ∈ R^{m_{l-1}×m_l}`` (``m_0 = d``) are trained; ``v ∈ {±1}^{m_L}`` is fixed, half +1 and
    half −1. ``weights`` are the ``W_l`` themselves (row convention = paper convention here).
    """

    @classmethod
    def gaussian_init(
        cls,
        d: int,
        widths: Sequence[int],
        *,
        seed: int = 0,
        dtype: torch.dtype = torch.float64,
        device="cpu",
    ) -> "DeepReLUNet":
        """He initialisation (003 §3.3): entries of W_l i.i.d. N(0, 2/m_l); ``v`` balanced ±1
        in a seeded random order. ``ValueError`` if the last width is odd."""
        d = _check_positive_int("d", d)
        widths = _check_widths(widths)
        if widths[-1] % 2:
            raise ValueError(
                f"the last width m_L={widths[-1]} must be even for a balanced ±1 output vector v"
            )
        device = _as_device(device)
        g = _gen(seed, device)
        dims = [d] + widths
        mats = [_normal(g, (dims[l], dims[l + 1]), math.sqrt(2.0 / dims[l + 1]), dtype, device) for l in range(len(widths))]
        mL = widths[-1]
        v = torch.ones(mL, dtype=torch.float64)
        v[mL // 2 :] = -1.0
        v = v[torch.randperm(mL, generator=g)].to(dtype=dtype, device=device)
        return cls(mats, v)

    def __init__(self, weights: Sequence[torch.Tensor], v: torch.Tensor):
        L = len(weights)
        super().__init__(list(weights), ["relu"] * L, [True] * L, v, "vector")

    @property
    def v(self) -> torch.Tensor:
        return self.head


class AZLSNet(Network):
    """AZLS's network (002 Section 2): ``h_{i,0} = σ(A x_i)``, ``h_{i,l} = σ(W_l h_{i,l-1})``,
    ``ŷ_i = B h_{i,L}``; ``A ∈ R^{m×d}`` and ``B ∈ R^{d_out×m}`` fixed, ``W_l ∈ R^{m×m}``
    trained; ℓ₂ regression ``F(W) = Σ_i ½‖B h_{i,L} − y*_i‖²``.

    Layer index 0 of :meth:`forward_trace` is ``h_0`` (the fixed A layer), index l is ``h_l``.
    """

    @classmethod
    def gaussian_init(
        cls,
        d: int,
        m: int,
        depth: int,
        d_out: int = 1,
        *,
        seed: int = 0,
        dtype: torch.dtype = torch.float64,
        device="cpu",
    ) -> "AZLSNet":
        """Entries of A and W_l i.i.d. N(0, 2/m), entries of B i.i.d. N(0, 1/d_out) (002 §2)."""
        d, m = _check_positive_int("d", d), _check_positive_int("m", m)
        depth, d_out = _check_positive_int("depth", depth), _check_positive_int("d_out", d_out)
        device = _as_device(device)
        g = _gen(seed, device)
        s = math.sqrt(2.0 / m)
        A = _normal(g, (m, d), s, dtype, device)
        Ws = [_normal(g, (m, m), s, dtype, device) for _ in range(depth)]
        B = _normal(g, (d_out, m), math.sqrt(1.0 / d_out), dtype, device)
        return cls(A, Ws, B)

    def __init__(self, A: torch.Tensor, Ws: Sequence[torch.Tensor], B: torch.Tensor, *, kind: str = "relu"):
        L = len(Ws)
        mats = [A.transpose(-1, -2)] + [W.transpose(-1, -2) for W in Ws]
        super().__init__(mats, ["relu"] + [kind] * L, [False] + [True] * L, B.transpose(-1, -2), "matrix")

    def _from_row(self, mats):
        return [M.transpose(-1, -2) for M in mats]

    @property
    def A(self) -> torch.Tensor:
        return self.mats[0].transpose(-1, -2)

    @property
    def B(self) -> torch.Tensor:
        return self.head.transpose(-1, -2)


class ResidualNet(AZLSNet):
    """AZLS Section 5's residual variant ``h_l = σ(h_{l-1} + W_l h_{l-1})`` with ``h_0 = σ(Ax)``
    and ``ŷ = B h_L``: the simplest residual setting, studied in AZLS Appendix J (after Hardt &
    Ma 2017), with a small initialisation scale for the residual weights."""

    @classmethod
    def gaussian_init(
        cls,
        d: int,
        m: int,
        depth: int,
        d_out: int = 1,
        *,
        scale: float | None = None,
        seed: int = 0,
        dtype: torch.dtype = torch.float64,
        device="cpu",
    ) -> "ResidualNet":
        """A, B as in :class:`AZLSNet`; residual W_l entries i.i.d. N(0, 2·scale²/m) with
        ``scale = 1/L`` by default (small, so that the forward norms stay bounded in depth)."""
        depth = _check_positive_int("depth", depth)
        scale = 1.0 / depth if scale is None else float(scale)
        if not (scale >= 0 and math.isfinite(scale)):
            raise ValueError(f"scale must be finite and >= 0, got scale={scale!r}")
        base = AZLSNet.gaussian_init(d, m, depth, d_out, seed=seed, dtype=dtype, device=device)
        Ws = [W * scale for W in base.weights]
        return cls(base.A, Ws, base.B)

    def __init__(self, A, Ws, B):
        super().__init__(A, Ws, B, kind="res")


class NguyenNet(Network):
    """Nguyen's network (001 Section 2): ``F_0 = X``, ``F_l = σ(F_{l-1} W_l)`` for l < L and
    ``F_L = F_{L-1} W_L`` (linear last layer); every layer trained; square loss
    ``Φ(θ) = ½‖F_L − Y‖_F²``. Arbitrary widths (one wide layer n_{L-1} ≥ N in the theorems)."""

    @classmethod
    def lecun_init(
        cls,
        d: int,
        widths: Sequence[int],
        *,
        last_layer: str = "lecun",
        beta: float = 1.0,
        seed: int = 0,
        dtype: torch.dtype = torch.float64,
        device="cpu",
    ) -> "NguyenNet":
        """LeCun init ``(W_l)_{ij} ~ N(0, 1/n_{l-1})``; ``widths = [n_1, ..., n_L]`` with ``n_L``
        the output dimension.

        * ``last_layer="lecun"``: the same for ``W_L``; ``"small"``: ``N(0, n_{L-1}^{-4/3})``
          (Corollary 3.2); ``"zero"``: ``W_L = 0`` (Section 3.1).
        * ``beta`` multiplies ``W_1..W_{L-1}`` (Section 3.1's scale β, eq. 14–15).
        """
        d = _check_positive_int("d", d)
        widths = _check_widths(widths)
        if len(widths) < 2:
            raise ValueError("Nguyen's network needs at least one hidden layer: len(widths) >= 2")
        if last_layer not in ("lecun", "small", "zero"):
            raise ValueError(f"last_layer must be 'lecun', 'small' or 'zero', got last_layer={last_layer!r}")
        if not (math.isfinite(beta) and beta > 0):
            raise ValueError(f"beta must be finite and > 0, got beta={beta!r}")
        device = _as_device(device)
        g = _gen(seed, device)
        dims = [d] + widths
        L = len(widths)
        mats = []
        for l in range(L):
            std = 1.0 / math.sqrt(dims[l])
            if l == L - 1:
                if last_layer == "small":
                    std = dims[l] ** (-2.0 / 3.0)
                W = _normal(g, (dims[l], dims[l + 1]), std, dtype, device)
                if last_layer == "zero":
                    W = torch.zeros_like(W)
            else:
                W = _normal(g, (dims[l], dims[l + 1]), std * beta, dtype, device)
            mats.append(W)
        return cls(mats)

    def __init__(self, weights: Sequence[torch.Tensor]):
        L = len(weights)
        super().__init__(list(weights), ["relu"] * (L - 1) + ["linear"], [True] * L, None, None)
