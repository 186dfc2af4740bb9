"""Handlers against a file SQLite database and a recording channel: replica, audiences, dedupe."""
import uuid

import pytest
from marshmallow import ValidationError

from common.events import CloudEvent, event_type
from notifier.domain.recipients import UnknownAccounts
from notifier.handlers import IDENTITY_EVENTS, TICKET_EVENTS
from notifier.settings import Settings
from notifier.store.tables import metadata
from notifier.worker import build_worker


class Recorder:
    def __init__(self):
        self.sent = []

    def send(self, message, recipients):
        self.sent.append((message, recipients))


class Failing(Recorder):
    """Accepts the first ``ok`` emails, then fails like an SMTP server answering 451."""

    def __init__(self, ok):
        super().__init__()
        self.ok = ok

    def send(self, message, recipients):
        if len(self.sent) >= self.ok:
            raise ConnectionError("451 try later")
        super().send(message, recipients)


@pytest.fixture
def world(tmp_path, monkeypatch):
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'n.db'}", smtp_url=str(tmp_path / "mail"),
                        public_url="http://desk.test")
    channel = Recorder()
    monkeypatch.setattr("notifier.worker.make_channel", lambda url, timeout: channel)
    worker = build_worker(settings)
    metadata.create_all(worker.session_factory.kw["bind"])

    class World:
        def __init__(self):
            self.channel = channel
            self.worker = worker

        def deliver(self, event):
            processed = worker.handle(event, worker.handlers[event.routing_key])
            worker.sender.run_once()  # the spool's sender, which runs in a thread beside the consumer
            return processed

    return World()


def ev(name, data, **kw):
    return CloudEvent(type=event_type(name), source="/servicedesk/test", data=data, **kw)


def account(account_id, email, language="en", role="customer", active=True, name=None, **kw):
    return ev("account.created", {"accountId": account_id, "email": email, "displayName": name,
                                  "language": language, "role": role, "active": active}, **kw)


def ticket(name="ticket.status_changed", customers=(), agents=(), actor="agent-1", **extra):
    data = {"ticketId": "1", "key": "AM-1", "deskId": "1", "deskKey": "AM", "deskName": "Audio Matching",
            "requestTypeId": "1", "summary": "Fingerprints missing", "status": "Waiting for customer",
            "reporterId": "cust-1", "actorId": actor,
            "audience": {"customers": list(customers), "agents": list(agents)}}
    if name == "ticket.status_changed":
        data.update(fromStatus="In progress", toStatus="Waiting for customer")
    data.update(extra)
    return ev(name, data, subject="AM-1")


def invited(email="new@example.com", language="en"):
    return ev("customer.invited", {"accountId": str(uuid.uuid4()), "email": email, "displayName": None,
                                   "language": language, "invitedBy": "agent-1",
                                   "link": "http://desk.test/portal/invitation?token=t0k3n",
                                   "expiresAt": "2030-01-01T00:00:00Z"})


def text_of(message):
    return message.get_body(("plain",)).get_content()


def test_invitation_email_carries_the_link_once_even_when_redelivered(world):
    event = invited()
    assert world.deliver(event) is True
    assert world.deliver(event) is False
    assert len(world.channel.sent) == 1
    message, rcpts = world.channel.sent[0]
    assert rcpts == ["new@example.com"] and "token=t0k3n" in text_of(message)


def test_sent_log_stops_a_second_email_even_if_the_inbox_row_is_lost(world):
    event = invited()
    world.deliver(event)
    from notifier.store.tables import inbox
    with world.worker.session_factory.begin() as s:
        s.execute(inbox.delete())
    world.deliver(event)
    assert len(world.channel.sent) == 1


def test_status_change_is_mailed_in_each_recipients_language(world):
    world.deliver(account("cust-1", "zoe@example.com", "fr", name="Zoé"))
    world.deliver(account("cust-2", "al@example.com", "en"))
    world.deliver(account("agent-1", "agent@example.com", "en", role="agent", name="Agent Smith"))
    world.deliver(ticket(customers=["cust-1", "cust-2"]))
    by_to = {rcpts[0]: msg for msg, rcpts in world.channel.sent}
    assert by_to["zoe@example.com"]["Subject"] == "[AM-1] Votre demande est maintenant « En attente du client »"
    assert by_to["al@example.com"]["Subject"] == "[AM-1] Your request is now Waiting for customer"
    body = text_of(by_to["zoe@example.com"])
    assert "Agent Smith" in body and "http://desk.test/portal/requests/AM-1/mute" in body
    assert by_to["zoe@example.com"]["List-Unsubscribe"] == "<http://desk.test/portal/requests/AM-1/mute>"


