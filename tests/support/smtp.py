"""A real SMTP server for tests: aiosmtpd on 127.0.0.1, keeping every message it accepts.

It runs in aiosmtpd's own thread, so it serves the node whether the node runs on the test's
loop (aiohttp TestClient) or in a thread of its own (browser tests).
"""

from __future__ import annotations

import email
import email.policy
import re
import socket
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

_URL = re.compile(r"https?://\S+")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class _Handler:
    def __init__(self, catcher: MailCatcher) -> None:
        self._catcher = catcher

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        self._catcher.messages.append(message)
        self._catcher.recipients.append(list(envelope.rcpt_tos))
        return "250 Message accepted for delivery"


class MailCatcher:
    """Start it, point COMMONROOM_SMTP_URL at `url`, read what arrived in `messages`.

    The port is chosen when the catcher is made, so a test can hand out the URL while the
    server is still down (to see the node cope with a failing mail server) and start it later.
    """

    def __init__(self, *, login: tuple[str, str] | None = None) -> None:
        self.port = _free_port()
        self.login = login
        self.messages: list[EmailMessage] = []
        self.recipients: list[list[str]] = []
        self.logins: list[str] = []
        self._controller: Controller | None = None

    @property
    def url(self) -> str:
        credentials = f"{self.login[0]}:{self.login[1]}@" if self.login else ""
        return f"smtp://{credentials}127.0.0.1:{self.port}"

    def start(self) -> None:
        options: dict[str, Any] = {}
        if self.login:
            options = {"authenticator": self._authenticate, "auth_require_tls": False}
        self._controller = Controller(
            _Handler(self), hostname="127.0.0.1", port=self.port, **options
        )
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def _authenticate(
        self, server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any
    ) -> AuthResult:
        if isinstance(auth_data, LoginPassword) and self.login:
            user, password = auth_data.login.decode(), auth_data.password.decode()
            if (user, password) == self.login:
                self.logins.append(user)
                return AuthResult(success=True)
        return AuthResult(success=False, handled=False)

    def to(self, address: str) -> list[EmailMessage]:
        """Messages whose To header names `address` (case-insensitive), oldest first."""
        return [m for m in self.messages if address.lower() in str(m["To"]).lower()]

    def last_to(self, address: str) -> EmailMessage:
        found = self.to(address)
        assert found, f"no mail to {address}; got mail to {[str(m['To']) for m in self.messages]}"
        return found[-1]


def body_of(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    assert part is not None, "the message has no text/plain part"
    content: str = part.get_content()  # type: ignore[attr-defined]
    return content


def link_in(message: EmailMessage, path_prefix: str) -> str:
    """The first link in the body whose path starts with `path_prefix` (e.g. "/verify/")."""
    for url in _URL.findall(body_of(message)):
        if re.match(r"https?://[^/]+" + re.escape(path_prefix), url):
            return str(url)
    raise AssertionError(f"no {path_prefix} link in:\n{body_of(message)}")
