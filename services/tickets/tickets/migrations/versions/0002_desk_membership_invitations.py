"""desk agents and customers, restricted desks, participant invitations, watchers

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26 15:10:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def _desk_link(name, column, column_type):
    op.create_table(name,
    sa.Column('desk_id', sa.Integer(), nullable=False),
    sa.Column(column, column_type, nullable=False),
    sa.ForeignKeyConstraint(['desk_id'], ['service_desks.id'], name=op.f(f'fk_{name}_desk_id_service_desks'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('desk_id', column, name=op.f(f'pk_{name}'))
    )
    with op.batch_alter_table(name, schema=None) as batch_op:
        batch_op.create_index(batch_op.f(f'ix_{name}_{column}'), [column], unique=False)


def upgrade() -> None:
    with op.batch_alter_table('service_desks', schema=None) as batch_op:
        batch_op.add_column(sa.Column('restricted', sa.Boolean(), server_default=sa.false(), nullable=False))
    _desk_link('desk_agents', 'account_id', sa.String(length=64))
    _desk_link('desk_pending_agents', 'email', sa.String(length=320))
    _desk_link('desk_customers', 'account_id', sa.String(length=64))
    op.create_table('ticket_watchers',
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], name=op.f('fk_ticket_watchers_ticket_id_tickets'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('ticket_id', 'account_id', name=op.f('pk_ticket_watchers'))
    )
    op.create_table('ticket_invitations',
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=320), nullable=False),
    sa.Column('invited_by', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], name=op.f('fk_ticket_invitations_ticket_id_tickets'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('ticket_id', 'email', name=op.f('pk_ticket_invitations'))
    )
    with op.batch_alter_table('ticket_invitations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ticket_invitations_email'), ['email'], unique=False)


def downgrade() -> None:
    op.drop_table('ticket_invitations')
    op.drop_table('ticket_watchers')
    op.drop_table('desk_customers')
    op.drop_table('desk_pending_agents')
    op.drop_table('desk_agents')
    with op.batch_alter_table('service_desks', schema=None) as batch_op:
        batch_op.drop_column('restricted')
