"""The dispatcher against the simulator: once each, at the right time, never stale."""

from __future__ import annotations

import threading
import uuid
from contextlib import contextmanager
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import notify_kind
import pytest
from sqlalchemy import event as sql_event
from sqlalchemy import select

from bot.db import get_engine, session_scope
from bot.notify.dispatch import Dispatcher, dispatch, get_dispatcher
from models.outbox import Notification, enqueue
from models.timing import in_quiet_hours, reminder_times
from models.users import User, UserRole

TOKYO = ZoneInfo("Asia/Tokyo")
MORNING = datetime(2030, 5, 1, 10, 0, tzinfo=TOKYO)


@pytest.fixture(autouse=True)
def quick_backoff(app, monkeypatch):
    notify_kind.install(app, monkeypatch)
    get_dispatcher(app).backoff_base = 0.01  # retries within a pass, without the wait


@pytest.fixture
def events(app):
    engine = get_engine(app)
    notify_kind.metadata.create_all(engine)
    yield notify_kind.events
    notify_kind.metadata.drop_all(engine)  # not a table of the models: gone after each test


def add_event(app, title="清掃活動", venue="阿佐谷公民館", starts_at=MORNING + timedelta(days=2)):
    with get_engine(app).begin() as conn:
        return conn.execute(notify_kind.events.insert().values(
            title=title, venue=venue, starts_at=starts_at)).inserted_primary_key[0]


def add_users(app, sim, n, *, locale="ja", **fields):
    ids = []
    with session_scope(app) as session:
        for i in range(n):
            line_id = f"U{len(ids):04d}{id(ids) % 10**8:08d}{i:020d}"[:33]
            user = User(line_user_id=line_id, locale=locale, notification_prefs={}, **fields)
            user.roles.append(UserRole(role="resident", scope=""))
            session.add(user)
            session.flush()
            ids.append((user.id, line_id))
    for _, line_id in ids:
        sim.add_user(line_id)
    return ids


def remind(app, users, event_id, due, kind=notify_kind.KIND, **extra):
    with session_scope(app) as session:
        for user_id, _ in users:
            enqueue(session, user_id=user_id, kind=kind, ref=str(event_id), due_at=due,
                    dedupe_key=f"{kind}:{event_id}:{user_id}", **extra)


def statuses(app):
    with session_scope(app) as session:
        return sorted(session.scalars(select(Notification.state)).all())


def inbox(sim, line_id):
    return [e["message"] for e in sim.messages(line_id)]


def test_reminders_fall_the_day_before_at_six_and_two_hours_before(app):
    starts = datetime(2030, 5, 3, 14, 0, tzinfo=TOKYO)
    times = dict(reminder_times(app.config, starts))
    assert times["day_before"] == datetime(2030, 5, 2, 18, 0, tzinfo=TOKYO)
    assert times["hours_before"] == datetime(2030, 5, 3, 12, 0, tzinfo=TOKYO)


def test_an_early_start_gets_no_reminder_in_the_night(app):
    starts = datetime(2030, 5, 3, 7, 0, tzinfo=TOKYO)
    assert [name for name, _ in reminder_times(app.config, starts)] == ["day_before"]
    assert in_quiet_hours(app.config, datetime(2030, 5, 3, 5, 0, tzinfo=TOKYO))


def test_a_reminder_due_in_quiet_hours_moves_to_just_before_them(app):
    starts = datetime(2030, 5, 3, 7, 30, tzinfo=TOKYO)  # signed up at 20:00 the evening before
    signed_up = datetime(2030, 5, 2, 20, 0, tzinfo=TOKYO)
    assert reminder_times(app.config, starts, signed_up) == [
        ("hours_before", datetime(2030, 5, 2, 20, 59, tzinfo=TOKYO))]


