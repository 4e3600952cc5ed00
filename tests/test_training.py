"""Unit tests of ``overparam_verify.training`` (issue 2, "The engine" and "Bad input").

Every trace quantity is recomputed independently: GD / SGD is re-run here by hand with
torch.autograd through forward passes written from the papers' definitions (ZCZG 003 §3.1,
AZLS 002 §2 and §5, NG 001 §2), and at every recorded step we compare

* the loss (003 eq. 3.1 mean for classification, ``Σ ½‖ŷ_i − y_i‖²`` for the square loss),
  the training error and the minimum margin ``min_i y_i ŷ_i``;
* ``‖W_l⁽ᵏ⁾ − W_l⁽⁰⁾‖₂`` against ``torch.linalg.matrix_norm(ord=2)`` to 1e-6 relative, and
  ``‖·‖_F``;
* the full-batch gradient norm ``‖∇_{W_l} L_S(W⁽ᵏ⁾)‖_F``;
* the number of activation signs that differ from initialisation, over all samples
  (003 Lemma B.3's ``Σ_i ‖Σ⁽ᵏ⁾_{l,i} − Σ⁽⁰⁾_{l,i}‖₀``).

SGD's minibatches are *identified* from the engine's own updates (the update must equal
−η × the minibatch gradient of exactly one subset of B distinct samples), so the test does not
copy the engine's sampling code. Also: ``record_every``, float32/float64, ``train`` leaves its
input alone, ensembles == members trained alone, bit-for-bit determinism on CPU, divergence,
and every bad input of the issue as one table (ValueError before any work).
"""
from __future__ import annotations

import itertools
import math

import pytest
import torch

import overparam_verify as ov
from overparam_verify import AZLSNet, DeepReLUNet, NguyenNet, ResidualNet, TrainingDivergedError
from overparam_verify.data import random_targets, separated_sphere
from oracles import ell  # tests/oracles.py: the papers' own definitions

F64, F32 = torch.float64, torch.float32
CLASSIFICATION = ["logistic", "hinge", "squared_hinge", "exponential"]
N, D = 8, 4


# ----------------------------------------------------------------------------- oracles


def oracle_forward(net, ws, X):
    """(ŷ (n,) or (n, d_out), pre-activations of the trained layers, each (n, m), or None for a
    linear layer), in the papers' own conventions."""
    pre = []
    if isinstance(net, DeepReLUNet):  # f_W(x) = vᵀσ(W_Lᵀ ⋯ σ(W_1ᵀ x)), 003 §3.1
        h = X.T
        for W in ws:
            z = W.T @ h  # (m_l, n)
            pre.append(z.T)
            h = torch.relu(z)
        return net.v @ h, pre
    if isinstance(net, AZLSNet):  # h_0 = σ(Ax), h_l = σ(W_l h_{l-1}) [+ h_{l-1} inside σ], ŷ = B h_L
        res = isinstance(net, ResidualNet)
        h = torch.relu(net.A @ X.T)  # (m, n)
        for W in ws:
            z = h + W @ h if res else W @ h
            pre.append(z.T)
            h = torch.relu(z)
        return (net.B @ h).T, pre
    assert isinstance(net, NguyenNet)  # F_l = σ(F_{l-1} W_l), F_L = F_{L-1} W_L, 001 §2
    F = X
    for l, W in enumerate(ws):
        Z = F @ W
        last = l == len(ws) - 1
        pre.append(None if last else Z)
        F = Z if last else torch.relu(Z)
    return F, pre


def per_sample_loss(loss, out, y):
    if loss == "square":
        r = out - y
        return 0.5 * (r * r).reshape(r.shape[0], -1).sum(1)  # ½‖ŷ_i − y_i‖²
    return ell(loss, y * out)


def empirical_loss(loss, out, y):
    """L_S = (1/n) Σ ℓ(y_i ŷ_i) (003 eq. 3.1); square: F = Σ_i ½‖ŷ_i − y_i‖² (002 §2, 001 eq. 1)."""
    v = per_sample_loss(loss, out, y)
    return v.sum() if loss == "square" else v.mean()


def oracle_grads(net, ws, X, y, loss, rows=None, scale=None):
    """Autograd gradient of the empirical loss (or, with ``rows``, of the minibatch loss:
    the mean over the batch for classification, n/B × the batch sum for the square loss)."""
    ws = [W.detach().clone().requires_grad_(True) for W in ws]
    out, _ = oracle_forward(net, ws, X)
    if rows is None:
        L = empirical_loss(loss, out, y)
    else:
        v = per_sample_loss(loss, out, y)[list(rows)]
        L = v.sum() * (X.shape[0] / len(rows)) if loss == "square" else v.mean()
    return list(torch.autograd.grad(L, ws))


