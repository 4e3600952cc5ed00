"""Unit tests of ``overparam_verify.network``.

* closed-form gradients (003 §3.4, AZLS Fact 2.6) == torch.autograd through a forward pass
  written here from the papers' definitions, in the papers' conventions, for every network and
  every loss it supports, in float64 with torch.testing's default tolerances;
* ensembles (leading K axis) == per-member results;
* ``forward_trace`` (pre-activations, outputs x_{l,i}, patterns Σ_{l,i}) recomputed by a plain
  loop over the definitions;
* the initialisation distributions (ZCZG 003 §3.3, AZLS 002 §2, NG 001 §2/Cor. 3.2/§3.1):
  mean, variance (6 standard errors) and a Kolmogorov–Smirnov distance, every draw seeded;
* constructor and input validation.
"""
from __future__ import annotations

import math

import pytest
import torch
from hypothesis import given, strategies as st
from scipy import stats as sps

from overparam_verify import AZLSNet, DeepReLUNet, NguyenNet, ResidualNet
from oracles import ell  # tests/oracles.py: the papers' own definitions

F64 = torch.float64
CLASSIFICATION = ["logistic", "hinge", "squared_hinge", "exponential"]
seeds = st.integers(0, 2**32 - 1)


# ----------------------------------------------------------------------------- oracles
# The papers' definitions, written out directly (column convention where the paper uses it).


def zczg_out(Ws, v, X):
    """f_W(x) = vᵀσ(W_Lᵀ ⋯ σ(W_1ᵀ x)) (003 §3.1) for the columns x_i of Xᵀ."""
    h = X.T  # (d, n)
    for W in Ws:
        h = torch.relu(W.T @ h)  # (m_l, n)
    return v @ h  # (n,)


def azls_out(A, Ws, B, X, residual=False):
    """h_0 = σ(A x), h_l = σ(W_l h_{l-1}) (or σ(h_{l-1} + W_l h_{l-1})), ŷ = B h_L (002 §2, §5)."""
    h = torch.relu(A @ X.T)  # (m, n)
    for W in Ws:
        h = torch.relu(h + W @ h) if residual else torch.relu(W @ h)
    return (B @ h).T  # (n, d_out)


def nguyen_out(Ws, X):
    """F_0 = X, F_l = σ(F_{l-1} W_l) for l < L, F_L = F_{L-1} W_L (001 §2)."""
    F = X
    for W in Ws[:-1]:
        F = torch.relu(F @ W)
    return F @ Ws[-1]


def autograd_grads(fn, weights):
    ws = [W.detach().clone().requires_grad_(True) for W in weights]
    L = fn(ws)
    return L.detach(), list(torch.autograd.grad(L, ws))


def classification_loss(name, out, y):
    return ell(name, y * out).mean()  # L_S = (1/n) Σ ℓ(y_i ŷ_i), 003 eq. 3.1


def square_loss(out, y):
    return 0.5 * ((out - y) ** 2).sum()  # Σ ½‖ŷ_i − y_i‖²


def data(seed, n, d, d_out=None):
    g = torch.Generator().manual_seed(seed)
    X = torch.randn(n, d, generator=g, dtype=F64)
    X = X / X.norm(dim=1, keepdim=True)
    y = torch.where(torch.rand(n, generator=g) < 0.5, -1.0, 1.0).to(F64)
    Y = torch.randn(n, d_out or 1, generator=g, dtype=F64)
    return X, y, Y


widths_st = st.lists(st.integers(1, 7), min_size=1, max_size=3)


# ----------------------------------------------------------------------------- gradients
@pytest.mark.parametrize("loss", CLASSIFICATION + ["square"])
@given(seed=seeds, d=st.integers(1, 5), widths=widths_st, n=st.integers(1, 6))
def test_zczg_gradients_match_autograd(loss, seed, d, widths, n):
    widths = widths[:-1] + [2 * widths[-1]]  # m_L even
    net = DeepReLUNet.gaussian_init(d, widths, seed=seed)
    X, y, _ = data(seed + 1, n, d)
    if loss == "square":
        Lref, gref = autograd_grads(lambda ws: square_loss(zczg_out(ws, net.v, X), y), net.weights)
    else:
        Lref, gref = autograd_grads(lambda ws: classification_loss(loss, zczg_out(ws, net.v, X), y), net.weights)
    torch.testing.assert_close(net.loss(X, y, loss), Lref)
    torch.testing.assert_close(net.forward(X), zczg_out(net.weights, net.v, X))
    grads = net.gradients(X, y, loss)
    assert [G.shape for G in grads] == [W.shape for W in net.weights]
    for G, R in zip(grads, gref):
        torch.testing.assert_close(G, R)


