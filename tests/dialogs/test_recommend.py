"""Recommendations: the short interests questions, ranking by fit with a reason, and
"not interested"."""

from __future__ import annotations

from datetime import timedelta

from bot.kernel.i18n import gettext
from tests.activity_factory import make_slot
from tests.conftest import flex_texts


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
    resident.says("menu")
    resident.taps(_("Recommended"))
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
    resident.says("menu")
    resident.taps(_("Recommended"))
    assert _titles(resident)[0] == "清掃A"
    resident.taps(_("Not interested"))
    resident.taps(_("Recommended"))
    titles = _titles(resident)
    assert "清掃A" not in titles
    assert titles[0] == "子ども食堂"
