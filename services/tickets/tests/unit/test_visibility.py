import pytest

from tickets.domain.catalog import Desk
from tickets.domain.visibility import DESK_TABLE, TRUTH_TABLE, TicketAccess, Viewer, can_use_desk, can_view

ORG_IDS = {"org1": 1, "org2": 2, "org12": 12}
DESK, OTHER_DESK = 1, 2


def ids(labels):
    return frozenset(ORG_IDS[label] for label in labels)


@pytest.mark.parametrize("case", TRUTH_TABLE, ids=lambda c: c.name)
def test_can_view_follows_the_truth_table(case):
    viewer = Viewer("me", case.role, ids(case.member_of), frozenset({DESK if case.desk_agent else OTHER_DESK}))
    ticket = TicketAccess(
        reporter_id="me" if case.reporter else "someone-else",
        desk_id=DESK,
        participant_ids=frozenset({"me"} if case.participant else {"another"}),
        organization_ids=ids(case.shared_with),
    )
    assert can_view(viewer, ticket, internal=case.internal) is case.visible


def test_the_table_covers_both_answers_and_every_role():
    assert {c.visible for c in TRUTH_TABLE} == {True, False}
    assert {c.role for c in TRUTH_TABLE} == {"customer", "agent", "admin"}
    assert any(c.role == "agent" and not c.desk_agent and not c.visible for c in TRUTH_TABLE)


def test_nothing_added_internally_is_visible_to_a_customer():
    internal = [c for c in TRUTH_TABLE if c.internal]
    assert internal and all(c.visible is (c.role != "customer" and (c.desk_agent or c.role == "admin"))
                            for c in internal)


@pytest.mark.parametrize("case", DESK_TABLE, ids=lambda c: c.name)
def test_who_may_use_a_desk(case):
    desk = Desk(1, "AM", "Audio", active=case.active, restricted=case.restricted)
    viewer = Viewer("me", case.role, desk_ids=frozenset({1 if case.desk_agent else 2}))
    assert can_use_desk(viewer, desk, case.desk_customer) is case.usable


def test_the_desk_table_covers_both_answers_and_every_role():
    assert {c.usable for c in DESK_TABLE} == {True, False}
    assert {c.role for c in DESK_TABLE} == {"customer", "agent", "admin"}
