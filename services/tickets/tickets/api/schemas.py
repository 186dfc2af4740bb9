"""Input schemas of the JSM-compatible API; unknown keys are ignored, as JSM clients send extras."""
from __future__ import annotations

from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate, validates_schema

from ..domain.ids import MAX_ID


_ORG_ID = validate.Range(min=0, max=MAX_ID, error=f"Give an organisation id (0 to {MAX_ID}).")


class _In(Schema):
    class Meta:
        unknown = EXCLUDE


class IdOrKey(fields.Field):
    """An id given as a string or a number (clients send both)."""

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, bool) or not isinstance(value, (str, int)) or str(value).strip() == "":
            raise ValidationError("Give an id as a string or a number.")
        return str(value).strip()


class CreateRequestIn(_In):
    serviceDeskId = IdOrKey(required=True)
    requestTypeId = IdOrKey(required=True)
    requestFieldValues = fields.Dict(keys=fields.String(), load_default=dict)
    requestParticipants = fields.List(fields.String(), load_default=list, allow_none=True)
    raiseOnBehalfOf = fields.String(load_default=None, allow_none=True)


class CommentIn(_In):
    body = fields.String(required=True)
    public = fields.Boolean(load_default=True)


class _Comment(_In):
    body = fields.String(load_default=None, allow_none=True)


class TransitionIn(_In):
    id = IdOrKey(required=True)
    additionalComment = fields.Nested(_Comment, load_default=None, allow_none=True)


class UsersIn(_In):
    accountIds = fields.List(fields.String(), load_default=list, allow_none=True)
    usernames = fields.List(fields.String(), load_default=list, allow_none=True)

    @validates_schema
    def _some(self, data, **kwargs):
        if not (data.get("accountIds") or data.get("usernames")):
            raise ValidationError("Give at least one account id or email in accountIds or usernames.",
                                  field_name="accountIds")


class OrganizationLinkIn(_In):
    organizationId = IdOrKey(required=True)


class EditIn(_In):
    summary = fields.String(load_default=None, allow_none=True)
    description = fields.String(load_default=None, allow_none=True)
    requestFieldValues = fields.Dict(keys=fields.String(), load_default=dict)


class BulkIn(_In):
    """Requests to change together: a new assignee (null or "" unassigns) and/or a transition."""

    issueKeys = fields.List(fields.String(validate=validate.Length(min=1, max=64)), required=True,
                            validate=validate.Length(min=1, max=100))
    assignee = fields.String(allow_none=True, validate=validate.Length(max=320))
    transition = IdOrKey(load_default=None, allow_none=True)

    @validates_schema
    def _something(self, data, **kwargs):
        if "assignee" not in data and data.get("transition") is None:
            raise ValidationError("Give an assignee, a transition, or both.", field_name="assignee")


class AssignIn(_In):
    accountId = fields.String(load_default=None, allow_none=True)


class ShareIn(_In):
    add = fields.List(fields.Integer(validate=_ORG_ID), load_default=list)
    remove = fields.List(fields.Integer(validate=_ORG_ID), load_default=list)


class DeskPeopleIn(_In):
    accountIds = fields.List(fields.String(), load_default=list)
    emails = fields.List(fields.String(), load_default=list)

    @validates_schema
    def _some(self, data, **kwargs):
        if not (data.get("accountIds") or data.get("emails")):
            raise ValidationError("Give at least one account id or email in accountIds or emails.",
                                  field_name="accountIds")
