"""what each desk touches (a replica of tickets' facts), who invited each account, who created each
organisation; stored emails in the canonical form of common.emails

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01 10:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def _canonical_emails() -> None:
    """Rewrite addresses into the one canonical form (punycode domain, lower case) where that is free."""
    import logging

    from common.emails import InvalidEmail, normalise_email

    bind = op.get_bind()
    rows = bind.execute(sa.text("SELECT id, email FROM accounts")).all()
    taken = {email for _id, email in rows}
    for account_id, email in rows:
        try:
            canonical = normalise_email(email)
        except InvalidEmail:
            logging.getLogger("alembic").warning("account %s keeps an address the email rule refuses", account_id)
            continue
        if canonical == email:
            continue
        if canonical in taken:
            logging.getLogger("alembic").warning("account %s: %s is another account's address; left as it is",
                                                 account_id, canonical)
            continue
        bind.execute(sa.text("UPDATE accounts SET email = :email WHERE id = :id"), {"email": canonical, "id": account_id})
        taken.add(canonical)


def upgrade() -> None:
    with op.batch_alter_table('accounts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('invited_by', sa.String(length=36), nullable=True))
    with op.batch_alter_table('organisations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('created_by', sa.String(length=36), nullable=True))
    op.create_table('desk_agents',
    sa.Column('desk_id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.String(length=36), nullable=False),
    sa.PrimaryKeyConstraint('desk_id', 'account_id', name=op.f('pk_desk_agents'))
    )
    op.create_index(op.f('ix_desk_agents_account_id'), 'desk_agents', ['account_id'], unique=False)
    op.create_table('desk_organisations',
    sa.Column('desk_id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('linked', sa.Boolean(), nullable=False),
    sa.Column('shared', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('desk_id', 'organisation_id', name=op.f('pk_desk_organisations'))
    )
    op.create_table('desk_customers',
    sa.Column('desk_id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.String(length=36), nullable=False),
    sa.Column('listed', sa.Boolean(), nullable=False),
    sa.Column('involved', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('desk_id', 'account_id', name=op.f('pk_desk_customers'))
    )
    _canonical_emails()


def downgrade() -> None:
    op.drop_table('desk_customers')
    op.drop_table('desk_organisations')
    op.drop_index(op.f('ix_desk_agents_account_id'), table_name='desk_agents')
    op.drop_table('desk_agents')
    with op.batch_alter_table('organisations', schema=None) as batch_op:
        batch_op.drop_column('created_by')
    with op.batch_alter_table('accounts', schema=None) as batch_op:
        batch_op.drop_column('invited_by')
