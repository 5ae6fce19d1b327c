"""Outbound email over SMTP with aiosmtplib: the one way the node sends mail.

COMMONROOM_SMTP_URL names the server: `smtp://[user:pass@]host[:port]` (STARTTLS when the
server offers it) or `smtps://…` (TLS from the first byte), with an optional `?from=address`.
Messages are plain text, rendered from `templates/email/*.txt`, whose first line is
`Subject: …`.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from urllib.parse import parse_qs, unquote, urlsplit

import aiosmtplib
import jinja2

from node.domain.accounts import EMAIL_PATTERN
from node.domain.errors import DomainError
from node.errors import ConfigError
from node.paths import templates_dir
from node.settings import Settings

log = logging.getLogger(__name__)

SEND_TIMEOUT = 15.0
_DEFAULT_PORTS = {"smtp": 25, "smtps": 465}


class MailNotConfigured(DomainError):
    """The node has no usable SMTP server, so it cannot send mail."""


class MailFailed(Exception):
    """The SMTP server could not be reached or refused the message; the text says why."""


@dataclass(frozen=True, slots=True)
class SmtpTarget:
    host: str
    port: int
    use_tls: bool
    username: str | None
    password: str | None = field(repr=False)
    sender: str

    def describe(self) -> str:
        """Where mail goes, for logs and the admin page (never the password)."""
        scheme = "smtps" if self.use_tls else "smtp"
        return f"{scheme}://{self.host}:{self.port}"


def parse_smtp_url(url: str, public_host: str) -> SmtpTarget:
    """Read COMMONROOM_SMTP_URL, or raise ConfigError saying what is wrong with it."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as error:
        raise ConfigError(f"COMMONROOM_SMTP_URL is malformed: {error}") from None
    if parts.scheme not in _DEFAULT_PORTS or not parts.hostname:
        raise ConfigError("COMMONROOM_SMTP_URL must look like smtp://host:port or smtps://host")
    sender = parse_qs(parts.query).get("from", [""])[0]
    if not sender:
        # A node at school.example:8443 sends as commonroom@school.example.
        sender = f"commonroom@{public_host.rsplit(':', 1)[0].strip('[]')}"
    elif not EMAIL_PATTERN.match(sender):
        raise ConfigError(f"COMMONROOM_SMTP_URL: from={sender!r} is not an email address")
    return SmtpTarget(
        host=parts.hostname,
        port=port or _DEFAULT_PORTS[parts.scheme],
        use_tls=parts.scheme == "smtps",
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
        sender=sender,
    )


@dataclass(frozen=True, slots=True)
class Mailer:
    """Sends mail to the configured server; `problem` says why it cannot when it cannot."""

    target: SmtpTarget | None
    problem: str | None = None

    @classmethod
    def from_settings(cls, settings: Settings) -> Mailer:
        if not settings.smtp_url:
            return cls(None, "COMMONROOM_SMTP_URL is not set, so the node cannot send email")
        try:
            return cls(parse_smtp_url(settings.smtp_url, settings.public_host))
        except ConfigError as error:
            return cls(None, str(error))

    @property
    def configured(self) -> bool:
        return self.target is not None

    async def send(self, to: str, subject: str, body: str) -> None:
        """Hand one plain-text message to the SMTP server, or raise MailFailed."""
        if self.target is None:
            raise MailNotConfigured(self.problem or "mail is not configured")
        message = _message(self.target.sender, to, subject, body)
        try:
            await aiosmtplib.send(
                message,
                hostname=self.target.host,
                port=self.target.port,
                username=self.target.username,
                password=self.target.password,
                use_tls=self.target.use_tls,
                timeout=SEND_TIMEOUT,
            )
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as error:
            reason = str(error).strip() or type(error).__name__
            # The recipient's domain only: addresses of pupils and staff stay out of the logs.
            domain = to.rpartition("@")[2]
            log.error("mail to @%s via %s failed: %s", domain, self.target.describe(), reason)
            raise MailFailed(reason) from error
        log.info("mail sent via %s", self.target.describe(), extra={"subject": subject})

    async def send_template(self, to: str, template: str, context: Mapping[str, object]) -> None:
        subject, body = render_email(template, context)
        await self.send(to, subject, body)


async def send(settings: Settings, to: str, subject: str, body: str) -> None:
    """Send one plain-text message with the node's settings (see Mailer.send)."""
    await Mailer.from_settings(settings).send(to, subject, body)


def render_email(template: str, context: Mapping[str, object]) -> tuple[str, str]:
    """(subject, body) from templates/email/<template>: its first line is `Subject: …`."""
    text = _email_templates().get_template(template).render(context)
    first, _, body = text.partition("\n")
    if not first.startswith("Subject:"):
        raise ValueError(f"email template {template} must start with a Subject: line")
    return first.removeprefix("Subject:").strip(), body.lstrip("\n")


@functools.cache
def _email_templates() -> jinja2.Environment:
    # Plain text, not HTML: escaping would turn the & in links into &amp;.
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(templates_dir() / "email")),
        autoescape=False,  # noqa: S701
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
    )


def _message(sender: str, to: str, subject: str, body: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = f"Commonroom <{sender}>"
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = formatdate(usegmt=True)
    message["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2])
    # RFC 3834: out-of-office replies must not answer machine-sent mail.
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(body)
    return message
