"""The console in headless Chromium: an organiser signs in through the simulated LINE
Login page, registers an organisation; a staff member signs in and verifies it.

Needs /usr/bin/chromium (Debian package); never `playwright install`. Skipped when the
browser is absent, unless MACHIBOT_REQUIRE_BROWSER=1, which turns the skip into a failure.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest

from bot.db import session_scope
from bot.kernel.i18n import gettext
from models import organisations as orgs

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    if not os.path.exists(CHROMIUM):
        if os.environ.get("MACHIBOT_REQUIRE_BROWSER") == "1":
            pytest.fail(f"{CHROMIUM} is absent and MACHIBOT_REQUIRE_BROWSER=1")
        pytest.skip(f"{CHROMIUM} is absent (apt-get install chromium); "
                    "set MACHIBOT_REQUIRE_BROWSER=1 to make this a failure")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        found = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield found
        found.close()


@pytest.fixture
def phone(chromium, app) -> Iterator[Any]:
    """A new phone-sized browser (its own cookies) at the console."""
    contexts = []

    def open_tab() -> Any:
        context = chromium.new_context(viewport={"width": 390, "height": 844},
                                       locale="ja-JP")
        contexts.append(context)
        tab = context.new_page()
        tab.goto(f"{app.config['LIVE_URL']}/console/")
        return tab

    yield open_tab
    for context in contexts:
        context.close()


def _(msgid: str, **params: str) -> str:
    return gettext("ja", msgid, **params)


def sign_in(tab: Any, name: str) -> None:
    tab.get_by_role("link", name=_("Sign in with LINE")).click()
    tab.get_by_role("button", name=name).click()  # the simulated LINE Login page
    tab.get_by_role("heading", name=_("Hello, {name}", name=name)).wait_for()


def test_an_organiser_registers_and_staff_verify(app, person, phone):
    person("まちの代表")
    person("区の職員さん", staff=True)

    organiser = phone()
    assert organiser.evaluate("document.documentElement.lang") == "ja"
    organiser.keyboard.press("Tab")  # the first stop is the skip link
    assert organiser.evaluate("document.activeElement.getAttribute('href')") == "#main"
    sign_in(organiser, "まちの代表")
    organiser.get_by_role("link", name=_("Register an organisation")).click()
    organiser.get_by_label(_("Name")).fill("高井戸あおぞら会")
    organiser.get_by_label(_("Kind")).select_option("neighbourhood")
    organiser.get_by_label(_("Description")).fill("毎月の清掃と夏祭り")
    organiser.get_by_label("高井戸").check()
    organiser.get_by_label(_("Disaster preparedness")).check()
    organiser.get_by_role("button", name=_("Register")).click()
    organiser.get_by_role("heading", name="高井戸あおぞら会").wait_for()
    assert organiser.get_by_role("status").inner_text().strip() == _(
        "Your organisation is registered. Ward staff will verify it.")

    staff = phone()
    sign_in(staff, "区の職員さん")
    staff.get_by_role("navigation").get_by_role("link", name=_("All organisations")).click()
    staff.get_by_role("button", name=_("Verify {name}", name="高井戸あおぞら会")).click()
    assert staff.get_by_role("status").inner_text().strip() == _("The organisation is verified.")

    with session_scope(app) as session:
        found = orgs.find_by_name(session, "高井戸あおぞら会")
        assert found.status == orgs.VERIFIED and found.kind == "neighbourhood"
        assert found.areas == ["高井戸"] and found.categories == ["disaster"]
    organiser.reload()
    assert _("Verified") in organiser.locator("main").inner_text()
