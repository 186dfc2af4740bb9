"""Use cases around a request's conversation: comments, participants, sharing, notifications."""
from __future__ import annotations

from common.auth import Principal
from common.emails import is_email, normalise_email
from common.errors import NotFound, ValidationFailed

from ..domain.catalog import Account
from ..domain.ids import as_id
from ..domain.model import Comment
from ..store.uow import UnitOfWork
from .common import actor_for, domain_errors, involved, load_visible, now, save_and_publish, viewer_for
from .invitations import InviteLimits, check_invitations
from .lag import UnknownPeople
from .people import resolve_participant


def list_comments(uow: UnitOfWork, principal: Principal, ref: str, public: bool, internal: bool,
                  start: int, limit: int) -> tuple[list[Comment], bool, dict[str, Account]]:
    """A page of comments; customers never see internal notes, whatever they ask for."""
    with uow:
        viewer = viewer_for(uow, principal)
        ticket = load_visible(uow, viewer, ref)
        internal = internal and viewer.is_agent_for(ticket.desk_id)
        found, last = uow.tickets.comments(ticket.id, public, internal, start, limit)
        return found, last, uow.accounts.many(c.author_id for c in found)


def get_comment(uow: UnitOfWork, principal: Principal, ref: str, comment_id: str) -> tuple[Comment, dict]:
    """One comment of a visible request; an internal note is a 404 for customers."""
    with uow:
        viewer = viewer_for(uow, principal)
        ticket = load_visible(uow, viewer, ref)
        comment = uow.tickets.comment(ticket.id, ident) if (ident := as_id(comment_id)) is not None else None
        if comment is None or (not comment.public and not viewer.is_agent_for(ticket.desk_id)):
            raise NotFound(f"Comment '{comment_id}' does not exist on request {ticket.key}.")
        return comment, uow.accounts.many([comment.author_id])


def add_comment(uow: UnitOfWork, principal: Principal, ref: str, body: str, public: bool
                ) -> tuple[Comment, dict]:
    """Add a comment (and the automatic status move it implies)."""
    with uow, domain_errors():
        viewer = viewer_for(uow, principal)
        ticket = load_visible(uow, viewer, ref, for_update=True)
        comment = ticket.comment(actor_for(viewer, ticket.desk_id), body, public, now())
        save_and_publish(uow, ticket)
        authors = uow.accounts.many([comment.author_id])
        uow.commit()
        return comment, authors


def _resolve_all(uow: UnitOfWork, viewer, desk, refs: list[str], field: str, invite: bool = False
                 ) -> tuple[set[str], list[str]]:
    """Account ids for ``refs`` (as ``people.resolve_participant`` names them) and, when ``invite``, the
    unknown emails to invite; else a 400 naming them, the same for nobody and for someone not offered."""
    found, to_invite, unknown = set(), [], []
    for ref in refs:
        account = resolve_participant(uow, viewer, desk, ref)
        if account is not None:
            found.add(account.id)
        elif invite and is_email(str(ref)):
            to_invite.append(normalise_email(str(ref)))
        else:
            unknown.append(str(ref))
    if unknown:
        hint = (" Give the account id or email of an existing customer"
                + ("" if invite else "; this service desk does not invite new people by email") + ".")
        raise UnknownPeople(
            "Unknown " + ("people" if len(unknown) > 1 else "person") + ": " + ", ".join(unknown) + "." + hint,
            errors={field: unknown})
    return found, to_invite


def participants(uow: UnitOfWork, principal: Principal, ref: str) -> list[Account]:
    """The request's participants, sorted by email."""
    with uow:
        ticket = load_visible(uow, viewer_for(uow, principal), ref)
        return sorted(uow.accounts.many(ticket.participant_ids).values(), key=lambda a: a.email)


def change_participants(uow: UnitOfWork, principal: Principal, ref: str, refs: list[str], add: bool,
                        invite_limits: InviteLimits = InviteLimits()) -> list[Account]:
    """Add or remove participants given by id, email or name; returns the participants afterwards.

    Customers' invitations of unknown emails count against ``invite_limits`` (agents' do not).
    """
    with uow, domain_errors():
        viewer = viewer_for(uow, principal)
        ticket = load_visible(uow, viewer, ref, for_update=True)
        actor = actor_for(viewer, ticket.desk_id)
        # Who may not change the participants learns nothing about the people named.
        ticket.require_manager(actor)
        if add:
            desk = uow.desks.get(ticket.desk_id)
            ids, emails = _resolve_all(uow, viewer, desk, refs, "accountIds",
                                       invite=desk.invite_unknown_participants)
            ticket.add_participants(actor, ids, now())
            emails = [e for e in emails if e not in ticket.invited]
            if emails and not actor.is_agent:
                check_invitations(uow, invite_limits, actor.id, desk, len(emails), now())
            for email in emails:
                ticket.invite_participant(actor, email, now(), principal.language)
        else:
            ids = {a.id for a in (uow.accounts.resolve(r) for r in refs) if a is not None}
            ticket.remove_participants(actor, ids, now())
            for r in refs:  # removing a pending participant withdraws the invitation
                ticket.invited.pop(str(r).strip().lower(), None)
        save_and_publish(uow, ticket)
        people = sorted(uow.accounts.many(ticket.participant_ids).values(), key=lambda a: a.email)
        uow.commit()
        return people


def share(uow: UnitOfWork, principal: Principal, ref: str, add: list[int], remove: list[int]) -> dict[int, str]:
    """Share the request with organisations (customers: only their own) or stop sharing it."""
    with uow, domain_errors():
        viewer = viewer_for(uow, principal)
        ticket = load_visible(uow, viewer, ref, for_update=True)
        is_agent = viewer.is_agent_for(ticket.desk_id)
        allowed = set(uow.accounts.organizations(add)) if is_agent else set(viewer.organization_ids)
        bad = sorted(set(add) - allowed)
        if bad:
            raise ValidationFailed(f"You cannot share with organisation(s) {', '.join(map(str, bad))}.",
                                   errors={"add": [str(b) for b in bad]})
        ticket.share(actor_for(viewer, ticket.desk_id), set(add), set(remove), now())
        save_and_publish(uow, ticket)
        names = uow.accounts.organizations(ticket.organization_ids)
        uow.commit()
        return names


def subscribed(uow: UnitOfWork, principal: Principal, ref: str) -> bool:
    """Whether the caller hears about this request."""
    with uow:
        viewer = viewer_for(uow, principal)
        ticket = load_visible(uow, viewer, ref)
        return ticket.hears(principal.id, involved(viewer, ticket))


def set_subscription(uow: UnitOfWork, principal: Principal, ref: str, subscribe: bool) -> None:
    """Turn the caller's notifications for the request on (opt in, unmute) or off (opt out, mute)."""
    with uow:
        viewer = viewer_for(uow, principal)
        ticket = load_visible(uow, viewer, ref, for_update=True)
        if subscribe:
            ticket.subscribe(principal.id, involved(viewer, ticket))
        else:
            ticket.unsubscribe(principal.id)
        uow.tickets.save(ticket)
        uow.commit()
