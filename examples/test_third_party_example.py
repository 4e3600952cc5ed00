"""A third-party style test suite: uses overparam_verify's strategies and the pytest plugin
(fixtures ``ov_small_dataset`` / ``ov_small_net``, marker ``lemma``, profiles) as an installed package."""
from __future__ import annotations

import torch
from hypothesis import given, settings, strategies as st

import overparam_verify as ov
from overparam_verify import strategies as ovst

# tie the input dimension between the data set and the network
D = st.shared(st.integers(2, 6), key="example-d")


@settings(max_examples=min(10, settings().max_examples))
@given(data=ovst.separated_datasets(n=st.integers(2, 10), d=D, phi=0.2, mu=ov.data.AZLS_MU),
       net=ovst.gaussian_inits(d=D, widths=ovst.network_shapes(max_depth=2, max_width=16)))
@__import__("pytest").mark.lemma("ZCZG-asm3.6")
def test_forward_is_finite_on_separated_data(data, net):
    out = net.forward(data.X)
    assert out.shape == (data.n,) and torch.isfinite(out).all()


@settings(max_examples=min(10, settings().max_examples))
@given(tau=st.floats(0.0, 0.5), data=st.data())
def test_perturbed_net_stays_close(ov_small_dataset, ov_small_net, tau, data):
    """‖f_{W+Δ} − f_W‖ is finite and zero at τ = 0 (a toy property using the perturbation strategy)."""
    X, _ = ov_small_dataset
    deltas = data.draw(ovst.spectral_perturbations(ov_small_net.weights, tau, kind="random"))
    new = ov_small_net.with_trainable([W + d for W, d in zip(ov_small_net.weights, deltas)])
    gap = (new.forward(X) - ov_small_net.forward(X)).abs().max()
    assert torch.isfinite(gap) and (tau > 0 or gap == 0)


@settings(max_examples=min(10, settings().max_examples))
@given(a=ovst.coefficient_vectors(8), loss=ovst.losses(classification_only=True))
def test_loss_derivative_nonpositive(a, loss):
    assert (loss.deriv(a) <= 0).all()
