"""`leadbot serve` over HTTP: N gunicorn processes of the preloaded app behind one port, the scheduler in one."""

from __future__ import annotations

import fcntl
import logging
import os
import shutil
import sys
import tempfile
import threading
import time
from contextlib import contextmanager
from typing import Callable, Iterator

from gunicorn.app.base import BaseApplication
from gunicorn.glogging import Logger as GunicornLogger
from gunicorn.workers.gthread import ThreadWorker

from handlers.connection_board import ConnectionBoard
from handlers.request_turns import RequestTurns

logger = logging.getLogger(__name__)

# How long SIGTERM (and SIGHUP, for the old processes) lets requests and the work after their acks finish.
GRACEFUL_SECONDS = 30
# Clients and proxies keep connections open between Slack's requests; gunicorn's default (2 s) is short for that.
KEEPALIVE_SECONDS = 5
# How long a worker holding more connections than another leaves new ones to it. Long enough for the other's
# main thread to take one on a busy machine; short enough that a connection the other did not take waits little.
STEP_ASIDE_SECONDS = 0.01


class SchedulerSeat:
    """The scheduler runs in whichever worker process holds an exclusive lock on one file: at most one at a time.

    Every worker waits for the lock on a thread of its own (`flock` waits without holding the GIL). The
    kernel lets go of the lock when its holder exits however it exits — SIGTERM, a crash, the old
    processes of a SIGHUP — so another worker takes the scheduler over, and two never run it at once.
    """

    def __init__(self, path: str, start: Callable[[], object]) -> None:
        self.path = path
        self._start = start  # starts the scheduler in this process; returns something with shutdown(wait=)
        self._lock = threading.Lock()
        self._leaving = False
        self._held = None
        self._scheduler = None

    def wait_in_background(self, serving: Callable[[], bool]) -> None:
        """Wait for the seat on a thread; `serving` says whether this process is still taking requests."""
        threading.Thread(target=self._take, args=(serving,), name="scheduler_seat", daemon=True).start()

    def _take(self, serving: Callable[[], bool]) -> None:
        handle = open(self.path, "a+")
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        with self._lock:
            # A process told to stop (SIGTERM, or the old ones of a SIGHUP) leaves the seat to the new ones.
            if self._leaving or not serving():
                handle.close()
                return
            self._held = handle
            logger.info("leadbot: the scheduler runs in worker %d", os.getpid())
            self._scheduler = self._start()

    def leave(self) -> None:
        """Stop the scheduler (letting a run under way finish) and let another worker have the seat."""
        with self._lock:
            self._leaving = True
            if self._scheduler is not None:
                self._scheduler.shutdown(wait=True)
            if self._held is not None:
                self._held.close()


class PreforkServer(BaseApplication):
    """gunicorn's master with leadbot's WSGI app built before it forks (`preload_app`), and `gthread` workers.

    `on_fork` runs in each new worker before it serves (given a callable that says whether the worker is
    still serving), `on_exit` in each worker when it stops (after its last request): the place to start
    and stop what runs beside the requests. `on_worker_gone` runs in the master with the pid of a worker
    that exited, however it exited. With `turns`, each worker's requests take turns (handlers/request_turns.py;
    each worker has its own copy after the fork).
    """

    def __init__(self, application, options: dict, *, on_fork: Callable[[Callable[[], bool]], None],
                 on_exit: Callable[[], None], on_worker_gone: Callable[[int], None] | None = None,
                 turns: RequestTurns | None = None) -> None:
        self.application = application
        self.options = options
        self._turns = turns
        self._on_fork = on_fork
        self._on_exit = on_exit
        self._on_worker_gone = on_worker_gone
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)
        board = ConnectionBoard()
        self.cfg.set("pre_fork", lambda server, worker: self._before_fork(board, server, worker))
        self.cfg.set("post_fork", lambda _server, worker: self._on_fork(lambda: worker.alive))
        self.cfg.set("worker_exit", lambda _server, _worker: self._on_exit())
        self.cfg.set("child_exit", lambda _server, worker: self._worker_gone(board, worker))

    def _before_fork(self, board: ConnectionBoard, server, worker) -> None:
        _give_slot(board, server, worker)
        worker.turns = self._turns

    def _worker_gone(self, board: ConnectionBoard, worker) -> None:
        if getattr(worker, "board_slot", None) is not None:
            board.clear(worker.board_slot)
        if self._on_worker_gone is not None:
            self._on_worker_gone(worker.pid)

    def load(self):
        return self.application


def _give_slot(board: ConnectionBoard, server, worker) -> None:
    """In the master, before the fork: the new worker's slot on the board (one no live worker has)."""
    worker.board = board
    worker.board_slot = board.free_slot(getattr(other, "board_slot", None) for other in server.WORKERS.values())


