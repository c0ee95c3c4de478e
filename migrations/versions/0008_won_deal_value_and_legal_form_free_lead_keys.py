"""A won deal's value and currency; lead company keys without legal forms ("Acme Inc." is the lead "Acme")

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-28 09:30:00
"""

import re
import unicodedata

import sqlalchemy as sa
from alembic import op

from bot.text.company_names import company_key

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None

LEADS = sa.table(
    "leads",
    sa.column("id", sa.Integer), sa.column("team_id", sa.String), sa.column("company", sa.String),
    sa.column("company_key", sa.String), sa.column("status", sa.String), sa.column("created_at", sa.DateTime),
)


def upgrade() -> None:
    with op.batch_alter_table('leads', schema=None) as batch_op:
        batch_op.add_column(sa.Column('won_value', sa.Numeric(precision=20, scale=2), nullable=True))
        batch_op.add_column(sa.Column('won_currency', sa.String(length=3), nullable=True))
    _rekey(company_key)


def downgrade() -> None:
    _rekey(_folded_name)
    with op.batch_alter_table('leads', schema=None) as batch_op:
        batch_op.drop_column('won_currency')
        batch_op.drop_column('won_value')


def _folded_name(name: str) -> str:
    """The key before this revision: case, width and spaces folded, legal forms kept."""
    return re.sub(r"\s+", " ", unicodedata.normalize("NFKC", name).casefold()).strip()


def _rekey(key_of) -> None:
    """Give every lead the key `key_of` makes. An open lead whose new key another open lead of its team already
    has ("Acme Inc." beside an open "Acme") keeps its old one: one open lead per key is a unique index."""
    connection = op.get_bind()
    rows = connection.execute(
        sa.select(LEADS.c.id, LEADS.c.team_id, LEADS.c.company, LEADS.c.company_key, LEADS.c.status)
        .order_by(LEADS.c.created_at, LEADS.c.id)
    ).all()
    open_keys = {(row.team_id, row.company_key) for row in rows if row.status == "open"}
    for row in rows:
        key = key_of(row.company)
        if key == row.company_key:
            continue
        if row.status == "open":
            if (row.team_id, key) in open_keys:
                continue
            open_keys.discard((row.team_id, row.company_key))
            open_keys.add((row.team_id, key))
        connection.execute(sa.update(LEADS).where(LEADS.c.id == row.id).values(company_key=key))
