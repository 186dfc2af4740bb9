"""PostgreSQL backend CPU per new ticket with and without the triggers of migration 0008 (and 0010's
incremental link trigger), each variant in one transaction that is rolled back: 300 numbered ticket
inserts, with or without one share each, and their history row. Runs against a stack's tickets
database (``fastq_tickets`` of ``quickloop.py --keep``); ``main2()`` is the run quoted in intakefast.md."""
import os, sys, time, psycopg
sys.path.insert(0, "/work/wt-intakefast")
from bench.scenarios import DESCRIPTION
TICK = os.sysconf("SC_CLK_TCK")
def cpu(pid):
    f = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(f[11]) + int(f[12])) / TICK
conn = psycopg.connect("host=127.0.0.1 user=postgres dbname=fastq_tickets")
pid = conn.info.backend_pid
reporter = conn.execute("SELECT id FROM accounts WHERE email='alice@example.com'").fetchone()[0]
org = conn.execute("SELECT id FROM organizations LIMIT 1").fetchone()[0]
INS = """WITH numbered AS (UPDATE service_desks SET last_ticket_number = last_ticket_number + 1 WHERE id = %s RETURNING last_ticket_number AS number)
INSERT INTO tickets (desk_id, request_type_id, reporter_id, summary, description, field_values, status, updated_at, status_changed_at, last_activity_at, created_at, number, key)
SELECT %s, %s, %s, 'Bench intake: channel 7 figures missing', %s, '{}', 'waiting_for_support', now(), now(), now(), now(), number, 'X' || number FROM numbered RETURNING id"""
def run(label, setup=(), n=300, share=True):
    with conn.transaction(force_rollback=True):
        for s in setup:
            conn.execute(s)
        conn.execute("ALTER TABLE tickets DROP CONSTRAINT uq_tickets_key")  # keys 'X'||n collide across desks
        t0, w0 = cpu(pid), time.perf_counter()
        for i in range(n):
            tid = conn.execute(INS, (1, 1, 1, reporter, DESCRIPTION)).fetchone()[0]
            if share:
                conn.execute("INSERT INTO ticket_shares (ticket_id, organization_id) VALUES (%s, %s)", (tid, org))
            conn.execute("INSERT INTO ticket_history (ticket_id, at, actor_id, kind) VALUES (%s, now(), %s, 'created')", (tid, reporter))
        t1, w1 = cpu(pid), time.perf_counter()
    print(f"{label:45} backend CPU {1000*(t1-t0)/n:6.2f} ms/ticket  wall {1000*(w1-w0)/n:6.2f} ms", flush=True)
if False:
    import importlib.util
    for a in sys.argv[1:]:
        pass
    run("as is, with one share")
    run("as is, no share", share=False)
    run("no triggers at all", ["ALTER TABLE tickets DISABLE TRIGGER USER", "ALTER TABLE ticket_shares DISABLE TRIGGER USER"])
    run("no search trigger on insert", ["ALTER TABLE tickets DISABLE TRIGGER tickets_search_insert"])
    run("share trigger off", ["ALTER TABLE ticket_shares DISABLE TRIGGER USER"])
    run("as is, with one share (again)")

INCREMENTAL = """
CREATE OR REPLACE FUNCTION ticket_access_from_link() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    access_key text;
    link record;
BEGIN
    IF TG_OP = 'INSERT' THEN link := NEW; ELSE link := OLD; END IF;
    IF TG_TABLE_NAME = 'ticket_participants' THEN
        access_key := 'p:' || link.account_id;
    ELSE
        access_key := 'o:' || link.organization_id;
    END IF;
    IF TG_OP = 'INSERT' THEN
        INSERT INTO ticket_access (ticket_id, key, last_activity_at)
        SELECT t.id, access_key, t.last_activity_at FROM tickets t WHERE t.id = NEW.ticket_id
        ON CONFLICT DO NOTHING;
        UPDATE tickets t SET search_vector = t.search_vector || array_to_tsvector(ARRAY[access_key]) WHERE t.id = link.ticket_id;
    ELSE
        DELETE FROM ticket_access WHERE ticket_id = OLD.ticket_id AND key = access_key;
        UPDATE tickets t SET search_vector = ts_delete(t.search_vector, access_key) WHERE t.id = link.ticket_id;
    END IF;
    RETURN NULL;
END $$
"""
def main2():
    run("as is, with one share")
    run("incremental link trigger, one share", [INCREMENTAL])
    run("as is, no share", share=False)
    run("incremental link trigger, one share", [INCREMENTAL])
    run("as is, with one share")
main2()
