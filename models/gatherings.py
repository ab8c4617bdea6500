"""Gatherings: an initiative's preparation gathering (実行準備の集い) or an idea call's idea
meeting (アイデアの会); who was invited, who answers attend or not, and the calendar file's
address and version (bot/ics.py writes the file).

A gathering belongs to exactly one initiative or one idea call. Answers are rows
(`gathering_rsvps`, one per person), so the count is a query; reminders are outbox rows
written when someone answers "attend" and cancelled when they change their mind.

A gathering that moves (`move`) gets its attending people's reminders at the new times: a
reminder's dedupe key names the start time it is for, so the old ones are cancelled and
new ones written, even where an old one was already sent. Everyone invited is told of a
change or a cancellation (`gathering.changed`, `gathering.cancelled`); every message reads
the gathering when it is sent, so nobody is told a stale time or place. A move or a
cancellation also raises the gathering's `sequence`, so that a calendar file downloaded
again updates the entry a phone already has.
"""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, String, UniqueConstraint, delete, func, select
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from models.base import Base, utcnow
from models.outbox import as_utc, cancel, enqueue
from models.outbox import waiting as unsent
from models.texts import Translated
from models.timing import in_quiet_hours, reminder_times

PREPARATION = "preparation"
IDEA_MEETING = "idea_meeting"
KINDS = (PREPARATION, IDEA_MEETING)
ATTEND, DECLINE = "yes", "no"

PLACE_MAX = 200
URL_MAX = 500


