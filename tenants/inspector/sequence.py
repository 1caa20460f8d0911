"""The code + PKCE sign-in and the global logout as a sequence diagram (docs/oidc.md), laid out for an inline SVG.

flow() lists the steps of docs/oidc.md's sequence with this session's real values; layout() places them
on three lifelines (browser, tenant, Accounts) as plain shapes the template draws. Text widths are
estimated from character counts, so every line is wrapped to stay inside the picture.
"""

import math
from dataclasses import dataclass, field
from urllib.parse import urlsplit

BROWSER, TENANT, ACCOUNTS = "browser", "tenant", "accounts"
WIDE, NARROW = 680, 360  # desktop, and phones (drawn again, not shrunk: its text stays readable at 390 px)
MARGIN = 10
LANE_GAP = 14  # between the lanes' title boxes
# Estimated advance per character (em, px): system-ui 14 px bold labels, 13 px italic frame labels, 12 px bold
# tabs, ui-monospace 12 px details. Generous, so a wrapped line never runs out of the picture.
METRICS = {"label": (0.6, 14), "frame": (0.5, 13), "tab": (0.6, 12), "detail": (0.61, 12)}
LABEL_SIZE = 14
LABEL_LINE, DETAIL_LINE = 18, 16
HEADER_BOTTOM = 64
BADGE_R = 10
LOOP_W = 26
# What a frame's tab says (UML's alt, opt and par, in words); a note has no tab.
FRAME_TABS = {"alt": "only if", "opt": "optional", "par": "to each"}


@dataclass(frozen=True)
class Step:
    """One message of the sequence: from one party to another (or itself), with what it carries."""

    source: str
    target: str
    label: str
    details: tuple[str, ...] = ()
    reply: bool = False  # an answer or a redirect (a dashed arrow), not a new request


@dataclass(frozen=True)
class Frame:
    """A group of steps: alt (only when…), opt (sometimes), par (to each), or a note that starts a new part."""

    kind: str
    label: str
    steps: tuple[Step, ...] = ()

    @property
    def caption(self) -> str:
        """The frame as words: "only if: …", "optional: …", "to each: …"."""
        return f"{FRAME_TABS[self.kind]}: {self.label}" if self.kind in FRAME_TABS else self.label


@dataclass(frozen=True)
class FlowValues:
    """What this session really used, where the tenant knows it."""

    tenant_name: str
    tenant_url: str
    issuer: str
    client_id: str
    redirect_uri: str
    scope: str
    code_challenge_method: str
    audience: str
    sid: str | None


@dataclass(frozen=True)
class Lane:
    key: str
    x: int
    title: str
    note: str


@dataclass(frozen=True)
class Text:
    x: float
    y: float
    text: str
    kind: str  # label, detail, frame
    anchor: str = "start"


@dataclass(frozen=True)
class Arrow:
    x1: float
    x2: float
    y: float
    reply: bool


@dataclass(frozen=True)
class Loop:
    """A message to oneself: out to the side of the lifeline and back."""

    x: float
    y1: float
    y2: float
    side: int  # +1 to the right, -1 to the left


@dataclass(frozen=True)
class Badge:
    x: float
    y: float
    number: int


@dataclass(frozen=True)
class Box:
    x: float
    y: float
    width: float
    height: float
    kind: str


@dataclass
class Diagram:
    """Shapes in SVG user units (1 unit = 1 CSS pixel at natural size)."""

    width: int
    compact: bool = False  # every text starts at the left edge, above its arrow or loop
    height: int = 0
    lanes: list[Lane] = field(default_factory=list)
    boxes: list[Box] = field(default_factory=list)
    arrows: list[Arrow] = field(default_factory=list)
    loops: list[Loop] = field(default_factory=list)
    badges: list[Badge] = field(default_factory=list)
    texts: list[Text] = field(default_factory=list)

    @property
    def lane_width(self) -> int:
        return lane_width(self.width)

    def x(self, lane: str) -> int:
        return next(candidate.x for candidate in self.lanes if candidate.key == lane)


def _host(url: str) -> str:
    return urlsplit(url).netloc or url


