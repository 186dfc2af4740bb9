"""Turn domain facts into the versioned CloudEvents other services subscribe to (schemas in common.contracts.identity)."""
from __future__ import annotations

from datetime import datetime, timezone

from common.events import CloudEvent, event_type
from common.log import current_correlation_id

from .domain.model import Account, Organisation

SOURCE = "/servicedesk/identity"


def _event(name: str, data: dict, subject: str) -> CloudEvent:
    return CloudEvent(type=event_type(name), source=SOURCE, data=data, subject=subject,
                      correlationid=current_correlation_id())


def _iso(moment: datetime) -> str:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")


def account_fields(account: Account) -> dict:
    return {
        "accountId": account.id,
        "email": account.email,
        "displayName": account.display_name,
        "language": account.language,
        "role": account.role,
        "kind": account.kind,
        "active": account.active,
        "timeZone": account.time_zone,
    }


def account_created(account: Account) -> CloudEvent:
    return _event("account.created", account_fields(account), account.id)


def account_updated(account: Account) -> CloudEvent:
    return _event("account.updated", account_fields(account), account.id)


def customer_invited(account: Account, link: str, expires_at: datetime, invited_by: str | None,
                     ticket: dict | None = None) -> CloudEvent:
    """``ticket`` ({ticketId, key, summary, deskName}) is set when someone was invited onto a request."""
    data = {
        "accountId": account.id, "email": account.email, "displayName": account.display_name,
        "language": account.language, "invitedBy": invited_by, "link": link, "expiresAt": _iso(expires_at),
    }
    if ticket:
        data["ticket"] = ticket
    return _event("customer.invited", data, account.id)


def password_changed(account: Account) -> CloudEvent:
    return _event("password.changed", {
        "accountId": account.id, "email": account.email, "language": account.language,
        "displayName": account.display_name,
    }, account.id)


def customer_signed_up(account: Account, link: str, expires_at: datetime) -> CloudEvent:
    return _event("customer.signed_up", {
        "accountId": account.id, "email": account.email, "language": account.language,
        "link": link, "expiresAt": _iso(expires_at),
    }, account.id)


def password_reset_requested(account: Account, link: str, expires_at: datetime,
                             language: str | None = None) -> CloudEvent:
    return _event("password.reset_requested", {
        "accountId": account.id, "email": account.email, "language": language or account.language,
        "displayName": account.display_name, "link": link, "expiresAt": _iso(expires_at),
    }, account.id)


def organisation_created(org: Organisation) -> CloudEvent:
    return _event("organisation.created", {"organizationId": str(org.id), "name": org.name,
                                           "createdBy": org.created_by}, str(org.id))


def organisation_renamed(org: Organisation) -> CloudEvent:
    return _event("organisation.renamed", {"organizationId": str(org.id), "name": org.name}, str(org.id))


def organisation_deleted(org_id: int, member_ids: list[str]) -> CloudEvent:
    return _event("organisation.deleted", {"organizationId": str(org_id), "memberIds": sorted(member_ids)},
                  str(org_id))


def member_added(org_id: int, account_id: str) -> CloudEvent:
    return _event("organisation.member_added", {"organizationId": str(org_id), "accountId": account_id},
                  str(org_id))


def member_removed(org_id: int, account_id: str) -> CloudEvent:
    return _event("organisation.member_removed", {"organizationId": str(org_id), "accountId": account_id},
                  str(org_id))
