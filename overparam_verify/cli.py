"""``overparam-verify``: the audit of the catalogue, replaying one of its cells, comparing two
audits, and the reproduction of ZCZG 000 §6.

::

    overparam-verify audit [--quick | --full | --profile ci|quick|full] [--only ID ...] [--list]
                           [--json F] [--markdown F] [--html F] [--plots DIR] [--device cpu|cuda]
                           [--scheduler ADDRESS] [--workers N] [--connect-timeout S]
                           [--worker-timeout S] [--resume] [--cache DIR] [--heartbeat S]
    overparam-verify replay ID [--cell KEY] [--json REPORT] [--device cpu|cuda]
    overparam-verify audit-diff A.json B.json
    overparam-verify reproduce [--quick] [--out DIR] [--data digits|mnist-file|cifar-file] [--seeds N]
                               [--data-path P] [--widths M ...] [--depth 15] [--steps K]
                               [--lr ETA] [--record-every R] [--max-samples N]

Exit codes: 0 done (whatever the verdicts; ``audit-diff``: no verdict changed), 1 a failure
while running (a lost cluster, an unwritable file found late; ``audit-diff``: some verdict
changed), 2 bad input (checked before any work: arguments, IDs, every output and cache path,
the scheduler address), 130 interrupted (finished cells are kept; rerun with ``--resume``).
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Mapping, Sequence

__all__ = ["main", "build_parser", "check_output_file", "check_output_dir"]


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # exit 2 with a clear message (argparse's default, kept explicit)
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog}: error: {message}\n")


_FMT = argparse.RawDescriptionHelpFormatter


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="overparam-verify", description="Experimental checks of the theory of GD on "
                "over-parameterized deep ReLU networks (ZCZG, AZLS, Nguyen).", formatter_class=_FMT)
    sub = p.add_subparsers(dest="command", parser_class=_Parser, metavar="{audit,replay,audit-diff,reproduce}")
    sub.required = True

    a = sub.add_parser("audit", help="run every catalogue statement and judge it", formatter_class=_FMT,
                       description="Run every statement of the catalogue (embedded in the package: "
                       "overparam_verify/catalogue/ids.py; `--list` prints it) at a profile's scale and judge it.")
    g = a.add_mutually_exclusive_group()
    g.add_argument("--quick", dest="profile", action="store_const", const="quick",
                   help="the quick profile: small cells, < 5 min on 2 CPU cores (default)")
    g.add_argument("--full", dest="profile", action="store_const", const="full",
                   help="the full profile: the large sweeps, meant for a GPU or a cluster (default: --quick)")
    g.add_argument("--profile", dest="profile", choices=("ci", "quick", "full"),
                   help="the profile by name; 'ci' is the tiny one the test suite uses (default quick)")
    a.set_defaults(profile="quick")
    a.add_argument("--only", nargs="+", metavar="ID",
                   help="catalogue IDs or aliases to run, any letter case (default: every statement)")
    a.add_argument("--list", action="store_true", help="print the catalogue's IDs, aliases and kinds, and exit (default off)")
    a.add_argument("--json", metavar="F", help="JSON report (default audit-out/audit.json)")
    a.add_argument("--markdown", metavar="F", help="Markdown report (default audit-out/audit.md)")
    a.add_argument("--html", metavar="F", help="HTML report (default: audit.html beside the Markdown)")
    a.add_argument("--plots", metavar="DIR", help="scaling plots and the forest figure (default audit-out/plots/)")
    a.add_argument("--device", default="cpu", choices=("cpu", "cuda"), help="passed to every cell (default cpu)")
    a.add_argument("--scheduler", metavar="ADDRESS",
                   help="an existing dask scheduler, tcp://HOST:PORT (default: an embedded LocalCluster)")
    a.add_argument("--workers", type=int, default=None, metavar="N",
                   help="LocalCluster worker processes, 1 thread each; 0 runs in-process without dask; "
                   "ignored with --scheduler (default 2)")
    a.add_argument("--connect-timeout", type=float, default=30.0, metavar="S",
                   help="seconds to connect to --scheduler (default 30)")
    a.add_argument("--worker-timeout", type=float, default=60.0, metavar="S",
                   help="seconds to wait for at least one dask worker, at the start and after every "
                   "worker is lost (default 60)")
    a.add_argument("--resume", action="store_true",
                   help="reuse the cells cached by an earlier run of the same code (default off)")
    a.add_argument("--cache", default=".ov-cache", metavar="DIR", help="cell cache (default .ov-cache)")
    a.add_argument("--heartbeat", type=float, default=None, metavar="S",
                   help="print a timestamped progress line every S seconds; 0 turns it off "
                   "(default 30 when stdout is not a terminal, off in a terminal, which shows a progress bar)")

    rp = sub.add_parser("replay", help="rerun one cell of an audit report in-process", formatter_class=_FMT,
                        description="Rerun one cell of a statement from an audit's JSON report in this process "
                        "and print its measurement: by default the failing (else the worst) cell.")
    rp.add_argument("id", metavar="ID", help="catalogue ID or alias")
    rp.add_argument("--cell", metavar="KEY", help="the cell's key (a prefix suffices) from the report's "
                    "cell_list (default: the failing, else the worst cell)")
    rp.add_argument("--json", metavar="REPORT", default="audit-out/audit.json",
                    help="the audit's JSON report (default audit-out/audit.json)")
    rp.add_argument("--device", choices=("cpu", "cuda"), help="override the cell's device (default: as recorded)")

    df = sub.add_parser("audit-diff", help="verdict and figure changes between two audit reports",
                        formatter_class=_FMT, description="Compare two audit JSON reports: verdict changes, "
                        "then the changes of every part's figures (slope/CI, slack, failures). Exit 1 when "
                        "a verdict changed.")
    df.add_argument("a", metavar="A.json", help="the earlier report")
    df.add_argument("b", metavar="B.json", help="the later report")

    r = sub.add_parser("reproduce", help="redraw ZCZG 000 Figures 1-3", formatter_class=_FMT)
    r.add_argument("--quick", action="store_true",
                   help="widths 128-512, 3 seeds, 300 steps: minutes on 2 CPU cores "
                   "(default: widths 128-2048, 5 seeds, 1000 steps)")
    r.add_argument("--out", default="reproduce-out", metavar="DIR", help="output directory (default reproduce-out)")
    r.add_argument("--data", default="digits", choices=("digits", "mnist-file", "cifar-file"),
                   help="digits: scikit-learn's 8x8 digits, bundled; mnist-file/cifar-file: local files "
                   "named by --data-path (default digits)")
    r.add_argument("--data-path", metavar="P", help="MNIST IDX directory or CIFAR-10 batch file/directory (default none)")
    r.add_argument("--widths", nargs="+", type=int, metavar="M", help="hidden widths m (default: the profile's)")
    r.add_argument("--depth", type=int, default=15, help="hidden layers L (default 15, as the paper)")
    r.add_argument("--steps", type=int, metavar="K", help="GD steps (default: 300 with --quick, else 1000)")
    r.add_argument("--lr", type=float, metavar="ETA", help="GD step size η (default 1e-3)")
    r.add_argument("--record-every", type=int, metavar="R",
                   help="record the curves every R steps (default: 10 with --quick, else 20)")
    r.add_argument("--max-samples", type=int, metavar="N",
                   help="a seeded random subset of at most N samples (default: all)")
    r.add_argument("--seed", type=int, default=0, help="first seed of the inits, and the subset's (default 0)")
    r.add_argument("--seeds", type=int, metavar="N",
                   help="init seeds per width, drawn as bands (default: 3 with --quick, else 5)")
    r.add_argument("--device", default="cpu", choices=("cpu", "cuda"), help="default cpu")
    r.add_argument("--dtype", choices=("float32", "float64"), help="default float32")
    return p


def _fail(msg: str, code: int = 2) -> int:
    print(f"overparam-verify: error: {msg}", file=sys.stderr)
    return code


def _oserror(exc: OSError) -> str:
    return f"{exc.strerror or type(exc).__name__}" + (f": {exc.filename!r}" if exc.filename else "")


def check_output_dir(d: str | Path, flag: str) -> Path:
    """Create directory ``d`` (and its parents) and write and remove a probe file in it.
    ``ValueError`` (one line, naming ``flag``) if it cannot be: before any work is done."""
    d = Path(d)
    if d.exists() and not d.is_dir():
        raise ValueError(f"{flag} {str(d)!r} exists and is not a directory")
    try:
        d.mkdir(parents=True, exist_ok=True)
        fd, probe = tempfile.mkstemp(prefix=".ov-probe-", dir=d)
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        raise ValueError(f"{flag} {str(d)!r} is not a writable directory ({_oserror(exc)})") from None
    return d


def check_output_file(f: str | Path, flag: str) -> Path:
    """Check that file ``f`` can be written: its directory is created and probed, an existing
    ``f`` must be a writable file. ``ValueError`` (one line) otherwise."""
    f = Path(f)
    if f.is_dir():
        raise ValueError(f"{flag} {str(f)!r} is a directory, expected a file path")
    check_output_dir(f.parent if str(f.parent) else Path("."), flag + " (its directory)")
    if f.exists():
        try:
            with open(f, "ab"):
                pass
        except OSError as exc:
            raise ValueError(f"{flag} {str(f)!r} is not writable ({_oserror(exc)})") from None
    return f


def _list_catalogue(console) -> int:
    from .catalogue import CATALOGUE

    section = None
    for e in CATALOGUE:
        if e["section"] != section:
            section = e["section"]
            console.print(f"\n[bold]{section}[/]", highlight=False)
        al = f" (alias {', '.join(e['aliases'])})" if e["aliases"] else ""
        text = e["statement"] if len(e["statement"]) <= 100 else e["statement"][:99] + "…"
        console.print(f"  {e['id']:<26} {e['kind']}  {text}{al}", highlight=False, markup=False)
    console.print(f"\n{len(CATALOGUE)} statements (the catalogue embedded in overparam_verify/catalogue/ids.py)",
                  highlight=False)
    return 0


class _Heartbeat:
    """Timestamped progress lines for logs (non-TTY): every ``every`` seconds, the cells done of
    the total and the statements in progress."""

    def __init__(self, every: float, emit):
        self.every, self.emit = every, emit
        self.plan: dict[str, int] = {}
        self.done: dict[str, int] = {}
        self.finished: set[str] = set()
        self.cached = 0
        self._stop = threading.Event()
        self._t: threading.Thread | None = None
        self.lock = threading.Lock()

    def start(self):
        if self.every and self.every > 0:
            self._t = threading.Thread(target=self._run, name="ov-heartbeat", daemon=True)
            self._t.start()

    def line(self) -> str:
        with self.lock:
            total = sum(self.plan.values())
            done = sum(min(self.done.get(s, 0), n) for s, n in self.plan.items())
            busy = [s for s, n in self.plan.items() if s not in self.finished and n > 0]
            started = [s for s in busy if self.done.get(s, 0) > 0]
            shown = (started + [s for s in busy if s not in started])[:4]
        run = ", ".join(f"{s} ({self.done.get(s, 0)}/{self.plan[s]})" for s in shown)
        more = f" +{len(busy) - len(shown)} more" if len(busy) > len(shown) else ""
        return (f"{done}/{total} cells done ({self.cached} cached), {len(self.finished)}/{len(self.plan)} statements "
                f"judged" + (f"; in progress: {run}{more}" if run else ""))

    def _run(self):
        while not self._stop.wait(self.every):
            try:
                self.emit(self.line())
            except Exception:  # noqa: BLE001 - a heartbeat never breaks the run
                pass

    def stop(self):
        self._stop.set()
        if self._t is not None:
            self._t.join(timeout=1)


def _audit(args, statements: Mapping | None) -> int:
    from rich.console import Console

    console = Console(stderr=False, width=None if sys.stdout.isatty() else 160)  # logs: no wrapping at 80
    if args.list:
        return _list_catalogue(console)

    from . import audit as au

    workers = 2 if args.workers is None else args.workers
    if workers < 0:
        return _fail(f"--workers must be ≥ 0, got {workers}")
    for flag, v in (("--connect-timeout", args.connect_timeout), ("--worker-timeout", args.worker_timeout)):
        if not v > 0:
            return _fail(f"{flag} must be > 0 seconds, got {v:g}")
    if args.heartbeat is not None and args.heartbeat < 0:
        return _fail(f"--heartbeat must be ≥ 0 seconds, got {args.heartbeat:g}")
    try:
        au.select_ids(args.only)
    except ValueError as exc:
        return _fail(str(exc))
    warnings = []
    if args.scheduler:
        from .cluster import parse_scheduler_address

        try:
            args.scheduler = parse_scheduler_address(args.scheduler)
        except ValueError as exc:
            return _fail(str(exc))
        if args.workers is not None:
            warnings.append(f"warning: --workers {args.workers} is ignored with --scheduler "
                            f"(the scheduler's own workers run the cells)")
    if args.device == "cuda":
        import torch

        if not torch.cuda.is_available():
            return _fail("--device cuda: CUDA is not available (torch.cuda.is_available() is False)")

    out_json = Path(args.json) if args.json else Path("audit-out/audit.json")
    out_md = Path(args.markdown) if args.markdown else Path("audit-out/audit.md")
    out_html = Path(args.html) if args.html else out_md.with_suffix(".html")
    out_plots = Path(args.plots) if args.plots else Path("audit-out/plots")
    try:  # every output and the cache: created and writable before any work
        check_output_file(out_json, "--json")
        check_output_file(out_md, "--markdown")
        check_output_file(out_html, "--html")
        check_output_dir(out_plots, "--plots")
        check_output_dir(Path(args.cache) / args.profile, "--cache")
    except ValueError as exc:
        return _fail(str(exc))

    tty = sys.stdout.isatty()
    every = args.heartbeat if args.heartbeat is not None else (0.0 if tty else 30.0)

    def stamp(msg: str) -> str:
        return msg if tty else f"[{time.strftime('%H:%M:%S')}] {msg}"

    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from .report import VERDICT_STYLE, console_table, write_json, write_markdown

    progress = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                        TimeElapsedColumn(), console=console, transient=True,
                        refresh_per_second=2)  # the bar redraws in the client, which shares the cores with the cells
    printer = progress.console

    def log(msg: str) -> None:
        style = "yellow" if msg.startswith("warning") else ""
        printer.print(f"[{style}]{stamp(msg)}[/]" if style else stamp(msg), highlight=False, markup=bool(style),
                      soft_wrap=True)  # one line per message in a log

    for w in warnings:
        log(w)
    family_errors: dict[str, str] = {}
    if statements is None:
        statements, family_errors = au.load_statements()
        for fam, err in family_errors.items():
            log(f"warning: catalogue family {fam!r} failed to import: {err}")

    hb = _Heartbeat(every, log)
    state = {"overall": None}

    def on_start(plan):
        total = sum(n for _, n in plan)
        with hb.lock:
            hb.plan = {sid: n for sid, n in plan if n}
        state["overall"] = progress.add_task(f"audit ({args.profile})", total=total)
        log(f"audit ({args.profile}): {sum(1 for _, n in plan if n)} statement(s), {total} cell(s)")

    def on_cell(sid, done, n):
        with hb.lock:
            hb.done[sid] = done
            hb.plan[sid] = max(hb.plan.get(sid, 0), n)  # a replicate wave adds cells
        progress.update(state["overall"], advance=1, description=f"{sid}: cell {done}/{n}")

    def on_lemma(row):
        try:
            show(row)
        except Exception as exc:  # noqa: BLE001 - a display bug never stops the audit
            log(f"warning: cannot display {row.id}: {type(exc).__name__}: {exc}")

    def show(row):
        with hb.lock:
            hb.finished.add(row.id)
            hb.done[row.id] = max(hb.done.get(row.id, 0), row.cells)
            hb.cached += row.cached
        style = VERDICT_STYLE.get(row.verdict, "")
        from rich.markup import escape

        printer.print(stamp(f"{row.id:<26} {row.kind}  [{style}]{row.verdict:<12}[/] ") + escape(au.key_figure(row))
                      + (f"  [dim]({escape(row.note[:80])})[/]" if row.verdict == "inconclusive" else ""), highlight=False,
                      soft_wrap=True)
        if row.cached and state["overall"] is not None:
            progress.update(state["overall"], advance=row.cached)

    kw = dict(on_event=log, connect_timeout=args.connect_timeout, worker_timeout=args.worker_timeout)
    t0 = time.perf_counter()
    hb.start()
    try:
        with progress:
            result = au.run_audit(
                args.profile, only=args.only, statements=statements,
                executor="serial" if workers == 0 and not args.scheduler else "dask", scheduler=args.scheduler,
                workers=max(workers, 1), device=args.device, cache_dir=args.cache, resume=args.resume,
                on_start=on_start, on_cell=on_cell, on_lemma=on_lemma, **kw,
            )
    except KeyboardInterrupt:
        hb.stop()
        print(stamp(f"interrupted: finished cells are kept in {args.cache}/{args.profile}/; rerun with --resume "
                    f"to continue"), file=sys.stderr, flush=True)
        return 130
    except ValueError as exc:
        hb.stop()
        return _fail(str(exc))
    except au.ClusterError as exc:
        hb.stop()
        return _fail(str(exc), 1)
    finally:
        hb.stop()
    try:
        failed = _write_reports(result, statements, out_json, out_md, out_html, out_plots, log)
    except OSError as exc:
        return _fail(f"writing the reports failed: {_oserror(exc)}", 1)
    try:
        console.print(console_table(result.lemmas, title=f"overparam-verify audit ({args.profile})"))
    except Exception as exc:  # noqa: BLE001 - the reports are written; the table is a courtesy
        log(f"warning: the console table failed: {type(exc).__name__}: {exc}")
    c = result.counts()
    ctl = ""
    if hasattr(result, "controls_rejected"):
        ctl = f"; controls rejected {result.controls_rejected()}/{sum(r.control is not None for r in result.lemmas)}"
    console.print(f"{len(result.lemmas)} statements: [green]{c['holds']} holds[/], [red]{c['violated']} violated[/], "
                  f"[yellow]{c['inconclusive']} inconclusive[/]{ctl} in {time.perf_counter() - t0:.1f} s")
    return 1 if failed else 0


def _write_reports(result, statements, out_json, out_md, out_html, out_plots, log) -> list[str]:
    """JSON first (everything computed is in it), then the plots, the Markdown and the HTML; a
    failing report or figure is one warning line and never loses the others. Returns the
    failures (``OSError`` propagates: the caller reports it in one line)."""
    from .html_report import write_html
    from .plots import write_forest, write_plots
    from .report import write_json, write_markdown

    failed: list[str] = []
    write_json(result, out_json)
    plots, plot_errors = write_plots(result, out_plots, statements)
    for sid, err in plot_errors.items():
        log(f"warning: plot for {sid} failed: {err}")
    try:
        forest = write_forest(result, out_plots / "forest.png")
    except Exception as exc:  # noqa: BLE001 - a figure never loses the reports
        forest = None
        log(f"warning: the forest figure failed: {type(exc).__name__}: {exc}")

    def rel(p, base):
        try:
            return os.path.relpath(Path(p).resolve(), Path(base).resolve().parent)
        except ValueError:
            return str(Path(p).resolve())

    for what, write in (
        ("Markdown", lambda: write_markdown(result, out_md, plots={sid: rel(p, out_md) for sid, p in plots.items()})),
        ("HTML", lambda: write_html(result, out_html, plots={sid: rel(p, out_html) for sid, p in plots.items()},
                                    forest=rel(forest, out_html) if forest else None)),
    ):
        try:
            write()
        except OSError:
            raise
        except Exception as exc:  # noqa: BLE001 - one report's bug never loses the others
            failed.append(what)
            log(f"warning: the {what} report failed: {type(exc).__name__}: {exc} (the JSON report {out_json} is complete)")
    log(f"wrote {out_json}" + "".join(f", {p}" for w, p in (("Markdown", out_md), ("HTML", out_html)) if w not in failed)
        + f", {len(plots)} plot(s)" + (" and forest.png" if forest else "") + f" in {out_plots}/")
    return failed


def _replay(args) -> int:
    from .replay import replay

    try:
        return replay(args.id, report=args.json, cell=args.cell, device=args.device)
    except ValueError as exc:
        return _fail(str(exc))
    except OSError as exc:
        return _fail(f"cannot read the report: {_oserror(exc)}")


def _diff(args) -> int:
    from .replay import audit_diff

    try:
        return audit_diff(args.a, args.b)
    except ValueError as exc:
        return _fail(str(exc))
    except OSError as exc:
        return _fail(f"cannot read a report: {_oserror(exc)}")


def _reproduce(args) -> int:
    from .reproduce import FULL, QUICK, ReproduceConfig, reproduce

    base = dict(QUICK if args.quick else FULL)
    over = {"widths": args.widths, "steps": args.steps, "lr": args.lr, "record_every": args.record_every,
            "dtype": args.dtype, "seeds": args.seeds}
    base.update({k: v for k, v in over.items() if v is not None})
    if args.data != "digits" and not args.data_path:
        return _fail(f"--data {args.data} needs --data-path")
    if args.seeds is not None and args.seeds < 1:
        return _fail(f"--seeds must be ≥ 1, got {args.seeds}")
    if args.max_samples is not None and args.max_samples < 2:
        return _fail(f"--max-samples must be ≥ 2, got {args.max_samples}")
    cfg = ReproduceConfig(depth=args.depth, data=args.data, data_path=args.data_path, max_samples=args.max_samples,
                          seed=args.seed, device=args.device, **base)
    try:
        cfg.validate()
        from .loaders import load_binary

        X, _ = load_binary(cfg.data, cfg.data_path, max_samples=cfg.max_samples, mu=cfg.mu, seed=cfg.seed)
        check_output_dir(args.out, "--out")
    except ValueError as exc:
        return _fail(str(exc))
    tty = sys.stdout.isatty()

    def stamp(msg: str) -> str:
        return msg if tty else f"[{time.strftime('%H:%M:%S')}] {msg}"

    print(stamp(f"reproduce ZCZG 000 §6: {cfg.data} 3 vs 8 (n={X.shape[0]}, d={X.shape[1]}), depth {cfg.depth}, "
                f"widths {cfg.widths}, {cfg.steps} GD steps, η={cfg.lr:g}, {cfg.dtype}"), flush=True)

    def prog(m, r):
        print(stamp(f"  m={m:>5}: loss {r['loss'][0]:.4f} -> {r['loss'][-1]:.4g}, ‖W−W0‖_F {r['distance'][-1]:.3g}, "
                    f"activation change ratio {r['activation_change_ratio'][-1]:.4f}"
                    + (" (diverged)" if r["diverged"] else "") + f"  [{r['seconds']:.1f} s]; "
                    f"results.json updated"), flush=True)

    def step(m, k, steps, secs):
        print(stamp(f"  m={m:>5}: step {k}/{steps}  [{secs:.1f} s]"), flush=True)

    try:
        payload = reproduce(cfg, args.out, progress=prog, on_step=step)
    except KeyboardInterrupt:
        print(stamp(f"interrupted: the widths finished so far are in {args.out}/results.json"), file=sys.stderr)
        return 130
    except ValueError as exc:
        return _fail(str(exc))
    except OSError as exc:
        return _fail(f"writing to --out {args.out!r} failed: {_oserror(exc)}", 1)
    print(stamp(f"wrote fig1.png, fig2.png, fig3.png, results.json to {args.out}/ in {payload['seconds']:.1f} s"))
    return 0


def main(argv: Sequence[str] | None = None, *, statements: Mapping | None = None) -> int:
    """Entry point (``overparam-verify``). ``statements`` (tests only) replaces the registry."""
    args = build_parser().parse_args(list(argv) if argv is not None else None)
    if args.command == "audit":
        return _audit(args, statements)
    if args.command == "replay":
        return _replay(args)
    if args.command == "audit-diff":
        return _diff(args)
    return _reproduce(args)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
