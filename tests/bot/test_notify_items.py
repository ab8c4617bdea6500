"""New idea calls reach the people who follow their topic or area: at once, or in a daily
digest at the hour each person chose, in their own language."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from test_notify import add_users, inbox

from bot.db import session_scope
from bot.kernel.i18n import gettext
from bot.notify.dispatch import dispatch
from models.activities import Slot
from models.ideas import publish_call
from models.organisations import Follow
from models.subscriptions import AREA, CATEGORY, SubscriptionTopic, notify_new_item
from models.users import User
from tests.activity_factory import make_slot, organisation_id

TOKYO = ZoneInfo("Asia/Tokyo")
TEN = datetime(2030, 5, 1, 10, 0, tzinfo=TOKYO)


def follow(app, users, dimension, value, **prefs):
    with session_scope(app) as session:
        for user_id, _ in users:
            session.add(SubscriptionTopic(user_id=user_id, dimension=dimension, value=value))
            session.get(User, user_id).notification_prefs = prefs


def publish(app, theme, *, category="", area="", now=TEN):
    with session_scope(app) as session:
        publish_call(session, theme=theme, issue="区の課題です。", category=category, area=area,
                     deadline=now + timedelta(days=20), config=app.config, now=now)


def read(message) -> str:
    """Everything a person sees in a message, text or card."""
    return json.dumps(message, ensure_ascii=False)


def test_a_new_idea_call_is_pushed_at_once_to_followers_in_their_language(app, sim):
    ja, en = add_users(app, sim, 1, locale="ja"), add_users(app, sim, 1, locale="en")
    elsewhere = add_users(app, sim, 1, locale="en")
    follow(app, ja + en, CATEGORY, "environment")
    follow(app, elsewhere, CATEGORY, "welfare")
    publish(app, "公園の花壇", category="environment")
    assert dispatch(app, TEN + timedelta(minutes=1)).sent == 2
    [for_ja] = inbox(sim, ja[0][1])
    [for_en] = inbox(sim, en[0][1])
    assert gettext("ja", "Idea call: {theme}", theme="公園の花壇") in read(for_ja)
    assert gettext("ja", "New") in read(for_ja)
    assert "Idea call: 公園の花壇" in read(for_en) and '"New"' in read(for_en)
    assert "Submit an idea" in read(for_en)
    assert inbox(sim, elsewhere[0][1]) == []


def test_followers_of_an_area_hear_of_a_call_in_it(app, sim):
    near, far = add_users(app, sim, 1), add_users(app, sim, 1)
    follow(app, near, AREA, "荻窪")
    follow(app, far, AREA, "高円寺")
    publish(app, "駅前の自転車", area="荻窪")
    assert dispatch(app, TEN + timedelta(minutes=1)).sent == 1
    assert "駅前の自転車" in read(inbox(sim, near[0][1])[0])
    assert inbox(sim, far[0][1]) == []


def test_the_daily_digest_lists_the_day_at_the_chosen_hour(app, sim):
    digest = add_users(app, sim, 1, locale="en")
    follow(app, digest, CATEGORY, "environment", frequency="digest", digest_hour=18)
    publish(app, "公園の花壇", category="environment")
    publish(app, "川の清掃", category="environment", now=TEN + timedelta(hours=1))
    publish(app, "見守り", category="welfare", now=TEN + timedelta(hours=2))
    assert dispatch(app, TEN + timedelta(hours=3)).sent == 0  # not at once
    assert dispatch(app, datetime(2030, 5, 1, 17, 59, tzinfo=TOKYO)).sent == 0
    assert dispatch(app, datetime(2030, 5, 1, 18, 0, tzinfo=TOKYO)).sent == 1
    lead, carousel = inbox(sim, digest[0][1])
    assert lead["text"].startswith("New in the topics you follow: 2")
    assert "公園の花壇" in read(carousel) and "川の清掃" in read(carousel)
    assert "見守り" not in read(carousel)
    assert dispatch(app, datetime(2030, 5, 2, 18, 0, tzinfo=TOKYO)).sent == 0  # once a day


def test_a_digest_says_its_items_come_from_the_organisations_followed(app, sim):
    """Items that reached the person only through a followed organisation are not called
    'in the topics you follow'; a digest with both kinds names both."""
    digest = add_users(app, sim, 1, locale="en")
    follow(app, digest, CATEGORY, "environment", frequency="digest", digest_hour=18)
    slot = make_slot(app, title="高齢者の見守り", category="welfare", area=None)
    with session_scope(app) as session:
        organisation = organisation_id(app)
        session.add(Follow(user_id=digest[0][0], organisation_id=organisation))
        activity = session.get(Slot, slot).activity_id
        notify_new_item(session, "activity", str(activity), "welfare", None,
                        organisation_id=organisation, now=TEN)
    assert dispatch(app, datetime(2030, 5, 1, 18, 0, tzinfo=TOKYO)).sent == 1
    lead, carousel = inbox(sim, digest[0][1])
    assert lead["text"] == "New from organisations you follow: 1"
    assert "高齢者の見守り" in read(carousel)
    next_day = TEN + timedelta(days=1)
    publish(app, "公園の花壇", category="environment", now=next_day)
    with session_scope(app) as session:
        notify_new_item(session, "activity", str(activity), "welfare", None,
                        organisation_id=organisation, now=next_day)
    assert dispatch(app, datetime(2030, 5, 2, 18, 0, tzinfo=TOKYO)).sent == 1
    lead, _ = inbox(sim, digest[0][1])[2:]
    assert lead["text"] == "New in the topics and organisations you follow: 2"


def test_a_digest_reads_its_items_versions_in_one_statement_however_many(app, sim):
    """Each activity of the digest in the reader's version (its place, its organisation's
    name too), read for all the items at once, not one item at a time."""
    from tests.sql_count import statements_of

    digest = add_users(app, sim, 1, locale="en")
    follow(app, digest, CATEGORY, "environment", frequency="digest", digest_hour=18)
    for n in range(6):
        slot = make_slot(app, title=f"公園{n}", code=f"5{n}",
                         versions={("title", "en"): f"Park {n}"})
        with session_scope(app) as session:
            activity = session.get(Slot, slot).activity
            notify_new_item(session, "activity", str(activity.id), "environment", None,
                            now=TEN)
    statements = statements_of(app, lambda: dispatch(
        app, datetime(2030, 5, 1, 18, 0, tzinfo=TOKYO)))
    assert len([s for s in statements if "FROM content_texts" in s]) == 1
    lead, carousel = inbox(sim, digest[0][1])
    assert all(f"Park {n}" in read(carousel) for n in range(6))
