"""who customers may share a desk's requests with; who created each organisation

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 10:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('service_desks', schema=None) as batch_op:
        batch_op.add_column(sa.Column('customer_sharing', sa.String(length=20), server_default='organizations',
                                      nullable=False))
    with op.batch_alter_table('organizations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('created_by', sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('organizations', schema=None) as batch_op:
        batch_op.drop_column('created_by')
    with op.batch_alter_table('service_desks', schema=None) as batch_op:
        batch_op.drop_column('customer_sharing')
