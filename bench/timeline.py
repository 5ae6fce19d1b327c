"""Home timeline benchmark (issue: people and microblogging).

A database of 10,000 accounts and 1,000,000 posts; one teacher follows 500 of them. Measures
the home timeline service call (first page and deeper pages) and the signed-in HTML page served
by a `commonroom web` process. Targets: p99 <= 30 ms (service), <= 50 ms (HTML).

Usage: .venv/bin/python bench/timeline.py [--accounts 10000] [--posts 1000000] [--follows 500]
       [--requests 300]
Uses BENCH_DATABASE_URL / TEST_DATABASE_URL, else an embedded cluster.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import re
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from tempfile import mkdtemp
from typing import Any

import aiohttp
import asyncpg
from common import (
    BenchDatabases,
    NodeConfig,
    copy_records,
    free_port,
    start_node,
    summarize,
    wait_for_http,
)

from node.domain.accounts import Account
from node.domain.urls import Urls
from node.services.accounts import accounts
from node.services.kernel.context import NodeContext, federation_client
from node.services.kernel.db import Database
from node.services.posts import timelines

PASSWORD = "correct horse battery"
# Bench accounts never sign anything; one shared key keeps generation fast.
_PEM = "-----BEGIN PUBLIC KEY-----\nbench\n-----END PUBLIC KEY-----\n"


def account_rows(count: int) -> Iterator[tuple[Any, ...]]:
    for n in range(count):
        yield (f"t{n}", f"t{n}@district.example", "educator", f"Teacher {n}", _PEM, _PEM)


def post_rows(
    count: int, authors: list[int], base: str, seed: int = 7
) -> Iterator[tuple[Any, ...]]:
    """Posts spread over the authors and the last year; 80 % public, 10 % unlisted, 10 %
    followers-only, like a school node's mix."""
    rng = random.Random(seed)
    start = datetime(2025, 11, 25, tzinfo=UTC)
    for n in range(count):
        roll = rng.random()
        visibility = "public" if roll < 0.8 else "unlisted" if roll < 0.9 else "followers"
        author = authors[rng.randrange(len(authors))]
        published = start + timedelta(seconds=n * 31)
        yield (f"{base}/bench/{n}", author, f"<p>Post {n} about lesson plans</p>", visibility,
               published)  # fmt: skip


async def generate(dsn: str, n_accounts: int, n_posts: int, n_follows: int) -> tuple[int, float]:
    conn = await asyncpg.connect(dsn)
    started = time.perf_counter()
    try:
        columns = ("username", "email", "role", "display_name", "private_key_pem",
                   "public_key_pem")  # fmt: skip
        await copy_records(conn, "accounts", columns, account_rows(n_accounts))
        ids = [r["id"] for r in await conn.fetch("SELECT id FROM accounts ORDER BY id")]
        await copy_records(conn, "posts", ("uri", "author_account", "content_html", "visibility",
                           "published_at"), post_rows(n_posts, ids, "http://bench"))  # fmt: skip
        await conn.execute("ANALYZE")
    finally:
        await conn.close()
    db = await Database.connect(dsn, min_size=1, max_size=2)
    try:
        reader = await accounts.create_account(db, "reader", "reader@district.example",
                                               password=PASSWORD)  # fmt: skip
    finally:
        await db.close()
    conn = await asyncpg.connect(dsn)
    try:
        followed = random.Random(3).sample(ids, n_follows)
        await conn.executemany(
            "INSERT INTO follows (follower_account, followee_account, state, activity_uri) "
            "VALUES ($1, $2, 'accepted', $3)",
            [(reader.id, f, f"http://bench/follow/{f}") for f in followed],
        )
        await conn.execute("ANALYZE follows")
    finally:
        await conn.close()
    return reader.id, time.perf_counter() - started


async def service_latency(dsn: str, reader: Account, requests: int) -> dict[str, list[float]]:
    db = await Database.connect(dsn, min_size=1, max_size=4)
    ctx = NodeContext(db=db, urls=Urls("http://127.0.0.1:1"),
                      http=federation_client("http://127.0.0.1:1", loopback=True))  # fmt: skip
    first, deeper = [], []
    try:
        for _ in range(20):  # warm caches and prepared statements
            await timelines.home(ctx, reader)
        for _ in range(requests):
            t = time.perf_counter()
            page = await timelines.home(ctx, reader)
            first.append(time.perf_counter() - t)
            t = time.perf_counter()
            await timelines.home(ctx, reader, max_id=page[-1].id - 50_000)
            deeper.append(time.perf_counter() - t)
    finally:
        await db.close()
    return {"first page": first, "a page 50,000 posts back": deeper}


async def html_latency(config: NodeConfig, requests: int) -> list[float]:
    jar = aiohttp.CookieJar(unsafe=True)
    async with aiohttp.ClientSession(cookie_jar=jar) as http:
        form = await (await http.get(f"{config.public_url}/sign-in")).text()
        token = re.search(r'name="_csrf" value="([^"]+)"', form)
        assert token
        signed = await http.post(f"{config.public_url}/sign-in", data={
            "username": "reader", "password": PASSWORD, "_csrf": token.group(1)})  # fmt: skip
        assert "You are signed in" in await signed.text()
        for _ in range(20):
            await (await http.get(f"{config.public_url}/")).read()
        times = []
        for _ in range(requests):
            t = time.perf_counter()
            async with http.get(f"{config.public_url}/") as response:
                await response.read()
                assert response.status == 200
            times.append(time.perf_counter() - t)
    return times


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--accounts", type=int, default=10_000)
    parser.add_argument("--posts", type=int, default=1_000_000)
    parser.add_argument("--follows", type=int, default=500)
    parser.add_argument("--requests", type=int, default=300)
    args = parser.parse_args()
    async with BenchDatabases() as dbs:
        dsn = await dbs.create("timeline")
        reader_id, seconds = await generate(dsn, args.accounts, args.posts, args.follows)
        print(f"generated {args.accounts} accounts, {args.posts} posts in {seconds:.1f} s")
        db = await Database.connect(dsn, min_size=1, max_size=1)
        reader = await accounts.get_account_by_username(db, "reader")
        await db.close()
        assert reader.id == reader_id
        for label, values in (await service_latency(dsn, reader, args.requests)).items():
            print(f"home timeline service, {label}: {summarize(values).ms()}")
        config = NodeConfig(dsn=dsn, port=free_port(), data_dir=Path(mkdtemp()) / "var")
        node = start_node(config, "web")
        try:
            wait_for_http(node, f"{config.public_url}/healthz")
            html = await html_latency(config, args.requests)
        finally:
            node.stop()
        print(f"home timeline HTML page (signed in): {summarize(html).ms()}")


if __name__ == "__main__":
    asyncio.run(main())
