"""What seeing leadbot costs a request: its ids, count and ack time (in memory, or in files for workers), a log line.

    python -m bench.observability                 # 200,000 requests in each mode

Each mode runs in a process of its own, because prometheus_client decides when it is imported whether counts
go to memory or to files (PROMETHEUS_MULTIPROC_DIR, as `leadbot serve --workers N` sets it). CPU time
(`time.process_time`), so the machine's other work does not count.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

WORKER = r"""
import io, json, logging, sys, time
from bot.logs import SlackRequest, log_handler, slack_request
from handlers.metrics import count_request, observe_ack

count = int(sys.argv[1])

def one_request():
    request = SlackRequest(kind="command", on_done=count_request)
    with slack_request(request):
        request.team_id, request.user_id, request.command = "T0BENCH", "UB0000001", "/lead"
        observe_ack("command", 0.012)
        request.acked()

def per_call(step, n):
    started = time.process_time()
    for _ in range(n):
        step()
    return (time.process_time() - started) / n * 1e6

figures = {"request_us": per_call(one_request, count)}
for log_format in ("text", "json"):
    logger = logging.getLogger("bench." + log_format)
    logger.propagate = False
    handler = log_handler(log_format)
    handler.stream = io.StringIO()
    logger.addHandler(handler)
    request = SlackRequest(kind="command", team_id="T0BENCH", user_id="UB0000001", command="/lead")
    with slack_request(request):
        figures[log_format + "_line_us"] = per_call(lambda: logger.warning("refused a %d-byte request", 9), count // 4)
print(json.dumps(figures))
"""


def run(mode: str, count: int) -> dict:
    env = {key: value for key, value in os.environ.items() if key != "PROMETHEUS_MULTIPROC_DIR"}
    with tempfile.TemporaryDirectory(prefix="leadbot_bench_metrics_") as directory:
        if mode == "files":
            env["PROMETHEUS_MULTIPROC_DIR"] = directory
        done = subprocess.run([sys.executable, "-c", WORKER, str(count)], env=env, capture_output=True, text=True)
    if done.returncode:
        raise SystemExit(done.stderr)
    return json.loads(done.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=200_000)
    args = parser.parse_args()
    started = time.monotonic()
    for mode in ("memory", "files"):
        figures = run(mode, args.requests)
        print(
            f"{mode:>6}: {figures['request_us']:.1f} µs CPU per request (ids, outcome count, ack time); "
            f"a log line {figures['text_line_us']:.1f} µs as text, {figures['json_line_us']:.1f} µs as JSON"
        )
    print(f"({time.monotonic() - started:.0f} s)")


if __name__ == "__main__":
    main()