def as_targets(net, y):
    return y.unsqueeze(-1) if net.vector_output and y.dim() == 1 else y


def expected_row(net, ws, W0, pats0, X, y, loss):
    """Every trace quantity at the state ``ws``, recomputed from the definitions."""
    out, pre = oracle_forward(net, ws, X)
    yt = as_targets(net, y)
    row = {"loss": float(empirical_loss(loss, out, yt))}
    if net.vector_output:
        row["train_error"] = float((out.argmax(-1) != yt.argmax(-1)).double().mean())
        row["min_margin"] = math.nan
    else:
        m = y * out
        row["train_error"] = float((m <= 0).double().mean())
        row["min_margin"] = float(m.min())
    grads = oracle_grads(net, ws, X, yt, loss)
    D = [(W - W0l).to(F64) for W, W0l in zip(ws, W0)]
    row["dist_spectral"] = [float(torch.linalg.matrix_norm(d, ord=2)) for d in D]
    row["dist_frobenius"] = [float(torch.linalg.matrix_norm(d)) for d in D]
    row["grad_norm"] = [float(torch.linalg.matrix_norm(G.to(F64))) for G in grads]
    row["sign_changes"] = [0 if p is None else int(((p > 0) != (p0 > 0)).sum()) for p, p0 in zip(pre, pats0)]
    return row, grads


def assert_row(trace, r, row, dtype):
    rtol, atol = (1e-7, 1e-7) if dtype == F64 else (1e-5, 1e-5)
    for key in ("loss", "train_error", "min_margin"):
        got = float(getattr(trace, key)[r])
        if math.isnan(row[key]):
            assert math.isnan(got), key
        else:
            assert got == pytest.approx(row[key], rel=rtol, abs=atol), (key, r)
    for key in ("dist_frobenius", "grad_norm"):
        torch.testing.assert_close(getattr(trace, key)[r], torch.tensor(row[key], dtype=F64), rtol=rtol, atol=atol)
    # ‖W⁽ᵏ⁾ − W⁽⁰⁾‖₂ exact to 1e-6 relative (issue 2), against matrix_norm(ord=2) of the same
    # difference. (For float32 the by-hand difference carries its own rounding.)
    spec_rtol = 1e-6 if dtype == F64 else 1e-4
    torch.testing.assert_close(trace.dist_spectral[r], torch.tensor(row["dist_spectral"], dtype=F64),
                               rtol=spec_rtol, atol=1e-12 if dtype == F64 else 1e-6)
    assert trace.sign_changes[r].tolist() == row["sign_changes"], r


# ----------------------------------------------------------------------------- set-ups
def setup(kind: str, loss: str, *, seed: int = 0, dtype=F64, m: int = 6):
    X, y = separated_sphere(N, D, 0.3, seed=seed + 100)
    if kind == "zczg":
        net = DeepReLUNet.gaussian_init(D, [m, m], seed=seed, dtype=dtype)
        lr = 0.05 if loss in ("square", "exponential", "squared_hinge") else 0.5
        return net, X, y, lr
    if kind == "azls":
        net = AZLSNet.gaussian_init(D, m, 2, 3, seed=seed, dtype=dtype)
        return net, X, random_targets(N, 3, seed=seed + 7), 0.01
    if kind == "residual":
        net = ResidualNet.gaussian_init(D, m, 2, 2, seed=seed, dtype=dtype)
        return net, X, random_targets(N, 2, seed=seed + 7), 0.01
    if kind in ("nguyen", "nguyen_small", "nguyen_zero"):
        last = {"nguyen": "lecun", "nguyen_small": "small", "nguyen_zero": "zero"}[kind]
        net = NguyenNet.lecun_init(D, [10, m, 3], last_layer=last, seed=seed, dtype=dtype)
        return net, X, random_targets(N, 3, seed=seed + 7), 0.01
    raise AssertionError(kind)


SETUPS = [("zczg", lo) for lo in CLASSIFICATION + ["square"]] + [
    ("azls", "square"), ("residual", "square"), ("nguyen", "square"),
    ("nguyen_small", "square"), ("nguyen_zero", "square"),
]


