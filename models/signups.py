"""Sign-ups: one person on one slot, the waitlist and its offers, and the notices they bring.

    confirmed ──cancel──▶ cancelled            waitlisted ──seat freed──▶ offered
        │                                          ▲                      │   │
        ├─check-in────────────▶ attended          └────offer expires─────┘   accept
        └─(organiser)──▶ attended | no_show              (passes on)           ▼
                                                                            confirmed

After a slot has started its organiser marks each confirmed person attended or no_show
(models/attendance.py, with check-in, feedback and points).

Capacity: `Slot.seats_taken` counts confirmed and offered sign-ups. It only moves by a
conditional UPDATE (`seats_taken < capacity`), which row-locks the slot on PostgreSQL and
takes the database write lock on SQLite until the commit, and whose RETURNING says whether
it took a seat, so simultaneous sign-ups for the last seat can never confirm more people
than the capacity. A slot without a capacity (None) has no limit.

A confirmed sign-up has its reminders and a "how did it go?" in the outbox
(models/outbox.py); an offer has its message and its expiry. The participants of a slot or
of an activity are segments staff announcements can address (models/segments.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    ColumnElement,
    ForeignKey,
    Index,
    String,
    UniqueConstraint,
    and_,
    delete,
    func,
    or_,
    select,
    update,
)
from sqlalchemy.orm import Mapped, Session, lazyload, mapped_column, relationship
from sqlalchemy.orm.attributes import set_committed_value

from models.activities import OPEN, SLOT_CANCELLED, Slot, as_utc, share_texts, with_texts
from models.base import Base, utcnow
from models.outbox import cancel, enqueue, enqueue_again_many, enqueue_many
from models.timing import config_of, in_quiet_hours, quiet_hours_end, reminder_times
from models.users import User

CONFIRMED, WAITLISTED, OFFERED, CANCELLED, ATTENDED, NO_SHOW = (
    "confirmed", "waitlisted", "offered", "cancelled", "attended", "no_show")
ACTIVE_SIGNUP = (CONFIRMED, WAITLISTED, OFFERED)


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


def _read_locked(session: Session, slot: Slot) -> tuple[int, datetime | None] | None:
    """Read the slot as it is now into `slot`, row-locked until the transaction ends (as
    `_lock_slot`, but keeping what is loaded with it), then its waitlist under that lock:
    how many wait and when the last of them joined. None when the slot is gone.

    Two statements: on PostgreSQL a statement that waited for the lock still reads with the
    snapshot it started with, and would miss the people queued by the one it waited for."""
    row = session.execute(select(*(getattr(Slot, name) for name in _SLOT_NOW))
                          .where(Slot.id == slot.id).with_for_update()).first()
    if row is None:
        return None
    for name, value in zip(_SLOT_NOW, row, strict=True):
        set_committed_value(slot, name, value)
    waiting, last = session.execute(
        select(func.count(Signup.id), func.max(Signup.queued_at))
        .where(Signup.slot_id == slot.id, Signup.status == WAITLISTED)).one()
    return int(waiting), None if last is None else as_utc(last)


def _back_of_the_queue(now: datetime, last: datetime | None) -> datetime:
    """When a person joins the waitlist, read under the slot's lock: after everyone already
    on it (whose turns may have started earlier and taken the lock later), so the order of
    the offers is the order of the positions people are told."""
    if last is None or last < now:
        return now
    return last + timedelta(microseconds=1)


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


def _pass_expired_offers(session: Session, found: list[Signup], user_id: int,
                         now: datetime) -> Signup | None:
    """Offers among `found` whose time ran out pass on (the scheduler does this too, but not
    for people who have blocked the bot); returns the person's own sign-up, if any."""
    for signup in found:
        if signup.status == OFFERED and signup.offered_until is not None \
                and as_utc(signup.offered_until) < now:
            expire_offer(session, signup, now=now)
    return next((s for s in found if s.user_id == user_id), None)


def _mine_or_expired_offer(user_id: int, now: datetime) -> ColumnElement[bool]:
    return or_(Signup.user_id == user_id,
               and_(Signup.status == OFFERED, Signup.offered_until < now))


def slot_for_signing_up(session: Session, slot_id: int, user_id: int,
                        now: datetime) -> tuple[Slot | None, Signup | None]:
    """The slot (with its activity and its texts' versions) and the person's sign-up for it,
    in one statement, for `sign_up(..., mine=...)`: a sign-up step stays within a few
    statements. Offers on the slot whose time ran out pass on first."""
    now = as_utc(now)
    rows = session.execute(select(Slot, Signup).outerjoin(
        Signup, and_(Signup.slot_id == Slot.id, _mine_or_expired_offer(user_id, now)))
        .options(with_texts()).where(Slot.id == slot_id)).unique().all()
    if not rows:
        return None, None
    found = [signup for _slot, signup in rows if signup is not None]
    return share_texts(rows[0][0]), _pass_expired_offers(session, found, user_id, now)


