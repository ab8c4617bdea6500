"""People and times for the initiative and idea call tests (issue 4)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from bot.db import session_scope
from bot.kernel.i18n import gettext
from bot.notify.dispatch import dispatch
from models.users import get_by_line_id, grant_role


def ja(msgid: str, **params: Any) -> str:
    return gettext("ja", msgid, **params)


def join(make_user: Any, name: str, language: str = "ja", mode: str = "Standard") -> Any:
    """Someone who followed, agreed to the notice, chose a look and skipped the age band."""
    person = make_user(name, language)
    person.follow()
    locale = person.user_row().locale
    person.taps(gettext(locale, "I agree"))
    person.taps(gettext(locale, mode))
    person.taps(gettext(locale, "Skip"))
    return person


def make_staff(app: Any, person: Any) -> Any:
    with session_scope(app) as session:
        grant_role(session, get_by_line_id(session, person.user_id), "staff")
    return person


def schedule_gathering(person: Any, when: str, place: str) -> None:
    """From the presenter's "Schedule gathering" button: a date and time, a place, done."""
    person.taps(ja("Schedule gathering"))
    person.taps(ja("Pick date and time"), datetime=when)
    person.says(place)
    person.taps(ja("Schedule"))


def noon_tomorrow() -> datetime:
    """12:00 in Tokyo tomorrow: outside quiet hours, after anything due 'now'."""
    return (datetime.now(UTC) + timedelta(days=1)).replace(hour=3, minute=0, second=0,
                                                           microsecond=0)


def deliver(app: Any, at: datetime | None = None) -> Any:
    """Run one notification dispatch pass (what the scheduler does every few seconds)."""
    return dispatch(app, at or noon_tomorrow())


def utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
