"""The tenant passes its request id to the provider, so both sites' log lines of one click join up (issue 13)."""

from common.request_log import REQUEST_ID_HEADER
from tenants.signin.client import provider


def test_calls_to_the_provider_carry_this_request_id(acme_app):
    with acme_app.test_request_context("/", headers={REQUEST_ID_HEADER: "tenant-req-0123abcd"}):
        acme_app.preprocess_request()
        session = provider()._get_oauth_client()
        assert session.headers[REQUEST_ID_HEADER] == "tenant-req-0123abcd"


def test_outside_a_request_no_id_is_invented(acme_app):
    with acme_app.app_context():
        assert REQUEST_ID_HEADER not in provider()._get_oauth_client().headers
