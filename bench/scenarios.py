"""The HTTP scenarios of issue 8: who calls what, built from the seeded world and real logins."""
from __future__ import annotations

import base64
import json
from dataclasses import dataclass

import httpx
from sqlalchemy import text

from .load import Request
from .seed import DEMO_PASSWORD, World, customer_email

DESCRIPTION = ("The overnight audience file for the station arrived without the matched minutes; "
               "the dashboard shows zero listeners from 02:00 to 05:00 although the panel meters reported. ") * 6
DESCRIPTION = DESCRIPTION[:1024]  # the 1 KB description
INTAKE_CUSTOMERS = 8


@dataclass
class Caller:
    email: str
    bearer: dict[str, str]
    basic: dict[str, str] | None = None


def login(base: str, email: str, password: str = DEMO_PASSWORD) -> dict[str, str]:
    answer = httpx.post(f"{base}/api/identity/login", json={"email": email, "password": password}, timeout=30)
    answer.raise_for_status()
    return {"Authorization": f"Bearer {answer.json()['access_token']}"}


def api_token(base: str, bearer: dict[str, str], email: str) -> dict[str, str]:
    answer = httpx.post(f"{base}/api/identity/me/tokens", json={"label": "bench"}, headers=bearer, timeout=30)
    answer.raise_for_status()
    secret = answer.json()["token"]
    return {"Authorization": "Basic " + base64.b64encode(f"{email}:{secret}".encode()).decode()}


class Callers:
    """Logged-in accounts: the intake customers, the read personas and the agent."""

    def __init__(self, gateway: str):
        self.gateway = gateway
        self.intake: list[Caller] = []
        self.personas: dict[str, Caller] = {}

    def log_in(self, with_tokens: bool = True) -> "Callers":
        # Demo customers among them: the notifier knows them (identity's events), so the pipeline can
        # change their requests and expect emails.
        emails = ["alice@example.com", "bob@example.com", "dave@example.com"]
        emails += [customer_email(n) for n in range(2, 2 + INTAKE_CUSTOMERS - len(emails))]
        old = {c.email: c.basic for c in self.intake}
        self.intake = []
        for email in emails:
            bearer = login(self.gateway, email)
            basic = old.get(email) or (api_token(self.gateway, bearer, email) if with_tokens else None)
            self.intake.append(Caller(email, bearer, basic))
        for persona, email in (("reporter", customer_email(1)), ("member", "alice@example.com"),
                               ("little", "carol@example.com"), ("agent", "agent@example.com")):
            self.personas[persona] = Caller(email, login(self.gateway, email))
        return self


def _create_body(desk_id: int, request_type: int, n: int) -> str:
    return json.dumps({"serviceDeskId": str(desk_id), "requestTypeId": str(request_type),
                       "requestFieldValues": {"summary": f"Bench intake {n}: channel {n % 97} figures missing",
                                              "description": DESCRIPTION}})


def intake(world: World, callers: Callers, *, auth: str = "bearer", one_desk: bool = False,
           prefix: str = "/rest/servicedeskapi") -> list[Request]:
    """Create requests by every intake customer, over the three desks (or all on the first)."""
    desks = sorted(world.desks.values())[:1] if one_desk else sorted(world.desks.values())
    out = []
    for n in range(48):
        caller = callers.intake[n % len(callers.intake)]
        desk = desks[n % len(desks)]
        headers = {"Content-Type": "application/json", **(caller.basic if auth == "basic" else caller.bearer)}
        out.append(Request("POST", f"{prefix}/request", headers,
                           _create_body(desk, world.request_types[desk][n % len(world.request_types[desk])], n)))
    return out


def reference_intake() -> list[Request]:
    return [Request("POST", "/request", {"Content-Type": "application/json"}, _create_body(1 + n % 3, 1, n))
            for n in range(48)]


def reference_read(world: World) -> list[Request]:
    from .seed import CUSTOMER_ID
    return [Request("GET", f"/request?reporter={CUSTOMER_ID.format(1)}&limit=50", {})]


def expandable_key(tickets_engine, world: World) -> str:
    """A ticket of the reporter persona with a public comment (so every expand has something to show)."""
    from .seed import CUSTOMER_ID
    with tickets_engine.connect() as conn:
        return conn.execute(text(
            "SELECT t.key FROM tickets t JOIN comments c ON c.ticket_id = t.id WHERE t.reporter_id = :r "
            "ORDER BY t.id DESC LIMIT 1"), {"r": CUSTOMER_ID.format(1)}).scalar_one()


def reads(world: World, callers: Callers, key: str) -> dict[str, list[Request]]:
    """Read scenario name -> requests."""
    p = callers.personas
    am = world.desks["AM"]
    queues = ("unassigned", "mine", "waiting", "open", "all")
    return {
        "my_requests_reporter": [Request("GET", "/rest/servicedeskapi/request?limit=50", p["reporter"].bearer)],
        "my_requests_org_member": [Request("GET", "/rest/servicedeskapi/request?limit=50", p["member"].bearer)],
        "my_requests_sees_little": [Request("GET", "/rest/servicedeskapi/request?limit=50", p["little"].bearer)],
        "search": [Request("GET", "/rest/servicedeskapi/request?limit=50&searchTerm=channel%2042", p["member"].bearer)],
        "agent_queue_open": [Request("GET", f"/api/tickets/queues?serviceDeskId={am}&queue=open&limit=50",
                                     p["agent"].bearer)],
        "agent_queue_counts": [Request("GET", f"/api/tickets/queues?serviceDeskId={am}&queue={q}&limit=100",
                                       p["agent"].bearer) for q in queues],
        "request_expanded": [Request("GET", f"/rest/servicedeskapi/request/{key}?expand=status,comment,action",
                                     p["reporter"].bearer)],
        "list_expanded": [Request("GET", "/rest/servicedeskapi/request?limit=50&expand=status,comment,action",
                                  p["member"].bearer)],
    }


def statements(base: str, requests: list[Request]) -> int | None:
    """SQL statements the first request runs in the tickets service (the X-SQL-Statements header)."""
    req = requests[0]
    answer = httpx.request(req.method, f"{base}{req.path}", headers=req.headers, content=req.body, timeout=30)
    if answer.status_code >= 400:
        raise RuntimeError(f"{req.method} {req.path} answered {answer.status_code}: {answer.text[:300]}")
    value = answer.headers.get("X-SQL-Statements")
    return int(value) if value is not None else None


def warm_up(base: str, requests: list[Request], count: int = 3) -> None:
    """A few requests before the timed run: first-use costs (pools, the Basic exchange) stay out of it."""
    with httpx.Client(base_url=base, timeout=60) as client:
        for req in requests[:count]:
            client.request(req.method, req.path, headers=req.headers, content=req.body)
