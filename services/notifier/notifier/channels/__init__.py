"""Where emails go: an SMTP server, or a folder of ``.eml`` files (local runs, the dev mailbox page).

``SMTP_URL`` forms::

    smtp://user:pass@host:port           plain SMTP (port 25 by default)
    smtp+starttls://user:pass@host:port  SMTP upgraded with STARTTLS (port 587 by default)
    smtps://user:pass@host:port          SMTP over implicit TLS (port 465 by default)
    /var/mail, var/mail, file:///var/mail  a mailbox folder, one RFC 5322 file per email
"""
from __future__ import annotations

from dataclasses import dataclass
from email.message import EmailMessage
from typing import Protocol
from urllib.parse import unquote, urlsplit

DEFAULT_PORTS = {"smtp": 25, "smtp+starttls": 587, "smtps": 465}


class Channel(Protocol):
    def send(self, message: EmailMessage, recipients: list[str]) -> None:
        """Hand ``message`` over for delivery to ``recipients``; raise if it was not accepted."""


@dataclass(frozen=True)
class ChannelConfig:
    scheme: str  # "smtp", "smtp+starttls", "smtps" or "mailbox"
    host: str = ""
    port: int = 0
    username: str | None = None
    password: str | None = None
    path: str = ""

    def __repr__(self) -> str:  # never print the password
        if self.scheme == "mailbox":
            return f"ChannelConfig(mailbox {self.path!r})"
        return f"ChannelConfig({self.scheme}://{self.host}:{self.port}, user={self.username!r})"


def parse_channel_url(url: str) -> ChannelConfig:
    """Parse ``SMTP_URL``; raise ValueError with a readable reason when it is malformed."""
    url = (url or "").strip()
    if not url:
        raise ValueError("empty; give smtp://host:port or a mailbox folder path")
    if "://" not in url:
        return ChannelConfig(scheme="mailbox", path=url)
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme == "file":
        if parts.netloc not in ("", "localhost"):
            raise ValueError("file:// URLs must name a local folder (file:///path)")
        if not parts.path:
            raise ValueError("file:// URL without a folder path")
        return ChannelConfig(scheme="mailbox", path=unquote(parts.path))
    if scheme not in DEFAULT_PORTS:
        raise ValueError(f"unsupported scheme {scheme!r}; use smtp, smtp+starttls, smtps or a folder path")
    if not parts.hostname:
        raise ValueError("SMTP URL without a host")
    try:
        port = parts.port or DEFAULT_PORTS[scheme]
    except ValueError as exc:
        raise ValueError("SMTP URL with an invalid port") from exc
    return ChannelConfig(
        scheme=scheme,
        host=parts.hostname,
        port=port,
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
    )


def make_channel(url: str, timeout: float = 30.0) -> Channel:
    """The channel ``SMTP_URL`` describes."""
    from .mailbox import MailboxChannel
    from .smtp import SmtpChannel

    config = parse_channel_url(url)
    if config.scheme == "mailbox":
        return MailboxChannel(config.path)
    return SmtpChannel(config, timeout=timeout)
