"""Trace metrics: the exact spectral distance ‖W⁽ᵏ⁾ − W⁽⁰⁾‖₂, warm-started vs cold, against
LAPACK's dense ``matrix_norm(·, 2)`` (the 14× slow path the engine avoids).

``m`` ∈ {256, 1024}: the widths where dense SVD goes from cheap to dominant.
"""
import torch

from overparam_verify.metrics import SpectralState, sign_changes, spectral_norm

from .common import SEED


class SpectralDistance:
    params = [[256, 1024]]
    param_names = ["m"]

    def setup(self, m):
        torch.set_num_threads(2)
        g = torch.Generator().manual_seed(SEED)
        self.D = torch.randn(m, m, generator=g) * 1e-2
        self.step = torch.randn(m, m, generator=g) * 1e-4
        self.state = SpectralState()
        spectral_norm(self.D, self.state)

    def time_dense_matrix_norm(self, m):
        torch.linalg.matrix_norm(self.D, ord=2)

    def time_spectral_cold(self, m):
        spectral_norm(self.D)

    def time_spectral_warm(self, m):
        # One GD-like step away from the last call: what the trainer does every step.
        spectral_norm(self.D + self.step, self.state)


class SignChanges:
    params = [[256, 1024]]
    param_names = ["m"]

    def setup(self, m):
        g = torch.Generator().manual_seed(SEED)
        self.a = torch.randn(256, m, generator=g) > 0
        self.b = torch.randn(256, m, generator=g) > 0

    def time_sign_changes(self, m):
        sign_changes(self.a, self.b)
