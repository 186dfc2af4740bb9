"""a desk's queue counts kept by triggers; indexes that give each agent queue in latest-activity order

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 10:00:00

``ticket_counts`` holds how many tickets each (desk, status, assignee) has ('' for unassigned), kept
by row triggers on ``tickets`` in the transaction of every insert, status or assignee change, move
and deletion, so a desk's queue counts read a handful of rows instead of every ticket of the desk
(333,334 index entries per desk at 1,000,000 tickets).

A new ticket adds one to its desk's (status, '') row inside the statement that takes the desk's
ticket number (``_NUMBER_TICKET`` on PostgreSQL), so that row is locked for exactly as long as the
desk's counter already is: it serialises nothing that was not serialised. A change moves one from
the old row to the new one in one statement that locks the two rows in key order, so two changes
in opposite directions cannot deadlock.

``ix_tickets_desk_status_activity`` (desk, status, latest activity) and ``ix_tickets_desk_queue``,
now (desk, status, assignee, latest activity), and ``ix_tickets_desk_unassigned`` (the unassigned
ones) let a queue read one ordered index range per status it holds (``open``: three, merged) and stop
after the page, whatever share of the desk it is.
"""
from alembic import op
import sqlalchemy as sa


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

# Every (desk, status, assignee) as the triggers count it; bench/seed.py counts a bulk load the same way.
BACKFILL_COUNTS = ("INSERT INTO ticket_counts (desk_id, status, assignee_id, n) "
                   "SELECT desk_id, status, coalesce(assignee_id, ''), count(*) FROM tickets "
                   "GROUP BY desk_id, status, coalesce(assignee_id, '')")

PG_UP = [
    """
    CREATE FUNCTION ticket_counts_from_ticket() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'INSERT' THEN
            INSERT INTO ticket_counts AS c (desk_id, status, assignee_id, n)
            VALUES (NEW.desk_id, NEW.status, coalesce(NEW.assignee_id, ''), 1)
            ON CONFLICT (desk_id, status, assignee_id) DO UPDATE SET n = c.n + 1;
        ELSIF TG_OP = 'DELETE' THEN
            UPDATE ticket_counts SET n = n - 1
            WHERE desk_id = OLD.desk_id AND status = OLD.status AND assignee_id = coalesce(OLD.assignee_id, '');
        ELSE
            -- Both rows in one statement, in key order: two opposite moves lock them in the same order.
            INSERT INTO ticket_counts AS c (desk_id, status, assignee_id, n)
            SELECT d, s, a, delta FROM (VALUES (OLD.desk_id, OLD.status, coalesce(OLD.assignee_id, ''), -1),
                                               (NEW.desk_id, NEW.status, coalesce(NEW.assignee_id, ''), 1)
                                       ) AS moved (d, s, a, delta)
            ORDER BY d, s, a
            ON CONFLICT (desk_id, status, assignee_id) DO UPDATE SET n = c.n + excluded.n;
        END IF;
        RETURN NULL;
    END $$
    """,
    """
    CREATE TRIGGER tickets_counts_insert_delete AFTER INSERT OR DELETE ON tickets
    FOR EACH ROW EXECUTE FUNCTION ticket_counts_from_ticket()
    """,
    """
    CREATE TRIGGER tickets_counts_update AFTER UPDATE ON tickets FOR EACH ROW
    WHEN (NEW.desk_id IS DISTINCT FROM OLD.desk_id OR NEW.status IS DISTINCT FROM OLD.status
          OR NEW.assignee_id IS DISTINCT FROM OLD.assignee_id)
    EXECUTE FUNCTION ticket_counts_from_ticket()
    """,
]

PG_DOWN = [
    "DROP TRIGGER IF EXISTS tickets_counts_update ON tickets",
    "DROP TRIGGER IF EXISTS tickets_counts_insert_delete ON tickets",
    "DROP FUNCTION IF EXISTS ticket_counts_from_ticket()",
]


