"""People who left and places people shared: seats go to the waitlist after the grace
period, personal data goes after the retention, a shared location expires."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from bot import departures
from bot.db import session_scope
from models.activities import Slot
from models.recommend import VolunteerProfile
from models.signups import Signup, sign_up
from models.users import User, get_by_line_id
from tests.activity_factory import make_slot


def _sign_up(app, line_ids: list[str], slot_id: int) -> None:
    with session_scope(app) as session:
        for line_id in line_ids:
            sign_up(session, session.get(Slot, slot_id), get_by_line_id(session, line_id),
                    now=datetime.now(UTC))


def _status(app, line_id: str) -> str:
    with session_scope(app) as session:
        user = get_by_line_id(session, line_id)
        return session.scalar(select(Signup.status).where(Signup.user_id == user.id))


def test_a_seat_of_someone_who_left_goes_to_the_waitlist_after_the_grace_period(
        app, resident, make_user):
    waiting = make_user("待っている人", "ja")
    waiting.follow()
    slot_id = make_slot(app, capacity=1, starts_in=timedelta(days=10))
    _sign_up(app, [resident.user_id, waiting.user_id], slot_id)
    assert (_status(app, resident.user_id), _status(app, waiting.user_id)) == (
        "confirmed", "waitlisted")
    resident.unfollow()
    now = datetime.now(UTC)

    departures.sweep(app, now=now + timedelta(hours=47))
    assert _status(app, resident.user_id) == "confirmed"  # they may still come back
    departures.sweep(app, now=now + timedelta(hours=49))
    assert (_status(app, resident.user_id), _status(app, waiting.user_id)) == (
        "cancelled", "offered")


def test_coming_back_within_the_grace_period_keeps_the_seat(app, resident):
    slot_id = make_slot(app, capacity=1, starts_in=timedelta(days=10))
    _sign_up(app, [resident.user_id], slot_id)
    resident.unfollow()
    resident.follow()
    departures.sweep(app, now=datetime.now(UTC) + timedelta(days=200))
    assert _status(app, resident.user_id) == "confirmed"
    assert resident.user_row() is not None


def test_the_data_of_someone_who_left_is_purged_after_the_retention(app, resident):
    resident.unfollow()
    now = datetime.now(UTC)
    departures.sweep(app, now=now + timedelta(days=179))
    assert resident.user_row() is not None
    departures.sweep(app, now=now + timedelta(days=181))
    assert resident.user_row() is None
    with session_scope(app) as session:
        assert session.scalars(select(User)).all() == []


def test_the_retention_is_a_setting(app, resident, monkeypatch):
    monkeypatch.setitem(app.config, "DEPARTED_PURGE_AFTER_DAYS", 7)
    resident.unfollow()
    departures.sweep(app, now=datetime.now(UTC) + timedelta(days=8))
    assert resident.user_row() is None


def test_a_shared_location_is_forgotten_after_a_while(app, resident):
    make_slot(app)
    resident.shares_location(35.7046, 139.6358)
    with session_scope(app) as session:
        profile = session.get(VolunteerProfile, resident.user_row().id)
        assert profile.lat is not None
    now = datetime.now(UTC)
    departures.sweep(app, now=now + timedelta(days=29))
    with session_scope(app) as session:
        assert session.get(VolunteerProfile, resident.user_row().id).lat is not None
    departures.sweep(app, now=now + timedelta(days=31))
    with session_scope(app) as session:
        profile = session.get(VolunteerProfile, resident.user_row().id)
        assert (profile.lat, profile.lon) == (None, None)


def test_the_sweep_is_one_of_the_scheduler_jobs(app):
    assert "departures.sweep" in [job.name for job in app.extensions["machibot.jobs"]]
