"""Gatherings: answers and their reminders, the calendar file and its address."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from icalendar import Calendar
from sqlalchemy import select

from bot.db import session_scope
from models import gatherings as gat
from models import initiatives as ini
from models.outbox import Notification
from models.users import User

STARTS = datetime(2031, 1, 15, 5, 0, tzinfo=UTC)  # 14:00 in Tokyo


@pytest.fixture
def gathering_id(app):
    with session_scope(app) as session:
        user = User(line_user_id="U" + "1" * 32, locale="ja", mode="standard",
                    notification_prefs={})
        session.add(user)
        session.flush()
        initiative = ini.present(session, user, title="防災, 訓練; 準備", summary="s",
                                 help_wanted=[])
        gathering = gat.schedule(session, kind=gat.PREPARATION, starts_at=STARTS,
                                 place="区民センター 第1集会室\n2階", initiative_id=initiative.id)
        return gathering.id


def test_a_gathering_needs_a_future_time_and_a_place(app, gathering_id):
    with session_scope(app) as session, pytest.raises(gat.GatheringError) as caught:
        gat.schedule(session, kind=gat.PREPARATION, starts_at=datetime(2020, 1, 1, tzinfo=UTC),
                     place="x", initiative_id=1)
    assert caught.value.code == "past"
    with session_scope(app) as session, pytest.raises(gat.GatheringError) as caught:
        gat.schedule(session, kind=gat.PREPARATION, starts_at=STARTS, initiative_id=1)
    assert caught.value.code == "no_place"


def test_changing_an_answer_moves_the_reminders(app, gathering_id):
    with session_scope(app) as session:
        gathering = session.get(gat.Gathering, gathering_id)
        user_id = gathering.created_by_id or session.scalars(select(User.id)).one()
        gat.answer(session, gathering, user_id, gat.ATTEND, config=app.config)
        gat.answer(session, gathering, user_id, gat.ATTEND, config=app.config)  # idempotent
        rows = session.scalars(select(Notification)).all()
        assert sorted(r.due_at.replace(tzinfo=UTC) for r in rows) == [
            datetime(2031, 1, 14, 9, 0, tzinfo=UTC), datetime(2031, 1, 15, 3, 0, tzinfo=UTC)]
        gat.answer(session, gathering, user_id, gat.DECLINE, config=app.config)
        assert gat.counts(session, gathering) == {"yes": 0, "no": 1, "": 0}
    with session_scope(app) as session:
        assert {r.status for r in session.scalars(select(Notification))} == {"cancelled"}


def test_an_answer_late_in_the_evening_still_gets_a_reminder(app, gathering_id):
    with session_scope(app) as session:
        gathering = session.get(gat.Gathering, gathering_id)
        user_id = gathering.created_by_id or session.scalars(select(User.id)).one()
        gathering.starts_at = datetime(2031, 1, 14, 22, 30, tzinfo=UTC)  # 07:30 in Tokyo
        answered = datetime(2031, 1, 14, 11, 0, tzinfo=UTC)  # 20:00 the evening before
        gat.answer(session, gathering, user_id, gat.ATTEND, config=app.config, now=answered)
        rows = session.scalars(select(Notification)).all()
        assert [r.due_at.replace(tzinfo=UTC) for r in rows] == [
            datetime(2031, 1, 14, 11, 59, tzinfo=UTC)]


def test_the_calendar_file(app, client, gathering_id):
    with session_scope(app) as session:
        token = session.get(gat.Gathering, gathering_id).ics_token
    assert len(token) >= 40
    response = client.get(f"/ics/{token}.ics")
    assert response.status_code == 200 and response.mimetype == "text/calendar"
    body = response.get_data(as_text=True)
    assert "DTSTART:20310115T050000Z" in body and "DTEND:20310115T070000Z" in body
    assert "防災\\, 訓練\\; 準備" in body  # the title as written, escaped for iCalendar
    assert "LOCATION:区民センター 第1集会室\\n2階" in body
    assert all(len(line.encode()) <= 75 for line in body.split("\r\n"))
    assert client.get("/ics/not-a-token.ics").status_code == 404
    calendar = Calendar.from_ical(response.data)
    assert calendar["METHOD"] == "PUBLISH" and calendar["VERSION"] == "2.0"
    [event] = calendar.walk("VEVENT")
    assert event["UID"] == f"gathering-{gathering_id}@machibot"
    assert event["SEQUENCE"] == 0 and event["STATUS"] == "CONFIRMED"
    assert event.decoded("DTSTART") == STARTS
    assert str(event["LOCATION"]) == "区民センター 第1集会室\n2階"


def test_the_calendar_sequence_rises_when_the_gathering_changes(app, gathering_id):
    with session_scope(app) as session:
        gathering = session.get(gat.Gathering, gathering_id)
        assert gathering.sequence == 0
        gat.move(session, gathering, starts_at=STARTS, config=app.config)  # no change
        assert gathering.sequence == 0
        gat.move(session, gathering, place="区民センター 第2集会室", config=app.config)
        assert gathering.sequence == 1
        gat.move(session, gathering, starts_at=STARTS.replace(day=16), config=app.config)
        assert gathering.sequence == 2
        gat.cancel_gathering(session, gathering)
        assert gathering.sequence == 3
