"""`leadbot serve --workers N` as operators run it: real processes on one port, the scheduler in one, real signals."""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

import pytest
from slack_sdk.signature import SignatureVerifier
from sqlalchemy import create_engine, text

from tests.conftest import ALICE, BOT_TOKEN, SIGNING_SECRET, TEAM
from tests.support import text_of
from tests.test_cli import LEADBOT, _env, _free_port

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent


def children_of(pid: int) -> set[int]:
    """A process's child processes, from /proc."""
    return {child for child in _all_pids() if _parent_of(child) == pid}


def _all_pids() -> list[int]:
    return [int(entry.name) for entry in Path("/proc").iterdir() if entry.name.isdigit()]


def _parent_of(pid: int) -> int | None:
    try:
        return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
    except (OSError, IndexError, ValueError):
        return None


class Serve:
    """One `leadbot serve` master process and what it says."""

    def __init__(self, tmp_path, database_url: str, slack, *args: str, **env: str) -> None:
        self.port = _free_port()
        self.log = open(tmp_path / "serve.log", "w+b")
        self.process = subprocess.Popen(
            [LEADBOT, "serve", *args],
            cwd=tmp_path,
            env=_env(
                tmp_path, SLACK_BOT_TOKEN=BOT_TOKEN, SLACK_SIGNING_SECRET=SIGNING_SECRET, SLACK_API_URL=slack.base_url,
                DATABASE_URL=database_url, PORT=str(self.port), LEADBOT_HOST="127.0.0.1", **env,
            ),
            stdout=self.log, stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 60
        while len(self.workers()) < int(env.get("LEADBOT_WEB_WORKERS", "2")) or not self._answers():
            assert self.process.poll() is None, self.output()
            assert time.monotonic() < deadline, "leadbot serve did not come up:\n" + self.output()
            time.sleep(0.2)

    def _answers(self) -> bool:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
            connection.request("GET", "/healthz/web")
            return connection.getresponse().status == 200
        except OSError:
            return False

    def workers(self) -> set[int]:
        """The master's child processes."""
        return children_of(self.process.pid)

    def output(self) -> str:
        self.log.seek(0)
        return self.log.read().decode(errors="replace")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)
        for pid in self.workers():
            os.kill(pid, signal.SIGKILL)
        self.log.close()


def signed_command(connection: http.client.HTTPConnection, text_: str, user: str, slack) -> tuple[int, str]:
    """Send `/lead <text_>` on a kept-alive connection; the status and the message in the HTTP answer."""
    body = urlencode({
        "token": "legacy-verification-token", "team_id": TEAM, "team_domain": "test", "channel_id": "C0GENERAL",
        "channel_name": "general", "user_id": user, "user_name": "alice", "command": "/lead", "text": text_,
        "api_app_id": "A0001", "is_enterprise_install": "false", "trigger_id": "1.2.x",
        "response_url": slack.response_url(channel_id="C0GENERAL", user_id=user),
    }).encode()
    stamp = str(int(time.time()))
    signature = SignatureVerifier(SIGNING_SECRET).generate_signature(timestamp=stamp, body=body)
    connection.request("POST", "/slack/events", body, {
        "Content-Type": "application/x-www-form-urlencoded", "X-Slack-Request-Timestamp": stamp,
        "X-Slack-Signature": signature,
    })
    answer = connection.getresponse()
    raw = answer.read()
    return answer.status, text_of(json.loads(raw)) if raw.strip() else ""


def answered_by_every_worker(port: int, workers: set[int], slack) -> list[http.client.HTTPConnection]:
    """Connections that each had `/lead help` answered, until every worker process answered one.

    Each new connection goes to whichever process accepts it first: open them until all have answered.
    """
    connections, answered_by = [], set()
    while answered_by != workers and len(connections) < 60:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        status, said = signed_command(connection, "help", ALICE, slack)
        assert status == 200 and "/lead list" in said, said
        connections.append(connection)
        answered_by.add(serving_process(connection, workers))
    assert answered_by == workers, f"answered by {answered_by} of {workers}"
    return connections


def serving_process(connection: http.client.HTTPConnection, candidates: set[int]) -> int | None:
    """Which process holds the server's end of this client connection (/proc/net/tcp and each process's fds)."""
    client_port = connection.sock.getsockname()[1]
    inode = None
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        if int(fields[2].split(":")[1], 16) == client_port and fields[3] == "01":  # remote = the client, ESTABLISHED
            inode = fields[9]
    for pid in candidates:
        for fd in Path(f"/proc/{pid}/fd").iterdir():
            try:
                if os.readlink(fd) == f"socket:[{inode}]":
                    return pid
            except OSError:
                continue
    return None


