"""Engine step: full-batch GD on one wide net, with and without the trace, against the plain
PyTorch loop and the bare GEMMs of the same step.

Parameters: ``m`` ∈ {256, 1024} (1024 is the issue's target; 256 shows the overhead-bound end),
L = 5, n = 256, d = 32, float32 — the shape named in the benchmark issue (target 1).
"""
import torch

import overparam_verify as ov

from .common import LR, bare_gemms, best_of, dataset, gemm_flops, network, plain_loop, plain_model

STEPS = 5


class GDStep:
    params = [[256, 1024]]
    param_names = ["m"]
    timeout = 300

    def setup(self, m):
        torch.set_num_threads(2)
        X, y = dataset(256, 32)
        self.X, self.y = X.float(), y.float()
        self.net = network(32, 5, m)
        self.model, self.v = plain_model(self.net)

    def time_train_traced(self, m):
        ov.train(self.net, self.X, self.y, lr=LR, steps=STEPS)

    def time_train_untraced(self, m):
        ov.train(self.net, self.X, self.y, lr=LR, steps=STEPS, trace=False)

    def time_plain_loop(self, m):
        plain_loop(self.model, self.v, self.X, self.y, STEPS)

    def time_bare_gemms(self, m):
        bare_gemms(self.net, self.X, STEPS)

    def peakmem_train_traced(self, m):
        ov.train(self.net, self.X, self.y, lr=LR, steps=STEPS)

    def peakmem_plain_loop(self, m):
        plain_loop(self.model, self.v, self.X, self.y, STEPS)

    def track_trace_overhead_ratio(self, m):
        """Traced ov.train time / plain PyTorch loop time (target 1: ≤ 1.25 at m = 1024)."""
        a = best_of(lambda: ov.train(self.net, self.X, self.y, lr=LR, steps=STEPS))
        b = best_of(lambda: plain_loop(self.model, self.v, self.X, self.y, STEPS))
        return a / b

    track_trace_overhead_ratio.unit = "ratio"

    def track_gemm_fraction(self, m):
        """Fraction of the bare-GEMM throughput the untraced engine reaches (target 3: ≥ 1/1.1)."""
        g = best_of(lambda: bare_gemms(self.net, self.X, STEPS))
        e = best_of(lambda: ov.train(self.net, self.X, self.y, lr=LR, steps=STEPS, trace=False))
        return g / e

    track_gemm_fraction.unit = "fraction"

    def track_gemm_gflops(self, m):
        """Measured GFLOP/s of the bare GEMMs of one GD step."""
        g = best_of(lambda: bare_gemms(self.net, self.X, STEPS))
        return gemm_flops(self.net, 256, STEPS) / g / 1e9

    track_gemm_gflops.unit = "GFLOP/s"
