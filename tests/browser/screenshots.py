"""`make screenshots`: every page as each demo user sees it, at desktop (1280×800) and phone (390×844) size.

Starts the three sites on three loopback hosts as the browser tests do (temporary SQLite, demo data seeded),
signs in as each demo user in headless Chromium and writes full-page PNGs to screenshots/<who>/ (git-ignored).
Run: .venv/bin/python -m tests.browser.screenshots [folder]; GATEHOUSE_TEST_PORTS=9160-9179 picks the ports.
The same tour (`demo_tour`) drives the accessibility check of every page (test_every_page_accessible.py).
"""

import logging
import re
import sys
from collections.abc import Callable
from pathlib import Path

import pyotp
import pytest
from playwright.sync_api import Browser, Page, sync_playwright

# First: it points every site at a temporary instance folder and database, as in the test suite.
import tests.conftest as fixtures

# isort: split
import accounts
from accounts.cli import DEMO_SECOND_FACTORS, DEMO_USERS, DEMO_USERS_FILE, create_user, seed_demo_org, write_demo_users
from accounts.extensions import db
from accounts.identity.services import find_user
from accounts.mfa.factors import has_totp
from accounts.mfa.services import enable_with_secret
from accounts.mfa.settings import mfa_settings
from common.clock import utcnow
from tests import live
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS
from tests.browser.ports import pick_port

SIZES = {"desktop": {"width": 1280, "height": 800}, "phone": {"width": 390, "height": 844}}
ACCOUNTS_PAGES = [
    "/",
    "/orgs/",
    "/orgs/initech",
    "/sessions/",
    "/security",
    "/connected-apps",
    "/account/password",
    "/account/email",
    "/dev/outbox/",
]
ADMIN_PAGES = ["/admin/users", "/admin/security", "/admin/deliveries", "/admin/audit"]
ANONYMOUS_PAGES = ["/", "/sign-in", "/sign-in/link", "/sign-up", "/reset", "/dev/outbox/", "/no-such-page"]
TENANT_PAGES = ["/", "/todos/", "/todos/?status=all", "/todos/new", "/inspector", "/docs/api"]


def seed(app, users_file: Path) -> None:
    """What `flask seed-demo` does, but the OIDC clients: start_sites registered them already."""
    with app.app_context():
        for email, name, password, admin in DEMO_USERS:
            if find_user(email) is None:
                create_user(email, password, name, admin)
        seed_demo_org()
        write_demo_users(users_file)
        for email, secret in DEMO_SECOND_FACTORS.items():
            if not has_totp(find_user(email).id):
                enable_with_secret(find_user(email), secret, keys=mfa_settings(app.config).keys, now=utcnow())
        db.session.commit()


# What the tour does at each page it reaches: (page, folder for that visitor, page name).
Visit = Callable[[Page, Path, str], None]
# Pages behind buttons on other pages (confirm steps, a todo): found by their links, not by a fixed path.
LINKED_PAGES = {
    "/orgs/initech": ("/remove", "/transfer", "/leave"),
    "/todos/": ("/delete", "/delete-mine"),
    "/admin/users": ("/admin/users/",),
}


