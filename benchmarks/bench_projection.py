"""Projection onto the spectral ball ``{‖Δ‖₂ ≤ τ}`` (issue 14): the nearest point (singular values
clipped at τ) of one projected-ascent iterate ``D = P + c·G`` (``‖P‖₂ ≤ τ``, a previous clip;
rank G = 4), by the Lanczos clip of ``metrics.perturbation.project_spectral_ball`` (only the
singular triplets above τ, verified) against the dense SVD clip, at m = 1024 and 1536, float64.

``python -m benchmarks.bench_projection`` prints both times (process CPU, one thread). Measured
on 2 shared cores (1 thread, float64), this iterate (a plateau of singular values at τ, the
slow case for Lanczos): dense SVD clip 0.89 s at 1024 and 2.51 s at 1536, the Lanczos clip
0.25 s and 1.17 s (the two agree to 1e-17); on iterates without the plateau (P a random matrix
rescaled to norm τ) 0.10-0.15 s and 0.41-0.60 s against 0.69-0.74 s and 2.2-2.4 s."""
import time

import torch

from overparam_verify.metrics import perturbation as mp

TAU = 0.01


def iterate(m: int, rank: int = 4, seed: int = 0) -> torch.Tensor:
    """``P + c·G``: P a random matrix scaled to ‖P‖₂ = 1.5τ and clipped (a plateau at τ), G rank 4."""
    g = torch.Generator().manual_seed(seed)
    P = torch.randn(m, m, generator=g, dtype=torch.float64)
    P = mp._clip_dense(P * (1.5 * TAU / float(torch.linalg.matrix_norm(P, ord=2))), TAU)
    G = torch.randn(m, rank, generator=g, dtype=torch.float64) @ torch.randn(rank, m, generator=g, dtype=torch.float64)
    return P + TAU * G / G.norm()


class ProjectSpectralBall:
    params = [[1024, 1536]]
    param_names = ["m"]
    timeout = 300

    def setup(self, m):
        torch.set_num_threads(1)
        self.D = iterate(m)

    def time_lanczos_clip(self, m):
        mp.project_spectral_ball(self.D, TAU, rank=4)

    def time_lanczos_clip_no_rank(self, m):
        mp.project_spectral_ball(self.D, TAU)

    def time_dense_svd_clip(self, m):
        mp._clip_dense(self.D, TAU)


def main() -> None:
    torch.set_num_threads(1)
    for m in (1024, 1536):
        D = iterate(m)
        mp.project_spectral_ball(D, TAU)  # imports
        t = time.process_time()
        A = mp.project_spectral_ball(D, TAU, rank=4)
        t1 = time.process_time() - t
        t = time.process_time()
        B = mp._clip_dense(D, TAU)
        t2 = time.process_time() - t
        print(f"m={m}: lanczos clip {t1:.3f} s, dense SVD clip {t2:.3f} s, max |diff| {float((A - B).abs().max()):.2e}")


if __name__ == "__main__":
    main()
