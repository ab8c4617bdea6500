"""Slots in the console: adding one in the ward's time zone, editing one (within ten SQL
statements, also with people on it), copying one weekly, cancelling one (its people are
told in their language)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from bot.db import session_scope
from bot.notify.dispatch import dispatch
from models.activities import Slot, as_utc
from models.base import utcnow
from models.signups import CANCELLED, Signup
from tests.console.activity_fixtures import make_activity, make_slot, signs_up
from tests.console.helpers import audited
from tests.sql_count import statements_of

SLOT = {"day": "2030-06-01", "starts": "10:00", "ends": "12:00", "place": "阿佐谷公園",
        "address": "杉並区阿佐谷北1-1", "lat": "35.70", "lon": "139.63", "capacity": "12",
        "deadline_day": "2030-05-31", "deadline_time": "18:00", "checkin_word": "SAKURA"}


def _slots(app, activity_id: int) -> list[Slot]:
    with session_scope(app) as session:
        found = list(session.scalars(select(Slot).where(Slot.activity_id == activity_id)
                                     .order_by(Slot.starts_at)))
        session.expunge_all()
        return found


def _mine(app, person, organisation, locale="ja"):
    owner = person("代表", locale=locale)
    found = organisation(owner)
    return owner, found, make_activity(app, owner, found)


def test_a_member_adds_a_slot_in_the_ward_s_time_zone(app, person, browser, organisation):
    owner, _org, activity = _mine(app, person, organisation)
    me = browser(owner)
    new = f"/console/activities/{activity}/slots/new"
    assert 'name="checkin_word"' in me.get(new).get_data(as_text=True)
    answer = me.post(new, SLOT, page=new)
    assert answer.status_code == 302
    [slot] = _slots(app, activity)
    assert as_utc(slot.starts_at) == datetime(2030, 6, 1, 1, 0, tzinfo=UTC)  # 10:00 JST
    assert as_utc(slot.ends_at) == datetime(2030, 6, 1, 3, 0, tzinfo=UTC)
    assert as_utc(slot.signup_deadline) == datetime(2030, 5, 31, 9, 0, tzinfo=UTC)
    assert (slot.capacity, slot.lat, slot.lon, slot.checkin_word, slot.address) == (
        12, 35.70, 139.63, "SAKURA", "杉並区阿佐谷北1-1")
    assert slot.code.isdigit()
    assert len(audited(app, "slot.create")) == 1


def test_a_new_slot_gets_a_check_in_word_and_may_have_no_limit(app, person, browser,
                                                               organisation):
    owner, _org, activity = _mine(app, person, organisation)
    me = browser(owner)
    new = f"/console/activities/{activity}/slots/new"
    page = me.get(new).get_data(as_text=True)
    suggested = page.split('name="checkin_word" type="text" value="')[1].split('"')[0]
    assert len(suggested) == 5
    me.post(new, {**SLOT, "capacity": "", "no_limit": "y", "checkin_word": "",
                  "lat": "", "lon": "", "deadline_day": "", "deadline_time": ""}, page=new)
    [slot] = _slots(app, activity)
    assert slot.capacity is None and slot.lat is None and slot.signup_deadline is None
    assert slot.checkin_word and len(slot.checkin_word) == 5


def test_the_slot_form_says_what_is_wrong(app, person, browser, organisation):
    owner, _org, activity = _mine(app, person, organisation, locale="en")
    me = browser(owner)
    new = f"/console/activities/{activity}/slots/new"
    wrong = me.post(new, {**SLOT, "ends": "09:00", "capacity": "", "lat": "north",
                          "deadline_time": ""}, page=new)
    text = wrong.get_data(as_text=True)
    assert wrong.status_code == 200 and _slots(app, activity) == []
    assert "Enter a capacity, or tick" in text
    assert 'aria-describedby="lat-errors" aria-invalid="true"' in text
    assert "Please check this value." in text  # WTForms' own message, in ours
    assert "Give the deadline" in text
    late = me.post(new, {**SLOT, "ends": "09:00"}, page=new).get_data(as_text=True)
    assert "The end must come after the start." in late


def test_editing_a_slot_moves_it_and_stays_within_ten_statements(app, person, browser,
                                                                organisation):
    owner, _org, activity = _mine(app, person, organisation)
    slot = make_slot(app, owner, activity, datetime(2030, 6, 1, 1, 0, tzinfo=UTC))
    me = browser(owner)
    edit = f"/console/slots/{slot}/edit"
    form = me.get(edit).get_data(as_text=True)
    assert 'value="2030-06-01"' in form and 'value="10:00"' in form
    data = {**SLOT, "starts": "13:00", "ends": "15:00", "csrf_token": me.csrf_token(edit)}
    answers = []
    statements = statements_of(app, lambda: answers.append(
        me.client.post(edit, data=data, base_url=me.base_url)))
    assert answers[0].status_code == 302
    assert len(statements) <= 10, statements
    [moved] = _slots(app, activity)
    assert as_utc(moved.starts_at) == datetime(2030, 6, 1, 4, 0, tzinfo=UTC)
    [row] = audited(app, "slot.update")
    assert "starts_at" in row.detail["fields"]


def test_moving_a_slot_with_people_on_it_moves_their_reminders_in_eleven_statements(
        app, person, browser, organisation):
    """Not one statement more per person: the reminders of everyone on the slot move at
    once, each to the new time, each once, and everyone is told of the change (the change and
    its notices, models/slot_changes.py)."""
    from models.outbox import Notification
    from models.timing import reminder_times

    owner, _org, activity = _mine(app, person, organisation)
    slot = make_slot(app, owner, activity, datetime(2030, 6, 1, 1, 0, tzinfo=UTC), capacity=30)
    for n in range(25):
        signs_up(app, person(f"参加者{n}"), slot, datetime(2030, 5, 1, tzinfo=UTC))

    def reminders() -> list:
        with session_scope(app) as session:
            return session.execute(select(Notification.dedupe_key, Notification.due_at)
                                   .where(Notification.kind == "activity.reminder")
                                   .order_by(Notification.dedupe_key)).all()

    before = reminders()
    me = browser(owner)
    edit = f"/console/slots/{slot}/edit"
    data = {**SLOT, "starts": "13:00", "ends": "15:00", "capacity": "30",
            "csrf_token": me.csrf_token(edit)}
    answers = []
    statements = statements_of(app, lambda: answers.append(
        me.client.post(edit, data=data, base_url=me.base_url)))
    assert answers[0].status_code == 302
    assert len(statements) <= 11, "\n".join(statements)  # with the place's versions
    after = reminders()
    assert [key for key, _ in after] == [key for key, _ in before] and len(after) >= 25
    due = dict(reminder_times(app.config, datetime(2030, 6, 1, 4, 0, tzinfo=UTC),
                              datetime(2030, 5, 1, tzinfo=UTC)))
    assert all(as_utc(at) == due[key.rsplit(":", 1)[1]] for key, at in after)
    assert after != before


def test_the_capacity_cannot_go_below_the_people_signed_up(app, person, browser,
                                                          organisation):
    owner, _org, activity = _mine(app, person, organisation, locale="en")
    slot = make_slot(app, owner, activity, datetime(2030, 6, 1, 1, 0, tzinfo=UTC))
    for name in ("一", "二"):
        signs_up(app, person(name), slot, utcnow())
    edit = f"/console/slots/{slot}/edit"
    answer = browser(owner).post(edit, {**SLOT, "capacity": "1"}, page=edit)
    assert "cannot be below the number already signed up" in answer.get_data(as_text=True)
    assert _slots(app, activity)[0].capacity == 10


def test_a_slot_is_copied_as_a_weekly_series(app, person, browser, organisation):
    owner, _org, activity = _mine(app, person, organisation)
    first = datetime(2030, 6, 1, 1, 0, tzinfo=UTC)
    slot = make_slot(app, owner, activity, first)
    page = f"/console/activities/{activity}"
    answer = browser(owner).post(f"/console/slots/{slot}/copy", {"weeks": "3"}, page=page)
    assert answer.status_code == 302
    slots = _slots(app, activity)
    assert [as_utc(s.starts_at) for s in slots] == [first + timedelta(weeks=n)
                                                    for n in range(4)]
    assert len({s.code for s in slots}) == 4 and len({s.checkin_word for s in slots}) == 4
    assert {s.capacity for s in slots} == {10}
    assert len(audited(app, "slot.copy")) == 1


def test_cancelling_a_slot_tells_its_people_in_their_language(app, sim, person, browser,
                                                             organisation):
    owner, _org, activity = _mine(app, person, organisation)
    starts = utcnow() + timedelta(days=2)
    slot = make_slot(app, owner, activity, starts, capacity=1)
    hanako, john = person("花子", locale="ja"), person("John", locale="en")
    assert signs_up(app, hanako, slot, utcnow()) == "confirmed"
    assert signs_up(app, john, slot, utcnow()) == "waitlisted"
    page = f"/console/activities/{activity}"
    answer = browser(owner).post(f"/console/slots/{slot}/cancel", page=page)
    assert answer.status_code == 302
    [cancelled] = _slots(app, activity)
    assert cancelled.status == "cancelled" and cancelled.seats_taken == 0
    with session_scope(app) as session:
        assert set(session.scalars(select(Signup.status))) == {CANCELLED}
    dispatch(app, utcnow() + timedelta(minutes=1))
    [ja] = [m["message"]["text"] for m in sim.messages(hanako)]
    [en] = [m["message"]["text"] for m in sim.messages(john)]
    assert "公園のそうじ" in ja and "中止" in ja
    assert "Park clean-up" in en and "is cancelled" in en
    [row] = audited(app, "slot.cancel")
    assert row.detail["told"] == 2


def test_a_raised_capacity_goes_to_the_people_waiting_first(app, person, browser,
                                                           organisation):
    owner, _org, activity = _mine(app, person, organisation)
    slot = make_slot(app, owner, activity, datetime(2030, 6, 1, 1, 0, tzinfo=UTC), capacity=1)
    first, second, third = person("一"), person("二"), person("三")
    for name in (first, second, third):
        signs_up(app, name, slot, utcnow())
    edit = f"/console/slots/{slot}/edit"
    me = browser(owner)
    form = {**SLOT, "capacity": "2"}  # the same day and times (10:00 in Tokyo)
    assert me.post(edit, form, page=edit).status_code == 302
    with session_scope(app) as session:
        statuses = [s for s in session.scalars(select(Signup.status).order_by(Signup.id))]
        taken = session.get(Slot, slot).seats_taken
    assert statuses == ["confirmed", "offered", "waitlisted"] and taken == 2
    assert signs_up(app, person("四"), slot, utcnow()) == "waitlisted"
