import pytest

from gateway.routing import upstream_for


@pytest.mark.parametrize("path, upstream", [
    ("/api/identity/login", "identity"),
    ("/api/identity/me/tokens", "identity"),
    ("/rest/servicedeskapi/customer", "identity"),
    ("/rest/servicedeskapi/organization", "identity"),
    ("/rest/servicedeskapi/organization/3/user", "identity"),
    ("/rest/servicedeskapi/info", "tickets"),
    ("/rest/servicedeskapi/request/AM-1/comment", "tickets"),
    ("/rest/servicedeskapi/servicedesk/1/organization", "tickets"),
    ("/rest/servicedeskapi/servicedesk/1/customer", "tickets"),
    ("/rest/servicedeskapi/organizations", "tickets"),
    ("/rest/api/2/issue/AM-1", "tickets"),
    ("/api/tickets/queues", "tickets"),
    ("/api/notifier", None),
    # Services read through to identity's replica lookup with their caller's token; clients may not.
    ("/api/identity/replica/lookup", None),
    ("/api/identity/replica", None),
    ("/rest/api/2/user", None),
    ("/portal/login", None),
    ("/", None),
])
def test_routes_each_api_path_to_its_owner(path, upstream):
    assert upstream_for(path) == upstream
