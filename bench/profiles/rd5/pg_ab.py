"""PostgreSQL backend CPU per run of two statements, alternating: ``ROUNDS`` rounds, each runs A then B
``N`` times on one connection and reads the backend's user+system ticks (``/proc/<pid>/stat``, 10 ms)
before and after; prints per round ms per run of each and the medians and ratio.

``python pg_ab.py URL A.sql B.sql [N] [ROUNDS]``
"""
import os
import statistics
import sys
import time

import psycopg

url, a_path, b_path = sys.argv[1:4]
n = int(sys.argv[4]) if len(sys.argv) > 4 else 300
rounds = int(sys.argv[5]) if len(sys.argv) > 5 else 7
tick = os.sysconf("SC_CLK_TCK")
sqls = [open(p).read() for p in (a_path, b_path)]


def cpu(pid):
    with open(f"/proc/{pid}/stat") as f:
        parts = f.read().rsplit(")", 1)[1].split()
    return (int(parts[11]) + int(parts[12])) / tick


with psycopg.connect(url, autocommit=True) as conn:
    pid = conn.execute("SELECT pg_backend_pid()").fetchone()[0]
    for sql in sqls:  # warm the caches
        for _ in range(20):
            conn.execute(sql).fetchall()
    got = ([], [])
    for r in range(rounds):
        line = []
        for which, sql in enumerate(sqls):
            before, began = cpu(pid), time.perf_counter()
            for _ in range(n):
                conn.execute(sql).fetchall()
            spent = (cpu(pid) - before) / n * 1000
            got[which].append(spent)
            line.append(f"{spent:.3f} ms cpu ({(time.perf_counter() - began) / n * 1000:.3f} wall)")
        print(f"round {r + 1}: A {line[0]}  B {line[1]}", flush=True)
    a, b = statistics.median(got[0]), statistics.median(got[1])
    print(f"median A {a:.3f} ms  B {b:.3f} ms  B/A {b / a:.2f}")
