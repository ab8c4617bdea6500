"""Staff's idea calls in the console: publish and edit a call with its versions, schedule an
idea meeting, the ideas as a filtered table with their photos, a decision whose message
reaches the submitter in their language, the CSV; and who may do any of it."""

from __future__ import annotations

import csv
import html
import io
import re
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.db import session_scope
from bot.kernel.i18n import gettext
from bot.notify.dispatch import dispatch
from models import ideas as ide
from models.gatherings import Gathering
from models.ideas import Idea, IdeaCall
from models.outbox import Notification
from models.photos import store
from models.users import get_by_line_id, record_consent
from tests.conftest import photo_bytes
from tests.console.helpers import audited
from tests.sql_count import statements_of

CALLS = "/console/idea-calls"
NEW = f"{CALLS}/new"


def ja(msgid, **params):
    return gettext("ja", msgid, **params)


def _text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def _noon_tomorrow() -> datetime:
    return (datetime.now(UTC) + timedelta(days=1)).replace(hour=3)  # 12:00 in Tokyo


def _in_days(days: int) -> str:
    return (date.today() + timedelta(days=days)).isoformat()


@pytest.fixture
def staff(person, browser):
    return browser(person("区職員", staff=True))


@pytest.fixture
def call_id(app):
    with session_scope(app) as session:
        call = ide.publish_call(session, theme="公園の使い方", issue="公園をもっと使いやすく",
                                deadline=datetime.now(UTC) + timedelta(days=10),
                                config=dict(app.config))
        return call.id


def _submit(app, line_user_id: str, call_id: int, body: str, *, photo: bool = False,
            at: datetime | None = None) -> int:
    with session_scope(app) as session:
        user = get_by_line_id(session, line_user_id)
        call = session.get(IdeaCall, call_id)
        message_id = None
        if photo:
            message_id = f"m{abs(hash(body)) % 10**9}"
            store(session, user, message_id, photo_bytes(), "image/png", max_bytes=10**6)
        return ide.submit(session, call, user, body=body, photo_message_id=message_id,
                          now=at or datetime.now(UTC), config=dict(app.config)).id


def test_staff_publish_a_call_with_an_english_version_and_readers_see_theirs(
        app, staff, make_user):
    ann = make_user("Ann", "en")
    ann.follow()
    ann.taps(gettext("en", "I agree"))
    form = {"theme": "公園の使い方", "issue": "公園をもっと使いやすくするには",
            "deadline": _in_days(14), "category": "", "theme_en": "Using our parks",
            "issue_en": "How to make parks better"}
    published = staff.post(NEW, form, page=NEW)
    assert published.status_code == 302, re.findall(r"class=.errors.*", _text(published))
    [logged] = audited(app, "idea_call.publish")
    number = logged.detail["call"]
    assert logged.detail["via"] == "console"
    assert ja("Idea call {number} is published.", number=number) in _text(
        staff.get(published.headers["Location"]))
    ann.opens(gettext("en", "Idea calls"))
    assert "Using our parks" in ann.last_text() and "How to make parks better" in ann.last_text()
    ann.taps(gettext("en", "Submit an idea"))
    assert "“Using our parks”" in ann.last_text()
    edit = f"{CALLS}/{number}/edit"
    assert 'value="Using our parks"' in staff.get(edit).get_data(as_text=True)


def test_staff_edit_a_call_its_texts_and_deadline_audit_logged(app, staff, call_id):
    edit = f"{CALLS}/{call_id}/edit"
    form = {"theme": "公園の新しい使い方", "issue": "公園をもっと使いやすく",
            "deadline": _in_days(20), "theme_ko": "공원 이용"}
    assert staff.post(edit, form, page=edit).status_code == 302
    [logged] = audited(app, "idea_call.update")
    assert set(logged.detail["fields"]) == {"theme", "deadline", "theme_ko"}
    with session_scope(app) as session:
        call = session.get(IdeaCall, call_id)
        assert call.theme == "公園の新しい使い方" and call.version("theme", "ko") == "공원 이용"
    refused = staff.post(edit, {**form, "deadline": _in_days(-2)}, page=edit)
    assert refused.status_code == 200
    assert ja("That day has passed. Please pick a later one.") in _text(refused)


def test_staff_schedule_an_idea_meeting_and_a_past_one_is_refused(app, staff, call_id):
    page = f"{CALLS}/{call_id}"
    meeting = {"day": _in_days(5), "clock": "18:30", "place": "区民センター 第1会議室"}
    assert staff.post(f"{page}/meetings", meeting, page=page).status_code == 302
    shown = _text(staff.get(page))
    assert "区民センター 第1会議室" in shown and ja("The idea meeting is scheduled.") in shown
    past = staff.post(f"{page}/meetings", {**meeting, "day": _in_days(-1)}, page=page)
    assert ja("That day has passed. Please pick a later one.") in _text(past)
    nowhere = staff.post(f"{page}/meetings", {**meeting, "place": ""}, page=page)
    assert ja("Give a place or a web address.") in _text(nowhere)
    with session_scope(app) as session:
        [kept] = session.scalars(select(Gathering)).all()
        assert kept.idea_call_id == call_id and kept.kind == "idea_meeting"
    assert len(audited(app, "gathering.schedule")) == 1


