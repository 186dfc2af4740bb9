"""Delivery through an SMTP server with smtplib: one session reused for many emails, bounded by a timeout.

Opening a session (TCP, greeting, EHLO, STARTTLS, AUTH) costs several round trips, more than the
message itself on a nearby relay, so the channel keeps its session open and sends one email after
another over it, as an MTA does. What keeps reuse safe:

- any failure (a refusal, a dropped link, a timeout) closes the session: the next email opens a
  fresh one, so no half-dead session, or one in an unknown state after a 4xx, is ever reused;
- a session idle for longer than ``idle_check`` seconds is checked with ``NOOP`` before it is used
  (servers close idle clients after a while), and replaced if the check fails: that failure happened
  before anything was sent, so it is no failure of the email;
- before any other email, a session the server has already closed or spoken on unasked (its idle
  timeout's ``421``) is seen without a round trip (its socket is readable) and replaced the same way:
  a server dropping sessions more often than ``idle_check`` costs no email a retry;
- a session is closed after ``max_messages`` emails or ``max_age`` seconds, so one long session
  never pins a relay or keeps credentials that were rotated.
"""
from __future__ import annotations

import logging
import select
import smtplib
import ssl
import threading
import time
from email.message import EmailMessage

from . import ChannelConfig

logger = logging.getLogger(__name__)


class SmtpChannel:
    def __init__(self, config: ChannelConfig, timeout: float = 30.0, ssl_context: ssl.SSLContext | None = None,
                 idle_check: float = 5.0, max_messages: int = 1000, max_age: float = 300.0):
        self.config = config
        self.timeout = timeout
        self.ssl_context = ssl_context
        self.idle_check = idle_check
        self.max_messages = max_messages
        self.max_age = max_age
        self._client: smtplib.SMTP | None = None
        self._opened = self._used = 0.0
        self._count = 0
        self._lock = threading.Lock()

    def _tls(self) -> ssl.SSLContext:
        # Built once: loading the system's CA bundle costs tens of milliseconds, more than a local send.
        if self.ssl_context is None:
            self.ssl_context = ssl.create_default_context()
        return self.ssl_context

    def _connect(self) -> smtplib.SMTP:
        cfg = self.config
        if cfg.scheme == "smtps":
            client = smtplib.SMTP_SSL(cfg.host, cfg.port, timeout=self.timeout, context=self._tls())
        else:
            client = smtplib.SMTP(cfg.host, cfg.port, timeout=self.timeout)
        try:
            if cfg.scheme == "smtp+starttls":
                client.starttls(context=self._tls())
                client.ehlo()
            if cfg.username:
                client.login(cfg.username, cfg.password or "")
        except BaseException:
            _quietly_close(client)
            raise
        return client

    def _session(self) -> smtplib.SMTP:
        now = time.monotonic()
        client = self._client
        if client is not None and (self._count >= self.max_messages or now - self._opened > self.max_age):
            self.close()
            client = None
        if client is not None and (now - self._used > self.idle_check or _spoken(client)):
            try:
                code, _ = client.noop()
                alive = code == 250
            except (smtplib.SMTPException, OSError):
                alive = False
            if not alive:
                logger.info("SMTP session to %s:%s was closed while idle; opening a new one",
                            self.config.host, self.config.port)
                self.close()
                client = None
        if client is None:
            client = self._client = self._connect()
            self._opened, self._count = time.monotonic(), 0
        return client

    def send(self, message: EmailMessage, recipients: list[str]) -> None:
        """Deliver one message; raises smtplib/socket errors so the worker retries with back-off."""
        self.send_bytes(message.as_bytes(policy=message.policy.clone(linesep="\r\n")),
                        _envelope_sender(message), recipients, message["Message-ID"])

    def send_bytes(self, data: bytes, sender: str, recipients: list[str], message_id: str | None = None) -> None:
        """Deliver an already serialised message (CRLF line ends) from ``sender`` to ``recipients``."""
        # As smtplib's send_message: an address beyond ASCII needs the server's SMTPUTF8.
        international = not all(a.isascii() for a in (sender, *recipients))
        options = ["SMTPUTF8", "BODY=8BITMIME"] if international else []
        with self._lock:
            client = self._session()
            try:
                refused = client.sendmail(sender, recipients, data, mail_options=options)
            except BaseException:
                # Whatever the server said, this session's state is no longer known: never reuse it.
                self.close()
                raise
            self._used = time.monotonic()
            self._count += 1
        if refused:
            # Some recipients were refused permanently while others were accepted; retrying would
            # duplicate the accepted ones, so record the refusal and move on.
            logger.warning("SMTP server refused recipients %s", sorted(refused))
        logger.debug("sent %s via %s:%s", message_id, self.config.host, self.config.port)

    def close(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            _quietly_close(client)


def _envelope_sender(message: EmailMessage) -> str:
    """The envelope sender smtplib's ``send_message`` would use: Sender, else From."""
    from email.utils import getaddresses

    header = message["Sender"] or message["From"] or ""
    addresses = getaddresses([str(header)])
    return addresses[0][1] if addresses else ""


def _spoken(client: smtplib.SMTP) -> bool:
    """True when the server sent something (or closed) while no answer was due: the session is ending."""
    sock = client.sock
    if sock is None:
        return True
    try:
        readable, _, _ = select.select([sock], [], [], 0)
    except (OSError, ValueError):
        return True
    return bool(readable)


def _quietly_close(client: smtplib.SMTP) -> None:
    try:
        client.quit()
    except (smtplib.SMTPException, OSError):
        try:
            client.close()
        except OSError:  # pragma: no cover - best effort on a broken socket
            pass
