"""outbox rows that keep failing wait between tries and are parked; the relay claims by a partial index

Revision ID: 0007
Revises: 0005
Create Date: 2026-12-01 13:30:00
"""
from alembic import op

from common.migrate import add_outbox_parking, drop_outbox_parking


revision = '0007'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    add_outbox_parking(op)


def downgrade() -> None:
    drop_outbox_parking(op)