def rerun_gd(net, X, y, loss, lr, steps, trace, dtype):
    """Re-run GD by hand and compare every recorded row; returns the final weights."""
    X = X.to(dtype)
    y = y.to(dtype)
    ws = [W.clone() for W in net.weights]
    W0 = [W.clone() for W in ws]
    _, pre0 = oracle_forward(net, W0, X)
    rec = trace.steps.tolist()
    r = 0
    for k in range(steps + 1):
        row, grads = expected_row(net, ws, W0, pre0, X, y, loss)
        if r < len(rec) and rec[r] == k:
            assert_row(trace, r, row, dtype)
            r += 1
        if k < steps:
            ws = [W - lr * G for W, G in zip(ws, grads)]
    assert r == len(rec)
    return ws


# ----------------------------------------------------------------------------- GD
@pytest.mark.parametrize("kind, loss", SETUPS)
def test_gd_trace_recomputed_by_hand(kind, loss):
    net, X, y, lr = setup(kind, loss)
    steps = 5
    trained, trace = ov.train(net, X, y, loss=loss, lr=lr, steps=steps)
    L = net.depth
    assert trace.steps.tolist() == list(range(steps + 1))
    assert trace.loss.shape == trace.train_error.shape == trace.min_margin.shape == (steps + 1,)
    for key in ("dist_spectral", "dist_frobenius", "grad_norm", "sign_changes"):
        assert getattr(trace, key).shape == (steps + 1, L), key
    assert trace.loss.dtype == F64 and trace.sign_changes.dtype == torch.int64
    ws = rerun_gd(net, X, y, loss, lr, steps, trace, F64)
    assert type(trained) is type(net)
    for W, R in zip(trained.weights, ws):
        torch.testing.assert_close(W, R)
    # Fixed parts are untouched: v, or A and B.
    if isinstance(net, DeepReLUNet):
        assert torch.equal(trained.v, net.v)
    if isinstance(net, AZLSNet):
        assert torch.equal(trained.A, net.A) and torch.equal(trained.B, net.B)
    # The last record is the returned network's own state, measured through the public API.
    yt = as_targets(net, y)
    assert float(trace.loss[-1]) == pytest.approx(float(trained.loss(X, yt, loss)), rel=1e-12)
    for l, (G, W, W0) in enumerate(zip(trained.gradients(X, yt, loss), trained.weights, net.weights)):
        torch.testing.assert_close(trace.grad_norm[-1, l], torch.linalg.matrix_norm(G))
        torch.testing.assert_close(trace.dist_spectral[-1, l], torch.linalg.matrix_norm(W - W0, ord=2),
                                   rtol=1e-6, atol=1e-12)
        torch.testing.assert_close(trace.dist_frobenius[-1, l], torch.linalg.matrix_norm(W - W0))
    p_end, p_0 = trained.forward_trace(X).patterns, net.forward_trace(X).patterns
    trained_layers = [j for j, t in enumerate(net.trainable) if t]
    for l, j in enumerate(trained_layers):
        want = 0 if net.kinds[j] == "linear" else int((p_end[j] != p_0[j]).sum())
        assert int(trace.sign_changes[-1, l]) == want
    assert bool((trace.dist_spectral[0] == 0).all()) and bool((trace.sign_changes[0] == 0).all())
    if kind == "nguyen_zero":
        # W_L = 0: the hidden layers get no gradient at step 0 (001 Section 3.1).
        assert bool((trace.grad_norm[0, :-1] == 0).all()) and float(trace.grad_norm[0, -1]) > 0


def test_gd_trace_moves_and_sign_changes_happen():
    """A run long enough that the measured quantities are not trivially zero (guards the
    recomputation test against vacuous agreement)."""
    net, X, y, _ = setup("zczg", "logistic")
    _, trace = ov.train(net, X, y, loss="logistic", lr=2.0, steps=30, record_every=10)
    assert bool((trace.dist_spectral[-1] > 0).all())
    assert int(trace.sign_changes[-1].sum()) > 0
    assert float(trace.loss[-1]) < float(trace.loss[0])
    rerun_gd(net, X, y, "logistic", 2.0, 30, trace, F64)


def test_dist_spectral_exact_on_wide_layers():
    """Layers wider than the dense-SVD cut-off (48) use the iterative spectral norm: still
    within 1e-6 relative of ``matrix_norm(ord=2)`` at every step."""
    net, X, y, _ = setup("zczg", "logistic", m=50)
    _, trace = ov.train(net, X, y, loss="logistic", lr=1.0, steps=4)
    rerun_gd(net, X, y, "logistic", 1.0, 4, trace, F64)


