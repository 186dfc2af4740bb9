"""LMTP (or SMTP) receiver an MTA delivers to: ``python -m inbound.lmtp`` on LMTP_LISTEN.

Postfix: ``mailbox_transport = lmtp:inet:127.0.0.1:8024`` or a transport map entry (README).
Each message is answered only after the intake committed it: ``250`` per recipient when stored
(or recognised as a duplicate), ``452``/``451`` while the database is unavailable, so the MTA keeps
the message and retries; ``552`` when it is larger than MAX_MESSAGE_BYTES.
"""
from __future__ import annotations

import asyncio
import logging
import threading

from aiosmtpd.controller import Controller
from aiosmtpd.lmtp import LMTP

from common.log import configure_logging
from common.runtime import beat, stop_on_signals

from .intake import Intake
from .settings import SERVICE, Settings, parse_listen
from .wiring import build_intake

logger = logging.getLogger(__name__)


class Handler:
    def __init__(self, intake: Intake, source: str):
        self.intake = intake
        self.source = source

    async def handle_DATA(self, server, session, envelope):
        recipients = tuple(envelope.rcpt_tos)
        loop = asyncio.get_running_loop()
        try:
            result = await loop.run_in_executor(None, self.take, envelope.original_content or envelope.content,
                                                envelope.mail_from, recipients)
        except Exception:
            logger.exception("could not store a message; the MTA will retry")
            status = "451 4.3.0 Temporarily unable to store the message, try again later"
        else:
            status = ("552 5.3.4 Message too big" if result.status == "too_large"
                      else f"250 2.0.0 Stored as {result.raw_id or 'a duplicate'}")
        if self.source == "lmtp":
            # LMTP answers once per recipient (RFC 2033 4.2); every recipient shares the one stored copy.
            return "\r\n".join([status] * max(1, len(recipients)))
        return status

    def take(self, content: bytes, mail_from: str | None, recipients: tuple[str, ...]):
        return self.intake.take(content, self.source, envelope_from=mail_from, recipients=recipients)


class _LMTPController(Controller):
    def factory(self):
        return LMTP(self.handler, **self.SMTP_kwargs)


def build_controller(settings: Settings, intake: Intake | None = None) -> Controller:
    """The receiver on LMTP_LISTEN (not started)."""
    host, port = parse_listen(settings.lmtp_listen)
    handler = Handler(intake or build_intake(settings), settings.lmtp_protocol)
    cls = _LMTPController if settings.lmtp_protocol == "lmtp" else Controller
    return cls(handler, hostname=host, port=port, data_size_limit=settings.max_message_bytes, decode_data=False)


def main() -> None:
    settings = Settings.from_env()
    configure_logging(SERVICE, settings.log_level, settings.log_json)
    controller = build_controller(settings)
    stop = threading.Event()
    stop_on_signals(stop.set)
    controller.start()
    logger.info("%s receiver listening on %s", settings.lmtp_protocol.upper(), settings.lmtp_listen)
    while not stop.wait(5):
        beat()
    controller.stop()


if __name__ == "__main__":
    main()
