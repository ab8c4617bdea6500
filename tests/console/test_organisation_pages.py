"""Organisations in the console: registering, staff verifying, an organisation's page for
its members (profile, invitations, joining, leaving, handing over), each change
audit-logged, and who may do what."""

from __future__ import annotations

import io
import re

import pytest
from sqlalchemy import func, select

from bot.db import session_scope
from bot.kernel.i18n import gettext
from models import organisations as orgs
from models.organisations import Organisation
from models.users import get_by_line_id
from tests.console.helpers import audited, png

PROFILE = {"name": "高円寺みどりの会", "kind": "npo", "description": "公園の花壇を手入れします",
           "areas": ["高円寺"], "categories": ["environment"], "public_contact": "03-1111-2222",
           "website": "https://midori.example.jp"}


def _organisation(app, name: str) -> Organisation:
    with session_scope(app) as session:
        found = orgs.find_by_name(session, name)
        assert found is not None
        session.expunge(found)
        return found


def _role(app, line_user_id: str, organisation_id: int) -> str | None:
    with session_scope(app) as session:
        found = orgs.membership(session, get_by_line_id(session, line_user_id), organisation_id)
        return found.role if found else None


def test_a_resident_registers_an_organisation_and_owns_it_pending(app, person, browser):
    hanako = person()
    me = browser(hanako)
    answer = me.post("/console/organisations/new", PROFILE, page="/console/organisations/new")
    assert answer.status_code == 302
    found = _organisation(app, "高円寺みどりの会")
    assert found.status == "pending" and found.areas == ["高円寺"]
    assert found.categories == ["environment"] and found.website == PROFILE["website"]
    assert _role(app, hanako, found.id) == "owner"
    assert len(audited(app, "organisation.register")) == 1
    page = me.get(answer.headers["Location"]).get_data(as_text=True)
    assert "高円寺みどりの会" in page


def test_with_verification_waived_a_new_organisation_is_verified(app, person, browser,
                                                               monkeypatch):
    monkeypatch.setitem(app.config, "ORGANISATION_VERIFICATION", "waived")
    me = browser(person())
    me.post("/console/organisations/new", PROFILE, page="/console/organisations/new")
    assert _organisation(app, "高円寺みどりの会").status == "verified"


def test_the_form_says_what_is_wrong(app, person, browser, organisation):
    owner = person()
    organisation(owner, "高円寺みどりの会")
    me = browser(person("二人目"))
    answer = me.post("/console/organisations/new", {**PROFILE, "website": "not a url"},
                     page="/console/organisations/new")
    assert answer.status_code == 200 and 'aria-invalid="true"' in answer.get_data(as_text=True)
    taken = me.post("/console/organisations/new", PROFILE, page="/console/organisations/new")
    assert taken.status_code == 200 and 'aria-invalid="true"' in taken.get_data(as_text=True)


def test_a_refused_registration_leaves_nothing_behind(app, person, browser, organisation):
    organisation(person(), "高円寺みどりの会")
    second = person("二人目")
    me = browser(second)
    taken = me.post("/console/organisations/new", {**PROFILE, "name": "高円寺みどりの会 "},
                    page="/console/organisations/new")
    assert taken.status_code == 200
    assert gettext("ja", "An organisation with this name already exists.") in taken.get_data(
        as_text=True)
    with session_scope(app) as session:
        assert session.scalar(select(func.count(Organisation.id))) == 1
        assert orgs.organisations_of(session, get_by_line_id(session, second)) == []
    assert len(audited(app, "organisation.register")) == 1  # the first one's


def test_staff_see_pending_organisations_first_and_verify_one(app, person, browser,
                                                              organisation):
    owner = person()
    with session_scope(app) as session:
        session.add(Organisation(name="あいうえお会", kind="npo", status="verified"))
    pending = organisation(owner, "わをん会")
    staff = browser(person("区職員", staff=True))
    listing = staff.get("/console/organisations").get_data(as_text=True)
    assert listing.index("わをん会") < listing.index("あいうえお会")
    assert staff.get(f"/console/organisations/{pending}").status_code == 200
    answer = staff.post(f"/console/organisations/{pending}/verify",
                        page="/console/organisations")
    assert answer.status_code == 302
    assert _organisation(app, "わをん会").status == "verified"
    assert len(audited(app, "organisation.verify")) == 1


