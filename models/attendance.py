"""What happened at a slot: check-in, the organiser's attendance marks, feedback, and the
volunteer points and record they earn.

Attendance comes from the venue or the organiser: a confirmed person who checks in with the
slot's word counts as attended; after the slot has started its organiser marks each
confirmed person attended or no_show (and may correct a mark, except for people who checked
in). Telling us how it went (which anyone can do from home) attends nobody. Attending earns
points for the slot's hours, feedback a few more.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint, delete, func, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from models.activities import Activity, Slot, as_utc
from models.base import Base, utcnow
from models.locales import N_
from models.signups import ATTENDED, CONFIRMED, NO_SHOW, Signup
from models.users import User

POINTS_PER_HOUR = 10
MIN_POINTS = 5
FEEDBACK_POINTS = 2


class Feedback(Base):
    __tablename__ = "activity_feedback"

    id: Mapped[int] = mapped_column(primary_key=True)
    signup_id: Mapped[int] = mapped_column(ForeignKey("signups.id", ondelete="CASCADE"),
                                           unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    rating: Mapped[int]
    comment: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class PointEntry(Base):
    __tablename__ = "volunteer_points"
    __table_args__ = (UniqueConstraint("signup_id", "reason"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    signup_id: Mapped[int | None] = mapped_column(ForeignKey("signups.id", ondelete="CASCADE"))
    points: Mapped[int]
    hours: Mapped[float] = mapped_column(default=0.0)
    reason: Mapped[str] = mapped_column(String(32))  # attended, feedback
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


# -- check-in, feedback, points -----------------------------------------------------------------


def check_in(session: Session, user: User, word: str, *, now: datetime,
             early: timedelta = timedelta(hours=1)) -> Signup | None:
    """Mark the person attended on the slot (on now, or within the hour) whose word it is."""
    now = as_utc(now)
    word = word.strip().casefold()
    for signup in session.scalars(select(Signup).join(Slot).where(
            Signup.user_id == user.id, Signup.status.in_((CONFIRMED, ATTENDED)),
            Slot.starts_at <= now + early, Slot.ends_at >= now - timedelta(hours=1))):
        if (signup.slot.checkin_word or "").casefold() == word and word:
            if signup.status != ATTENDED:
                signup.status, signup.checked_in_at = ATTENDED, now
                award_attendance(session, signup)
            return signup
    return None


def award_attendance(session: Session, signup: Signup) -> int:
    """Volunteer points for the hours of an attended slot, once per sign-up."""
    if session.scalar(select(PointEntry.id).where(PointEntry.signup_id == signup.id,
                                                  PointEntry.reason == "attended")):
        return 0
    hours = round(signup.slot.hours, 2)
    points = max(MIN_POINTS, round(hours * POINTS_PER_HOUR))
    session.add(PointEntry(user_id=signup.user_id, signup_id=signup.id, points=points,
                           hours=hours, reason="attended"))
    session.flush()
    return points


def record_feedback(session: Session, signup: Signup, rating: int, comment: str | None,
                    *, now: datetime) -> Feedback:
    """How it went (1 to 5). It says nothing about attendance: a rating from home is no
    check-in, and the organiser may still mark the person as not having come."""
    if not 1 <= rating <= 5:
        raise ValueError("rating is 1 to 5")
    found = session.scalar(select(Feedback).where(Feedback.signup_id == signup.id))
    if found is None:
        found = Feedback(signup_id=signup.id, user_id=signup.user_id, rating=rating,
                         comment=comment, created_at=as_utc(now))
        session.add(found)
        session.add(PointEntry(user_id=signup.user_id, signup_id=signup.id,
                               points=FEEDBACK_POINTS, hours=0.0, reason="feedback"))
    else:
        found.rating = rating
        if comment is not None:
            found.comment = comment
    session.flush()
    return found


BADGES: tuple[tuple[str, str], ...] = (
    # Translators: thank-you badges in "My record"
    ("first", N_("First step")),
    ("five", N_("Five activities")),
    ("ten_hours", N_("Ten hours")),
    ("explorer", N_("Three fields")),
)


@dataclass(frozen=True)
class Record:
    hours: float
    points: int
    activities: int
    badges: tuple[str, ...]  # BADGES codes


def volunteer_record(session: Session, user: User) -> Record:
    hours, points = session.execute(
        select(func.coalesce(func.sum(PointEntry.hours), 0.0),
               func.coalesce(func.sum(PointEntry.points), 0))
        .where(PointEntry.user_id == user.id)).one()
    rows = session.execute(select(Activity.category).join(Slot, Slot.activity_id == Activity.id)
                           .join(Signup, Signup.slot_id == Slot.id)
                           .where(Signup.user_id == user.id, Signup.status == ATTENDED)).all()
    count, fields = len(rows), {r[0] for r in rows}
    badges = [code for code, ok in (("first", count >= 1), ("five", count >= 5),
                                    ("ten_hours", hours >= 10), ("explorer", len(fields) >= 3))
              if ok]
    return Record(float(hours), int(points), count, tuple(badges))


# -- organisers' marks --------------------------------------------------------------------------

# the sign-ups an organiser marks after the slot has started: confirmed people, and the marks
MARKABLE = (CONFIRMED, ATTENDED, NO_SHOW)


def attendance_list(session: Session, slot: Slot) -> list[tuple[Signup, str]]:
    """(sign-up, display name) of the slot's participants, in sign-up order."""
    rows = session.execute(select(Signup, User.display_name).join(Signup.user)
                           .where(Signup.slot_id == slot.id, Signup.status.in_(MARKABLE))
                           .order_by(Signup.queued_at, Signup.id)).all()
    return [(signup, name or "—") for signup, name in rows]


def came_by_themselves(session: Session, signup: Signup) -> bool:
    """The person checked in at the venue: they stay attended."""
    return signup.status == ATTENDED and signup.checked_in_at is not None


def mark_attendance(session: Session, signup: Signup, status: str, *, now: datetime) -> str:
    """An organiser's mark once the slot has started: attended (earns the attendance
    points, once) or no_show (earns none; points of an earlier "attended" mark are taken
    back). A person who checked in stays attended.

    Returns marked, unchanged, not_started, not_participant or came (checked in)."""
    if status not in (ATTENDED, NO_SHOW):
        raise ValueError(f"attendance is {ATTENDED} or {NO_SHOW}, not {status!r}")
    if as_utc(signup.slot.starts_at) > as_utc(now):
        return "not_started"
    if signup.status not in MARKABLE:
        return "not_participant"
    if signup.status == status:
        return "unchanged"
    if status == NO_SHOW and came_by_themselves(session, signup):
        return "came"
    signup.status = status
    if status == ATTENDED:
        award_attendance(session, signup)
    else:
        session.execute(delete(PointEntry).where(PointEntry.signup_id == signup.id,
                                                 PointEntry.reason == "attended"))
    session.flush()
    return "marked"


# -- "delete my data" ----------------------------------------------------------------------------


def erase(session: Session, user: User) -> None:
    """The person's feedback and points."""
    for model in (PointEntry, Feedback):
        session.execute(delete(model).where(model.user_id == user.id))
