"""TOTP secrets are sealed with a key from configuration: a copied database alone does not yield them."""

import pytest
from sqlalchemy import select, text

import accounts
from accounts.extensions import db
from accounts.mfa import totp
from accounts.mfa.encryption import SealError, derive_keys, keyed_hash, seal, unseal
from accounts.mfa.models import TotpCredential
from accounts.mfa.settings import mfa_settings
from accounts.sessions.models import UserSession
from common.settings import ConfigError
from tests.accounts.mfa.conftest import code_now, enrol, second_step, user_id
from tests.conftest import PASSWORD, accounts_overrides, submit

KEY = derive_keys("k" * 20 + "0123456789abcdef").secrets


def test_secret_is_not_stored_in_plain_text(accounts_app, enrolled):
    with accounts_app.app_context():
        stored = db.session.scalar(select(TotpCredential.secret_encrypted).where(TotpCredential.user_id == enrolled.id))
        dump = " ".join(str(row) for row in db.session.execute(text("SELECT * FROM mfa_totp")))
    assert enrolled.secret not in dump and enrolled.secret.lower() not in dump
    assert stored.startswith("v1.")
    assert unseal(mfa_settings(accounts_app.config).keys.secrets, stored, context=f"mfa_totp.user_id={enrolled.id}")


def test_secret_does_not_open_under_another_key(accounts_app, enrolled):
    with accounts_app.app_context():
        credential = totp.find_credential(enrolled.id)
        with pytest.raises(SealError):
            totp.read_secret(credential, derive_keys("another configuration secret, 32+ chars").secrets)


def test_ciphertext_moved_to_another_user_does_not_open(accounts_app, enrolled, make_user):
    """With write access to the table, an attacker could copy their own secret onto a victim's row."""
    make_user("mallory@example.com", name="Mallory")
    mallory = user_id(accounts_app, "mallory@example.com")
    enrol(accounts_app, mallory)
    keys = mfa_settings(accounts_app.config).keys
    with accounts_app.app_context():
        victim, attacker = totp.find_credential(enrolled.id), totp.find_credential(mallory)
        victim.secret_encrypted = attacker.secret_encrypted
        with pytest.raises(SealError):
            totp.read_secret(victim, keys.secrets)
        db.session.rollback()


def test_dedicated_key_is_used_when_configured(accounts_app):
    dedicated = "a dedicated MFA key of enough length 12345"
    config = {**accounts_app.config, "MFA_ENCRYPTION_KEY": dedicated}
    assert mfa_settings(config).keys == derive_keys(dedicated)
    assert mfa_settings(accounts_app.config).keys == derive_keys(accounts_app.config["SECRET_KEY"])


def test_weak_dedicated_key_is_refused_at_start_up(monkeypatch):
    monkeypatch.setenv("MFA_ENCRYPTION_KEY", "changeme")
    with pytest.raises(ConfigError, match="MFA_ENCRYPTION_KEY"):
        accounts.create_app(accounts_overrides())


def test_keys_for_each_purpose_differ():
    keys = derive_keys("one configured secret, long enough 1234")
    assert keys.secrets != keys.codes and len(keys.secrets) == 32


@pytest.mark.parametrize("tamper", [lambda t: t[:-4] + "AAAA", lambda t: "v2" + t[2:], lambda t: "v1.", lambda t: "x"])
def test_tampered_sealed_values_are_refused(tamper):
    token = seal(KEY, "JBSWY3DPEHPK3PXP", context="ctx")
    assert unseal(KEY, token, context="ctx") == "JBSWY3DPEHPK3PXP"
    with pytest.raises(SealError):
        unseal(KEY, tamper(token), context="ctx")
    with pytest.raises(SealError):
        unseal(KEY, token, context="other")


def test_keyed_hash_depends_on_the_key():
    assert keyed_hash(b"a" * 32, "code") != keyed_hash(b"b" * 32, "code")


def test_fresh_backup_codes_are_sealed_in_the_session_table(accounts_app, client, auth, enrolled):
    auth.sign_in(enrolled.email, enrolled.password)
    second_step(client, code_now(enrolled.secret))
    submit(client, "/security/backup-codes/new", {"password": PASSWORD})
    with accounts_app.app_context():
        dump = " ".join(str(row.data) for row in db.session.scalars(select(UserSession)))
    page = client.get("/security/backup-codes").get_data(as_text=True)
    shown = page.split("<li><code>")[1].split("</code>")[0]
    assert shown.replace("-", "") not in dump.replace("-", "")
