"""When things are due: reminders before a start, days before a deadline, quiet hours.

Every function takes the app's configuration as a mapping (BOT_TIMEZONE,
REMINDER_DAY_BEFORE_AT, REMINDER_HOURS_BEFORE, QUIET_HOURS, IDEA_CALL_DEADLINE_DAYS_BEFORE).
A session made by the app carries it in `session.info["config"]` (`config_of`).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from datetime import time as clock
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session


def config_of(session: Session) -> Mapping[str, Any]:
    """The app's configuration, which the app's session factory puts in every session."""
    return session.info["config"]


def _hhmm(value: str) -> clock:
    hours, minutes = value.strip().split(":")
    return clock(int(hours) % 24, int(minutes))


def reminder_times(config: dict[str, Any], starts_at: datetime,
                   now: datetime | None = None) -> list[tuple[str, datetime]]:
    """When to remind people of something that starts at `starts_at`, as (name, time) pairs.

    "day_before" at REMINDER_DAY_BEFORE_AT (ward time) the day before, and "hours_before"
    REMINDER_HOURS_BEFORE hours before. An empty setting or 0 turns one off. A reminder due
    in quiet hours moves to the last allowed time before them (`last_allowed_before`); the
    hours-before one is left out when the day-before one is still to come and comes no later
    (a 7:00 start gets its reminder at 18:00 the evening before, not at 5:00 or 20:59).

    With `now` (someone signs up or answers now), only what is still to come: a moved
    reminder whose time has already passed is due at once (`now`), so that every sign-up
    before the start gets one.
    """
    zone = ZoneInfo(config["BOT_TIMEZONE"])
    start = starts_at.astimezone(UTC)
    local = start.astimezone(zone)
    now = None if now is None else now.astimezone(UTC)
    found: list[tuple[str, datetime]] = []
    at = str(config.get("REMINDER_DAY_BEFORE_AT") or "").strip()
    if at:
        day_before = datetime.combine(local.date() - timedelta(days=1), _hhmm(at), zone)
        due = last_allowed_before(config, day_before.astimezone(UTC))
        if now is None or due > now:
            found.append(("day_before", due))
    hours = float(config.get("REMINDER_HOURS_BEFORE") or 0)
    if hours > 0:
        before = start - timedelta(hours=hours)
        due = last_allowed_before(config, before)
        if found and (due != before or due <= found[0][1]):
            pass  # the day-before reminder, still to come, covers it
        elif now is None or due > now:
            found.append(("hours_before", due))
        elif due != before and now < start:
            found.append(("hours_before", now))  # moved, and its time has passed: at once
    return found


def days_before(config: dict[str, Any], when: datetime, days: int | None = None) -> datetime:
    """REMINDER_DAY_BEFORE_AT (ward time), `days` days before `when` (an idea call deadline:
    IDEA_CALL_DEADLINE_DAYS_BEFORE)."""
    days = config["IDEA_CALL_DEADLINE_DAYS_BEFORE"] if days is None else days
    zone = ZoneInfo(config["BOT_TIMEZONE"])
    day = when.astimezone(zone).date() - timedelta(days=days)
    at = str(config.get("REMINDER_DAY_BEFORE_AT") or "18:00")
    return datetime.combine(day, _hhmm(at), zone).astimezone(UTC)


def _quiet_window(config: dict[str, Any]) -> tuple[clock, clock] | None:
    raw = str(config.get("QUIET_HOURS") or "").strip()
    if not raw:
        return None
    start, end = raw.split("-")
    return _hhmm(start), _hhmm(end)


def in_quiet_hours(config: dict[str, Any], now: datetime) -> bool:
    window = _quiet_window(config)
    if window is None:
        return False
    start, end = window
    local = now.astimezone(ZoneInfo(config["BOT_TIMEZONE"])).time()
    if start <= end:
        return start <= local < end
    return local >= start or local < end  # the window spans midnight


def last_allowed_before(config: dict[str, Any], when: datetime) -> datetime:
    """`when` itself outside quiet hours; in them, one minute before they began."""
    window = _quiet_window(config)
    if window is None or not in_quiet_hours(config, when):
        return when
    zone = ZoneInfo(config["BOT_TIMEZONE"])
    local = when.astimezone(zone)
    began = datetime.combine(local.date(), window[0], zone)
    if began > local:
        began -= timedelta(days=1)
    return (began - timedelta(minutes=1)).astimezone(UTC)


def quiet_hours_end(config: dict[str, Any], now: datetime) -> datetime:
    """When the current quiet hours end (`now` itself outside them)."""
    window = _quiet_window(config)
    if window is None or not in_quiet_hours(config, now):
        return now
    zone = ZoneInfo(config["BOT_TIMEZONE"])
    local = now.astimezone(zone)
    end = datetime.combine(local.date(), window[1], zone)
    if end <= local:
        end += timedelta(days=1)
    return end.astimezone(UTC)
