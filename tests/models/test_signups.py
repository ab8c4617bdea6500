"""Sign-ups in the database: capacity under concurrency, the waitlist, points, erasure."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from bot.db import session_factory, session_scope
from bot.notify.dispatch import dispatch
from models.activities import Slot
from models.attendance import (
    Feedback,
    PointEntry,
    check_in,
    mark_attendance,
    record_feedback,
    volunteer_record,
)
from models.erasure import delete_personal_data
from models.outbox import Notification
from models.signups import (
    Signup,
    cancel_signup,
    expire_offers,
    pass_on_offers_of,
    sign_up,
)
from models.users import User
from tests.activity_factory import make_slot


def _users(app, n: int) -> list[int]:
    with session_scope(app) as session:
        users = [User(line_user_id=f"U{i:032x}", locale="ja", mode="standard",
                      notification_prefs={}) for i in range(n)]
        session.add_all(users)
        session.flush()
        return [u.id for u in users]


def _statuses(app, slot_id: int) -> list[str]:
    with session_scope(app) as session:
        return sorted(session.scalars(select(Signup.status).where(Signup.slot_id == slot_id)))


def test_simultaneous_sign_ups_never_exceed_the_capacity(app):
    slot_id = make_slot(app, capacity=3)
    _sign_up_together(app, slot_id, _users(app, 12))
    assert _statuses(app, slot_id) == ["confirmed"] * 3 + ["waitlisted"] * 9
    with session_scope(app) as session:
        assert session.get(Slot, slot_id).seats_taken == 3


def test_a_slot_without_a_limit_confirms_everyone(app):
    slot_id = make_slot(app, capacity=None)
    with session_scope(app) as session:
        slot = session.get(Slot, slot_id)
        for user_id in _users(app, 30):
            sign_up(session, slot, session.get(User, user_id), now=datetime.now(UTC))
    assert _statuses(app, slot_id) == ["confirmed"] * 30


def test_cancelling_offers_the_seat_in_waitlist_order_and_expiry_passes_it_on(app, monkeypatch):
    monkeypatch.setitem(app.config, "QUIET_HOURS", "")  # whatever the hour the test runs at
    slot_id = make_slot(app, capacity=1)
    first, second, third = _users(app, 3)
    now = datetime.now(UTC)
    with session_scope(app) as session:
        slot = session.get(Slot, slot_id)
        for user_id in (first, second, third):
            sign_up(session, slot, session.get(User, user_id), now=now)
    with session_scope(app) as session:
        mine = session.scalar(select(Signup).where(Signup.user_id == first))
        offered = cancel_signup(session, mine, now=now, offer_minutes=30)
        assert offered is not None and offered.user_id == second
        kinds = set(session.scalars(select(Notification.kind).where(
            Notification.user_id == second)))
        assert {"waitlist.offer", "waitlist.offer_expiry"} <= kinds
    with session_scope(app) as session:
        assert expire_offers(session, now=now + timedelta(minutes=31)) == 1
    with session_scope(app) as session:
        by_user = dict(session.execute(select(Signup.user_id, Signup.status)).all())
        assert by_user == {first: "cancelled", second: "cancelled", third: "offered"}
        assert session.get(Slot, slot_id).seats_taken == 1


def test_an_expired_offer_passes_on_when_someone_else_signs_up(app, monkeypatch):
    monkeypatch.setitem(app.config, "QUIET_HOURS", "")  # whatever the hour the test runs at
    slot_id = make_slot(app, capacity=1)
    first, second, third = _users(app, 3)
    now = datetime.now(UTC)
    with session_scope(app) as session:
        for user_id in (first, second):
            sign_up(session, session.get(Slot, slot_id), session.get(User, user_id), now=now)
        mine = session.scalar(select(Signup).where(Signup.user_id == first))
        assert cancel_signup(session, mine, now=now, offer_minutes=30).user_id == second
    later = now + timedelta(minutes=31)  # the offer to the second person ran out unseen
    with session_scope(app) as session:
        result = sign_up(session, session.get(Slot, slot_id), session.get(User, third),
                         now=later)
        assert result.outcome == "confirmed"
    with session_scope(app) as session:
        by_user = dict(session.execute(select(Signup.user_id, Signup.status)).all())
        assert by_user == {first: "cancelled", second: "cancelled", third: "confirmed"}
        assert session.get(Slot, slot_id).seats_taken == 1


def test_signing_up_again_after_cancelling_brings_the_reminders_back(app):
    slot_id = make_slot(app, capacity=1, starts_in=timedelta(days=5))
    [user_id] = _users(app, 1)
    now = datetime.now(UTC)
    seen = []
    for _round in range(2):
        with session_scope(app) as session:
            result = sign_up(session, session.get(Slot, slot_id), session.get(User, user_id),
                             now=now)
            assert result.outcome == "confirmed"
        with session_scope(app) as session:
            seen.append(sorted(session.scalars(select(Notification.dedupe_key).where(
                Notification.state == "pending"))))
            cancel_signup(session, session.scalar(select(Signup)), now=now)
    first, again = seen
    assert {key.split(":")[0] for key in first} == {"activity.feedback", "activity.reminder"}
    assert again == first
    with session_scope(app) as session:
        assert session.get(Slot, slot_id).seats_taken == 0


def test_cancelling_without_a_waitlist_frees_the_seat_and_cancels_reminders(app):
    slot_id = make_slot(app, capacity=1, starts_in=timedelta(days=5))
    [user_id] = _users(app, 1)
    now = datetime.now(UTC)
    with session_scope(app) as session:
        result = sign_up(session, session.get(Slot, slot_id), session.get(User, user_id),
                         now=now)
        assert result.outcome == "confirmed"
    with session_scope(app) as session:
        pending = set(session.scalars(select(Notification.kind).where(
            Notification.state == "pending")))
        assert {"activity.reminder", "activity.feedback"} <= pending
        cancel_signup(session, session.scalar(select(Signup)), now=now)
    with session_scope(app) as session:
        assert session.get(Slot, slot_id).seats_taken == 0
        assert session.scalar(select(func.count()).select_from(Notification).where(
            Notification.state == "pending")) == 0


def test_check_in_and_feedback_record_hours_and_points_once(app):
    slot_id = make_slot(app, starts_in=timedelta(minutes=20), hours=2, checkin_word="SAKURA")
    [user_id] = _users(app, 1)
    now = datetime.now(UTC)
    with session_scope(app) as session:
        user = session.get(User, user_id)
        sign_up(session, session.get(Slot, slot_id), user, now=now)
        assert check_in(session, user, "wrong", now=now) is None
        signup = check_in(session, user, "sakura", now=now)
        assert signup is not None and signup.status == "attended"
        record_feedback(session, signup, 5, "楽しかった", now=now + timedelta(hours=3))
        record_feedback(session, signup, 4, None, now=now + timedelta(hours=3))
        record = volunteer_record(session, user)
    assert record.hours == 2 and record.points == 22 and record.activities == 1
    assert record.badges == ("first",)


def test_a_slot_over_several_days_counts_one_days_hours(app):
    festival = make_slot(app, code="201", starts_in=timedelta(days=-5), hours=4 * 24 + 8)
    gallery = make_slot(app, code="202", starts_in=timedelta(days=-7), hours=7 * 24,
                        all_day=True)
    [user_id] = _users(app, 1)
    now = datetime.now(UTC)
    with session_scope(app) as session:
        for slot_id in (festival, gallery):
            signup = Signup(slot_id=slot_id, user_id=user_id, status="confirmed")
            session.add(signup)
            session.flush()
            assert mark_attendance(session, signup, "attended", now=now) == "marked"
            record_feedback(session, signup, 5, None, now=now)
        record = volunteer_record(session, session.get(User, user_id))
    # a day of the festival, 10:00 to 18:00 say, is 8 hours (80 points); an all-day slot's
    # hours are not known: the fewest points (5); and 2 for each word of feedback
    assert record.hours == 8 and record.points == 80 + 5 + 2 * 2


def test_delete_my_data_removes_sign_ups_feedback_and_points_and_frees_seats(app):
    slot_id = make_slot(app, capacity=2)
    past_id = make_slot(app, code="124", starts_in=timedelta(days=-2))
    [user_id] = _users(app, 1)
    now = datetime.now(UTC)
    with session_scope(app) as session:
        user = session.get(User, user_id)
        sign_up(session, session.get(Slot, slot_id), user, now=now)
        past = Signup(slot_id=past_id, user_id=user_id, status="attended")
        session.add(past)
        session.flush()
        record_feedback(session, past, 5, "ok", now=now)
    with session_scope(app) as session:
        delete_personal_data(session, session.get(User, user_id))
    with session_scope(app) as session:
        for model in (Signup, Feedback, PointEntry):
            assert session.scalar(select(func.count()).select_from(model)) == 0
        assert session.get(Slot, slot_id).seats_taken == 0


def test_a_late_sign_up_for_an_early_start_still_gets_its_reminder(app):
    tokyo = ZoneInfo("Asia/Tokyo")
    evening = (datetime.now(tokyo) + timedelta(days=3)).replace(hour=20, minute=0, second=0,
                                                                microsecond=0)
    starts = (evening + timedelta(days=1)).replace(hour=7, minute=30)
    slot_id = make_slot(app, capacity=5)
    first, second = _users(app, 2)
    with session_scope(app) as session:
        slot = session.get(Slot, slot_id)
        slot.starts_at = starts.astimezone(UTC)
        slot.ends_at = slot.starts_at + timedelta(hours=2)
        session.flush()
        sign_up(session, slot, session.get(User, first), now=evening)  # 18:00 has passed
        late = evening.replace(hour=23)  # 20:59, the last time before quiet hours, too
        sign_up(session, slot, session.get(User, second), now=late)
    with session_scope(app) as session:
        due = {user_id: [n.due_at.replace(tzinfo=UTC) for n in session.scalars(
                   select(Notification).where(Notification.user_id == user_id,
                                              Notification.kind == "activity.reminder"))]
               for user_id in (first, second)}
    assert due[first] == [evening.replace(minute=59).astimezone(UTC)]
    assert due[second] == [late.astimezone(UTC)]
    # due at once in quiet hours: sent then, not held until the morning after the start
    assert dispatch(app, late + timedelta(minutes=1)).sent == 1


def test_rating_from_home_leaves_attendance_to_check_in_and_the_organiser(app):
    slot_id = make_slot(app, starts_in=timedelta(hours=-3), hours=2)
    [user_id] = _users(app, 1)
    now = datetime.now(UTC)
    with session_scope(app) as session:
        signup = Signup(slot_id=slot_id, user_id=user_id, status="confirmed")
        session.add(signup)
        session.flush()
        record_feedback(session, signup, 5, "行けませんでした", now=now)
        assert signup.status == "confirmed"
        assert volunteer_record(session, session.get(User, user_id)).activities == 0
        assert mark_attendance(session, signup, "no_show", now=now) == "marked"
        assert signup.status == "no_show"


def _sign_up_together(app, slot_id: int, user_ids: list[int]) -> dict[int, int | None]:
    """Everyone taps at once; the waitlist position each is told."""
    start = threading.Barrier(len(user_ids))
    told: dict[int, int | None] = {}
    errors: list[BaseException] = []
    factory = session_factory(app)

    def join(user_id: int) -> None:
        try:
            start.wait(10)  # more people than the pool has connections: some wait
            now = datetime.now(UTC)  # when the person tapped, before any lock
            session = factory()
            try:
                slot, user = session.get(Slot, slot_id), session.get(User, user_id)
                result = sign_up(session, slot, user, now=now)
                session.commit()
                told[user_id] = result.position
            finally:
                session.close()
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=join, args=(u,)) for u in user_ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors
    return told


def test_waitlist_positions_told_under_concurrency_match_the_offer_order(app):
    for round_ in range(3):
        slot_id = make_slot(app, code=f"9{round_}", capacity=1)
        told = _sign_up_together(app, slot_id, _users_from(app, 20, start=100 * (round_ + 1)))
        with session_scope(app) as session:
            slot = session.get(Slot, slot_id)
            offered_in_turn = []
            holder = session.scalar(select(Signup).where(Signup.slot_id == slot_id,
                                                         Signup.status == "confirmed"))
            while holder is not None:
                holder = cancel_signup(session, holder, now=datetime.now(UTC))
                if holder is not None:
                    offered_in_turn.append(holder.user_id)
            assert slot.seats_taken == 0
        assert [told[user_id] for user_id in offered_in_turn] == list(range(1, 20))


def _users_from(app, n: int, *, start: int) -> list[int]:
    with session_scope(app) as session:
        users = [User(line_user_id=f"U{i:032x}", locale="ja", mode="standard",
                      notification_prefs={}) for i in range(start, start + n)]
        session.add_all(users)
        session.flush()
        return [u.id for u in users]


def _queue_of_three(app, slot_id: int, now: datetime) -> list[int]:
    users = _users_from(app, 3, start=900)
    with session_scope(app) as session:
        for user_id in users:
            sign_up(session, session.get(Slot, slot_id), session.get(User, user_id), now=now)
    return users


def test_a_seat_is_never_offered_to_someone_who_blocked_the_bot(app):
    slot_id = make_slot(app, capacity=1)
    now = datetime.now(UTC)
    holder, blocked, next_one = _queue_of_three(app, slot_id, now)
    with session_scope(app) as session:
        session.get(User, blocked).active = False
    with session_scope(app) as session:
        mine = session.scalar(select(Signup).where(Signup.user_id == holder))
        assert cancel_signup(session, mine, now=now).user_id == next_one
    with session_scope(app) as session:
        by_user = dict(session.execute(select(Signup.user_id, Signup.status)).all())
    assert by_user == {holder: "cancelled", blocked: "cancelled", next_one: "offered"}


def test_a_seat_offered_to_someone_who_then_blocks_the_bot_passes_on_at_once(app):
    slot_id = make_slot(app, capacity=1)
    now = datetime.now(UTC)
    holder, offered, next_one = _queue_of_three(app, slot_id, now)
    with session_scope(app) as session:
        mine = session.scalar(select(Signup).where(Signup.user_id == holder))
        assert cancel_signup(session, mine, now=now).user_id == offered
    with session_scope(app) as session:
        user = session.get(User, offered)
        user.active = False
        assert pass_on_offers_of(session, user, now=now) == 1
    with session_scope(app) as session:
        by_user = dict(session.execute(select(Signup.user_id, Signup.status)).all())
    assert by_user == {holder: "cancelled", offered: "cancelled", next_one: "offered"}


def test_the_scheduler_passes_on_offers_whose_time_ran_out(app, monkeypatch):
    from bot.registries import JOBS

    monkeypatch.setitem(app.config, "QUIET_HOURS", "")
    slot_id = make_slot(app, capacity=1)
    now = datetime.now(UTC)
    holder, offered, next_one = _queue_of_three(app, slot_id, now)
    with session_scope(app) as session:
        mine = session.scalar(select(Signup).where(Signup.user_id == holder))
        signup = cancel_signup(session, mine, now=now - timedelta(hours=3))
        assert signup.user_id == offered
        session.get(User, offered).active = False  # so no expiry notice will pass it on
    [job] = [job for job in JOBS if job.name == "waitlist.expire"]
    job.run(app)
    with session_scope(app) as session:
        by_user = dict(session.execute(select(Signup.user_id, Signup.status)).all())
    assert by_user == {holder: "cancelled", offered: "cancelled", next_one: "offered"}


def test_an_offer_made_at_night_holds_the_seat_from_the_morning(app, monkeypatch):
    monkeypatch.setitem(app.config, "QUIET_HOURS", "21:00-08:00")
    tokyo = ZoneInfo("Asia/Tokyo")
    slot_id = make_slot(app, capacity=1, starts_in=timedelta(days=3))
    night = (datetime.now(tokyo) + timedelta(days=1)).replace(hour=23, minute=0, second=0,
                                                              microsecond=0)
    holder, offered, _next = _queue_of_three(app, slot_id, datetime.now(UTC))
    with session_scope(app) as session:
        mine = session.scalar(select(Signup).where(Signup.user_id == holder))
        signup = cancel_signup(session, mine, now=night, offer_minutes=120)
        assert signup.user_id == offered
        morning = (night + timedelta(days=1)).replace(hour=8, minute=0)
        assert signup.offered_until.replace(tzinfo=UTC) == (
            morning + timedelta(hours=2)).astimezone(UTC)
        offer = session.scalar(select(Notification).where(
            Notification.kind == "waitlist.offer", Notification.user_id == offered))
        assert offer.due_at.replace(tzinfo=UTC) == morning.astimezone(UTC)
