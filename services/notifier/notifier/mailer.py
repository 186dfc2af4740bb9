"""Queue one email per (event, recipient) in the spool, in the handler's transaction.

Nothing is sent here: ``notifier.spool.Sender`` sends each spool row on its own, so one recipient's
refusal or an SMTP outage never holds back the event, the other recipients or other messages.
"""
from __future__ import annotations

import logging
from email import policy
from email.headerregistry import Address

from sqlalchemy.orm import Session

from .domain.model import Recipient
from .mail.compose import compose, message_id, thread_id
from .mail.render import render
from .store.sent_log import SentLog

logger = logging.getLogger(__name__)


class Mailer:
    def __init__(self, sent_log: SentLog, sender: Address):
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
        """Render, compose and queue one email unless this event queued it already; True if queued.

        The spool's key says whether it did, in the same statement that queues it: a redelivered
        event (rare: the inbox skips those it recorded) costs a rendering, never a second email.
        """
        rendered = render(kind, recipient.language, **context)
        domain = self.sender.domain
        msg_id = message_id(event_id, recipient.email, domain, reply_tag)
        thread = thread_id(ticket_key, domain) if ticket_key else None
        message = compose(rendered, self.sender, recipient, msg_id, thread, unsubscribe_url, reply_to)
        if not self.sent_log.queue(session, event_id, recipient.email, msg_id, kind,
                                   message.as_bytes(policy=policy.SMTP), correlation_id, ticket_key):
            logger.info("skipping %s for event %s: already sent to this recipient", kind, event_id)
            return False
        logger.info("queued %s for event %s as %s", kind, event_id, msg_id)
        return True
