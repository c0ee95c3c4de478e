"""follow-up cadence and delivery ledger

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27 18:53:34.256268
"""

import sqlalchemy as sa
from alembic import op

import bot.store.models

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('deliveries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('team_id', sa.String(length=32), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('subject', sa.String(length=64), nullable=False),
    sa.Column('period', sa.String(length=64), nullable=False),
    sa.Column('target', sa.String(length=32), nullable=False),
    sa.Column('payload', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('last_error', sa.String(length=64), nullable=True),
    sa.Column('next_attempt_at', bot.store.models.UTCDateTime(), nullable=False),
    sa.Column('lease_until', bot.store.models.UTCDateTime(), nullable=True),
    sa.Column('created_at', bot.store.models.UTCDateTime(), nullable=False),
    sa.Column('sent_at', bot.store.models.UTCDateTime(), nullable=True),
    sa.Column('message_channel', sa.String(length=32), nullable=True),
    sa.Column('message_ts', sa.String(length=32), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_deliveries')),
    sa.UniqueConstraint('team_id', 'kind', 'subject', 'period', name=op.f('uq_deliveries_team_id_kind_subject_period'))
    )
    with op.batch_alter_table('deliveries', schema=None) as batch_op:
        batch_op.create_index('ix_deliveries_message', ['team_id', 'message_channel', 'message_ts'], unique=False)
        batch_op.create_index('ix_deliveries_status_next_attempt_at', ['status', 'next_attempt_at'], unique=False)

    with op.batch_alter_table('leads', schema=None) as batch_op:
        batch_op.add_column(sa.Column('buyer_date', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('nudge_due_at', bot.store.models.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('nudges_unanswered', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('last_nudged_at', bot.store.models.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('escalated_at_touch', sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column('needs_new_owner', sa.Boolean(), server_default=sa.text('(false)'), nullable=False)
        )
        batch_op.create_index('ix_leads_nudge_due_at', ['nudge_due_at'], unique=False)
        batch_op.create_index('ix_leads_status_nudges_unanswered', ['status', 'nudges_unanswered'], unique=False)

    with op.batch_alter_table('teams', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sending_stopped', sa.String(length=64), nullable=True))

    # Open leads from before the scheduler existed: let its first run place them.
    op.execute("UPDATE leads SET nudge_due_at = created_at WHERE status = 'open'")


def downgrade() -> None:
    with op.batch_alter_table('teams', schema=None) as batch_op:
        batch_op.drop_column('sending_stopped')

    with op.batch_alter_table('leads', schema=None) as batch_op:
        batch_op.drop_index('ix_leads_status_nudges_unanswered')
        batch_op.drop_index('ix_leads_nudge_due_at')
        batch_op.drop_column('needs_new_owner')
        batch_op.drop_column('escalated_at_touch')
        batch_op.drop_column('last_nudged_at')
        batch_op.drop_column('nudges_unanswered')
        batch_op.drop_column('nudge_due_at')
        batch_op.drop_column('buyer_date')

    with op.batch_alter_table('deliveries', schema=None) as batch_op:
        batch_op.drop_index('ix_deliveries_status_next_attempt_at')
        batch_op.drop_index('ix_deliveries_message')

    op.drop_table('deliveries')
