"""Side-by-side comparison of the engine with plain PyTorch, in one run, as ratios.

    python -m benchmarks.compare [--steps 10] [--repeat 3] [--device cpu|cuda] [--json F] [--profile]
                                 [--draws 100] [--no-batched]

Prints the five targets of the benchmark issue and issue 12's batched and NTK rows:

1. traced ``ov.train`` (float32, n=256, d=32, L=5, m=1024, logistic, GD, every trace quantity
   at every step) / a plain ``nn.Sequential`` + autograd + ``optim.SGD`` loop   (target ≤ 1.25)
2. 32 sequential plain loops / ``train_ensemble`` of 32 small nets               (target ≥ 5)
3. untraced ``ov.train`` / its bare GEMMs, and the fraction of GEMM throughput  (target ≤ 1.1)
4. peak memory of 1 / of the plain loop (each in a fresh subprocess)             (target ≤ 1.5)
5. on CUDA: step time and the fraction of the GPU's measured matmul throughput.
6. (issue 12 target 3) a catalogue cell of R = 100 draws at m = 1024, L = 8: the per-draw loop
   / :mod:`overparam_verify.batched` (target ≥ 5), the share of the loop spent in the per-seed
   draws (a floor both paths share), and Lemma A.8's layer-product norms per draw / batched
7. (issue 12 target 4) ``ntk_gram`` via ``jacrev`` / structured, n = 64, d = 16, [256]*3 (≥ 50)

Timings interleave the contenders and keep the best of ``--repeat`` rounds, so a shared,
noisy machine biases both sides alike.
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time

import torch

import overparam_verify as ov

from .common import LR, SEED, bare_gemms, dataset, gemm_flops, network, plain_loop, plain_model


def _sync(device):
    if str(device).startswith("cuda"):
        torch.cuda.synchronize()


def _interleaved(fns: dict, repeat: int, device) -> dict:
    best = {k: float("inf") for k in fns}
    for _ in range(repeat):
        for k, f in fns.items():
            _sync(device)
            t = time.perf_counter()
            f()
            _sync(device)
            best[k] = min(best[k], time.perf_counter() - t)
    return best


def wide(steps: int, repeat: int, device: str) -> dict:
    X, y = dataset(256, 32)
    X, y = X.float().to(device), y.float().to(device)
    net = network(32, 5, 1024).to(device=device)
    model, v = plain_model(net.to(device="cpu"))
    model, v = model.to(device), v.to(device)
    fns = {
        "plain": lambda: plain_loop(model, v, X, y, steps),
        "traced": lambda: ov.train(net, X, y, lr=LR, steps=steps),
        "untraced": lambda: ov.train(net, X, y, lr=LR, steps=steps, trace=False),
        "gemms": lambda: bare_gemms(net, X, steps),
    }
    for f in fns.values():  # warm up
        f()
    t = _interleaved(fns, repeat, device)
    flops = gemm_flops(net, 256, steps)
    return {
        "times_s": t,
        "trace_ratio": t["traced"] / t["plain"],
        "untraced_over_gemms": t["untraced"] / t["gemms"],
        "plain_over_gemms": t["plain"] / t["gemms"],
        "gemm_gflops": flops / t["gemms"] / 1e9,
        "engine_gemm_fraction": t["gemms"] / t["untraced"],
        "step_ms_traced": 1e3 * t["traced"] / steps,
    }


def ensemble(steps: int, repeat: int, K: int = 32) -> dict:
    data = [ov.data.separated_sphere(20, 8, 0.2, seed=SEED + k) for k in range(K)]
    X = torch.stack([d[0] for d in data]).float()
    y = torch.stack([d[1] for d in data]).float()
    nets = [ov.DeepReLUNet.gaussian_init(8, [128] * 3, seed=SEED + k, dtype=torch.float32) for k in range(K)]
    plain = [plain_model(nt) for nt in nets]

    def seq():
        for k, (model, v) in enumerate(plain):
            plain_loop(model, v, X[k], y[k], steps)

    fns = {
        "sequential_plain": seq,
        "ensemble": lambda: ov.train_ensemble(nets, X, y, lr=LR, steps=steps, trace=False),
        "ensemble_traced": lambda: ov.train_ensemble(nets, X, y, lr=LR, steps=steps),
    }
    for f in fns.values():
        f()
    t = _interleaved(fns, repeat, "cpu")
    return {
        "times_s": t,
        "speedup": t["sequential_plain"] / t["ensemble"],
        "speedup_traced": t["sequential_plain"] / t["ensemble_traced"],
    }


_MEM_SNIPPET = r"""
import gc, sys, torch
torch.set_num_threads(2)
from benchmarks.common import dataset, network, plain_model, plain_loop, LR
import overparam_verify as ov
X, y = dataset(256, 32); X, y = X.float(), y.float()
net = network(32, 5, 1024)
model, v = plain_model(net)
def rss_kib(field):
    for line in open("/proc/self/status"):
        if line.startswith(field):
            return int(line.split()[1])
