"""Group fan-out benchmark: one thread in a group of 2,000 members spread over 200 nodes.

Usage: .venv/bin/python bench/group_fanout.py [--members 2000] [--hosts 200] [--workers 1,2]
           [--runs 3] [--sink-delay-ms 0] [--profile] [--count-queries] [--database-url DSN]

A public, open group here (an account of kind 'group', `groups.provision_group`) has `--members`
remote members (accepted follows of the group), `--members / --hosts` per host; each host has
one shared inbox, all served by a sink in a separate process (one port on 127.0.0.1 per host,
so each host is its own connection, as distinct servers are). One local member starts a thread
with `group_posts.start_thread` in this process; for a new thread in a public group the group
queues two activities (`group_federation.announce`): `Announce{Create}` (FEP-1b12) and a plain
`Announce` of the post's id (the boost Mastodon shows), each once per distinct shared inbox.
They are sent by `python -m node worker` processes (`outbox.deliver_due`), started and
listening before the post.

The sink verifies every signature with `federation.signatures.verify_request` against the
group's public key (and requires the group's keyId), and counts deliveries per (inbox,
activity id), so missing and duplicated deliveries show, not just totals. Expected: hosts x 2.

Measured per run: how long `start_thread` takes (it queues the 2 x hosts delivery rows in the
post's transaction), after a warm-up thread in an empty group (whose cold time is reported
too); the time from `start_thread` returning to the sink's last verified delivery, once it has
every expected one (polled every 10-100 ms; the time itself is the sink's own clock, same
host); deliveries/s = expected / that time; and the time until no delivery row is pending in
the database (the workers' outcome UPDATEs committed).
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import json
import pstats
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
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
    database_name,
    free_port,
    key_pool,
    machine_description,
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
from fanout import Sink, SinkProcess

from federation.signatures import Verified, signature_key_id, verify_request

if TYPE_CHECKING:
    from node.domain.accounts import Account
    from node.services.groups.groups import GroupInfo
    from node.services.kernel.context import NodeContext
    from node.services.kernel.db import Database

GROUP = "sciencefair"
TITLE = "Science fair: who brings what?"
THREAD_TEXT = (
    "We need volunteers for set-up on Thursday from 16:00 in the gym. Reply with what you can "
    "bring (tables, extension leads, a kettle) and I will put the list together."
)
ACTIVITIES_PER_THREAD = 2  # Announce{Create} and Announce(post id): public group, new thread


# --------------------------------------------------------------------------- the sink process


class GroupSink(Sink):
    """fanout.Sink, counting per (inbox, activity id): several activities go to each inbox."""

    def reset(self) -> None:
        super().reset()
        self.pairs: Counter[tuple[str, str]] = Counter()
        self.kinds: Counter[str] = Counter()
        self.first_kind: dict[str, str] = {}

    async def inbox(self, request: web.Request) -> web.Response:
        body = await request.read()
        checked = verify_request(
            "POST", str(request.url), request.headers, body, self.public_key_pem
        )
        if not isinstance(checked, Verified) or signature_key_id(request.headers) != self.key_id:
            self.invalid += 1
            self.reasons[getattr(checked, "reason", "keyId is not the group's")] += 1
            return web.Response(status=401)
        if self.delay:
            await asyncio.sleep(self.delay)  # a remote server's own processing time
        activity = json.loads(body)
        inner = activity.get("object")
        kind = f"{activity.get('type')}{{{inner.get('type')}}}" if isinstance(inner, dict) else (
            f"{activity.get('type')}(id)"
        )  # fmt: skip
        self.kinds[kind] += 1
        self.first_kind.setdefault(request.match_info["n"], kind)
        self.pairs[(request.match_info["n"], str(activity.get("id")))] += 1
        self.received[request.match_info["n"]] += 1
        self.last = time.time()
        self.first = self.first or self.last
        return web.Response(status=202)

    async def stats(self, _request: web.Request) -> web.Response:
        valid = sum(self.pairs.values())
        per_inbox = Counter(n for n, _activity in self.pairs)
        return web.json_response(
            {
                "valid": valid,
                "invalid": self.invalid,
                "pairs": len(self.pairs),
                "duplicates": valid - len(self.pairs),
                "inboxes": len(self.received),
                "activities": len({activity for _n, activity in self.pairs}),
                "per inbox": sorted(Counter(per_inbox.values()).items()),
                "kinds": dict(self.kinds),
                "boost first": sum(k.endswith("(id)") for k in self.first_kind.values()),
                "reasons": dict(self.reasons),
                "first": self.first,
                "last": self.last,
            }
        )


async def serve_sink(ports: int, delay_ms: float) -> None:
    sink = GroupSink(delay_ms / 1000)
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


class GroupSinkProcess(SinkProcess):
    """fanout.SinkProcess, running this module's sink."""

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


