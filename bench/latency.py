"""Slash-command latency under load: signed `/lead list` and `/lead new` against `leadbot serve`, beside a bare Bolt app.

    python -m bench.latency                         # PostgreSQL, 1M leads (seeded when missing), 20 clients, 30 s
    python -m bench.latency --clients 20 --seconds 30 --mix list,new --workers 2 --rounds 2
    python -m bench.latency --database-url sqlite:///bench/data/leadbot_10000.db

Both servers run as subprocesses on the same stack: gunicorn with the app preloaded, `--workers`
processes (default: the CPU cores, as `leadbot serve`) on one port (handlers/prefork.py). `leadbot
serve` runs with its defaults, its scheduler and its threads included; bare Bolt with `--threads`
threads a process (8: its best, as its requests mostly sleep in Bolt's 10-ms wait for the ack). They are
measured in turn, A B A B (`--rounds`), so that both see the same machine; the ratios of leadbot
to bare Bolt are what to read on a shared machine. Latency is measured by the clients: the HTTP
answer (Slack's 3-second ack), and separately when the rep had the command's answer: the ack
itself when it carries the message, else when the fake Slack got it (views.open for `new`). The fake
Slack runs in a process of its own (bench/slack_process.py); `--slack-in-this-process` serves it from
the clients' process, as the first nine rounds did. Beside the servers' CPU a command, the table gives
PostgreSQL's, the clients' and the fake Slack's, which share the machine's cores, and the mean
ack of the fastest and the slowest client: each client keeps one connection, which stays with the server
process that took it.
"""  # noqa: E501 - the first line is the --help description (__doc__.splitlines()[0]), so it stays one line

from __future__ import annotations

import argparse
import gc
import http.client
import os
import random
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

from slack_sdk.signature import SignatureVerifier
from sqlalchemy import create_engine, text

from bench.common import BOT_TOKEN, SIGNING_SECRET, TEAM, load_average, log, percentile, rep_id, run_clients
from bench.seed import ensure_postgres
from bench.slack_process import SlackInThisProcess, SlackProcess

ROOT = Path(__file__).resolve().parent.parent
REPS = 2000
TICKETS = 10  # commands a client prepares at once with the fake Slack (bench/slack_process.py)


