"""Service desks, request types and accounts as the domain sees them (read models)."""
from __future__ import annotations

from dataclasses import dataclass, field

from common.auth import CUSTOMER, is_staff

from .fields import FieldSpec


@dataclass(frozen=True)
class Desk:
    id: int
    key: str
    name: str
    description: str = ""
    active: bool = True
    # Whether adding an unknown email as participant invites a new external customer.
    invite_unknown_participants: bool = False
    # Whether only customers added to the desk (or members of its organisations) may use it.
    restricted: bool = False
    # The email channel (see ``tickets.mail``): address for new requests and what they become.
    email_address: str | None = None
    email_request_type_id: int | None = None
    email_signup: bool = False
    email_require_dmarc: bool = False
    # Whom customers may add to its requests by name (domain.sharing).
    customer_sharing: str = "organizations"


@dataclass(frozen=True)
class RequestType:
    id: int
    desk_id: int
    name: str
    description: str = ""
    help_text: str = ""
    issue_type: str = "Incident"
    fields: tuple[FieldSpec, ...] = field(default_factory=tuple)

    def label(self, field_id: str) -> str:
        spec = next((f for f in self.fields if f.field_id == field_id), None)
        return spec.label if spec else field_id


@dataclass(frozen=True)
class Account:
    id: str
    email: str
    display_name: str | None = None
    language: str = "en"
    role: str = CUSTOMER
    active: bool = True

    @property
    def is_agent(self) -> bool:
        return is_staff(self.role)
