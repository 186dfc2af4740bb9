from datetime import datetime, timezone

import pytest

from tickets.domain import events as ev
from tickets.domain.errors import InvalidInput, InvalidState, NotPermitted
from tickets.domain.model import Actor, Ticket
from tickets.domain import status as sides
from tickets.domain.status import Status, transitions_for

NOW = datetime(2026, 1, 1, tzinfo=timezone.utc)
CUSTOMER = Actor("cust", is_agent=False)
AGENT = Actor("agent", is_agent=True)
S = Status


def new_ticket(**kw) -> Ticket:
    args = dict(actor=CUSTOMER, desk_id=1, request_type_id=1, reporter_id="cust", summary="Broken",
                description="", field_values={}, organization_ids=set(), participant_ids=set(), now=NOW)
    args.update(kw)
    return Ticket.open(**args)


def at(status: Status) -> Ticket:
    ticket = new_ticket()
    ticket.status = status
    ticket.events.clear()
    return ticket


def test_a_new_ticket_waits_for_support_and_records_its_creation():
    ticket = new_ticket()
    assert ticket.status == S.WAITING_FOR_SUPPORT
    assert [h.kind for h in ticket.new_history] == ["created", "status"]
    assert isinstance(ticket.events[0], ev.TicketCreated)


def test_the_reporter_is_never_a_participant():
    assert new_ticket(participant_ids={"cust", "bob"}).participant_ids == {"bob"}


@pytest.mark.parametrize("start, expected", [
    (S.WAITING_FOR_SUPPORT, S.WAITING_FOR_CUSTOMER),
    (S.IN_PROGRESS, S.WAITING_FOR_CUSTOMER),
    (S.WAITING_FOR_CUSTOMER, S.WAITING_FOR_CUSTOMER),
    (S.RESOLVED, S.RESOLVED),
])
def test_an_agents_public_reply_makes_the_ticket_wait_for_the_customer(start, expected):
    ticket = at(start)
    ticket.comment(AGENT, "Could you send a log?", public=True, now=NOW)
    assert ticket.status == expected


@pytest.mark.parametrize("start, expected", [
    (S.WAITING_FOR_CUSTOMER, S.WAITING_FOR_SUPPORT),
    (S.RESOLVED, S.WAITING_FOR_SUPPORT),
    (S.WAITING_FOR_SUPPORT, S.WAITING_FOR_SUPPORT),
    (S.IN_PROGRESS, S.IN_PROGRESS),
])
def test_a_customers_public_comment_sends_the_ticket_back_to_support(start, expected):
    ticket = at(start)
    ticket.comment(CUSTOMER, "Here it is", public=True, now=NOW)
    assert ticket.status == expected


@pytest.mark.parametrize("status", [S.CLOSED, S.CANCELED])
@pytest.mark.parametrize("actor", [CUSTOMER, AGENT], ids=["customer", "agent"])
def test_a_closed_request_takes_no_public_comment_but_its_move_may_carry_one(status, actor):
    from tickets.domain.errors import RequestClosed

    ticket = at(status)
    with pytest.raises(RequestClosed, match="raise a new request|Raise a new request"):
        ticket.comment(actor, "One more thing", public=True, now=NOW)
    assert ticket.status == status and not ticket.events
    ticket.comment(actor, "Thanks, closing", public=True, now=NOW, auto_move=False)
    ticket.comment(AGENT, "for the record", public=False, now=NOW)
    assert ticket.status == status


def test_the_automatic_move_is_recorded_as_a_status_change_caused_by_the_comment():
    ticket = at(S.WAITING_FOR_CUSTOMER)
    ticket.comment(CUSTOMER, "Here it is", public=True, now=NOW)
    kinds = [type(e) for e in ticket.events]
    assert kinds == [ev.Commented, ev.StatusChanged]
    assert ticket.events[1].cause == "comment"
    assert [h.kind for h in ticket.new_history][-2:] == ["comment", "status"]


