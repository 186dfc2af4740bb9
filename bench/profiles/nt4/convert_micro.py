"""psycopg's conversion of the spool INSERT's parameters for 2 rows: one array per column (unnest) against a VALUES list of scalars.

``.venv/bin/python bench/profiles/nt4/convert_micro.py`` (PostgreSQL on 127.0.0.1:5433 for the connection's adapters; nothing is executed)."""
import time, psycopg
from psycopg._queries import PostgresQuery
from psycopg.adapt import Transformer
from datetime import datetime, timezone
conn = psycopg.connect("postgresql://postgres@127.0.0.1:5433/postgres")
tx = Transformer(conn)
T = {"event_id": "varchar", "recipient": "varchar", "message_id": "varchar", "kind": "varchar",
     "correlation_id": "varchar", "ticket_key": "varchar", "status": "varchar", "message": "bytea",
     "created_at": "timestamptz", "next_attempt_at": "timestamptz", "attempts": "integer", "resent": "integer", "sending_since": "timestamptz"}
now = datetime.now(timezone.utc)
row = {"event_id": "e"*32, "recipient": "someone@example.com", "message_id": "<x@y>", "kind": "ticket_created",
       "correlation_id": "c"*32, "ticket_key": "AM-1", "status": "sending", "message": b"x"*3000, "created_at": now,
       "next_attempt_at": now, "attempts": 1, "resent": 0, "sending_since": now}
rows = [row, dict(row, recipient="b@example.com")]
unnest = "INSERT INTO t SELECT * FROM unnest(" + ", ".join(f"CAST(%({c})s AS {t}[])" for c, t in T.items()) + ")"
arrays = {c: [r[c] for r in rows] for c in T}
values = "INSERT INTO t VALUES " + ", ".join("(" + ", ".join(f"%({c}_{i})s" for c in T) + ")" for i in range(2))
flat = {f"{c}_{i}": r[c] for i, r in enumerate(rows) for c in T}
values_pos = "INSERT INTO t VALUES " + ", ".join("(" + ", ".join("%s" for c in T) + ")" for i in range(2))
flat_pos = [r[c] for r in rows for c in T]
for name, sql, params in (("unnest", unnest, arrays), ("values", values, flat), ("values_pos", values_pos, flat_pos)):
    q = sql.encode()
    for _ in range(200):
        PostgresQuery(tx).convert(q, params)
    t = time.process_time()
    for _ in range(3000):
        pq = PostgresQuery(tx); pq.convert(q, params)
    print(name, round((time.process_time() - t) / 3000 * 1e6, 1), "us")