def test_a_reminder_whose_allowed_time_has_passed_is_due_at_once(app):
    starts = datetime(2030, 5, 3, 7, 30, tzinfo=TOKYO)
    signed_up = datetime(2030, 5, 2, 22, 15, tzinfo=TOKYO)
    assert reminder_times(app.config, starts, signed_up) == [("hours_before", signed_up)]
    after_the_start = datetime(2030, 5, 3, 7, 45, tzinfo=TOKYO)
    assert reminder_times(app.config, starts, after_the_start) == []


def test_a_due_reminder_is_pushed_once_with_the_details(app, sim, events):
    users = add_users(app, sim, 1)
    event = add_event(app)
    remind(app, users, event, MORNING - timedelta(minutes=1))
    assert dispatch(app, MORNING).sent == 1
    assert dispatch(app, MORNING + timedelta(hours=1)).sent == 0
    [message] = inbox(sim, users[0][1])
    assert "阿佐谷公民館" in message["text"]
    assert sim.delivery_count(users[0][1]) == 1
    assert statuses(app) == ["sent"]


def test_a_changed_time_and_venue_are_what_the_reminder_says(app, sim, events):
    users = add_users(app, sim, 1)
    old_start = MORNING + timedelta(days=1)
    event = add_event(app, starts_at=old_start)
    for name, due in reminder_times(app.config, old_start):
        with session_scope(app) as session:
            enqueue(session, user_id=users[0][0], kind=notify_kind.KIND, ref=str(event),
                    due_at=due, dedupe_key=f"event:{event}:{users[0][0]}:{name}")
    new_start = old_start + timedelta(days=2)
    with get_engine(app).begin() as conn:
        conn.execute(notify_kind.events.update().values(starts_at=new_start, venue="荻窪体育館"))
    for name, due in reminder_times(app.config, new_start):  # the feature re-enqueues
        with session_scope(app) as session:
            enqueue(session, user_id=users[0][0], kind=notify_kind.KIND, ref=str(event),
                    due_at=due, dedupe_key=f"event:{event}:{users[0][0]}:{name}")
    old_hours_before = dict(reminder_times(app.config, old_start))["hours_before"]
    assert dispatch(app, old_hours_before + timedelta(minutes=1)).sent == 0
    new_day_before = dict(reminder_times(app.config, new_start))["day_before"]
    assert dispatch(app, new_day_before).sent == 1
    [message] = inbox(sim, users[0][1])
    assert "荻窪体育館" in message["text"] and "阿佐谷" not in message["text"]


def test_identical_content_goes_in_multicasts_of_at_most_500(app, sim, events):
    users = add_users(app, sim, 600)
    event = add_event(app)
    remind(app, users, event, MORNING, kind=notify_kind.SHARED_KIND)
    assert dispatch(app, MORNING).sent == 600
    sends = [r for r in sim.requests() if r["status"] == 200]
    assert sorted(r["recipients"] for r in sends) == [100, 500]
    assert {r["endpoint"] for r in sends} == {"multicast"}
    assert len({r["retryKey"] for r in sends}) == 2


def test_each_reader_gets_their_own_language(app, sim, events):
    ja, en = add_users(app, sim, 2, locale="ja"), add_users(app, sim, 2, locale="en")
    event = add_event(app, starts_at=datetime(2030, 5, 3, 14, 0, tzinfo=TOKYO))
    remind(app, ja + en, event, MORNING, kind=notify_kind.SHARED_KIND)
    dispatch(app, MORNING)
    assert "2030/05/03" in inbox(sim, ja[0][1])[0]["text"]
    assert "May 3, 2030" in inbox(sim, en[0][1])[0]["text"]
    assert len([r for r in sim.requests() if r["status"] == 200]) == 2


