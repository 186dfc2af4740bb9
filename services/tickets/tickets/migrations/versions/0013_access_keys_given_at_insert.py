"""a new ticket's participant and share keys may come with its INSERT: no second write of the ticket row

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02 16:00:00

A request shared with its reporter's organisation was written twice: the ticket row, then, from the
share's trigger, the same row again with the share's key appended to ``search_vector``. That column
is GIN-indexed, so the second write is never HOT: a new heap tuple, an entry in every index of
``tickets`` and a GIN entry for each of its words again, and their WAL (bench/profiles/tc2.md).

Now an INSERT into ``tickets`` may give the document's 'p:<account>' and 'o:<organisation>' keys in
``search_vector`` (the intake statement does, with the participants and shares it inserts in the same
statement). Given keys are never trusted:

- the document trigger keeps only those lexemes of what was given (the words are computed as before);
- at the end of the statement (the ticket's AFTER INSERT trigger, when the statement's participant
  and share rows are there) a given key without its row is deleted from the document again;
- a participant's or share's trigger adds its ``ticket_access`` row as before and appends its key to
  the document only when it is not there yet.

So whatever an INSERT gives, the document and the access rows end as the triggers of 0010 made them
(``test_search.py`` and ``bench/tests/test_seed_matches_triggers.py`` compare them). PostgreSQL only.
"""
from alembic import op

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None

# Every participant and share key of a document (no word holds a ':').
_LINK_KEYS = "CAST('''p:'':* | ''o:'':*' AS tsquery)"
_GIVEN = ("ARRAY(SELECT k FROM unnest(tsvector_to_array(NEW.search_vector)) k "
          "WHERE starts_with(k, 'p:') OR starts_with(k, 'o:'))")


def _previous(name: str):
    """A migration of this folder as a module (its SQL is reused, not copied)."""
    import importlib.util
    from pathlib import Path

    spec = importlib.util.spec_from_file_location(f"tickets_migration_{name}", Path(__file__).with_name(f"{name}.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


_0010 = _previous("0010_cheaper_intake_triggers")
# 0010's document of a new ticket (summary, description, reporter, desk) and of an existing one.
_NEW, _FULL = _0010._NEW, _0010._FULL

SEARCH_DOCUMENT = f"""
    CREATE OR REPLACE FUNCTION tickets_search_document() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'INSERT' THEN
            IF NEW.search_vector IS NULL THEN
                NEW.search_vector := {_NEW};
            ELSE
                -- Given keys stay until the end of the statement checks them (ticket_access_from_ticket).
                NEW.search_vector := {_NEW} || array_to_tsvector({_GIVEN});
            END IF;
        ELSE
            NEW.search_vector := (SELECT {_FULL} FROM (SELECT NEW.id AS id, NEW.summary AS summary,
                                                             NEW.description AS description,
                                                             NEW.reporter_id AS reporter_id,
                                                             NEW.desk_id AS desk_id) t);
        END IF;
        RETURN NEW;
    END $$
    """

ACCESS_FROM_TICKET = f"""
    CREATE OR REPLACE FUNCTION ticket_access_from_ticket() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE
        linked text[];
    BEGIN
        IF TG_OP = 'INSERT' THEN
            INSERT INTO ticket_access (ticket_id, key, last_activity_at)
            VALUES (NEW.id, 'r:' || NEW.reporter_id, NEW.last_activity_at),
                   (NEW.id, 'd:' || NEW.desk_id, NEW.last_activity_at);
            IF NEW.search_vector @@ {_LINK_KEYS} THEN
                -- Keys given with the INSERT stand only with their rows, there by now (whose own triggers
                -- add their access rows); a stray one leaves the document again.
                linked := ARRAY(SELECT 'p:' || p.account_id FROM ticket_participants p WHERE p.ticket_id = NEW.id)
                          || ARRAY(SELECT 'o:' || s.organization_id FROM ticket_shares s WHERE s.ticket_id = NEW.id);
                IF ts_delete(NEW.search_vector, linked) @@ {_LINK_KEYS} THEN
                    UPDATE tickets t SET search_vector = ts_delete(t.search_vector,
                        ARRAY(SELECT k FROM unnest({_GIVEN}) k WHERE k <> ALL (linked)))
                    WHERE t.id = NEW.id;
                END IF;
            END IF;
            RETURN NULL;
        END IF;
        IF NEW.reporter_id IS DISTINCT FROM OLD.reporter_id THEN
            UPDATE ticket_access SET key = 'r:' || NEW.reporter_id
            WHERE ticket_id = NEW.id AND key = 'r:' || OLD.reporter_id;
        END IF;
        IF NEW.desk_id IS DISTINCT FROM OLD.desk_id THEN
            UPDATE ticket_access SET key = 'd:' || NEW.desk_id WHERE ticket_id = NEW.id AND key = 'd:' || OLD.desk_id;
        END IF;
        IF NEW.last_activity_at IS DISTINCT FROM OLD.last_activity_at THEN
            UPDATE ticket_access SET last_activity_at = NEW.last_activity_at WHERE ticket_id = NEW.id;
        END IF;
        RETURN NULL;
    END $$
"""

FROM_LINK = """
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
            -- A key given with the ticket's INSERT is there already: the row is not written again.
            UPDATE tickets t SET search_vector = t.search_vector || array_to_tsvector(ARRAY[access_key])
            WHERE t.id = link.ticket_id AND (t.search_vector @@ CAST(quote_literal(access_key) AS tsquery)) IS NOT TRUE;
        ELSE
            DELETE FROM ticket_access WHERE ticket_id = OLD.ticket_id AND key = access_key;
            UPDATE tickets t SET search_vector = ts_delete(t.search_vector, access_key) WHERE t.id = link.ticket_id;
        END IF;
        RETURN NULL;
    END $$
    """

# 0008's ticket trigger (0010 left it as it was), for the downgrade.
ACCESS_FROM_TICKET_0008 = _previous("0008_access_keys_and_full_text").PG_UP[0].replace(
    "CREATE FUNCTION", "CREATE OR REPLACE FUNCTION", 1)


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(SEARCH_DOCUMENT)
        op.execute(ACCESS_FROM_TICKET)
        op.execute(FROM_LINK)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_0010.SEARCH_DOCUMENT)
        op.execute(_0010.FROM_LINK)
        op.execute(ACCESS_FROM_TICKET_0008)
