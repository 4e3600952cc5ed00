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

Each width is trained from ``seeds`` Gaussian initialisations (one batched GD run); every
figure shows the mean across seeds with its min–max band. Figs. 2–3 are read both at matched
iteration (left panel) and at matched training loss (right panel; :func:`compare` records the
iteration k* at which each run first reaches common loss levels and the distance and pattern
change there), since with one fixed η a wider net reaches any loss sooner (Fig. 1).

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

__all__ = ["ReproduceConfig", "QUICK", "FULL", "run", "compare", "at_loss", "loss_levels", "plot_figures",
           "reproduce"]


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
    #: initialisations per width: seeds ``seed, seed + 1, …, seed + seeds − 1`` (the data and
    #: GD itself are deterministic, so the band across seeds is the spread over W⁽⁰⁾ alone)
    seeds: int = 3
    #: training-loss levels for the matched-loss comparison; ``None``: automatic (see
    #: :func:`loss_levels`)
    loss_levels: list[float] | None = None
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
        if isinstance(self.seeds, bool) or int(self.seeds) != self.seeds or self.seeds < 1:
            raise ValueError(f"seeds (initialisations per width) must be a positive integer, got {self.seeds!r}")
        if self.loss_levels is not None and (
                not self.loss_levels or not all(isinstance(v, (int, float)) and 0 < v < math.inf
                                                for v in self.loss_levels)):
            raise ValueError(f"loss_levels must be a non-empty list of positive finite losses, got {self.loss_levels!r}")
        if self.dtype not in ("float32", "float64"):
            raise ValueError(f"dtype must be float32 or float64, got {self.dtype!r}")
        if self.device not in ("cpu", "cuda") and not str(self.device).startswith("cuda:"):
            raise ValueError(f"device must be cpu or cuda, got {self.device!r}")
        if str(self.device).startswith("cuda") and not torch.cuda.is_available():
            raise ValueError("device cuda requested but CUDA is not available (torch.cuda.is_available() is False)")


#: --quick: < 5 min on 2 CPU cores. 3 seeds × 300 steps, widths 128 … 512. The GEMM work is
#: ∝ seeds·m²·steps: measured on 2 idle cores (2 threads), m = 128, 256, 512, 768 took 10–70, 24,
#: 76 and 175 s (5.9 min in all), so the widest quick net is 512 and 384 fills the sweep.
QUICK = dict(widths=[128, 256, 384, 512], steps=300, record_every=10, lr=1e-3, dtype="float32", seeds=3)
#: the default (no --quick)
FULL = dict(widths=[128, 256, 512, 1024, 2048], steps=1000, record_every=20, lr=1e-3, dtype="float32", seeds=5)


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


def _series(tr, n: int, widths: list[int]) -> dict:
    """The per-record curves of one trace (one seed)."""
    # Fig. 2: ‖W − W⁽⁰⁾‖_F over all layers; spectral: max_l ‖W_l − W_l⁽⁰⁾‖₂
    dist = torch.sqrt((tr.dist_frobenius ** 2).sum(dim=1))  # (R,)
    dist_spec = tr.dist_spectral.max(dim=1).values  # (R,)
    # Fig. 3: changed (sample, node) signs / (n · Σ_l m_l)
    ratio = tr.sign_changes.sum(dim=1).double() / (n * sum(widths))  # (R,)
    loss = [float(v) for v in tr.loss]
    return {
        "steps": [int(s) for s in tr.steps],
        "loss": loss,
        "distance": [float(v) for v in dist],
        "distance_spectral": [float(v) for v in dist_spec],
        "activation_change_ratio": [float(v) for v in ratio],
        "train_error": [float(v) for v in tr.train_error],
        # "small enough" η (000 §6): the largest rise of the recorded loss between records
        "max_loss_increase": max([b - a for a, b in zip(loss, loss[1:])], default=0.0),
    }


#: the curves that get a band across seeds
CURVES = ("loss", "distance", "distance_spectral", "activation_change_ratio", "train_error")


def _band(per_seed: list[dict]) -> dict:
    """Mean, min and max across seeds of each curve, on the records every seed reached."""
    R = min(len(s["steps"]) for s in per_seed)
    out: dict = {"steps": per_seed[0]["steps"][:R]}
    for key in CURVES:
        cols = torch.tensor([s[key][:R] for s in per_seed], dtype=torch.float64)  # (S, R)
        out[key] = [float(v) for v in cols.mean(0)]
        out[key + "_min"] = [float(v) for v in cols.min(0).values]
        out[key + "_max"] = [float(v) for v in cols.max(0).values]
    return out


