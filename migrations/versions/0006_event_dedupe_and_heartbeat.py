"""Slack events seen (retries are dropped by every web worker) and scheduler runs (for the health check)

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-27 20:52:43.591524
"""

import sqlalchemy as sa
from alembic import op

import bot.store.models

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('scheduler_runs',
    sa.Column('runner', sa.String(length=255), nullable=False),
    sa.Column('finished_at', bot.store.models.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('runner', name=op.f('pk_scheduler_runs'))
    )
    op.create_table('slack_events',
    sa.Column('team_id', sa.String(length=32), nullable=False),
    sa.Column('event_id', sa.String(length=64), nullable=False),
    sa.Column('received_at', bot.store.models.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('team_id', 'event_id', name=op.f('pk_slack_events'))
    )
    with op.batch_alter_table('slack_events', schema=None) as batch_op:
        batch_op.create_index('ix_slack_events_received_at', ['received_at'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('slack_events', schema=None) as batch_op:
        batch_op.drop_index('ix_slack_events_received_at')

    op.drop_table('slack_events')
    op.drop_table('scheduler_runs')
