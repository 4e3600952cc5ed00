"""Redraw Figures 1–3 of ZCZG 000 (Section 6, "Experiments").

ZCZG 000 §6: a fully-connected ReLU network with L = 15 hidden layers of width m (the
network of §3 / 003 §3.1: ``f_W(x) = vᵀσ(W_Lᵀ ⋯ σ(W_1ᵀx))``, He initialisation, v = ±1 fixed),
trained by full-batch GD (000 Algorithm 1) with the cross-entropy loss on a binary task
(MNIST 3 vs 8, CIFAR-10 cat vs ship) with one small step size η fixed across widths. Plotted
against the iteration k:

* Fig. 1 — the training loss L_S(W⁽ᵏ⁾) for several widths m (wider ⇒ faster);
* Fig. 2 — the distance of the iterate from the initialisation (the paper does not name the
  norm; we plot the Frobenius distance ‖W⁽ᵏ⁾ − W⁽⁰⁾‖_F over all layers and record the largest
  per-layer spectral distance max_l ‖W_l⁽ᵏ⁾ − W_l⁽⁰⁾‖₂, the quantity of the perturbation region
  in 000 Lemma 5.2/5.3, beside it);
* Fig. 3 — the activation pattern difference ratio: the number of (sample, hidden node) pairs
  whose ReLU activation status differs from initialisation, over n·Σ_l m_l.

Default data: scikit-learn's 8×8 digits, 3 vs 8 (see :mod:`overparam_verify.loaders`).
"""
from __future__ import annotations

import contextlib
import json
import math
import os
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import torch

__all__ = ["ReproduceConfig", "QUICK", "FULL", "run", "plot_figures", "reproduce"]


@dataclass
class ReproduceConfig:
    """Settings of the experiment (000 §6: L = 15, GD, cross-entropy, one fixed η)."""

    widths: list[int] = field(default_factory=lambda: [128, 256, 512, 1024])
    depth: int = 15
    steps: int = 1000
    lr: float = 1e-3
    data: str = "digits"
    data_path: str | None = None
    max_samples: int | None = None
    record_every: int = 10
    seed: int = 0
    mu: float = 1.0 / math.sqrt(2.0)
    dtype: str = "float64"
    device: str = "cpu"

    def validate(self) -> None:
        if not self.widths:
            raise ValueError("widths must be a non-empty list of positive even integers")
        for m in self.widths:
            if int(m) != m or m < 2 or m % 2:
                raise ValueError(f"every width must be an even integer ≥ 2 (v = ±1 balanced), got {m!r}")
        if len(set(self.widths)) != len(self.widths):
            raise ValueError(f"widths must be distinct, got {self.widths}")
        if int(self.depth) != self.depth or self.depth < 1:
            raise ValueError(f"depth must be a positive integer, got {self.depth!r}")
        if int(self.steps) != self.steps or self.steps < 1:
            raise ValueError(f"steps must be a positive integer, got {self.steps!r}")
        if not (self.lr > 0 and math.isfinite(self.lr)):
            raise ValueError(f"the step size lr must be a positive finite number, got {self.lr!r}")
        if int(self.record_every) != self.record_every or self.record_every < 1:
            raise ValueError(f"record_every must be a positive integer, got {self.record_every!r}")
        if self.dtype not in ("float32", "float64"):
            raise ValueError(f"dtype must be float32 or float64, got {self.dtype!r}")
        if self.device not in ("cpu", "cuda") and not str(self.device).startswith("cuda:"):
            raise ValueError(f"device must be cpu or cuda, got {self.device!r}")
        if str(self.device).startswith("cuda") and not torch.cuda.is_available():
            raise ValueError("device cuda requested but CUDA is not available (torch.cuda.is_available() is False)")


#: --quick: < 5 min on 2 shared CPU cores
QUICK = dict(widths=[128, 256, 512, 1024], steps=300, record_every=10, lr=1e-3, dtype="float32")
#: the default (no --quick)
FULL = dict(widths=[128, 256, 512, 1024, 2048], steps=1000, record_every=20, lr=1e-3, dtype="float32")


class _StepCounter:
    """Per-step progress of :func:`overparam_verify.train` (which has no callback): GD makes one
    full-batch forward pass per step, so counting the network class's ``_forward`` calls while one
    width trains counts its steps. ``on_step(k)`` is called every ``every`` steps."""

    def __init__(self, cls, every: int, on_step):
        self.cls, self.every, self.on_step, self.k = cls, max(1, int(every)), on_step, 0

    def __enter__(self):
        orig = self.cls.__dict__.get("_forward")
        base = orig if orig is not None else self.cls._forward
        self._orig = orig
        counter = self

        def _forward(net, *a, **kw):
            out = base(net, *a, **kw)
            if kw.get("keep") == "outputs":
                if counter.k and counter.k % counter.every == 0:
                    counter.on_step(counter.k)
                counter.k += 1
            return out

        self.cls._forward = _forward
        return self

    def __exit__(self, *exc):
        if self._orig is not None:
            self.cls._forward = self._orig
        else:
            del self.cls._forward
        return False