def test_dist_spectral_with_dead_first_neurons():
    """Regression: at step 0, W⁽⁰⁾ − W⁽⁰⁾ = 0 and the warm-start subspace of the iterative
    spectral norm used to become (e_1, e_2); when neurons 1 and 2 of a wide layer are dead on
    every sample, the later differences have zero first columns and ‖·‖₂ was reported as 0."""
    m = 50  # W_2 is m × m with m > 48: the iterative path
    X, y = separated_sphere(N, D, 0.3, seed=3)
    net = DeepReLUNet.gaussian_init(D, [m, m], seed=1)
    W2 = net.weights[1].clone()
    W2[:, :2] = -0.1  # x_1 ≥ 0, so neurons 1 and 2 of layer 2 are dead on every sample
    net = DeepReLUNet([net.weights[0], W2], net.v)
    trained, trace = ov.train(net, X, y, loss="logistic", lr=1.0, steps=3)
    assert bool((trained.weights[1][:, :2] == W2[:, :2]).all())
    rerun_gd(net, X, y, "logistic", 1.0, 3, trace, F64)
    assert bool((trace.dist_spectral[1:] > 0).all())


@pytest.mark.parametrize("kind, loss", [("zczg", "logistic"), ("azls", "square"), ("nguyen", "square")])
def test_float32(kind, loss):
    net, X, y, lr = setup(kind, loss, dtype=F32)
    trained, trace = ov.train(net, X, y, loss=loss, lr=lr, steps=4)
    assert trained.dtype == F32 and all(W.dtype == F32 for W in trained.weights)
    ws = rerun_gd(net, X, y, loss, lr, 4, trace, F32)
    for W, R in zip(trained.weights, ws):
        torch.testing.assert_close(W, R)
    # ‖W⁽ᴷ⁾ − W⁽⁰⁾‖₂ of the engine's own float32 difference, to 1e-6 relative.
    for l, (W, W0) in enumerate(zip(trained.weights, net.weights)):
        ref = torch.linalg.matrix_norm((W - W0).to(F64), ord=2)
        torch.testing.assert_close(trace.dist_spectral[-1, l], ref, rtol=1e-6, atol=1e-9)


def test_dtype_argument_converts():
    net, X, y, lr = setup("zczg", "logistic")
    t32, tr32 = ov.train(net, X, y, loss="logistic", lr=lr, steps=3, dtype=F32)
    assert t32.dtype == F32 and net.dtype == F64
    n32 = net.to(dtype=F32)
    t32b, tr32b = ov.train(n32, X.to(F32), y.to(F32), loss="logistic", lr=lr, steps=3)
    for a, b in zip(t32.weights, t32b.weights):
        assert torch.equal(a, b)
    assert torch.equal(tr32.loss, tr32b.loss)


# ----------------------------------------------------------------------------- record_every
@pytest.mark.parametrize("steps, every, expect", [(7, 3, [0, 3, 6, 7]), (6, 3, [0, 3, 6]), (2, 5, [0, 2]),
                                                  (0, 1, [0]), (0, 4, [0]), (5, 1, [0, 1, 2, 3, 4, 5])])
def test_record_every_thins_and_keeps_the_last_step(steps, every, expect):
    net, X, y, lr = setup("zczg", "logistic")
    full_net, full = ov.train(net, X, y, loss="logistic", lr=lr, steps=steps)
    thin_net, thin = ov.train(net, X, y, loss="logistic", lr=lr, steps=steps, record_every=every)
    assert thin.steps.tolist() == expect and len(thin) == len(expect)
    for key in ("loss", "train_error", "min_margin", "dist_spectral", "dist_frobenius", "grad_norm", "sign_changes"):
        torch.testing.assert_close(getattr(thin, key), getattr(full, key)[expect])
    for a, b in zip(thin_net.weights, full_net.weights):
        assert torch.equal(a, b)  # thinning the trace never changes the trajectory


def test_trace_false_keeps_trajectory_and_scalar_records():
    net, X, y, lr = setup("zczg", "logistic")
    a, ta = ov.train(net, X, y, loss="logistic", lr=lr, steps=4)
    b, tb = ov.train(net, X, y, loss="logistic", lr=lr, steps=4, trace=False)
    for Wa, Wb in zip(a.weights, b.weights):
        assert torch.equal(Wa, Wb)
    torch.testing.assert_close(tb.loss, ta.loss)
    torch.testing.assert_close(tb.min_margin, ta.min_margin)
    assert bool(torch.isnan(tb.dist_spectral).all()) and bool((tb.sign_changes == -1).all())


