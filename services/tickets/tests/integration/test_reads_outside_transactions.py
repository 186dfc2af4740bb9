"""A GET's unit of work reads outside a transaction block on PostgreSQL (no BEGIN, no ROLLBACK), refuses to
commit, and still keeps what the caller's check writes."""
import pytest
from sqlalchemy import event, text

from common.db import ping_idle_connections
from tickets.app import create_app
from tickets.store.uow import ReadOnlyWork

API = "/rest/servicedeskapi"


def _postgres(app):
    if app.extensions["tickets.engine"].dialect.name != "postgresql":
        pytest.skip("SQLite keeps its transaction (no round trips to save)")


def test_a_get_runs_no_transaction_block(app, api, person):
    _postgres(app)
    alice = person()
    assert api.create(alice).status_code == 201
    seen = []

    def in_transaction(conn, _cursor, statement, _params, _context, _many):
        seen.append((statement.split()[0], conn.connection.driver_connection.autocommit))

    engine = app.extensions["tickets.engine"]
    event.listen(engine, "before_cursor_execute", in_transaction)
    try:
        assert api.get(f"{API}/request", alice).status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", in_transaction)
    assert seen and all(autocommit for _, autocommit in seen), seen


def test_a_caller_unknown_to_the_replica_is_remembered_by_a_get(app, api, tokens):
    from .conftest import Person

    newcomer = Person(tokens, "reader@example.com")
    response = api.get(f"{API}/request", newcomer)
    assert response.status_code == 200 and response.json["size"] == 0
    with app.extensions["tickets.engine"].connect() as conn:
        assert conn.execute(text("SELECT email FROM accounts WHERE id = :i"), {"i": newcomer.id}).scalar() == \
            "reader@example.com"


def test_a_get_after_the_connection_sat_idle(settings, tokens, person):
    """The idle ping on checkout leaves no transaction open for the read to meet."""
    app = create_app(settings)
    try:
        _postgres(app)
        ping_idle_connections(app.extensions["tickets.engine"], idle_seconds=0)  # every checkout pings
        client = app.test_client()
        alice = person()
        for _ in range(3):
            assert client.get(f"{API}/request", headers=alice.headers).status_code == 200
    finally:
        app.extensions["tickets.engine"].dispose()


def test_a_unit_of_work_opened_for_reading_refuses_to_commit(app):
    from common.outbox import Outbox
    from tickets.store.tables import outbox
    from tickets.store.uow import UnitOfWork

    uow = UnitOfWork(app.extensions["tickets.session_factory"], Outbox(outbox, "tickets.events"), read_only=True)
    with uow:
        with pytest.raises(ReadOnlyWork):
            uow.commit()
        with pytest.raises(ReadOnlyWork):
            with uow.committing():
                pass