def test_an_internal_note_never_moves_the_ticket():
    ticket = at(S.WAITING_FOR_SUPPORT)
    ticket.comment(AGENT, "Looks like the parser", public=False, now=NOW)
    assert ticket.status == S.WAITING_FOR_SUPPORT


def test_customers_cannot_write_internal_notes():
    with pytest.raises(NotPermitted):
        at(S.WAITING_FOR_SUPPORT).comment(CUSTOMER, "secret", public=False, now=NOW)


def test_an_empty_comment_is_refused():
    with pytest.raises(InvalidInput):
        at(S.WAITING_FOR_SUPPORT).comment(CUSTOMER, "   ", public=True, now=NOW)


def test_customers_are_offered_close_on_open_tickets_and_reopen_on_resolved_ones():
    assert [t.name for t in transitions_for(S.WAITING_FOR_CUSTOMER, sides.REPORTER)] == ["Close request"]
    assert [t.name for t in transitions_for(S.RESOLVED, sides.REPORTER)] == ["Close request", "Reopen request"]
    assert transitions_for(S.CLOSED, sides.REPORTER) == []
    assert transitions_for(S.CANCELED, sides.REPORTER) == []


def test_agents_may_reach_every_status():
    reachable = {t.to for s in Status for t in transitions_for(s, sides.AGENT)}
    assert reachable == set(Status)


def test_a_customer_closes_their_request():
    ticket = at(S.IN_PROGRESS)
    ticket.transition(CUSTOMER, "5", NOW)
    assert ticket.status == S.CLOSED
    assert ticket.events[-1] == ev.StatusChanged("cust", False, "In progress", "Closed", "transition")


def test_a_customer_reopens_a_resolved_request():
    ticket = at(S.RESOLVED)
    ticket.transition(CUSTOMER, "6", NOW)
    assert ticket.status == S.WAITING_FOR_SUPPORT


def test_a_customer_cannot_resolve():
    with pytest.raises(NotPermitted):
        at(S.IN_PROGRESS).transition(CUSTOMER, "4", NOW)


def test_a_move_from_the_wrong_status_is_a_conflict():
    with pytest.raises(InvalidState):
        at(S.CLOSED).transition(AGENT, "4", NOW)


def test_an_unknown_transition_is_invalid_input():
    with pytest.raises(InvalidInput):
        at(S.CLOSED).transition(AGENT, "99", NOW)


def test_participants_are_managed_by_the_reporter_participants_and_agents_only():
    ticket = new_ticket(participant_ids={"bob"})
    assert ticket.add_participants(Actor("bob", False), {"carol"}, NOW) == ["carol"]
    assert ticket.remove_participants(AGENT, {"carol", "nobody"}, NOW) == ["carol"]
    with pytest.raises(NotPermitted):
        ticket.add_participants(Actor("stranger", False), {"x"}, NOW)


def test_the_reporter_edits_only_while_waiting_for_support():
    ticket = new_ticket()
    ticket.edit(CUSTOMER, NOW, summary="Broken player")
    assert ticket.summary == "Broken player"
    ticket.status = S.IN_PROGRESS
    with pytest.raises(InvalidState):
        ticket.edit(CUSTOMER, NOW, summary="again")
    ticket.edit(AGENT, NOW, description="triaged")
    assert ticket.description == "triaged"


def test_only_agents_assign():
    ticket = new_ticket()
    with pytest.raises(NotPermitted):
        ticket.assign(CUSTOMER, "agent", NOW)
    ticket.assign(AGENT, "agent2", NOW)
    assert ticket.assignee_id == "agent2"
    assert ticket.events[-1] == ev.Assigned("agent", True, None, "agent2")


def test_every_change_is_kept_in_the_history():
    ticket = new_ticket()
    ticket.comment(AGENT, "hello", True, NOW)
    ticket.add_participants(AGENT, {"bob"}, NOW)
    ticket.share(AGENT, {1}, set(), NOW)
    ticket.assign(AGENT, "agent", NOW)
    ticket.transition(AGENT, "4", NOW)
    kinds = [h.kind for h in ticket.new_history]
    assert kinds == ["created", "status", "comment", "status", "participant_added", "shared", "assignee", "status"]
