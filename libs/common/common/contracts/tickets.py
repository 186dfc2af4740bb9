"""Events published by the tickets service on the ``tickets.events`` exchange.

Every ticket event carries what a subscriber needs without calling back, and an ``audience``:
the account ids to tell about it (the other side of the actor, never the actor, never a muted
reader). Internal notes carry ``public: false`` and an empty customer audience.
"""
from marshmallow import fields, validate

from . import EmailAddress, Payload, contract


class Audience(Payload):
    customers = fields.List(fields.String(), required=True)
    agents = fields.List(fields.String(), required=True)


class TicketFields(Payload):
    ticketId = fields.String(required=True)
    key = fields.String(required=True)
    deskId = fields.String(required=True)
    deskKey = fields.String(required=True)
    deskName = fields.String(required=True)
    requestTypeId = fields.String(required=True)
    summary = fields.String(required=True)
    status = fields.String(required=True)
    reporterId = fields.String(required=True)
    assigneeId = fields.String(allow_none=True)
    actorId = fields.String(required=True)
    actorIsAgent = fields.Boolean()
    audience = fields.Nested(Audience, required=True)


@contract("ticket.created")
class TicketCreatedV1(TicketFields):
    organizationIds = fields.List(fields.String(), required=True)
    participantIds = fields.List(fields.String(), required=True)
    description = fields.String()
    # How it was raised: "portal" (the portal, the console or the API) or "email". Added in v1 as
    # optional, so older events still load; the notifier sends the reporter's receipt for "portal".
    channel = fields.String(validate=validate.OneOf(("portal", "email")))


class AttachmentFact(Payload):
    """A file's id, name, size and type (never its content)."""

    attachmentId = fields.String(required=True)
    filename = fields.String(required=True)
    size = fields.Integer(required=True)
    mimeType = fields.String(required=True)


@contract("ticket.commented")
class TicketCommentedV1(TicketFields):
    commentId = fields.String(required=True)
    public = fields.Boolean(required=True)
    body = fields.String(required=True)
    # Files that came with the comment (same visibility); absent from events published before attachments.
    attachments = fields.List(fields.Nested(AttachmentFact))


@contract("ticket.attachment_added")
class TicketAttachmentAddedV1(TicketFields):
    """Files were attached, public or internal (then the audience has no customers), maybe with a comment."""

    public = fields.Boolean(required=True)
    commentId = fields.String(allow_none=True, required=True)
    attachments = fields.List(fields.Nested(AttachmentFact), required=True)


@contract("ticket.status_changed")
class TicketStatusChangedV1(TicketFields):
    fromStatus = fields.String(required=True)
    toStatus = fields.String(required=True)
    # "comment" when the move followed a public comment (also published as ticket.commented),
    # "transition" when someone performed it.
    cause = fields.String(validate=validate.OneOf(["comment", "transition"]))


@contract("ticket.participants_changed")
class TicketParticipantsChangedV1(TicketFields):
    added = fields.List(fields.String(), required=True)
    removed = fields.List(fields.String(), required=True)
    participantIds = fields.List(fields.String(), required=True)


@contract("ticket.shared")
class TicketSharedV1(TicketFields):
    """The organisations the ticket is shared with changed (members of added ones can now see it)."""

    added = fields.List(fields.String(), required=True)
    removed = fields.List(fields.String(), required=True)
    organizationIds = fields.List(fields.String(), required=True)


@contract("ticket.assigned")
class TicketAssignedV1(TicketFields):
    """Agents-only fact: the audience names the new assignee unless they assigned themselves."""

    fromAssigneeId = fields.String(allow_none=True, required=True)
    toAssigneeId = fields.String(allow_none=True, required=True)


@contract("ticket.updated")
class TicketUpdatedV1(TicketFields):
    """Summary or description changed."""

    changedFields = fields.List(fields.String(), required=True)


@contract("ticket.participant_invited")
class TicketParticipantInvitedV1(Payload):
    """Someone without an account was added as participant; identity invites them as a customer."""

    ticketId = fields.String(required=True)
    key = fields.String(required=True)
    deskId = fields.String(required=True)
    deskKey = fields.String(required=True)
    deskName = fields.String(required=True)
    summary = fields.String(required=True)
    email = EmailAddress(required=True)
    invitedBy = fields.String(required=True)
    language = fields.String(required=True)


class DeskFields(Payload):
    deskId = fields.String(required=True)
    deskKey = fields.String(required=True)


@contract("desk.agents_changed")
class DeskAgentsChangedV1(DeskFields):
    """The desk's agents now are ``agentIds`` (all of them); identity scopes what agents may reach by it."""

    agentIds = fields.List(fields.String(), required=True)


@contract("desk.organizations_changed")
class DeskOrganizationsChangedV1(DeskFields):
    """The organisations linked to the desk now are ``organizationIds`` (all of them)."""

    organizationIds = fields.List(fields.String(), required=True)


@contract("desk.customers_changed")
class DeskCustomersChangedV1(DeskFields):
    """Customers were added to (or removed from) the desk's customer list."""

    added = fields.List(fields.String(), required=True)
    removed = fields.List(fields.String(), required=True)
