import socket
from email import message_from_bytes, policy
from email.message import EmailMessage

import pytest

from notifier.channels import ChannelConfig, make_channel, parse_channel_url
from notifier.channels.mailbox import MailboxChannel
from notifier.channels.smtp import SmtpChannel


@pytest.mark.parametrize("url, expected", [
    ("smtp://mailhog:1025", ChannelConfig("smtp", "mailhog", 1025)),
    ("smtp://relay.example", ChannelConfig("smtp", "relay.example", 25)),
    ("smtps://u%40x:p%2Fw@mail.example", ChannelConfig("smtps", "mail.example", 465, "u@x", "p/w")),
    ("smtp+starttls://user:secret@mail.example:2525",
     ChannelConfig("smtp+starttls", "mail.example", 2525, "user", "secret")),
    ("smtp+starttls://mail.example", ChannelConfig("smtp+starttls", "mail.example", 587)),
    ("var/mail", ChannelConfig("mailbox", path="var/mail")),
    ("/srv/mail box", ChannelConfig("mailbox", path="/srv/mail box")),
    ("file:///srv/mail%20box", ChannelConfig("mailbox", path="/srv/mail box")),
])
def test_smtp_url_forms(url, expected):
    assert parse_channel_url(url) == expected


@pytest.mark.parametrize("url", ["", "http://mail.example", "smtp://", "smtp://host:notaport",
                                 "file://remote/x", "imap://host"])
def test_bad_smtp_urls_are_refused_with_a_reason(url):
    with pytest.raises(ValueError):
        parse_channel_url(url)


def test_repr_never_shows_the_password():
    assert "secret" not in repr(parse_channel_url("smtps://user:secret@mail.example"))


def test_make_channel_picks_the_implementation(tmp_path):
    assert isinstance(make_channel(str(tmp_path)), MailboxChannel)
    assert isinstance(make_channel("smtp://127.0.0.1:2525"), SmtpChannel)


def sample() -> EmailMessage:
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = "desk@example.com", "alice@example.com", "Réponse"
    msg["Message-ID"] = "<m1@example.com>"
    msg.set_content("Bonjour\n")
    return msg


def test_mailbox_writes_one_eml_file_per_email_and_no_temp_file(tmp_path):
    box = MailboxChannel(tmp_path / "mail")
    box.send(sample(), ["alice@example.com"])
    box.send(sample(), ["alice@example.com"])
    files = sorted((tmp_path / "mail").iterdir())
    assert len(files) == 2 and all(f.suffix == ".eml" and not f.name.startswith(".") for f in files)
    parsed = message_from_bytes(files[0].read_bytes(), policy=policy.default)
    assert parsed["Subject"] == "Réponse" and parsed.get_content() == "Bonjour\n"


def test_smtp_channel_delivers_to_a_real_smtp_server():
    from aiosmtpd.controller import Controller
    from aiosmtpd.handlers import Message

    received = []

    class Sink(Message):
        def handle_message(self, message):
            received.append(message)

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    controller = Controller(Sink(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        SmtpChannel(parse_channel_url(f"smtp://127.0.0.1:{port}"), timeout=5).send(sample(), ["alice@example.com"])
    finally:
        controller.stop()
    assert len(received) == 1 and received[0]["Message-ID"] == "<m1@example.com>"


def test_smtp_channel_sends_many_emails_over_one_session_and_opens_a_new_one_after_a_refusal():
    from aiosmtpd.controller import Controller

    class Counting:
        def __init__(self):
            self.sessions, self.accepted, self.refuse = set(), [], False

        async def handle_DATA(self, server, session, envelope):
            self.sessions.add(id(session))
            if self.refuse:
                self.refuse = False
                return "451 4.3.0 try later"
            self.accepted.append(envelope.rcpt_tos)
            return "250 OK"

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    handler = Counting()
    controller = Controller(handler, hostname="127.0.0.1", port=port, server_hostname="sink.test")
    controller.start()
    channel = SmtpChannel(parse_channel_url(f"smtp://127.0.0.1:{port}"), timeout=5)
    try:
        for _ in range(3):
            channel.send(sample(), ["alice@example.com"])
        assert len(handler.sessions) == 1 and len(handler.accepted) == 3
        handler.refuse = True
        with pytest.raises(Exception):
            channel.send(sample(), ["alice@example.com"])
        channel.send(sample(), ["alice@example.com"])  # a fresh session: the refused one is never reused
        assert len(handler.sessions) == 2 and len(handler.accepted) == 4
    finally:
        channel.close()
        controller.stop()


def test_smtp_channel_replaces_a_session_the_server_closed_while_idle():
    from aiosmtpd.controller import Controller
    from aiosmtpd.handlers import Sink

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    controller = Controller(Sink(), hostname="127.0.0.1", port=port, server_hostname="sink.test")
    controller.start()
    channel = SmtpChannel(parse_channel_url(f"smtp://127.0.0.1:{port}"), timeout=5, idle_check=0)
    try:
        channel.send(sample(), ["alice@example.com"])
        channel._client.sock.close()  # as a server dropping an idle client would leave it
        channel.send(sample(), ["alice@example.com"])  # NOOP fails, a new session sends it
    finally:
        channel.close()
        controller.stop()


def test_smtp_channel_replaces_a_session_the_server_ended_before_the_next_email():
    """A server that ends a session sooner than ``idle_check`` (its own idle timeout, a restart) costs the
    next email nothing: the ended session is seen before it is used, and the email goes out once."""
    import asyncio
    import select

    from aiosmtpd.controller import Controller

    class Ending:
        def __init__(self):
            self.sessions, self.accepted = set(), []

        async def handle_DATA(self, server, session, envelope):
            self.sessions.add(id(session))
            self.accepted.append(envelope.rcpt_tos)
            asyncio.get_running_loop().call_soon(server.transport.close)  # after the "250" has gone
            return "250 OK"

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    handler = Ending()
    controller = Controller(handler, hostname="127.0.0.1", port=port, server_hostname="sink.test")
    controller.start()
    channel = SmtpChannel(parse_channel_url(f"smtp://127.0.0.1:{port}"), timeout=5, idle_check=3600)
    try:
        channel.send(sample(), ["alice@example.com"])
        readable, _, _ = select.select([channel._client.sock], [], [], 5)  # the server's close has arrived
        assert readable
        channel.send(sample(), ["bob@example.com"])  # no error: sent on a new session
        assert handler.accepted == [["alice@example.com"], ["bob@example.com"]] and len(handler.sessions) == 2
    finally:
        channel.close()
        controller.stop()
