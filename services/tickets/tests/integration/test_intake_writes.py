"""What a new request writes on PostgreSQL (migration 0011): its ticket row once, even when it is shared
or has participants, and never an access key in its document without the row that grants it."""
import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from common.auth import Principal
from common.outbox import Outbox
from tickets.services import requests as svc
from tickets.store.tables import outbox
from tickets.store.uow import UnitOfWork


def _ticket_updates(session) -> int:
    """Updates of ``tickets`` rows so far in this transaction."""
    return session.execute(text("SELECT n_tup_upd FROM pg_stat_xact_user_tables WHERE relname = 'tickets'")).scalar()


@pytest.mark.parametrize("raise_as", ["customer sharing with her organisation", "agent naming a participant"])
def test_a_new_ticket_row_is_written_once(app, person, organizations, raise_as):
    if app.extensions["tickets.engine"].dialect.name != "postgresql":
        pytest.skip("the document trigger is PostgreSQL's; SQLite keeps FTS5")
    organizations(1)
    alice, bob, agent = person(orgs=[1]), person(), person(role="agent")
    caller, participants = (alice, []) if raise_as.startswith("customer") else (agent, [bob.id])
    session = app.extensions["tickets.session_factory"]()
    try:
        uow = UnitOfWork.within(session, Outbox(outbox, "tickets.events"))
        view = svc.create_request(uow, Principal(caller.id, caller.email, caller.role), service_desk_id="1",
                                  request_type_id="1", field_values={"summary": "Once", "description": "Words"},
                                  participants=participants)
        assert view.ticket.organization_ids or view.ticket.participant_ids
        assert _ticket_updates(session) == 0
        keys = session.execute(text("SELECT key FROM ticket_access WHERE ticket_id = :t ORDER BY key"),
                               {"t": view.ticket.id}).scalars().all()
        expected = {f"o:{o}" for o in view.ticket.organization_ids} | {f"p:{p}" for p in view.ticket.participant_ids}
        assert expected <= set(keys)
        session.commit()
    finally:
        session.close()


def test_a_ticket_cannot_give_an_access_key_without_its_row(app, api, person):
    if app.extensions["tickets.engine"].dialect.name != "postgresql":
        pytest.skip("the document trigger is PostgreSQL's; SQLite keeps FTS5")
    alice = person()
    key = api.create(alice, values={"organizations": []}).json["issueKey"]
    copy = ("INSERT INTO tickets (desk_id, request_type_id, reporter_id, summary, description, field_values, status, "
            "updated_at, status_changed_at, last_activity_at, created_at, number, key, search_vector) "
            "SELECT desk_id, request_type_id, reporter_id, summary, description, field_values, status, updated_at, "
            "status_changed_at, last_activity_at, created_at, number + 100, key || 'X', CAST(:given AS tsvector) "
            "FROM tickets WHERE key = :key RETURNING id")
    engine = app.extensions["tickets.engine"]
    with pytest.raises(IntegrityError, match="without its participant or share"):
        with engine.begin() as conn:
            conn.execute(text(copy), {"given": "'o:99'", "key": key})
    with engine.begin() as conn:  # given with its row, the key stays, and only given keys are kept
        ticket = conn.execute(text(copy), {"given": "'o:7' 'p:someone' 'r:other' 'word'", "key": key}).scalar()
        conn.execute(text("INSERT INTO organizations (id, name) VALUES (7, 'Org 7')"))
        conn.execute(text("INSERT INTO ticket_shares (ticket_id, organization_id) VALUES (:t, 7)"), {"t": ticket})
        conn.execute(text("INSERT INTO ticket_participants (ticket_id, account_id) VALUES (:t, 'someone')"),
                     {"t": ticket})
        lexemes = set(conn.execute(text("SELECT unnest(tsvector_to_array(search_vector)) FROM tickets WHERE id = :t"),
                                   {"t": ticket}).scalars())
    assert {"o:7", "p:someone"} <= lexemes and "r:other" not in lexemes and "word" not in lexemes
