"""After signing up: reminders, check-in, "how did it go?", my record, organisers' lists."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from bot.db import session_scope
from bot.i18n import gettext
from bot.notify import dispatch
from models.activities import Feedback, Signup
from models.users import get_by_line_id, grant_role
from tests.activity_factory import make_slot, organisation_id


def _(msgid: str, locale: str = "ja", **params: object) -> str:
    return gettext(locale, msgid, **params)


def test_reminder_then_check_in_then_feedback_then_my_record(app, resident, monkeypatch):
    monkeypatch.setitem(app.config, "QUIET_HOURS", "")  # whatever the hour the test runs at
    make_slot(app, title="善福寺川の清掃", code="123", starts_in=timedelta(hours=30),
              hours=2, checkin_word="SAKURA")
    resident.says("参加 123")
    resident.taps(_("Sign up"))
    # the day-before reminder, rendered from the slot at send time
    dispatch(app, now=datetime.now(UTC) + timedelta(hours=29))
    resident.new_messages()
    assert _("Reminder: “{title}”", title="善福寺川の清掃") in resident.last_text()
    # at the venue: the check-in word, typed with the check-in word in Japanese
    with session_scope(app) as session:
        signup = session.scalar(select(Signup))
        from models.activities import Slot

        slot = session.get(Slot, signup.slot_id)
        slot.starts_at = datetime.now(UTC) - timedelta(minutes=10)
        slot.ends_at = datetime.now(UTC) + timedelta(hours=1, minutes=50)
    resident.says("チェックイン sakura")
    assert _("Checked in to “{title}”. Thank you for coming!",
             title="善福寺川の清掃") in resident.last_text()
    # after the slot (as first planned): how did it go?
    dispatch(app, now=datetime.now(UTC) + timedelta(hours=33))
    resident.new_messages()
    question = _("How did “{title}” go? Please rate it.", title="善福寺川の清掃")
    assert question in resident.last_text()
    resident.taps("★★★★★")
    resident.says("楽しかったです")
    with session_scope(app) as session:
        feedback = session.scalar(select(Feedback))
        assert (feedback.rating, feedback.comment) == (5, "楽しかったです")
    resident.taps(_("My record"))
    said = resident.last_text()
    assert _("Hours: {hours}", hours="2") in said
    assert _("Points: {points}", points=22) in said
    assert _("First step") in said


def test_a_wrong_check_in_word_is_refused(app, resident):
    make_slot(app, code="123", starts_in=timedelta(minutes=30), checkin_word="SAKURA")
    resident.says("参加 123")
    resident.taps(_("Sign up"))
    resident.says("menu")
    resident.taps(_("Check in"))
    resident.says("UME")
    assert _("That check-in word does not match an activity you signed up for today. "
             "Please check the word, or ask the organiser.") in resident.last_text()


def test_a_forged_rating_for_someone_elses_sign_up_is_refused(app, resident, make_user):
    make_slot(app, code="123", starts_in=timedelta(hours=-3))
    other = make_user("鈴木", "ja")
    other.follow()
    other.taps(_("I agree"))
    other.taps(_("Standard"))
    with session_scope(app) as session:
        from models.activities import Slot

        owner = get_by_line_id(session, other.user_id)
        signup = Signup(slot_id=session.scalar(select(Slot.id)), user_id=owner.id,
                        status="confirmed")
        session.add(signup)
        session.flush()
        signup_id = signup.id
    from bot.simulator import events as ev

    data = resident.app.extensions["machibot.codec"].encode("rate", g=signup_id, r=1)
    resident.send(ev.postback(resident.user_id, data, reply_token=resident.token()))
    assert _("This button is no longer valid.") in resident.last_text()
    with session_scope(app) as session:
        assert session.scalar(select(Feedback)) is None


def test_organisers_see_their_slots_and_who_signed_up_by_name_only(app, resident, make_user):
    make_slot(app, title="善福寺川の清掃", code="123")
    make_slot(app, title="よその活動", code="124", organisation="別の団体")
    resident.says("参加 123")
    resident.taps(_("Sign up"))
    organiser = make_user("主催者", "ja")
    organiser.follow()
    organiser.taps(_("I agree"))
    organiser.taps(_("Standard"))
    organiser.says("menu")
    organiser.taps(_("Organiser: my slots"))
    assert "主催" not in organiser.last_text() or "善福寺川の清掃" not in organiser.last_text()
    with session_scope(app) as session:
        grant_role(session, get_by_line_id(session, organiser.user_id), "organiser",
                   scope=str(organisation_id(app)))
    organiser.says("menu")
    organiser.taps(_("Organiser: my slots"))
    assert "善福寺川の清掃" in organiser.last_text()
    assert "よその活動" not in organiser.last_text()
    organiser.taps(_("Who signed up"))
    assert "山田花子" in organiser.last_text()
    assert resident.user_id not in organiser.last_text()


def test_the_venue_qr_checks_a_signed_up_person_in_when_its_message_is_sent(app, resident,
                                                                            tmp_path):
    from urllib.parse import unquote

    make_slot(app, title="防災訓練", code="321", starts_in=timedelta(minutes=20),
              checkin_word="KAEDE")
    resident.says("参加 321")
    resident.taps(_("Sign up"))
    target = tmp_path / "venue.png"
    result = app.test_cli_runner().invoke(
        args=["activities", "qr", "321", "--checkin", "--out", str(target)])
    assert result.exit_code == 0, result.output
    assert target.read_bytes().startswith(b"\x89PNG")
    link = result.output.split("(", 1)[1].rsplit(")", 1)[0]
    prefilled = unquote(link.split("/?", 1)[1])
    assert prefilled.endswith(" KAEDE")
    resident.says(prefilled)  # what LINE sends when the person taps send
    assert _("Checked in to “{title}”. Thank you for coming!", title="防災訓練") in (
        resident.last_text())