def test_agents_get_the_console_link_and_no_mute_link(world):
    world.deliver(account("agent-2", "agent2@example.com", role="agent"))
    world.deliver(account("cust-1", "reporter@example.com"))
    world.deliver(ticket("ticket.created", agents=["agent-2"], actor="cust-1",
                         organizationIds=[], participantIds=[]))
    message, _ = world.channel.sent[0]
    assert "http://desk.test/agent/requests/AM-1" in text_of(message)
    assert "/mute" not in text_of(message) and message["List-Unsubscribe"] is None


def test_unknown_recipient_raises_so_the_worker_retries(world):
    with pytest.raises(UnknownAccounts):
        world.deliver(ticket(customers=["cust-9"]))
    assert world.channel.sent == []
    world.deliver(account("cust-9", "late@example.com"))
    world.deliver(ticket(customers=["cust-9"]))
    assert [r for _, r in world.channel.sent] == [["late@example.com"]]


def test_inactive_accounts_and_the_actor_are_not_mailed(world):
    world.deliver(account("cust-1", "a@example.com", active=False))
    world.deliver(account("agent-1", "agent@example.com", role="agent"))
    world.deliver(ticket(customers=["cust-1"], agents=["agent-1"], actor="agent-1"))
    assert world.channel.sent == []


def test_internal_note_never_reaches_a_customer(world):
    world.deliver(account("cust-1", "a@example.com"))
    world.deliver(account("agent-2", "b@example.com", role="agent"))
    world.deliver(ticket("ticket.commented", customers=["cust-1"], agents=["agent-2"], commentId="5",
                         public=False, body="secret"))
    assert [r for _, r in world.channel.sent] == [["b@example.com"]]
    assert "internal note" in world.channel.sent[0][0]["Subject"]


def test_participants_changed_mails_only_the_added_customers(world):
    world.deliver(account("cust-1", "a@example.com"))
    world.deliver(account("cust-2", "new@example.com", "fr"))
    world.deliver(ticket("ticket.participants_changed", customers=["cust-1", "cust-2"], agents=[],
                         added=["cust-2"], removed=[], participantIds=["cust-2"]))
    assert [r for _, r in world.channel.sent] == [["new@example.com"]]
    assert "Vous avez été ajouté" in world.channel.sent[0][0]["Subject"]


def test_a_participant_added_by_someone_else_is_told_who_and_to_which_request(world):
    world.deliver(account("agent-1", "sam@example.com", role="agent", name="Sam Agent"))
    world.deliver(account("cust-2", "new@example.com"))
    world.deliver(ticket("ticket.participants_changed", customers=["cust-2"], agents=[], added=["cust-2"],
                         removed=[], participantIds=["cust-2"]))
    message, recipients = world.channel.sent[0]
    body = text_of(message)
    assert recipients == ["new@example.com"] and message["Subject"].startswith("[AM-1] You were added to a request")
    assert "Sam Agent added you as a participant to this request." in body
    assert "AM-1: Fingerprints missing" in body and "http://desk.test/portal/requests/AM-1" in body


def test_unsharing_mails_nobody(world):
    world.deliver(account("cust-1", "a@example.com"))
    world.deliver(ticket("ticket.shared", customers=["cust-1"], agents=[], added=[], removed=["3"],
                         organizationIds=[]))
    assert world.channel.sent == []


