"""The strategies' guarantees, on many draws (overparam_verify.strategies)."""
from __future__ import annotations

import math

import pytest
import torch
from hypothesis import given, settings, strategies as st
from hypothesis.errors import InvalidArgument

import overparam_verify as ov
from overparam_verify import strategies as S

N = min(15, settings().max_examples)


@settings(max_examples=N)
@given(S.separated_datasets(n=st.integers(2, 24), d=st.integers(2, 8), phi=st.floats(0.05, 0.4),
                            mu=st.sampled_from([None, 0.3, ov.data.AZLS_MU])))
def test_separated_all_pairs(ds):
    assert ds.X.dtype == torch.float64
    torch.testing.assert_close(ds.X.norm(dim=1), torch.ones(ds.n, dtype=torch.float64))
    if ds.mu is not None:
        torch.testing.assert_close(ds.X[:, -1], torch.full((ds.n,), ds.mu, dtype=torch.float64))
    assert ov.data.min_separation(ds.X) >= ds.phi * (1 - 1e-12)
    assert set(ds.y.tolist()) <= {-1.0, 1.0}


@settings(max_examples=N)
@given(S.separated_datasets(n=st.integers(8, 24), d=st.integers(3, 8), phi=st.floats(0.1, 0.4),
                            mu=st.sampled_from([None, ov.data.AZLS_MU]), label_aware=True))
def test_separated_label_aware_has_close_pairs(ds):
    torch.testing.assert_close(ds.X.norm(dim=1), torch.ones(ds.n, dtype=torch.float64))
    assert ov.data.min_separation(ds.X, ds.y) >= ds.phi * (1 - 1e-12)
    if ds.mu is not None:
        torch.testing.assert_close(ds.X[:, -1], torch.full((ds.n,), ds.mu, dtype=torch.float64))


def test_label_aware_produces_close_same_label_pairs():
    """Measured over draws: most label-aware data sets have a same-label pair closer than φ/2."""
    found = []

    @settings(max_examples=20, derandomize=True, database=None)
    @given(S.separated_datasets(n=16, d=6, phi=0.3, label_aware=True))
    def run(ds):
        D = torch.cdist(ds.X, ds.X) + torch.eye(ds.n, dtype=torch.float64) * 9
        same = ds.y[:, None] == ds.y[None, :]
        found.append(bool((D[same] < ds.phi / 2).any()))

    run()
    assert sum(found) >= 0.8 * len(found), found


@settings(max_examples=50)
@given(S.network_shapes(min_depth=1, max_depth=5, min_width=3, max_width=40))
def test_shapes_asm37(w):
    assert 1 <= len(w) <= 5 and max(w) <= 2 * min(w) and w[-1] % 2 == 0
    assert all(3 <= m <= 40 for m in w)


@settings(max_examples=20)
@given(S.network_shapes(kind="nguyen", min_width=4, max_width=8))
def test_shapes_nguyen(w):
    assert w[-1] == 1 and (len(w) == 2 or max(w[:-1]) >= 4 * min(w[:-1]))


NET = ov.DeepReLUNet.gaussian_init(6, [24, 24], seed=3)
DATA = ov.data.separated_sphere(12, 6, 0.2, seed=4)


@settings(max_examples=N)
@given(st.data(), st.sampled_from(S.PERTURBATION_KINDS), st.floats(0.0, 2.0))
def test_perturbation_norms(data, kind, tau):
    D = data.draw(S.spectral_perturbations(NET.weights, tau, kind=kind, X=DATA[0], net=NET))
    assert [d.shape for d in D] == [W.shape for W in NET.weights]
    for d in D:
        assert torch.linalg.matrix_norm(d, ord=2) <= tau


def _draws(kind, tau, k=10):
    out = []

    @settings(max_examples=k, derandomize=True, database=None)
    @given(S.spectral_perturbations(NET.weights, tau, kind=kind, X=DATA[0], net=NET))
    def run(D):
        out.append(D)

    run()
    return out


def test_flip_flips_more_than_random():
    X = DATA[0]
    p0 = NET.forward_trace(X).patterns

    def flips(D):
        p = NET.with_trainable([W + d for W, d in zip(NET.weights, D)]).forward_trace(X).patterns
        return sum(int((a != b).sum()) for a, b in zip(p, p0))

    tau = 0.05
    fl = [flips(D) for D in _draws("flip", tau)]
    rd = [flips(D) for D in _draws("random", tau)]
    assert sum(fl) / len(fl) > sum(rd) / len(rd)


def test_output_changes_output_more_than_random():
    X = DATA[0]
    f0 = NET.forward(X)

    def change(D):
        return float((NET.with_trainable([W + d for W, d in zip(NET.weights, D)]).forward(X) - f0).abs().sum())

    tau = 0.05
    out = [change(D) for D in _draws("output", tau)]
    rd = [change(D) for D in _draws("random", tau)]
    assert min(out) > max(rd)


@settings(max_examples=N)
@given(S.losses())
def test_losses(loss):
    assert loss.name in ov.LOSSES


