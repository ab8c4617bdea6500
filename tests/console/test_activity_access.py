"""Who may open and change an organisation's activities, slots, rosters, CSV and posters:
every route tried signed out, as a resident, as another organisation's member, as staff
(who only read activities) and with a forged form."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from bot.db import session_scope
from models.activities import Activity, Slot
from models.base import utcnow
from models.organisations import Membership
from models.signups import Signup
from models.users import AuditLog, User
from tests.console.activity_fixtures import ACTIVITY, make_activity, make_slot, signs_up

PAGES = ["/console/organisations/{org}/activities",
         "/console/organisations/{org}/activities/new",
         "/console/activities/{activity}", "/console/activities/{activity}/edit",
         "/console/activities/{activity}/slots/new", "/console/slots/{slot}/edit",
         "/console/slots/{slot}/roster", "/console/slots/{slot}/poster.png",
         "/console/slots/{slot}/checkin-poster.png",
         "/console/organisations/{org}/participants.csv"]
ACTIONS = ["/console/organisations/{org}/activities/new",
           "/console/activities/{activity}/edit", "/console/activities/{activity}/slots/new",
           "/console/slots/{slot}/edit", "/console/slots/{slot}/copy",
           "/console/slots/{slot}/cancel", "/console/slots/{slot}/attendance/{signup}"]
# staff read an organisation's activities; the rest names people or changes things
STAFF_READ = {"/console/organisations/{org}/activities", "/console/activities/{activity}"}
FORM = {**ACTIVITY, "day": "2030-06-01", "starts": "10:00", "ends": "12:00", "capacity": "3",
        "weeks": "2", "status": "attended"}


@pytest.fixture
def theirs(app, person, organisation) -> dict:
    """Another organisation with an activity, a started slot and a sign-up on it."""
    owner = person("よその代表")
    org = organisation(owner, "よその会")
    activity = make_activity(app, owner, org)
    slot = make_slot(app, owner, activity, utcnow() - timedelta(minutes=30))
    signs_up(app, person("住民"), slot, utcnow() - timedelta(hours=2))
    with session_scope(app) as session:
        signup = session.scalar(select(Signup.id))
    return {"org": org, "activity": activity, "slot": slot, "signup": signup}


def _untouched(app) -> None:
    with session_scope(app) as session:
        assert session.scalar(select(func.count(Activity.id))) == 1
        assert session.scalar(select(func.count(Slot.id))) == 1
        assert session.scalar(select(Slot.status)) == "open"
        assert session.scalar(select(Signup.status)) == "confirmed"
        assert session.scalar(select(Activity.fee)) == ACTIVITY["fee"]
        actions = set(session.scalars(select(AuditLog.action)))
        assert not {"activity.update", "slot.update", "slot.copy", "slot.cancel",
                    "attendance.mark", "participants.export"} & actions


@pytest.mark.parametrize("path", PAGES + ACTIONS)
def test_signed_out_every_page_leads_to_sign_in(app, browser, theirs, path):
    me = browser(signed_in=False)
    answer = (me.get if path in PAGES else me.client.post)(path.format(**theirs))
    assert answer.status_code == 302
    assert answer.headers["Location"].startswith("/console/sign-in")
    _untouched(app)


@pytest.mark.parametrize("member_elsewhere", [False, True], ids=["resident", "other-member"])
@pytest.mark.parametrize("path", PAGES)
def test_a_resident_or_another_member_cannot_open_it(app, person, browser, organisation,
                                                     theirs, path, member_elsewhere):
    me = person()
    if member_elsewhere:
        organisation(me, "自分の会")
    assert browser(me).get(path.format(**theirs)).status_code == 403
    _untouched(app)


@pytest.mark.parametrize("member_elsewhere", [False, True], ids=["resident", "other-member"])
@pytest.mark.parametrize("path", ACTIONS)
def test_a_resident_or_another_member_cannot_change_it(app, person, browser, organisation,
                                                       theirs, path, member_elsewhere):
    me = person()
    if member_elsewhere:
        organisation(me, "自分の会")
    assert browser(me).post(path.format(**theirs), FORM).status_code == 403
    _untouched(app)


@pytest.mark.parametrize("path", PAGES + ACTIONS)
def test_staff_only_read_the_activities(app, person, browser, theirs, path):
    staff = browser(person("区職員", staff=True))
    if path in PAGES:
        expected = 200 if path in STAFF_READ else 403
        assert staff.get(path.format(**theirs)).status_code == expected
    else:
        assert staff.post(path.format(**theirs), FORM).status_code == 403
    _untouched(app)


@pytest.mark.parametrize("path", ACTIONS)
def test_a_forged_form_without_its_token_is_refused(app, browser, theirs, path):
    owner = browser(_owner_of(app, theirs["org"]))
    assert owner.post(path.format(**theirs), FORM, csrf=False).status_code == 400
    _untouched(app)


def _owner_of(app, organisation_id: int) -> str:
    with session_scope(app) as session:
        return session.scalar(select(User.line_user_id).join(
            Membership, Membership.user_id == User.id)
            .where(Membership.organisation_id == organisation_id))
