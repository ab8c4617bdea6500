"""People who left, and places people shared: what is kept, and for how long.

- A person who unfollows keeps their future sign-ups for a grace period (they may come back
  the next day); after it, their seats are released, each to the first on the waitlist.
- After the retention period, a person who left and never came back has their personal data
  purged, as "delete my data" does (models.erasure).
- A shared location (used to rank activities by distance) is forgotten after a while.

The scheduler runs `sweep` (bot/departures.py); README states the rules and the settings.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import false, or_, select, update
from sqlalchemy.orm import Session

from models import impressions, turns
from models.activities import Slot
from models.erasure import delete_personal_data
from models.outbox import as_utc
from models.recommend import VolunteerProfile
from models.signups import ACTIVE_SIGNUP, Signup, cancel_signup
from models.users import User


def _left_before(cutoff: datetime):  # type: ignore[no-untyped-def]
    return (User.active.is_(false()), User.left_at.is_not(None), User.left_at <= cutoff)


def release_seats(session: Session, *, now: datetime, grace: timedelta,
                  offer_minutes: int = 120) -> int:
    """Cancel the future sign-ups of people who left more than `grace` ago; a seat they held
    is offered to the first on the waitlist. Returns how many were cancelled."""
    now = as_utc(now)
    signups = session.scalars(
        select(Signup).join(Slot, Slot.id == Signup.slot_id).join(User, User.id == Signup.user_id)
        .where(*_left_before(now - grace), Signup.status.in_(ACTIVE_SIGNUP),
               Slot.starts_at > now)
        .order_by(Signup.id)).all()
    for signup in signups:
        cancel_signup(session, signup, now=now, offer_minutes=offer_minutes)
    return len(signups)


def purge_departed(session: Session, *, now: datetime, retention: timedelta) -> int:
    """Delete the personal data of people who left more than `retention` ago."""
    gone = session.scalars(select(User).where(*_left_before(as_utc(now) - retention))).all()
    for user in gone:
        delete_personal_data(session, user)
    return len(gone)


def expire_locations(session: Session, *, now: datetime, keep: timedelta) -> int:
    """Forget shared locations older than `keep` (and those kept without a time)."""
    result = session.execute(
        update(VolunteerProfile)
        .where(VolunteerProfile.lat.is_not(None),
               or_(VolunteerProfile.location_at.is_(None),
                   VolunteerProfile.location_at <= as_utc(now) - keep))
        .values(lat=None, lon=None, location_at=None))
    return result.rowcount or 0  # type: ignore[attr-defined]


def sweep(session: Session, *, now: datetime, grace: timedelta, retention: timedelta,
          location_keep: timedelta, offer_minutes: int = 120) -> dict[str, int]:
    """The three rules at once (and old turn outcomes and recommendations shown forgotten:
    they hold what the bot said to people); how many rows each touched."""
    return {
        "seats": release_seats(session, now=now, grace=grace, offer_minutes=offer_minutes),
        "people": purge_departed(session, now=now, retention=retention),
        "locations": expire_locations(session, now=now, keep=location_keep),
        "outcomes": turns.purge(session, now=now),
        "shown": impressions.purge(session, now=as_utc(now)),
    }
