"""The queues this node runs: inbound activities, outbound deliveries, polls that close, and
the maintenance sweeps. A new context's job is one line here."""

from __future__ import annotations

from node.jobs.runner import Queue, WorkerRunner
from node.services.delivery import worker as delivery
from node.services.inbound import apply as inbound
from node.services.kernel.context import NodeContext
from node.services.kernel.federate import DELIVERY_CHANNEL
from node.services.maintenance import retention
from node.services.posts import media, polls

HOURLY = 3600.0


def build_runner(ctx: NodeContext) -> WorkerRunner:
    return WorkerRunner([
        Queue(inbound.INBOX_CHANNEL, lambda: inbound.apply_due(ctx)),
        Queue(DELIVERY_CHANNEL, lambda: delivery.deliver_due(ctx)),
        Queue("polls", lambda: polls.close_due(ctx)),
        Queue("media_orphans", lambda: media.delete_orphans(ctx), every=HOURLY),
        Queue("prune_queues", lambda: retention.prune_queues(ctx), every=HOURLY),
        Queue("prune_throttles", lambda: retention.prune_throttles(ctx), every=HOURLY),
    ])  # fmt: skip
