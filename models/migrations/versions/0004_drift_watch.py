"""change.item unbounded; extraction health per observation; drift state per source

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 04:00:00
"""

from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('change', schema=None) as batch_op:
        batch_op.alter_column('item', existing_type=sa.String(length=512), type_=sa.Text(), existing_nullable=False)
    with op.batch_alter_table('sourcehealth', schema=None) as batch_op:
        batch_op.add_column(sa.Column('drift', sa.JSON(), nullable=True))
    op.create_table(
        'extractionhealth',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('source', sa.String(length=64), nullable=False),
        sa.Column('fetch_id', sa.Integer(), nullable=True),
        sa.Column('observed_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column('records', sa.Integer(), nullable=False),
        sa.Column('counts', sa.JSON(), nullable=True),
        sa.Column('findings', sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(['fetch_id'], ['fetch.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_extractionhealth_source_observed', 'extractionhealth', ['source', 'observed_at'])


def downgrade() -> None:
    op.drop_index('ix_extractionhealth_source_observed', table_name='extractionhealth')
    op.drop_table('extractionhealth')
    with op.batch_alter_table('sourcehealth', schema=None) as batch_op:
        batch_op.drop_column('drift')
    with op.batch_alter_table('change', schema=None) as batch_op:
        batch_op.alter_column('item', existing_type=sa.Text(), type_=sa.String(length=512), existing_nullable=False)
