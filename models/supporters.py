"""Digital supporters: their sessions with residents, help requests, who is on duty.

Live state (the 6-digit code, the pairing itself) lives in Redis with TTLs; these rows are
the history: "my residents" (last 30 days), the help requests and who accepted them. The
audit log (models.users.audit) records every supporter action and every proxy action.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import ForeignKey, String, delete, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column

from models.base import Base, utcnow
from models.outbox import cancel, enqueue
from models.users import Rights, User

SUPPORT_ROLES = ("supporter", "staff")
MY_RESIDENTS_DAYS = 30
HELP_REQUEST_MINUTES = 30  # a request can be accepted this long; then the resident is told
UNANSWERED = "support.unanswered"  # the notification kind: no one accepted in time


class SupportSession(Base):
    """One supporter helping one resident, from pairing until either side ends it."""

    __tablename__ = "support_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    # what the pairing consumed (a code's ticket, or "request:<id>"): used at most once
    ticket: Mapped[str] = mapped_column(String(64), unique=True)
    supporter_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                              index=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                             index=True)
    via: Mapped[str] = mapped_column(String(16))  # code | request
    started_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    ended_at: Mapped[datetime | None]
    ended_by: Mapped[str | None] = mapped_column(String(16))  # supporter | resident


class HelpRequest(Base):
    """A resident asked for help; on-duty supporters and staff were told; one may accept."""

    __tablename__ = "help_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                             index=True)
    flow: Mapped[str] = mapped_column(String(64), default="")  # e.g. "settings"
    step: Mapped[str] = mapped_column(String(64), default="")  # e.g. "settings.ask_mode"
    status: Mapped[str] = mapped_column(String(16), default="open")  # open | accepted
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    accepted_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"))
    accepted_at: Mapped[datetime | None]


class SupporterDuty(Base):
    """A supporter or staff member who is on duty now (a row while on duty)."""

    __tablename__ = "supporter_duty"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                         primary_key=True)
    since: Mapped[datetime] = mapped_column(default=utcnow)


def can_support(rights: Rights) -> bool:
    return any(rights.has_role(role) for role in SUPPORT_ROLES)


def start_session(session: Session, *, ticket: str, supporter: User, resident: User,
                  via: str, now: datetime) -> SupportSession | None:
    """Record a pairing; None when the ticket was already used (someone else was first)."""
    row = SupportSession(ticket=ticket, supporter_id=supporter.id, resident_id=resident.id,
                         via=via, started_at=now)
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError:
        return None
    return row


def end_session(session: Session, session_id: int, *, by: str, now: datetime) -> None:
    session.execute(update(SupportSession).where(
        SupportSession.id == session_id, SupportSession.ended_at.is_(None)).values(
        ended_at=now, ended_by=by))


def open_help_request(session: Session, resident: User, *, flow: str, step: str,
                      now: datetime) -> HelpRequest:
    """A new request, with the notice the resident gets if no one accepts it in time."""
    row = HelpRequest(resident_id=resident.id, flow=flow[:64], step=step[:64], created_at=now)
    session.add(row)
    session.flush()
    enqueue(session, user_id=resident.id, kind=UNANSWERED, ref=str(row.id),
            due_at=now + timedelta(minutes=HELP_REQUEST_MINUTES),
            dedupe_key=_unanswered_key(row.id), urgent=True)
    return row


def _unanswered_key(request_id: int) -> str:
    return f"help:{request_id}:unanswered"


def open_help_requests(session: Session, now: datetime, limit: int = 4) -> list[HelpRequest]:
    """Requests no one has accepted yet that can still be accepted, newest first."""
    since = now - timedelta(minutes=HELP_REQUEST_MINUTES)
    return list(session.scalars(select(HelpRequest).where(
        HelpRequest.status == "open", HelpRequest.created_at >= since)
        .order_by(HelpRequest.created_at.desc()).limit(limit)))


def unanswered(session: Session, request_id: int) -> HelpRequest | None:
    """The request, when no one accepted it (for the notice that says so)."""
    row = session.get(HelpRequest, request_id)
    return row if row is not None and row.status == "open" else None


def claim_help_request(session: Session, request_id: int, helper: User,
                       now: datetime) -> HelpRequest | None:
    """Accept an open, recent request; None when someone else was first or it is stale."""
    since = now - timedelta(minutes=HELP_REQUEST_MINUTES)
    result = session.execute(update(HelpRequest).where(
        HelpRequest.id == request_id, HelpRequest.status == "open",
        HelpRequest.created_at >= since).values(
        status="accepted", accepted_by_id=helper.id, accepted_at=now))
    if result.rowcount != 1:
        return None
    cancel(session, dedupe_key=_unanswered_key(request_id))
    return session.get(HelpRequest, request_id)


def on_duty(session: Session) -> list[User]:
    """Supporters and staff on duty, who are still friends of the bot."""
    return list(session.scalars(select(User).join(
        SupporterDuty, SupporterDuty.user_id == User.id).where(User.active)))


def is_on_duty(session: Session, user: User) -> bool:
    return session.get(SupporterDuty, user.id) is not None


def set_on_duty(session: Session, user: User, on: bool, now: datetime) -> None:
    row = session.get(SupporterDuty, user.id)
    if on and row is None:
        session.add(SupporterDuty(user_id=user.id, since=now))
    elif not on and row is not None:
        session.delete(row)


def my_residents(session: Session, supporter: User, now: datetime) -> list[User]:
    """Residents this supporter was paired with in the last 30 days, most recent first."""
    since = now - timedelta(days=MY_RESIDENTS_DAYS)
    latest = func.max(SupportSession.started_at)
    rows = session.execute(
        select(SupportSession.resident_id, latest)
        .where(SupportSession.supporter_id == supporter.id, SupportSession.started_at >= since)
        .group_by(SupportSession.resident_id).order_by(latest.desc())).all()
    users = {u.id: u for u in session.scalars(
        select(User).where(User.id.in_([r[0] for r in rows])))} if rows else {}
    return [users[r[0]] for r in rows if r[0] in users]


def erase(session: Session, user: User) -> None:
    session.execute(delete(SupportSession).where(or_(
        SupportSession.supporter_id == user.id, SupportSession.resident_id == user.id)))
    session.execute(delete(HelpRequest).where(HelpRequest.resident_id == user.id))
    session.execute(delete(SupporterDuty).where(SupporterDuty.user_id == user.id))

