"""`leadbot delete-team T…`: delete everything leadbot holds for one workspace, by hand."""

from __future__ import annotations

import sys
from typing import Callable, TextIO

from bot.config import Settings, SettingsError
from bot.services.team_data import TeamData
from bot.store.database import Database


def delete_team(
    team_id: str, settings: Settings, yes: bool = False, ask: Callable[[str], str] = input, out: TextIO = sys.stdout
) -> int:
    """Show what the workspace has, ask (unless `yes`), delete it all, and print rows deleted per table."""
    from bot.store.migrate import is_current  # Alembic is loaded only by the commands that need it

    if not is_current(settings.database_url):
        raise SettingsError("the database schema is not up to date: run `leadbot migrate` first")
    db = Database(settings.database_url)
    try:
        data = TeamData(db, settings.keep_data_days)
        held = data.rows(team_id)
        if not held:
            print(f"leadbot: workspace {team_id} has no data here; nothing to delete.", file=out)
            return 0
        print(f"leadbot: workspace {team_id} has {sum(held.values())} rows:", file=out)
        _table(held, out)
        if not yes:
            try:
                answer = ask(f"Delete all of it, for good? Type {team_id} or y to confirm: ").strip()
            except EOFError:
                answer = ""
            if answer not in (team_id, "y", "Y", "yes"):
                print("leadbot: nothing was deleted.", file=out)
                return 1
        deleted = data.delete(team_id)
        print(f"leadbot: deleted {sum(deleted.values())} rows of workspace {team_id}:", file=out)
        _table(deleted, out)
        return 0
    finally:
        db.dispose()


def _table(counts: dict[str, int], out: TextIO) -> None:
    width = max(len(name) for name in counts)
    for name, count in counts.items():
        print(f"  {name.ljust(width)}  {count}", file=out)
