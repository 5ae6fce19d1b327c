"""Fan-out benchmark: one local post delivered, signed, to 1,000 remote followers' inboxes.

Usage: .venv/bin/python bench/fanout.py [--followers 1000] [--hosts 1000] [--workers 1,2]
           [--runs 3] [--sink-delay-ms 0] [--profile] [--what-if NAME] [--database-url DSN]

Every follower has its own shared inbox, served by a sink in a separate process (so it does not
take the sender's CPU). The sink verifies every signature with `federation.signatures.
verify_request` against the author's public key and counts valid and invalid ones. With
`--hosts` equal to `--followers` (the default) every inbox is on its own host (its own port on
127.0.0.1), so each delivery opens its own connection, as fan-out to distinct servers does.

The post is written by `services.posts.create_post` in this process; the deliveries are sent
by `python -m node worker` processes (the delivery worker code path, `outbox.deliver_due`),
started and listening before the post is committed. Measured: wall time from create_post's
commit to the moment no delivery row is pending any more (polled every 10-100 ms, at most
~1 % late), and deliveries/s = rows 'delivered' / that time.

`--what-if cache-keys` (or `no-pool-reset`) runs the workers with a suggested fix patched in at
start (see common.py): a measurement of the fix, never the default.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import asyncpg
from aiohttp import ClientSession, web
from common import (
    BenchDatabases,
    NodeConfig,
    NodeProcess,
    OtherLoad,
    PostgresCpu,
    add_run_options,
    copy_records,
    counted_queries,
    cpu_seconds,
    database_name,
    free_port,
    key_pool,
    median_of,
    peers,
    poll_interval,
    print_profiles,
    print_table,
    profile_directory,
    repeat_runs,
    start_node,
    store_peers,
    wait_for_listeners,
    wait_for_quiet,
)

from federation.signatures import Verified, signature_key_id, verify_request

if TYPE_CHECKING:
    from node.domain.accounts import Account
    from node.services.kernel.context import NodeContext

TARGET = 700.0
POST_TEXT = "Parent evening moves to Thursday 18:00 in the main hall. Bring your questions!"


# --------------------------------------------------------------------------- the sink process


class Sink:
    """Many remote inboxes in one process: verifies every signature, counts per inbox."""

    def __init__(self, delay: float) -> None:
        self.delay = delay
        self.public_key_pem = ""
        self.key_id = ""
        self.reset()

    def reset(self) -> None:
        self.received: Counter[str] = Counter()
        self.invalid = 0
        self.reasons: Counter[str] = Counter()
        self.first = self.last = 0.0

    async def inbox(self, request: web.Request) -> web.Response:
        body = await request.read()
        checked = verify_request(
            "POST", str(request.url), request.headers, body, self.public_key_pem
        )
        if not isinstance(checked, Verified) or signature_key_id(request.headers) != self.key_id:
            self.invalid += 1
            self.reasons[getattr(checked, "reason", "keyId is not the author's")] += 1
            return web.Response(status=401)
        if self.delay:
            await asyncio.sleep(self.delay)  # a remote server's own processing time
        self.received[request.match_info["n"]] += 1
        self.last = time.time()
        self.first = self.first or self.last
        return web.Response(status=202)

    async def configure(self, request: web.Request) -> web.Response:
        config = await request.json()
        self.public_key_pem, self.key_id = config["public_key_pem"], config["key_id"]
        self.reset()
        return web.json_response({"ok": True})

    async def stats(self, _request: web.Request) -> web.Response:
        valid = sum(self.received.values())
        return web.json_response(
            {
                "valid": valid,
                "invalid": self.invalid,
                "inboxes": len(self.received),
                "duplicates": valid - len(self.received),
                "reasons": dict(self.reasons),
                "first": self.first,
                "last": self.last,
            }
        )


async def serve_sink(ports: int, delay_ms: float) -> None:
    sink = Sink(delay_ms / 1000)
    app = web.Application()
    app.router.add_post("/s/{n}/inbox", sink.inbox)
    app.router.add_post("/_configure", sink.configure)
    app.router.add_get("/_stats", sink.stats)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    for _ in range(ports + 1):  # the last one is the control port
        await web.TCPSite(runner, "127.0.0.1", 0, backlog=1024).start()
    bound = [address[1] for address in runner.addresses]
    print(json.dumps({"ports": bound[:-1], "control": bound[-1]}), flush=True)
    try:
        await asyncio.Event().wait()  # until SIGTERM
    finally:
        await runner.cleanup()


class SinkProcess:
    def __init__(self, ports: int, delay_ms: float) -> None:
        command = [sys.executable, __file__, "--serve-sink", str(ports), "--sink-delay-ms",
                   str(delay_ms)]  # fmt: skip
        self.process = subprocess.Popen(command, stdout=subprocess.PIPE)
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        if not line:
            raise RuntimeError("the sink did not start")
        started = json.loads(line)
        self.ports: list[int] = started["ports"]
        self.control = f"http://127.0.0.1:{started['control']}"

    async def configure(self, http: ClientSession, public_key_pem: str, key_id: str) -> None:
        body = {"public_key_pem": public_key_pem, "key_id": key_id}
        async with http.post(f"{self.control}/_configure", json=body) as response:
            response.raise_for_status()

    async def stats(self, http: ClientSession) -> dict[str, Any]:
        async with http.get(f"{self.control}/_stats") as response:
            result: dict[str, Any] = await response.json()
            return result

    def cpu_seconds(self) -> float:
        return cpu_seconds(self.process.pid)

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(30)


# --------------------------------------------------------------------------- one run


async def one_run(
    args: argparse.Namespace,
    databases: BenchDatabases,
    sink: SinkProcess,
    http: ClientSession,
    workers: int,
    profile_dir: Path | None,
) -> dict[str, float]:
    """A fresh database with the author and followers, `workers` worker processes, one post."""
    processes: list[NodeProcess] = []
    async with author_with_followers(args, databases, sink, http, "fanout") as setup:
        config, dsn, ctx, author = setup
        try:
            processes = [
                start_node(config, "worker", name=f"worker{i}", what_if=args.what_if,
                           count_queries=args.count_queries,
                           profile=profile_dir and profile_dir / f"worker{workers}-{i}.prof")
                for i in range(workers)
            ]  # fmt: skip
            await wait_for_listeners(dsn, workers, processes=processes)
            if args.quiet_wait:
                await wait_for_quiet(timeout=args.quiet_wait)
            pg_cpu = PostgresCpu(databases.admin_dsn, database_name(dsn))
            result = await measure(args, ctx, author, processes, sink, http, pg_cpu)
            if args.count_queries:
                for process in processes:
                    process.stop()
                for kind, count in sorted(counted_queries(p.log_path for p in processes).items()):
                    result[f"{kind}/delivery"] = count / args.followers
            return result
        finally:
            for process in processes:
                process.stop()


@contextlib.asynccontextmanager
async def author_with_followers(
    args: argparse.Namespace, databases: BenchDatabases, sink: SinkProcess, http: ClientSession,
    name: str,
) -> AsyncIterator[tuple[NodeConfig, str, NodeContext, Account]]:  # fmt: skip
    """A fresh database and data dir with one author followed from `args.followers` inboxes on
    the sink, and a node context on it; all of it removed afterwards."""
    from node.domain.urls import Urls
    from node.services.accounts import accounts
    from node.services.kernel.context import NodeContext, federation_client
    from node.services.kernel.db import Database

    dsn = await databases.create(name)
    data_dir = Path(tempfile.mkdtemp(prefix=f"commonroom-bench-{name}-"))
    config = NodeConfig(dsn=dsn, port=free_port(), data_dir=data_dir)
    db = await Database.connect(dsn, min_size=1, max_size=2)
    ctx = NodeContext(db=db, urls=Urls(config.public_url), loopback=True,
                      http=federation_client(config.public_url, loopback=True))  # fmt: skip
    try:
        author = await accounts.create_account(db, "author", "author@district.example")
        await sink.configure(http, author.public_key_pem, ctx.urls.key_id(author.username))
        await follow_author(dsn, author.id, args, sink.ports)
        yield config, dsn, ctx, author
    finally:
        await db.close()
        await databases.drop(dsn)
        shutil.rmtree(data_dir, ignore_errors=True)


async def measure(
    args: argparse.Namespace,
    ctx: NodeContext,
    author: Account,
    workers: list[NodeProcess],
    sink: SinkProcess,
    http: ClientSession,
    pg_cpu: PostgresCpu,
) -> dict[str, float]:
    """Post, then wait until every delivery row is 'delivered'; CPU of everyone meanwhile."""
    from node.services.posts import posts

    await pg_cpu.start()
    others = OtherLoad()
    before = [sum(w.cpu_seconds() for w in workers), sink.cpu_seconds(), time.process_time()]
    post = await posts.create_post(ctx, author, POST_TEXT)
    committed, committed_wall = time.perf_counter(), time.time()
    delivered, states = await wait_delivered(ctx, args.followers, args.timeout, workers)
    elapsed = time.perf_counter() - committed
    after = [sum(w.cpu_seconds() for w in workers), sink.cpu_seconds(), time.process_time()]
    worker_cpu, sink_cpu, own_cpu = (b - a for a, b in zip(before, after, strict=True))
    database_cpu = await pg_cpu.stop()
    irq, other = (
        others.interrupt_cores(),
        others.cores(worker_cpu + sink_cpu + own_cpu + database_cpu),
    )
    seen = await sink.stats(http)
    problems = []
    if delivered != args.followers:
        problems.append(f"only {delivered} delivered ({states})")
    if seen["invalid"] or seen["valid"] != args.followers or seen["duplicates"]:
        problems.append(f"sink saw {seen}")
    if problems:
        print(f"  warning for post {post.id}: " + "; ".join(problems))
    return {
        "deliveries/s": delivered / elapsed,
        "seconds": elapsed,
        "first at ms": (float(seen["first"]) - committed_wall) * 1e3,
        "valid signatures": float(seen["valid"]),
        "invalid signatures": float(seen["invalid"]),
        "worker CPU ms/delivery": worker_cpu / args.followers * 1e3,
        "pg CPU ms/delivery": database_cpu / args.followers * 1e3,
        "sink CPU ms/delivery": sink_cpu / args.followers * 1e3,
        "kernel irq cores": irq,
        "others' cores": other,
    }


async def follow_author(
    dsn: str, author_id: int, args: argparse.Namespace, ports: list[int]
) -> None:
    """`--followers` remote actors, each with its own shared inbox, following the author."""

    def inbox(i: int) -> str:
        return f"http://127.0.0.1:{ports[i % len(ports)]}/s/{i}/inbox"

    keys = key_pool(1)  # followers never sign anything here
    followers = list(peers(args.followers, keys, base="https://follower{i}.example",
                           shared_inbox=inbox))  # fmt: skip
    conn = await asyncpg.connect(dsn)
    try:
        ids = await store_peers(conn, followers)
        rows = (
            (ids[peer.uri], author_id, "accepted", f"{peer.uri}/follows/author")
            for peer in followers
        )
        await copy_records(
            conn, "follows", ["follower_remote", "followee_account", "state", "activity_uri"], rows
        )
    finally:
        await conn.close()


async def wait_delivered(
    ctx: NodeContext, expected: int, timeout: float, workers: list[NodeProcess]
) -> tuple[int, dict[str, int]]:
    """Poll (see `poll_interval`) until no delivery is pending, or the timeout."""
    async with ctx.db.connection() as conn:
        started = time.monotonic()
        while time.monotonic() - started < timeout:
            if not await conn.fetchval(
                "SELECT EXISTS (SELECT 1 FROM deliveries WHERE state = 'pending')"
            ):
                break
            for worker in workers:
                worker.check_alive()
            await asyncio.sleep(poll_interval(time.monotonic() - started))
        states = dict(await conn.fetch("SELECT state, count(*) FROM deliveries GROUP BY state"))
    return states.get("delivered", 0), states


async def main_async(args: argparse.Namespace) -> None:
    counts = [int(n) for n in args.workers.split(",")]
    profile_dir = profile_directory(args)
    sink = SinkProcess(min(args.hosts, args.followers), args.sink_delay_ms)
    results: dict[int, list[dict[str, float]]] = {}
    try:
        async with BenchDatabases(args.database_url) as databases, ClientSession() as http:
            for workers in counts:
                print(f"{workers} worker process(es):")
                results[workers] = await repeat_runs(
                    lambda: one_run(args, databases, sink, http, workers, profile_dir),  # noqa: B023
                    lambda r: (
                        f"{r['deliveries/s']:.0f} deliveries/s ({r['seconds']:.2f} s for "
                        f"{args.followers}), {r['invalid signatures']:.0f} invalid signatures"
                    ),
                    runs=args.runs, retries=args.retries, noisy_cores=args.noisy_cores,
                )  # fmt: skip
    finally:
        sink.stop()
    for workers, runs in results.items():
        title = (
            f"fan-out of one post to {args.followers} inboxes on "
            f"{min(args.hosts, args.followers)} host(s), {workers} worker process(es)"
            + "".join(f", what-if {name}" for name in args.what_if)
        )
        print_table(
            title,
            runs,
            {
                key: ".2f"
                if "ms/" in key
                or "/delivery" in key
                or key in {"seconds", "others' cores", "kernel irq cores"}
                else ".0f"
                for key in runs[0]
            },
        )
        rate = median_of(runs)["deliveries/s"]
        print(f"  vs target: {rate:.0f}/s = {rate / TARGET:.0%} of {TARGET:.0f} deliveries/s")
    print_profiles(profile_dir, args)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--followers", type=int, default=1000)
    parser.add_argument("--hosts", type=int, default=1000,
                        help="distinct hosts (ports) the inboxes are spread over")  # fmt: skip
    parser.add_argument("--workers", default="1,2", help="worker process counts to try")
    parser.add_argument("--sink-delay-ms", type=float, default=0.0)
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds per run")
    add_run_options(parser, per="delivery")
    parser.add_argument("--serve-sink", type=int, metavar="PORTS", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_sink:
        asyncio.run(serve_sink(args.serve_sink, args.sink_delay_ms))
        return
    asyncio.run(main_async(args))


if __name__ == "__main__":
    main()
