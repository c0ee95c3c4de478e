"""orders, accounts and small-buyer answers

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27 19:05:43.308780
"""

import sqlalchemy as sa
from alembic import op

import bot.store.models
from bot.text.company_names import account_key

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('accounts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('team_id', sa.String(length=32), nullable=False),
    sa.Column('account_key', sa.String(length=255), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('owner_id', sa.String(length=32), nullable=True),
    sa.Column('check_due_at', bot.store.models.UTCDateTime(), nullable=True),
    sa.Column('last_asked_at', bot.store.models.UTCDateTime(), nullable=True),
    sa.Column('expanded_at', bot.store.models.UTCDateTime(), nullable=True),
    sa.Column('created_at', bot.store.models.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_accounts')),
    sa.UniqueConstraint('team_id', 'account_key', name=op.f('uq_accounts_team_id_account_key'))
    )
    with op.batch_alter_table('accounts', schema=None) as batch_op:
        batch_op.create_index('ix_accounts_check_due_at', ['check_due_at'], unique=False)

    op.create_table('orders',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('team_id', sa.String(length=32), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('ordered_on', sa.Date(), nullable=False),
    sa.Column('amount', sa.Numeric(precision=20, scale=2), nullable=False),
    sa.Column('currency', sa.String(length=8), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('ref', sa.String(length=128), nullable=True),
    sa.Column('import_key', sa.String(length=300), nullable=False),
    sa.Column('created_by', sa.String(length=32), nullable=False),
    sa.Column('created_at', bot.store.models.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_orders_account_id_accounts')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_orders')),
    sa.UniqueConstraint('team_id', 'import_key', name=op.f('uq_orders_team_id_import_key'))
    )
    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.create_index(
            'ix_orders_team_account_ordered_on', ['team_id', 'account_id', 'ordered_on'], unique=False
        )

    op.create_table('small_buyer_answers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('team_id', sa.String(length=32), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.String(length=32), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('answered_by', sa.String(length=32), nullable=False),
    sa.Column('answered_at', bot.store.models.UTCDateTime(), nullable=False),
    sa.Column('next_step_on', sa.Date(), nullable=False),
    sa.Column('lead_number', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_small_buyer_answers_account_id_accounts')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_small_buyer_answers'))
    )
    with op.batch_alter_table('small_buyer_answers', schema=None) as batch_op:
        batch_op.create_index('ix_small_buyer_answers_team_answered_at', ['team_id', 'answered_at'], unique=False)

    with op.batch_alter_table('leads', schema=None) as batch_op:
        batch_op.add_column(sa.Column('account_key', sa.String(length=255), server_default='', nullable=False))
        batch_op.create_index('ix_leads_team_account_key', ['team_id', 'account_key'], unique=False)

    # Existing leads get their account key, computed by the same function new leads use.
    connection = op.get_bind()
    leads = sa.table(
        "leads", sa.column("id", sa.Integer), sa.column("company", sa.String), sa.column("account_key", sa.String)
    )
    for lead_id, company in connection.execute(sa.select(leads.c.id, leads.c.company)).all():
        connection.execute(leads.update().where(leads.c.id == lead_id).values(account_key=account_key(company)))



def downgrade() -> None:
    with op.batch_alter_table('leads', schema=None) as batch_op:
        batch_op.drop_index('ix_leads_team_account_key')
        batch_op.drop_column('account_key')

    with op.batch_alter_table('small_buyer_answers', schema=None) as batch_op:
        batch_op.drop_index('ix_small_buyer_answers_team_answered_at')

    op.drop_table('small_buyer_answers')
    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.drop_index('ix_orders_team_account_ordered_on')

    op.drop_table('orders')
    with op.batch_alter_table('accounts', schema=None) as batch_op:
        batch_op.drop_index('ix_accounts_check_due_at')

    op.drop_table('accounts')
