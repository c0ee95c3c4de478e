"""When each delivery's lease was taken, and since when an attempt may have reached Slack unrecorded

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-28 11:30:00.000000
"""

import sqlalchemy as sa
from alembic import op

import bot.store.models

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('deliveries', schema=None) as batch_op:
        batch_op.add_column(sa.Column('leased_at', bot.store.models.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('unsure_since', bot.store.models.UTCDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('deliveries', schema=None) as batch_op:
        batch_op.drop_column('unsure_since')
        batch_op.drop_column('leased_at')
