"""A one-statement transaction with psycopg as usual (BEGIN, the statement, COMMIT: three round trips)
against the same with BEGIN and the statement sent in one pipeline: CPU of this process and of its
PostgreSQL backend (/proc; the server must run on this machine) per transaction.

``.venv/bin/python bench/profiles/nt5/pipeline_micro.py [postgresql://postgres@127.0.0.1:5433/postgres]``
"""
import os
import sys
import time
from pathlib import Path

import psycopg


def backend(pid: int) -> float:
    stat = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(stat[11]) + int(stat[12])) / os.sysconf("SC_CLK_TCK")


conn = psycopg.connect(sys.argv[1] if len(sys.argv) > 1 else "postgresql://postgres@127.0.0.1:5433/postgres")
pid = conn.execute("SELECT pg_backend_pid()").fetchone()[0]
conn.commit()
QUERY = "SELECT x FROM unnest(CAST(%(a)s AS varchar[])) AS x"


def plain():
    cur = conn.cursor()
    cur.execute(QUERY, {"a": ["a", "b"]})
    cur.fetchall()
    conn.commit()


def piped():
    cur = conn.cursor()
    with conn.pipeline():
        cur.execute(QUERY, {"a": ["a", "b"]})
    cur.fetchall()
    conn.commit()


for _ in range(3):
    for name, run in (("plain", plain), ("piped", piped)):
        for _ in range(50):
            run()
        cpu, pg = time.process_time(), backend(pid)
        for _ in range(1000):
            run()
        print(f"{name}: client {1e3 * (time.process_time() - cpu):.0f} µs, PostgreSQL {1e3 * (backend(pid) - pg):.0f} µs"
              " per transaction")