@dataclass
class Sample:
    kind: str
    sent: float  # wall clock, to match the fake Slack's records
    ack: float  # seconds to the HTTP answer
    status: int
    key: str  # response_url id or trigger_id
    answered_in_ack: bool = False  # the HTTP answer carried the message itself
    client: int = 0  # which of the clients (one keep-alive connection each) sent it


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def children(pid: int) -> list[int]:
    """A process's child processes (gunicorn's workers), from /proc."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1]) == pid:
                    found.append(int(entry.name))
            except (OSError, IndexError, ValueError):
                continue
    return found


def start(command: list[str], env: dict[str, str], port: int, stderr, workers: int = 1) -> subprocess.Popen:
    process = subprocess.Popen(command, env=env, cwd=ROOT, stdout=stderr, stderr=stderr)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", "/healthz/web")  # the web check: a scheduler's first run is no concern here
            if connection.getresponse().status == 200 and len(children(process.pid)) >= workers:
                return process
        except OSError:
            pass
        if process.poll() is not None:
            raise RuntimeError(f"{command} exited with {process.returncode}")
        time.sleep(0.2)
    process.terminate()
    raise RuntimeError(f"{command} did not answer /healthz/web")


def stop(process: subprocess.Popen) -> None:
    process.terminate()  # gunicorn's graceful stop: requests and the work after their acks finish
    try:
        process.wait(timeout=45)
    except subprocess.TimeoutExpired:
        process.kill()


def server_env(database_url: str, slack_url: str, threads: str | None = None) -> dict[str, str]:
    """The servers' environment; LEADBOT_WEB_THREADS only when `threads` is given (else each server's default)."""
    return {
        "PATH": os.environ.get("PATH", ""), "HOME": os.environ.get("HOME", "/tmp"),
        "SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_SIGNING_SECRET": SIGNING_SECRET, "SLACK_API_URL": slack_url,
        "DATABASE_URL": database_url, "LEADBOT_LOG_LEVEL": "WARNING",
        **({"LEADBOT_WEB_THREADS": threads} if threads else {}),
    }


def load(ports: list[int], fake, clients: int, seconds: float, mix: list[str], reps: int = REPS) -> list[Sample]:
    """`clients` threads, each on one keep-alive connection, sending signed commands back to back.

    With several ports, client i talks to port i mod N, as a load balancer would spread them.
    """
    verifier = SignatureVerifier(SIGNING_SECRET)
    samples: list[Sample] = []
    stop_at = time.monotonic() + seconds

    def client(seed: int) -> None:
        rng = random.Random(seed)
        port = ports[seed % len(ports)]
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        mine: list[Sample] = []
        batch: list[tuple[str, int, str, str]] = []
        while time.monotonic() < stop_at:
            if not batch:
                # The fake notes a few commands' response_urls and trigger_ids at once: one question to its process
                # per TICKETS commands, and their triggers still well inside Slack's 3 s when they are sent.
                chosen = [(rng.choice(mix), rng.randrange(reps)) for _ in range(TICKETS)]
                tickets = fake.tickets([rep_id(n) for _, n in chosen])
                pairs = zip(chosen, tickets, strict=True)
                batch = [(kind, n, url, trigger) for (kind, n), (url, trigger) in pairs][::-1]
            kind, n, response_url, trigger_id = batch.pop()
            user = rep_id(n)
            # Rep n owns lead n+1, open in the seeded data.
            text_ = {"list": "list", "new": "new", "log": f"log {n + 1} call spoke to the buyer"}[kind]
            body = urlencode({
                "token": "legacy-verification-token", "team_id": TEAM, "team_domain": "bench",
                "channel_id": "C0GENERAL", "channel_name": "general", "user_id": user, "user_name": f"rep{n}",
                "command": "/lead", "text": text_, "api_app_id": "A0001", "is_enterprise_install": "false",
                "response_url": response_url, "trigger_id": trigger_id,
            }).encode()
            stamp = str(int(time.time()))
            headers = {
                "Content-Type": "application/x-www-form-urlencoded", "X-Slack-Request-Timestamp": stamp,
                "X-Slack-Signature": verifier.generate_signature(timestamp=stamp, body=body),
            }
            sent, began = time.time(), time.perf_counter()
            in_ack = False
            try:
                connection.request("POST", "/slack/events", body, headers)
                answer = connection.getresponse()
                in_ack = bool(answer.read().strip())
                status = answer.status
            except (OSError, http.client.HTTPException):
                status = 0
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            key = response_url.rsplit("/", 1)[-1] if kind != "new" else trigger_id
            mine.append(Sample(kind, sent, time.perf_counter() - began, status, key, in_ack, seed))
        connection.close()
        samples.extend(mine)

    run_clients(client, clients)
    return samples


def answered_after(fake, samples: list[Sample], settle: float = 15.0) -> dict[str, float]:
    """Seconds from sending each command to the rep having its answer: the ack when it carried it, else the
    fake Slack getting it; waits for stragglers."""
    in_ack = {s.key: s.ack for s in samples if s.status == 200 and s.answered_in_ack}
    wanted = {s.key for s in samples if s.status == 200} - in_ack.keys()
    deadline = time.monotonic() + settle
    while True:
        arrivals = fake.arrivals()
        if wanted <= arrivals.keys() or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    return {**{s.key: arrivals[s.key] - s.sent for s in samples if s.key in arrivals}, **in_ack}


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU these processes used so far (Linux /proc), to weigh what a command costs."""
    total = 0.0
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def postgres_pids() -> list[int]:
    """Every PostgreSQL server process on this machine (its backends serve the server under test), from /proc."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "cmdline").read_bytes().startswith(b"postgres"):
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


def cpu_of(pids: list[int]) -> float:
    """cpu_seconds of those of `pids` still running."""
    total = 0.0
    for pid in pids:
        try:
            total += cpu_seconds([pid])
        except (OSError, IndexError):
            continue
    return total


def client_means(samples: list[Sample]) -> str:
    """The mean ack of the fastest and of the slowest client: apart when the servers' processes got unequal
    shares of the clients' kept-alive connections."""
    acks: dict[int, list[float]] = {}
    for sample in samples:
        if sample.status == 200:
            acks.setdefault(sample.client, []).append(sample.ack)
    means = sorted(sum(values) / len(values) for values in acks.values())
    return f"{means[0] * 1000:.0f}–{means[-1] * 1000:.0f}" if means else "–"