def test_sharing_mails_the_customers_of_the_audience_naming_the_organisation(world):
    world.deliver(account("member-1", "a@example.com", "de"))
    world.deliver(account("agent-2", "b@example.com", role="agent"))
    world.deliver(ticket("ticket.shared", customers=["member-1"], agents=["agent-2"], added=["3"], removed=[],
                         organizationIds=["3"], organizationNames={"3": "Acme Media", "4": "Other"}))
    assert [r for _, r in world.channel.sent] == [["a@example.com"]]
    # A long subject is folded onto its own line in the stored bytes; readers unfold it.
    assert world.channel.sent[0][0]["Subject"].strip() == "[AM-1] Eine Anfrage wurde mit Acme Media geteilt: Fingerprints missing"


def test_sharing_without_organisation_names_sends_the_generic_text(world):
    world.deliver(account("member-1", "a@example.com"))
    world.deliver(ticket("ticket.shared", customers=["member-1"], agents=[], added=["3"], removed=[],
                         organizationIds=["3"]))
    assert world.channel.sent[0][0]["Subject"] == "[AM-1] A request was shared with you: Fingerprints missing"


def assigned(to, actor="agent-1", agents=None):
    return ticket("ticket.assigned", agents=[to] if agents is None else agents, customers=["cust-1"], actor=actor,
                  fromAssigneeId=None, toAssigneeId=to, assigneeId=to)


def test_assignment_mails_the_new_assignee_only(world):
    world.deliver(account("agent-1", "boss@example.com", role="agent", name="Boss"))
    world.deliver(account("agent-2", "b@example.com", "es", role="agent"))
    world.deliver(account("cust-1", "c@example.com"))
    world.deliver(assigned("agent-2", agents=["agent-2", "agent-3"]))
    [(message, rcpts)] = world.channel.sent
    assert rcpts == ["b@example.com"] and message["Subject"] == "Se le asignó AM-1: Fingerprints missing"
    assert "Boss le asignó AM-1." in text_of(message) and "http://desk.test/agent/requests/AM-1" in text_of(message)


def test_self_assignment_and_unassignment_mail_nobody(world):
    world.deliver(account("agent-1", "boss@example.com", role="agent"))
    world.deliver(assigned("agent-1", actor="agent-1"))
    world.deliver(assigned(None, agents=[]))
    assert world.channel.sent == []


def password_changed(language="fr"):
    return ev("password.changed", {"accountId": "cust-1", "email": "zoe@example.com", "language": language,
                                   "displayName": "Zoé"})


def test_password_change_tells_the_owner_with_the_forgot_password_link(world):
    event = password_changed()
    world.deliver(event)
    world.deliver(event)
    [(message, rcpts)] = world.channel.sent
    assert rcpts == ["zoe@example.com"]
    assert message["Subject"] == "Le mot de passe de votre compte du centre de services a été modifié"
    body = text_of(message)
    assert "Bonjour Zoé," in body and "http://desk.test/portal/forgot-password" in body
    assert body.count("http") == 1


def test_a_password_change_without_an_email_breaks_its_contract(world):
    with pytest.raises(ValidationError):
        world.deliver(ev("password.changed", {"accountId": "cust-1", "language": "en"}))


def test_an_account_language_is_kept_as_chosen_and_used_when_supported(world):
    world.deliver(account("cust-1", "a@example.com", "es-MX"))
    world.deliver(account("cust-2", "b@example.com", "it"))
    world.deliver(ticket(customers=["cust-1", "cust-2"]))
    by_to = {rcpts[0]: msg for msg, rcpts in world.channel.sent}
    assert by_to["a@example.com"]["Content-Language"] == "es"
    assert by_to["b@example.com"]["Content-Language"] == "en"


def test_summary_with_header_injection_reaches_only_the_subject_text(world):
    world.deliver(account("cust-1", "a@example.com"))
    world.deliver(ticket("ticket.created", customers=["cust-1"], organizationIds=[], participantIds=[],
                         summary="Help\r\nBcc: victim@example.com =?UTF-8?Q?=0A?=X: y"))
    message, rcpts = world.channel.sent[0]
    assert rcpts == ["a@example.com"] and message["Bcc"] is None and message["X"] is None
    assert "\n" not in message["Subject"]


def test_a_newer_account_update_is_not_overwritten_by_an_older_event(world):
    world.deliver(account("cust-1", "new@example.com", "fr", time="2030-01-02T00:00:00Z"))
    world.deliver(account("cust-1", "old@example.com", "en", time="2030-01-01T00:00:00Z"))
    world.deliver(ticket(customers=["cust-1"]))
    assert [r for _, r in world.channel.sent] == [["new@example.com"]]


