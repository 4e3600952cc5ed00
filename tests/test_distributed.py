"""Distribution that fails finitely and visibly (issue 17), against a REAL ``dask scheduler`` and
``dask worker`` processes started here on 127.0.0.1 (random free ports, bounded waits, every
process killed at the end), and the quiet Ctrl-C of the embedded LocalCluster (a subprocess
sent SIGINT to its whole process group, as a terminal does)."""
from __future__ import annotations

import http.server
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

import dist_fakes
from overparam_verify import audit as au
from overparam_verify.cli import main
from overparam_verify.cluster import ClusterError, parse_scheduler_address, probe_scheduler

HERE = Path(__file__).resolve().parent
DASK = shutil.which("dask") or str(Path(sys.executable).with_name("dask"))
pytestmark = pytest.mark.skipif(not Path(DASK).exists(), reason="the dask CLI is not installed")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _kill(p: subprocess.Popen) -> None:
    if p.poll() is None:
        try:
            os.killpg(p.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    p.wait(timeout=10)


def _env() -> dict:
    return {**os.environ, "PYTHONPATH": os.pathsep.join([str(HERE), os.environ.get("PYTHONPATH", "")])}


@pytest.fixture
def scheduler():
    port, dash = _free_port(), _free_port()
    p = subprocess.Popen([DASK, "scheduler", "--host", "127.0.0.1", "--port", str(port),
                          "--dashboard-address", f"127.0.0.1:{dash}", "--no-show"],
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True, env=_env())
    addr = f"tcp://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                probe_scheduler(addr, timeout=1, handshake_timeout=1)
                break
            except ValueError:
                if time.monotonic() > deadline or p.poll() is not None:
                    pytest.fail("the dask scheduler did not start within 30 s")
                time.sleep(0.2)
        yield {"address": addr, "dashboard": dash}
    finally:
        _kill(p)


@pytest.fixture
def start_worker(scheduler):
    procs = []

    def start(name: str) -> subprocess.Popen:
        p = subprocess.Popen([DASK, "worker", scheduler["address"], "--nthreads", "1", "--no-nanny",
                              "--no-dashboard", "--name", name],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True, env=_env())
        procs.append(p)
        return p

    yield start
    for p in procs:
        _kill(p)


def _wait_for_workers(address: str, n: int) -> None:
    from dask.distributed import Client

    with Client(address, timeout="20s") as c:
        c.wait_for_workers(n, timeout=60)


@pytest.fixture
def in_tmp(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    return tmp_path


# ----------------------------------------------------------------------------------------------
# addresses that are not a dask scheduler: one line, in seconds


@pytest.mark.parametrize("addr, msg", [("127.0.0.1:8786x", "port '8786x'"), ("tcp://", "not an address"),
                                       ("http://127.0.0.1:8787", "unknown protocol 'http'"),
                                       ("tcp://127.0.0.1:99999", "1..65535")])
def test_malformed_address_is_one_line(in_tmp, capsys, addr, msg):
    assert main(["audit", "--profile", "ci", "--scheduler", addr, "--only", "ZCZG-A.8"],
                statements=dist_fakes.statements()) == 2
    err = capsys.readouterr().err
    assert msg in err and len(err.strip().splitlines()) == 1
    assert not (in_tmp / "audit-out").exists()  # refused before any work


def test_address_normalised():
    assert parse_scheduler_address("127.0.0.1") == "tcp://127.0.0.1:8786"
    assert parse_scheduler_address("localhost:9000") == "tcp://localhost:9000"
    assert parse_scheduler_address("inproc://10.0.0.1/123/1") == "inproc://10.0.0.1/123/1"


def test_http_server_is_refused_in_seconds(in_tmp, capsys):
    """An HTTP server (what the dashboard port answers) accepts and waits for a request."""
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), http.server.SimpleHTTPRequestHandler)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    try:
        t0 = time.monotonic()
        rc = main(["audit", "--profile", "ci", "--scheduler", f"127.0.0.1:{srv.server_address[1]}",
                   "--only", "ZCZG-A.8", "--connect-timeout", "2"], statements=dist_fakes.statements())
        assert time.monotonic() - t0 < 20
    finally:
        srv.shutdown()
        srv.server_close()
    assert rc == 2
    assert "not a dask scheduler" in capsys.readouterr().err


