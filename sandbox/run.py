"""`leadbot sandbox`: start the workspace and its page, print the URL, run until Ctrl-C."""

from __future__ import annotations

import os
import signal
import sys
import threading
from datetime import datetime
from pathlib import Path

from sandbox.page import Page
from sandbox.workspace import SandboxDatabaseError, Workspace, prepare_database

DEFAULT_DB = "leadbot-sandbox.db"


def run(demo: bool, port: int, db: str | None, language: str | None, start_at: datetime | None,
        stop: threading.Event | None = None) -> int:
    """Serve until `stop` is set (or Ctrl-C); every line printed here is for the person at the terminal."""
    db_path = Path(db or DEFAULT_DB).resolve()
    try:
        replaced = prepare_database(db_path, fresh=demo)
    except SandboxDatabaseError as error:
        print(f"leadbot sandbox: {error}", file=sys.stderr)
        return 2
    workspace = Workspace(db_path, start_at=start_at, environ=os.environ, language=language, port=port)
    try:
        url = workspace.start()
    except OSError as error:
        print(f"leadbot sandbox: cannot listen on 127.0.0.1:{port} ({error.strerror}); try --port 0", file=sys.stderr)
        workspace.stop()
        return 2
    try:
        workspace.slack.extra_routes = Page(workspace, workspace.deps.settings.language)
        if demo:
            from sandbox.demo import start_demo

            seeded = start_demo(workspace, keep_start=start_at is not None)
            what = f"{len(seeded.leads)} leads, {len(seeded.accounts)} steady small buyers"
            print(f"leadbot sandbox: demo team seeded ({what}) in {db_path}"
                  + (" (the earlier sandbox file was replaced)" if replaced else ""), flush=True)
        else:
            print(f"leadbot sandbox: database {db_path}", flush=True)
        print(f"leadbot sandbox: open {url}/  (Ctrl-C stops it)", flush=True)
        stop = stop or threading.Event()
        if threading.current_thread() is threading.main_thread():
            # A service manager or a test stops it with SIGTERM; it should close as cleanly as on Ctrl-C.
            signal.signal(signal.SIGTERM, lambda *_: stop.set())
        while not stop.wait(1):  # short waits, so Ctrl-C is seen at once
            pass
    except KeyboardInterrupt:
        pass
    finally:
        workspace.stop()
        print("leadbot sandbox: stopped", flush=True)
    return 0
