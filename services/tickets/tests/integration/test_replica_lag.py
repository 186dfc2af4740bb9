"""References to accounts and organisations identity has just created are waited for, briefly."""
import threading
import time
import uuid

from common.db import transaction
from tickets.domain.catalog import Account
from tickets.store.accounts import AccountRepository


def arrive_later(app, delay, account=None, org=None, created_by=None):
    """Put an account or organisation into the replica after ``delay`` seconds, as the worker would."""

    def insert():
        time.sleep(delay)
        with transaction(app.extensions["tickets.session_factory"]) as session:
            repo = AccountRepository(session)
            if account is not None:
                repo.upsert(account)
            if org is not None:
                repo.save_organization(org, f"Org {org}", created_by=created_by)

    thread = threading.Thread(target=insert)
    thread.start()
    return thread


def test_a_participant_arriving_during_the_request_is_accepted(api, app, person):
    alice = person()
    agent = person(role="agent")
    key = api.create(alice).json["issueKey"]
    newcomer = Account(str(uuid.uuid4()), f"new-{uuid.uuid4().hex[:6]}@example.com", "New", "en", "customer", True)
    thread = arrive_later(app, 0.3, account=newcomer)

    response = api.post(f"/rest/servicedeskapi/request/{key}/participant", agent, {"accountIds": [newcomer.id]})
    thread.join()

    assert response.status_code == 200, response.json
    assert newcomer.id in {p["accountId"] for p in response.json["values"]}


def test_an_organisation_arriving_during_the_request_can_be_linked(api, app, person):
    agent = person(role="agent")
    thread = arrive_later(app, 0.3, org=98765, created_by=agent.id)

    response = api.post("/rest/servicedeskapi/servicedesk/1/organization", agent, {"organizationId": 98765})
    thread.join()

    assert response.status_code == 204, response.json


def test_a_reference_that_never_arrives_is_still_refused_naming_it(api, person):
    alice = person()
    key = api.create(alice).json["issueKey"]
    started = time.monotonic()

    response = api.post(f"/rest/servicedeskapi/request/{key}/participant", alice, {"accountIds": ["nobody-at-all"]})

    assert response.status_code == 400 and "nobody-at-all" in response.json["errorMessage"]
    assert time.monotonic() - started < 5
