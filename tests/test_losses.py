"""Unit tests of ``overparam_verify.losses``: closed-form derivatives against autograd and the
constants of ZCZG 003 Assumptions 3.2 (|ℓ'| ≥ α₀ below x₀, ≥ α₁ℓ^p above), 3.3 (|ℓ'| ≤ ρ) and
3.4 (|ℓ''| ≤ λ), verified numerically on a dense grid, plus the tightness of each constant (the
constant cannot be improved: the bound is attained or approached on the grid)."""
from __future__ import annotations

import math

import pytest
import torch

import overparam_verify as ov
from overparam_verify.losses import CLASSIFICATION_LOSSES, LOSSES, empirical_loss_and_grad, get_loss

F64 = torch.float64
# Dense grid of margins, with the kinks (0, 1) and their float neighbours included exactly.
GRID = torch.cat(
    [
        torch.linspace(-30.0, 30.0, 600_001, dtype=F64),
        torch.tensor([0.0, 1.0, math.nextafter(1.0, 0.0), math.nextafter(1.0, 2.0), -1e-300, 1e-300], dtype=F64),
    ]
)
# Rounding slack for the inequalities (float64, values of order 1).
EPS = 1e-12


def _autograd_derivs(loss, x):
    x = x.clone().requires_grad_(True)
    v = loss.value(x)
    (d1,) = torch.autograd.grad(v.sum(), x, create_graph=True)
    (d2,) = torch.autograd.grad(d1.sum(), x, allow_unused=True) if d1.requires_grad else (None,)
    if d2 is None:
        d2 = torch.zeros_like(x)
    return d1.detach(), d2.detach()


@pytest.mark.parametrize("name", sorted(LOSSES))
def test_derivatives_match_autograd(name):
    """``deriv`` and ``deriv2`` are ℓ' and ℓ'' (autograd), including at the kinks, where the
    subgradient convention is autograd's (ℓ'(1) = 0 for the hinge, like σ'(0) = 0)."""
    lo = get_loss(name)
    x = GRID[::97].clone()  # ~6200 points plus the kinks
    x = torch.cat([x, GRID[-6:]])
    if name == "exponential":
        x = x.clamp(min=-30, max=30)
    d1, d2 = _autograd_derivs(lo, x)
    torch.testing.assert_close(lo.deriv(x), d1)
    torch.testing.assert_close(lo.deriv2(x), d2)


@pytest.mark.parametrize("name", sorted(CLASSIFICATION_LOSSES))
def test_assumption_3_2_lower_bound_on_grid(name):
    """003 Assumption 3.2: |ℓ'(x)| ≥ α₀ for x < x₀ and |ℓ'(x)| ≥ α₁ ℓ(x)^p for x ≥ x₀, with
    p ≤ 1 and α₀, α₁, p > 0 (x₀ may be −∞, then α₀ is unused)."""
    lo = get_loss(name)
    assert 0 < lo.p <= 1 and lo.alpha1 > 0
    assert lo.x0 < math.inf
    if lo.x0 > -math.inf:
        assert lo.alpha0 > 0
    x = GRID
    d = lo.deriv(x).abs()
    below = x < lo.x0
    if below.any():
        assert bool((d[below] >= lo.alpha0 * (1 - EPS)).all()), float(d[below].min())
    above = ~below
    rhs = lo.alpha1 * lo.value(x[above]) ** lo.p
    assert bool((d[above] >= rhs * (1 - EPS) - EPS).all()), float((rhs - d[above]).max())
    # deriv_lower_bound is exactly the right-hand side of the assumption
    lb = lo.deriv_lower_bound(x)
    assert bool((d >= lb * (1 - EPS) - EPS).all())


# Tightness: the constant cannot be improved (the worst ratio over the grid is the constant,
# to grid resolution). Each row: (loss, branch, where the infimum is approached).
@pytest.mark.parametrize(
    "name, expect",
    [
        # cross-entropy: −ℓ'(x) = 1/(1+eˣ) > 1/2 on x < 0, → 1/2 at 0⁻; |ℓ'|/ℓ increases on x ≥ 0
        # from 1/(2 log 2) at x = 0 to 1.
        ("logistic", dict(alpha0=0.5, alpha1=1 / (2 * math.log(2)))),
        # hinge: |ℓ'| = 1 on x < 1 (α₀ = 1 is the best); ℓ = 0 on x ≥ 1 (any α₁ > 0 works).
        ("hinge", dict(alpha0=1.0)),
        # squared hinge: |ℓ'| = 2(1−x)₊ = 2 ℓ^{1/2} exactly.
        ("squared_hinge", dict(alpha1=2.0)),
        # exponential: |ℓ'| = ℓ exactly.
        ("exponential", dict(alpha1=1.0)),
    ],
)
def test_assumption_3_2_constants_are_tight(name, expect):
    lo = get_loss(name)
    x = GRID
    d = lo.deriv(x).abs()
    if "alpha0" in expect:
        below = x < lo.x0
        assert lo.alpha0 == pytest.approx(expect["alpha0"], rel=1e-15)
        assert float(d[below].min()) == pytest.approx(lo.alpha0, rel=1e-4)
    if "alpha1" in expect:
        above = (x >= lo.x0) & (lo.value(x) > 0)
        ratio = d[above] / lo.value(x[above]) ** lo.p
        assert lo.alpha1 == pytest.approx(expect["alpha1"], rel=1e-15)
        assert float(ratio.min()) == pytest.approx(lo.alpha1, rel=1e-6)


