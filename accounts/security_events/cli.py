"""Command line: `flask --app app events deliver|list|worker`."""

import json

import click
from flask import Blueprint, current_app
from flask.cli import AppGroup

from common.clock import utcnow

from . import delivery, queries
from .runner import QUEUE

bp = Blueprint("security_events_cli", __name__, cli_group=None)
events = AppGroup("events", help="Security events and back-channel logouts on their way to clients.")
bp.cli.add_command(events)


@events.command("deliver")
def events_deliver():
    """Attempt every due delivery once, here (a sweep for rows a lost job or a Redis outage left pending)."""
    outcomes = delivery.deliver_due(utcnow())
    click.echo(json.dumps({"attempted": len(outcomes), "outcomes": list(outcomes.values())}))


@events.command("list")
@click.option("--all", "everything", is_flag=True, help="Delivered ones too.")
def events_list(everything):
    """Print pending and failed deliveries (with --all, delivered ones too) as JSON."""
    rows = queries.recent(limit=100, include_delivered=everything)
    click.echo(json.dumps([queries.describe(r) for r in rows], indent=2, default=str))


@events.command("worker")
def events_worker():
    """Run an RQ worker for the delivery queue (needs REDIS_URL), with the scheduler that runs retries."""
    url = current_app.config.get("SECURITY_EVENTS_REDIS_URL")
    if not url:
        raise click.ClickException("Set REDIS_URL: without Redis, deliveries run in-process and need no worker.")
    from redis import Redis
    from rq import Queue, SimpleWorker

    connection = Redis.from_url(url)
    # SimpleWorker runs jobs in this process: the Accounts app the job builds is built once, not per fork.
    worker = SimpleWorker([Queue(QUEUE, connection=connection)], connection=connection)
    worker.work(with_scheduler=True)
