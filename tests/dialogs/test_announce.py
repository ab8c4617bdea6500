"""Staff announcements in the chat and from the command line."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.db import session_scope
from bot.kernel.composer import SIMPLE_CHOICE_LIMIT
from bot.kernel.i18n import gettext
from bot.notify.dispatch import dispatch
from dialogs.subscriptions import OFF, ON
from models.announcements import SEGMENTS, Announcement
from models.outbox import Notification
from models.users import AuditLog, get_by_line_id, grant_role
from simulator import events as ev


def noon_tomorrow():
    return (datetime.now(UTC) + timedelta(days=1)).replace(hour=3)  # 12:00 in Tokyo


def ja(msgid, **params):
    return gettext("ja", msgid, **params)


@pytest.fixture
def staff(app, resident):
    with session_scope(app) as session:
        grant_role(session, get_by_line_id(session, resident.user_id), "staff")
    return resident


@pytest.fixture
def readers(make_user):
    people = []
    for name, language in (("Ann", "en"), ("Bao", "vi"), ("花子", "ja")):
        person = make_user(name, language)
        person.follow()
        person.taps(gettext(person.user_row().locale, "I agree"))
        people.append(person)
    return people


def compose(staff, text="公園の清掃は中止です"):
    staff.says("お知らせ配信")
    staff.taps(ja("New announcement"))
    staff.says(text)


def test_staff_compose_preview_and_send_to_everyone(app, staff, readers):
    compose(staff)
    staff.taps("English")
    staff.says("The park clean-up is cancelled")
    staff.taps(ja("Go on"))
    staff.taps(ja("Everyone"))
    assert ja("Recipients: {count}", count=4) in staff.last_text()
    assert "公園の清掃は中止です" in staff.last_text()  # the preview
    staff.taps(ja("Send now"))
    staff.taps(ja("Send"))
    assert "4" in staff.last_text()
    stats = dispatch(app, noon_tomorrow())
    assert stats.sent == 4
    ann, bao, hanako = readers
    assert "The park clean-up is cancelled" in ann.new_messages()[0]["text"]
    vietnamese = bao.new_messages()[0]["text"]
    assert "公園の清掃は中止です" in vietnamese
    assert gettext("vi", "(This notice is in Japanese only.)") in vietnamese
    staff.new_messages()
    staff.says("お知らせ配信")
    staff.taps(ja("Results"))
    assert "4" in staff.last_text() and ja("Results") not in staff.last_text()
    with session_scope(app) as session:
        announcement = session.scalars(select(Announcement)).one()
        assert (announcement.targeted, announcement.sent, announcement.failed) == (4, 4, 0)


def test_a_segment_by_language_and_a_later_time(app, staff, readers):
    compose(staff)
    staff.taps(ja("Go on"))
    staff.taps(ja("By language"))
    staff.taps("✗ English")
    staff.taps("✗ Tiếng Việt")
    staff.taps(ja("Done"))
    assert ja("Recipients: {count}", count=2) in staff.last_text()
    staff.taps(ja("Send later"), datetime="2031-01-05T09:30")
    staff.taps(ja("Send"))
    with session_scope(app) as session:
        rows = session.scalars(select(Notification)).all()
    assert len(rows) == 2
    assert {r.due_at.replace(tzinfo=UTC) for r in rows} == {
        datetime(2031, 1, 5, 0, 30, tzinfo=UTC)}


def test_a_resident_sending_a_staff_postback_is_refused_and_logged(app, resident):
    data = app.extensions["machibot.codec"].encode("announce")
    resident.send(ev.postback(resident.user_id, data, reply_token=resident.token()))
    assert ja("Sorry, this is for ward staff only.") in resident.last_text()
    resident.says("お知らせ配信")
    assert ja("Sorry, this is for ward staff only.") in resident.last_text()
    with session_scope(app) as session:
        refused = session.scalars(select(AuditLog).where(
            AuditLog.action == "announce.refused")).all()
        assert len(refused) == 2
        assert session.scalars(select(Notification)).all() == []


def test_machibot_announce_sends_a_file(app, readers, tmp_path):
    path = tmp_path / "notice.json"
    path.write_text('{"texts": {"ja": "断水のお知らせ", "en": "Water outage"}, '
                    '"segment": {"kind": "languages", "values": ["en"]}}', encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["announce", str(path), "--yes"])
    assert result.exit_code == 0, result.output
    assert "recipients: 1" in result.output
    dispatch(app, noon_tomorrow())
    assert readers[0].new_messages()[0]["text"].endswith("Water outage")


def _join(person, code: str, label: str = "Sign up") -> None:  # type: ignore[no-untyped-def]
    locale = person.user_row().locale
    person.taps(gettext(locale, "Standard"))
    person.taps(gettext(locale, "Skip"))
    person.says(f"join {code}")
    person.taps(gettext(locale, label))


@pytest.fixture
def participants(app, readers):
    """Ann is signed up for slot 123 and 花子 waits for it; Bao is signed up for 124."""
    from tests.activity_factory import make_slot

    make_slot(app, title="善福寺川の清掃", code="123", capacity=1)
    make_slot(app, title="子ども食堂", code="124", category="childcare")
    make_slot(app, title="誰もいない", code="125")
    ann, bao, hanako = readers
    _join(ann, "123")
    _join(hanako, "123", "Join the waitlist")
    _join(bao, "124")
    return readers


def test_staff_send_to_the_participants_of_a_slot_typed_or_chosen(app, staff, participants):
    compose(staff, "集合場所が変わりました")
    staff.taps(ja("Go on"))
    staff.taps(ja("Participants"))
    assert ja("Tap an activity, or type its slot code. Then tap Done.") in staff.last_text()
    listed = [c for c in staff.choices() if c.startswith("✗")]
    assert listed == ["✗ 123 善福寺川の清掃", "✗ 124 子ども食堂"]  # slots with participants
    staff.says("999")
    assert ja("Nothing matches “{text}”. Please check it and type it again.",
              text="999") in staff.last_text()
    staff.says("123")
    assert "✓ 123 善福寺川の清掃" in staff.choices()
    staff.taps("✗ 124 子ども食堂")
    staff.taps(ja("Done"))
    assert ja("Recipients: {count}", count=2) in staff.last_text()
    staff.taps(ja("Send now"))
    staff.taps(ja("Send"))
    dispatch(app, noon_tomorrow())
    ann, bao, hanako = participants
    assert "集合場所が変わりました" in ann.new_messages()[0]["text"]
    assert "集合場所が変わりました" in bao.new_messages()[0]["text"]
    assert hanako.new_messages() == []  # on the waitlist, not a participant
    with session_scope(app) as session:
        announcement = session.scalars(select(Announcement)).one()
        assert announcement.segment == {"kind": "participants", "values": ["123", "124"]}


def test_staff_send_to_the_participants_of_an_activity_in_the_chat(app, staff, participants):
    """The segments models/segments.py adds (an activity's participants, an organisation's
    followers) are the chat's too."""
    compose(staff, "活動の日程が変わりました")
    staff.taps(ja("Go on"))
    assert ja("Followers") in staff.choices()
    staff.taps(ja("By activity"))
    listed = [c for c in staff.choices() if c.startswith("✗")]
    assert sorted(listed) == ["✗ 善福寺川の清掃", "✗ 子ども食堂"]  # activities with participants
    staff.taps("✗ 善福寺川の清掃")
    staff.taps(ja("Done"))
    assert ja("Recipients: {count}", count=1) in staff.last_text()  # Ann, not who waits