@pytest.mark.parametrize("residual", [False, True])
@given(seed=seeds, d=st.integers(1, 5), m=st.integers(1, 8), depth=st.integers(1, 3),
       d_out=st.integers(1, 3), n=st.integers(1, 6))
def test_azls_and_residual_gradients_match_autograd(residual, seed, d, m, depth, d_out, n):
    cls = ResidualNet if residual else AZLSNet
    kw = dict(scale=0.7) if residual else {}
    net = cls.gaussian_init(d, m, depth, d_out, seed=seed, **kw)
    assert net.A.shape == (m, d) and net.B.shape == (d_out, m)
    assert [W.shape for W in net.weights] == [(m, m)] * depth
    X, _, Y = data(seed + 1, n, d, d_out)
    f = lambda ws: square_loss(azls_out(net.A, ws, net.B, X, residual), Y)
    Lref, gref = autograd_grads(f, net.weights)
    torch.testing.assert_close(net.forward(X), azls_out(net.A, net.weights, net.B, X, residual))
    torch.testing.assert_close(net.loss(X, Y, "square"), Lref)
    for G, R in zip(net.gradients(X, Y, "square"), gref):
        torch.testing.assert_close(G, R)
    if d_out == 1:  # (n,) targets are accepted for a single output
        torch.testing.assert_close(net.loss(X, Y[:, 0], "square"), Lref)


@pytest.mark.parametrize("last_layer", ["lecun", "small", "zero"])
@given(seed=seeds, d=st.integers(1, 5), widths=st.lists(st.integers(1, 7), min_size=2, max_size=4),
       n=st.integers(1, 6), beta=st.sampled_from([1.0, 0.3, 2.5]))
def test_nguyen_gradients_match_autograd(last_layer, seed, d, widths, n, beta):
    net = NguyenNet.lecun_init(d, widths, last_layer=last_layer, beta=beta, seed=seed)
    X, _, Y = data(seed + 1, n, d, widths[-1])
    Lref, gref = autograd_grads(lambda ws: square_loss(nguyen_out(ws, X), Y), net.weights)
    torch.testing.assert_close(net.forward(X), nguyen_out(net.weights, X))
    torch.testing.assert_close(net.loss(X, Y, "square"), Lref)
    grads = net.gradients(X, Y, "square")
    assert len(grads) == len(widths)  # every layer trained, the last (linear) one included
    for G, R in zip(grads, gref):
        torch.testing.assert_close(G, R)


def _stack(nets):
    """Build the K-member ensemble network through the public constructors."""
    first = nets[0]
    if isinstance(first, DeepReLUNet):
        return DeepReLUNet([torch.stack(ws) for ws in zip(*[nt.weights for nt in nets])], torch.stack([nt.v for nt in nets]))
    if isinstance(first, AZLSNet):
        cls = type(first)
        A = torch.stack([nt.A for nt in nets])
        B = torch.stack([nt.B for nt in nets])
        Ws = [torch.stack(ws) for ws in zip(*[nt.weights for nt in nets])]
        return cls(A, Ws, B)
    return NguyenNet([torch.stack(ws) for ws in zip(*[nt.weights for nt in nets])])


