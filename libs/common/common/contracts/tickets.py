"""Events published by the tickets service on the ``tickets.events`` exchange.

Every ticket event carries what a subscriber needs without calling back, and an ``audience``:
the account ids to tell about it (the other side of the actor, never the actor, never a muted
reader). Internal notes carry ``public: false`` and an empty customer audience.
"""
from marshmallow import fields

from . import Payload, contract


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
    actorId = fields.String(required=True)
    audience = fields.Nested(Audience, required=True)


@contract("ticket.created")
class TicketCreatedV1(TicketFields):
    organizationIds = fields.List(fields.String(), required=True)
    participantIds = fields.List(fields.String(), required=True)


@contract("ticket.commented")
class TicketCommentedV1(TicketFields):
    commentId = fields.String(required=True)
    public = fields.Boolean(required=True)
    body = fields.String(required=True)


@contract("ticket.status_changed")
class TicketStatusChangedV1(TicketFields):
    fromStatus = fields.String(required=True)
    toStatus = fields.String(required=True)
