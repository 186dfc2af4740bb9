"""Keys stay unique and gap-free under concurrent creation (PostgreSQL row lock on the desk)."""
from concurrent.futures import ThreadPoolExecutor

from common.auth import Principal
from tickets.services.requests import create_request


def test_200_concurrent_creations_get_200_distinct_gap_free_keys(app, person):
    alice = person()
    principal = Principal(id=alice.id, email=alice.email)
    factory = app.extensions["tickets.uow_factory"]

    def create(i):
        with app.app_context():
            view = create_request(factory(), principal, service_desk_id="1", request_type_id="1",
                                  field_values={"summary": f"Request {i}", "impact": "low"})
            return view.ticket.key

    with ThreadPoolExecutor(max_workers=12) as pool:
        keys = list(pool.map(create, range(200)))
    assert len(set(keys)) == 200
    assert sorted(int(k.split("-")[1]) for k in keys) == list(range(1, 201))
