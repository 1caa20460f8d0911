"""What each ID-token claim says, in one line, with the section of the standard that defines it."""

from dataclasses import dataclass

from .times import TIME_CLAIMS, Moment, moment_of


@dataclass(frozen=True)
class Explanation:
    """One line for a person, and where the rule is written."""

    text: str
    source: str


CORE = "OIDC Core 1.0"
EXPLANATIONS = {
    "iss": Explanation(
        "Who issued the token: the provider's URL, compared exactly with the configured issuer.", f"{CORE} §2"
    ),
    "sub": Explanation("Who you are at this provider: a stable id, never reused; with iss it names you.", f"{CORE} §2"),
    "aud": Explanation("Who the token is for: this site's client_id; any other site must refuse it.", f"{CORE} §2"),
    "exp": Explanation("When the ID token stops being acceptable; the session here lives on without it.", f"{CORE} §2"),
    "iat": Explanation("When the provider issued the token.", f"{CORE} §2"),
    "nbf": Explanation("The token is not to be accepted before this time.", "RFC 7519 §4.1.5"),
    "auth_time": Explanation(
        "When you last actually signed in at the provider; step-up pages compare it with max_age.", f"{CORE} §2"
    ),
    "nonce": Explanation(
        "The random value this site sent in the request, echoed back: the token answers this sign-in.", f"{CORE} §2"
    ),
    "acr": Explanation(
        "How strongly you were authenticated; the PAPE multi-factor URI after a second factor.", f"{CORE} §2"
    ),
    "amr": Explanation(
        "How you signed in: pwd password, otp one-time code, hwk/swk + user passkey, fed another provider.",
        "RFC 8176 §2",
    ),
    "azp": Explanation("The client the token was issued to, when aud names more than one.", f"{CORE} §2"),
    "sid": Explanation(
        "The provider's session id: the same on every site signed in through that session; logout names it.",
        "OIDC Front-/Back-Channel Logout §2.1",
    ),
    "at_hash": Explanation("A hash of the access token issued with it, binding the two together.", f"{CORE} §3.1.3.6"),
    "c_hash": Explanation("A hash of the authorization code, binding the token to the code.", f"{CORE} §3.3.2.11"),
    "jti": Explanation("A unique id for this token, so a replay can be recognised.", "RFC 7519 §4.1.7"),
    "name": Explanation("Your full name, as you gave it at the provider.", f"{CORE} §5.1"),
    "given_name": Explanation("Your given (first) name.", f"{CORE} §5.1"),
    "family_name": Explanation("Your family name.", f"{CORE} §5.1"),
    "preferred_username": Explanation(
        "The name you go by; not unique and not stable, so never used as an id.", f"{CORE} §5.1"
    ),
    "email": Explanation("Your email address; sub names you, because an address can change.", f"{CORE} §5.1"),
    "email_verified": Explanation("Whether the provider checked that you control the address.", f"{CORE} §5.1"),
    "locale": Explanation("Your language and region, such as en-GB.", f"{CORE} §5.1"),
    "zoneinfo": Explanation("Your time zone, such as Europe/Paris.", f"{CORE} §5.1"),
    "picture": Explanation("The URL of your profile picture.", f"{CORE} §5.1"),
    "updated_at": Explanation("When your profile at the provider last changed.", f"{CORE} §5.1"),
    "orgs": Explanation(
        "Your organizations and your role in each (Gatehouse's own claim): the only source of roles here.",
        "Gatehouse SPEC §2.6",
    ),
    "act": Explanation(
        "Who is actually acting: an administrator impersonating the user named by sub.", "RFC 8693 §4.1"
    ),
    "impersonation": Explanation(
        "Why the administrator is acting as you and when that ends (Gatehouse's own claim).", "Gatehouse SPEC §2.7"
    ),
}
UNKNOWN = Explanation("A claim this page does not describe; this site does not rely on it.", "")


def explain(claim: str) -> Explanation:
    """The explanation of a claim, or a plain "not described" for one this page does not know."""
    return EXPLANATIONS.get(claim, UNKNOWN)


@dataclass(frozen=True)
class ClaimRow:
    """A claim as the inspector lists it: its value, what it means and, for a time, when that is."""

    name: str
    value: object
    explanation: Explanation
    moment: Moment | None


def claim_rows(claims: dict, now: int) -> list[ClaimRow]:
    """Every claim, sorted by name, explained; NumericDate claims also as a UTC time and relative to now."""
    return [
        ClaimRow(name, value, explain(name), moment_of(value, now) if name in TIME_CLAIMS else None)
        for name, value in sorted(claims.items())
    ]
