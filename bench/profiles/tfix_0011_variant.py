# Measured and not kept (bench/profiles/tfix.md): the trigger variant bench/profiles/tfix_pgcost.py compares with 0010.
"""a new ticket's participants and shares are in its document from its INSERT: no second write of the row

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01 23:00:00

Measured on the intake path (bench/profiles/tfix.md): a request shared with its reporter's
organisation wrote its ticket row twice, once by its INSERT and once by the share's trigger adding
'o:<org>' to ``search_vector`` (a whole new row version and its index entries: ``search_vector`` is
GIN-indexed, so the update is never HOT). Now:

- the INSERT may give the access keys of the participants and shares inserted with it
  ('p:<account>', 'o:<org>', as ``search_vector``); the document trigger keeps those lexemes (and
  only those) beside the words, reporter and desk it computes;
- the trigger of a participant or share added leaves the ticket row alone when its key is already
  in the document (always true for a given key; never for a link added later, whose key is new);
- a deferred constraint trigger refuses, at commit, a new ticket whose document names a participant
  or share that has no row: a writer cannot make a ticket visible by a key it did not insert.

PostgreSQL only; SQLite keeps its FTS5 triggers (its access rows never were in the ticket row).
"""
from alembic import op

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None

_LINK = "'^[po]:'"

SEARCH_DOCUMENT = f"""
    CREATE OR REPLACE FUNCTION tickets_search_document() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'INSERT' THEN
            NEW.search_vector := {{new}} || CASE WHEN NEW.search_vector IS NULL THEN ''::tsvector ELSE
                array_to_tsvector(ARRAY(SELECT k FROM unnest(tsvector_to_array(NEW.search_vector)) k
                                        WHERE k ~ {_LINK})) END;
        ELSE
            NEW.search_vector := (SELECT {{full}} FROM (SELECT NEW.id AS id, NEW.summary AS summary,
                                                             NEW.description AS description,
                                                             NEW.reporter_id AS reporter_id,
                                                             NEW.desk_id AS desk_id) t);
        END IF;
        RETURN NEW;
    END $$
"""

FROM_LINK_INSERT = """IF TG_OP = 'INSERT' THEN
            UPDATE tickets t SET search_vector = t.search_vector || array_to_tsvector(ARRAY[access_key])
            WHERE t.id = link.ticket_id AND NOT tsvector_to_array(t.search_vector) @> ARRAY[access_key];
        ELSE
            UPDATE tickets t SET search_vector = ts_delete(t.search_vector, access_key) WHERE t.id = link.ticket_id;
        END IF;"""

CHECK = [
    f"""
    CREATE FUNCTION tickets_given_links_exist() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE
        missing text;
    BEGIN
        SELECT k INTO missing FROM tickets t, unnest(tsvector_to_array(t.search_vector)) k
        WHERE t.id = NEW.id AND k ~ {_LINK}
          AND NOT EXISTS (SELECT 1 FROM ticket_participants p WHERE p.ticket_id = t.id AND k = 'p:' || p.account_id)
          AND NOT EXISTS (SELECT 1 FROM ticket_shares s WHERE s.ticket_id = t.id AND k = 'o:' || s.organization_id)
        LIMIT 1;
        IF missing IS NOT NULL THEN
            RAISE EXCEPTION 'ticket % gives the access key % without its participant or share', NEW.id, missing
                USING ERRCODE = 'integrity_constraint_violation';
        END IF;
        RETURN NULL;
    END $$
    """,
    # Only a ticket inserted with given keys is checked (the text of its document names one).
    f"""
    CREATE CONSTRAINT TRIGGER tickets_given_links AFTER INSERT ON tickets DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW WHEN (NEW.search_vector::text ~ '''[po]:')
    EXECUTE FUNCTION tickets_given_links_exist()
    """,
]


def _previous():
    import importlib.util
    from pathlib import Path

    path = Path(__file__).with_name("0010_cheaper_intake_triggers.py")
    spec = importlib.util.spec_from_file_location("migration_0010", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    previous = _previous()
    op.execute(SEARCH_DOCUMENT.format(new=previous._NEW, full=previous._FULL))
    op.execute(previous._from_link(FROM_LINK_INSERT))
    for statement in CHECK:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    previous = _previous()
    op.execute("DROP TRIGGER IF EXISTS tickets_given_links ON tickets")
    op.execute("DROP FUNCTION IF EXISTS tickets_given_links_exist()")
    op.execute(previous.SEARCH_DOCUMENT)
    op.execute(previous.FROM_LINK)
