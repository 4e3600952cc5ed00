"""Where the audit's cells run: in-process, on an embedded dask ``LocalCluster``, or on an
existing dask scheduler — and how each of these fails: finitely, in one line, and visibly.

* The scheduler address is parsed first (``tcp://host:port``, ``host:port``, ``host``; the
  port defaults to dask's 8786): ``127.0.0.1:8786x`` is a one-line ``ValueError``.
* A ``tcp://`` address is probed with a plain socket before dask touches it: a dask scheduler
  sends its handshake at once (an 8-byte little-endian length, then the frame count); a port that
  accepts and says nothing (an HTTP server such as the dashboard on 8787) or answers bytes that
  are not a dask frame is refused in a few seconds, instead of hanging for minutes or allocating
  exabytes from a garbage length.
* ``Client(..., timeout=connect_timeout)``; any exception while connecting is one line.
* The executor waits up to ``worker_timeout`` seconds for at least one worker, saying so.
* While cells run, a monitor thread polls the scheduler's workers: a worker that leaves is
  reported (its cells are retried by dask on the others); no worker for ``worker_timeout`` seconds
  stops the run with :class:`ClusterError` (finished cells are cached: ``--resume`` continues).
* Embedded workers ignore SIGINT (they are started with SIGINT ignored, and a worker preload
  keeps it so after a restart), so Ctrl-C in a terminal interrupts only the client, which closes
  the cluster with distributed's shutdown logs silenced.
* :meth:`DaskExecutor.info` describes the cluster for the report's ``environment``: the
  scheduler address, the worker count, and each worker's python/torch/platform.
"""
from __future__ import annotations

import collections
import contextlib
import logging
import re
import signal
import socket
import threading
import time
import warnings
from typing import Any, Callable

__all__ = [
    "ClusterError",
    "parse_scheduler_address",
    "probe_scheduler",
    "worker_environment",
    "SerialExecutor",
    "DaskExecutor",
    "quiet_distributed",
]

DEFAULT_PORT = 8786

#: dask settings of the embedded LocalCluster (the nannies hand them to the worker processes). The
#: audit's cells are CPU-bound and the machine may have 2 cores:
#: - dask starts workers with ``MALLOC_TRIM_THRESHOLD_=65536``; setting any glibc malloc tunable
#:   freezes the mmap threshold at 128 KiB, so every tensor above it was mmap'ed, page-faulted in
#:   and unmapped again — measured on the quick audit: ~100 k minor faults per worker-second, system
#:   time half the user time. The workers keep glibc's defaults (and one BLAS/OpenMP thread each);
#: - the statistical profiler (a stack sample every 10 ms in every worker) and the half-second
#:   system monitors took CPU from the cells, for dashboards nobody opens.
_LOCAL_CONFIG = {
    "distributed.nanny.pre-spawn-environ": {"OMP_NUM_THREADS": 1, "MKL_NUM_THREADS": 1, "OPENBLAS_NUM_THREADS": 1},
    "distributed.worker.profile.enabled": False,
    "distributed.admin.system-monitor.interval": "5s",
}

_ADDR = re.compile(
    r"^(?:(?P<scheme>[a-z]+)://)?(?P<host>\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9_.-]+)(?::(?P<port>[^/]*))?/?$"
)


class ClusterError(RuntimeError):
    """The cluster failed while cells ran (every worker lost); finished cells are cached."""


def parse_scheduler_address(address: str) -> str:
    """``address`` normalised to ``scheme://host:port`` (``tcp`` and port 8786 by default).

    ``inproc://`` addresses (an in-process LocalCluster) are returned unchanged. A one-line
    ``ValueError`` names what is wrong with anything else."""
    a = str(address).strip()
    if a.startswith("inproc://"):
        return a
    m = _ADDR.match(a)
    if not a or m is None:
        raise ValueError(f"--scheduler {address!r} is not an address of the form tcp://HOST:PORT (e.g. tcp://127.0.0.1:8786)")
    scheme = m.group("scheme") or "tcp"
    if scheme not in ("tcp", "tls", "ws", "wss", "ucx"):
        raise ValueError(f"--scheduler {address!r}: unknown protocol {scheme!r} (expected tcp://HOST:PORT)")
    port_s = m.group("port")
    if port_s is None:
        port = DEFAULT_PORT
    elif not port_s.isdigit() or not 1 <= int(port_s) <= 65535:
        raise ValueError(f"--scheduler {address!r}: the port {port_s!r} is not an integer in 1..65535")
    else:
        port = int(port_s)
    return f"{scheme}://{m.group('host')}:{port}"