@pytest.mark.parametrize(
    "make, loss",
    [
        (lambda s: DeepReLUNet.gaussian_init(3, [5, 4], seed=s), "logistic"),
        (lambda s: DeepReLUNet.gaussian_init(3, [5, 4], seed=s), "exponential"),
        (lambda s: DeepReLUNet.gaussian_init(3, [6], seed=s), "square"),
        (lambda s: AZLSNet.gaussian_init(3, 6, 2, 2, seed=s), "square"),
        (lambda s: ResidualNet.gaussian_init(3, 6, 2, 2, seed=s), "square"),
        (lambda s: NguyenNet.lecun_init(3, [7, 5, 2], seed=s), "square"),
    ],
)
@given(seed=seeds)
def test_ensemble_agrees_with_members(make, loss, seed):
    """A leading K axis on every tensor: each member's output, loss, gradients and trace are
    those of the member alone."""
    K, n, d = 3, 5, 3
    nets = [make(seed + k) for k in range(K)]
    ens = _stack(nets)
    assert ens.ensemble_size == K
    Xs, ys, Ys = zip(*[data(seed + 10 + k, n, d, 2) for k in range(K)])
    X = torch.stack(Xs)
    y = torch.stack(ys) if not ens.vector_output else torch.stack(Ys)
    out = ens.forward(X)
    Ls = ens.loss(X, y, loss)
    grads = ens.gradients(X, y, loss)
    tr = ens.forward_trace(X)
    for k, nt in enumerate(nets):
        torch.testing.assert_close(out[k], nt.forward(X[k]))
        torch.testing.assert_close(Ls[k], nt.loss(X[k], y[k], loss))
        for G, R in zip(grads, nt.gradients(X[k], y[k], loss)):
            torch.testing.assert_close(G[k], R)
        tk = nt.forward_trace(X[k])
        for a, b in zip(tr.patterns, tk.patterns):
            assert torch.equal(a[k], b)


# ----------------------------------------------------------------------------- forward_trace
@given(seed=seeds, d=st.integers(1, 4), widths=widths_st, n=st.integers(1, 5))
def test_forward_trace_zczg(seed, d, widths, n):
    widths = widths[:-1] + [2 * widths[-1]]
    net = DeepReLUNet.gaussian_init(d, widths, seed=seed)
    X, _, _ = data(seed + 1, n, d)
    tr = net.forward_trace(X)
    assert len(tr.preacts) == len(tr.outputs) == len(tr.patterns) == len(widths)
    for i in range(n):  # one sample at a time, x_{l,i} = σ(W_lᵀ x_{l-1,i}) (003 §3.1)
        x = X[i]
        for l, W in enumerate(net.weights):
            z = W.T @ x
            x = torch.relu(z)
            assert tr.preacts[l].shape == tr.outputs[l].shape == tr.patterns[l].shape == (n, widths[l])
            assert tr.patterns[l].dtype == torch.bool
            torch.testing.assert_close(tr.preacts[l][i], z)
            torch.testing.assert_close(tr.outputs[l][i], x)
            assert torch.equal(tr.patterns[l][i], z > 0)
        torch.testing.assert_close(tr.out[i], net.v @ x)
    for l in range(len(widths)):
        assert torch.equal(tr.patterns[l], tr.preacts[l] > 0)


@pytest.mark.parametrize("residual", [False, True])
@given(seed=seeds, n=st.integers(1, 5), depth=st.integers(1, 3))
def test_forward_trace_azls(residual, seed, n, depth):
    """Index 0 is h_0 = σ(A x) (the fixed layer), index l is h_l."""
    cls = ResidualNet if residual else AZLSNet
    d, m, d_out = 3, 6, 2
    net = cls.gaussian_init(d, m, depth, d_out, seed=seed)
    X, _, _ = data(seed + 1, n, d)
    tr = net.forward_trace(X)
    assert len(tr.preacts) == depth + 1
    for i in range(n):
        z = net.A @ X[i]
        h = torch.relu(z)
        torch.testing.assert_close(tr.preacts[0][i], z)
        torch.testing.assert_close(tr.outputs[0][i], h)
        for l, W in enumerate(net.weights, start=1):
            z = h + W @ h if residual else W @ h
            h = torch.relu(z)
            torch.testing.assert_close(tr.preacts[l][i], z)
            torch.testing.assert_close(tr.outputs[l][i], h)
            assert torch.equal(tr.patterns[l][i], z > 0)
        torch.testing.assert_close(tr.out[i], net.B @ h)
    assert tr.out.shape == (n, d_out)