def test_a_payload_that_breaks_its_contract_is_refused(world):
    bad = ev("customer.invited", {"email": "x@example.com"})
    with pytest.raises(ValidationError):
        world.deliver(bad)


def test_a_failing_recipient_does_not_make_the_retry_mail_the_first_one_again(world):
    world.deliver(account("cust-1", "a@example.com"))
    world.deliver(account("cust-2", "b@example.com"))
    flaky = Failing(ok=1)
    world.worker.sender.channel = flaky
    event = ticket(customers=["cust-1", "cust-2"])
    assert world.deliver(event) is True  # queued for both; the event is done with
    assert [r for _, r in flaky.sent] == [["a@example.com"]]
    flaky.ok = 10
    _due_now(world)
    world.worker.sender.run_once()
    assert world.deliver(event) is False
    assert sorted(r[0] for _, r in flaky.sent) == ["a@example.com", "b@example.com"]


def _due_now(world):
    from notifier.store.tables import sent_mail
    with world.worker.session_factory.begin() as s:
        s.execute(sent_mail.update().where(sent_mail.c.status == "queued").values(next_attempt_at=sent_mail.c.created_at))


def _spool(world):
    from notifier.store.tables import sent_mail
    with world.worker.session_factory() as s:
        return {r.recipient: r for r in s.execute(sent_mail.select()).all()}


class Refusing(Recorder):
    """An SMTP server answering with ``code`` for the addresses in ``refused``."""

    def __init__(self, refused, code):
        super().__init__()
        self.refused, self.code = set(refused), code

    def send(self, message, recipients):
        import smtplib
        if recipients[0] in self.refused:
            raise smtplib.SMTPRecipientsRefused({recipients[0]: (self.code, b"5.1.1 no such user"
                                                                 if self.code >= 500 else b"4.2.0 try later")})
        super().send(message, recipients)


def test_a_permanent_refusal_of_one_recipient_is_a_bounce_and_the_others_are_mailed(world):
    for cid in ("cust-1", "cust-2", "cust-3"):
        world.deliver(account(cid, f"{cid}@example.com"))
    world.worker.sender.channel = refusing = Refusing(["cust-2@example.com"], 550)
    world.deliver(ticket(customers=["cust-1", "cust-2", "cust-3"]))
    assert sorted(r[0] for _, r in refusing.sent) == ["cust-1@example.com", "cust-3@example.com"]
    spool = _spool(world)
    assert spool["cust-2@example.com"].status == "bounced" and "550" in spool["cust-2@example.com"].last_error
    _due_now(world)
    world.worker.sender.run_once()  # never tried again
    assert len(refusing.sent) == 2 and _spool(world)["cust-2@example.com"].attempts == 1


def test_a_temporary_refusal_backs_off_exponentially_then_parks_after_the_maximum_age(world):
    from datetime import timedelta
    from notifier.spool import SpoolPolicy

    world.deliver(account("cust-1", "slow@example.com"))
    sender = world.worker.sender
    sender.policy = SpoolPolicy(retry_base=10, retry_max=40, max_age=100)
    sender.channel = Refusing(["slow@example.com"], 451)
    world.deliver(ticket(customers=["cust-1"]))
    for _ in range(3):
        _due_now(world)
        sender.run_once()
    row = _spool(world)["slow@example.com"]
    assert row.status == "queued" and row.attempts >= 2  # max_age not reached: tried again and again
    from notifier.store.tables import sent_mail
    with world.worker.session_factory.begin() as s:  # five days later, in compressed time
        s.execute(sent_mail.update().values(created_at=row.created_at - timedelta(seconds=200),
                                            next_attempt_at=row.created_at))
    sender.run_once()
    row = _spool(world)["slow@example.com"]
    assert row.status == "parked" and "451" in row.last_error


