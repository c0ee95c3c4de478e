"""Follow-ups that log themselves: contact emails, the sales mailbox's handled mail and position, buyer replies,
channels linked to leads, and where each follow-up came from

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-28 11:14:03.338167
"""

import sqlalchemy as sa
from alembic import op

import bot.store.models

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('mailbox_state',
    sa.Column('team_id', sa.String(length=32), nullable=False),
    sa.Column('mailbox', sa.String(length=255), nullable=False),
    sa.Column('uidvalidity', sa.BigInteger(), nullable=True),
    sa.Column('last_uid', sa.BigInteger(), nullable=True),
    sa.Column('last_ok_at', bot.store.models.UTCDateTime(), nullable=True),
    sa.Column('failing_since', bot.store.models.UTCDateTime(), nullable=True),
    sa.Column('last_error', sa.String(length=255), nullable=True),
    sa.PrimaryKeyConstraint('team_id', 'mailbox', name=op.f('pk_mailbox_state'))
    )
    op.create_table('buyer_replies',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('team_id', sa.String(length=32), nullable=False),
    sa.Column('lead_id', sa.Integer(), nullable=False),
    sa.Column('source', sa.String(length=16), nullable=False),
    sa.Column('ref', sa.String(length=255), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('replied_at', bot.store.models.UTCDateTime(), nullable=False),
    sa.Column('answered_at', bot.store.models.UTCDateTime(), nullable=True),
    sa.Column('answered_how', sa.String(length=16), nullable=True),
    sa.ForeignKeyConstraint(['lead_id'], ['leads.id'], name=op.f('fk_buyer_replies_lead_id_leads')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_buyer_replies')),
    sa.UniqueConstraint('team_id', 'ref', name=op.f('uq_buyer_replies_team_id_ref'))
    )
    with op.batch_alter_table('buyer_replies', schema=None) as batch_op:
        batch_op.create_index('ix_buyer_replies_team_lead', ['team_id', 'lead_id'], unique=False)
        batch_op.create_index('ix_buyer_replies_team_replied_at', ['team_id', 'replied_at'], unique=False)

    op.create_table('linked_channels',
    sa.Column('team_id', sa.String(length=32), nullable=False),
    sa.Column('channel_id', sa.String(length=32), nullable=False),
    sa.Column('lead_id', sa.Integer(), nullable=False),
    sa.Column('linked_by', sa.String(length=32), nullable=False),
    sa.Column('linked_at', bot.store.models.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['lead_id'], ['leads.id'], name=op.f('fk_linked_channels_lead_id_leads')),
    sa.PrimaryKeyConstraint('team_id', 'channel_id', name=op.f('pk_linked_channels'))
    )
    with op.batch_alter_table('linked_channels', schema=None) as batch_op:
        batch_op.create_index('ix_linked_channels_team_lead', ['team_id', 'lead_id'], unique=False)

    op.create_table('mail_messages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('team_id', sa.String(length=32), nullable=False),
    sa.Column('message_key', sa.String(length=255), nullable=False),
    sa.Column('sender', sa.String(length=320), nullable=False),
    sa.Column('subject', sa.Text(), nullable=False),
    sa.Column('sent_at', bot.store.models.UTCDateTime(), nullable=True),
    sa.Column('handled_at', bot.store.models.UTCDateTime(), nullable=False),
    sa.Column('outcome', sa.String(length=16), nullable=False),
    sa.Column('lead_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['lead_id'], ['leads.id'], name=op.f('fk_mail_messages_lead_id_leads')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mail_messages')),
    sa.UniqueConstraint('team_id', 'message_key', name=op.f('uq_mail_messages_team_id_message_key'))
    )
    with op.batch_alter_table('mail_messages', schema=None) as batch_op:
        batch_op.create_index('ix_mail_messages_team_handled_at', ['team_id', 'handled_at'], unique=False)

    with op.batch_alter_table('enquiries', schema=None) as batch_op:
        batch_op.add_column(sa.Column('mail_key', sa.String(length=255), nullable=True))

    with op.batch_alter_table('inbound_channels', schema=None) as batch_op:
        batch_op.add_column(sa.Column('mail', sa.Boolean(), server_default=sa.text('(false)'), nullable=False))

    with op.batch_alter_table('leads', schema=None) as batch_op:
        batch_op.add_column(sa.Column('contact_email', sa.String(length=320), nullable=True))
        batch_op.add_column(sa.Column('contact_domain', sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column('reply_waiting_since', bot.store.models.UTCDateTime(), nullable=True))
        batch_op.create_index('ix_leads_team_contact_domain', ['team_id', 'contact_domain'], unique=False)
        batch_op.create_index('ix_leads_team_contact_email', ['team_id', 'contact_email'], unique=False)

    with op.batch_alter_table('touches', schema=None) as batch_op:
        batch_op.add_column(sa.Column('source', sa.String(length=16), server_default='typed', nullable=False))



def downgrade() -> None:
    with op.batch_alter_table('touches', schema=None) as batch_op:
        batch_op.drop_column('source')

    with op.batch_alter_table('leads', schema=None) as batch_op:
        batch_op.drop_index('ix_leads_team_contact_email')
        batch_op.drop_index('ix_leads_team_contact_domain')
        batch_op.drop_column('reply_waiting_since')
        batch_op.drop_column('contact_domain')
        batch_op.drop_column('contact_email')

    with op.batch_alter_table('inbound_channels', schema=None) as batch_op:
        batch_op.drop_column('mail')

    with op.batch_alter_table('enquiries', schema=None) as batch_op:
        batch_op.drop_column('mail_key')

    with op.batch_alter_table('mail_messages', schema=None) as batch_op:
        batch_op.drop_index('ix_mail_messages_team_handled_at')

    op.drop_table('mail_messages')
    with op.batch_alter_table('linked_channels', schema=None) as batch_op:
        batch_op.drop_index('ix_linked_channels_team_lead')

    op.drop_table('linked_channels')
    with op.batch_alter_table('buyer_replies', schema=None) as batch_op:
        batch_op.drop_index('ix_buyer_replies_team_replied_at')
        batch_op.drop_index('ix_buyer_replies_team_lead')

    op.drop_table('buyer_replies')
    op.drop_table('mailbox_state')
