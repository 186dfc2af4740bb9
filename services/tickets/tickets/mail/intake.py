"""``mail.received`` -> a comment or a request, through the same use cases as the portal.

The handler runs in the worker's transaction (with the inbox row): the comment or request, its
ticket events, the record of the email and the ``mail.processed`` event commit together, so a
redelivered or duplicated email becomes one comment. Each use case runs in a savepoint: when it
refuses (the sender may not see the request, an empty reply), nothing of it stays and the email
is recorded as refused instead (on SQLite, whose driver cannot nest transactions safely, the use
cases' habit of checking everything before writing anything does the same).
"""
from __future__ import annotations

import base64
import logging
from contextlib import nullcontext
from io import BytesIO
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from common.auth import Principal
from common.contracts import validate_payload
from common.errors import ApiError, Forbidden, NotFound
from common.events import CloudEvent, utc_now
from common.outbox import Outbox
from common.replytokens import NOTE, secret_bytes, untagged

from ..attachments.runtime import Files
from ..domain.catalog import Account, Desk
from ..domain.errors import RequestClosed
from ..domain.fields import values_from_text
from ..services.conversation import add_comment
from ..services.requests import create_request
from ..services.uploads import Upload, attach, upload_temporary
from ..store.tables import mail_intake, pending_email_requests, ticket_emails
from ..store.uow import UnitOfWork
from . import events, rules

logger = logging.getLogger(__name__)


