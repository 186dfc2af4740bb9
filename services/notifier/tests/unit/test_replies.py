"""Reply addresses on ticket emails, and the automatic answers to emails (mail.processed)."""
import pytest

from common.events import CloudEvent, event_type
from common.replytokens import find_tags, verify
from notifier.settings import Settings
from notifier.store.tables import metadata
from notifier.worker import build_worker

from .test_handlers import Recorder, account, text_of, ticket

SECRET = "r" * 40


@pytest.fixture
def world(tmp_path, monkeypatch):
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'n.db'}", smtp_url=str(tmp_path / "mail"),
                        public_url="http://desk.test", mail_from="Desk <desk@mail.example.com>",
                        reply_token_secret=SECRET, reply_address="support@mail.example.com")
    channel = Recorder()
    monkeypatch.setattr("notifier.worker.make_channel", lambda url, timeout: channel)
    worker = build_worker(settings)
    metadata.create_all(worker.session_factory.kw["bind"])

    def deliver(event):
        processed = worker.handle(event, worker.handlers[event.routing_key])
        worker.sender.run_once()  # the spool's sender, which runs in a thread beside the consumer
        return processed

    for event in (account("cust-1", "alice@example.com"), account("agent-1", "agent@example.com", role="agent"),
                  account("cust-2", "bob@example.com")):
        deliver(event)
    return channel, deliver


def test_each_recipient_gets_a_reply_address_signed_for_them_on_the_desk_address(world):
    channel, deliver = world
    deliver(ticket("ticket.commented", customers=["cust-1", "cust-2"], commentId="7", public=True, body="Hi",
                   deskEmail="am@support.example.com"))
    by_to = {str(m["To"]).split("<")[-1].rstrip(">"): m for m, _ in channel.sent}
    for email, account_id in (("alice@example.com", "cust-1"), ("bob@example.com", "cust-2")):
        message = by_to[email]
        reply_to = message["Reply-To"].addresses[0].addr_spec
        assert reply_to.startswith("am+r-am-1-") and reply_to.endswith("@support.example.com")
        (tag,) = find_tags(reply_to)
        assert verify(SECRET.encode(), tag, account_id) and not verify(SECRET.encode(), tag, "someone-else")
        assert find_tags(message["Message-ID"]) == [tag]  # for replies that lost the Reply-To
        assert "Reply to this email" in text_of(message)


def test_agents_also_get_the_note_address_and_desks_without_an_address_use_the_fallback(world):
    channel, deliver = world
    deliver(ticket("ticket.commented", customers=[], agents=["agent-1"], actor="cust-1", commentId="8",
                   public=True, body="Hello"))
    (message, _), = channel.sent
    assert message["Reply-To"].addresses[0].addr_spec.startswith("support+r-am-1-")
    assert "support+n-am-1-" in text_of(message)


def processed(outcome, answer=True, **extra):
    data = {"rawId": "5", "messageId": "m@x", "outcome": outcome, "reason": extra.pop("reason", None),
            "fromAddress": "stranger@example.net", "accountId": extra.pop("accountId", None), "language": "fr",
            "subject": "Hello", "ticketKey": None, "commentId": None, "summary": None, "status": None,
            "deskKey": "TV", "deskName": "TV Audience", "deskEmail": "tv@support.example.com", "answer": answer, **extra}
    return CloudEvent(type=event_type("mail.processed"), source="/servicedesk/tickets", data=data)


def test_a_refusal_is_sent_once_in_the_senders_language_without_their_text(world):
    channel, deliver = world
    event = processed("refused", reason="unknown_sender")
    deliver(event)
    deliver(event)
    (message, recipients), = channel.sent
    assert recipients == ["stranger@example.net"]
    assert str(message["Subject"]) == "Votre e-mail au service d'assistance n'a pas été pris en compte"
    assert "clients enregistrés" in text_of(message) and "Hello" not in text_of(message)
    assert message["Auto-Submitted"] == "auto-generated" and message["Reply-To"] is None


def test_a_new_request_by_email_is_acknowledged_with_its_reply_address(world):
    channel, deliver = world
    deliver(processed("created", ticketKey="TV-3", summary="Hello", status="Waiting for support",
                      accountId="cust-2", fromAddress="bob@example.com", language="en"))
    (message, _), = channel.sent
    assert str(message["Subject"]) == "[TV-3] Request received: Hello"
    assert message["Reply-To"].addresses[0].addr_spec.startswith("tv+r-tv-3-")


@pytest.mark.parametrize("event", [processed("refused", answer=False, reason="unknown_sender"),
                                   processed("commented", ticketKey="TV-3"), processed("pending")])
def test_no_answer_when_tickets_says_so_or_nothing_needs_saying(world, event):
    channel, deliver = world
    deliver(event)
    assert channel.sent == []


def test_agents_answering_an_internal_note_add_a_note_not_a_public_reply(world):
    channel, deliver = world
    deliver(ticket("ticket.commented", customers=[], agents=["agent-1"], actor="agent-2", commentId="9",
                   public=False, body="Between us"))
    (message, _), = channel.sent
    reply_to = message["Reply-To"].addresses[0].addr_spec
    assert reply_to.startswith("support+n-am-1-")
    assert "add an internal note" in text_of(message) and "support+r-am-1-" in text_of(message)