# --------------------------------------------------------------------------- start_thread detail


class PostDetail:
    """With `--post-detail`: the statements `start_thread` sends (asyncpg query loggers on this
    process's pool) and a cProfile of this process while it runs. Instrumentation slows the
    call, so the timed figures of such runs are not comparable."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self.statements: list[tuple[str, float]] = []
        self._recording = False
        self._profiler: cProfile.Profile | None = None

    async def connect(self, dsn: str) -> Database:
        """The benchmark's own pool, with a query logger on each connection when enabled."""
        from node.services.kernel.db import Database

        if not self.enabled:
            return await Database.connect(dsn, min_size=1, max_size=2)
        original = asyncpg.create_pool

        def create_pool(*args: Any, **kwargs: Any) -> Any:
            async def init(conn: asyncpg.Connection) -> None:
                conn.add_query_logger(self._log)

            return original(*args, **kwargs, init=init)

        asyncpg.create_pool = create_pool
        try:
            return await Database.connect(dsn, min_size=1, max_size=2)
        finally:
            asyncpg.create_pool = original

    def _log(self, record: Any) -> None:
        if self._recording:
            self.statements.append((" ".join(record.query.split()), record.elapsed))

    def start(self) -> None:
        if self.enabled:
            self.statements.clear()
            self._recording = True
            self._profiler = cProfile.Profile()
            self._profiler.enable()

    def stop(self, lines: int) -> None:
        if not self.enabled or self._profiler is None:
            return
        self._profiler.disable()
        self._recording = False
        kinds = Counter(statement.split(None, 1)[0].upper() for statement, _ in self.statements)
        waited = sum(elapsed for _, elapsed in self.statements) * 1e3
        print(f"  start_thread sent {len(self.statements)} statements {dict(kinds)}, "
              f"{waited:.1f} ms waiting for them (ms each, then the statement):")  # fmt: skip
        for statement, elapsed in self.statements:
            print(f"    {elapsed * 1e3:6.2f}  {statement[:130]}")
        stats = pstats.Stats(self._profiler)
        print("  --- cProfile of this process during start_thread, by cumulative time ---")
        stats.sort_stats("cumulative").print_stats(lines)
        print("  --- by own time (tottime) ---")
        stats.sort_stats("tottime").print_stats(lines)


# --------------------------------------------------------------------------- one run


