"""Event handlers: keep the accounts replica current and mail the people an event concerns.

Each handler runs inside the worker's transaction (``common.bus.consumer.Worker``): the inbox row
commits after it returns, and sending happens inside it through ``Mailer`` (see there for the one
window in which an email can be sent twice).
"""
from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy.orm import Session

from common.contracts import validate_payload
from common.events import CloudEvent

from .domain.batching import COMMENT_KIND, folds_into_comment
from .domain.headers import UnsafeHeader
from .domain.links import attachment_url, check_key, forgot_password_url, mute_url, ticket_url
from .domain.model import CUSTOMER, Account, Recipient
from .domain.recipients import UnknownAccounts, audience_ids, select_recipients
from .domain.replies import ReplyAddresses
from .domain.sharing import shared_with_names
from .languages import email_language
from .mailer import Mailer
from .store import accounts as account_store

logger = logging.getLogger(__name__)

ACCOUNT_EVENTS = ("account.created.v1", "account.updated.v1")
IDENTITY_EVENTS = ACCOUNT_EVENTS + (
    "customer.invited.v1", "customer.signed_up.v1", "password.reset_requested.v1", "password.changed.v1",
)
TICKET_EVENTS = (
    "ticket.created.v1", "ticket.commented.v1", "ticket.status_changed.v1",
    "ticket.participants_changed.v1", "ticket.shared.v1", "ticket.assigned.v1", "mail.processed.v1",
)
_LINK_EMAILS = {
    "customer.invited.v1": "invitation",
    "customer.signed_up.v1": "signup",
    "password.reset_requested.v1": "password_reset",
}


def accounts_named(data: dict) -> list[str]:
    """The account ids an event's payload names (audience, actor, reporter, inviter): what its handler
    looks up, so a batch of events reads them all in one statement."""
    ids = audience_ids(data.get("audience") or {}) if isinstance(data.get("audience"), dict) else []
    ids += [v for v in (data.get("actorId"), data.get("reporterId"), data.get("invitedBy")) if isinstance(v, str)]
    return ids


