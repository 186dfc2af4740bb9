"""A page's request types: read once per worker while they stay as read (PostgreSQL), and any write to
a type or its fields seen by the next page."""
from .test_statement_counts import counted

API = "/rest/servicedeskapi"
NATIVE = "/api/tickets"


def _page(api, app, who, expand=""):
    with counted(app) as statements:
        response = api.get(f"{API}/request?limit=50{expand}", who)
    assert response.status_code == 200, response.json
    return response.json["values"], len(statements)


def _values(page):
    return [(f["fieldId"], f["label"], f["value"]) for f in page[0]["requestFieldValues"]]


def test_a_page_reads_its_request_types_again_only_after_they_change(api, app, person):
    admin, alice = person(role="admin"), person()
    cached = app.extensions["tickets.engine"].dialect.name == "postgresql"
    rt = api.post(f"{API}/servicedesk/1/requesttype", admin, {"name": "Kept"}).json["id"]
    fields = [{"fieldId": "summary", "name": "Summary", "required": True},
              {"fieldId": "impact", "name": "Impact", "type": "select", "options": [{"value": "high", "label": "High"}]},
              {"fieldId": "asset", "name": "Asset"}]
    assert api.put(f"{NATIVE}/requesttypes/{rt}/fields", admin, fields).status_code == 200
    assert api.post(f"{API}/request", alice, {"serviceDeskId": "1", "requestTypeId": rt, "requestFieldValues": {
        "summary": "Laptop", "impact": "high", "asset": "L-1"}}).status_code == 201

    page, cold = _page(api, app, alice)
    assert _values(page) == [("summary", "Summary", "Laptop"), ("impact", "Impact", {"id": "high", "value": "High"}),
                             ("asset", "Asset", "L-1")]
    page, warm = _page(api, app, alice)
    assert warm == (cold - 1 if cached else cold)
    assert _values(page)[1] == ("impact", "Impact", {"id": "high", "value": "High"})

    # A field's label and an option's label change: the next page reads the type again and shows them.
    fields[0]["name"], fields[1]["options"] = "Subject", [{"value": "high", "label": "Urgent"}]
    assert api.put(f"{NATIVE}/requesttypes/{rt}/fields", admin, fields).status_code == 200
    page, count = _page(api, app, alice)
    assert count == cold
    assert _values(page) == [("summary", "Subject", "Laptop"), ("impact", "Impact", {"id": "high", "value": "Urgent"}),
                             ("asset", "Asset", "L-1")]
    assert _page(api, app, alice)[1] == warm

    # A field added, then removed again (no request holds a value for it): each time read again.
    extra = {"fieldId": "room", "name": "Room"}
    assert api.put(f"{NATIVE}/requesttypes/{rt}/fields", admin, [*fields, extra]).status_code == 200
    assert _page(api, app, alice)[1] == cold
    assert api.put(f"{NATIVE}/requesttypes/{rt}/fields", admin, fields).status_code == 200
    assert _page(api, app, alice)[1] == cold
    assert _page(api, app, alice)[1] == warm

    # The type itself renamed: seen by the next page that expands it.
    assert api.patch(f"{NATIVE}/requesttypes/{rt}", admin, {"name": "Kept and renamed"}).status_code == 200
    page, count = _page(api, app, alice, "&expand=requestType")
    assert page[0]["requestType"]["name"] == "Kept and renamed"
    assert count == cold
