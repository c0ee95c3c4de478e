"""API tokens: the keys integrations call the HTTP API with, stored as hashes, with their per-minute use

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-28 14:30:00
"""

import sqlalchemy as sa
from alembic import op

import bot.store.models

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('api_tokens',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('team_id', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', bot.store.models.UTCDateTime(), nullable=False),
    sa.Column('last_used_at', bot.store.models.UTCDateTime(), nullable=True),
    sa.Column('revoked', sa.Boolean(), server_default=sa.text('false'), nullable=False),
    sa.Column('window_start', bot.store.models.UTCDateTime(), nullable=True),
    sa.Column('window_count', sa.Integer(), server_default='0', nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_api_tokens')),
    sa.UniqueConstraint('team_id', 'name', name=op.f('uq_api_tokens_team_id_name')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_api_tokens_token_hash'))
    )


def downgrade() -> None:
    op.drop_table('api_tokens')