class SpreadingThreadWorker(ThreadWorker):
    """gunicorn's `gthread` worker, except that its requests take turns when given them (`turns`), and it spreads
    connections with the other workers: it leaves a new one to a worker holding fewer, and while all its threads
    are busy it takes one new connection each time a request finishes, rather than whenever one arrives.

    gunicorn's workers all wait on the one listening socket, and whichever wakes first takes a connection;
    clients and proxies keep their connections for many requests, so connections opened one after another could
    land 5 to 15 on two workers, and a burst 16 to 4: one worker's core saturated and its clients' waits longer
    while the other's idled. So each worker notes on a board the workers share (handlers/connection_board.py) how
    many connections it holds and whether it still takes new ones (it is not stopping); one that holds more than
    another steps aside for STEP_ASIDE_SECONDS, then takes the connection if it is still waiting. It must still
    take connections while busy: kept-alive clients sending back to back would otherwise keep every thread busy,
    and a connection opened meanwhile would wait in the kernel's queue for as long as they went on.
    """

    board: ConnectionBoard | None = None  # given by the master before the fork (PreforkServer); None: no sharing
    board_slot: int | None = None
    turns: RequestTurns | None = None  # the same way; None: requests run side by side

    def __init__(self, *args, **kwargs) -> None:
        self._open = 0
        super().__init__(*args, **kwargs)
        self._busy = 0  # requests handed to the threads and not finished; changed on the main thread only
        self._aside_until = 0.0  # monotonic time until which this worker leaves new connections to the others

    def handle_request(self, req, conn):
        # On a request thread, the request read: all the rest of its work (the app, writing the answer) in its turn.
        # Taken here rather than in the app, so that no part of a request runs beside the one holding the turn:
        # the thread handed the turn must not then wait on the interpreter's lock behind that one.
        if self.turns is None:
            return super().handle_request(req, conn)
        with self.turns.turn():
            return super().handle_request(req, conn)

    # gunicorn's worker counts its connections in nr_conns (on its main thread); each change goes on the board.
    @property
    def nr_conns(self) -> int:
        return self._open

    @nr_conns.setter
    def nr_conns(self, value: int) -> None:
        self._open = value
        self._publish()

    def _publish(self) -> None:
        if self.board is not None and self.board_slot is not None:
            self.board.publish(self.board_slot, self._open, taking=self.alive)

    def accept(self, listener) -> None:
        now = time.monotonic()
        # Right after stepping aside, one connection still waiting is this worker's: the others did not take it.
        waited = now < self._aside_until + STEP_ASIDE_SECONDS
        self._aside_until = 0.0
        if not waited and self.board is not None and self.board_slot is not None \
                and self.board.fewer_elsewhere(self.board_slot, self._open):
            self._aside_until = now + STEP_ASIDE_SECONDS
            super().set_accept_enabled(False)
            return
        super().accept(listener)

    def wait_for_and_dispatch_events(self, timeout: float) -> None:
        # A worker stepping aside wakes when its time is up, to take new connections again.
        aside = self._aside_until - time.monotonic()
        super().wait_for_and_dispatch_events(min(timeout, aside) if aside > 0 else timeout)

    def enqueue_req(self, conn) -> None:
        self._busy += 1
        if self._busy >= self.cfg.threads:
            super().set_accept_enabled(False)
        super().enqueue_req(conn)

    def finish_request(self, conn, fs) -> None:
        self._busy -= 1
        super().finish_request(conn, fs)
        if self.alive and self.nr_conns < self.worker_connections and time.monotonic() >= self._aside_until:
            super().set_accept_enabled(True)  # even while busy: a connection waiting in the kernel's queue is next

    def set_accept_enabled(self, enabled: bool) -> None:
        free = self._busy < self.cfg.threads and time.monotonic() >= self._aside_until
        super().set_accept_enabled(enabled and free)
        self._publish()  # a stopping worker (no longer alive) comes here: the others stop leaving connections to it


class LeadbotLogs(GunicornLogger):
    """gunicorn's own lines (workers starting, stopping, timing out) go through leadbot's handler: with
    LEADBOT_LOG_FORMAT=json they are JSON objects like every other line."""

    def setup(self, cfg) -> None:
        super().setup(cfg)
        for handler in list(self.error_log.handlers):
            self.error_log.removeHandler(handler)
        self.error_log.propagate = True


def server_options(host: str, port: int, workers: int, threads: int, log_level: str) -> dict:
    return {
        "logger_class": LeadbotLogs,
        "bind": f"[{host}]:{port}" if ":" in host else f"{host}:{port}",
        "workers": workers,
        "worker_class": SpreadingThreadWorker,
        "threads": threads,
        "preload_app": True,
        "graceful_timeout": GRACEFUL_SECONDS,
        "keepalive": KEEPALIVE_SECONDS,
        "loglevel": log_level.lower(),
        "errorlog": "-",
        "accesslog": None,
        "proc_name": "leadbot",
    }


def seat_file() -> str:
    """A lock file private to this master and its workers (the scheduler seat); removed when the master exits."""
    handle, path = tempfile.mkstemp(prefix="leadbot_scheduler_", suffix=".lock")
    os.close(handle)
    return path


@contextmanager
def metrics_shared_by_workers() -> Iterator[str]:
    """PROMETHEUS_MULTIPROC_DIR for the workers' counts, so that any worker answers /metrics for all of them.

    The operator's directory when set (emptied first: counts of an earlier run must not add up with these), else
    a private one removed when the master exits. It must be set before prometheus_client is first imported,
    which decides then where counts go: that is why the command sets it up before it loads the server.
    """
    if "prometheus_client" in sys.modules:
        logger.warning("metrics: prometheus_client was loaded before its directory was set; /metrics counts one worker")
    given = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    path = given or tempfile.mkdtemp(prefix="leadbot_metrics_")
    os.makedirs(path, exist_ok=True)
    for name in os.listdir(path):
        if name.endswith(".db"):
            os.unlink(os.path.join(path, name))
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = path
    master = os.getpid()
    try:
        yield path
    finally:
        # Workers leave through here too (gunicorn ends them with SystemExit); only the master cleans up.
        if not given and os.getpid() == master:
            shutil.rmtree(path, ignore_errors=True)