def _mine_passing_expired_offers(session: Session, slot_id: int, user_id: int,
                                 now: datetime) -> Signup | None:
    """The person's sign-up for the slot, if any, after expired offers on it pass on."""
    found = list(session.scalars(select(Signup).where(
        Signup.slot_id == slot_id, _mine_or_expired_offer(user_id, now))))
    return _pass_expired_offers(session, found, user_id, now)


UNREAD: Any = object()  # sign_up's `mine` when the caller has not read it


def sign_up(session: Session, slot: Slot, user: User, *, now: datetime,
            waitlist: bool = True, mine: Signup | None = UNREAD) -> SignupResult:
    """Sign `user` up for `slot`: confirmed while seats are left, else waitlisted (or "full"
    when `waitlist` is False). Flushes; the caller's transaction commits.

    After the slot is read, a sign-up is four statements: the seat-taking UPDATE (which
    hands back the slot as it is now), the INSERT and the two INSERTs of its reminders and
    their batch; joining the waitlist reads the slot under the lock with the number waiting
    instead of writing reminders. The person's sign-up is read with the slot
    (`slot_for_signing_up`) or, when `mine` is not given, here."""
    now = as_utc(now)
    if mine is UNREAD:
        mine = _mine_passing_expired_offers(session, slot.id, user.id, now)
    if mine is not None and mine.status in (*ACTIVE_SIGNUP, ATTENDED):
        return SignupResult("already", mine)
    # on SQLite the first write of a transaction takes the database write lock, and on
    # PostgreSQL the UPDATE locks the slot's row: what it hands back is current
    taken = _take_seat(session, slot) if why_closed(slot, now) is None else False
    queue = None if taken else _read_locked(session, slot)
    if not taken and queue is None:
        return SignupResult("closed")  # the slot is gone
    waiting, last = queue or (0, None)
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
    queued_at = now if taken else _back_of_the_queue(now, last)
    if mine is None:
        mine = Signup(slot_id=slot.id, user_id=user.id, status=status, created_at=now,
                      queued_at=queued_at)
        session.add(mine)
    else:
        mine.status, mine.queued_at, mine.offered_until = status, queued_at, None
        mine.checked_in_at = None
    session.flush()
    _schedule_notices(session, mine, slot, first=first, now=now)
    # joining at the back of the queue: the number waiting before, plus this person
    return SignupResult(status, mine, None if taken else waiting + 1)


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
    """A held seat became free: offer it to the first waitlisted person who can hear of it,
    or free it. People on the waitlist who have blocked the bot lose their turn at once.

    An offer made in quiet hours is sent when they end, and holds the seat for
    `offer_minutes` from then (never past the start)."""
    slot = session.get(Slot, slot_id)
    nxt = None
    if slot is not None and why_closed(slot, now) is None:
        for signup, active in session.execute(
                select(Signup, User.active).join(User, User.id == Signup.user_id)
                .where(Signup.slot_id == slot_id, Signup.status == WAITLISTED)
                .order_by(Signup.queued_at, Signup.id)):
            if active:
                nxt = signup
                break
            signup.status = CANCELLED  # blocked the bot: the offer would reach nobody
    if nxt is None:
        _free_seat(session, slot_id)
        session.flush()
        if slot is not None:
            session.refresh(slot)
        return None
    begins = quiet_hours_end(config_of(session), now)
    until = min(begins + timedelta(minutes=offer_minutes), as_utc(slot.starts_at))  # type: ignore[union-attr]
    nxt.status, nxt.offered_until = OFFERED, until
    session.flush()
    _offer_notices(session, nxt, min(begins, until), until)
    return nxt


def offer_new_seats(session: Session, slot: Slot, *, now: datetime,
                    offer_minutes: int = 120) -> int:
    """The slot has more seats than before (its organiser raised the capacity, or took the
    limit away): the people waiting are offered them in their order, as when a seat is
    freed, before anyone new can take one. Returns how many are offered."""
    now = as_utc(now)
    offered = 0
    if not session.scalar(select(Signup.id).where(Signup.slot_id == slot.id,
                                                  Signup.status == WAITLISTED).limit(1)):
        return 0  # the usual case, in one statement
    while slot.capacity is None or slot.seats_taken < slot.capacity:
        _lock_slot(session, slot.id)
        session.execute(update(Slot).where(Slot.id == slot.id)
                        .values(seats_taken=Slot.seats_taken + 1),
                        execution_options={"synchronize_session": False})
        if _pass_seat_on(session, slot.id, now=now, offer_minutes=offer_minutes) is None:
            break  # nobody (left) to offer it to: the seat was freed again
        session.refresh(slot)
        offered += 1
    return offered


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
    _schedule_notices(session, signup, signup.slot, now=now)
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
    """Pass on every offer past its time (the scheduler runs this; the expiry notice does it
    too, but never reaches people who have blocked the bot)."""
    count = 0
    for signup in session.scalars(select(Signup).where(Signup.status == OFFERED,
                                                       Signup.offered_until < as_utc(now))
                                  .order_by(Signup.offered_until, Signup.id)):
        expire_offer(session, signup, now=now, offer_minutes=offer_minutes)
        count += 1
    return count


