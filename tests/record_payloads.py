"""Record the interactive payloads leadbot's messages and forms send: `python -m tests.record_payloads`.

For each surface in tests/payload_scenarios.py: a fresh SQLite database, a fake Slack on loopback
and the real app over HTTP (tests.conftest.start_app, the same pieces as the `app` fixture); the
scenario prepares the surface, then each step's click or submission is captured as Slack would
send it, stored normalised (tests/payload_kit.py says how), sent, and what leadbot did in answer
is stored with it, in tests/payloads/<surface>.json.

Records already in a file are never changed: they are sent again, in their order, to bring the
state along (a difference from what they recorded is reported, and the record is kept as it is),
and only steps whose name has no record yet are captured and added after them. `--fresh` ignores
the files and records every step anew — only for a surface that has no committed records, or to
check that recording is deterministic (`--fresh --out DIR`, then compare with tests/payloads/).
"""

from __future__ import annotations

import argparse
import copy
import hashlib
import json
import logging
import shutil
import sys
import tempfile
import time
from pathlib import Path

from sandbox.slack_api import FakeSlack
from tests.conftest import BOT_TOKEN, START, TEAM, Running, add_test_team, start_app
from tests.leadbot_internals import fixed_clock, migrate_sqlite, new_deps, open_sqlite
from tests.payload_kit import (
    PAYLOADS_DIR,
    Answer,
    capture_for,
    denormalize,
    dump_surface,
    kind_and_id,
    load_surface,
    normalize,
    send_stored,
    settle,
)
from tests.payload_scenarios import SURFACES, Surface

_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"


class StableIdSlack(FakeSlack):
    """The fake Slack, except that the block_ids Slack adds to blocks without one derive from the block.

    Slack (and the fake) make them up at random; recorded from here, files stay the same run after run.
    """

    def _with_ids(self, blocks):
        blocks = copy.deepcopy(blocks)
        for index, block in enumerate(blocks):
            if isinstance(block, dict) and "block_id" not in block:
                digest = hashlib.sha256(f"{index}:{json.dumps(block, sort_keys=True)}".encode()).digest()
                block["block_id"] = "".join(_ALPHABET[b % len(_ALPHABET)] for b in digest[:5])
        return super()._with_ids(blocks)


class _Problems(logging.Handler):
    """Collects ERROR records and tracebacks logged while a step is answered."""

    def __init__(self) -> None:
        super().__init__(level=logging.ERROR)
        self.seen: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.seen.append(f"{record.name}: {record.getMessage()}"
                         + (f" ({record.exc_info[0].__name__}: {record.exc_info[1]})" if record.exc_info else ""))


def _without_transport(payload: dict) -> dict:
    """A payload minus what is issued per request, for checking that normalising loses nothing else."""
    payload = copy.deepcopy(payload)
    for key in ("trigger_id", "response_url", "action_ts"):
        payload.pop(key, None)
    for action in payload.get("actions") or []:
        action.pop("action_ts", None)
    if isinstance(payload.get("view"), dict):
        payload["view"].pop("hash", None)
    if isinstance(payload.get("message"), dict):
        payload["message"].pop("edited", None)
    return payload


def record_surface(app: Running, surface: Surface, stored: list[dict], out=sys.stdout) -> list[dict]:
    """Prepare `surface`, send its stored records again, then capture and send its new steps."""
    started = time.monotonic()
    surface.prepare(app)
    settle(app)
    print(f"  prepared in {time.monotonic() - started:.1f} s", file=out)
    problems = _Problems()
    logging.getLogger().addHandler(problems)
    try:
        records = []
        for record in stored:
            problems.seen.clear()
            answer, _ = send_stored(app, record["payload"])  # known_broken ones too, as in the replay test
            if record.get("known_broken"):
                crashed = answer.status != 200 or problems.seen
                print(f"  {surface.name}/{record['name']}: known broken when recorded, "
                      + ("still crashes" if crashed else "answered without a crash now"), file=out)
                records.append(record)
                continue
            differences = answer.differences(Answer.from_record(record["answer"]))
            if differences:
                print(f"  {surface.name}/{record['name']}: answered differently from its record (kept as recorded): "
                      + "; ".join(differences), file=out)
            records.append(record)
        recorded = {record["name"] for record in records}
        for step in surface.steps:
            if step.name in recorded:
                continue
            problems.seen.clear()
            settle(app)
            payload = step.capture(app, capture_for(app)).sent
            stored_payload = normalize(payload, app.slack, f"{app.deps.clock.now().timestamp():.6f}")
            if _without_transport(denormalize(stored_payload, app.slack)) != _without_transport(payload):
                raise AssertionError(
                    f"{surface.name}/{step.name}: the normalised payload does not map back to the one captured"
                )
            answer, _ = send_stored(app, stored_payload)
            kind, listened_for = kind_and_id(payload)
            record = {
                "name": step.name,
                "kind": kind,
                "id": listened_for,
                "payload": stored_payload,
                "answer": answer.as_record(),
            }
            broken = step.known_broken
            if not broken and (answer.status != 200 or problems.seen):
                broken = f"crashed when recorded: HTTP {answer.status}; " + "; ".join(problems.seen)
                print(f"  {surface.name}/{step.name}: CRASHED — recorded as known_broken: {broken}", file=out)
            if broken:
                record["known_broken"] = broken
            if step.note:
                record["note"] = step.note
            records.append(record)
            print(
                f"  {surface.name}/{step.name}: {kind} {listened_for} → {answer.status} "
                f"{answer.response_action or ''} {' '.join(answer.error_fields)} {answer.slack_calls}",
                file=out,
            )
        return records
    finally:
        logging.getLogger().removeHandler(problems)


def record(surfaces: list[Surface], out_dir: Path, fresh: bool, out=sys.stdout) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="leadbot-record-") as tmp:
        template = Path(tmp) / "template.db"
        migrate_sqlite(template)
        for surface in surfaces:
            path = out_dir / f"{surface.name}.json"
            stored = [] if fresh or not path.exists() else load_surface(path)["records"]
            database_path = Path(tmp) / f"{surface.name}.db"
            shutil.copy(template, database_path)
            database = open_sqlite(database_path)
            fake = add_test_team(StableIdSlack(bot_token=BOT_TOKEN, team_id=TEAM)).start()
            app = start_app(new_deps(database, fake.base_url, fixed_clock(START)), fake)
            print(f"{surface.name}:", file=out)
            try:
                records = record_surface(app, surface, stored, out)
            finally:
                app.stop()
                fake.stop()
                database.dispose()
            path.write_text(
                dump_surface({"surface": surface.name, "about": surface.about, "records": records}), encoding="utf-8"
            )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.record_payloads", description=__doc__.split("\n\n")[0])
    parser.add_argument("surfaces", nargs="*", help=f"only these ({', '.join(SURFACES)}); default all")
    parser.add_argument("--fresh", action="store_true", help="ignore existing records and record every step anew")
    parser.add_argument(
        "--out", type=Path, default=PAYLOADS_DIR, help="directory for the files (default tests/payloads)"
    )
    args = parser.parse_args(argv)
    unknown = [name for name in args.surfaces if name not in SURFACES]
    if unknown:
        parser.error(f"unknown surface(s) {unknown}; known: {list(SURFACES)}")
    logging.basicConfig(level=logging.WARNING, format="    %(levelname)s %(name)s: %(message)s")
    record([SURFACES[name] for name in args.surfaces or SURFACES], args.out, args.fresh)
    return 0


if __name__ == "__main__":
    sys.exit(main())
