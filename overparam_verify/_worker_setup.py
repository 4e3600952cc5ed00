"""dask worker preload of the audit's embedded LocalCluster (see :mod:`overparam_verify.cluster`):
the worker ignores SIGINT, so Ctrl-C in a terminal (sent to the whole process group) interrupts
only the client, which then closes the cluster; no worker prints a KeyboardInterrupt traceback."""
from __future__ import annotations

import logging
import signal
import threading


def dask_setup(worker) -> None:  # noqa: ARG001 - dask's preload hook
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, signal.SIG_IGN)
    logging.getLogger("distributed").setLevel(logging.CRITICAL)