class Gathering(Translated, Base):
    __tablename__ = "gatherings"
    TEXT_KIND = "gathering"
    TEXT_FIELDS = ("place",)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    initiative_id: Mapped[int | None] = mapped_column(
        ForeignKey("initiatives.id", ondelete="CASCADE"), index=True)
    idea_call_id: Mapped[int | None] = mapped_column(
        ForeignKey("idea_calls.id", ondelete="CASCADE"), index=True)
    starts_at: Mapped[datetime]
    place: Mapped[str] = mapped_column(String(PLACE_MAX), default="")
    online_url: Mapped[str] = mapped_column(String(URL_MAX), default="")
    # the calendar file's address: unguessable, so the link does not reveal other gatherings
    ics_token: Mapped[str] = mapped_column(String(43), unique=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    cancelled: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # the calendar file's SEQUENCE, raised each time the gathering moves or is called off: a
    # phone's calendar replaces its entry (same UID) only with one of a higher sequence
    sequence: Mapped[int] = mapped_column(default=0, server_default="0")

    rsvps: Mapped[list[Rsvp]] = relationship(back_populates="gathering",
                                             cascade="all, delete-orphan",
                                             passive_deletes=True)

    @property
    def ref(self) -> str:
        return str(self.id)


class Rsvp(Base):
    __tablename__ = "gathering_rsvps"
    __table_args__ = (UniqueConstraint("gathering_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    gathering_id: Mapped[int] = mapped_column(ForeignKey("gatherings.id", ondelete="CASCADE"),
                                              index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    answer: Mapped[str] = mapped_column(String(8), default="")  # "" invited, yes, no
    answered_at: Mapped[datetime | None]

    gathering: Mapped[Gathering] = relationship(back_populates="rsvps")


class GatheringError(ValueError):
    def __init__(self, code: str, **params: Any) -> None:
        super().__init__(code)
        self.code, self.params = code, params


def schedule(session: Session, *, kind: str, starts_at: datetime, place: str = "",
             online_url: str = "", initiative_id: int | None = None,
             idea_call_id: int | None = None, by_user_id: int | None = None,
             now: datetime | None = None) -> Gathering:
    """A new gathering. Raises GatheringError("past" | "no_place" | "too_long")."""
    if kind not in KINDS or (initiative_id is None) == (idea_call_id is None):
        raise ValueError("a gathering belongs to one initiative or one idea call")
    starts_at = as_utc(starts_at)
    if starts_at <= as_utc(now or utcnow()):
        raise GatheringError("past")
    place, online_url = place.strip(), online_url.strip()
    if not place and not online_url:
        raise GatheringError("no_place")
    if len(place) > PLACE_MAX:
        raise GatheringError("too_long", limit=PLACE_MAX)
    if len(online_url) > URL_MAX:
        raise GatheringError("too_long", limit=URL_MAX)
    gathering = Gathering(kind=kind, starts_at=starts_at, place=place, online_url=online_url,
                          initiative_id=initiative_id, idea_call_id=idea_call_id,
                          created_by_id=by_user_id, ics_token=secrets.token_urlsafe(32),
                          cancelled=False)
    session.add(gathering)
    session.flush()
    return gathering


def invite(session: Session, gathering: Gathering, user_ids: list[int], *,
           now: datetime | None = None, shown: bool = False) -> int:
    """Invite people (an outbox row each, due now; none when `shown`: the invitation is
    in the reply they are reading); returns how many were new."""
    known = set(session.scalars(select(Rsvp.user_id).where(Rsvp.gathering_id == gathering.id)))
    new = 0
    for user_id in dict.fromkeys(user_ids):
        if user_id in known:
            continue
        session.add(Rsvp(gathering_id=gathering.id, user_id=user_id, answer=""))
        new += 1
        if shown:
            continue
        enqueue(session, user_id=user_id, kind="gathering.invite", ref=gathering.ref,
                due_at=now or utcnow(), dedupe_key=f"gathering:{gathering.id}:invite:{user_id}")
    session.flush()
    return new


def answer(session: Session, gathering: Gathering, user_id: int, value: str, *,
           config: dict[str, Any], now: datetime | None = None) -> Rsvp:
    """Record attend ("yes") or not ("no"); attending people get the reminders."""
    if value not in (ATTEND, DECLINE):
        raise ValueError(value)
    rsvp = session.scalar(select(Rsvp).where(Rsvp.gathering_id == gathering.id,
                                             Rsvp.user_id == user_id))
    if rsvp is None:
        rsvp = Rsvp(gathering_id=gathering.id, user_id=user_id)
        session.add(rsvp)
    rsvp.answer, rsvp.answered_at = value, as_utc(now or utcnow())
    _set_reminders(session, gathering, user_id, value == ATTEND, config=config, now=now)
    session.flush()
    return rsvp


def _set_reminders(session: Session, gathering: Gathering, user_id: int, attending: bool, *,
                   config: dict[str, Any], now: datetime | None) -> None:
    due_at = dict(reminder_times(config, as_utc(gathering.starts_at), as_utc(now or utcnow())))
    for name in ("day_before", "hours_before"):
        key = reminder_key(gathering, user_id, name)
        due = due_at.get(name)
        if attending and due is not None:
            # due at once in quiet hours (answered late for an early start): it goes now
            enqueue(session, user_id=user_id, kind="gathering.reminder", ref=gathering.ref,
                    due_at=due, dedupe_key=key, urgent=in_quiet_hours(config, due))
        else:
            cancel(session, dedupe_key=key)


def reminder_key(gathering: Gathering, user_id: int, name: str) -> str:
    """One reminder of one person for the gathering at its current start time."""
    start = int(as_utc(gathering.starts_at).timestamp())
    return f"gathering:{gathering.id}:{start}:{name}:{user_id}"


def counts(session: Session, gathering: Gathering) -> dict[str, int]:
    """{"yes": n, "no": n, "": n (not answered yet)}."""
    rows = session.execute(select(Rsvp.answer, func.count()).where(
        Rsvp.gathering_id == gathering.id).group_by(Rsvp.answer)).all()
    found = {ATTEND: 0, DECLINE: 0, "": 0}
    found.update({a: n for a, n in rows})
    return found


def answer_of(session: Session, gathering: Gathering, user_id: int) -> str | None:
    return session.scalar(select(Rsvp.answer).where(Rsvp.gathering_id == gathering.id,
                                                    Rsvp.user_id == user_id))


def move(session: Session, gathering: Gathering, *, starts_at: datetime | None = None,
         place: str | None = None, online_url: str | None = None, config: dict[str, Any],
         by_user_id: int | None = None, now: datetime | None = None) -> int:
    """A new time and/or place (a place replaces the online link and the other way round).

    Attending people's reminders move to the new time; everyone invited but the person who
    moved it is told. Returns how many are told. Raises GatheringError as `schedule` does.
    """
    now = as_utc(now or utcnow())
    if gathering.cancelled:
        raise GatheringError("cancelled")
    before = (as_utc(gathering.starts_at), gathering.place, gathering.online_url)
    if starts_at is not None:
        if as_utc(starts_at) <= now:
            raise GatheringError("past")
        cancel(session, ref=gathering.ref, kind="gathering.reminder")
        gathering.starts_at = as_utc(starts_at)
    if place is not None or online_url is not None:
        place, online_url = (place or "").strip(), (online_url or "").strip()
        if not place and not online_url:
            raise GatheringError("no_place")
        if len(place) > PLACE_MAX or len(online_url) > URL_MAX:
            raise GatheringError("too_long", limit=PLACE_MAX if place else URL_MAX)
        gathering.place, gathering.online_url = place, online_url
    if (as_utc(gathering.starts_at), gathering.place, gathering.online_url) != before:
        _next_sequence(gathering)
    attending = session.scalars(select(Rsvp.user_id).where(Rsvp.gathering_id == gathering.id,
                                                           Rsvp.answer == ATTEND))
    for user_id in list(attending):
        _set_reminders(session, gathering, user_id, True, config=config, now=now)
    session.flush()
    # people who said no hear of it too: the new time may suit them
    return _tell_invited(session, gathering, "gathering.changed", by_user_id, now,
                         declined_too=True)


def cancel_gathering(session: Session, gathering: Gathering, *, by_user_id: int | None = None,
                     now: datetime | None = None) -> int:
    """Call it off: no more reminders or invitations; everyone invited but the person who
    cancelled it is told. Returns how many are told."""
    if not gathering.cancelled:
        _next_sequence(gathering)
    gathering.cancelled = True
    cancel(session, ref=gathering.ref, kind="gathering.reminder")
    cancel(session, ref=gathering.ref, kind="gathering.invite")
    cancel(session, ref=gathering.ref, kind="gathering.changed")
    return _tell_invited(session, gathering, "gathering.cancelled", by_user_id,
                         as_utc(now or utcnow()), declined_too=False)


def _next_sequence(gathering: Gathering) -> None:
    """Raise the calendar sequence in the UPDATE itself, so two changes at once raise it
    twice."""
    gathering.sequence = Gathering.sequence + 1  # type: ignore[assignment]


def _tell_invited(session: Session, gathering: Gathering, kind: str, by_user_id: int | None,
                  now: datetime, *, declined_too: bool) -> int:
    """A `kind` message now to everyone invited (and who said no, with `declined_too`);
    people whose invitation is still waiting to be sent read the news in it instead."""

    waiting = set(session.scalars(unsent(kind="gathering.invite", ref=gathering.ref)))
    cancel(session, ref=gathering.ref, kind=kind)  # an earlier change not yet sent: this one
    people = select(Rsvp.user_id).where(Rsvp.gathering_id == gathering.id)
    if not declined_too:
        people = people.where(Rsvp.answer != DECLINE)
    stamp = int(now.timestamp() * 1000)
    told = 0
    for user_id in list(session.scalars(people)):
        if user_id == by_user_id or user_id in waiting:
            continue
        enqueue(session, user_id=user_id, kind=kind, ref=gathering.ref, due_at=now,
                urgent=True, dedupe_key=f"gathering:{gathering.id}:{kind}:{stamp}:{user_id}")
        told += 1
    session.flush()
    return told


def upcoming(session: Session, *, initiative_id: int | None = None,
             idea_call_id: int | None = None, now: datetime | None = None) -> list[Gathering]:
    query = select(Gathering).where(Gathering.cancelled.is_(False),
                                    Gathering.starts_at > as_utc(now or utcnow()))
    if initiative_id is not None:
        query = query.where(Gathering.initiative_id == initiative_id)
    if idea_call_id is not None:
        query = query.where(Gathering.idea_call_id == idea_call_id)
    return list(session.scalars(query.order_by(Gathering.starts_at)))


def by_token(session: Session, token: str) -> Gathering | None:
    if not token or len(token) > 64:
        return None
    return session.scalar(select(Gathering).where(Gathering.ics_token == token))


def erase_rsvps(session: Session, user: Any) -> None:
    """Delete my data: my answers (my reminders go with my outbox rows)."""
    session.execute(delete(Rsvp).where(Rsvp.user_id == user.id))

