"""The audit log in the console: newest first, readable, filtered by who, action, for whom
and dates, a page at a time."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime

from bot.db import session_scope
from bot.kernel.i18n import gettext
from models.users import AuditLog, get_by_line_id, grant_role

LOG = "/console/audit"


def ja(msgid: str, **params) -> str:
    return gettext("ja", msgid, **params)


def _rows(answer) -> list[str]:
    text = html.unescape(answer.get_data(as_text=True))
    return [re.sub(r"<[^>]+>|\s+", " ", row).strip()
            for row in re.findall(r'<tr data-testid="entry".*?</tr>', text, re.S)]


def _log(app, staff_line_id: str, subject_line_id: str) -> None:
    """Three entries on three days: a grant by staff, a revoke by staff, one from the CLI."""
    with session_scope(app) as session:
        staff = get_by_line_id(session, staff_line_id)
        subject = get_by_line_id(session, subject_line_id)
        for day, action, actor in ((1, "role.grant", staff), (5, "role.revoke", staff),
                                   (9, "idea.review", None)):
            session.add(AuditLog(at=datetime(2030, 5, day, 3, tzinfo=UTC), action=action,
                                 actor_id=actor.id if actor else None, subject_id=subject.id,
                                 detail={"role": "supporter"}))


def test_entries_are_newest_first_and_say_who_did_what_for_whom(app, person, browser):
    staff_id, subject_id = person("区職員", staff=True), person("佐藤")
    _log(app, staff_id, subject_id)
    staff = browser(staff_id)
    rows = _rows(staff.get(f"{LOG}?since=2030-05-01&until=2030-05-31"))
    assert len(rows) == 3
    assert ja("The system or the command line") in rows[0] and "idea.review" in rows[0]
    assert "区職員" in rows[1] and ja("Took a role away") in rows[1] and "佐藤" in rows[1]
    assert "role: supporter" in rows[1]
    assert ja("Granted a role") in rows[2]


def test_the_filters_narrow_the_list(app, person, browser):
    staff_id, subject_id = person("区職員", staff=True), person("佐藤")
    _log(app, staff_id, subject_id)
    staff = browser(staff_id)
    assert len(_rows(staff.get(f"{LOG}?who=区職&since=2030-05-01"))) == 2
    assert len(_rows(staff.get(f"{LOG}?action=role.revoke"))) == 1
    # the days are the ward's: 2030-05-05 03:00 UTC is 12:00 in Tokyo
    assert len(_rows(staff.get(f"{LOG}?since=2030-05-05&until=2030-05-05"))) == 1
    assert len(_rows(staff.get(f"{LOG}?since=2030-05-01&until=2030-05-04"))) == 1
    with session_scope(app) as session:
        subject = get_by_line_id(session, subject_id).id
    about = staff.get(f"{LOG}?subject={subject}&since=2030-01-01&until=2030-12-31")
    assert len(_rows(about)) == 3
    nonsense = staff.get(f"{LOG}?action=nope&since=yesterday&page=x")
    assert nonsense.status_code == 200 and len(_rows(nonsense)) >= 3


def test_the_log_comes_a_page_at_a_time(app, person, browser, monkeypatch):
    staff_id = person("区職員", staff=True)
    with session_scope(app) as session:
        staff = get_by_line_id(session, staff_id)
        for number in range(5):
            session.add(AuditLog(at=datetime(2030, 6, 1 + number, tzinfo=UTC),
                                 action="idea.review", actor_id=staff.id,
                                 detail={"idea": number}))
    monkeypatch.setattr("console.audit.PAGE_SIZE", 2)
    browser_ = browser(staff_id)
    first = _rows(browser_.get(f"{LOG}?action=idea.review"))
    third = _rows(browser_.get(f"{LOG}?action=idea.review&page=3"))
    assert ["idea: 4" in first[0], "idea: 3" in first[1]] == [True, True]
    assert len(third) == 1 and "idea: 0" in third[0]
    page = browser_.get(f"{LOG}?action=idea.review").get_data(as_text=True)
    assert 'href="/console/audit?page=2&amp;action=idea.review"' in page


def test_a_grant_in_the_console_shows_in_the_log(app, person, browser):
    staff_id, subject_id = person("区職員", staff=True), person("佐藤")
    staff = browser(staff_id)
    with session_scope(app) as session:
        subject = get_by_line_id(session, subject_id)
        grant_role(session, subject, "supporter", actor=get_by_line_id(session, staff_id))
    [row] = _rows(staff.get(f"{LOG}?action=role.grant&who=区職員"))
    assert "区職員" in row and "佐藤" in row and ja("Granted a role") in row
