"""access keys per ticket (reporter, participant, organisation, desk) in latest-activity order; full-text search

Revision ID: 0008
Revises: 0006
Create Date: 2026-12-01 16:40:00

``ticket_access`` holds one row per way of seeing a ticket ('r:<account>' reporter, 'p:<account>'
participant, 'o:<organisation>' share, 'd:<desk>' the desk's agents) with the ticket's latest
activity, so a list walks (key, last_activity_at, ticket_id) for each of the caller's keys. Triggers
keep it in the transaction of every change of tickets, participants and shares (whoever writes them).

Full text: on PostgreSQL ``tickets.search_vector`` ('simple' configuration, any language) over the
summary, the description and the public comments, with a GIN index; on SQLite the FTS5 table
``tickets_fts`` (rowid = ticket id) over the same text. Triggers keep both up to date; internal notes
never go in.
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql


revision = '0008'
down_revision = '0006'
branch_labels = None
depends_on = None

# The document of one ticket: summary, description and its public comments (never internal notes).
# Punctuation becomes spaces so that 'export.csv' or 'e-mail' are words as the query splits them
# (tickets.store.queries.search_words), not file or host tokens; the first 300,000 characters only,
# so that a ticket with a huge thread stays under the tsvector size limit. The ticket's access keys
# ('o:7', 'r:<account>', ...) are lexemes of it too (no word has a ':'), so that one GIN lookup finds
# the matches a caller may see.
_PG_DOCUMENT = """
    (to_tsvector('simple', regexp_replace(left(coalesce(t.summary, '') || ' ' || coalesce(t.description, '') || ' ' ||
        coalesce((SELECT string_agg(c.body, ' ' ORDER BY c.id) FROM comments c
                  WHERE c.ticket_id = t.id AND c.public), ''), 300000), '[[:punct:]]+', ' ', 'g'))
     || array_to_tsvector(ARRAY['r:' || t.reporter_id, 'd:' || t.desk_id]
        || ARRAY(SELECT 'p:' || p.account_id FROM ticket_participants p WHERE p.ticket_id = t.id)
        || ARRAY(SELECT 'o:' || s.organization_id FROM ticket_shares s WHERE s.ticket_id = t.id)))
"""

PG_UP = [
    # -- access keys ---------------------------------------------------------------------------
    """
    CREATE FUNCTION ticket_access_from_ticket() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'INSERT' THEN
            INSERT INTO ticket_access (ticket_id, key, last_activity_at)
            VALUES (NEW.id, 'r:' || NEW.reporter_id, NEW.last_activity_at),
                   (NEW.id, 'd:' || NEW.desk_id, NEW.last_activity_at);
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
    """,
    """
    CREATE TRIGGER tickets_access_insert AFTER INSERT ON tickets
    FOR EACH ROW EXECUTE FUNCTION ticket_access_from_ticket()
    """,
    """
    CREATE TRIGGER tickets_access_update AFTER UPDATE ON tickets FOR EACH ROW
    WHEN (NEW.reporter_id IS DISTINCT FROM OLD.reporter_id OR NEW.desk_id IS DISTINCT FROM OLD.desk_id
          OR NEW.last_activity_at IS DISTINCT FROM OLD.last_activity_at)
    EXECUTE FUNCTION ticket_access_from_ticket()
    """,
    f"""
    CREATE FUNCTION ticket_access_from_link() RETURNS trigger LANGUAGE plpgsql AS $$
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
        UPDATE tickets t SET search_vector = {_PG_DOCUMENT} WHERE t.id = link.ticket_id;
        RETURN NULL;
    END $$
    """,
    """
    CREATE TRIGGER ticket_participants_access AFTER INSERT OR DELETE ON ticket_participants
    FOR EACH ROW EXECUTE FUNCTION ticket_access_from_link()
    """,
    """
    CREATE TRIGGER ticket_shares_access AFTER INSERT OR DELETE ON ticket_shares
    FOR EACH ROW EXECUTE FUNCTION ticket_access_from_link()
    """,
    # -- full text -------------------------------------------------------------------------------
    f"""
    CREATE FUNCTION tickets_search_document() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        NEW.search_vector := (SELECT {_PG_DOCUMENT} FROM (SELECT NEW.id AS id, NEW.summary AS summary,
                                                                 NEW.description AS description,
                                                                 NEW.reporter_id AS reporter_id,
                                                                 NEW.desk_id AS desk_id) t);
        RETURN NEW;
    END $$
    """,
    """
    CREATE TRIGGER tickets_search_insert BEFORE INSERT ON tickets
    FOR EACH ROW EXECUTE FUNCTION tickets_search_document()
    """,
    """
    CREATE TRIGGER tickets_search_update BEFORE UPDATE ON tickets FOR EACH ROW
    WHEN (NEW.summary IS DISTINCT FROM OLD.summary OR NEW.description IS DISTINCT FROM OLD.description
          OR NEW.reporter_id IS DISTINCT FROM OLD.reporter_id OR NEW.desk_id IS DISTINCT FROM OLD.desk_id)
    EXECUTE FUNCTION tickets_search_document()
    """,
    f"""
    CREATE FUNCTION comments_search_document() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE
        changed integer;
    BEGIN
        IF TG_OP = 'DELETE' THEN changed := OLD.ticket_id; ELSE changed := NEW.ticket_id; END IF;
        UPDATE tickets t SET search_vector = {_PG_DOCUMENT} WHERE t.id = changed;
        RETURN NULL;
    END $$
    """,
    """
    CREATE TRIGGER comments_search AFTER INSERT OR UPDATE OR DELETE ON comments
    FOR EACH ROW EXECUTE FUNCTION comments_search_document()
    """,
]

PG_DOWN = [
    "DROP TRIGGER IF EXISTS comments_search ON comments",
    "DROP FUNCTION IF EXISTS comments_search_document()",
    "DROP TRIGGER IF EXISTS tickets_search_update ON tickets",
    "DROP TRIGGER IF EXISTS tickets_search_insert ON tickets",
    "DROP FUNCTION IF EXISTS tickets_search_document()",
    "DROP TRIGGER IF EXISTS ticket_shares_access ON ticket_shares",
    "DROP TRIGGER IF EXISTS ticket_participants_access ON ticket_participants",
    "DROP FUNCTION IF EXISTS ticket_access_from_link()",
    "DROP TRIGGER IF EXISTS tickets_access_update ON tickets",
    "DROP TRIGGER IF EXISTS tickets_access_insert ON tickets",
    "DROP FUNCTION IF EXISTS ticket_access_from_ticket()",
]

_SQLITE_DOCUMENT = """
    SELECT t.id, t.summary || ' ' || t.description || coalesce((SELECT ' ' || group_concat(c.body, ' ')
        FROM comments c WHERE c.ticket_id = t.id AND c.public), '')
    FROM tickets t WHERE t.id = {ticket}
