"""Delivery policy: inbox selection, answer classification, backoff and host availability."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from federation.delivery import (
    BASE_DELAY,
    JITTER,
    MAX_ATTEMPTS,
    MAX_DELAY,
    UNAUTHORIZED_MAX_ATTEMPTS,
    UNAVAILABLE_AFTER,
    UNAVAILABLE_PROBE_INTERVAL,
    Delivered,
    GiveUp,
    Gone,
    PostOutcome,
    Recipient,
    RetryAt,
    backoff_delay,
    classify,
    decide,
    is_host_failure,
    next_attempt_at,
    parse_retry_after,
    select_inboxes,
    should_mark_unavailable,
    unavailable_probe_interval,
)

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
unit_floats = st.floats(min_value=0.0, max_value=1.0, exclude_max=True)


class FixedRng:
    """Always draws the same number, so jitter is predictable."""

    def __init__(self, value: float) -> None:
        self.value = value

    def random(self) -> float:
        return self.value


NO_JITTER = FixedRng(0.0)
FULL_JITTER = FixedRng(0.999999)


# ------------------------------------------------------------------------------ select_inboxes


def test_shared_inbox_replaces_personal_inboxes_of_the_same_server() -> None:
    recipients = [
        Recipient(
            "https://a.example/u/1", "https://a.example/u/1/inbox", "https://a.example/inbox"
        ),
        Recipient(
            "https://a.example/u/2", "https://a.example/u/2/inbox", "https://a.example/inbox"
        ),
        Recipient("https://b.example/u/3", "https://b.example/u/3/inbox"),
    ]

    inboxes = select_inboxes(recipients, local_host="school.example")

    assert inboxes == ["https://a.example/inbox", "https://b.example/u/3/inbox"]


def test_personal_inboxes_are_used_when_shared_ones_are_not_preferred() -> None:
    recipients = [
        Recipient(
            "https://a.example/u/1", "https://a.example/u/1/inbox", "https://a.example/inbox"
        ),
        Recipient(
            "https://a.example/u/2", "https://a.example/u/2/inbox", "https://a.example/inbox"
        ),
    ]

    inboxes = select_inboxes(recipients, local_host="school.example", prefer_shared=False)

    assert inboxes == ["https://a.example/u/1/inbox", "https://a.example/u/2/inbox"]


def test_order_is_first_seen_and_duplicates_are_dropped() -> None:
    recipients = [
        Recipient("https://c.example/u", "https://c.example/u/inbox"),
        Recipient("https://a.example/u", "https://a.example/u/inbox"),
        Recipient("https://c.example/u", "https://c.example/u/inbox"),
        Recipient("https://b.example/u", "https://b.example/u/inbox"),
    ]

    inboxes = select_inboxes(recipients, local_host="school.example")

    assert inboxes == [
        "https://c.example/u/inbox",
        "https://a.example/u/inbox",
        "https://b.example/u/inbox",
    ]


@pytest.mark.parametrize(
    ("local_host", "inbox"),
    [
        ("school.example", "https://school.example/inbox"),
        ("school.example", "https://SCHOOL.example:443/inbox"),
        ("School.Example", "https://school.example/users/a/inbox"),
        ("127.0.0.1:8081", "http://127.0.0.1:8081/inbox"),
        ("[::1]:8081", "http://[::1]:8081/inbox"),
    ],
)
def test_our_own_host_is_never_a_delivery_target(local_host: str, inbox: str) -> None:
    recipients = [
        Recipient("https://x/u", inbox),
        Recipient("https://b.example/u", "https://b.example/i"),
    ]

    assert select_inboxes(recipients, local_host=local_host) == ["https://b.example/i"]


def test_another_port_on_the_same_address_is_another_node() -> None:
    # Flow tests run several nodes on 127.0.0.1 with different ports.
    recipients = [Recipient("http://127.0.0.1:8082/u/a", "http://127.0.0.1:8082/inbox")]

    assert select_inboxes(recipients, local_host="127.0.0.1:8081") == [
        "http://127.0.0.1:8082/inbox"
    ]


@pytest.mark.parametrize(
    "inbox",
    ["", "not a url", "ftp://a.example/inbox", "https:///inbox", "https://a.example:99999/"],
)
def test_unusable_inbox_urls_are_dropped(inbox: str) -> None:
    recipients = [Recipient("https://a.example/u", inbox)]

    assert select_inboxes(recipients, local_host="school.example") == []


def test_empty_shared_inbox_falls_back_to_the_personal_inbox() -> None:
    recipients = [Recipient("https://a.example/u", "https://a.example/u/inbox", "")]

    assert select_inboxes(recipients, local_host="school.example") == ["https://a.example/u/inbox"]


# ------------------------------------------------------------------------------------ classify


def expected_kind(status: int) -> type:
    if 200 <= status < 300:
        return Delivered
    if status == 410:
        return Gone
    if status in (401, 408, 429):
        return RetryAt
    if status == 501 or 400 <= status < 500:
        return GiveUp
    return RetryAt


@pytest.mark.parametrize("status", range(100, 600))
def test_every_status_code_is_classified_like_mastodon(status: int) -> None:
    verdict = classify(PostOutcome(status))

    assert type(verdict) is expected_kind(status)


@pytest.mark.parametrize("status", [200, 201, 202, 204])
def test_any_2xx_is_delivered(status: int) -> None:
    assert classify(PostOutcome(status)) == Delivered(status)


def test_410_means_the_recipient_is_gone() -> None:
    assert classify(PostOutcome(410)) == Gone(410)


@pytest.mark.parametrize("status", [429, 503])
def test_retry_after_is_carried_for_429_and_503(status: int) -> None:
    when = NOW + timedelta(minutes=5)

    verdict = classify(PostOutcome(status, retry_after=when))

    assert verdict == RetryAt(f"HTTP {status}", when)


@pytest.mark.parametrize("status", [500, 502, 504, 301, 408])
def test_retry_after_is_ignored_for_other_statuses(status: int) -> None:
    verdict = classify(PostOutcome(status, retry_after=NOW))

    assert isinstance(verdict, RetryAt)
    assert verdict.at is None


def test_no_response_is_retried_with_its_error_as_reason() -> None:
    verdict = classify(PostOutcome(None, error="timed out after 10 s"))

    assert verdict == RetryAt("timed out after 10 s")


def test_no_response_without_error_text_still_has_a_reason() -> None:
    assert classify(PostOutcome(None)) == RetryAt("no response")


def test_a_request_our_guard_refused_is_final() -> None:
    verdict = classify(PostOutcome(None, error="forbidden address 10.0.0.1", refused=True))

    assert verdict == GiveUp("refused: forbidden address 10.0.0.1")


# -------------------------------------------------------------------------------------- decide


def test_decide_schedules_a_retry_with_backoff() -> None:
    verdict = decide(PostOutcome(500), 1, NOW, rng=NO_JITTER)

    assert verdict == RetryAt("HTTP 500", NOW + BASE_DELAY)


def test_decide_passes_final_verdicts_through() -> None:
    assert decide(PostOutcome(202), 3, NOW, rng=NO_JITTER) == Delivered(202)
    assert decide(PostOutcome(410), 3, NOW, rng=NO_JITTER) == Gone(410)
    assert decide(PostOutcome(404), 1, NOW, rng=NO_JITTER) == GiveUp("HTTP 404")


def test_decide_gives_up_when_attempts_are_exhausted() -> None:
    verdict = decide(PostOutcome(503), MAX_ATTEMPTS, NOW, rng=NO_JITTER)

    assert isinstance(verdict, GiveUp)
    assert "HTTP 503" in verdict.reason


def test_retry_after_later_than_backoff_is_honoured() -> None:
    asked = NOW + timedelta(hours=1)

    verdict = decide(PostOutcome(429, retry_after=asked), 1, NOW, rng=NO_JITTER)

    assert verdict == RetryAt("HTTP 429", asked)


def test_retry_after_sooner_than_backoff_does_not_shorten_it() -> None:
    verdict = decide(PostOutcome(503, retry_after=NOW), 5, NOW, rng=NO_JITTER)

    assert verdict == RetryAt("HTTP 503", NOW + BASE_DELAY * 16)


def test_retry_after_far_in_the_future_is_capped() -> None:
    asked = NOW + timedelta(days=365)

    verdict = decide(PostOutcome(429, retry_after=asked), 1, NOW, rng=NO_JITTER)

    assert verdict == RetryAt("HTTP 429", NOW + MAX_DELAY)


def test_401_is_retried_only_through_the_key_propagation_window() -> None:
    early = decide(PostOutcome(401), UNAUTHORIZED_MAX_ATTEMPTS - 1, NOW, rng=NO_JITTER)
    late = decide(PostOutcome(401), UNAUTHORIZED_MAX_ATTEMPTS, NOW, rng=NO_JITTER)

    assert isinstance(early, RetryAt)
    assert isinstance(late, GiveUp)


def test_the_401_window_outlasts_mastodons_key_refetch_cooloff() -> None:
    # Mastodon throttles key refetches per remote IP with a 5 minute cool-off.
    waited = sum(
        (backoff_delay(n, rng=FULL_JITTER) for n in range(1, UNAUTHORIZED_MAX_ATTEMPTS)),
        timedelta(),
    )

    assert waited > timedelta(minutes=5)


@given(
    status=st.one_of(st.none(), st.integers(min_value=0, max_value=999)),
    attempt=st.integers(min_value=1, max_value=100),
    retry_after=st.one_of(
        st.none(),
        st.integers(min_value=-(10**6), max_value=10**8).map(lambda s: NOW + timedelta(seconds=s)),
    ),
    draw=unit_floats,
)
def test_a_scheduled_retry_is_always_in_the_future_and_within_the_cap(
    status: int | None, attempt: int, retry_after: datetime | None, draw: float
) -> None:
    verdict = decide(PostOutcome(status, retry_after=retry_after), attempt, NOW, rng=FixedRng(draw))

    if isinstance(verdict, RetryAt):
        assert verdict.at is not None
        assert NOW < verdict.at <= NOW + MAX_DELAY
        assert attempt < MAX_ATTEMPTS


# ------------------------------------------------------------------------------------- backoff


def test_backoff_doubles_from_the_base_delay() -> None:
    delays = [backoff_delay(n, rng=NO_JITTER) for n in range(1, 5)]

    assert delays == [BASE_DELAY, BASE_DELAY * 2, BASE_DELAY * 4, BASE_DELAY * 8]


def test_backoff_reaches_the_cap_and_stays_there() -> None:
    assert backoff_delay(11, rng=NO_JITTER) == MAX_DELAY
    assert backoff_delay(10_000, rng=NO_JITTER) == MAX_DELAY


def test_attempt_numbers_start_at_one() -> None:
    with pytest.raises(ValueError, match="from 1"):
        backoff_delay(0, rng=NO_JITTER)


def test_out_of_range_random_draws_are_clamped() -> None:
    assert backoff_delay(1, rng=FixedRng(-3.0)) == BASE_DELAY
    assert backoff_delay(1, rng=FixedRng(7.0)) == BASE_DELAY * (1 - JITTER)


@given(attempt=st.integers(min_value=1, max_value=10_000), draw=unit_floats)
def test_backoff_is_positive_capped_and_jittered_downwards_only(attempt: int, draw: float) -> None:
    delay = backoff_delay(attempt, rng=FixedRng(draw))
    unjittered = backoff_delay(attempt, rng=NO_JITTER)

    assert timedelta(0) < delay <= MAX_DELAY
    assert unjittered * (1 - JITTER) <= delay <= unjittered


@given(attempt=st.integers(min_value=1, max_value=10_000), draw=unit_floats)
def test_backoff_never_shrinks_from_one_attempt_to_the_next(attempt: int, draw: float) -> None:
    rng = FixedRng(draw)

    assert backoff_delay(attempt + 1, rng=rng) >= backoff_delay(attempt, rng=rng)


@given(draws=st.lists(unit_floats, min_size=MAX_ATTEMPTS, max_size=MAX_ATTEMPTS))
def test_a_failing_delivery_gives_up_after_two_to_three_days(draws: list[float]) -> None:
    # Mastodon's 16 retries span ~2-3 days (interop brief §8.3).
    when, attempt = NOW, 1
    while (after := next_attempt_at(attempt, when, rng=FixedRng(draws[attempt - 1]))) is not None:
        when, attempt = after, attempt + 1

    assert attempt == MAX_ATTEMPTS
    assert timedelta(days=2) <= when - NOW <= timedelta(days=3)


def test_next_attempt_at_requires_an_aware_datetime() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        next_attempt_at(1, datetime(2026, 1, 1), rng=NO_JITTER)


# --------------------------------------------------------------------------------- Retry-After


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("120", NOW + timedelta(seconds=120)),
        (" 0 ", NOW),
        ("Mon, 02 Mar 2026 12:30:00 GMT", NOW + timedelta(minutes=30)),  # IMF-fixdate
        ("Monday, 02-Mar-26 12:30:00 GMT", NOW + timedelta(minutes=30)),  # RFC 850
        ("Mon Mar  2 12:30:00 2026", NOW + timedelta(minutes=30)),  # asctime
        ("Mon, 02 Mar 2026 11:00:00 GMT", NOW - timedelta(hours=1)),  # in the past: kept as is
    ],
)
def test_retry_after_accepts_delta_seconds_and_every_http_date_form(
    header: str, expected: datetime
) -> None:
    assert parse_retry_after(header, NOW) == expected


@pytest.mark.parametrize("header", [None, "", "soon", "-5", "1.5", "١٢٠", "Mon, 99 Foo 2026"])
def test_unusable_retry_after_is_ignored(header: str | None) -> None:
    assert parse_retry_after(header, NOW) is None


def test_absurd_delta_seconds_do_not_overflow() -> None:
    parsed = parse_retry_after("9" * 40, NOW)

    assert parsed is not None
    assert parsed > NOW + timedelta(days=365)


def test_retry_after_dates_are_compared_in_any_timezone() -> None:
    now = NOW.astimezone(timezone(timedelta(hours=2)))

    assert parse_retry_after("Mon, 02 Mar 2026 12:30:00 GMT", now) == NOW + timedelta(minutes=30)


# ---------------------------------------------------------------------------- host availability


@pytest.mark.parametrize(
    ("outcome", "counts"),
    [
        (PostOutcome(None, error="timeout"), True),
        (PostOutcome(500), True),
        (PostOutcome(503), True),
        (PostOutcome(202), False),
        (PostOutcome(404), False),
        (PostOutcome(429), False),
        (PostOutcome(301), False),
        (PostOutcome(None, error="forbidden", refused=True), False),
    ],
)
def test_only_silence_and_5xx_count_against_a_host(outcome: PostOutcome, counts: bool) -> None:
    assert is_host_failure(outcome) is counts


def test_a_host_failing_for_less_than_the_threshold_stays_available() -> None:
    assert not should_mark_unavailable(NOW - UNAVAILABLE_AFTER + timedelta(seconds=1), NOW)


def test_a_host_failing_for_the_threshold_is_marked_unavailable() -> None:
    assert should_mark_unavailable(NOW - UNAVAILABLE_AFTER, NOW)


def test_a_host_without_failures_is_never_marked() -> None:
    assert not should_mark_unavailable(None, NOW)


@given(draw=unit_floats)
def test_unavailable_hosts_are_probed_every_few_hours(draw: float) -> None:
    interval = unavailable_probe_interval(rng=FixedRng(draw))

    assert UNAVAILABLE_PROBE_INTERVAL * (1 - JITTER) <= interval <= UNAVAILABLE_PROBE_INTERVAL
