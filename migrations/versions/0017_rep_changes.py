"""Every change to a rep's row is announced, so each process can keep rep rows between requests: a trigger on
`reps` that NOTIFYs leadbot_reps on PostgreSQL, triggers that append to `rep_changes` on SQLite

Revision ID: 0017
Revises: 0016
Create Date: 2026-11-28 16:45:00
"""

import sqlalchemy as sa
from alembic import op

revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None

# The payload is "team_id user_id" (Slack ids hold no space); an empty one (TRUNCATE) means every rep.
POSTGRES_UPGRADE = (
    """
    CREATE FUNCTION leadbot_rep_changed() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'TRUNCATE' THEN
            PERFORM pg_notify('leadbot_reps', '');
            RETURN NULL;
        END IF;
        IF TG_OP IN ('UPDATE', 'DELETE') THEN
            PERFORM pg_notify('leadbot_reps', OLD.team_id || ' ' || OLD.user_id);
        END IF;
        IF TG_OP IN ('INSERT', 'UPDATE') THEN
            -- A second, identical notification in one transaction is sent once.
            PERFORM pg_notify('leadbot_reps', NEW.team_id || ' ' || NEW.user_id);
        END IF;
        RETURN NULL;
    END
    $$
    """,
    "CREATE TRIGGER reps_changed AFTER INSERT OR UPDATE OR DELETE ON reps"
    " FOR EACH ROW EXECUTE FUNCTION leadbot_rep_changed()",
    "CREATE TRIGGER reps_truncated AFTER TRUNCATE ON reps FOR EACH STATEMENT EXECUTE FUNCTION leadbot_rep_changed()",
)
POSTGRES_DOWNGRADE = (
    "DROP TRIGGER reps_truncated ON reps",
    "DROP TRIGGER reps_changed ON reps",
    "DROP FUNCTION leadbot_rep_changed()",
)

# The rep as "team_id user_id", like PostgreSQL's payload. One column, and no team_id: these rows are not a
# workspace's data but news for other processes, which deleting a workspace's reps must leave behind (it
# writes them).
_LOGGED = "INSERT INTO rep_changes (rep, changed_at) VALUES ({row}.team_id || ' ' || {row}.user_id, CURRENT_TIMESTAMP);"
SQLITE_UPGRADE = (
    f"CREATE TRIGGER reps_inserted AFTER INSERT ON reps BEGIN {_LOGGED.format(row='NEW')} END",
    # The old key too, should a key ever change.
    "CREATE TRIGGER reps_updated AFTER UPDATE ON reps BEGIN "
    f"{_LOGGED.format(row='NEW')} "
    "INSERT INTO rep_changes (rep, changed_at) SELECT OLD.team_id || ' ' || OLD.user_id, CURRENT_TIMESTAMP"
    " WHERE OLD.team_id IS NOT NEW.team_id OR OLD.user_id IS NOT NEW.user_id; END",
    f"CREATE TRIGGER reps_deleted AFTER DELETE ON reps BEGIN {_LOGGED.format(row='OLD')} END",
)
SQLITE_DOWNGRADE = (
    "DROP TRIGGER reps_deleted",
    "DROP TRIGGER reps_updated",
    "DROP TRIGGER reps_inserted",
)


def upgrade() -> None:
    # On both databases, so that they have one schema; only SQLite's triggers write to it.
    op.create_table(
        'rep_changes',
        sa.Column('seq', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('rep', sa.String(length=65), nullable=False),
        sa.Column('changed_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('seq', name=op.f('pk_rep_changes')),
        sqlite_autoincrement=True,
    )
    for statement in POSTGRES_UPGRADE if _postgres() else SQLITE_UPGRADE:
        op.execute(statement)


def downgrade() -> None:
    for statement in POSTGRES_DOWNGRADE if _postgres() else SQLITE_DOWNGRADE:
        op.execute(statement)
    op.drop_table('rep_changes')


def _postgres() -> bool:
    return op.get_bind().dialect.name == 'postgresql'