def test_quiet_hours_hold_non_urgent_pushes_until_morning(app, sim, events):
    calm, urgent = add_users(app, sim, 1), add_users(app, sim, 1)
    event = add_event(app)
    evening = datetime(2030, 5, 1, 20, 30, tzinfo=TOKYO)
    remind(app, calm, event, evening)
    remind(app, urgent, event, evening, urgent=True)
    assert dispatch(app, datetime(2030, 5, 1, 22, 0, tzinfo=TOKYO)).sent == 1
    assert inbox(sim, calm[0][1]) == [] and len(inbox(sim, urgent[0][1])) == 1
    assert dispatch(app, datetime(2030, 5, 2, 7, 59, tzinfo=TOKYO)).sent == 0
    assert dispatch(app, datetime(2030, 5, 2, 8, 0, tzinfo=TOKYO)).sent == 1
    assert len(inbox(sim, calm[0][1])) == 1


def test_opted_out_and_unfollowed_people_receive_nothing(app, sim, events):
    opted_out = add_users(app, sim, 1)
    gone = add_users(app, sim, 1, active=False)
    keen = add_users(app, sim, 1)
    with session_scope(app) as session:
        session.get(User, opted_out[0][0]).notification_prefs = {"off": ["reminders"]}
    remind(app, opted_out + gone + keen, add_event(app), MORNING)
    stats = dispatch(app, MORNING)
    assert (stats.sent, stats.skipped) == (1, 2)
    assert inbox(sim, opted_out[0][1]) == [] and inbox(sim, gone[0][1]) == []
    with session_scope(app) as session:
        reasons = sorted(session.scalars(select(Notification.last_error).where(
            Notification.status == "skipped")))
    assert reasons == ["opted out", "unfollowed"]


def test_an_announcement_row_for_who_has_not_agreed_to_the_privacy_notice_is_skipped(
        app, sim):
    from models.announcements import KIND, create

    declined = add_users(app, sim, 1)
    agreed = add_users(app, sim, 1, consented_at=MORNING)
    with session_scope(app) as session:
        announcement = create(session, texts={"ja": "区からのお知らせです"},
                              segment={"kind": "everyone"})
        announcement_id = announcement.id
    remind(app, declined + agreed, announcement_id, MORNING, kind=KIND)
    stats = dispatch(app, MORNING)
    assert (stats.sent, stats.skipped) == (1, 1)
    assert inbox(sim, declined[0][1]) == [] and len(inbox(sim, agreed[0][1])) == 1
    with session_scope(app) as session:
        assert session.scalars(select(Notification.last_error).where(
            Notification.status == "skipped")).one() == "no privacy consent"


def test_a_cancelled_or_vanished_item_is_not_sent(app, sim, events):
    users = add_users(app, sim, 2)
    remind(app, users[:1], 999_999, MORNING)  # the row is gone: renderer says None
    from models.outbox import cancel

    event = add_event(app)
    remind(app, users[1:], event, MORNING)
    with session_scope(app) as session:
        assert cancel(session, ref=str(event)) == 1
    assert dispatch(app, MORNING).sent == 0
    assert statuses(app) == ["cancelled", "skipped"]


def test_with_a_fifth_of_calls_failing_every_notification_arrives_once(app, sim, events):
    users = add_users(app, sim, 120)
    event = add_event(app)
    remind(app, users[:60], event, MORNING)  # pushes
    remind(app, users[60:], event, MORNING, kind=notify_kind.SHARED_KIND)  # multicasts
    sim.configure(failure_rate=0.2)
    now = MORNING
    for _ in range(12):
        dispatch(app, now)
        if statuses(app) == ["sent"] * 120:
            break
        now += timedelta(hours=1)
    sim.configure(failure_rate=0)
    assert statuses(app) == ["sent"] * 120
    assert [sim.delivery_count(line_id) for _, line_id in users] == [1] * 120
    assert any(r["status"] in (429, 500) for r in sim.requests())


def test_after_the_attempt_limit_a_row_fails_with_the_reason(app, sim, events):
    users = add_users(app, sim, 1)
    remind(app, users, add_event(app), MORNING)
    sim.configure(failure_rate=1.0)
    now = MORNING
    for _ in range(app.config["NOTIFY_MAX_ATTEMPTS"]):
        dispatch(app, now)
        now += timedelta(hours=1)  # past the backoff, and still before the quiet hours
    sim.configure(failure_rate=0)
    with session_scope(app) as session:
        row = session.scalars(select(Notification)).one()
        assert (row.state, row.batch.attempts) == ("failed", app.config["NOTIFY_MAX_ATTEMPTS"])
        assert row.error.startswith(("LINE 500", "LINE 429"))


