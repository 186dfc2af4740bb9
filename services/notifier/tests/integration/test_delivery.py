"""Events published to RabbitMQ become emails at a real SMTP server, once, in the reader's language."""
import time
import uuid
from email.header import decode_header, make_header

from sqlalchemy import create_engine, text

from common.db import normalise_url
from common.events import CloudEvent, event_type

from .conftest import wait_for


def ev(name, data, **kw):
    return CloudEvent(type=event_type(name), source="/servicedesk/test", data=data, **kw)


def account_created(account_id, email, language="en", role="customer", name=None):
    return ev("account.created", {"accountId": account_id, "email": email, "displayName": name,
                                  "language": language, "role": role, "kind": "internal", "active": True},
              subject=account_id)


def invited(account_id, email, token):
    return ev("customer.invited", {"accountId": account_id, "email": email, "displayName": None, "language": "en",
                                   "invitedBy": None, "link": f"http://desk.test/portal/invitation?token={token}",
                                   "expiresAt": "2030-01-01T00:00:00Z"}, subject=account_id)


def status_changed(customer_id, actor_id):
    return ev("ticket.status_changed", {
        "ticketId": "1", "key": "AM-1", "deskId": "1", "deskKey": "AM", "deskName": "Audio Matching",
        "requestTypeId": "1", "summary": "Fingerprints missing", "status": "Waiting for customer",
        "reporterId": customer_id, "actorId": actor_id, "fromStatus": "Waiting for support",
        "toStatus": "Waiting for customer", "audience": {"customers": [customer_id], "agents": []},
    }, subject="AM-1")


def subject(message) -> str:
    return str(make_header(decode_header(message["Subject"])))


def plain(message) -> str:
    for part in message.walk():
        if part.get_content_type() == "text/plain":
            return part.get_payload(decode=True).decode(part.get_content_charset() or "utf-8")
    return ""


def test_invitation_is_emailed_once_with_its_link(running, mailbox):
    account_id = str(uuid.uuid4())
    running.publish("identity", account_created(account_id, "invitee@example.com"))
    event = invited(account_id, "invitee@example.com", "tok-123")
    running.publish("identity", event)
    [message] = wait_for(lambda: mailbox.to("invitee@example.com"), what="the invitation email")
    assert "http://desk.test/portal/invitation?token=tok-123" in plain(message)
    assert message["Subject"] == "Create your password for the service desk"
    assert "support@desk.test" in message["From"]

    # The same event again (a relay republishing after a crash): no second email.
    running.publish("identity", event)
    marker = invited(str(uuid.uuid4()), "marker@example.com", "tok-marker")
    running.publish("identity", marker)
    wait_for(lambda: mailbox.to("marker@example.com"), what="the marker email")
    time.sleep(0.3)
    assert len(mailbox.to("invitee@example.com")) == 1


def test_sent_log_prevents_a_second_email_when_the_inbox_lost_the_event(running, mailbox, settings):
    event = invited(str(uuid.uuid4()), "twice@example.com", "tok-2")
    running.publish("identity", event)
    wait_for(lambda: mailbox.to("twice@example.com"), what="the first email")
    engine = create_engine(normalise_url(settings.database_url))
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM inbox"))
    running.publish("identity", event)

    def processed_again():
        with engine.connect() as conn:
            return conn.execute(text("SELECT count(*) FROM inbox")).scalar() == 1

    wait_for(processed_again, what="the redelivery to be processed")
    engine.dispose()
    assert len(mailbox.to("twice@example.com")) == 1


def test_status_change_reaches_a_french_customer_in_french(running, mailbox):
    customer, agent = str(uuid.uuid4()), str(uuid.uuid4())
    running.publish("identity", account_created(customer, "zoe@example.com", "fr", name="Zoé"))
    running.publish("identity", account_created(agent, "agent@example.com", "en", role="agent", name="Agent Smith"))
    running.publish("tickets", status_changed(customer, agent))
    [message] = wait_for(lambda: mailbox.to("zoe@example.com"), what="the status email")
    assert subject(message) == "[AM-1] Votre demande est maintenant « En attente du client »"
    body = plain(message)
    assert "Agent Smith a changé le statut" in body
    assert "http://desk.test/portal/requests/AM-1" in body and "http://desk.test/portal/requests/AM-1/mute" in body
    assert message["References"] == "<request.AM-1@desk.test>"
    assert mailbox.to("agent@example.com") == []


def test_an_event_about_an_unknown_account_waits_for_the_account(running, mailbox):
    customer, agent = str(uuid.uuid4()), str(uuid.uuid4())
    running.publish("tickets", status_changed(customer, agent))
    time.sleep(0.3)
    assert mailbox.to("late@example.com") == []
    running.publish("identity", account_created(customer, "late@example.com"))
    wait_for(lambda: mailbox.to("late@example.com"), what="the retried status email")
    assert len(mailbox.to("late@example.com")) == 1


def test_a_message_that_is_not_an_event_ends_in_the_dead_letter_queue(running, mailbox):
    running.publish("identity", body=b'{"hello": "world"}', routing_key="customer.invited.v1")
    wait_for(lambda: running.count(running.topology.dead_letter_name) == 1, what="the poison message in the DLQ")
    # The worker keeps going after it.
    running.publish("identity", invited(str(uuid.uuid4()), "after@example.com", "tok-3"))
    wait_for(lambda: mailbox.to("after@example.com"), what="the next email")


def test_an_event_that_breaks_its_contract_is_dead_lettered_after_its_retries(running, mailbox):
    bad = ev("customer.invited", {"email": "nobody@example.com"})
    running.publish("identity", bad)
    wait_for(lambda: running.count(running.topology.dead_letter_name) == 1, timeout=20,
             what="the invalid event in the DLQ")
    assert mailbox.to("nobody@example.com") == []


def test_a_body_that_is_not_json_ends_in_the_dead_letter_queue(running, mailbox):
    running.publish("identity", body=b"\x80 not json", routing_key="customer.invited.v1")
    wait_for(lambda: running.count(running.topology.dead_letter_name) == 1, what="the undecodable message in the DLQ")
    running.publish("identity", invited(str(uuid.uuid4()), "after2@example.com", "tok-4"))
    wait_for(lambda: mailbox.to("after2@example.com"), what="the next email")


def test_a_pickled_body_is_never_decoded_and_ends_in_the_dead_letter_queue(running, mailbox):
    running.publish("identity", body=b"\x80\x04K\x01.", routing_key="customer.invited.v1",
                    content_type="application/x-python-serialize")
    wait_for(lambda: running.count(running.topology.dead_letter_name) == 1, what="the pickled message in the DLQ")
