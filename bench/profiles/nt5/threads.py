"""paced.py's rounds, each also giving the notifier worker's CPU per event thread by thread (from
/proc/<pid>/task: the main thread is the consumer, then the claimer and the SMTP sessions in the order
they started), to tell the consumer's share from the senders'.

``.venv/bin/python bench/profiles/nt5/threads.py --paced 200 --seconds 10 --rounds 2 --version ...``
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import paced  # noqa: E402,F401  (ports 9240-9259, latency)
import notifier_stack as ns  # noqa: E402

_paced = ns.paced_round


def per_thread(pid: int) -> dict[int, float]:
    tick = os.sysconf("SC_CLK_TCK")
    found = {}
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            stat = task.joinpath("stat").read_text().rsplit(")", 1)[1].split()
        except (FileNotFoundError, ProcessLookupError):
            continue
        found[int(task.name)] = (int(stat[11]) + int(stat[12])) / tick
    return found


def paced_round(system, rate: float, seconds: float) -> dict:
    pid = system.stack.processes["notifier-worker"].pid
    before = per_thread(pid)
    got = _paced(system, rate, seconds)
    after = per_thread(pid)
    n = got["events"]
    threads = {}
    for tid in sorted(after):
        name = "consumer" if tid == pid else f"thread-{len(threads)}"
        threads[name] = round(1000 * (after[tid] - before.get(tid, 0.0)) / n, 3)
    got["thread_ms_per_event"] = threads
    return got


ns.paced_round = paced_round

if __name__ == "__main__":
    ns.main()
