"""Idea calls by conversation: staff post a call, residents submit ideas (also in simple
mode and as a photo), staff review, the submitter is told; limits, deadline, forgeries."""

from __future__ import annotations

import json
import logging
import time
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event, select

from bot.db import get_engine, session_scope
from bot.kernel.i18n import format_day
from dialogs.idea_calls.cards import deadline_day
from handlers.events import SORRY
from models import ideas as ide
from models.erasure import ERASERS
from models.ideas import Idea, IdeaCall
from models.outbox import Notification
from models.photos import Photo
from models.users import AuditLog, get_by_line_id
from simulator import events as ev
from tests.collab_helpers import deliver, ja, join, make_staff

THEME = "放置自転車を減らすには"
ISSUE = "駅前の放置自転車が歩行者の妨げになっています。"


@pytest.fixture
def staff(app, make_user):
    return make_staff(app, join(make_user, "区職員"))


def post_call(staff, day="2031-02-28"):
    staff.opens(ja("Idea calls"))
    staff.taps(ja("New idea call"))
    staff.says(THEME)
    staff.says(ISSUE)
    staff.taps(ja("Pick a date"), date=day)
    staff.taps(ja("Community building"))
    staff.taps(ja("Publish"))


def submit(person, text=None, *, can_help="Yes"):
    person.opens(ja("Idea calls"))
    person.taps(ja("Submit an idea"))
    if text is None:
        person.sends_photo()
    else:
        person.says(text)
    person.taps(ja(can_help))
    person.taps(ja("Send"))


def test_the_idea_call_loop_from_call_to_adoption(app, staff, resident, make_user):
    post_call(staff)
    with session_scope(app) as session:
        call = session.scalars(select(IdeaCall)).one()
        call_id = call.id
    assert ja("Idea call {number} is published.", number=call_id) in staff.last_text()

    submit(resident, "駐輪場の案内板を増やす")
    with session_scope(app) as session:
        first = session.scalars(select(Idea)).one()  # a row before the receipt is shown
        assert first.body == "駐輪場の案内板を増やす" and first.can_help is True
    assert ja("Receipt number: {receipt}", receipt=first.receipt) in resident.last_text()
    other = join(make_user, "高橋")
    submit(other, None, can_help="No")  # a photo of a handwritten note
    with session_scope(app) as session:
        assert len(session.scalars(select(Idea)).all()) == 2

    staff.opens(ja("Idea calls"))
    staff.taps(ja("Review ideas"))
    staff.taps(next(c for c in staff.choices() if c.startswith(f"{call_id} ")))
    assert "駐輪場の案内板を増やす" in staff.last_text()
    staff.taps(ja("Adopt"))  # the first card: the first idea
    staff.says("来年度の事業で実施します")
    with session_scope(app) as session:
        assert session.get(Idea, first.id).status == "adopted"
        others = session.scalars(select(Idea).where(Idea.id != first.id)).one()
        assert others.status == "submitted"

    deliver(app)
    told = resident.new_messages()
    assert len(told) == 1
    assert ja("Adopted") in told[0]["text"] and "来年度の事業で実施します" in told[0]["text"]
    assert other.new_messages() == []

    # an adopted idea can be announced to the call's people
    staff.opens(ja("Idea calls"))
    staff.taps(ja("Review ideas"))
    staff.taps(next(c for c in staff.choices() if c.startswith(f"{call_id} ")))
    staff.taps(ja("Announce"))
    deliver(app)
    assert "駐輪場の案内板を増やす" in other.new_messages()[0]["text"]


def test_simple_mode_submits_with_at_most_four_choices_and_a_way_back(app, staff, make_user):
    post_call(staff)
    person = join(make_user, "木村", mode="Simple")
    person.opens(ja("Idea calls"))
    steps = [lambda: person.taps(THEME[:19] + "…" if len(THEME) > 20 else THEME),
             lambda: person.taps(ja("Submit an idea")),
             lambda: person.says("ベンチを置く"),
             lambda: person.taps(ja("Not sure"))]
    for step in [lambda: None, *steps]:
        step()
        assert 1 <= len(person.choices()) <= 4, person.choices()
        assert ja("Back to menu") in person.choices()
    person.taps(ja("Send"))
    assert ja("Thank you! Your idea has been received.") in person.last_text()


