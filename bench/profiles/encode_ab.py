"""The CPU of writing a list's answer alone: Flask's way against the tickets API's, on the same read models.

Runs after ``readfast2_inproc.py`` left its seeded copy (``rf2inproc_tickets`` on ``DATABASE_URL``'s
server, ``--reuse`` it): one request of each list scenario goes through the app to capture what its view
is given (the page's ``RequestView``s), then, in the same request context and alternating blocks,
times building and encoding its answer

- ``flask``: ``DefaultJSONProvider.response(paged(dto.customer_requests(...)))``, the views' former path;
- ``app``: ``text_response(with_values(paged(dto.customer_requests_json(...))))``, the views' path now;

and checks both give the same bytes. Prints CPU ms per answer (least of ``--blocks``) and app/flask, and
the CPU of building the former path's dicts alone (so ``flask`` minus it is Flask's encoding).
``ENCODE_AB_PROFILE=<scenario>`` prints a cProfile of 50 answers written the app's way.

``.venv/bin/python bench/profiles/encode_ab.py [--blocks 9] [--rounds 20]``
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT), str(ROOT / "services/tickets"), str(ROOT / "libs/common")]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--blocks", type=int, default=9)
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()
    server = os.environ.get("DATABASE_URL", "postgresql://postgres@127.0.0.1:5433/postgres")
    parts = urlsplit(server)
    url = urlunsplit((parts.scheme, parts.netloc, "/rf2inproc_tickets", "", ""))

    from flask.json.provider import DefaultJSONProvider
    from sqlalchemy import create_engine, text

    from common.jsm import paged
    from common.testing import TokenFactory
    from tickets.api import console, dto, requests as requests_api
    from tickets.api.encoding import fast_encoder, text_response, with_values
    from tickets.app import create_app
    from tickets.settings import Settings

    tokens = TokenFactory()
    with tempfile.TemporaryDirectory(prefix="encab-") as keys:
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
        flask_json = DefaultJSONProvider(app)
        flask_json.sort_keys = app.json.sort_keys
        client = app.test_client()
        for name, (path, headers, total) in scenarios.items():
            answer = client.get(path, headers=headers)
            assert answer.status_code == 200, (name, answer.status_code)
            found = captured.pop("found")
            views, last = found[0], found[1]
            after = {"total": found[2]} if total else None
            with app.test_request_context(path, headers=headers):
                wanted = requests_api.expands()
                start, limit = 0, len(views) or 1
                start, limit = requests_api.paging()
                encoder = fast_encoder(app)  # an encode function

                def former():
                    page = paged(dto.customer_requests(views, wanted), start, limit, last)
                    return flask_json.response({**page, **after} if after else page)

                def now():
                    page = paged(dto.customer_requests_json(views, wanted, encoder), start, limit, last)
                    return text_response(app, with_values(encoder, page, after))

                if os.environ.get("ENCODE_AB_PROFILE") == name:
                    import cProfile
                    import pstats
                    prof = cProfile.Profile(time.process_time)
                    prof.enable()
                    for _ in range(50):
                        now()
                    prof.disable()
                    pstats.Stats(prof).sort_stats("tottime").print_stats(14)
                def built():
                    page = paged(dto.customer_requests(views, wanted), start, limit, last)
                    return {**page, **after} if after else page

                same = former().get_data() == now().get_data() == answer.data
                best = {"flask": float("inf"), "app": float("inf"), "build": float("inf")}
                for _block in range(args.blocks):
                    for label, write in (("flask", former), ("app", now), ("build", built)):
                        began = time.process_time()
                        for _ in range(args.rounds):
                            write()
                        best[label] = min(best[label], (time.process_time() - began) / args.rounds * 1000)
            print(f"{name:24s} {len(answer.data):7d} bytes  flask {best['flask']:.3f} ms  app {best['app']:.3f} ms"
                  f"  app/flask {best['app'] / best['flask']:.2f}  {'same bytes' if same else 'BYTES DIFFER'}"
                  f"  (the dicts alone {best['build']:.3f} ms)",
                  flush=True)
        app.extensions["tickets.engine"].dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
