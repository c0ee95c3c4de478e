"""A rep's own public holidays (`/lead settings`), over the team's LEADBOT_HOLIDAYS

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-28 10:00:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('reps', schema=None) as batch_op:
        batch_op.add_column(sa.Column('holidays', sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('reps', schema=None) as batch_op:
        batch_op.drop_column('holidays')