def _sqlite_add(row: str, delta: str) -> list[str]:
    return [f"INSERT OR IGNORE INTO ticket_counts (desk_id, status, assignee_id, n) "
            f"VALUES ({row}.desk_id, {row}.status, coalesce({row}.assignee_id, ''), 0);",
            f"UPDATE ticket_counts SET n = n + {delta} WHERE desk_id = {row}.desk_id AND status = {row}.status "
            f"AND assignee_id = coalesce({row}.assignee_id, '');"]


# SQLite has one writer at a time: no lock order to keep.
SQLITE_UP = [
    "CREATE TRIGGER tickets_counts_insert AFTER INSERT ON tickets BEGIN\n"
    + "\n".join(_sqlite_add("NEW", "1")) + "\nEND",
    "CREATE TRIGGER tickets_counts_update AFTER UPDATE OF desk_id, status, assignee_id ON tickets\n"
    "WHEN NEW.desk_id IS NOT OLD.desk_id OR NEW.status IS NOT OLD.status OR NEW.assignee_id IS NOT OLD.assignee_id\n"
    "BEGIN\n" + "\n".join(_sqlite_add("OLD", "-1") + _sqlite_add("NEW", "1")) + "\nEND",
    "CREATE TRIGGER tickets_counts_delete AFTER DELETE ON tickets BEGIN\n"
    + "\n".join(_sqlite_add("OLD", "-1")) + "\nEND",
]

SQLITE_DOWN = ["DROP TRIGGER IF EXISTS tickets_counts_delete", "DROP TRIGGER IF EXISTS tickets_counts_update",
               "DROP TRIGGER IF EXISTS tickets_counts_insert"]


def upgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    op.create_table(
        'ticket_counts',
        sa.Column('desk_id', sa.Integer(), nullable=False),
        sa.Column('status', sa.String(length=40), nullable=False),
        sa.Column('assignee_id', sa.String(length=64), nullable=False),
        sa.Column('n', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['desk_id'], ['service_desks.id'], name=op.f('fk_ticket_counts_desk_id_service_desks'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('desk_id', 'status', 'assignee_id', name=op.f('pk_ticket_counts')),
    )
    # Counted and triggered in this transaction: no ticket written meanwhile is missed or counted twice.
    if postgres:
        op.execute("LOCK TABLE tickets IN SHARE ROW EXCLUSIVE MODE")
    op.execute(BACKFILL_COUNTS)
    for statement in (PG_UP if postgres else SQLITE_UP):
        op.execute(statement)
    op.drop_index('ix_tickets_desk_queue', table_name='tickets')
    op.create_index('ix_tickets_desk_queue', 'tickets', ['desk_id', 'status', 'assignee_id', 'last_activity_at', 'id'],
                    unique=False)
    op.create_index('ix_tickets_desk_status_activity', 'tickets', ['desk_id', 'status', 'last_activity_at', 'id'],
                    unique=False)
    # ``assignee_id IS NULL`` is no equality, so (desk, status, assignee, ...) gives no activity order for it.
    op.create_index('ix_tickets_desk_unassigned', 'tickets', ['desk_id', 'status', 'last_activity_at', 'id'],
                    unique=False, postgresql_where=sa.text('assignee_id IS NULL'),
                    sqlite_where=sa.text('assignee_id IS NULL'))


def downgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    op.drop_index('ix_tickets_desk_unassigned', table_name='tickets')
    op.drop_index('ix_tickets_desk_status_activity', table_name='tickets')
    op.drop_index('ix_tickets_desk_queue', table_name='tickets')
    op.create_index('ix_tickets_desk_queue', 'tickets', ['desk_id', 'status', 'assignee_id'], unique=False)
    for statement in (PG_DOWN if postgres else SQLITE_DOWN):
        op.execute(statement)
    op.drop_table('ticket_counts')
