"""ticket number and key given last in the creating transaction (nullable until then)

Revision ID: 0006
Revises: 0007
Create Date: 2026-12-01 13:20:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0006'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.alter_column('number', existing_type=sa.Integer(), nullable=True)
        batch_op.alter_column('key', existing_type=sa.String(length=30), nullable=True)


def downgrade() -> None:
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.alter_column('key', existing_type=sa.String(length=30), nullable=False)
        batch_op.alter_column('number', existing_type=sa.Integer(), nullable=False)
