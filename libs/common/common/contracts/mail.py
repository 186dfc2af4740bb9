"""Events of the email channel.

``inbound.events`` (the inbound service): ``mail.received`` hands a stored email on for processing,
``mail.ignored`` and ``mail.dead_lettered`` say what was not handed on. ``tickets.events`` (the
tickets service, which decides what an email becomes): ``mail.processed`` with the outcome, and
``mail.sender_invited`` when an unknown sender is to become an external customer.
"""
from marshmallow import fields, validate

from . import Payload, contract

ADDRESSES = fields.List(fields.String(), required=True)
OUTCOMES = ("commented", "noted", "created", "pending", "refused")


class Attachment(Payload):
    filename = fields.String(allow_none=True)
    contentType = fields.String(required=True)
    size = fields.Integer(required=True)
    content = fields.String()  # base64 of the file


@contract("mail.received")
class MailReceivedV1(Payload):
    """An email was stored and parsed; the tickets service turns it into a comment or a request."""

    rawId = fields.String(required=True)
    dedupeKey = fields.String(required=True)
    messageId = fields.String(allow_none=True)
    receivedAt = fields.String(required=True)
    source = fields.String(required=True)
    fromAddress = fields.String(required=True)
    fromName = fields.String(allow_none=True)
    replyTo = fields.String(allow_none=True)
    to = ADDRESSES
    cc = ADDRESSES
    recipients = ADDRESSES  # the envelope's (RCPT TO, Delivered-To), where the transport tells them
    subject = fields.String(required=True)
    text = fields.String(required=True)  # what the sender wrote: quotes and signature removed
    fullText = fields.String(required=True)  # the whole body as text, kept for agents
    inReplyTo = ADDRESSES
    references = ADDRESSES
    dmarc = fields.String(required=True)  # the MTA's verdict (trusted Authentication-Results), or "none"
    mayAnswer = fields.Boolean(required=True)  # false for mailing lists and bulk mail
    attachments = fields.List(fields.Nested(Attachment), required=True)
    language = fields.String(allow_none=True)


@contract("mail.ignored")
class MailIgnoredV1(Payload):
    """An email that is never answered nor turned into anything: auto-reply, bounce, duplicate."""

    rawId = fields.String(allow_none=True)
    messageId = fields.String(allow_none=True)
    fromAddress = fields.String(allow_none=True)
    reason = fields.String(required=True)


@contract("mail.dead_lettered")
class MailDeadLetteredV1(Payload):
    """An email that could not be parsed is kept in the dead-letter store (``inbound.cli dead-letters``)."""

    rawId = fields.String(required=True)
    messageId = fields.String(allow_none=True)
    error = fields.String(required=True)


@contract("mail.processed")
class MailProcessedV1(Payload):
    """What an email became; ``answer`` says whether its sender gets an automatic answer."""

    rawId = fields.String(required=True)
    messageId = fields.String(allow_none=True)
    outcome = fields.String(required=True, validate=validate.OneOf(OUTCOMES))
    reason = fields.String(allow_none=True)
    fromAddress = fields.String(required=True)
    accountId = fields.String(allow_none=True)
    language = fields.String(required=True)
    subject = fields.String(required=True)
    ticketKey = fields.String(allow_none=True)
    commentId = fields.String(allow_none=True)
    summary = fields.String(allow_none=True)
    status = fields.String(allow_none=True)
    deskKey = fields.String(allow_none=True)
    deskName = fields.String(allow_none=True)
    deskEmail = fields.String(allow_none=True)
    answer = fields.Boolean(required=True)


@contract("mail.sender_invited")
class MailSenderInvitedV1(Payload):
    """An unknown sender wrote to a desk that takes new customers by email: identity invites them."""

    email = fields.Email(required=True)
    deskId = fields.String(required=True)
    deskKey = fields.String(required=True)
    deskName = fields.String(required=True)
    summary = fields.String(required=True)
    language = fields.String(required=True)
    messageId = fields.String(allow_none=True)
