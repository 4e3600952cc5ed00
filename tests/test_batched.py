"""Unit tests of ``overparam_verify.batched`` (issue 12 target 3): R draws of one shape as one
batched computation give, draw by draw, the per-draw results of the library's per-draw
functions (float64, 1e-12 relative) — the weights themselves are bit-identical to R separate
``gaussian_init(seed=s)`` calls — and bad input raises a ``ValueError`` before any work."""
from __future__ import annotations

import pytest
import torch
from hypothesis import given, settings, strategies as st

import overparam_verify as ov
from overparam_verify import batched as B
from overparam_verify.metrics import init as mi
from overparam_verify.metrics import init_backward as mb
from overparam_verify.metrics import perturbation as mp

F64 = torch.float64
RTOL = 1e-12
seeds_st = st.lists(st.integers(0, 2**31 - 1), min_size=1, max_size=4, unique=True)
widths_st = st.sampled_from([[8], [12, 8], [10, 14, 6], [16, 16, 16, 16]])


def _close(a, b, rtol=RTOL):
    a, b = a.to(F64), b.to(F64)
    assert a.shape == b.shape and bool((a.isnan() == b.isnan()).all())
    a, b = a.nan_to_num(0.0), b.nan_to_num(0.0)
    scale = float(b.abs().max()) or 1.0
    assert float((a - b).abs().max()) <= rtol * scale, float((a - b).abs().max()) / scale


def _loop(seeds, n, d, widths):
    """The catalogue's per-draw loop: data from seed s, network from seed s + 1."""
    return [(ov.data.separated_sphere(n, d, 0.3, seed=s)[0], ov.DeepReLUNet.gaussian_init(d, widths, seed=s + 1))
            for s in seeds]


def _batched(seeds, n, d, widths):
    Xs, _ = B.sphere_data(n, d, 0.3, seeds)
    return Xs, B.zczg_draws(d, widths, [s + 1 for s in seeds])


@settings(max_examples=10)
@given(seeds=seeds_st, widths=widths_st, n=st.integers(2, 5))
def test_draws_are_the_per_seed_draws_bit_for_bit(seeds, widths, n):
    Xs, net = _batched(seeds, n, 5, widths)
    assert net.ensemble_size == len(seeds) and isinstance(net, ov.DeepReLUNet)
    for r, (X, one) in enumerate(_loop(seeds, n, 5, widths)):
        assert torch.equal(Xs[r], X)
        assert all(torch.equal(a[r], b) for a, b in zip(net.weights, one.weights))
        assert torch.equal(net.v[r], one.v)
        for copy in (True, False):
            m = B.member(net, r, copy=copy)
            assert m.ensemble_size is None and all(torch.equal(a, b) for a, b in zip(m.weights, one.weights))
            assert torch.equal(m.forward(X), one.forward(X))
        assert B.member(net, r, copy=False).weights[0].data_ptr() != one.weights[0].data_ptr()


@settings(max_examples=10)
@given(seeds=seeds_st, widths=widths_st, n=st.integers(2, 5), s=st.integers(1, 20))
def test_forward_quantities_equal_per_draw(seeds, widths, n, s):
    Xs, net = _batched(seeds, n, 5, widths)
    norms = B.forward_norms(net, Xs)  # (R, L+1, n)
    pats = B.patterns(net, Xs)
    wn = B.weight_spectral_norms(net)  # (R, L)
    gam = B.sparse_sups(net, Xs, s)  # (R, L, n)
    assert norms.shape == (len(seeds), len(widths) + 1, n) and gam.shape == (len(seeds), len(widths), n)
    for r, (X, one) in enumerate(_loop(seeds, n, 5, widths)):
        _close(norms[r], mi.layer_norms(one, X))
        fwd = one.forward_trace(X)
        assert all(torch.equal(p[r], q) for p, q in zip(pats, fwd.patterns))
        _close(wn[r], torch.tensor(mi.weight_spectral_norms(one), dtype=F64))
        U = mb.backward_row_vectors(one.weights, fwd.patterns, one.v)
        _close(gam[r], torch.stack([mb.sparse_sup(u, s) for u in U]))
    # one X for every draw is broadcast
    _close(B.forward_norms(net, Xs[0])[0], norms[0])


@settings(max_examples=6)
@given(seeds=seeds_st, widths=st.sampled_from([[12, 8], [10, 14, 6], [16, 16, 16, 16], [6, 20, 20, 6]]),
       n=st.integers(1, 4))
def test_layer_product_norms_equal_per_draw_and_dense(seeds, widths, n):
    Xs, net = _batched(seeds, n, 5, widths)
    lam = B.layer_product_norms(net, Xs, seed=seeds[0])  # (R, n, L, L)
    L = len(widths)
    assert lam.shape == (len(seeds), n, L, L)
    for r, (X, one) in enumerate(_loop(seeds, n, 5, widths)):
        fwd = one.forward_trace(X)
        _close(lam[r], mb.zczg_a8_norms(one.weights, fwd.patterns))
        _close(lam[r], mb.zczg_a8_dense_norms(one.weights, fwd.patterns))