def test_machibot_announce_to_the_participants_of_a_slot(app, participants, tmp_path):
    path = tmp_path / "notice.txt"
    path.write_text("雨天のため中止します", encoding="utf-8")
    runner = app.test_cli_runner()
    unknown = runner.invoke(args=["announce", str(path), "--segment", "participants:999",
                                  "--yes"])
    assert unknown.exit_code != 0 and "999" in unknown.output
    result = runner.invoke(args=["announce", str(path), "--segment", "participants:123",
                                 "--yes"])
    assert result.exit_code == 0, result.output
    assert "recipients: 1" in result.output
    dispatch(app, noon_tomorrow())
    ann, bao, hanako = participants
    assert "雨天のため中止します" in ann.new_messages()[0]["text"]
    assert bao.new_messages() == [] and hanako.new_messages() == []


def tap_more_until(person, label: str) -> None:
    """Page with "More" (simple mode) until `label` is among the choices."""
    for _ in range(10):
        assert len(person.choices()) <= SIMPLE_CHOICE_LIMIT, person.choices()
        assert ja("Back to menu") in person.choices()
        if label in person.choices():
            return
        person.taps(ja("More"))
    raise AssertionError(f"{label!r} is on no page")


def test_simple_mode_staff_page_through_segments_four_choices_at_a_time(app, staff, readers):
    staff.says("simple mode")
    compose(staff)
    tap_more_until(staff, "English")
    staff.taps("English")
    staff.says("The park clean-up is cancelled")
    staff.taps(ja("Go on"))
    assert ja("Who should receive it?") in staff.last_text()
    seen = set()
    for _ in range(-(-len(SEGMENTS) // 2)):  # two a page; the pages wrap around to the first
        assert len(staff.choices()) <= SIMPLE_CHOICE_LIMIT
        assert ja("Back to menu") in staff.choices() and ja("More") in staff.choices()
        seen.update(staff.choices())
        staff.taps(ja("More"))
    assert {ja(s.label) for s in SEGMENTS.values()} <= seen
    tap_more_until(staff, ja("By language"))
    staff.taps(ja("By language"))
    tap_more_until(staff, "✗ English")
    staff.taps("✗ English")
    assert "✓ English" in staff.choices()  # the tap keeps its page
    staff.taps(ja("Done"))
    assert ja("Recipients: {count}", count=1) in staff.last_text()
    staff.taps(ja("Send now"))
    staff.taps(ja("Send"))
    dispatch(app, noon_tomorrow())
    assert "The park clean-up is cancelled" in readers[0].new_messages()[0]["text"]


def _schedule_later(staff) -> None:  # type: ignore[no-untyped-def]
    compose(staff)
    staff.taps(ja("Go on"))
    staff.taps(ja("Everyone"))
    staff.taps(ja("Send later"), datetime="2031-01-05T09:30")
    staff.taps(ja("Send"))


def _statuses(app) -> set[str]:  # type: ignore[no-untyped-def]
    with session_scope(app) as session:
        return {row.status for row in session.scalars(select(Notification))}


def test_staff_cancel_a_scheduled_announcement_in_the_chat(app, staff, readers):
    _schedule_later(staff)
    staff.says("お知らせ配信")
    staff.taps(ja("Results"))
    [announcement_id] = _announcement_ids(app)
    staff.taps(ja("Cancel No. {number}", number=announcement_id))
    staff.taps(ja("Cancel it"))
    assert ja("Announcement {number} is cancelled: {count} messages will not be sent.",
              number=announcement_id, count=4) in staff.last_text()
    assert _statuses(app) == {"cancelled"}
    assert dispatch(app, datetime(2031, 1, 6, tzinfo=UTC)).sent == 0
    with session_scope(app) as session:
        assert session.get(Announcement, announcement_id).status == "cancelled"
        [logged] = session.scalars(select(AuditLog).where(
            AuditLog.action == "announce.cancel")).all()
        assert logged.detail["announcement"] == announcement_id


def test_a_resident_replaying_the_cancel_button_is_refused(app, staff, readers):
    _schedule_later(staff)
    [announcement_id] = _announcement_ids(app)
    ann = readers[0]
    data = app.extensions["machibot.codec"].encode("announce", v="cancel",
                                                   n=str(announcement_id))
    ann.send(ev.postback(ann.user_id, data, reply_token=ann.token()))
    assert gettext("en", "Sorry, this is for ward staff only.") in ann.last_text()
    assert "cancelled" not in _statuses(app)


def test_machibot_announce_cancel(app, staff, readers):
    _schedule_later(staff)
    [announcement_id] = _announcement_ids(app)
    runner = app.test_cli_runner()
    result = runner.invoke(args=["announce", "cancel", str(announcement_id)])
    assert result.exit_code == 0, result.output
    assert f"announcement {announcement_id}: 4 messages cancelled" in result.output
    assert "cancelled" in _statuses(app)
    again = runner.invoke(args=["announce", "cancel", str(announcement_id)])
    assert again.exit_code != 0 and "not scheduled" in again.output
    with session_scope(app) as session:
        assert session.scalars(select(AuditLog).where(
            AuditLog.action == "announce.cancel")).one().actor_id is None


def _announcement_ids(app) -> list[int]:  # type: ignore[no-untyped-def]
    with session_scope(app) as session:
        return list(session.scalars(select(Announcement.id)))


def test_simple_mode_results_with_many_scheduled_keep_to_four_choices(app, staff, tmp_path):
    path = tmp_path / "notice.txt"
    path.write_text("断水のお知らせ", encoding="utf-8")
    runner = app.test_cli_runner()
    for _number in range(5):
        result = runner.invoke(args=["announce", str(path), "--at", "2031-01-05T09:30",
                                     "--yes"])
        assert result.exit_code == 0, result.output
    staff.says("simple mode")
    staff.says("お知らせ配信")
    staff.taps(ja("Results"))
    assert "断水のお知らせ" in staff.last_text()
    assert len(staff.choices()) <= SIMPLE_CHOICE_LIMIT
    assert ja("Back to menu") in staff.choices()


def test_no_announcement_for_who_declined_the_privacy_notice_or_turned_news_off(
        app, staff, readers, make_user):
    declined = make_user("未同意", "ja")
    declined.follow()
    declined.taps(ja("Not now"))
    muted = make_user("お知らせオフ", "ja")
    muted.follow()
    muted.taps(ja("I agree"))
    muted.opens(ja("Notifications"))
    muted.taps(ja("On / off"))
    muted.taps(f"{ON} {ja('Ward news')}")
    assert f"{OFF} {ja('Ward news')}" in muted.choices()
    compose(staff)
    staff.taps(ja("Go on"))
    staff.taps(ja("Everyone"))
    assert ja("Recipients: {count}", count=4) in staff.last_text()  # staff and the readers
    staff.taps(ja("Send now"))
    staff.taps(ja("Send"))
    stats = dispatch(app, noon_tomorrow())
    assert stats.sent == 4
    assert declined.new_messages() == [] and muted.new_messages() == []
    with session_scope(app) as session:
        assert session.scalars(select(Announcement.targeted)).one() == 4