def flow(v: FlowValues) -> list[Step | Frame]:
    """docs/oidc.md's sequence, step for step, with this session's client_id, redirect_uri, method and sid."""
    sid = f"sid={v.sid}" if v.sid else "sid (none recorded)"
    return [
        Step(BROWSER, TENANT, "Sign in", ("GET /auth/sign-in",)),
        Step(
            TENANT, TENANT, "state, nonce, code_verifier: kept server-side", ("code_challenge = S256(code_verifier)",)
        ),
        Step(
            TENANT,
            BROWSER,
            "302 to Accounts: /authorize?…",
            (
                "response_type=code",
                f"client_id={v.client_id}",
                f"redirect_uri={v.redirect_uri}",
                f"scope={v.scope}",
                "state  nonce  code_challenge",
                f"code_challenge_method={v.code_challenge_method}",
            ),
            reply=True,
        ),
        Step(BROWSER, ACCOUNTS, "GET /authorize?… (the same query)"),
        Step(
            ACCOUNTS,
            ACCOUNTS,
            "client and exact redirect_uri checked",
            ("otherwise an error page at Accounts, no redirect",),
        ),
        Frame(
            "alt",
            "no Accounts session, prompt=login, max_age exceeded, or acr_values asks for a second factor not yet given",
            (
                Step(ACCOUNTS, ACCOUNTS, "demand kept server-side", ("the named checks that tripped",)),
                Step(ACCOUNTS, BROWSER, "302 /sign-in?next=/authorize?…", ("the request itself, unchanged",), True),
                Step(
                    BROWSER,
                    ACCOUNTS,
                    "password, then the sign-in stages",
                    ("the code for users with 2FA; same sid if the same user was signed in",),
                ),
                Step(ACCOUNTS, BROWSER, "303 back to /authorize?…", ("the demand is answered",), True),
            ),
        ),
        Frame(
            "opt",
            "client not first-party and scopes not yet allowed",
            (
                Step(ACCOUNTS, BROWSER, "consent page", ("a form with a CSRF token",), True),
                Step(BROWSER, ACCOUNTS, "POST Allow"),
            ),
        ),
        Step(
            ACCOUNTS,
            BROWSER,
            "302 redirect_uri?code&state&iss",
            (
                f"to {v.redirect_uri}",
                "code: 60 s, single use, bound to the code_challenge,",
                f"{sid}, auth_time, amr, nonce",
            ),
            reply=True,
        ),
        Step(BROWSER, TENANT, "GET /auth/callback?code&state&iss", ("state and iss checked (RFC 9207)",)),
        Step(TENANT, ACCOUNTS, "POST /oauth/token", ("client auth, code, redirect_uri, code_verifier",)),
        Step(
            ACCOUNTS,
            ACCOUNTS,
            "code spent atomically, S256(code_verifier) == code_challenge",
            (f"ClientSession(client_id={v.client_id}, {sid}) recorded",),
        ),
        Step(
            ACCOUNTS,
            TENANT,
            "access_token, id_token, refresh_token",
            (f"access token: RS256 JWT, typ at+jwt, aud={v.audience}, 5 min", "refresh token with offline_access only"),
            reply=True,
        ),
        Step(
            TENANT,
            ACCOUNTS,
            "GET /oauth/jwks: verify the ID token",
            (f"signature, iss, aud={v.client_id}, exp, nonce",),
        ),
        Step(
            TENANT,
            ACCOUNTS,
            "POST /oauth/token grant_type=refresh_token",
            ("before the access token expires; rotates: a new refresh token every time",),
        ),
        Frame("note", "Logout: one sign-out ends the Accounts session and every site signed in through it"),
        Step(BROWSER, TENANT, "Sign out"),
        Step(TENANT, BROWSER, "302 /end-session?…", ("id_token_hint  post_logout_redirect_uri  state",), True),
        Step(BROWSER, ACCOUNTS, "GET /end-session?…"),
        Step(ACCOUNTS, ACCOUNTS, "sign_out() → session_ended(sid) → tokens revoked", (sid,)),
        Frame(
            "par",
            f"to every client that got tokens in {sid}",
            (
                Step(
                    ACCOUNTS,
                    TENANT,
                    "POST backchannel_logout_uri",
                    ("logout_token (typ logout+jwt), ≤ 1.5 s each, ≤ 2 s in all",),
                ),
            ),
        ),
        Step(ACCOUNTS, BROWSER, "302 post_logout_redirect_uri?state", reply=True),
    ]