def _host_port(address: str) -> tuple[str, int]:
    rest = address.split("://", 1)[1]
    host, port = rest.rsplit(":", 1)
    return host.strip("[]"), int(port)


def probe_scheduler(address: str, timeout: float = 10.0, handshake_timeout: float = 5.0) -> None:
    """Check that a ``tcp://`` address is a dask scheduler before dask connects to it.

    A dask comm starts with the sender's handshake: an 8-byte little-endian byte count of the
    first block (small: a few hundred bytes) and an 8-byte frame count (a handful). ``ValueError``
    (one line) when nothing listens, when the peer sends nothing within ``handshake_timeout``
    seconds (an HTTP server waits for a request), or when its first bytes are not such a header."""
    if not address.startswith("tcp://"):
        return  # tls/ws: left to dask's own timeout
    host, port = _host_port(address)
    try:
        s = socket.create_connection((host, port), timeout=timeout)
    except OSError as exc:
        raise ValueError(f"cannot connect to the dask scheduler at {address}: {exc.strerror or exc}") from None
    data = b""
    try:
        s.settimeout(handshake_timeout)
        deadline = time.monotonic() + handshake_timeout
        while len(data) < 16 and time.monotonic() < deadline:
            chunk = s.recv(16 - len(data))
            if not chunk:
                break
            data += chunk
    except OSError:  # socket.timeout is an OSError
        pass
    finally:
        with contextlib.suppress(OSError):
            s.close()
    hint = ("the dashboard's HTTP port (8787) is an easy mix-up: a dask scheduler listens on 8786 unless "
            "started with --port")
    if not data:
        raise ValueError(f"{address} accepted the connection but sent no dask handshake within "
                         f"{handshake_timeout:g} s: not a dask scheduler ({hint})")
    if len(data) < 16:
        raise ValueError(f"{address} answered {len(data)} byte(s) and closed: not a dask scheduler ({hint})")
    nbytes = int.from_bytes(data[:8], "little")
    nframes = int.from_bytes(data[8:16], "little")
    if not (16 <= nbytes <= 1 << 26 and 1 <= nframes <= 1024):
        raise ValueError(f"{address} answered bytes that are not a dask message ({data[:16]!r}): not a dask "
                         f"scheduler ({hint})")


def worker_environment() -> dict:
    """Run on each worker (``client.run``): the worker's python, torch, platform, host, CPUs."""
    import os
    import platform
    import sys

    torch = sys.modules.get("torch")
    if torch is not None:
        tv = torch.__version__
    else:  # the installed version, without the seconds an import of torch takes
        try:
            from importlib.metadata import version

            tv = version("torch")
        except Exception:  # noqa: BLE001 - reported as missing
            tv = None
    return {"python": sys.version.split()[0], "torch": tv, "platform": platform.platform(),
            "host": socket.gethostname(), "cpu_count": os.cpu_count()}


@contextlib.contextmanager
def quiet_distributed(level: int = logging.CRITICAL):
    """Silence distributed's (and tornado's/asyncio's) loggers inside the block: shutdown after
    Ctrl-C or a lost cluster logs tracebacks that are not the user's business."""
    names = ("distributed", "tornado", "asyncio")
    old = {n: logging.getLogger(n).level for n in names}
    for n in names:
        logging.getLogger(n).setLevel(level)
    try:
        yield
    finally:
        for n, lv in old.items():
            logging.getLogger(n).setLevel(lv)


@contextlib.contextmanager
def _spawning_quietly():
    """While the LocalCluster spawns its workers: SIGINT ignored, so the workers inherit SIG_IGN
    (Python, and the asyncio runner of a dask worker, keep an inherited SIG_IGN instead of
    installing a KeyboardInterrupt handler — a blocked signal mask is not enough, the worker
    unblocks it), and the workers' "port already in use" warnings silenced (inherited
    PYTHONWARNINGS). A Ctrl-C in these few seconds is lost; the next one interrupts."""
    import os

    old_w = os.environ.get("PYTHONWARNINGS")
    os.environ["PYTHONWARNINGS"] = ",".join(filter(None, [old_w, "ignore::UserWarning:distributed.node"]))
    main = threading.current_thread() is threading.main_thread()
    old_h = signal.signal(signal.SIGINT, signal.SIG_IGN) if main else None
    try:
        with warnings.catch_warnings():  # the scheduler's HTTP server on a busy default port
            warnings.filterwarnings("ignore", message="Port .* is already in use", category=UserWarning)
            yield
    finally:
        if main:
            signal.signal(signal.SIGINT, old_h)
        if old_w is None:
            os.environ.pop("PYTHONWARNINGS", None)
        else:
            os.environ["PYTHONWARNINGS"] = old_w


