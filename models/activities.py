"""Activities and micro-volunteering: organisations, activities, slots, sign-ups, feedback,
points and what a person told us they like; the domain operations on them.

An activity (a beach clean-up, a children's cafeteria) is run by an organisation; each
slot is one date and time of it, with a place, a capacity and a short numeric code that
people type ("参加 123") or scan. A sign-up is one person on one slot:

    confirmed ──cancel──▶ cancelled            waitlisted ──seat freed──▶ offered
        │                                          ▲                      │   │
        ├─check-in / feedback──▶ attended          └────offer expires─────┘   accept
        └─(organiser)──▶ attended | no_show              (passes on)           ▼
                                                                            confirmed

After a slot has started its organiser marks each confirmed person attended or no_show
(and may correct a mark, except for people who checked in or gave feedback themselves).

Capacity: `Slot.seats_taken` counts confirmed and offered sign-ups. It only moves by a
conditional UPDATE (`seats_taken < capacity`), which row-locks the slot on PostgreSQL and
takes the database write lock on SQLite until the commit, and whose RETURNING says whether
it took a seat, so simultaneous sign-ups for the last seat can never confirm more people
than the capacity. A slot without a capacity (None) has no limit.
"""

from __future__ import annotations

import math
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import (
    JSON,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    and_,
    delete,
    false,
    func,
    or_,
    select,
    update,
)
from sqlalchemy.orm import Mapped, Session, lazyload, mapped_column, relationship
from sqlalchemy.orm.attributes import set_committed_value

from models.base import Base, utcnow
from models.locales import N_
from models.outbox import cancel, enqueue, enqueue_many
from models.segments import Segment
from models.timing import config_of, reminder_times
from models.users import User

# -- vocabularies: stable codes in the database, msgids for people ----------------------------
# (the categories, which ideas and followed topics share: models/categories.py)

STYLES: dict[str, str] = {
    # Translators: a one-off volunteering task of minutes to a few hours
    "micro": N_("One-off"),
    "online": N_("Online"),
    # Translators: volunteering that uses a skill (translation, design, IT...)
    "skills": N_("Skills-based"),
    "regular": N_("Regular"),
}
STYLE_JA = {"単発": "micro", "マイクロ": "micro", "オンライン": "online", "スキル": "skills",
            "定期": "regular"}

CONFIRMED, WAITLISTED, OFFERED, CANCELLED, ATTENDED, NO_SHOW = (
    "confirmed", "waitlisted", "offered", "cancelled", "attended", "no_show")
ACTIVE_SIGNUP = (CONFIRMED, WAITLISTED, OFFERED)
HOLDS_SEAT = (CONFIRMED, OFFERED, ATTENDED)

JAPANESE_LOCALES = ("ja", "ja_easy")

OPEN, CLOSED, SLOT_CANCELLED = "open", "closed", "cancelled"

POINTS_PER_HOUR = 10
MIN_POINTS = 5
FEEDBACK_POINTS = 2