gc.collect()
base = rss_kib("VmRSS:")
with open("/proc/self/clear_refs", "w") as f:  # reset the high-water mark VmHWM to the current RSS
    f.write("5")
if sys.argv[1] == "plain":
    plain_loop(model, v, X, y, 5)
else:
    ov.train(net, X, y, lr=LR, steps=5)
peak = rss_kib("VmHWM:")
print(peak - base, peak)
"""


def memory() -> dict:
    out = {}
    for who in ("plain", "traced"):
        r = subprocess.run([sys.executable, "-c", _MEM_SNIPPET, who], capture_output=True, text=True, check=True)
        delta, peak = map(int, r.stdout.split())
        out[who] = {"delta_kib": delta, "peak_kib": peak}
    out["ratio_delta"] = out["traced"]["delta_kib"] / max(1, out["plain"]["delta_kib"])
    out["ratio_peak"] = out["traced"]["peak_kib"] / max(1, out["plain"]["peak_kib"])
    return out


def cuda_matmul_tflops() -> float:
    a = torch.randn(8192, 8192, device="cuda")
    b = torch.randn(8192, 8192, device="cuda")
    for _ in range(3):
        a @ b
    torch.cuda.synchronize()
    t = time.perf_counter()
    for _ in range(10):
        a @ b
    torch.cuda.synchronize()
    return 10 * 2 * 8192**3 / (time.perf_counter() - t) / 1e12


def profile_wide(steps: int, rows: int = 12) -> None:
    """torch.profiler tables (self CPU time) of target 1's contenders: where the traced run's
    extra time goes (the thin GEMMs of the warm-started subspace iteration, the memory-bound
    passes over W_l − W_l⁽⁰⁾ and the gradients, the extra forward/backward that records step K)."""
    from torch.profiler import ProfilerActivity, profile

    X, y = dataset(256, 32)
    X, y = X.float(), y.float()
    net = network(32, 5, 1024)
    model, v = plain_model(net)
    fns = {
        "traced ov.train": lambda: ov.train(net, X, y, lr=LR, steps=steps),
        "untraced ov.train": lambda: ov.train(net, X, y, lr=LR, steps=steps, trace=False),
        "plain loop": lambda: plain_loop(model, v, X, y, steps),
        "bare GEMMs": lambda: bare_gemms(net, X, steps),
    }
    for name, f in fns.items():
        f()
        with profile(activities=[ProfilerActivity.CPU]) as prof:
            f()
        print(f"\n== {name} ({steps} steps)")
        print(prof.key_averages().table(sort_by="self_cpu_time_total", row_limit=rows))


def batched(R: int, repeat: int) -> dict:
    """Issue 12 targets 3–4, side by side: a catalogue cell of R draws (m = 1024, L = 8, n = 4;
    one intra-op thread, as the cells run) per draw vs batched, the share of the per-draw loop
    spent in the per-seed draws, Lemma A.8's layer-product norms for one draw, and the NTK."""
    from . import bench_batched as bb

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        seeds = list(range(SEED, SEED + R))
        cell = _interleaved({
            "per_draw_loop": lambda: bb.loop_cell(seeds, 1024, 8),
            "batched": lambda: bb.batched_cell(seeds, 1024, 8),
            "draws_only": lambda: bb.draws_only(seeds, 1024, 8),
        }, 1, "cpu")
        X, _ = ov.data.separated_sphere(2, 10, 0.3, seed=SEED)
        one = ov.DeepReLUNet.gaussian_init(10, [1024] * 8, seed=SEED)
        pats = one.forward_trace(X).patterns
        stacked = bb.B.draws(lambda seed: ov.DeepReLUNet.gaussian_init(10, [1024] * 8, seed=seed), [SEED])
        a8 = _interleaved({
            "per_draw": lambda: ov.metrics.zczg_a8_norms(one.weights, pats),
            "batched": lambda: bb.B.layer_product_norms(stacked, X),
        }, 1, "cpu")
    finally:
        torch.set_num_threads(threads)
    ntk = ntk_times(repeat)
    ntk1 = ntk_times(repeat, threads=1)
    return {
        "R": R, "cell_times_s": cell, "cell_speedup": cell["per_draw_loop"] / cell["batched"],
        "draw_fraction": cell["draws_only"] / cell["per_draw_loop"],
        "a8_times_s": a8, "a8_speedup": a8["per_draw"] / a8["batched"],
        "ntk_times_s": ntk, "ntk_speedup": ntk["jacrev"] / ntk["structured"],
        "ntk_times_s_1thread": ntk1, "ntk_speedup_1thread": ntk1["jacrev"] / ntk1["structured"],
    }


