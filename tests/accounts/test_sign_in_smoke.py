from tests.conftest import PASSWORD


def test_sign_in_with_password_lands_signed_in(client, auth, make_user):
    make_user("alice@example.com")
    response = auth.sign_in("ALICE@example.com ", PASSWORD)
    assert response.status_code == 303
    page = client.get("/").get_data(as_text=True)
    assert "Hello, Alice" in page
