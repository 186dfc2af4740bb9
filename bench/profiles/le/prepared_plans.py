"""How PostgreSQL plans the list's prepared statements: N requests of PATH as alice (``inproc.py``'s database
``le_inproc_tickets``), then ``pg_prepared_statements`` (generic and custom plans) of the app's connection.

``.venv/bin/python bench/profiles/le/prepared_plans.py 30 "/rest/servicedeskapi/request?limit=50&expand=status,comment,action"``
"""
import os, sys, tempfile
from pathlib import Path
ROOT = Path(__file__).resolve().parents[3]
sys.path[:0] = [str(ROOT), str(ROOT / "services/tickets"), str(ROOT / "libs/common")]
from sqlalchemy import create_engine, text
from common.testing import TokenFactory
from tickets.app import create_app
from tickets.settings import Settings
url = "postgresql://postgres@127.0.0.1:5433/le_inproc_tickets"
tokens = TokenFactory()
key = Path(tempfile.mkdtemp()) / "public.pem"; key.write_bytes(tokens.issuer.public_pem)
app = create_app(Settings(database_url=url, jwt_public_key_file=str(key), public_url="http://portal.test"))
e = create_engine(url)
with e.connect() as c:
    people = dict(c.execute(text("SELECT email, id FROM accounts")).all())
member = {"Authorization": "Bearer " + tokens.mint(people["alice@example.com"], email="alice@example.com")}
client = app.test_client()
for _ in range(int(sys.argv[1])):
    client.get(sys.argv[2], headers=member)
eng = app.extensions["tickets.engine"]
print(eng.pool.status())
with eng.connect() as c:
    for r in c.execute(text("SELECT name, generic_plans, custom_plans, length(statement), left(statement, 70) FROM pg_prepared_statements")):
        print(r)
    print(c.execute(text("show plan_cache_mode")).all(), c.execute(text("select version()")).scalar())
