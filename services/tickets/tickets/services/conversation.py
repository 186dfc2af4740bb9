"""Use cases around a request's conversation: comments, participants, sharing, notifications."""
from __future__ import annotations

from common.auth import Principal
from common.errors import NotFound, ValidationFailed

from ..domain.catalog import Account
from ..domain.model import Comment
from ..store.uow import UnitOfWork
from .common import actor_for, domain_errors, load_visible, now, save_and_publish, viewer_for


def list_comments(uow: UnitOfWork, principal: Principal, ref: str, public: bool, internal: bool,
                  start: int, limit: int) -> tuple[list[Comment], bool, dict[str, Account]]:
    """A page of comments; customers never see internal notes, whatever they ask for."""
    with uow:
        ticket = load_visible(uow, viewer_for(uow, principal), ref)
        internal = internal and principal.is_agent
        found, last = uow.tickets.comments(ticket.id, public, internal, start, limit)
        return found, last, uow.accounts.many(c.author_id for c in found)


def get_comment(uow: UnitOfWork, principal: Principal, ref: str, comment_id: str) -> tuple[Comment, dict]:
    """One comment of a visible request; an internal note is a 404 for customers."""
    with uow:
        ticket = load_visible(uow, viewer_for(uow, principal), ref)
        comment = uow.tickets.comment(ticket.id, int(comment_id)) if str(comment_id).isdigit() else None
        if comment is None or (not comment.public and not principal.is_agent):
            raise NotFound(f"Comment '{comment_id}' does not exist on request {ticket.key}.")
        return comment, uow.accounts.many([comment.author_id])


def add_comment(uow: UnitOfWork, principal: Principal, ref: str, body: str, public: bool
                ) -> tuple[Comment, dict]:
    """Add a comment (and the automatic status move it implies)."""
    with uow, domain_errors():
        ticket = load_visible(uow, viewer_for(uow, principal), ref, for_update=True)
        comment = ticket.comment(actor_for(principal), body, public, now())
        save_and_publish(uow, ticket)
        authors = uow.accounts.many([comment.author_id])
        uow.commit()
        return comment, authors


def _resolve_all(uow: UnitOfWork, refs: list[str], field: str) -> set[str]:
    found, unknown = set(), []
    for ref in refs:
        account = uow.accounts.resolve(ref)
        if account is None:
            unknown.append(str(ref))
        else:
            found.add(account.id)
    if unknown:
        raise ValidationFailed(
            "Unknown " + ("people" if len(unknown) > 1 else "person") + ": " + ", ".join(unknown)
            + ". Give the account id or email of an existing customer.", errors={field: unknown})
    return found


def participants(uow: UnitOfWork, principal: Principal, ref: str) -> list[Account]:
    """The request's participants, sorted by email."""
    with uow:
        ticket = load_visible(uow, viewer_for(uow, principal), ref)
        return sorted(uow.accounts.many(ticket.participant_ids).values(), key=lambda a: a.email)


def change_participants(uow: UnitOfWork, principal: Principal, ref: str, refs: list[str], add: bool
                        ) -> list[Account]:
    """Add or remove participants given by id or email; returns the participants afterwards."""
    with uow, domain_errors():
        ticket = load_visible(uow, viewer_for(uow, principal), ref, for_update=True)
        if add:
            ids = _resolve_all(uow, refs, "accountIds")
            ticket.add_participants(actor_for(principal), ids, now())
        else:
            ids = {a.id for a in (uow.accounts.resolve(r) for r in refs) if a is not None}
            ticket.remove_participants(actor_for(principal), ids, now())
        save_and_publish(uow, ticket)
        people = sorted(uow.accounts.many(ticket.participant_ids).values(), key=lambda a: a.email)
        uow.commit()
        return people


def share(uow: UnitOfWork, principal: Principal, ref: str, add: list[int], remove: list[int]) -> dict[int, str]:
    """Share the request with organisations (customers: only their own) or stop sharing it."""
    with uow, domain_errors():
        viewer = viewer_for(uow, principal)
        ticket = load_visible(uow, viewer, ref, for_update=True)
        allowed = set(uow.accounts.organizations(add)) if principal.is_agent else set(viewer.organization_ids)
        bad = sorted(set(add) - allowed)
        if bad:
            raise ValidationFailed(f"You cannot share with organisation(s) {', '.join(map(str, bad))}.",
                                   errors={"add": [str(b) for b in bad]})
        ticket.share(actor_for(principal), set(add), set(remove), now())
        save_and_publish(uow, ticket)
        names = uow.accounts.organizations(ticket.organization_ids)
        uow.commit()
        return names


def subscribed(uow: UnitOfWork, principal: Principal, ref: str) -> bool:
    """Whether the caller hears about this request (not muted)."""
    with uow:
        ticket = load_visible(uow, viewer_for(uow, principal), ref)
        return principal.id not in ticket.muted_ids


def set_subscription(uow: UnitOfWork, principal: Principal, ref: str, subscribe: bool) -> None:
    """Mute or unmute the request for the caller."""
    with uow:
        ticket = load_visible(uow, viewer_for(uow, principal), ref, for_update=True)
        ticket.unmute(principal.id) if subscribe else ticket.mute(principal.id)
        uow.tickets.save(ticket)
        uow.commit()