def test_rows_of_a_dispatcher_that_died_are_resent_under_the_same_key(app, sim, events):
    users = add_users(app, sim, 3)
    remind(app, users, add_event(app), MORNING, kind=notify_kind.SHARED_KIND)
    dying = Dispatcher(app)
    dying.close = lambda: None
    sent = []
    original = dying._send
    dying._send = lambda batch: (sent.append(original(batch)), _raise())[1]  # dies after send
    with pytest.raises(RuntimeError):
        dying.run_pass(MORNING)
    assert sent and sent[0].ok and sim.delivery_count() == 3
    with session_scope(app) as session:
        [batch] = {row.batch for row in session.scalars(select(Notification))}
        assert batch.status == "sending" and batch.key == sent[0].batch.retry_key
        batch.claimed_at = batch.claimed_at - timedelta(hours=1)  # as if long ago
    assert dispatch(app, MORNING + timedelta(minutes=10)).sent == 3
    assert sim.delivery_count() == 3
    assert sim.requests()[-1]["status"] == 409
    assert statuses(app) == ["sent"] * 3


def test_a_notification_written_while_a_pass_sends_its_batch_is_still_delivered(
        app, sim, events):
    (first, second) = add_users(app, sim, 2)
    event = add_event(app)
    remind(app, [first], event, MORNING, kind=notify_kind.SHARED_KIND)
    # a scheduler's pass runs while the second reminder is being written into the batch of
    # the first, which is waiting to be sent
    with pass_runs_during_the_next_insert(app, MORNING):
        remind(app, [second], event, MORNING, kind=notify_kind.SHARED_KIND)
    dispatch(app, MORNING)
    assert statuses(app) == ["sent"] * 2
    assert [sim.delivery_count(line_id) for _, line_id in (first, second)] == [1, 1]


def test_a_notification_written_by_a_transaction_that_failed_is_never_sent(app, sim, events):
    [(user_id, line_id)] = add_users(app, sim, 1)
    event = add_event(app)
    with pytest.raises(RuntimeError), session_scope(app) as session:
        enqueue(session, user_id=user_id, kind=notify_kind.KIND, ref=str(event), due_at=MORNING,
                dedupe_key=f"{notify_kind.KIND}:{event}:{user_id}")
        raise RuntimeError("the step that wrote it failed after")
    assert dispatch(app, MORNING).claimed == 0
    assert sim.delivery_count(line_id) == 0


@contextmanager
def pass_runs_during_the_next_insert(app, now):
    """Start a dispatch pass in another thread just before the next row is inserted into
    the outbox and let it run to its end, or for two seconds should the insert's
    transaction keep it waiting."""
    engine = get_engine(app)
    passes: list[threading.Thread] = []

    def before(conn, cursor, statement, parameters, context, executemany):
        if not passes and statement.startswith("INSERT INTO notifications "):
            passes.append(threading.Thread(target=dispatch, args=(app, now)))
            passes[0].start()
            passes[0].join(2)

    sql_event.listen(engine, "before_cursor_execute", before)
    try:
        yield
    finally:
        sql_event.remove(engine, "before_cursor_execute", before)
        for thread in passes:
            thread.join(30)
    assert passes, "no row was inserted"


def _raise():
    raise RuntimeError("the process died")


