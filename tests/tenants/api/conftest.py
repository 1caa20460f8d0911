"""API fixtures: tenant apps that know the stand-in provider's keys."""

import pytest


@pytest.fixture
def acme(acme_app, fake_provider):
    return fake_provider(acme_app)


@pytest.fixture
def globex(globex_app, fake_provider):
    return fake_provider(globex_app)
