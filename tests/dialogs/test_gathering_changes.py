"""Moving and cancelling a gathering in the chat, closing an idea call early, and the
"add to calendar" link in invitations and reminders."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import urlsplit

import pytest
from icalendar import Calendar
from sqlalchemy import select

from bot.db import session_scope
from bot.kernel.i18n import gettext
from models.gatherings import Gathering
from models.ideas import Idea, IdeaCall
from models.outbox import Notification
from models.users import AuditLog
from simulator import events as ev
from tests.collab_helpers import deliver, ja, join, make_staff, schedule_gathering
from tests.dialogs.test_idea_calls import post_call, submit
from tests.dialogs.test_initiatives import express_interest, present


def en(msgid: str, **params) -> str:
    return gettext("en", msgid, **params)


@pytest.fixture
def planned(app, resident, make_user):
    """A presenter's gathering on 15 January 2031 at 14:00, with an English-speaking
    partner who will attend and a Japanese one who has not answered."""
    present(resident)
    alice, sato = join(make_user, "Alice", "en"), join(make_user, "佐藤")
    alice.opens(en("Initiatives"))
    for label in ("Newest", "I'm interested", "People", "Done", "No message"):
        alice.taps(en(label))
    express_interest(sato, "Know-how")
    resident.opens(ja("Initiatives"))
    resident.taps(ja("My initiatives"))
    resident.taps(ja("Manage"))
    schedule_gathering(resident, "2031-01-15T14:00", "阿佐谷地域区民センター")
    deliver(app)
    alice.new_messages()
    alice.taps(en("Attend"))
    sato.new_messages()
    return resident, alice, sato


def open_gathering(presenter) -> None:
    presenter.opens(ja("Initiatives"))
    presenter.taps(ja("My initiatives"))
    presenter.taps(ja("Manage"))
    presenter.taps(ja("Next gathering"))
    presenter.taps(ja("Change or cancel"))


def pending_reminders(app) -> set[tuple[int, datetime]]:
    with session_scope(app) as session:
        rows = session.scalars(select(Notification).where(
            Notification.kind == "gathering.reminder", Notification.state == "pending")).all()
        return {(n.user_id, n.due_at.replace(tzinfo=UTC)) for n in rows}


def calendar_event(client, link: str):  # type: ignore[no-untyped-def]
    """Download the calendar file behind a link as a phone would, and read its one event."""
    parts = urlsplit(link)
    response = client.get(f"{parts.path}?{parts.query}")
    assert response.status_code == 200 and response.mimetype == "text/calendar"
    [event] = Calendar.from_ical(response.data).walk("VEVENT")
    return event


def test_moving_a_gathering_moves_the_reminders_and_tells_the_invited(app, planned):
    presenter, alice, sato = planned
    before = {due for _, due in pending_reminders(app)}
    assert before == {datetime(2031, 1, 14, 9, 0, tzinfo=UTC),
                      datetime(2031, 1, 15, 3, 0, tzinfo=UTC)}

    open_gathering(presenter)
    presenter.taps(ja("New date and time"))
    presenter.taps(ja("Pick date and time"), datetime="2031-01-22T10:00")
    presenter.taps(ja("Change it"))
    assert ja("Changed. {count} people were told.", count=2) in presenter.last_text()

    # 10:00 on 22 January in Tokyo: 18:00 the day before, and 8:00 (two hours before)
    after = pending_reminders(app)
    assert {due for _, due in after} == {datetime(2031, 1, 21, 9, 0, tzinfo=UTC),
                                         datetime(2031, 1, 21, 23, 0, tzinfo=UTC)}
    assert len(after) == 4  # the presenter and Alice attend; Sato has not answered

    deliver(app)
    alice.new_messages()
    assert en("The gathering has changed. Will you attend?") in alice.last_text()
    assert "2031" in alice.last_text() and "22" in alice.last_text()
    sato.new_messages()
    assert ja("The gathering has changed. Will you attend?") in sato.last_text()
    assert presenter.new_messages() == []  # the one who moved it is not told

    # the reminder, when it goes, reads the new time
    deliver(app, datetime(2031, 1, 21, 9, 1, tzinfo=UTC))
    alice.new_messages()
    assert "22" in alice.last_text() and "Jan" in alice.last_text()


def test_a_new_place_replaces_the_old_one_for_everyone(app, client, planned):
    presenter, alice, _ = planned
    open_gathering(presenter)
    presenter.taps(ja("New place"))
    presenter.says("https://meet.example.org/xyz")
    presenter.taps(ja("Change it"))
    with session_scope(app) as session:
        gathering = session.scalars(select(Gathering)).one()
        assert (gathering.place, gathering.online_url) == ("", "https://meet.example.org/xyz")
        assert gathering.sequence == 1  # calendars that have it update their entry
    deliver(app)
    alice.new_messages()
    assert "https://meet.example.org/xyz" in alice.last_text()
    assert "阿佐谷地域区民センター" not in alice.last_text()
    event = calendar_event(client, alice.find_action(en("Add to calendar"))["uri"])
    assert str(event["LOCATION"]) == "https://meet.example.org/xyz"
    assert str(event["DESCRIPTION"]) == en("Online: {link}", link="https://meet.example.org/xyz")


def test_cancelling_tells_the_invited_and_stops_the_reminders(app, planned):
    presenter, alice, sato = planned
    open_gathering(presenter)
    presenter.taps(ja("Cancel the gathering"))
    presenter.taps(ja("Cancel the gathering"))
    assert ja("The gathering is cancelled. {count} people were told.", count=2) \
        in presenter.last_text()
    assert pending_reminders(app) == set()
    deliver(app)
    alice.new_messages()
    title = en("{text} (Japanese)", text="こども食堂を一緒に")  # the title as written
    assert en("{title} is cancelled.", title=en("Preparation gathering: {title}",
                                                title=title)) in alice.last_text()
    sato.new_messages()
    assert ja("{title} is cancelled.", title=ja("Preparation gathering: {title}",
                                                title="こども食堂を一緒に")) in sato.last_text()


def test_a_resident_cannot_move_or_cancel_a_gathering(app, planned):
    _, alice, _ = planned
    with session_scope(app) as session:
        gathering = session.scalars(select(Gathering)).one()
        gathering_id, starts = gathering.id, gathering.starts_at
    codec = app.extensions["machibot.codec"]
    forged = [("gathering_manage", {"g": gathering_id}),
              ("gathering_edit", {"g": gathering_id, "f": "when"}),
              ("gathering_cancel", {"g": gathering_id})]
    for action, args in forged:
        alice.send(ev.postback(alice.user_id, codec.encode(action, **args),
                               reply_token=alice.token()))
    # not on the card for her either
    alice.send(ev.postback(alice.user_id, codec.encode("gathering", g=gathering_id),
                           reply_token=alice.token()))
    assert en("Change or cancel") not in alice.choices()
    with session_scope(app) as session:
        gathering = session.get(Gathering, gathering_id)
        assert not gathering.cancelled and gathering.starts_at == starts
        refused = session.scalars(select(AuditLog.action).where(
            AuditLog.action == "gathering.manage.refused")).all()
    assert len(refused) == 3
    assert len(pending_reminders(app)) == 4


def test_invitations_and_reminders_carry_the_calendar_link(app, client, resident, make_user,
                                                           monkeypatch):
    monkeypatch.setitem(app.config, "PUBLIC_BASE_URL", "https://machi.example.jp/")
    present(resident)
    tanaka = join(make_user, "田中")
    express_interest(tanaka, "People")
    resident.taps(ja("Manage"))
    schedule_gathering(resident, "2031-01-15T14:00", "阿佐谷地域区民センター")
    deliver(app)
    tanaka.new_messages()
    link = tanaka.find_action(ja("Add to calendar"))
    assert link["type"] == "uri" and link["uri"].startswith("https://machi.example.jp/ics/")
    tanaka.taps(ja("Attend"))

    deliver(app, datetime(2031, 1, 14, 9, 1, tzinfo=UTC))
    tanaka.new_messages()
    assert ja("Reminder: {title}", title="") in tanaka.last_text()
    assert tanaka.find_action(ja("Add to calendar"))["uri"] == link["uri"]
    calendar = client.get(link["uri"].removeprefix("https://machi.example.jp"))
    assert calendar.status_code == 200 and calendar.mimetype == "text/calendar"
    assert b"DTSTART:20310115T050000Z" in calendar.data


def test_the_calendar_file_reads_in_each_readers_language_and_follows_the_gathering(
        app, client, planned):
    presenter, alice, sato = planned
    alice_link = alice.find_action(en("Add to calendar"))["uri"]  # beside her "Attend" reply
    sato_link = sato.find_action(ja("Add to calendar"))["uri"]  # on his invitation
    title = "こども食堂を一緒に"
    alice_event, sato_event = calendar_event(client, alice_link), calendar_event(client, sato_link)
    assert str(alice_event["SUMMARY"]) == en("Preparation gathering: {title}", title=title)
    assert str(sato_event["SUMMARY"]) == ja("Preparation gathering: {title}", title=title)
    assert str(alice_event["SUMMARY"]) != str(sato_event["SUMMARY"])
    assert str(alice_event["LOCATION"]) == "阿佐谷地域区民センター"
    assert alice_event["UID"] == sato_event["UID"]  # one gathering, one calendar entry
    assert alice_event["SEQUENCE"] == 0
    assert alice_event.decoded("DTSTART") == datetime(2031, 1, 15, 5, 0, tzinfo=UTC)
    # a language the bot does not speak, or none, reads in the bot's default language
    token_path = urlsplit(alice_link).path
    default = gettext(app.config["BOT_DEFAULT_LOCALE"], "Preparation gathering: {title}",
                      title=title)
    for link in (f"{token_path}?lang=xx", token_path):
        assert str(calendar_event(client, link)["SUMMARY"]) == default

    open_gathering(presenter)
    presenter.taps(ja("New date and time"))
    presenter.taps(ja("Pick date and time"), datetime="2031-01-22T10:00")
    presenter.taps(ja("Change it"))
    moved = calendar_event(client, alice_link)
    assert moved["UID"] == alice_event["UID"]  # the phone updates the entry it has
    assert moved["SEQUENCE"] == 1
    assert moved.decoded("DTSTART") == datetime(2031, 1, 22, 1, 0, tzinfo=UTC)
    assert str(moved["SUMMARY"]) == str(alice_event["SUMMARY"])

    open_gathering(presenter)
    presenter.taps(ja("Cancel the gathering"))
    presenter.taps(ja("Cancel the gathering"))
    cancelled = calendar_event(client, sato_link)
    assert cancelled["UID"] == alice_event["UID"]
    assert cancelled["SEQUENCE"] == 2 and cancelled["STATUS"] == "CANCELLED"


def test_staff_close_an_idea_call_early(app, resident, make_user):
    staff = make_staff(app, join(make_user, "区職員"))
    post_call(staff)
    submit(resident, "駐輪場を増やす")
    staff.opens(ja("Idea calls"))
    staff.taps(ja("Details"))
    staff.taps(ja("Close the call"))
    staff.taps(ja("Close the call"))
    with session_scope(app) as session:
        assert session.scalars(select(IdeaCall.status)).one() == "closed"
        assert len(session.scalars(select(Idea)).all()) == 1  # kept for review
        assert session.scalars(select(AuditLog.action).where(
            AuditLog.action == "idea_call.close")).all() == ["idea_call.close"]
    resident.opens(ja("Idea calls"))
    assert ja("There are no open idea calls right now.") in resident.last_text()