def test_garbage_answer_is_refused(in_tmp, capsys):
    """A peer that answers bytes which are not a dask frame (the sandbox's case that ended in an
    exabyte allocation) is refused from its first 16 bytes."""
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(4)

    def serve():
        for _ in range(2):
            try:
                c, _ = srv.accept()
            except OSError:
                return
            c.sendall(b"SSH-2.0-OpenSSH_9.2\r\n" + b"\xff" * 32)
            time.sleep(0.5)
            c.close()

    threading.Thread(target=serve, daemon=True).start()
    try:
        rc = main(["audit", "--profile", "ci", "--scheduler", f"tcp://127.0.0.1:{srv.getsockname()[1]}",
                   "--only", "ZCZG-A.8"], statements=dist_fakes.statements())
    finally:
        srv.close()
    assert rc == 2
    assert "not a dask message" in capsys.readouterr().err


def test_refused_port_is_one_line(in_tmp, capsys):
    rc = main(["audit", "--profile", "ci", "--scheduler", f"127.0.0.1:{_free_port()}", "--only", "ZCZG-A.8"],
              statements=dist_fakes.statements())
    assert rc == 2
    err = capsys.readouterr().err
    assert "cannot connect to the dask scheduler" in err and len(err.strip().splitlines()) == 1


def test_dashboard_port_of_a_real_scheduler(scheduler, in_tmp, capsys):
    rc = main(["audit", "--profile", "ci", "--scheduler", f"127.0.0.1:{scheduler['dashboard']}",
               "--only", "ZCZG-A.8", "--connect-timeout", "2"], statements=dist_fakes.statements())
    assert rc == 2
    assert "8787" in capsys.readouterr().err  # the hint names the usual mix-up


# ----------------------------------------------------------------------------------------------
# a real scheduler


def test_scheduler_without_workers_times_out(scheduler, in_tmp, capsys):
    t0 = time.monotonic()
    rc = main(["audit", "--profile", "ci", "--scheduler", scheduler["address"], "--only", "ZCZG-A.8",
               "--worker-timeout", "2"], statements=dist_fakes.statements())
    assert time.monotonic() - t0 < 20
    cap = capsys.readouterr()
    assert rc == 2
    assert "waiting up to 2 s for a dask worker" in cap.out
    assert "no dask worker joined" in cap.err


def test_real_scheduler_and_worker(scheduler, start_worker, in_tmp, capsys):
    start_worker("w1")
    rc = main(["audit", "--profile", "ci", "--scheduler", scheduler["address"], "--workers", "3",
               "--only", "ZCZG-A.8", "--worker-timeout", "60"], statements=dist_fakes.statements())
    out = capsys.readouterr().out
    assert rc == 0
    assert "--workers 3 is ignored with --scheduler" in out
    assert f"dask scheduler {scheduler['address']}: 1 worker(s)" in out
    doc = json.loads((in_tmp / "audit-out" / "audit.json").read_text())
    env = doc["environment"]
    assert env["scheduler"] == scheduler["address"] and env["workers"] == 1 and env["executor"] == "dask"
    (w,) = env["worker_environment"].values()
    assert w["python"] == sys.version.split()[0] and w["torch"] and w["platform"]
    serial = au.run_audit("ci", only=["ZCZG-A.8"], statements=dist_fakes.statements(), executor="serial",
                          cache_dir=None)
    assert doc["lemmas"][0]["figures"]["slope"] == serial.lemmas[0].figures["slope"]


