"""nt4/paced_latency.py (notifier_stack.py's paced rounds with publish -> email latency and the worker's CPU
split), with the stack's ports taken from 9240-9259 instead of any free port.

``.venv/bin/python bench/profiles/nt5/paced.py --paced 200 --seconds 10 --rounds 3 \
    --version before=/tmp/nt5-before/services/notifier --version after=``
"""
from __future__ import annotations

import socket
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "nt4"))
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE.parents[2]))

import bench.system  # noqa: E402

_range = iter(range(9240, 9260))


def free_port() -> int:
    for port in _range:
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port left in 9240-9259")


bench.system.free_port = free_port

import paced_latency  # noqa: E402,F401  (patches notifier_stack's paced round and spy)
import notifier_stack as ns  # noqa: E402

if __name__ == "__main__":
    ns.main()
