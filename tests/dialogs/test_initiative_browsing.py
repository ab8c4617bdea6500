"""Browsing 1,000 initiatives: every one is seen once, newest first, and every page stays
within LINE's limits in every locale and in simple mode (the simulator refuses what LINE
would, so a page it refused would never reach the person)."""

from __future__ import annotations

import pytest
from sqlalchemy import insert, select

from bot.db import session_scope
from bot.kernel.i18n import SUPPORTED_LOCALES, gettext
from models.initiatives import Initiative
from models.users import get_by_line_id
from simulator import events as ev
from tests.collab_helpers import ja, join
from tests.conftest import actions_of

COUNT = 1000
# the longest title and summary people may write, with characters LINE counts twice
TITLE = ("🌸みんなで作る地域の居場所プロジェクト" * 5)[:78] + "🌸"
SUMMARY = ("子ども食堂と高齢者の見守りを一緒に行う取り組みです。🍙" * 40)[:1000]


@pytest.fixture
def many(app, resident):
    with session_scope(app) as session:
        presenter = get_by_line_id(session, resident.user_id)
        session.execute(insert(Initiative), [
            {"presenter_id": presenter.id, "title": f"{n:04d}{TITLE}"[:80],
             "summary": SUMMARY, "help_wanted": ",people,knowhow,venue,funds,other,",
             "area": "方南・和泉", "category": "welfare", "status": "open"}
            for n in range(COUNT)])
        return list(session.scalars(select(Initiative.id).order_by(Initiative.id.desc())))


def shown_ids(app, person) -> list[int]:
    codec = app.extensions["machibot.codec"]
    found = []
    for message in person.last:
        if message["type"] == "flex" and message["contents"]["type"] == "carousel":
            for action in actions_of(message):
                decoded = codec.decode(action.get("data", "")) if "data" in action else None
                if decoded and decoded.action == "ini" and "i" in decoded.args:
                    found.append(int(decoded.args["i"]))
    return found


def test_paging_through_a_thousand_shows_each_once_newest_first(app, many, make_user):
    person = join(make_user, "閲覧者")
    person.opens(ja("Initiatives"))
    person.taps(ja("Newest"))
    seen = shown_ids(app, person)
    while ja("More") in person.choices():
        person.taps(ja("More"))
        page = shown_ids(app, person)
        assert page, "a page the simulator refused, or an empty one"
        seen += page
    assert seen == many


@pytest.mark.parametrize("locale", sorted(SUPPORTED_LOCALES))
@pytest.mark.parametrize("mode", ["standard", "simple"])
def test_first_and_last_pages_fit_line_in_every_locale(app, many, make_user, locale, mode):
    person = join(make_user, "閲覧者")
    with session_scope(app) as session:
        user = get_by_line_id(session, person.user_id)
        user.locale, user.mode = locale, mode
    codec = app.extensions["machibot.codec"]
    page = 5 if mode == "simple" else 10
    for offset in (0, COUNT - page):
        data = codec.encode("ini_list", f="help", v="venue", o=offset)
        person.send(ev.postback(person.user_id, data, reply_token=person.token()))
        assert shown_ids(app, person) == many[offset:offset + page]
        more = gettext(locale, "More")
        assert (more in person.choices()) == (offset == 0)
        if mode == "simple":
            chips = [i["action"]["label"] for i in person.last[-1]["quickReply"]["items"]]
            assert len(chips) <= 4 and gettext(locale, "Back to menu") in chips
    person.taps(gettext(locale, "Details"))
    assert TITLE[5:20] in person.last_text()
