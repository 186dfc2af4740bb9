"""Make ``readfast2_inproc.py``'s snapshot with the bench's stack on a fixed range of ports.

``bench.system.System`` takes free ports from the kernel; on a machine shared with other stacks this
hands out ports from ``--ports`` (first:last) instead, then runs ``readfast2_inproc.make_snapshot``.

``DATABASE_URL=postgresql://postgres@127.0.0.1:5433/postgres .venv/bin/python bench/profiles/tr4/snapshot.py
/tmp/tr4.dump --ports 9200:9219 [--tickets 100000]``
"""
from __future__ import annotations

import argparse
import socket
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

import readfast2_inproc  # noqa: E402

from bench import system  # noqa: E402


def port_range(first: int, last: int):
    def free_port() -> int:
        for port in range(first, last + 1):
            if port in handed:
                continue
            with socket.socket() as sock:
                try:
                    sock.bind(("127.0.0.1", port))
                except OSError:
                    continue
            handed.add(port)
            return port
        raise RuntimeError(f"no free port left in {first}-{last}")
    handed: set[int] = set()
    return free_port


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("path", type=Path)
    parser.add_argument("--ports", default="9200:9219")
    parser.add_argument("--tickets", type=int, default=100_000)
    args = parser.parse_args()
    first, last = map(int, args.ports.split(":"))
    system.free_port = port_range(first, last)
    readfast2_inproc.make_snapshot(args.path, args.tickets)
    return 0


if __name__ == "__main__":
    sys.exit(main())
