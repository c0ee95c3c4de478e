"""What `leadbot serve`'s server stack costs by itself: an app that only answers, on leadbot's worker and gunicorn's.

    python -m bench.serve_floor [--rounds 3] [--seconds 10] [--clients 20] [--workers 2] [--threads 2]

The same gunicorn set-up as `leadbot serve` (handlers/prefork.py: preloaded app, `--workers` processes of
`--threads` threads, one port), serving a WSGI app that reads the body and answers 2.8 kB of JSON — about a
`/lead list` answer — with no Bolt and no leadbot in it. The worker class is leadbot's (which shares
connections out between the workers, handlers/prefork.py) and gunicorn's plain `gthread`, in turn, round
after round. `--clients` threads, each on one kept-alive connection, post a slash command's form back to
back. What is left of a command's server CPU in bench.latency after this floor is Bolt's and leadbot's.
"""

from __future__ import annotations

import argparse
import http.client
import subprocess
import sys
import threading
import time

from bench.common import log, percentile
from bench.latency import children, cpu_seconds, free_port, stop

ANSWER = b'{"response_type": "ephemeral", "blocks": []}' * 64
FORM = ("token=x&team_id=T0001&user_id=U0001&command=%2Flead&text=list&response_url=http%3A%2F%2F127.0.0.1"
        "&trigger_id=1.2.3")
WORKERS = {"leadbot's": "handlers.prefork.SpreadingThreadWorker", "gunicorn's gthread": "gthread"}


def answer(environ, start_response):
    environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
    start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(ANSWER)))])
    return [ANSWER]


def serve(port: int, workers: int, threads: int, worker_class: str) -> None:
    from handlers.prefork import PreforkServer, server_options

    options = server_options("127.0.0.1", port, workers, threads, "WARNING")
    options["worker_class"] = worker_class
    PreforkServer(answer, options, on_fork=lambda _serving: None, on_exit=lambda: None).run()


def measure(worker_class: str, args) -> tuple[float, float, float, float]:
    """Requests a second, server CPU ms a request, p50 and p99 ms."""
    port = free_port()
    server = subprocess.Popen([
        sys.executable, "-m", "bench.serve_floor", "--serve", str(port), worker_class,
        "--workers", str(args.workers), "--threads", str(args.threads),
    ])
    try:
        while len(children(server.pid)) < args.workers or not _answers(port):
            time.sleep(0.1)
        workers = children(server.pid)
        stop_at = time.monotonic() + 2 + args.seconds  # two seconds of warm-up
        timings: list[tuple[float, float]] = []  # (when answered, seconds)

        def client() -> None:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            while time.monotonic() < stop_at:
                sent = time.perf_counter()
                connection.request("POST", "/slack/events", body=FORM,
                                   headers={"Content-Type": "application/x-www-form-urlencoded"})
                connection.getresponse().read()
                timings.append((time.monotonic(), time.perf_counter() - sent))

        threads = [threading.Thread(target=client) for _ in range(args.clients)]
        for thread in threads:
            thread.start()
        time.sleep(2)
        cpu_before, started = cpu_seconds(workers), time.monotonic()
        for thread in threads:
            thread.join()
        cpu_after = cpu_seconds(workers)
        counted = sorted(seconds for when, seconds in timings if when >= started)
        return (len(counted) / (stop_at - started), (cpu_after - cpu_before) / len(counted) * 1000,
                percentile(counted, 0.5) * 1000, percentile(counted, 0.99) * 1000)
    finally:
        stop(server)


def _answers(port: int) -> bool:
    try:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
        connection.request("POST", "/", body=FORM)
        return connection.getresponse().status == 200
    except OSError:
        return False


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--serve", nargs=2, metavar=("PORT", "WORKER_CLASS"), help=argparse.SUPPRESS)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    if args.serve:
        serve(int(args.serve[0]), args.workers, args.threads, args.serve[1])
        return
    print(f"\n{args.clients} clients, {args.workers} workers of {args.threads} threads, {args.seconds:.0f} s a round\n")
    print("| worker | round | requests/s | server CPU ms a request | p50 ms | p99 ms |\n|---|---:|---:|---:|---:|---:|")
    for round_ in range(1, args.rounds + 1):
        for name, worker_class in WORKERS.items():
            log(f"{name} worker, round {round_} …")
            rate, cpu, p50, p99 = measure(worker_class, args)
            print(f"| {name} | {round_} | {rate:,.0f} | {cpu:.3f} | {p50:.1f} | {p99:.1f} |", flush=True)


if __name__ == "__main__":
    main()
