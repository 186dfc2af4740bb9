"""Status moves: who may do what from where (issue 9 item 5: only the reporter closes or reopens)."""
from datetime import datetime, timezone

import pytest
from hypothesis import given, settings, strategies as st

from common.testing import count_cases, fuzz_budget, fuzz_derandomized
from tickets.domain.errors import InvalidInput, InvalidState, NotPermitted
from tickets.domain.model import Actor, Ticket
from tickets.domain.status import AGENT, BY_ID, OPEN, OTHER, REPORTER, SIDES, TRANSITIONS, Status, transitions_for

S = Status
NOW = datetime(2026, 1, 1, tzinfo=timezone.utc)
ACTORS = {AGENT: Actor("agent", True), REPORTER: Actor("reporter", False), OTHER: Actor("participant", False)}

# What the product says (PRODUCT capability 7), written out: customers' side is the reporter's alone.
REPORTER_MAY = {("5", s) for s in OPEN | {S.RESOLVED}} | {("6", S.RESOLVED)}


def expected(side: str, transition_id: str, status: Status) -> bool:
    if side == AGENT:
        return status in BY_ID[transition_id].agent_from
    return side == REPORTER and (transition_id, status) in REPORTER_MAY


@pytest.mark.parametrize("side", SIDES)
@pytest.mark.parametrize("status", list(Status))
def test_each_side_is_offered_exactly_its_moves(side, status):
    offered = {t.id for t in transitions_for(status, side)}
    assert offered == {t.id for t in TRANSITIONS if expected(side, t.id, status)}


def ticket_at(status: Status) -> Ticket:
    ticket = Ticket.open(actor=ACTORS[REPORTER], desk_id=1, request_type_id=1, reporter_id="reporter",
                         summary="s", description="", field_values={}, organization_ids={1},
                         participant_ids={"participant"}, now=NOW)
    ticket.status = status
    return ticket


@pytest.mark.parametrize("transition_id", ["5", "6"])
@pytest.mark.parametrize("status", [S.IN_PROGRESS, S.RESOLVED])
def test_participants_and_organisation_members_cannot_close_or_reopen(transition_id, status):
    ticket = ticket_at(status)
    if not expected(REPORTER, transition_id, status):
        return
    for who in (ACTORS[OTHER], Actor("org-member", False)):
        with pytest.raises(NotPermitted, match="Only the reporter or an agent"):
            ticket.transition(who, transition_id, NOW)
    ticket.transition(ACTORS[REPORTER], transition_id, NOW)
    assert ticket.status == BY_ID[transition_id].to


@settings(max_examples=fuzz_budget(150), derandomize=fuzz_derandomized(), database=None, deadline=None)
@given(start=st.sampled_from(list(Status)),
       moves=st.lists(st.tuples(st.sampled_from(SIDES), st.sampled_from([t.id for t in TRANSITIONS] + ["0", "99"])),
                      max_size=12))
def test_any_sequence_of_moves_follows_the_table(start, moves):
    count_cases("hypothesis: status moves")
    ticket = ticket_at(start)
    for side, transition_id in moves:
        before = ticket.status
        try:
            ticket.transition(ACTORS[side], transition_id, NOW)
        except InvalidInput:
            assert transition_id not in BY_ID
            continue
        except NotPermitted:
            assert side != AGENT and not expected(side, transition_id, before)
            continue
        except InvalidState:
            assert not any(expected(s, transition_id, before) for s in SIDES)
            continue
        assert expected(side, transition_id, before) and ticket.status == BY_ID[transition_id].to
