"""What other services' replicas of accounts and organisations may read through, when an event is late.

Tickets keeps a replica of accounts and organisation memberships from identity's events. A client
that creates a customer here and at once names it there may be quicker than the event; tickets then
asks this once (``POST /api/identity/replica/lookup``) instead of waiting. The answer holds exactly
the facts the events carry, in their shape, so the replica applies both the same way.
"""
from __future__ import annotations

from common.errors import BadRequest

from .. import integration_events as ev
from ..domain.model import InvalidEmail, normalise_email
from .base import Deps

MAX_REFERENCES = 50


def lookup(deps: Deps, *, accounts: object, organisations: object) -> dict:
    """Accounts named by id or email, organisations by id with their member ids; unknown ones are absent."""
    refs = [str(r).strip() for r in (accounts or []) if str(r).strip()] if isinstance(accounts, list) else None
    org_refs = organisations if isinstance(organisations, list) else None
    if refs is None or org_refs is None:
        raise BadRequest("'accounts' and 'organisations' must be lists.")
    if len(refs) + len(org_refs) > MAX_REFERENCES:
        raise BadRequest(f"At most {MAX_REFERENCES} references at once.")
    emails, ids = [], []
    for ref in refs:
        if "@" in ref:
            try:
                emails.append(normalise_email(ref))
            except InvalidEmail:
                pass
        else:
            ids.append(ref)
    org_ids = sorted({int(o) for o in org_refs if str(o).strip().isdigit()})
    with deps.uow() as uow:
        found = {a.id: a for a in uow.repo.accounts_by_ids(ids) + uow.repo.accounts_by_emails(emails)}
        orgs = []
        for org_id in org_ids:
            org = uow.repo.organisation(org_id)
            if org is not None:
                orgs.append({"organizationId": str(org.id), "name": org.name, "createdBy": org.created_by,
                             "memberIds": sorted(uow.repo.member_ids(org.id))})
        return {"accounts": [ev.account_fields(a) for a in found.values()], "organisations": orgs}
