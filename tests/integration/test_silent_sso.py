"""SPEC §3.1: on a first visit a tenant may ask silently (prompt=none) whether an SSO session exists."""

from urllib.parse import urlsplit

import pytest
import requests

from tests.conftest import _stop_sites
from tests.integration.test_tenant_sign_in import sign_in_at_accounts, signed_in
from tests.live import start_sites


@pytest.fixture
def silent_sites(monkeypatch, accounts_app):
    monkeypatch.setenv("ACME_SILENT_SSO", "1")
    running = start_sites(monkeypatch, accounts_app)
    yield running
    _stop_sites(running)


def test_a_first_visit_with_an_accounts_session_lands_signed_in(silent_sites, make_user):
    make_user("alice@example.com", name="Alice")
    browser = requests.Session()
    sign_in_at_accounts(browser, silent_sites.accounts.url)

    page = browser.get(f"{silent_sites.acme.url}/")

    assert page.url == f"{silent_sites.acme.url}/"
    assert "Signed in as <strong>Alice</strong>" in page.text


def test_a_first_visit_without_one_stays_anonymous_and_asks_only_once(silent_sites):
    browser = requests.Session()

    page = browser.get(f"{silent_sites.acme.url}/")
    assert page.url == f"{silent_sites.acme.url}/"
    hops = [urlsplit(r.url).path for r in page.history]
    assert hops == ["/", "/auth/sign-in", "/authorize", "/auth/callback"], "asked Accounts once, silently"

    again = browser.get(f"{silent_sites.acme.url}/")
    assert again.history == [] and not signed_in(browser, silent_sites.acme.url)