PAGE_LINK = re.compile(r'<a href="([^"]+)"[^>]*aria-current="page"')


def _listed(answer) -> list[str]:
    return re.findall(r'<tr data-testid="organisation">\s*<th scope="row"><a [^>]*>([^<]+)</a>',
                      answer.get_data(as_text=True))


def test_staff_s_list_comes_a_page_at_a_time_keeping_its_filters(app, person, browser):
    with session_scope(app) as session:
        session.add_all([Organisation(name=f"団体{n:03d}", kind="npo",
                                      status="pending" if n % 2 else "verified")
                         for n in range(1, 131)])
    staff = browser(person("区職員", staff=True))
    first = staff.get("/console/organisations")
    assert len(_listed(first)) == 50 and _listed(first)[0] == "団体001"  # pending first
    page = first.get_data(as_text=True)
    assert f'<nav aria-label="{gettext("ja", "Pages of the list")}"' in page
    assert PAGE_LINK.search(page)[1] == "/console/organisations?page=1"
    third = staff.get("/console/organisations?page=3")
    assert len(_listed(third)) == 30 and "団体130" in _listed(third)
    beyond = staff.get("/console/organisations?page=4")  # the list got shorter: its end
    assert _listed(beyond) == _listed(third)

    pending = staff.get("/console/organisations?status=pending")
    text = pending.get_data(as_text=True)
    assert len(_listed(pending)) == 50 and "団体002" not in _listed(pending)
    second = re.search(r'<a href="([^"]+)"[^>]*rel="next"', text)[1].replace("&amp;", "&")
    assert "status=pending" in second and "page=2" in second
    rest = staff.get(second)
    assert _listed(rest) == [f"団体{n:03d}" for n in range(101, 130, 2)]
    assert PAGE_LINK.search(rest.get_data(as_text=True))[1].replace("&amp;", "&") == second
    # verifying one there comes back to the same page of the same list
    kept = rest.get_data(as_text=True)
    assert '<input type="hidden" name="status" value="pending">' in kept
    assert '<input type="hidden" name="page" value="2">' in kept
    verified = _organisation(app, "団体101").id
    answer = staff.post(f"/console/organisations/{verified}/verify",
                        {"status": "pending", "page": "2"}, page=second)
    assert answer.headers["Location"] == "/console/organisations?status=pending&page=2"
    assert "団体101" not in _listed(staff.get(answer.headers["Location"]))
    named = staff.get("/console/organisations?status=verified&q=%E5%9B%A3%E4%BD%9312")
    assert _listed(named) == ["団体120", "団体122", "団体124", "団体126", "団体128"]
    assert "<nav aria-label" not in named.get_data(as_text=True).split("</header>")[1]


def test_residents_cannot_page_through_staff_s_list(person, browser):
    assert browser(person()).get("/console/organisations?page=2").status_code == 403


def test_an_editor_edits_the_profile(app, person, browser, organisation):
    owner = person()
    found = organisation(owner)
    me = browser(owner)
    edit = f"/console/organisations/{found}/edit"
    answer = me.post(edit, {**PROFILE, "name": "阿佐谷こども食堂"}, page=edit)
    assert answer.status_code == 302
    assert _organisation(app, "阿佐谷こども食堂").description == PROFILE["description"]
    [row] = audited(app, "organisation.update")
    assert "description" in row.detail["fields"] and "name" not in row.detail["fields"]


