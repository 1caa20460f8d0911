"""Server-side sessions: the browser holds only an opaque random id; the data stays in our store."""

import hashlib
import secrets
from datetime import datetime, timedelta
from typing import Protocol

from flask import Flask, Request, Response, request
from flask.sessions import SessionInterface, SessionMixin
from werkzeug.datastructures import CallbackDict

from common.clock import utcnow


def hash_token(token: str) -> str:
    """The key a session is stored under: a copied table must not yield live cookies."""
    return hashlib.sha256(token.encode()).hexdigest()


class SessionStore(Protocol):
    """Where a site keeps its session records."""

    def load(self, key: str, now: datetime) -> dict | None: ...

    def save(self, key: str, data: dict | None, meta: dict, now: datetime, *, create: bool) -> None:
        """Create the record (create=True), or update it; data None means: only note the visit."""

    def rekey(self, old_key: str, new_key: str, data: dict | None, meta: dict, now: datetime) -> None:
        """Move a record to a new key, keeping its public id and deadlines; a record already gone stays gone."""

    def delete(self, key: str) -> None: ...


class ServerSession(CallbackDict, SessionMixin):
    """The session dict of one request, plus the id it was loaded under."""

    def __init__(self, initial=None, token: str | None = None, sid: str | None = None, record: object = None):
        def on_update(self):
            self.modified = True

        super().__init__(initial, on_update)
        self.token = token
        self.sid = sid  # the store's public handle for this session, None until first saved
        # The store's loaded row, held for the request: an ORM keeps what came with it only while it is referenced.
        self.record = record
        self.modified = False
        self.rotate_requested = False
        self.new_sid = False
        self.touched = False

    def rotate(self, *, keep_sid: bool = False) -> None:
        """Issue a new cookie token and drop the old one (prevents session fixation).

        By default a new record with a new public id begins; keep_sid=True moves this record to the
        new token instead, so the session stays the same one to everyone who knows it by its sid.
        """
        self.rotate_requested = True
        self.new_sid = self.new_sid or not keep_sid
        self.modified = True


_LOAD_ERROR = "gatehouse.session_load_error"


def session_load_error(request: Request) -> Exception | None:
    """The error that kept this request's session from loading (a database outage), if any."""
    return request.environ.get(_LOAD_ERROR)


class ServerSessionInterface(SessionInterface):
    """Flask session interface over a SessionStore; ids are 256-bit random tokens."""

    # Don't write last-seen on every request: once a minute is precise enough.
    touch_interval = timedelta(seconds=60)

    def __init__(self, store: SessionStore):
        self.store = store

    def open_session(self, app: Flask, request: Request) -> ServerSession:
        token = request.cookies.get(self.get_cookie_name(app))
        if token and len(token) <= 128:
            try:
                data = self.store.load(hash_token(token), utcnow())
            except Exception as error:
                # Raised again inside the request (common/errors.py), where error pages can answer it: a
                # failure here would otherwise bypass them and show a bare 500.
                request.environ[_LOAD_ERROR] = error
                return ServerSession()
            if data is not None:
                session = ServerSession(data["data"], token=token, sid=data["sid"], record=data.get("record"))
                last_seen = data.get("last_seen_at")
                session.touched = last_seen is None or utcnow() - last_seen > self.touch_interval
                return session
        # Unknown, expired or tampered ids all start an empty session.
        return ServerSession()

    def save_session(self, app: Flask, session: ServerSession, response: Response) -> None:
        name = self.get_cookie_name(app)
        old_key = hash_token(session.token) if session.token else None
        if not session:
            if old_key and session.modified:
                self.store.delete(old_key)
                response.delete_cookie(name, domain=self.get_cookie_domain(app), path=self.get_cookie_path(app))
            return
        moving_from = None
        if session.rotate_requested and old_key:
            if session.new_sid:
                self.store.delete(old_key)
            else:
                moving_from = old_key
            session.token = None
        if session.token and not (session.modified or session.touched):
            return
        new_cookie = session.token is None
        if new_cookie:
            session.token = secrets.token_urlsafe(32)
        meta = {"ip": request.remote_addr, "user_agent": (request.user_agent.string or "")[:300]}
        # Only a freshly issued id may create a record: a session revoked elsewhere stays revoked.
        # An unmodified session only notes the visit, so it never overwrites what a concurrent request wrote.
        data = dict(session) if session.modified or new_cookie else None
        if moving_from:
            # The old token stops working at once; a record revoked meanwhile is not recreated.
            self.store.rekey(moving_from, hash_token(session.token), data, meta, utcnow())
        else:
            self.store.save(hash_token(session.token), data, meta, utcnow(), create=new_cookie)
        if new_cookie:
            response.set_cookie(
                name,
                session.token,
                max_age=int(app.config["SESSION_ABSOLUTE_LIFETIME"].total_seconds()),
                httponly=self.get_cookie_httponly(app),
                secure=self.get_cookie_secure(app),
                samesite=self.get_cookie_samesite(app),
                domain=self.get_cookie_domain(app),
                path=self.get_cookie_path(app),
            )
        response.vary.add("Cookie")
