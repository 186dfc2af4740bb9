"""An independent AMQP client (pika) subscribes to the stack's exchanges and checks what it gets:
CloudEvents 1.0 structured JSON, a versioned type with a registered payload schema, persistent."""
import json
import time
import uuid

import pika
import pytest

from common.contracts import validate_payload
from common.events import CloudEvent, validate
from common.testing import amqp_server_url
from common.testing import wait_for


@pytest.fixture
def subscriber(stack):
    url = amqp_server_url()
    # kombu writes the default vhost as "//"; pika wants it percent-encoded.
    if url.endswith("//"):
        url = url[:-1] + "%2F"
    params = pika.URLParameters(url)
    connection = pika.BlockingConnection(params)
    channel = connection.channel()
    queue = channel.queue_declare(queue="", exclusive=True).method.queue
    prefix = stack.env["BUS_PREFIX"]
    for exchange in ("identity.events", "tickets.events"):
        channel.queue_bind(queue=queue, exchange=f"{prefix}{exchange}", routing_key="#")
    received = []

    def drain():
        while True:
            method, properties, body = channel.basic_get(queue, auto_ack=True)
            if method is None:
                return received
            received.append((method, properties, body))

    yield drain
    connection.close()


def test_published_events_are_cloudevents_with_registered_schemas(api, agent_headers, subscriber):
    email = f"contract-{uuid.uuid4().hex[:8]}@example.com"
    response = api.post("/api/identity/invitations", json={"emails": [email]}, headers=agent_headers)
    assert response.status_code in (200, 201), response.text

    def invited():
        return [m for m in subscriber() if m[0].routing_key == "customer.invited.v1"]

    wait_for(invited, what="customer.invited.v1 on the identity exchange")
    time.sleep(0.5)
    messages = subscriber()
    assert messages
    for method, properties, body in messages:
        assert properties.content_type == "application/cloudevents+json"
        assert properties.delivery_mode == 2
        envelope = json.loads(body)
        validate(envelope)
        event = CloudEvent.from_dict(envelope)
        assert method.routing_key == event.routing_key
        assert properties.message_id == event.id
        validate_payload(event)
        assert not any("password" in key.lower() or "hash" in key.lower() for key in event.data)
    invited_event = CloudEvent.from_dict(json.loads(invited()[0][2]))
    assert invited_event.data["email"] == email
    assert invited_event.source == "/servicedesk/identity"


def test_an_internal_attachment_reaches_agents_only_and_events_never_carry_files(api, agent_headers, mailbox,
                                                                                 subscriber):
    from conftest import new_customer

    _email, customer = new_customer(api, agent_headers, mailbox, "files")
    created = api.post("/rest/servicedeskapi/request", headers=customer, json={
        "serviceDeskId": "1", "requestTypeId": "1", "requestFieldValues": {"summary": "Files on the bus"}})
    key = created.json()["issueKey"]
    uploaded = api.post("/rest/servicedeskapi/servicedesk/1/attachTemporaryFile",
                        headers={**agent_headers, "X-Atlassian-Token": "no-check"},
                        files={"file": ("analysis.txt", b"agents only: the secret cause", "text/plain")})
    assert uploaded.status_code == 201, uploaded.text
    ids = [t["temporaryAttachmentId"] for t in uploaded.json()["temporaryAttachments"]]
    attached = api.post(f"/rest/servicedeskapi/request/{key}/attachment", headers=agent_headers,
                        json={"temporaryAttachmentIds": ids, "public": False,
                              "additionalComment": {"body": "internal analysis"}})
    assert attached.status_code == 201, attached.text

    def added():
        return [CloudEvent.from_dict(json.loads(body)) for method, _p, body in subscriber()
                if method.routing_key == "ticket.attachment_added.v1"]

    event = next(e for e in wait_for(added, what="ticket.attachment_added.v1") if e.subject == key)
    validate_payload(event)
    assert event.data["public"] is False and event.data["audience"]["customers"] == []
    assert [a["filename"] for a in event.data["attachments"]] == ["analysis.txt"]
    assert "secret cause" not in json.dumps(event.data)
