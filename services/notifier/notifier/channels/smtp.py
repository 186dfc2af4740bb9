"""Delivery through an SMTP server with smtplib: one connection per email, bounded by a timeout."""
from __future__ import annotations

import logging
import smtplib
import ssl
from email.message import EmailMessage

from . import ChannelConfig

logger = logging.getLogger(__name__)


class SmtpChannel:
    def __init__(self, config: ChannelConfig, timeout: float = 30.0, ssl_context: ssl.SSLContext | None = None):
        self.config = config
        self.timeout = timeout
        self.ssl_context = ssl_context

    def _tls(self) -> ssl.SSLContext:
        # Built once: loading the system's CA bundle costs tens of milliseconds, more than a local send.
        if self.ssl_context is None:
            self.ssl_context = ssl.create_default_context()
        return self.ssl_context

    def _connect(self) -> smtplib.SMTP:
        cfg = self.config
        if cfg.scheme == "smtps":
            return smtplib.SMTP_SSL(cfg.host, cfg.port, timeout=self.timeout, context=self._tls())
        client = smtplib.SMTP(cfg.host, cfg.port, timeout=self.timeout)
        if cfg.scheme == "smtp+starttls":
            client.starttls(context=self._tls())
            client.ehlo()
        return client

    def send(self, message: EmailMessage, recipients: list[str]) -> None:
        """Deliver one message; raises smtplib/socket errors so the worker retries with back-off."""
        # A connection per email keeps failure handling simple: no half-dead session is ever reused
        # after a 4xx, and the volume of a service desk does not need pipelining.
        with self._connect() as client:
            if self.config.username:
                client.login(self.config.username, self.config.password or "")
            refused = client.send_message(message, to_addrs=recipients)
        if refused:
            # Some recipients were refused permanently while others were accepted; retrying would
            # duplicate the accepted ones, so record the refusal and move on.
            logger.warning("SMTP server refused recipients %s", sorted(refused))
        logger.info("sent %s via %s:%s", message["Message-ID"], self.config.host, self.config.port)