def test_zero_steps_returns_a_copy():
    net, X, y, lr = setup("azls", "square")
    trained, trace = ov.train(net, X, y, loss="square", lr=lr, steps=0)
    assert len(trace) == 1
    for a, b in zip(trained.weights, net.weights):
        assert torch.equal(a, b) and a.data_ptr() != b.data_ptr()


# ----------------------------------------------------------------------------- SGD
def identify_batch(net, ws, X, y, loss, lr, update, B):
    """The unique B-subset S of distinct samples with update == −η ∇(minibatch loss on S)."""
    hits = []
    for S in itertools.combinations(range(X.shape[0]), B):
        G = oracle_grads(net, ws, X, y, loss, rows=S)
        if all(torch.allclose(U, -lr * g, rtol=1e-9, atol=1e-12) for U, g in zip(update, G)):
            hits.append(S)
    assert len(hits) == 1, f"update matches {len(hits)} minibatches"
    return hits[0]


@pytest.mark.parametrize("kind, loss, B", [("zczg", "logistic", 3), ("azls", "square", 3), ("nguyen", "square", 2)])
def test_sgd_minibatches_without_replacement_and_seeded(kind, loss, B):
    """003 Algorithm 2: each update is −η × the gradient of the loss on B distinct samples
    (square loss: rescaled by n/B, an unbiased estimate of the full gradient); the batches are
    a function of the seed; the trace's loss and gradient norms are full-batch."""
    net, X, y, lr = setup(kind, loss)
    yt = as_targets(net, y)
    steps = 4
    states = [net.weights]
    for k in range(1, steps + 1):  # W⁽ᵏ⁾ = the network trained for k steps (same seed)
        states.append(ov.train(net, X, y, loss=loss, lr=lr, steps=k, batch_size=B, seed=3)[0].weights)
    _, trace = ov.train(net, X, y, loss=loss, lr=lr, steps=steps, batch_size=B, seed=3)
    batches = []
    ws = [W.clone() for W in net.weights]
    W0 = [W.clone() for W in ws]
    _, pre0 = oracle_forward(net, W0, X)
    for k in range(steps + 1):
        row, _ = expected_row(net, ws, W0, pre0, X, y, loss)  # full-batch quantities
        assert_row(trace, k, row, F64)
        if k == steps:
            break
        update = [b - a for a, b in zip(states[k], states[k + 1])]
        S = identify_batch(net, ws, X, yt, loss, lr, update, B)
        batches.append(S)
        ws = [W - lr * G for W, G in zip(ws, oracle_grads(net, ws, X, yt, loss, rows=S))]
        for W, R in zip(ws, states[k + 1]):
            torch.testing.assert_close(W, R)
    # Same seed, same batches; other seeds draw other batch sequences.
    again = ov.train(net, X, y, loss=loss, lr=lr, steps=1, batch_size=B, seed=3)[0].weights
    assert identify_batch(net, W0, X, yt, loss, lr, [b - a for a, b in zip(W0, again)], B) == batches[0]
    firsts = set()
    for s in (4, 5, 6, 7):
        w1 = ov.train(net, X, y, loss=loss, lr=lr, steps=1, batch_size=B, seed=s)[0].weights
        firsts.add(identify_batch(net, W0, X, yt, loss, lr, [b - a for a, b in zip(W0, w1)], B))
    assert len(firsts | {batches[0]}) >= 2


def test_numpy_scalar_hyperparameters_are_accepted():
    """lr, steps, batch_size as numpy scalars (as theory code computes them) are the same run."""
    import numpy as np

    net, X, y, lr = setup("zczg", "logistic")
    a, ta = ov.train(net, X, y, loss="logistic", lr=0.25, steps=3, batch_size=4)
    b, tb = ov.train(net, X, y, loss="logistic", lr=np.float32(0.25), steps=np.int64(3), batch_size=np.int64(4))
    c, tc = ov.train(net, X, y, loss="logistic", lr=np.float64(0.25), steps=3, batch_size=4)
    for Wa, Wb, Wc in zip(a.weights, b.weights, c.weights):
        assert torch.equal(Wa, Wb) and torch.equal(Wa, Wc)


