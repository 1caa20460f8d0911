"""Only site admins reach the console: anonymous visitors go to sign-in, signed-in users get 403, on every route."""

import pytest

from tests.conftest import Auth, csrf_token

GETS = ["/admin/", "/admin/users", "/admin/users/1", "/admin/security", "/admin/deliveries"]
POSTS = [
    "/admin/users/1/ban",
    "/admin/users/1/unban",
    "/admin/users/1/role",
    "/admin/users/1/revoke-sessions",
    "/admin/users/1/reset-mfa",
]


@pytest.mark.parametrize("url", GETS)
def test_anonymous_visitors_are_sent_to_sign_in(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response.location.startswith("/sign-in?next=")


@pytest.mark.parametrize("url", POSTS)
def test_anonymous_posts_are_sent_to_sign_in(client, url):
    client.get("/sign-in")

    response = client.post(url, data={"csrf_token": csrf_token(client, "/sign-in"), "reason": "x"})
    assert response.status_code == 302
    assert "/sign-in" in response.location


@pytest.mark.parametrize("url", GETS + POSTS)
def test_signed_in_users_who_are_not_admins_get_403(client, alice, url):
    Auth(client).sign_in("alice@example.com")

    if url in POSTS:
        response = client.post(url, data={"csrf_token": csrf_token(client, "/"), "reason": "x", "role": "admin"})
    else:
        response = client.get(url)
    assert response.status_code == 403


def test_admins_see_the_console_link_and_others_do_not(client, admin, alice):
    Auth(client).sign_in("alice@example.com")
    assert "/admin/users" not in client.get("/").get_data(as_text=True)
    Auth(client).sign_out()
    Auth(client).sign_in("root@example.com")
    assert 'href="/admin/users"' in client.get("/").get_data(as_text=True)
