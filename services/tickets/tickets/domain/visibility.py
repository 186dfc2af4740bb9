"""Who may see a ticket: ONE rule, here, with the truth table both of its forms are tested against.

A ticket is visible to its reporter, its participants, the members of every organisation it is
shared with (compared by exact id), the agents of its desk, and admins (every desk). An agent of
another desk is, on that desk, just a customer: only the relations above count.
What belongs to a ticket (comments, attachments) is visible exactly when the ticket is, except
what was added *internally* (internal notes and their attachments): only the desk's agents and
admins see that, so a customer never gets it shown, listed, counted, thumbnailed or emailed.
``can_view`` is the rule for one ticket or one thing on it; ``tickets.store.queries.visible_to`` is
the same rule as SQL for lists, searches and queues. Invisible tickets answer 404 and appear in no
list or event.
"""
from __future__ import annotations

from dataclasses import dataclass

from common.auth import ADMIN, AGENT, CUSTOMER, is_admin, is_staff

from .catalog import Desk


@dataclass(frozen=True)
class Viewer:
    account_id: str
    role: str
    organization_ids: frozenset[int] = frozenset()
    desk_ids: frozenset[int] = frozenset()  # desks an agent belongs to

    @property
    def is_agent(self) -> bool:
        return is_staff(self.role)

    @property
    def is_admin(self) -> bool:
        return is_admin(self.role)

    def is_agent_for(self, desk_id: int) -> bool:
        """Whether the viewer works on ``desk_id`` as an agent (admins work on every desk)."""
        return self.is_admin or (self.role == AGENT and desk_id in self.desk_ids)


@dataclass(frozen=True)
class TicketAccess:
    """The facts about a ticket the rule looks at."""

    reporter_id: str
    desk_id: int
    participant_ids: frozenset[str] = frozenset()
    organization_ids: frozenset[int] = frozenset()


def can_view(viewer: Viewer, ticket: TicketAccess, internal: bool = False) -> bool:
    """True when ``viewer`` may see ``ticket`` or, with ``internal``, something added internally to it."""
    if viewer.is_agent_for(ticket.desk_id):
        return True
    return not internal and (
        viewer.account_id == ticket.reporter_id
        or viewer.account_id in ticket.participant_ids
        or not viewer.organization_ids.isdisjoint(ticket.organization_ids)
    )


def can_use_desk(viewer: Viewer, desk: Desk, is_desk_customer: bool) -> bool:
    """Whether ``viewer`` sees the desk and may raise requests on it.

    Its agents and admins always; customers (and agents of other desks) only while it is active,
    and for a restricted desk only when added to it as customers (or through a linked organisation).
    ``GET /servicedesk`` lists exactly these desks (``tickets.store.desks.usable_by``), tested
    against ``DESK_TABLE``.
    """
    if viewer.is_agent_for(desk.id):
        return True
    return desk.active and (not desk.restricted or is_desk_customer)


@dataclass(frozen=True)
class DeskCase:
    """One row of the desk rule's truth table."""

    name: str
    role: str
    usable: bool
    desk_agent: bool = False  # for agents: whether they work on the desk
    active: bool = True
    restricted: bool = False
    desk_customer: bool = False  # added to the desk, directly or through a linked organisation


DESK_TABLE: tuple[DeskCase, ...] = (
    DeskCase("customer, open desk", "customer", True),
    DeskCase("customer, inactive desk", "customer", False, active=False),
    DeskCase("customer, restricted desk", "customer", False, restricted=True),
    DeskCase("customer added to a restricted desk", "customer", True, restricted=True, desk_customer=True),
    DeskCase("customer added to an inactive desk", "customer", False, active=False, desk_customer=True),
    DeskCase("agent of the desk", "agent", True, desk_agent=True),
    DeskCase("agent of the desk, inactive and restricted", "agent", True, desk_agent=True, active=False,
             restricted=True),
    DeskCase("agent of another desk, open desk (a customer there)", "agent", True),
    DeskCase("agent of another desk, restricted desk", "agent", False, restricted=True),
    DeskCase("agent of another desk added as its customer", "agent", True, restricted=True, desk_customer=True),
    DeskCase("agent of another desk, inactive desk", "agent", False, active=False),
    DeskCase("admin, inactive restricted desk", "admin", True, active=False, restricted=True),
)


@dataclass(frozen=True)
class Case:
    """One row of the truth table, described by relations so tests can build it in any store."""

    name: str
    role: str
    reporter: bool = False
    participant: bool = False
    member_of: frozenset[str] = frozenset()  # organisation labels the viewer belongs to
    shared_with: frozenset[str] = frozenset()  # organisation labels the ticket is shared with
    visible: bool = False
    desk_agent: bool = True  # for agents: whether they belong to the ticket's desk
    item: str = "request"  # what is looked at: the request, or one of its ATTACHMENTS

    @property
    def internal(self) -> bool:
        return self.item == INTERNAL_ATTACHMENT