class SerialExecutor:
    """In-process executor with the subset of the dask Client API the audit uses."""

    def __init__(self, run_one: Callable, log: Callable[[str], None] | None = None):
        self.run_one = run_one
        self.jobs: collections.deque = collections.deque()
        self.running: set = set()

    def submit_all(self, jobs):
        self.jobs = collections.deque(jobs)

    def add(self, jobs):
        """More jobs, also while :meth:`as_completed` is being iterated (they come after the others)."""
        self.jobs.extend(jobs)

    def as_completed(self):
        while self.jobs:
            tag, fn, params = self.jobs.popleft()
            self.running = {tag[0]}
            try:
                yield tag, self.run_one(fn, params), None
            except KeyboardInterrupt:
                raise
            except Exception as exc:  # noqa: BLE001
                yield tag, None, f"{type(exc).__name__}: {exc}"
        self.running = set()

    def info(self) -> dict:
        return {"executor": "serial", "scheduler": None, "workers": 0}

    def close(self):
        pass


class DaskExecutor:
    """dask.distributed: an embedded LocalCluster (``workers`` processes, 1 thread each) or the
    scheduler at ``scheduler``. ``log`` receives one-line progress and warning messages."""

    def __init__(self, run_one: Callable, scheduler: str | None, workers: int, processes: bool = True, *,
                 connect_timeout: float = 30.0, worker_timeout: float = 60.0, poll: float = 1.0,
                 log: Callable[[str], None] | None = None):
        self.run_one = run_one
        self.log = log or (lambda msg: None)
        self.cluster = None
        self.client = None
        self.futures: dict = {}
        self.worker_timeout = float(worker_timeout)
        self.poll = float(poll)
        self.lost: list[str] = []
        self.warnings: list[str] = []
        self.failed: str | None = None
        self._stop = threading.Event()
        self._monitor: threading.Thread | None = None
        self.running: set = set()
        self.address = scheduler
        try:
            if scheduler:
                self._connect(parse_scheduler_address(scheduler), float(connect_timeout))
            else:
                self._local(int(workers), processes)
            self.address = self.client.scheduler.address if self.cluster is None else self.cluster.scheduler_address
            self._wait_for_workers()
            self.workers = set(self._worker_addresses())
            self.worker_env = self._worker_env()
        except BaseException:  # Ctrl-C or a failure while starting: leave no cluster behind
            self.close()
            raise
        self.log(f"dask {'LocalCluster' if self.cluster is not None else 'scheduler'} {self.address}: "
                 f"{len(self.workers)} worker(s)")

    # -- setup ---------------------------------------------------------------------------------
    def _connect(self, address: str, timeout: float) -> None:
        from dask.distributed import Client

        self.log(f"connecting to the dask scheduler at {address} (timeout {timeout:g} s) ...")
        probe_scheduler(address, timeout=timeout, handshake_timeout=min(5.0, timeout))
        try:
            with quiet_distributed():
                self.client = Client(address, timeout=f"{timeout}s")
        except KeyboardInterrupt:
            raise
        except Exception as exc:  # noqa: BLE001 - any failure to connect is one line
            raise ValueError(f"cannot connect to the dask scheduler at {address}: {type(exc).__name__}: "
                             f"{str(exc).splitlines()[0] if str(exc) else ''}".rstrip(": ")) from None

    def _local(self, workers: int, processes: bool) -> None:
        from dask.distributed import Client, LocalCluster

        self.log(f"starting a dask LocalCluster: {workers} worker process(es), 1 thread each ...")
        kw: dict[str, Any] = {}
        if processes:
            kw["preload"] = ["overparam_verify._worker_setup"]
        import dask

        try:
            with _spawning_quietly(), quiet_distributed(logging.ERROR), dask.config.set(_LOCAL_CONFIG):
                self.cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=processes,
                                            dashboard_address=None, silence_logs=logging.CRITICAL, **kw)
                self.client = Client(self.cluster)
        except KeyboardInterrupt:
            raise
        except Exception as exc:  # noqa: BLE001 - one line, not distributed's traceback
            raise ClusterError(f"the dask LocalCluster failed to start: {type(exc).__name__}: {exc}") from None

    def _worker_addresses(self) -> list[str]:
        return sorted(self.client.nthreads())

    def _wait_for_workers(self) -> None:
        if self._worker_addresses():
            return
        self.log(f"waiting up to {self.worker_timeout:g} s for a dask worker to join {self.address} "
                 f"(start one with: dask worker {self.address}) ...")
        try:
            self.client.wait_for_workers(1, timeout=self.worker_timeout)
        except KeyboardInterrupt:
            raise
        except Exception:  # noqa: BLE001 - dask raises TimeoutError
            raise ValueError(f"no dask worker joined the scheduler at {self.address} within "
                             f"{self.worker_timeout:g} s (start one with: dask worker {self.address})") from None

    def _worker_env(self) -> dict:
        try:
            return dict(self.client.run(worker_environment))
        except KeyboardInterrupt:
            raise
        except Exception as exc:  # noqa: BLE001
            return {"error": f"{type(exc).__name__}: {exc}"}

    # -- running -------------------------------------------------------------------------------
    def submit_all(self, jobs):
        self.futures = {}
        self._pending: dict = {}
        self._ac = None
        self._submit(jobs)
        if self._monitor is None:
            self._monitor = threading.Thread(target=self._watch, name="ov-worker-monitor", daemon=True)
            self._monitor.start()

    def _submit(self, jobs) -> list:
        futs = []
        for tag, fn, params in jobs:
            fut = self.client.submit(self.run_one, fn, params, 1, pure=False)
            self.futures[fut] = tag
            self._pending[tag[0]] = self._pending.get(tag[0], 0) + 1
            futs.append(fut)
        self.running = {s for s, n in self._pending.items() if n > 0}
        return futs

    def add(self, jobs):
        """More jobs, also while :meth:`as_completed` is being iterated (a statement's replicate
        starts as soon as its verdict asks for one, not after every other statement's cells)."""
        futs = self._submit(jobs)
        if self._ac is not None:
            for fut in futs:
                self._ac.add(fut)

    def _watch(self) -> None:
        gone_since = None
        while not self._stop.wait(self.poll):
            try:
                now = set(self._worker_addresses())
            except Exception:  # noqa: BLE001 - the client is closing
                continue
            for w in sorted(self.workers - now):
                msg = f"warning: dask worker {w} left ({len(self.workers)} → {len(now)} worker(s)); dask reruns its cells elsewhere"
                self.lost.append(w)
                self.warnings.append(msg)
                self.log(msg)
            joined = now - self.workers
            if joined:
                self.log(f"dask worker(s) joined: {', '.join(sorted(joined))} ({len(now)} worker(s))")
            self.workers = now
            if now:
                gone_since = None
                continue
            gone_since = gone_since or time.monotonic()
            if time.monotonic() - gone_since > self.worker_timeout:
                self.failed = (f"every dask worker of {self.address} was lost and none joined within "
                               f"{self.worker_timeout:g} s; finished cells are cached: rerun with --resume")
                with contextlib.suppress(Exception):
                    self.client.cancel(list(self.futures))
                return

    def as_completed(self):
        from dask.distributed import as_completed

        pending = self._pending
        self._ac = as_completed(list(self.futures))
        for fut in self._ac:
            if self.failed:
                raise ClusterError(self.failed)
            tag = self.futures[fut]
            pending[tag[0]] -= 1
            self.running = {s for s, n in pending.items() if n > 0}
            try:
                res = fut.result()
            except KeyboardInterrupt:
                raise
            except Exception as exc:  # noqa: BLE001
                if self.failed:
                    raise ClusterError(self.failed) from None
                yield tag, None, f"{type(exc).__name__}: {exc}"
                continue
            yield tag, res, None
        if self.failed:
            raise ClusterError(self.failed)

    def info(self) -> dict:
        return {
            "executor": "dask",
            "scheduler": self.address,
            "local_cluster": self.cluster is not None,
            "workers": len(self.workers),
            "worker_environment": self.worker_env,
            "lost_workers": list(self.lost),
            "warnings": list(self.warnings),
        }

    def close(self):
        self._stop.set()
        with quiet_distributed():
            if self._monitor is not None:
                self._monitor.join(timeout=2 * self.poll + 1)
            for fut in self.futures:
                with contextlib.suppress(Exception):
                    fut.cancel()
            if self.client is not None:
                with contextlib.suppress(Exception):
                    self.client.close(timeout=10)
            if self.cluster is not None:
                with contextlib.suppress(Exception):
                    self.cluster.close(timeout=10)