class MailIntake:
    def __init__(self, outbox: Outbox, reply_token_secret: str | None, answers_per_hour: int = 3,
                 files: Files | None = None):
        self.outbox = outbox
        self.files = files
        self.secret = secret_bytes(reply_token_secret) if reply_token_secret else None
        self.answers_per_hour = answers_per_hour
        if self.secret is None:
            logger.warning("REPLY_TOKEN_SECRET is not set: email replies cannot be matched to requests")

    # -- mail.received -----------------------------------------------------------------------
    def on_mail_received(self, session: Session, event: CloudEvent) -> None:
        mail = validate_payload(event)
        uow = UnitOfWork.within(session, self.outbox)
        if session.execute(select(mail_intake.c.outcome).where(
                mail_intake.c.dedupe_key == mail["dedupeKey"])).first():
            logger.info("email %s was already taken: nothing to do", mail["dedupeKey"])
            return
        sender = uow.accounts.by_email(mail["fromAddress"])
        if sender is not None and not sender.active:
            sender = None
        addresses = [*mail["to"], *mail["cc"], *mail["recipients"]]
        desk = uow.desks.by_email(untagged(a) for a in addresses)
        facts = rules.Facts(
            address_tags=rules.tags_in(addresses), message_id_tags=rules.tags_in([*mail["inReplyTo"],
                                                                                 *mail["references"]]),
            subject_key=rules.subject_key(mail["subject"]), sender_account_id=sender.id if sender else None,
            dmarc=mail["dmarc"], desk=desk is not None, desk_signup=bool(desk and desk.email_signup),
            desk_requires_dmarc=bool(desk and desk.email_require_dmarc))
        decision = rules.decide(facts, self.secret)
        logger.info("email %s from %s: %s %s %s", mail["rawId"], mail["fromAddress"], decision.action,
                    decision.key or "", decision.reason or decision.via or "")
        if decision.action == rules.COMMENT:
            self._comment(uow, mail, sender, decision)
        elif decision.action == rules.CREATE:
            self.create(uow, mail, sender, desk)
        elif decision.action == rules.INVITE:
            self._invite(uow, mail, desk)
        else:
            self._refuse(uow, mail, decision.reason, sender, desk)

    def _comment(self, uow: UnitOfWork, mail: dict, sender: Account, decision: rules.Decision) -> None:
        public = decision.purpose != NOTE
        try:
            with _attempt(uow.session):
                if not mail["text"].strip():
                    raise _Refusal("empty")
                comment = self._with_files(uow, mail, sender, decision.key, mail["text"], public)
                if comment is None:
                    comment, _ = add_comment(uow, _principal(sender), decision.key, mail["text"], public)
        except _Refusal as refusal:
            return self._refuse(uow, mail, refusal.reason, sender)
        except (NotFound, Forbidden) as exc:
            reason = "note_not_allowed" if isinstance(exc, Forbidden) else "cannot_comment"
            return self._refuse(uow, mail, reason, sender)
        except ApiError as exc:
            logger.info("comment from email %s refused: %s", mail["rawId"], exc.message)
            return self._refuse(uow, mail, "closed" if isinstance(exc.__cause__, RequestClosed) else "invalid",
                                sender)
        ticket = uow.tickets.get(decision.key)
        self._keep_email(uow, mail, ticket.id, comment.id)
        self._record(uow, mail, "commented" if public else "noted", sender, ticket=ticket, comment_id=comment.id,
                     answerable=False)

    def create(self, uow: UnitOfWork, mail: dict, sender: Account, desk: Desk) -> None:
        """Raise a request on ``desk`` for ``sender`` from the email (also for a sender just invited)."""
        request_type = _email_request_type(uow, desk)
        rt_id = request_type.id
        values = values_from_text(list(request_type.fields), mail["subject"], mail["fullText"])
        try:
            with _attempt(uow.session):
                view = create_request(uow, _principal(sender), service_desk_id=desk.id, request_type_id=rt_id,
                                      field_values=values, channel="email")
        except ApiError as exc:
            logger.info("request from email %s refused: %s", mail["rawId"], exc.message)
            return self._refuse(uow, mail, "cannot_create", sender, desk)
        self._with_files(uow, mail, sender, view.ticket.key, None, True)
        self._keep_email(uow, mail, view.ticket.id, None)
        self._record(uow, mail, "created", sender, ticket=view.ticket, desk=desk)

    def _with_files(self, uow: UnitOfWork, mail: dict, sender: Account, key: str, body: str | None,
                    public: bool):
        """Attach the email's files (with the comment ``body``, if any) through the upload use cases.

        Returns the comment made with them, or None when there were no files or they were refused
        (too large, a virus, too many): then the text goes on alone and the files stay in the
        email, which the inbound store keeps whole.
        """
        uploads = [Upload(a.get("filename") or "attachment", BytesIO(base64.b64decode(a["content"])))
                   for a in mail.get("attachments") or [] if a.get("content")]
        ticket = uow.tickets.get(key) if uploads and self.files is not None else None
        if ticket is None:
            return None
        principal = _principal(sender)
        try:
            with _attempt(uow.session):
                temporary = upload_temporary(uow, self.files, principal, str(ticket.desk_id), uploads)
                _, _, comment, _ = attach(uow, self.files, principal, key, [t.id for t in temporary], public, body)
        except ApiError as exc:
            logger.warning("the files of email %s were not attached to %s: %s", mail["rawId"], key, exc.message)
            return None
        return comment

    def _invite(self, uow: UnitOfWork, mail: dict, desk: Desk) -> None:
        language = _language(None, mail)
        uow.session.execute(pending_email_requests.insert().values(
            dedupe_key=mail["dedupeKey"], email=mail["fromAddress"].lower(), desk_id=desk.id, mail=mail,
            created_at=utc_now()))
        summary = values_from_text(list(_email_request_type(uow, desk).fields), mail["subject"], "")["summary"]
        uow.publish([events.sender_invited(mail, desk, language, summary)])
        self._record(uow, mail, "pending", None, desk=desk, answerable=False)

    def _refuse(self, uow: UnitOfWork, mail: dict, reason: str, sender: Account | None = None,
                desk: Desk | None = None) -> None:
        self._record(uow, mail, "refused", sender, reason=reason, desk=desk)

    # -- the record, and automatic answers ------------------------------------------------------
    def _record(self, uow: UnitOfWork, mail: dict, outcome: str, sender: Account | None, *, reason=None,
                ticket=None, comment_id=None, desk: Desk | None = None, answerable: bool = True) -> None:
        answer = answerable and mail["mayAnswer"] and self._may_answer(uow.session, mail["fromAddress"])
        uow.session.execute(mail_intake.insert().values(
            dedupe_key=mail["dedupeKey"], raw_id=mail["rawId"], sender=mail["fromAddress"].lower(), outcome=outcome,
            reason=reason, ticket_key=ticket.key if ticket else None, comment_id=comment_id, answered=answer,
            created_at=utc_now()))
        if ticket is not None and desk is None:
            desk = uow.desks.get(ticket.desk_id)
        uow.publish([events.mail_processed(mail, outcome, answer=answer, language=_language(sender, mail),
                                           reason=reason, account_id=sender.id if sender else None, ticket=ticket,
                                           comment_id=comment_id, desk=desk)])

    def _may_answer(self, session: Session, sender: str) -> bool:
        """At most ``answers_per_hour`` automatic answers per sender: two robots never loop for long."""
        since: datetime = utc_now() - timedelta(hours=1)
        sent = session.execute(select(func.count()).select_from(mail_intake).where(
            mail_intake.c.sender == sender.lower(), mail_intake.c.answered.is_(True),
            mail_intake.c.created_at >= since)).scalar_one()
        return sent < self.answers_per_hour

    @staticmethod
    def _keep_email(uow: UnitOfWork, mail: dict, ticket_id: int, comment_id: int | None) -> None:
        received = datetime.fromisoformat(mail["receivedAt"].replace("Z", "+00:00"))
        uow.session.execute(ticket_emails.insert().values(
            ticket_id=ticket_id, comment_id=comment_id, raw_id=mail["rawId"], message_id=mail.get("messageId"),
            from_address=mail["fromAddress"], subject=_fit(ticket_emails.c.subject, mail["subject"]), text=mail["fullText"],
            received_at=received))

    # -- a sender invited by email now has an account -----------------------------------------
    def resolve_pending(self, uow: UnitOfWork, account: Account) -> None:
        """Raise the requests that waited for ``account`` (identity created it for their email)."""
        rows = uow.session.execute(select(pending_email_requests).where(
            pending_email_requests.c.email == account.email.lower()).order_by(pending_email_requests.c.created_at)
        ).all()
        for row in rows:
            uow.session.execute(pending_email_requests.delete().where(
                pending_email_requests.c.dedupe_key == row.dedupe_key))
            uow.session.execute(mail_intake.delete().where(mail_intake.c.dedupe_key == row.dedupe_key))
            desk = uow.desks.get(row.desk_id)
            if desk is not None:
                self.create(uow, dict(row.mail), account, desk)
                logger.info("request from the email of %s raised on %s", account.email, desk.key)


def _attempt(session: Session):
    """A savepoint around one use case, where the database driver supports it properly."""
    if session.get_bind().dialect.name == "postgresql":
        return session.begin_nested()
    return nullcontext()


class _Refusal(Exception):
    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def _principal(account: Account) -> Principal:
    return Principal(id=account.id, email=account.email, role=account.role, name=account.display_name,
                     language=account.language)


def _language(account: Account | None, mail: dict) -> str:
    if account is not None and account.language:
        return account.language
    return (mail.get("language") or "en").split("-")[0].lower()[:10]


def _email_request_type(uow: UnitOfWork, desk: Desk):
    """The request type emails to ``desk`` raise: the one its settings name, else its first."""
    chosen = desk.email_request_type_id and uow.desks.request_type(desk.id, desk.email_request_type_id)
    return chosen or uow.desks.request_types(desk.id)[0]


def _fit(column, text: str | None) -> str:
    """``text`` cut to what ``column`` holds (the email itself stays whole in the inbound store)."""
    return (text or "")[: column.type.length]
