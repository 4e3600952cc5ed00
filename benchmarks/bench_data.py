"""Data generation: φ-separated data sets (003 Assumption 3.6) at the sizes the strategies draw.
(n, d) ∈ {(64, 8), (256, 32)}; the issue asks for n = 256, d = 32 under 50 ms."""
import overparam_verify as ov


class SeparatedSphere:
    params = [[(64, 8), (256, 32)], [True, False]]
    param_names = ["n_d", "all_pairs"]

    def time_separated_sphere(self, n_d, all_pairs):
        n, d = n_d
        ov.data.separated_sphere(n, d, 0.5, all_pairs=all_pairs, seed=1)

    def time_separated_sphere_mu(self, n_d, all_pairs):
        n, d = n_d
        ov.data.separated_sphere(n, d, 0.5, mu=ov.data.AZLS_MU, all_pairs=all_pairs, seed=1)
