"""Prometheus metrics for HTTP requests, the database pool and the queues, one registry per app."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector


@dataclass(frozen=True, slots=True)
class HttpMetrics:
    requests: Counter
    latency: Histogram


def http_metrics(registry: CollectorRegistry) -> HttpMetrics:
    return HttpMetrics(
        requests=Counter(
            "commonroom_http_requests",
            "HTTP requests served, by method, route and status",
            ["method", "route", "status"],
            registry=registry,
        ),
        latency=Histogram(
            "commonroom_http_request_duration_seconds",
            "Time to answer an HTTP request, by route",
            ["route"],
            registry=registry,
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0),
        ),
    )


def queue_gauge(registry: CollectorRegistry) -> Gauge:
    """Rows of the two queues by state, read from the database when scraped: shared by every
    process, and where an operator sees inbound activities that were rejected or dropped."""
    return Gauge(
        "commonroom_queue_rows",
        "Rows in the inbox and delivery queues, by queue and state",
        ["queue", "state"],
        registry=registry,
    )


class PoolCollector(Collector):
    """Reads the pool's size when scraped, so the numbers are never stale."""

    def __init__(self, read: Callable[[], tuple[int, int, int]]) -> None:
        self._read = read

    def collect(self) -> Iterator[GaugeMetricFamily]:
        size, idle, max_size = self._read()
        for name, text, value in (
            ("commonroom_db_pool_size", "Open database connections", size),
            ("commonroom_db_pool_idle", "Idle database connections", idle),
            ("commonroom_db_pool_max", "Maximum database connections", max_size),
        ):
            yield GaugeMetricFamily(name, text, value=value)
