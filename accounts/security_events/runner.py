"""The job runner that delivers the outbox: RQ over REDIS_URL, or in-process when there is no Redis.

With Redis, a commit that staged events enqueues one job per due row and the worker (`flask events
worker`, RQ's own worker loop) delivers them, retrying with backoff through RQ's scheduler. Without
Redis (the embedded default, and tests), the rows due are delivered in the committing process at once.
"""

import logging
from datetime import timedelta

from flask import Flask, current_app

from common.clock import utcnow

from . import delivery
from .outbox import RUNNER

log = logging.getLogger(__name__)

QUEUE = "gatehouse-security-events"
JOB = "accounts.security_events.jobs.deliver_job"


class InlineRunner:
    """Deliver due rows right away, in this process (no Redis): make run and the tests need nothing more."""

    def kick(self) -> None:
        delivery.deliver_due(utcnow())

    def retry_in(self, event_id: int, delay: timedelta) -> None:
        """Nothing to schedule: the next kick (or `flask events deliver`) picks the row up once it is due."""


class RqRunner:
    """Enqueue a job per due row on RQ; the worker process delivers them."""

    def __init__(self, redis_url: str):
        self.redis_url = redis_url
        self._queue = None

    def queue(self):
        if self._queue is None:
            from redis import Redis
            from rq import Queue

            self._queue = Queue(QUEUE, connection=Redis.from_url(self.redis_url))
        return self._queue

    def kick(self) -> None:
        try:
            for event_id in delivery.due_ids(utcnow()):
                self.queue().enqueue(JOB, event_id, job_timeout=60)
        except Exception as error:  # noqa: BLE001 (Redis down: the rows stay, a later kick or sweep sends them)
            log.warning("Security events not enqueued (Redis unavailable: %s); they stay pending", error)

    def retry_in(self, event_id: int, delay: timedelta) -> None:
        self.queue().enqueue_in(delay, JOB, event_id, job_timeout=60)


def init_runner(app: Flask) -> None:
    """Choose the runner: RQ when SECURITY_EVENTS_REDIS_URL (REDIS_URL by default) is set, else in-process."""
    url = app.config.get("SECURITY_EVENTS_REDIS_URL")
    app.extensions[RUNNER] = RqRunner(url) if url else InlineRunner()


def current_runner():
    return current_app.extensions[RUNNER]