def test_batch_size_n_is_gd():
    net, X, y, lr = setup("zczg", "logistic")
    a, ta = ov.train(net, X, y, loss="logistic", lr=lr, steps=3)
    b, tb = ov.train(net, X, y, loss="logistic", lr=lr, steps=3, batch_size=N)
    for Wa, Wb in zip(a.weights, b.weights):
        torch.testing.assert_close(Wa, Wb)
    torch.testing.assert_close(ta.loss, tb.loss)


# ----------------------------------------------------------------------------- purity, determinism
@pytest.mark.parametrize("kind, loss", [("zczg", "logistic"), ("azls", "square"), ("residual", "square"), ("nguyen", "square")])
@pytest.mark.parametrize("batch_size", [None, 3])
def test_train_never_modifies_its_input_and_is_deterministic(kind, loss, batch_size):
    net, X, y, lr = setup(kind, loss)
    mats0 = [M.clone() for M in net.mats]
    head0 = None if net.head is None else net.head.clone()
    X0, y0 = X.clone(), y.clone()
    a, ta = ov.train(net, X, y, loss=loss, lr=lr, steps=4, batch_size=batch_size, seed=9)
    for M, M0 in zip(net.mats, mats0):
        assert torch.equal(M, M0)
    if head0 is not None:
        assert torch.equal(net.head, head0)
    assert torch.equal(X, X0) and torch.equal(y, y0)
    # The trained copy shares no trainable storage with the input.
    for Wa, W in zip(a.trainable_mats(), net.trainable_mats()):
        assert Wa.data_ptr() != W.data_ptr()
    b, tb = ov.train(net, X, y, loss=loss, lr=lr, steps=4, batch_size=batch_size, seed=9)
    for Wa, Wb in zip(a.weights, b.weights):
        assert torch.equal(Wa, Wb)
    for key in ("steps", "loss", "train_error", "min_margin", "dist_spectral", "dist_frobenius", "grad_norm", "sign_changes"):
        x, z = getattr(ta, key), getattr(tb, key)
        assert torch.equal(x, z) or (torch.isnan(x).all() and torch.isnan(z).all()), key


def test_determinism_bit_for_bit_wide():
    """Bit-for-bit on CPU also on the iterative spectral-norm path (m > 48)."""
    net, X, y, _ = setup("zczg", "logistic", m=50)
    runs = [ov.train(net, X, y, loss="logistic", lr=1.0, steps=3, batch_size=5, seed=1) for _ in range(2)]
    for key in ("loss", "dist_spectral", "dist_frobenius", "grad_norm", "sign_changes"):
        assert torch.equal(getattr(runs[0][1], key), getattr(runs[1][1], key)), key
    for a, b in zip(runs[0][0].weights, runs[1][0].weights):
        assert torch.equal(a, b)


# ----------------------------------------------------------------------------- ensembles
@pytest.mark.parametrize("kind, loss", [("zczg", "logistic"), ("zczg", "hinge"), ("azls", "square"),
                                        ("residual", "square"), ("nguyen", "square")])
@pytest.mark.parametrize("batch_size", [None, 3])
def test_ensemble_equals_members_trained_alone(kind, loss, batch_size):
    K, steps = 3, 4
    setups = [setup(kind, loss, seed=10 * k) for k in range(K)]
    nets = [s[0] for s in setups]
    lr = setups[0][3]
    X = torch.stack([s[1] for s in setups])
    y = torch.stack([s[2] for s in setups])
    res = ov.train_ensemble(nets, X, y, loss=loss, lr=lr, steps=steps, batch_size=batch_size, seed=2, record_every=2)
    assert len(res) == K
    for k, (trained, trace) in enumerate(res):
        alone, tr = ov.train(nets[k], X[k], y[k], loss=loss, lr=lr, steps=steps, batch_size=batch_size, seed=2, record_every=2)
        assert type(trained) is type(nets[k]) and trained.ensemble_size is None
        for a, b in zip(trained.weights, alone.weights):
            torch.testing.assert_close(a, b)
        assert torch.equal(trace.steps, tr.steps)
        for key in ("loss", "train_error", "min_margin", "dist_spectral", "dist_frobenius", "grad_norm"):
            torch.testing.assert_close(getattr(trace, key), getattr(tr, key), equal_nan=True)
        assert torch.equal(trace.sign_changes, tr.sign_changes)


