"""Signing up in one message, as a resident does it: "参加 123", one tap, done."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.db import session_scope
from bot.kernel.i18n import gettext
from models.activities import Slot
from models.signups import Signup
from tests.activity_factory import make_slot
from tests.sql_count import statements_of


def _(msgid: str, locale: str = "ja", **params: object) -> str:
    return gettext(locale, msgid, **params)


def _signups(app, status: str | None = None) -> list[Signup]:
    with session_scope(app) as session:
        query = select(Signup)
        if status:
            query = query.where(Signup.status == status)
        return list(session.scalars(query))


@pytest.mark.parametrize("text", ["参加 123", "参加123", "123に参加", "join 123", "JOIN #123",
                                  "sign up 123", "１２３に参加します"])
def test_one_message_and_one_tap_sign_up(app, resident, text):
    make_slot(app, code="123")
    resident.says(text)
    assert "善福寺川の清掃" in resident.last_text()
    assert _signups(app) == []  # nothing before the tap
    resident.taps(_("Sign up"))
    [signup] = _signups(app, "confirmed")
    assert _("You are signed up for “{title}”. Thank you!\n{details}\nWe will remind you "
             "before it starts. To cancel, open “My schedule”.", title="善福寺川の清掃",
             details="").split("\n")[0] in resident.last_text()


def test_each_locale_has_its_own_sign_up_word(app, make_user):
    make_slot(app, code="456")
    person = make_user("Nguyen", "vi")
    person.follow()
    person.taps(_("I agree", "vi"))
    person.taps(_("Standard", "vi"))
    person.taps(_("Skip", "vi"))
    word = _("join|sign up|signup", "vi").split("|")[0]
    person.says(f"{word} 456")
    person.taps(_("Sign up", "vi"))
    assert len(_signups(app, "confirmed")) == 1


def test_signing_up_twice_says_already_signed_up(app, resident):
    make_slot(app, code="123")
    resident.says("参加 123")
    resident.taps(_("Sign up"))
    resident.says("参加 123")
    assert "すでに" in resident.last_text() or "already" in resident.last_text()
    assert len(_signups(app)) == 1


def test_an_unknown_code_says_so(app, resident):
    resident.says("参加 999")
    assert "999" in resident.last_text()


@pytest.mark.parametrize(("kind", "msgid"), [
    ("past", "“{title}” has already taken place, so it cannot be joined."),
    ("cancelled", "“{title}” was cancelled by the organiser, so it cannot be joined."),
    ("closed", "Sign-ups for “{title}” are closed."),
])
def test_past_cancelled_and_closed_slots_cannot_be_joined(app, resident, kind, msgid):
    if kind == "past":
        make_slot(app, code="123", starts_in=timedelta(hours=-3))
    else:
        make_slot(app, code="123", status=kind)
    resident.says("参加 123")
    assert _(msgid, title="善福寺川の清掃") in resident.last_text()
    assert _signups(app) == []


def test_a_slot_closed_between_question_and_tap_is_refused(app, resident):
    slot_id = make_slot(app, code="123")
    resident.says("参加 123")
    with session_scope(app) as session:
        session.get(Slot, slot_id).status = "cancelled"
    resident.taps(_("Sign up"))
    assert _signups(app) == []
    assert "善福寺川の清掃" in resident.last_text()


def test_a_full_slot_offers_the_waitlist(app, resident, make_user):
    make_slot(app, code="123", capacity=1)
    other = make_user("鈴木", "ja")
    other.follow()
    other.taps(_("I agree"))
    other.taps(_("Standard"))
    other.taps(_("Skip"))
    other.says("参加 123")
    other.taps(_("Sign up"))
    resident.says("参加 123")
    resident.taps(_("Join the waitlist"))
    assert [s.status for s in _signups(app)] == ["confirmed", "waitlisted"]
    assert _("“{title}” is full, so you are on the waitlist (number {n}). We will message "
             "you if a seat becomes free.", title="善福寺川の清掃", n=1) in resident.last_text()


def test_the_sign_up_is_stored_before_the_confirmation_is_sent(app, resident, monkeypatch):
    """The worker commits the turn before sending: when the answer leaves, the row is there."""
    from bot.line import LineClient

    make_slot(app, code="123")
    resident.says("参加 123")
    seen: list[int] = []
    original = LineClient.send  # a turn's replies leave through here

    def send(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        seen.append(len(_signups(app, "confirmed")))
        return original(self, *args, **kwargs)

    monkeypatch.setattr(LineClient, "send", send)
    resident.taps(_("Sign up"))
    assert seen == [1]


def test_my_schedule_lists_and_cancels_which_frees_the_seat(app, resident):
    slot_id = make_slot(app, code="123", capacity=1)
    resident.says("参加 123")
    resident.taps(_("Sign up"))
    resident.opens(_("My schedule"))
    assert "善福寺川の清掃" in resident.last_text()
    resident.taps(_("Cancel sign-up"))
    resident.taps(_("Cancel it"))
    assert [s.status for s in _signups(app)] == ["cancelled"]
    with session_scope(app) as session:
        assert session.get(Slot, slot_id).seats_taken == 0
    resident.taps(_("My schedule"))
    assert _("You have no upcoming sign-ups.") in resident.last_text()


def test_a_freed_seat_is_offered_to_the_first_on_the_waitlist(app, resident, make_user):
    make_slot(app, code="123", capacity=1)
    resident.says("参加 123")
    resident.taps(_("Sign up"))
    waiting = make_user("鈴木", "ja")
    waiting.follow()
    waiting.taps(_("I agree"))
    waiting.taps(_("Standard"))
    waiting.taps(_("Skip"))
    waiting.says("参加 123")
    waiting.taps(_("Join the waitlist"))
    resident.taps(_("My schedule"))
    resident.taps(_("Cancel sign-up"))
    resident.taps(_("Cancel it"))
    statuses = sorted(s.status for s in _signups(app))
    assert statuses == ["cancelled", "offered"]
    waiting.opens(_("My schedule"))
    waiting.taps(_("Take the seat"))
    assert sorted(s.status for s in _signups(app)) == ["cancelled", "confirmed"]


def test_blocking_the_bot_passes_a_seat_held_for_you_on_at_once(app, resident, make_user):
    make_slot(app, code="123", capacity=1)
    resident.says("参加 123")
    resident.taps(_("Sign up"))
    waiting = []
    for name in ("鈴木", "田中"):
        person = make_user(name, "ja")
        person.follow()
        person.taps(_("I agree"))
        person.taps(_("Standard"))
        person.taps(_("Skip"))
        person.says("参加 123")
        person.taps(_("Join the waitlist"))
        waiting.append(person)
    resident.taps(_("My schedule"))
    resident.taps(_("Cancel sign-up"))
    resident.taps(_("Cancel it"))
    assert sorted(s.status for s in _signups(app)) == ["cancelled", "offered", "waitlisted"]
    waiting[0].unfollow()
    assert sorted(s.status for s in _signups(app)) == ["cancelled", "cancelled", "offered"]
    waiting[1].opens(_("My schedule"))
    waiting[1].taps(_("Take the seat"))
    assert sorted(s.status for s in _signups(app)) == ["cancelled", "cancelled", "confirmed"]


def test_simple_mode_signs_up_by_taps_alone(app, make_user):
    make_slot(app, code="123")
    person = make_user("佐藤", "ja")
    person.follow()
    person.taps(_("I agree"))
    person.taps(_("Simple"))
    person.taps(_("Skip"))
    person.says("menu")
    while _("Find activities") not in person.choices():
        person.taps(_("More"))  # the simple menu pages three at a time
    person.taps(_("Find activities"))
    assert len(person.choices()) <= 4 and _("Back to menu") in person.choices()
    person.taps(_("By category"))
    assert len(person.choices()) <= 4 and _("Back to menu") in person.choices()
    while _("Environment") not in person.choices():
        person.taps(_("More"))
    person.taps(_("Environment"))
    assert "善福寺川の清掃" in person.last_text()
    person.taps(_("Sign up"))
    assert len(person.choices()) <= 4 and _("Back to menu") in person.choices()
    person.taps(_("Sign up"))
    assert len(_signups(app, "confirmed")) == 1
    person.taps(_("My schedule"))
    person.taps(_("Cancel sign-up"))
    assert len(person.choices()) <= 4 and _("Back to menu") in person.choices()
    person.taps(_("Cancel it"))
    assert len(_signups(app, "cancelled")) == 1


@pytest.mark.parametrize(("capacity", "tap", "status"), [
    (5, "Sign up", "confirmed"), (0, "Join the waitlist", "waitlisted")])
def test_a_sign_up_step_takes_at_most_six_sql_statements(app, resident, capacity, tap,
                                                         status):
    """For the whole turn of the confirming tap: the person, the slot with their sign-up,
    the seat, the row, its reminders and their outbox batches (or the waitlist position);
    and, since the turn wrote, the record of its outcome (models/turns.py: a re-handled
    event does not sign up twice), one statement more than the step's own six."""
    make_slot(app, code="123", capacity=capacity)
    asked = statements_of(app, lambda: resident.says("参加 123"))
    signed = statements_of(app, lambda: resident.taps(_(tap)))
    assert len(_signups(app, status)) == 1
    assert len(asked) <= 6, "\n".join(asked)
    step = [s for s in signed if not s.startswith("INSERT INTO handled_turns")]
    assert len(step) <= 6 and len(signed) == len(step) + 1, "\n".join(signed)


def test_simple_mode_schedule_pages_five_sign_ups_four_choices_at_most(app, make_user):
    titles = [f"活動{n}" for n in range(5)]
    for n, title in enumerate(titles):
        make_slot(app, code=f"{300 + n}", title=title, starts_in=timedelta(days=n + 1))
    person = make_user("佐藤", "ja")
    person.follow()
    person.taps(_("I agree"))
    person.taps(_("Simple"))
    person.taps(_("Skip"))
    for n in range(5):
        person.says(f"参加 {300 + n}")
        person.taps(_("Sign up"))
    assert len(_signups(app, "confirmed")) == 5
    person.taps(_("My schedule"))
    seen = []
    for _page in range(5):
        assert len(person.choices()) <= 4, person.choices()
        assert _("Back to menu") in person.choices()
        seen += [t for t in titles if t in str(person.last)]
        person.taps(_("More"))
    assert sorted(seen) == titles
