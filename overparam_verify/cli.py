"""``overparam-verify``: the audit of the catalogue and the reproduction of ZCZG 000 §6.

::

    overparam-verify audit [--quick | --full] [--only ID ...] [--json F] [--markdown F]
                           [--plots DIR] [--device cpu|cuda] [--scheduler ADDRESS]
                           [--resume] [--workers N] [--cache DIR]
    overparam-verify reproduce [--quick] [--out DIR] [--data digits|mnist-file|cifar-file]
                               [--data-path P] [--widths M ...] [--depth 15] [--steps K]
                               [--lr ETA] [--record-every R] [--max-samples N]

Exit codes: 0 done (whatever the verdicts), 2 bad input,
130 interrupted (finished cells are kept; rerun with ``--resume``).
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Mapping, Sequence

__all__ = ["main", "build_parser"]


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # exit 2 with a clear message (argparse's default, kept explicit)
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog}: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="overparam-verify", description="Experimental checks of the theory of GD on "
                "over-parameterized deep ReLU networks (ZCZG, AZLS, Nguyen).")
    sub = p.add_subparsers(dest="command", parser_class=_Parser)
    sub.required = True

    a = sub.add_parser("audit", help="run every catalogue statement and judge it")
    g = a.add_mutually_exclusive_group()
    g.add_argument("--quick", dest="profile", action="store_const", const="quick",
                   help="small cells: < 5 min on 2 CPU cores (default)")
    g.add_argument("--full", dest="profile", action="store_const", const="full",
                   help="the large sweeps (meant for a GPU or a cluster)")
    g.add_argument("--profile", dest="profile", choices=("ci", "quick", "full"), help=argparse.SUPPRESS)
    a.set_defaults(profile="quick")
    a.add_argument("--only", nargs="+", metavar="ID", help="catalogue IDs or aliases to run")
    a.add_argument("--json", metavar="F", help="JSON report (default audit-out/audit.json)")
    a.add_argument("--markdown", metavar="F", help="Markdown report (default audit-out/audit.md)")
    a.add_argument("--plots", metavar="DIR", help="scaling plots (default audit-out/plots/)")
    a.add_argument("--device", default="cpu", choices=("cpu", "cuda"), help="passed to every cell")
    a.add_argument("--scheduler", metavar="ADDRESS", help="an existing dask scheduler (tcp://host:port)")
    a.add_argument("--resume", action="store_true", help="reuse the cells cached by an earlier run")
    a.add_argument("--workers", type=int, default=2,
                   help="LocalCluster worker processes (1 thread each); 0 runs in-process without dask")
    a.add_argument("--cache", default=".ov-cache", metavar="DIR", help="cell cache (default .ov-cache)")

    r = sub.add_parser("reproduce", help="redraw ZCZG 000 Figures 1-3")
    r.add_argument("--quick", action="store_true", help="fewer widths/steps: < 5 min on 2 CPU cores")
    r.add_argument("--out", default="reproduce-out", metavar="DIR", help="output directory (default reproduce-out)")
    r.add_argument("--data", default="digits", choices=("digits", "mnist-file", "cifar-file"))
    r.add_argument("--data-path", metavar="P", help="MNIST IDX directory or CIFAR-10 batch file/directory")
    r.add_argument("--widths", nargs="+", type=int, metavar="M")
    r.add_argument("--depth", type=int, default=15)
    r.add_argument("--steps", type=int, metavar="K")
    r.add_argument("--lr", type=float, metavar="ETA")
    r.add_argument("--record-every", type=int, metavar="R")
    r.add_argument("--max-samples", type=int, metavar="N", help="a seeded random subset of at most N samples")
    r.add_argument("--seed", type=int, default=0)
    r.add_argument("--device", default="cpu", choices=("cpu", "cuda"))
    r.add_argument("--dtype", choices=("float32", "float64"))
    return p


def _fail(msg: str) -> int:
    print(f"overparam-verify: error: {msg}", file=sys.stderr)
    return 2


def _audit(args, statements: Mapping | None) -> int:
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from . import audit as au
    from .report import VERDICT_STYLE, console_table, write_json, write_markdown

    if args.workers < 0:
        return _fail(f"--workers must be ≥ 0, got {args.workers}")
    try:
        au.select_ids(args.only)
    except ValueError as exc:
        return _fail(str(exc))
    out_json = Path(args.json) if args.json else Path("audit-out/audit.json")
    out_md = Path(args.markdown) if args.markdown else Path("audit-out/audit.md")
    out_plots = Path(args.plots) if args.plots else Path("audit-out/plots")
    for p in (out_json, out_md):
        if p.exists() and p.is_dir():
            return _fail(f"{str(p)!r} is a directory, expected a file path")
    if out_plots.exists() and not out_plots.is_dir():
        return _fail(f"--plots {str(out_plots)!r} exists and is not a directory")
    if args.device == "cuda":
        import torch

        if not torch.cuda.is_available():
            return _fail("--device cuda: CUDA is not available (torch.cuda.is_available() is False)")

    console = Console(stderr=False, width=None if sys.stdout.isatty() else 160)  # logs: no wrapping at 80
    family_errors: dict[str, str] = {}
    if statements is None:
        statements, family_errors = au.load_statements()
        for fam, err in family_errors.items():
            console.print(f"[yellow]warning: catalogue family {fam!r} failed to import: {err}[/]")

    progress = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                        TimeElapsedColumn(), console=console, transient=True)
    state = {"overall": None}

    def on_start(plan):
        total = sum(n for _, n in plan)
        state["overall"] = progress.add_task(f"audit ({args.profile})", total=total)
        state["plan"] = dict(plan)

    def on_cell(sid, done, n):
        progress.update(state["overall"], advance=1, description=f"{sid}: cell {done}/{n}")

    def on_lemma(row):
        style = VERDICT_STYLE.get(row.verdict, "")
        progress.console.print(f"{row.id:<26} {row.kind}  [{style}]{row.verdict:<12}[/] {au.key_figure(row)}"
                               + (f"  [dim]({row.note[:80]})[/]" if row.verdict == "inconclusive" else ""))
        if row.cached and state["overall"] is not None:
            progress.update(state["overall"], advance=row.cached)

    t0 = time.perf_counter()
    try:
        with progress:
            result = au.run_audit(
                args.profile, only=args.only, statements=statements,
                executor="serial" if args.workers == 0 else "dask", scheduler=args.scheduler,
                workers=max(args.workers, 1), device=args.device, cache_dir=args.cache, resume=args.resume,
                on_start=on_start, on_cell=on_cell, on_lemma=on_lemma,
            )
    except KeyboardInterrupt:
        console.print(f"[yellow]interrupted: finished cells are kept in {args.cache}/{args.profile}/; "
                      f"rerun with --resume to continue[/]")
        return 130
    except ValueError as exc:
        return _fail(str(exc))

    from .plots import write_plots

    plots, plot_errors = write_plots(result, out_plots, statements)
    for sid, err in plot_errors.items():
        console.print(f"[yellow]plot for {sid} failed: {err}[/]")
    rel = {}
    for sid, p in plots.items():
        try:
            rel[sid] = str(Path(p).resolve().relative_to(out_md.resolve().parent))
        except ValueError:
            rel[sid] = str(Path(p).resolve())
    write_json(result, out_json)
    write_markdown(result, out_md, plots=rel)
    console.print(console_table(result.lemmas, title=f"overparam-verify audit ({args.profile})"))
    c = result.counts()
    console.print(f"{len(result.lemmas)} statements: [green]{c['holds']} holds[/], [red]{c['violated']} violated[/], "
                  f"[yellow]{c['inconclusive']} inconclusive[/] in {time.perf_counter() - t0:.1f} s")
    console.print(f"wrote {out_json}, {out_md}, {len(plots)} plot(s) in {out_plots}/")
    return 0


def _reproduce(args) -> int:
    from .reproduce import FULL, QUICK, ReproduceConfig, reproduce

    base = dict(QUICK if args.quick else FULL)
    over = {"widths": args.widths, "steps": args.steps, "lr": args.lr, "record_every": args.record_every,
            "dtype": args.dtype}
    base.update({k: v for k, v in over.items() if v is not None})
    if args.data != "digits" and not args.data_path:
        return _fail(f"--data {args.data} needs --data-path")
    if args.max_samples is not None and args.max_samples < 2:
        return _fail(f"--max-samples must be ≥ 2, got {args.max_samples}")
    cfg = ReproduceConfig(depth=args.depth, data=args.data, data_path=args.data_path, max_samples=args.max_samples,
                          seed=args.seed, device=args.device, **base)
    try:
        cfg.validate()
        from .loaders import load_binary

        X, _ = load_binary(cfg.data, cfg.data_path, max_samples=cfg.max_samples, mu=cfg.mu, seed=cfg.seed)
    except ValueError as exc:
        return _fail(str(exc))
    print(f"reproduce ZCZG 000 §6: {cfg.data} 3 vs 8 (n={X.shape[0]}, d={X.shape[1]}), depth {cfg.depth}, "
          f"widths {cfg.widths}, {cfg.steps} GD steps, η={cfg.lr:g}, {cfg.dtype}", flush=True)

    def prog(m, r):
        print(f"  m={m:>5}: loss {r['loss'][0]:.4f} -> {r['loss'][-1]:.4g}, ‖W−W0‖_F {r['distance'][-1]:.3g}, "
              f"activation change ratio {r['activation_change_ratio'][-1]:.4f}"
              + (" (diverged)" if r["diverged"] else "") + f"  [{r['seconds']:.1f} s]", flush=True)

    try:
        payload = reproduce(cfg, args.out, progress=prog)
    except KeyboardInterrupt:
        print("interrupted: nothing written", file=sys.stderr)
        return 130
    except ValueError as exc:
        return _fail(str(exc))
    print(f"wrote fig1.png, fig2.png, fig3.png, results.json to {args.out}/ in {payload['seconds']:.1f} s")
    return 0


def main(argv: Sequence[str] | None = None, *, statements: Mapping | None = None) -> int:
    """Entry point (``overparam-verify``). ``statements`` (tests only) replaces the registry."""
    args = build_parser().parse_args(list(argv) if argv is not None else None)
    if args.command == "audit":
        return _audit(args, statements)
    return _reproduce(args)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
