"""The ward's KPIs over a small population whose outcomes are known, checked exactly."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.db import session_scope
from models import kpi
from models.activities import Activity, Slot
from models.gatherings import Gathering
from models.ideas import ADOPTED, SUBMITTED, Idea, IdeaCall
from models.impressions import ShownRecommendation
from models.initiatives import Initiative
from models.organisations import PENDING, VERIFIED, Organisation
from models.signups import ATTENDED, NO_SHOW, Signup
from models.supporters import SupportSession
from models.users import User
from tests.sql_count import statements_of

TOKYO = ZoneInfo("Asia/Tokyo")
APRIL = date(2026, 4, 1)
NOW = datetime(2026, 12, 1, tzinfo=UTC)


def at(month: int, day: int, hour: int = 10) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=TOKYO).astimezone(UTC)


def _population(app) -> None:
    """Ten people (u0..u9) and one who came in May (u10), as the expected figures say."""
    bands = ["20s", "20s", "20s", "20s", "40s", "60s", "none", None, None, None, "30s"]
    locales = ["en", "en", "vi", "ja", "ja", "ja", "ja", "ja", "ja", "ja_easy", "ko"]
    with session_scope(app) as session:
        users = [User(line_user_id=f"U{i:032x}", display_name=f"u{i}", locale=locales[i],
                      age_band=bands[i],
                      created_at=at(4, 1 + i) if i < 5 else at(3, 1) if i < 10 else at(5, 2))
                 for i in range(11)]
        session.add_all(users)
        slots = {}
        for name, area, starts in [("S0", "阿佐谷", at(3, 5)), ("S1", "阿佐谷", at(4, 10)),
                                   ("S2", "阿佐谷", at(5, 20)), ("S3", "", at(9, 1)),
                                   ("S4", "荻窪", at(4, 20))]:
            activity = Activity(title=name, category="environment", styles=[], area=area)
            slot = Slot(code=name, starts_at=starts, ends_at=starts + timedelta(hours=2),
                        capacity=50, seats_taken=0)
            activity.slots.append(slot)
            session.add(activity)
            slots[name] = slot
        session.flush()

        def signup(i: int, slot: str, created: datetime, status: str = ATTENDED) -> None:
            session.add(Signup(user_id=users[i].id, slot_id=slots[slot].id, status=status,
                               created_at=created, queued_at=created))

        for i in range(8):
            signup(i, "S1", at(4, 5))
        signup(0, "S4", at(4, 16))
        signup(1, "S4", at(4, 16), NO_SHOW)
        signup(8, "S4", at(4, 20, 9))
        signup(9, "S4", at(4, 18))
        signup(9, "S0", at(3, 1))  # u9 first attended in March: not in April's cohort
        signup(1, "S2", at(5, 1))  # back within 90 days
        signup(2, "S3", at(8, 20))  # back within 180 days only
        signup(6, "S2", at(4, 26))  # signed up two days after the baseline showed it

        def shown(i: int, slot: str, when: datetime, reason: str) -> None:
            session.add(ShownRecommendation(user_id=users[i].id, slot_id=slots[slot].id,
                                            position=1, reason=reason, shown_at=when))

        for i in range(6):
            shown(i, "S4", at(4, 15), "interest:environment")
        shown(8, "S4", at(4, 1), "near")  # signed up 19 days later: not a match
        shown(6, "S2", at(4, 25), "baseline")
        shown(7, "S2", at(4, 25), "baseline")
        shown(7, "S2", at(4, 28), "baseline")  # the same slot again: counted once
        shown(9, "S1", at(3, 20), "ranking")  # March

        session.add_all([
            Organisation(name="O1", status=VERIFIED, created_at=at(3, 1), verified_at=at(3, 2)),
            Organisation(name="O2", status=PENDING, created_at=at(4, 3)),
            Organisation(name="O3", status=VERIFIED, created_at=at(5, 3), verified_at=at(5, 3)),
        ])
        initiatives = [Initiative(presenter_id=users[0].id, title=f"I{n}", summary="",
                                  status="open") for n in range(3)]
        session.add_all(initiatives)
        session.flush()
        for n, (initiative, when, cancelled) in enumerate([
                (initiatives[0], at(4, 12), False), (initiatives[0], at(6, 1), False),
                (initiatives[1], at(3, 12), False), (initiatives[1], at(4, 14), False),
                (initiatives[2], at(4, 15), True)]):
            session.add(Gathering(kind="preparation", initiative_id=initiative.id,
                                  starts_at=when, ics_token=f"t{n}", cancelled=cancelled))
        call = IdeaCall(theme="公園", issue="", deadline=at(6, 1))
        session.add(call)
        session.flush()
        for created, status, reviewed in [(at(4, 3), ADOPTED, at(4, 10)),
                                          (at(4, 4), ADOPTED, at(5, 2)),
                                          (at(4, 5), SUBMITTED, None),
                                          (at(3, 20), ADOPTED, at(4, 2))]:
            session.add(Idea(call_id=call.id, submitter_id=users[3].id, status=status,
                             created_at=created, reviewed_at=reviewed))
        session.add(SupportSession(ticket="t", supporter_id=users[5].id,
                                   resident_id=users[6].id, via="code", started_at=at(4, 10)))


def _value(figures, key: str, group: str = ""):
    found = kpi.of_key(figures, key, group=group)
    assert len(found) == 1, (key, group, found)
    return found[0]


def test_each_figure_of_a_month_is_exact(app):
    _population(app)
    with session_scope(app) as session:
        figures = kpi.month_figures(session, APRIL, tz="Asia/Tokyo", now=NOW)

    def rate(key: str, group: str = "") -> tuple:
        f = _value(figures, key, group)
        return f.numerator, f.denominator

    assert rate("matching_success") == (2, 9)
    assert rate("matching_success", "ranking") == (1, 7)
    assert rate("matching_success", "baseline") == (1, 2)
    assert rate("continuation_90") == (3, 9)  # u0, u1, u6
    assert rate("continuation_180") == (4, 9)  # and u2
    assert _value(figures, "participants").value == 10
    assert rate("young_share") == (5, 6)
    assert rate("foreign_share") == (3, 10)
    by_band = {f.group: f.value for f in figures if f.key == "participants_by_age_band"}
    assert by_band == {"20s": 4, "40s": 1, "60s": 1, "none": 1, "unknown": 3}
    assert list(by_band) == ["20s", "40s", "60s", "none", "unknown"]
    by_language = {f.group: f.value for f in figures if f.key == "participants_by_language"}
    assert by_language == {"en": 2, "vi": 1, "ja": 6, "ja_easy": 1}
    by_area = {f.group: f.value for f in figures if f.key == "participants_by_area"}
    assert by_area == {"阿佐谷": 8, "荻窪": 3}
    assert {key: _value(figures, key).value for key in (
        "new_friends", "active_users", "users", "organisations_registered",
        "organisations_verified", "initiatives_reaching_a_gathering", "ideas_submitted",
        "ideas_adopted", "supporter_sessions")} == {
        "new_friends": 5, "active_users": 10, "users": 10, "organisations_registered": 2,
        "organisations_verified": 1, "initiatives_reaching_a_gathering": 1,
        "ideas_submitted": 3, "ideas_adopted": 2, "supporter_sessions": 1}
    assert _value(figures, "matching_success").target == 0.70
    assert _value(figures, "continuation_90").target == 0.60
    assert _value(figures, "foreign_share").target == 0.25
    assert _value(figures, "matching_success", "ranking").target is None
    assert not any(f.provisional for f in figures)


def test_a_window_not_yet_passed_is_provisional(app):
    _population(app)
    with session_scope(app) as session:
        figures = kpi.month_figures(session, APRIL, tz="Asia/Tokyo", now=at(6, 1))
    assert _value(figures, "continuation_90").provisional
    assert _value(figures, "continuation_180").provisional
    assert not _value(figures, "matching_success").provisional


def test_a_month_takes_a_fixed_number_of_statements(app):
    _population(app)
    with session_scope(app) as session:
        statements = statements_of(app, lambda: kpi.month_figures(
            session, APRIL, tz="Asia/Tokyo", now=NOW))
    assert len(statements) == kpi.STATEMENTS_PER_MONTH


def test_the_trend_gives_each_month_oldest_first(app):
    _population(app)
    with session_scope(app) as session:
        figures = kpi.trend(session, APRIL, 3, tz="Asia/Tokyo", now=NOW)
    participants = kpi.of_key(figures, "participants")
    assert [(f.month, f.value) for f in participants] == [
        ("2026-02", 0), ("2026-03", 1), ("2026-04", 10)]


@pytest.mark.parametrize(("figure", "shown"), [
    (kpi.Figure("participants", "2026-04", 4), ("<5", None, None)),
    (kpi.Figure("participants", "2026-04", 0), (0, None, None)),
    (kpi.Figure("participants", "2026-04", 5), (5, None, None)),
    (kpi.Figure("foreign_share", "2026-04", 3 / 10, 3, 10), ("<5", "<5", 10)),
    (kpi.Figure("foreign_share", "2026-04", 5 / 6, 5, 6), (5 / 6, 5, 6)),
    (kpi.Figure("young_share", "2026-04", 1.0, 4, 4), ("<5", "<5", "<5")),
    (kpi.Figure("organisations_registered", "2026-04", 2, people=False), (2, None, None)),
])
def test_cells_under_five_people_are_suppressed(figure, shown):
    published = kpi.publish(figure)
    assert (published.value, published.numerator, published.denominator) == shown


def test_months_are_the_wards(app):
    start, end = kpi.month_bounds(date(2026, 12, 1), "Asia/Tokyo")
    assert start == datetime(2026, 11, 30, 15, tzinfo=UTC)
    assert end == datetime(2026, 12, 31, 15, tzinfo=UTC)
    assert kpi.months_up_to(date(2026, 2, 1), 3) == [date(2025, 12, 1), date(2026, 1, 1),
                                                    date(2026, 2, 1)]