def test_ensemble_divergence_names_members():
    nets = [setup("zczg", "exponential", seed=k)[0] for k in range(2)]
    X = torch.stack([setup("zczg", "exponential", seed=k)[1] for k in range(2)])
    y = torch.stack([setup("zczg", "exponential", seed=k)[2] for k in range(2)])
    with pytest.raises(TrainingDivergedError) as ei:
        ov.train_ensemble(nets, X, y, loss="exponential", lr=1e30, steps=5)
    e = ei.value
    assert e.step == 1 and e.members == [0, 1]
    assert len(e.traces) == 2 and all(len(t) == 1 for t in e.traces)


# ----------------------------------------------------------------------------- divergence
@pytest.mark.parametrize("kind, loss, lr", [("zczg", "exponential", 1e30), ("zczg", "logistic", 1e300),
                                            ("nguyen", "square", 1e3)])
@pytest.mark.parametrize("record_every", [1, 2])
def test_divergence_raises_with_the_trace_so_far(kind, loss, lr, record_every):
    net, X, y, _ = setup(kind, loss)
    with pytest.raises(TrainingDivergedError, match="NaN/Inf") as ei:
        ov.train(net, X, y, loss=loss, lr=lr, steps=200, record_every=record_every)
    e = ei.value
    assert isinstance(e, ValueError) and isinstance(e, FloatingPointError)
    assert e.step is not None and 1 <= e.step <= 200
    tr = e.trace
    assert isinstance(tr, ov.Trace)
    # Every record before the failure, none after it; all finite.
    assert tr.steps.tolist() == list(range(0, e.step, record_every))
    assert bool(torch.isfinite(tr.loss).all())
    # The attached records are those of a run stopped just before the failure.
    if len(tr):
        _, ok = ov.train(net, X, y, loss=loss, lr=lr, steps=int(tr.steps[-1]), record_every=record_every)
        torch.testing.assert_close(tr.loss, ok.loss)


def test_divergence_in_sgd():
    net, X, y, _ = setup("zczg", "exponential")
    with pytest.raises(TrainingDivergedError) as ei:
        ov.train(net, X, y, loss="exponential", lr=1e30, steps=10, batch_size=4, record_every=5)
    assert ei.value.trace is not None and bool(torch.isfinite(ei.value.trace.loss).all())


# ----------------------------------------------------------------------------- bad input
_net, _X, _y, _ = setup("zczg", "logistic")
_azls, _, _Y, _ = setup("azls", "square")


def _with(t, idx, val):
    t = t.clone()
    t[idx] = val
    return t


def _ens(**kw):
    args = dict(nets=[_net, _net], X=torch.stack([_X, _X]), y=torch.stack([_y, _y]), loss="logistic", lr=0.1, steps=2)
    args.update(kw)
    nets, X, y = args.pop("nets"), args.pop("X"), args.pop("y")
    return lambda: ov.train_ensemble(nets, X, y, **args)


def _tr(net=None, X=None, y=None, **kw):
    args = dict(loss="logistic", lr=0.1, steps=2)
    args.update(kw)
    net = _net if net is None else net
    X = _X if X is None else X
    y = _y if y is None else y
    return lambda: ov.train(net, X, y, **args)


