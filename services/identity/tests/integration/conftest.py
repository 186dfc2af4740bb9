"""Integration fixtures: a throwaway PostgreSQL database migrated once, tables emptied between tests."""
from __future__ import annotations

import json

import pytest
from sqlalchemy import create_engine, text

from common.auth import generate_private_key_pem
from common.db import normalise_url
from common.testing import check_reachable, postgres_server_url, throwaway_database, unique_name
from identity.app import create_app
from identity.cli import migrate
from identity.ratelimit import MemoryCounters
from identity.services import accounts
from identity.settings import Settings

PASSWORD = "a sturdy passphrase"
TABLES = "desk_agents, desk_organisations, desk_customers, organisation_members, organisations, api_tokens, refresh_tokens, one_time_tokens, accounts, outbox, inbox"


@pytest.fixture(scope="session")
def database_url():
    server = postgres_server_url()
    check_reachable(server, "postgres")
    with throwaway_database(server, "identity") as url:
        migrate(url)
        yield url


@pytest.fixture(scope="session")
def settings(database_url) -> Settings:
    return Settings(database_url=database_url, amqp_url="memory://", private_key_pem=generate_private_key_pem(),
                    bus_prefix=unique_name("bus") + ".", public_url="http://portal.test",
                    argon2_time_cost=1, argon2_memory_cost=8, argon2_parallelism=1, trusted_proxies=1)


@pytest.fixture(scope="session")
def app(settings):
    application = create_app(settings)
    application.testing = True
    yield application
    application.extensions["db_engine"].dispose()


@pytest.fixture(autouse=True)
def clean(app, database_url):
    engine = create_engine(normalise_url(database_url))
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {TABLES} RESTART IDENTITY CASCADE"))
    engine.dispose()
    app.extensions["identity"].limiter.counters = MemoryCounters()
    yield


@pytest.fixture
def deps(app):
    return app.extensions["identity"]


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def outbox(app):
    """Return the outbox rows as (routing_key, CloudEvent dict), oldest first."""

    def rows(routing_key: str | None = None):
        with app.extensions["db_engine"].connect() as conn:
            found = conn.execute(text("SELECT routing_key, body FROM outbox ORDER BY id")).all()
        return [json.loads(body) for key, body in found if routing_key is None or key == routing_key]

    return rows


class Api:
    """Flask test client with JSON helpers and bearer tokens."""

    PASSWORD = PASSWORD

    def __init__(self, client, deps):
        self.client = client
        self.deps = deps

    def call(self, method: str, path: str, json=None, token: str | None = None, headers=None):
        all_headers = dict(headers or {})
        if token:
            all_headers["Authorization"] = f"Bearer {token}"
        return self.client.open(path, method=method, json=json, headers=all_headers)

    def user(self, email: str, role: str = "customer", password: str = PASSWORD, name: str | None = None):
        return accounts.create_account(self.deps, email=email, password=password, role=role, display_name=name)

    def login(self, email: str, password: str = PASSWORD) -> dict:
        response = self.call("POST", "/api/identity/login", {"email": email, "password": password})
        assert response.status_code == 200, response.get_json()
        return response.get_json()

    @staticmethod
    def link_token(link: str) -> str:
        return link.split("token=", 1)[1]

    def token_for(self, email: str, role: str = "customer") -> str:
        self.user(email, role)
        return self.login(email)["access_token"]


@pytest.fixture
def api(client, deps):
    return Api(client, deps)