@given(seed=seeds, n=st.integers(1, 5))
def test_forward_trace_nguyen(seed, n):
    """Hidden layers F_l = σ(F_{l-1}W_l); the linear last layer's pattern is all True (Σ = I)."""
    net = NguyenNet.lecun_init(3, [6, 5, 2], seed=seed)
    X, _, _ = data(seed + 1, n, 3)
    tr = net.forward_trace(X)
    F = X
    for l, W in enumerate(net.weights):
        Z = F @ W
        F = Z if l == 2 else torch.relu(Z)
        torch.testing.assert_close(tr.preacts[l], Z)
        torch.testing.assert_close(tr.outputs[l], F)
        assert torch.equal(tr.patterns[l], Z > 0) if l < 2 else bool(tr.patterns[l].all())
    torch.testing.assert_close(tr.out, F)


@pytest.mark.parametrize(
    "make",
    [
        lambda s, dt: DeepReLUNet.gaussian_init(3, [5, 4, 6], seed=s, dtype=dt),
        lambda s, dt: AZLSNet.gaussian_init(3, 6, 3, 2, seed=s, dtype=dt),
        lambda s, dt: ResidualNet.gaussian_init(3, 6, 3, 2, seed=s, dtype=dt),
        lambda s, dt: NguyenNet.lecun_init(3, [7, 5, 2], last_layer="small", seed=s, dtype=dt),
    ],
    ids=["zczg", "azls", "residual", "nguyen"],
)
@pytest.mark.parametrize("dtype", [F64, torch.float32])
@given(seed=seeds, n=st.integers(1, 6))
def test_forward_trace_identities(make, dtype, seed, n):
    """For every network and layer: patterns == (preacts > 0) (Σ_{l,i}, σ'(0) = 0), outputs ==
    relu(preacts) exactly (ReLU layers), outputs == preacts and an all-True pattern (Nguyen's
    linear last layer); ``out`` == ``forward``; shapes (n, m_l) and the network's dtype."""
    net = make(seed, dtype)
    X, _, _ = data(seed + 1, n, 3)
    tr = net.forward_trace(X)
    assert len(tr.preacts) == len(tr.outputs) == len(tr.patterns) == len(net.kinds)
    for z, x, p, kind, m in zip(tr.preacts, tr.outputs, tr.patterns, net.kinds, net.widths):
        assert z.shape == x.shape == p.shape == (n, m)
        assert z.dtype == x.dtype == dtype and p.dtype == torch.bool
        if kind == "linear":
            assert torch.equal(x, z) and bool(p.all())
        else:
            assert torch.equal(p, z > 0)
            assert torch.equal(x, torch.relu(z))
    assert torch.equal(tr.out, net.forward(X))


def test_forward_trace_pattern_at_exact_zero():
    """σ'(0) = 0: a pre-activation exactly 0 is inactive in Σ (as in autograd)."""
    W1 = torch.tensor([[1.0, -1.0], [0.0, 0.0]], dtype=F64)  # z = (x_1, −x_1)
    net = DeepReLUNet([W1], torch.tensor([1.0, -1.0], dtype=F64))
    tr = net.forward_trace(torch.tensor([[0.0, 1.0], [2.0, 0.0]], dtype=F64))
    assert tr.patterns[0].tolist() == [[False, False], [True, False]]


# ----------------------------------------------------------------------------- initialisation
def _check_gaussian(x: torch.Tensor, var: float, what: str):
    """Entries i.i.d. N(0, var): sample mean and variance within 6 standard errors
    (SE(mean) = σ/√N, SE(s²) = σ²√(2/(N−1))) and the KS distance below its 1e-9 quantile."""
    x = x.detach().reshape(-1).to(F64)
    N = x.numel()
    sd = math.sqrt(var)
    assert abs(float(x.mean())) <= 6 * sd / math.sqrt(N), f"{what}: mean {float(x.mean())}"
    s2 = float(x.var())
    assert abs(s2 - var) <= 6 * var * math.sqrt(2 / (N - 1)), f"{what}: variance {s2} vs {var}"
    ks = sps.kstest((x / sd).numpy(), "norm").statistic
    # Dvoretzky–Kiefer–Wolfowitz: P(D_N > ε) ≤ 2exp(−2Nε²); ε for probability 1e-9
    assert ks <= math.sqrt(math.log(2 / 1e-9) / (2 * N)), f"{what}: KS distance {ks}"