def test_the_monthly_limit_pauses_sending_tells_staff_once_and_loses_nothing(app, sim, events):
    from bot.line import get_line

    calm = add_users(app, sim, 2)
    urgent = add_users(app, sim, 1)
    staff = add_users(app, sim, 1)
    with session_scope(app) as session:
        session.add(UserRole(user_id=staff[0][0], role="staff", scope=""))
    event = add_event(app)
    remind(app, calm, event, MORNING, kind=notify_kind.SHARED_KIND)
    remind(app, urgent, event, MORNING, urgent=True)
    sim.configure(monthly_quota=1)  # and this month's one message is spent:
    someone = add_users(app, sim, 1)[0][1]
    get_line(app).push(someone, [{"type": "text", "text": "ok"}], str(uuid.uuid4()))

    stats = dispatch(app, MORNING)
    assert stats.monthly_limit and stats.sent == 0
    refused = [r for r in sim.requests() if r["status"] == 429]
    assert refused and all(r["endpoint"] in ("push", "multicast") for r in refused)
    with session_scope(app) as session:
        rows = session.scalars(select(Notification)).all()
        assert {(r.state, r.batch.attempts) for r in rows} == {("pending", 0)}  # nothing lost
    assert [(r.kind, r.user_id) for r in rows if r.kind == "quota_alert"] == [
        ("quota_alert", staff[0][0])]

    # while the limit holds, only urgent messages are tried: the reminder and the staff alert
    seen = len(sim.requests())
    stats = dispatch(app, MORNING + timedelta(minutes=15))
    later = sim.requests()[seen:]
    assert stats.sent == 0 and {r["endpoint"] for r in later} == {"push"}
    assert {r["status"] for r in later} == {429} and len(later) == 2

    sim.configure(monthly_quota=0)  # the ward raised its plan
    assert dispatch(app, MORNING + timedelta(minutes=30)).sent == 2  # the urgent ones
    assert dispatch(app, MORNING + timedelta(minutes=35)).sent == 2  # then the rest
    assert statuses(app) == ["sent"] * 4
    for _, line_id in calm + urgent:
        assert len(inbox(sim, line_id)) == 1
    [alert] = inbox(sim, staff[0][1])  # told once
    assert "2030-05" in alert["text"]


def test_an_announcement_to_everyone_goes_out_in_multicasts_of_500_each_once(app, sim):
    from models.announcements import create, refresh_counts, schedule

    users = add_users(app, sim, 1001, consented_at=MORNING)
    with session_scope(app) as session:
        announcement = create(session, texts={"ja": "区からのお知らせです"},
                              segment={"kind": "everyone"})
        assert schedule(session, announcement, at=MORNING) == 1001
        announcement_id = announcement.id
    assert dispatch(app, MORNING).sent == 1001
    sends = [r for r in sim.requests() if r["status"] == 200]
    assert sorted((r["endpoint"], r["recipients"]) for r in sends) == [
        ("multicast", 500), ("multicast", 500), ("push", 1)]
    assert [sim.delivery_count(line_id) for _, line_id in users] == [1] * 1001
    with session_scope(app) as session:
        from models.announcements import Announcement

        announcement = session.get(Announcement, announcement_id)
        assert refresh_counts(session, announcement) == {"sent": 1001}
        assert (announcement.sent, announcement.failed) == (1001, 0)


def test_a_row_moved_to_a_new_time_while_its_batch_is_sent_goes_out_once(app, sim, events):
    """The item's time changes (the row is enqueued again for a new time) just as the pass
    sends the batch the row is in: the row was sent with it, and is not sent again later."""
    [(user_id, line_id)] = add_users(app, sim, 1)
    event = add_event(app)
    key = f"{notify_kind.KIND}:{event}:{user_id}"
    remind(app, [(user_id, line_id)], event, MORNING)
    with session_scope(app) as session:
        row = session.scalar(select(Notification).where(Notification.dedupe_key == key))
        assert row.state == "pending"  # as this session read it, before the pass
        dispatch(app, MORNING)  # another process sends its batch meanwhile
        enqueue(session, user_id=user_id, kind=notify_kind.KIND, ref=str(event),
                due_at=MORNING + timedelta(hours=1), dedupe_key=key)
    dispatch(app, MORNING + timedelta(hours=1))
    assert sim.delivery_count(line_id) == 1
