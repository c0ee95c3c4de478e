"""A quiet lead its owner pinned to the top of "Call these first"; an index for "does following up pay?"

Revision ID: 0017
Revises: 0009
Create Date: 2026-11-28 11:40:00
"""

import sqlalchemy as sa
from alembic import op

revision = '0017'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('leads', schema=None) as batch_op:
        batch_op.add_column(sa.Column('pinned_at', sa.DateTime(), nullable=True))
        batch_op.create_index(
            'ix_leads_team_closed_outcome', ['team_id', 'closed_at', 'status', 'touch_count', 'owner_id', 'source'],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table('leads', schema=None) as batch_op:
        batch_op.drop_index('ix_leads_team_closed_outcome')
        batch_op.drop_column('pinned_at')