def runners(database_url: str) -> dict[str, object]:
    """The scheduler processes that finished a run (host:pid → when), as the health check counts them."""
    engine = create_engine(database_url)
    with engine.connect() as connection:
        rows = dict(connection.execute(text("SELECT runner, finished_at FROM scheduler_runs")).all())
    engine.dispose()
    return rows


def outside_leadbot(database_url: str, statement: str, **values) -> None:
    """A change made with plain SQL, as an operator or another system would."""
    engine = create_engine(database_url)
    with engine.begin() as connection:
        connection.execute(text(statement), values)
    engine.dispose()


def unannounced(database_url: str, statement: str, **values) -> None:
    """A change to `reps` made with its triggers off, so that no process hears of it: only a kept row hides it."""
    engine = create_engine(database_url)
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            connection.execute(text("ALTER TABLE reps DISABLE TRIGGER reps_changed"))
            connection.execute(text(statement), values)
            connection.execute(text("ALTER TABLE reps ENABLE TRIGGER reps_changed"))
        else:
            trigger = connection.execute(
                text("SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = 'reps_updated'")
            ).scalar_one()
            connection.execute(text("DROP TRIGGER reps_updated"))
            connection.execute(text(statement), values)
            connection.execute(text(trigger))
    engine.dispose()


def wait_until(condition, seconds: float, what: str):
    deadline = time.monotonic() + seconds
    while True:
        found = condition()
        if found:
            return found
        assert time.monotonic() < deadline, what
        time.sleep(0.2)


def test_two_workers_answer_commands_run_the_scheduler_once_and_stop_on_sigterm(tmp_path, database_url, slack):
    server = Serve(tmp_path, database_url, slack, "--workers", "2", LEADBOT_TICK_SECONDS="1")
    try:
        workers = server.workers()
        assert len(workers) == 2, server.output()
        connections = answered_by_every_worker(server.port, workers, slack)

        # Each worker keeps the rep rows it read, and drops one the moment the database says it changed.
        for pid in workers:
            wait_until(lambda pid=pid: f"process {pid} hears which reps change" in server.output(), 5, server.output())
        for connection in connections:  # kept now that the worker hears changes
            assert "never let an enquiry die" in signed_command(connection, "help", ALICE, slack)[1]
        # A change the database does not announce stays unseen: the workers answer from the rows they kept.
        unannounced(database_url, "UPDATE reps SET language = 'zh' WHERE user_id = :user", user=ALICE)
        for connection in connections:
            assert "never let an enquiry die" in signed_command(connection, "help", ALICE, slack)[1]
        outside_leadbot(database_url, "UPDATE reps SET language = 'zh' WHERE user_id = :user", user=ALICE)
        for connection in connections:
            wait_until(
                lambda connection=connection: "别让任何一条询盘" in signed_command(connection, "help", ALICE, slack)[1],
                5,
                "a worker answered from the row it kept before the change",
            )

        # Several ticks later, one process has run the scheduler: one of the workers, never the master.
        time.sleep(4)
        ran = wait_until(lambda: runners(database_url), 20, "no scheduler ran:\n" + server.output())
        assert [int(runner.rsplit(":", 1)[1]) for runner in ran] in ([pid] for pid in workers), ran

        slack.latency = 0.5  # the form opens well after the ack: SIGTERM comes while it is under way
        assert signed_command(connections[0], "new", ALICE, slack)[0] == 200
        server.process.send_signal(signal.SIGTERM)
        assert server.process.wait(timeout=45) == 0, server.output()
        assert len(slack.calls("views.open")) == 1  # the answer under way was finished, not dropped
        assert wait_until(lambda: not server.workers() or None, 10, "workers outlived the master") is True
        assert "Traceback" not in server.output(), server.output()
    finally:
        server.stop()


def test_sighup_replaces_the_workers_without_dropping_a_request_and_hands_the_scheduler_on(
    tmp_path, database_url, slack
):
    server = Serve(tmp_path, database_url, slack, "--workers", "2", LEADBOT_TICK_SECONDS="1")
    try:
        before = server.workers()
        first = wait_until(lambda: runners(database_url), 30, "no scheduler ran:\n" + server.output())
        server.process.send_signal(signal.SIGHUP)
        statuses = []
        deadline = time.monotonic() + 60
        while (server.workers() & before or len(server.workers()) < 2) and time.monotonic() < deadline:
            connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
            statuses.append(signed_command(connection, "help", ALICE, slack)[0])
            connection.close()
        after = server.workers()
        assert len(after) == 2 and not after & before, server.output()
        assert statuses and set(statuses) == {200}, statuses

        # A new worker takes the scheduler over. (While gunicorn retires the old workers one by one, the second
        # may hold the lock for a tick after the first let it go: runs are safe from any process, one at a time.
        # So wait for a new worker's run, not merely for a second runner.)
        def pids_of(ran):
            return {int(runner.rsplit(":", 1)[1]) for runner in ran}

        def new_runner():
            ran = runners(database_url)
            return ran if pids_of(ran) & after else None

        ran = wait_until(new_runner, 30, "no new worker took the scheduler over:\n" + server.output())
        pids = pids_of(ran)
        assert set(first) <= set(ran), (first, ran)
        assert pids & before and len(pids & after) == 1 and pids <= before | after, (ran, before, after)
        assert server.process.poll() is None
    finally:
        server.stop()


