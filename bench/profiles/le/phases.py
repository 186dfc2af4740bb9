"""(``tr4/phases.py`` on the database ``LE_DB``, with ``expand`` timed too.)

Where a read's CPU goes, without a profiler's distortion: ``time.process_time`` around a few functions.

Replays one scenario of ``readfast2_inproc.py`` (its snapshot database, restored already: run that script
once with ``--reuse`` off) through Flask's test client; each wrapped function's inclusive CPU per request,
the least over ``--blocks`` blocks. ``.venv/bin/python bench/profiles/tr4/phases.py SCENARIO [--tree DIR]``
(``--tree``: another checkout's code, e.g. a ``git archive`` of the branch point).
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

parser = argparse.ArgumentParser()
parser.add_argument("scenario")
parser.add_argument("--tree", type=Path, default=Path(__file__).resolve().parents[3])
parser.add_argument("--requests", type=int, default=50)
parser.add_argument("--blocks", type=int, default=10)
args = parser.parse_args()
ROOT = args.tree.resolve()
sys.path[:0] = [str(ROOT), str(ROOT / "services/tickets"), str(ROOT / "libs/common")]

from urllib.parse import urlsplit, urlunsplit  # noqa: E402

server = os.environ.get("DATABASE_URL", "postgresql://postgres@127.0.0.1:5433/postgres")
parts = urlsplit(server)
url = urlunsplit((parts.scheme, parts.netloc, "/" + os.environ.get("LE_DB", "le_inproc_tickets"), "", ""))

from sqlalchemy import create_engine, text  # noqa: E402

from bench.seed import CUSTOMER_ID, customer_email  # noqa: E402
from common import db as common_db  # noqa: E402
from common.testing import TokenFactory  # noqa: E402
from tickets.api import dto  # noqa: E402
from tickets.app import create_app  # noqa: E402
from tickets.settings import Settings  # noqa: E402
from tickets.store import accounts as store_accounts, tickets as store_tickets, uow as store_uow  # noqa: E402

spent: dict[str, float] = {}


def timed(owner, name, label=None):
    inner = getattr(owner, name)
    label = label or name
    static = isinstance(owner, type) and isinstance(owner.__dict__.get(name), staticmethod)

    def wrapper(*a, **k):
        began = time.process_time()
        try:
            return inner(*a, **k)
        finally:
            spent[label] = spent.get(label, 0.0) + time.process_time() - began
    setattr(owner, name, staticmethod(wrapper) if static else wrapper)


tokens = TokenFactory()
keys = tempfile.mkdtemp(prefix="tr4key-")
key = Path(keys) / "public.pem"
key.write_bytes(tokens.issuer.public_pem)
app = create_app(Settings(database_url=url, jwt_public_key_file=str(key), public_url="http://portal.test"))
engine = create_engine(url)
with engine.connect() as conn:
    people = dict(conn.execute(text("SELECT email, id FROM accounts")).all())
    am = conn.execute(text("SELECT id FROM service_desks WHERE key = 'AM'")).scalar_one()
    key_ref = conn.execute(text(
        "SELECT t.key FROM tickets t JOIN comments c ON c.ticket_id = t.id WHERE t.reporter_id = :r "
        "ORDER BY t.id DESC LIMIT 1"), {"r": CUSTOMER_ID.format(1)}).scalar_one()
engine.dispose()


def bearer(email, role="customer"):
    return {"Authorization": "Bearer " + tokens.mint(people[email], email=email, role=role)}


reporter, member = bearer(customer_email(1)), bearer("alice@example.com")
little, agent = bearer("carol@example.com"), bearer("agent@example.com", "agent")
queues = ("unassigned", "mine", "waiting", "open", "all")
scenarios = {
    "my_requests_reporter": [("/rest/servicedeskapi/request?limit=50", reporter)],
    "my_requests_org_member": [("/rest/servicedeskapi/request?limit=50", member)],
    "my_requests_sees_little": [("/rest/servicedeskapi/request?limit=50", little)],
    "search": [("/rest/servicedeskapi/request?limit=50&searchTerm=channel%2042", member)],
    "agent_queue_open": [(f"/api/tickets/queues?serviceDeskId={am}&queue=open&limit=50", agent)],
    "agent_queue_counts": [(f"/api/tickets/queues?serviceDeskId={am}&queue={q}&limit=100", agent) for q in queues],
    "request_expanded": [(f"/rest/servicedeskapi/request/{key_ref}?expand=status,comment,action", reporter)],
    "list_expanded": [("/rest/servicedeskapi/request?limit=50&expand=status,comment,action", member)],
}
reqs = scenarios[args.scenario]
client = app.test_client()
for _ in range(10):
    for path, headers in reqs:
        assert client.get(path, headers=headers).status_code == 200

timed(store_uow.UnitOfWork, "__enter__", "uow enter (with caller check)")
timed(store_uow.UnitOfWork, "__exit__", "uow exit")
timed(store_uow, "_outside_transactions", "  autocommit connection")
timed(store_tickets.TicketRepository, "page", "page")
timed(store_tickets.TicketRepository, "expansions", "expansions")
timed(store_tickets.TicketRepository, "_load", "  _load")
timed(common_db.Prepared, "run", "Prepared.run (all)")
timed(store_tickets.TicketRepository, "_known", "  _known")
timed(store_tickets.TicketRepository, "_collect", "  _collect")
timed(store_tickets.TicketRepository, "_request_types", "  _request_types")
timed(store_tickets.TicketRepository, "_related", "  _related")
import psycopg.cursor  # noqa: E402
timed(psycopg.cursor.Cursor, "execute", "  psycopg execute")
timed(psycopg.cursor.Cursor, "fetchall", "  psycopg fetchall")
from tickets.services import requests as svc_requests  # noqa: E402
from tickets.api import requests as api_requests, console as api_console  # noqa: E402
from common import auth as common_auth  # noqa: E402
timed(svc_requests, "page_views", "page_views")
timed(svc_requests, "expand", "expand (services)")
timed(api_requests, "caller", "authenticate (JWT)")
timed(api_console, "caller", "authenticate (JWT) ")
timed(app, "preprocess_request", "before_request hooks")
timed(app, "process_response", "after_request hooks")
timed(dto, "customer_requests_json", "answer json")
timed(dto, "_expanded_json", "  expansions json")
timed(dto.Shared, "fields_json", "  fields json")
from tickets.services import common as svc_common  # noqa: E402
timed(svc_common, "views", "  views")
from tickets.api import encoding as api_encoding  # noqa: E402
timed(api_requests, "with_values", "envelope json")
timed(api_requests, "text_response", "text_response")
timed(api_requests, "request_filter", "request_filter")
timed(app, "full_dispatch_request", "flask dispatch")
timed(app, "wsgi_app", "wsgi_app")
# check_caller is bound into the app's unit of work factory: its repository call is what is timed.
timed(store_accounts.AccountRepository, "with_organizations", "  caller statement")

best: dict[str, float] = {}
whole = []
for _ in range(args.blocks):
    spent.clear()
    began = time.process_time()
    for n in range(args.requests):
        path, headers = reqs[n % len(reqs)]
        client.get(path, headers=headers)
    whole.append((time.process_time() - began) / args.requests * 1000)
    for k, v in spent.items():
        best[k] = min(best.get(k, 1e9), v / args.requests * 1000)
print(f"{args.scenario}: whole request {min(whole):.3f} ms (least of {args.blocks} blocks of {args.requests})")
for k, v in best.items():
    print(f"  {k:34s} {v:.3f}")
app.extensions["tickets.engine"].dispose()
