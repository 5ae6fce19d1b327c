"""The queues this node runs: inbound activities and outbound deliveries."""

from __future__ import annotations

from node.jobs.runner import Queue, WorkerRunner
from node.services.delivery import worker as outbox
from node.services.inbound import apply as inbound
from node.services.kernel.context import NodeContext
from node.services.kernel.federate import DELIVERY_CHANNEL
from node.services.posts import polls


def build_runner(ctx: NodeContext) -> WorkerRunner:
    return WorkerRunner([
        Queue(inbound.INBOX_CHANNEL, lambda: inbound.apply_due(ctx)),
        Queue(DELIVERY_CHANNEL, lambda: outbox.deliver_due(ctx)),
        Queue("polls", lambda: polls.close_due(ctx)),
    ])  # fmt: skip
