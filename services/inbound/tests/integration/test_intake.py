"""The intake on PostgreSQL: the raw message and its event in one commit, each email once."""
from __future__ import annotations

import json
import threading

from inbound.cli import main as cli

MAIL = (b"From: Alice <alice@example.com>\r\nTo: am@support.example.com\r\nSubject: Printer on fire\r\n"
        b"Message-ID: <fire-1@example.com>\r\nAuthentication-Results: mx.test; dmarc=pass header.from=example.com\r\n"
        b"\r\nIt is burning.\r\n")


def test_a_message_is_stored_raw_with_its_event_in_one_commit(intake, rows):
    result = intake.take(MAIL, "lmtp", envelope_from="alice@example.com", recipients=("AM@support.example.com",))
    assert result.status == "handed"
    (row,) = rows("SELECT id, status, source, raw, recipients FROM messages")
    assert bytes(row.raw) == MAIL and row.source == "lmtp"
    (event,) = rows("SELECT routing_key, body FROM outbox")
    assert event.routing_key == "mail.received.v1"
    data = json.loads(event.body)["data"]
    assert data["rawId"] == str(row.id) and data["dedupeKey"] == "fire-1@example.com"
    assert data["dmarc"] == "pass" and data["recipients"] == ["am@support.example.com"] and data["mayAnswer"]


def test_the_same_message_again_or_via_another_transport_is_stored_once(intake, rows):
    assert intake.take(MAIL, "imap").status == "handed"
    assert intake.take(b"Received: from mx2\r\n" + MAIL, "lmtp").status == "duplicate"
    no_id = MAIL.replace(b"Message-ID: <fire-1@example.com>\r\n", b"")
    assert intake.take(no_id, "folder").status == "handed"
    assert intake.take(b"Delivered-To: am@support.example.com\r\n" + no_id, "imap").status == "duplicate"
    assert len(rows("SELECT id FROM messages")) == 2 and len(rows("SELECT id FROM outbox")) == 2


def test_concurrent_deliveries_of_one_message_store_it_once(intake, rows):
    results, threads = [], []
    for n in range(6):
        raw = f"Received: from mx{n}\r\n".encode() + MAIL
        threads.append(threading.Thread(target=lambda r=raw: results.append(intake.take(r, "lmtp").status)))
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == ["duplicate"] * 5 + ["handed"]
    assert len(rows("SELECT id FROM messages")) == 1 and len(rows("SELECT id FROM outbox")) == 1


def test_robots_are_kept_but_never_handed_on(intake, rows):
    auto = MAIL.replace(b"Subject:", b"Auto-Submitted: auto-replied\r\nSubject:")
    assert intake.take(auto, "imap").status == "ignored"
    bounce = MAIL.replace(b"<fire-1@", b"<bounce-1@")
    assert intake.take(bounce, "lmtp", envelope_from="").status == "ignored"
    assert [r.routing_key for r in rows("SELECT routing_key FROM outbox")] == ["mail.ignored.v1"] * 2
    assert {r.reason for r in rows("SELECT reason FROM messages")} == {"auto_reply", "bounce"}


def test_oversized_messages_are_refused_before_storing(intake, rows):
    assert intake.take(MAIL + b"x" * 70_000, "lmtp").status == "too_large"
    assert rows("SELECT id FROM messages") == []


def test_dead_letters_are_listed_shown_and_replayed(intake, rows, settings, monkeypatch, capsys):
    monkeypatch.setenv("INBOUND_DATABASE_URL", settings.database_url)
    broken = b"To: am@support.example.com\r\nSubject: nobody sent this\r\n\r\nbody\r\n"
    result = intake.take(broken, "folder")
    assert result.status == "dead"
    assert [r.routing_key for r in rows("SELECT routing_key FROM outbox")] == ["mail.dead_lettered.v1"]
    assert cli(["dead-letters", "list"]) == 0
    assert f"#{result.raw_id}" in capsys.readouterr().out
    assert cli(["dead-letters", "show", str(result.raw_id)]) == 0
    assert "Subject: nobody sent this" in capsys.readouterr().out
    assert cli(["dead-letters", "replay", str(result.raw_id)]) == 1  # still unparseable: kept
    # After a fix (here: the sender is known after all), a replay hands it on.
    from inbound import intake as module

    original = module.parse
    monkeypatch.setattr(module, "parse", lambda raw, **kw: original(b"From: fixed@example.com\r\n" + raw, **kw))
    assert cli(["dead-letters", "replay"]) == 0
    assert rows(f"SELECT status FROM messages WHERE id = {result.raw_id}")[0].status == "handed"
    assert rows("SELECT routing_key FROM outbox ORDER BY id")[-1].routing_key == "mail.received.v1"


def test_a_long_subject_is_stored_and_handed_on_whole(intake, rows):
    subject = " ".join(f"word{n}" for n in range(80))
    raw = MAIL.replace(b"Subject: Printer on fire", f"Subject: {subject}".encode())
    assert intake.take(raw, "lmtp").status == "handed"
    (row,) = rows("SELECT subject, raw FROM messages")
    assert subject.startswith(row.subject) and bytes(row.raw) == raw  # the list column is cut, the raw message whole
    (event,) = rows("SELECT body FROM outbox")
    assert " ".join(json.loads(event.body)["data"]["subject"].split()) == subject