BAD = [
    ("nan in X", _tr(X=_with(_X, (0, 0), math.nan)), "X must be finite"),
    ("inf in X", _tr(X=_with(_X, (3, 1), math.inf)), "X must be finite"),
    ("-inf in X", _tr(X=_with(_X, (3, 1), -math.inf)), "X must be finite"),
    ("nan in y", _tr(y=_with(_y, 2, math.nan)), "y must be finite"),
    ("inf in y (square)", _tr(_azls, y=_with(_Y, (1, 1), math.inf), loss="square", lr=0.01), "y must be finite"),
    ("label 0 logistic", _tr(y=_with(_y, 0, 0.0)), r"labels must be in \{-1, \+1\}"),
    ("label 2 hinge", _tr(y=_with(_y, 0, 2.0), loss="hinge"), r"labels must be in \{-1, \+1\}"),
    ("label 0.5 squared_hinge", _tr(y=_with(_y, 1, 0.5), loss="squared_hinge"), r"labels must be in \{-1, \+1\}"),
    ("labels 0/1 exponential", _tr(y=(_y > 0).double(), loss="exponential"), r"labels must be in \{-1, \+1\}"),
    ("X width != d", _tr(X=torch.ones(N, D + 1, dtype=F64)), f"d={D}"),
    ("X 1-D", _tr(X=torch.ones(D, dtype=F64)), "shape"),
    ("X 3-D in train", _tr(X=_X[None], y=_y[None]), "train_ensemble"),
    ("n mismatch", _tr(y=_y[:-1]), "shape"),
    ("lr = 0", _tr(lr=0.0), "step size must be a finite number > 0"),
    ("lr < 0", _tr(lr=-0.1), "step size must be a finite number > 0"),
    ("lr nan", _tr(lr=math.nan), "step size must be a finite number > 0"),
    ("lr inf", _tr(lr=math.inf), "step size must be a finite number > 0"),
    ("lr bool", _tr(lr=True), "step size"),
    ("lr tensor", _tr(lr=torch.tensor(0.1)), "step size"),
    ("lr string", _tr(lr="0.1"), "step size"),
    ("steps < 0", _tr(steps=-1), "steps must be an integer >= 0"),
    ("steps 2.5", _tr(steps=2.5), "steps must be an integer >= 0"),
    ("batch 0", _tr(batch_size=0), rf"batch_size must be an integer in \[1, n={N}\]"),
    ("batch n+1", _tr(batch_size=N + 1), rf"batch_size must be an integer in \[1, n={N}\]"),
    ("batch -1", _tr(batch_size=-1), r"batch_size must be an integer in \[1, n"),
    ("batch 1.5", _tr(batch_size=1.5), r"batch_size must be an integer in \[1, n"),
    ("record_every 0", _tr(record_every=0), "record_every must be a positive integer"),
    ("unknown loss", _tr(loss="mse"), "unknown loss"),
    ("classification on vector output", _tr(_azls, y=_Y), "scalar-output"),
    ("square targets wrong shape", _tr(_azls, y=_Y[:, :2], loss="square"), "shape"),
    ("odd last width", lambda: DeepReLUNet.gaussian_init(D, [6, 5]), "must be even for a balanced"),
    ("impossible separated_sphere", lambda: separated_sphere(100, 3, 0.5), "too large for n=100 points in d=3"),
    ("ensemble X not 3-D", _ens(X=_X), r"X must have shape \(K=2, n, d\)"),
    ("ensemble K mismatch", _ens(X=torch.stack([_X, _X, _X])), r"X must have shape \(K=2"),
    ("ensemble y K mismatch", _ens(y=torch.stack([_y, _y, _y])), "shape"),
    ("ensemble nan in X", _ens(X=torch.stack([_X, _with(_X, (0, 0), math.nan)])), "X must be finite"),
    ("ensemble bad label", _ens(y=torch.stack([_y, _with(_y, 0, 3.0)])), r"labels must be in \{-1, \+1\}"),
    ("ensemble shapes differ", _ens(nets=[_net, DeepReLUNet.gaussian_init(D, [6, 8])]), "one shape"),
    ("ensemble empty", _ens(nets=[]), "at least one network"),
    ("ensemble lr <= 0", _ens(lr=0.0), "step size"),
    ("ensemble batch > n", _ens(batch_size=N + 1), "batch_size"),
]


@pytest.mark.parametrize("call, match", [b[1:] for b in BAD], ids=[b[0] for b in BAD])
def test_bad_input_raises_value_error_before_any_work(call, match, monkeypatch):
    def no_work(*a, **k):
        raise AssertionError("training started before the input was validated")

    monkeypatch.setattr(ov.training, "_train_core", no_work)
    with pytest.raises(ValueError, match=match):
        call()


# ----------------------------------------------------------------------------- CUDA
@pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device")
@pytest.mark.parametrize("kind, loss", [("zczg", "logistic"), ("azls", "square"), ("nguyen", "square")])
def test_cuda_matches_cpu(kind, loss):
    """The same run on CUDA (float64) gives the CPU trace and weights up to rounding; the trace
    comes back on the CPU."""
    net, X, y, lr = setup(kind, loss)
    a, ta = ov.train(net, X, y, loss=loss, lr=lr, steps=4, batch_size=3, seed=1)
    b, tb = ov.train(net, X, y, loss=loss, lr=lr, steps=4, batch_size=3, seed=1, device="cuda")
    assert b.device.type == "cuda" and tb.loss.device.type == "cpu"
    for Wa, Wb in zip(a.weights, b.weights):
        torch.testing.assert_close(Wa, Wb.cpu())
    for key in ("loss", "train_error", "min_margin", "dist_spectral", "dist_frobenius", "grad_norm"):
        torch.testing.assert_close(getattr(ta, key), getattr(tb, key), equal_nan=True)
    assert torch.equal(ta.sign_changes, tb.sign_changes)
