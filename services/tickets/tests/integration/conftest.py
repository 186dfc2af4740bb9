"""PostgreSQL-backed fixtures: one throwaway database per run, emptied between tests."""
from __future__ import annotations

import uuid

import pytest
from kombu import Connection
from sqlalchemy import text

from common.db import make_engine, transaction
from common.testing import (
    TokenFactory, amqp_server_url, check_reachable, postgres_server_url, throwaway_database, unique_name,
)
from tickets.app import create_app
from tickets.cli import migrate
from tickets.demo import load
from tickets.settings import Settings
from tickets.store.accounts import AccountRepository

EMPTIED = ("attachments", "temporary_attachments", "attachment_blobs", "comments", "ticket_history", "ticket_participants", "ticket_shares", "ticket_mutes", "ticket_watchers",
           "ticket_invitations", "tickets", "ticket_counts", "accounts", "organization_members", "organizations", "desk_organizations",
           "desk_agents", "desk_pending_agents", "desk_customers", "outbox", "inbox")
DEMO_DESKS = (1, 2, 3)


@pytest.fixture(scope="session")
def database_url():
    server = postgres_server_url()
    check_reachable(server, "postgres")
    with throwaway_database(server, "tickets") as url:
        settings = Settings(database_url=url)
        migrate(settings)
        load(settings)
        yield url


@pytest.fixture(scope="session")
def tokens() -> TokenFactory:
    return TokenFactory()


@pytest.fixture(scope="session")
def settings(database_url, tokens, tmp_path_factory) -> Settings:
    key = tmp_path_factory.mktemp("keys") / "public.pem"
    key.write_bytes(tokens.issuer.public_pem)
    return Settings(database_url=database_url, jwt_public_key_file=str(key), public_url="http://portal.test")


@pytest.fixture
def bus_settings(settings):
    """Settings on RabbitMQ with a unique BUS_PREFIX; its queues and exchanges are deleted afterwards."""
    from dataclasses import replace

    url = amqp_server_url()
    check_reachable(url, "rabbitmq")
    prefix = unique_name("tk") + "."
    yield replace(settings, amqp_url=url, bus_prefix=prefix)
    with Connection(url) as conn:
        channel = conn.default_channel
        for queue in ("tickets", "tickets.dead", "tickets.retry.1", "tickets.retry.2", "tickets.retry.3",
                      "identity.events.unrouted", "tickets.events.unrouted", "probe"):
            try:
                channel.queue_delete(prefix + queue)
            except Exception:
                channel = conn.channel()
        for exchange in ("identity.events", "identity.events.unrouted", "tickets.events", "tickets.events.unrouted"):
            try:
                channel.exchange_delete(prefix + exchange)
            except Exception:
                channel = conn.channel()


@pytest.fixture(scope="session")
def app(settings):
    app = create_app(settings)
    yield app
    app.extensions["tickets.engine"].dispose()


@pytest.fixture(autouse=True)
def _empty(request):
    if "app" not in request.fixturenames:
        yield
        return
    app = request.getfixturevalue("app")
    engine = app.extensions["tickets.engine"]
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {', '.join(EMPTIED)} RESTART IDENTITY CASCADE"))
        # Keep the demo catalogue (3 desks, 9 request types) and drop what tests added to it.
        conn.execute(text("DELETE FROM request_types WHERE id > 9"))
        conn.execute(text("DELETE FROM service_desks WHERE id > 3"))
        conn.execute(text("UPDATE service_desks SET last_ticket_number = 0, active = true, restricted = false, "
                          "invite_unknown_participants = false, customer_sharing = 'organizations'"))
    yield


class Person:
    def __init__(self, tokens: TokenFactory, email: str, role: str = "customer", name: str | None = None):
        self.id = str(uuid.uuid4())
        self.email = email
        self.role = role
        self.token = tokens.mint(self.id, email=email, role=role, name=name or email.split("@")[0].title())

    @property
    def headers(self) -> dict:
        return {"Authorization": f"Bearer {self.token}"}


class Api:
    """The Flask test client with a person to act as."""

    def __init__(self, client):
        self.client = client

    def get(self, path, who, **kw):
        return self.client.get(path, headers=who.headers, **kw)

    def post(self, path, who, json=None):
        return self.client.post(path, headers=who.headers, json=json)

    def put(self, path, who, json=None):
        return self.client.put(path, headers=who.headers, json=json)

    def patch(self, path, who, json=None):
        return self.client.patch(path, headers=who.headers, json=json)

    def delete(self, path, who, json=None):
        return self.client.delete(path, headers=who.headers, json=json)

    def create(self, who, summary="Player is broken", desk="1", rt="1", **extra):
        values = {"summary": summary, "description": "It stopped", "impact": "high"}
        values.update(extra.pop("values", {}))
        body = {"serviceDeskId": desk, "requestTypeId": rt, "requestFieldValues": values, **extra}
        return self.post("/rest/servicedeskapi/request", who, body)


@pytest.fixture
def api(app) -> Api:
    return Api(app.test_client())


@pytest.fixture
def person(tokens, app):
    """Make a person known to the replica, as identity's events would."""

    def make(email=None, role="customer", orgs=(), desks=DEMO_DESKS):
        """``desks``: the desks an agent works on (every demo desk unless told)."""
        p = Person(tokens, email or f"{uuid.uuid4().hex[:8]}@example.com", role)
        with transaction(app.extensions["tickets.session_factory"]) as session:
            repo = AccountRepository(session)
            from tickets.domain.catalog import Account
            from tickets.store.desks import DeskRepository
            from tickets.store.tables import desk_agents

            repo.upsert(Account(p.id, p.email, p.email.split("@")[0].title(), "en", role, True))
            for org in orgs:
                repo.save_organization(org, f"Org {org}")
                repo.add_member(org, p.id)
            if role == "agent":
                for desk_id in desks:
                    DeskRepository(session).add_members(desk_agents, desk_id, [p.id])
        return p

    return make


@pytest.fixture
def organizations(app):
    def make(*ids):
        with transaction(app.extensions["tickets.session_factory"]) as session:
            for org in ids:
                AccountRepository(session).save_organization(org, f"Org {org}")

    return make


def outbox_events(app) -> list[dict]:
    import json

    engine = app.extensions["tickets.engine"]
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT routing_key, body FROM outbox ORDER BY id")).all()
    return [dict(json.loads(body), routing_key=key) for key, body in rows]


def pg_engine(url):
    return make_engine(url)
