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


def reminder_times(config: dict[str, Any], starts_at: datetime) -> list[tuple[str, datetime]]:
    """When to remind people of something that starts at `starts_at`, as (name, time) pairs.

    "day_before" at REMINDER_DAY_BEFORE_AT (ward time) the day before, and "hours_before"
    REMINDER_HOURS_BEFORE hours before. An empty setting or 0 turns one off. When the
    hours-before reminder would fall in quiet hours it is dropped if the day-before one is
    sent (a 7:00 start gets its reminder at 18:00 the evening before, not at 5:00).
    """
    zone = ZoneInfo(config["BOT_TIMEZONE"])
    local = starts_at.astimezone(zone)
    found: list[tuple[str, datetime]] = []
    at = str(config.get("REMINDER_DAY_BEFORE_AT") or "").strip()
    if at:
        day_before = datetime.combine(local.date() - timedelta(days=1), _hhmm(at), zone)
        found.append(("day_before", day_before.astimezone(UTC)))
    hours = float(config.get("REMINDER_HOURS_BEFORE") or 0)
    if hours > 0:
        before = starts_at.astimezone(UTC) - timedelta(hours=hours)
        if not (found and (in_quiet_hours(config, before) or before <= found[0][1])):
            found.append(("hours_before", before))
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
