"""Crash benchmark: kill -9 of the delivery worker mid-fan-out; how much is sent twice?

Usage: .venv/bin/python bench/delivery_crash.py [--followers 1000] [--runs 7] [--seed 1]
           [--sink-delay-ms 0] [--database-url DSN]

Each run: a fresh database, one local post to `--followers` remote inboxes (each its own host,
a port on 127.0.0.1, served by bench/fanout.py's verifying sink in a separate process), one
`python -m node worker` listening before the post. When the sink has received a fraction of
the deliveries drawn between 20 % and 70 % (seeded), the worker is killed with SIGKILL; a new
worker is started and runs until no delivery row is pending. Reported per run, and as median
and max over the runs: the fraction re-sent (duplicates at the sink / deliveries) and how many
inboxes got nothing (lost; must be 0), and how busy the whole machine was meanwhile (the
benchmark's own processes included; 2 cores is full). Only 127.0.0.1 is ever sent to.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import time
from typing import Any

from aiohttp import ClientSession
from common import (
    BenchDatabases,
    NodeProcess,
    machine_busy_seconds,
    machine_description,
    start_node,
    wait_for_listeners,
)
from fanout import POST_TEXT, SinkProcess, author_with_followers, wait_delivered


async def _wait_received(
    sink: SinkProcess, http: ClientSession, count: int, worker: NodeProcess, timeout: float
) -> dict[str, Any]:
    """Poll the sink (every 2 ms) until it has received `count` valid deliveries."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        seen = await sink.stats(http)
        if seen["valid"] >= count:
            return seen
        worker.check_alive()
        await asyncio.sleep(0.002)
    raise TimeoutError(f"the sink did not receive {count} deliveries in {timeout:g} s")


async def one_run(
    args: argparse.Namespace,
    databases: BenchDatabases,
    sink: SinkProcess,
    http: ClientSession,
    kill_at: int,
) -> dict[str, float]:
    """One fan-out with one kill -9 after `kill_at` deliveries reached the sink."""
    from node.services.posts import posts

    workers: list[NodeProcess] = []
    async with author_with_followers(args, databases, sink, http, "crash") as setup:
        config, dsn, ctx, author = setup
        try:
            workers.append(start_node(config, "worker", name="worker-killed"))
            await wait_for_listeners(dsn, 1, processes=workers)
            busy, started = machine_busy_seconds(), time.perf_counter()
            await posts.create_post(ctx, author, POST_TEXT)
            at_kill = await _wait_received(sink, http, kill_at, workers[0], args.timeout)
            workers[0].process.kill()  # SIGKILL
            workers[0].process.wait()
            workers.append(start_node(config, "worker", name="worker-restarted"))
            delivered, _states = await wait_delivered(ctx, args.followers, args.timeout,
                                                      workers[1:])  # fmt: skip
            seen = await sink.stats(http)
            busy = (machine_busy_seconds() - busy) / (time.perf_counter() - started)
        finally:
            for worker in workers:
                worker.stop()
    return {
        "killed after": float(at_kill["valid"]),
        "received": float(seen["valid"]),
        "re-sent": float(seen["duplicates"]),
        "re-sent %": 100 * seen["duplicates"] / args.followers,
        "lost": float(args.followers - seen["inboxes"]),
        "rows not delivered": float(args.followers - delivered),
        "invalid signatures": float(seen["invalid"]),
        "busy cores (all)": busy,
    }


def _report(args: argparse.Namespace, runs: list[dict[str, float]]) -> None:
    print(f"\nkill -9 mid-fan-out, {args.followers} deliveries per run, {len(runs)} run(s)")
    for key in runs[0]:
        values = "  ".join(f"{run[key]:.1f}" for run in runs)
        print(f"  {key:<20} {values}")
    fractions = [run["re-sent %"] for run in runs]
    print(f"  re-sent: median {statistics.median(fractions):.2f} %, max {max(fractions):.2f} %")
    lost = sum(run["lost"] + run["rows not delivered"] for run in runs)
    print(f"  lost (inboxes without it, rows not delivered), all runs: {lost:.0f}")
    print(f"  machine: {machine_description()}")


async def main_async(args: argparse.Namespace) -> None:
    draw = random.Random(args.seed)
    sink = SinkProcess(args.followers, args.sink_delay_ms)
    runs: list[dict[str, float]] = []
    try:
        async with BenchDatabases(args.database_url) as databases, ClientSession() as http:
            for n in range(args.runs):
                kill_at = int(args.followers * draw.uniform(0.2, 0.7))
                run = await one_run(args, databases, sink, http, kill_at)
                print(
                    f"run {n + 1}: killed after {run['killed after']:.0f} received, "
                    f"{run['re-sent']:.0f} re-sent ({run['re-sent %']:.2f} %), "
                    f"{run['lost']:.0f} lost"
                )
                runs.append(run)
    finally:
        sink.stop()
    _report(args, runs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--followers", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=7, help="fan-outs, one kill each")
    parser.add_argument("--seed", type=int, default=1, help="draws when each kill lands")
    parser.add_argument("--sink-delay-ms", type=float, default=0.0)
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds per wait")
    parser.add_argument("--database-url", help="admin DSN of a PostgreSQL server to use")
    asyncio.run(main_async(parser.parse_args()))


if __name__ == "__main__":
    main()
