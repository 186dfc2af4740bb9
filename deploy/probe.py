"""Exec probe for the processes that serve no HTTP (outbox relays and bus workers).

    python /src/deploy/probe.py live
        Passes while the process is making progress: when ``HEARTBEAT_FILE`` is set and the file
        exists, its age must stay under ``HEARTBEAT_MAX_AGE`` seconds (default 120). Until the loop
        writes that file, it only checks that PID 1 is neither a zombie nor stopped. It never
        touches the database or the broker: a dependency outage must not restart the pod.
    python /src/deploy/probe.py ready VAR [VAR ...]
        Passes when a TCP connection opens to the host of every URL held in the named variables
        (e.g. ``TICKETS_DATABASE_URL AMQP_URL``). Only host and port are ever printed: URLs carry
        passwords.
"""
from __future__ import annotations

import os
import socket
import sys
import time
from urllib.parse import urlsplit

DEFAULT_PORTS = {
    "postgresql": 5432, "postgres": 5432, "amqp": 5672, "pyamqp": 5672, "amqps": 5671,
    "smtp": 25, "smtps": 465, "redis": 6379, "rediss": 6379, "imap": 143, "imaps": 993,
}


def live() -> int:
    """0 when the heartbeat is fresh (or, before the first beat, PID 1 is running)."""
    path = os.environ.get("HEARTBEAT_FILE")
    if path and os.path.exists(path):
        age = time.time() - os.path.getmtime(path)
        limit = float(os.environ.get("HEARTBEAT_MAX_AGE", "120"))
        if age > limit:
            print(f"heartbeat {path} is {age:.0f}s old (limit {limit:.0f}s)")
            return 1
        return 0
    with open("/proc/1/stat") as stat:
        state = stat.read().rsplit(")", 1)[1].split()[0]
    if state in {"Z", "T", "X"}:
        print(f"PID 1 is in state {state}")
        return 1
    return 0


def ready(names: list[str]) -> int:
    """0 when every URL named by ``names`` accepts a TCP connection; non-network URLs pass."""
    failed = 0
    for name in names:
        value = os.environ.get(name)
        if not value:
            print(f"{name} is not set")
            failed += 1
            continue
        parts = urlsplit(value)
        scheme = parts.scheme.split("+", 1)[0]
        if scheme not in DEFAULT_PORTS or not parts.hostname:
            continue  # sqlite:///, memory://, a mailbox folder: nothing to reach
        address = (parts.hostname, parts.port or DEFAULT_PORTS[scheme])
        try:
            socket.create_connection(address, timeout=3).close()
        except OSError as exc:
            print(f"{name}: cannot reach {address[0]}:{address[1]}: {exc}")
            failed += 1
    return 1 if failed else 0


def main(argv: list[str]) -> int:
    """Dispatch ``live`` or ``ready VAR...``; 2 on a usage error."""
    if argv[:1] == ["live"]:
        return live()
    if argv[:1] == ["ready"] and len(argv) > 1:
        return ready(argv[1:])
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
