"""email channel: desk addresses and settings, the record of taken emails, emails kept for agents, requests waiting for new customers

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 10:10:03.365454
"""
from alembic import op
import sqlalchemy as sa


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('mail_intake',
    sa.Column('dedupe_key', sa.String(length=300), nullable=False),
    sa.Column('raw_id', sa.String(length=32), nullable=False),
    sa.Column('sender', sa.String(length=320), nullable=False),
    sa.Column('outcome', sa.String(length=20), nullable=False),
    sa.Column('reason', sa.String(length=60), nullable=True),
    sa.Column('ticket_key', sa.String(length=30), nullable=True),
    sa.Column('comment_id', sa.Integer(), nullable=True),
    sa.Column('answered', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('dedupe_key', name=op.f('pk_mail_intake'))
    )
    with op.batch_alter_table('mail_intake', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_mail_intake_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_mail_intake_sender'), ['sender'], unique=False)

    op.create_table('pending_email_requests',
    sa.Column('dedupe_key', sa.String(length=300), nullable=False),
    sa.Column('email', sa.String(length=320), nullable=False),
    sa.Column('desk_id', sa.Integer(), nullable=False),
    sa.Column('mail', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['desk_id'], ['service_desks.id'], name=op.f('fk_pending_email_requests_desk_id_service_desks'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('dedupe_key', name=op.f('pk_pending_email_requests'))
    )
    with op.batch_alter_table('pending_email_requests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_pending_email_requests_email'), ['email'], unique=False)

    op.create_table('ticket_emails',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('comment_id', sa.Integer(), nullable=True),
    sa.Column('raw_id', sa.String(length=32), nullable=False),
    sa.Column('message_id', sa.String(length=300), nullable=True),
    sa.Column('from_address', sa.String(length=320), nullable=False),
    sa.Column('subject', sa.String(length=255), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['comment_id'], ['comments.id'], name=op.f('fk_ticket_emails_comment_id_comments'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], name=op.f('fk_ticket_emails_ticket_id_tickets'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ticket_emails'))
    )
    with op.batch_alter_table('ticket_emails', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ticket_emails_ticket_id'), ['ticket_id'], unique=False)

    with op.batch_alter_table('service_desks', schema=None) as batch_op:
        batch_op.add_column(sa.Column('email_address', sa.String(length=320), nullable=True))
        batch_op.add_column(sa.Column('email_request_type_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('email_signup', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('email_require_dmarc', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.create_unique_constraint(batch_op.f('uq_service_desks_email_address'), ['email_address'])



def downgrade() -> None:
    with op.batch_alter_table('service_desks', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_service_desks_email_address'), type_='unique')
        batch_op.drop_column('email_require_dmarc')
        batch_op.drop_column('email_signup')
        batch_op.drop_column('email_request_type_id')
        batch_op.drop_column('email_address')

    with op.batch_alter_table('ticket_emails', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ticket_emails_ticket_id'))

    op.drop_table('ticket_emails')
    with op.batch_alter_table('pending_email_requests', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_pending_email_requests_email'))

    op.drop_table('pending_email_requests')
    with op.batch_alter_table('mail_intake', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_mail_intake_sender'))
        batch_op.drop_index(batch_op.f('ix_mail_intake_created_at'))

    op.drop_table('mail_intake')
