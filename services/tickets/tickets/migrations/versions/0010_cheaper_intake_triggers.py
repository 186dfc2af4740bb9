"""the full-text triggers of 0008 do less per new ticket and per participant or share

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01 19:40:00

Measured on the intake path (bench/profiles/intakefast.md): a new ticket shared with its reporter's
organisation cost PostgreSQL about twice a private one, because adding the share recomputed the
ticket's whole document (``to_tsvector`` of summary, description and public comments) only to add
one access key. Now:

- a participant or share added or removed changes just its own lexeme ('p:<account>', 'o:<org>'):
  these lexemes come from those rows alone (no word holds a ':', punctuation is a space), so
  appending or deleting it gives the same document as recomputing it;
- a ticket's document at INSERT is its summary, description, reporter and desk: a ticket being
  inserted has no comments, participants or shares yet (they refer to it), so their look-ups go.

Updates of summary, description, reporter or desk and every change of comments still recompute the
whole document, as before. PostgreSQL only; SQLite's FTS5 triggers are unchanged.
"""
from alembic import op

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None

_WORDS = ("to_tsvector('simple', regexp_replace(left(coalesce({t}.summary, '') || ' ' || coalesce({t}.description, '')"
          "{comments}, 300000), '[[:punct:]]+', ' ', 'g'))")
_COMMENTS = (" || ' ' || coalesce((SELECT string_agg(c.body, ' ' ORDER BY c.id) FROM comments c "
             "WHERE c.ticket_id = t.id AND c.public), '')")
_KEYS = ("array_to_tsvector(ARRAY['r:' || {t}.reporter_id, 'd:' || {t}.desk_id]{links})")
_LINKS = (" || ARRAY(SELECT 'p:' || p.account_id FROM ticket_participants p WHERE p.ticket_id = t.id)"
          " || ARRAY(SELECT 'o:' || s.organization_id FROM ticket_shares s WHERE s.ticket_id = t.id)")

# 0008's document, for an existing ticket (the update trigger) and for the downgrade.
_FULL = f"({_WORDS.format(t='t', comments=_COMMENTS)} || {_KEYS.format(t='t', links=_LINKS)})"
_NEW = f"({_WORDS.format(t='NEW', comments='')} || {_KEYS.format(t='NEW', links='')})"

SEARCH_DOCUMENT = f"""
    CREATE OR REPLACE FUNCTION tickets_search_document() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'INSERT' THEN
            NEW.search_vector := {_NEW};
        ELSE
            NEW.search_vector := (SELECT {_FULL} FROM (SELECT NEW.id AS id, NEW.summary AS summary,
                                                             NEW.description AS description,
                                                             NEW.reporter_id AS reporter_id,
                                                             NEW.desk_id AS desk_id) t);
        END IF;
        RETURN NEW;
    END $$
"""


def _from_link(document_change: str) -> str:
    return f"""
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
        ELSE
            DELETE FROM ticket_access WHERE ticket_id = OLD.ticket_id AND key = access_key;
        END IF;
        {document_change}
        RETURN NULL;
    END $$
    """


FROM_LINK = _from_link("""IF TG_OP = 'INSERT' THEN
            UPDATE tickets t SET search_vector = t.search_vector || array_to_tsvector(ARRAY[access_key])
            WHERE t.id = link.ticket_id;
        ELSE
            UPDATE tickets t SET search_vector = ts_delete(t.search_vector, access_key) WHERE t.id = link.ticket_id;
        END IF;""")

FROM_LINK_0008 = _from_link(f"UPDATE tickets t SET search_vector = {_FULL} WHERE t.id = link.ticket_id;")

SEARCH_DOCUMENT_0008 = f"""
    CREATE OR REPLACE FUNCTION tickets_search_document() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        NEW.search_vector := (SELECT {_FULL} FROM (SELECT NEW.id AS id, NEW.summary AS summary,
                                                         NEW.description AS description,
                                                         NEW.reporter_id AS reporter_id,
                                                         NEW.desk_id AS desk_id) t);
        RETURN NEW;
    END $$
"""


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(SEARCH_DOCUMENT)
        op.execute(FROM_LINK)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(SEARCH_DOCUMENT_0008)
        op.execute(FROM_LINK_0008)
