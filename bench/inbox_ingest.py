"""Inbox ingest benchmark: signed `Create(Note)`s POSTed to a node's shared inbox, then applied.

Usage: .venv/bin/python bench/inbox_ingest.py [--actors 500] [--notes 16] [--concurrency 64]
           [--runs 3] [--apply-workers 1] [--web-processes 1] [--database-url DSN]
           [--profile] [--count-queries] [--what-if NAME]

The node runs as real processes: `python -m node web` (one process) for the accept phase, then
`python -m node worker` process(es) for the apply phase, on a fresh database that is dropped
afterwards (`--database-url`, else BENCH_DATABASE_URL / TEST_DATABASE_URL, else an embedded
cluster). The load generator (this process) is an aiohttp client with `--concurrency` requests
in flight over keep-alive connections.

What it measures, and what it leaves out on purpose:
- Every remote actor is cached in `remote_actors` with its public key before the run, so the
  inbox does verify + store, never a key fetch. Actors share `--keys` key pairs round-robin
  (verification costs the same for any key).
- Every request is signed (draft-cavage, `federation.signatures.sign_request`) before timing;
  the signatures' Date stays valid for the whole benchmark (the window is about an hour).
- accepted/s = 202 answers / wall time of the timed blast (after `--warmup` requests);
  latency = client-side time from sending a request to reading its answer ("server" latency:
  the same requests as the node's access log times them).
- applied/s = rows applied / wall time from the worker(s) listening to no pending rows left.
- CPU per item of every process involved (node, PostgreSQL backends, this load generator), and
  how busy the rest of the machine was: a run beside someone else's work is repeated.

`--profile` runs the node under cProfile, `--count-queries` counts the statements it sends,
`--what-if no-pool-reset` measures a suggested fix (see common.py); none is on by default.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import shutil
import tempfile
import time
from collections import Counter
from pathlib import Path

import aiohttp
import asyncpg
import orjson
from common import (
    BenchDatabases,
    NodeConfig,
    NodeProcess,
    OtherLoad,
    Peer,
    PostgresCpu,
    add_run_options,
    cache_private_keys,
    counted_queries,
    create_note,
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
    summarize,
    wait_for_http,
    wait_for_listeners,
    wait_for_quiet,
)

from federation.signatures import SigningKey, sign_request

AP = "application/activity+json"
TARGET_ACCEPTED = 2000.0
TARGET_APPLIED = 1000.0
TARGET_P99_MS = 50.0

Signed = tuple[bytes, dict[str, str]]


def sign_all(args: argparse.Namespace, url: str) -> tuple[list[Signed], list[Peer]]:
    """Every request, signed now; round-robin over actors so neighbours come from different
    servers."""
    keys = key_pool(args.keys)
    actors = list(peers(args.actors, keys))
    signed = []
    for n in range(args.notes):
        for peer in actors:
            body = orjson.dumps(create_note(peer, n))
            key = SigningKey(peer.key_id, peer.keys.private_pem)
            signed.append((body, sign_request("POST", url, {"Content-Type": AP}, body, key)))
    return signed, actors


async def blast(
    url: str, requests: list[Signed], concurrency: int
) -> tuple[float, list[float], Counter[int]]:
    """POST every request with `concurrency` in flight; (seconds, latencies, statuses)."""
    latencies: list[float] = []
    statuses: Counter[int] = Counter()
    position = 0
    connector = aiohttp.TCPConnector(limit=concurrency, force_close=False)
    timeout = aiohttp.ClientTimeout(total=60)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:

        async def sender() -> None:
            nonlocal position
            while position < len(requests):
                body, headers = requests[position]
                position += 1
                started = time.perf_counter()
                async with session.post(url, data=body, headers=headers) as response:
                    await response.read()
                latencies.append(time.perf_counter() - started)
                statuses[response.status] += 1

        started = time.perf_counter()
        await asyncio.gather(*(sender() for _ in range(concurrency)))
        elapsed = time.perf_counter() - started
    return elapsed, latencies, statuses


async def pending(conn: asyncpg.Connection) -> int:
    value: int = await conn.fetchval(
        "SELECT count(*) FROM inbox_activities WHERE state = 'pending'"
    )
    return value


async def any_pending(conn: asyncpg.Connection) -> bool:
    """Cheap enough to poll: the partial index on pending rows answers it."""
    value: bool = await conn.fetchval(
        "SELECT EXISTS (SELECT 1 FROM inbox_activities WHERE state = 'pending')"
    )
    return value


async def accept_phase(
    args: argparse.Namespace,
    web: NodeProcess,
    inbox: str,
    pg_cpu: PostgresCpu,
    requests: list[Signed],
) -> dict[str, float]:
    """The warm-up, then the timed blast at the shared inbox of a running `web` process."""
    warmup, timed = requests[: args.warmup], requests[args.warmup :]
    await blast(inbox, warmup, args.concurrency)
    if args.quiet_wait:
        await wait_for_quiet(timeout=args.quiet_wait)
    await pg_cpu.start()
    others = OtherLoad()
    web_cpu, client_cpu = web.cpu_seconds(), time.process_time()
    elapsed, latencies, statuses = await blast(inbox, timed, args.concurrency)
    web_cpu, client_cpu = web.cpu_seconds() - web_cpu, time.process_time() - client_cpu
    database_cpu = await pg_cpu.stop()
    irq, other = others.interrupt_cores(), others.cores(web_cpu + client_cpu + database_cpu)
    if statuses.get(202, 0) != len(timed):
        print(f"  warning: answers other than 202: {dict(statuses)}")
    lat, server = summarize(latencies), summarize(server_latencies(web, len(timed)))
    return {
        "accepted/s": statuses.get(202, 0) / elapsed,
        "p50 ms": lat.p50 * 1e3,
        "p99 ms": lat.p99 * 1e3,
        "max ms": lat.max * 1e3,
        "server p50 ms": server.p50 * 1e3,
        "server p99 ms": server.p99 * 1e3,
        "web CPU ms/req": web_cpu / len(timed) * 1e3,
        "pg CPU ms/req (accept)": database_cpu / len(timed) * 1e3,
        "client CPU ms/req": client_cpu / len(timed) * 1e3,
        "kernel irq cores (accept)": irq,
        "others' cores (accept)": other,
    }


def server_latencies(web: NodeProcess, count: int) -> list[float]:
    """The last `count` inbox POSTs' handling time as the node logged it (middleware `observe`:
    from routing to the response, without time queued in the socket or the event loop)."""
    seconds = []
    for line in web.log_path.read_bytes().splitlines():
        if b'"route":"/inbox"' not in line:
            continue
        with contextlib.suppress(ValueError):
            seconds.append(float(orjson.loads(line)["ms"]) / 1e3)
    return seconds[-count:]


async def apply_phase(
    args: argparse.Namespace,
    config: NodeConfig,
    conn: asyncpg.Connection,
    pg_cpu: PostgresCpu,
    profile_dir: Path | None,
) -> dict[str, float]:
    """Worker process(es) drain the stored activities; timed from listening to none pending."""
    total = await pending(conn)
    if args.quiet_wait:
        await wait_for_quiet(timeout=args.quiet_wait)
    workers = [
        start_node(config, "worker", name=f"worker{i}", what_if=args.what_if,
                   count_queries=args.count_queries,
                   profile=profile_dir and profile_dir / f"worker{i}.prof")
        for i in range(args.apply_workers)
    ]  # fmt: skip
    try:
        await wait_for_listeners(config.dsn, args.apply_workers, processes=workers)
        started = time.perf_counter()
        await pg_cpu.start()
        others = OtherLoad()
        worker_cpu = sum(w.cpu_seconds() for w in workers)
        while await any_pending(conn) and time.perf_counter() - started < args.apply_timeout:
            for worker in workers:
                worker.check_alive()
            await asyncio.sleep(poll_interval(time.perf_counter() - started))
        elapsed = time.perf_counter() - started
        worker_cpu = sum(w.cpu_seconds() for w in workers) - worker_cpu
        database_cpu = await pg_cpu.stop()
        irq, other = others.interrupt_cores(), others.cores(worker_cpu + database_cpu)
    finally:
        for worker in workers:
            worker.stop()
    left = await pending(conn)
    states = dict(await conn.fetch("SELECT state, count(*) FROM inbox_activities GROUP BY state"))
    posts = await conn.fetchval("SELECT count(*) FROM posts WHERE author_remote IS NOT NULL")
    if left or states.get("failed") or posts != total:
        print(f"  warning: {left} still pending, states {states}, {posts} remote posts")
    return {
        "applied/s": states.get("done", 0) / elapsed,
        "worker CPU ms/item": worker_cpu / total * 1e3,
        "pg CPU ms/item (apply)": database_cpu / total * 1e3,
        "kernel irq cores (apply)": irq,
        "others' cores (apply)": other,
    }


def statements_per_item(data_dir: Path, items: int) -> dict[str, float]:
    """Statements sent per inbox POST (web) and per applied activity (workers), by kind."""
    out = {}
    for phase, pattern in (("accept", "web.log"), ("apply", "worker*.log")):
        for kind, count in sorted(counted_queries(data_dir.glob(pattern)).items()):
            out[f"{kind}/item ({phase})"] = count / items
    return out


async def one_run(
    args: argparse.Namespace,
    databases: BenchDatabases,
    port: int,
    requests: list[Signed],
    actors: list[Peer],
    profile_dir: Path | None,
) -> dict[str, float]:
    """A fresh database and node: accept every request, stop the web process, then apply."""
    dsn = await databases.create("ingest")
    data_dir = Path(tempfile.mkdtemp(prefix="commonroom-bench-ingest-"))
    config = NodeConfig(dsn=dsn, port=port, data_dir=data_dir)
    pg_cpu = PostgresCpu(databases.admin_dsn, database_name(dsn))
    conn = await asyncpg.connect(dsn)
    web = None
    try:
        await store_peers(conn, actors)
        web = start_node(
            config, "web", profile=profile_dir and profile_dir / "web.prof", what_if=args.what_if,
            count_queries=args.count_queries,
            extra=["--processes", str(args.web_processes)] if args.web_processes > 1 else (),
        )  # fmt: skip
        await asyncio.to_thread(wait_for_http, web, f"{config.public_url}/.well-known/nodeinfo")
        inbox = f"{config.public_url}/inbox"
        result = await accept_phase(args, web, inbox, pg_cpu, requests)
        result["stored"] = float(await pending(conn))
        web.stop()
        result.update(await apply_phase(args, config, conn, pg_cpu, profile_dir))
        if args.count_queries:
            result.update(statements_per_item(data_dir, len(requests)))
        return result
    finally:
        if web is not None:
            web.stop()
        await conn.close()
        await databases.drop(dsn)
        shutil.rmtree(data_dir, ignore_errors=True)


async def main_async(args: argparse.Namespace) -> None:
    cache_private_keys()  # the load generator's own signing; the node is not patched
    port = free_port()
    url = f"http://127.0.0.1:{port}/inbox"
    started = time.perf_counter()
    requests, actors = sign_all(args, url)
    print(
        f"signed {len(requests)} Create(Note) activities from {args.actors} actors "
        f"({len(requests[0][0])} bytes each) in {time.perf_counter() - started:.1f} s"
    )
    profile_dir = profile_directory(args)
    async with BenchDatabases(args.database_url) as databases:
        runs = await repeat_runs(
            lambda: one_run(args, databases, port, requests, actors, profile_dir),
            lambda r: (
                f"{r['accepted/s']:.0f} accepted/s, p50 {r['p50 ms']:.1f} ms, "
                f"p99 {r['p99 ms']:.1f} ms; {r['applied/s']:.0f} applied/s"
            ),
            runs=args.runs, retries=args.retries, noisy_cores=args.noisy_cores,
        )  # fmt: skip
    print_table(
        f"inbox ingest: {len(requests) - args.warmup} timed POSTs, concurrency {args.concurrency}, "
        f"{args.web_processes} web process(es), {args.apply_workers} apply worker(s)"
        + "".join(f", what-if {name}" for name in args.what_if),
        runs,
        {
            key: ".2f"
            if "cores" in key or "CPU" in key or "/item" in key
            else ".1f"
            if "ms" in key
            else ".0f"
            for key in runs[0]
        },
    )
    medians = median_of(runs)
    accepted, applied, p99 = medians["accepted/s"], medians["applied/s"], medians["p99 ms"]
    print(
        f"\nvs targets: accepted {accepted:.0f}/s = {accepted / TARGET_ACCEPTED:.0%} of "
        f"{TARGET_ACCEPTED:.0f}; applied {applied:.0f}/s = {applied / TARGET_APPLIED:.0%} of "
        f"{TARGET_APPLIED:.0f}; p99 {p99:.1f} ms vs <= {TARGET_P99_MS:.0f} ms"
    )
    print_profiles(profile_dir, args)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--actors", type=int, default=500, help="distinct remote actors")
    parser.add_argument("--notes", type=int, default=16, help="notes per actor")
    parser.add_argument("--keys", type=int, default=8, help="RSA key pairs the actors share")
    parser.add_argument("--concurrency", type=int, default=64, help="requests in flight")
    parser.add_argument("--warmup", type=int, default=500, help="untimed requests first")
    parser.add_argument("--web-processes", type=int, default=1, help="`web --processes N`")
    parser.add_argument("--apply-workers", type=int, default=1, help="worker processes")
    parser.add_argument("--apply-timeout", type=float, default=120.0, help="seconds")
    add_run_options(parser, per="item")
    args = parser.parse_args()
    if args.warmup >= args.actors * args.notes:
        parser.error("--warmup must be smaller than --actors x --notes")
    asyncio.run(main_async(args))


if __name__ == "__main__":
    main()