def test_backoff_doubles_up_to_its_maximum():
    from types import SimpleNamespace
    from notifier.spool import Sender, SpoolPolicy
    from common.events import utc_now

    sender = Sender.__new__(Sender)
    sender.policy = SpoolPolicy(retry_base=10, retry_max=40, max_age=10_000)
    waits = []
    for attempts in range(5):
        row = SimpleNamespace(event_id="e", recipient="r", message_id="m", attempts=attempts, created_at=utc_now())
        before = utc_now()
        outcome = sender._outcome(row, ConnectionError("451"))
        waits.append(round((outcome["values"]["next_attempt_at"] - before).total_seconds()))
    assert waits == [10, 20, 40, 40, 40]


def test_a_sender_that_died_mid_send_is_taken_over_after_the_lease_and_counted(world):
    from datetime import timedelta
    from notifier.store.tables import sent_mail

    world.deliver(account("cust-1", "once@example.com"))
    sender = world.worker.sender
    sender.channel = Failing(ok=0)
    world.deliver(ticket(customers=["cust-1"]))
    with world.worker.session_factory.begin() as s:  # as a sender killed between SMTP "250" and the mark
        old = _spool(world)["once@example.com"].created_at - timedelta(hours=1)
        s.execute(sent_mail.update().values(status="sending", sending_since=old))
    sender.channel = Recorder()
    sender.run_once()
    row = _spool(world)["once@example.com"]
    assert row.status == "sent" and row.resent == 1 and len(sender.channel.sent) == 1


def test_sharing_does_not_tell_the_reporter_or_participants_who_already_follow_it(world):
    for cid in ("cust-1", "cust-2", "cust-3"):
        world.deliver(account(cid, f"{cid}@example.com"))
    world.deliver(ticket("ticket.shared", customers=["cust-1", "cust-2", "cust-3"], agents=[], added=["3"],
                         removed=[], organizationIds=["3"], participantIds=["cust-2"],
                         organizations=[{"id": "3", "name": "Acme Media"}]))
    assert [r for _, r in world.channel.sent] == [["cust-3@example.com"]]
    assert "Acme Media" in world.channel.sent[0][0]["Subject"]


def test_every_bound_event_has_a_handler_and_no_handler_is_unbound(world):
    assert set(world.worker.handlers) == set(IDENTITY_EVENTS) | set(TICKET_EVENTS)


def test_the_reporter_gets_a_request_received_email_with_the_key_and_the_link(world):
    world.deliver(account("cust-1", "zoe@example.com", "fr"))
    world.deliver(account("agent-2", "agent2@example.com", role="agent"))
    world.deliver(ticket("ticket.created", agents=["agent-2"], actor="cust-1", organizationIds=[],
                         participantIds=[], channel="portal"))
    by_to = {rcpts[0]: msg for msg, rcpts in world.channel.sent}
    receipt = by_to["zoe@example.com"]
    assert receipt["Subject"].startswith("[AM-1]") and "Fingerprints missing" in receipt["Subject"]
    body = text_of(receipt)
    assert "http://desk.test/portal/requests/AM-1" in body and "Audio Matching" in body
    assert receipt["Content-Language"] == "fr"


def test_no_receipt_for_a_request_raised_by_email_or_on_the_reporters_behalf(world):
    world.deliver(account("cust-1", "zoe@example.com"))
    world.deliver(ticket("ticket.created", actor="cust-1", organizationIds=[], participantIds=[], channel="email"))
    assert world.channel.sent == []
    world.deliver(account("agent-1", "agent@example.com", role="agent"))
    world.deliver(ticket("ticket.created", customers=["cust-1"], actor="agent-1", organizationIds=[],
                         participantIds=[]))
    assert [rcpts for _m, rcpts in world.channel.sent] == [["zoe@example.com"]]  # "raised for you", once


def test_an_invitation_onto_a_request_says_who_added_them_and_to_which_request(world):
    world.deliver(account("cust-1", "alice@example.com", name="Alice"))
    event = invited("new@example.com", "fr")
    event.data["invitedBy"] = "cust-1"
    event.data["ticket"] = {"ticketId": "1", "key": "AM-7", "summary": "Player broken", "deskName": "Audio Matching"}
    world.deliver(event)
    body = text_of(world.channel.sent[0][0])
    assert "Alice vous a ajouté à la demande AM-7 « Player broken » sur Audio Matching" in body
    assert "token=t0k3n" in body
