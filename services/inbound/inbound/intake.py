"""The one path every email takes, whichever transport brought it (IMAP, LMTP/SMTP, a folder).

``Intake.take`` stores the raw message and the event that hands it on in ONE transaction, and
returns only after the commit; the transport acknowledges the message (IMAP flag or move, LMTP
``250``, moving the file) only then. So a crash before the commit leaves the message with its
transport, which delivers it again, and a crash after it leaves a stored message whose event the
relay publishes. Taking the same message twice finds it by Message-ID or content digest and
stores nothing new, so redeliveries and a mailbox fed by two transports double nothing.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from common.db import transaction
from common.events import utc_now
from common.outbox import Outbox

from . import integration_events as ev
from .classify import IGNORED
from .parsing import Parsed, Unparseable, content_hash, parse
from .settings import Settings
from .store.tables import messages

logger = logging.getLogger(__name__)
HANDED, IGNORED_STATUS, DEAD = "handed", "ignored", "dead"


@dataclass(frozen=True)
class Result:
    status: str  # handed, ignored, dead, duplicate, too_large
    raw_id: int | None = None
    reason: str | None = None


class Intake:
    def __init__(self, session_factory: sessionmaker[Session], outbox: Outbox, settings: Settings):
        self.session_factory = session_factory
        self.outbox = outbox
        self.settings = settings

    def take(self, raw: bytes, source: str, envelope_from: str | None = None,
             recipients: tuple[str, ...] = ()) -> Result:
        """Store ``raw`` once and queue what follows from it; raises only when the database fails."""
        if len(raw) > self.settings.max_message_bytes:
            logger.warning("refusing a %d-byte message from %s (limit %d)", len(raw), source,
                           self.settings.max_message_bytes)
            return Result("too_large", reason=f"larger than {self.settings.max_message_bytes} bytes")
        digest = content_hash(raw)
        try:
            parsed: Parsed | None = self._parse(raw, envelope_from, recipients)
            error = None
        except Unparseable as exc:
            parsed, error = None, str(exc)
        try:
            with transaction(self.session_factory) as session:
                return self._store(session, raw, digest, parsed, error, source, envelope_from, recipients)
        except IntegrityError:
            # Another transport stored the same message a moment ago.
            logger.info("message %s was stored concurrently: duplicate", digest[:12])
            return Result("duplicate")

    def _parse(self, raw: bytes, envelope_from, recipients) -> Parsed:
        return parse(raw, envelope_from=envelope_from, recipients=tuple(recipients),
                     trusted_authserv_ids=self.settings.trusted_authserv_ids,
                     max_text_chars=self.settings.max_text_chars)

    def _store(self, session: Session, raw: bytes, digest: str, parsed: Parsed | None, error: str | None,
               source: str, envelope_from, recipients) -> Result:
        key = parsed.message_key if parsed else None
        match = [messages.c.content_hash == digest] + ([messages.c.message_key == key] if key else [])
        existing = session.execute(select(messages.c.id).where(or_(*match))).scalar()
        if existing is not None:
            logger.info("message %s already taken as #%s: duplicate", key or digest[:12], existing)
            return Result("duplicate", existing)
        now = utc_now()
        if parsed is None:
            status, reason = DEAD, error
        elif parsed.kind in IGNORED:
            status, reason = IGNORED_STATUS, parsed.kind
        else:
            status, reason = HANDED, None
        raw_id = session.execute(messages.insert().values(
            message_key=key, content_hash=digest, received_at=now, source=source, envelope_from=envelope_from,
            recipients=list(recipients), from_address=parsed.from_address if parsed else None,
            subject=_listed(parsed.subject) if parsed else None, size=len(raw), raw=raw, status=status, reason=reason,
            updated_at=now,
        ).returning(messages.c.id)).scalar_one()
        if status == HANDED:
            event = ev.mail_received(raw_id, key or "sha256:" + digest, parsed, now.isoformat(), source)
        elif status == IGNORED_STATUS:
            event = ev.mail_ignored(raw_id, parsed.message_id, parsed.from_address, reason)
        else:
            event = ev.mail_dead_lettered(raw_id, None, error)
        self.outbox.add(session, [event])
        logger.info("message #%s from %s via %s: %s%s", raw_id, parsed.from_address if parsed else "?", source,
                    status, f" ({reason})" if reason else "")
        return Result(status, raw_id, reason)

    # -- the dead-letter store ----------------------------------------------------------------
    def dead_letters(self, limit: int = 100) -> list:
        """Messages that failed to parse, newest first."""
        with transaction(self.session_factory) as session:
            return session.execute(
                select(messages.c.id, messages.c.received_at, messages.c.source, messages.c.size, messages.c.reason)
                .where(messages.c.status == DEAD).order_by(messages.c.id.desc()).limit(limit)).all()

    def raw(self, raw_id: int) -> bytes | None:
        with transaction(self.session_factory) as session:
            return session.execute(select(messages.c.raw).where(messages.c.id == raw_id)).scalar()

    def replay(self, raw_id: int) -> Result:
        """Parse a dead letter again (after a fix) and hand it on if it now reads; else keep it."""
        with transaction(self.session_factory) as session:
            row = session.execute(select(messages).where(messages.c.id == raw_id).with_for_update()).first()
            if row is None or row.status != DEAD:
                return Result("missing" if row is None else row.status, raw_id)
            try:
                parsed = self._parse(row.raw, row.envelope_from, tuple(row.recipients or ()))
            except Unparseable as exc:
                session.execute(messages.update().where(messages.c.id == raw_id)
                                .values(reason=str(exc), updated_at=utc_now()))
                return Result(DEAD, raw_id, str(exc))
            key = parsed.message_key
            if key and session.execute(select(messages.c.id).where(messages.c.message_key == key,
                                                                   messages.c.id != raw_id)).first():
                key = None  # another copy was taken meanwhile; this one still gets its own turn
            status = IGNORED_STATUS if parsed.kind in IGNORED else HANDED
            session.execute(messages.update().where(messages.c.id == raw_id).values(
                status=status, reason=parsed.kind if status == IGNORED_STATUS else None, message_key=key,
                from_address=parsed.from_address, subject=_listed(parsed.subject), updated_at=utc_now()))
            if status == HANDED:
                event = ev.mail_received(raw_id, key or "sha256:" + row.content_hash, parsed,
                                         row.received_at.isoformat(), "replay")
            else:
                event = ev.mail_ignored(raw_id, parsed.message_id, parsed.from_address, parsed.kind)
            self.outbox.add(session, [event])
            logger.info("replayed dead letter #%s: %s", raw_id, status)
            return Result(status, raw_id)


def _listed(subject: str) -> str:
    """The subject as the store lists it (its column's length); the raw message beside it keeps it whole."""
    return subject[: messages.c.subject.type.length]
