"""An embedded PostgreSQL cluster under the data dir (docs/architecture.md).

The server binaries come from the `pgserver` wheel. The server runs as a child process on a Unix
socket inside the data dir, so it is reaped properly and stops with the node. PostgreSQL refuses
to run as root, so a root node runs it as an unprivileged system user.
"""

from __future__ import annotations

import contextlib
import ctypes
import hashlib
import importlib.util
import logging
import os
import pwd
import shutil
import signal
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from node.errors import ConfigError

log = logging.getLogger(__name__)

DATABASE_NAME = "commonroom"
SUPERUSER = "postgres"
SERVER_USER = "commonroom"
PORT = 5432
# A Unix socket path must fit in sockaddr_un (108 bytes); leave room for "/.s.PGSQL.5432".
MAX_SOCKET_DIR = 90
_PR_SET_PDEATHSIG = 1


def binaries_dir() -> Path:
    """The server binaries inside the `pgserver` wheel, found without importing the package."""
    spec = importlib.util.find_spec("pgserver")
    if spec is None or not spec.submodule_search_locations:
        raise ConfigError("the pgserver package is not installed; set DATABASE_URL instead")
    return Path(next(iter(spec.submodule_search_locations))).resolve() / "pginstall" / "bin"


@dataclass(frozen=True, slots=True)
class ClusterPaths:
    pgdata: Path
    socket_dir: Path

    @classmethod
    def under(cls, data_dir: Path) -> ClusterPaths:
        pgdata = data_dir.resolve() / "postgres"
        socket_dir = data_dir.resolve() / "run"
        if len(str(socket_dir)) > MAX_SOCKET_DIR:
            digest = hashlib.sha256(str(pgdata).encode()).hexdigest()[:16]
            socket_dir = Path(tempfile.gettempdir()) / f"commonroom-{digest}"
        return cls(pgdata=pgdata, socket_dir=socket_dir)

    def dsn(self, database: str = DATABASE_NAME) -> str:
        return (
            f"postgresql://{SUPERUSER}@/{database}?host={quote(str(self.socket_dir))}&port={PORT}"
        )


class EmbeddedPostgres:
    """Start (or reuse) the cluster of one data dir; stop it only if this process started it."""

    def __init__(self, data_dir: Path, *, fast: bool = False) -> None:
        self.paths = ClusterPaths.under(data_dir)
        self._fast = fast
        self._process: subprocess.Popen[bytes] | None = None
        self._user = _server_user()

    @property
    def dsn(self) -> str:
        return self.paths.dsn()

    def start(self, timeout: float = 60.0) -> None:
        if self._running_pid() is not None:
            log.info("reusing the PostgreSQL server already running for %s", self.paths.pgdata)
            return
        self._prepare_directories()
        if not (self.paths.pgdata / "PG_VERSION").exists():
            self._initdb()
        self._process = subprocess.Popen(  # noqa: S603 - fixed binary, arguments we build
            self._server_command(),
            user=self._user.pw_uid if self._user else None,
            group=self._user.pw_gid if self._user else None,
            stdout=subprocess.DEVNULL,
            stderr=open(self.paths.pgdata.parent / "postgres.log", "ab"),  # noqa: SIM115
            preexec_fn=_die_with_parent,
        )
        self._wait_until_ready(timeout)
        self._ensure_database()

    def stop(self, timeout: float = 30.0) -> None:
        """Fast shutdown (SIGINT) of a server this process started, then reap it."""
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    def _server_command(self) -> list[str]:
        command = [
            str(binaries_dir() / "postgres"),
            "-D",
            str(self.paths.pgdata),
            "-k",
            str(self.paths.socket_dir),
            "-h",
            "",
            "-p",
            str(PORT),
        ]
        if self._fast:
            # For test clusters only: durability traded for speed.
            for option in ("fsync=off", "synchronous_commit=off", "full_page_writes=off"):
                command += ["-c", option]
        return command

    def _prepare_directories(self) -> None:
        for directory in (self.paths.pgdata.parent, self.paths.socket_dir):
            directory.mkdir(parents=True, exist_ok=True)
        if self._user is not None:
            self.paths.pgdata.mkdir(mode=0o700, exist_ok=True)
            for directory in (self.paths.pgdata, self.paths.socket_dir):
                _chown_tree(directory, self._user)
            _open_search_path(self.paths.pgdata, self._user)
            _open_search_path(binaries_dir(), self._user)

    def _initdb(self) -> None:
        result = subprocess.run(  # noqa: S603
            [
                str(binaries_dir() / "initdb"),
                "-D",
                str(self.paths.pgdata),
                "-U",
                SUPERUSER,
                "--auth=trust",
                "--encoding=UTF8",
                "--locale=C",
                "--no-instructions",
            ],
            user=self._user.pw_uid if self._user else None,
            group=self._user.pw_gid if self._user else None,
            capture_output=True,
            check=False,
        )
        if result.returncode != 0:
            reason = result.stderr.decode(errors="replace").strip().splitlines()
            raise ConfigError(
                f"initdb failed in {self.paths.pgdata}: {reason[-1] if reason else '?'}"
            )

    def _wait_until_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        assert self._process is not None
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise ConfigError(
                    f"embedded PostgreSQL exited with status {self._process.returncode}; "
                    f"see {self.paths.pgdata.parent / 'postgres.log'}"
                )
            if _pid_file_status(self.paths.pgdata) == "ready":
                return
            time.sleep(0.05)
        self.stop()
        raise ConfigError(f"embedded PostgreSQL did not start within {timeout:.0f} s")

    def _ensure_database(self) -> None:
        psql = str(binaries_dir() / "psql")
        base = [psql, "-X", "-q", "-t", "-h", str(self.paths.socket_dir), "-p", str(PORT)]
        base += ["-U", SUPERUSER, "-d", "postgres", "-v", "ON_ERROR_STOP=1", "-c"]
        query = f"SELECT 1 FROM pg_database WHERE datname = '{DATABASE_NAME}'"
        found = subprocess.run([*base, query], capture_output=True, check=True)  # noqa: S603
        if not found.stdout.strip():
            subprocess.run(  # noqa: S603
                [*base, f"CREATE DATABASE {DATABASE_NAME}"], capture_output=True, check=True
            )

    def _running_pid(self) -> int | None:
        """The pid of a live postmaster for this cluster, started by another process."""
        pid_file = self.paths.pgdata / "postmaster.pid"
        try:
            pid = int(pid_file.read_text().splitlines()[0])
        except (OSError, ValueError, IndexError):
            return None
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return None
        except PermissionError:
            pass
        if _pid_file_status(self.paths.pgdata) != "ready":
            return None
        return pid


