"""People and roles in the console: finding people by a part of their name, granting and
taking away the staff and supporter roles, organisation memberships; the domain's rules
(the last staff member, the last owner) and the audit log."""

from __future__ import annotations

import html
import re

import pytest

from bot.db import session_scope
from bot.kernel.i18n import gettext
from models import organisations as orgs
from models.organisations import Organisation
from models.users import User, get_by_line_id
from tests.console.helpers import audited

LIST = "/console/people"


def ja(msgid: str, **params) -> str:
    return gettext("ja", msgid, **params)


def _text(answer) -> str:
    return html.unescape(answer.get_data(as_text=True))


def _id(app, line_user_id: str) -> int:
    with session_scope(app) as session:
        return get_by_line_id(session, line_user_id).id


def _roles(app, line_user_id: str) -> set[str]:
    with session_scope(app) as session:
        return {r.role for r in get_by_line_id(session, line_user_id).roles}


def _listed(answer) -> list[str]:
    return re.findall(r'data-testid="person">\s*<th scope="row"><a [^>]*>([^<]*)</a>',
                      _text(answer))


@pytest.fixture
def staff_id(person):
    return person("区職員", staff=True)


@pytest.fixture
def staff(browser, staff_id):
    return browser(staff_id)


def test_people_are_found_by_a_part_of_their_name_in_any_case_a_page_at_a_time(
        app, person, staff, monkeypatch):
    for name in ("Alice Smith", "ALICIA Keys", "Bob", "Malice"):
        person(name)
    assert _listed(staff.get(f"{LIST}?q=alic")) == ["ALICIA Keys", "Alice Smith", "Malice"]
    monkeypatch.setattr("console.roles.PAGE_SIZE", 2)
    first, second = staff.get(f"{LIST}?q=ALIC"), staff.get(f"{LIST}?q=ALIC&page=2")
    assert _listed(first) == ["ALICIA Keys", "Alice Smith"] and _listed(second) == ["Malice"]
    assert 'href="/console/people?page=2&amp;q=ALIC"' in first.get_data(as_text=True)
    assert ja("People found: {count}", count=3) in _text(first)


def test_staff_grant_and_take_away_the_supporter_and_staff_roles_audit_logged(
        app, person, browser, staff):
    helper = person("佐藤")
    page = f"{LIST}/{_id(app, helper)}"
    assert staff.post(f"{page}/roles/supporter/grant", page=page).status_code == 302
    assert staff.post(f"{page}/roles/staff/grant", page=page).status_code == 302
    assert _roles(app, helper) == {"resident", "supporter", "staff"}
    shown = _text(staff.get(page))
    assert ja("{name} now has the role {role}.", name="佐藤", role=ja("Ward staff")) in shown
    assert browser(helper).get(LIST).status_code == 200  # their staff role works at once
    assert staff.post(f"{page}/roles/supporter/revoke", page=page).status_code == 302
    assert _roles(app, helper) == {"resident", "staff"}
    granted, revoked = audited(app, "role.grant"), audited(app, "role.revoke")
    # besides the grant that made the signed-in person staff (no one acting): theirs
    assert sorted(e.detail["role"] for e in granted if e.actor_id is not None) == [
        "staff", "supporter"]
    assert [(e.detail["role"], e.actor_id is not None) for e in revoked] == [("supporter", True)]
    assert _listed(staff.get(f"{LIST}?q=佐藤")) == ["佐藤"]
    assert ja("Digital supporter") not in _text(staff.get(f"{LIST}?q=佐藤"))


def test_the_last_staff_member_cannot_give_up_the_role_but_one_of_two_can(
        app, person, browser, staff, staff_id):
    mine = f"{LIST}/{_id(app, staff_id)}"
    refused = staff.post(f"{mine}/roles/staff/revoke", page=mine)
    assert refused.status_code == 302
    assert ja("You are the last ward staff member: grant the role to someone else before "
              "giving it up.") in _text(staff.get(mine))
    assert "staff" in _roles(app, staff_id) and not audited(app, "role.revoke")
    colleague = person("同僚", staff=True)
    gone = staff.post(f"{mine}/roles/staff/revoke", page=mine)
    assert gone.headers["Location"].endswith("/console/")
    assert "staff" not in _roles(app, staff_id) and len(audited(app, "role.revoke")) == 1
    assert staff.get(LIST).status_code == 403
    assert browser(colleague).get(LIST).status_code == 200


def test_staff_add_a_member_to_an_organisation_and_take_them_out(app, person, staff,
                                                                   organisation):
    owner = person("代表")
    club = organisation(owner, "荻窪の会")
    helper = person("佐藤")
    page = f"{LIST}/{_id(app, helper)}"
    added = staff.post(f"{page}/memberships", {"organisation": club, "role": "editor"},
                       page=page)
    assert added.status_code == 302
    with session_scope(app) as session:
        assert orgs.membership(session, get_by_line_id(session, helper), club).role == "editor"
    assert "荻窪の会" in _text(staff.get(f"{LIST}?q=佐藤"))
    assert staff.post(f"{page}/memberships/{club}/remove", page=page).status_code == 302
    with session_scope(app) as session:
        assert orgs.membership(session, get_by_line_id(session, helper), club) is None
    [logged_add] = audited(app, "organisation.add_member")
    [logged_remove] = audited(app, "organisation.remove_member")
    assert logged_add.subject_id == logged_remove.subject_id == _id(app, helper)
    assert logged_remove.actor_id is not None and logged_remove.detail["organisation"] == club
    owner_page = f"{LIST}/{_id(app, owner)}"
    staff.post(f"{owner_page}/memberships/{club}/remove", page=owner_page)
    assert ja("{name} is the last owner of {organisation}: make another member the owner "
              "first.", name="代表", organisation="荻窪の会") in _text(staff.get(owner_page))
    with session_scope(app) as session:
        assert session.get(Organisation, club).members and session.get(User, _id(app, owner))
