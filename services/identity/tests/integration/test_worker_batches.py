"""A batch of the worker: a request's events (idempotent touches) skip the inbox, the others keep it."""
from __future__ import annotations

from sqlalchemy import event as sa_event, text

from common.events import CloudEvent, event_type

from .test_worker import invited_event, worker  # noqa: F401  (the fixture)


def created_event(desk: int, reporter: str) -> CloudEvent:
    return CloudEvent(type=event_type("ticket.created"), source="/servicedesk/tickets", subject=f"D{desk}-1",
                      data=dict(ticketId="1", key=f"D{desk}-1", deskId=str(desk), deskKey=f"D{desk}", deskName="Desk",
                                requestTypeId="1", summary="s", status="Waiting for support", reporterId=reporter,
                                assigneeId=None, actorId=reporter, actorIsAgent=False,
                                audience={"customers": [reporter], "agents": []}, organizationIds=["7"],
                                participantIds=[], description="d"))


def batch_of(worker, *events):
    return [(e, worker.handlers[e.routing_key]) for e in events]


def rows(worker, sql):
    with worker.session_factory() as session:
        return session.execute(text(sql)).all()


def test_touches_skip_the_inbox_and_invitations_keep_it(worker, outbox):  # noqa: F811
    touch, invite = created_event(1, "reporter-1"), invited_event()
    assert worker.handle_batch(batch_of(worker, touch, invite)) == 2
    assert rows(worker, "SELECT event_id FROM inbox") == [(invite.id,)]
    assert rows(worker, "SELECT desk_id, account_id, involved FROM desk_customers") == [(1, "reporter-1", True)]
    assert rows(worker, "SELECT desk_id, organisation_id, shared FROM desk_organisations") == [(1, 7, True)]
    # Delivered again: the invitation is skipped by the inbox, the touch changes nothing.
    assert worker.handle_batch(batch_of(worker, touch, invite)) == 1
    assert len(outbox("customer.invited.v1")) == 1
    assert rows(worker, "SELECT desk_id, account_id, involved FROM desk_customers") == [(1, "reporter-1", True)]


def test_a_batch_of_remembered_touches_runs_no_statement(worker):  # noqa: F811
    worker.handle_batch(batch_of(worker, created_event(1, "reporter-1"), created_event(2, "reporter-2")))
    statements = []
    engine = worker.session_factory.kw["bind"]
    sa_event.listen(engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
    again = [created_event(1, "reporter-1"), created_event(2, "reporter-2"), created_event(1, "reporter-1")]
    assert worker.handle_batch(batch_of(worker, *again)) == 3
    assert statements == []