def _pid_file_status(pgdata: Path) -> str:
    """The postmaster.pid status line: 'starting', 'ready', 'stopping' (PostgreSQL 10+)."""
    try:
        lines = (pgdata / "postmaster.pid").read_text().splitlines()
    except OSError:
        return ""
    return lines[7].strip() if len(lines) > 7 else ""


def _die_with_parent() -> None:
    """Ask the kernel to send the server SIGINT if the node dies without cleaning up."""
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGINT)


def _server_user() -> pwd.struct_passwd | None:
    """None when not root; otherwise the unprivileged user the server runs as (created once)."""
    if os.geteuid() != 0:
        return None
    try:
        return pwd.getpwnam(SERVER_USER)
    except KeyError:
        pass
    useradd = shutil.which("useradd") or "/usr/sbin/useradd"
    result = subprocess.run(  # noqa: S603
        [
            useradd,
            "--system",
            "--user-group",
            "--no-create-home",
            "--shell",
            "/usr/sbin/nologin",
            SERVER_USER,
        ],
        capture_output=True,
        check=False,
    )
    if result.returncode not in (0, 9):  # 9: the user appeared meanwhile
        raise ConfigError(
            f"running as root, but could not create the system user {SERVER_USER!r} "
            f"for PostgreSQL: {result.stderr.decode(errors='replace').strip()}"
        )
    return pwd.getpwnam(SERVER_USER)


def _chown_tree(path: Path, user: pwd.struct_passwd) -> None:
    if path.stat().st_uid == user.pw_uid:
        return
    for root, dirs, files in os.walk(path):
        for name in [*dirs, *files]:
            os.chown(os.path.join(root, name), user.pw_uid, user.pw_gid)
    os.chown(path, user.pw_uid, user.pw_gid)


def _open_search_path(path: Path, user: pwd.struct_passwd) -> None:
    """Let the server user traverse to `path`: add the search bit (o+x) where it is missing.

    The data dir or the virtualenv may sit under a 0700 home directory; without this the server
    cannot reach its own binaries. Only the search bit is added, never read or write.
    """
    for parent in path.parents:
        info = parent.stat()
        if info.st_uid == user.pw_uid or info.st_mode & 0o001:
            continue
        try:
            os.chmod(parent, info.st_mode | 0o001)
            log.warning("added o+x to %s so PostgreSQL can reach its files", parent)
        except OSError as error:
            raise ConfigError(
                f"PostgreSQL (user {user.pw_name}) cannot reach {path}: {parent} is not "
                f"searchable ({error.strerror}); move the data dir or set DATABASE_URL"
            ) from None
