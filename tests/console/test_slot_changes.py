"""A slot's time or place changed in the console: everyone on it (signed up or waiting) is
told what changed, old and new, in their language, one message each per change; nobody is
told of an edit that changes neither, of a slot that has begun, or of one called off since."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from bot.db import session_scope
from bot.kernel.i18n import format_clock, format_when, gettext
from models.base import utcnow
from models.outbox import Notification
from tests.collab_helpers import deliver
from tests.console.activity_fixtures import make_activity, make_slot, signs_up
from tests.console.test_slot_pages import SLOT

STARTS = datetime(2030, 6, 1, 1, 0, tzinfo=UTC)  # 10:00 in Tokyo, as SLOT's form says
TZ = "Asia/Tokyo"


def _span(locale: str, starts: datetime, hours: int = 2) -> str:
    return (f"{format_when(starts, locale, TZ)}–"
            f"{format_clock(starts + timedelta(hours=hours), locale, TZ)}")


def _on_a_slot(app, person, organisation, starts=STARTS):
    """A slot of one seat with Hanako (ja) on it and John (en) waiting."""
    owner = person("代表")
    activity = make_activity(app, owner, organisation(owner))
    slot = make_slot(app, owner, activity, starts, capacity=1)
    hanako, john = person("花子", locale="ja"), person("John", locale="en")
    signed_at = min(utcnow(), starts - timedelta(days=1))
    assert signs_up(app, hanako, slot, signed_at) == "confirmed"
    assert signs_up(app, john, slot, signed_at) == "waitlisted"
    return owner, slot, hanako, john


def _texts(sim, line_user_id: str) -> list[str]:
    return [m["message"]["text"] for m in sim.messages(line_user_id)
            if m["message"]["type"] == "text"]


def _change_batches(app) -> int:
    with session_scope(app) as session:
        return len(set(session.scalars(select(Notification.batch_key).where(
            Notification.kind == "slot.changed"))))


def _change_rows(app) -> int:
    with session_scope(app) as session:
        return len(session.scalars(select(Notification.id).where(
            Notification.kind == "slot.changed")).all())


def test_a_new_time_and_place_reach_everyone_on_the_slot_in_their_language(
        app, sim, person, browser, organisation):
    owner, slot, hanako, john = _on_a_slot(app, person, organisation)
    edit = f"/console/slots/{slot}/edit"
    form = {**SLOT, "starts": "13:00", "ends": "15:00", "place": "高円寺公園", "address": "",
            "capacity": "1"}
    assert browser(owner).post(edit, form, page=edit).status_code == 302
    assert _change_batches(app) == 1  # one multicast for everyone on the slot
    deliver(app)
    [ja] = _texts(sim, hanako)
    [en] = _texts(sim, john)
    later = STARTS + timedelta(hours=3)
    assert gettext("ja", "Time: {old} → {new}", old=_span("ja", STARTS),
                   new=_span("ja", later)) in ja
    assert gettext("ja", "Place: {old} → {new}", old="阿佐谷公園", new="高円寺公園") in ja
    assert "公園のそうじ" in ja
    assert "“Park clean-up” has changed. Please check the new details." in en
    assert f"Time: {_span('en', STARTS)} → {_span('en', later)}" in en
    assert "Place: 阿佐谷公園 → 高円寺公園" in en
    deliver(app, datetime.now(UTC) + timedelta(days=2))
    assert len(_texts(sim, hanako)) == 1 and len(_texts(sim, john)) == 1


def test_each_change_is_told_once_and_a_move_back_is_told_too(app, sim, person, browser,
                                                              organisation):
    owner, slot, hanako, _john = _on_a_slot(app, person, organisation)
    edit, me = f"/console/slots/{slot}/edit", browser(owner)
    for place in ("高円寺公園", "高円寺公園", "阿佐谷公園"):  # the second changes nothing
        me.post(edit, {**SLOT, "place": place, "capacity": "1"}, page=edit)
    assert _change_rows(app) == 4  # two changes, two people
    deliver(app)
    assert [t.count("→") for t in _texts(sim, hanako)] == [1, 1]


def test_an_edit_of_neither_time_nor_place_tells_no_one(app, sim, person, browser,
                                                        organisation):
    owner, slot, _hanako, _john = _on_a_slot(app, person, organisation)
    edit = f"/console/slots/{slot}/edit"
    browser(owner).post(edit, {**SLOT, "place": "阿佐谷公園", "address": "", "capacity": "3",
                               "checkin_word": "MOMIJI"}, page=edit)
    assert _change_rows(app) == 0


def test_nobody_is_told_of_a_slot_that_has_begun(app, sim, person, browser, organisation):
    begun = (utcnow() - timedelta(hours=1)).replace(second=0, microsecond=0)
    owner, slot, hanako, _john = _on_a_slot(app, person, organisation, starts=begun)
    edit = f"/console/slots/{slot}/edit"
    local = begun.astimezone(ZoneInfo(TZ))
    answer = browser(owner).post(edit, {**SLOT, "day": local.date().isoformat(),
                                        "starts": local.strftime("%H:%M"), "ends": "23:59",
                                        "deadline_day": "", "deadline_time": "",
                                        "place": "高円寺公園", "capacity": "1"}, page=edit)
    assert answer.status_code == 302  # saved
    assert _change_rows(app) == 0


def test_a_slot_called_off_after_a_change_sends_only_the_cancellation(app, sim, person,
                                                                     browser, organisation):
    owner, slot, hanako, _john = _on_a_slot(app, person, organisation)
    edit, me = f"/console/slots/{slot}/edit", browser(owner)
    me.post(edit, {**SLOT, "place": "高円寺公園", "capacity": "1"}, page=edit)
    me.post(f"/console/slots/{slot}/cancel", page=edit)
    deliver(app)
    [told] = _texts(sim, hanako)
    assert "中止" in told
