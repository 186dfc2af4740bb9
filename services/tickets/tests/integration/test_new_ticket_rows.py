"""A new request's rows come from one statement on PostgreSQL (the ticket with its number, history,
participants and shares): every row is there, in the order it was recorded, with what the triggers keep."""
from sqlalchemy import text

from tickets.domain.status import Status

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