"""

SQLITE_UP = [
    """
    CREATE TRIGGER tickets_access_insert AFTER INSERT ON tickets BEGIN
        INSERT INTO ticket_access (ticket_id, key, last_activity_at)
        VALUES (NEW.id, 'r:' || NEW.reporter_id, NEW.last_activity_at),
               (NEW.id, 'd:' || NEW.desk_id, NEW.last_activity_at);
    END
    """,
    """
    CREATE TRIGGER tickets_access_update AFTER UPDATE ON tickets
    WHEN NEW.reporter_id IS NOT OLD.reporter_id OR NEW.desk_id IS NOT OLD.desk_id
         OR NEW.last_activity_at IS NOT OLD.last_activity_at
    BEGIN
        UPDATE ticket_access SET key = 'r:' || NEW.reporter_id WHERE ticket_id = NEW.id AND key = 'r:' || OLD.reporter_id;
        UPDATE ticket_access SET key = 'd:' || NEW.desk_id WHERE ticket_id = NEW.id AND key = 'd:' || OLD.desk_id;
        UPDATE ticket_access SET last_activity_at = NEW.last_activity_at WHERE ticket_id = NEW.id;
    END
    """,
    """
    CREATE TRIGGER ticket_participants_access_insert AFTER INSERT ON ticket_participants BEGIN
        INSERT OR IGNORE INTO ticket_access (ticket_id, key, last_activity_at)
        SELECT id, 'p:' || NEW.account_id, last_activity_at FROM tickets WHERE id = NEW.ticket_id;
    END
    """,
    """
    CREATE TRIGGER ticket_participants_access_delete AFTER DELETE ON ticket_participants BEGIN
        DELETE FROM ticket_access WHERE ticket_id = OLD.ticket_id AND key = 'p:' || OLD.account_id;
    END
    """,
    """
    CREATE TRIGGER ticket_shares_access_insert AFTER INSERT ON ticket_shares BEGIN
        INSERT OR IGNORE INTO ticket_access (ticket_id, key, last_activity_at)
        SELECT id, 'o:' || NEW.organization_id, last_activity_at FROM tickets WHERE id = NEW.ticket_id;
    END
    """,
    """
    CREATE TRIGGER ticket_shares_access_delete AFTER DELETE ON ticket_shares BEGIN
        DELETE FROM ticket_access WHERE ticket_id = OLD.ticket_id AND key = 'o:' || OLD.organization_id;
    END
    """,
    # SQLite does not cascade deletes unless foreign keys are on: the access rows go with the ticket.
    """
    CREATE TRIGGER tickets_access_delete AFTER DELETE ON tickets BEGIN
        DELETE FROM ticket_access WHERE ticket_id = OLD.id;
        DELETE FROM tickets_fts WHERE rowid = OLD.id;
    END
    """,
    "CREATE VIRTUAL TABLE tickets_fts USING fts5(document, tokenize = 'unicode61 remove_diacritics 2')",
    f"""
    CREATE TRIGGER tickets_fts_insert AFTER INSERT ON tickets BEGIN
        INSERT INTO tickets_fts (rowid, document) {_SQLITE_DOCUMENT.format(ticket='NEW.id')};
    END
    """,
    f"""
    CREATE TRIGGER tickets_fts_update AFTER UPDATE OF summary, description ON tickets BEGIN
        DELETE FROM tickets_fts WHERE rowid = NEW.id;
        INSERT INTO tickets_fts (rowid, document) {_SQLITE_DOCUMENT.format(ticket='NEW.id')};
    END
    """,
] + [
    f"""
    CREATE TRIGGER comments_fts_{op_name.lower()} AFTER {op_name} ON comments BEGIN
        DELETE FROM tickets_fts WHERE rowid = {row}.ticket_id;
        INSERT INTO tickets_fts (rowid, document) {_SQLITE_DOCUMENT.format(ticket=row + '.ticket_id')};
    END
    """ for op_name, row in (("INSERT", "NEW"), ("UPDATE", "NEW"), ("DELETE", "OLD"))
]

SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS comments_fts_insert", "DROP TRIGGER IF EXISTS comments_fts_update",
    "DROP TRIGGER IF EXISTS comments_fts_delete", "DROP TRIGGER IF EXISTS tickets_fts_update",
    "DROP TRIGGER IF EXISTS tickets_fts_insert", "DROP TRIGGER IF EXISTS tickets_access_delete",
    "DROP TABLE IF EXISTS tickets_fts",
    "DROP TRIGGER IF EXISTS ticket_shares_access_delete", "DROP TRIGGER IF EXISTS ticket_shares_access_insert",
    "DROP TRIGGER IF EXISTS ticket_participants_access_delete",
    "DROP TRIGGER IF EXISTS ticket_participants_access_insert",
    "DROP TRIGGER IF EXISTS tickets_access_update", "DROP TRIGGER IF EXISTS tickets_access_insert",
]

BACKFILL_ACCESS = [
    "INSERT INTO ticket_access (ticket_id, key, last_activity_at) "
    "SELECT id, 'r:' || reporter_id, last_activity_at FROM tickets",
    "INSERT INTO ticket_access (ticket_id, key, last_activity_at) "
    "SELECT id, 'd:' || desk_id, last_activity_at FROM tickets",
    "INSERT INTO ticket_access (ticket_id, key, last_activity_at) "
    "SELECT t.id, 'p:' || p.account_id, t.last_activity_at FROM ticket_participants p JOIN tickets t ON t.id = p.ticket_id",
    "INSERT INTO ticket_access (ticket_id, key, last_activity_at) "
    "SELECT t.id, 'o:' || s.organization_id, t.last_activity_at FROM ticket_shares s JOIN tickets t ON t.id = s.ticket_id",
]


def upgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    op.create_table(
        'ticket_access',
        sa.Column('ticket_id', sa.Integer(), nullable=False),
        sa.Column('key', sa.String(length=80), nullable=False),
        sa.Column('last_activity_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], name=op.f('fk_ticket_access_ticket_id_tickets'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('ticket_id', 'key', name=op.f('pk_ticket_access')),
    )
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.add_column(sa.Column('search_vector', postgresql.TSVECTOR().with_variant(sa.Text(), 'sqlite'),
                                      nullable=True))
    for statement in BACKFILL_ACCESS:
        op.execute(statement)
    op.create_index('ix_ticket_access_walk', 'ticket_access', ['key', 'last_activity_at', 'ticket_id'], unique=False)
    op.create_index('ix_tickets_desk_queue', 'tickets', ['desk_id', 'status', 'assignee_id'], unique=False)
    if postgres:
        op.execute(f"UPDATE tickets t SET search_vector = {_PG_DOCUMENT}")
        op.create_index('ix_tickets_search_vector', 'tickets', ['search_vector'], unique=False,
                        postgresql_using='gin')
        for statement in PG_UP:
            op.execute(statement)
    else:
        op.create_index('ix_tickets_search_vector', 'tickets', ['search_vector'], unique=False)
        for statement in SQLITE_UP:
            op.execute(statement)
        op.execute("INSERT INTO tickets_fts (rowid, document) " + _SQLITE_DOCUMENT.replace(
            "WHERE t.id = {ticket}", ""))


def downgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    for statement in (PG_DOWN if postgres else SQLITE_DOWN):
        op.execute(statement)
    op.drop_index('ix_tickets_search_vector', table_name='tickets')
    op.drop_index('ix_tickets_desk_queue', table_name='tickets')
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.drop_column('search_vector')
    op.drop_index('ix_ticket_access_walk', table_name='ticket_access')
    op.drop_table('ticket_access')
