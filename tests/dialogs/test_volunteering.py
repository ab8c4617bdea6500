"""After signing up: reminders, check-in, "how did it go?", my record, organisers' lists."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from bot.db import session_scope
from bot.kernel.i18n import gettext
from bot.notify.dispatch import dispatch
from models.attendance import Feedback
from models.organisations import Organisation, add_member
from models.signups import Signup
from models.users import get_by_line_id
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
    resident.opens(_("Check in"))
    resident.says("UME")
    assert _("That check-in word does not match an activity you signed up for today. "
             "Please check the word, or ask the organiser.") in resident.last_text()


def test_a_forged_rating_for_someone_elses_sign_up_is_refused(app, resident, make_user):
    make_slot(app, code="123", starts_in=timedelta(hours=-3))
    other = make_user("鈴木", "ja")
    other.follow()
    other.taps(_("I agree"))
    other.taps(_("Standard"))
    other.taps(_("Skip"))
    with session_scope(app) as session:
        from models.activities import Slot

        owner = get_by_line_id(session, other.user_id)
        signup = Signup(slot_id=session.scalar(select(Slot.id)), user_id=owner.id,
                        status="confirmed")
        session.add(signup)
        session.flush()
        signup_id = signup.id
    from simulator import events as ev

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
    organiser.taps(_("Skip"))
    assert _("Organiser: my slots") not in organiser.menu_labels()  # not a member yet
    with session_scope(app) as session:
        add_member(session, session.get(Organisation, organisation_id(app)),
                   get_by_line_id(session, organiser.user_id))
    organiser.opens(_("Organiser: my slots"))
    assert "善福寺川の清掃" in organiser.last_text()
    assert "よその活動" not in organiser.last_text()
    organiser.taps(_("Who signed up"))
    assert "山田花子" in organiser.last_text()
    assert resident.user_id not in organiser.last_text()


def test_the_roster_of_a_slot_without_a_limit_says_so(app, resident, make_user):
    make_slot(app, title="写真展の受付", code="123", capacity=None)
    resident.says("参加 123")
    resident.taps(_("Sign up"))
    organiser = make_user("主催者", "ja")
    organiser.follow()
    organiser.taps(_("I agree"))
    organiser.taps(_("Standard"))
    organiser.taps(_("Skip"))
    with session_scope(app) as session:
        add_member(session, session.get(Organisation, organisation_id(app)),
                   get_by_line_id(session, organiser.user_id))
    organiser.opens(_("Organiser: my slots"))
    organiser.taps(_("Who signed up"))
    assert _("Signed up: {taken} / {capacity}", taken=1,
             capacity=_("no limit")) in organiser.last_text()


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


# -- organisers mark attendance ----------------------------------------------------------------


def _joined(make_user, name: str, code: str = "123"):  # type: ignore[no-untyped-def]
    person = make_user(name, "ja")
    person.follow()
    person.taps(_("I agree"))
    person.taps(_("Standard"))
    person.taps(_("Skip"))
    person.says(f"参加 {code}")
    person.taps(_("Sign up"))
    return person


def _organiser(app, make_user, organisation: str = "荻窪みどりの会"):  # type: ignore[no-untyped-def]
    person = make_user("主催者", "ja")
    person.follow()
    person.taps(_("I agree"))
    person.taps(_("Standard"))
    person.taps(_("Skip"))
    with session_scope(app) as session:
        add_member(session, session.get(Organisation, organisation_id(app, organisation)),
                   get_by_line_id(session, person.user_id))
    return person


def _start_slot(app, slot_id: int, ago: timedelta = timedelta(minutes=90)) -> None:
    from models.activities import Slot

    with session_scope(app) as session:
        slot = session.get(Slot, slot_id)
        slot.starts_at = datetime.now(UTC) - ago
        slot.ends_at = slot.starts_at + timedelta(hours=2)


def _person_card(person, name: str) -> dict:  # type: ignore[no-untyped-def]
    """The organiser's attendance card of `name` in the latest carousel."""
    from tests.conftest import flex_texts

    for message in person.last:
        if message["type"] == "flex" and message["contents"]["type"] == "carousel":
            for bubble in message["contents"]["contents"]:
                if flex_texts(bubble)[0] == name:
                    return bubble
    raise AssertionError(f"no card for {name!r} in {person.last_text()!r}")


def _tap_on_card(person, card: dict, label: str) -> None:  # type: ignore[no-untyped-def]
    from simulator import events as ev
    from tests.conftest import actions_of

    [action] = [a for a in actions_of({"type": "flex", "contents": card})
                if a["label"] == label]
    person.send(ev.postback(person.user_id, action["data"], reply_token=person.token()))


