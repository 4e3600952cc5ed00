"""Ensembles: K small nets (n = 20, d = 8, L = 3, m = 128) by ``train_ensemble`` against K
sequential plain PyTorch loops (target 2: ≥ 5× faster at K = 32). K ∈ {8, 32}."""
import torch

import overparam_verify as ov

from .common import LR, SEED, best_of, plain_loop, plain_model

STEPS = 20


class Ensemble:
    params = [[8, 32]]
    param_names = ["K"]
    timeout = 300

    def setup(self, K):
        torch.set_num_threads(2)
        data = [ov.data.separated_sphere(20, 8, 0.2, seed=SEED + k) for k in range(K)]
        self.X = torch.stack([d[0] for d in data]).float()
        self.y = torch.stack([d[1] for d in data]).float()
        self.nets = [ov.DeepReLUNet.gaussian_init(8, [128] * 3, seed=SEED + k, dtype=torch.float32) for k in range(K)]
        self.plain = [plain_model(nt) for nt in self.nets]

    def time_train_ensemble(self, K):
        ov.train_ensemble(self.nets, self.X, self.y, lr=LR, steps=STEPS, trace=False)

    def time_train_ensemble_traced(self, K):
        ov.train_ensemble(self.nets, self.X, self.y, lr=LR, steps=STEPS)

    def time_sequential_plain(self, K):
        for k, (model, v) in enumerate(self.plain):
            plain_loop(model, v, self.X[k], self.y[k], STEPS)

    def track_speedup(self, K):
        """Sequential plain loops time / train_ensemble time (target 2: ≥ 5 at K = 32)."""
        a = best_of(lambda: self.time_sequential_plain(K))
        b = best_of(lambda: self.time_train_ensemble(K))
        return a / b

    track_speedup.unit = "ratio"