@settings(max_examples=8)
@given(seeds=seeds_st, widths=widths_st, n=st.integers(1, 5), tau=st.floats(0.01, 2.0),
       kind=st.sampled_from(["gaussian", "rank1"]))
def test_perturbation_quantities_equal_per_draw(seeds, widths, n, tau, kind):
    Xs, net = _batched(seeds, n, 5, widths)
    loop = _loop(seeds, n, 5, widths)
    per = [mp.random_perturbation(one, tau, seed=s, kind=kind) for (_, one), s in zip(loop, seeds)]
    deltas = [torch.stack([p[l] for p in per]) for l in range(len(widths))]  # (R, m_{l-1}, m_l)
    sc = B.sign_changes_under(net, Xs, deltas)  # (R, L, n)
    gt = B.sparse_sups(net, Xs, 3, deltas=deltas)
    assert sc.dtype == torch.int64
    for r, (X, one) in enumerate(loop):
        assert torch.equal(sc[r], mp.sign_change_counts(one, X, per[r]))
        mats = mp.perturbed_mats(one, per[r])
        for l in range(1, len(widths) + 1):
            _close(gt[r, l - 1], mp.perturbed_sparse_sups(one, X, mats, 3, l=l))


@pytest.mark.parametrize("make", [
    lambda s: ov.DeepReLUNet.gaussian_init(4, [8, 6], seed=s),
    lambda s: ov.AZLSNet.gaussian_init(4, 8, 2, 1, seed=s),
])
def test_train_draws_equal_per_draw_training(make):
    seeds = [1, 2, 3]
    net = B.draws(lambda seed: make(seed), seeds)
    Xs, ys = B.sphere_data(6, 4, 0.2, seeds)
    loss = "logistic" if isinstance(net, ov.DeepReLUNet) else "square"
    res = B.train_draws(net, Xs, ys, loss=loss, lr=0.1, steps=5)
    for r, s in enumerate(seeds):
        trained, tr = ov.train(make(s), Xs[r], ys[r], loss=loss, lr=0.1, steps=5)
        for a, b in zip(res[r][0].weights, trained.weights):
            _close(a, b)
        for key in ("loss", "dist_spectral", "dist_frobenius", "grad_norm"):
            _close(getattr(res[r][1], key), getattr(tr, key), rtol=1e-10)
        assert torch.equal(res[r][1].sign_changes, tr.sign_changes)


def test_over_draws_chunks_equal_one_batch():
    seeds = [4, 5, 6, 7, 8]

    def make(ss):
        return B.zczg_draws(5, [8, 8], ss), B.sphere_data(3, 5, 0.3, ss)[0]

    whole = B.forward_norms(*make(seeds))
    torch.testing.assert_close(B.over_draws(make, B.forward_norms, seeds, chunk=2), whole, rtol=0, atol=0)


def test_forward_under_vmap_over_draws():
    """The batched forward under torch.func.vmap (issue 12 target 6): mapping the per-draw
    forward over the draw axis equals the stacked forward."""
    from torch.func import vmap

    Xs, net = _batched([1, 2], 3, 5, [8, 6])
    out = vmap(lambda Ws, v, X: ov.DeepReLUNet(list(Ws), v).forward(X))(net.weights, net.v, Xs)
    torch.testing.assert_close(out, net.forward(Xs), rtol=1e-14, atol=1e-14)


_one = ov.DeepReLUNet.gaussian_init(5, [8, 6], seed=0)
_net = B.zczg_draws(5, [8, 6], [0, 1])
_X = torch.ones(2, 3, 5, dtype=F64) / 5 ** 0.5


@pytest.mark.parametrize("call, match", [
    (lambda: B.zczg_draws(5, [8, 6], []), "at least one seed"),
    (lambda: B.forward_norms(_one, _X[0]), "leading draw axis"),
    (lambda: B.forward_norms([torch.ones(5, 8)], _X), "stacked Network"),
    (lambda: B.forward_norms(_net, torch.ones(3, 3, 5)), r"\(R=2, n, d\)"),
    (lambda: B.forward_norms(_net, torch.ones(2, 3, 4)), "d=5"),
    (lambda: B.forward_norms(_net, torch.full((2, 3, 5), float("nan"))), "finite"),
    (lambda: B.sparse_sups(_net, _X, 0), "sparsity"),
    (lambda: B.member(_net, 2), "draw index"),
    (lambda: B.sign_changes_under(_net, _X, [torch.zeros(2, 5, 8)]), "one perturbation per trained layer"),
    (lambda: B.sign_changes_under(_net, _X, [torch.zeros(5, 8), torch.zeros(8, 6)]), "stacked shape"),
    (lambda: B.layer_product_norms(B.draws(lambda seed: ov.AZLSNet.gaussian_init(5, 8, 2, seed=seed), [0]), _X[:1]),
     "DeepReLUNet"),
    (lambda: B.over_draws(lambda ss: (_net, _X), B.forward_norms, [0, 1], chunk=0), "chunk"),
])
def test_bad_input(call, match):
    with pytest.raises(ValueError, match=match):
        call()
