"""The email channel end to end: replies and new requests by email, through a real IMAP server
(a private Dovecot the stack's poller reads) and the LMTP receiver, to comments and requests in
the tickets service and answers from the notifier.
"""
from __future__ import annotations

import os
import smtplib
import subprocess
import sys
import time
import uuid
from email import message_from_bytes, policy
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path

import pytest
from imapclient import IMAPClient

from common.testing import free_port, wait_for
from conftest import Mailbox, new_customer
from gateway.devmail import reply_as_recipient

HERE = Path(__file__).resolve().parent
AM_ADDRESS, TV_ADDRESS = "am@support.example.com", "tv@support.example.com"


def lmtp_deliver(port: int, raw: bytes, rcpt: str, mail_from: str = "sender@example.com") -> None:
    with smtplib.LMTP("127.0.0.1", port) as client:
        client.sendmail(mail_from, [rcpt], raw)


def imap_append(server, raw: bytes, user: str = "desk") -> None:
    client = IMAPClient("127.0.0.1", port=server.port, ssl=False)
    client.login(user, server.users[user])
    client.append("INBOX", raw)
    client.logout()


def imap_unseen(server, user: str = "desk") -> list[int]:
    client = IMAPClient("127.0.0.1", port=server.port, ssl=False)
    client.login(user, server.users[user])
    client.select_folder("INBOX")
    found = client.search(["UNSEEN"])
    client.logout()
    return found


def new_mail(sender: str, to: str, subject: str, body: str, **headers) -> bytes:
    msg = EmailMessage(policy=policy.SMTP)
    msg["From"], msg["To"], msg["Subject"] = sender, to, subject
    msg["Message-ID"] = make_msgid(domain="client.example.com")
    for name, value in headers.items():
        msg[name.replace("_", "-")] = value
    msg.set_content(body)
    return msg.as_bytes()


def reply(notification, text: str, sender: str | None = None, **headers) -> bytes:
    """What the recipient's mail client sends (the /dev/mail page's "reply as the recipient")."""
    message = reply_as_recipient(notification, text)
    if sender:
        message.replace_header("From", sender)
    for name, value in headers.items():
        message[name.replace("_", "-")] = value
    return message.as_bytes()


def reply_address(notification) -> str:
    return notification["Reply-To"].addresses[0].addr_spec


def comments(api, headers, key):
    response = api.get(f"/rest/servicedeskapi/request/{key}/comment", headers=headers)
    assert response.status_code == 200, response.text
    return [(c["body"], c["author"]["emailAddress"]) for c in response.json()["values"]]


def status(api, headers, key):
    return api.get(f"/rest/servicedeskapi/request/{key}", headers=headers).json()["currentStatus"]["status"]


@pytest.fixture(scope="module")
def conversation(api, agent_headers, mailbox):
    """Alice raised a request shared with her organisation, Bob (same organisation) follows it, and the
    agent has replied: both got the reply by email, each with their own reply address."""
    alice_email, alice = new_customer(api, agent_headers, mailbox, "mailalice")
    bob_email, bob = new_customer(api, agent_headers, mailbox, "mailbob")
    org = api.post("/rest/servicedeskapi/organization", json={"name": f"Mail Org {uuid.uuid4().hex[:6]}"},
                   headers=agent_headers).json()["id"]
    assert api.post(f"/rest/servicedeskapi/organization/{org}/user", json={"usernames": [alice_email, bob_email]},
                    headers=agent_headers).status_code == 204
    desks = api.get("/rest/servicedeskapi/servicedesk", headers=alice).json()["values"]
    am = next(d for d in desks if d["projectKey"] == "AM")

    def create():
        r = api.post("/rest/servicedeskapi/request", headers=alice, json={
            "serviceDeskId": am["id"], "requestTypeId": "1",
            "requestFieldValues": {"summary": "Matches missing by email", "organizations": [int(org)]}})
        return r if r.status_code == 201 else None

    key = wait_for(create, what="alice's organisation to reach tickets").json()["issueKey"]
    wait_for(lambda: api.put(f"/rest/servicedeskapi/request/{key}/notification", headers=bob).status_code == 204,
             what="bob to follow the organisation's request")
    r = api.post(f"/rest/servicedeskapi/request/{key}/comment", headers=agent_headers,
                 json={"body": "Which stations are affected?", "public": True})
    assert r.status_code == 201, r.text
    # The reply itself: alice's "Request received" may already be in the mailbox, and may come first.
    replied = f"[{key}] New reply on your request"
    to_alice = wait_for(lambda: mailbox.to(alice_email, replied), what="the agent's reply emailed to alice")[-1]
    to_bob = wait_for(lambda: mailbox.to(bob_email, replied), what="the agent's reply emailed to bob")[-1]
    return {"key": key, "alice": alice, "bob": bob, "alice_email": alice_email, "bob_email": bob_email,
            "to_alice": to_alice, "to_bob": to_bob}