@given(seed=seeds)
def test_zczg_he_init(seed):
    """003 §3.3: W_l entries i.i.d. N(0, 2/m_l) (m_l = the column count), v balanced ±1."""
    d, widths = 60, [300, 200, 120]
    net = DeepReLUNet.gaussian_init(d, widths, seed=seed)
    dims = [d] + widths
    for l, W in enumerate(net.weights):
        assert W.shape == (dims[l], dims[l + 1]) and W.dtype == F64
        _check_gaussian(W, 2.0 / dims[l + 1], f"W_{l + 1}")
    v = net.v
    assert v.shape == (widths[-1],)
    assert bool(((v == 1) | (v == -1)).all()) and float(v.sum()) == 0.0


def test_zczg_v_order_is_seeded_and_shuffled():
    vs = [DeepReLUNet.gaussian_init(3, [4, 64], seed=s).v for s in range(4)]
    assert any(not torch.equal(vs[0], v) for v in vs[1:])
    assert not torch.equal(vs[0], torch.cat([torch.ones(32), -torch.ones(32)]).to(F64))
    assert torch.equal(vs[0], DeepReLUNet.gaussian_init(3, [4, 64], seed=0).v)


@given(seed=seeds)
def test_azls_init(seed):
    """002 §2: A, W_l entries N(0, 2/m); B entries N(0, 1/d_out)."""
    d, m, depth, d_out = 40, 250, 2, 8
    net = AZLSNet.gaussian_init(d, m, depth, d_out, seed=seed)
    _check_gaussian(net.A, 2.0 / m, "A")
    for l, W in enumerate(net.weights):
        _check_gaussian(W, 2.0 / m, f"W_{l + 1}")
    _check_gaussian(net.B, 1.0 / d_out, "B")


@given(seed=seeds)
def test_residual_init(seed):
    """AZLS §5 variant: residual W_l entries N(0, 2 scale²/m), scale = 1/L by default."""
    d, m, depth, d_out = 30, 200, 3, 4
    net = ResidualNet.gaussian_init(d, m, depth, d_out, seed=seed)
    _check_gaussian(net.A, 2.0 / m, "A")
    _check_gaussian(net.B, 1.0 / d_out, "B")
    for W in net.weights:
        _check_gaussian(W, 2.0 / m / depth**2, "W_l")
    net0 = ResidualNet.gaussian_init(d, m, depth, d_out, seed=seed, scale=0.0)
    assert all(bool((W == 0).all()) for W in net0.weights)


@pytest.mark.parametrize("last_layer", ["lecun", "small", "zero"])
@given(seed=seeds, beta=st.sampled_from([1.0, 0.5, 3.0]))
def test_nguyen_lecun_init(last_layer, seed, beta):
    """001: (W_l)_{ij} ~ N(0, β²/n_{l-1}) for l < L (β of §3.1); W_L ~ N(0, 1/n_{L-1}) (LeCun),
    N(0, n_{L-1}^{-4/3}) (Corollary 3.2) or W_L = 0 (§3.1)."""
    d, widths = 50, [200, 400, 60]
    net = NguyenNet.lecun_init(d, widths, last_layer=last_layer, beta=beta, seed=seed)
    dims = [d] + widths
    for l, W in enumerate(net.weights[:-1]):
        assert W.shape == (dims[l], dims[l + 1])
        _check_gaussian(W, beta**2 / dims[l], f"W_{l + 1}")
    WL = net.weights[-1]
    assert WL.shape == (400, 60)
    if last_layer == "zero":
        assert bool((WL == 0).all())
    else:
        var = 1.0 / 400 if last_layer == "lecun" else 400 ** (-4.0 / 3.0)
        _check_gaussian(WL, var, "W_L")


@pytest.mark.parametrize(
    "make",
    [
        lambda s, dt: DeepReLUNet.gaussian_init(4, [6, 8], seed=s, dtype=dt),
        lambda s, dt: AZLSNet.gaussian_init(4, 6, 2, 3, seed=s, dtype=dt),
        lambda s, dt: ResidualNet.gaussian_init(4, 6, 2, 3, seed=s, dtype=dt),
        lambda s, dt: NguyenNet.lecun_init(4, [6, 3], seed=s, dtype=dt),
    ],
)
def test_init_seeded_and_dtype_independent(make):
    """Same seed → identical weights; float32 weights are the float64 draw rounded."""
    a, b, c = make(5, F64), make(5, F64), make(6, F64)
    f = make(5, torch.float32)
    for Wa, Wb, Wc, Wf in zip(a.mats, b.mats, c.mats, f.mats):
        assert torch.equal(Wa, Wb) and not torch.equal(Wa, Wc)
        assert Wf.dtype == torch.float32 and torch.equal(Wf, Wa.to(torch.float32))
    assert f.dtype == torch.float32