def test_no_scheduler_runs_with_no_scheduler(tmp_path, database_url, slack):
    server = Serve(tmp_path, database_url, slack, "--workers", "2", "--no-scheduler", LEADBOT_TICK_SECONDS="1")
    try:
        time.sleep(3)
        assert runners(database_url) == {}
    finally:
        server.stop()


def connections_taken(server: Serve) -> dict[int, int]:
    """How many client connections to the port each worker has accepted (its sockets, from /proc); a connection
    still in the kernel's queue belongs to none."""
    return connections_taken_by(server.port, server.workers())


def connections_taken_by(port: int, workers: set[int]) -> dict[int, int]:
    established = set()
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        if int(fields[1].rsplit(":", 1)[1], 16) == port and fields[3] == "01":  # ESTABLISHED
            established.add(f"socket:[{fields[9]}]")
    taken = {}
    for pid in workers:
        descriptors = Path(f"/proc/{pid}/fd")
        taken[pid] = sum(1 for fd in descriptors.iterdir() if _link(fd) in established)
    return taken


def _link(path: Path) -> str:
    try:
        return os.readlink(path)
    except OSError:
        return ""


def test_a_worker_whose_threads_are_all_busy_leaves_new_connections_to_the_other(tmp_path, slack):
    """Kept-alive connections are spread between the workers as the work is: a burst of clients once landed 16
    to 4 on two workers. Here each worker has one thread, and a client that connects and says nothing yet keeps
    that thread waiting for its request."""
    server = Serve(
        tmp_path, f"sqlite:///{tmp_path}/leadbot.db", slack, "--workers", "2", "--no-scheduler",
        LEADBOT_WEB_THREADS="1",
    )
    clients = []
    try:
        for _ in range(4):
            clients.append(socket.create_connection(("127.0.0.1", server.port), timeout=10))
            time.sleep(0.2)
        taken = wait_until(lambda: sum(connections_taken(server).values()) >= 2 and connections_taken(server), 3, "")
        time.sleep(0.5)  # a worker that kept accepting would have taken the other two by now
        assert sorted(connections_taken(server).values()) == [1, 1], (taken, server.output())

        # Nothing is lost: each client's request is answered, the waiting ones' as soon as a thread is free.
        for client in clients:
            client.sendall(b"GET /healthz/web HTTP/1.1\r\nHost: leadbot\r\n\r\n")
        for client in clients:
            assert client.recv(4096).startswith(b"HTTP/1.1 200"), server.output()
    finally:
        for client in clients:
            client.close()
        server.stop()



# leadbot's server stack (handlers/prefork.py) serving a request that takes 20 ms; its processes and threads
# a process are the second and third arguments.
SLOW_APP = """
import sys, time
from handlers.prefork import PreforkServer, server_options

def application(environ, start_response):
    time.sleep(0.02)
    start_response("200 OK", [("Content-Length", "2")])
    return [b"ok"]

PreforkServer(application, server_options("127.0.0.1", int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), "WARNING"),
              on_fork=lambda _serving: None, on_exit=lambda: None).run()
"""


def start_slow_app(tmp_path, workers: int, threads: int) -> tuple[subprocess.Popen, int, object]:
    """SLOW_APP on a free port, listening with all its workers: the master process, the port and its log."""
    return start_app(tmp_path, SLOW_APP, workers, threads)


def start_app(tmp_path, source: str, workers: int, threads: int) -> tuple[subprocess.Popen, int, object]:
    """A server script (its port, processes and threads a process as arguments) on a free port, listening with all
    its workers: the master process, the port and its log."""
    port = _free_port()
    log = open(tmp_path / "server.log", "w+b")
    server = subprocess.Popen(
        [sys.executable, "-c", source, str(port), str(workers), str(threads)], cwd=ROOT, stdout=log,
        stderr=subprocess.STDOUT,
    )
    wait_until(lambda: _listening(port) and len(children_of(server.pid)) == workers, 30, "the server to listen")
    return server, port, log