def test_the_draft_survives_help_and_is_not_sent_twice(app, staff, resident):
    post_call(staff)
    resident.opens(ja("Idea calls"))
    resident.taps(ja("Submit an idea"))
    resident.says("公園に駐輪場を")
    resident.says("help")
    resident.taps(ja("Continue"))
    resident.taps(ja("Yes"))
    assert "公園に駐輪場を" in resident.last_text()
    resident.taps(ja("Send"))
    with session_scope(app) as session:
        assert session.scalars(select(Idea.body)).all() == ["公園に駐輪場を"]


def test_no_ideas_after_the_deadline(app, staff, resident):
    post_call(staff)
    with session_scope(app) as session:
        call = session.scalars(select(IdeaCall)).one()
        call.deadline = datetime.now(UTC) - timedelta(minutes=1)
    resident.opens(ja("Idea calls"))
    assert ja("There are no open idea calls right now.") in resident.last_text()
    data = app.extensions["machibot.codec"].encode("idea_submit", c=call.id)
    resident.send(ev.postback(resident.user_id, data, reply_token=resident.token()))
    with session_scope(app) as session:
        day = format_day(deadline_day(session.get(IdeaCall, call.id), "Asia/Tokyo"), "ja")
    assert ja("Sorry, this idea call closed on {day}; no more ideas can be sent.",
              day=day) in resident.last_text()
    with session_scope(app) as session:
        assert session.scalars(select(Idea)).all() == []


def test_the_daily_limit_per_call(app, staff, resident, monkeypatch):
    monkeypatch.setitem(app.config, "IDEAS_PER_CALL_PER_DAY", 2)
    post_call(staff)
    submit(resident, "案1")
    submit(resident, "案2")
    resident.opens(ja("Idea calls"))
    resident.taps(ja("Submit an idea"))
    assert ja("You have sent {limit} ideas to this call today, the most for one day. Please "
              "send more tomorrow.", limit=2) in resident.last_text()


def test_a_long_idea_gets_a_friendly_answer(staff, resident):
    post_call(staff)
    resident.opens(ja("Idea calls"))
    resident.taps(ja("Submit an idea"))
    resident.says("あ" * 1001)
    assert ja("That is {length} characters. Please keep it to {limit} characters.",
              length=1001, limit=1000) in resident.last_text()


def test_an_unsent_photo_leaves_the_idea_and_its_bytes_are_deleted(app, staff, resident):
    post_call(staff)
    resident.opens(ja("Idea calls"))
    resident.taps(ja("Submit an idea"))
    message_id = resident.sends_photo()
    resident.taps(ja("Yes"))
    resident.taps(ja("Send"))
    with session_scope(app) as session:
        assert session.scalars(select(Idea.photo_message_id)).one() == message_id
        assert session.scalars(select(Photo.message_id)).all() == [message_id]
    resident.unsends(message_id)
    with session_scope(app) as session:
        assert session.scalars(select(Idea.photo_message_id)).one() is None
        assert session.scalars(select(Photo)).all() == []


