"""An SMTP server that answers 4xx does not lose the email: the worker retries with back-off."""
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
