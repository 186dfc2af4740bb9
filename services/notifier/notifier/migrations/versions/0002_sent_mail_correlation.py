"""sent-mail log remembers the action (correlation id) and ticket of each email, for batching

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26 15:00:00.000000
"""
from alembic import op
import sqlalchemy as sa


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('sent_mail', sa.Column('correlation_id', sa.String(length=64), nullable=True))
    op.add_column('sent_mail', sa.Column('ticket_key', sa.String(length=32), nullable=True))
    op.create_index(op.f('ix_sent_mail_correlation_id'), 'sent_mail', ['correlation_id', 'recipient'],
                    unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_sent_mail_correlation_id'), table_name='sent_mail')
    op.drop_column('sent_mail', 'ticket_key')
    op.drop_column('sent_mail', 'correlation_id')
