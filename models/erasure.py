""""Delete my data": every table that holds something about a person, in one list.

A feature that stores something new about people adds its eraser here. Each eraser receives
(session, user) and deletes or detaches that user's rows; the user row goes last.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session

from models import (
    attendance,
    gatherings,
    ideas,
    impressions,
    initiatives,
    organisations,
    photos,
    recommend,
    signups,
    speech,
    supporters,
    turns,
)
from models.users import User, audit

ERASERS: tuple[Callable[[Session, User], None], ...] = (
    attendance.erase,
    signups.erase,
    recommend.erase,
    impressions.erase,
    gatherings.erase_rsvps,
    initiatives.erase,
    organisations.erase,
    ideas.erase,
    supporters.erase,
    photos.erase,
    speech.erase,
    turns.erase,
)


def delete_personal_data(session: Session, user: User) -> None:
    """Remove everything that identifies this person; the audit log keeps only the event."""
    for eraser in ERASERS:
        eraser(session, user)
    user_id = user.id
    audit(session, "user.delete", subject=None, user_ref=user_id)
    session.delete(user)