def test_lost_worker_is_warned_and_the_run_completes(scheduler, start_worker, tmp_path):
    w1, w2 = start_worker("w1"), start_worker("w2")
    events = []
    killed = []

    def on_cell(sid, done, n):
        if done == 2 and not killed:
            killed.append(w2.pid)
            os.killpg(w2.pid, signal.SIGKILL)

    def on_event(msg):
        events.append(msg)

    _wait_for_workers(scheduler["address"], 2)  # both joined before the run (the executor waits for one)
    res = au.run_audit("ci", only=["ZCZG-A.8"], statements=dist_fakes.statements(slow=True), executor="dask",
                       scheduler=scheduler["address"], cache_dir=tmp_path, on_cell=on_cell, on_event=on_event,
                       worker_timeout=30)
    assert killed
    assert any("left" in e and "warning" in e for e in events), events
    assert res.environment["lost_workers"] and res.environment["warnings"]
    serial = au.run_audit("ci", only=["ZCZG-A.8"], statements=dist_fakes.statements(slow=True), executor="serial",
                          cache_dir=None)
    assert res.lemmas[0].verdict == "holds" and res.lemmas[0].figures == serial.lemmas[0].figures


def test_every_worker_lost_stops_the_run(scheduler, start_worker, tmp_path):
    w1 = start_worker("w1")
    _wait_for_workers(scheduler["address"], 1)

    def on_cell(sid, done, n):
        if done == 1:
            os.killpg(w1.pid, signal.SIGKILL)

    t0 = time.monotonic()
    with pytest.raises(ClusterError, match="every dask worker .* was lost"):
        au.run_audit("ci", only=["ZCZG-A.8"], statements=dist_fakes.statements(slow=True), executor="dask",
                     scheduler=scheduler["address"], cache_dir=tmp_path, on_cell=on_cell, worker_timeout=2)
    assert time.monotonic() - t0 < 60
    assert len(list((tmp_path / "ci" / "ZCZG-A.8").glob("*.json"))) >= 1  # finished cells are kept


# ----------------------------------------------------------------------------------------------
# Ctrl-C in a terminal: SIGINT to the process group of an audit on an embedded LocalCluster

SCRIPT = """
import signal
import sys
sys.path.insert(0, {here!r})
import dist_fakes
from overparam_verify.cli import main

if __name__ == "__main__":
    # A terminal's shell starts the audit with SIGINT at its default; a test runner's worker may
    # hand its children SIGINT ignored or blocked (inherited across exec), which Python keeps.
    print("signals at start:", *[l for l in open("/proc/self/status").read().splitlines()
                                 if l.startswith(("SigIgn", "SigBlk"))], flush=True)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {{signal.SIGINT}})
    sys.exit(main(["audit", "--profile", "ci", "--only", "ZCZG-A.8", "--workers", "1", "--heartbeat", "0.5",
                   "--json", "o/a.json", "--markdown", "o/a.md", "--plots", "o/p", "--cache", "cache"] + sys.argv[1:],
                  statements=dist_fakes.statements(slower=True)))
"""


def test_ctrl_c_is_quiet_and_resume_reuses_cells(tmp_path):
    script = tmp_path / "run_audit.py"
    script.write_text(SCRIPT.format(here=str(HERE)))
    p = subprocess.Popen([sys.executable, str(script)], cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                         text=True, start_new_session=True, env=_env())
    lines = []
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            line = p.stdout.readline()
            if not line:
                break
            lines.append(line)
            if "cells done" in line and "] 0/" not in line:  # at least one cell finished and cached
                os.killpg(p.pid, signal.SIGINT)  # what a terminal's Ctrl-C does
                break
        rest, _ = p.communicate(timeout=60)
    finally:
        _kill(p)
    out = "".join(lines) + rest
    assert p.returncode == 130, out
    assert "interrupted: finished cells are kept" in out
    assert "Traceback" not in out and "KeyboardInterrupt" not in out, out
    assert "starting a dask LocalCluster" in out  # a line while the cluster starts

    again = subprocess.run([sys.executable, str(script), "--resume"], cwd=tmp_path, capture_output=True, text=True,
                           timeout=180, env=_env(), start_new_session=True)
    both = again.stdout + again.stderr
    assert again.returncode == 0, both
    assert "Traceback" not in both, both
    n = int(both.split("reused ")[1].split()[0])
    assert 1 <= n < len(dist_fakes.slower_cells("ci"))
