"""Spent codes and tokens are purged only once nothing of their family can be used or replayed."""

from datetime import timedelta

import time_machine
from sqlalchemy import func, select

from accounts.extensions import db
from accounts.oidc.models import AuthorizationCode, Token
from common.clock import utcnow


def counts(app) -> tuple[int, int]:
    with app.app_context():
        return (
            db.session.scalar(select(func.count(AuthorizationCode.id))),
            db.session.scalar(select(func.count(Token.id))),
        )


def test_codes_and_tokens_stay_while_their_family_lives_and_go_after(flow, signed_in, confidential_client, client):
    app = client.application
    with time_machine.travel(utcnow(), tick=False) as clock:
        tokens = flow.tokens(confidential_client)
        flow.refresh(confidential_client, tokens["refresh_token"])
        assert counts(app) == (1, 2)

        clock.shift(timedelta(days=1))
        app.test_cli_runner().invoke(args=["purge-expired"])
        assert counts(app) == (1, 2), "a used code and a spent refresh token still detect replays"

        clock.shift(timedelta(days=14))
        output = app.test_cli_runner().invoke(args=["purge-expired"]).output
    assert counts(app) == (0, 0)
    assert "1 authorization codes, 2 tokens" in output
