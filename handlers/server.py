"""The one way to start leadbot's HTTP app (`start_http`), and `leadbot serve` on top of it."""

from __future__ import annotations

import logging
import threading
from concurrent.futures import Executor

from slack_bolt import App

from bot.config import Settings
from bot.container import Deps, build_deps, migrate_database
from bot.services.health import Health
from handlers.app import LISTENER_THREADS, ContextThreadPool, create_app
from handlers.web import SERVER_BODY_LIMIT, wsgi_app

logger = logging.getLogger(__name__)

STOP_WAIT_SECONDS = 5  # how long stop() waits for the serving thread


class HttpServer:
    """A Bolt app behind leadbot's WSGI face (body checks, /healthz) on a threaded waitress server.

    `run()` serves in this thread until Ctrl-C or `stop()`; `start_in_thread()` serves beside it.
    Either way, `stop()` (or the end of `run()`) also drains `listeners`, the pool Bolt runs
    listeners in: their work goes on after the ack, and must not outlive the server silently.
    """

    def __init__(self, bolt_app: App, health: Health, host: str, port: int, *, threads: int,
                 listeners: Executor | None = None, **server_options) -> None:
        from waitress.server import create_server

        self._server = create_server(
            wsgi_app(bolt_app, health), host=host, port=port, threads=threads,
            max_request_body_size=SERVER_BODY_LIMIT, **server_options,
        )
        self.host = host
        self._listeners = listeners
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        """The port listened on: the one asked for, or the free one picked for port 0."""
        if hasattr(self._server, "effective_port"):
            return self._server.effective_port
        return self._server.effective_listen[0][1]  # a host name with several addresses: one socket each

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def run(self) -> None:
        """Serve until Ctrl-C or `stop()`; then let the listeners finish."""
        try:
            self._server.run()  # waitress answers Ctrl-C by stopping its request threads and returning
        except OSError:
            # Closing the socket under waitress's select() is how stop() ends it; only then is this expected.
            if not self._stopping.is_set():
                raise
        finally:
            self._drain_listeners()

    def start_in_thread(self, name: str = "http") -> HttpServer:
        self._thread = threading.Thread(target=self.run, name=name, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Let the request threads finish, close the socket, wait for the serving thread and the listeners."""
        if self._stopping.is_set():
            return
        self._stopping.set()
        # Requests being answered finish first: closing the server first closes the pipe they wake it
        # with, and waitress logs a traceback for each.
        self._server.task_dispatcher.shutdown()
        self._server.close()
        if self._thread is not None:
            self._thread.join(timeout=STOP_WAIT_SECONDS)
        self._drain_listeners()

    def _drain_listeners(self) -> None:
        if self._listeners is not None:
            self._listeners.shutdown(wait=True)


def start_http(deps: Deps, host: str, port: int, *, threads: int, listeners: Executor | None = None,
               **server_options) -> HttpServer:
    """leadbot's Bolt app on `host:port`, not yet serving; `listeners` defaults to a pool of LISTENER_THREADS."""
    listeners = listeners or ContextThreadPool(max_workers=LISTENER_THREADS, thread_name_prefix="listener")
    bolt_app = create_app(deps, listener_executor=listeners)
    return HttpServer(bolt_app, deps.health, host, port, threads=threads, listeners=listeners, **server_options)


def serve(settings: Settings, port: int | None = None, with_scheduler: bool = True) -> None:
    """`leadbot serve`: migrate, wire everything, then listen over Socket Mode or HTTP."""
    settings.require_slack()
    migrate_database(settings)
    deps = build_deps(settings)
    if settings.socket_mode:
        app = create_app(deps)
        _start_scheduler(deps, with_scheduler)
        from slack_bolt.adapter.socket_mode import SocketModeHandler

        logger.info("leadbot: connecting to Slack over Socket Mode")
        SocketModeHandler(app, settings.app_token).start()
        return
    server = start_http(deps, settings.host, port or settings.port, threads=settings.web_threads)
    _start_scheduler(deps, with_scheduler)
    logger.info("leadbot: listening on %s/slack/events", server.url)
    try:
        server.run()
    finally:
        deps.close()


def _start_scheduler(deps: Deps, with_scheduler: bool) -> None:
    if with_scheduler:
        from scheduler.loop import start_in_background

        deps.teams.resume_all()
        start_in_background(deps)