class Handlers:
    def __init__(self, mailer: Mailer, public_url: str, replies: ReplyAddresses | None = None):
        self.mailer = mailer
        self.public_url = public_url.rstrip("/")
        self.replies = replies

    def table(self) -> dict:
        """Routing key -> handler, for every event the notifier binds to (a unit test keeps the two equal)."""
        handlers = {key: self.on_account for key in ACCOUNT_EVENTS}
        handlers.update({key: self.on_link_email for key in _LINK_EMAILS})
        handlers.update({
            "password.changed.v1": self.on_password_changed,
            "ticket.created.v1": self.on_ticket_created,
            "ticket.commented.v1": self.on_ticket_commented,
            "ticket.status_changed.v1": self.on_ticket_status_changed,
            "ticket.participants_changed.v1": self.on_participants_changed,
            "ticket.shared.v1": self.on_ticket_shared,
            "ticket.assigned.v1": self.on_ticket_assigned,
            "mail.processed.v1": self.on_mail_processed,
        })
        return handlers

    # identity.events

    def on_account(self, session: Session, event: CloudEvent) -> None:
        """Upsert the account into the replica (an older event never overwrites a newer one)."""
        data = validate_payload(event)
        account = Account(
            id=data["accountId"], email=data["email"], display_name=data.get("displayName"),
            # Kept as chosen (not reduced to the languages written today); rendering picks the language.
            language=(data["language"] or "en")[:10], role=data["role"], active=data["active"],
        )
        as_of = datetime.fromisoformat(event.time.replace("Z", "+00:00"))
        if not account_store.upsert(session, account, as_of):
            logger.info("ignoring stale %s for account %s", event.type, account.id)

    def on_link_email(self, session: Session, event: CloudEvent) -> None:
        """Invitation, sign-up and password-reset emails: the address and link come in the event."""
        data = validate_payload(event)
        context = {"display_name": data.get("displayName"), "link": data["link"],
                   "expires_at": data.get("expiresAt"), "ticket": None, "inviter_name": None}
        if event.routing_key == "customer.invited.v1" and data.get("ticket"):
            # Invited onto a request: say why the account exists, by whom and for which request.
            inviter = account_store.find(session, [data["invitedBy"]]).get(data["invitedBy"]) \
                if data.get("invitedBy") else None
            context.update(ticket=data["ticket"],
                           inviter_name=(inviter.display_name or inviter.email) if inviter else None)
        self.mailer.deliver(session, event.id, _LINK_EMAILS[event.routing_key], self._owner(data), context)

    def on_password_changed(self, session: Session, event: CloudEvent) -> None:
        """Tell the owner; the only link is the portal's forgot-password page, in case it was not them."""
        data = validate_payload(event)
        context = {"display_name": data.get("displayName"), "link": forgot_password_url(self.public_url)}
        self.mailer.deliver(session, event.id, "password_changed", self._owner(data), context)

    @staticmethod
    def _owner(data: dict) -> Recipient:
        return Recipient(
            email=data["email"], language=email_language(data.get("language")), side=CUSTOMER,
            display_name=data.get("displayName"), account_id=data.get("accountId"),
        )

    # tickets.events

    def on_ticket_created(self, session: Session, event: CloudEvent) -> None:
        data = validate_payload(event)
        self._mail_audience(session, event, "ticket_created", data)
        self._receipt(session, event, data)

    def _receipt(self, session: Session, event: CloudEvent, data: dict) -> None:
        """"Request received" to the reporter, with the key and the link, as JSM sends it. Not for a
        request raised by email (the answer to that email is its receipt), nor to a reporter the
        audience already told (raised on their behalf: they got "raised and shared with you")."""
        reporter_id = data["reporterId"]
        if data.get("channel", "portal") != "portal" or reporter_id in data["audience"]["customers"]:
            return
        account = account_store.find(session, [reporter_id]).get(reporter_id)
        if account is None:
            raise UnknownAccounts([reporter_id])  # the worker retries once the account event has arrived
        if not account.active:
            return
        recipient = Recipient(email=account.email, language=account.language, side=CUSTOMER,
                              display_name=account.display_name, account_id=account.id)
        key = check_key(data["key"])
        reply = self.replies.for_recipient(recipient, key, data.get("deskEmail")) if self.replies else None
        context = {"key": key, "summary": data["summary"], "desk_name": data["deskName"], "status": data["status"],
                   "side": CUSTOMER, "url": ticket_url(self.public_url, key, CUSTOMER),
                   "mute_url": mute_url(self.public_url, key), "reply_address": reply.address if reply else None,
                   "other_address": None, "reply_is_note": False}
        self.mailer.deliver(session, event.id, "mail_request_received", recipient, context, ticket_key=key,
                            unsubscribe_url=context["mute_url"], correlation_id=event.correlationid,
                            reply_to=reply.address if reply else None, reply_tag=reply.tag if reply else None)

    def on_ticket_commented(self, session: Session, event: CloudEvent) -> None:
        data = validate_payload(event)
        # An internal note never reaches a customer, whatever the audience says.
        self._mail_audience(session, event, "ticket_commented", data, customers=bool(data["public"]),
                            extra={"body": data["body"], "public": data["public"],
                                   "attachments": self._attachments(data)})

    def _attachments(self, data: dict) -> list[dict]:
        """The comment's files as the email lists them: name, size and a portal link (never the file)."""
        return [{"filename": a["filename"], "size": a["size"],
                 "url": attachment_url(self.public_url, data["key"], a["attachmentId"])}
                for a in data.get("attachments") or []]

    def on_ticket_status_changed(self, session: Session, event: CloudEvent) -> None:
        data = validate_payload(event)
        self._mail_audience(session, event, "ticket_status_changed", data,
                            extra={"from_status": data["fromStatus"], "to_status": data["toStatus"]},
                            fold_into=COMMENT_KIND if folds_into_comment(data, event.correlationid) else None)

    def on_participants_changed(self, session: Session, event: CloudEvent) -> None:
        """Tell the customers just added; the others in the audience already follow the request."""
        data = validate_payload(event)
        added = set(data.get("added") or [])
        audience = {"customers": [i for i in data["audience"]["customers"] if i in added], "agents": []}
        self._mail_audience(session, event, "participant_added", {**data, "audience": audience}, agents=False)

    def on_ticket_shared(self, session: Session, event: CloudEvent) -> None:
        """Tell the customers in the audience (members of the organisations who opted in) what was shared."""
        data = validate_payload(event)
        if not data.get("added"):
            return  # unsharing takes a view away; nobody is told by email
        # The reporter and participants already follow the request: "shared with you" is news only
        # to the organisations' members.
        following = {data["reporterId"], *(data.get("participantIds") or [])}
        audience = {"customers": [i for i in data["audience"]["customers"] if i not in following], "agents": []}
        self._mail_audience(session, event, "ticket_shared", {**data, "audience": audience}, agents=False,
                            extra={"organisations": shared_with_names(data)})

    def on_ticket_assigned(self, session: Session, event: CloudEvent) -> None:
        """Tell the new assignee, unless they assigned themselves (the actor is never mailed)."""
        data = validate_payload(event)
        assignee = data.get("toAssigneeId")
        agents = [i for i in data["audience"]["agents"] if i == assignee]
        self._mail_audience(session, event, "ticket_assigned",
                            {**data, "audience": {"customers": [], "agents": agents}}, customers=False)

    def on_mail_processed(self, session: Session, event: CloudEvent) -> None:
        """The automatic answer to an email, when tickets allowed one: "request received" or a refusal."""
        data = validate_payload(event)
        if not data["answer"] or data["outcome"] not in ("created", "refused"):
            return
        recipient = Recipient(email=data["fromAddress"], language=email_language(data["language"]), side=CUSTOMER,
                              account_id=data.get("accountId"))
        key = check_key(data["ticketKey"]) if data["outcome"] == "created" else None
        context = {"desk_name": data.get("deskName"), "reason": data.get("reason") or "invalid",
                   "portal_url": f"{self.public_url}/portal", "reply_address": None, "other_address": None,
                   "reply_is_note": False}
        reply = None
        if key:
            reply = self.replies.for_recipient(recipient, key, data.get("deskEmail")) if self.replies else None
            context.update(key=key, summary=data.get("summary") or "", status=data.get("status") or "",
                           side=CUSTOMER, url=ticket_url(self.public_url, key, CUSTOMER),
                           mute_url=mute_url(self.public_url, key), reply_address=reply.address if reply else None)
        try:
            self.mailer.deliver(session, event.id, "mail_request_received" if key else "mail_refused", recipient,
                                context, ticket_key=key, unsubscribe_url=context.get("mute_url"),
                                correlation_id=event.correlationid, reply_to=reply.address if reply else None,
                                reply_tag=reply.tag if reply else None)
        except UnsafeHeader as exc:
            logger.warning("not answering email %s: %s", data.get("messageId"), exc)

    def _mail_audience(self, session: Session, event: CloudEvent, kind: str, data: dict,
                       customers: bool = True, agents: bool = True, extra: dict | None = None,
                       fold_into: str | None = None) -> None:
        key = check_key(data["key"])
        audience = data["audience"]
        actor_id = data.get("actorId")
        known = account_store.find(session, audience_ids(audience) + ([actor_id] if actor_id else []))
        # Raises UnknownAccounts when an account event has not arrived yet: the worker retries later.
        recipients = select_recipients(audience, known, actor_id, customers, agents)
        actor = known.get(actor_id) if actor_id else None
        for recipient in recipients:
            if fold_into and self.mailer.sent_log.sent_in_action(
                    session, event.correlationid, key, recipient.email, fold_into):
                logger.info("not mailing %s for event %s: the %s email of the same action covers it",
                            kind, event.id, fold_into)
                continue
            context = {
                "key": key, "summary": data["summary"], "desk_name": data["deskName"],
                "status": data["status"], "side": recipient.side,
                "actor_name": (actor.display_name or None) if actor else None,
                "url": ticket_url(self.public_url, key, recipient.side),
                "mute_url": mute_url(self.public_url, key) if recipient.side == CUSTOMER else None,
                **(extra or {}),
            }
            internal = kind == "ticket_commented" and not data.get("public", True)
            reply = (self.replies.for_recipient(recipient, key, data.get("deskEmail"), internal)
                     if self.replies else None)
            context["reply_address"] = reply.address if reply else None
            context["other_address"] = reply.other_address if reply else None
            context["reply_is_note"] = bool(reply and reply.is_note)
            self.mailer.deliver(session, event.id, kind, recipient, context, ticket_key=key,
                                unsubscribe_url=context["mute_url"], correlation_id=event.correlationid,
                                reply_to=reply.address if reply else None, reply_tag=reply.tag if reply else None)
