"""Shared helpers for the benchmarks: databases, node processes, data generation, timing stats.

Benchmarks import this as `common` (they run as `python bench/<name>.py`, so `bench/` is on the
path). Nothing here is a test helper: benchmarks measure, they never assert timings.

Data generation follows one style, meant to scale from 500 rows to millions: a pure generator
yields plain tuples (deterministic for a seed, no I/O), and `copy_records()` streams them into a
table in chunks with COPY. Rows that must go through the node's own rules (accounts with keys,
remote actors) go through `node.storage`/`node.services` instead, which is fast enough for
thousands of rows and keeps the benchmark honest about the schema.

Run as a script, this module is also a launcher for node processes that need instrumenting:
    python bench/common.py launch [--profile OUT] [--what-if NAME ...] [--count-queries] -- web ...
runs `commonroom <args>` in-process, optionally under cProfile (stats written on exit), and
optionally with what-if patches (WHAT_IF below) that measure a suggested fix before anyone
makes it. They are never on by default, and never change the node's code on disk. With
--count-queries it prints, at exit, how many statements its database pools sent, by kind.
"""

from __future__ import annotations

import argparse
import asyncio
import atexit
import contextlib
import functools
import itertools
import json
import math
import os
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.error import URLError
from urllib.parse import urlsplit, urlunsplit
from urllib.request import urlopen

import asyncpg

ROOT = Path(__file__).resolve().parent.parent
_CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


# --------------------------------------------------------------------------- timing statistics


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0-100), linearly interpolated like numpy's default."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = (len(ordered) - 1) * q / 100
    low, high = math.floor(rank), math.ceil(rank)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


@dataclass(frozen=True, slots=True)
class Summary:
    count: int
    p50: float
    p90: float
    p99: float
    max: float

    def ms(self) -> str:
        return (
            f"p50 {self.p50 * 1e3:.1f} ms, p90 {self.p90 * 1e3:.1f} ms, "
            f"p99 {self.p99 * 1e3:.1f} ms, max {self.max * 1e3:.1f} ms"
        )


def summarize(seconds: Sequence[float]) -> Summary:
    return Summary(
        count=len(seconds),
        p50=percentile(seconds, 50),
        p90=percentile(seconds, 90),
        p99=percentile(seconds, 99),
        max=max(seconds) if seconds else math.nan,
    )


def median_of(runs: Sequence[dict[str, float]]) -> dict[str, float]:
    """Per-key median over runs (each run a dict of numbers)."""
    keys = runs[0].keys()
    return {key: statistics.median(run[key] for run in runs) for key in keys}


async def repeat_runs(
    run_once: Callable[[], Awaitable[dict[str, float]]],
    describe: Callable[[dict[str, float]], str],
    *,
    runs: int,
    retries: int,
    noisy_cores: float,
) -> list[dict[str, float]]:
    """`runs` results of `run_once()`. A run during which other work used more than
    `noisy_cores` cores (any "others'" measure) is reported and repeated, at most `retries`
    times in all; when retries run out, noisy runs are kept (and visible in the table)."""
    results: list[dict[str, float]] = []
    repeats = 0
    while len(results) < runs:
        result = await run_once()
        others = max((v for k, v in result.items() if k.startswith("others'")), default=0.0)
        noisy = others > noisy_cores
        label = f"run {len(results) + 1}" + (" (noisy)" if noisy else "")
        print(f"{label}: {describe(result)}; others used {others:.2f} cores")
        if noisy and repeats < retries:
            repeats += 1
            print("  repeating it: other processes were busy")
            continue
        results.append(result)
    return results


def print_table(title: str, runs: Sequence[dict[str, float]], fmt: dict[str, str]) -> None:
    """One line per measure: every run's value and the median, formatted with `fmt[key]`."""
    print(f"\n{title} ({len(runs)} run(s); median last)")
    medians = median_of(runs)
    for key in fmt:
        values = "  ".join(format(run[key], fmt[key]) for run in runs)
        print(f"  {key:<28} {values}  | median {format(medians[key], fmt[key])}")


