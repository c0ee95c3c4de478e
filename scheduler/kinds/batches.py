"""Deciding for many reps at once: by team, in batches of a transaction each, on PostgreSQL several at a time."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Callable

from bot.container import Deps

PLAN_THREADS = 16  # batches of reps decided at once on PostgreSQL (at most LEADBOT_SEND_CONCURRENCY)
# Reps whose digests or nudges are claimed in one transaction: few enough that a batch's row locks are held
# briefly, many enough that the lock, the read of their leads and the commit are shared.
CLAIM_BATCH = 25


def by_team(pairs: list[tuple[str, str]], stopped: set[str]) -> dict[str, list[str]]:
    """(team, user) pairs as each running team's users, in the order given."""
    teams: dict[str, list[str]] = {}
    for team_id, user_id in pairs:
        if team_id not in stopped:
            teams.setdefault(team_id, []).append(user_id)
    return teams


def each_batch(
    deps: Deps, decide: Callable[[list[str]], int], user_ids: list[str], size: int = CLAIM_BATCH
) -> list[int]:
    """Decide for the reps in batches (a transaction each); on PostgreSQL several batches at once.

    Much of a claim's time is round trips and a commit, which threads overlap (a batch locks only
    its own reps' rows); SQLite runs its write transactions one at a time anyway.
    """
    batches = [user_ids[start : start + size] for start in range(0, len(user_ids), size)]
    workers = min(deps.settings.send_concurrency, PLAN_THREADS, len(batches))
    if workers <= 1 or not deps.db.writes_in_parallel:
        return [decide(batch) for batch in batches]
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="plan") as pool:
        return list(pool.map(decide, batches))
