"""Every event type the code records is in the catalog, so the pages can say it in words."""

import re
from pathlib import Path

import accounts
from accounts.audit.catalog import EVENT_TYPES, describe

# A quoted "<area>.<what>" in Accounts code, for the areas that record events.
AREAS = "federation|signin|signout|password|email|session|mfa|org|consent|client|keys|admin|impersonation"
RECORDED = re.compile(rf'"((?:{AREAS})\.[a-z_]+)"')
# A call whose first argument may be on the next line.
CALL = re.compile(r'(?:record_event|_record|_record_client_event)\(\s*"([a-z_.]+)"')


def recorded_types() -> set[str]:
    """Event names on the lines of accounts/ that record events (record_event, its wrappers, `event = ...`)."""
    root = Path(accounts.__file__).parent
    lines = [
        line
        for path in root.rglob("*.py")
        if path.name != "catalog.py"
        for line in path.read_text().splitlines()
        if "record" in line or "event" in line
    ]
    calls = {name for path in root.rglob("*.py") for name in CALL.findall(path.read_text())}
    return calls | {name for line in lines for name in RECORDED.findall(line)}


def test_every_recorded_type_is_described():
    recorded = recorded_types()
    assert {"org.created", "org.member_left", "consent.granted", "keys.rotated", "mfa.enabled"} <= recorded
    assert recorded - set(EVENT_TYPES) == set()


def test_names_are_dotted_and_descriptions_one_line():
    for name, words in EVENT_TYPES.items():
        assert re.fullmatch(r"[a-z]+(\.[a-z_]+)?", name), name
        assert words and "\n" not in words and not words.endswith(".")


def test_unknown_types_show_as_their_raw_name():
    assert describe("signin.succeeded") == "Signed in"
    assert describe("something.new") == "something.new"