def poll_interval(elapsed: float) -> float:
    """How long to sleep between polls `elapsed` seconds into a wait: 1 % of the time so far
    (so stopping late costs at most ~1 %), between 10 and 100 ms (so polling costs little)."""
    return min(0.1, max(0.01, elapsed / 100))


def machine_description() -> str:
    """Cores this process may use and the CPU model, for the results file."""
    model = "unknown CPU"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.partition(":")[2].strip()
                break
    return f"{len(os.sched_getaffinity(0))} core(s), {model}"


# --------------------------------------------------------------------------- CPU accounting


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds a process has used so far (0 once it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    except (FileNotFoundError, ProcessLookupError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / _CLOCK_TICKS


def _cpu_ticks() -> list[int]:
    """The aggregate `cpu` line of /proc/stat: user nice system idle iowait irq softirq steal."""
    return [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]


def machine_busy_seconds() -> float:
    """CPU seconds all cores have spent busy since boot (not idle, iowait or steal)."""
    user, nice, system, _idle, _iowait, irq, softirq, _steal = _cpu_ticks()
    return (user + nice + system + irq + softirq) / _CLOCK_TICKS


def interrupt_seconds() -> float:
    """CPU seconds spent in interrupts and softirqs (loopback TCP is processed there), which
    no process is charged for."""
    ticks = _cpu_ticks()
    return (ticks[5] + ticks[6]) / _CLOCK_TICKS


class OtherLoad:
    """How busy the machine was with work other than the benchmark's own processes, in cores.

    The benchmark machine is shared: a run where others used a core is not comparable, and
    this makes such runs visible instead of hiding them in a median. It is approximate (about
    +-0.2 cores: the kernel charges softirq work for loopback TCP partly to the processes, and
    samples /proc/stat by ticks); it is meant to tell a quiet run from one beside a test suite.
    """

    def __init__(self) -> None:
        self._busy = machine_busy_seconds()
        self._interrupts = interrupt_seconds()
        self._started = time.perf_counter()

    def _elapsed(self) -> float:
        return max(time.perf_counter() - self._started, 1e-9)

    def cores(self, own_cpu_seconds: float) -> float:
        """Cores used by other processes (kernel threads and interrupts included)."""
        return (machine_busy_seconds() - self._busy - own_cpu_seconds) / self._elapsed()

    def interrupt_cores(self) -> float:
        """Cores spent in interrupts and softirqs (mostly the benchmark's loopback traffic)."""
        return (interrupt_seconds() - self._interrupts) / self._elapsed()


async def wait_for_quiet(max_cores: float = 0.3, timeout: float = 60.0) -> float:
    """Wait (up to `timeout` s) for a second in which the machine is busy for less than
    `max_cores` cores, so runs do not start on top of someone else's test suite. Call it while
    the benchmark's own processes are idle; returns the last second's busy cores."""
    deadline = time.monotonic() + timeout
    while True:
        before, started = machine_busy_seconds(), time.perf_counter()
        await asyncio.sleep(1.0)
        busy = (machine_busy_seconds() - before) / (time.perf_counter() - started)
        if busy < max_cores or time.monotonic() >= deadline:
            if busy >= max_cores:
                print(f"  note: the machine is still busy ({busy:.2f} cores); measuring anyway")
            return busy


def tree_cpu_seconds(pid: int) -> float:
    """cpu_seconds() of a process and all its live descendants (`web --processes N`)."""
    total = cpu_seconds(pid)
    for task in Path(f"/proc/{pid}/task").glob("*/children"):
        with contextlib.suppress(FileNotFoundError, ProcessLookupError):
            for child in task.read_text().split():
                total += tree_cpu_seconds(int(child))
    return total


class PostgresCpu:
    """CPU used by the PostgreSQL processes serving one database (its backends and autovacuum
    workers) plus the server's shared background processes (WAL writer, checkpointer, ...),
    between start() and stop().

    Backends come and go while a benchmark runs (asyncpg replaces a connection after 50,000
    queries), so a task samples them every `interval` seconds and an exited backend counts
    with its last sample. Other databases on the same server (tests running beside the
    benchmark) are left out, except for what they add to the shared background processes.
    """

    def __init__(self, admin_dsn: str, database: str, interval: float = 0.2) -> None:
        self.admin_dsn = admin_dsn
        self.database = database
        self.interval = interval
        self._start: dict[int, float] = {}
        self._last: dict[int, float] = {}
        self._conn: asyncpg.Connection | None = None
        self._task: asyncio.Task[None] | None = None

    async def _sample(self) -> None:
        assert self._conn is not None
        rows = await self._conn.fetch(
            "SELECT pid FROM pg_stat_activity "
            "WHERE (datname = $1 AND pid <> pg_backend_pid()) OR datname IS NULL",
            self.database,
        )
        for row in rows:
            used = cpu_seconds(row["pid"])
            if used:
                self._last[row["pid"]] = used

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self.interval)
            await self._sample()

    async def start(self) -> None:
        await self._close()
        self._conn = await asyncpg.connect(self.admin_dsn)
        self._last = {}
        await self._sample()
        self._start = dict(self._last)
        self._task = asyncio.create_task(self._run())

    async def stop(self) -> float:
        """Seconds of CPU since start(); backends that appeared in between count from zero."""
        assert self._task is not None
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task
        await self._sample()
        await self._close()
        return sum(used - self._start.get(pid, 0.0) for pid, used in self._last.items())

    async def _close(self) -> None:
        if self._conn is not None:
            await self._conn.close()
            self._conn = None


# --------------------------------------------------------------------------- databases


def with_database(dsn: str, name: str) -> str:
    parts = urlsplit(dsn)
    return urlunsplit(parts._replace(path=f"/{name}"))


def database_name(dsn: str) -> str:
    return urlsplit(dsn).path.lstrip("/")


class BenchDatabases:
    """Fresh, migrated databases that are dropped afterwards.

    On the server of `admin_dsn` (a flag, else BENCH_DATABASE_URL or TEST_DATABASE_URL), or on
    an embedded cluster started in a temporary directory (durable settings, like production's
    embedded default) when none is given.
    """

    def __init__(self, admin_dsn: str | None = None) -> None:
        self.admin_dsn = (
            admin_dsn
            or os.environ.get("BENCH_DATABASE_URL")
            or os.environ.get("TEST_DATABASE_URL")
            or ""
        )
        self._embedded: Any = None
        self._created: list[str] = []

    async def __aenter__(self) -> BenchDatabases:
        if not self.admin_dsn:
            from node.storage.embedded import EmbeddedPostgres

            directory = Path(tempfile.mkdtemp(prefix="commonroom-bench-pg-"))
            directory.chmod(0o755)
            self._embedded = EmbeddedPostgres(directory)
            await asyncio.to_thread(self._embedded.start)
            self.admin_dsn = self._embedded.paths.dsn("postgres")
        return self

    async def __aexit__(self, *_exc: object) -> None:
        for name in list(self._created):
            await self.drop(name)
        if self._embedded is not None:
            await asyncio.to_thread(self._embedded.stop)

    async def create(self, prefix: str = "bench") -> str:
        """A new database with every migration applied; returns its DSN."""
        from node.runtime import apply_migrations

        name = f"{prefix}_{uuid.uuid4().hex[:10]}"
        conn = await asyncpg.connect(self.admin_dsn)
        try:
            await conn.execute(f'CREATE DATABASE "{name}"')
        finally:
            await conn.close()
        self._created.append(name)
        dsn = with_database(self.admin_dsn, name)
        await apply_migrations(dsn)
        return dsn

    async def drop(self, name_or_dsn: str) -> None:
        name = database_name(name_or_dsn) if "/" in name_or_dsn else name_or_dsn
        conn = await asyncpg.connect(self.admin_dsn)
        try:
            await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await conn.close()
        if name in self._created:
            self._created.remove(name)


async def wait_for_listeners(
    dsn: str, count: int, timeout: float = 60.0, processes: Sequence[NodeProcess] = ()
) -> None:
    """Until `count` connections to the database have LISTENed (worker processes are ready);
    fails at once, with its log, if one of `processes` exits instead."""
    conn = await asyncpg.connect(dsn)
    try:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for process in processes:
                process.check_alive()
            listening = await conn.fetchval(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND query LIKE 'LISTEN %'"
            )
            if listening >= count:
                return
            await asyncio.sleep(0.05)
    finally:
        await conn.close()
    raise TimeoutError(f"{count} worker(s) did not start listening within {timeout:g} s")


# --------------------------------------------------------------------------- data generation


def chunked(rows: Iterable[tuple[Any, ...]], size: int) -> Iterator[list[tuple[Any, ...]]]:
    iterator = iter(rows)
    while chunk := list(itertools.islice(iterator, size)):
        yield chunk


async def copy_records(
    conn: asyncpg.Connection,
    table: str,
    columns: Sequence[str],
    rows: Iterable[tuple[Any, ...]],
    chunk: int = 10_000,
) -> int:
    """Stream generated rows into `table` with COPY, `chunk` rows at a time; returns the count.

    Memory stays flat whatever the row count (a generator of 1M posts is fine). jsonb columns
    take their value as a JSON string.
    """
    total = 0
    for part in chunked(rows, chunk):
        await conn.copy_records_to_table(table, columns=list(columns), records=part)
        total += len(part)
    return total


@dataclass(frozen=True, slots=True)
class KeyPair:
    private_pem: str
    public_pem: str


def key_pool(size: int) -> list[KeyPair]:
    """`size` fresh RSA-2048 key pairs (~0.1 s each). Remote actors share them round-robin:
    verifying costs the same whatever key is used, and 500 distinct keys would take a minute."""
    from federation.crypto import generate_rsa_keypair

    pairs = [generate_rsa_keypair() for _ in range(size)]
    return [KeyPair(pair.private_pem, pair.public_pem) for pair in pairs]


@dataclass(frozen=True, slots=True)
class Peer:
    """A remote actor as the generator describes it (all ids on the actor's own host)."""

    index: int
    uri: str
    host: str
    username: str
    inbox: str
    shared_inbox: str
    key_id: str
    keys: KeyPair = field(repr=False)

    @property
    def followers(self) -> str:
        return f"{self.uri}/followers"


def peers(
    count: int,
    keys: Sequence[KeyPair],
    *,
    base: str = "https://peer{i}.example",
    shared_inbox: Callable[[int], str] | None = None,
) -> Iterator[Peer]:
    """`count` remote actors, each on its own host (`base` is formatted with i);
    `shared_inbox(i)`, when given, says where deliveries to peer i go instead."""
    for i in range(count):
        root = base.format(i=i)
        uri = f"{root}/users/u{i}"
        yield Peer(
            index=i,
            uri=uri,
            host=urlsplit(root).netloc,
            username=f"u{i}",
            inbox=f"{uri}/inbox",
            shared_inbox=shared_inbox(i) if shared_inbox else f"{root}/inbox",
            key_id=f"{uri}#main-key",
            keys=keys[i % len(keys)],
        )


def actor_document(peer: Peer) -> dict[str, Any]:
    """What the peer's server would answer for its actor (Mastodon-shaped, trimmed)."""
    return {
        "@context": ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"],
        "id": peer.uri,
        "type": "Person",
        "preferredUsername": peer.username,
        "name": f"Teacher {peer.index}",
        "inbox": peer.inbox,
        "outbox": f"{peer.uri}/outbox",
        "followers": peer.followers,
        "endpoints": {"sharedInbox": peer.shared_inbox},
        "publicKey": {"id": peer.key_id, "owner": peer.uri, "publicKeyPem": peer.keys.public_pem},
    }


async def store_peers(conn: asyncpg.Connection, batch: Iterable[Peer]) -> dict[str, int]:
    """Cache peers in remote_actors through the node's own storage code (as if fetched just now);
    returns their row ids by uri."""
    from node.storage.actors import remote_actors
    from node.storage.actors.remote_actors import RemoteActorFields

    ids: dict[str, int] = {}
    async with conn.transaction():
        for peer in batch:
            actor = await remote_actors.upsert_remote_actor(conn, RemoteActorFields(
                uri=peer.uri, actor_type="Person", username=peer.username, host=peer.host,
                display_name=f"Teacher {peer.index}", summary_html="", inbox=peer.inbox,
                shared_inbox=peer.shared_inbox, followers_uri=peer.followers, url=None,
                key_id=peer.key_id, public_key_pem=peer.keys.public_pem, manually_approves=False,
                raw=actor_document(peer),
            ))  # fmt: skip
            ids[peer.uri] = actor.id
    return ids


MASTODON_CONTEXT: list[Any] = [
    "https://www.w3.org/ns/activitystreams",
    {
        "ostatus": "http://ostatus.org#",
        "atomUri": "ostatus:atomUri",
        "inReplyToAtomUri": "ostatus:inReplyToAtomUri",
        "conversation": "ostatus:conversation",
        "sensitive": "as:sensitive",
        "toot": "http://joinmastodon.org/ns#",
        "votersCount": "toot:votersCount",
        "Hashtag": "as:Hashtag",
    },
]


def create_note(peer: Peer, n: int, *, published: str = "2026-11-25T12:00:00Z") -> dict[str, Any]:
    """A Mastodon-shaped public `Create(Note)` by `peer`, its n-th, with distinct ids."""
    note_id = f"{peer.uri}/statuses/{n}"
    public = "https://www.w3.org/ns/activitystreams#Public"
    return {
        "@context": MASTODON_CONTEXT,
        "id": f"{note_id}/activity",
        "type": "Create",
        "actor": peer.uri,
        "published": published,
        "to": [public],
        "cc": [peer.followers],
        "object": {
            "id": note_id,
            "type": "Note",
            "summary": None,
            "inReplyTo": None,
            "published": published,
            "url": f"https://{peer.host}/@{peer.username}/{n}",
            "attributedTo": peer.uri,
            "to": [public],
            "cc": [peer.followers],
            "sensitive": False,
            "atomUri": note_id,
            "conversation": f"tag:{peer.host},2026-11-25:objectId={n}:objectType=Conversation",
            "content": (
                f"<p>Note {n} from {peer.username}: the science fair moves to the gym on "
                "Thursday; volunteers for set-up please reply here. "
                '<a href="https://example.org/fair" rel="nofollow noopener">details</a></p>'
            ),
            "contentMap": {"en": f"<p>Note {n} from {peer.username}</p>"},
            "attachment": [],
            "tag": [],
            "replies": {
                "id": f"{note_id}/replies",
                "type": "Collection",
                "first": {
                    "type": "CollectionPage",
                    "next": f"{note_id}/replies?page=true",
                    "partOf": f"{note_id}/replies",
                    "items": [],
                },
            },
        },
    }


def cache_private_keys() -> None:
    """Parse each private key PEM once per process instead of on every signature.

    `federation.signatures.sign_request()` calls `crypto.load_private_key()` every time, and
    loading an RSA-2048 key validates it (~26 ms of CPU). The load generator uses this to sign
    its own requests quickly; as a what-if it measures the suggested fix in a node process.
    """
    from federation import crypto, signatures

    original = crypto.load_private_key
    signatures.load_private_key = functools.lru_cache(maxsize=256)(original)  # type: ignore[assignment]


def skip_pool_reset() -> None:
    """What-if: asyncpg pools release connections without their reset query.

    By default every release sends `SELECT pg_advisory_unlock_all(); CLOSE ALL; UNLISTEN *;
    RESET ALL;`, one more round trip per acquire; asyncpg >= 0.30 takes `reset=` to replace it.
    """
    original = asyncpg.create_pool

    async def no_reset(_conn: asyncpg.Connection) -> None:
        return None

    def create_pool(*args: Any, **kwargs: Any) -> Any:
        kwargs.setdefault("reset", no_reset)
        return original(*args, **kwargs)

    asyncpg.create_pool = create_pool


WHAT_IF = {"cache-keys": cache_private_keys, "no-pool-reset": skip_pool_reset}

QUERY_COUNT_MARK = "BENCH-QUERIES "


def count_queries() -> None:
    """Instrumentation (not a fix): count the statements every asyncpg pool connection sends,
    by kind, with asyncpg's own query loggers; printed as one JSON line at exit."""
    counts: Counter[str] = Counter()

    def kind(query: str) -> str:
        word = query.lstrip().split(None, 1)[0].rstrip(";").upper() if query.strip() else "?"
        if word == "SELECT" and "pg_advisory_unlock_all" in query:
            return "pool reset"
        if word in {"BEGIN", "COMMIT", "ROLLBACK"}:
            return "begin/commit"
        return "statement"

    def log_query(record: Any) -> None:
        counts[kind(record.query)] += 1

    original = asyncpg.create_pool

    def create_pool(*args: Any, **kwargs: Any) -> Any:
        user_init = kwargs.get("init")

        async def init(conn: asyncpg.Connection) -> None:
            conn.add_query_logger(log_query)
            if user_init is not None:
                await user_init(conn)

        kwargs["init"] = init
        return original(*args, **kwargs)

    asyncpg.create_pool = create_pool
    atexit.register(lambda: print(QUERY_COUNT_MARK + json.dumps(counts), flush=True))


def counted_queries(logs: Iterable[Path]) -> Counter[str]:
    """The statement counts that processes started with count_queries=True printed at exit."""
    total: Counter[str] = Counter()
    for path in logs:
        for line in path.read_text(errors="replace").splitlines():
            if line.startswith(QUERY_COUNT_MARK):
                total.update(json.loads(line[len(QUERY_COUNT_MARK) :]))
    return total


# --------------------------------------------------------------------------- node processes


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class NodeProcess:
    """A `commonroom` subprocess; stop() ends it with SIGTERM (a clean shutdown)."""

    role: str
    process: subprocess.Popen[bytes]
    log_path: Path

    @property
    def pid(self) -> int:
        return self.process.pid

    def cpu_seconds(self) -> float:
        """CPU of the process and its children (the web supervisor starts children)."""
        return tree_cpu_seconds(self.process.pid)

    def check_alive(self) -> None:
        if self.process.poll() is not None:
            tail = self.log_path.read_text(errors="replace")[-2000:]
            raise RuntimeError(f"{self.role} exited with {self.process.returncode}:\n{tail}")

    def stop(self, timeout: float = 30.0) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


@dataclass(frozen=True, slots=True)
class NodeConfig:
    """What every process of one benchmark node shares."""

    dsn: str
    port: int
    data_dir: Path
    secret_key: str = field(default_factory=lambda: secrets.token_urlsafe(48), repr=False)

    @property
    def public_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("COMMONROOM_")}
        env.update(
            DATABASE_URL=self.dsn,
            COMMONROOM_PUBLIC_URL=self.public_url,
            COMMONROOM_SECRET_KEY=self.secret_key,
            COMMONROOM_FEDERATION_LOOPBACK="1",
            COMMONROOM_DATA_DIR=str(self.data_dir),
        )
        return env


