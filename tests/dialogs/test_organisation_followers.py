"""Following an organisation: its new activities and initiatives reach its followers through
their notification settings (at once, in the daily digest, or not at all), each person once,
whatever else they follow (issue 14)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select

from bot.db import session_scope
from models import organisations as orgs
from models.outbox import Notification
from models.subscriptions import items_for_digest, notify_new_item, set_pref, toggle_topic
from models.users import get_by_line_id
from tests.collab_helpers import deliver, ja, join
from tests.dialogs.test_organisation_dialogs import make_organisation


def follows(app: Any, person: Any, organisation_id: int) -> None:
    with session_scope(app) as session:
        orgs.follow(session, get_by_line_id(session, person.user_id),
                    session.get(orgs.Organisation, organisation_id))


def rows(app: Any) -> list[tuple[int, str, str]]:
    with session_scope(app) as session:
        return [(n.user_id, n.kind, n.ref) for n in session.scalars(
            select(Notification).order_by(Notification.id))]


def test_a_followed_organisation_s_new_activity_reaches_each_follower_once(app, make_user):
    owner = join(make_user, "田中")
    organisation_id = make_organisation(app, owner)
    fan, both, stranger = (join(make_user, n) for n in ("鈴木", "佐藤", "高橋"))
    follows(app, fan, organisation_id)
    follows(app, both, organisation_id)
    with session_scope(app) as session:
        toggle_topic(session, get_by_line_id(session, both.user_id), "area", "高円寺")
        assert notify_new_item(session, "activity", "5", "community", "高円寺",
                               organisation_id=organisation_id) == 2
    told = rows(app)
    assert sorted(kind for _, kind, _ in told) == ["new_item", "new_item"]
    with session_scope(app) as session:
        ids = {get_by_line_id(session, p.user_id).id for p in (fan, both)}
    assert {user_id for user_id, _, _ in told} == ids


def test_settings_decide_how_followers_hear_of_it(app, make_user):
    owner = join(make_user, "田中")
    organisation_id = make_organisation(app, owner)
    quiet, daily, off = (join(make_user, n) for n in ("鈴木", "佐藤", "高橋"))
    for person in (quiet, daily, off):
        follows(app, person, organisation_id)
    with session_scope(app) as session:
        set_pref(get_by_line_id(session, quiet.user_id), "frequency", "off")
        set_pref(get_by_line_id(session, daily.user_id), "frequency", "digest")
        set_pref(get_by_line_id(session, off.user_id), "off", ["new_items"])
    now = datetime(2030, 5, 1, 1, 0, tzinfo=UTC)
    with session_scope(app) as session:
        assert notify_new_item(session, "activity", "5", None, None,
                               organisation_id=organisation_id, now=now) == 1
        daily_user = get_by_line_id(session, daily.user_id)
        digest = items_for_digest(session, daily_user, now + timedelta(hours=8))
        assert [(i.kind, i.ref) for i in digest] == [("activity", "5")]
    assert [kind for _, kind, _ in rows(app)] == ["digest"]


def test_an_initiative_presented_for_an_organisation_reaches_its_followers(app, resident,
                                                                          make_user):
    organisation_id = make_organisation(app, resident)
    fan = join(make_user, "鈴木")
    follows(app, fan, organisation_id)
    resident.opens(ja("Initiatives"))
    resident.taps(ja("Present one"))
    resident.taps("高円寺まちづくりの会")
    resident.says("高円寺の花いっぱい計画")
    resident.says("駅前に花を植えます。")
    resident.taps(ja("People"))
    resident.taps(ja("Done"))
    resident.taps(ja("Environment"))
    resident.taps("高円寺")
    resident.taps(ja("Skip"))
    resident.taps(ja("Publish"))
    deliver(app)
    fan.new_messages()
    assert "高円寺の花いっぱい計画" in fan.last_text()
    assert "高円寺まちづくりの会" in fan.last_text()
