"""The LMTP receiver and the IMAP poller (a private Dovecot) on the shared intake."""
from __future__ import annotations

import smtplib
import socket
import threading
import time

import pytest
from imapclient import IMAPClient

from common.testing import free_port, wait_for
from inbound.imap import ImapPoller
from inbound.lmtp import build_controller
from inbound.settings import Settings, parse_imap_url
from inbound.wiring import build_intake

MAIL = b"From: Bob <bob@example.com>\r\nTo: am@support.example.com\r\nSubject: Hi\r\n\r\nHello.\r\n"


def mail(n: int) -> bytes:
    return MAIL.replace(b"Subject: Hi", f"Subject: Hi {n}\r\nMessage-ID: <m{n}-{time.time_ns()}@example.com>".encode())


@pytest.fixture
def lmtp(settings):
    controller = build_controller(Settings(**{**settings.__dict__, "lmtp_listen": f"127.0.0.1:{free_port()}"}))
    controller.start()
    yield controller
    controller.stop()


def test_lmtp_answers_each_recipient_after_storing_once(lmtp, rows):
    with socket.create_connection((lmtp.hostname, lmtp.port), timeout=10) as sock:
        f = sock.makefile("rwb")

        def say(line: bytes) -> bytes:
            f.write(line + b"\r\n")
            f.flush()
            return f.readline()

        assert f.readline().startswith(b"220")
        f.write(b"LHLO test\r\n")
        f.flush()
        while not f.readline().startswith(b"250 "):
            pass
        assert say(b"MAIL FROM:<bob@example.com>").startswith(b"250")
        assert say(b"RCPT TO:<am@support.example.com>").startswith(b"250")
        assert say(b"RCPT TO:<tv@support.example.com>").startswith(b"250")
        assert say(b"DATA").startswith(b"354")
        f.write(mail(1) + b".\r\n")
        f.flush()
        replies = [f.readline(), f.readline()]  # RFC 2033: one per recipient
        assert all(r.startswith(b"250 2.0.0 Stored") for r in replies), replies
        say(b"QUIT")
    (row,) = rows("SELECT recipients FROM messages")
    assert row.recipients == ["am@support.example.com", "tv@support.example.com"]


def test_lmtp_refuses_oversized_mail_and_says_try_later_without_a_database(lmtp, settings):
    with smtplib.LMTP(lmtp.hostname, lmtp.port) as client:
        # The SIZE extension refuses it at MAIL FROM already; without SIZE it would be at DATA.
        with pytest.raises((smtplib.SMTPSenderRefused, smtplib.SMTPDataError)) as big:
            client.sendmail("bob@example.com", ["am@support.example.com"], MAIL + b"x" * 70_000)
        assert big.value.smtp_code == 552
    down = Settings(database_url="postgresql://postgres@127.0.0.1:1/nowhere", lmtp_listen=f"127.0.0.1:{free_port()}")
    controller = build_controller(down)
    controller.start()
    try:
        with smtplib.LMTP(controller.hostname, controller.port) as client:
            with pytest.raises(smtplib.SMTPDataError) as later:
                client.sendmail("bob@example.com", ["am@support.example.com"], mail(2))
        assert later.value.smtp_code == 451
    finally:
        controller.stop()


def _client(server, user="desk") -> IMAPClient:
    client = IMAPClient("127.0.0.1", port=server.port, ssl=False)
    client.login(user, server.users[user])
    return client


def test_imap_messages_are_flagged_only_after_the_commit_and_refetched_after_a_crash(imap_server, intake, rows):
    client = _client(imap_server)
    client.append("INBOX", mail(3))
    client.append("INBOX", mail(4))
    poller = ImapPoller(intake, parse_imap_url(imap_server.url("desk")))

    def crash(*_):
        raise SystemExit("killed between the commit and the flag")

    poller.finish = crash
    with pytest.raises(SystemExit):
        poller.run_once()
    client.select_folder("INBOX")
    assert len(client.search(["UNSEEN"])) == 2  # nothing flagged
    assert len(rows("SELECT id FROM messages")) == 1  # one stored
    poller.close()
    restarted = ImapPoller(intake, parse_imap_url(imap_server.url("desk")))
    assert restarted.run_once() == 2
    client.select_folder("INBOX")
    assert client.search(["UNSEEN"]) == []
    assert len(rows("SELECT id FROM messages")) == 2  # the first one recognised, not stored again
    restarted.close()
    client.logout()


def test_imap_moves_taken_messages_and_idle_wakes_the_poller(imap_server, intake, rows):
    client = _client(imap_server, "other")
    poller = ImapPoller(intake, parse_imap_url(imap_server.url("other")), done_folder="Processed", poll_seconds=30)
    stop = threading.Event()
    thread = threading.Thread(target=poller.run_forever, args=(stop,), daemon=True)
    thread.start()
    try:
        time.sleep(1.0)  # the poller is in IDLE now (30 s between polls without it)
        started = time.monotonic()
        client.append("INBOX", mail(5))
        wait_for(lambda: rows("SELECT id FROM messages"), timeout=10, what="IDLE to wake the poller")
        print(f"\nIDLE: stored {time.monotonic() - started:.2f}s after the append (polling interval 30 s)")
        client.select_folder("INBOX")
        wait_for(lambda: not client.search(["ALL"]) or client.noop() and not client.search(["ALL"]),
                 timeout=10, what="the message to leave INBOX")
        client.select_folder("Processed")
        assert len(client.search(["ALL"])) == 1
    finally:
        stop.set()
        thread.join(timeout=40)
        client.logout()
