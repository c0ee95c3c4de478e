"""What discovery found out about a lead: situation, problem, implication, need-payoff; read from existing notes

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-28 11:40:00
"""

import sqlalchemy as sa
from alembic import op

from bot.text.background import read_notes

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None

PARTS = ("situation", "problem", "implication", "need_payoff")
LEADS = sa.table(
    "leads", sa.column("id", sa.Integer), sa.column("discovery_notes", sa.Text),
    *(sa.column(f"bg_{part}", sa.Text) for part in PARTS),
)


def upgrade() -> None:
    with op.batch_alter_table('leads', schema=None) as batch_op:
        for part in PARTS:
            batch_op.add_column(sa.Column(f'bg_{part}', sa.Text(), server_default='', nullable=False))
    _read_existing_notes()


def downgrade() -> None:
    with op.batch_alter_table('leads', schema=None) as batch_op:
        for part in reversed(PARTS):
            batch_op.drop_column(f'bg_{part}')


def _read_existing_notes() -> None:
    """Leads captured before this revision keep what their notes say: labelled lines ("P: …", "问题：…") are that
    part, other text is what the rep learned of the buyer's situation. The notes themselves stay as written."""
    connection = op.get_bind()
    rows = connection.execute(
        sa.select(LEADS.c.id, LEADS.c.discovery_notes).where(LEADS.c.discovery_notes != "")
    ).all()
    for row in rows:
        parts = read_notes(row.discovery_notes)
        if parts:
            connection.execute(
                LEADS.update().where(LEADS.c.id == row.id)
                .values(**{f"bg_{part}": text[:3000] for part, text in parts.items()})
            )
