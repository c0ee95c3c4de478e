"""A workspace that uninstalled leadbot while LEADBOT_KEEP_DATA_DAYS keeps its data: when that data is deleted

Revision ID: 0016
Revises: 0012
Create Date: 2026-11-28 14:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = '0016'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('teams', schema=None) as batch_op:
        batch_op.add_column(sa.Column('delete_data_at', sa.DateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('teams', schema=None) as batch_op:
        batch_op.drop_column('delete_data_at')
