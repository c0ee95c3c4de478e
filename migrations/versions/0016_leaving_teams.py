"""A workspace that uninstalled leadbot while LEADBOT_KEEP_DATA_DAYS keeps its data: when that data is deleted;
an index on every foreign key's column, so deleting a workspace's leads and accounts stays quick

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-28 14:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None

# (table, column): the foreign keys whose column had no index of its own.
FOREIGN_KEYS = (
    ('touches', 'lead_id'),
    ('orders', 'account_id'),
    ('small_buyer_answers', 'account_id'),
    ('enquiries', 'lead_id'),
    ('buyer_replies', 'lead_id'),
    ('linked_channels', 'lead_id'),
    ('mail_messages', 'lead_id'),
)


def upgrade() -> None:
    with op.batch_alter_table('teams', schema=None) as batch_op:
        batch_op.add_column(sa.Column('delete_data_at', sa.DateTime(), nullable=True))
    for table, column in FOREIGN_KEYS:
        op.create_index(f'ix_{table}_{column}', table, [column], unique=False)


def downgrade() -> None:
    for table, column in FOREIGN_KEYS:
        op.drop_index(f'ix_{table}_{column}', table_name=table)
    with op.batch_alter_table('teams', schema=None) as batch_op:
        batch_op.drop_column('delete_data_at')