def test_forged_staff_postbacks_from_a_resident_change_nothing(app, staff, resident):
    post_call(staff)
    submit(resident, "自分の案")
    with session_scope(app) as session:
        idea_id = session.scalars(select(Idea.id)).one()
        call_id = session.scalars(select(IdeaCall.id)).one()
    codec = app.extensions["machibot.codec"]
    forged = [("idea_mark", {"d": idea_id, "v": "adopted"}),
              ("idea_announce", {"d": idea_id}),
              ("idea_call_new", {}),
              ("idea_review", {}),
              ("idea_list", {"c": call_id}),
              ("gathering_new", {"c": call_id}),
              ("idea_call_close", {"c": call_id}),
              ("ans", {"s": "ideas.ask_staff_message", "v": "none"})]
    for action, args in forged:
        resident.send(ev.postback(resident.user_id, codec.encode(action, **args),
                                  reply_token=resident.token()))
    with session_scope(app) as session:
        idea = session.get(Idea, idea_id)
        assert idea.status == "submitted" and not idea.announced
        assert session.scalars(select(IdeaCall.status)).all() == ["open"]
        assert session.scalars(select(Notification).where(
            Notification.kind.in_(("idea.status", "idea.adopted")))).all() == []
        refused = session.scalars(select(AuditLog.action).where(
            AuditLog.action.like("%.refused"))).all()
    assert len(refused) == 7  # the stray answer is refused by the router: no step waits


def test_followers_get_the_call_and_a_deadline_reminder(app, staff, resident):
    from models.subscriptions import SubscriptionTopic

    with session_scope(app) as session:
        user = get_by_line_id(session, resident.user_id)
        session.add(SubscriptionTopic(user_id=user.id, dimension="category", value="community"))
    post_call(staff, day="2031-02-28")
    with session_scope(app) as session:
        rows = {n.kind: n for n in session.scalars(select(Notification).where(
            Notification.user_id == user.id))}
    assert set(rows) == {"new_item", "idea_call.deadline"}
    # three days before 28 February, at 18:00 in Tokyo
    assert rows["idea_call.deadline"].due_at.replace(tzinfo=UTC) == datetime(
        2031, 2, 25, 9, 0, tzinfo=UTC)
    deliver(app)
    resident.new_messages()
    assert THEME in resident.last_text()  # the new-item card
    deliver(app, datetime(2031, 2, 25, 9, 1, tzinfo=UTC))
    assert THEME in resident.new_messages()[0]["text"]


def test_cli_new_and_export_without_line_ids(app, resident, tmp_path):
    path = tmp_path / "call.json"
    path.write_text(json.dumps({
        "theme": "公園の使い方", "issue": "公園の利用ルールを見直します。",
        "deadline": "2031-03-31", "category": "environment",
        "meeting": {"starts_at": "2031-03-10T19:00", "place": "区役所 第3会議室"}},
        ensure_ascii=False), encoding="utf-8")
    runner = app.test_cli_runner()
    result = runner.invoke(args=["ideas", "new", str(path)])
    assert result.exit_code == 0, result.output
    submit(resident, "ボール遊びの時間帯を決める")
    resident.opens(ja("Idea calls"))
    resident.taps(ja("Details"))
    assert "区役所 第3会議室" in resident.last_text()
    resident.taps(ja("Join idea meeting"))
    resident.taps(ja("Attend"))
    with session_scope(app) as session:
        call_id = session.scalars(select(IdeaCall.id)).one()
        reminders = session.scalars(select(Notification.due_at).where(
            Notification.kind == "gathering.reminder")).all()
    # 19:00 on 10 March in Tokyo: 18:00 the day before, 17:00 on the day
    assert sorted(d.replace(tzinfo=UTC) for d in reminders) == [
        datetime(2031, 3, 9, 9, 0, tzinfo=UTC), datetime(2031, 3, 10, 8, 0, tzinfo=UTC)]
    out = tmp_path / "ideas.csv"
    result = runner.invoke(args=["ideas", "export", str(call_id), str(out)])
    assert result.exit_code == 0, result.output
    text = out.read_bytes().decode("utf-8-sig")
    assert "ボール遊びの時間帯を決める" in text and resident.user_id not in text
    assert text.splitlines()[0].split(",")[0] == "receipt"
    result = runner.invoke(args=["ideas", "review", str(_idea_id(app)), "adopted",
                                 "--message", "検討します"])
    assert result.exit_code == 0, result.output
    deliver(app)
    assert "検討します" in resident.new_messages()[-1]["text"]