async def one_run(
    args: argparse.Namespace,
    databases: BenchDatabases,
    sink: GroupSinkProcess,
    http: ClientSession,
    workers: int,
    profile_dir: Path | None,
) -> dict[str, float]:
    """A fresh database with the group, its members and a poster; `workers` workers; one thread."""
    from node.domain.groups import GroupSettings
    from node.domain.urls import Urls
    from node.services.accounts import accounts
    from node.services.groups import groups
    from node.services.kernel.context import NodeContext, federation_client

    dsn = await databases.create("groupfanout")
    data_dir = Path(tempfile.mkdtemp(prefix="commonroom-bench-groupfanout-"))
    config = NodeConfig(dsn=dsn, port=free_port(), data_dir=data_dir)
    detail = PostDetail(args.post_detail)
    db = await detail.connect(dsn)
    ctx = NodeContext(db=db, urls=Urls(config.public_url), loopback=True,
                      http=federation_client(config.public_url, loopback=True))  # fmt: skip
    processes: list[NodeProcess] = []
    try:
        owner = await accounts.create_account(db, "owner", "owner@district.example")
        poster = await accounts.create_account(db, "poster", "poster@district.example")
        await groups.provision_group(
            db, ctx.urls, owner.username, GROUP,
            GroupSettings(name="Science fair", join_policy="open"),
        )  # fmt: skip
        group = await groups.find_group(ctx, GROUP)
        assert (await groups.join(ctx, poster, group)).is_member
        cold = await warm_up(ctx, owner, poster)
        group_account = await groups.group_account(ctx, group)
        await sink.configure(http, group_account.public_key_pem, ctx.urls.key_id(GROUP))
        await join_members(dsn, group_account.id, args, sink.ports)
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
        result = await measure(args, ctx, poster, group, processes, sink, http, pg_cpu, detail)
        result["cold start_thread ms"] = cold
        if args.count_queries:
            for process in processes:
                process.stop()
            for kind, count in sorted(counted_queries(p.log_path for p in processes).items()):
                result[f"{kind}/delivery"] = count / expected(args)
        return result
    finally:
        for process in processes:
            process.stop()
        await db.close()
        await databases.drop(dsn)
        shutil.rmtree(data_dir, ignore_errors=True)


async def warm_up(ctx: NodeContext, owner: Account, poster: Account) -> float:
    """A first thread, in another group with no remote members (so nothing is delivered), as a
    web process that has served a while would be: this process's regexes compiled and its pool
    connections' types introspected. Returns how long that first, cold call took (ms)."""
    from node.domain.groups import GroupSettings
    from node.services.groups import groups
    from node.services.groups import threads as group_posts

    await groups.provision_group(
        ctx.db, ctx.urls, owner.username, "warmup", GroupSettings(name="Warm-up")
    )
    group = await groups.find_group(ctx, "warmup")
    await groups.join(ctx, poster, group)
    started = time.perf_counter()
    await group_posts.start_thread(ctx, poster, group, TITLE, THREAD_TEXT)
    return (time.perf_counter() - started) * 1e3


def expected(args: argparse.Namespace) -> int:
    """Deliveries one thread should cause: one per distinct shared inbox per activity."""
    return int(min(args.hosts, args.members)) * ACTIVITIES_PER_THREAD