def at_loss(steps, loss, series: dict, level: float):
    """Where one run first reaches training loss ``level``: ``{"k": k*, key: value at k*}``,
    or ``None`` if it never does. Between the two records that bracket the crossing, k* and
    each curve are interpolated linearly in log-loss (the records are ``record_every`` apart)."""
    for j, v in enumerate(loss):
        if v <= level:
            if j == 0:
                return {"k": float(steps[0]), **{key: float(c[0]) for key, c in series.items()}}
            a, b = math.log(loss[j - 1]), math.log(max(v, 1e-300))
            t = 1.0 if a == b else (a - math.log(level)) / (a - b)
            out = {"k": steps[j - 1] + t * (steps[j] - steps[j - 1])}
            out.update({key: c[j - 1] + t * (c[j] - c[j - 1]) for key, c in series.items()})
            return out
    return None


def loss_levels(results: dict) -> list[float]:
    """Automatic matched-loss levels: ℓ_c = the largest over all (width, seed) runs of the
    lowest loss the run reached — the lowest level *every* run reaches — and 2ℓ_c, 4ℓ_c where
    they lie below every run's initial loss (so "first reaches" is a real crossing)."""
    runs = [s for r in results.values() for s in r["per_seed"]]
    if not runs:
        return []
    lc = max(min(s["loss"]) for s in runs)
    top = min(s["loss"][0] for s in runs)
    return [lv for lv in (4 * lc, 2 * lc, lc) if lv < top] or [lc]


_AT = ("distance", "distance_spectral", "activation_change_ratio", "train_error")


def _stat(vals: list[float]) -> dict:
    return {"mean": sum(vals) / len(vals), "min": min(vals), "max": max(vals), "n": len(vals)}


def _trend(widths: list[int], stats: list[dict]) -> dict:
    """Across widths: is the mean strictly decreasing in m, are the min–max bands of
    neighbouring widths disjoint in that order, and the least-squares slope of log mean on log m."""
    means = [s["mean"] for s in stats]
    dec = all(b < a for a, b in zip(means, means[1:]))
    sep = all(w["max"] < nw["min"] for nw, w in zip(stats, stats[1:]))
    slope = None
    if len(widths) >= 2 and all(v > 0 for v in means):
        x = [math.log(m) for m in widths]
        yv = [math.log(v) for v in means]
        xm, ym = sum(x) / len(x), sum(yv) / len(yv)
        slope = sum((a - xm) * (b - ym) for a, b in zip(x, yv)) / sum((a - xm) ** 2 for a in x)
    return {"decreasing_in_m": dec, "bands_separated": sep, "slope_log_m": slope}


def compare(results: dict, levels: list[float] | None = None, checkpoints: list[int] | None = None) -> dict:
    """The comparisons of Figs. 1–3 across widths, each as mean/min/max over seeds.

    * ``matched_loss`` — at each training-loss level ℓ (:func:`loss_levels` unless given): the
      iteration k*(m) at which each run first reaches ℓ and the distance from initialisation,
      its spectral version, the activation pattern difference ratio and the training error
      read there (:func:`at_loss`). This is the comparison behind 000 §6's "wider networks
      converge to a point closer to the initialization" with the speed-up of Fig. 1 divided
      out; the proof of 000 Theorem 4.4 bounds the distance by √(2kηL_S(W⁽⁰⁾)) (the display
      before (5.4)), which at matched loss (k* ∝ 1/m by 000 Lemma 5.2) scales as m^{−1/2}.
    * ``matched_iteration`` — the same quantities and the loss at fixed iterations k.

    Each quantity gets a ``trend`` across widths (:func:`_trend`)."""
    ws = sorted(results, key=int)
    if levels is None:
        levels = loss_levels(results)
    ml = []
    for lv in levels:
        row: dict = {"level": lv, "widths": {}}
        for m in ws:
            hits = [at_loss(s["steps"], s["loss"], {k: s[k] for k in _AT}, lv) for s in results[m]["per_seed"]]
            got = [h for h in hits if h is not None]
            row["widths"][m] = ({"reached": len(got), "of": len(hits),
                                 **{k: _stat([h[k] for h in got]) for k in ("k",) + _AT}}
                                if got else {"reached": 0, "of": len(hits)})
        full = [m for m in ws if row["widths"][m]["reached"] == row["widths"][m]["of"]]
        row["trend"] = {k: _trend([int(m) for m in full], [row["widths"][m][k] for m in full])
                        for k in ("k",) + _AT} if len(full) >= 2 else {}
        ml.append(row)
    common = set.intersection(*(set(s["steps"]) for m in ws for s in results[m]["per_seed"])) if ws else set()
    if checkpoints is None:
        last = max(common) if common else 0
        checkpoints = sorted({min(common, key=lambda s: abs(s - f * last)) for f in (1 / 6, 1 / 3, 2 / 3, 1)}) \
            if common else []
    mi = []
    for k in checkpoints:
        if k not in common:
            continue
        row = {"k": k, "widths": {}}
        for m in ws:
            per = results[m]["per_seed"]
            row["widths"][m] = {q: _stat([s[q][s["steps"].index(k)] for s in per]) for q in ("loss",) + _AT}
        row["trend"] = {q: _trend([int(m) for m in ws], [row["widths"][m][q] for m in ws])
                        for q in ("loss",) + _AT} if len(ws) >= 2 else {}
        mi.append(row)
    return {"matched_loss": ml, "matched_iteration": mi}