def lane_width(width: int) -> int:
    """The width of a lane's title box: three fit side by side, 160 at most."""
    return min(160, (width - 2 * MARGIN - 2 * LANE_GAP) // 3)


def lanes(v: FlowValues, width: int = WIDE) -> list[Lane]:
    """The three parties, named as this session knows them, their title boxes flush with the edges."""
    half = lane_width(width) // 2
    x = {BROWSER: MARGIN + half, TENANT: width // 2, ACCOUNTS: width - MARGIN - half}
    return [
        Lane(BROWSER, x[BROWSER], "Browser", "you"),
        Lane(TENANT, x[TENANT], f"{v.tenant_name} (RP)", _host(v.tenant_url)),
        Lane(ACCOUNTS, x[ACCOUNTS], "Accounts (OP)", _host(v.issuer)),
    ]


def text_width(text: str, kind: str) -> float:
    """Estimated width of a line of text in user units."""
    em, size = METRICS[kind]
    return len(text) * em * size


def _cut(word: str, room: int) -> int | None:
    """Where to break a word too long for `room` characters: after its last / = & or , that fits; None if none."""
    for at in range(min(room, len(word) - 1), room // 3, -1):
        if word[at - 1] in "/=&,":
            return at
    return None


def wrap(text: str, width: float, kind: str) -> list[str]:
    """Break text at spaces (a word too long for a line, such as a URL, after a / or =) into lines of `width`."""
    em, size = METRICS[kind]
    most = max(8, math.floor(width / (em * size)))
    lines: list[str] = []
    for word in text.split(" "):
        while len(word) > most:
            room = most - len(lines[-1]) - 1 if lines else 0
            cut = _cut(word, room) if room >= most // 3 else None
            if cut:
                lines[-1] += " " + word[:cut]
            else:
                cut = _cut(word, most) or most
                lines.append(word[:cut])
            word = word[cut:]
        if lines and len(lines[-1]) + 1 + len(word) <= most:
            lines[-1] += " " + word
        elif word:
            lines.append(word)
    return lines


def _side(step: Step) -> int:
    """Which way a self-message's loop goes: left of Accounts (the right-most lane), else right."""
    return -1 if step.source == ACCOUNTS else 1


def _place_text(d: Diagram, step: Step, top: float) -> float:
    """Write a step's label and details from `top`; return the baseline of the last line."""
    source, target = d.x(step.source), d.x(step.target)
    if d.compact:
        x, anchor = MARGIN + 4, "start"
    elif step.source == step.target:
        x = source + _side(step) * (LOOP_W + 8)
        anchor = "end" if _side(step) < 0 else "start"
    else:
        x, anchor = min(source, target) + BADGE_R + 8, "start"
    width = (x - MARGIN) if anchor == "end" else (d.width - MARGIN - x)
    baseline = top + LABEL_SIZE - LABEL_LINE
    for line in wrap(step.label, width, "label"):
        baseline += LABEL_LINE
        d.texts.append(Text(x, baseline, line, "label", anchor))
    for detail in step.details:
        for line in wrap(detail, width, "detail"):
            baseline += DETAIL_LINE
            d.texts.append(Text(x, baseline, line, "detail", anchor))
    return baseline


def _place_step(d: Diagram, step: Step, number: int, top: float) -> float:
    """Draw one step from `top`; return where the next one starts."""
    baseline = _place_text(d, step, top)
    x1, x2 = d.x(step.source), d.x(step.target)
    if step.source == step.target:
        # Beside its text on wide screens; under it when the text takes the whole width.
        y1 = baseline + 8 if d.compact else top + 2
        y2 = y1 + 20 if d.compact else max(baseline + 6, top + 30)
        d.loops.append(Loop(x1, y1, y2, _side(step)))
        d.badges.append(Badge(x1, (y1 + y2) / 2, number))
        return y2 + 16
    y = baseline + 12
    direction = 1 if x2 > x1 else -1
    d.arrows.append(Arrow(x1 + direction * BADGE_R, x2 - direction * 2, y, step.reply))
    d.badges.append(Badge(x1, y, number))
    return y + 18


def _place_frame(d: Diagram, frame: Frame, y: float, number: int) -> float:
    """Draw a frame (its tab, its label, its steps numbered after `number`) from `y`; return where the next starts."""
    top = y - 6
    tab = FRAME_TABS.get(frame.kind)
    tab_width = text_width(tab, "tab") + 16 if tab else 0
    label_x = MARGIN + 10 + tab_width
    label_lines = wrap(frame.label, d.width - MARGIN - 8 - label_x, "frame")
    for i, line in enumerate(label_lines):
        d.texts.append(Text(label_x, top + 17 + i * LABEL_LINE, line, "frame"))
    y = top + 17 + (len(label_lines) - 1) * LABEL_LINE + 16
    for offset, step in enumerate(frame.steps, start=1):
        y = _place_step(d, step, number + offset, y)
    height = (y - top - 4) if frame.steps else (y - top - 6)
    d.boxes.append(Box(MARGIN, top, d.width - 2 * MARGIN, height, frame.kind))
    if tab:
        d.boxes.append(Box(MARGIN, top, tab_width, 24, "tab"))
        d.texts.append(Text(MARGIN + tab_width / 2, top + 17, tab, "tab", "middle"))
    return top + height + 16


def layout(v: FlowValues, width: int = WIDE) -> Diagram:
    """Place every step of flow(v) under the three lanes, numbered as docs/oidc.md's autonumber does."""
    d = Diagram(width=width, compact=width < WIDE, lanes=lanes(v, width))
    y, number = HEADER_BOTTOM + 14, 0
    for item in flow(v):
        if isinstance(item, Step):
            number += 1
            y = _place_step(d, item, number, y)
            continue
        y = _place_frame(d, item, y, number)
        number += len(item.steps)
    d.height = math.ceil(y)
    return d


def numbered_steps(v: FlowValues) -> list[tuple[int, Step, Frame | None]]:
    """(number, step, the frame it is in) for the text version of the diagram."""
    found, number = [], 0
    for item in flow(v):
        for step, frame in [(item, None)] if isinstance(item, Step) else [(s, item) for s in item.steps]:
            number += 1
            found.append((number, step, frame))
    return found
