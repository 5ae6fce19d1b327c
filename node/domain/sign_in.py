"""Sign-in throttling rules: how many failures are allowed, per account and per client address."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

FAILURE_WINDOW = timedelta(minutes=15)
MAX_FAILURES_PER_ACCOUNT = 5
# A school shares one address behind NAT, so the per-address limit is much higher.
MAX_FAILURES_PER_ADDRESS = 30


@dataclass(frozen=True, slots=True)
class FailureCounts:
    for_account: int
    for_address: int


def is_throttled(counts: FailureCounts) -> bool:
    return (
        counts.for_account >= MAX_FAILURES_PER_ACCOUNT
        or counts.for_address >= MAX_FAILURES_PER_ADDRESS
    )
