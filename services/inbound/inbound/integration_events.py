"""What the inbound service publishes on ``inbound.events`` (schemas in ``common.contracts.mail``)."""
from __future__ import annotations

import base64

from common.events import CloudEvent, event_type

from .parsing import Parsed

SOURCE = "/servicedesk/inbound"


def _event(name: str, raw_id: int, data: dict) -> CloudEvent:
    return CloudEvent(type=event_type(name, 1), source=SOURCE, subject=str(raw_id), data=data)


def mail_received(raw_id: int, dedupe_key: str, parsed: Parsed, received_at: str, source: str) -> CloudEvent:
    return _event("mail.received", raw_id, {
        "rawId": str(raw_id), "dedupeKey": dedupe_key, "messageId": parsed.message_id, "receivedAt": received_at,
        "source": source, "fromAddress": parsed.from_address, "fromName": parsed.from_name,
        "replyTo": parsed.reply_to, "to": list(parsed.to), "cc": list(parsed.cc),
        "recipients": list(parsed.recipients), "subject": parsed.subject, "text": parsed.text,
        "fullText": parsed.full_text, "inReplyTo": list(parsed.in_reply_to), "references": list(parsed.references),
        "dmarc": parsed.dmarc, "mayAnswer": parsed.kind == "personal", "language": parsed.language,
        # The files themselves travel with the email (base64), bounded by MAX_MESSAGE_BYTES: the
        # tickets service stores them as the request's or comment's attachments.
        "attachments": [{"filename": a.filename, "contentType": a.content_type, "size": a.size,
                         "content": base64.b64encode(a.content).decode("ascii")} for a in parsed.attachments],
    })


def mail_ignored(raw_id: int | None, message_id: str | None, from_address: str | None, reason: str) -> CloudEvent:
    return _event("mail.ignored", raw_id or 0, {"rawId": str(raw_id) if raw_id else None, "messageId": message_id,
                                                "fromAddress": from_address, "reason": reason})


def mail_dead_lettered(raw_id: int, message_id: str | None, error: str) -> CloudEvent:
    return _event("mail.dead_lettered", raw_id, {"rawId": str(raw_id), "messageId": message_id, "error": error})
