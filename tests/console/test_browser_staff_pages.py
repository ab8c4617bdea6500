"""The staff pages in headless Chromium: a staff member uploads an event list, reads the
preview, imports it; finds a person by name and makes them a digital supporter; and finds
both changes in the audit log.

Chromium comes from the shared `chromium` fixture (tests/browser.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import func, select

from bot.db import session_scope
from bot.kernel.i18n import gettext
from models.activities import Activity
from models.users import get_by_line_id

pytestmark = pytest.mark.browser
CSV = ("都道府県コード又は市区町村コード,NO,イベント名,開始日,開始時間,終了時間\r\n"
       "131156,1,善福寺川クリーン作戦,2030-05-11,10:00,12:00\r\n"
       "131156,2,防災訓練,2030-05-12,25:00,12:00\r\n")


def _(msgid: str, **params: Any) -> str:
    return gettext("ja", msgid, **params)


@pytest.fixture
def tab(chromium, app) -> Iterator[Any]:
    context = chromium.new_context(viewport={"width": 390, "height": 844}, locale="ja-JP")
    page = context.new_page()
    page.goto(f"{app.config['LIVE_URL']}/console/")
    yield page
    context.close()


def _upload(tab: Any, text: str) -> None:
    tab.get_by_role("link", name=_("Open data")).click()
    tab.get_by_label(_("Event list (CSV)")).set_input_files(
        {"name": "events.csv", "mimeType": "text/csv", "buffer": text.encode("cp932")})
    tab.get_by_role("button", name=_("Preview")).click()
    tab.get_by_role("heading", name=_("Preview of the import")).wait_for()


def test_staff_import_an_event_list_grant_a_role_and_read_the_log(app, person, tab):
    person("区の職員さん", staff=True)
    helper = person("佐藤さくら")
    tab.get_by_role("link", name=_("Sign in with LINE")).click()
    tab.get_by_role("button", name="区の職員さん").click()
    tab.get_by_role("heading", name=_("Hello, {name}", name="区の職員さん")).wait_for()

    _upload(tab, CSV)
    rejected = tab.locator('tr[data-outcome="rejected"]')
    assert _("Not a time: “{value}” (write it as HH:MM).", value="25:00") in \
        rejected.inner_text()
    assert tab.get_by_role("button", name=_("Import")).count() == 0
    _upload(tab, CSV.replace("25:00", "10:00"))
    assert tab.locator('tr[data-outcome="new"]').count() == 2
    tab.get_by_role("button", name=_("Import")).click()
    tab.get_by_role("status").wait_for()
    assert _("Imported: {new} new, {updated} updated, {unchanged} unchanged.",
             new=2, updated=0, unchanged=0) in tab.get_by_role("status").inner_text()
    with session_scope(app) as session:
        assert session.scalar(select(func.count()).select_from(Activity)) == 2

    tab.get_by_role("link", name=_("People and roles")).click()
    tab.get_by_label(_("Name contains")).fill("さくら")
    tab.get_by_role("button", name=_("Filter")).click()
    tab.get_by_role("link", name="佐藤さくら").click()
    tab.get_by_role("button", name=_("Grant the role {role}",
                                     role=_("Digital supporter"))).click()
    assert _("{name} now has the role {role}.", name="佐藤さくら",
             role=_("Digital supporter")) in tab.get_by_role("status").inner_text()
    with session_scope(app) as session:
        assert get_by_line_id(session, helper).has_role("supporter")

    tab.get_by_role("link", name=_("Audit log"), exact=True).click()
    tab.get_by_label(_("Who (name contains)")).fill("職員")
    tab.get_by_role("button", name=_("Filter")).click()
    entries = tab.locator('tr[data-testid="entry"]')
    assert _("Granted a role") in entries.nth(0).inner_text()
    assert "佐藤さくら" in entries.nth(0).inner_text()
    assert _("Imported an event list (CSV)") in entries.nth(1).inner_text()
