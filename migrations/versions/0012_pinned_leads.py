"""A quiet lead its owner pinned to the top of "Call these first"; an index for "does following up pay?"

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-28 11:40:00
"""

import sqlalchemy as sa
from alembic import op

revision = '0012'
down_revision = '0011'
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
