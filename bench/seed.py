"""Bulk data for the read scenarios, written by SQL in the services' own schemas (no API calls).

Everything is generated inside PostgreSQL (``INSERT ... SELECT FROM generate_series``), so 1,000,000
tickets take seconds instead of the hours the API would. What goes in:

- identity: ``customers`` internal customers ``bench-customer-NNNN@example.com`` (password of the demo
  accounts: their hash is copied from alice), organisations ``Bench Org NN`` up to ``organisations``
  with the demo ones, each customer in one of them, every organisation linked to the three desks;
- the tickets replica of the same accounts, organisations, memberships and desk links;
- tickets spread over the three demo desks (reporters cycling over the customers), every other one
  shared with its reporter's organisation, one in ten with a participant, one in five with a public
  comment, statuses of every kind, a third assigned to the demo agent, and the history a create writes
  (created, the first status) with the move to the ticket's status where it is another.

``add_tickets`` appends (keys go on from each desk's counter), so the 1,000,000 round tops up the
100,000 already there. Secondary indexes of ``tickets`` and ``ticket_access`` are dropped while a large
batch loads and built again afterwards (``seed_indexes_rebuilt`` in the timings says when).

The tickets service keeps its access keys (``ticket_access``) and full-text document
(``tickets.search_vector``) with row triggers (migration 0008), and its queue counts (``ticket_counts``)
likewise (migration 0009); for a bulk load they are switched off
inside the seeding transaction and the same rows are written here set-wise, as the triggers would.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field

from sqlalchemy import text
from sqlalchemy.engine import Engine

CUSTOMER_ID = "00000000-0000-4000-8000-{:012d}"
DEMO_PASSWORD = "demo-password-1"


def customer_email(n: int) -> str:
    return f"bench-customer-{n:04d}@example.com"


@dataclass
class World:
    """What the scenarios need to know about the seeded data."""
    desks: dict[str, int]                       # key -> id
    request_types: dict[int, list[int]]         # desk id -> request type ids
    accounts: dict[str, str]                    # demo email -> account id
    organisations: list[int] = field(default_factory=list)
    customers: int = 0
    tickets: int = 0


def _sql_id(column: str) -> str:
    return f"'00000000-0000-4000-8000-' || lpad(({column})::text, 12, '0')"


def wait_for_replica(tickets: Engine, emails: list[str], timeout: float = 60) -> None:
    """Wait until identity's events have put the demo accounts, organisations and agents into tickets."""
    deadline = time.monotonic() + timeout
    while True:
        with tickets.connect() as conn:
            known = conn.execute(text("SELECT count(*) FROM accounts WHERE email = ANY(:e)"), {"e": emails}).scalar()
            orgs = conn.execute(text("SELECT count(*) FROM organization_members")).scalar()
            agents = conn.execute(text("SELECT count(*) FROM desk_agents")).scalar()
        if known == len(emails) and orgs >= 3 and agents >= 3:
            return
        if time.monotonic() > deadline:
            raise RuntimeError(f"the tickets replica did not get the demo data ({known} accounts, {orgs} members, "
                               f"{agents} desk agents)")
        time.sleep(0.3)