def test_notifications_carry_a_signed_reply_address_per_recipient(conversation):
    a, b = reply_address(conversation["to_alice"]), reply_address(conversation["to_bob"])
    key = conversation["key"].lower()
    assert f"am+r-{key}-" in a and f"am+r-{key}-" in b and a != b
    assert "Reply to this email" in Mailbox.text(conversation["to_alice"])


def test_a_reply_by_the_reporter_over_imap_becomes_her_comment_and_moves_the_status(
        api, conversation, imap_server):
    c = conversation
    assert status(api, c["alice"], c["key"]) == "Waiting for customer"
    imap_append(imap_server, reply(c["to_alice"], "Radio 1 and Radio 2.\n\n-- \nAlice\nAcme Media"))
    wait_for(lambda: ("Radio 1 and Radio 2.", c["alice_email"]) in comments(api, c["alice"], c["key"]),
             timeout=30, what="alice's emailed reply as a comment")
    assert status(api, c["alice"], c["key"]) == "Waiting for support"
    wait_for(lambda: not imap_unseen(imap_server), what="the IMAP message to be flagged after the commit")


def test_a_reply_by_an_organisation_member_who_got_the_email_too(api, conversation, stack):
    c = conversation
    lmtp_deliver(stack.ports["lmtp"], reply(c["to_bob"], "Same here for Radio 3."), reply_address(c["to_bob"]))
    wait_for(lambda: ("Same here for Radio 3.", c["bob_email"]) in comments(api, c["bob"], c["key"]),
             timeout=30, what="bob's emailed reply as a comment")


def test_a_forged_from_without_the_token_is_refused(api, conversation, stack, mailbox):
    c = conversation
    before = comments(api, c["alice"], c["key"])
    refusals = len(mailbox.to(c["alice_email"], "not taken in"))
    forged = new_mail(c["alice_email"], AM_ADDRESS, f"Re: [{c['key']}] Matches missing", "Send the data to evil.")
    lmtp_deliver(stack.ports["lmtp"], forged, AM_ADDRESS)
    # Someone else's reply address, with alice's From, is refused the same way.
    stolen = reply(c["to_bob"], "Bob's address, Alice's name.", sender=c["alice_email"])
    lmtp_deliver(stack.ports["lmtp"], stolen, reply_address(c["to_bob"]))
    wait_for(lambda: len(mailbox.to(c["alice_email"], "not taken in")) >= refusals + 2, timeout=30,
             what="the polite refusals")
    assert comments(api, c["alice"], c["key"]) == before


def test_a_new_email_to_the_am_address_raises_a_request_for_a_known_customer(api, conversation, stack, mailbox):
    c = conversation
    lmtp_deliver(stack.ports["lmtp"], new_mail(c["alice_email"], AM_ADDRESS, "Export fails", "Since 9:00."),
                 AM_ADDRESS)
    ack = wait_for(lambda: mailbox.to(c["alice_email"], "Request received: Export fails"), timeout=30,
                   what="the acknowledgement")[-1]
    key = str(ack["Subject"]).split("]")[0].strip("[")
    assert key.startswith("AM-")
    request = api.get(f"/rest/servicedeskapi/request/{key}", headers=c["alice"]).json()
    assert request["reporter"]["emailAddress"] == c["alice_email"]
    fields = {f["fieldId"]: f["value"] for f in request["requestFieldValues"]}
    assert fields["summary"] == "Export fails" and "Since 9:00." in fields["description"]
    assert f"am+r-{key.lower()}-" in reply_address(ack)


def test_an_unknown_sender_becomes_an_external_customer_where_the_desk_allows_it(api, agent_headers, stack, mailbox):
    email = f"newbie-{uuid.uuid4().hex[:8]}@example.org"
    lmtp_deliver(stack.ports["lmtp"], new_mail(email, AM_ADDRESS, "Cannot find my data", "Help please."), AM_ADDRESS)
    invitation = wait_for(lambda: mailbox.to(email, "password"), timeout=30, what="the invitation")[-1]
    assert "/portal/invitation?token=" in Mailbox.text(invitation)
    ack = wait_for(lambda: mailbox.to(email, "Request received: Cannot find my data"), timeout=30,
                   what="the request raised once the account exists")[-1]
    key = str(ack["Subject"]).split("]")[0].strip("[")
    request = api.get(f"/rest/servicedeskapi/request/{key}", headers=agent_headers).json()
    assert request["reporter"]["emailAddress"] == email


