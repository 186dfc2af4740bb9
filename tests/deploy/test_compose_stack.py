"""docker-compose.yml brought up for real from the built images, on the host network.

Every image is built by scripts/images.py (sizes checked against their bounds); the whole compose
file comes up with docker-compose.host.yml on free ports; the seed's flow is walked through the
gateway with the emails read from the stack's own SMTP sink; a tickets API and a notifier container
are stopped and started again and the flow still works; the metrics moved; `down -v` leaves
nothing behind. The tests run in file order and share one stack.
"""
from __future__ import annotations

import re
import subprocess
import time
import uuid
from email import message_from_string, policy

import httpx
import pytest

from containers import ComposeProject, MailSink, build_images, docker_available, wait_for

AGENT = ("agent@example.com", "agent-password-compose-1")
pytestmark = pytest.mark.skipif(docker_available() is not None, reason=str(docker_available()))


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    build_images()
    stack = ComposeProject(tmp_path_factory.mktemp("compose"))
    try:
        stack.seconds_up = stack.up()
        stack.bootstrap(*AGENT)
        yield stack
    finally:
        stack.down()


@pytest.fixture(scope="module")
def api(project):
    with httpx.Client(base_url=project.gateway, timeout=30) as client:
        yield client


def login(api, email, password) -> dict:
    response = api.post("/api/identity/login", json={"email": email, "password": password})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def body(raw: str) -> str:
    msg = message_from_string(raw, policy=policy.default)
    part = msg.get_body(preferencelist=("plain", "html"))
    return part.get_content() if part is not None else ""


def walk_the_flow(api, sink: MailSink) -> str:
    """Agent invites a customer ... the customer gets the status email; returns the request key."""
    agent = login(api, *AGENT)
    email = f"customer-{uuid.uuid4().hex[:8]}@example.com"
    invited = api.post("/api/identity/invitations", json={"emails": [email]}, headers=agent)
    assert invited.status_code in (200, 201), invited.text

    invitation = wait_for(lambda: sink.to(email), what=f"the invitation email to {email}")[0]
    token = re.search(r"[?&]token=([A-Za-z0-9_\-.~%]+)", body(invitation)).group(1)
    accepted = api.post("/api/identity/invitations/accept",
                        json={"token": token, "password": "a-long-secret-phrase-42", "displayName": "Cleo"})
    assert accepted.status_code in (200, 201), accepted.text
    customer = login(api, email, "a-long-secret-phrase-42")

    desks = api.get("/rest/servicedeskapi/servicedesk", headers=customer).json()["values"]
    am = next(d for d in desks if d["projectKey"] == "AM")
    types = api.get(f"/rest/servicedeskapi/servicedesk/{am['id']}/requesttype", headers=customer).json()["values"]
    incident = next(t for t in types if t["name"] == "Incident")
    created = api.post("/rest/servicedeskapi/request", headers=customer, json={
        "serviceDeskId": am["id"], "requestTypeId": incident["id"],
        "requestFieldValues": {"summary": "Audio matching stopped at 02:00", "description": "No matches since."},
    })
    assert created.status_code == 201, created.text
    key = created.json()["issueKey"]

    reply = api.post(f"/rest/servicedeskapi/request/{key}/comment", headers=agent,
                     json={"body": "We are looking at it; which station?", "public": True})
    assert reply.status_code == 201, reply.text
    status = api.get(f"/rest/servicedeskapi/request/{key}/status", headers=customer).json()
    assert status["values"][0]["status"] == "Waiting for customer"
    mails = wait_for(lambda: [m for m in sink.to(email, key) if "Waiting for customer" in m],
                     what=f"the status email about {key}")
    assert f"/portal/requests/{key}" in body(mails[0])
    return key


def test_every_image_is_built_within_its_size_bound():
    for image, size, seconds in build_images():
        print(f"{image.tag}: {size / 2**20:.1f} MiB (bound {image.max_mib} MiB), {seconds:.1f}s")
        assert size <= image.max_mib * 2**20, (image.tag, size)


def test_the_whole_stack_comes_up_healthy(project):
    print(f"compose up --wait: {project.seconds_up:.1f}s")
    states = subprocess.run(["docker", "ps", "-a", "--format", "{{.Label \"com.docker.compose.service\"}} {{.Status}}",
                             "--filter", f"label=com.docker.compose.project={project.name}"],
                            capture_output=True, text=True).stdout.splitlines()
    services = dict(line.split(" ", 1) for line in states)
    for name, status in services.items():
        if name.endswith("-migrate"):
            assert status.startswith("Exited (0)"), (name, status)
        else:
            assert "(healthy)" in status, (name, status)
    assert {"identity-api", "identity-worker", "tickets-api", "notifier-worker", "gateway"} <= set(services)
    assert httpx.get(f"{project.gateway}/readyz", timeout=5).status_code == 200


def test_the_seed_flow_runs_through_the_gateway(project, api):
    walk_the_flow(api, MailSink(project.mailpit))


def test_the_counters_moved_during_the_flow(project):
    scrapes = {
        "gateway": project.ports["GATEWAY"], "identity-api": project.ports["IDENTITY"],
        "tickets-api": project.ports["TICKETS"], "tickets-relay": project.ports["TICKETS_RELAY_METRICS"],
        "identity-relay": project.ports["IDENTITY_RELAY_METRICS"],
        "notifier-worker": project.ports["NOTIFIER_METRICS"],
    }
    text = {name: httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=5).text for name, port in scrapes.items()}

    def total(name: str, metric: str, **labels) -> float:
        found = 0.0
        for line in text[name].splitlines():
            if line.startswith(metric + "{") and all(f'{k}="{v}"' in line for k, v in labels.items()):
                found += float(line.rsplit(" ", 1)[1])
        return found

    assert total("gateway", "servicedesk_http_requests_total", method="POST", status="201") >= 2
    assert total("tickets-api", "servicedesk_http_requests_total", route="/rest/servicedeskapi/request") >= 1
    assert total("identity-api", "servicedesk_http_request_duration_seconds_count") >= 2
    assert total("tickets-relay", "servicedesk_outbox_published_total") >= 2
    assert total("identity-relay", "servicedesk_outbox_published_total") >= 1
    assert total("notifier-worker", "servicedesk_emails_total", outcome="sent") >= 2
    assert total("notifier-worker", "servicedesk_consumer_messages_total", outcome="processed") >= 2
    assert "servicedesk_outbox_pending_events" in text["tickets-relay"]


def test_the_flow_survives_a_restart_of_a_tickets_api_and_a_notifier(project, api):
    project.run("stop", "tickets-api", "notifier-worker")
    assert httpx.get(f"{project.gateway}/readyz", timeout=5).status_code == 503
    project.run("start", "tickets-api", "notifier-worker")
    wait_for(lambda: httpx.get(f"{project.gateway}/readyz", timeout=5).status_code == 200, timeout=90,
             what="the gateway to be ready again")
    project.run("up", "-d", "--no-build", "--wait", "--wait-timeout", "120", "tickets-api", "notifier-worker")
    walk_the_flow(api, MailSink(project.mailpit))


def test_compose_down_removes_every_container_and_volume(project):
    assert project.volumes(), "the stack had its database volume"
    project.down()
    deadline = time.monotonic() + 30
    while (project.containers() or project.volumes()) and time.monotonic() < deadline:
        time.sleep(1)
    assert project.containers() == []
    assert project.volumes() == []
