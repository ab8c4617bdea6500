"""The ward's KPIs over a small population whose outcomes are known, checked exactly."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from bot.db import session_scope
from models import kpi
from models.activities import Slot
from models.signups import ATTENDED, Signup
from models.users import User
from tests.kpi_factory import APRIL, NOW, at, make_population
from tests.sql_count import statements_of


def _value(figures, key: str, group: str = ""):
    found = kpi.of_key(figures, key, group=group)
    assert len(found) == 1, (key, group, found)
    return found[0]


def test_each_figure_of_a_month_is_exact(app):
    make_population(app)
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


def test_a_sign_up_made_again_after_the_recommendation_counts_as_a_match(app):
    make_population(app)
    with session_scope(app) as session:  # u3 saw S4 on 15 April: had signed up, cancelled
        u3 = session.scalar(select(User).where(User.display_name == "住民3さん"))
        s4 = session.scalar(select(Slot).where(Slot.code == "S4"))
        session.add(Signup(user_id=u3.id, slot_id=s4.id, status=ATTENDED,
                           created_at=at(3, 10), queued_at=at(4, 17)))
    with session_scope(app) as session:
        figures = kpi.month_figures(session, APRIL, tz="Asia/Tokyo", now=NOW)
    ranking = _value(figures, "matching_success", "ranking")
    assert (ranking.numerator, ranking.denominator) == (2, 7)


def test_a_window_not_yet_passed_is_provisional(app):
    make_population(app)
    with session_scope(app) as session:
        figures = kpi.month_figures(session, APRIL, tz="Asia/Tokyo", now=at(6, 1))
    assert _value(figures, "continuation_90").provisional
    assert _value(figures, "continuation_180").provisional
    assert not _value(figures, "matching_success").provisional


def test_a_month_takes_a_fixed_number_of_statements(app):
    make_population(app)
    with session_scope(app) as session:
        statements = statements_of(app, lambda: kpi.month_figures(
            session, APRIL, tz="Asia/Tokyo", now=NOW))
    assert len(statements) == kpi.STATEMENTS_PER_MONTH


def test_the_trend_gives_each_month_oldest_first(app):
    make_population(app)
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