def test_an_owner_invites_and_the_invited_person_joins_by_link(app, person, browser,
                                                               organisation):
    owner, friend = person("代表"), person("仲間")
    found = organisation(owner)
    page = browser(owner).post(f"/console/organisations/{found}/invitations",
                               page=f"/console/organisations/{found}")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    code = re.search(r'data-testid="invitation-code">(\w+)<', text)[1]
    assert f"/console/join/{code}" in text
    joiner = browser(friend)
    assert joiner.get(f"/console/join/{code}").status_code == 200
    assert joiner.post(f"/console/join/{code}", page=f"/console/join/{code}").status_code == 302
    assert _role(app, friend, found) == "editor"
    again = browser(person("三人目"))
    used = again.post(f"/console/join/{code}", page=f"/console/join/{code}")
    assert used.status_code == 200 and _role(app, again.line_user_id, found) is None
    assert len(audited(app, "organisation.invite")) == len(audited(app, "organisation.join")) == 1


def test_a_member_leaves_and_the_owner_hands_over_first(app, person, browser, organisation):
    owner, friend = person("代表"), person("仲間")
    found = organisation(owner)
    with session_scope(app) as session:
        orgs.add_member(session, session.get(Organisation, found),
                        get_by_line_id(session, friend))
    me = browser(owner)
    page = f"/console/organisations/{found}"
    me.post(f"{page}/leave", page=page)
    assert _role(app, owner, found) == "owner"  # the last owner stays until handing over
    with session_scope(app) as session:
        friend_id = get_by_line_id(session, friend).id
    assert me.post(f"{page}/hand-over", {"to": friend_id}, page=page).status_code == 302
    assert (_role(app, owner, found), _role(app, friend, found)) == ("editor", "owner")
    assert me.post(f"{page}/leave", page=page).status_code == 302
    assert _role(app, owner, found) is None
    assert len(audited(app, "organisation.hand_over")) == len(audited(app, "organisation.leave"))


# -- who may do what ----------------------------------------------------------------------

PAGES = ["/console/", "/console/organisations/new", "/console/organisations",
         "/console/organisations/{id}", "/console/organisations/{id}/edit", "/console/join/ABC"]
ACTIONS = ["/console/organisations/new", "/console/organisations/{id}/verify",
           "/console/organisations/{id}/edit", "/console/organisations/{id}/invitations",
           "/console/organisations/{id}/logo", "/console/organisations/{id}/logo/remove",
           "/console/organisations/{id}/leave", "/console/organisations/{id}/hand-over",
           "/console/join/ABC", "/console/sign-out"]
# what a signed-in person who is neither staff nor a member of {id} may not open
NOT_THEIRS = ["/console/organisations", "/console/organisations/{id}",
              "/console/organisations/{id}/edit"]
NOT_THEIR_ACTIONS = ["/console/organisations/{id}/verify", "/console/organisations/{id}/edit",
                     "/console/organisations/{id}/invitations",
                     "/console/organisations/{id}/logo", "/console/organisations/{id}/logo/remove",
                     "/console/organisations/{id}/leave", "/console/organisations/{id}/hand-over"]


@pytest.fixture
def theirs(person, organisation) -> int:
    return organisation(person("よその代表"), "よその会")


@pytest.mark.parametrize("path", PAGES + ACTIONS)
def test_signed_out_every_page_leads_to_sign_in(browser, theirs, path):
    me = browser(signed_in=False)
    answer = (me.get if path in PAGES else me.client.post)(path.format(id=theirs))
    assert answer.status_code == 302
    # back to the page after signing in; not to a form's action, which has no page
    expected = "/console/sign-in?next=" if path in PAGES else "/console/sign-in"
    assert answer.headers["Location"].startswith(expected)


@pytest.mark.parametrize("member_elsewhere", [False, True], ids=["resident", "other-member"])
@pytest.mark.parametrize("path", NOT_THEIRS)
def test_a_resident_or_another_organisation_s_member_cannot_open_it(
        person, browser, organisation, theirs, path, member_elsewhere):
    me = person()
    if member_elsewhere:
        organisation(me, "自分の会")
    assert browser(me).get(path.format(id=theirs)).status_code == 403


