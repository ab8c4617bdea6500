"""The initiative domain: bounds, browsing filters, interest, contacts, erasure."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.db import session_scope
from models import initiatives as ini
from models.base import TooLong
from models.gatherings import Gathering, Rsvp
from models.gatherings import answer as rsvp
from models.gatherings import schedule as schedule_gathering
from models.outbox import Notification
from models.users import User


def person(session, n: int) -> User:
    user = User(line_user_id=f"U{n:032x}", locale="ja", mode="standard",
                notification_prefs={})
    session.add(user)
    session.flush()
    return user


def test_text_is_kept_as_written_within_its_bound(app):
    with session_scope(app) as session:
        presenter = person(session, 1)
        initiative = ini.present(session, presenter, title="  <b>防災</b> & 訓練  ",
                                 summary="一緒に", help_wanted=["people", "bogus"])
        assert initiative.title == "<b>防災</b> & 訓練"
        assert initiative.helps == ["people"]
        with pytest.raises(TooLong) as caught:
            ini.present(session, presenter, title="x" * 81, summary="s", help_wanted=[])
        assert (caught.value.limit, caught.value.length) == (80, 81)


def test_browse_filters_and_pages(app):
    with session_scope(app) as session:
        presenter = person(session, 1)
        for n in range(25):
            ini.present(session, presenter, title=f"t{n}", summary="s",
                        help_wanted=["venue"] if n % 5 == 0 else ["people"],
                        area="阿佐谷" if n % 2 else "高円寺", category="welfare")
        page, more = ini.browse(session, help_kind="venue", limit=3)
        assert [i.title for i in page] == ["t20", "t15", "t10"] and more
        page, more = ini.browse(session, help_kind="venue", offset=3, limit=3)
        assert [i.title for i in page] == ["t5", "t0"] and not more
        assert len(ini.browse(session, area="阿佐谷", limit=100)[0]) == 12
        done = ini.browse(session, limit=1)[0][0]
        ini.close(session, done)
        assert done not in ini.browse(session, limit=100)[0]
        assert done in ini.browse(session, mine_for=presenter.id, limit=100)[0]


def test_interest_in_a_closed_initiative_is_refused(app):
    with session_scope(app) as session:
        presenter, other = person(session, 1), person(session, 2)
        initiative = ini.present(session, presenter, title="t", summary="s", help_wanted=[])
        ini.close(session, initiative)
        with pytest.raises(ini.NotOpen):
            ini.express_interest(session, initiative, other, offers=["people"])


def test_contacts_are_passed_on_only_when_both_agree(app):
    with session_scope(app) as session:
        presenter, other = person(session, 1), person(session, 2)
        initiative = ini.present(session, presenter, title="t", summary="s", help_wanted=[])
        interest = ini.express_interest(session, initiative, other, offers=["people"])
        assert not ini.agree_to_share(session, interest, presenter=False, contact="a@b.jp")
        kinds = set(session.scalars(select(Notification.kind)))
        assert "initiative.contacts" not in kinds
        assert ini.agree_to_share(session, interest, presenter=True, contact="03-1234")
        told = session.scalars(select(Notification.user_id).where(
            Notification.kind == "initiative.contacts")).all()
        assert sorted(told) == sorted([presenter.id, other.id])


def test_erasing_a_presenter_removes_their_initiatives_and_what_hung_on_them(app):
    with session_scope(app) as session:
        presenter, other = person(session, 1), person(session, 2)
        initiative = ini.present(session, presenter, title="t", summary="s", help_wanted=[])
        kept = ini.present(session, other, title="other's", summary="s", help_wanted=[])
        interest = ini.express_interest(session, initiative, other, offers=["people"])
        ini.relay(session, interest, from_presenter=True, body="hi")
        ini.express_interest(session, kept, presenter, offers=["funds"])
        from datetime import UTC, datetime

        gathering = schedule_gathering(session, kind="preparation",
                                       starts_at=datetime(2031, 1, 1, 5, tzinfo=UTC),
                                       place="x", initiative_id=initiative.id)
        rsvp(session, gathering, other.id, "yes", config=app.config)
        ini.erase(session, presenter)
        assert session.scalars(select(ini.Initiative.title)).all() == ["other's"]
        assert session.scalars(select(ini.Interest)).all() == []
        assert session.scalars(select(Gathering)).all() == []
        assert session.scalars(select(Rsvp)).all() == []
        pending = session.scalars(select(Notification).where(
            Notification.state == "pending", Notification.user_id == other.id)).all()
        assert pending == []
