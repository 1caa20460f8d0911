"""Issue 12: axe-core finds no serious or critical WCAG violation on any page of the demo tour, at desktop and
phone size, anonymous and as each demo user (the same walk as `make screenshots`, so a new page is checked too)."""

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page

from tests.browser.accessibility import serious_violations
from tests.browser.screenshots import SIZES, demo_tour

pytestmark = pytest.mark.browser


def test_every_page_of_the_demo_tour_has_no_serious_accessibility_violation(tmp_path, browser):
    found: list[str] = []
    visited: list[str] = []

    def check(page: Page, folder: Path, name: str) -> None:
        visited.append(f"{folder.name}/{name}")
        for size, viewport in SIZES.items():
            page.set_viewport_size(viewport)
            found.extend(f"[{folder.name} {size}] {v}" for v in serious_violations(page))

    demo_tour(check, tmp_path, browser)
    assert not found, "\n".join(found)
    # The confirm steps and the admin's user page are reached through their links: they must be in the walk.
    reached = [
        r"admin/accounts-admin-users-\d+",
        r"alice/accounts-orgs-initech-members-\d+-remove",
        r"alice/accounts-orgs-initech-members-\d+-transfer",
        r"bob/accounts-orgs-initech-leave",
        r"alice/acme-todo-delete",
        r"alice/globex-todo-delete-mine",
    ]
    missing = [pattern for pattern in reached if not any(re.fullmatch(pattern, name) for name in visited)]
    assert not missing, (missing, visited)
