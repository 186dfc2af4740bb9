"""Test helpers: real infrastructure found by URL, throwaway databases and broker names, tokens.

Integration tests take PostgreSQL and RabbitMQ from the environment (``TEST_DATABASE_URL`` or
``DATABASE_URL``; ``TEST_AMQP_URL`` or ``AMQP_URL``), else start them with testcontainers where a
Docker engine answers, else skip with the reason, except under ``CI=true``, where a missing
service fails the run instead: CI must never pass by skipping.
"""
from __future__ import annotations

import atexit
import os
import uuid
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import pytest

from .auth import Principal, TokenIssuer, TokenVerifier, generate_private_key_pem
from .db import drop_database, ensure_database, normalise_url

# libs/common/common/testing.py -> the repository (the package is installed in editable mode).
REPOSITORY = Path(__file__).resolve().parents[3]


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() == "true"


def unavailable(reason: str):
    """Skip loudly, or fail under CI=true."""
    if in_ci():
        pytest.fail(f"CI=true and a required service is unavailable: {reason}", pytrace=False)
    pytest.skip(f"SKIPPED, infrastructure missing: {reason}")


def _docker_available() -> bool:
    try:
        import docker  # type: ignore

        docker.from_env(timeout=2).ping()
        return True
    except Exception:
        return False


def postgres_server_url() -> str:
    """A PostgreSQL server URL (any database on it; throwaway ones are created beside it)."""
    url = os.environ.get("TEST_DATABASE_URL") or os.environ.get("DATABASE_URL")
    if url and url.startswith(("postgres", "postgresql")):
        return normalise_url(url)
    if _docker_available():
        from testcontainers.postgres import PostgresContainer  # type: ignore

        container = PostgresContainer("postgres:16")
        container.start()
        atexit.register(container.stop)
        return normalise_url(container.get_connection_url())
    unavailable("no TEST_DATABASE_URL/DATABASE_URL (PostgreSQL) and no Docker engine for testcontainers")
    raise AssertionError("unreachable")


def amqp_server_url() -> str:
    url = os.environ.get("TEST_AMQP_URL") or os.environ.get("AMQP_URL")
    if url and url.startswith("amqp"):
        return url
    if _docker_available():
        from testcontainers.rabbitmq import RabbitMqContainer  # type: ignore

        container = RabbitMqContainer("rabbitmq:3.13")
        container.start()
        atexit.register(container.stop)
        host, port = container.get_container_host_ip(), container.get_exposed_port(5672)
        return f"amqp://guest:guest@{host}:{port}//"
    unavailable("no TEST_AMQP_URL/AMQP_URL (RabbitMQ) and no Docker engine for testcontainers")
    raise AssertionError("unreachable")


def redis_server_url() -> str:
    """A Redis URL (``TEST_REDIS_URL`` or ``REDIS_URL``, else the local default) that answers; else skip/fail."""
    url = os.environ.get("TEST_REDIS_URL") or os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0"
    try:
        import redis

        redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2).ping()
    except Exception as exc:
        unavailable(f"Redis at {url.split('@')[-1]} does not answer: {exc}")
    return url


def check_reachable(url: str, what: str) -> None:
    """Fail (CI) or skip when the server behind ``url`` does not answer."""
    from sqlalchemy import create_engine, text

    try:
        if what == "postgres":
            engine = create_engine(url)
            with engine.connect() as conn:
                conn.execute(text("SELECT 1"))
            engine.dispose()
        else:
            from kombu import Connection

            with Connection(url, connect_timeout=3) as conn:
                conn.ensure_connection(max_retries=1)
    except Exception as exc:
        unavailable(f"{what} at {url.split('@')[-1]} does not answer: {exc}")


def unique_name(label: str) -> str:
    """A name no other test run uses (databases, exchange prefixes)."""
    return f"sdtest_{uuid.uuid4().hex[:10]}_{label}"


@contextmanager
def throwaway_database(server_url: str, label: str) -> Iterator[str]:
    """Create a fresh database on the server for one test run and drop it afterwards."""
    from sqlalchemy.engine import make_url

    url = make_url(server_url).set(database=unique_name(label)).render_as_string(hide_password=False)
    ensure_database(url)
    try:
        yield url
    finally:
        drop_database(url)


class TokenFactory:
    """Mints real signed tokens for tests and verifies them with the matching public key."""

    def __init__(self):
        self.private_pem = generate_private_key_pem()
        self.issuer = TokenIssuer(self.private_pem)
        self.verifier = TokenVerifier([self.issuer.public_pem])

    def mint(self, account_id: str | None = None, email: str = "someone@example.com", role: str = "customer",
             name: str | None = None, language: str = "en") -> str:
        principal = Principal(id=account_id or str(uuid.uuid4()), email=email, role=role, name=name,
                              language=language)
        return self.issuer.issue(principal)


def jsm_openapi_document() -> dict:
    """Atlassian's OpenAPI document of the JSM API, which our JSM responses must validate against.

    The repository keeps a copy in ``tests/fixtures/jsm-openapi.json`` (its README says where it
    comes from); ``JSM_OPENAPI`` names another copy to test against instead.
    """
    import json
    from pathlib import Path

    override = os.environ.get("JSM_OPENAPI")
    path = Path(override) if override else REPOSITORY / "tests" / "fixtures" / "jsm-openapi.json"
    if not path.is_file():
        pytest.fail(f"Atlassian's OpenAPI document is missing: {path}", pytrace=False)
    return json.loads(path.read_text())


def wait_for(predicate, timeout: float = 15.0, interval: float = 0.05, what: str = "condition"):
    """Poll ``predicate`` until it returns something truthy and return that; fail naming ``what``."""
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    pytest.fail(f"timed out after {timeout}s waiting for {what}")


def free_port() -> int:
    """A TCP port on loopback nobody listens on right now (for servers that cannot take port 0)."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def stop_process(proc, timeout: float = 15.0) -> None:
    """Stop a server a test started: SIGTERM, then SIGKILL if it has not exited within ``timeout``."""
    import subprocess

    proc.terminate()
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


# Generated and table-driven suites count their cases here; the pytest plugin prints the totals.
CASE_COUNTS: dict[str, int] = {}


def count_cases(name: str, n: int = 1) -> None:
    """Add ``n`` cases to the total reported as ``name`` at the end of the run."""
    CASE_COUNTS[name] = CASE_COUNTS.get(name, 0) + n


def fuzz_budget(default: int) -> int:
    """Examples for a property-based test: ``default`` in ``make test``, times ``FUZZ_SCALE`` in ``make fuzz``."""
    return default * max(1, int(os.environ.get("FUZZ_SCALE", "1")))


def fuzz_derandomized() -> bool:
    """Generated suites repeat the same examples in ``make test``; ``make fuzz`` (FUZZ_RANDOM=1) explores."""
    return os.environ.get("FUZZ_RANDOM", "") != "1"
