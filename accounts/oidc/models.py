"""OpenID provider tables: clients, codes, tokens, consents, signing keys, and who got tokens in which session."""

from datetime import datetime

from authlib.oauth2.rfc6749 import ClientMixin, TokenMixin, list_to_scope, scope_to_list
from authlib.oidc.core import AuthorizationCodeMixin
from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from common.clock import utcnow

from ..extensions import db
from ..identity.models import User
from .assurance import acr_for
from .credentials import credential_matches
from .impersonation import Impersonation

# A public client proves nothing at the token endpoint; a confidential one authenticates with its secret.
PUBLIC_AUTH_METHODS = ("none",)
CONFIDENTIAL_AUTH_METHODS = ("client_secret_basic", "client_secret_post")
GRANT_TYPES = ("authorization_code", "refresh_token")


def client_metadata(post_logout_redirect_uris: list) -> dict:
    """The registration metadata Authlib endpoints read (RP-Initiated Logout §3.1)."""
    return {"post_logout_redirect_uris": list(post_logout_redirect_uris)}


class ClientRules(ClientMixin):
    """What Authlib asks of a registered client, answered from its columns (the ORM Client or a Core row)."""

    @property
    def is_public(self) -> bool:
        return self.client_secret_hash is None

    @property
    def audience(self) -> str:
        return self.resource or self.client_id

    @property
    def client_metadata(self) -> dict:
        return client_metadata(self.post_logout_redirect_uris)

    def get_client_id(self) -> str:
        return self.client_id

    def get_default_redirect_uri(self) -> None:
        # OIDC Core §3.1.2.1: redirect_uri is required, so there is no default to fall back on.
        return None

    def get_allowed_scope(self, scope: str | None) -> str:
        allowed = set(scope_to_list(self.scope))
        return list_to_scope([s for s in scope_to_list(scope or "") if s in allowed])

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        # RFC 9700 §4.1.3: exact string comparison, no prefix or pattern matching.
        return redirect_uri in self.redirect_uris

    def check_client_secret(self, client_secret: str) -> bool:
        return self.client_secret_hash is not None and credential_matches(client_secret, self.client_secret_hash)

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        return method in (PUBLIC_AUTH_METHODS if self.is_public else CONFIDENTIAL_AUTH_METHODS)

    def check_response_type(self, response_type: str) -> bool:
        return response_type == "code"

    def check_grant_type(self, grant_type: str) -> bool:
        return grant_type in GRANT_TYPES


class Client(ClientRules, db.Model):
    """A registered relying party (a tenant site or a third-party app)."""

    __tablename__ = "oauth_clients"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[str] = mapped_column(String(64), unique=True)
    # SHA-256 of a 256-bit random secret; None means a public client (PKCE only).
    client_secret_hash: Mapped[str | None] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(100))
    redirect_uris: Mapped[list] = mapped_column(JSON, default=list)
    post_logout_redirect_uris: Mapped[list] = mapped_column(JSON, default=list)
    backchannel_logout_uri: Mapped[str | None] = mapped_column(String(500))
    # RFC 8935 push endpoint: where Security Event Tokens about this client's users are POSTed.
    security_events_uri: Mapped[str | None] = mapped_column(String(500))
    scope: Mapped[str] = mapped_column(String(500))
    first_party: Mapped[bool] = mapped_column(default=False)
    # The audience of this client's access tokens (RFC 9068 §3): the tenant API; the client_id when unset.
    resource: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Impersonated:
    """Columns of a code or token issued while an admin impersonated the user: who really acts, why, until when."""

    # RFC 8693 act: the admin. Deleting them deletes what was issued in their name; no history lives here.
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    impersonation_reason: Mapped[str | None] = mapped_column(Text)
    # Unix seconds, as the `impersonation.expires_at` claim states it (like auth_time).
    impersonation_expires_at: Mapped[int | None]

    @property
    def impersonation(self) -> Impersonation | None:
        """The impersonation this grant was made in, or None for the user's own sign-in."""
        return impersonation_of(self.actor_id, self.impersonation_reason, self.impersonation_expires_at)


# The Impersonated columns, in impersonation_of's argument order (for Core reads of codes and tokens).
IMPERSONATED_COLUMNS = ("actor_id", "impersonation_reason", "impersonation_expires_at")


def impersonation_of(actor_id: int | None, reason: str | None, expires_at: int | None) -> Impersonation | None:
    """The impersonation the Impersonated column values state, or None."""
    return None if actor_id is None else Impersonation(actor_id, reason, expires_at)


def impersonation_columns(impersonation: Impersonation | None) -> dict:
    """The Impersonated column values for a new row (none at all without impersonation)."""
    if impersonation is None:
        return {}
    return {
        "actor_id": impersonation.actor_id,
        "impersonation_reason": impersonation.reason,
        "impersonation_expires_at": impersonation.expires_at,
    }


