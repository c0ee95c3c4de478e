"""The one way to start leadbot's HTTP app in a process (`start_http`), and `leadbot serve` (several processes)."""

from __future__ import annotations

import gc
import logging
import os
import threading
from concurrent.futures import Executor
from functools import partial

from api.app import create_api
from bot.config import Settings
from bot.container import Deps, build_deps, migrate_database
from handlers import metrics
from handlers.app import LISTENER_THREADS, ContextThreadPool, create_app
from handlers.web import SERVER_BODY_LIMIT, operations_app, wsgi_app

logger = logging.getLogger(__name__)

STOP_WAIT_SECONDS = 5  # how long stop() waits for the serving thread
OPERATIONS_THREADS = 2  # Socket Mode's HTTP face answers only health checks and scrapes


class HttpServer:
    """A WSGI application (leadbot's face: body checks, /healthz, the Bolt app) on a threaded waitress server.

    `run()` serves in this thread until Ctrl-C or `stop()`; `start_in_thread()` serves beside it.
    Either way, `stop()` (or the end of `run()`) also drains `listeners`, the pool Bolt runs
    listeners in: their work goes on after the ack, and must not outlive the server silently.
    """

    def __init__(self, application, host: str, port: int, *, threads: int,
                 listeners: Executor | None = None, **server_options) -> None:
        from waitress.server import create_server

        self._server = create_server(
            application, host=host, port=port, threads=threads, max_request_body_size=SERVER_BODY_LIMIT,
            **server_options,
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
    application = wsgi_app(
        create_app(deps, listener_executor=listeners), deps.health, partial(metrics.scrape, deps), create_api(deps)
    )
    return HttpServer(application, host, port, threads=threads, listeners=listeners, **server_options)


def start_operations(deps: Deps, host: str, port: int, **server_options) -> HttpServer:
    """Only the health checks and the metrics on `host:port`, not yet serving: Socket Mode's HTTP face."""
    application = operations_app(deps.health, partial(metrics.scrape, deps))
    return HttpServer(application, host, port, threads=OPERATIONS_THREADS, **server_options)


def serve(settings: Settings, port: int | None = None, with_scheduler: bool = True, workers: int | None = None) -> None:
    """`leadbot serve`: migrate, wire everything, then listen over Socket Mode or HTTP (`workers` processes)."""
    settings.require_slack()
    migrate_database(settings)
    deps = build_deps(settings)
    if settings.socket_mode:
        app = create_app(deps)
        # Slack's requests come over the websocket; PORT still answers the health checks and scrapes.
        operations = start_operations(deps, settings.host, port or settings.port).start_in_thread("operations")
        logger.info("leadbot: health checks and metrics on %s (/healthz, /healthz/web, /metrics)", operations.url)
        if with_scheduler:
            _start_scheduler(deps)
        from slack_bolt.adapter.socket_mode import SocketModeHandler

        logger.info("leadbot: connecting to Slack over Socket Mode")
        try:
            SocketModeHandler(app, settings.app_token).start()
        finally:
            operations.stop()
        return
    if settings.oauth:
        where = settings.public_url or f"http://{settings.host}:{port or settings.port}"
        logger.info("leadbot: workspaces add it to Slack at %s/slack/install", where)
    serve_prefork(deps, port or settings.port, workers or settings.web_workers, with_scheduler)


def serve_prefork(deps: Deps, port: int, workers: int, with_scheduler: bool) -> None:
    """The app built once here, then `workers` gunicorn processes serving it on one port; the scheduler in one.

    SIGHUP replaces the processes gracefully, SIGTERM stops them after their requests and the work
    started by their acks (handlers/prefork.py).
    """
    from handlers.prefork import PreforkServer, SchedulerSeat, seat_file, server_options

    settings = deps.settings
    listeners = ContextThreadPool(max_workers=LISTENER_THREADS, thread_name_prefix="listener")
    bolt_app = create_app(deps, listener_executor=listeners)
    application = wsgi_app(bolt_app, deps.health, partial(metrics.scrape, deps), create_api(deps))
    seat = SchedulerSeat(seat_file(), lambda: _start_scheduler(deps)) if with_scheduler else None
    # Each process opens its own database connections: none may be shared across the fork. (Not deps.close(): that
    # would also stop for good the listener that lets each worker keep rep rows between requests.)
    deps.before_fork()
    # Everything built so far lives as long as the process: the collector's full passes in the workers no longer walk
    # it (they took up to 180 ms of a worker's every thread under load), nor write to the pages they share with us.
    gc.freeze()
    master = os.getpid()

    def on_fork(serving) -> None:
        if seat is not None:
            seat.wait_in_background(serving)

    def on_exit() -> None:
        if seat is not None:
            seat.leave()
        listeners.shutdown(wait=True)  # the answers under way after their acks
        deps.close()

    options = server_options(settings.host, port, workers, settings.web_threads, settings.log_level)
    logger.info(
        "leadbot: listening on http://%s:%s/slack/events with %d processes of %d threads%s",
        settings.host, port, workers, settings.web_threads, "" if with_scheduler else ", no scheduler",
    )
    try:
        PreforkServer(
            application, options, on_fork=on_fork, on_exit=on_exit, on_worker_gone=metrics.worker_gone,
            turns=bolt_app.turns,
        ).run()
    finally:
        # A worker leaves through here too (gunicorn exits it with SystemExit); only the master cleans up.
        if seat is not None and os.getpid() == master:
            os.unlink(seat.path)


def _start_scheduler(deps: Deps):
    from scheduler.loop import start_in_background

    deps.teams.resume_all()
    return start_in_background(deps)
