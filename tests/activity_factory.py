"""Organisations, activities and slots for tests, written straight to the database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from bot.db import session_scope
from models.activities import Activity, Organisation, Slot
from models.texts import set_texts


def make_slot(app: Any, *, title: str = "善福寺川の清掃", code: str = "123",
              starts_in: timedelta = timedelta(days=3), hours: float = 2, capacity: int = 5,
              category: str = "environment", styles: tuple[str, ...] = ("micro",),
              area: str | None = "阿佐谷", lat: float | None = 35.7046,
              lon: float | None = 139.6358, organisation: str | None = "荻窪みどりの会",
              status: str = "open", checkin_word: str = "SAKURA",
              description: str = "川沿いのごみを拾います。",
              versions: dict[tuple[str, str], str] | None = None, **extra: Any) -> int:
    """A slot (and its activity, with `versions` of its texts: (field, locale) -> text);
    returns the slot id."""
    starts_at = datetime.now(UTC) + starts_in
    with session_scope(app) as session:
        org = None
        if organisation:
            org = session.query(Organisation).filter_by(name=organisation).one_or_none()
            if org is None:
                org = Organisation(name=organisation)
                session.add(org)
        activity = Activity(title=title, description=description, category=category,
                            styles=list(styles), area=area, organisation=org,
                            skills=extra.pop("skills", []))
        slot = Slot(code=code, starts_at=starts_at, ends_at=starts_at + timedelta(hours=hours),
                    place=extra.pop("place", "善福寺川緑地"), lat=lat, lon=lon,
                    capacity=capacity, seats_taken=0, status=status, checkin_word=checkin_word,
                    **extra)
        activity.slots.append(slot)
        session.add(activity)
        session.flush()
        set_texts(session, activity, versions or {})
        return slot.id


def organisation_id(app: Any, name: str = "荻窪みどりの会") -> int:
    with session_scope(app) as session:
        return session.query(Organisation).filter_by(name=name).one().id