def test_an_unknown_sender_is_refused_politely_where_the_desk_does_not(stack, mailbox):
    email = f"stranger-{uuid.uuid4().hex[:8]}@example.net"
    lmtp_deliver(stack.ports["lmtp"], new_mail(email, TV_ADDRESS, "Hello", "Anyone?"), TV_ADDRESS)
    refusal = wait_for(lambda: mailbox.to(email, "not taken in"), timeout=30, what="the refusal")[-1]
    assert "registered customers" in Mailbox.text(refusal)
    # One polite refusal per email, and no more than the hourly bound for a sender who keeps writing.
    for n in range(5):
        lmtp_deliver(stack.ports["lmtp"], new_mail(email, TV_ADDRESS, f"Hello {n}", "Anyone?"), TV_ADDRESS)
    time.sleep(6)
    assert len(mailbox.to(email, "not taken in")) == 3  # MAIL_ANSWERS_PER_HOUR


def test_an_auto_reply_and_a_bounce_are_ignored(api, conversation, stack, mailbox):
    c = conversation
    auto = reply(c["to_alice"], "I am out of office until Monday.", Auto_Submitted="auto-replied")
    lmtp_deliver(stack.ports["lmtp"], auto, reply_address(c["to_alice"]))
    bounce = new_mail("MAILER-DAEMON@mx.example.com", reply_address(c["to_alice"]), "Undelivered Mail Returned",
                      "The mail system could not deliver your message.")
    lmtp_deliver(stack.ports["lmtp"], bounce, reply_address(c["to_alice"]), mail_from="")
    # A normal reply after them: once it is in, the two before it have been handled.
    lmtp_deliver(stack.ports["lmtp"], reply(c["to_alice"], "Sync after the robots."), reply_address(c["to_alice"]))
    wait_for(lambda: ("Sync after the robots.", c["alice_email"]) in comments(api, c["alice"], c["key"]),
             timeout=30, what="the reply after the robots")
    bodies = [body for body, _ in comments(api, c["alice"], c["key"])]
    assert not any("out of office" in b or "could not deliver" in b for b in bodies)
    assert not mailbox.to("mailer-daemon@mx.example.com")


def test_the_same_message_delivered_twice_makes_one_comment(api, conversation, stack, imap_server):
    c = conversation
    raw = reply(c["to_alice"], "Delivered by two transports.")
    lmtp_deliver(stack.ports["lmtp"], raw, reply_address(c["to_alice"]))
    lmtp_deliver(stack.ports["lmtp"], raw, reply_address(c["to_alice"]))
    imap_append(imap_server, b"Received: from mx2.example.com\r\n" + raw)
    wait_for(lambda: not imap_unseen(imap_server), timeout=30, what="the IMAP copy to be taken")
    lmtp_deliver(stack.ports["lmtp"], reply(c["to_alice"], "Sync after the copies."), reply_address(c["to_alice"]))
    wait_for(lambda: ("Sync after the copies.", c["alice_email"]) in comments(api, c["alice"], c["key"]),
             timeout=30, what="the reply after the copies")
    assert [b for b, _ in comments(api, c["alice"], c["key"])].count("Delivered by two transports.") == 1


def _spawn(stack, args, extra):
    env = {**stack.env, **extra}
    log = open(stack.log_dir / f"crash-{args[-1]}-{uuid.uuid4().hex[:6]}.log", "wb")
    return subprocess.Popen([sys.executable, *args], env=env, stdout=log, stderr=subprocess.STDOUT,
                            cwd=HERE, start_new_session=True)


def test_an_imap_poller_killed_mid_message_loses_nothing_and_doubles_nothing(api, conversation, stack, imap_server):
    c = conversation
    extra = {"IMAP_URL": imap_server.url("spare"), "IMAP_POLL_SECONDS": "1"}
    imap_append(imap_server, reply(c["to_alice"], "Survives a crashing poller."), user="spare")
    crashing = _spawn(stack, [str(HERE / "helpers" / "crashing_ingest.py"), "imap"], extra)
    assert crashing.wait(timeout=60) == 17  # died after the commit, before flagging the message
    assert imap_unseen(imap_server, "spare")  # so the mailbox still has it as new
    poller = _spawn(stack, ["-m", "inbound.imap"], extra)
    try:
        wait_for(lambda: not imap_unseen(imap_server, "spare"), timeout=30, what="the restarted poller")
        wait_for(lambda: ("Survives a crashing poller.", c["alice_email"]) in comments(api, c["alice"], c["key"]),
                 timeout=30, what="the comment")
        time.sleep(2)
        assert [b for b, _ in comments(api, c["alice"], c["key"])].count("Survives a crashing poller.") == 1
    finally:
        poller.terminate()
        poller.wait(timeout=15)


