"""Forgot-password timing: known and unknown emails must not be told apart by response time.

Drives ``POST /api/identity/password/forgot`` for N known and N unknown emails, interleaved, and prints
the median and p95 of each group and the difference of the medians. Exits 1 when that difference
exceeds the bound.

- In-process (default): a throwaway PostgreSQL database on ``DATABASE_URL``, the app through the Flask
  test client, N accounts created first.
- Against a running service: ``--base-url http://host:port --known-file emails.txt`` (one existing
  account per line; the target's forgot and address rate limits must allow 2N requests).

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres python benchmarks/forgot_password_timing.py -n 200
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
import uuid
from contextlib import contextmanager
from typing import Callable, Iterator

PATH = "/api/identity/password/forgot"
Post = Callable[[str], int]


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def measure(post: Post, known: list[str], unknown: list[str], warmup: int) -> tuple[list[float], list[float]]:
    """Time each request in ms; known and unknown alternate so drift affects both groups alike."""
    for n in range(warmup):
        post(f"warmup-{n}-{uuid.uuid4().hex[:8]}@example.org")
    times: dict[str, list[float]] = {"known": [], "unknown": []}
    for known_email, unknown_email in zip(known, unknown):
        for group, email in (("known", known_email), ("unknown", unknown_email)):
            started = time.perf_counter()
            status = post(email)
            times[group].append((time.perf_counter() - started) * 1000)
            if status != 202:
                raise SystemExit(f"{email}: expected 202, got {status} (rate limits too low for this run?)")
    return times["known"], times["unknown"]


@contextmanager
def in_process(n: int) -> Iterator[tuple[Post, list[str]]]:
    """The app on a throwaway database with ``n`` known accounts."""
    from common.auth import generate_private_key_pem
    from common.testing import postgres_server_url, throwaway_database, unique_name
    from identity.app import create_app
    from identity.cli import migrate
    from identity.services import accounts
    from identity.settings import Settings

    with throwaway_database(postgres_server_url(), "forgotbench") as url:
        migrate(url)
        settings = Settings(database_url=url, amqp_url="memory://", private_key_pem=generate_private_key_pem(),
                            bus_prefix=unique_name("bench") + ".", argon2_time_cost=1, argon2_memory_cost=8,
                            forgot_limit=10 * n + 100, address_limit=10 * n + 100)
        app = create_app(settings)
        deps = app.extensions["identity"]
        known = [f"known{i}@example.com" for i in range(n)]
        for email in known:
            accounts.create_account(deps, email=email, password="a sturdy passphrase")
        client = app.test_client()
        try:
            yield (lambda email: client.post(PATH, json={"email": email}).status_code), known
        finally:
            app.extensions["db_engine"].dispose()


@contextmanager
def remote(base_url: str, known_file: str) -> Iterator[tuple[Post, list[str]]]:
    import httpx

    with open(known_file, encoding="utf-8") as handle:
        known = [line.strip() for line in handle if line.strip()]
    with httpx.Client(base_url=base_url.rstrip("/"), timeout=30) as client:
        yield (lambda email: client.post(PATH, json={"email": email}).status_code), known


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=100, help="requests per group (default 100)")
    parser.add_argument("--bound-ms", type=float, default=25.0, help="largest allowed median difference")
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--base-url", help="a running identity service (or the gateway) instead of in-process")
    parser.add_argument("--known-file", help="with --base-url: existing accounts' emails, one per line")
    args = parser.parse_args(argv)
    if args.base_url and not args.known_file:
        parser.error("--base-url needs --known-file")
    target = remote(args.base_url, args.known_file) if args.base_url else in_process(args.n)
    with target as (post, known):
        known = (known * (args.n // max(len(known), 1) + 1))[: args.n]
        unknown = [f"nobody-{uuid.uuid4().hex[:12]}@example.org" for _ in range(args.n)]
        known_ms, unknown_ms = measure(post, known, unknown, args.warmup)
    difference = statistics.median(known_ms) - statistics.median(unknown_ms)
    for group, values in (("known", known_ms), ("unknown", unknown_ms)):
        print(f"{group:8} n={len(values):4}  median {statistics.median(values):7.2f} ms  "
              f"p95 {percentile(values, 0.95):7.2f} ms")
    print(f"median difference (known - unknown): {difference:+.2f} ms (bound {args.bound_ms:.0f} ms)")
    if abs(difference) > args.bound_ms:
        print("FAIL: known and unknown emails can be told apart by response time")
        return 1
    print("OK")
    return 0


if __name__ == "__main__":
    sys.exit(main())
