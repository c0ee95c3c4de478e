"""initial schema

Revision ID: 0001
Revises: 
Create Date: 2026-11-27 18:45:37.524370
"""

import sqlalchemy as sa
from alembic import op

import bot.store.models

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('reps',
    sa.Column('team_id', sa.String(length=32), nullable=False),
    sa.Column('user_id', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('tz', sa.String(length=64), nullable=True),
    sa.Column('locale', sa.String(length=16), nullable=True),
    sa.Column('email', sa.String(length=320), nullable=True),
    sa.Column('active', sa.Boolean(), server_default=sa.text('(true)'), nullable=False),
    sa.Column('fetched_at', bot.store.models.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('team_id', 'user_id', name=op.f('pk_reps'))
    )
    op.create_table('teams',
    sa.Column('team_id', sa.String(length=32), nullable=False),
    sa.Column('last_lead_number', sa.Integer(), server_default='0', nullable=False),
    sa.Column('created_at', bot.store.models.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('team_id', name=op.f('pk_teams'))
    )
    op.create_table('leads',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('team_id', sa.String(length=32), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('company', sa.String(length=255), nullable=False),
    sa.Column('company_key', sa.String(length=255), nullable=False),
    sa.Column('contact_name', sa.String(length=255), nullable=False),
    sa.Column('contact_role', sa.String(length=255), nullable=False),
    sa.Column('source', sa.String(length=32), nullable=False),
    sa.Column('asked_for', sa.Text(), nullable=False),
    sa.Column('situation', sa.String(length=32), nullable=False),
    sa.Column('discovery_notes', sa.Text(), nullable=False),
    sa.Column('claimed_potential', sa.Numeric(precision=20, scale=2), nullable=True),
    sa.Column('potential_unit', sa.String(length=255), nullable=False),
    sa.Column('owner_id', sa.String(length=32), nullable=False),
    sa.Column('created_by', sa.String(length=32), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('lost_reason', sa.String(length=32), nullable=True),
    sa.Column('lost_note', sa.Text(), nullable=False),
    sa.Column('touch_count', sa.Integer(), nullable=False),
    sa.Column('next_follow_up_on', sa.Date(), nullable=True),
    sa.Column('last_touch_at', bot.store.models.UTCDateTime(), nullable=True),
    sa.Column('created_at', bot.store.models.UTCDateTime(), nullable=False),
    sa.Column('updated_at', bot.store.models.UTCDateTime(), nullable=False),
    sa.Column('closed_at', bot.store.models.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['team_id'], ['teams.team_id'], name=op.f('fk_leads_team_id_teams')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_leads')),
    sa.UniqueConstraint('team_id', 'number', name=op.f('uq_leads_team_id_number'))
    )
    with op.batch_alter_table('leads', schema=None) as batch_op:
        batch_op.create_index(
            'ix_leads_team_owner_status_next', ['team_id', 'owner_id', 'status', 'next_follow_up_on'], unique=False
        )
        batch_op.create_index('ix_leads_team_status_next', ['team_id', 'status', 'next_follow_up_on'], unique=False)
        batch_op.create_index(
            'uq_leads_open_company', ['team_id', 'company_key'], unique=True,
            sqlite_where=sa.text("status = 'open'"), postgresql_where=sa.text("status = 'open'"),
        )

    op.create_table('touches',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('team_id', sa.String(length=32), nullable=False),
    sa.Column('lead_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('buyer_said', sa.Text(), nullable=False),
    sa.Column('logged_by', sa.String(length=32), nullable=False),
    sa.Column('logged_at', bot.store.models.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['lead_id'], ['leads.id'], name=op.f('fk_touches_lead_id_leads')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_touches'))
    )
    with op.batch_alter_table('touches', schema=None) as batch_op:
        batch_op.create_index('ix_touches_team_lead', ['team_id', 'lead_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('touches', schema=None) as batch_op:
        batch_op.drop_index('ix_touches_team_lead')

    op.drop_table('touches')
    with op.batch_alter_table('leads', schema=None) as batch_op:
        batch_op.drop_index(
            'uq_leads_open_company',
            sqlite_where=sa.text("status = 'open'"), postgresql_where=sa.text("status = 'open'"),
        )
        batch_op.drop_index('ix_leads_team_status_next')
        batch_op.drop_index('ix_leads_team_owner_status_next')

    op.drop_table('leads')
    op.drop_table('teams')
    op.drop_table('reps')
