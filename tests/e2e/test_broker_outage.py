"""Stopping the broker between an invitation and its delivery loses nothing and duplicates nothing."""
import time
import uuid

from common.testing import wait_for


def test_invitation_email_arrives_once_after_the_broker_returns(api, agent_headers, mailbox, broker_proxy):
    proxy, _url = broker_proxy
    email = f"outage-{uuid.uuid4().hex[:8]}@example.com"
    proxy.cut()
    try:
        response = api.post("/api/identity/invitations", json={"emails": [email]}, headers=agent_headers)
        assert response.status_code in (200, 201), response.text  # the outbox needs no broker
        time.sleep(3)
        assert mailbox.to(email) == []
    finally:
        proxy.restore()
    wait_for(lambda: mailbox.to(email), timeout=60, what="the invitation email after the broker came back")
    time.sleep(3)
    assert len(mailbox.to(email)) == 1