def ntk_times(repeat: int, threads: int | None = None) -> dict:
    """Best times of ``ntk_gram`` via jacrev and structured (n = 64, d = 16, ZCZG [256]*3, float64),
    interleaved; the structured one timed over 10 calls. ``threads`` overrides torch's for the run."""
    from overparam_verify.metrics.core import ntk_gram, ntk_gram_jacrev

    old = torch.get_num_threads()
    if threads is not None:
        torch.set_num_threads(threads)
    try:
        Xn, _ = dataset(64, 16)
        net = ov.DeepReLUNet.gaussian_init(16, [256] * 3, seed=SEED)
        ntk_gram(net, Xn), ntk_gram_jacrev(net, Xn)
        ntk = _interleaved({"jacrev": lambda: ntk_gram_jacrev(net, Xn),
                            "structured_x10": lambda: [ntk_gram(net, Xn) for _ in range(10)]}, max(repeat, 5), "cpu")
    finally:
        torch.set_num_threads(old)
    ntk["structured"] = ntk.pop("structured_x10") / 10
    return ntk


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--steps", type=int, default=10)
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--device", default="cpu")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--json", default=None)
    p.add_argument("--profile", action="store_true", help="print torch.profiler tables of target 1 instead")
    p.add_argument("--draws", type=int, default=100, help="R of the batched-draws cell (issue 12 target 3)")
    p.add_argument("--no-batched", action="store_true", help="skip issue 12's batched-draws and NTK rows")
    a = p.parse_args(argv)
    torch.set_num_threads(a.threads)
    torch.set_float32_matmul_precision("highest")
    if a.profile:
        profile_wide(a.steps)
        return 0
    res = {"device": a.device, "threads": a.threads, "torch": torch.__version__}
    res["wide"] = w = wide(a.steps, a.repeat, a.device)
    rows = [
        ("1. traced train / plain loop", f"{w['trace_ratio']:.3f}", "<= 1.25"),
        ("3. untraced train / bare GEMMs", f"{w['untraced_over_gemms']:.3f}", "<= 1.10"),
        ("3. (for scale: plain loop / bare GEMMs)", f"{w['plain_over_gemms']:.3f}", ""),
        ("3. engine GEMM fraction (of measured GEMM GFLOP/s)", f"{w['engine_gemm_fraction']:.3f} of {w['gemm_gflops']:.1f}", ">= 0.91"),
    ]
    if a.device == "cpu":
        res["ensemble"] = e = ensemble(2 * a.steps, a.repeat)
        rows.insert(1, ("2. 32 plain loops / train_ensemble", f"{e['speedup']:.2f}", ">= 5"))
        rows.insert(2, ("2. (same, ensemble recording the full trace)", f"{e['speedup_traced']:.2f}", ""))
        res["memory"] = mem = memory()
        rows.append(("4. peak memory traced / plain (delta over setup)", f"{mem['ratio_delta']:.3f}", "<= 1.5"))
        rows.append(("4. peak RSS traced / plain (whole process)", f"{mem['ratio_peak']:.3f}", "<= 1.5"))
        if not a.no_batched:
            res["batched"] = b = batched(a.draws, a.repeat)
            rows.append((f"6. cell of R={b['R']} draws, m=1024, L=8: per-draw loop / batched",
                         f"{b['cell_speedup']:.2f}", ">= 5"))
            rows.append(("6. (share of the per-draw loop in the per-seed draws)", f"{b['draw_fraction']:.2f}", ""))
            rows.append(("6. A.8 layer-product norms, one draw: per-draw / batched", f"{b['a8_speedup']:.2f}", ""))
            rows.append(("7. NTK n=64, d=16, [256]*3: jacrev / structured", f"{b['ntk_speedup']:.1f}", ">= 50"))
            rows.append(("7. (same, one intra-op thread)", f"{b['ntk_speedup_1thread']:.1f}", ""))
    else:
        tf = cuda_matmul_tflops()
        achieved = gemm_flops(network(32, 5, 1024), 256, a.steps) / w["times_s"]["untraced"] / 1e12
        res["cuda"] = {"matmul_tflops": tf, "engine_tflops": achieved, "fraction": achieved / tf}
        rows.append(("5. CUDA step time traced (ms)", f"{w['step_ms_traced']:.2f}", ""))
        rows.append(("5. CUDA fraction of measured matmul TFLOP/s", f"{achieved / tf:.3f} of {tf:.1f}", ""))
    width = max(len(r[0]) for r in rows)
    print(f"{'target'.ljust(width)}  {'measured':>24}  goal")
    for name, val, goal in rows:
        print(f"{name.ljust(width)}  {val:>24}  {goal}")
    if a.json:
        with open(a.json, "w") as f:
            json.dump(res, f, indent=2, default=float)
    return 0


if __name__ == "__main__":
    sys.exit(main())
