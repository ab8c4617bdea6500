"""The console in headless Chromium: an organiser signs in through the simulated LINE
Login page, registers an organisation and uploads its logo; a staff member signs in and
verifies it, and counts (the page's script), previews, schedules and cancels an
announcement. An organiser creates an activity with two slots, a resident signs up in the
simulated chat, and the organiser marks them attended on the roster: their points change.

Chromium comes from the shared `chromium` fixture (tests/browser.py).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot.db import session_scope
from bot.kernel.i18n import gettext
from bot.notify.dispatch import dispatch
from models import organisations as orgs
from models.activities import Activity, Slot
from models.announcements import Announcement
from models.attendance import volunteer_record
from models.base import utcnow
from models.users import get_by_line_id
from tests.browser import answered, new_chat_user
from tests.console.helpers import png

pytestmark = pytest.mark.browser

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
    organiser.get_by_label(_("Logo"), exact=True).set_input_files(
        files=[{"name": "logo.png", "mimeType": "image/png", "buffer": png()}])
    organiser.get_by_role("button", name=_("Upload the logo")).click()
    assert organiser.get_by_role("status").inner_text().strip() == _("The logo is saved.")
    assert organiser.get_by_role("img", name=_("Logo of {name}", name="高井戸あおぞら会")).evaluate(
        "img => img.naturalWidth") == 512

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


# -- an organiser's activity, a resident signing up in the chat, attendance -----------------



def _add_slot(tab: Any, day: str, starts: str, ends: str, capacity: str) -> None:
    tab.get_by_role("link", name=_("Add a slot")).click()
    tab.get_by_label(re.compile("^" + re.escape(_("Date")))).fill(day)
    tab.get_by_label(_("Starts at")).fill(starts)
    tab.get_by_label(_("Ends at")).fill(ends)
    tab.get_by_label(_("Place"), exact=True).fill("阿佐谷けやき公園")
    tab.get_by_label(_("Capacity")).fill(capacity)
    tab.get_by_role("button", name=_("Save")).click()
    assert tab.get_by_role("status").inner_text().strip() == _("The slot is added.")


def test_an_organiser_s_activity_a_resident_signs_up_and_attendance(app, person, phone,
                                                                    chromium, worker):
    owner = person("まちの代表")
    with session_scope(app) as session:
        owner_row = get_by_line_id(session, owner)
        found = orgs.register(session, owner_row, name="阿佐谷みどりの会", kind="npo",
                              verification_waived=True)
        organisation_id = found.id

    organiser = phone()
    sign_in(organiser, "まちの代表")
    organiser.get_by_role("link", name="阿佐谷みどりの会").click()
    organiser.get_by_role("link", name=_("Activities")).click()
    organiser.get_by_role("link", name=_("New activity")).click()
    # the title itself, not its versions in other languages ("タイトル（英語）")
    title = re.compile("^" + re.escape(_("Title")) + r"\s*\*?$")
    organiser.get_by_label(title).fill("けやき公園の落ち葉そうじ")
    organiser.get_by_label(_("Category")).select_option("environment")
    organiser.get_by_label(_("One-off")).check()
    organiser.get_by_role("button", name=_("Save")).click()
    organiser.get_by_role("heading", name="けやき公園の落ち葉そうじ").wait_for()
    tomorrow = (datetime.now(ZoneInfo(app.config["BOT_TIMEZONE"])) + timedelta(days=1))
    _add_slot(organiser, tomorrow.strftime("%Y-%m-%d"), "10:00", "12:00", "5")
    _add_slot(organiser, (tomorrow + timedelta(days=7)).strftime("%Y-%m-%d"), "10:00",
              "12:00", "5")
    with session_scope(app) as session:
        slots = list(session.scalars(select(Slot).join(Activity).where(
            Activity.organisation_id == organisation_id).order_by(Slot.starts_at)))
        assert len(slots) == 2
        first_id, code = slots[0].id, slots[0].code

    # a resident, in the simulated chat, sends what the poster's QR code types
    chat, resident = new_chat_user(chromium, app.config["LIVE_URL"], "さくら", "ja")
    answered(chat, worker, _("I agree"), "quick-reply").click()
    answered(chat, worker, _("Standard"), "quick-reply").click()
    answered(chat, worker, _("Skip"), "quick-reply").click()
    answered(chat, worker, _("What would you like to do?"))
    chat.get_by_test_id("text-input").fill(f"参加 {code}")
    chat.get_by_test_id("send-button").click()
    answered(chat, worker, _("Sign up"), "template-button flex-button quick-reply").click()
    answered(chat, worker, _("My schedule"), "quick-reply")  # under "You are signed up"

    organiser.goto(f"{app.config['LIVE_URL']}/console/slots/{first_id}/roster")
    assert "さくら" in organiser.get_by_test_id("participant").inner_text()
    # the morning comes: the slot has started (moved, rather than waiting for it)
    with session_scope(app) as session:
        slot = session.get(Slot, first_id)
        slot.starts_at = utcnow() - timedelta(minutes=10)
        slot.ends_at = slot.starts_at + timedelta(hours=2)
    organiser.reload()
    organiser.get_by_role("button", name=f"{_('Attended')}: さくら").click()
    assert "さくら" in organiser.get_by_role("status").inner_text()
    with session_scope(app) as session:
        points = volunteer_record(session, get_by_line_id(session, resident)).points
    assert points == 20  # two hours


# -- a staff announcement: live count, preview, schedule, cancel -----------------------------


def test_staff_count_preview_schedule_and_cancel_an_announcement_then_send_one(
        app, person, phone, chromium, worker):
    person("区の職員さん", staff=True)
    chats = {}  # two residents who agreed in the simulated chat, in English and Vietnamese
    for name, language in (("Ann", "en"), ("Bao", "vi")):
        chat, _user = new_chat_user(chromium, app.config["LIVE_URL"], name, language)
        answered(chat, worker, gettext(language, "I agree"), "quick-reply").click()
        answered(chat, worker, gettext(language, "Standard"), "quick-reply")
        chats[language] = chat

    staff = phone()
    sign_in(staff, "区の職員さん")
    staff.get_by_role("navigation").get_by_role("link", name=_("Announcements")).click()
    staff.get_by_role("link", name=_("New announcement")).click()
    staff.locator("#text_ja").fill("防災訓練は来週です")
    staff.locator("#text_en").fill("The disaster drill is next week")
    staff.get_by_role("radio", name=_("By language")).check()
    count = staff.locator("output#count")
    staff.locator("input[name=values_languages][value=vi]").check()  # the script counts
    count.filter(has_text=_("Recipients: {count}", count="1")).wait_for()
    staff.locator("input[name=values_languages][value=en]").check()
    count.filter(has_text=_("Recipients: {count}", count="2")).wait_for()
    staff.get_by_role("radio", name=_("Send later")).check()
    tomorrow = datetime.now(ZoneInfo("Asia/Tokyo")) + timedelta(days=1)
    staff.locator("#day").fill(tomorrow.date().isoformat())
    staff.locator("#clock").fill("12:00")
    staff.get_by_role("button", name=_("Preview")).click()

    staff.get_by_role("heading", name=_("Preview")).wait_for()
    assert "The disaster drill is next week" in staff.locator(".bubble[lang=en]").inner_text()
    assert "防災訓練は来週です" in staff.locator(".bubble[lang=vi]").inner_text()
    assert "Tiếng Việt" in staff.get_by_role("note").inner_text()
    staff.get_by_role("button", name=_("Schedule it")).click()
    assert staff.get_by_role("status").inner_text().strip() == _(
        "The announcement is on its way. Its results are below.")
    with session_scope(app) as session:  # not 1 on PostgreSQL, whose sequences run on
        number = str(session.scalars(select(Announcement.id)).one())
    staff.get_by_role("button", name=_("Cancel No. {number}", number=number)).click()
    assert staff.get_by_role("status").inner_text().strip() == _(
        "Announcement {number} is cancelled: {count} messages will not be sent.",
        number=number, count="2")

    # another, sent now: each of them reads it in their own language
    staff.get_by_role("link", name=_("Announcements")).first.click()
    staff.get_by_role("link", name=_("New announcement")).click()
    staff.locator("#text_ja").fill("明日は燃えるごみの日です")
    staff.locator("#text_en").fill("Tomorrow is burnable rubbish day")
    staff.locator("#text_vi").fill("Ngày mai là ngày rác cháy được")
    staff.get_by_role("radio", name=_("By language")).check()
    staff.locator("input[name=values_languages][value=en]").check()
    staff.locator("input[name=values_languages][value=vi]").check()
    count.filter(has_text=_("Recipients: {count}", count="2")).wait_for()
    staff.get_by_role("button", name=_("Preview")).click()
    staff.get_by_role("button", name=_("Send now")).click()
    assert staff.get_by_role("status").inner_text().strip() == _(
        "The announcement is on its way. Its results are below.")
    dispatch(app, (datetime.now(UTC) + timedelta(days=1)).replace(hour=3))  # noon in Tokyo
    assert answered(chats["en"], worker, "Tomorrow is burnable rubbish day")
    assert answered(chats["vi"], worker, "Ngày mai là ngày rác cháy được")
    for chat in chats.values():
        assert "明日は燃えるごみの日です" not in chat.locator("body").inner_text()