@pytest.mark.parametrize("member_elsewhere", [False, True], ids=["resident", "other-member"])
@pytest.mark.parametrize("path", NOT_THEIR_ACTIONS)
def test_a_resident_or_another_organisation_s_member_cannot_change_it(
        app, person, browser, organisation, theirs, path, member_elsewhere):
    me = person()
    if member_elsewhere:
        organisation(me, "自分の会")
    answer = browser(me).post(path.format(id=theirs),
                              {**PROFILE, "to": 1, "logo": (io.BytesIO(png()), "logo.png")})
    assert answer.status_code == 403
    assert _organisation(app, "よその会").status == "pending"
    assert _organisation(app, "よその会").logo_photo_id is None
    assert len(audited(app, "organisation.update")) == 0


def test_an_editor_cannot_invite_or_hand_over(app, person, browser, organisation):
    owner, editor = person("代表"), person("仲間")
    found = organisation(owner)
    with session_scope(app) as session:
        orgs.add_member(session, session.get(Organisation, found),
                        get_by_line_id(session, editor))
    me = browser(editor)
    page = f"/console/organisations/{found}"
    assert me.post(f"{page}/invitations", page=page).status_code == 403
    assert me.post(f"{page}/hand-over", {"to": 1}, page=page).status_code == 403


def test_staff_see_an_organisation_but_do_not_edit_it(person, browser, theirs):
    staff = browser(person("区職員", staff=True))
    assert staff.get(f"/console/organisations/{theirs}").status_code == 200
    assert staff.get(f"/console/organisations/{theirs}/edit").status_code == 403
    for action in ("logo", "logo/remove"):
        assert staff.post(f"/console/organisations/{theirs}/{action}").status_code == 403


@pytest.mark.parametrize("path", ACTIONS)
def test_a_forged_form_without_its_token_is_refused(app, person, browser, organisation, path):
    owner = person()
    mine = organisation(owner)
    staff = person("区職員", staff=True)
    with session_scope(app) as session:
        orgs.add_member(session, session.get(Organisation, mine), get_by_line_id(session, staff))
    me = browser(staff)
    answer = me.post(path.format(id=mine), {**PROFILE, "to": 1}, csrf=False)
    assert answer.status_code == 400
    assert _organisation(app, "阿佐谷こども食堂").status == "pending"


def test_an_organisation_s_page_takes_as_many_statements_for_six_members_as_for_one(
        app, person, browser, organisation):
    from tests.sql_count import statements_of

    owner = person("代表")
    found = organisation(owner)
    me = browser(owner)
    page = f"/console/organisations/{found}"
    one = statements_of(app, lambda: me.get(page))
    friends = [person(f"仲間{n}") for n in range(5)]
    with session_scope(app) as session:
        org = session.get(Organisation, found)
        for friend in friends:
            orgs.add_member(session, org, get_by_line_id(session, friend))
    six = statements_of(app, lambda: me.get(page))
    assert "仲間4" in me.get(page).get_data(as_text=True)
    assert len(six) == len(one), "\n".join(six)


def test_an_organisation_says_which_language_it_writes_in(app, person, browser):
    """As an activity's form does: a new profile is in its writer's language unless they
    choose another; changing it is audit-logged, and the machine then translates from it."""
    owner = person("Owner", locale="en")
    me = browser(owner)
    new = "/console/organisations/new"
    form = me.get(new).get_data(as_text=True)
    assert re.search(r'<option value="en"[^>]*selected', form)
    english = {**PROFILE, "name": "Koenji Green Club", "description": "We tend the park",
               "original_locale": "en"}
    assert me.post(new, english, page=new).status_code == 302
    found = _organisation(app, "Koenji Green Club")
    assert found.original_locale == "en"
    edit = f"/console/organisations/{found.id}/edit"
    assert re.search(r'<option value="en"[^>]*selected', me.get(edit).get_data(as_text=True))
    answer = me.post(edit, {**english, "original_locale": "ko"}, page=edit)
    assert answer.status_code == 302
    assert _organisation(app, "Koenji Green Club").original_locale == "ko"
    [row] = audited(app, "organisation.update")
    assert row.detail["fields"] == ["original_locale"]
    refused = me.post(edit, {**english, "original_locale": "ja_easy"}, page=edit)
    assert refused.status_code == 200  # やさしい日本語 is a version, never an original
    assert _organisation(app, "Koenji Green Club").original_locale == "ko"
