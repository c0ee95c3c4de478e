"""`leadbot serve`: migrate, wire everything, then listen over Socket Mode or HTTP."""

from __future__ import annotations

import logging
from datetime import timedelta

from bot.config import Settings
from bot.container import build_deps
from bot.store.migrate import upgrade
from handlers.app import create_app
from handlers.web import make_server, wsgi_app

logger = logging.getLogger(__name__)


def serve(settings: Settings, port: int | None = None, with_scheduler: bool = True) -> None:
    settings.require_slack()
    upgrade(settings.database_url)
    deps = build_deps(settings)
    app = create_app(deps)
    if with_scheduler:
        from scheduler.loop import start_in_background

        deps.teams.resume_all()
        start_in_background(deps)
    if settings.socket_mode:
        from slack_bolt.adapter.socket_mode import SocketModeHandler

        logger.info("leadbot: connecting to Slack over Socket Mode")
        SocketModeHandler(app, settings.app_token).start()
        return
    application = wsgi_app(app, deps.db, scheduler_stale_after=timedelta(seconds=settings.scheduler_stale_seconds))
    server = make_server(application, settings.host, port or settings.port, settings.web_threads)
    logger.info("leadbot: listening on http://%s:%s/slack/events", settings.host, port or settings.port)
    try:
        server.run()
    finally:
        deps.db.dispose()
