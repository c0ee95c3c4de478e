"""inbound channels, enquiries and lead source links

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-27 19:08:47.480744
"""

import sqlalchemy as sa
from alembic import op

import bot.store.models

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('inbound_channels',
    sa.Column('team_id', sa.String(length=32), nullable=False),
    sa.Column('channel_id', sa.String(length=32), nullable=False),
    sa.Column('enabled', sa.Boolean(), server_default=sa.text('(true)'), nullable=False),
    sa.Column('round_robin', sa.Boolean(), server_default=sa.text('(false)'), nullable=False),
    sa.Column('last_assigned_to', sa.String(length=32), nullable=True),
    sa.Column('changed_by', sa.String(length=32), nullable=False),
    sa.Column('changed_at', bot.store.models.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('team_id', 'channel_id', name=op.f('pk_inbound_channels'))
    )
    op.create_table('enquiries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('team_id', sa.String(length=32), nullable=False),
    sa.Column('channel_id', sa.String(length=32), nullable=False),
    sa.Column('message_ts', sa.String(length=32), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('author', sa.String(length=255), nullable=False),
    sa.Column('posted_at', bot.store.models.UTCDateTime(), nullable=False),
    sa.Column('received_at', bot.store.models.UTCDateTime(), nullable=False),
    sa.Column('permalink', sa.String(length=512), nullable=True),
    sa.Column('reply_ts', sa.String(length=32), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('taken_how', sa.String(length=16), nullable=True),
    sa.Column('owner_id', sa.String(length=32), nullable=True),
    sa.Column('handled_by', sa.String(length=32), nullable=True),
    sa.Column('handled_at', bot.store.models.UTCDateTime(), nullable=True),
    sa.Column('lead_id', sa.Integer(), nullable=True),
    sa.Column('remind_due_at', bot.store.models.UTCDateTime(), nullable=True),
    sa.Column('reminded_at', bot.store.models.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['lead_id'], ['leads.id'], name=op.f('fk_enquiries_lead_id_leads')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_enquiries')),
    sa.UniqueConstraint('team_id', 'channel_id', 'message_ts', name=op.f('uq_enquiries_team_id_channel_id_message_ts'))
    )
    with op.batch_alter_table('enquiries', schema=None) as batch_op:
        batch_op.create_index('ix_enquiries_status_remind_due_at', ['status', 'remind_due_at'], unique=False)
        batch_op.create_index('ix_enquiries_team_channel_owner', ['team_id', 'channel_id', 'owner_id'], unique=False)
        batch_op.create_index('ix_enquiries_team_lead', ['team_id', 'lead_id'], unique=False)

    with op.batch_alter_table('leads', schema=None) as batch_op:
        batch_op.add_column(sa.Column('source_link', sa.String(length=512), nullable=True))



def downgrade() -> None:
    with op.batch_alter_table('leads', schema=None) as batch_op:
        batch_op.drop_column('source_link')

    with op.batch_alter_table('enquiries', schema=None) as batch_op:
        batch_op.drop_index('ix_enquiries_team_lead')
        batch_op.drop_index('ix_enquiries_team_channel_owner')
        batch_op.drop_index('ix_enquiries_status_remind_due_at')

    op.drop_table('enquiries')
    op.drop_table('inbound_channels')
