"""Initiatives by conversation: present, express interest, talk, share contacts, opinions,
the preparation gathering with its invitations, answers and reminders."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from bot.db import session_scope
from models.gatherings import Rsvp
from models.initiatives import Initiative, Interest, Opinion
from models.outbox import Notification
from models.users import AuditLog
from simulator import events as ev
from tests.collab_helpers import deliver, ja, join, make_staff, schedule_gathering


def present(person, title="こども食堂を一緒に", summary="毎月第2土曜に子ども食堂を開きたいです。"):
    person.opens(ja("Initiatives"))
    person.taps(ja("Present one"))
    person.says(title)
    person.says(summary)
    person.taps(ja("People"))
    person.taps(ja("A venue"))
    person.taps(ja("Done"))
    person.taps(ja("Welfare"))
    person.taps("阿佐谷")
    person.taps(ja("Skip"))
    person.taps(ja("Publish"))


def express_interest(person, offer, message=None):
    person.opens(ja("Initiatives"))
    person.taps(ja("Newest"))
    person.taps(ja("I'm interested"))
    person.taps(ja(offer))
    person.taps(ja("Done"))
    if message is None:
        person.taps(ja("No message"))
    else:
        person.says(message)


@pytest.fixture
def presenter(resident):
    return resident


def test_the_initiative_loop_from_presenting_to_reminders(app, presenter, make_user):
    present(presenter)
    assert ja("Your initiative is published (No. {number}). You will hear from us as soon as "
              "someone is interested.", number=_only_initiative(app)) in presenter.last_text()

    tanaka, suzuki = join(make_user, "田中"), join(make_user, "鈴木")
    express_interest(tanaka, "People", "土曜の午前なら手伝えます")
    assert "こども食堂を一緒に" in tanaka.last_text()
    express_interest(suzuki, "Know-how")

    # the presenter is told at once: urgent rows, due now
    with session_scope(app) as session:
        told = session.scalars(select(Notification).where(
            Notification.kind == "initiative.interest")).all()
        assert len(told) == 2 and all(n.urgent for n in told)
    deliver(app)
    pushed = presenter.new_messages()
    assert len(pushed) == 2
    assert "土曜の午前なら手伝えます" in presenter.last_text()  # as written
    assert tanaka.user_id not in str(pushed)  # nobody's LINE id is shown

    # the presenter schedules the preparation gathering from the notification
    schedule_gathering(presenter, "2031-01-15T14:00", "阿佐谷地域区民センター 第1集会室")
    assert ja("Scheduled. {count} people were invited; you will see who attends here.",
              count=2) in presenter.last_text()

    deliver(app)
    for person in (tanaka, suzuki):
        person.new_messages()
        assert "阿佐谷地域区民センター 第1集会室" in person.last_text()
        person.taps(ja("Attend"))
    assert ja("You will attend. We will remind you the day before and shortly before it "
              "starts. Attending so far: {count}.", count=3) in suzuki.last_text()
    assert ja("Add to calendar") in suzuki.choices()

    with session_scope(app) as session:
        answers = session.scalars(select(Rsvp.answer)).all()
        assert sorted(answers) == ["yes", "yes", "yes"]
        reminders = session.scalars(select(Notification).where(
            Notification.kind == "gathering.reminder")).all()
    # 14:00 on 15 January in Tokyo: 18:00 the day before, and two hours before
    due = {n.due_at.replace(tzinfo=UTC) for n in reminders}
    assert due == {datetime(2031, 1, 14, 9, 0, tzinfo=UTC), datetime(2031, 1, 15, 3, 0, tzinfo=UTC)}
    assert len(reminders) == 6  # presenter and both partners, two each

    # the reminder reads well when it is sent
    deliver(app, datetime(2031, 1, 14, 9, 1, tzinfo=UTC))
    assert "阿佐谷地域区民センター 第1集会室" in tanaka.new_messages()[0]["altText"] + \
        tanaka.last_text()


def test_not_attending_cancels_the_reminders(app, presenter, make_user):
    present(presenter)
    tanaka = join(make_user, "田中")
    express_interest(tanaka, "People")
    presenter.opens(ja("Initiatives"))
    presenter.taps(ja("My initiatives"))
    presenter.taps(ja("Manage"))
    schedule_gathering(presenter, "2031-03-01T10:00", "https://meet.example.org/abc")
    deliver(app)
    tanaka.new_messages()
    tanaka.taps(ja("Attend"))
    tanaka.taps(ja("Not attending"))
    with session_scope(app) as session:
        mine = session.scalars(select(Notification).where(
            Notification.kind == "gathering.reminder",
            Notification.dedupe_key.like("%:" + str(tanaka.user_row().id)))).all()
    assert mine and {n.status for n in mine} == {"cancelled"}


def test_messages_and_contacts_pass_through_the_bot(app, presenter, make_user):
    present(presenter)
    tanaka = join(make_user, "田中")
    express_interest(tanaka, "People")
    deliver(app)
    presenter.new_messages()
    presenter.taps(ja("Reply"))
    presenter.says("ありがとうございます！来週お話しできますか？")
    deliver(app)
    tanaka.new_messages()
    assert "来週お話しできますか" in tanaka.last_text()
    tanaka.taps(ja("Reply"))
    tanaka.says("はい、大丈夫です")
    deliver(app)
    presenter.new_messages()
    assert "はい、大丈夫です" in presenter.last_text()

    presenter.taps(ja("Share contact"))
    presenter.says("090-1111-2222")
    deliver(app)
    tanaka.new_messages()
    assert "090-1111-2222" not in tanaka.last_text()  # not until both agree
    tanaka.taps(ja("Share contact"))
    tanaka.says("tanaka@example.jp")
    assert ja("Both sides agreed: the contact details are on their way to both of you.") \
        in tanaka.last_text()
    deliver(app)
    assert "tanaka@example.jp" in presenter.new_messages()[0]["text"]
    assert "090-1111-2222" in tanaka.new_messages()[0]["text"]


def test_opinions_are_asked_given_and_read(app, presenter, make_user):
    present(presenter)
    presenter.taps(ja("Manage"))
    presenter.taps(ja("Ask for opinions"))
    presenter.says("開催日は土曜と日曜どちらが良いですか？")
    other = join(make_user, "佐藤")
    other.opens(ja("Initiatives"))
    other.taps(ja("Newest"))
    other.taps(ja("Details"))
    assert "開催日は土曜と日曜どちらが良いですか？" in other.last_text()
    other.taps(ja("Give an opinion"))
    other.says("日曜の方が参加しやすいです")
    presenter.taps(ja("Read opinions"))
    assert "日曜の方が参加しやすいです" in presenter.last_text()
    with session_scope(app) as session:
        assert session.scalars(select(Opinion.phase)).all() == ["open"]


def test_status_moves_on_and_the_presenter_can_close(app, presenter):
    present(presenter)
    presenter.taps(ja("Manage"))
    presenter.taps(ja("Now: {status}", status=ja("Preparing")))
    assert ja("Preparing") in presenter.last_text()
    presenter.opens(ja("Initiatives"))
    presenter.taps(ja("My initiatives"))
    assert ja("Preparing") in presenter.last_text()  # on the card
    presenter.taps(ja("Manage"))
    presenter.taps(ja("Close it"))
    presenter.taps(ja("Close it"))
    with session_scope(app) as session:
        assert session.scalars(select(Initiative.status)).one() == "done"


def test_a_long_title_gets_a_friendly_answer(presenter):
    presenter.opens(ja("Initiatives"))
    presenter.taps(ja("Present one"))
    presenter.says("あ" * 81)
    assert ja("That is {length} characters. Please keep it to {limit} characters.",
              length=81, limit=80) in presenter.last_text()


def test_moderation_holds_an_initiative_until_staff_publish_it(app, presenter, make_user,
                                                               monkeypatch):
    monkeypatch.setitem(app.config, "INITIATIVE_MODERATION", 1)
    present(presenter)
    with session_scope(app) as session:
        assert session.scalars(select(Initiative.status)).one() == "review"
    staff = make_staff(app, join(make_user, "区職員"))
    staff.opens(ja("Initiatives"))
    staff.taps(ja("To review"))
    staff.taps(ja("Publish"))
    with session_scope(app) as session:
        assert session.scalars(select(Initiative.status)).one() == "open"


def test_forged_presenter_and_staff_postbacks_change_nothing(app, presenter, make_user):
    present(presenter)
    intruder = join(make_user, "他人")
    codec = app.extensions["machibot.codec"]
    initiative_id = _only_initiative(app)
    for action, args in (("ini_status", {"i": initiative_id}),
                         ("ini_close", {"i": initiative_id}),
                         ("ini_people", {"i": initiative_id}),
                         ("gathering_new", {"i": initiative_id}),
                         ("ini_review", {"i": initiative_id, "v": "no"})):
        intruder.send(ev.postback(intruder.user_id, codec.encode(action, **args),
                                  reply_token=intruder.token()))
    with session_scope(app) as session:
        assert session.scalars(select(Initiative.status)).one() == "open"
        refused = session.scalars(select(AuditLog.action).where(
            AuditLog.action.like("%.refused"))).all()
        assert len(refused) == 5
        assert session.scalars(select(Interest)).all() == []


def _only_initiative(app) -> int:
    with session_scope(app) as session:
        return session.scalars(select(Initiative.id)).one()


def _my_initiatives(presenter) -> None:  # type: ignore[no-untyped-def]
    presenter.opens(ja("Initiatives"))
    presenter.taps(ja("My initiatives"))
    presenter.taps(ja("Manage"))


def test_scheduling_with_no_one_interested_never_says_zero_people_were_invited(app,
                                                                               presenter):
    present(presenter)
    _my_initiatives(presenter)
    schedule_gathering(presenter, "2031-03-01T10:00", "阿佐谷地域区民センター")
    assert ja("Scheduled. {count} people were invited; you will see who attends here.",
              count=0) not in presenter.last_text()
    assert ja("Scheduled. No one is interested yet: whoever expresses interest will be "
              "invited.") in presenter.last_text()


def test_interest_after_the_gathering_was_scheduled_is_invited_and_can_rsvp(app, presenter,
                                                                           make_user):
    present(presenter)
    _my_initiatives(presenter)
    schedule_gathering(presenter, "2031-03-01T10:00", "阿佐谷地域区民センター")
    late = join(make_user, "遅れて来た人")
    express_interest(late, "People")
    assert ja("You will be invited to the preparation gathering.") not in late.last_text()
    assert "阿佐谷地域区民センター" in late.last_text()
    with session_scope(app) as session:
        [rsvp] = session.scalars(select(Rsvp).where(Rsvp.user_id == late.user_row().id)).all()
        assert rsvp.answer == ""
    # and from the initiative's detail card later on
    late.opens(ja("Initiatives"))
    late.taps(ja("Newest"))
    late.taps(ja("Details"))
    assert "阿佐谷地域区民センター" in late.last_text()
    late.taps(ja("Attend"))
    with session_scope(app) as session:
        assert session.scalars(select(Rsvp.answer).where(
            Rsvp.user_id == late.user_row().id)).one() == "yes"
    deliver(app)
    invitations = [m for m in late.new_messages()
                   if ja("You are invited. Will you attend?") in str(m)]
    assert len(invitations) <= 1


def test_expressing_interest_twice_tells_the_presenter_once(app, presenter, make_user):
    present(presenter)
    tanaka = join(make_user, "田中")
    express_interest(tanaka, "People")
    deliver(app)
    presenter.new_messages()
    time.sleep(1.1)  # a later second: a key made of the time would differ
    express_interest(tanaka, "Know-how")
    deliver(app)
    assert presenter.new_messages() == []
    with session_scope(app) as session:
        told = session.scalars(select(Notification).where(
            Notification.kind == "initiative.interest")).all()
    assert len(told) == 1
