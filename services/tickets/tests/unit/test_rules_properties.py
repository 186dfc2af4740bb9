"""Property-based tests of the domain rules: visibility (the rule and its SQL form) and field validation."""
from datetime import datetime, timezone

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st
from sqlalchemy import delete, insert, select

from common.testing import count_cases, fuzz_budget, fuzz_derandomized
from tickets.domain.fields import SELECT, TEXT, TEXTAREA, FieldSpec, Option, validate_values
from tickets.domain.visibility import TicketAccess, Viewer, can_view
from tickets.store import tables
from tickets.store.queries import visible_to

from .sqlite_schema import migrated_engine

ORGS = st.frozensets(st.sampled_from([1, 2, 12]))
DESKS = st.frozensets(st.sampled_from([1, 2]))
NOW = datetime(2026, 1, 1, tzinfo=timezone.utc)


def oracle(role, me, desk_ids, my_orgs, desk, reporter, participants, shared) -> bool:
    """PRODUCT capability 4, written out independently of the code."""
    if role == "admin" or (role == "agent" and desk in desk_ids):
        return True
    return reporter == me or me in participants or bool(my_orgs & shared)


CASE = st.fixed_dictionaries({
    "role": st.sampled_from(["customer", "agent", "admin"]), "desk_ids": DESKS, "my_orgs": ORGS,
    "desk": st.sampled_from([1, 2]), "reporter": st.sampled_from(["me", "someone"]),
    "participants": st.frozensets(st.sampled_from(["me", "other"])), "shared": ORGS,
})


@pytest.fixture(scope="module")
def engine(tmp_path_factory):
    return migrated_engine(tmp_path_factory.mktemp("visibility"))


@settings(max_examples=fuzz_budget(200), derandomize=fuzz_derandomized(), database=None, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(case=CASE)
def test_visibility_and_its_sql_agree_with_the_product_rule(engine, case):
    count_cases("hypothesis: visibility")
    c = case
    viewer = Viewer("me", c["role"], c["my_orgs"], c["desk_ids"] if c["role"] == "agent" else frozenset())
    expected = oracle(c["role"], "me", viewer.desk_ids, c["my_orgs"], c["desk"], c["reporter"], c["participants"],
                      c["shared"])
    access = TicketAccess(c["reporter"], c["desk"], frozenset(c["participants"]), frozenset(c["shared"]))
    assert can_view(viewer, access) is expected
    with engine.begin() as conn:
        for table in (tables.ticket_shares, tables.ticket_participants, tables.tickets):
            conn.execute(delete(table))
        conn.execute(insert(tables.tickets).values(
            id=1, desk_id=c["desk"], number=1, key="D-1", request_type_id=c["desk"], reporter_id=c["reporter"],
            summary="s", description="", field_values={}, status="Waiting for support", created_at=NOW,
            updated_at=NOW, status_changed_at=NOW, last_activity_at=NOW))
        for p in c["participants"]:
            conn.execute(insert(tables.ticket_participants).values(ticket_id=1, account_id=p))
        for o in c["shared"]:
            conn.execute(insert(tables.ticket_shares).values(ticket_id=1, organization_id=o))
        found = conn.execute(select(tables.tickets.c.id).where(visible_to(viewer))).scalars().all()
    assert (found == [1]) is expected


SPEC = st.builds(FieldSpec, field_id=st.sampled_from(["summary", "a", "b"]), label=st.just("Label"),
                 type=st.sampled_from([TEXT, TEXTAREA, SELECT]), required=st.booleans(),
                 options=st.just((Option("x", "X"), Option("y", "Y"))), max_length=st.integers(1, 50))
VALUE = st.one_of(st.none(), st.text(max_size=60), st.integers(), st.booleans(), st.lists(st.text(), max_size=2),
                  st.dictionaries(st.sampled_from(["id", "value"]), st.text(max_size=3)))


@settings(max_examples=fuzz_budget(300), derandomize=fuzz_derandomized(), database=None, deadline=None)
@given(specs=st.lists(SPEC, max_size=3, unique_by=lambda s: s.field_id),
       values=st.dictionaries(st.sampled_from(["summary", "a", "b", "organizations", "zzz"]), VALUE, max_size=4))
def test_field_validation_names_every_bad_field_and_keeps_only_good_values(specs, values):
    count_cases("hypothesis: field validation")
    clean, errors = validate_values(specs, values)
    by_id = {s.field_id: s for s in specs}
    assert set(clean).isdisjoint(errors)
    for key in values:
        if key not in by_id and key != "organizations":
            assert key in errors
    for field_id, value in clean.items():
        spec = by_id[field_id]
        if spec.type == SELECT:
            assert value in {o.value for o in spec.options}
        else:
            assert isinstance(value, str) and len(value) <= spec.max_length and value.strip()
    for spec in specs:
        if spec.required and spec.field_id not in clean:
            assert spec.field_id in errors
