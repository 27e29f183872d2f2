"""fold checkpoints: where the re-derivation of a source's history stood after an observation;
snapshot.source loses its own index (uq_snapshot leads with the source and serves the same queries);
fetch gains (source, observed_at) and (source, url, observed_at) indexes: the newest observation of a
source or URL, found without sorting its whole history

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23 10:00:00
"""

from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'foldcheckpoint',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('source', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column('fetch_id', sa.Integer(), nullable=False),
        sa.Column('observed_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column('state', sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(['fetch_id'], ['fetch.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('source', 'fetch_id', name='uq_foldcheckpoint'),
    )
    op.create_index('ix_foldcheckpoint_source_observed', 'foldcheckpoint', ['source', 'observed_at'])
    op.drop_index('ix_snapshot_source', table_name='snapshot')
    op.create_index('ix_fetch_source_observed', 'fetch', ['source', 'observed_at'])
    op.create_index('ix_fetch_source_url_observed', 'fetch', ['source', 'url', 'observed_at'])


def downgrade() -> None:
    op.drop_index('ix_fetch_source_url_observed', table_name='fetch')
    op.drop_index('ix_fetch_source_observed', table_name='fetch')
    op.create_index('ix_snapshot_source', 'snapshot', ['source'])
    op.drop_index('ix_foldcheckpoint_source_observed', table_name='foldcheckpoint')
    op.drop_table('foldcheckpoint')
