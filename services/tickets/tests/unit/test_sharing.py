"""Whom one may add by name or id (domain.sharing), by its table."""
import pytest

from tickets.domain.catalog import Desk
from tickets.domain.sharing import CASES, people_scope
from tickets.domain.visibility import Viewer


@pytest.mark.parametrize(("role", "desk_agent", "sharing", "scope"), CASES)
def test_the_people_scope_follows_its_table(role, desk_agent, sharing, scope):
    desk = Desk(id=1, key="AM", name="Audio Matching", customer_sharing=sharing)
    viewer = Viewer("someone", role, frozenset(), frozenset({1}) if desk_agent else frozenset({2}))
    assert people_scope(viewer, desk) == scope


def test_without_a_desk_only_organisation_members_are_offered():
    assert people_scope(Viewer("a", "admin"), None) == people_scope(Viewer("c", "customer"), None)
