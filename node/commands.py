"""What each `commonroom` subcommand does, once its arguments are parsed."""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import subprocess
import sys

from node.domain.accounts import parse_role
from node.domain.errors import DomainError
from node.domain.groups import GroupSettings, parse_tags
from node.domain.urls import Urls
from node.errors import ConfigError
from node.infra.mail import parse_smtp_url
from node.runtime import apply_migrations, check_port_free, database_for, embedded_dsn
from node.serve import serve
from node.services.accounts import accounts, invites
from node.services.groups import groups
from node.services.kernel.db import Database
from node.settings import Settings, ensure_data_dir


def dispatch(args: argparse.Namespace, settings: Settings) -> int:
    command = args.command
    if command == "db":
        print(embedded_dsn(settings))
        return 0
    ensure_data_dir(settings.data_dir)
    settings = settings.with_secret_key()
    if settings.smtp_url and command in {"run", "web"}:
        # A mistyped COMMONROOM_SMTP_URL stops the start, not the first person signing up.
        parse_smtp_url(settings.smtp_url, settings.public_host)
    # Processes started by `web --processes N` share the port on purpose (SO_REUSEPORT).
    if command in {"run", "web"} and not getattr(args, "reuse_port", False):
        check_port_free(settings.listen_host, settings.listen_port)
    with database_for(settings) as ready:
        migrations = asyncio.run(apply_migrations(_dsn(ready)))
        if command == "migrate":
            print(
                f"applied {len(migrations)} migration(s)"
                + (": " + ", ".join(migrations) if migrations else "; the database is up to date")
            )
            return 0
        if command == "run":
            return _run(ready)
        if command == "web":
            return _web(ready, args)
        if command == "worker":
            asyncio.run(serve(ready, with_web=False, with_workers=True))
            return 0
        return asyncio.run(_admin_command(args, ready))


def _run(settings: Settings) -> int:
    link = asyncio.run(_first_admin_link(settings))
    banner = f"Commonroom is running at {settings.public_url} (Ctrl+C stops it)"
    if link:
        banner += (
            "\nFirst sign-in: open this link to choose the password of the admin account "
            f"'admin' (it works once, for 2 days):\n  {link}"
        )
    asyncio.run(serve(settings, with_web=True, with_workers=True, on_ready=banner))
    return 0


def _web(settings: Settings, args: argparse.Namespace) -> int:
    processes = max(1, int(args.processes))
    if processes == 1:
        banner = f"Commonroom web is serving {settings.public_url}"
        asyncio.run(
            serve(
                settings,
                with_web=True,
                with_workers=False,
                reuse_port=bool(args.reuse_port),
                on_ready=banner,
            )
        )
        return 0
    return _supervise_web_processes(settings, processes)


def _supervise_web_processes(settings: Settings, processes: int) -> int:
    """N processes share the listening port (SO_REUSEPORT); the kernel spreads connections."""
    env = dict(os.environ, DATABASE_URL=_dsn(settings), COMMONROOM_SECRET_KEY=settings.secret_key)
    listen = f"{settings.listen_host}:{settings.listen_port}"
    command = [
        sys.executable,
        "-m",
        "node",
        "web",
        "--processes",
        "1",
        "--reuse-port",
        "--listen",
        listen,
        "--public-url",
        settings.public_url,
        "--data-dir",
        str(settings.data_dir),
    ]
    children = [subprocess.Popen(command, env=env) for _ in range(processes)]  # noqa: S603

    def forward(signum: int, _frame: object) -> None:
        for child in children:
            child.send_signal(signum)

    signal.signal(signal.SIGTERM, forward)
    signal.signal(signal.SIGINT, forward)
    codes = [child.wait() for child in children]
    return max(codes)


async def _first_admin_link(settings: Settings) -> str | None:
    db = await Database.connect(_dsn(settings), min_size=1, max_size=2)
    try:
        link = await accounts.ensure_first_admin(db, settings.public_host)
    finally:
        await db.close()
    return f"{settings.public_url}/set-password/{link.token}" if link else None


async def _admin_command(args: argparse.Namespace, settings: Settings) -> int:
    db = await Database.connect(_dsn(settings), min_size=1, max_size=2)
    try:
        if args.command == "user":
            return await _create_user(db, args, settings)
        if args.command == "group":
            return await _create_group(db, args, settings)
        return await _create_invite(db, args, settings)
    except DomainError as error:
        raise ConfigError(str(error)) from None
    finally:
        await db.close()


async def _create_user(db: Database, args: argparse.Namespace, settings: Settings) -> int:
    account = await accounts.create_account(
        db, args.username, args.email, role=parse_role(args.role), password=args.password
    )
    print(f"created @{account.username} ({account.role.value})")
    if not args.password:
        link = await accounts.issue_password_link(db, account.id)
        print(
            f"set-password link (works once, for 2 days): "
            f"{settings.public_url}/set-password/{link.token}"
        )
    return 0


async def _create_invite(db: Database, args: argparse.Namespace, settings: Settings) -> int:
    invite = await invites.create_invite(db, max_uses=args.uses, expires_in_days=args.expires)
    uses = f"{invite.max_uses} use(s)" if invite.max_uses else "unlimited uses"
    expires = (
        f"expires {invite.expires_at:%Y-%m-%d %H:%M} UTC" if invite.expires_at else "no expiry"
    )
    print(f"invite code: {invite.code} ({uses}, {expires})")
    print(f"sign-up link: {settings.public_url}/sign-up?invite={invite.code}")
    return 0


async def _create_group(db: Database, args: argparse.Namespace, settings: Settings) -> int:
    group = await groups.provision_group(
        db, Urls(settings.public_url), args.owner, args.slug,
        GroupSettings(
            name=args.name or args.slug, description=args.description, join_policy=args.join,
            members_only=args.members_only, subjects=parse_tags(args.subjects),
            grades=parse_tags(args.grades),
        ),
    )  # fmt: skip
    kind = "members-only" if group.members_only else "public"
    print(
        f"created group {group.handle} ({kind}, {group.join_policy} joining), owner @{args.owner}"
    )
    print(f"group page: {settings.public_url}/groups/{group.handle}")
    print(f"handle for other servers: @{group.handle}@{settings.public_host}")
    return 0


def _dsn(settings: Settings) -> str:
    if not settings.database_url:
        raise ConfigError("no database URL")
    return settings.database_url