async def measure(
    args: argparse.Namespace,
    ctx: NodeContext,
    poster: Account,
    group: GroupInfo,
    workers: list[NodeProcess],
    sink: GroupSinkProcess,
    http: ClientSession,
    pg_cpu: PostgresCpu,
    detail: PostDetail,
) -> dict[str, float]:
    """Start the thread, then wait until the sink has every delivery and no row is pending."""
    from node.services.groups import threads as group_posts

    total = expected(args)
    await pg_cpu.start()
    others = OtherLoad()
    before = [sum(w.cpu_seconds() for w in workers), sink.cpu_seconds(), time.process_time()]
    detail.start()
    called, called_wall = time.perf_counter(), time.time()
    post_id = await group_posts.start_thread(ctx, poster, group, TITLE, THREAD_TEXT)
    returned, returned_wall = time.perf_counter(), time.time()
    detail.stop(args.profile_lines)
    seen, sink_done = await wait_for_sink(sink, http, total, args.timeout, workers)
    states, _waited = await wait_no_pending(ctx, args.timeout - sink_done, workers)
    rows_done = time.perf_counter() - returned
    after = [sum(w.cpu_seconds() for w in workers), sink.cpu_seconds(), time.process_time()]
    worker_cpu, sink_cpu, own_cpu = (b - a for a, b in zip(before, after, strict=True))
    database_cpu = await pg_cpu.stop()
    irq, other = (
        others.interrupt_cores(),
        others.cores(worker_cpu + sink_cpu + own_cpu + database_cpu),
    )
    queued = await queued_for(ctx)
    problems = []
    if seen["pairs"] != total or seen["invalid"] or seen["duplicates"]:
        problems.append(f"sink saw {seen}")
    hosts = total // ACTIVITIES_PER_THREAD
    if queued != {"rows": total, "activities": ACTIVITIES_PER_THREAD, "inboxes": hosts}:
        problems.append(f"queued {queued}")
    if states.get("delivered", 0) != total or len(states) != 1:
        problems.append(f"delivery rows {states}")
    if problems:
        print(f"  warning for thread {post_id}: " + "; ".join(problems))
    seconds = float(seen["last"]) - returned_wall
    return {
        "deliveries/s": seen["pairs"] / seconds,
        "seconds to last delivery": seconds,
        "seconds to no pending row": rows_done,
        "seconds from the call": float(seen["last"]) - called_wall,
        "first at ms": (float(seen["first"]) - returned_wall) * 1e3,
        "start_thread ms": (returned - called) * 1e3,
        "rows queued": float(queued["rows"]),
        "verified (inbox, activity)": float(seen["pairs"]),
        "duplicates": float(seen["duplicates"]),
        "inboxes with boost first": float(seen["boost first"]),
        "invalid signatures": float(seen["invalid"]),
        "worker CPU ms/delivery": worker_cpu / total * 1e3,
        "pg CPU ms/delivery": database_cpu / total * 1e3,
        "sink CPU ms/delivery": sink_cpu / total * 1e3,
        "kernel irq cores": irq,
        "others' cores": other,
    }


async def wait_for_sink(
    sink: GroupSinkProcess,
    http: ClientSession,
    total: int,
    timeout: float,
    workers: list[NodeProcess],
) -> tuple[dict[str, Any], float]:
    """Poll the sink (see `poll_interval`) until it has `total` distinct verified deliveries,
    or the timeout; returns its stats and the seconds waited."""
    started = time.monotonic()
    while True:
        seen = await sink.stats(http)
        elapsed = time.monotonic() - started
        if seen["pairs"] >= total or elapsed >= timeout:
            return seen, elapsed
        for worker in workers:
            worker.check_alive()
        await asyncio.sleep(poll_interval(elapsed))


async def wait_no_pending(
    ctx: NodeContext, timeout: float, workers: list[NodeProcess]
) -> tuple[dict[str, int], float]:
    """Poll until no delivery row is pending (the workers committed every outcome)."""
    async with ctx.db.connection() as conn:
        started = time.monotonic()
        while time.monotonic() - started < max(timeout, 1.0):
            if not await conn.fetchval(
                "SELECT EXISTS (SELECT 1 FROM deliveries WHERE state = 'pending')"
            ):
                break
            for worker in workers:
                worker.check_alive()
            await asyncio.sleep(poll_interval(time.monotonic() - started))
        waited = time.monotonic() - started
        rows = await conn.fetch("SELECT state, count(*) FROM deliveries GROUP BY state")
        states: dict[str, int] = {row["state"]: row["count"] for row in rows}
    return states, waited


async def queued_for(ctx: NodeContext) -> dict[str, int]:
    """What the thread queued: delivery rows, activities, distinct inboxes (the whole outbox:
    the database holds nothing else that federates)."""
    async with ctx.db.connection() as conn:
        row = await conn.fetchrow(
            """SELECT count(*) AS rows, count(DISTINCT activity_id) AS activities,
                      count(DISTINCT inbox) AS inboxes FROM deliveries"""
        )
    assert row is not None
    return dict(row)


