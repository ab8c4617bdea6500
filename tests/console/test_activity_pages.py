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
    assert (activity.organisation_id, activity.category, activity.styles, activity.title_en,
            activity.area, activity.fee) == (found, "environment", ["micro"], "Park clean-up",
                                             "阿佐谷", "無料")
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
    assert "Title in English" in text and "How to apply" in text


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
