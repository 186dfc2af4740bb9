"""EXPLAIN (ANALYZE, BUFFERS) of each statement ab.py --sql wrote (their parameters as sent).

``.venv/bin/python bench/profiles/lp/explain.py /tmp/lp/sql-before/my_requests_org_member-0.sql``
"""
import ast
import sys

import psycopg

URL = "postgresql://postgres@127.0.0.1:5433/lp_tickets"
def generic(path: str, index: int) -> None:
    """The plan PostgreSQL keeps for statement ``index`` of ``path`` when it plans it once (as a prepared
    statement run many times may): PREPARE with $n, plan_cache_mode = force_generic_plan, EXPLAIN EXECUTE."""
    import re

    chunks = [c for c in open(path).read().split("-- params: ") if c.strip()]
    params, sql = chunks[index].split("\n", 1)
    values = ast.literal_eval(params)
    names = list(dict.fromkeys(re.findall(r"%\((\w+)\)s", sql)))
    sql = re.sub(r"%\((\w+)\)s", lambda m: f"${names.index(m.group(1)) + 1}", sql.strip().rstrip(";"))
    with psycopg.connect(URL) as conn:
        conn.execute("SET plan_cache_mode = force_generic_plan")
        conn.execute(f"PREPARE s AS {sql}")
        args = ", ".join(psycopg.sql.quote(values[n]) if not isinstance(values[n], str) else
                         "'" + values[n].replace("'", "''") + "'" for n in names)
        for _ in range(3):
            conn.execute(f"EXECUTE s({args})")
        print("\n".join(r[0] for r in conn.execute(f"EXPLAIN (ANALYZE, BUFFERS) EXECUTE s({args})")))


if sys.argv[1] == "--generic":
    import psycopg.sql
    generic(sys.argv[2], int(sys.argv[3]))
    sys.exit()
for path in sys.argv[1:]:
    chunks = [c for c in open(path).read().split("-- params: ") if c.strip()]
    with psycopg.connect(URL) as conn:
        for chunk in chunks:
            params, sql = chunk.split("\n", 1)
            sql = sql.strip().rstrip(";")
            for _ in range(5):
                conn.execute(sql, ast.literal_eval(params) or None)
            plan = conn.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, ast.literal_eval(params) or None).fetchall()
            print(f"== {path}: {sql[:100]}...")
            print("\n".join(r[0] for r in plan))