def pass_on_offers_of(session: Session, user: User, *, now: datetime,
                      offer_minutes: int = 120) -> int:
    """The person blocked the bot: the seats held for them pass on at once."""
    count = 0
    for signup in session.scalars(select(Signup).where(Signup.user_id == user.id,
                                                       Signup.status == OFFERED)):
        signup.offered_until = as_utc(now)
        expire_offer(session, signup, now=now, offer_minutes=offer_minutes)
        _cancel_notices(session, signup, kinds=("waitlist.offer", "waitlist.offer_expiry"))
        count += 1
    return count


def upcoming_signups(session: Session, user: User, *, now: datetime) -> list[Signup]:
    return list(session.scalars(
        select(Signup).join(Slot).where(Signup.user_id == user.id,
                                        Signup.status.in_(ACTIVE_SIGNUP),
                                        Slot.ends_at > as_utc(now))
        .order_by(Slot.starts_at)))


def slot_roster(session: Session, slot: Slot) -> list[tuple[str, str]]:
    """(display name, status) of the people on a slot: names only, nothing else."""
    rows = session.execute(select(User.display_name, Signup.status).join(Signup.user)
                           .where(Signup.slot_id == slot.id, Signup.status != CANCELLED)
                           .order_by(Signup.queued_at)).all()
    return [(name or "—", status) for name, status in rows]


# -- notices (the notification outbox, models/outbox.py) ---------------------------------------


def _schedule_notices(session: Session, signup: Signup, slot: Slot, *,
                      first: bool = False, now: datetime | None = None) -> None:
    """Reminders before a confirmed slot and the "how did it go?" after it.

    `first`: a new sign-up, which has no notices yet, so they go in with one INSERT;
    otherwise they are enqueued again (moving pending ones, reviving cancelled ones)."""
    rows = _notice_rows(session, signup, slot, now)
    if first:
        enqueue_many(session, rows)
    else:
        enqueue_again_many(session, rows)


def _notice_rows(session: Session, signup: Signup, slot: Slot,
                 now: datetime | None = None) -> list[dict[str, Any]]:
    if signup.status != CONFIRMED:
        return []
    config = config_of(session)
    times = reminder_times(config, as_utc(slot.starts_at), as_utc(now or utcnow()))
    # a reminder due at once in quiet hours (signed up late for an early start) goes now
    rows = [{"user_id": signup.user_id, "kind": "activity.reminder", "ref": str(signup.id),
             "due_at": due, "dedupe_key": f"activity.reminder:{signup.id}:{suffix}",
             "urgent": in_quiet_hours(config, due)}
            for suffix, due in times]
    rows.append({"user_id": signup.user_id, "kind": "activity.feedback",
                 "ref": str(signup.id), "due_at": as_utc(slot.ends_at) + timedelta(minutes=30),
                 "dedupe_key": f"activity.feedback:{signup.id}", "urgent": False})
    return rows


def active_signups(session: Session, slot: Slot) -> list[Signup]:
    """Everyone on the slot: confirmed, offered or waiting (one statement)."""
    return list(session.scalars(select(Signup).where(Signup.slot_id == slot.id,
                                                     Signup.status.in_(ACTIVE_SIGNUP))))


def reminder_rows(session: Session, slot: Slot, signups: list[Signup],
                  now: datetime) -> list[dict[str, Any]]:
    """The reminders and "how did it go?" of the confirmed among `signups`, at the slot's
    time as it is now: a moved slot's rows, for `enqueue_again_many` (models/slot_changes.py)
    to move all at once."""
    return [row for signup in signups for row in _notice_rows(session, signup, slot, now)]


def _offer_notices(session: Session, signup: Signup, begins: datetime,
                   until: datetime) -> None:
    enqueue(session, user_id=signup.user_id, kind="waitlist.offer", ref=str(signup.id),
            due_at=begins, urgent=True,
            dedupe_key=f"waitlist.offer:{signup.id}:{until.isoformat()}")
    enqueue(session, user_id=signup.user_id, kind="waitlist.offer_expiry", ref=str(signup.id),
            due_at=until, urgent=True,
            dedupe_key=f"waitlist.offer_expiry:{signup.id}:{until.isoformat()}")


def _cancel_notices(session: Session, signup: Signup, kinds: tuple[str, ...] = (
        "activity.reminder", "activity.feedback", "waitlist.offer",
        "waitlist.offer_expiry")) -> None:
    for kind in kinds:
        cancel(session, ref=str(signup.id), kind=kind)


# -- "delete my data" ----------------------------------------------------------------------------


def erase(session: Session, user: User) -> None:
    """The person's sign-ups, freeing their seats for the people waiting."""
    now = utcnow()
    for signup in session.scalars(select(Signup).where(Signup.user_id == user.id,
                                                       Signup.status.in_(ACTIVE_SIGNUP))):
        cancel_signup(session, signup, now=now)
    session.execute(delete(Signup).where(Signup.user_id == user.id))