def seed_people(identity: Engine, tickets: Engine, customers: int, organisations: int) -> World:
    """Customers, organisations and memberships in identity and the tickets replica."""
    with identity.begin() as conn:
        demo = dict(conn.execute(text("SELECT email, id FROM accounts")).all())
        password_hash = conn.execute(text("SELECT password_hash FROM accounts WHERE email = 'alice@example.com'")).scalar()
        agent = demo["agent@example.com"]
        existing = conn.execute(text("SELECT count(*) FROM organisations")).scalar()
        conn.execute(text(
            "INSERT INTO organisations (name, created_at, created_by) "
            "SELECT 'Bench Org ' || lpad(n::text, 2, '0'), now(), :agent FROM generate_series(1, :k) n"),
            {"agent": agent, "k": max(0, organisations - existing)})
        orgs = [r[0] for r in conn.execute(text("SELECT id FROM organisations ORDER BY id")).all()][:organisations]
        org_names = dict(conn.execute(text("SELECT id, name FROM organisations")).all())
        conn.execute(text(
            f"INSERT INTO accounts (id, email, role, kind, display_name, language, active, email_verified, "
            f"password_hash, created_at, updated_at, invited_by) "
            f"SELECT {_sql_id('n')}, 'bench-customer-' || lpad(n::text, 4, '0') || '@example.com', 'customer', "
            f"'internal', 'Bench Customer ' || n, 'en', true, true, :hash, now(), now(), :agent "
            f"FROM generate_series(1, :c) n"), {"hash": password_hash, "agent": agent, "c": customers})
        conn.execute(text(
            f"INSERT INTO organisation_members (organisation_id, account_id, added_at) "
            f"SELECT (CAST(:orgs AS int[]))[1 + n % cardinality(CAST(:orgs AS int[]))], {_sql_id('n')}, now() FROM generate_series(1, :c) n"),
            {"orgs": orgs, "c": customers})
        desk_ids = conn.execute(text("SELECT DISTINCT desk_id FROM desk_agents")).scalars().all()
        conn.execute(text(
            "INSERT INTO desk_organisations (desk_id, organisation_id, linked, shared) "
            "SELECT d, o, true, true FROM unnest(CAST(:desks AS int[])) d, unnest(CAST(:orgs AS int[])) o "
            "ON CONFLICT (desk_id, organisation_id) DO UPDATE SET linked = true, shared = true"),
            {"desks": list(desk_ids), "orgs": orgs})
    with tickets.begin() as conn:
        desks = dict(conn.execute(text("SELECT key, id FROM service_desks")).all())
        rts: dict[int, list[int]] = {}
        for desk_id, rt in conn.execute(text("SELECT desk_id, id FROM request_types ORDER BY desk_id, position, id")):
            rts.setdefault(desk_id, []).append(rt)
        conn.execute(text(
            "INSERT INTO organizations (id, name, created_by) SELECT o, n, :agent "
            "FROM unnest(CAST(:ids AS int[]), CAST(:names AS text[])) AS t(o, n) ON CONFLICT (id) DO NOTHING"),
            {"agent": agent, "ids": orgs, "names": [org_names[o] for o in orgs]})
        conn.execute(text(
            f"INSERT INTO accounts (id, email, display_name, language, role, active, updated_at) "
            f"SELECT {_sql_id('n')}, 'bench-customer-' || lpad(n::text, 4, '0') || '@example.com', "
            f"'Bench Customer ' || n, 'en', 'customer', true, now() FROM generate_series(1, :c) n"),
            {"c": customers})
        conn.execute(text(
            f"INSERT INTO organization_members (organization_id, account_id) "
            f"SELECT (CAST(:orgs AS int[]))[1 + n % cardinality(CAST(:orgs AS int[]))], {_sql_id('n')} FROM generate_series(1, :c) n"),
            {"orgs": orgs, "c": customers})
        conn.execute(text(
            "INSERT INTO desk_organizations (desk_id, organization_id) "
            "SELECT d, o FROM unnest(CAST(:desks AS int[])) d, unnest(CAST(:orgs AS int[])) o ON CONFLICT DO NOTHING"),
            {"desks": list(desks.values()), "orgs": orgs})
    return World(desks=desks, request_types=rts, accounts=demo, organisations=orgs, customers=customers)


def _secondary_indexes(conn) -> list[tuple[str, str]]:
    """Indexes of ``tickets`` and ``ticket_access`` that back no constraint: (name, definition)."""
    return conn.execute(text(
        "SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.tablename IN ('tickets', 'ticket_access') "
        "AND i.schemaname = 'public' "
        "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)")).all()


# The tables whose row triggers (access keys, full text) the bulk load replaces by set-wise statements.
TRIGGERED = ("tickets", "ticket_shares", "ticket_participants", "comments")
COMMENT_BODY = "Any news on this? The station still shows no figures for yesterday."


# Ticket j's share (every other ticket) and participant (one in ten).
SHARED_ORG = "(CAST(:orgs AS int[]))[1 + ((1 + (:first + j) % :c) % cardinality(CAST(:orgs AS int[])))]"
PARTICIPANT = _sql_id("1 + (:first + j + 17) % :c")


def _document(text_expression: str, keys_expression: str) -> str:
    """The full-text document as migration 0008's triggers compute it: the words (punctuation as spaces,
    'simple') and the ticket's access keys as lexemes."""
    return (f"to_tsvector('simple', regexp_replace(left({text_expression}, 300000), '[[:punct:]]+', ' ', 'g')) "
            f"|| array_to_tsvector({keys_expression})")