def test_an_lmtp_receiver_killed_mid_message_loses_nothing_and_doubles_nothing(api, conversation, stack):
    c = conversation
    port = free_port()
    crashing = _spawn(stack, [str(HERE / "helpers" / "crashing_ingest.py"), "lmtp"],
                      {"LMTP_LISTEN": f"127.0.0.1:{port}"})
    raw = reply(c["to_alice"], "Survives a crashing receiver.")
    wait_for(lambda: _listening(port), what="the crashing receiver")
    with pytest.raises((smtplib.SMTPServerDisconnected, ConnectionError)):
        lmtp_deliver(port, raw, reply_address(c["to_alice"]))
    assert crashing.wait(timeout=30) == 17
    # The MTA never got its 250, so it delivers again: to the running receiver.
    lmtp_deliver(stack.ports["lmtp"], raw, reply_address(c["to_alice"]))
    wait_for(lambda: ("Survives a crashing receiver.", c["alice_email"]) in comments(api, c["alice"], c["key"]),
             timeout=30, what="the comment")
    time.sleep(2)
    assert [b for b, _ in comments(api, c["alice"], c["key"])].count("Survives a crashing receiver.") == 1


def _with_file(raw: bytes, name: str, content: bytes) -> bytes:
    message = message_from_bytes(raw, policy=policy.SMTP)
    message.make_mixed()
    message.add_attachment(content, maintype="text", subtype="plain", filename=name)
    return message.as_bytes()


def attachments(api, headers, key):
    response = api.get(f"/rest/servicedeskapi/request/{key}/attachment", headers=headers)
    assert response.status_code == 200, response.text
    return {a["filename"]: a for a in response.json()["values"]}


def test_an_emailed_reply_brings_its_file_as_the_comments_attachment(api, conversation, stack):
    c = conversation
    raw = _with_file(reply(c["to_alice"], "The log is attached."), "stations.log", b"radio1 missing\nradio2 missing\n")
    lmtp_deliver(stack.ports["lmtp"], raw, reply_address(c["to_alice"]))
    wait_for(lambda: ("The log is attached.", c["alice_email"]) in comments(api, c["alice"], c["key"]),
             timeout=30, what="the reply with a file")
    files = attachments(api, c["alice"], c["key"])
    assert files["stations.log"]["size"] == len(b"radio1 missing\nradio2 missing\n")
    assert files["stations.log"]["author"]["emailAddress"] == c["alice_email"]
    content = api.get(files["stations.log"]["_links"]["content"].split(str(api.base_url).rstrip("/"))[-1],
                      headers=c["alice"])
    assert content.status_code == 200 and content.content == b"radio1 missing\nradio2 missing\n"


def test_a_new_request_by_email_keeps_its_file(api, conversation, stack, mailbox):
    c = conversation
    raw = _with_file(new_mail(c["bob_email"], AM_ADDRESS, "Export log", "See the file."), "export.log", b"E42\n")
    lmtp_deliver(stack.ports["lmtp"], raw, AM_ADDRESS)
    ack = wait_for(lambda: mailbox.to(c["bob_email"], "Request received: Export log"), timeout=30,
                   what="the acknowledgement")[-1]
    key = str(ack["Subject"]).split("]")[0].strip("[")
    assert "export.log" in attachments(api, c["bob"], key)


def test_agents_read_the_original_email_with_the_quotes(api, agent_headers, conversation):
    emails = api.get(f"/api/tickets/requests/{conversation['key']}/emails", headers=agent_headers).json()["values"]
    original = next(e for e in emails if e["text"].startswith("Radio 1 and Radio 2."))
    assert "Which stations are affected?" in original["text"] and original["from"] == conversation["alice_email"]
    customer = api.get(f"/api/tickets/requests/{conversation['key']}/emails", headers=conversation["alice"])
    assert customer.status_code == 403


def _listening(port: int) -> bool:
    import socket

    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
        return True
    except OSError:
        return False
