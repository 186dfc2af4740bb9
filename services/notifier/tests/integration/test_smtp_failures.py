"""SMTP refusals: 4xx is retried with back-off for as long as it lasts, 5xx is a bounce of that recipient only."""
import dataclasses
import uuid

import pytest
from aiosmtpd.controller import Controller

from .conftest import SmtpSink, free_port, wait_for
from .test_delivery import invited


class FlakySink(SmtpSink):
    """Answers '451 try later' to the first ``failures`` emails, then accepts."""

    def __init__(self, failures: int):
        super().__init__()
        self.failures = failures
        self.attempts = 0

    async def handle_DATA(self, server, session, envelope):
        self.attempts += 1
        if self.attempts <= self.failures:
            return "451 4.3.0 try later"
        return await super().handle_DATA(server, session, envelope)


@pytest.fixture
def flaky_smtp():
    sink = FlakySink(failures=2)
    controller = Controller(sink, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield controller
    controller.stop()


@pytest.fixture
def flaky_settings(settings, flaky_smtp):
    return dataclasses.replace(settings, smtp_url=f"smtp://127.0.0.1:{flaky_smtp.port}")


def test_temporary_smtp_failures_are_retried_until_the_email_is_accepted(flaky_settings, flaky_smtp, request):
    running = request.getfixturevalue("running_with")(flaky_settings)
    running.publish("identity", invited(str(uuid.uuid4()), "patient@example.com", "tok-9"))
    wait_for(lambda: flaky_smtp.handler.to("patient@example.com"), what="the email after two 451 answers")
    assert flaky_smtp.handler.attempts == 3
    assert running.count(running.topology.dead_letter_name) == 0


class OutageSink(SmtpSink):
    """Answers 451 to everything while ``down``, and 550 for the addresses in ``unknown``."""

    def __init__(self):
        super().__init__()
        self.down = False
        self.unknown: set[str] = set()
        self.attempts = 0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        self.attempts += 1
        if self.down:
            return "451 4.3.0 mail system unavailable, try later"
        if address in self.unknown:
            return "550 5.1.1 no such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"


@pytest.fixture
def outage_smtp():
    sink = OutageSink()
    controller = Controller(sink, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield controller
    controller.stop()


def _spool_rows(settings):
    from sqlalchemy import create_engine, text

    from common.db import normalise_url

    engine = create_engine(normalise_url(settings.database_url))
    with engine.connect() as conn:
        rows = {r.recipient: r for r in conn.execute(text("SELECT recipient, status, attempts, last_error "
                                                          "FROM sent_mail")).all()}
    engine.dispose()
    return rows


def test_an_outage_longer_than_the_consumer_retries_loses_nothing(settings, outage_smtp, request):
    """451 for longer than the bus retries (0.2 s + 0.2 s here) once dead-lettered everything in it."""
    settings = dataclasses.replace(settings, smtp_url=f"smtp://127.0.0.1:{outage_smtp.port}")
    running = request.getfixturevalue("running_with")(settings)
    outage_smtp.handler.down = True
    for i in range(5):
        running.publish("identity", invited(str(uuid.uuid4()), f"wait{i}@example.com", f"tok-{i}"))
    wait_for(lambda: outage_smtp.handler.attempts >= 15, what="several refused attempts")
    assert outage_smtp.handler.messages == []
    outage_smtp.handler.down = False
    for i in range(5):
        wait_for(lambda i=i: outage_smtp.handler.to(f"wait{i}@example.com"), what=f"email {i} after the outage")
    assert running.count(running.topology.dead_letter_name) == 0
    # Outcomes are committed together, a moment after the sends (SpoolPolicy.record_every).
    wait_for(lambda: all(row.status == "sent" for row in _spool_rows(settings).values()), what="every row sent")


def test_a_550_for_one_recipient_bounces_it_and_mails_the_others(settings, outage_smtp, request):
    settings = dataclasses.replace(settings, smtp_url=f"smtp://127.0.0.1:{outage_smtp.port}")
    outage_smtp.handler.unknown = {"gone@example.com"}
    running = request.getfixturevalue("running_with")(settings)
    running.publish("identity", invited(str(uuid.uuid4()), "gone@example.com", "tok-gone"))
    running.publish("identity", invited(str(uuid.uuid4()), "here@example.com", "tok-here"))
    wait_for(lambda: outage_smtp.handler.to("here@example.com"), what="the other recipient's email")
    wait_for(lambda: _spool_rows(settings).get("gone@example.com") is not None
             and _spool_rows(settings)["gone@example.com"].status == "bounced", what="the bounce")
    row = _spool_rows(settings)["gone@example.com"]
    assert row.attempts == 1 and "550" in row.last_error


def test_dead_letters_are_listed_shown_and_replayed_by_command(settings, outage_smtp, request, capsys):
    from notifier import cli

    settings = dataclasses.replace(settings, smtp_url=f"smtp://127.0.0.1:{outage_smtp.port}")
    outage_smtp.handler.unknown = {"typo@example.com"}
    running = request.getfixturevalue("running_with")(settings)
    event = invited(str(uuid.uuid4()), "typo@example.com", "tok-typo")
    running.publish("identity", event)
    running.publish("identity", body=b"not an event", routing_key="customer.invited.v1")
    wait_for(lambda: running.count(running.topology.dead_letter_name) == 1, what="the poison message in the DLQ")
    wait_for(lambda: getattr(_spool_rows(settings).get("typo@example.com"), "status", None) == "bounced",
             what="the bounce")
    env = {"NOTIFIER_DATABASE_URL": settings.database_url, "AMQP_URL": settings.amqp_url,
           "BUS_PREFIX": settings.bus_prefix, "SMTP_URL": settings.smtp_url}
    import os
    old = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        cli.main(["dead-letters", "list"])
        listed = capsys.readouterr().out
        assert f"mail:{event.id}:typo@example.com" in listed and "bus:" in listed and "2 dead letter(s)" in listed
        assert running.count(running.topology.dead_letter_name) == 1  # listing takes nothing away
        cli.main(["dead-letters", "show", f"mail:{event.id}:typo@example.com"])
        assert "550" in capsys.readouterr().out
        outage_smtp.handler.unknown = set()  # the address was fixed
        cli.main(["dead-letters", "replay", f"mail:{event.id}:typo@example.com"])
        assert "replayed 1" in capsys.readouterr().out
        wait_for(lambda: outage_smtp.handler.to("typo@example.com"), what="the replayed email")
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
