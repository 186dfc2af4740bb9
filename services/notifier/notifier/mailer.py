"""Send one email per (event, recipient), at most once per committed send.

Duplicate window: the channel accepts the email, then the sent-log row is committed in its own
short transaction. If the process dies between those two steps, the event is redelivered and that
one recipient is mailed again; no other path sends twice. The row is committed per recipient,
not with the handler's transaction, so a later recipient's failure (an SMTP 4xx, say) does not roll
back the record of the ones already mailed and make the retry mail them again.
"""
from __future__ import annotations

import logging
from email.headerregistry import Address

from common.metrics import EMAILS
from sqlalchemy.orm import Session

from .channels import Channel
from .domain.model import Recipient
from .mail.compose import compose, message_id, thread_id
from .mail.render import render
from .store.sent_log import SentLog

logger = logging.getLogger(__name__)


class Mailer:
    def __init__(self, channel: Channel, sent_log: SentLog, sender: Address):
        self.channel = channel
        self.sent_log = sent_log
        self.sender = sender

    def deliver(
        self,
        session: Session,
        event_id: str,
        kind: str,
        recipient: Recipient,
        context: dict,
        ticket_key: str | None = None,
        unsubscribe_url: str | None = None,
        correlation_id: str | None = None,
        reply_to: str | None = None,
        reply_tag: str | None = None,
    ) -> bool:
        """Render, compose and send one email unless the log says it went out already; True if sent."""
        if self.sent_log.already_sent(session, event_id, recipient.email):
            logger.info("skipping %s for event %s: already sent to this recipient", kind, event_id)
            return False
        rendered = render(kind, recipient.language, **context)
        domain = self.sender.domain
        msg_id = message_id(event_id, recipient.email, domain, reply_tag)
        thread = thread_id(ticket_key, domain) if ticket_key else None
        message = compose(rendered, self.sender, recipient, msg_id, thread, unsubscribe_url, reply_to)
        try:
            self.channel.send(message, [recipient.email])
        except Exception:
            EMAILS.labels("failed").inc()
            raise
        EMAILS.labels("sent").inc()
        self.sent_log.record(event_id, recipient.email, msg_id, kind, correlation_id, ticket_key)
        logger.info("mailed %s for event %s as %s", kind, event_id, msg_id)
        return True
