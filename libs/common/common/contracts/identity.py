"""Events published by the identity service on the ``identity.events`` exchange."""
from marshmallow import fields, validate

from ..auth import ROLES
from . import EmailAddress, Payload, contract

LANG = fields.String(required=True, validate=validate.Length(min=2, max=10))


class AccountFields(Payload):
    accountId = fields.String(required=True)
    email = EmailAddress(required=True)
    displayName = fields.String(allow_none=True)
    language = fields.String(required=True)
    role = fields.String(required=True, validate=validate.OneOf(ROLES))
    kind = fields.String(allow_none=True)
    active = fields.Boolean(required=True)


@contract("account.created")
class AccountCreatedV1(AccountFields):
    """An account exists (invited, signed up, or created by an agent or the CLI)."""


@contract("account.updated")
class AccountUpdatedV1(AccountFields):
    """Name, language, role or active flag of an account changed."""


class InvitedToTicket(Payload):
    ticketId = fields.String(allow_none=True)
    key = fields.String(allow_none=True)
    summary = fields.String(allow_none=True)
    deskName = fields.String(allow_none=True)


@contract("customer.invited")
class CustomerInvitedV1(Payload):
    """An agent invited an internal customer, or someone invited an email onto a request (``ticket`` set);
    the link carries the single-use invitation token."""

    accountId = fields.String(required=True)
    email = EmailAddress(required=True)
    displayName = fields.String(allow_none=True)
    language = LANG
    invitedBy = fields.String(allow_none=True)
    link = fields.Url(required=True, require_tld=False)
    expiresAt = fields.String(required=True)
    ticket = fields.Nested(InvitedToTicket, allow_none=True)


@contract("customer.signed_up")
class CustomerSignedUpV1(Payload):
    """Someone asked for an external account; the link carries the single-use verification token."""

    accountId = fields.String(required=True)
    email = EmailAddress(required=True)
    language = LANG
    link = fields.Url(required=True, require_tld=False)
    expiresAt = fields.String(required=True)


@contract("password.reset_requested")
class PasswordResetRequestedV1(Payload):
    """A known account asked to reset its password; the link carries the single-use reset token."""

    accountId = fields.String(required=True)
    email = EmailAddress(required=True)
    language = LANG
    link = fields.Url(required=True, require_tld=False)
    expiresAt = fields.String(required=True)


@contract("password.changed")
class PasswordChangedV1(Payload):
    """An account's password was changed or reset; the owner is told, in case it was not them."""

    accountId = fields.String(required=True)
    email = EmailAddress(required=True)
    language = LANG
    displayName = fields.String(allow_none=True)


class OrganisationFields(Payload):
    organizationId = fields.String(required=True)


@contract("organisation.created")
class OrganisationCreatedV1(OrganisationFields):
    name = fields.String(required=True)
    # The agent who created it (absent for admins' and older events); they may link it to their desks.
    createdBy = fields.String(allow_none=True)


@contract("organisation.renamed")
class OrganisationRenamedV1(OrganisationFields):
    name = fields.String(required=True)


@contract("organisation.deleted")
class OrganisationDeletedV1(OrganisationFields):
    """Members lose the organisation's view of tickets shared with it."""


@contract("organisation.member_added")
class OrganisationMemberAddedV1(OrganisationFields):
    accountId = fields.String(required=True)


@contract("organisation.member_removed")
class OrganisationMemberRemovedV1(OrganisationFields):
    accountId = fields.String(required=True)