def test_a_meeting_invites_everyone_who_sent_an_idea(app, staff, make_user, call_id):
    bao = make_user("Bao", "vi")
    bao.follow()
    with session_scope(app) as session:
        record_consent(get_by_line_id(session, bao.user_id))
    _submit(app, bao.user_id, call_id, "夜の照明を明るく")
    page = f"{CALLS}/{call_id}"
    staff.post(f"{page}/meetings", {"day": _in_days(5), "clock": "18:30",
                                    "place": "区民センター"}, page=page)
    assert audited(app, "gathering.schedule")[0].detail["invited"] == 1
    dispatch(app, _noon_tomorrow())
    bao.new_messages()
    assert "区民センター" in bao.last_text()


def test_staff_close_a_call_early(app, staff, make_user, call_id):
    page = f"{CALLS}/{call_id}"
    assert ja("Close the call") in _text(staff.get(page))
    assert staff.post(f"{page}/close", page=page).status_code == 302
    shown = _text(staff.get(page))
    assert ja("“{theme}” is closed. No more ideas are taken.", theme="公園の使い方") in shown
    assert ja("Close the call") not in shown
    with session_scope(app) as session:
        assert not session.get(IdeaCall, call_id).is_open(datetime.now(UTC))
    assert audited(app, "idea_call.close")[0].detail == {"call": call_id, "via": "console"}


def test_the_ideas_table_filters_and_shows_photos(app, staff, person, call_id):
    ann, bao = person("Ann", locale="en"), person("Bao", locale="vi")
    earlier = datetime.now(UTC) - timedelta(days=3)
    first = _submit(app, ann, call_id, "ベンチを増やす", at=earlier)
    second = _submit(app, bao, call_id, "夜の照明を明るく", photo=True)
    with session_scope(app) as session:
        ide.set_status(session, session.get(Idea, first), ide.UNDER_REVIEW)
        token = session.scalar(select(ide.Photo.token))
    page = f"{CALLS}/{call_id}"
    everything = _text(staff.get(page))
    assert "ベンチを増やす" in everything and "夜の照明を明るく" in everything
    assert f'src="/photos/{token}"' in everything and "Tiếng Việt" in everything
    assert staff.get(f"/photos/{token}").status_code == 200
    only_review = _text(staff.get(f"{page}?status=review"))
    assert "ベンチを増やす" in only_review and "夜の照明を明るく" not in only_review
    assert "夜の照明" in _text(staff.get(f"{page}?contains=照明"))
    assert "ベンチ" not in _text(staff.get(f"{page}?contains=照明"))
    recent = _text(staff.get(f"{page}?since={_in_days(-1)}"))
    assert "夜の照明を明るく" in recent and "ベンチを増やす" not in recent
    assert second


def test_the_table_reads_the_same_statements_for_two_ideas_or_eight(app, staff, person,
                                                                   call_id):
    page = f"{CALLS}/{call_id}"
    people = [person(f"住民{n}", locale=("en", "vi")[n % 2]) for n in range(8)]
    counts = []
    for start, end in ((0, 2), (2, 8)):
        for n in range(start, end):
            _submit(app, people[n], call_id, f"アイデア{n}", photo=True)
        staff.get(page)  # the sign-in's own reads settle first
        counts.append(len(statements_of(app, lambda: staff.get(page))))
    assert counts[0] == counts[1]


def test_the_csv_has_a_bom_the_headers_in_the_person_s_language_and_the_filter(
        app, staff, person, call_id):
    ann = person("Ann", locale="en")
    _submit(app, ann, call_id, "ベンチを増やす, 木陰にも")
    _submit(app, ann, call_id, "夜の照明を明るく")
    _submit(app, ann, call_id, "=HYPERLINK(\"http://example.com\",\"ベンチ\")")
    answer = staff.get(f"{CALLS}/{call_id}/ideas.csv?contains=ベンチ")
    assert answer.mimetype == "text/csv" and answer.data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(answer.data.decode("utf-8-sig"))))
    assert rows[0][:4] == [ja("Receipt number"), ja("Sent at"), ja("Status"), ja("Idea")]
    assert len(rows) == 3 and rows[1][3] == "ベンチを増やす, 木陰にも" and rows[1][6] == "en"
    assert rows[1][2] == ja("Received")
    assert rows[2][3].startswith("'=HYPERLINK")  # text, not a formula, in a spreadsheet
    assert audited(app, "idea_call.export")[0].detail == {"call": call_id, "rows": 2}


def test_a_decision_must_be_chosen(app, staff, person, call_id):
    idea_id = _submit(app, person("Ann", locale="en"), call_id, "ベンチを増やす")
    page = f"/console/ideas/{idea_id}"
    answer = staff.post(page, {"message": "ありがとう"}, page=page)
    assert answer.status_code == 200 and ja("Please fill this in.") in _text(answer)
    with session_scope(app) as session:
        assert session.get(Idea, idea_id).status == ide.SUBMITTED
        assert session.scalars(select(Notification)).all() == []


