"""CPU time of the stack's processes over a scenario, and py-spy profiles of them (per-core figures)."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import text

TICK = os.sysconf("SC_CLK_TCK")
# The application_name of the harness's own connections (``System.engines``), left out of a round's CPU.
HARNESS = "bench-harness"


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system, every thread) used so far by ``pid`` and its live children."""
    from .system import children

    total = 0.0
    for one in [pid, *children(pid)]:
        try:
            fields = Path(f"/proc/{one}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / TICK
    return total


class CpuMeter:
    """CPU seconds the named stack processes spend between ``start()`` and ``stop()`` (per-core figures)."""

    def __init__(self, system, names: list[str]):
        self.system, self.names = system, names

    def start(self) -> "CpuMeter":
        self.pids = {n: self.system.stack.processes[n].pid for n in self.names}
        self.before = {n: cpu_seconds(p) for n, p in self.pids.items()}
        self.wall = time.monotonic()
        return self

    def stop(self) -> dict:
        used = {n: round(cpu_seconds(p) - self.before[n], 2) for n, p in self.pids.items()}
        return {"cpu_s": used, "cpu_s_total": round(sum(used.values()), 2),
                "wall_s": round(time.monotonic() - self.wall, 2)}


class StackCpu:
    """CPU seconds of every stack process and of the PostgreSQL backends serving the bench's databases
    over one scenario: where a scenario's CPU goes, per process kind (the broker is shared, not counted).

    Backends are listed again when the scenario ends, keyed by pid *and* start time: a pool opens
    connections during a round (the 1M rounds follow a reseed), and a pid can be reused by a backend of
    another database, so a list taken only at the start would miss or misattribute them. A backend
    that started during the round is counted from zero; one that ended before the round's end is lost
    (its CPU can no longer be read), which undercounts a little, never overcounts. Both listings run on
    one connection held for the round, and the harness's own connections (``HARNESS``) are left out."""

    def __init__(self, system):
        self.system = system

    def _processes(self) -> dict[str, list[int]]:
        from .system import children

        pids: dict[str, list[int]] = {}
        for name, proc in self.system.stack.processes.items():
            kind = name.rstrip("-0123456789") if name.startswith("notifier-worker") else name
            pids.setdefault(kind, []).extend([proc.pid, *children(proc.pid)])
        return pids

    def _backends(self) -> dict[tuple[int, str], str]:
        """(pid, backend start) -> process kind, for every backend connected to one of the bench's databases
        but the harness's own (``HARNESS``: seeding, the backlog watch, these listings)."""
        rows = self._listing.execute(text(
            "SELECT datname, pid, backend_start::text FROM pg_stat_activity "
            "WHERE datname LIKE :p AND pid <> pg_backend_pid() AND coalesce(application_name, '') <> :harness"),
            {"p": f"{self.system.db_prefix}%", "harness": HARNESS}).all()
        self._listing.rollback()  # a new snapshot of the statistics next time
        return {(pid, started): f"postgres ({datname[len(self.system.db_prefix):]})" for datname, pid, started in rows}

    @staticmethod
    def _ticks(pid: int) -> float | None:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return None
        return (int(fields[11]) + int(fields[12])) / TICK

    def _read_processes(self) -> dict[int, float]:
        return {pid: t for group in self.pids.values() for pid in group if (t := self._ticks(pid)) is not None}

    def __enter__(self) -> "StackCpu":
        # One connection for both listings: a pooled one could be another backend at the end, and the
        # one excluded at the start (itself) would then count with its whole life's CPU.
        self._listing = self.system.engines["tickets"].connect()
        self.pids = self._processes()
        self.backends_before = self._backends()
        self.before = self._read_processes()
        self.backend_cpu_before = {key: t for key in self.backends_before if (t := self._ticks(key[0])) is not None}
        self.started = time.monotonic()
        return self

    def __exit__(self, *exc) -> None:
        after = self._read_processes()
        try:
            backends_after = self._backends()
        finally:
            self._listing.close()
        backend_cpu_after = {key: t for key in backends_after if (t := self._ticks(key[0])) is not None}
        self.wall = round(time.monotonic() - self.started, 2)
        used: dict[str, float] = {}
        for kind, group in self.pids.items():
            used[kind] = sum(after[p] - self.before.get(p, 0.0) for p in group if p in after)
        self.largest = []
        for key, kind in backends_after.items():
            if key in backend_cpu_after:
                delta = backend_cpu_after[key] - self.backend_cpu_before.get(key, 0.0)
                used[kind] = used.get(kind, 0.0) + delta
                self.largest.append({"kind": kind, "pid": key[0], "started": key[1], "cpu_s": round(delta, 2),
                                     "listed_before": key in self.backend_cpu_before})
        self.largest = sorted(self.largest, key=lambda b: -b["cpu_s"])[:4]
        self.used = {k: round(v, 2) for k, v in used.items() if v > 0.005}

    def summary(self, done: int) -> dict:
        """CPU seconds per process kind, and CPU milliseconds per unit of work (``done``: requests, events)."""
        return {"wall_s": self.wall, "cpu_s": self.used, "cpu_s_total": round(sum(self.used.values()), 2),
                "largest_backends": self.largest,
                "cpu_ms_per_unit": {k: round(1000 * v / done, 2) for k, v in self.used.items()} if done else {}}


def profile_process(pid: int, seconds: float, path: Path, idle: bool = False) -> subprocess.Popen | None:
    """py-spy (when installed) sampling ``pid`` for ``seconds`` into ``path`` (raw format), in the background;
    ``idle`` keeps the samples of threads waiting on a socket (where a process that waits spends its time)."""
    spy = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    if not Path(spy).exists():
        return None
    path.parent.mkdir(parents=True, exist_ok=True)
    return subprocess.Popen([spy, "record", "--pid", str(pid), "-r", "50", "--nonblocking", "--format", "raw",
                             "-d", str(max(1, round(seconds))), "-o", str(path), *(["--idle"] if idle else [])],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