async def join_members(dsn: str, group_id: int, args: argparse.Namespace, ports: list[int]) -> None:
    """`--members` remote actors, `--members / --hosts` per host, accepted members of the group.
    Every actor on host h has the same shared inbox, served by the sink's h-th port."""
    hosts = min(args.hosts, args.members)

    def shared_inbox(i: int) -> str:
        host = i % hosts
        return f"http://127.0.0.1:{ports[host]}/s/{host}/inbox"

    keys = key_pool(1)  # members never sign anything here
    members = list(peers(args.members, keys, base="https://school{i}.example",
                         shared_inbox=shared_inbox))  # fmt: skip
    conn = await asyncpg.connect(dsn)
    try:
        ids = await store_peers(conn, members)
        rows = (
            (ids[peer.uri], group_id, "accepted", f"{peer.uri}/follows/{GROUP}") for peer in members
        )
        await copy_records(
            conn, "follows", ["follower_remote", "followee_account", "state", "activity_uri"], rows
        )
        # A node's tables have statistics; without them the inbox query plans a nested loop.
        await conn.execute("ANALYZE follows, remote_actors")
    finally:
        await conn.close()


async def main_async(args: argparse.Namespace) -> None:
    counts = [int(n) for n in args.workers.split(",")]
    hosts = min(args.hosts, args.members)
    print(f"machine: {machine_description()}")
    profile_dir = profile_directory(args)
    sink = GroupSinkProcess(hosts, args.sink_delay_ms)
    results: dict[int, list[dict[str, float]]] = {}
    try:
        async with BenchDatabases(args.database_url) as databases, ClientSession() as http:
            for workers in counts:
                print(f"{workers} worker process(es):")
                results[workers] = await repeat_runs(
                    lambda: one_run(args, databases, sink, http, workers, profile_dir),  # noqa: B023
                    lambda r: (
                        f"{r['deliveries/s']:.0f} deliveries/s ({r['seconds to last delivery']:.2f}"
                        f" s for {r['verified (inbox, activity)']:.0f}), start_thread "
                        f"{r['start_thread ms']:.0f} ms, {r['invalid signatures']:.0f} invalid"
                    ),
                    runs=args.runs, retries=args.retries, noisy_cores=args.noisy_cores,
                )  # fmt: skip
    finally:
        sink.stop()
    for workers, runs in results.items():
        title = (
            f"group thread to {args.members} members on {hosts} host(s) "
            f"({expected(args)} deliveries), {workers} worker process(es)"
            + "".join(f", what-if {name}" for name in args.what_if)
        )
        print_table(
            title,
            runs,
            {
                key: ".2f"
                if "ms/" in key
                or "/delivery" in key
                or "seconds" in key
                or key in {"others' cores", "kernel irq cores"}
                else ".1f"
                if key.endswith("start_thread ms")
                else ".0f"
                for key in runs[0]
            },
        )
        medians = median_of(runs)
        print(
            f"  median: {medians['deliveries/s']:.0f} deliveries/s, all {expected(args)} in "
            f"{medians['seconds to last delivery']:.2f} s, start_thread "
            f"{medians['start_thread ms']:.1f} ms"
        )
    print_profiles(profile_dir, args)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--members", type=int, default=2000, help="remote members")
    parser.add_argument(
        "--hosts", type=int, default=200, help="hosts (one port and shared inbox each)"
    )
    parser.add_argument("--workers", default="1,2", help="worker process counts to try")
    parser.add_argument("--sink-delay-ms", type=float, default=0.0)
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds per run")
    add_run_options(parser, per="delivery")
    parser.add_argument(
        "--post-detail",
        action="store_true",
        help="print start_thread's statements and a cProfile of it (slower; use --runs 1)",
    )
    parser.add_argument("--serve-sink", type=int, metavar="PORTS", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_sink:
        asyncio.run(serve_sink(args.serve_sink, args.sink_delay_ms))
        return
    asyncio.run(main_async(args))


if __name__ == "__main__":
    main()
