"""fetch.observed_keys: which destinations each stored observation showed

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22 23:00:00
"""

from alembic import op
import sqlalchemy as sa


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('fetch', schema=None) as batch_op:
        batch_op.add_column(sa.Column('observed_keys', sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('fetch', schema=None) as batch_op:
        batch_op.drop_column('observed_keys')