def _status_and_points(app, line_user_id: str) -> tuple[str, int]:
    from sqlalchemy import func

    from models.attendance import PointEntry

    with session_scope(app) as session:
        user = get_by_line_id(session, line_user_id)
        status = session.scalar(select(Signup.status).where(Signup.user_id == user.id))
        points = session.scalar(select(func.coalesce(func.sum(PointEntry.points), 0))
                                .where(PointEntry.user_id == user.id))
        return status, points


def test_after_the_slot_the_organiser_marks_who_came_and_who_did_not(app, make_user):
    slot_id = make_slot(app, title="善福寺川の清掃", code="123", hours=2, checkin_word="SAKURA")
    came, marked, absent = (_joined(make_user, name) for name in ("山田", "鈴木", "田中"))
    organiser = _organiser(app, make_user)
    organiser.opens(_("Organiser: my slots"))
    organiser.taps(_("Who signed up"))
    assert _("Mark attendance") not in organiser.choices()  # not before the slot starts
    _start_slot(app, slot_id)
    came.says("チェックイン SAKURA")
    organiser.opens(_("Organiser: my slots"))
    organiser.taps(_("Who signed up"))
    organiser.taps(_("Mark attendance"))
    assert _("Still to mark: {count}", count=2) in organiser.texts()[0]
    assert flex_texts_of(_person_card(organiser, "山田")) == [
        "山田", _("Attended (checked in)")]  # checked in: nothing to mark
    cards = {name: _person_card(organiser, name) for name in ("鈴木", "田中")}
    _tap_on_card(organiser, cards["鈴木"], _("Attended"))
    assert _("{name} is marked: {status}.", name="鈴木", status=_("Attended")) in (
        organiser.last_text())
    _tap_on_card(organiser, cards["田中"], _("Did not come"))
    assert _("Everyone is marked. Thank you!") in organiser.last_text()
    assert _status_and_points(app, came.user_id) == ("attended", 20)
    assert _status_and_points(app, marked.user_id) == ("attended", 20)
    assert _status_and_points(app, absent.user_id) == ("no_show", 0)
    marked.opens(_("My record"))
    assert _("Points: {points}", points=20) in marked.last_text()
    # a mistaken mark is corrected from the list; the points go back
    organiser.taps(_("Mark attendance"))
    _tap_on_card(organiser, _person_card(organiser, "鈴木"), _("Did not come"))
    assert _status_and_points(app, marked.user_id) == ("no_show", 0)
    # someone who checked in stays attended, whatever the button says
    from simulator import events as ev

    with session_scope(app) as session:
        own = session.scalar(select(Signup.id).where(
            Signup.user_id == get_by_line_id(session, came.user_id).id))
    data = app.extensions["machibot.codec"].encode("org_mark", g=own, v="no_show")
    organiser.send(ev.postback(organiser.user_id, data, reply_token=organiser.token()))
    assert _("{name} checked in, so they stay marked as attended.", name="山田") in (
        organiser.last_text())
    assert _status_and_points(app, came.user_id) == ("attended", 20)
    with session_scope(app) as session:
        from models.users import AuditLog

        marks = session.scalars(select(AuditLog).where(
            AuditLog.action == "attendance.mark")).all()
        assert len(marks) == 3


def test_a_resident_forging_the_organiser_postback_is_refused_and_logged(app, make_user):
    from models.users import AuditLog
    from simulator import events as ev

    slot_id = make_slot(app, code="123")
    make_slot(app, code="124", title="よその活動", organisation="別の団体")
    participant = _joined(make_user, "鈴木")
    _start_slot(app, slot_id)
    with session_scope(app) as session:
        signup_id = session.scalar(select(Signup.id))
    forger = _joined(make_user, "偽物", code="124")
    other_organiser = _organiser(app, make_user, organisation="別の団体")
    codec = app.extensions["machibot.codec"]
    refused = _("This is for organisers of activities. Ask the ward office if you run one.")
    for person in (forger, other_organiser):
        for action, args in (("org_mark", {"g": signup_id, "v": "no_show"}),
                             ("org_attend", {"s": slot_id}), ("roster", {"s": slot_id})):
            data = codec.encode(action, **args)
            person.send(ev.postback(person.user_id, data, reply_token=person.token()))
            assert refused in person.last_text()
            assert "鈴木" not in person.last_text()
    assert _status_and_points(app, participant.user_id) == ("confirmed", 0)
    with session_scope(app) as session:
        logged = session.scalars(select(AuditLog).where(
            AuditLog.action == "organiser.refused")).all()
        assert len(logged) == 6
        assert {row.detail["postback"] for row in logged} == {"org_mark", "org_attend",
                                                                "roster"}


def flex_texts_of(bubble: dict) -> list[str]:
    from tests.conftest import flex_texts

    return flex_texts(bubble)
