"""sourcehealth.failing: the URLs of a source failing now, so a streak ends only when all are read again

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 19:45:00
"""

from alembic import op
import sqlalchemy as sa


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('sourcehealth', schema=None) as batch_op:
        batch_op.add_column(sa.Column('failing', sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('sourcehealth', schema=None) as batch_op:
        batch_op.drop_column('failing')
