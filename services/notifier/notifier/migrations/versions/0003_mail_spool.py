"""the sent-mail log becomes the mail spool: one row per recipient, sent, retried or bounced on its own

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01 13:30:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('sent_mail', schema=None) as batch_op:
        batch_op.alter_column('sent_at', existing_type=sa.DateTime(timezone=True), nullable=True)
        batch_op.add_column(sa.Column('status', sa.String(length=10), server_default='sent', nullable=False))
        batch_op.add_column(sa.Column('message', sa.LargeBinary(), nullable=True))
        batch_op.add_column(sa.Column('created_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('attempts', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('sending_since', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('resent', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('last_error', sa.Text(), nullable=True))
        batch_op.create_index('ix_sent_mail_due', ['status', 'next_attempt_at'], unique=False)


def downgrade() -> None:
    op.execute("DELETE FROM sent_mail WHERE status <> 'sent'")
    with op.batch_alter_table('sent_mail', schema=None) as batch_op:
        batch_op.drop_index('ix_sent_mail_due')
        for column in ('last_error', 'resent', 'sending_since', 'next_attempt_at', 'attempts', 'created_at',
                       'message', 'status'):
            batch_op.drop_column(column)
        batch_op.alter_column('sent_at', existing_type=sa.DateTime(timezone=True), nullable=False)