def start_node(
    config: NodeConfig,
    role: str,
    *,
    name: str | None = None,
    profile: Path | None = None,
    what_if: Sequence[str] = (),
    count_queries: bool = False,
    extra: Sequence[str] = (),
) -> NodeProcess:
    """Start `commonroom web` or `commonroom worker` (`python -m node ...`) for `config`.

    Logs (the node's JSON lines, INFO) go to a file in the data dir, as they would go to a
    journal in production. With `profile`, `what_if` or `count_queries` the node runs under
    this module's launcher instead (see the module docstring).
    """
    args = [role, *extra]
    if role in {"web", "run"}:
        args += ["--listen", f"127.0.0.1:{config.port}", "--public-url", config.public_url]
    if profile is not None or what_if or count_queries:
        launcher = [sys.executable, str(Path(__file__).resolve()), "launch"]
        if profile is not None:
            launcher += ["--profile", str(profile)]
        for patch in what_if:
            launcher += ["--what-if", patch]
        if count_queries:
            launcher.append("--count-queries")
        command = [*launcher, "--", *args]
    else:
        command = [sys.executable, "-m", "node", *args]
    config.data_dir.mkdir(parents=True, exist_ok=True)
    log_path = config.data_dir / f"{name or role}.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            command, env=config.env(), cwd=ROOT, stdout=log, stderr=subprocess.STDOUT
        )
    return NodeProcess(role, process, log_path)


