"""Gunicorn hooks imported by each gunicorn.conf.py: prometheus-client's multiprocess mode, and a
worker's start-up (``post_worker_init``).

Each gunicorn server gets a metrics folder of its own (``PROMETHEUS_MULTIPROC_DIR``, a fresh
temporary folder unless set), emptied when the server starts, so values never leak between
servers or restarts. The variable is set here, in the master, before any worker imports
prometheus-client (which reads it on import); the workers inherit it.
"""
from __future__ import annotations

import gc
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


def post_worker_init(worker) -> None:
    """Move what the loaded app holds (modules, kept statements, schemas) out of the collector's reach.

    Those objects live as long as the worker, yet every full collection walked them again: about a
    millisecond per list of 50 (``bench/profiles/readfast2.md``, ``readfast2_inproc.py --gc-freeze``:
    0.9-1.3 ms of collections per list before, 0.2-0.5 ms after)."""
    gc.freeze()
