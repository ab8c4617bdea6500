"""Recommendations: the short interests questions, ranking by fit with a reason, and
"not interested"."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from bot.db import session_scope
from bot.kernel.i18n import gettext
from models.activities import Slot
from models.erasure import delete_personal_data
from models.impressions import ShownRecommendation
from models.users import get_by_line_id
from tests.activity_factory import make_slot
from tests.conftest import flex_texts
from tests.sql_count import statements_of


def _(msgid: str, locale: str = "ja", **params: object) -> str:
    return gettext(locale, msgid, **params)


def _titles(person) -> list[str]:
    for message in person.last:
        if message["type"] == "flex" and message["contents"]["type"] == "carousel":
            return [flex_texts(b)[0] for b in message["contents"]["contents"]]
    return []


def test_interests_put_matching_activities_first_with_a_reason(app, resident):
    make_slot(app, title="防災倉庫の点検", code="101", category="disaster",
              starts_in=timedelta(days=1))
    make_slot(app, title="子ども食堂", code="102", category="childcare",
              starts_in=timedelta(days=5))
    resident.opens(_("Recommended"))
    assert _titles(resident)[0] == "防災倉庫の点検"  # soonest first while we know nothing
    resident.taps(_("My interests"))
    resident.taps(_("Child-care support"))
    resident.taps(_("Next"))
    resident.taps(_("Next"))
    resident.taps(_("Skip"))
    assert _("Thank you. Your interests are saved.") in resident.last_text()
    assert _titles(resident)[0] == "子ども食堂"
    assert f"💡 {_('Child-care support')}" in resident.last_text()


def test_not_interested_lowers_similar_activities(app, resident):
    make_slot(app, title="清掃A", code="101", starts_in=timedelta(days=1))
    make_slot(app, title="清掃B", code="102", starts_in=timedelta(days=2))
    make_slot(app, title="子ども食堂", code="103", category="childcare",
              organisation="子ども食堂ネット", starts_in=timedelta(days=3))
    resident.opens(_("Recommended"))
    assert _titles(resident)[0] == "清掃A"
    resident.taps(_("Not interested"))
    resident.taps(_("Recommended"))
    titles = _titles(resident)
    assert "清掃A" not in titles
    assert titles[0] == "子ども食堂"


# -- what was shown, for the KPIs (models/impressions.py) -------------------------------------


def _shown(app, resident) -> list[tuple[str, int, str]]:
    with session_scope(app) as session:
        user = get_by_line_id(session, resident.user_id)
        return [(s.activity.title, r.position, r.reason) for r, s in session.execute(
            select(ShownRecommendation, Slot).join(Slot, Slot.id == ShownRecommendation.slot_id)
            .where(ShownRecommendation.user_id == user.id)
            .order_by(ShownRecommendation.id)).all()]


def test_the_recommendations_shown_are_recorded_in_one_statement(app, resident):
    for n in range(4):
        make_slot(app, title=f"清掃{n}", code=f"10{n}", starts_in=timedelta(days=n + 1))
    make_slot(app, title="子ども食堂", code="110", category="childcare",
              starts_in=timedelta(days=9))
    resident.opens(_("More features"))
    statements = statements_of(app, lambda: resident.taps(_("Recommended")))
    inserts = [s for s in statements if s.startswith("INSERT INTO recommendations_shown")]
    assert len(inserts) == 1, "\n".join(statements)
    titles = _titles(resident)
    assert [(title, position) for title, position, _reason in _shown(app, resident)] == [
        (title, n) for n, title in enumerate(titles, start=1)]
    assert {reason for *_rest, reason in _shown(app, resident)} == {"ranking"}


def test_the_baseline_share_sees_upcoming_slots_by_date(app, resident, monkeypatch):
    make_slot(app, title="防災倉庫の点検", code="101", category="disaster",
              starts_in=timedelta(days=1))
    make_slot(app, title="子ども食堂", code="102", category="childcare",
              starts_in=timedelta(days=5))
    resident.opens(_("Recommended"))
    resident.taps(_("My interests"))
    resident.taps(_("Child-care support"))
    resident.taps(_("Next"))
    resident.taps(_("Next"))
    resident.taps(_("Skip"))
    assert _titles(resident) == ["子ども食堂", "防災倉庫の点検"]  # ranked
    assert _shown(app, resident)[-2:] == [("子ども食堂", 1, "interest:childcare"),
                                          ("防災倉庫の点検", 2, "ranking")]

    monkeypatch.setitem(app.config, "KPI_BASELINE_SHARE", 1.0)
    resident.opens(_("Recommended"))
    assert _titles(resident) == ["防災倉庫の点検", "子ども食堂"]  # by date
    assert _shown(app, resident)[-2:] == [("防災倉庫の点検", 1, "baseline"),
                                          ("子ども食堂", 2, "baseline")]


def test_what_was_shown_goes_with_the_person(app, resident):
    make_slot(app, title="清掃", code="101")
    resident.opens(_("Recommended"))
    assert len(_shown(app, resident)) == 1
    with session_scope(app) as session:
        delete_personal_data(session, get_by_line_id(session, resident.user_id))
    with session_scope(app) as session:
        assert session.scalar(select(func.count()).select_from(ShownRecommendation)) == 0
