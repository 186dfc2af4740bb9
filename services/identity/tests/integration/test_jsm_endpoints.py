"""JSM-compatible organisation and customer endpoints; responses validate against Atlassian's OpenAPI document."""
import jsonschema
import pytest

from common.testing import jsm_openapi_document

BASE = "/rest/servicedeskapi"


@pytest.fixture(scope="module")
def check():
    spec = jsm_openapi_document()

    def validate(body, schema_name: str) -> None:
        schema = {"$ref": f"#/components/schemas/{schema_name}", "components": spec["components"]}
        jsonschema.validate(body, schema)

    return validate


def test_organisation_lifecycle_through_the_jsm_api(api, check, outbox):
    agent = api.token_for("agent@example.com", "admin")
    alice = api.user("alice@example.com", name="Alice")
    bob = api.user("bob@example.com")

    created = api.call("POST", f"{BASE}/organization", {"name": "Acme Media"}, agent)
    assert created.status_code == 201
    org = created.get_json()
    check(org, "OrganizationDTO")
    assert org["name"] == "Acme Media" and org["_links"]["self"].endswith(f"/organization/{org['id']}")

    added = api.call("POST", f"{BASE}/organization/{org['id']}/user",
                     {"accountIds": [alice.id], "usernames": ["BOB@example.com"]}, agent)
    assert added.status_code == 204
    again = api.call("POST", f"{BASE}/organization/{org['id']}/user", {"accountIds": [alice.id], "usernames": []},
                     agent)
    assert again.status_code == 204
    assert sorted(e["data"]["accountId"] for e in outbox("organisation.member_added.v1")) == sorted([alice.id, bob.id])

    users = api.call("GET", f"{BASE}/organization/{org['id']}/user", token=agent).get_json()
    check(users, "PagedDTOUserDTO")
    assert [u["emailAddress"] for u in users["values"]] == ["alice@example.com", "bob@example.com"]

    listed = api.call("GET", f"{BASE}/organization", token=agent).get_json()
    check(listed, "PagedDTOOrganizationDTO")
    one = api.call("GET", f"{BASE}/organization/{org['id']}", token=agent).get_json()
    check(one, "OrganizationDTO")

    removed = api.call("DELETE", f"{BASE}/organization/{org['id']}/user", {"usernames": ["bob@example.com"]}, agent)
    assert removed.status_code == 204
    [event] = outbox("organisation.member_removed.v1")
    assert event["data"] == {"organizationId": org["id"], "accountId": bob.id}

    assert api.call("DELETE", f"{BASE}/organization/{org['id']}", token=agent).status_code == 204
    assert api.call("GET", f"{BASE}/organization/{org['id']}", token=agent).status_code == 404
    assert outbox("organisation.deleted.v1")[0]["data"]["organizationId"] == org["id"]


def test_customers_only_see_their_own_organisations(api):
    agent = api.token_for("agent@example.com", "admin")
    ids = [api.call("POST", f"{BASE}/organization", {"name": n}, agent).get_json()["id"] for n in ("One", "Two")]
    api.user("alice@example.com")
    api.call("POST", f"{BASE}/organization/{ids[0]}/user", {"usernames": ["alice@example.com"]}, agent)
    alice = api.login("alice@example.com")["access_token"]
    listed = api.call("GET", f"{BASE}/organization", token=alice).get_json()
    assert [o["name"] for o in listed["values"]] == ["One"]
    assert api.call("GET", f"{BASE}/organization/{ids[1]}", token=alice).status_code == 404
    assert api.call("POST", f"{BASE}/organization", {"name": "Mine"}, alice).status_code == 403
    assert api.call("GET", f"{BASE}/organization/{ids[0]}/user", token=alice).status_code == 403


def test_filtering_organisations_by_someone_elses_account_is_for_agents(api, check):
    agent = api.token_for("agent@example.com", "admin")
    org = api.call("POST", f"{BASE}/organization", {"name": "One"}, agent).get_json()["id"]
    bob = api.user("bob@example.com")
    api.call("POST", f"{BASE}/organization/{org}/user", {"accountIds": [bob.id]}, agent)
    alice = api.user("alice@example.com")
    token = api.login("alice@example.com")["access_token"]
    refused = api.call("GET", f"{BASE}/organization?accountId={bob.id}", token=token)
    assert refused.status_code == 403, refused.get_json()
    check(refused.get_json(), "ErrorResponse")
    assert api.call("GET", f"{BASE}/organization?accountId={alice.id}", token=token).status_code == 200
    by_agent = api.call("GET", f"{BASE}/organization?accountId={bob.id}", token=agent).get_json()
    assert [o["name"] for o in by_agent["values"]] == ["One"]


def test_jsm_operations_identity_does_not_serve_answer_501(api, check):
    agent = api.token_for("agent@example.com", "admin")
    org = api.call("POST", f"{BASE}/organization", {"name": "One"}, agent).get_json()["id"]
    unserved = api.call("GET", f"{BASE}/organization/{org}/property", token=agent)
    assert unserved.status_code == 501
    check(unserved.get_json(), "ErrorResponse")
    assert api.call("GET", f"{BASE}/organization/{org}/nothing", token=agent).status_code == 404


def test_organisation_errors_are_clear(api):
    agent = api.token_for("agent@example.com", "admin")
    assert api.call("POST", f"{BASE}/organization", {}, agent).status_code == 400
    api.call("POST", f"{BASE}/organization", {"name": "Acme"}, agent)
    assert api.call("POST", f"{BASE}/organization", {"name": "acme"}, agent).status_code == 409
    assert api.call("GET", f"{BASE}/organization/abc", token=agent).status_code == 404
    org_id = api.call("GET", f"{BASE}/organization", token=agent).get_json()["values"][0]["id"]
    unknown = api.call("POST", f"{BASE}/organization/{org_id}/user", {"usernames": ["ghost@example.com"]}, agent)
    assert unknown.status_code == 400 and "ghost@example.com" in unknown.get_json()["errorMessage"]


def test_unverified_sign_ups_cannot_join_organisations(api):
    agent = api.token_for("agent@example.com", "admin")
    api.call("POST", "/api/identity/signup", {"email": "claimer@example.com"})
    org_id = api.call("POST", f"{BASE}/organization", {"name": "Acme"}, agent).get_json()["id"]
    response = api.call("POST", f"{BASE}/organization/{org_id}/user", {"usernames": ["claimer@example.com"]}, agent)
    assert response.status_code == 400


def test_create_customer_accepts_display_name_or_full_name(api, check, outbox):
    agent = api.token_for("agent@example.com", "admin")
    created = api.call("POST", f"{BASE}/customer", {"displayName": "Fred F. User", "email": "fred@example.com"},
                       agent)
    assert created.status_code == 201
    check(created.get_json(), "UserDTO")
    assert created.get_json()["displayName"] == "Fred F. User"
    server_style = api.call("POST", f"{BASE}/customer", {"fullName": "Gina", "email": "gina@example.com"}, agent)
    assert server_style.status_code == 201 and server_style.get_json()["displayName"] == "Gina"
    assert {e["data"]["email"] for e in outbox("customer.invited.v1")} == {"fred@example.com", "gina@example.com"}

    duplicate = api.call("POST", f"{BASE}/customer", {"displayName": "Fred", "email": "fred@example.com"}, agent)
    assert duplicate.status_code == 400
    strict = api.call("POST", f"{BASE}/customer?strictConflictStatusCode=true",
                      {"displayName": "Fred", "email": "fred@example.com"}, agent)
    assert strict.status_code == 409
    assert api.call("POST", f"{BASE}/customer", {"email": "not an email"}, agent).status_code == 400
