"""``tr/pg_cpu.py`` with the reads of this work: PostgreSQL backend CPU per request, the statements one
request runs (captured through the app) replayed 5x100 times on one prepared connection, the backend's
utime+stime from /proc (10 ms ticks: about +-0.1 ms per request).

``.venv/bin/python bench/profiles/tr4/pg_cpu.py <tree root>`` (a tree from git archive, or this one)."""
import sys, tempfile, time, os
from pathlib import Path
ROOT = Path(sys.argv[1])
sys.path[:0] = [str(ROOT), str(ROOT / "services/tickets"), str(ROOT / "libs/common")]
from sqlalchemy import create_engine, text, event
from common.testing import TokenFactory
from tickets.app import create_app
from tickets.settings import Settings
import psycopg
url = "postgresql://postgres@127.0.0.1:5433/rf2inproc_tickets"
tokens = TokenFactory()
keys = tempfile.mkdtemp(); key = Path(keys) / "public.pem"; key.write_bytes(tokens.issuer.public_pem)
app = create_app(Settings(database_url=url, jwt_public_key_file=str(key), public_url="http://portal.test"))
e = create_engine(url)
with e.connect() as c:
    people = dict(c.execute(text("SELECT email, id FROM accounts")).all())
    am = c.execute(text("SELECT id FROM service_desks WHERE key = 'AM'")).scalar_one()
got = []
event.listen(app.extensions["tickets.engine"], "before_cursor_execute", lambda conn, cur, st, params, ctx, many: got.append((st, params)))
client = app.test_client()
def cpu(pid):
    f = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(f[11]) + int(f[12])) / os.sysconf("SC_CLK_TCK")
queues = [(f"/api/tickets/queues?serviceDeskId={am}&queue={q}&limit=100", "agent@example.com", "agent")
          for q in ("unassigned", "mine", "waiting", "open", "all")]
for path, who, role in [*queues, ("/rest/servicedeskapi/request?limit=50&expand=status,comment,action",
                                  "alice@example.com", "customer"),
                        ("/rest/servicedeskapi/request?limit=50", "alice@example.com", "customer"),
                        ("/rest/servicedeskapi/request?limit=50&searchTerm=channel%2042", "alice@example.com", "customer"),
                        (f"/api/tickets/queues?serviceDeskId={am}&queue=open&limit=50", "agent@example.com", "agent"),
                        ("/rest/servicedeskapi/request?limit=50", "bench-customer-0001@example.com", "customer")]:
    h = {"Authorization": "Bearer " + tokens.mint(people[who], email=who, role=role)}
    client.get(path, headers=h); got.clear(); client.get(path, headers=h)
    with psycopg.connect(url, autocommit=True) as conn:
        pid = conn.execute("select pg_backend_pid()").fetchone()[0]
        for st, params in got:
            for _ in range(10): conn.execute(st, params, prepare=True).fetchall()
        best = 1e9
        for _ in range(5):
            b = cpu(pid)
            for _ in range(100):
                for st, params in got:
                    conn.execute(st, params, prepare=True).fetchall()
            best = min(best, (cpu(pid) - b) / 100 * 1000)
    print(path[:72], who[:12], "statements", len(got), "PG backend CPU ms per request (least of 5x100) %.3f" % best, flush=True)
