"""A page's desks come once per page with its related rows (``store.tickets._related_parts``), not on every
row: each is the desk ``DeskRepository`` reads, whichever way the page was read."""
from sqlalchemy import update
from sqlalchemy.orm import Session

from tickets.domain.visibility import Viewer
from tickets.store.desks import DeskRepository
from tickets.store.queries import RequestFilter, queue_filter
from tickets.store.tables import service_desks
from tickets.store.tickets import TicketRepository


def test_every_read_of_a_page_holds_its_desks_as_they_are(app, api, person):
    alice, agent = person(), person(role="agent")
    engine = app.extensions["tickets.engine"]
    with engine.begin() as conn:
        # Settings off their defaults, and text the JSON array must carry as it is.
        conn.execute(update(service_desks).where(service_desks.c.id == 1).values(
            description='Caf\u00e9 "desk"\n\\ \u2603', invite_unknown_participants=True, email_address="one@example.com",
            email_signup=True, email_require_dmarc=True))
    for summary in ("first", "second"):
        assert api.create(alice, summary).status_code == 201, summary
    assert api.create(alice, "elsewhere", desk="2", rt="4").status_code == 201
    with Session(engine) as session:
        tickets, desks = TicketRepository(session), DeskRepository(session)
        expected = {1: desks.get(1), 2: desks.get(2)}
        assert expected[1].email_signup and expected[1].description.startswith("Caf\u00e9")
        customer = Viewer(alice.id, "customer", frozenset())
        _found, _last, plain = tickets.page(customer, RequestFilter(), 0, 50)  # one statement (key walk)
        _found, _last, searched = tickets.page(customer, RequestFilter(search="first"), 0, 50)
        staff = Viewer(agent.id, "agent", frozenset(), frozenset({1, 2}))
        found, _last, queue = tickets.page(staff, queue_filter("all", 1, agent.id), 0, 50, count=True)
        _ticket, single = tickets.get_with_context(found[0].key)
        assert plain.desks == expected
        assert searched.desks == {1: expected[1]}
        assert queue.desks == single.desks == {1: expected[1]}