def add_tickets(tickets: Engine, world: World, count: int, timings: dict[str, float]) -> None:
    """Append ``count`` tickets (with shares, participants and comments) by SQL."""
    desk_keys = sorted(world.desks, key=world.desks.get)
    desk_ids = [world.desks[k] for k in desk_keys]
    rebuild = count >= 200_000
    started = time.monotonic()
    with tickets.begin() as conn:
        conn.execute(text("SET LOCAL synchronous_commit = off"))
        conn.execute(text("SET LOCAL maintenance_work_mem = '256MB'"))
        dropped = _secondary_indexes(conn) if rebuild else []
        for name, _definition in dropped:
            conn.execute(text(f'DROP INDEX "{name}"'))
        for table in TRIGGERED:
            conn.execute(text(f"ALTER TABLE {table} DISABLE TRIGGER USER"))
        bases = [conn.execute(text("SELECT last_ticket_number FROM service_desks WHERE id = :d FOR UPDATE"),
                              {"d": d}).scalar() for d in desk_ids]
        first_id = conn.execute(text("SELECT coalesce(max(id), 0) FROM tickets")).scalar() + 1
        # Three request types per desk, in desk order, flattened: desk i's types at 3i+1..3i+3.
        rt_flat = [world.request_types[d][k % len(world.request_types[d])] for d in desk_ids for k in range(3)]
        params = {"n": count, "first": first_id, "desks": desk_ids, "keys": desk_keys, "bases": bases,
                  "rts": rt_flat, "c": world.customers, "orgs": world.organisations,
                  "agent": world.accounts["agent@example.com"],
                  "statuses": ["Waiting for support", "In progress", "Waiting for customer", "Waiting for support",
                               "Resolved", "Closed", "Canceled", "In progress"]}
        conn.execute(text(f"""
            INSERT INTO tickets (id, desk_id, number, key, request_type_id, reporter_id, assignee_id, summary,
                                 description, field_values, status, created_at, updated_at, status_changed_at,
                                 last_activity_at, search_vector)
            SELECT id, desk_id, number, key, request_type_id, reporter_id, assignee_id, summary, description,
                   field_values, status, ts, ts, ts, last_activity_at,
                   -- the document: summary, description and (one ticket in five, see below) the public comment
                   {_document("summary || ' ' || description || CASE WHEN j % 5 = 4 THEN ' ' || :body ELSE '' END",
                              "ARRAY['r:' || reporter_id, 'd:' || desk_id] "
                              f"|| CASE WHEN j % 2 = 0 THEN ARRAY['o:' || {SHARED_ORG}] ELSE '{{}}' END "
                              f"|| CASE WHEN j % 10 = 0 THEN ARRAY['p:' || {PARTICIPANT}] ELSE '{{}}' END")}
            FROM (
            SELECT j, ts, :first + j AS id, (CAST(:desks AS int[]))[1 + j % 3] AS desk_id,
                   (CAST(:bases AS int[]))[1 + j % 3] + j / 3 + 1 AS number,
                   (CAST(:keys AS text[]))[1 + j % 3] || '-' || ((CAST(:bases AS int[]))[1 + j % 3] + j / 3 + 1) AS key,
                   (CAST(:rts AS int[]))[1 + (j % 3) * 3 + (j / 3) % 3] AS request_type_id,
                   {_sql_id('1 + (:first + j) % :c')} AS reporter_id,
                   CASE WHEN j % 3 = 0 THEN :agent END AS assignee_id,
                   'Channel ' || (j % 997) || ' ' || (ARRAY['ratings missing', 'match delayed', 'report empty',
                       'login fails', 'export slow', 'panel gap'])[1 + j % 6] || ' #' || (:first + j) AS summary,
                   'Seeded request ' || (:first + j) || ': audience figures for station ' || (j % 211) ||
                   ' were not delivered on time; the overnight file had ' || (j % 97) || ' rows missing.'
                       AS description,
                   CAST('{{}}' AS json) AS field_values, (CAST(:statuses AS text[]))[1 + (j / 7) % 8] AS status,
                   ts + make_interval(secs => (j % 13) * 60) AS last_activity_at
            FROM generate_series(0, :n - 1) j,
                 LATERAL (SELECT now() - make_interval(secs => (:n - j) * 2) AS ts) t
            ) generated
            """), {**params, "body": COMMENT_BODY})
        # The history a create writes (created, then the first status), and the move to the ticket's
        # status where it is another: the status expansion of a list reads these rows.
        conn.execute(text("""
            INSERT INTO ticket_history (ticket_id, at, actor_id, kind, from_value, to_value)
            SELECT t.id, e.at, e.actor, e.kind, e.from_value, e.to_value
            FROM tickets t CROSS JOIN LATERAL (VALUES
                (1, t.created_at, t.reporter_id, 'created', CAST(NULL AS text), CAST(NULL AS text)),
                (2, t.created_at, t.reporter_id, 'status', NULL, 'Waiting for support'),
                (3, t.last_activity_at, CAST(:agent AS text), 'status', 'Waiting for support', t.status)
            ) AS e(step, at, actor, kind, from_value, to_value)
            WHERE t.id >= :first AND (e.step < 3 OR t.status <> 'Waiting for support')
            ORDER BY t.id, e.step"""), params)
        timings["seed_tickets"] = timings.get("seed_tickets", 0) + time.monotonic() - started
        step = time.monotonic()
        conn.execute(text(f"""
            INSERT INTO ticket_shares (ticket_id, organization_id)
            SELECT :first + j, {SHARED_ORG} FROM generate_series(0, :n - 1, 2) j"""), params)
        conn.execute(text(f"""
            INSERT INTO ticket_participants (ticket_id, account_id)
            SELECT :first + j, {PARTICIPANT} FROM generate_series(0, :n - 1, 10) j"""), params)
        conn.execute(text(f"""
            INSERT INTO comments (ticket_id, author_id, body, public, created_at)
            SELECT :first + j, {_sql_id('1 + (:first + j) % :c')},
                   :body, true, now()
            FROM generate_series(4, :n - 1, 5) j"""), {**params, "body": COMMENT_BODY})
        # The access keys, as the triggers write them: reporter, desk, participants, shares.
        for key, source in (("'r:' || t.reporter_id", "tickets t"), ("'d:' || t.desk_id", "tickets t"),
                            ("'p:' || p.account_id", "ticket_participants p JOIN tickets t ON t.id = p.ticket_id"),
                            ("'o:' || s.organization_id", "ticket_shares s JOIN tickets t ON t.id = s.ticket_id")):
            conn.execute(text(f"INSERT INTO ticket_access (ticket_id, key, last_activity_at) "
                              f"SELECT t.id, {key}, t.last_activity_at FROM {source} WHERE t.id >= :first"), params)
        # The queue counts (migration 0009), as the triggers keep them: one per (desk, status, assignee).
        conn.execute(text("INSERT INTO ticket_counts AS c (desk_id, status, assignee_id, n) "
                          "SELECT desk_id, status, coalesce(assignee_id, ''), count(*) FROM tickets WHERE id >= :first "
                          "GROUP BY desk_id, status, coalesce(assignee_id, '') "
                          "ON CONFLICT (desk_id, status, assignee_id) DO UPDATE SET n = c.n + excluded.n"), params)
        for table in TRIGGERED:
            conn.execute(text(f"ALTER TABLE {table} ENABLE TRIGGER USER"))
        for d, base in zip(desk_ids, bases):
            added = conn.execute(text("SELECT count(*) FROM tickets WHERE desk_id = :d AND number > :b"),
                                 {"d": d, "b": base}).scalar()
            conn.execute(text("UPDATE service_desks SET last_ticket_number = :v WHERE id = :d"),
                         {"v": base + added, "d": d})
        for table in ("tickets", "comments"):
            conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                              f"(SELECT coalesce(max(id), 1) FROM {table}))"))
        timings["seed_links"] = timings.get("seed_links", 0) + time.monotonic() - step
        step = time.monotonic()
        for _name, definition in dropped:
            conn.execute(text(definition))
        if dropped:
            timings["seed_indexes_rebuilt"] = timings.get("seed_indexes_rebuilt", 0) + time.monotonic() - step
    step = time.monotonic()
    with tickets.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        for table in ("tickets", "ticket_shares", "ticket_participants", "comments", "ticket_history",
                      "ticket_access", "ticket_counts"):
            conn.execute(text(f"VACUUM ANALYZE {table}"))
    timings["seed_analyze"] = timings.get("seed_analyze", 0) + time.monotonic() - step
    world.tickets += count
