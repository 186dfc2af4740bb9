import pytest

from tickets.domain.visibility import TRUTH_TABLE, TicketAccess, Viewer, can_view

ORG_IDS = {"org1": 1, "org2": 2, "org12": 12}


def ids(labels):
    return frozenset(ORG_IDS[label] for label in labels)


@pytest.mark.parametrize("case", TRUTH_TABLE, ids=lambda c: c.name)
def test_can_view_follows_the_truth_table(case):
    viewer = Viewer("me", case.role, ids(case.member_of))
    ticket = TicketAccess(
        reporter_id="me" if case.reporter else "someone-else",
        participant_ids=frozenset({"me"} if case.participant else {"another"}),
        organization_ids=ids(case.shared_with),
    )
    assert can_view(viewer, ticket) is case.visible


def test_the_table_covers_both_answers_and_every_role():
    assert {c.visible for c in TRUTH_TABLE} == {True, False}
    assert {c.role for c in TRUTH_TABLE} == {"customer", "agent", "admin"}