class CodeRules(AuthorizationCodeMixin):
    """What Authlib asks of an authorization code, answered from its columns (the ORM row or a Core row)."""

    redirect_uri: str
    scope: str
    nonce: str | None
    auth_time: int
    amr: list

    def get_redirect_uri(self) -> str:
        return self.redirect_uri

    def get_scope(self) -> str:
        return self.scope

    def get_nonce(self) -> str | None:
        return self.nonce

    def get_auth_time(self) -> int:
        return self.auth_time

    def get_amr(self) -> list[str]:
        return list(self.amr)

    def get_acr(self) -> str | None:
        # Derived from amr, so acr can never claim more than the methods recorded with the code.
        return acr_for(self.amr)


class AuthorizationCode(Impersonated, CodeRules, db.Model):
    """An authorization code: single use, short lived, bound to client, redirect URI and PKCE challenge."""

    __tablename__ = "oauth_codes"
    # The nonce replay check (OIDC Core §15.5.2) on every authorization request reads one index entry, not
    # every code of the client (it scanned them all); client_id alone uses the same index's prefix.
    __table_args__ = (Index("ix_oauth_codes_client_id_nonce", "client_id", "nonce"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # Only the hash is stored: a copied table yields no usable codes.
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("oauth_clients.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    redirect_uri: Mapped[str] = mapped_column(String(500))
    scope: Mapped[str] = mapped_column(String(500))
    nonce: Mapped[str | None] = mapped_column(String(255))
    code_challenge: Mapped[str | None] = mapped_column(String(128))
    code_challenge_method: Mapped[str | None] = mapped_column(String(10))
    auth_time: Mapped[int]
    amr: Mapped[list] = mapped_column(JSON, default=list)
    sid: Mapped[str] = mapped_column(String(32))
    # Every token issued from this code, and every rotation after it, shares this id (revoked together).
    family_id: Mapped[str] = mapped_column(String(32), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]


class RefreshRules:
    """When a refresh token may be exchanged, answered from its columns (the ORM Token or a Core row)."""

    refresh_token_hash: str | None
    refresh_expires_at: datetime | None
    refresh_used_at: datetime | None
    revoked_at: datetime | None

    def refresh_usable(self, now: datetime) -> bool:
        """True while the refresh token may be exchanged."""
        return (
            self.refresh_token_hash is not None
            and self.revoked_at is None
            and self.refresh_used_at is None
            and self.refresh_expires_at is not None
            and now < self.refresh_expires_at
        )


class Token(Impersonated, RefreshRules, TokenMixin, db.Model):
    """One token response: a JWT access token and, with offline_access, a refresh token (hashes only)."""

    __tablename__ = "oauth_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("oauth_clients.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    # The Accounts session the grant was made in: ending it revokes these tokens.
    sid: Mapped[str] = mapped_column(String(32), index=True)
    family_id: Mapped[str] = mapped_column(String(32), index=True)
    scope: Mapped[str] = mapped_column(String(500))
    access_token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    refresh_token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    issued_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    refresh_expires_at: Mapped[datetime | None]
    # Set when the refresh token was exchanged: presenting it again is theft (RFC 9700 §4.14.2).
    refresh_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]

    # Hot paths load both with the row (services.find_*_token); a lazy load there would be an extra round trip.
    client: Mapped[Client] = relationship(lazy="raise")
    user: Mapped[User] = relationship(foreign_keys="Token.user_id", lazy="raise")

    def check_client(self, client: Client) -> bool:
        return self.client_id == client.id

    def get_scope(self) -> str:
        return self.scope

    def get_expires_in(self) -> int:
        return int((self.expires_at - self.issued_at).total_seconds())

    def is_expired(self) -> bool:
        return utcnow() >= self.expires_at

    def is_revoked(self) -> bool:
        return self.revoked_at is not None

    def get_user(self) -> User:
        return self.user

    def get_client(self) -> Client:
        return self.client


class Consent(db.Model):
    """What a user allowed a client to see; asked again only when the client wants more."""

    __tablename__ = "oauth_consents"
    __table_args__ = (UniqueConstraint("user_id", "client_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("oauth_clients.id", ondelete="CASCADE"), index=True)
    scope: Mapped[str] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    client: Mapped[Client] = relationship()


class SigningKey(db.Model):
    """An RS256 key pair; the private half is stored encrypted, the public half published in the JWKS."""

    __tablename__ = "oauth_signing_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    kid: Mapped[str] = mapped_column(String(64), unique=True)
    public_jwk: Mapped[dict] = mapped_column(JSON)
    # PKCS#8 PEM encrypted with a key derived from the site secret; never logged, never served.
    private_pem_encrypted: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Set by rotation: no longer signs, still published until its tokens have expired.
    retired_at: Mapped[datetime | None] = mapped_column(index=True)


class ClientSession(db.Model):
    """A client received tokens in an Accounts session: it gets a logout token when that session ends."""

    __tablename__ = "oauth_client_sessions"
    __table_args__ = (UniqueConstraint("client_id", "sid"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("oauth_clients.id", ondelete="CASCADE"))
    sid: Mapped[str] = mapped_column(String(32), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    client: Mapped[Client] = relationship()