def as_utc(value: datetime) -> datetime:
    """SQLite hands back naive datetimes: every time in these tables is UTC."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


# -- tables -----------------------------------------------------------------------------------


class Organisation(Base):
    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    contact_name: Mapped[str | None] = mapped_column(String(200))
    contact_phone: Mapped[str | None] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    activities: Mapped[list[Activity]] = relationship(back_populates="organisation")


class Activity(Base):
    __tablename__ = "activities"

    id: Mapped[int] = mapped_column(primary_key=True)
    # where the row came from ("131156:12" = municipality code and NO): re-imports update it
    source_key: Mapped[str | None] = mapped_column(String(80), unique=True)
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisations.id", ondelete="SET NULL"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    title_kana: Mapped[str | None] = mapped_column(String(200))
    title_en: Mapped[str | None] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    category: Mapped[str] = mapped_column(String(32), index=True, default="other")
    styles: Mapped[list[str]] = mapped_column(JSON, default=list)
    area: Mapped[str | None] = mapped_column(String(64), index=True)
    fee: Mapped[str | None] = mapped_column(String(200))
    fee_detail: Mapped[str | None] = mapped_column(Text)
    contact_name: Mapped[str | None] = mapped_column(String(200))
    contact_phone: Mapped[str | None] = mapped_column(String(40))
    contact_extension: Mapped[str | None] = mapped_column(String(40))  # 連絡先内線番号
    how_to_apply: Mapped[str | None] = mapped_column(Text)
    url: Mapped[str | None] = mapped_column(String(500))
    note: Mapped[str | None] = mapped_column(Text)
    when_note: Mapped[str | None] = mapped_column(Text)  # 開始日時特記事項
    skills: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    organisation: Mapped[Organisation | None] = relationship(back_populates="activities",
                                                             lazy="joined")
    slots: Mapped[list[Slot]] = relationship(back_populates="activity",
                                             cascade="all, delete-orphan",
                                             order_by="Slot.starts_at")

    def title_for(self, locale: str) -> str:
        """The title a reader sees: the data's English title (イベント名_英語) for readers of
        other languages than Japanese when there is one, else the title as written."""
        if self.title_en and locale not in JAPANESE_LOCALES:
            return self.title_en
        return self.title


class Slot(Base):
    __tablename__ = "slots"
    __table_args__ = (Index("ix_slots_status_starts_at", "status", "starts_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    activity_id: Mapped[int] = mapped_column(ForeignKey("activities.id", ondelete="CASCADE"),
                                             index=True)
    code: Mapped[str] = mapped_column(String(12), unique=True)
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    place: Mapped[str | None] = mapped_column(String(200))
    address: Mapped[str | None] = mapped_column(String(300))
    address_detail: Mapped[str | None] = mapped_column(String(200))  # 方書: building, room
    lat: Mapped[float | None]
    lon: Mapped[float | None]
    access: Mapped[str | None] = mapped_column(Text)  # アクセス方法: how to get there
    parking: Mapped[str | None] = mapped_column(Text)  # 駐車場情報: parking, bicycles
    # None: no limit (files write 先着順, 定員なし or nothing); the 定員 as written, when it
    # says more than a number, in capacity_note
    capacity: Mapped[int | None]
    capacity_note: Mapped[str | None] = mapped_column(String(200))
    seats_taken: Mapped[int] = mapped_column(default=0)
    # the data gave no times: from 00:00 of the first day to 24:00 of the last
    all_day: Mapped[bool] = mapped_column(default=False, server_default=false())
    signup_deadline: Mapped[datetime | None]
    checkin_word: Mapped[str | None] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(16), default=OPEN)

    activity: Mapped[Activity] = relationship(back_populates="slots", lazy="joined")

    @property
    def seats_left(self) -> int | None:
        """None when there is no limit."""
        return None if self.capacity is None else max(self.capacity - self.seats_taken, 0)

    @property
    def full(self) -> bool:
        return self.capacity is not None and self.seats_taken >= self.capacity

    @property
    def hours(self) -> float:
        """The hours a person gives: one day's of a slot over several days (10:00 to 18:00
        for five days is 8), none of an all-day one (its hours are not known)."""
        if self.all_day:
            return 0.0
        span = as_utc(self.ends_at) - as_utc(self.starts_at)
        if span > timedelta(days=1):
            span %= timedelta(days=1)
        return max(span.total_seconds() / 3600, 0)


class Signup(Base):
    __tablename__ = "signups"
    __table_args__ = (UniqueConstraint("slot_id", "user_id"),
                      Index("ix_signups_slot_id_status", "slot_id", "status"))

    id: Mapped[int] = mapped_column(primary_key=True)
    slot_id: Mapped[int] = mapped_column(ForeignKey("slots.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(16))
    offered_until: Mapped[datetime | None]
    checked_in_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # the waitlist is served in this order (re-joining puts a person at the back)
    queued_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    slot: Mapped[Slot] = relationship(lazy="joined")
    user: Mapped[User] = relationship()


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


class VolunteerProfile(Base):
    """What a person told us: interests (categories), skills, usual free times, styles."""

    __tablename__ = "volunteer_profiles"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                         primary_key=True)
    categories: Mapped[list[str]] = mapped_column(JSON, default=list)
    skills: Mapped[list[str]] = mapped_column(JSON, default=list)
    free_times: Mapped[list[str]] = mapped_column(JSON, default=list)  # FREE_TIMES codes
    styles: Mapped[list[str]] = mapped_column(JSON, default=list)
    lat: Mapped[float | None]  # the last location the person shared, to rank by distance
    lon: Mapped[float | None]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Dismissal(Base):
    """"Not interested": lowers this activity and similar ones in recommendations."""

    __tablename__ = "activity_dismissals"
    __table_args__ = (UniqueConstraint("user_id", "activity_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    activity_id: Mapped[int] = mapped_column(ForeignKey("activities.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


# -- slot codes and lookups -----------------------------------------------------------------


def new_code(session: Session, digits: int = 4) -> str:
    """An unused numeric code, short enough to type; longer when short ones run out."""
    for attempt in range(60):
        size = digits + attempt // 20
        code = str(secrets.randbelow(9 * 10 ** (size - 1)) + 10 ** (size - 1))
        if session.scalar(select(Slot.id).where(Slot.code == code)) is None:
            return code
    raise RuntimeError("no free slot code")  # pragma: no cover


def new_checkin_word() -> str:
    return "".join(secrets.choice("ABCDEFGHJKLMNPQRSTUVWXYZ23456789") for _ in range(5))


def slot_by_code(session: Session, code: str) -> Slot | None:
    return session.scalar(select(Slot).where(Slot.code == code.strip()))


def is_organiser_of(user: User, organisation_id: int | None) -> bool:
    return organisation_id is not None and user.has_role("organiser", str(organisation_id))


# -- signing up -------------------------------------------------------------------------------


@dataclass(frozen=True)
class SignupResult:
    outcome: str  # confirmed, waitlisted, offered, already, full, past, closed, cancelled, deadline
    signup: Signup | None = None
    position: int | None = None  # waitlisted: the person's place in the queue (1 = next)


def why_closed(slot: Slot, now: datetime) -> str | None:
    """Why nobody can join this slot now, or None when it is open."""
    if slot.status == SLOT_CANCELLED:
        return "cancelled"
    if as_utc(slot.starts_at) <= now:
        return "past"
    if slot.status != OPEN:
        return "closed"
    if slot.signup_deadline is not None and as_utc(slot.signup_deadline) < now:
        return "deadline"
    return None


def _lock_slot(session: Session, slot_id: int) -> Slot | None:
    """The slot, row-locked until the transaction ends (PostgreSQL; SQLite ignores FOR UPDATE
    and serialises writers with its database lock instead)."""
    # no eager joins: PostgreSQL refuses FOR UPDATE on the nullable side of an outer join
    return session.scalar(select(Slot).options(lazyload(Slot.activity))
                          .where(Slot.id == slot_id).with_for_update()
                          .execution_options(populate_existing=True))


# what a seat-taking UPDATE hands back: the slot as it is now, under the write lock
_SLOT_NOW = ("status", "starts_at", "ends_at", "signup_deadline", "capacity", "seats_taken")


def _read_locked(session: Session, slot: Slot) -> int | None:
    """Read the slot as it is now into `slot`, row-locked until the transaction ends (as
    `_lock_slot`, but keeping what is loaded with it), with the number of people on its
    waitlist; None when the slot is gone."""
    waiting = (select(func.count(Signup.id))
               .where(Signup.slot_id == slot.id, Signup.status == WAITLISTED)
               .scalar_subquery())
    row = session.execute(select(*(getattr(Slot, name) for name in _SLOT_NOW), waiting)
                          .where(Slot.id == slot.id).with_for_update()).first()
    if row is None:
        return None
    for name, value in zip(_SLOT_NOW, row[:-1], strict=True):
        set_committed_value(slot, name, value)
    return int(row[-1])


def _take_seat(session: Session, slot: Slot) -> bool:
    """Take a seat if one is left. On success `slot` holds the row as it is now (from the
    UPDATE's RETURNING: no read of its own), and the row stays locked until the commit."""
    row = session.execute(
        update(Slot).where(Slot.id == slot.id, Slot.status == OPEN,
                           or_(Slot.capacity.is_(None), Slot.seats_taken < Slot.capacity))
        .values(seats_taken=Slot.seats_taken + 1)
        .returning(*(getattr(Slot, name) for name in _SLOT_NOW)),
        execution_options={"synchronize_session": False}).first()
    if row is None:
        return False
    for name, value in zip(_SLOT_NOW, row, strict=True):
        set_committed_value(slot, name, value)
    return True


def _free_seat(session: Session, slot_id: int) -> None:
    session.execute(update(Slot).where(Slot.id == slot_id, Slot.seats_taken > 0)
                    .values(seats_taken=Slot.seats_taken - 1),
                    execution_options={"synchronize_session": False})


def existing_signup(session: Session, slot_id: int, user_id: int) -> Signup | None:
    return session.scalar(select(Signup).where(Signup.slot_id == slot_id,
                                               Signup.user_id == user_id))


def _mine_passing_expired_offers(session: Session, slot_id: int, user_id: int,
                                 now: datetime) -> Signup | None:
    """The person's sign-up for the slot, if any; offers on it whose time ran out pass on
    first (the scheduler does this too, but not for people who have blocked the bot). One
    query for both: a sign-up step stays within a few statements."""
    found = list(session.scalars(select(Signup).where(
        Signup.slot_id == slot_id,
        or_(Signup.user_id == user_id,
            and_(Signup.status == OFFERED, Signup.offered_until < now)))))
    for signup in found:
        if signup.status == OFFERED and signup.offered_until is not None \
                and as_utc(signup.offered_until) < now:
            expire_offer(session, signup, now=now)
    return next((s for s in found if s.user_id == user_id), None)


def sign_up(session: Session, slot: Slot, user: User, *, now: datetime,
            waitlist: bool = True) -> SignupResult:
    """Sign `user` up for `slot`: confirmed while seats are left, else waitlisted (or "full"
    when `waitlist` is False). Flushes; the caller's transaction commits.

    After the slot is read, a sign-up is four statements: the person's sign-ups, the
    seat-taking UPDATE (which hands back the slot as it is now), the INSERT and one INSERT
    of its reminders; joining the waitlist reads the slot under the lock with the number
    waiting instead of writing reminders."""
    now = as_utc(now)
    mine = _mine_passing_expired_offers(session, slot.id, user.id, now)
    if mine is not None and mine.status in (*ACTIVE_SIGNUP, ATTENDED):
        return SignupResult("already", mine)
    # on SQLite the first write of a transaction takes the database write lock, and on
    # PostgreSQL the UPDATE locks the slot's row: what it hands back is current
    taken = _take_seat(session, slot) if why_closed(slot, now) is None else False
    waiting = None if taken else _read_locked(session, slot)
    if not taken and waiting is None:
        return SignupResult("closed")  # the slot is gone
    reason = why_closed(slot, now)
    if not taken and reason is None and waiting == 0 and not slot.full:
        taken = _take_seat(session, slot)  # a seat was freed since: nobody waits for it
    if reason is not None:
        if taken:
            _free_seat(session, slot.id)
        return SignupResult(reason)
    if taken:
        status = CONFIRMED
    elif waitlist:
        status = WAITLISTED
    else:
        return SignupResult("full")
    first = mine is None
    if mine is None:
        mine = Signup(slot_id=slot.id, user_id=user.id, status=status, created_at=now,
                      queued_at=now)
        session.add(mine)
    else:
        mine.status, mine.queued_at, mine.offered_until = status, now, None
        mine.checked_in_at = None
    session.flush()
    _schedule_notices(session, mine, slot, first=first)
    # joining at the back of the queue: the number waiting before, plus this person
    return SignupResult(status, mine, None if taken else (waiting or 0) + 1)


def cancel_signup(session: Session, signup: Signup, *, now: datetime,
                  offer_minutes: int = 120) -> Signup | None:
    """Cancel; a held seat goes at once to the first on the waitlist (returned, now offered)."""
    now = as_utc(now)
    if signup.status not in ACTIVE_SIGNUP:
        return None
    held = signup.status in (CONFIRMED, OFFERED)
    _lock_slot(session, signup.slot_id)
    signup.status, signup.offered_until = CANCELLED, None
    _cancel_notices(session, signup)
    session.flush()
    if held:
        return _pass_seat_on(session, signup.slot_id, now=now, offer_minutes=offer_minutes)
    return None


def _pass_seat_on(session: Session, slot_id: int, *, now: datetime,
                  offer_minutes: int) -> Signup | None:
    """A held seat became free: offer it to the first waitlisted person, or free it."""
    slot = session.get(Slot, slot_id)
    nxt = None
    if slot is not None and why_closed(slot, now) is None:
        nxt = session.scalar(select(Signup).where(Signup.slot_id == slot_id,
                                                  Signup.status == WAITLISTED)
                             .order_by(Signup.queued_at, Signup.id).limit(1))
    if nxt is None:
        _free_seat(session, slot_id)
        session.flush()
        if slot is not None:
            session.refresh(slot)
        return None
    until = min(now + timedelta(minutes=offer_minutes), as_utc(slot.starts_at))  # type: ignore[union-attr]
    nxt.status, nxt.offered_until = OFFERED, until
    session.flush()
    _offer_notices(session, nxt, until)
    return nxt


def accept_offer(session: Session, signup: Signup, *, now: datetime) -> str:
    """The waitlisted person takes the seat held for them: confirmed, expired or gone."""
    now = as_utc(now)
    _lock_slot(session, signup.slot_id)
    session.refresh(signup)
    if signup.status == CONFIRMED:
        return "already"
    if signup.status != OFFERED:
        return "gone"
    if signup.offered_until is not None and as_utc(signup.offered_until) < now:
        expire_offer(session, signup, now=now)
        return "expired"
    signup.status, signup.offered_until = CONFIRMED, None
    session.flush()
    _cancel_notices(session, signup, kinds=("waitlist.offer_expiry",))
    _schedule_notices(session, signup, signup.slot)
    return CONFIRMED


def expire_offer(session: Session, signup: Signup, *, now: datetime,
                 offer_minutes: int = 120) -> Signup | None:
    """An offer ran out: the person had their turn (their sign-up is cancelled) and the
    seat passes on to the next one waiting."""
    now = as_utc(now)
    if signup.status != OFFERED:
        return None
    if signup.offered_until is not None and as_utc(signup.offered_until) > now:
        return None
    signup.status, signup.offered_until = CANCELLED, None
    session.flush()
    return _pass_seat_on(session, signup.slot_id, now=now, offer_minutes=offer_minutes)


def expire_offers(session: Session, *, now: datetime, offer_minutes: int = 120) -> int:
    """Pass on every offer past its time (the scheduler's expiry notice also does this)."""
    count = 0
    for signup in session.scalars(select(Signup).where(Signup.status == OFFERED,
                                                       Signup.offered_until < as_utc(now))):
        expire_offer(session, signup, now=now, offer_minutes=offer_minutes)
        count += 1
    return count


def upcoming_signups(session: Session, user: User, *, now: datetime) -> list[Signup]:
    return list(session.scalars(
        select(Signup).join(Slot).where(Signup.user_id == user.id,
                                        Signup.status.in_(ACTIVE_SIGNUP),
                                        Slot.ends_at > as_utc(now))
        .order_by(Slot.starts_at)))


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
    """How it went (1 to 5). A confirmed person who tells us is counted as attended."""
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
    if signup.status == CONFIRMED:
        signup.status, signup.checked_in_at = ATTENDED, signup.checked_in_at or as_utc(now)
    if signup.status == ATTENDED:
        award_attendance(session, signup)
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


# -- organisers ---------------------------------------------------------------------------------


def organiser_slots(session: Session, user: User, *, now: datetime,
                    limit: int = 12) -> list[Slot]:
    org_ids = [int(r.scope) for r in user.roles if r.role == "organiser" and r.scope.isdigit()]
    if not org_ids:
        return []
    return list(session.scalars(
        select(Slot).join(Activity).where(Activity.organisation_id.in_(org_ids),
                                          Slot.ends_at > as_utc(now) - timedelta(days=7))
        .order_by(Slot.starts_at).limit(limit)))


def slot_roster(session: Session, slot: Slot) -> list[tuple[str, str]]:
    """(display name, status) of the people on a slot: names only, nothing else."""
    rows = session.execute(select(User.display_name, Signup.status).join(Signup.user)
                           .where(Signup.slot_id == slot.id, Signup.status != CANCELLED)
                           .order_by(Signup.queued_at)).all()
    return [(name or "—", status) for name, status in rows]


# the sign-ups an organiser marks after the slot has started: confirmed people, and the marks
MARKABLE = (CONFIRMED, ATTENDED, NO_SHOW)


def attendance_list(session: Session, slot: Slot) -> list[tuple[Signup, str]]:
    """(sign-up, display name) of the slot's participants, in sign-up order."""
    rows = session.execute(select(Signup, User.display_name).join(Signup.user)
                           .where(Signup.slot_id == slot.id, Signup.status.in_(MARKABLE))
                           .order_by(Signup.queued_at, Signup.id)).all()
    return [(signup, name or "—") for signup, name in rows]


def came_by_themselves(session: Session, signup: Signup) -> bool:
    """The person checked in or told us how it went: they stay attended."""
    return signup.status == ATTENDED and (signup.checked_in_at is not None or session.scalar(
        select(Feedback.id).where(Feedback.signup_id == signup.id)) is not None)


def mark_attendance(session: Session, signup: Signup, status: str, *, now: datetime) -> str:
    """An organiser's mark once the slot has started: attended (earns the attendance
    points, once) or no_show (earns none; points of an earlier "attended" mark are taken
    back). A person who checked in or gave feedback stays attended.

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


# -- distance -----------------------------------------------------------------------------------


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in metres."""
    r = 6_371_000.0
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * r * math.asin(math.sqrt(a))


# -- notices (the notification outbox, models/outbox.py) ---------------------------------------


def _schedule_notices(session: Session, signup: Signup, slot: Slot, *,
                      first: bool = False) -> None:
    """Reminders before a confirmed slot and the "how did it go?" after it.

    `first`: a new sign-up, which has no notices yet, so they go in with one INSERT;
    otherwise each is enqueued (moving a pending one, reviving a cancelled one)."""
    if signup.status != CONFIRMED:
        return

    now = utcnow()
    times = reminder_times(config_of(session), as_utc(slot.starts_at))
    rows = [{"user_id": signup.user_id, "kind": "activity.reminder", "ref": str(signup.id),
             "due_at": due, "dedupe_key": f"activity.reminder:{signup.id}:{suffix}"}
            for suffix, due in times if due > now]
    rows.append({"user_id": signup.user_id, "kind": "activity.feedback",
                 "ref": str(signup.id), "due_at": as_utc(slot.ends_at) + timedelta(minutes=30),
                 "dedupe_key": f"activity.feedback:{signup.id}"})
    if first:
        enqueue_many(session, rows)
        return
    for row in rows:
        enqueue(session, **row)


def reschedule_notices(session: Session, slot: Slot) -> None:
    """The slot's time changed: move its confirmed people's reminders (pending rows only)."""
    for signup in session.scalars(select(Signup).where(Signup.slot_id == slot.id,
                                                       Signup.status == CONFIRMED)):
        _schedule_notices(session, signup, slot)


def _offer_notices(session: Session, signup: Signup, until: datetime) -> None:
    enqueue(session, user_id=signup.user_id, kind="waitlist.offer", ref=str(signup.id),
            due_at=utcnow(), urgent=True,
            dedupe_key=f"waitlist.offer:{signup.id}:{until.isoformat()}")
    enqueue(session, user_id=signup.user_id, kind="waitlist.offer_expiry", ref=str(signup.id),
            due_at=until, urgent=True,
            dedupe_key=f"waitlist.offer_expiry:{signup.id}:{until.isoformat()}")


def _cancel_notices(session: Session, signup: Signup, kinds: tuple[str, ...] = (
        "activity.reminder", "activity.feedback", "waitlist.offer",
        "waitlist.offer_expiry")) -> None:
    for kind in kinds:
        cancel(session, ref=str(signup.id), kind=kind)


# -- announcements to the participants of a slot -----------------------------------------------


def _participants(session: Session, codes: list[str]):  # type: ignore[no-untyped-def]
    """Staff announcements (models.announcements): the people confirmed on these slots (or
    marked attended, for a word after the event)."""
    return (select(Signup.user_id).join(Slot, Slot.id == Signup.slot_id)
            .where(Slot.code.in_(codes), Signup.status.in_((CONFIRMED, ATTENDED))))


def _slot_label(slot: Slot) -> str:
    return f"{slot.code} {slot.activity.title}"


def _participant_slots(session: Session) -> list[tuple[str, str]]:
    """Slots with participants, from a week ago on, soonest first: (code, "code title")."""
    since = utcnow() - timedelta(days=7)
    with_people = select(Signup.slot_id).where(Signup.status.in_((CONFIRMED, ATTENDED)))
    slots = session.scalars(select(Slot).where(Slot.ends_at > since,
                                               Slot.id.in_(with_people))
                            .order_by(Slot.starts_at, Slot.id).limit(30))
    return [(slot.code, _slot_label(slot)) for slot in slots]


def _typed_slot(session: Session, text: str) -> tuple[str, str] | None:
    slot = slot_by_code(session, unicodedata.normalize("NFKC", text).strip().lstrip("#"))
    return (slot.code, _slot_label(slot)) if slot is not None else None


# Translators: staff announcements to the people signed up for one activity's slot
PARTICIPANTS = Segment(
    N_("Participants"), _participants, _participant_slots, typed=_typed_slot,
    prompt=N_("Tap an activity, or type its slot code. Then tap Done."))


# -- "delete my data" ----------------------------------------------------------------------------


def erase_volunteering(session: Session, user: User) -> None:
    """Sign-ups (freeing their seats), feedback, points, the profile and dismissals."""
    now = utcnow()
    for signup in session.scalars(select(Signup).where(Signup.user_id == user.id,
                                                       Signup.status.in_(ACTIVE_SIGNUP))):
        cancel_signup(session, signup, now=now)
    for model in (PointEntry, Feedback, Dismissal, VolunteerProfile):
        session.execute(delete(model).where(model.user_id == user.id))
    session.execute(delete(Signup).where(Signup.user_id == user.id))