@settings(max_examples=N)
@given(S.losses(classification_only=True))
def test_losses_classification(loss):
    assert loss.classification


@settings(max_examples=N)
@given(S.coefficient_vectors(st.integers(1, 20), kind=st.sampled_from(S.COEFFICIENT_KINDS)))
def test_coefficients(a):
    assert a.dtype == torch.float64 and a.abs().max() > 0


@settings(max_examples=N)
@given(S.coefficient_vectors(12, y=DATA[1], kind="labels"))
def test_coefficients_aligned(a):
    assert (a == DATA[1]).all() or (a == -DATA[1]).all()


D_SHARED = st.shared(st.integers(2, 6), key="d")


@settings(max_examples=min(8, N))
@given(S.separated_datasets(n=6, d=D_SHARED, phi=0.1), S.gaussian_inits(d=D_SHARED, widths=S.network_shapes(max_width=16)))
def test_shared_d(ds, net):
    assert net.forward(ds.X).shape == (ds.n,)


@settings(max_examples=min(5, N))
@given(st.sampled_from(["zczg", "azls", "nguyen"]), st.data())
def test_gaussian_inits_kinds(kind, data):
    net = data.draw(S.gaussian_inits(d=4, kind=kind))
    assert net.forward(torch.randn(3, 4, dtype=torch.float64)).shape[0] == 3


BAD = [
    (S.separated_datasets, dict(n=0), "n=0"),
    (S.separated_datasets, dict(d=1.5), "d=1.5"),
    (S.separated_datasets, dict(phi=-0.1), "phi=-0.1"),
    (S.separated_datasets, dict(phi=math.nan), "phi=nan"),
    (S.separated_datasets, dict(mu=1.0), "mu=1.0"),
    (S.separated_datasets, dict(label_aware="yes"), "label_aware='yes'"),
    (S.network_shapes, dict(min_width=16, max_width=8), "Cannot have max_width=8 < min_width=16"),
    (S.network_shapes, dict(min_depth=3, max_depth=2), "Cannot have max_depth=2 < min_depth=3"),
    (S.network_shapes, dict(kind="resnet"), "kind='resnet'"),
    (S.network_shapes, dict(min_width=5, max_width=5), "min_width=max_width=5"),
    (S.gaussian_inits, dict(d=0), "d=0"),
    (S.gaussian_inits, dict(d=3, widths=[8, 7]), "widths=[8, 7]"),
    (S.gaussian_inits, dict(kind="x"), "kind='x'"),
    (S.spectral_perturbations, dict(weights=[], tau=-1.0), "tau=-1.0"),
    (S.spectral_perturbations, dict(weights=[], tau=0.1, kind="big"), "kind='big'"),
    (S.spectral_perturbations, dict(weights=[], tau=0.1, kind="flip"), "needs X= and net="),
    (S.spectral_perturbations, dict(weights=[], tau=0.1, rank=0), "rank=0"),
    (S.losses, dict(classification_only=1), "classification_only=1"),
    (S.coefficient_vectors, dict(n=0), "n=0"),
    (S.coefficient_vectors, dict(n=3, kind="dense"), "kind='dense'"),
]


@pytest.mark.parametrize("strategy, kwargs, message", BAD, ids=[f"{s.__name__}-{m}" for s, _, m in BAD])
def test_bad_arguments(strategy, kwargs, message):
    with pytest.raises(InvalidArgument, match=__import__("re").escape(message)):
        strategy(**kwargs)


def test_shrinking_directions():
    """Minimal examples: fewest points, lowest dimension, largest default φ; τ-norm random
    perturbation at seed 0; one-hot coefficients; shallowest, narrowest shapes."""
    from hypothesis import find

    ds = find(S.separated_datasets(), lambda ds: True, settings=settings(database=None))
    assert (ds.n, ds.d, ds.phi, ds.seed) == (2, 2, 0.5, 0)
    assert find(S.network_shapes(min_width=8), lambda w: True, settings=settings(database=None)) == [8]
    a = find(S.coefficient_vectors(4), lambda a: True, settings=settings(database=None))
    assert int((a != 0).sum()) == 1
    D = find(S.spectral_perturbations(NET.weights, 0.3), lambda D: True, settings=settings(database=None))
    torch.testing.assert_close(torch.linalg.matrix_norm(D[0], ord=2), torch.tensor(0.3, dtype=torch.float64))


def test_dataset_generation_is_fast():
    """Issue 3 benchmark: drawing a data set with n = 256, d = 32 takes < 50 ms on CPU
    (median of 5 draws; measured ≈ 2 ms)."""
    import time

    times = []

    @settings(max_examples=5, derandomize=True, database=None)
    @given(st.data())
    def run(data):
        t = time.perf_counter()
        ds = data.draw(S.separated_datasets(n=256, d=32, phi=0.5))
        times.append(time.perf_counter() - t)
        assert ds.n == 256

    run()
    assert sorted(times)[len(times) // 2] < 0.05, times
