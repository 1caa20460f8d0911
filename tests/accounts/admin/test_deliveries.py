"""The deliveries page: pending and failed security events and logouts, for admins."""
# ruff: noqa: F811  (the shared fixtures are imported, then named as test arguments)

import requests
from sqlalchemy import select

from accounts.extensions import db
from accounts.orgs import services
from accounts.security_events.models import OutboxEvent
from tests.accounts.orgs.conftest import initech, person  # noqa: F401
from tests.accounts.security_events.conftest import push, tenant_client  # noqa: F401  (shared fixtures)


def test_pending_and_failed_deliveries_are_listed_with_their_error(
    accounts_app, admin_client, initech, tenant_client, push
):
    push.error = requests.ConnectionError("down")
    with accounts_app.app_context():
        services.remove_member(initech.id, initech.alice.id, initech.carol.id)
        db.session.commit()

    html = admin_client.get("/admin/deliveries").get_data(as_text=True)

    assert "<strong>1</strong> pending" in html
    assert "token-claims-change" in html and "ConnectionError" in html and "Acme" in html


def test_delivered_ones_are_only_counted(accounts_app, admin_client, initech, tenant_client, push):
    with accounts_app.app_context():
        services.remove_member(initech.id, initech.alice.id, initech.carol.id)
        db.session.commit()
        assert db.session.scalar(select(OutboxEvent.delivered_at)) is not None

    html = admin_client.get("/admin/deliveries").get_data(as_text=True)

    assert "1 delivered" in html and "Nothing waiting" in html
