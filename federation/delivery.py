"""Delivery policy: which inboxes get an activity, and what to do with each answer.

Pure functions only (no I/O, no clock, no global random state): the delivery worker passes `now`
and an `rng`, stores what these functions return on its row (queues are tables), and the policy
is tested exhaustively without a network. The shape follows Fedify's
`createExponentialBackoffPolicy`; the numbers follow Mastodon's sender (interop brief §8.3).

All datetimes are timezone-aware.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Final, Protocol
from urllib.parse import urlsplit

# Backoff: BASE_DELAY doubling per failed attempt, capped at MAX_DELAY, minus up to JITTER of
# itself so that a host coming back is not hit by every queued row at once. With 15 attempts
# the last retry lands ~2.0-2.7 days after the first try: Mastodon gives up after ~2-3 days
# (16 Sidekiq retries, `count**4 + 15` s); Fedify caps single delays at 12 h (§8.3, §8.5).
BASE_DELAY: Final = timedelta(minutes=1)
MAX_DELAY: Final = timedelta(hours=12)
JITTER: Final = 0.25
MAX_ATTEMPTS: Final = 15
_MAX_EXPONENT: Final = 20  # 2**20 minutes is far past MAX_DELAY; avoids huge timedeltas

# A 401 is retried, but only for the first few attempts (~15 minutes). It is usually final
# (the peer will not accept our key), yet two races make an early 401 transient: the peer's
# key cache still holds a key we just rotated and its refetch is throttled (Mastodon's
# circuit breaker cools off 5 min, `signature_verification.rb`), or a just-created actor's
# key could not be fetched yet. Mastodon retries every 401 (§8.3); spending days on one would
# only add load, so we stop after the key-refetch window has surely passed.
UNAUTHORIZED_MAX_ATTEMPTS: Final = 5

# A host whose deliveries have failed continuously this long is marked unavailable and then
# only probed now and then. Lemmy drops instances not heard from for 3 days
# (`Instance::dead_instances`); Mastodon waits for 7 distinct failing days (§8.3, §8.4).
# By 3 days every delivery queued when the outage began has already given up.
UNAVAILABLE_AFTER: Final = timedelta(days=3)
UNAVAILABLE_PROBE_INTERVAL: Final = timedelta(hours=6)

_RETRY_AFTER_STATUSES: Final = frozenset({429, 503})
_MAX_RETRY_AFTER_SECONDS: Final = 10 * 365 * 24 * 3600  # beyond this a delta is nonsense
_DEFAULT_PORTS: Final = {"http": 80, "https": 443}


class Rng(Protocol):
    """The part of `random.Random` the policy uses; tests pass a stub."""

    def random(self) -> float: ...


@dataclass(frozen=True, slots=True)
class Recipient:
    """A remote actor to deliver to, as far as delivery cares."""

    actor_id: str
    inbox: str
    shared_inbox: str | None = None


@dataclass(frozen=True, slots=True)
class PostOutcome:
    """What one POST to an inbox produced (`FederationClient.post_activity`).

    `status` is None when no HTTP answer arrived (timeout, refused connection, DNS failure);
    `refused` is True when our own SSRF guard would not send the request at all.
    """

    status: int | None
    retry_after: datetime | None = None
    error: str | None = None
    refused: bool = False


@dataclass(frozen=True, slots=True)
class Delivered:
    """Accepted by the peer (any 2xx, as Mastodon's `response_successful?`)."""

    status: int


@dataclass(frozen=True, slots=True)
class Gone:
    """410: the recipient is gone for good; stop delivering to it (and forget it)."""

    status: int


@dataclass(frozen=True, slots=True)
class RetryAt:
    """Try again. `at` is set by `classify` only from a Retry-After header and by `decide`
    always (the time to store as `next_attempt_at`)."""

    reason: str
    at: datetime | None = None


@dataclass(frozen=True, slots=True)
class GiveUp:
    """Final failure: keep the row for debugging, never retry it."""

    reason: str


Verdict = Delivered | Gone | RetryAt | GiveUp


def select_inboxes(
    recipients: Iterable[Recipient], *, local_host: str, prefer_shared: bool = True
) -> list[str]:
    """The distinct inboxes to POST to, in first-seen order.

    A shared inbox replaces the personal one when present (one POST per server; the receiver
    fans out, interop brief §8.1); pass `prefer_shared=False` for direct messages, where the
    personal inbox is the unambiguous target. `local_host` is our own authority as in our public
    URL (`host`, or `host:port` when the port is not the scheme's default): local recipients are
    handled in-process, never over HTTP. Inbox URLs that are not http(s) are dropped.
    """
    local = local_host.strip().lower()
    seen: set[str] = set()
    inboxes: list[str] = []
    for recipient in recipients:
        inbox = recipient.shared_inbox if prefer_shared and recipient.shared_inbox else None
        target = inbox or recipient.inbox
        authority = _authority(target)
        if authority is None or authority == local or target in seen:
            continue
        seen.add(target)
        inboxes.append(target)
    return inboxes


def classify(outcome: PostOutcome) -> Verdict:
    """Sort one delivery answer (docs/architecture.md). Time is not decided here (see `decide`).

    2xx delivered; 410 gone; 429/503 retry (at Retry-After when given); 401 and 408 retry (see
    UNAUTHORIZED_MAX_ATTEMPTS); 501 and other 4xx are final, as Mastodon's
    `response_error_unsalvageable?`; everything else - 5xx, no answer, and 1xx/3xx (we do not
    follow redirects on POST; Mastodon retries them too) - is retried with backoff. A request
    our SSRF guard refused is final: the address will not become acceptable by waiting.
    """
    if outcome.refused:
        return GiveUp(f"refused: {outcome.error or 'forbidden address'}")
    status = outcome.status
    if status is None:
        return RetryAt(outcome.error or "no response")
    if 200 <= status < 300:
        return Delivered(status)
    if status == 410:
        return Gone(status)
    if status in _RETRY_AFTER_STATUSES:
        return RetryAt(f"HTTP {status}", outcome.retry_after)
    if status in (401, 408):
        return RetryAt(f"HTTP {status}")
    if status == 501 or 400 <= status < 500:
        return GiveUp(f"HTTP {status}")
    return RetryAt(f"HTTP {status}")


def decide(outcome: PostOutcome, attempt: int, now: datetime, *, rng: Rng) -> Verdict:
    """`classify`, then schedule: a returned RetryAt always has `at` set.

    `attempt` counts the attempts made so far, including the one that produced `outcome`.
    A Retry-After is honoured as "not before": the retry happens at the later of it and our own
    backoff (so a peer answering `Retry-After: 0` cannot burn the attempt budget in seconds),
    and never more than MAX_DELAY away (a hostile header cannot park a row for a year).
    """
    verdict = classify(outcome)
    if not isinstance(verdict, RetryAt):
        return verdict
    if outcome.status == 401 and attempt >= UNAUTHORIZED_MAX_ATTEMPTS:
        return GiveUp(f"HTTP 401 after {attempt} attempts")
    at = next_attempt_at(attempt, now, rng=rng)
    if at is None:
        return GiveUp(f"gave up after {attempt} attempts; last: {verdict.reason}")
    if verdict.at is not None:
        at = min(max(at, verdict.at), now + MAX_DELAY)
    return RetryAt(verdict.reason, at)


def backoff_delay(attempt: int, *, rng: Rng) -> timedelta:
    """The wait after `attempt` failed attempts: BASE_DELAY * 2**(attempt-1), capped at
    MAX_DELAY, minus up to JITTER of it."""
    if attempt < 1:
        raise ValueError("attempt counts from 1")
    exponent = min(attempt - 1, _MAX_EXPONENT)
    base = min(BASE_DELAY * (1 << exponent), MAX_DELAY)
    fraction = min(max(rng.random(), 0.0), 1.0)
    return base * (1.0 - JITTER * fraction)


def next_attempt_at(attempt: int, now: datetime, *, rng: Rng) -> datetime | None:
    """When to try again after `attempt` failed attempts, or None to give up."""
    _require_aware(now)
    if attempt >= MAX_ATTEMPTS:
        return None
    return now + backoff_delay(attempt, rng=rng)


def parse_retry_after(value: str | None, now: datetime) -> datetime | None:
    """A Retry-After header as an instant: delta-seconds or an HTTP-date (RFC 9110 §10.2.3).

    None when absent or unparsable (the caller then uses its own backoff).
    """
    _require_aware(now)
    if value is None:
        return None
    text = value.strip()
    if text.isascii() and text.isdigit():
        return now + timedelta(seconds=min(int(text), _MAX_RETRY_AFTER_SECONDS))
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    # asctime and `-0000` dates parse naive; HTTP-dates are always GMT (RFC 9110 §5.6.7).
    return when if when.tzinfo is not None else when.replace(tzinfo=UTC)


def is_host_failure(outcome: PostOutcome) -> bool:
    """Does this outcome count against the host's availability?

    Only "nobody answered" (no response) and 5xx do; any 1xx-4xx answer proves the server is up,
    even if it did not want this activity. A refusal by our own guard says nothing about the host.
    """
    if outcome.refused:
        return False
    return outcome.status is None or outcome.status >= 500


def should_mark_unavailable(first_failure_at: datetime | None, now: datetime) -> bool:
    """True once a host has failed continuously (no success since `first_failure_at`) for
    UNAVAILABLE_AFTER. Any successful delivery or inbound request from the host clears the mark
    (Mastodon's `DeliveryFailureTracker.reset!`)."""
    _require_aware(now)
    if first_failure_at is None:
        return False
    return now - first_failure_at >= UNAVAILABLE_AFTER


def unavailable_probe_interval(*, rng: Rng) -> timedelta:
    """How long to leave an unavailable host alone before one probe delivery (jittered)."""
    fraction = min(max(rng.random(), 0.0), 1.0)
    return UNAVAILABLE_PROBE_INTERVAL * (1.0 - JITTER * fraction)


def _authority(url: str) -> str | None:
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    host = parts.hostname
    if scheme not in _DEFAULT_PORTS or not host:
        return None
    if ":" in host:  # IPv6 literal: hostname drops the brackets
        host = f"[{host}]"
    if port is None or port == _DEFAULT_PORTS[scheme]:
        return host
    return f"{host}:{port}"


def _require_aware(now: datetime) -> None:
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("datetimes must be timezone-aware")
