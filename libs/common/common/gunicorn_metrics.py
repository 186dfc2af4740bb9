"""Gunicorn hooks for prometheus-client's multiprocess mode, imported by each gunicorn.conf.py.

Each gunicorn server gets a metrics folder of its own (``PROMETHEUS_MULTIPROC_DIR``, a fresh
temporary folder unless set), emptied when the server starts, so values never leak between
servers or restarts. The variable is set here, in the master, before any worker imports
prometheus-client (which reads it on import); the workers inherit it.
"""
from __future__ import annotations

import os
import shutil
import tempfile


def configure() -> str:
    """Set PROMETHEUS_MULTIPROC_DIR (when unset) to a new folder and return it."""
    folder = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if not folder:
        folder = tempfile.mkdtemp(prefix="prometheus-")
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = folder
    return folder


def on_starting(server) -> None:
    """Start with an empty metrics folder."""
    folder = configure()
    for entry in os.listdir(folder):
        path = os.path.join(folder, entry)
        shutil.rmtree(path) if os.path.isdir(path) else os.remove(path)


def child_exit(server, worker) -> None:
    """Drop the live gauges of a worker that exited (its counters stay summed)."""
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)
