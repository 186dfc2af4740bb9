"""notifier_stack.py's paced rounds, each also giving publish -> email latency (p50/p99/max at the sink) and
the notifier worker's user/system CPU and context switches over the round.

``.venv/bin/python bench/profiles/nt4/paced_latency.py --paced 100 --version before=... --version after=``
(the arguments of notifier_stack.py). The latency is from the event's publish to the bus (no outbox, no
relay) to its email's arrival at the sink, for every email of the round.
"""
from __future__ import annotations

import json
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
import notifier_stack as ns  # noqa: E402

_paced = ns.paced_round


def _threads(pid: int) -> tuple[float, float, int, int]:
    """utime s, stime s, voluntary and involuntary context switches, over the process's threads."""
    import os

    tick = os.sysconf("SC_CLK_TCK")
    user = system = vol = invol = 0
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            stat = (task / "stat").read_text().rsplit(")", 1)[1].split()
            user, system = user + int(stat[11]), system + int(stat[12])
            for line in (task / "status").read_text().splitlines():
                if line.startswith("voluntary_ctxt_switches"):
                    vol += int(line.split()[1])
                elif line.startswith("nonvoluntary_ctxt_switches"):
                    invol += int(line.split()[1])
        except (FileNotFoundError, ProcessLookupError):
            continue
    return user / tick, system / tick, vol, invol


def paced_round(system, rate: float, seconds: float) -> dict:
    from common.bus.publisher import Publisher

    published: dict[str, float] = {}
    original = Publisher.publish_batch

    def publish_batch(self, items, *args, **kwargs):
        result = original(self, items, *args, **kwargs)
        now = time.monotonic()
        for item in items:
            published[json.loads(item.body)["id"]] = now
        return result

    Publisher.publish_batch = publish_batch
    pid = system.stack.processes["notifier-worker"].pid
    mark = system.sink.count()
    before = _threads(pid)
    try:
        got = _paced(system, rate, seconds)
    finally:
        Publisher.publish_batch = original
    after = _threads(pid)
    waits = sorted(at - published[event_id] for at, _to, _subject, event_id in system.sink.since(mark)
                   if event_id in published)
    n = got["events"]
    got["latency_ms"] = {"emails": len(waits), "p50": round(1000 * waits[len(waits) // 2], 1),
                         "p99": round(1000 * waits[int(len(waits) * 0.99)], 1), "max": round(1000 * waits[-1], 1)}
    got["worker_per_event"] = {"user_ms": round(1000 * (after[0] - before[0]) / n, 2),
                               "system_ms": round(1000 * (after[1] - before[1]) / n, 2),
                               "voluntary_switches": round((after[2] - before[2]) / n, 1),
                               "involuntary_switches": round((after[3] - before[3]) / n, 1)}
    return got


def spy(pid: int, seconds: float, path: Path):
    """py-spy at ``NT4_SPY_RATE`` samples/s (200), of every thread on CPU (no ``--gil``) unless NT4_SPY_GIL=1."""
    import os
    import shutil
    import subprocess

    args = [shutil.which("py-spy") or str(ns.ROOT / ".venv" / "bin" / "py-spy"), "record", "--pid", str(pid),
            "-r", os.environ.get("NT4_SPY_RATE", "200"), "--nonblocking", "--format", "raw",
            "-d", str(round(seconds)), "-o", str(path)]
    if os.environ.get("NT4_SPY_GIL") == "1":
        args.append("--gil")
    return subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


ns.paced_round = paced_round
ns.spy = spy

if __name__ == "__main__":
    ns.main()