# ----------------------------------------------------------------------------- validation
@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: DeepReLUNet.gaussian_init(3, [4, 5]), "even"),
        (lambda: DeepReLUNet.gaussian_init(3, [3]), "even"),
        (lambda: DeepReLUNet.gaussian_init(3, []), "at least one"),
        (lambda: DeepReLUNet.gaussian_init(0, [4]), "d must be a positive integer"),
        (lambda: DeepReLUNet.gaussian_init(3, [0, 4]), "widths"),
        (lambda: DeepReLUNet.gaussian_init(3, [2.5, 4]), "widths"),
        (lambda: DeepReLUNet.gaussian_init(True, [4]), "d must be a positive integer"),
        (lambda: AZLSNet.gaussian_init(3, 0, 2), "m must be"),
        (lambda: AZLSNet.gaussian_init(3, 4, 0), "depth"),
        (lambda: AZLSNet.gaussian_init(3, 4, 2, 0), "d_out"),
        (lambda: ResidualNet.gaussian_init(3, 4, 2, scale=-1.0), "scale"),
        (lambda: ResidualNet.gaussian_init(3, 4, 2, scale=math.nan), "scale"),
        (lambda: NguyenNet.lecun_init(3, [4]), "hidden layer"),
        (lambda: NguyenNet.lecun_init(3, [4, 2], last_layer="big"), "last_layer"),
        (lambda: NguyenNet.lecun_init(3, [4, 2], beta=0.0), "beta"),
        (lambda: NguyenNet.lecun_init(3, [4, 2], beta=math.nan), "beta"),
    ],
)
def test_constructor_bad_arguments(call, match):
    with pytest.raises(ValueError, match=match):
        call()