def slug(path: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", path.lower()).strip("-") or "home"


def shoot(page: Page, folder: Path, name: str) -> None:
    """Full-page PNGs at both sizes (the phone-only open menu at phone size only)."""
    for size, viewport in SIZES.items():
        if name.endswith("-menu-open") and size == "desktop":
            continue
        page.set_viewport_size(viewport)
        page.screenshot(path=folder / f"{name}-{size}.png", full_page=True)


def sign_in(page: Page, accounts_url: str, email: str, password: str) -> None:
    page.goto(f"{accounts_url}/sign-in")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    secret = DEMO_SECOND_FACTORS.get(email)
    if secret:
        page.get_by_label("Code from your app, or a backup code").fill(pyotp.TOTP(secret).now())
        page.get_by_role("button", name="Verify").click()


def linked(page: Page, url: str, markers: tuple[str, ...]) -> list[str]:
    """Of the links in the main part of the page at url, the first whose href contains each marker."""
    page.goto(url)
    found: dict[str, str] = {}
    for href in page.eval_on_selector_all("main a[href]", "links => links.map(a => a.getAttribute('href'))"):
        marker = next((m for m in sorted(markers, key=len, reverse=True) if m in href), None)  # /delete-mine first
        if marker and marker not in found:
            found[marker] = href
    return list(found.values())


def tour(page: Page, sites: live.Sites, folder: Path, admin: bool, visit: Visit) -> None:
    accounts_url = sites.accounts.url
    for path in ACCOUNTS_PAGES + (ADMIN_PAGES if admin else []):
        page.set_viewport_size(SIZES["desktop"])
        page.goto(accounts_url + path)
        visit(page, folder, f"accounts-{slug(path)}")
    for path in ("/orgs/initech", *(["/admin/users"] if admin else [])):
        for href in linked(page, accounts_url + path, LINKED_PAGES[path]):
            page.goto(accounts_url + href)
            visit(page, folder, f"accounts-{slug(href)}")
    for name, site in (("acme", sites.acme), ("globex", sites.globex)):
        page.set_viewport_size(SIZES["desktop"])
        page.goto(site.url + "/auth/sign-in")  # single sign-on: Accounts knows this browser already
        for path in TENANT_PAGES:
            page.set_viewport_size(SIZES["desktop"])
            page.goto(site.url + path)
            visit(page, folder, f"{name}-{slug(path)}")
        page.set_viewport_size(SIZES["desktop"])  # the header's switcher is in the folded menu on phones
        page.goto(site.url + "/inspector")
        page.get_by_role("button", name="Show access token").click()  # development only: the token page
        visit(page, folder, f"{name}-access-token")
        page.set_viewport_size(SIZES["desktop"])  # visit may leave the phone size; the switcher is folded there
        page.goto(site.url + "/todos/")
        switcher = page.get_by_label("Organization")
        if switcher.locator("option", has_text="Initech").count():
            # The demo org's list, as its members see it (a new sign-in would now start there).
            switcher.select_option(label="Initech")
            page.get_by_role("button", name="Switch").click()
            visit(page, folder, f"{name}-todos-initech")
        page.goto(site.url + "/todos/")
        first_todo = page.locator(".todo-title").first
        if first_todo.count():
            first_todo.click()
            visit(page, folder, f"{name}-todo")
        for href in linked(page, site.url + "/todos/", LINKED_PAGES["/todos/"]):
            page.goto(site.url + href)
            visit(page, folder, f"{name}-todo-{slug(href.rsplit('/', 1)[-1])}")
        page.set_viewport_size(SIZES["phone"])
        page.goto(site.url + "/")
        page.locator(".menu-toggle").click()
        visit(page, folder, f"{name}-menu-open")


def _walk(browser: Browser, sites: live.Sites, visit: Visit, out: Path) -> None:
    anonymous = browser.new_context().new_page()
    (out / "anonymous").mkdir(parents=True, exist_ok=True)
    for path in ANONYMOUS_PAGES:
        anonymous.set_viewport_size(SIZES["desktop"])
        anonymous.goto(sites.accounts.url + path)
        visit(anonymous, out / "anonymous", f"accounts-{slug(path)}")
    anonymous.goto(sites.accounts.url + "/sign-up")
    anonymous.get_by_label("Email").fill("not-an-email")
    anonymous.get_by_role("button", name="Create account").click()
    anonymous.get_by_label("Password").focus()  # shows the focus ring too
    visit(anonymous, out / "anonymous", "accounts-sign-up-errors")
    for name, site in (("acme", sites.acme), ("globex", sites.globex)):
        anonymous.goto(site.url + "/")
        visit(anonymous, out / "anonymous", f"{name}-home")
    for email, _, password, admin in DEMO_USERS:
        who = email.split("@")[0]
        (out / who).mkdir(parents=True, exist_ok=True)
        page = browser.new_context().new_page()
        sign_in(page, sites.accounts.url, email, password)
        tour(page, sites, out / who, admin, visit)
        page.context.close()


def demo_tour(visit: Visit, out: Path, browser: Browser | None = None) -> None:
    """Start the sites with the demo data; walk every page anonymously and as each demo user, calling visit.
    In the test suite, pass its browser (one Playwright per process); otherwise one is started here."""
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one line per request drowns the summary
    with pytest.MonkeyPatch.context() as monkeypatch:
        monkeypatch.setattr(live, "free_port", pick_port)
        app = accounts.create_app(fixtures.accounts_overrides())
        with app.app_context():
            db.create_all()
        sites = live.start_sites(monkeypatch, app, hosts=("127.0.0.1", "127.0.0.2", "127.0.0.3"))
        try:
            for site in (sites.accounts, sites.acme, sites.globex):
                site.app.config["DEMO_TOUR"] = True
            users_file = Path(app.instance_path) / DEMO_USERS_FILE
            seed(app, users_file)
            for site in (sites.acme, sites.globex):
                result = site.app.test_cli_runner().invoke(args=["seed-demo", "--users-file", str(users_file)])
                assert result.exit_code == 0, result.output
            if browser is not None:
                _walk(browser, sites, visit, out)
            else:
                with sync_playwright() as playwright:
                    own = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
                    _walk(own, sites, visit, out)
                    own.close()
        finally:
            fixtures._stop_sites(sites)


def main(out: Path) -> None:
    demo_tour(shoot, out)
    print(f"Screenshots in {out.resolve()}")


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "screenshots"))
