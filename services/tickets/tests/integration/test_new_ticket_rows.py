"""A new request's rows come from one statement on PostgreSQL (the ticket with its number, history,
participants and shares): every row is there, in the order it was recorded, with what the triggers keep."""
from datetime import datetime, timezone

from sqlalchemy import text
from sqlalchemy.orm import Session

from tickets.domain.model import Actor, Ticket
from tickets.domain.status import Status
from tickets.store.tickets import TicketRepository

from .test_statement_counts import counted


def _rows(app, sql, **params):
    with app.extensions["tickets.engine"].connect() as conn:
        return [tuple(r) for r in conn.execute(text(sql), params)]


def test_a_new_request_has_its_history_participants_shares_and_access_keys(api, app, person, organizations):
    organizations(1, 2)
    alice, bob = person(orgs=[1, 2]), person()
    with counted(app) as statements:
        response = api.create(alice, values={"organizations": [2, 1]}, requestParticipants=[bob.email])
    assert response.status_code == 201, response.json
    tid = int(response.json["issueId"])
    # The desk's number, the ticket, its history, participants and shares: one statement.
    (numbered,) = [s for s in statements if "SET last_ticket_number" in s]
    assert all(f"INSERT INTO {t}" in numbered for t in ("tickets", "ticket_history", "ticket_participants",
                                                        "ticket_shares")), numbered
    assert not any("INSERT INTO ticket_" in s for s in statements if s is not numbered)
    assert [r[0] for r in _rows(app, "SELECT kind FROM ticket_history WHERE ticket_id = :t ORDER BY id", t=tid)] == [
        "created", "status"]
    assert _rows(app, "SELECT to_value, actor_id FROM ticket_history WHERE ticket_id = :t AND kind = 'status'",
                 t=tid) == [(Status.WAITING_FOR_SUPPORT.value, alice.id)]
    assert _rows(app, "SELECT account_id FROM ticket_participants WHERE ticket_id = :t", t=tid) == [(bob.id,)]
    assert _rows(app, "SELECT organization_id FROM ticket_shares WHERE ticket_id = :t ORDER BY 1", t=tid) == [
        (1,), (2,)]
    assert {r[0] for r in _rows(app, "SELECT key FROM ticket_access WHERE ticket_id = :t", t=tid)} == {
        f"r:{alice.id}", "d:1", f"p:{bob.id}", "o:1", "o:2"}
    (keys,) = _rows(app, "SELECT tsvector_to_array(search_vector) FROM tickets WHERE id = :t", t=tid)[0]
    assert {f"p:{bob.id}", "o:1", "o:2", f"r:{alice.id}", "d:1"} <= set(keys)
    # Seen by the participant and by a member of a shared organisation, as any request is.
    assert api.get(f"/rest/servicedeskapi/request/{tid}", bob).status_code == 200
    carol = person(orgs=[2])
    assert api.get(f"/rest/servicedeskapi/request/{tid}", carol).status_code == 200


def test_keys_stay_gap_free_per_desk_and_a_refused_create_gives_its_number_back(api, app, person):
    alice = person()
    first = api.create(alice).json["issueKey"]
    assert api.create(alice, requestParticipants=["nobody-at-all@example.com"]).status_code == 400
    second = api.create(alice).json["issueKey"]
    assert int(second.split("-")[1]) == int(first.split("-")[1]) + 1


def test_a_shared_request_with_a_participant_writes_its_ticket_row_once(app, person, organizations):
    """Migration 0013: the participants' and shares' keys come with the ticket's INSERT, so their triggers
    do not write the ticket row a second time (a non-HOT update: every index of tickets again)."""
    organizations(1, 2)
    alice, bob = person(orgs=[1, 2]), person()
    now = datetime.now(timezone.utc)
    ticket = Ticket.open(actor=Actor(alice.id, False), desk_id=1, request_type_id=1, reporter_id=alice.id,
                         summary="Once", description="Written once", field_values={}, organization_ids={1, 2},
                         participant_ids={bob.id}, now=now)
    counts = text("SELECT n_tup_upd, n_tup_ins FROM pg_stat_xact_user_tables WHERE relname = 'tickets'")
    with app.extensions["tickets.engine"].connect() as conn:
        session = Session(bind=conn)
        # The backend's counts not yet reported, then this transaction's on top of them (none is
        # reported while a transaction is open): the difference is the insert's.
        before = session.execute(counts).one()
        assert TicketRepository(session).add(ticket, numbering="AM")
        after = session.execute(counts).one()
        updated, inserted = after[0] - before[0], after[1] - before[1]
        keys = {r[0] for r in session.execute(text("SELECT key FROM ticket_access WHERE ticket_id = :t"),
                                              {"t": ticket.id})}
        (document,) = session.execute(text("SELECT tsvector_to_array(search_vector) FROM tickets WHERE id = :t"),
                                      {"t": ticket.id}).one()
        session.rollback()
    assert (updated, inserted) == (0, 1)
    assert keys == {f"r:{alice.id}", "d:1", f"p:{bob.id}", "o:1", "o:2"}
    assert {f"p:{bob.id}", "o:1", "o:2"} <= set(document)


def test_keys_given_with_a_ticket_stand_only_with_their_rows(app, person, organizations):
    """Whatever an INSERT gives in ``search_vector``, only the participant and share keys with their rows
    stay, with their access rows; a row added later brings its key as before."""
    organizations(1, 2)
    alice, bob = person(orgs=[1]), person()
    engine = app.extensions["tickets.engine"]
    with engine.begin() as conn:
        tid = conn.execute(text(
            "INSERT INTO tickets (desk_id, number, key, request_type_id, reporter_id, summary, description, "
            "field_values, status, created_at, updated_at, status_changed_at, last_activity_at, search_vector) "
            "VALUES (1, 900, 'AM-900', 1, :a, 'Given keys', 'Some words', '{}', 'Waiting for support', now(), "
            "now(), now(), now(), array_to_tsvector(ARRAY['o:1', 'o:2', 'p:' || :b, 'invented', 'x:y'])) "
            "RETURNING id"), {"a": alice.id, "b": bob.id}).scalar_one()
        conn.execute(text("INSERT INTO ticket_shares (ticket_id, organization_id) VALUES (:t, 2)"), {"t": tid})

    def state():
        with engine.connect() as conn:
            keys = {r[0] for r in conn.execute(text("SELECT key FROM ticket_access WHERE ticket_id = :t"), {"t": tid})}
            document = set(conn.execute(text("SELECT tsvector_to_array(search_vector) FROM tickets WHERE id = :t"),
                                        {"t": tid}).scalar_one())
        return keys, {k for k in document if ":" in k}, document

    keys, document_keys, document = state()
    # No row gave 'o:1' or bob's key in the INSERT's statement; the share of 2 came in a statement of its own.
    assert keys == {f"r:{alice.id}", "d:1", "o:2"}
    assert document_keys == {f"r:{alice.id}", "d:1", "o:2"}
    assert "invented" not in document and {"given", "keys", "some", "words"} <= document
