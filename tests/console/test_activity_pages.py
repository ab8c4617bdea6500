"""An organisation's activities in the console: the list with upcoming slots, creating and
editing an activity (members), reading them (staff), each change audit-logged."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot.db import session_scope
from models.activities import Activity
from models.base import utcnow
from models.organisations import Organisation
from tests.console.activity_fixtures import ACTIVITY, make_activity, make_slot, signs_up
from tests.console.helpers import audited
from tests.translator_standin import versions_of


def _activity(app, title: str) -> Activity:
    with session_scope(app) as session:
        found = session.scalar(select(Activity).where(Activity.title == title))
        assert found is not None
        session.expunge(found)
        return found


def test_a_member_creates_an_activity_saved_but_not_public_while_pending(
        app, person, browser, organisation):
    owner = person(locale="en")
    found = organisation(owner)
    me = browser(owner)
    new = f"/console/organisations/{found}/activities/new"
    assert "the activity is saved, but residents see it only" in me.get(new).get_data(
        as_text=True)
    answer = me.post(new, ACTIVITY, page=new)
    assert answer.status_code == 302
    activity = _activity(app, "公園のそうじ")
    assert (activity.organisation_id, activity.category, activity.styles, activity.area,
            activity.fee) == (found, "environment", ["micro"], "阿佐谷", "無料")
    assert versions_of(app, "activity", activity.id) == {
        ("title", "en"): ("Park clean-up", "author")}
    page = me.get(answer.headers["Location"]).get_data(as_text=True)
    assert "Residents will see it once ward staff have verified" in page  # the notice
    assert "residents do not see its activities yet" in page
    assert len(audited(app, "activity.create")) == 1


def test_a_verified_organisation_s_activity_page_says_nothing_of_verification(
        app, person, browser, organisation):
    owner = person(locale="en")
    found = organisation(owner)
    with session_scope(app) as session:
        session.get(Organisation, found).status = "verified"
    activity = make_activity(app, owner, found)
    page = browser(owner).get(f"/console/activities/{activity}").get_data(as_text=True)
    assert "公園のそうじ" in page and "residents do not see" not in page


def test_the_activity_form_says_what_is_wrong_accessibly(app, person, browser, organisation):
    owner = person(locale="en")
    found = organisation(owner)
    new = f"/console/organisations/{found}/activities/new"
    answer = browser(owner).post(new, {**ACTIVITY, "title": " ", "fee": "円" * 300}, page=new)
    text = answer.get_data(as_text=True)
    assert answer.status_code == 200
    assert 'aria-describedby="title-errors" aria-invalid="true"' in text
    assert 'aria-describedby="fee-errors" aria-invalid="true"' in text
    assert "Please fill this in." in text


def test_the_form_speaks_the_person_s_language(app, person, browser, organisation):
    owner = person(locale="en")
    found = organisation(owner)
    new = f"/console/organisations/{found}/activities/new"
    text = browser(owner).get(new).get_data(as_text=True)
    assert "Title (English)" in text and "How to apply" in text


def test_a_member_edits_an_activity_and_the_change_is_logged(app, person, browser,
                                                           organisation):
    owner = person()
    found = organisation(owner)
    activity = make_activity(app, owner, found)
    edit = f"/console/activities/{activity}/edit"
    me = browser(owner)
    assert "公園のそうじ" in me.get(edit).get_data(as_text=True)
    answer = me.post(edit, {**ACTIVITY, "fee": "100円", "styles": ["micro", "regular"]},
                     page=edit)
    assert answer.status_code == 302
    assert _activity(app, "公園のそうじ").fee == "100円"
    [row] = audited(app, "activity.update")
    assert row.detail["fields"] == ["styles", "fee"]


def test_the_list_shows_upcoming_slots_with_seats(app, person, browser, organisation):
    owner, resident = person("代表", locale="en"), person("住民")
    found = organisation(owner)
    activity = make_activity(app, owner, found)
    soon = utcnow() + timedelta(days=3)
    slot = make_slot(app, owner, activity, soon, capacity=8)
    make_slot(app, owner, activity, utcnow() - timedelta(days=3))  # past: not listed
    make_slot(app, owner, activity, soon + timedelta(days=7), capacity=None)
    signs_up(app, resident, slot, utcnow())
    page = browser(owner).get(f"/console/organisations/{found}/activities")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "1 / 8" in text and "0 / no limit" in text
    assert text.count("<tr>") == 3  # the header and the two upcoming slots


def test_staff_read_the_activities_but_do_not_change_them(app, person, browser,
                                                         organisation):
    owner = person()
    found = organisation(owner)
    activity = make_activity(app, owner, found)
    staff = browser(person("区職員", staff=True))
    assert staff.get(f"/console/organisations/{found}/activities").status_code == 200
    page = staff.get(f"/console/activities/{activity}")
    assert page.status_code == 200 and "/edit" not in page.get_data(as_text=True)
    assert staff.get(f"/console/activities/{activity}/edit").status_code == 403
    assert staff.get(f"/console/organisations/{found}/activities/new").status_code == 403


def test_an_area_not_of_the_ward_is_refused(app, person, browser, organisation):
    owner = person(locale="en")
    found = organisation(owner)
    new = f"/console/organisations/{found}/activities/new"
    answer = browser(owner).post(new, {**ACTIVITY, "area": "どこか遠く"}, page=new)
    assert answer.status_code == 200
    assert 'aria-invalid="true"' in answer.get_data(as_text=True)
    assert audited(app, "activity.create") == []


def test_the_form_offers_a_title_and_description_per_language_folded_away(
        app, person, browser, organisation):
    """Every supported language but the original, each in a <details> named in its own
    language, each field labelled with its language for screen readers."""
    owner = person(locale="ja")
    found = organisation(owner)
    text = browser(owner).get(f"/console/organisations/{found}/activities/new").get_data(
        as_text=True)
    for code, name, tag in (("ja_easy", "やさしい にほんご", "ja"), ("en", "English", "en"),
                            ("zh_Hans", "简体中文", "zh-Hans"), ("ko", "한국어", "ko"),
                            ("vi", "Tiếng Việt", "vi"), ("ne", "नेपाली", "ne")):
        assert f'<summary lang="{tag}">{name}</summary>' in text
        assert f'<input id="title_{code}" name="title_{code}"' in text
        assert f'<textarea id="description_{code}" name="description_{code}"' in text
    assert '<label for="title_ko">タイトル（韓国語）</label>' in text
    assert "<details>" in text and "<details open>" not in text  # folded while empty
    assert 'name="title_ja"' not in text  # the original is the title itself


def test_a_member_writes_edits_and_clears_versions(app, person, browser, organisation):
    owner = person(locale="en")
    found = organisation(owner)
    activity = make_activity(app, owner, found, title_ko="공원 청소",
                             description_ko="쓰레기를 줍습니다")
    assert versions_of(app, "activity", activity) == {("title", "en"): ("Park clean-up", "author"),
                                        ("title", "ko"): ("공원 청소", "author"),
                                        ("description", "ko"): ("쓰레기를 줍습니다", "author")}
    edit = f"/console/activities/{activity}/edit"
    me = browser(owner)
    page = me.get(edit).get_data(as_text=True)
    assert "공원 청소" in page and "쓰레기를 줍습니다" in page and "<details open>" in page
    answer = me.post(edit, {**ACTIVITY, "title_ko": "공원 대청소", "description_ko": "",
                            "title_vi": "Dọn dẹp công viên"}, page=edit)
    assert answer.status_code == 302
    assert versions_of(app, "activity", activity) == {("title", "en"): ("Park clean-up", "author"),
                                        ("title", "ko"): ("공원 대청소", "author"),
                                        ("title", "vi"): ("Dọn dẹp công viên", "author")}
    [row] = audited(app, "activity.update")
    assert sorted(row.detail["fields"]) == ["description_ko", "title_ko", "title_vi"]
    shown = me.get(f"/console/activities/{activity}").get_data(as_text=True)
    assert '<dd lang="ko">공원 대청소</dd>' in shown


def test_a_version_too_long_is_refused_on_its_field(app, person, browser, organisation):
    owner = person(locale="en")
    found = organisation(owner)
    new = f"/console/organisations/{found}/activities/new"
    answer = browser(owner).post(new, {**ACTIVITY, "title_vi": "x" * 201}, page=new)
    text = answer.get_data(as_text=True)
    assert answer.status_code == 200 and audited(app, "activity.create") == []
    assert 'aria-describedby="title_vi-errors" aria-invalid="true"' in text
    assert "<details open>" in text
