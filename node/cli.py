"""The `commonroom` command line (README.md, "Command line"): a contract that tests and
operators rely on."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence
from typing import TypeAlias

from node import __version__, commands
from node.errors import ConfigError
from node.logs import configure_logging
from node.settings import Settings
from node.storage.migrate import MigrationError

log = logging.getLogger(__name__)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="commonroom", description=__doc__)
    parser.add_argument("--version", action="version", version=f"commonroom {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    run = commands.add_parser("run", help="web server and queue workers in one process")
    _server_options(run)
    web = commands.add_parser("web", help="web server only (scale out behind a proxy)")
    _server_options(web)
    web.add_argument("--processes", type=int, default=1, help="web processes sharing the port")
    web.add_argument("--reuse-port", action="store_true", help=argparse.SUPPRESS)
    worker = commands.add_parser("worker", help="queue workers only")
    worker.add_argument("--data-dir")
    migrate = commands.add_parser("migrate", help="apply pending database migrations")
    migrate.add_argument("--data-dir")
    _user_commands(commands)
    _invite_commands(commands)
    _group_commands(commands)
    db = commands.add_parser("db", help="database helpers").add_subparsers(
        dest="db_command", required=True, metavar="SUBCOMMAND"
    )
    url = db.add_parser("url", help="print the DSN of the node's database")
    url.add_argument("--data-dir")
    return parser


def _server_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--listen", metavar="HOST:PORT")
    parser.add_argument("--public-url", metavar="URL")
    parser.add_argument("--data-dir", metavar="DIR")


# A string: argparse._SubParsersAction is not subscriptable at runtime before Python 3.12.
Commands: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"


def _create_command(
    commands: Commands, noun: str, help_noun: str, help_create: str
) -> argparse.ArgumentParser:
    """`commonroom NOUN create …`: its parser, with the options every such command takes."""
    sub = commands.add_parser(noun, help=help_noun).add_subparsers(
        dest=f"{noun}_command", required=True, metavar="SUBCOMMAND"
    )
    create = sub.add_parser("create", help=help_create)
    create.add_argument("--data-dir")
    create.add_argument("--public-url")
    return create


def _user_commands(commands: Commands) -> None:
    create = _create_command(commands, "user", "manage accounts", "create an account")
    create.add_argument("username")
    create.add_argument("--email", required=True)
    create.add_argument("--password", help="set it now instead of printing a one-time link")
    create.add_argument(
        "--role", default="educator", choices=["admin", "moderator", "educator", "student"]
    )


def _invite_commands(commands: Commands) -> None:
    create = _create_command(commands, "invite", "manage invitations", "create an invitation code")
    create.add_argument("--uses", type=int, help="how many sign-ups it allows (default: any)")
    create.add_argument("--expires", type=float, metavar="DAYS", help="days until it expires")


def _group_commands(commands: Commands) -> None:
    create = _create_command(commands, "group", "manage groups", "create a discussion group")
    create.add_argument("slug", help="the group's handle (letters, digits, underscores)")
    create.add_argument("--owner", required=True, metavar="USERNAME")
    create.add_argument("--name", help="display name (default: the slug)")
    create.add_argument("--description", default="")
    create.add_argument("--members-only", action="store_true", help="content for members only")
    create.add_argument("--join", default="open", choices=["open", "approval", "invite"])
    create.add_argument("--subjects", default="", help="comma-separated, e.g. 'Maths, Science'")
    create.add_argument("--grades", default="", help="comma-separated, e.g. '7, 8'")


def settings_from(args: argparse.Namespace) -> Settings:
    return Settings.from_env(
        listen=getattr(args, "listen", None),
        public_url=getattr(args, "public_url", None),
        data_dir=getattr(args, "data_dir", None),
    )


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    configure_logging(logging.DEBUG if os.environ.get("COMMONROOM_DEBUG") else logging.INFO)
    try:
        return commands.dispatch(args, settings_from(args))
    except ConfigError as error:
        print(f"commonroom: {error}", file=sys.stderr)
        return 2
    except MigrationError as error:
        print(f"commonroom: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