PUBLIC_ATTACHMENT, INTERNAL_ATTACHMENT = "public attachment", "internal attachment"
ATTACHMENTS = (PUBLIC_ATTACHMENT, INTERNAL_ATTACHMENT)


def _c(name, role=CUSTOMER, reporter=False, participant=False, member_of=(), shared_with=(), visible=False,
       desk_agent=True, item="request"):
    return Case(name, role, reporter, participant, frozenset(member_of), frozenset(shared_with), visible,
                desk_agent, item)


# Organisation labels map to ids in tests; "org1" and "org12" get ids 1 and 12 so that an id
# matched as a substring would show up as a leak.
TRUTH_TABLE: tuple[Case, ...] = (
    _c("reporter of a private ticket", reporter=True, visible=True),
    _c("reporter of a shared ticket", reporter=True, member_of={"org1"}, shared_with={"org1"}, visible=True),
    _c("participant of a private ticket", participant=True, visible=True),
    _c("participant who is also in the shared org", participant=True, member_of={"org1"},
       shared_with={"org1"}, visible=True),
    _c("stranger, private ticket"),
    _c("member of the org, private ticket", member_of={"org1"}),
    _c("member of the shared org", member_of={"org1"}, shared_with={"org1"}, visible=True),
    _c("member of another org", member_of={"org2"}, shared_with={"org1"}),
    _c("member of org12, ticket shared with org1", member_of={"org12"}, shared_with={"org1"}),
    _c("member of org1, ticket shared with org12", member_of={"org1"}, shared_with={"org12"}),
    _c("customer in two orgs, shared with the second", member_of={"org1", "org2"}, shared_with={"org2"},
       visible=True),
    _c("customer in two orgs, shared with neither", member_of={"org1", "org2"}, shared_with={"org12"}),
    _c("ticket shared with two orgs, viewer in one", member_of={"org2"}, shared_with={"org1", "org2"},
       visible=True),
    _c("agent, private ticket", role=AGENT, visible=True),
    _c("admin, private ticket", role=ADMIN, visible=True),
    _c("agent in no org, shared ticket", role=AGENT, shared_with={"org1"}, visible=True),
    _c("agent of another desk, private ticket", role=AGENT, desk_agent=False),
    _c("agent of another desk, shared ticket", role=AGENT, desk_agent=False, shared_with={"org1"}),
    _c("agent of another desk in the shared org", role=AGENT, desk_agent=False, member_of={"org1"},
       shared_with={"org1"}, visible=True),
    _c("agent of another desk who reported it", role=AGENT, desk_agent=False, reporter=True, visible=True),
    _c("admin of no desk, private ticket", role=ADMIN, desk_agent=False, visible=True),
    # Attachments: a public one follows its request; one added with an internal note is agents' only.
    _c("public attachment, reporter", reporter=True, visible=True, item=PUBLIC_ATTACHMENT),
    _c("public attachment, member of the shared org", member_of={"org1"}, shared_with={"org1"}, visible=True,
       item=PUBLIC_ATTACHMENT),
    _c("public attachment, stranger", item=PUBLIC_ATTACHMENT),
    _c("public attachment, member of org12, shared with org1", member_of={"org12"}, shared_with={"org1"},
       item=PUBLIC_ATTACHMENT),
    _c("public attachment, agent of another desk", role=AGENT, desk_agent=False, item=PUBLIC_ATTACHMENT),
    _c("public attachment, agent", role=AGENT, visible=True, item=PUBLIC_ATTACHMENT),
    _c("internal attachment, reporter", reporter=True, item=INTERNAL_ATTACHMENT),
    _c("internal attachment, participant", participant=True, item=INTERNAL_ATTACHMENT),
    _c("internal attachment, member of the shared org", member_of={"org1"}, shared_with={"org1"},
       item=INTERNAL_ATTACHMENT),
    _c("internal attachment, stranger", item=INTERNAL_ATTACHMENT),
    _c("internal attachment, agent of another desk who reported it", role=AGENT, desk_agent=False,
       reporter=True, item=INTERNAL_ATTACHMENT),
    _c("internal attachment, agent", role=AGENT, visible=True, item=INTERNAL_ATTACHMENT),
    _c("internal attachment, admin of no desk", role=ADMIN, desk_agent=False, visible=True,
       item=INTERNAL_ATTACHMENT),
)
REQUEST_CASES = tuple(c for c in TRUTH_TABLE if c.item == "request")
ATTACHMENT_CASES = tuple(c for c in TRUTH_TABLE if c.item in ATTACHMENTS)