@dataclass
class CpuUsed:
    """CPU seconds each part of the machine's work spent during one measurement."""

    server: float
    database: float | None  # every PostgreSQL process; None on SQLite (the servers' own)
    clients: float  # this process: the clients, and the fake Slack when it runs here
    fake_slack: float | None  # its own process's; None when it runs in the clients' process

    def per_command(self, value: float | None, commands: int, digits: int = 1) -> str:
        return "–" if value is None else f"{value * 1000 / commands:.{digits}f}"


def summarize(
    name: str, samples: list[Sample], answers: dict[str, float] | None, seconds: float, cpu: CpuUsed
) -> list[str]:
    rows = []
    kinds = sorted({s.kind for s in samples})
    for kind in kinds + (["all"] if len(kinds) > 1 else []):
        chosen = [s for s in samples if kind in ("all", s.kind)]
        ok = sorted(s.ack for s in chosen if s.status == 200)
        errors = len(chosen) - len(ok)
        cells = [
            name, kind, f"{len(ok) / seconds:.0f}", *(f"{percentile(ok, q) * 1000:.0f}" for q in (0.5, 0.95, 0.99)),
            str(errors),
        ]
        if answers is not None:
            got = sorted(answers[s.key] for s in chosen if s.status == 200 and s.key in answers)
            cells += [*(f"{percentile(got, q) * 1000:.0f}" for q in (0.5, 0.95, 0.99)), str(len(ok) - len(got))]
        else:
            cells += ["–", "–", "–", "–"]
        answered = max(1, sum(1 for s in samples if s.status == 200))
        cells += [
            cpu.per_command(cpu.server, answered), cpu.per_command(cpu.database, answered, 2),
            cpu.per_command(cpu.clients, answered, 2), cpu.per_command(cpu.fake_slack, answered, 2),
            client_means(chosen),
        ]
        rows.append("| " + " | ".join(cells) + " |")
    return rows


HEADER = [
    (
        "| server | command | req/s | ack p50 ms | ack p95 ms | ack p99 ms | errors "
        "| answered p50 ms | answered p95 ms | answered p99 ms | unanswered | server CPU ms per command "
        "| PostgreSQL CPU ms per command | clients' CPU ms per command | fake Slack's CPU ms per command "
        "| mean ack of the fastest–slowest client, ms |"
    ),
    "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
]


def measure(name: str, command: list[str], env: dict[str, str], fake, clients: int, seconds: float, mix: list[str],
            with_answers: bool, server_log, workers: int = 1, warmup: float = 3.0) -> tuple[list[str], list[Sample]]:
    """One server (`command` with `--workers`) on one port under `clients` for `seconds`, after `warmup` seconds of
    the same load unmeasured; its table rows."""
    port = free_port()
    process = start([*command, "--port", str(port), "--workers", str(workers)], env, port, server_log, workers)
    try:
        # Warm up, as a server that has run a while is: connections, pools, first imports, the rep rows each worker
        # keeps (20 clients cycle through 2,000 reps: each worker has seen nearly all of them after about 15 s),
        # and the scheduler's first pass, which it makes as it starts.
        load([port], fake, clients, warmup, mix)
        time.sleep(1)
        fake.reset_calls()
        log(f"{name}: {clients} clients for {seconds:.0f} s (load average {load_average()}) …")
        pids = [process.pid, *children(process.pid)]
        # With the fake Slack in this process (--slack-in-this-process), this process keeps every view it opened
        # (thousands a round); the collector's passes over them cost more CPU than the fake's answers, on the cores
        # the servers need. Not collected while measuring.
        gc.collect()
        gc.disable()
        fake_pids = [fake.pid] if fake.pid else None
        database_pids = postgres_pids() if env["DATABASE_URL"].startswith("postgresql") else None

        def used() -> CpuUsed:
            return CpuUsed(
                server=cpu_seconds(pids), database=None if database_pids is None else cpu_of(database_pids),
                clients=time.process_time(), fake_slack=None if fake_pids is None else cpu_seconds(fake_pids),
            )

        before = used()
        try:
            samples = load([port], fake, clients, seconds, mix)
        finally:
            gc.enable()
        # The servers share the machine with the benchmark's clients, the fake Slack answering views.open and
        # PostgreSQL (each of its processes, whatever database it serves: other work on it shows here too).
        after = used()
        cpu = CpuUsed(**{
            part: None if getattr(after, part) is None else getattr(after, part) - getattr(before, part)
            for part in ("server", "database", "clients", "fake_slack")
        })
        answers = answered_after(fake, samples) if with_answers else None
    finally:
        stop(process)
    return summarize(name, samples, answers, seconds, cpu), samples


