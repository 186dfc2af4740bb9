"""Native organisation endpoints used by the agent console, and Redis-backed rate limits."""
import os
import uuid

import pytest

from common.errors import TooManyRequests
from common.testing import unavailable
from identity.ratelimit import RateLimiter, RedisCounters


def test_agents_rename_organisations_and_manage_members_by_email(api, outbox):
    agent = api.token_for("agent@example.com", "agent")
    alice = api.user("alice@example.com")
    org = api.call("POST", "/api/identity/organisations", {"name": "Acme"}, agent).get_json()
    renamed = api.call("PATCH", f"/api/identity/organisations/{org['id']}", {"name": "Acme Media"}, agent)
    assert renamed.status_code == 200 and renamed.get_json()["name"] == "Acme Media"
    assert outbox("organisation.renamed.v1")[0]["data"] == {"organizationId": org["id"], "name": "Acme Media"}
    assert api.call("POST", f"/api/identity/organisations/{org['id']}/members", {"emails": ["alice@example.com"]},
                    agent).status_code == 204
    members = api.call("GET", f"/api/identity/organisations/{org['id']}/members", token=agent).get_json()
    assert [m["accountId"] for m in members["values"]] == [alice.id]
    me = api.call("GET", "/api/identity/me", token=api.login("alice@example.com")["access_token"]).get_json()
    assert me["organizationIds"] == [org["id"]]
    assert api.call("DELETE", f"/api/identity/organisations/{org['id']}/members", {"accountIds": [alice.id]},
                    agent).status_code == 204
    assert outbox("organisation.member_removed.v1")[0]["data"]["accountId"] == alice.id


@pytest.fixture
def redis_url():
    url = os.environ.get("TEST_REDIS_URL") or os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0"
    counters = RedisCounters(url)
    try:
        counters.ping()
    except Exception as exc:
        unavailable(f"Redis at {url} does not answer: {exc}")
    return url


def test_redis_counters_limit_across_processes(redis_url):
    key = uuid.uuid4().hex
    first = RateLimiter(RedisCounters(redis_url, prefix=f"test:{key}:"), window=30, address_limit=100)
    second = RateLimiter(RedisCounters(redis_url, prefix=f"test:{key}:"), window=30, address_limit=100)
    first.hit("forgot", "a@example.com", None, 2)
    second.hit("forgot", "a@example.com", None, 2)
    with pytest.raises(TooManyRequests) as exc:
        first.hit("forgot", "A@example.com", None, 2)
    assert 1 <= exc.value.retry_after <= 30