def run(cfg: ReproduceConfig, *, progress=None, on_step=None) -> dict:
    """Train ``cfg.seeds`` depth-``cfg.depth`` nets per width (seeds ``cfg.seed …``) on the same
    data, as one batched computation per width (:func:`overparam_verify.train_ensemble`: the
    same GD as ``train`` per seed); return ``{str(m): {"steps", "seeds", "per_seed": [one dict
    of curves per seed], "loss", "loss_min", "loss_max", … (mean/min/max across seeds of each
    of CURVES), "diverged", "diverged_seeds", "loss_monotone", "seconds"}}``. ``progress(m,
    result)`` after each width (the caller may persist it at once); ``on_step(m, k, steps,
    seconds)`` about every tenth of the steps."""
    import overparam_verify as ov
    from .loaders import load_binary

    cfg.validate()
    X, y = load_binary(cfg.data, cfg.data_path, max_samples=cfg.max_samples, mu=cfg.mu, seed=cfg.seed)
    n, d = X.shape
    dtype = torch.float32 if cfg.dtype == "float32" else torch.float64
    seeds = [int(cfg.seed) + j for j in range(int(cfg.seeds))]
    S = len(seeds)
    Xs = X.unsqueeze(0).repeat(S, 1, 1)  # (S, n, d): every seed trains on the same data
    ys = y.unsqueeze(0).repeat(S, 1)  # (S, n)
    out: dict[str, dict] = {}
    for m in cfg.widths:
        t0 = time.perf_counter()
        widths = [int(m)] * int(cfg.depth)
        nets = [ov.DeepReLUNet.gaussian_init(d, widths, seed=s) for s in seeds]
        every = max(1, int(cfg.steps) // 10)
        counter = (_StepCounter(type(nets[0]), every, lambda k, m=m, t0=t0: on_step(m, k, int(cfg.steps),
                                                                               time.perf_counter() - t0))
                   if on_step is not None else contextlib.nullcontext())
        try:
            with counter:
                res = ov.train_ensemble(nets, Xs, ys, loss="logistic", lr=cfg.lr, steps=int(cfg.steps),
                                        record_every=int(cfg.record_every), seed=cfg.seed, trace=True,
                                        dtype=dtype, device=cfg.device)
            traces, bad = [tr for _, tr in res], []
        except ov.training.TrainingDivergedError as exc:  # keep the traces so far
            traces, bad = exc.traces, [seeds[i] for i in (exc.members or [])]
        per_seed = [{"seed": s, **_series(tr, n, widths)} for s, tr in zip(seeds, traces)]
        out[str(m)] = {
            "seeds": seeds,
            **_band(per_seed),
            "per_seed": per_seed,
            "diverged": bool(bad),
            "diverged_seeds": bad,
            "loss_monotone": all(s["max_loss_increase"] <= 0 for s in per_seed),
            "seconds": time.perf_counter() - t0,
        }
        if progress is not None:
            progress(m, out[str(m)])
    return out


def plot_figures(results: dict, cfg: ReproduceConfig, out: Path) -> list[Path]:
    """fig1.png (loss), fig2.png (distance from init), fig3.png (activation change ratio):
    the mean across seeds with a min–max band; Figs. 2–3 also against the training loss
    (matched loss, right panel), the automatic levels of :func:`loss_levels` marked."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    S = len(next(iter(results.values()))["per_seed"]) if results else 0
    title = (f"{cfg.data} 3 vs 8, L={cfg.depth}, GD η={cfg.lr:g} (all m), cross-entropy\n"
             f"mean and min–max band over {S} init seed{'s' if S != 1 else ''}")
    levels = cfg.loss_levels or loss_levels(results)
    specs = [
        ("fig1.png", "loss", "training loss", True, "Fig. 1: training loss"),
        ("fig2.png", "distance", r"$\|W^{(k)} - W^{(0)}\|_F$", False, "Fig. 2: distance from initialization"),
        ("fig3.png", "activation_change_ratio", "activation pattern difference ratio", False,
         "Fig. 3: activation pattern difference ratio"),
    ]
    colors = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    paths = []
    for fname, key, ylabel, logy, head in specs:
        two = key != "loss"
        fig, axes = plt.subplots(1, 2 if two else 1, figsize=(10.0 if two else 5.5, 4.2), squeeze=False)
        ax = axes[0, 0]
        for i, (m, r) in enumerate(sorted(results.items(), key=lambda kv: int(kv[0]))):
            c = colors[i % len(colors)]
            ax.plot(r["steps"], r[key], color=c, label=f"m = {m}")
            ax.fill_between(r["steps"], r[key + "_min"], r[key + "_max"], color=c, alpha=0.25, lw=0)
            if two:  # against the training loss: each seed's curve, a band of the seeds' curves
                bx = axes[0, 1]
                grid = _loss_grid(r["per_seed"])
                if grid:
                    vals = [[h[key] for h in (at_loss(s["steps"], s["loss"], {key: s[key]}, lv)
                                              for s in r["per_seed"])] for lv in grid]  # (G, S)
                    bx.plot(grid, [sum(v) / len(v) for v in vals], color=c, label=f"m = {m}")
                    bx.fill_between(grid, [min(v) for v in vals], [max(v) for v in vals], color=c,
                                    alpha=0.25, lw=0)
        if logy:
            ax.set_yscale("log")
        ax.set_xlabel("iteration k")
        ax.set_ylabel(ylabel)
        ax.set_title(f"{head} — at matched iteration" if two else head, fontsize=9)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
        if two:
            bx = axes[0, 1]
            bx.set_xscale("log")
            bx.invert_xaxis()  # training proceeds to the right
            for lv in levels:
                bx.axvline(lv, color="grey", ls=":", lw=1)
            bx.set_xlabel("training loss first reached (log; dotted: matched-loss levels)")
            bx.set_ylabel(ylabel)
            bx.set_title(f"{head} — at matched loss", fontsize=9)
            bx.grid(alpha=0.3)
            if bx.get_legend_handles_labels()[0]:
                bx.legend(fontsize=8)
        fig.suptitle(title, fontsize=9)
        fig.tight_layout()
        p = out / fname
        fig.savefig(p, dpi=110)
        plt.close(fig)
        paths.append(p)
    return paths


def _loss_grid(per_seed: list[dict], points: int = 40) -> list[float]:
    """Geometric grid of loss levels that every seed of one width crosses: from just below the
    lowest initial loss down to the highest final (lowest reached) loss."""
    hi = min(s["loss"][0] for s in per_seed)
    lo = max(min(s["loss"]) for s in per_seed)
    if not (0 < lo < hi):
        return []
    # clamped to [lo, hi]: exp(log(·)) rounding must not put the last level below a seed's lowest loss
    return [min(hi, max(lo, math.exp(math.log(hi) + (math.log(lo) - math.log(hi)) * t / (points - 1))))
            for t in range(points)]


def _write_json(path: Path, payload: dict) -> None:
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(payload, indent=1))
    os.replace(tmp, path)  # atomic: an interrupt never leaves half a file


def reproduce(cfg: ReproduceConfig, out: str | Path, *, progress=None, on_step=None) -> dict:
    """Validate, create ``out`` (and check it is writable) before training, run, and write
    ``results.json`` as each width ends (``"complete": false`` until the last), then fig1–3.png.
    ``results.json`` also holds ``"comparisons"`` (:func:`compare`: matched loss and matched
    iteration, over the widths finished so far) and ``"cpu_seconds"`` (this process's CPU time).
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
    t0, c0 = time.perf_counter(), time.process_time()
    done: dict[str, dict] = {}

    def each(m, r):
        done[str(m)] = r
        _write_json(out / "results.json", {**done, "comparisons": compare(done, cfg.loss_levels),
                                           "config": asdict(cfg), "complete": False,
                                           "seconds": time.perf_counter() - t0,
                                           "cpu_seconds": time.process_time() - c0})
        if progress is not None:
            progress(m, r)

    results = run(cfg, progress=each, on_step=on_step)
    plot_figures(results, cfg, out)
    payload = {**results, "comparisons": compare(results, cfg.loss_levels), "config": asdict(cfg),
               "complete": True, "seconds": time.perf_counter() - t0, "cpu_seconds": time.process_time() - c0}
    _write_json(out / "results.json", payload)
    return payload