def test_a_bad_call_file_is_refused(app, tmp_path):
    path = tmp_path / "call.json"
    path.write_text('{"theme": "x"}', encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["ideas", "new", str(path)])
    assert result.exit_code != 0 and "issue, deadline" in result.output
    with session_scope(app) as session:
        assert session.scalars(select(IdeaCall)).all() == []


def _idea_id(app) -> int:
    with session_scope(app) as session:
        return session.scalars(select(Idea.id)).one()


def test_deleting_my_data_detaches_reviewed_ideas_and_removes_the_rest(app, staff, resident):
    post_call(staff)
    submit(resident, "残る案")
    submit(resident, "消える案")
    with session_scope(app) as session:
        kept = session.scalars(select(Idea).where(Idea.body == "残る案")).one()
        ide.set_status(session, kept, ide.UNDER_REVIEW)
    # every eraser, as "delete my data" runs them (the chat path is held up by the xfail in
    # tests/dialogs/test_settings.py: models.users deletes the roles twice)
    with session_scope(app) as session:
        user = get_by_line_id(session, resident.user_id)
        for eraser in ERASERS:
            eraser(session, user)
    with session_scope(app) as session:
        ideas = session.scalars(select(Idea)).all()
    assert [(i.body, i.submitter_id) for i in ideas] == [("残る案", None)]


def test_staff_schedule_an_idea_meeting_and_people_who_sent_ideas_are_invited(
        app, staff, resident):
    post_call(staff)
    submit(resident, "駐輪場の地図を配る")
    staff.opens(ja("Idea calls"))
    staff.taps(ja("Details"))
    staff.taps(ja("Idea meeting"))
    staff.taps(ja("Pick date and time"), datetime="2031-02-10T18:30")
    staff.says("杉並区役所 中棟6階 第4会議室")
    staff.taps(ja("Schedule"))
    deliver(app)
    resident.new_messages()
    assert "第4会議室" in resident.last_text()
    resident.taps(ja("Attend"))
    assert ja("Add to calendar") in resident.choices()


def test_a_failing_sql_statement_never_logs_what_the_person_typed(app, staff, resident,
                                                                   caplog):
    post_call(staff)
    phone = "090-1234-5678"
    resident.opens(ja("Idea calls"))
    resident.taps(ja("Submit an idea"))
    resident.says(f"駐輪場を増やしたいです。連絡は {phone} まで")
    resident.taps(ja("Yes"))
    engine = get_engine(app)

    def refuse(_conn, _cursor, statement, *_args):  # type: ignore[no-untyped-def]
        # the database refuses to store the idea, as the driver would report it (a schema
        # change here instead would reach the other tests' pooled connections)
        if statement.startswith("INSERT INTO ideas"):
            raise engine.dialect.loaded_dbapi.OperationalError("the ideas table is away")

    event.listen(engine, "before_cursor_execute", refuse)
    try:
        caplog.set_level(logging.INFO)
        resident.taps(ja("Send"))
    finally:
        event.remove(engine, "before_cursor_execute", refuse)
    assert resident.last_text() == ja(SORRY)
    assert "INSERT INTO ideas" in caplog.text, "the failing statement should reach the log"
    assert phone not in caplog.text
    assert resident.user_id not in caplog.text


@pytest.mark.parametrize("typed", ["駐輪場を\u0000増やす", "駐輪場を\ud800増やす",
                                   "\udfff駐輪場を増やす"])
def test_nul_and_lone_surrogates_are_cleaned_and_the_step_goes_on(app, staff, resident, typed):
    post_call(staff)
    started = time.monotonic()
    submit(resident, typed)
    assert time.monotonic() - started < 10  # no person's lock left held for 30 s
    assert ja(SORRY) not in resident.texts()
    with session_scope(app) as session:
        assert session.scalars(select(Idea.body)).one() == "駐輪場を増やす"
