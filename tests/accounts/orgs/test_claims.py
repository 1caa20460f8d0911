"""orgs_claim: what the OpenID provider puts in the `orgs` claim for a user."""

from accounts.extensions import db
from accounts.orgs import services
from accounts.orgs.claims import orgs_claim
from accounts.orgs.rules import Role
from common.clock import utcnow


def claim(app, user):
    with app.app_context():
        return orgs_claim(user.id)


def personal_entry(user) -> dict:
    return {"slug": f"personal-{user.id}", "name": "Personal space", "role": "owner", "personal": True}


def without_ids(entries: list[dict]) -> list[dict]:
    return [{k: v for k, v in entry.items() if k != "id"} for entry in entries]


def test_a_new_user_has_just_their_personal_space(accounts_app, person):
    erin = person("erin@example.com", "Erin")
    (entry,) = claim(accounts_app, erin)
    assert entry == {"id": entry["id"], **personal_entry(erin)}
    assert isinstance(entry["id"], str) and entry["id"].isdigit()


def test_each_membership_with_its_role_personal_space_first(accounts_app, initech):
    expected = {
        "alice": "owner",
        "bob": "admin",
        "carol": "member",
    }
    for name, role in expected.items():
        user = initech.users[name]
        entries = claim(accounts_app, user)
        assert without_ids(entries) == [
            personal_entry(user),
            {"slug": "initech", "name": "Initech", "role": role, "personal": False},
        ]
        assert entries[1]["id"] == str(initech.id)
    assert without_ids(claim(accounts_app, initech.dave)) == [personal_entry(initech.dave)]


def test_orgs_are_listed_by_name_after_the_personal_space(accounts_app, initech):
    with accounts_app.app_context():
        services.create_org(initech.carol.id, "Acme Research", "acme-research", utcnow())
        db.session.commit()
    slugs = [entry["slug"] for entry in claim(accounts_app, initech.carol)]
    assert slugs == [f"personal-{initech.carol.id}", "acme-research", "initech"]


def test_the_claim_follows_role_changes_removals_and_deletion(accounts_app, initech):
    with accounts_app.app_context():
        services.change_role(initech.id, initech.alice.id, initech.carol.id, Role.ADMIN)
        db.session.commit()
    assert claim(accounts_app, initech.carol)[1]["role"] == "admin"

    with accounts_app.app_context():
        services.remove_member(initech.id, initech.alice.id, initech.carol.id)
        db.session.commit()
    assert [e["slug"] for e in claim(accounts_app, initech.carol)] == [f"personal-{initech.carol.id}"]

    with accounts_app.app_context():
        services.delete_org(initech.id, initech.alice.id, "initech")
        db.session.commit()
    assert [e["slug"] for e in claim(accounts_app, initech.alice)] == [f"personal-{initech.alice.id}"]
    assert [e["slug"] for e in claim(accounts_app, initech.bob)] == [f"personal-{initech.bob.id}"]


def test_the_claim_of_an_unknown_user_is_empty(accounts_app):
    with accounts_app.app_context():
        assert orgs_claim(123456) == []