@pytest.mark.parametrize("arriving", ["one after another", "all at once"])
def test_kept_alive_connections_are_shared_evenly_by_the_workers(tmp_path, arriving):
    """Each kept-alive connection stays with the worker that took it, so an uneven share is an uneven load:
    connections opened one after another landed 5 to 15 on two workers (whichever woke first took each), and a
    burst 7 to 13; the workers with more clients answered them later. Now a worker holding more connections
    than another leaves a new one to it."""
    server, port, log = start_slow_app(tmp_path, workers=2, threads=8)
    connections = [http.client.HTTPConnection("127.0.0.1", port, timeout=20) for _ in range(20)]

    def ask(connection: http.client.HTTPConnection) -> None:
        connection.request("GET", "/")
        assert connection.getresponse().read() == b"ok"

    try:
        if arriving == "one after another":
            for connection in connections:
                ask(connection)
        else:
            askers = [threading.Thread(target=ask, args=(connection,)) for connection in connections]
            for asker in askers:
                asker.start()
            for asker in askers:
                asker.join()
        taken = connections_taken_by(port, children_of(server.pid))
        log.seek(0)
        assert sum(taken.values()) == 20, log.read().decode()
        assert max(taken.values()) - min(taken.values()) <= 2, f"connections each worker holds: {taken}"
    finally:
        for connection in connections:
            connection.close()
        server.kill()
        server.wait(10)
        log.close()


def test_a_new_connection_is_answered_while_kept_alive_ones_keep_every_thread_busy(tmp_path):
    """A connection Slack opens while the server is busy gets its turn. A worker whose threads were all busy took
    no new connection until one was free, and kept-alive clients sending back to back kept them busy: a new
    connection waited in the kernel's queue for as long as they went on (5 s, beyond Slack's 3 s, in a benchmark)."""
    server, port, log = start_slow_app(tmp_path, workers=1, threads=1)
    busy_until = time.monotonic() + 30
    answers = []

    def keep_busy() -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
        while time.monotonic() < busy_until:
            connection.request("GET", "/")
            answers.append(connection.getresponse().read())
        connection.close()

    loops = [threading.Thread(target=keep_busy) for _ in range(4)]
    try:
        for loop in loops:
            loop.start()
        wait_until(lambda: len(answers) > 20, 10, "the kept-alive clients to be served")
        newcomer = http.client.HTTPConnection("127.0.0.1", port, timeout=40)
        newcomer.request("GET", "/")
        assert newcomer.getresponse().read() == b"ok"
        answered_at = time.monotonic()
        newcomer.close()
        log.seek(0)
        assert answered_at < busy_until, "answered only once the others stopped:\n" + log.read().decode()
    finally:
        busy_until = 0
        for loop in loops:
            loop.join()
        server.kill()
        server.wait(10)
        log.close()


# leadbot's server stack with turns for its requests (a request waits 0.5 s at most for its turn), answering with the
# most requests it has seen inside the app at once; /stuck takes 2 s.
TURNS_APP = """
import sys, threading, time
from handlers import request_turns
from handlers.prefork import PreforkServer, server_options

request_turns.PATIENCE_SECONDS = 0.5  # so that a busy machine cannot make the quick requests overlap here
inside = most = 0
count = threading.Lock()

def application(environ, start_response):
    global inside, most
    with count:
        inside += 1
        most = max(most, inside)
    try:
        time.sleep(2 if environ["PATH_INFO"] == "/stuck" else 0.002)
    finally:
        with count:
            inside -= 1
    body = str(most).encode()
    start_response("200 OK", [("Content-Length", str(len(body)))])
    return [body]

PreforkServer(application, server_options("127.0.0.1", int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), "WARNING"),
              on_fork=lambda _serving: None, on_exit=lambda: None, turns=request_turns.RequestTurns()).run()
"""


def test_a_workers_requests_take_turns_and_one_stuck_holds_the_others_back_briefly(tmp_path):
    """Requests running side by side on one process's threads share its interpreter and both finish late; one at
    a time, in the order they came, the slowest acks came sooner (docs/benchmarks.md). But a request stuck on
    something slow must not hold back the ones behind it for long."""
    server, port, log = start_app(tmp_path, TURNS_APP, workers=1, threads=4)
    most_at_once = []

    def ask_many() -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
        for _ in range(25):
            connection.request("GET", "/")
            most_at_once.append(int(connection.getresponse().read()))
        connection.close()

    try:
        askers = [threading.Thread(target=ask_many) for _ in range(4)]
        for asker in askers:
            asker.start()
        for asker in askers:
            asker.join()
        assert len(most_at_once) == 100
        assert max(most_at_once) == 1, "requests ran side by side"

        stuck = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
        stuck.request("GET", "/stuck")
        time.sleep(0.3)  # the stuck request holds its turn
        started = time.monotonic()
        quick = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
        quick.request("GET", "/")
        assert quick.getresponse().read() == b"2"  # beside the stuck one
        assert time.monotonic() - started < 1.5, "the quick request waited for the stuck one"
        assert stuck.getresponse().read() == b"2"
        stuck.close()
        quick.close()
    finally:
        server.kill()
        server.wait(10)
        log.close()


def _listening(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
        return True
    except OSError:
        return False
