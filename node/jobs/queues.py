"""The queues this node runs. Later issues add the inbox and delivery queues here."""

from __future__ import annotations

from node.jobs.runner import Queue, WorkerRunner
from node.services.db import Database


def build_runner(db: Database) -> WorkerRunner:
    queues: list[Queue] = []
    del db  # the inbox and delivery queues (federation issue) will take the database
    return WorkerRunner(queues)
