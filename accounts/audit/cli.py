"""Command line: `flask --app app audit verify` checks the hash chain of the security-event log."""

import click
from flask.cli import AppGroup

from ..extensions import db
from .verify import verify_chain

# Added to the audit pages' blueprint (views.py), so one registration brings both.
audit = AppGroup("audit", help="Check the security-event log.")


@audit.command("verify")
def audit_verify():
    """Recompute every hash in seq order; print OK with the count, or the first broken link and exit 1."""
    result = verify_chain(db.session)
    if result.ok:
        # The last hash is worth keeping outside the database: it is what proves the tail was not cut.
        click.echo(f"OK: {result.count} entries, every link holds. Last hash: {result.last_hash}")
        return
    click.echo(
        f"BROKEN at seq {result.broken_seq} (id {result.broken_id}): {result.reason}: {result.explanation}. "
        f"{result.count} entries before it verified.",
        err=True,
    )
    raise SystemExit(1)