def run(cfg: ReproduceConfig, *, progress=None, on_step=None) -> dict:
    """Train one depth-``cfg.depth`` net per width on the same data; return
    ``{str(m): {"steps", "loss", "distance", "distance_spectral", "activation_change_ratio",
    "train_error", "seconds"}}``. ``progress(m, result)`` after each width (the caller may
    persist it at once); ``on_step(m, k, steps, seconds)`` about every tenth of the steps."""
    import overparam_verify as ov
    from .loaders import load_binary

    cfg.validate()
    X, y = load_binary(cfg.data, cfg.data_path, max_samples=cfg.max_samples, mu=cfg.mu, seed=cfg.seed)
    n, d = X.shape
    dtype = torch.float32 if cfg.dtype == "float32" else torch.float64
    out: dict[str, dict] = {}
    for m in cfg.widths:
        t0 = time.perf_counter()
        widths = [int(m)] * int(cfg.depth)
        net = ov.DeepReLUNet.gaussian_init(d, widths, seed=cfg.seed)
        every = max(1, int(cfg.steps) // 10)
        counter = (_StepCounter(type(net), every, lambda k, m=m, t0=t0: on_step(m, k, int(cfg.steps),
                                                                          time.perf_counter() - t0))
                   if on_step is not None else contextlib.nullcontext())
        try:
            with counter:
                _, tr = ov.train(net, X, y, loss="logistic", lr=cfg.lr, steps=int(cfg.steps),
                                 record_every=int(cfg.record_every), seed=cfg.seed, trace=True,
                                 dtype=dtype, device=cfg.device)
            diverged = False
        except ov.training.TrainingDivergedError as exc:  # keep the trace so far
            tr, diverged = exc.trace, True
        # Fig. 2: ‖W − W⁽⁰⁾‖_F over all layers; spectral: max_l ‖W_l − W_l⁽⁰⁾‖₂
        dist = torch.sqrt((tr.dist_frobenius ** 2).sum(dim=1))  # (R,)
        dist_spec = tr.dist_spectral.max(dim=1).values  # (R,)
        # Fig. 3: changed (sample, node) signs / (n · Σ_l m_l)
        ratio = tr.sign_changes.sum(dim=1).double() / (n * sum(widths))  # (R,)
        out[str(m)] = {
            "steps": [int(s) for s in tr.steps],
            "loss": [float(v) for v in tr.loss],
            "distance": [float(v) for v in dist],
            "distance_spectral": [float(v) for v in dist_spec],
            "activation_change_ratio": [float(v) for v in ratio],
            "train_error": [float(v) for v in tr.train_error],
            "diverged": diverged,
            "seconds": time.perf_counter() - t0,
        }
        if progress is not None:
            progress(m, out[str(m)])
    return out


def plot_figures(results: dict, cfg: ReproduceConfig, out: Path) -> list[Path]:
    """fig1.png (loss), fig2.png (distance from init), fig3.png (activation change ratio)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    title = f"{cfg.data} 3 vs 8, L={cfg.depth}, GD η={cfg.lr:g}, cross-entropy"
    specs = [
        ("fig1.png", "loss", "training loss", True, "Fig. 1: training loss"),
        ("fig2.png", "distance", r"$\|W^{(k)} - W^{(0)}\|_F$", False, "Fig. 2: distance from initialization"),
        ("fig3.png", "activation_change_ratio", "activation pattern difference ratio", False,
         "Fig. 3: activation pattern difference ratio"),
    ]
    paths = []
    for fname, key, ylabel, logy, head in specs:
        fig, ax = plt.subplots(figsize=(5.5, 4.0))
        for m, r in results.items():
            ax.plot(r["steps"], r[key], label=f"m = {m}")
        if logy:
            ax.set_yscale("log")
        ax.set_xlabel("iteration")
        ax.set_ylabel(ylabel)
        ax.set_title(f"{head}\n{title}", fontsize=9)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
        fig.tight_layout()
        p = out / fname
        fig.savefig(p, dpi=110)
        plt.close(fig)
        paths.append(p)
    return paths


def _write_json(path: Path, payload: dict) -> None:
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(payload, indent=1))
    os.replace(tmp, path)  # atomic: an interrupt never leaves half a file


def reproduce(cfg: ReproduceConfig, out: str | Path, *, progress=None, on_step=None) -> dict:
    """Validate, create ``out`` (and check it is writable) before training, run, and write
    ``results.json`` as each width ends (``"complete": false`` until the last), then fig1–3.png.
    Returns the payload. ``ValueError`` for a bad config or an unusable ``out`` (nothing trained)."""
    cfg.validate()
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise ValueError(f"--out {str(out)!r} exists and is not a directory")
    try:
        out.mkdir(parents=True, exist_ok=True)
        probe = out / ".ov-probe"
        probe.write_text("")
        probe.unlink()
    except OSError as exc:
        raise ValueError(f"--out {str(out)!r} is not a writable directory ({exc.strerror or exc})") from None
    t0 = time.perf_counter()
    done: dict[str, dict] = {}

    def each(m, r):
        done[str(m)] = r
        _write_json(out / "results.json", {**done, "config": asdict(cfg), "complete": False,
                                           "seconds": time.perf_counter() - t0})
        if progress is not None:
            progress(m, r)

    results = run(cfg, progress=each, on_step=on_step)
    plot_figures(results, cfg, out)
    payload = {**results, "config": asdict(cfg), "complete": True, "seconds": time.perf_counter() - t0}
    _write_json(out / "results.json", payload)
    return payload