def ratios(bare: list[Sample], ours: list[Sample]) -> tuple[float, float]:
    """leadbot's throughput over bare Bolt's, and its ack p99 over bare Bolt's (same duration on both sides)."""
    def p99(samples: list[Sample]) -> float:
        return percentile(sorted(s.ack for s in samples if s.status == 200), 0.99)

    def done(samples: list[Sample]) -> int:
        return sum(1 for s in samples if s.status == 200)

    return done(ours) / max(1, done(bare)), p99(ours) / p99(bare)


def refresh_profiles(database_url: str) -> None:
    """The seeded profiles count as just fetched, so no command waits on users.info (as in a warm deployment)."""
    engine = create_engine(database_url)
    with engine.begin() as connection:
        connection.execute(text("UPDATE reps SET fetched_at = CURRENT_TIMESTAMP"))
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--mix", default="list,new", help="commands sent, chosen at random: list, new, log")
    parser.add_argument("--threads", default="8", help="threads of each bare Bolt process")
    parser.add_argument("--leadbot-threads", help="LEADBOT_WEB_THREADS of leadbot serve (default: its own default)")
    parser.add_argument(
        "--workers", type=int, default=os.cpu_count() or 1,
        help="server processes of each (default: the CPU cores, leadbot serve's default)",
    )
    parser.add_argument("--rounds", type=int, default=2, help="bare Bolt then leadbot, this many times (A B A B)")
    parser.add_argument("--database-url", help="default: the seeded PostgreSQL database with 1M leads")
    parser.add_argument(
        "--warmup", type=float, default=15, help="seconds of the same load, not measured, before each measurement"
    )
    parser.add_argument(
        "--slack-in-this-process", action="store_true",
        help="serve the fake Slack from the clients' process, as rounds one to nine did (see bench/slack_process.py)",
    )
    args = parser.parse_args()
    url = args.database_url or ensure_postgres("leadbot_bench_1000000", 1_000_000)
    refresh_profiles(url)
    mix = args.mix.split(",")
    fake = SlackInThisProcess(REPS) if args.slack_in_this_process else SlackProcess(REPS)
    env = server_env(url, fake.base_url, args.leadbot_threads)
    bare_env = server_env(url, fake.base_url, args.threads)
    leadbot = [str(Path(sys.executable).with_name("leadbot")), "serve"]  # its defaults: the scheduler too
    bare = [sys.executable, "-m", "bench.bare_bolt"]
    server_log = open(ROOT / "bench" / "results" / "latency_server.log", "w")
    rows = HEADER[:]
    pairs: list[tuple[list[Sample], list[Sample]]] = []
    try:
        workers = args.workers
        for round_ in range(1, args.rounds + 1):
            suffix = f" × {workers}, round {round_}"
            bare_rows, bare_samples = measure(
                f"bare Bolt (ack only){suffix}", bare, bare_env, fake, args.clients, args.seconds, mix, False,
                server_log, workers, args.warmup,
            )
            ours, our_samples = measure(
                f"leadbot serve{suffix}", leadbot, env, fake, args.clients, args.seconds, mix, True, server_log,
                workers, args.warmup,
            )
            rows += bare_rows + ours
            pairs.append((bare_samples, our_samples))
    finally:
        fake.stop()
        server_log.close()
    print(
        f"\n{args.clients} clients, {args.workers} worker(s) each, {args.seconds:.0f} s each after {args.warmup:.0f} s "
        f"of warm-up, mix {args.mix}, "
        f"{args.rounds} rounds A B, database {url.rsplit('/', 1)[-1]}, load average after {load_average()}\n"
    )
    print("\n".join(rows))
    print("\n| round | leadbot ÷ bare Bolt, throughput | leadbot ÷ bare Bolt, ack p99 |\n|---|---:|---:|")
    for round_, (bare_samples, our_samples) in enumerate(pairs, 1):
        throughput, p99 = ratios(bare_samples, our_samples)
        print(f"| {round_} | {throughput:.0%} | {p99:.2f}× |")
    throughput, p99 = ratios([s for b, _ in pairs for s in b], [s for _, o in pairs for s in o])
    print(f"| all | {throughput:.0%} | {p99:.2f}× |")


if __name__ == "__main__":
    main()
