"""An email becomes a request through the request type's own field specs (no limit of the email channel's own)."""
from __future__ import annotations

import uuid

from common.db import transaction
from common.events import CloudEvent, event_type
from common.outbox import Outbox
from tickets.mail.intake import MailIntake
from tickets.store.tables import mail_intake, outbox, ticket_emails

API = "/rest/servicedeskapi"


def _received(sender: str, subject: str, text: str = "The body of the email.") -> CloudEvent:
    raw_id = str(uuid.uuid4().int % 10**9)
    return CloudEvent(type=event_type("mail.received", 1), source="/servicedesk/inbound", subject=raw_id, data={
        "rawId": raw_id, "dedupeKey": f"<{uuid.uuid4()}@example.com>", "messageId": None,
        "receivedAt": "2026-01-01T10:00:00Z", "source": "test", "fromAddress": sender, "fromName": None,
        "replyTo": None, "to": ["am@support.example.com"], "cc": [], "recipients": [], "subject": subject,
        "text": text, "fullText": text, "inReplyTo": [], "references": [], "dmarc": "none", "mayAnswer": False,
        "attachments": [], "language": None})


def _take(app, event: CloudEvent) -> None:
    intake = MailIntake(Outbox(outbox, app.extensions["tickets.settings"].exchange), None)
    with transaction(app.extensions["tickets.session_factory"]) as session:
        intake.on_mail_received(session, event)


def _cleanup(app):
    with transaction(app.extensions["tickets.session_factory"]) as session:
        session.execute(ticket_emails.delete())
        session.execute(mail_intake.delete())


def test_a_long_subject_is_cut_to_the_summary_field_and_kept_whole_in_the_description(app, api, person):
    alice = person()
    subject = " ".join(f"word{n}" for n in range(80))  # 469 characters
    try:
        _take(app, _received(alice.email, subject))
        request = api.get(f"{API}/request/AM-1", alice).json
        values = {v["fieldId"]: v["value"] for v in request["requestFieldValues"]}
        limit = next(f for f in api.get(f"{API}/servicedesk/1/requesttype/1/field", alice).json["requestTypeFields"]
                     if f["fieldId"] == "summary")["jiraSchema"]["configuration"]["maxLength"]
        assert len(values["summary"]) == limit and values["summary"].endswith("…")
        assert subject.startswith(values["summary"][:-1])
        assert values["description"] == f"{subject}\n\nThe body of the email."
    finally:
        _cleanup(app)


def test_a_short_subject_is_the_summary_and_the_body_the_description(app, api, person):
    alice = person()
    try:
        _take(app, _received(alice.email, "  Printer\n  is on fire "))
        values = {v["fieldId"]: v["value"] for v in api.get(f"{API}/request/AM-1", alice).json["requestFieldValues"]}
        assert values == {"summary": "Printer is on fire", "description": "The body of the email."}
    finally:
        _cleanup(app)
