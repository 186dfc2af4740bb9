"""The worker turns tickets' participant invitations into invited external customers."""
from __future__ import annotations

import dataclasses
import threading
import time

import pytest
from kombu import Connection, Exchange, Producer
from marshmallow import ValidationError
from sqlalchemy import text

from common.bus.topology import declare_events_exchange
from common.events import CONTENT_TYPE, CloudEvent, event_type
from common.testing import amqp_server_url, check_reachable, unique_name
from identity.consumers import PARTICIPANT_INVITED
from identity.worker import build_worker


def invited_event(email="guest@example.com", language="fr", invited_by="reporter-1") -> CloudEvent:
    return CloudEvent(type=event_type("ticket.participant_invited"), source="/servicedesk/tickets", subject="IT-7",
                      data={"ticketId": "7", "key": "IT-7", "deskId": "1", "deskKey": "IT", "deskName": "IT help",
                            "summary": "Printer on fire", "email": email, "invitedBy": invited_by,
                            "language": language})


@pytest.fixture
def worker(settings):
    built = build_worker(settings)
    yield built
    built.session_factory.kw["bind"].dispose()


def handle(worker, event):
    return worker.handle(event, worker.handlers[PARTICIPANT_INVITED])


def accounts(app):
    with app.extensions["db_engine"].connect() as conn:
        return conn.execute(text("SELECT email, kind, language, email_verified FROM accounts ORDER BY email")).all()


def test_an_unknown_email_becomes_an_invited_external_customer(worker, app, outbox, api):
    assert handle(worker, invited_event("Guest@Example.com")) is True
    assert accounts(app) == [("guest@example.com", "external", "fr", False)]
    [created] = outbox("account.created.v1")
    [invited] = outbox("customer.invited.v1")
    assert created["data"]["kind"] == "external"
    data = invited["data"]
    assert data["language"] == "fr" and data["invitedBy"] == "reporter-1"
    assert data["link"].startswith("http://portal.test/portal/invitation?token=")
    assert data["ticket"] == {"ticketId": "7", "key": "IT-7", "summary": "Printer on fire", "deskName": "IT help"}
    # The invitee sets a password with the link and can log in.
    accepted = api.call("POST", "/api/identity/invitations/accept",
                        {"token": api.link_token(data["link"]), "password": api.PASSWORD})
    assert accepted.status_code == 200 and accepted.get_json()["kind"] == "external"
    api.login("guest@example.com")


def test_the_same_event_twice_is_handled_once(worker, outbox):
    event = invited_event()
    assert handle(worker, event) is True
    assert handle(worker, event) is False
    assert len(outbox("customer.invited.v1")) == 1


def test_an_active_account_is_left_alone(worker, api, outbox):
    api.user("guest@example.com")
    before = len(outbox())
    handle(worker, invited_event())
    assert len(outbox()) == before


def test_an_unconfirmed_sign_up_gets_the_invitation_and_is_announced(worker, api, outbox):
    assert api.call("POST", "/api/identity/signup", {"email": "guest@example.com"}).status_code == 202
    handle(worker, invited_event(language="en"))
    [created] = outbox("account.created.v1")
    [invited] = outbox("customer.invited.v1")
    assert created["data"]["email"] == invited["data"]["email"] == "guest@example.com"
    # A second ticket invitation does not send another email: the account is known to tickets now.
    handle(worker, invited_event(language="en"))
    assert len(outbox("customer.invited.v1")) == 1


def test_a_payload_without_a_usable_email_breaks_the_contract(worker):
    with pytest.raises(ValidationError):
        handle(worker, invited_event(email="not an email"))
    event = invited_event()
    del event.data["email"]
    with pytest.raises(ValidationError):
        handle(worker, event)


@pytest.fixture
def bus_settings(settings):
    url = amqp_server_url()
    check_reachable(url, "rabbitmq")
    prefix = unique_name("idw") + "."
    yield dataclasses.replace(settings, amqp_url=url, bus_prefix=prefix)
    with Connection(url) as conn:
        channel = conn.channel()
        for queue in ("identity", "identity.dead", "identity.retry.1", "identity.retry.2", "identity.retry.3",
                      "tickets.events.unrouted"):
            channel.queue_delete(prefix + queue)
        for exchange in ("tickets.events", "tickets.events.unrouted"):
            channel.exchange_delete(prefix + exchange)


def test_the_worker_consumes_the_tickets_event_from_rabbitmq(bus_settings, outbox):
    worker = build_worker(bus_settings)
    assert worker.topology.queue_name == f"{bus_settings.bus_prefix}identity"
    exchange_name = f"{bus_settings.bus_prefix}tickets.events"
    event = invited_event()
    with Connection(bus_settings.amqp_url) as conn:
        channel = conn.channel()
        worker.topology.declare(channel)
        declare_events_exchange(channel, exchange_name)
        exchange = Exchange(exchange_name, type="topic", durable=True,
                            arguments={"alternate-exchange": f"{exchange_name}.unrouted"})
        Producer(channel).publish(event.to_json(), exchange=exchange, routing_key=PARTICIPANT_INVITED,
                                  content_type=CONTENT_TYPE, content_encoding="utf-8", delivery_mode=2,
                                  message_id=event.id)
    thread = threading.Thread(target=worker.run, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 15
        while not outbox("customer.invited.v1") and time.monotonic() < deadline:
            time.sleep(0.1)
        [invited] = outbox("customer.invited.v1")
        assert invited["data"]["email"] == "guest@example.com"
    finally:
        worker.should_stop = True
        thread.join(10)
        worker.session_factory.kw["bind"].dispose()
