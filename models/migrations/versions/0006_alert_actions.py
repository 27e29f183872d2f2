"""alert actions: the audit trail of what people (and escalation) did about alerts, and destination
snoozes (their alerts go to the digest until a time)

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23 12:00:00
"""

from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'alertaction',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('alert_id', sa.Integer(), nullable=False),
        sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column('actor', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column('actor_name', sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
        sa.Column('via', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column('detail', sa.JSON(), nullable=True),
        sa.Column('channel_id', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
        sa.Column('message_ts', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
        sa.Column('once', sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
        sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['alert_id'], ['alert.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('once'),
    )
    op.create_index('ix_alertaction_alert_id', 'alertaction', ['alert_id'])
    op.create_index('ix_alertaction_created_at', 'alertaction', ['created_at'])
    op.create_table(
        'snooze',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('country', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column('until', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column('actor', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column('action_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['action_id'], ['alertaction.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_snooze_country', 'snooze', ['country'])


def downgrade() -> None:
    op.drop_index('ix_snooze_country', table_name='snooze')
    op.drop_table('snooze')
    op.drop_index('ix_alertaction_created_at', table_name='alertaction')
    op.drop_index('ix_alertaction_alert_id', table_name='alertaction')
    op.drop_table('alertaction')
