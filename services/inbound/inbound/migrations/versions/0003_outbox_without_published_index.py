"""the outbox's unused index on published_at goes (see common.migrate.drop_outbox_published_index)

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01 22:50:00
"""
from alembic import op

from common.migrate import drop_outbox_published_index, restore_outbox_published_index

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade():
    drop_outbox_published_index(op)


def downgrade():
    restore_outbox_published_index(op)