@pytest.mark.parametrize("name", sorted(LOSSES))
def test_assumptions_3_3_and_3_4_lipschitz_and_smooth(name):
    """|ℓ'| ≤ ρ (Assumption 3.3) and |ℓ''| ≤ λ (3.4) on the grid, each bound approached (tight);
    ρ = ∞ / λ = ∞ only when |ℓ'| / |ℓ''| really is unbounded (grows without limit along x)."""
    lo = get_loss(name)
    x = GRID if name != "square" else torch.linspace(-1e6, 1e6, 200_001, dtype=F64)
    d1, d2 = lo.deriv(x).abs(), lo.deriv2(x).abs()
    far = torch.tensor([-1e4, 1e4], dtype=F64)
    for which, const, d, fn in (("rho", lo.rho, d1, lo.deriv), ("lam", lo.lam, d2, lo.deriv2)):
        if math.isinf(const):
            if name == "hinge" and which == "lam":
                # ℓ'' is a Dirac mass at the kink: not smooth; the a.e. second derivative is 0
                assert float(d.max()) == 0.0
                continue
            # unbounded: far out it exceeds any modest constant
            assert float(fn(far).abs().max()) > 1e3
        else:
            assert bool((d <= const * (1 + EPS)).all()), float(d.max())
            assert float(d.max()) == pytest.approx(const, rel=1e-6)


def test_constants_table():
    """The table in the module docstring (rounded values pinned, so a change is deliberate)."""
    t = {k: (v.x0, v.alpha0, v.alpha1, v.p, v.rho, v.lam) for k, v in LOSSES.items()}
    inf = math.inf
    assert t["hinge"] == (1.0, 1.0, 1.0, 1.0, 1.0, inf)
    assert t["squared_hinge"][0] == -inf and t["squared_hinge"][2:] == (2.0, 0.5, inf, 2.0)
    assert t["exponential"][0] == -inf and t["exponential"][2:] == (1.0, 1.0, inf, inf)
    assert t["logistic"] == (0.0, 0.5, 1 / (2 * math.log(2)), 1.0, 1.0, 0.25)
    assert LOSSES["square"].lam == 1.0 and not LOSSES["square"].classification
    assert set(CLASSIFICATION_LOSSES) == {"logistic", "hinge", "squared_hinge", "exponential"}


@pytest.mark.parametrize("name, ell0", [("logistic", math.log(2)), ("hinge", 1.0), ("squared_hinge", 1.0), ("exponential", 1.0)])
def test_ell0(name, ell0):
    """ℓ(0), the threshold of 003 Corollary 4.4."""
    assert get_loss(name).ell0() == pytest.approx(ell0, rel=1e-15)


def test_logistic_is_stable_for_large_margins():
    lo = get_loss("logistic")
    x = torch.tensor([-800.0, 800.0], dtype=F64)
    v = lo.value(x)
    assert torch.isfinite(v).all() and v[0] == pytest.approx(800.0) and v[1] >= 0
    assert torch.isfinite(lo.deriv(x)).all() and torch.isfinite(lo.deriv2(x)).all()


@pytest.mark.parametrize("bad", ["nope", None, 3, "Logistic"])
def test_get_loss_unknown_name(bad):
    with pytest.raises(ValueError, match="unknown loss"):
        get_loss(bad)


def test_get_loss_passes_loss_objects_through():
    lo = LOSSES["hinge"]
    assert get_loss(lo) is lo and ov.get_loss("hinge") is lo


@pytest.mark.parametrize("name", sorted(CLASSIFICATION_LOSSES))
def test_empirical_loss_is_a_mean_with_its_gradient(name):
    """L_S = (1/n) Σ ℓ(y_i ŷ_i) (003 eq. 3.1) and dL/dŷ from autograd, with a leading axis."""
    lo = get_loss(name)
    g = torch.Generator().manual_seed(3)
    out = torch.randn(2, 7, generator=g, dtype=F64).requires_grad_(True)
    y = torch.where(torch.rand(2, 7, generator=g) < 0.5, -1.0, 1.0).to(F64)
    L, gr, margin = empirical_loss_and_grad(lo, out, y)
    ref = torch.stack([sum(lo.value(y[k, i] * out[k, i]) for i in range(7)) / 7 for k in range(2)])
    torch.testing.assert_close(L, ref)
    (auto,) = torch.autograd.grad(L.sum(), out)
    torch.testing.assert_close(gr, auto)
    torch.testing.assert_close(margin, (y * out).detach())


@pytest.mark.parametrize("vector_output", [False, True])
def test_empirical_square_loss_is_a_sum(vector_output):
    """Square loss Σ_i ½‖ŷ_i − y_i‖² (002 Section 2, 001 eq. 1): a sum, not a mean."""
    lo = get_loss("square")
    g = torch.Generator().manual_seed(4)
    shape = (5, 3) if vector_output else (5,)
    out = torch.randn(*shape, generator=g, dtype=F64).requires_grad_(True)
    y = torch.randn(*shape, generator=g, dtype=F64)
    L, gr, _ = empirical_loss_and_grad(lo, out, y, vector_output=vector_output)
    torch.testing.assert_close(L, 0.5 * ((out - y) ** 2).sum())
    (auto,) = torch.autograd.grad(L, out)
    torch.testing.assert_close(gr, auto)