def test_adopting_tells_the_submitter_in_their_language_through_the_outbox(
        app, staff, make_user, call_id):
    bao = make_user("Bao", "vi")
    bao.follow()
    with session_scope(app) as session:
        record_consent(get_by_line_id(session, bao.user_id))
    idea_id = _submit(app, bao.user_id, call_id, "夜の照明を明るく")
    page = f"/console/ideas/{idea_id}"
    shown = _text(staff.get(page))
    assert "Tiếng Việt" in shown  # the language they read, so staff can write in it
    answer = staff.post(page, {"status": "adopted", "message": "ありがとうございます",
                               "message_theirs": "Cảm ơn bạn rất nhiều"}, page=page)
    assert answer.status_code == 302
    [logged] = audited(app, "idea.review")
    assert logged.detail == {"idea": idea_id, "status": "adopted", "via": "console"}
    with session_scope(app) as session:
        [row] = session.scalars(select(Notification).where(
            Notification.kind == "idea.status")).all()
        receipt = session.get(Idea, idea_id).receipt
    assert row.ref == str(idea_id)
    dispatch(app, _noon_tomorrow())  # outside quiet hours
    told = "\n".join(m["text"] for m in bao.new_messages())
    assert receipt in told and gettext("vi", "Adopted") in told and "Cảm ơn bạn rất nhiều" in told
    assert "ありがとうございます" not in told


def test_staff_announce_an_adopted_idea_once(app, staff, person, call_id):
    ann, bao = person("Ann", locale="en"), person("Bao", locale="vi")
    adopted = _submit(app, ann, call_id, "ベンチを増やす")
    _submit(app, bao, call_id, "夜の照明を明るく")
    page = f"/console/ideas/{adopted}"
    assert ja("Announce") not in _text(staff.get(page))  # not adopted yet
    staff.post(page, {"status": "adopted", "message": ""}, page=page)
    assert ja("Announce") in _text(staff.get(page))
    assert staff.post(f"{page}/announce", page=page).status_code == 302
    shown = _text(staff.get(page))
    assert ja("The adopted idea is on its way to {count} people.", count=2) in shown
    assert ja("Announce") not in shown
    staff.post(f"{page}/announce", page=page)
    assert [r.detail for r in audited(app, "idea.announce")] == [
        {"idea": adopted, "told": 2, "via": "console"}]
    with session_scope(app) as session:
        assert len(session.scalars(select(Notification).where(
            Notification.kind == "idea.adopted")).all()) == 2


def test_a_message_without_their_version_arrives_as_written(app, staff, make_user, call_id):
    ann = make_user("Ann", "en")
    ann.follow()
    with session_scope(app) as session:
        record_consent(get_by_line_id(session, ann.user_id))
    idea_id = _submit(app, ann.user_id, call_id, "ベンチを増やす")
    page = f"/console/ideas/{idea_id}"
    staff.post(page, {"status": "not_adopted", "message": "今回は見送ります"}, page=page)
    dispatch(app, _noon_tomorrow())  # outside quiet hours
    told = "\n".join(m["text"] for m in ann.new_messages())
    assert gettext("en", "Not adopted") in told and "今回は見送ります" in told


PAGES = [CALLS, NEW, "/console/idea-calls/{call}", "/console/idea-calls/{call}/edit",
         "/console/idea-calls/{call}/ideas.csv", "/console/ideas/{idea}"]
ACTIONS = [NEW, "/console/idea-calls/{call}/edit", "/console/idea-calls/{call}/meetings",
           "/console/idea-calls/{call}/close", "/console/ideas/{idea}",
           "/console/ideas/{idea}/announce"]


@pytest.mark.parametrize("member", [False, True], ids=["resident", "organisation-member"])
@pytest.mark.parametrize("method, path", [("get", p) for p in PAGES]
                         + [("post", p) for p in ACTIONS])
def test_residents_and_organisers_are_refused(app, person, browser, organisation, call_id,
                                              method, path, member):
    me = person()
    if member:
        organisation(me, "自分の会")
    idea_id = _submit(app, me, call_id, "自分のアイデア")
    url = path.format(call=call_id, idea=idea_id)
    form = {"status": "adopted", "message": "x", "theme": "乗っ取り", "issue": "x",
            "deadline": _in_days(3), "day": _in_days(3), "clock": "10:00", "place": "x"}
    answer = browser(me).get(url) if method == "get" else browser(me).post(url, form)
    assert answer.status_code == 403
    with session_scope(app) as session:
        assert session.get(Idea, idea_id).status == ide.SUBMITTED
        assert [c.theme for c in session.scalars(select(IdeaCall))] == ["公園の使い方"]
        assert session.scalars(select(Gathering)).all() == []
        assert session.get(IdeaCall, call_id).status == ide.OPEN_CALL
