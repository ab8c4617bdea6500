"""The staff-only pages (open data, people and roles, the audit log): residents and
organisers are refused every page and every action, and change nothing; signed out, every
page leads to the sign-in; a form without its CSRF token is refused; staff see the links."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select

from bot.db import session_scope
from bot.kernel.i18n import gettext
from models.activities import Activity
from models.users import AuditLog, get_by_line_id

PAGES = ["/console/open-data", "/console/open-data/export.csv", "/console/people",
         "/console/people/{id}", "/console/audit"]
ACTIONS = ["/console/open-data/preview", "/console/open-data/import",
           "/console/people/{id}/roles/staff/grant", "/console/people/{id}/roles/supporter/grant",
           "/console/people/{id}/roles/staff/revoke", "/console/people/{id}/memberships",
           "/console/people/{id}/memberships/{org}/remove"]
CSV = ("都道府県コード又は市区町村コード,NO,イベント名,開始日\n131156,1,清掃,2030-05-11\n"
       .encode())


def _form(org: int) -> dict:
    return {"file": (io.BytesIO(CSV), "events.csv"), "token": "x", "organisation": org,
            "role": "owner"}


def _changes(app) -> tuple[int, list[str]]:
    """Activities, and the audit log's actions other than signing in."""
    with session_scope(app) as session:
        return (session.scalar(select(func.count()).select_from(Activity)),
                sorted(session.scalars(select(AuditLog.action).where(
                    AuditLog.action.not_like("console.%"), AuditLog.action != "role.grant"))))


@pytest.fixture
def target(app, person, organisation):
    """A resident (their id) and an organisation (its owner is someone else)."""
    someone = person("佐藤")
    org = organisation(person("代表"), "荻窪の会")
    with session_scope(app) as session:
        return {"id": get_by_line_id(session, someone).id, "org": org}


@pytest.mark.parametrize("member", [False, True], ids=["resident", "organiser"])
@pytest.mark.parametrize("path", PAGES + ACTIONS)
def test_residents_and_organisers_are_refused(app, person, browser, organisation, target,
                                              path, member):
    me = person("鈴木")
    if member:
        organisation(me, "自分の会")
    before = _changes(app)
    url = path.format(**target)
    answer = (browser(me).get(url) if path in PAGES
              else browser(me).post(url, _form(target["org"])))
    assert answer.status_code == 403
    assert _changes(app) == before


@pytest.mark.parametrize("path", PAGES)
def test_signed_out_every_page_leads_to_sign_in(browser, target, path):
    answer = browser().get(path.format(**target))
    assert answer.status_code == 302
    assert answer.headers["Location"].startswith("/console/sign-in")


@pytest.mark.parametrize("path", ACTIONS)
def test_a_forged_form_without_its_token_is_refused(app, person, browser, target, path):
    staff = browser(person("区職員", staff=True))
    before = _changes(app)
    answer = staff.post(path.format(**target), _form(target["org"]), csrf=False)
    assert answer.status_code == 400
    assert _changes(app) == before


@pytest.mark.parametrize("path", PAGES)
def test_staff_open_every_page(person, browser, target, path):
    assert browser(person("区職員", staff=True)).get(path.format(**target)).status_code == 200


def test_staff_see_the_links_and_residents_do_not(person, browser):
    links = ['href="/console/open-data"', 'href="/console/people"', 'href="/console/audit"']
    staff_home = browser(person("区職員", staff=True)).get("/console/").get_data(as_text=True)
    resident_home = browser(person()).get("/console/").get_data(as_text=True)
    assert all(link in staff_home for link in links)
    assert not any(link in resident_home for link in links)


def test_an_upload_over_the_limit_is_refused_while_it_arrives(app, person, browser,
                                                              monkeypatch):
    monkeypatch.setitem(app.config, "OPEN_DATA_MAX_BYTES", 100_000)
    staff = browser(person("区職員", staff=True))
    big = {"file": (io.BytesIO(CSV + b"x" * 200_000), "events.csv")}
    answer = staff.post("/console/open-data/preview", big, page="/console/open-data")
    assert answer.status_code == 302 and answer.headers["Location"] == "/console/open-data"
    page = staff.get("/console/open-data").get_data(as_text=True)
    assert gettext("ja", "This file is too large: at most {megabytes} MB.",
                   megabytes="0.1") in page
    assert _changes(app)[0] == 0
