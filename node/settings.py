"""Node settings from flags and environment (README.md, "Command line"), validated once at start."""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from urllib.parse import urlsplit

from node.domain.numbers import whole_number
from node.errors import ConfigError

DEFAULT_LISTEN = "127.0.0.1:8080"
DEFAULT_DATA_DIR = "./var"
SECRET_KEY_FILE = "secret_key"  # noqa: S105 - a file name, not a secret


@dataclass(frozen=True, slots=True)
class Settings:
    listen_host: str
    listen_port: int
    public_url: str
    data_dir: Path
    database_url: str | None
    secret_key: str
    smtp_url: str | None
    federation_loopback: bool
    # Where the running code's source is (AGPL-3.0 §13); "" means this node's own /source.
    source_url: str = ""

    @property
    def public_host(self) -> str:
        """host[:port] of the node's identity, as it appears in actor ids and handles."""
        return urlsplit(self.public_url).netloc

    @property
    def source_code_url(self) -> str:
        """A URI of this node's source: COMMONROOM_SOURCE_URL, else the tarball of the running
        version that `GET /source` serves."""
        return self.source_url or f"{self.public_url}/source"

    @property
    def secure_cookies(self) -> bool:
        return self.public_url.startswith("https://")

    @classmethod
    def from_env(
        cls,
        env: Mapping[str, str] | None = None,
        *,
        listen: str | None = None,
        public_url: str | None = None,
        data_dir: str | None = None,
    ) -> Settings:
        """Flags win over the environment; the secret key is made and kept in the data dir."""
        env = os.environ if env is None else env
        host, port = parse_listen(listen or env.get("COMMONROOM_LISTEN") or DEFAULT_LISTEN)
        url = public_url or env.get("COMMONROOM_PUBLIC_URL") or f"http://{host}:{port}"
        directory = Path(data_dir or env.get("COMMONROOM_DATA_DIR") or DEFAULT_DATA_DIR)
        return cls(
            listen_host=host,
            listen_port=port,
            public_url=parse_public_url(url),
            data_dir=directory.resolve(),
            database_url=env.get("DATABASE_URL") or None,
            secret_key=env.get("COMMONROOM_SECRET_KEY") or "",
            smtp_url=env.get("COMMONROOM_SMTP_URL") or None,
            federation_loopback=env.get("COMMONROOM_FEDERATION_LOOPBACK", "") in {"1", "true"},
            source_url=parse_source_url(env.get("COMMONROOM_SOURCE_URL", "")),
        )

    def with_secret_key(self) -> Settings:
        """Return settings whose secret key is set, generating it into the data dir if unset."""
        if self.secret_key:
            return self
        ensure_data_dir(self.data_dir)
        path = self.data_dir / SECRET_KEY_FILE
        if not path.exists():
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as out:
                out.write(secrets.token_urlsafe(48))
        key = path.read_text().strip()
        if len(key) < 32:
            raise ConfigError(f"secret key in {path} is too short (need at least 32 characters)")
        return replace(self, secret_key=key)


def parse_listen(value: str) -> tuple[str, int]:
    host, sep, port_text = value.rpartition(":")
    port = whole_number(port_text, maximum=65535) if port_text == port_text.strip() else None
    if not sep or not host or not port:
        raise ConfigError(f"listen address {value!r} is not HOST:PORT")
    return host.strip("[]"), port


def parse_public_url(value: str) -> str:
    """The node's identity: scheme://host[:port] with no path, query or fragment."""
    try:
        parts = urlsplit(value)
        port = parts.port
    except ValueError as error:
        raise ConfigError(f"public URL {value!r} is malformed: {error}") from None
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise ConfigError(f"public URL {value!r} must look like https://school.example")
    if parts.path not in {"", "/"} or parts.query or parts.fragment or parts.username:
        raise ConfigError(f"public URL {value!r} must be scheme://host[:port] with no path")
    netloc = parts.hostname.lower() + (f":{port}" if port else "")
    return f"{parts.scheme}://{netloc}"


def ensure_data_dir(path: Path) -> None:
    """Create the data dir, or fail with one line naming the problem."""
    try:
        path.mkdir(parents=True, exist_ok=True)
        probe = path / ".write-test"
        probe.write_text("ok")
        probe.unlink()
    except OSError as error:
        raise ConfigError(f"data dir {path} is not writable: {error.strerror}") from None


def parse_source_url(value: str) -> str:
    """COMMONROOM_SOURCE_URL: an absolute http(s) URL, or empty for this node's /source."""
    value = value.strip()
    if not value:
        return ""
    parts = urlsplit(value)
    if parts.scheme not in {"http", "https"} or not parts.netloc:
        raise ConfigError(f"source URL {value!r} must be an http(s) URL")
    return value