_net = DeepReLUNet.gaussian_init(3, [4, 4], seed=0)
_azls = AZLSNet.gaussian_init(3, 4, 1, 2, seed=0)
_X = torch.ones(5, 3, dtype=F64) / math.sqrt(3)
_y = torch.tensor([1.0, -1.0, 1.0, -1.0, 1.0], dtype=F64)


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: _net.forward(torch.ones(5, 4)), "d=3"),
        (lambda: _net.forward(torch.ones(5)), "shape"),
        (lambda: _net.forward(torch.full((5, 3), math.nan)), "finite"),
        (lambda: _net.forward(torch.full((5, 3), math.inf)), "finite"),
        (lambda: _net.forward_trace(torch.ones(5, 2)), "d=3"),
        (lambda: _net.loss(_X, _y * 2, "logistic"), r"\{-1, \+1\}"),
        (lambda: _net.loss(_X, torch.zeros(5), "hinge"), r"\{-1, \+1\}"),
        (lambda: _net.loss(_X, _y[:, None], "logistic"), "shape"),
        (lambda: _net.loss(_X, _y[:3], "logistic"), "shape"),
        (lambda: _net.gradients(_X, _y.clone().fill_(math.nan), "logistic"), "finite"),
        (lambda: _net.gradients(_X, _y, "nonsense"), "unknown loss"),
        (lambda: _azls.gradients(_X, torch.zeros(5, 2), "logistic"), "scalar-output"),
        (lambda: _azls.loss(_X, torch.zeros(5), "square"), "shape"),
        (lambda: _azls.loss(_X, torch.zeros(5, 3), "square"), "shape"),
    ],
)
def test_input_validation(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_with_trainable_clone_and_to_do_not_alias():
    net = DeepReLUNet.gaussian_init(3, [4, 4], seed=0)
    W0 = [W.clone() for W in net.weights]
    c = net.clone()
    c.mats[0].add_(1.0)
    assert torch.equal(net.weights[0], W0[0])
    new = [W * 2 for W in net.weights]
    t = net.with_trainable(new)
    assert torch.equal(t.weights[1], new[1]) and torch.equal(net.weights[1], W0[1])
    assert torch.equal(t.v, net.v)
    f = net.to(dtype=torch.float32)
    assert f.dtype == torch.float32 and net.dtype == F64
    assert isinstance(t, DeepReLUNet) and isinstance(f, DeepReLUNet)


def test_public_properties():
    net = NguyenNet.lecun_init(3, [6, 2], seed=0)
    assert net.input_dim == 3 and net.widths == [6, 2] and net.depth == 2 and net.vector_output
    az = AZLSNet.gaussian_init(3, 5, 2, 1, seed=0)
    assert az.depth == 2 and az.widths == [5, 5, 5] and az.ensemble_size is None
    z = DeepReLUNet.gaussian_init(3, [4], seed=0)
    assert not z.vector_output and z.depth == 1


# ----------------------------------------------------------------------------- torch.func
_FUNC_NETS = [
    lambda: DeepReLUNet.gaussian_init(5, [8, 6], seed=3),
    lambda: AZLSNet.gaussian_init(5, 8, 2, 3, seed=3),
    lambda: ResidualNet.gaussian_init(5, 8, 2, 2, seed=3),
    lambda: NguyenNet.lecun_init(5, [8, 7, 2], seed=3),
]


@pytest.mark.parametrize("make", _FUNC_NETS)
def test_forward_under_vmap_and_jacrev(make):
    """Issue 12 target 6: forward (and the ensemble forward) run under torch.func.vmap and
    jacrev — the data-dependent finiteness check is skipped inside a transform (shape checks
    stay) and runs, as always, outside it."""
    from torch.func import jacrev, vmap

    net = make()
    Xs = torch.randn(3, 4, 5, generator=torch.Generator().manual_seed(0), dtype=F64)
    torch.testing.assert_close(vmap(net.forward)(net.check_input(Xs)), net.forward(Xs), rtol=0, atol=0)
    torch.testing.assert_close(vmap(lambda x: net.forward_trace(x).out)(Xs), net.forward(Xs), rtol=0, atol=0)
    # the ensemble forward under vmap over its draws: members' weights and data mapped together
    from overparam_verify.training import _stack_nets

    ens = _stack_nets([make(), make().with_trainable([2 * M for M in make().trainable_mats()])])
    if ens.head is not None:
        out = vmap(lambda mats, head, x: _member(ens, mats, head).forward(x))(ens.mats, ens.head, Xs[:2])
    else:
        out = vmap(lambda mats, x: _member(ens, mats, None).forward(x))(ens.mats, Xs[:2])
    torch.testing.assert_close(out, ens.forward(Xs[:2]), rtol=1e-14, atol=1e-14)
    # the parameter Jacobian through apply equals autograd row by row
    x = Xs[0]
    J = jacrev(net.apply)(net.trainable_mats(), x)
    y = net.apply(net.trainable_mats(), x).reshape(-1)
    for r in range(y.shape[0]):
        ws = [M.clone().requires_grad_(True) for M in net.trainable_mats()]
        g = torch.autograd.grad(net.apply(ws, x).reshape(-1)[r], ws)
        for Jl, gl in zip(J, g):
            torch.testing.assert_close(Jl.reshape(y.shape[0], *gl.shape)[r], gl, rtol=1e-13, atol=1e-15)
    # input Jacobian of forward: finite-difference free check against autograd
    Jx = jacrev(net.forward)(x)
    xg = x.clone().requires_grad_(True)
    out0 = net.forward(xg).reshape(-1)
    torch.testing.assert_close(Jx.reshape(out0.shape[0], *x.shape)[0], torch.autograd.grad(out0[0], xg)[0])
    # outside a transform the checks are all there
    with pytest.raises(ValueError, match="finite"):
        net.forward(torch.full((2, 5), math.nan, dtype=F64))
    with pytest.raises(ValueError, match="d=5"):
        vmap(net.forward)(torch.ones(3, 2, 4, dtype=F64))


def _member(ens, mats, head):
    out = object.__new__(type(ens))
    out.__dict__.update(ens.__dict__)
    out.mats, out.head = list(mats), head
    return out
