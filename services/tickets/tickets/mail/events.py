"""The email channel's events on ``tickets.events`` (schemas in ``common.contracts.mail``)."""
from __future__ import annotations

from common.events import CloudEvent, event_type
from common.log import current_correlation_id

from ..domain.catalog import Desk

SOURCE = "/servicedesk/tickets"


def _event(name: str, subject: str, data: dict) -> CloudEvent:
    return CloudEvent(type=event_type(name, 1), source=SOURCE, subject=subject, data=data,
                      correlationid=current_correlation_id())


def mail_processed(mail: dict, outcome: str, *, answer: bool, language: str, reason: str | None = None,
                   account_id: str | None = None, ticket=None, comment_id=None, desk: Desk | None = None
                   ) -> CloudEvent:
    return _event("mail.processed", mail["rawId"], {
        "rawId": mail["rawId"], "messageId": mail.get("messageId"), "outcome": outcome, "reason": reason,
        "fromAddress": mail["fromAddress"], "accountId": account_id, "language": language,
        "subject": mail.get("subject") or "", "ticketKey": ticket.key if ticket else None,
        "commentId": str(comment_id) if comment_id else None, "summary": ticket.summary if ticket else None,
        "status": ticket.status.value if ticket else None, "deskKey": desk.key if desk else None,
        "deskName": desk.name if desk else None, "deskEmail": desk.email_address if desk else None,
        "answer": answer,
    })


def sender_invited(mail: dict, desk: Desk, language: str, summary: str) -> CloudEvent:
    """``summary``: the one the request will have once the sender's account exists."""
    return _event("mail.sender_invited", mail["rawId"], {
        "email": mail["fromAddress"], "deskId": str(desk.id), "deskKey": desk.key, "deskName": desk.name,
        "summary": summary, "language": language,
        "messageId": mail.get("messageId"),
    })
