"""(``tr/write_ab.py`` on ``inproc.py``'s database, ``LE_DB``.)

The CPU of writing a list's answer alone, another copy of ``tickets/api/dto.py`` (``--before``, say
one from ``git archive``) against this tree's, on the same read models, alternating blocks in one process.

Runs after ``readfast2_inproc.py`` left its seeded copy (``rf2inproc_tickets`` on ``DATABASE_URL``'s
server). One request of each list scenario goes through the app to capture its page's ``RequestView``s;
then, in that request's context, ``text_response(with_values(paged(customer_requests_json(...))))`` is
timed with each module, the bytes checked equal. Prints CPU ms per answer, least of ``--blocks``.

``.venv/bin/python bench/profiles/tr/write_ab.py --before /tmp/x/services/tickets/tickets/api/dto.py``
"""
from __future__ import annotations

import argparse
import importlib.util
import os
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[3]
sys.path[:0] = [str(ROOT), str(ROOT / "services/tickets"), str(ROOT / "libs/common")]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--before", type=Path, required=True)
    parser.add_argument("--blocks", type=int, default=15)
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()
    server = os.environ.get("DATABASE_URL", "postgresql://postgres@127.0.0.1:5433/postgres")
    parts = urlsplit(server)
    url = urlunsplit((parts.scheme, parts.netloc, "/" + os.environ.get("LE_DB", "le_inproc_tickets"), "", ""))

    from sqlalchemy import create_engine, text

    from common.jsm import paged
    from common.testing import TokenFactory
    from tickets.api import console, dto, requests as requests_api
    from tickets.api.encoding import fast_encoder, text_response, with_values
    from tickets.app import create_app
    from tickets.settings import Settings

    spec = importlib.util.spec_from_file_location("tickets.api._dto_before", args.before)
    before = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(before)
    tokens = TokenFactory()
    with tempfile.TemporaryDirectory(prefix="writeab-") as keys:
        key = Path(keys) / "public.pem"
        key.write_bytes(tokens.issuer.public_pem)
        app = create_app(Settings(database_url=url, jwt_public_key_file=str(key), public_url="http://portal.test"))
        engine = create_engine(url)
        with engine.connect() as conn:
            people = dict(conn.execute(text("SELECT email, id FROM accounts")).all())
            am = conn.execute(text("SELECT id FROM service_desks WHERE key = 'AM'")).scalar_one()
        engine.dispose()

        def bearer(email, role="customer"):
            return {"Authorization": "Bearer " + tokens.mint(people[email], email=email, role=role)}

        member, agent = bearer("alice@example.com"), bearer("agent@example.com", "agent")
        reporter = bearer("bench-customer-0001@example.com")
        scenarios = {
            "my_requests_reporter": ("/rest/servicedeskapi/request?limit=50", reporter, None),
            "my_requests_org_member": ("/rest/servicedeskapi/request?limit=50", member, None),
            "search": ("/rest/servicedeskapi/request?limit=50&searchTerm=channel%2042", member, None),
            "agent_queue_open": (f"/api/tickets/queues?serviceDeskId={am}&queue=open&limit=50", agent, "total"),
            "agent_queue_all_100": (f"/api/tickets/queues?serviceDeskId={am}&queue=all&limit=100", agent, "total"),
            "list_expanded": ("/rest/servicedeskapi/request?limit=50&expand=status,comment,action", member, None),
        }
        captured = {}
        real_list, real_queue = requests_api.svc.list_requests, console.requests_svc.queue

        def list_requests(uow, principal, filter_, start, limit, wanted):
            captured["found"] = found = real_list(uow, principal, filter_, start, limit, wanted)
            return found

        def queue(uow, principal, filter_, start, limit):
            captured["found"] = found = real_queue(uow, principal, filter_, start, limit)
            return found

        requests_api.svc.list_requests, console.requests_svc.queue = list_requests, queue
        client = app.test_client()
        for name, (path, headers, total) in scenarios.items():
            answer = client.get(path, headers=headers)
            assert answer.status_code == 200, (name, answer.status_code)
            found = captured.pop("found")
            views, last = found[0], found[1]
            after = {"total": found[2]} if total else None
            with app.test_request_context(path, headers=headers):
                wanted = requests_api.expands()
                start, limit = requests_api.paging()
                encoder = fast_encoder(app)

                def write(module):
                    page = paged(module.customer_requests_json(views, wanted, encoder), start, limit, last)
                    return text_response(app, with_values(encoder, page, after)).get_data()

                assert write(before) == write(dto) == answer.get_data(), name
                best = {"before": 1e9, "now": 1e9}
                for _block in range(args.blocks):
                    for label, module in (("before", before), ("now", dto)):
                        began = time.process_time()
                        for _ in range(args.rounds):
                            write(module)
                        best[label] = min(best[label], (time.process_time() - began) / args.rounds * 1000)
            print(f"{name:24s} {len(answer.get_data()):7d} bytes  before {best['before']:.3f}  now {best['now']:.3f}"
                  f"  now/before {best['now'] / best['before']:.2f}", flush=True)
        app.extensions["tickets.engine"].dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
