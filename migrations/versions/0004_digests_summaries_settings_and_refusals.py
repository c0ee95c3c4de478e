"""digests, summaries, settings and refusals

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27 19:13:57.474348
"""

import sqlalchemy as sa
from alembic import op

import bot.store.models

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('touches', schema=None) as batch_op:
        batch_op.create_index('ix_touches_team_logged_at', ['team_id', 'logged_at'], unique=False)
    with op.batch_alter_table('leads', schema=None) as batch_op:
        batch_op.create_index('ix_leads_team_created_at', ['team_id', 'created_at'], unique=False)
        batch_op.create_index('ix_leads_team_closed_at', ['team_id', 'closed_at'], unique=False)
    op.create_table('refusals',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('team_id', sa.String(length=32), nullable=False),
    sa.Column('lead_number', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.String(length=32), nullable=False),
    sa.Column('at', bot.store.models.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_refusals'))
    )
    with op.batch_alter_table('refusals', schema=None) as batch_op:
        batch_op.create_index('ix_refusals_team_at', ['team_id', 'at'], unique=False)

    op.create_table('team_settings',
    sa.Column('team_id', sa.String(length=32), nullable=False),
    sa.Column('values', sa.Text(), nullable=False),
    sa.Column('updated_by', sa.String(length=32), nullable=False),
    sa.Column('updated_at', bot.store.models.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('team_id', name=op.f('pk_team_settings'))
    )
    with op.batch_alter_table('reps', schema=None) as batch_op:
        batch_op.add_column(sa.Column('digest_time', sa.String(length=5), nullable=True))
        batch_op.add_column(sa.Column('workdays', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('work_hours', sa.String(length=11), nullable=True))
        batch_op.add_column(sa.Column('language', sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column('snooze_days', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('next_digest_at', bot.store.models.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('home_opened_at', bot.store.models.UTCDateTime(), nullable=True))
        batch_op.create_index(batch_op.f('ix_reps_next_digest_at'), ['next_digest_at'], unique=False)

    with op.batch_alter_table('teams', schema=None) as batch_op:
        batch_op.add_column(sa.Column('summary_channel', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('summary_enabled_by', sa.String(length=32), nullable=True))



def downgrade() -> None:
    with op.batch_alter_table('leads', schema=None) as batch_op:
        batch_op.drop_index('ix_leads_team_closed_at')
        batch_op.drop_index('ix_leads_team_created_at')
    with op.batch_alter_table('touches', schema=None) as batch_op:
        batch_op.drop_index('ix_touches_team_logged_at')
    with op.batch_alter_table('teams', schema=None) as batch_op:
        batch_op.drop_column('summary_enabled_by')
        batch_op.drop_column('summary_channel')

    with op.batch_alter_table('reps', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reps_next_digest_at'))
        batch_op.drop_column('home_opened_at')
        batch_op.drop_column('next_digest_at')
        batch_op.drop_column('snooze_days')
        batch_op.drop_column('language')
        batch_op.drop_column('work_hours')
        batch_op.drop_column('workdays')
        batch_op.drop_column('digest_time')

    op.drop_table('team_settings')
    with op.batch_alter_table('refusals', schema=None) as batch_op:
        batch_op.drop_index('ix_refusals_team_at')

    op.drop_table('refusals')