def wait_for_http(node: NodeProcess, url: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        node.check_alive()
        try:
            with urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except (URLError, ConnectionError, TimeoutError):
            time.sleep(0.05)
    raise TimeoutError(f"{url} did not answer within {timeout:g} s")


def print_profile(path: Path, limit: int = 25) -> None:
    import pstats

    stats = pstats.Stats(str(path))
    print(f"\n--- cProfile of the node ({path}), by cumulative time ---")
    stats.sort_stats("cumulative").print_stats(limit)
    print("--- by own time (tottime) ---")
    stats.sort_stats("tottime").print_stats(limit)


# --------------------------------------------------------------------------- the launcher


def _launch(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="common.py launch")
    parser.add_argument("--profile", type=Path, help="write cProfile stats here on exit")
    parser.add_argument("--what-if", action="append", default=[], choices=sorted(WHAT_IF))
    parser.add_argument("--count-queries", action="store_true")
    parser.add_argument("node_args", nargs=argparse.REMAINDER)
    args = parser.parse_args(argv)
    node_args = args.node_args[1:] if args.node_args[:1] == ["--"] else args.node_args
    for name in args.what_if:
        WHAT_IF[name]()
    if args.count_queries:
        count_queries()
    from node.cli import main

    if args.profile is None:
        return main(node_args)
    import cProfile

    profiler = cProfile.Profile()
    try:
        return profiler.runcall(main, node_args)
    finally:
        profiler.dump_stats(str(args.profile))


if __name__ == "__main__":
    if sys.argv[1:2] != ["launch"]:
        raise SystemExit("usage: python bench/common.py launch [--profile OUT] -- NODE ARGS")
    with contextlib.suppress(KeyboardInterrupt):
        raise SystemExit(_launch(sys.argv[2:]))


def add_run_options(parser: argparse.ArgumentParser, *, per: str = "item") -> None:
    """The options every queue benchmark takes: repeats, noise control, what-ifs, profiles
    and statement counts (`per` names what statements are counted per)."""
    parser.add_argument("--runs", type=int, default=3, help="runs per configuration")
    parser.add_argument("--what-if", action="append", default=[], choices=sorted(WHAT_IF),
                        help="measure a suggested fix (see bench/common.py)")  # fmt: skip
    parser.add_argument("--database-url", help="admin DSN of a PostgreSQL server to use")
    parser.add_argument(
        "--quiet-wait", type=float, default=60.0, help="seconds to wait for an idle machine (0: no)"
    )
    parser.add_argument(
        "--noisy-cores", type=float, default=0.5,
        help="a run where other work used more cores than this is noisy",
    )  # fmt: skip
    parser.add_argument("--retries", type=int, default=3, help="repeats of noisy runs, in all")
    parser.add_argument(
        "--profile", action="store_true",
        help="run the node's processes under cProfile (slower) and print it",
    )  # fmt: skip
    parser.add_argument("--profile-lines", type=int, default=30)
    parser.add_argument("--profile-dir", type=Path, help="keep the .prof files here")
    parser.add_argument("--count-queries", action="store_true",
                        help=f"count statements per {per} (slower)")  # fmt: skip


def profile_directory(args: argparse.Namespace) -> Path | None:
    """Where this run's .prof files go (None without --profile)."""
    if not args.profile:
        return None
    directory: Path = args.profile_dir or Path(tempfile.mkdtemp(prefix="commonroom-bench-prof-"))
    directory.mkdir(parents=True, exist_ok=True)
    return directory


def print_profiles(directory: Path | None, args: argparse.Namespace) -> None:
    """Print every profile written, then remove them unless --profile-dir asked to keep them."""
    if directory is None:
        return
    for path in sorted(directory.glob("*.prof")):
        print_profile(path, args.profile_lines)
    if args.profile_dir is None:
        shutil.rmtree(directory, ignore_errors=True)
